use crate::{Conn, StoreError, exec, on_conn};
use twotier_domain::ids::{AppId, TenantId, UserId};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiAppRow {
    pub id: AppId,
    pub tenant_id: TenantId,
    pub name: String,
    pub client_id: String,
    pub secret_hash: String,
    /// Role names separated by commas.
    pub roles: String,
    pub disabled: bool,
    pub created_by: Option<UserId>,
    pub created_at: i64,
}

const COLUMNS: &str =
    "id, tenant_id, name, client_id, secret_hash, roles, disabled, created_by, created_at";

pub async fn insert(c: &mut Conn<'_>, a: &ApiAppRow) -> Result<(), StoreError> {
    let sql =
        format!("INSERT INTO api_apps ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)");
    exec!(c, |x| sqlx::query(&sql)
        .bind(&a.id)
        .bind(&a.tenant_id)
        .bind(&a.name)
        .bind(&a.client_id)
        .bind(&a.secret_hash)
        .bind(&a.roles)
        .bind(a.disabled)
        .bind(&a.created_by)
        .bind(a.created_at)
        .execute(&mut **x)
        .await)?;
    Ok(())
}

pub async fn find_by_client_id(
    c: &mut Conn<'_>,
    client_id: &str,
) -> Result<Option<ApiAppRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM api_apps WHERE client_id = $1");
    Ok(on_conn!(c, |x| sqlx::query_as::<_, ApiAppRow>(&sql)
        .bind(client_id)
        .fetch_optional(&mut **x)
        .await)?)
}

pub async fn find(
    c: &mut Conn<'_>,
    tenant_id: &TenantId,
    id: &AppId,
) -> Result<Option<ApiAppRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM api_apps WHERE tenant_id = $1 AND id = $2");
    Ok(on_conn!(c, |x| sqlx::query_as::<_, ApiAppRow>(&sql)
        .bind(tenant_id)
        .bind(id)
        .fetch_optional(&mut **x)
        .await)?)
}

pub async fn list_for_tenant(
    c: &mut Conn<'_>,
    tenant_id: &TenantId,
) -> Result<Vec<ApiAppRow>, StoreError> {
    let sql =
        format!("SELECT {COLUMNS} FROM api_apps WHERE tenant_id = $1 ORDER BY created_at DESC, id");
    Ok(on_conn!(c, |x| sqlx::query_as::<_, ApiAppRow>(&sql)
        .bind(tenant_id)
        .fetch_all(&mut **x)
        .await)?)
}

pub async fn set_disabled(
    c: &mut Conn<'_>,
    tenant_id: &TenantId,
    id: &AppId,
    disabled: bool,
) -> Result<(), StoreError> {
    const SQL: &str = "UPDATE api_apps SET disabled = $3 WHERE tenant_id = $1 AND id = $2";
    let done = exec!(c, |x| sqlx::query(SQL)
        .bind(tenant_id)
        .bind(id)
        .bind(disabled)
        .execute(&mut **x)
        .await)?;
    crate::expect_row(done)
}
