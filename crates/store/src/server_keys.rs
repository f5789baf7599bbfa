use crate::{Conn, StoreError, exec, on_conn};

/// Returns the named key, storing `candidate` first if none exists yet; every replica then
/// reads the same value.
pub async fn get_or_insert(
    c: &mut Conn<'_>,
    name: &str,
    candidate: &str,
    at: i64,
) -> Result<String, StoreError> {
    const INSERT: &str = "INSERT INTO server_keys (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING";
    const SELECT: &str = "SELECT value FROM server_keys WHERE name = $1";
    exec!(c, |x| sqlx::query(INSERT)
        .bind(name)
        .bind(candidate)
        .bind(at)
        .execute(&mut **x)
        .await)?;
    Ok(on_conn!(c, |x| sqlx::query_scalar::<_, String>(SELECT)
        .bind(name)
        .fetch_one(&mut **x)
        .await)?)
}
