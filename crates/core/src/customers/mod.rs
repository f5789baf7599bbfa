//! Customers of a provider, optionally associated with one of its indirect resellers:
//! the customer tenant, its company and billing profiles, the reseller
//! relationships (with delegated admin access) and its admin user, created in one transaction.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use twotier_domain::actor::Actor;
use twotier_domain::audit::{Operation, ResourceType};
use twotier_domain::authz::{Permission, Role};
use twotier_domain::clock::Timestamp;
use twotier_domain::customer::{Culture, DomainPrefix, Language};
use twotier_domain::ids::{BillingProfileId, TenantId};
use twotier_domain::partner::{Country, CspRegion};
use twotier_domain::tenant::{TenantKind, parse_name};
use twotier_domain::user::Email;
use twotier_domain::{DomainError, FieldErrors};
pub use twotier_store::customers::ListSort;
use twotier_store::customers::{self as rows, BillingPatch, CustomerRow, ListFilter, Owner};
use twotier_store::{CustomerTenant, PartnerTenant, ProviderTenant, ResellerTenant};
use twotier_store::{partners as partner_rows, partnerships, tenants};

use crate::audit::Event;
use crate::write::Replayable;
use crate::{Code, CoreError, RequestMeta, Services, authz, users};

mod admin_password;
mod billing;
mod create;
pub mod wizard_drafts;

pub use admin_password::reset_admin_password;
pub use billing::update_billing;
pub use create::{
    CustomerWithOrder, WizardOptions, WizardStep, check, create, create_with_order,
    create_without_partner, wizard_options, wizard_step,
};

fn text(input: &str, min: usize, max: usize) -> Result<String, DomainError> {
    let s = input.trim();
    let n = s.chars().count();
    if n < min || n > max {
        return Err(DomainError::new(if min == 0 {
            format!("use at most {max} characters")
        } else {
            format!("use {min} to {max} characters")
        }));
    }
    if s.chars().any(char::is_control) {
        return Err(DomainError::new("must not contain control characters"));
    }
    Ok(s.to_owned())
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default, rename_all = "camelCase")]
pub struct Address {
    pub address_line1: String,
    pub address_line2: String,
    pub city: String,
    pub state: String,
    pub postal_code: String,
    pub country: String,
    pub first_name: String,
    pub last_name: String,
    pub phone_number: String,
}

/// The billing profile as Partner Center sends it (property names in any case).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct BillingInput {
    pub email: String,
    pub culture: String,
    pub language: String,
    pub company_name: String,
    pub first_name: String,
    pub last_name: String,
    pub default_address: AddressInput,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AddressInput {
    pub address_line1: String,
    pub address_line2: String,
    pub city: String,
    pub state: String,
    pub postal_code: String,
    pub country: String,
    pub first_name: String,
    pub last_name: String,
    pub phone_number: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CompanyInput {
    pub domain: String,
}

/// `POST /v1/customers` (and the wizard): server-owned fields are not read.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NewCustomerInput {
    pub company_profile: CompanyInput,
    pub billing_profile: BillingInput,
    /// The indirect reseller's tenant id; none makes a direct customer of the provider.
    pub associated_partner_id: Option<String>,
}

struct ValidBilling {
    email: Email,
    culture: Culture,
    language: Language,
    company_name: String,
    first_name: String,
    last_name: String,
    address: Address,
}

