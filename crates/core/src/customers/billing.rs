//! A customer's billing profile, changed on its etag.

use super::*;
use twotier_store::{CustomerTenant, PartnerTenant};

/// Replaces the partner's own billing profile of the customer, if `etag` is its current one.
pub async fn update_billing(
    svc: &Services,
    actor: &Actor,
    meta: &RequestMeta,
    id: &TenantId,
    etag: Option<&str>,
    input: &BillingInput,
) -> Result<Customer, CoreError> {
    let mut ch = crate::begin_change!(svc, actor, meta, Customer);
    authz::authorize(&mut ch.conn(), actor, Permission::EditCustomers, id).await?;
    let old = crate::customer_relationships::as_seen_by(&mut ch.conn(), actor, id).await?;
    let Some(version) = etag.and_then(|t| t.trim().trim_matches('"').parse::<i64>().ok()) else {
        return Err(CoreError::rule(
            Code::EtagRequired,
            "send the billing profile's current etag (If-Match or attributes.etag)",
        ));
    };
    let mut e = FieldErrors::new();
    let mut input = input.clone();
    // The country cannot change: it fixes the customer's CSP region.
    if input.default_address.country.trim().is_empty() {
        input.default_address.country.clone_from(&old.country);
    }
    let Some(b) = validate_billing(&input, &mut e).filter(|_| e.is_empty()) else {
        return Err(CoreError::Invalid(e));
    };
    if b.address.country != old.country {
        return Err(CoreError::invalid(
            "billingProfile.defaultAddress.country",
            "the country of a customer cannot change",
        ));
    }
    let patch = BillingPatch {
        first_name: &b.first_name,
        last_name: &b.last_name,
        email: &b.email.address,
        phone: &b.address.phone_number,
        culture: b.culture.as_str(),
        language: b.language.as_str(),
        company_name: &b.company_name,
        address_line1: &b.address.address_line1,
        address_line2: &b.address.address_line2,
        city: &b.address.city,
        state: &b.address.state,
        postal_code: &b.address.postal_code,
    };
    if !rows::update_billing(
        &mut ch.conn(),
        PartnerTenant(&actor.tenant_id),
        CustomerTenant(id),
        version,
        &patch,
    )
    .await?
    {
        return Err(CoreError::Stale);
    }
    let before = from_row(old, false);
    let new_row = crate::customer_relationships::as_seen_by(&mut ch.conn(), actor, id).await?;
    let after = from_row(new_row, actor.tenant_kind == TenantKind::Reseller);
    ch.audit(
        Event::new(
            Operation::UpdateCustomerBillingProfile,
            ResourceType::Customer,
            id,
        )
        .about(id)
        .customer(id, &after.company_profile.company_name)
        .old(&before.billing_profile)
        .new_value(&after.billing_profile),
    )
    .await?;
    ch.commit(&after).await?;
    Ok(after)
}
