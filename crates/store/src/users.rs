use crate::customers::{Cursor, ListSort};
use crate::{Conn, StoreError, exec, keyset, on_conn};
use twotier_domain::ids::{TenantId, UserId};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: UserId,
    pub tenant_id: TenantId,
    pub email: String,
    pub email_lower: String,
    pub display_name: String,
    pub password_hash: Option<String>,
    pub temp_password_hash: Option<String>,
    pub temp_password_expires_at: Option<i64>,
    pub totp_secret: Option<String>,
    pub totp_enabled: bool,
    pub totp_last_step: Option<i64>,
    pub disabled: bool,
    /// Wrong second-factor codes in a row since the last right one.
    pub totp_failures: i32,
    pub created_at: i64,
    pub updated_at: i64,
    /// The partner tenant that created this user of a customer, if one did.
    pub created_by_tenant_id: Option<TenantId>,
}

const COLUMNS: &str = "id, tenant_id, email, email_lower, display_name, password_hash, temp_password_hash, \
     temp_password_expires_at, totp_secret, totp_enabled, totp_last_step, disabled, totp_failures, \
     created_at, updated_at, created_by_tenant_id";

pub async fn insert(c: &mut Conn<'_>, u: &UserRow) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO users ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
    );
    exec!(c, |x| sqlx::query(&sql)
        .bind(&u.id)
        .bind(&u.tenant_id)
        .bind(&u.email)
        .bind(&u.email_lower)
        .bind(&u.display_name)
        .bind(&u.password_hash)
        .bind(&u.temp_password_hash)
        .bind(u.temp_password_expires_at)
        .bind(&u.totp_secret)
        .bind(u.totp_enabled)
        .bind(u.totp_last_step)
        .bind(u.disabled)
        .bind(u.totp_failures)
        .bind(u.created_at)
        .bind(u.updated_at)
        .bind(&u.created_by_tenant_id)
        .execute(&mut **x)
        .await)?;
    Ok(())
}

/// A user of one tenant; another tenant's user is `None`.
pub async fn find(
    c: &mut Conn<'_>,
    tenant_id: &TenantId,
    id: &UserId,
) -> Result<Option<UserRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE tenant_id = $1 AND id = $2");
    Ok(on_conn!(c, |x| sqlx::query_as::<_, UserRow>(&sql)
        .bind(tenant_id)
        .bind(id)
        .fetch_optional(&mut **x)
        .await)?)
}

/// Every account with this address, in any tenant (sign-in, before any tenant is known),
/// oldest first. An address is unique only inside its tenant.
pub async fn with_email(c: &mut Conn<'_>, email_lower: &str) -> Result<Vec<UserRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE email_lower = $1 ORDER BY created_at, id");
    Ok(on_conn!(c, |x| sqlx::query_as::<_, UserRow>(&sql)
        .bind(email_lower)
        .fetch_all(&mut **x)
        .await)?)
}

/// The tenant's user with this address.
pub async fn find_by_email(
    c: &mut Conn<'_>,
    tenant_id: &TenantId,
    email_lower: &str,
) -> Result<Option<UserRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE tenant_id = $1 AND email_lower = $2");
    Ok(on_conn!(c, |x| sqlx::query_as::<_, UserRow>(&sql)
        .bind(tenant_id)
        .bind(email_lower)
        .fetch_optional(&mut **x)
        .await)?)
}

pub async fn list_for_tenant(
    c: &mut Conn<'_>,
    tenant_id: &TenantId,
) -> Result<Vec<UserRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE tenant_id = $1 ORDER BY email_lower");
    Ok(on_conn!(c, |x| sqlx::query_as::<_, UserRow>(&sql)
        .bind(tenant_id)
        .fetch_all(&mut **x)
        .await)?)
}

/// A user in a list page, with the key of the name order as the database computes it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserListRow {
    #[sqlx(flatten)]
    pub user: UserRow,
    pub name_key: String,
}

/// Which page of a tenant's users.
#[derive(Debug, Clone)]
pub struct ListFilter<'a> {
    pub tenant: &'a TenantId,
    /// Names or email addresses that contain this.
    pub contains: Option<&'a str>,
    /// By display name, or by when the user was added.
    pub sort: ListSort,
    pub cursor: Option<Cursor<'a>>,
    pub limit: i64,
}

impl ListSort {
    /// A user's key in this order, as a cursor carries it.
    pub fn key_of_user(self, row: &UserListRow) -> String {
        match self {
            Self::Name | Self::NameDescending => row.name_key.clone(),
            Self::Newest | Self::Oldest => row.user.created_at.to_string(),
        }
    }
}