fn validate_billing(b: &BillingInput, e: &mut FieldErrors) -> Option<ValidBilling> {
    let a = &b.default_address;
    let email = e.check("billingProfile.email", Email::parse(&b.email));
    let culture = e.check("billingProfile.culture", Culture::parse(&b.culture));
    let language = e.check("billingProfile.language", Language::parse(&b.language));
    let company_name = e.check("billingProfile.companyName", parse_name(&b.company_name));
    let first = if a.first_name.trim().is_empty() {
        &b.first_name
    } else {
        &a.first_name
    };
    let last = if a.last_name.trim().is_empty() {
        &b.last_name
    } else {
        &a.last_name
    };
    let first_name = e.check(
        "billingProfile.defaultAddress.firstName",
        text(first, 1, 50),
    );
    let last_name = e.check("billingProfile.defaultAddress.lastName", text(last, 1, 50));
    let line1 = e.check(
        "billingProfile.defaultAddress.addressLine1",
        text(&a.address_line1, 1, 200),
    );
    let line2 = e.check(
        "billingProfile.defaultAddress.addressLine2",
        text(&a.address_line2, 0, 200),
    );
    let city = e.check("billingProfile.defaultAddress.city", text(&a.city, 1, 100));
    let state = e.check("billingProfile.defaultAddress.state", text(&a.state, 0, 50));
    let postal = e.check(
        "billingProfile.defaultAddress.postalCode",
        text(&a.postal_code, 1, 20),
    );
    let phone = e.check(
        "billingProfile.defaultAddress.phoneNumber",
        text(&a.phone_number, 0, 30),
    );
    let country = e.check(
        "billingProfile.defaultAddress.country",
        Country::parse(&a.country),
    );
    Some(ValidBilling {
        email: email?,
        culture: culture?,
        language: language?,
        company_name: company_name?,
        address: Address {
            address_line1: line1?,
            address_line2: line2?,
            city: city?,
            state: state?,
            postal_code: postal?,
            country: country?.code.to_owned(),
            first_name: first_name.clone()?,
            last_name: last_name.clone()?,
            phone_number: phone?,
        },
        first_name: first_name?,
        last_name: last_name?,
    })
}

/// Partner Center's CustomerCompanyProfile.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct CompanyProfile {
    pub tenant_id: String,
    pub domain: String,
    pub company_name: String,
}

/// Partner Center's CustomerBillingProfile; `version` becomes the etag.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct BillingProfile {
    pub id: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub culture: String,
    pub language: String,
    pub company_name: String,
    pub default_address: Address,
    #[serde(skip)]
    pub version: i64,
}

/// The admin user's sign-in, in the create response only.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserCredentials {
    pub user_name: String,
    pub password: String,
}

/// Partner Center's Customer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Customer {
    pub id: String,
    pub commerce_id: String,
    pub company_profile: CompanyProfile,
    pub billing_profile: BillingProfile,
    pub relationship_to_partner: String,
    /// Whether the asking partner holds delegated admin access; as in Partner Center, only
    /// when one customer is read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_delegated_access: Option<bool>,
    pub associated_partner_id: Option<TenantId>,
    /// Only in the response that created the customer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_credentials: Option<UserCredentials>,
    pub created_at: Timestamp,
    /// `issued` in the creating response, `already_issued` in a replay.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

/// One customer in a partner's list, as Partner Center lists them: the company profile and
/// the relationship, without the billing profile. twotier adds the associated reseller (a
/// provider's list only), the billing country and the creation time, which the UI's list shows.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerListItem {
    pub id: String,
    pub company_profile: CompanyProfile,
    pub relationship_to_partner: &'static str,
    pub associated_partner_id: Option<TenantId>,
    pub associated_partner_name: Option<String>,
    pub country: String,
    pub created_at: Timestamp,
    /// When the listing partner's relationship with the customer began (the UI's column).
    #[serde(skip)]
    pub since: Timestamp,
    /// The billing profile's version, the customer's etag.
    pub version: i64,
}

impl From<rows::CustomerListRow> for CustomerListItem {
    fn from(r: rows::CustomerListRow) -> Self {
        Self {
            id: r.tenant_id.to_string(),
            company_profile: CompanyProfile {
                tenant_id: r.tenant_id.to_string(),
                domain: r.domain,
                company_name: r.company_name,
            },
            relationship_to_partner: "reseller",
            associated_partner_id: r.reseller_tenant_id,
            associated_partner_name: r.reseller_name,
            country: r.country,
            created_at: Timestamp(r.created_at),
            since: Timestamp(r.since),
            version: r.billing_version,
        }
    }
}

impl Replayable for Customer {
    fn for_replay(&self) -> Self {
        Self {
            user_credentials: None,
            credential: Some("already_issued".to_owned()),
            ..self.clone()
        }
    }
}

