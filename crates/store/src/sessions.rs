use crate::{Conn, StoreError, exec, on_conn};
use twotier_domain::ids::{TenantId, UserId};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub id_hash: String,
    pub user_id: UserId,
    pub csrf_token: String,
    pub mfa_passed: bool,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
}

pub async fn insert(c: &mut Conn<'_>, s: &SessionRow) -> Result<(), StoreError> {
    const SQL: &str = "INSERT INTO sessions (id_hash, user_id, csrf_token, mfa_passed, created_at, last_seen_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)";
    exec!(c, |x| sqlx::query(SQL)
        .bind(&s.id_hash)
        .bind(&s.user_id)
        .bind(&s.csrf_token)
        .bind(s.mfa_passed)
        .bind(s.created_at)
        .bind(s.last_seen_at)
        .bind(s.expires_at)
        .execute(&mut **x)
        .await)?;
    Ok(())
}

/// A live session by the hash of its id.
pub async fn find(
    c: &mut Conn<'_>,
    id_hash: &str,
    now: i64,
) -> Result<Option<SessionRow>, StoreError> {
    const SQL: &str = "SELECT id_hash, user_id, csrf_token, mfa_passed, created_at, last_seen_at, expires_at \
         FROM sessions WHERE id_hash = $1 AND expires_at > $2";
    Ok(on_conn!(c, |x| sqlx::query_as::<_, SessionRow>(SQL)
        .bind(id_hash)
        .bind(now)
        .fetch_optional(&mut **x)
        .await)?)
}

/// Slides the idle expiry forward, never past the absolute limit.
pub async fn touch(
    c: &mut Conn<'_>,
    id_hash: &str,
    now: i64,
    expires_at: i64,
) -> Result<(), StoreError> {
    const SQL: &str = "UPDATE sessions SET last_seen_at = $2, expires_at = $3 WHERE id_hash = $1";
    exec!(c, |x| sqlx::query(SQL)
        .bind(id_hash)
        .bind(now)
        .bind(expires_at)
        .execute(&mut **x)
        .await)?;
    Ok(())
}

pub async fn mark_mfa_passed(c: &mut Conn<'_>, id_hash: &str) -> Result<(), StoreError> {
    const SQL: &str = "UPDATE sessions SET mfa_passed = TRUE WHERE id_hash = $1";
    exec!(c, |x| sqlx::query(SQL)
        .bind(id_hash)
        .execute(&mut **x)
        .await)?;
    Ok(())
}

pub async fn delete(c: &mut Conn<'_>, id_hash: &str) -> Result<(), StoreError> {
    const SQL: &str = "DELETE FROM sessions WHERE id_hash = $1";
    exec!(c, |x| sqlx::query(SQL)
        .bind(id_hash)
        .execute(&mut **x)
        .await)?;
    Ok(())
}

/// Ends every session of the user (disable, role change, password change).
pub async fn delete_for_user(c: &mut Conn<'_>, user_id: &UserId) -> Result<u64, StoreError> {
    const SQL: &str = "DELETE FROM sessions WHERE user_id = $1";
    let done = exec!(c, |x| sqlx::query(SQL)
        .bind(user_id)
        .execute(&mut **x)
        .await)?;
    Ok(done)
}

/// Ends every session of every user of a tenant (partner disabled).
pub async fn delete_for_tenant(c: &mut Conn<'_>, tenant_id: &TenantId) -> Result<u64, StoreError> {
    const SQL: &str =
        "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE tenant_id = $1)";
    let done = exec!(c, |x| sqlx::query(SQL)
        .bind(tenant_id)
        .execute(&mut **x)
        .await)?;
    Ok(done)
}

pub async fn delete_expired(c: &mut Conn<'_>, now: i64) -> Result<u64, StoreError> {
    const SQL: &str = "DELETE FROM sessions WHERE expires_at <= $1";
    let done = exec!(c, |x| sqlx::query(SQL).bind(now).execute(&mut **x).await)?;
    Ok(done)
}

/// What a request needs to know about its signed-in user, read in one query with the session.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionPrincipal {
    pub id_hash: String,
    pub csrf_token: String,
    pub mfa_passed: bool,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub user_id: UserId,
    pub tenant_id: TenantId,
    pub email: String,
    pub display_name: String,
    pub must_change_password: bool,
    pub totp_enabled: bool,
    pub tenant_kind: String,
    pub tenant_name: String,
    pub tenant_require_mfa: bool,
}

/// A live session of an enabled user in an enabled tenant; anything else is `None`.
pub async fn find_principal(
    c: &mut Conn<'_>,
    id_hash: &str,
    now: i64,
) -> Result<Option<SessionPrincipal>, StoreError> {
    const SQL: &str = "SELECT s.id_hash, s.csrf_token, s.mfa_passed, s.created_at, s.last_seen_at, \
         u.id AS user_id, u.tenant_id, u.email, u.display_name, \
         (u.password_hash IS NULL) AS must_change_password, u.totp_enabled, \
         t.kind AS tenant_kind, t.name AS tenant_name, t.require_mfa AS tenant_require_mfa \
         FROM sessions s JOIN users u ON u.id = s.user_id JOIN tenants t ON t.id = u.tenant_id \
         WHERE s.id_hash = $1 AND s.expires_at > $2 AND NOT u.disabled AND NOT t.disabled";
    Ok(on_conn!(c, |x| sqlx::query_as::<_, SessionPrincipal>(SQL)
        .bind(id_hash)
        .bind(now)
        .fetch_optional(&mut **x)
        .await)?)
}

/// Ends every other session of the user (after a password change).
pub async fn delete_others(
    c: &mut Conn<'_>,
    user_id: &UserId,
    keep_id_hash: &str,
) -> Result<u64, StoreError> {
    const SQL: &str = "DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2";
    exec!(c, |x| sqlx::query(SQL)
        .bind(user_id)
        .bind(keep_id_hash)
        .execute(&mut **x)
        .await)
    .map_err(Into::into)
}