fn list_sql(f: &ListFilter<'_>, select: &str, paged: bool) -> keyset::Query {
    let mut q = keyset::Query::new(format!("{select} FROM users WHERE tenant_id = $1"), 1);
    if let Some(text) = crate::like_contains(f.contains) {
        q.and(
            "(lower(display_name) LIKE ? ESCAPE '\\' OR email_lower LIKE ? ESCAPE '\\')",
            vec![text.clone(), text],
        );
    }
    if paged {
        q.page(
            ("lower(display_name)", "created_at", "id"),
            f.sort,
            f.cursor,
            f.limit,
        );
    }
    q
}

/// A page of the tenant's users in the filter's order (backwards from a backward cursor,
/// turned round).
pub async fn list(c: &mut Conn<'_>, f: &ListFilter<'_>) -> Result<Vec<UserListRow>, StoreError> {
    let page = list_sql(
        f,
        &format!("SELECT {COLUMNS}, lower(display_name) AS name_key"),
        true,
    );
    page.rows_of(c, f.tenant, f.cursor.is_some_and(|c| c.backwards))
        .await
}

pub async fn count(c: &mut Conn<'_>, f: &ListFilter<'_>) -> Result<i64, StoreError> {
    list_sql(f, "SELECT COUNT(*)", false)
        .count_of(c, f.tenant)
        .await
}

/// The roles of these users of the tenant, (user, role) by user and role.
pub async fn roles_of(
    c: &mut Conn<'_>,
    tenant_id: &TenantId,
    users: &[UserId],
) -> Result<Vec<(UserId, String)>, StoreError> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (2..=users.len() + 1).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT user_id, role FROM user_roles WHERE tenant_id = $1 AND user_id IN ({}) \
         ORDER BY user_id, role",
        marks.join(", ")
    );
    Ok(on_conn!(c, |x| {
        let mut q = sqlx::query_as::<_, (UserId, String)>(&sql).bind(tenant_id);
        for id in users {
            q = q.bind(id);
        }
        q.fetch_all(&mut **x).await
    })?)
}

pub async fn roles(
    c: &mut Conn<'_>,
    tenant_id: &TenantId,
    user_id: &UserId,
) -> Result<Vec<String>, StoreError> {
    const SQL: &str =
        "SELECT role FROM user_roles WHERE tenant_id = $1 AND user_id = $2 ORDER BY role";
    Ok(on_conn!(c, |x| sqlx::query_scalar::<_, String>(SQL)
        .bind(tenant_id)
        .bind(user_id)
        .fetch_all(&mut **x)
        .await)?)
}

/// (user_id, role) for every user of the tenant, for list pages without a query per row.
pub async fn roles_for_tenant(
    c: &mut Conn<'_>,
    tenant_id: &TenantId,
) -> Result<Vec<(UserId, String)>, StoreError> {
    const SQL: &str =
        "SELECT user_id, role FROM user_roles WHERE tenant_id = $1 ORDER BY user_id, role";
    Ok(on_conn!(c, |x| sqlx::query_as::<_, (UserId, String)>(SQL)
        .bind(tenant_id)
        .fetch_all(&mut **x)
        .await)?)
}

/// Replaces the user's roles with exactly these.
pub async fn set_roles(
    c: &mut Conn<'_>,
    tenant_id: &TenantId,
    user_id: &UserId,
    roles: &[&str],
) -> Result<(), StoreError> {
    const DELETE: &str = "DELETE FROM user_roles WHERE tenant_id = $1 AND user_id = $2";
    const INSERT: &str = "INSERT INTO user_roles (tenant_id, user_id, role) VALUES ($1, $2, $3)";
    on_conn!(c, |x| {
        sqlx::query(DELETE)
            .bind(tenant_id)
            .bind(user_id)
            .execute(&mut **x)
            .await?;
        for role in roles {
            sqlx::query(INSERT)
                .bind(tenant_id)
                .bind(user_id)
                .bind(*role)
                .execute(&mut **x)
                .await?;
        }
        Ok::<(), sqlx::Error>(())
    })?;
    Ok(())
}

/// Counts enabled users of the tenant holding the role (to keep the last Global admin), not
/// counting users a partner created.
pub async fn count_enabled_with_role(
    c: &mut Conn<'_>,
    tenant_id: &TenantId,
    role: &str,
) -> Result<i64, StoreError> {
    const SQL: &str = "SELECT COUNT(*) FROM user_roles r JOIN users u ON u.id = r.user_id \
         WHERE r.tenant_id = $1 AND r.role = $2 AND NOT u.disabled AND u.created_by_tenant_id IS NULL";
    Ok(on_conn!(c, |x| sqlx::query_scalar::<_, i64>(SQL)
        .bind(tenant_id)
        .bind(role)
        .fetch_one(&mut **x)
        .await)?)
}