fn from_row(r: CustomerRow, viewer_is_reseller: bool) -> Customer {
    Customer {
        id: r.tenant_id.to_string(),
        commerce_id: r.tenant_id.to_string(),
        company_profile: CompanyProfile {
            tenant_id: r.tenant_id.to_string(),
            domain: r.domain,
            company_name: r.company_name.clone(),
        },
        billing_profile: BillingProfile {
            id: r.billing_id.to_string(),
            first_name: r.first_name.clone(),
            last_name: r.last_name.clone(),
            email: r.email,
            culture: r.culture,
            language: r.language,
            company_name: r.company_name,
            default_address: Address {
                address_line1: r.address_line1,
                address_line2: r.address_line2,
                city: r.city,
                state: r.state,
                postal_code: r.postal_code,
                country: r.country,
                first_name: r.first_name,
                last_name: r.last_name,
                phone_number: r.phone,
            },
            version: r.billing_version,
        },
        relationship_to_partner: "reseller".to_owned(),
        allow_delegated_access: None,
        associated_partner_id: if viewer_is_reseller {
            None
        } else {
            r.reseller_tenant_id
        },
        user_credentials: None,
        created_at: Timestamp(r.created_at),
        credential: None,
    }
}

#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub company_name: Option<String>,
    pub domain: Option<String>,
    /// Company name or domain containing this text (the UI's search).
    pub contains: Option<String>,
    pub reseller: Option<String>,
    pub sort: ListSort,
    /// The page after this (sort key, tenant id): the API's continuation and the UI's Next.
    pub after: Option<(String, String)>,
    /// The page before this (sort key, tenant id): the UI's Previous.
    pub before: Option<(String, String)>,
    pub limit: i64,
    /// Also read each listed customer's subscriptions (the UI's expandable rows).
    pub with_subscriptions: bool,
    /// Also count the matches, up to [`COUNT_CAP`] (the UI's total; the API's `totalCount`
    /// is the page's item count, as in Partner Center).
    pub with_total: bool,
}

/// Matches are counted up to this many; beyond it a page says "more than".
pub const COUNT_CAP: i64 = 10_000;

#[derive(Debug, Clone, Serialize)]
pub struct CustomerPage {
    pub items: Vec<CustomerListItem>,
    /// Subscriptions by customer id, when asked for.
    pub subscriptions: HashMap<String, Vec<crate::subscriptions::Subscription>>,
    pub next: Option<(String, String)>,
    pub previous: Option<(String, String)>,
    /// Matches counted up to [`COUNT_CAP`], when asked for.
    pub total: Option<i64>,
}

/// A provider's customers, or the customers associated with a reseller (never the
/// provider's others).
/// The customers page: one page of the list and, for a provider, its resellers to filter by
/// and what it may do.
#[derive(Debug, Clone)]
pub struct ListView {
    pub page: CustomerPage,
    /// (tenant id, name) of the provider's resellers; empty for a reseller.
    pub resellers: Vec<(String, String)>,
    pub is_provider: bool,
    pub can_create: bool,
    pub can_order: bool,
}

pub async fn list_view(
    svc: &Services,
    actor: &Actor,
    q: &ListQuery,
) -> Result<ListView, CoreError> {
    let page = list(svc, actor, q).await?;
    let is_provider = actor.tenant_kind == TenantKind::Provider;
    let resellers = crate::partnerships::reseller_filter(svc, actor).await?;
    Ok(ListView {
        page,
        resellers,
        is_provider,
        can_create: is_provider && actor.can(Permission::CreateCustomers),
        can_order: is_provider && actor.can(Permission::PlaceOrders),
    })
}

