//! Users of a tenant and their roles. Creating a user or resetting a password issues a
//! temporary password, shown once, useless after the first change or after it expires.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use twotier_domain::FieldErrors;
use twotier_domain::actor::Actor;
use twotier_domain::audit::{Operation, ResourceType};
use twotier_domain::authz::{Permission, Role, check_roles_for};
use twotier_domain::clock::Timestamp;
use twotier_domain::ids::{TenantId, UserId};
use twotier_domain::tenant::TenantKind;
use twotier_domain::user::{Email, parse_display_name};
pub use twotier_store::customers::ListSort;
use twotier_store::users::{self, UserRow};
use twotier_store::{api_tokens, sessions, tenants};

use crate::audit::Event;
use crate::write::{Change, Replayable};
use crate::{CoreError, RequestMeta, Services, authz, secrets};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: UserId,
    pub tenant_id: TenantId,
    pub email: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub disabled: bool,
    pub two_factor_enabled: bool,
    /// The user still has to replace a temporary password.
    pub must_change_password: bool,
    pub created_at: Timestamp,
}

fn parse_roles(stored: &[String]) -> Vec<Role> {
    stored.iter().filter_map(|r| Role::parse(r).ok()).collect()
}

impl User {
    /// Roles are listed by name, the same order everywhere.
    fn from_row(u: UserRow, mut roles: Vec<Role>) -> Self {
        roles.sort_by_key(|r| r.as_str());
        Self {
            must_change_password: u.password_hash.is_none(),
            id: u.id.clone(),
            tenant_id: u.tenant_id.clone(),
            email: u.email,
            display_name: u.display_name,
            roles,
            disabled: u.disabled,
            two_factor_enabled: u.totp_enabled,
            created_at: Timestamp(u.created_at),
        }
    }
}

/// A freshly issued temporary password.
pub(crate) struct Issued {
    pub user_id: UserId,
    pub temporary_password: String,
    pub expires_at: Timestamp,
}

pub(crate) fn temp_password(svc: &Services) -> (String, String, Timestamp) {
    let plain = secrets::new_temp_password();
    let hash = secrets::hmac_hex(svc.server_key(), &plain);
    (
        plain,
        hash,
        svc.now().plus_hours(svc.settings.temp_password_hours),
    )
}

/// Inserts a user with a temporary password inside an open change. The email must be free.
/// `partner` is the partner tenant creating a user of a customer, when one does.
pub(crate) async fn insert_with_temp_password(
    ch: &mut Change<'_>,
    tenant_id: &TenantId,
    email: &Email,
    display_name: &str,
    roles: &[Role],
    partner: Option<&TenantId>,
) -> Result<Issued, CoreError> {
    let now = ch.svc.now().millis();
    let (plain, hash, expires_at) = temp_password(ch.svc);
    let id = UserId::generate();
    users::insert(
        &mut ch.conn(),
        &UserRow {
            id: id.clone(),
            tenant_id: tenant_id.clone(),
            email: email.address.clone(),
            email_lower: email.lower.clone(),
            display_name: display_name.to_owned(),
            password_hash: None,
            temp_password_hash: Some(hash),
            temp_password_expires_at: Some(expires_at.millis()),
            totp_secret: None,
            totp_enabled: false,
            totp_last_step: None,
            disabled: false,
            totp_failures: 0,
            created_at: now,
            updated_at: now,
            created_by_tenant_id: partner.cloned(),
        },
    )
    .await
    .map_err(|e| match e {
        twotier_store::StoreError::Conflict => CoreError::invalid(
            "email",
            "a user of this organisation already has this email",
        ),
        e => e.into(),
    })?;
    let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    users::set_roles(&mut ch.conn(), tenant_id, &id, &names).await?;
    Ok(Issued {
        user_id: id,
        temporary_password: plain,
        expires_at,
    })
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NewUserInput {
    pub email: String,
    pub display_name: String,
    pub roles: Vec<String>,
}

/// A new user and the temporary password, which only the first response carries.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedUser {
    pub user: User,
    pub temporary_password: Option<String>,
    pub temporary_password_expires_at: Timestamp,
}

