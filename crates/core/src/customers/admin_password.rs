//! A new temporary password for a customer's Global admin, from a partner with delegated
//! admin access.

use super::*;

/// The provider issues a new temporary password for the customer's admin
/// (`admin@<domain>`): shown once, the old one and the admin's sessions end.
pub async fn reset_admin_password(
    svc: &Services,
    actor: &Actor,
    meta: &RequestMeta,
    id: &TenantId,
) -> Result<users::PasswordReset, CoreError> {
    let mut ch = crate::begin_change!(svc, actor, meta, users::PasswordReset);
    let tenant =
        authz::authorize(&mut ch.conn(), actor, Permission::AdministerOnBehalf, id).await?;
    let customer = rows::find(&mut ch.conn(), id)
        .await?
        .ok_or(CoreError::NotFound)?;
    if actor.tenant_kind != TenantKind::Provider {
        return Err(CoreError::rule(
            Code::CustomerAdminsOnly,
            "only the customer's indirect provider resets its admin's password; ask your provider",
        ));
    }
    authz::require_delegated_admin(&mut ch.conn(), actor, id).await?;
    let admin =
        users::load_by_email(&mut ch.conn(), id, &format!("admin@{}", customer.domain)).await?;
    if admin.roles.contains(&Role::CustomerGlobalAdmin) {
        authz::require_keeper_rights(actor, &tenant)?;
    }
    let event = Event::new(
        Operation::ResetCustomerUserPassword,
        ResourceType::CustomerUser,
        &admin.id,
    )
    .customer(id, &customer.company_name);
    let out = users::reset_in(&mut ch, id, admin, event).await?;
    ch.commit(&out).await?;
    Ok(out)
}