/// Sets a new permanent password and forgets any temporary one.
pub async fn set_password(
    c: &mut Conn<'_>,
    id: &UserId,
    hash: &str,
    at: i64,
) -> Result<(), StoreError> {
    const SQL: &str = "UPDATE users SET password_hash = $2, temp_password_hash = NULL, \
         temp_password_expires_at = NULL, updated_at = $3 WHERE id = $1";
    exec!(c, |x| sqlx::query(SQL)
        .bind(id)
        .bind(hash)
        .bind(at)
        .execute(&mut **x)
        .await)?;
    Ok(())
}

/// Issues a temporary password: the permanent one stops working until the user changes it.
pub async fn set_temp_password(
    c: &mut Conn<'_>,
    id: &UserId,
    hash: &str,
    expires_at: i64,
    at: i64,
) -> Result<(), StoreError> {
    const SQL: &str = "UPDATE users SET password_hash = NULL, temp_password_hash = $2, \
         temp_password_expires_at = $3, totp_failures = 0, updated_at = $4 WHERE id = $1";
    exec!(c, |x| sqlx::query(SQL)
        .bind(id)
        .bind(hash)
        .bind(expires_at)
        .bind(at)
        .execute(&mut **x)
        .await)?;
    Ok(())
}

pub async fn set_disabled(
    c: &mut Conn<'_>,
    tenant_id: &TenantId,
    id: &UserId,
    disabled: bool,
    at: i64,
) -> Result<(), StoreError> {
    const SQL: &str =
        "UPDATE users SET disabled = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2";
    let done = exec!(c, |x| sqlx::query(SQL)
        .bind(tenant_id)
        .bind(id)
        .bind(disabled)
        .bind(at)
        .execute(&mut **x)
        .await)?;
    crate::expect_row(done)
}

pub async fn set_display_name(
    c: &mut Conn<'_>,
    tenant_id: &TenantId,
    id: &UserId,
    name: &str,
    at: i64,
) -> Result<(), StoreError> {
    const SQL: &str =
        "UPDATE users SET display_name = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2";
    exec!(c, |x| sqlx::query(SQL)
        .bind(tenant_id)
        .bind(id)
        .bind(name)
        .bind(at)
        .execute(&mut **x)
        .await)?;
    Ok(())
}

/// Counts a wrong second-factor code; returns the failures in a row now.
pub async fn count_totp_failure(c: &mut Conn<'_>, id: &UserId) -> Result<i32, StoreError> {
    const SQL: &str =
        "UPDATE users SET totp_failures = totp_failures + 1 WHERE id = $1 RETURNING totp_failures";
    Ok(on_conn!(c, |x| sqlx::query_scalar::<_, i32>(SQL)
        .bind(id)
        .fetch_optional(&mut **x)
        .await)?
    .unwrap_or_default())
}

pub async fn reset_totp_failures(c: &mut Conn<'_>, id: &UserId) -> Result<(), StoreError> {
    const SQL: &str = "UPDATE users SET totp_failures = 0 WHERE id = $1 AND totp_failures <> 0";
    exec!(c, |x| sqlx::query(SQL).bind(id).execute(&mut **x).await)?;
    Ok(())
}

pub async fn set_totp(
    c: &mut Conn<'_>,
    id: &UserId,
    secret: Option<&str>,
    enabled: bool,
    at: i64,
) -> Result<(), StoreError> {
    const SQL: &str = "UPDATE users SET totp_secret = $2, totp_enabled = $3, totp_last_step = NULL, updated_at = $4 WHERE id = $1";
    exec!(c, |x| sqlx::query(SQL)
        .bind(id)
        .bind(secret)
        .bind(enabled)
        .bind(at)
        .execute(&mut **x)
        .await)?;
    Ok(())
}

/// Remembers the last accepted TOTP step so a code cannot be replayed; false when it was used.
pub async fn use_totp_step(c: &mut Conn<'_>, id: &UserId, step: i64) -> Result<bool, StoreError> {
    const SQL: &str = "UPDATE users SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)";
    let done = exec!(c, |x| sqlx::query(SQL)
        .bind(id)
        .bind(step)
        .execute(&mut **x)
        .await)?;
    Ok(done == 1)
}