impl Replayable for CreatedUser {
    fn for_replay(&self) -> Self {
        Self {
            temporary_password: None,
            ..self.clone()
        }
    }
}

fn validate_roles(
    kind: TenantKind,
    field: &str,
    names: &[String],
    e: &mut FieldErrors,
) -> Option<Vec<Role>> {
    let mut roles = Vec::new();
    for name in names.iter().filter(|n| !n.trim().is_empty()) {
        match Role::parse(name) {
            Ok(r) if !roles.contains(&r) => roles.push(r),
            Ok(_) => {}
            Err(err) => {
                e.add(field, err.0);
                return None;
            }
        }
    }
    if let Err(err) = check_roles_for(kind, &roles) {
        e.add(field, err.0);
        return None;
    }
    roles.sort();
    Some(roles)
}

/// Where a new user's address may be. Addresses on the platform's customer domains
/// (`*.<customer_domain_suffix>`) belong to the customer tenant that has that domain, and a
/// customer's users are on its own domain (the operator, supporting a customer, is not held
/// to the second rule), so nobody can pre-empt a customer's `admin@` or take a customer's
/// addresses, and a partner cannot give a customer users of another organisation.
pub(crate) async fn check_domain(
    ch: &mut Change<'_>,
    tenant_id: &TenantId,
    kind: TenantKind,
    email: &Email,
) -> Result<(), CoreError> {
    let actor = ch.actor;
    let domain = email
        .address
        .rsplit('@')
        .next()
        .unwrap_or_default()
        .to_lowercase();
    let suffix = ch.svc.settings.customer_domain_suffix.to_lowercase();
    let platform_domain = domain == suffix || domain.ends_with(&format!(".{suffix}"));
    let own = if kind == TenantKind::Customer {
        twotier_store::customers::find(&mut ch.conn(), tenant_id)
            .await?
            .map(|c| c.domain.to_lowercase())
    } else {
        None
    };
    if platform_domain && own.as_deref() != Some(domain.as_str()) {
        return Err(CoreError::invalid(
            "email",
            format!(
                "addresses on {suffix} belong to the customer with that domain; use an address of your own organisation"
            ),
        ));
    }
    if let Some(own) = own
        && actor.tenant_kind != TenantKind::Operator
        && domain != own
    {
        return Err(CoreError::invalid(
            "email",
            format!("this customer's users are on its domain: use an address ending in @{own}"),
        ));
    }
    Ok(())
}

/// Partner Center's audit names for the users of partner and of customer tenants.
struct AuditNames {
    create: Operation,
    update: Operation,
    disable: Operation,
    reset: Operation,
    resource: ResourceType,
}

impl AuditNames {
    fn of(kind: TenantKind) -> Self {
        if kind == TenantKind::Customer {
            Self {
                create: Operation::CreateCustomerUser,
                update: Operation::UpdateCustomerUser,
                disable: Operation::UpdateCustomerUser,
                reset: Operation::ResetCustomerUserPassword,
                resource: ResourceType::CustomerUser,
            }
        } else {
            Self {
                create: Operation::CreatePartnerUser,
                update: Operation::UpdatePartnerUser,
                disable: Operation::RemovePartnerUser,
                reset: Operation::ResetPartnerUserPassword,
                resource: ResourceType::PartnerUser,
            }
        }
    }
}