pub async fn list(svc: &Services, actor: &Actor, q: &ListQuery) -> Result<CustomerPage, CoreError> {
    authz::require(actor, Permission::ViewCustomers)?;
    let owner = match actor.tenant_kind {
        TenantKind::Provider => Owner::Provider(&actor.tenant_id),
        TenantKind::Reseller => Owner::Reseller(&actor.tenant_id),
        _ => {
            return Ok(CustomerPage::empty());
        }
    };
    let limit = q.limit.clamp(1, 500);
    let reseller = match q
        .reseller
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(text) => match TenantId::parse(text) {
            Some(id) => Some(id),
            // No customer is associated with a reseller that cannot exist.
            None => {
                return Ok(CustomerPage::empty());
            }
        },
    };
    let cursor = crate::keyset::cursor(q.sort, q.after.as_ref(), q.before.as_ref());
    let f = ListFilter {
        owner,
        name_prefix: q.company_name.as_deref(),
        domain_prefix: q.domain.as_deref(),
        contains: q.contains.as_deref(),
        reseller: reseller.as_ref(),
        sort: q.sort,
        cursor,
        limit: limit + 1,
    };
    let mut found = rows::list(&svc.db, &f).await?;
    let (has_next, has_previous) = crate::keyset::cut(&mut found, limit, cursor);
    let key = |r: &rows::CustomerListRow| (q.sort.key_of(r), r.tenant_id.to_string());
    let next = found.last().filter(|_| has_next).map(key);
    let previous = found.first().filter(|_| has_previous).map(key);
    let total = if q.with_total {
        Some(rows::count(&svc.db, &f, COUNT_CAP).await?)
    } else {
        None
    };
    let mut subscriptions: HashMap<String, Vec<crate::subscriptions::Subscription>> =
        HashMap::new();
    if q.with_subscriptions {
        let ids: Vec<TenantId> = found.iter().map(|r| r.tenant_id.clone()).collect();
        let mut c = svc.db.read().await?;
        let scopes = authz::sales_of_each(&mut c.conn(), actor, &ids).await?;
        for row in twotier_store::subscriptions::of_customers(&mut c.conn(), &ids).await? {
            let seen = scopes
                .get(&row.customer_tenant_id)
                .is_some_and(|sales| crate::subscriptions::in_scope(sales, &row));
            if seen {
                subscriptions
                    .entry(row.customer_tenant_id.to_string())
                    .or_default()
                    .push(crate::subscriptions::from_row(row, 0));
            }
        }
    }
    Ok(CustomerPage {
        subscriptions,
        items: found.into_iter().map(CustomerListItem::from).collect(),
        next,
        previous,
        total,
    })
}

impl CustomerPage {
    fn empty() -> Self {
        Self {
            items: Vec::new(),
            subscriptions: HashMap::new(),
            next: None,
            previous: None,
            total: Some(0),
        }
    }
}

/// Everything a customer's page shows, read for the actor.
#[derive(Debug, Clone)]
pub struct CustomerView {
    pub customer: Customer,
    pub subscriptions: Vec<crate::subscriptions::Subscription>,
    /// Names of the partners that are or may be support contacts, by tenant id.
    pub support_names: HashMap<String, String>,
    pub orders: Vec<crate::orders::Order>,
    pub partners: Vec<crate::customer_relationships::CustomerPartner>,
    /// The actor may place orders for this customer (Add subscription).
    pub can_order: bool,
    pub is_provider: bool,
    /// The actor's organisation holds delegated admin access to the customer.
    pub my_admin_access: bool,
    pub can_edit: bool,
    /// The actor may open the customer's users and licences (its role administers on
    /// behalf and its organisation holds delegated admin access).
    pub can_manage_users: bool,
    /// The provider may issue a new temporary password for the customer's admin.
    pub can_reset_admin: bool,
}

/// The offers a provider can order for the customer and the resellers it can name.
#[derive(Debug, Clone)]
pub struct Ordering {
    pub customer: Customer,
    /// Offers on sale in the customer's country.
    pub offers: Vec<crate::catalog::Offer>,
    /// (MPN ID, name) of the provider's active resellers.
    pub resellers: Vec<(String, String)>,
    /// The associated reseller's MPN ID while its partnership is active, read from the
    /// reseller itself (however many resellers the provider has).
    pub default_reseller_of_record: Option<String>,
}

pub async fn view(svc: &Services, actor: &Actor, id: &TenantId) -> Result<CustomerView, CoreError> {
    let customer = get(svc, actor, id).await?;
    let subscriptions = crate::subscriptions::list(svc, actor, id, None, None).await?;
    let support_names = crate::subscriptions::support_candidates(svc, actor, id)
        .await?
        .into_iter()
        .map(|c| (c.support_tenant_id.to_string(), c.name))
        .collect();
    let orders = crate::orders::list(svc, actor, id).await?;
    let partners = crate::customer_relationships::partners(svc, actor, id).await?;
    let is_provider = actor.tenant_kind == TenantKind::Provider;
    let can_order = is_provider && actor.can(Permission::PlaceOrders);
    let my_admin_access = customer.allow_delegated_access == Some(true);
    let can_manage_users = actor.can(Permission::AdministerOnBehalf) && my_admin_access;
    Ok(CustomerView {
        can_edit: actor.can(Permission::EditCustomers),
        can_manage_users,
        can_reset_admin: is_provider && can_manage_users,
        customer,
        subscriptions,
        support_names,
        orders,
        partners,
        can_order,
        is_provider,
        my_admin_access,
    })
}

