//! Creating a customer for a reseller or for the provider itself, with its first Global
//! admin and, from the wizard, its first order in the same transaction; the wizard's checks
//! (written and rolled back) and options.

use super::*;
use twotier_store::{ProviderTenant, ResellerTenant};

/// The provider creates a customer, for itself or for one of its indirect resellers.
pub async fn create(
    svc: &Services,
    actor: &Actor,
    meta: &RequestMeta,
    input: &NewCustomerInput,
) -> Result<Customer, CoreError> {
    authz::require(actor, Permission::CreateCustomers)?;
    let mut ch = crate::begin_change!(svc, actor, meta, Customer);
    let out = create_in(&mut ch, input).await?;
    ch.commit(&out).await?;
    Ok(out)
}

/// The operator creates a customer tenant with no partner (an "existing customer" providers
/// then ask for a relationship). Idempotent by request id like every change.
pub async fn create_without_partner(
    svc: &Services,
    actor: &Actor,
    meta: &RequestMeta,
    input: &NewCustomerInput,
) -> Result<Customer, CoreError> {
    authz::require(actor, Permission::ManagePartners)?;
    let mut ch = crate::begin_change!(svc, actor, meta, Customer);
    let mut out = create_in(&mut ch, input).await?;
    out.relationship_to_partner = "none".to_owned();
    ch.commit(&out).await?;
    Ok(out)
}

/// The customer of a new-customer submission and the order placed with it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CustomerWithOrder {
    pub customer: Customer,
    pub order: Option<crate::orders::Order>,
}

impl Replayable for CustomerWithOrder {
    fn for_replay(&self) -> Self {
        Self {
            customer: self.customer.for_replay(),
            order: self.order.clone(),
        }
    }
}

/// The new-customer wizard's submit: the customer and its first order in one transaction,
/// or nothing.
pub async fn create_with_order(
    svc: &Services,
    actor: &Actor,
    meta: &RequestMeta,
    input: &NewCustomerInput,
    order: &crate::orders::OrderInput,
) -> Result<CustomerWithOrder, CoreError> {
    authz::require(actor, Permission::CreateCustomers)?;
    let mut ch = crate::begin_change!(svc, actor, meta, CustomerWithOrder);
    let customer = create_in(&mut ch, input).await?;
    let order = if order.line_items.is_empty() {
        None
    } else {
        let id = TenantId::from_stored(customer.id.clone());
        let order = with_associated_reseller(&mut ch, &customer, order).await?;
        Some(crate::orders::create_in(&mut ch, &id, &order).await?)
    };
    let out = CustomerWithOrder { customer, order };
    ch.commit(&out).await?;
    Ok(out)
}

/// Runs every check of a new customer (and its order, if any) without keeping anything:
/// the work is done in a transaction that is rolled back. The wizard checks each step so.
pub async fn check(
    svc: &Services,
    actor: &Actor,
    input: &NewCustomerInput,
    order: Option<&crate::orders::OrderInput>,
) -> Result<(), CoreError> {
    authz::require(actor, Permission::CreateCustomers)?;
    let meta = RequestMeta::default();
    let mut ch = crate::write::Change::begin_plain(svc, actor, &meta).await?;
    let customer = create_in(&mut ch, input).await?;
    if let Some(order) = order.filter(|o| !o.line_items.is_empty()) {
        let order = with_associated_reseller(&mut ch, &customer, order).await?;
        crate::orders::create_in(&mut ch, &TenantId::from_stored(customer.id), &order).await?;
    }
    // Dropped without commit: rolled back.
    Ok(())
}

/// The wizard's first order: a line that names no reseller of record gets the customer's
/// associated reseller, read from the reseller itself (its MPN ID).
pub(super) async fn with_associated_reseller(
    ch: &mut crate::write::Change<'_>,
    customer: &Customer,
    order: &crate::orders::OrderInput,
) -> Result<crate::orders::OrderInput, CoreError> {
    let mut order = order.clone();
    let Some(reseller) = &customer.associated_partner_id else {
        return Ok(order);
    };
    let mpn_id = partner_rows::find(&mut ch.conn(), reseller)
        .await?
        .ok_or(CoreError::NotFound)?
        .mpn_id
        .to_string();
    for item in &mut order.line_items {
        if item
            .partner_id_on_record
            .as_deref()
            .is_none_or(|p| p.trim().is_empty())
        {
            item.partner_id_on_record = Some(mpn_id.clone());
        }
    }
    Ok(order)
}

