use crate::{Conn, StoreError, exec, on_conn};
use twotier_domain::ids::{AppId, TenantId, TokenId, UserId};

/// A bearer token: a person's personal token (`user_id`) or an app's access token (`app_id`).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiTokenRow {
    pub id: TokenId,
    pub tenant_id: TenantId,
    pub user_id: Option<UserId>,
    pub app_id: Option<AppId>,
    pub name: String,
    pub token_hash: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

const COLUMNS: &str = "id, tenant_id, user_id, app_id, name, token_hash, created_at, expires_at, last_used_at, revoked_at";

pub async fn insert(c: &mut Conn<'_>, t: &ApiTokenRow) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO api_tokens ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    );
    exec!(c, |x| sqlx::query(&sql)
        .bind(&t.id)
        .bind(&t.tenant_id)
        .bind(&t.user_id)
        .bind(&t.app_id)
        .bind(&t.name)
        .bind(&t.token_hash)
        .bind(t.created_at)
        .bind(t.expires_at)
        .bind(t.last_used_at)
        .bind(t.revoked_at)
        .execute(&mut **x)
        .await)?;
    Ok(())
}

/// A token that is neither revoked nor expired.
pub async fn find_live_by_hash(
    c: &mut Conn<'_>,
    hash: &str,
    now: i64,
) -> Result<Option<ApiTokenRow>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2"
    );
    Ok(on_conn!(c, |x| sqlx::query_as::<_, ApiTokenRow>(&sql)
        .bind(hash)
        .bind(now)
        .fetch_optional(&mut **x)
        .await)?)
}

pub async fn list_for_user(
    c: &mut Conn<'_>,
    tenant_id: &TenantId,
    user_id: &UserId,
) -> Result<Vec<ApiTokenRow>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM api_tokens WHERE tenant_id = $1 AND user_id = $2 ORDER BY created_at DESC, id"
    );
    Ok(on_conn!(c, |x| sqlx::query_as::<_, ApiTokenRow>(&sql)
        .bind(tenant_id)
        .bind(user_id)
        .fetch_all(&mut **x)
        .await)?)
}

/// Revokes one of the user's tokens; false when it was not theirs or already revoked.
pub async fn revoke(
    c: &mut Conn<'_>,
    tenant_id: &TenantId,
    user_id: &UserId,
    id: &TokenId,
    at: i64,
) -> Result<bool, StoreError> {
    const SQL: &str = "UPDATE api_tokens SET revoked_at = $4 WHERE tenant_id = $1 AND user_id = $2 AND id = $3 AND revoked_at IS NULL";
    let done = exec!(c, |x| sqlx::query(SQL)
        .bind(tenant_id)
        .bind(user_id)
        .bind(id)
        .bind(at)
        .execute(&mut **x)
        .await)?;
    Ok(done == 1)
}

/// One token by id (the token a request came with, for the limits of what it may do).
pub async fn find(c: &mut Conn<'_>, id: &TokenId) -> Result<Option<ApiTokenRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM api_tokens WHERE id = $1");
    Ok(on_conn!(c, |x| sqlx::query_as::<_, ApiTokenRow>(&sql)
        .bind(id)
        .fetch_optional(&mut **x)
        .await)?)
}

/// Revokes every token of a user (password reset, user disabled): enabling the user again
/// does not bring them back.
pub async fn revoke_for_user(
    c: &mut Conn<'_>,
    user_id: &UserId,
    at: i64,
) -> Result<u64, StoreError> {
    const SQL: &str =
        "UPDATE api_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL";
    let done = exec!(c, |x| sqlx::query(SQL)
        .bind(user_id)
        .bind(at)
        .execute(&mut **x)
        .await)?;
    Ok(done)
}

/// Revokes every token of an app (app disabled).
pub async fn revoke_for_app(c: &mut Conn<'_>, app_id: &AppId, at: i64) -> Result<u64, StoreError> {
    const SQL: &str =
        "UPDATE api_tokens SET revoked_at = $2 WHERE app_id = $1 AND revoked_at IS NULL";
    let done = exec!(c, |x| sqlx::query(SQL)
        .bind(app_id)
        .bind(at)
        .execute(&mut **x)
        .await)?;
    Ok(done)
}

/// Records use at most once a minute per token, to keep reads cheap.
pub async fn touch(c: &mut Conn<'_>, id: &TokenId, now: i64) -> Result<(), StoreError> {
    const SQL: &str = "UPDATE api_tokens SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $3)";
    exec!(c, |x| sqlx::query(SQL)
        .bind(id)
        .bind(now)
        .bind(now - 60_000)
        .execute(&mut **x)
        .await)?;
    Ok(())
}

/// What a request needs to know about a live bearer token, read in one query: the token,
/// its enabled tenant, and its enabled user (with the user's roles) or app.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenPrincipal {
    pub id: TokenId,
    pub tenant_id: TenantId,
    pub tenant_kind: String,
    pub last_used_at: Option<i64>,
    pub expires_at: i64,
    pub user_id: Option<UserId>,
    pub user_email: Option<String>,
    /// The user's roles, comma-separated.
    pub user_roles: Option<String>,
    pub app_id: Option<AppId>,
    pub app_client_id: Option<String>,
    pub app_roles: Option<String>,
}

pub async fn find_principal(
    c: &mut Conn<'_>,
    hash: &str,
    now: i64,
) -> Result<Option<TokenPrincipal>, StoreError> {
    // The one statement that differs by backend: the aggregate that joins the roles.
    let aggregate = match c {
        Conn::Sqlite(_) => "group_concat(r.role, ',')",
        Conn::Postgres(_) => "string_agg(r.role, ',')",
    };
    let sql = format!(
        "SELECT k.id, k.tenant_id, t.kind AS tenant_kind, k.last_used_at, k.expires_at, \
         u.id AS user_id, u.email AS user_email, \
         (SELECT {aggregate} FROM user_roles r WHERE r.tenant_id = k.tenant_id AND r.user_id = u.id) AS user_roles, \
         a.id AS app_id, a.client_id AS app_client_id, a.roles AS app_roles \
         FROM api_tokens k JOIN tenants t ON t.id = k.tenant_id \
         LEFT JOIN users u ON u.id = k.user_id AND u.tenant_id = k.tenant_id AND NOT u.disabled \
         LEFT JOIN api_apps a ON a.id = k.app_id AND a.tenant_id = k.tenant_id AND NOT a.disabled \
         WHERE k.token_hash = $1 AND k.revoked_at IS NULL AND k.expires_at > $2 AND NOT t.disabled \
         AND (u.id IS NOT NULL OR a.id IS NOT NULL)"
    );
    Ok(on_conn!(c, |x| sqlx::query_as::<_, TokenPrincipal>(&sql)
        .bind(hash)
        .bind(now)
        .fetch_optional(&mut **x)
        .await)?)
}