impl Ordering {
    /// The offers whose name or id contains `text` (any case), of `category` if one is given.
    pub fn matching(&self, text: &str, category: &str) -> Vec<&crate::catalog::Offer> {
        let text = text.trim().to_lowercase();
        self.offers
            .iter()
            .filter(|o| category.is_empty() || o.category.id == category)
            .filter(|o| {
                text.is_empty()
                    || o.name.to_lowercase().contains(&text)
                    || o.id.to_lowercase().contains(&text)
            })
            .collect()
    }

    /// The categories of the offers on sale, in catalog order.
    pub fn categories(&self) -> Vec<crate::catalog::Category> {
        crate::catalog::categories_of(&self.offers)
    }

    /// An offer's name by id (the id itself for one no longer on sale).
    pub fn offer_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.offers
            .iter()
            .find(|o| o.id == id)
            .map_or(id, |o| o.name.as_str())
    }
}

/// What the Add subscription flow needs: the offers on sale in the customer's country, and
/// the provider's resellers with the associated one first.
pub async fn ordering(svc: &Services, actor: &Actor, id: &TenantId) -> Result<Ordering, CoreError> {
    let customer = get(svc, actor, id).await?;
    crate::orders::require_seller(actor)?;
    if !actor.can(Permission::PlaceOrders) {
        return Err(CoreError::Forbidden(Permission::PlaceOrders));
    }
    let offers = crate::catalog::for_customer(svc, actor, id)
        .await?
        .into_iter()
        .filter(|o| o.is_available_for_purchase)
        .collect();
    let mut resellers: Vec<(String, String)> = crate::partnerships::resellers_to_pick(svc, actor)
        .await?
        .into_iter()
        .map(|r| (r.mpn_id, r.name))
        .collect();
    let mut c = svc.db.read().await?;
    let associated = match &customer.associated_partner_id {
        Some(reseller)
            if partnerships::find_active(
                &mut c.conn(),
                ProviderTenant(&actor.tenant_id),
                ResellerTenant(reseller),
            )
            .await?
            .is_some() =>
        {
            partner_rows::find(&mut c.conn(), reseller).await?
        }
        _ => None,
    };
    let default_reseller_of_record = associated.map(|r| {
        let mpn_id = r.mpn_id.to_string();
        // Listed even when it is not among the first resellers by name.
        if !resellers.iter().any(|(m, _)| *m == mpn_id) {
            resellers.insert(0, (mpn_id.clone(), r.name));
        }
        mpn_id
    });
    Ok(Ordering {
        customer,
        offers,
        resellers,
        default_reseller_of_record,
    })
}

/// One customer the actor has a relationship with.
pub async fn get(svc: &Services, actor: &Actor, id: &TenantId) -> Result<Customer, CoreError> {
    let mut c = svc.db.read().await?;
    authz::authorize(&mut c.conn(), actor, Permission::ViewCustomers, id).await?;
    let mut row = crate::customer_relationships::as_seen_by(&mut c.conn(), actor, id).await?;
    let mine = rows::relationship(
        &mut c.conn(),
        PartnerTenant(&actor.tenant_id),
        CustomerTenant(id),
    )
    .await?;
    // The reseller associated through the asking provider, not through whoever created it.
    if actor.tenant_kind == TenantKind::Provider {
        row.reseller_tenant_id = mine.as_ref().and_then(|r| r.reseller_tenant_id.clone());
    }
    let mut customer = from_row(row, actor.tenant_kind == TenantKind::Reseller);
    customer.allow_delegated_access = mine.map(|r| r.delegated_admin);
    Ok(customer)
}

/// Whether a domain prefix is free (`true`) for a new customer.
pub async fn domain_available(
    svc: &Services,
    actor: &Actor,
    prefix: &str,
) -> Result<bool, CoreError> {
    authz::require(actor, Permission::CreateCustomers)?;
    let prefix = DomainPrefix::of_domain(prefix, &svc.settings.customer_domain_suffix)
        .map_err(|err| CoreError::field("domain", err))?;
    let mut c = svc.db.read().await?;
    Ok(!rows::prefix_taken(&mut c.conn(), &prefix).await?)
}
