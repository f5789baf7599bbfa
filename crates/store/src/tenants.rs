use crate::{Conn, StoreError, exec, on_conn};
use twotier_domain::ids::TenantId;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TenantRow {
    pub id: TenantId,
    pub kind: String,
    pub name: String,
    pub require_mfa: bool,
    pub disabled: bool,
    pub created_at: i64,
}

const COLUMNS: &str = "id, kind, name, require_mfa, disabled, created_at";

pub async fn insert(c: &mut Conn<'_>, t: &TenantRow) -> Result<(), StoreError> {
    const SQL: &str = "INSERT INTO tenants (id, kind, name, require_mfa, disabled, created_at) \
                       VALUES ($1, $2, $3, $4, $5, $6)";
    exec!(c, |x| sqlx::query(SQL)
        .bind(&t.id)
        .bind(&t.kind)
        .bind(&t.name)
        .bind(t.require_mfa)
        .bind(t.disabled)
        .bind(t.created_at)
        .execute(&mut **x)
        .await)?;
    Ok(())
}

pub async fn find(c: &mut Conn<'_>, id: &TenantId) -> Result<Option<TenantRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM tenants WHERE id = $1");
    Ok(on_conn!(c, |x| sqlx::query_as::<_, TenantRow>(&sql)
        .bind(id)
        .fetch_optional(&mut **x)
        .await)?)
}

/// The first operator tenant; there is normally exactly one.
pub async fn find_operator(c: &mut Conn<'_>) -> Result<Option<TenantRow>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM tenants WHERE kind = 'operator' ORDER BY created_at, id LIMIT 1"
    );
    Ok(on_conn!(c, |x| sqlx::query_as::<_, TenantRow>(&sql)
        .fetch_optional(&mut **x)
        .await)?)
}

pub async fn count(c: &mut Conn<'_>) -> Result<i64, StoreError> {
    const SQL: &str = "SELECT COUNT(*) FROM tenants";
    Ok(on_conn!(c, |x| sqlx::query_scalar::<_, i64>(SQL)
        .fetch_one(&mut **x)
        .await)?)
}

pub async fn set_disabled(
    c: &mut Conn<'_>,
    id: &TenantId,
    disabled: bool,
) -> Result<(), StoreError> {
    const SQL: &str = "UPDATE tenants SET disabled = $2 WHERE id = $1";
    let done = exec!(c, |x| sqlx::query(SQL)
        .bind(id)
        .bind(disabled)
        .execute(&mut **x)
        .await)?;
    crate::expect_row(done)
}

pub async fn set_require_mfa(
    c: &mut Conn<'_>,
    id: &TenantId,
    require: bool,
) -> Result<(), StoreError> {
    const SQL: &str = "UPDATE tenants SET require_mfa = $2 WHERE id = $1";
    let done = exec!(c, |x| sqlx::query(SQL)
        .bind(id)
        .bind(require)
        .execute(&mut **x)
        .await)?;
    crate::expect_row(done)
}

pub async fn rename(c: &mut Conn<'_>, id: &TenantId, name: &str) -> Result<(), StoreError> {
    const SQL: &str = "UPDATE tenants SET name = $2 WHERE id = $1";
    exec!(c, |x| sqlx::query(SQL)
        .bind(id)
        .bind(name)
        .execute(&mut **x)
        .await)?;
    Ok(())
}

/// Many tenants at once (bulk loads).
pub async fn insert_many(c: &mut Conn<'_>, rows: &[TenantRow]) -> Result<(), StoreError> {
    use crate::Val::{Bool, Int, Text};
    let rows: Vec<Vec<crate::Val<'_>>> = rows
        .iter()
        .map(|t| {
            vec![
                Text(t.id.as_str()),
                Text(&t.kind),
                Text(&t.name),
                Bool(t.require_mfa),
                Bool(t.disabled),
                Int(t.created_at),
            ]
        })
        .collect();
    crate::insert_rows(
        c,
        "tenants",
        "id, kind, name, require_mfa, disabled, created_at",
        &rows,
    )
    .await
}