/// The provider may take customers in this country: it accepted the partner agreement and
/// serves the country's CSP region.
pub(super) async fn check_provider(
    ch: &mut crate::write::Change<'_>,
    country: &Country,
) -> Result<(), CoreError> {
    let actor = ch.actor;
    let provider = partner_rows::find(&mut ch.conn(), &actor.tenant_id)
        .await?
        .ok_or(CoreError::NotFound)?;
    if provider.agreement_accepted_at.is_none() {
        return Err(CoreError::rule(
            Code::AgreementMissing,
            "your organisation has not accepted the partner agreement yet",
        ));
    }
    if country.region.as_str() != provider.region {
        let region = CspRegion::from_stored(&provider.region).map_or("your", CspRegion::label);
        return Err(CoreError::invalid(
            "billingProfile.defaultAddress.country",
            format!(
                "{} is in the {} CSP region; you serve {region}",
                country.name,
                country.region.label()
            ),
        ));
    }
    Ok(())
}

pub(super) async fn create_in(
    ch: &mut crate::write::Change<'_>,
    input: &NewCustomerInput,
) -> Result<Customer, CoreError> {
    let (svc, actor) = (ch.svc, ch.actor);
    // The operator creates customers with no partner yet (`twotier admin customer create`),
    // which providers then reach with relationship requests.
    let operator = actor.tenant_kind == TenantKind::Operator;
    if operator {
        authz::require(actor, Permission::ManagePartners)?;
    } else {
        authz::require(actor, Permission::CreateCustomers)?;
    }
    if actor.tenant_kind != TenantKind::Provider && !operator {
        return Err(CoreError::rule(
            Code::ProviderOnly,
            "only an indirect provider creates customers; ask your provider",
        ));
    }
    let mut e = FieldErrors::new();
    let prefix = e.check(
        "companyProfile.domain",
        DomainPrefix::of_domain(
            &input.company_profile.domain,
            &svc.settings.customer_domain_suffix,
        ),
    );
    let billing = validate_billing(&input.billing_profile, &mut e);
    let reseller = match input
        .associated_partner_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(raw) => {
            let parsed = TenantId::parse(raw);
            if parsed.is_none() {
                e.add("associatedPartnerId", "not a tenant id");
            }
            parsed
        }
    };
    let (Some(prefix), Some(billing)) = (prefix, billing) else {
        return Err(CoreError::Invalid(e));
    };
    if !e.is_empty() {
        return Err(CoreError::Invalid(e));
    }
    if operator && reseller.is_some() {
        return Err(CoreError::invalid(
            "associatedPartnerId",
            "a customer created by the operator has no partner; a provider asks it for a relationship",
        ));
    }
    let country = Country::parse(&billing.address.country)
        .map_err(|err| CoreError::field("billingProfile.defaultAddress.country", err))?;
    if !operator {
        check_provider(ch, &country).await?;
    }
    if let Some(reseller) = &reseller
        && partnerships::find_active(
            &mut ch.conn(),
            ProviderTenant(&actor.tenant_id),
            ResellerTenant(reseller),
        )
        .await?
        .is_none()
    {
        return Err(CoreError::invalid(
            "associatedPartnerId",
            "this is not an indirect reseller with an active partnership with you",
        ));
    }
    if rows::prefix_taken(&mut ch.conn(), &prefix).await? {
        return Err(CoreError::invalid(
            "companyProfile.domain",
            format!(
                "the domain {prefix}.{} is taken",
                svc.settings.customer_domain_suffix
            ),
        ));
    }
    let now = svc.now();
    let tenant = TenantId::generate();
    let domain = format!("{prefix}.{}", svc.settings.customer_domain_suffix);
    tenants::insert(
        &mut ch.conn(),
        &tenants::TenantRow {
            id: tenant.clone(),
            kind: TenantKind::Customer.as_str().to_owned(),
            name: billing.company_name.clone(),
            require_mfa: false,
            disabled: false,
            created_at: now.millis(),
        },
    )
    .await?;
    let row = CustomerRow {
        tenant_id: tenant.clone(),
        provider_tenant_id: actor.tenant_id.clone(),
        reseller_tenant_id: reseller.clone(),
        company_name_lower: billing.company_name.to_lowercase(),
        company_name: billing.company_name.clone(),
        domain_prefix: prefix.as_str().to_owned(),
        domain: domain.clone(),
        billing_id: BillingProfileId::generate(),
        first_name: billing.first_name,
        last_name: billing.last_name,
        email: billing.email.address,
        phone: billing.address.phone_number.clone(),
        culture: billing.culture.into_string(),
        language: billing.language.into_string(),
        address_line1: billing.address.address_line1,
        address_line2: billing.address.address_line2,
        city: billing.address.city,
        state: billing.address.state,
        postal_code: billing.address.postal_code,
        country: billing.address.country,
        billing_version: 1,
        created_at: now.millis(),
    };
    rows::insert(&mut ch.conn(), &row)
        .await
        .map_err(|err| match err {
            twotier_store::StoreError::Conflict => CoreError::invalid(
                "companyProfile.domain",
                format!("the domain {domain} is taken"),
            ),
            err => err.into(),
        })?;
    let provider_relationship = rows::NewRelationship {
        partner: &actor.tenant_id,
        customer: &tenant,
        reseller: row.reseller_tenant_id.as_ref(),
        company_name: &row.company_name,
        delegated_admin: true,
        at: now.millis(),
    };
    if !operator {
        rows::insert_relationship(&mut ch.conn(), &provider_relationship).await?;
    }
    if let Some(reseller) = &reseller {
        rows::insert_relationship(
            &mut ch.conn(),
            &rows::NewRelationship {
                partner: reseller,
                reseller: None,
                ..provider_relationship
            },
        )
        .await?;
    }
    let admin_email = Email::parse(&format!("admin@{domain}"))
        .map_err(|err| CoreError::field("companyProfile.domain", err))?;
    let issued = users::insert_with_temp_password(
        ch,
        &tenant,
        &admin_email,
        "Global admin",
        &[Role::CustomerGlobalAdmin],
        None,
    )
    .await?;
    let mut out = from_row(row, false);
    ch.audit(
        Event::new(Operation::AddCustomer, ResourceType::Customer, &tenant)
            .about(&tenant)
            .customer(&tenant, &out.company_profile.company_name)
            .new_value(serde_json::json!({
                "PrimaryDomainName": domain, "CompanyName": out.company_profile.company_name,
                "Relationship": "reseller", "AssociatedPartnerId": out.associated_partner_id, "AdminUser": admin_email.address,
            })),
    )
    .await?;
    out.user_credentials = Some(UserCredentials {
        user_name: admin_email.address,
        password: issued.temporary_password,
    });
    out.credential = Some("issued".to_owned());
    Ok(out)
}