pub async fn create(
    svc: &Services,
    actor: &Actor,
    meta: &RequestMeta,
    tenant_id: &TenantId,
    input: &NewUserInput,
) -> Result<CreatedUser, CoreError> {
    let mut ch = crate::begin_change!(svc, actor, meta, CreatedUser);
    let tenant = authz::authorize_user_admin(&mut ch.conn(), actor, tenant_id).await?;
    let kind =
        TenantKind::parse(&tenant.kind).map_err(|_| CoreError::internal("bad tenant kind"))?;
    let mut e = FieldErrors::new();
    let email = e.check("email", Email::parse(&input.email));
    let display_name = if input.display_name.trim().is_empty() {
        email
            .as_ref()
            .map(|m| m.address.split('@').next().unwrap_or_default().to_owned())
    } else {
        e.check("displayName", parse_display_name(&input.display_name))
    };
    let roles = validate_roles(kind, "roles", &input.roles, &mut e);
    let (Some(email), Some(display_name), Some(roles)) = (email, display_name, roles) else {
        return Err(CoreError::Invalid(e));
    };
    check_domain(&mut ch, tenant_id, kind, &email).await?;
    // Unique inside the tenant only: whether another organisation has the address is not
    // this tenant's business (sign-in finds every account with it).
    if users::find_by_email(&mut ch.conn(), tenant_id, &email.lower)
        .await?
        .is_some()
    {
        return Err(CoreError::invalid(
            "email",
            "a user of your organisation already has this email",
        ));
    }
    if roles.contains(&keeper_role(kind)) {
        authz::require_keeper_rights(actor, &tenant)?;
    }
    let partner = (actor.tenant_kind.is_partner() && actor.tenant_id != *tenant_id)
        .then(|| actor.tenant_id.clone());
    let issued = insert_with_temp_password(
        &mut ch,
        tenant_id,
        &email,
        &display_name,
        &roles,
        partner.as_ref(),
    )
    .await?;
    let row = users::find(&mut ch.conn(), tenant_id, &issued.user_id)
        .await?
        .ok_or(CoreError::NotFound)?;
    let user = User::from_row(row, roles);
    ch.audit(
        Event::new(AuditNames::of(kind).create, AuditNames::of(kind).resource, &user.id)
            .about(tenant_id)
            .new_value(serde_json::json!({ "email": user.email, "displayName": user.display_name, "roles": user.roles })),
    )
    .await?;
    let out = CreatedUser {
        user,
        temporary_password: Some(issued.temporary_password),
        temporary_password_expires_at: issued.expires_at,
    };
    ch.commit(&out).await?;
    Ok(out)
}

/// Which page of a tenant's users.
#[derive(Debug, Clone, Default)]
pub struct UserQuery {
    /// Names or email addresses that contain this.
    pub contains: Option<String>,
    pub sort: ListSort,
    pub after: Option<(String, String)>,
    pub before: Option<(String, String)>,
    pub limit: i64,
}

/// A page of users, with the count of all that match and the cursors around it.
#[derive(Debug, Clone)]
pub struct UserPage {
    pub total: i64,
    pub items: Vec<User>,
    pub next: Option<(String, String)>,
    pub previous: Option<(String, String)>,
}

/// A page of the tenant's users, each with its roles.
pub async fn page(
    svc: &Services,
    actor: &Actor,
    tenant_id: &TenantId,
    q: &UserQuery,
) -> Result<UserPage, CoreError> {
    let mut c = svc.db.read().await?;
    authz::authorize_user_read(&mut c.conn(), actor, tenant_id).await?;
    let limit = q.limit.clamp(1, 500);
    let cursor = crate::keyset::cursor(q.sort, q.after.as_ref(), q.before.as_ref());
    let filter = users::ListFilter {
        tenant: tenant_id,
        contains: q.contains.as_deref(),
        sort: q.sort,
        cursor,
        limit: limit + 1,
    };
    let mut rows = users::list(&mut c.conn(), &filter).await?;
    let total = users::count(&mut c.conn(), &filter).await?;
    let (has_next, has_previous) = crate::keyset::cut(&mut rows, limit, cursor);
    let key = |r: &users::UserListRow| (q.sort.key_of_user(r), r.user.id.to_string());
    let next = rows.last().filter(|_| has_next).map(key);
    let previous = rows.first().filter(|_| has_previous).map(key);
    let ids: Vec<UserId> = rows.iter().map(|r| r.user.id.clone()).collect();
    let mut roles: BTreeMap<UserId, Vec<String>> = BTreeMap::new();
    for (user, role) in users::roles_of(&mut c.conn(), tenant_id, &ids).await? {
        roles.entry(user).or_default().push(role);
    }
    let items = rows
        .into_iter()
        .map(|r| {
            let granted = parse_roles(roles.get(&r.user.id).map(Vec::as_slice).unwrap_or_default());
            User::from_row(r.user, granted)
        })
        .collect();
    Ok(UserPage {
        total,
        items,
        next,
        previous,
    })
}