/// What the new-customer wizard offers a provider.
#[derive(Debug, Clone)]
pub struct WizardOptions {
    /// (tenant id, name, MPN ID) of its active resellers: the first 500 by name, and the
    /// chosen one wherever it stands.
    pub resellers: Vec<(String, String, String)>,
    /// The countries of its CSP region.
    pub countries: Vec<Country>,
    /// The offers on sale in the customer's country, once it is known.
    pub offers: Vec<crate::catalog::Offer>,
}

/// A wizard step that was checked: the check's outcome (the customer, and the order once
/// there is one, written and rolled back) and what the page shown next offers.
#[derive(Debug)]
pub struct WizardStep {
    pub checked: Result<(), CoreError>,
    pub options: WizardOptions,
}

/// Checks a wizard step and reads the options of the page that follows, whichever it is: the
/// offers of the customer's country are read whenever the country is given.
pub async fn wizard_step(
    svc: &Services,
    actor: &Actor,
    input: &NewCustomerInput,
    order: Option<&crate::orders::OrderInput>,
) -> Result<WizardStep, CoreError> {
    let checked = check(svc, actor, input, order).await;
    let country = input.billing_profile.default_address.country.trim();
    let options = wizard_options(
        svc,
        actor,
        input.associated_partner_id.as_deref(),
        // A country the check refused has no offers to show; the page shows its error.
        Some(country).filter(|c| Country::parse(c).is_ok()),
    )
    .await?;
    Ok(WizardStep { checked, options })
}

pub async fn wizard_options(
    svc: &Services,
    actor: &Actor,
    chosen_reseller: Option<&str>,
    offers_in: Option<&str>,
) -> Result<WizardOptions, CoreError> {
    authz::require(actor, Permission::CreateCustomers)?;
    if actor.tenant_kind != TenantKind::Provider {
        return Err(CoreError::NotFound);
    }
    let mut resellers: Vec<(String, String, String)> =
        crate::partnerships::resellers_to_pick(svc, actor)
            .await?
            .into_iter()
            .map(|r| (r.id, r.name, r.mpn_id))
            .collect();
    let mut c = svc.db.read().await?;
    if let Some(chosen) = chosen_reseller.and_then(TenantId::parse)
        && !resellers.iter().any(|r| r.0 == chosen.as_str())
        && partnerships::find_active(
            &mut c.conn(),
            ProviderTenant(&actor.tenant_id),
            ResellerTenant(&chosen),
        )
        .await?
        .is_some()
        && let Some(r) = partner_rows::find(&mut c.conn(), &chosen).await?
    {
        resellers.insert(0, (r.tenant_id.to_string(), r.name, r.mpn_id.to_string()));
    }
    let region = partner_rows::find(&mut c.conn(), &actor.tenant_id)
        .await?
        .ok_or(CoreError::NotFound)?
        .region;
    drop(c);
    let countries = Country::all()
        .filter(|c| c.region.as_str() == region)
        .collect();
    let offers = match offers_in {
        Some(country) => crate::catalog::list(svc, actor, country, None)
            .await?
            .into_iter()
            .filter(|o| o.is_available_for_purchase)
            .collect(),
        None => Vec::new(),
    };
    Ok(WizardOptions {
        resellers,
        countries,
        offers,
    })
}