/// Every user of the tenant, by email address.
pub async fn list(
    svc: &Services,
    actor: &Actor,
    tenant_id: &TenantId,
) -> Result<Vec<User>, CoreError> {
    let mut c = svc.db.read().await?;
    authz::authorize_user_read(&mut c.conn(), actor, tenant_id).await?;
    let rows = users::list_for_tenant(&mut c.conn(), tenant_id).await?;
    let mut roles: BTreeMap<UserId, Vec<String>> = BTreeMap::new();
    for (user, role) in users::roles_for_tenant(&mut c.conn(), tenant_id).await? {
        roles.entry(user).or_default().push(role);
    }
    Ok(rows
        .into_iter()
        .map(|u| {
            let r = parse_roles(roles.get(&u.id).map(Vec::as_slice).unwrap_or_default());
            User::from_row(u, r)
        })
        .collect())
}

async fn load(
    c: &mut twotier_store::Conn<'_>,
    tenant_id: &TenantId,
    user_id: &UserId,
) -> Result<User, CoreError> {
    let row = users::find(c, tenant_id, user_id)
        .await?
        .ok_or(CoreError::NotFound)?;
    let roles = parse_roles(&users::roles(c, tenant_id, user_id).await?);
    Ok(User::from_row(row, roles))
}

pub async fn get(
    svc: &Services,
    actor: &Actor,
    tenant_id: &TenantId,
    user_id: &UserId,
) -> Result<User, CoreError> {
    let mut c = svc.db.read().await?;
    if actor.user_id.as_ref() != Some(user_id) || &actor.tenant_id != tenant_id {
        authz::authorize_user_read(&mut c.conn(), actor, tenant_id).await?;
    }
    load(&mut c.conn(), tenant_id, user_id).await
}

/// The signed-in person's own profile; every user may read it, even with no role.
/// The roles shown are the ones the actor holds for this request (read when it was signed in),
/// so this costs one query.
/// The signed-in person's account page: who they are and their personal API tokens.
#[derive(Debug, Clone)]
pub struct AccountView {
    pub me: User,
    pub tokens: Vec<crate::tokens::ApiToken>,
}

pub async fn account_view(svc: &Services, actor: &Actor) -> Result<AccountView, CoreError> {
    Ok(AccountView {
        me: me(svc, actor).await?,
        tokens: crate::tokens::list(svc, actor).await?,
    })
}

pub async fn me(svc: &Services, actor: &Actor) -> Result<User, CoreError> {
    let user_id = actor.user_id.as_ref().ok_or(CoreError::NotFound)?;
    let mut c = svc.db.read().await?;
    let row = users::find(&mut c.conn(), &actor.tenant_id, user_id)
        .await?
        .ok_or(CoreError::NotFound)?;
    Ok(User::from_row(row, actor.roles.clone()))
}

/// A change to a user; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct UserPatch {
    pub display_name: Option<String>,
    pub roles: Option<Vec<String>>,
    pub disabled: Option<bool>,
}

/// The role that must always have one enabled holder in a tenant of this kind.
pub fn keeper_role(kind: TenantKind) -> Role {
    match kind {
        TenantKind::Operator => Role::OperatorAdmin,
        TenantKind::Customer => Role::CustomerGlobalAdmin,
        TenantKind::Provider | TenantKind::Reseller => Role::GlobalAdmin,
    }
}

/// Changes roles, name or the disabled flag. A role change or disabling ends the user's
/// sessions in the same transaction, so the next request is already refused.
pub async fn update(
    svc: &Services,
    actor: &Actor,
    meta: &RequestMeta,
    tenant_id: &TenantId,
    user_id: &UserId,
    patch: &UserPatch,
) -> Result<User, CoreError> {
    let mut ch = crate::begin_change!(svc, actor, meta, User);
    let tenant = authz::authorize_user_admin(&mut ch.conn(), actor, tenant_id).await?;
    let kind =
        TenantKind::parse(&tenant.kind).map_err(|_| CoreError::internal("bad tenant kind"))?;
    let old = load(&mut ch.conn(), tenant_id, user_id).await?;
    let mut e = FieldErrors::new();
    let display_name = match &patch.display_name {
        Some(n) => e.check("displayName", parse_display_name(n)),
        None => Some(old.display_name.clone()),
    };
    let roles = match &patch.roles {
        Some(names) => validate_roles(kind, "roles", names, &mut e),
        None => Some(old.roles.clone()),
    };
    let (Some(display_name), Some(roles)) = (display_name, roles) else {
        return Err(CoreError::Invalid(e));
    };
    let disabled = patch.disabled.unwrap_or(old.disabled);
    let keeper = keeper_role(kind);
    let changes =
        display_name != old.display_name || roles != old.roles || disabled != old.disabled;
    if changes && (old.roles.contains(&keeper) || roles.contains(&keeper)) {
        authz::require_keeper_rights(actor, &tenant)?;
    }
    let is_self = actor.user_id.as_ref() == Some(user_id);
    if is_self && disabled && !old.disabled {
        return Err(CoreError::invalid(
            "disabled",
            "you cannot disable your own account",
        ));
    }
    let loses_keeper =
        old.roles.contains(&keeper) && !old.disabled && (!roles.contains(&keeper) || disabled);
    if loses_keeper
        && users::count_enabled_with_role(&mut ch.conn(), tenant_id, keeper.as_str()).await? <= 1
    {
        return Err(CoreError::invalid(
            "roles",
            format!(
                "this is the last enabled {}; give the role to someone else first",
                keeper.label()
            ),
        ));
    }
    let now = svc.now().millis();
    if display_name != old.display_name {
        users::set_display_name(&mut ch.conn(), tenant_id, user_id, &display_name, now).await?;
    }
    if roles != old.roles {
        let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        users::set_roles(&mut ch.conn(), tenant_id, user_id, &names).await?;
    }
    if disabled != old.disabled {
        users::set_disabled(&mut ch.conn(), tenant_id, user_id, disabled, now).await?;
    }
    if roles != old.roles || (disabled && !old.disabled) {
        sessions::delete_for_user(&mut ch.conn(), user_id).await?;
    }
    if disabled && !old.disabled {
        // Revoked, not merely refused while disabled: enabling the user again does not
        // bring its tokens back.
        api_tokens::revoke_for_user(&mut ch.conn(), user_id, now).await?;
    }
    let new = load(&mut ch.conn(), tenant_id, user_id).await?;
    if new != old {
        let names = AuditNames::of(kind);
        let op = if disabled && !old.disabled {
            names.disable
        } else {
            names.update
        };
        ch.audit(
            Event::new(op, names.resource, user_id)
                .about(tenant_id)
                .old(serde_json::json!({ "displayName": old.display_name, "roles": old.roles, "disabled": old.disabled }))
                .new_value(serde_json::json!({ "displayName": new.display_name, "roles": new.roles, "disabled": new.disabled })),
        )
        .await?;
    }
    ch.commit(&new).await?;
    Ok(new)
}

/// A new temporary password for a user, shown once; the old password stops working and the
/// user's sessions end.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordReset {
    pub user_id: String,
    pub email: String,
    pub temporary_password: Option<String>,
    pub temporary_password_expires_at: Timestamp,
}

impl Replayable for PasswordReset {
    fn for_replay(&self) -> Self {
        Self {
            temporary_password: None,
            ..self.clone()
        }
    }
}

pub async fn reset_password(
    svc: &Services,
    actor: &Actor,
    meta: &RequestMeta,
    tenant_id: &TenantId,
    user_id: &UserId,
) -> Result<PasswordReset, CoreError> {
    let mut ch = crate::begin_change!(svc, actor, meta, PasswordReset);
    let tenant = authz::authorize_user_admin(&mut ch.conn(), actor, tenant_id).await?;
    let kind =
        TenantKind::parse(&tenant.kind).map_err(|_| CoreError::internal("bad tenant kind"))?;
    let names = AuditNames::of(kind);
    let user = load(&mut ch.conn(), tenant_id, user_id).await?;
    if user.roles.contains(&keeper_role(kind)) {
        authz::require_keeper_rights(actor, &tenant)?;
    }
    let out = reset_in(
        &mut ch,
        tenant_id,
        user,
        Event::new(names.reset, names.resource, user_id),
    )
    .await?;
    ch.commit(&out).await?;
    Ok(out)
}

/// Issues a new temporary password inside an open change, ends the user's sessions and
/// writes `event` (about the user's tenant). Used for partner users and customer admins.
pub(crate) async fn reset_in(
    ch: &mut Change<'_>,
    tenant_id: &TenantId,
    user: User,
    event: Event,
) -> Result<PasswordReset, CoreError> {
    let (plain, hash, expires_at) = temp_password(ch.svc);
    let now = ch.svc.now().millis();
    users::set_temp_password(&mut ch.conn(), &user.id, &hash, expires_at.millis(), now).await?;
    // Whoever had the old password loses everything it opened: sessions and API tokens. The
    // sign-in name's failures are forgotten, so a locked-out user can sign in again.
    sessions::delete_for_user(&mut ch.conn(), &user.id).await?;
    api_tokens::revoke_for_user(&mut ch.conn(), &user.id, now).await?;
    twotier_store::sign_in_throttles::clear(
        &mut ch.conn(),
        &crate::auth::name_key(&user.email.to_lowercase()),
    )
    .await?;
    ch.audit(event.about(tenant_id)).await?;
    Ok(PasswordReset {
        user_id: user.id.to_string(),
        email: user.email,
        temporary_password: Some(plain),
        temporary_password_expires_at: expires_at,
    })
}

/// A user of a tenant found by email (the customer's admin), with its roles.
pub(crate) async fn load_by_email(
    c: &mut twotier_store::Conn<'_>,
    tenant_id: &TenantId,
    email: &str,
) -> Result<User, CoreError> {
    let row = users::find_by_email(c, tenant_id, &email.to_lowercase())
        .await?
        .ok_or(CoreError::NotFound)?;
    let roles = parse_roles(&users::roles(c, tenant_id, &row.id).await?);
    Ok(User::from_row(row, roles))
}

/// The operator tenant, created on first use (bootstrap from the CLI or the demo).
pub async fn ensure_operator_tenant(svc: &Services) -> Result<TenantId, CoreError> {
    let mut tx = svc.db.begin().await?;
    if let Some(t) = tenants::find_operator(&mut tx.conn()).await? {
        // Committed, not dropped: it may have been created in this batch (store::sqlite_writer).
        tx.commit().await?;
        return Ok(t.id.clone());
    }
    let id = TenantId::generate();
    tenants::insert(
        &mut tx.conn(),
        &tenants::TenantRow {
            id: id.clone(),
            kind: TenantKind::Operator.as_str().to_owned(),
            name: "twotier operator".to_owned(),
            require_mfa: false,
            disabled: false,
            created_at: svc.now().millis(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Creates an operator admin (from the CLI); the operator tenant is created if missing.
pub async fn create_operator(
    svc: &Services,
    meta: &RequestMeta,
    email: &str,
) -> Result<CreatedUser, CoreError> {
    let operator = ensure_operator_tenant(svc).await?;
    let actor = Actor::cli(operator.clone());
    let input = NewUserInput {
        email: email.to_owned(),
        display_name: String::new(),
        roles: vec![Role::OperatorAdmin.as_str().to_owned()],
    };
    create(svc, &actor, meta, &operator, &input).await
}

/// Requires the permission to manage users of the actor's own tenant (for pages).
pub fn can_manage_users(actor: &Actor) -> bool {
    actor.can(Permission::ManageUsers)
}

impl Replayable for User {
    fn for_replay(&self) -> Self {
        self.clone()
    }
}
