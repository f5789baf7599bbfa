//! Relationship requests: a provider asks a customer tenant that
//! already exists for a reseller relationship, optionally for one of its indirect resellers and
//! with delegated admin access. The link is single-use, hashed, expiring and revocable, as
//! partnership invitations are; the customer's Global admin accepts it.

use serde::{Deserialize, Serialize};
use twotier_domain::actor::Actor;
use twotier_domain::audit::{Operation, ResourceType};
use twotier_domain::authz::Permission;
use twotier_domain::clock::Timestamp;
use twotier_domain::ids::{RelationshipRequestId, TenantId};
use twotier_domain::link::RelationshipState;
use twotier_domain::partner::{Country, CspRegion};
use twotier_domain::tenant::TenantKind;
use twotier_store::Conn;
use twotier_store::customers::{self as customer_rows, CustomerRow, NewRelationship};
use twotier_store::partners::{self as partner_rows, PartnerRow};
use twotier_store::partnerships as partnership_rows;
use twotier_store::relationship_requests::{self as rows, RequestRow};
use twotier_store::{CustomerTenant, PartnerTenant, ProviderTenant, ResellerTenant};

use crate::audit::Event;
use crate::links::{check_link, link_hash, unknown_link};
use crate::partnerships::{acting_provider, partner_of};
use crate::write::Replayable;
use crate::{Code, CoreError, RequestMeta, Services, authz, secrets};

/// A request's state: the same as an invitation's.
pub use crate::partnerships::InvitationState as RequestState;

/// A relationship request as the provider sees it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RelationshipRequest {
    pub id: String,
    pub state: RequestState,
    pub indirect_reseller_id: Option<String>,
    pub indirect_reseller_name: Option<String>,
    /// The customer it was made for, when one was named.
    pub customer_id: Option<String>,
    pub customer_name: Option<String>,
    pub delegated_admin: bool,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub decided_at: Option<Timestamp>,
    /// The customer that accepted it.
    pub accepted_by_customer_id: Option<String>,
}

impl RelationshipRequest {
    fn from_row(r: RequestRow, now: Timestamp, names: &Names) -> Self {
        let state = r.state.at(Timestamp(r.expires_at), now);
        Self {
            id: r.id.to_string(),
            state,
            indirect_reseller_name: r
                .reseller_tenant_id
                .as_ref()
                .and_then(|t| names.of(t.as_str())),
            indirect_reseller_id: r.reseller_tenant_id.map(|v| v.to_string()),
            customer_name: r
                .customer_tenant_id
                .as_ref()
                .and_then(|t| names.of(t.as_str())),
            customer_id: r.customer_tenant_id.map(|v| v.to_string()),
            delegated_admin: r.delegated_admin,
            created_at: Timestamp(r.created_at),
            expires_at: Timestamp(r.expires_at),
            decided_at: r.decided_at.map(Timestamp),
            accepted_by_customer_id: r.accepted_by_tenant_id.map(|v| v.to_string()),
        }
    }
}

impl Replayable for RelationshipRequest {
    fn for_replay(&self) -> Self {
        self.clone()
    }
}

/// Tenant names for display, loaded once per list. A customer the provider has no
/// relationship with is named by its domain, which the provider typed, never by its company
/// name, so a request cannot turn a domain into a company name.
#[derive(Default)]
struct Names(Vec<(String, String)>);

impl Names {
    async fn load(c: &mut Conn<'_>, rows: &[RequestRow]) -> Result<Self, CoreError> {
        let mut out = Self::default();
        for r in rows {
            if let Some(id) = &r.reseller_tenant_id
                && out.of(id.as_str()).is_none()
                && let Some(t) = twotier_store::tenants::find(c, id).await?
            {
                out.0.push((t.id.to_string(), t.name));
            }
            if let Some(id) = &r.customer_tenant_id {
                if out.of(id.as_str()).is_some() {
                    continue;
                }
                let shown = if customer_rows::related(
                    c,
                    PartnerTenant(&r.provider_tenant_id),
                    CustomerTenant(id),
                )
                .await?
                {
                    twotier_store::tenants::find(c, id).await?.map(|t| t.name)
                } else {
                    customer_rows::find(c, id).await?.map(|cust| cust.domain)
                };
                if let Some(name) = shown {
                    out.0.push((id.to_string(), name));
                }
            }
        }
        Ok(out)
    }
    fn of(&self, id: &str) -> Option<String> {
        self.0.iter().find(|(t, _)| t == id).map(|(_, n)| n.clone())
    }
}

/// A new request: the link and a draft email, shown to the provider once.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewRequest {
    pub request: RelationshipRequest,
    /// The single-use link; only in the first response.
    pub url: Option<String>,
    pub email_subject: String,
    /// The draft email (it holds the link); only in the first response.
    pub email_body: Option<String>,
}

impl Replayable for NewRequest {
    fn for_replay(&self) -> Self {
        Self {
            url: None,
            email_body: None,
            ..self.clone()
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RequestInput {
    /// The reseller tenant the relationship is also for.
    pub indirect_reseller_id: Option<String>,
    /// Whether delegated admin access is asked for (Partner Center's `DAP`); yes by default.
    pub delegated_admin: Option<bool>,
    /// The customer it is meant for, by domain (the UI's optional field).
    pub customer_domain: Option<String>,
    pub expires_in_days: Option<i64>,
}

fn non_empty(s: Option<&String>) -> Option<&str> {
    s.map(|s| s.trim()).filter(|s| !s.is_empty())
}

/// The provider creates a relationship request link.
pub async fn create(
    svc: &Services,
    actor: &Actor,
    meta: &RequestMeta,
    input: &RequestInput,
) -> Result<NewRequest, CoreError> {
    authz::require(actor, Permission::RequestCustomerRelationship)?;
    let days = input
        .expires_in_days
        .unwrap_or(svc.settings.invitation_default_days);
    if !(1..=svc.settings.invitation_max_days).contains(&days) {
        return Err(CoreError::invalid(
            "expiresInDays",
            format!(
                "a request can last from 1 to {} days",
                svc.settings.invitation_max_days
            ),
        ));
    }
    let mut ch = crate::begin_change!(svc, actor, meta, NewRequest);
    let provider = acting_provider(&mut ch.conn(), actor).await?;
    let reseller = match non_empty(input.indirect_reseller_id.as_ref()) {
        None => None,
        Some(id) => {
            let id = TenantId::parse(id);
            let partnered = match &id {
                Some(id) => partnership_rows::find_active(
                    &mut ch.conn(),
                    ProviderTenant(&provider.tenant_id),
                    ResellerTenant(id),
                )
                .await?
                .is_some(),
                None => false,
            };
            let Some(id) = id.filter(|_| partnered) else {
                return Err(CoreError::invalid(
                    "indirectResellerId",
                    "this is not an indirect reseller with an active partnership with you",
                ));
            };
            Some(partner_of(&mut ch.conn(), &id).await?)
        }
    };
    let customer = match non_empty(input.customer_domain.as_ref()) {
        None => None,
        Some(domain) => Some(customer_by_domain(svc, &mut ch.conn(), domain).await?),
    };
    if let Some(cust) = &customer
        && customer_rows::related(
            &mut ch.conn(),
            PartnerTenant(&provider.tenant_id),
            CustomerTenant(&cust.tenant_id),
        )
        .await?
        && reseller.is_none()
        && !input.delegated_admin.unwrap_or(true)
    {
        return Err(CoreError::invalid(
            "customerDomain",
            format!("{} is already your customer", cust.company_name),
        ));
    }
    let now = svc.now();
    let token = secrets::new_token("ttr_");
    let row = RequestRow {
        id: RelationshipRequestId::generate(),
        provider_tenant_id: provider.tenant_id.clone(),
        reseller_tenant_id: reseller.as_ref().map(|r| r.tenant_id.clone()),
        customer_tenant_id: customer.as_ref().map(|c| c.tenant_id.clone()),
        delegated_admin: input.delegated_admin.unwrap_or(true),
        token_hash: secrets::sha256_hex(&token),
        state: RequestState::Pending,
        created_by: actor.label.clone(),
        created_at: now.millis(),
        expires_at: now.plus_days(days).millis(),
        decided_at: None,
        decided_by: None,
        accepted_by_tenant_id: None,
    };
    rows::insert(&mut ch.conn(), &row).await?;
    let names = Names::load(&mut ch.conn(), std::slice::from_ref(&row)).await?;
    let request = RelationshipRequest::from_row(row, now, &names);
    ch.audit(
        Event::new(
            Operation::CreateCustomerRelationshipRequest,
            ResourceType::CustomerRelationshipRequest,
            &request.id,
        )
        .new_value(serde_json::json!({
            "indirectResellerId": request.indirect_reseller_id,
            "customerId": request.customer_id,
            "delegatedAdmin": request.delegated_admin,
            "expiresAt": request.expires_at,
        })),
    )
    .await?;
    let url = format!(
        "{}/customer-relationships/accept?token={token}",
        svc.settings.base_url.trim_end_matches('/')
    );
    let (email_subject, email_body) = draft_email(&provider, reseller.as_ref(), &request, &url);
    let out = NewRequest {
        request,
        url: Some(url),
        email_subject,
        email_body: Some(email_body),
    };
    ch.commit(&out).await?;
    Ok(out)
}

/// A customer by its domain (the full domain or the prefix).
async fn customer_by_domain(
    svc: &Services,
    c: &mut Conn<'_>,
    domain: &str,
) -> Result<CustomerRow, CoreError> {
    let suffix = format!(".{}", svc.settings.customer_domain_suffix);
    let lower = domain.to_lowercase();
    let prefix = lower.strip_suffix(&suffix).unwrap_or(&lower);
    match customer_rows::find_by_prefix(c, prefix).await? {
        Some(row) => Ok(row),
        None => Err(CoreError::invalid(
            "customerDomain",
            format!("no customer has the domain {prefix}{suffix}"),
        )),
    }
}

fn draft_email(
    provider: &PartnerRow,
    reseller: Option<&PartnerRow>,
    request: &RelationshipRequest,
    url: &str,
) -> (String, String) {
    let subject = format!(
        "{} asks to become your Cloud Solution Provider",
        provider.name
    );
    let with_reseller = reseller.map_or(String::new(), |r| {
        format!(
            " together with its indirect reseller {} (MPN ID {})",
            r.name, r.mpn_id
        )
    });
    let admin = if request.delegated_admin {
        " The request includes delegated admin access, so they can manage your users and licences for you; you can remove it at any time on your Partners page."
    } else {
        " The request does not include delegated admin access."
    };
    let body = format!(
        "Hello,\n\n{name} (MPN ID {mpn}) would like to serve your organisation as its Cloud Solution Provider{with_reseller}.{admin}\n\n\
         A Global admin of your organisation can review and accept with this link (it works once and expires on {expires}):\n\n{url}\n\n\
         Kind regards,\n{name}",
        name = provider.name,
        mpn = provider.mpn_id,
        expires = request.expires_at.display(),
    );
    (subject, body)
}

/// The provider's requests, newest first (the last 200).
/// The provider's requests page: its requests and the resellers a new one may name.
#[derive(Debug, Clone)]
pub struct RequestsView {
    pub requests: Vec<RelationshipRequest>,
    pub resellers: Vec<crate::partnerships::Relationship>,
}

pub async fn requests_view(svc: &Services, actor: &Actor) -> Result<RequestsView, CoreError> {
    if actor.tenant_kind != TenantKind::Provider {
        return Err(CoreError::NotFound);
    }
    Ok(RequestsView {
        requests: list(svc, actor).await?,
        resellers: crate::partnerships::resellers_to_pick(svc, actor).await?,
    })
}

/// A customer's partners page: its partners and, for whoever manages partner access, the
/// requests waiting for its answer.
#[derive(Debug, Clone)]
pub struct PartnersView {
    pub partners: Vec<crate::customer_relationships::CustomerPartner>,
    pub pending: Vec<PendingRequest>,
    pub can_manage: bool,
}

pub async fn partners_view(svc: &Services, actor: &Actor) -> Result<PartnersView, CoreError> {
    let partners = crate::customer_relationships::partners(svc, actor, &actor.tenant_id).await?;
    let can_manage = actor.can(Permission::ManagePartnerAccess);
    let pending = if can_manage {
        pending_for_me(svc, actor).await?
    } else {
        Vec::new()
    };
    Ok(PartnersView {
        partners,
        pending,
        can_manage,
    })
}

pub async fn list(svc: &Services, actor: &Actor) -> Result<Vec<RelationshipRequest>, CoreError> {
    authz::require(actor, Permission::RequestCustomerRelationship)?;
    if actor.tenant_kind != TenantKind::Provider {
        return Ok(Vec::new());
    }
    let now = svc.now();
    let mut c = svc.db.read().await?;
    let found = rows::list_of_provider(&mut c.conn(), &actor.tenant_id, 200).await?;
    let names = Names::load(&mut c.conn(), &found).await?;
    Ok(found
        .into_iter()
        .map(|r| RelationshipRequest::from_row(r, now, &names))
        .collect())
}

/// Revokes a pending request; its link stops working at once.
pub async fn revoke(
    svc: &Services,
    actor: &Actor,
    meta: &RequestMeta,
    id: &str,
) -> Result<RelationshipRequest, CoreError> {
    authz::require(actor, Permission::RequestCustomerRelationship)?;
    // A malformed id is not found before anything is written (an idempotency key included).
    let id = RelationshipRequestId::parse(id).ok_or(CoreError::NotFound)?;
    let mut ch = crate::begin_change!(svc, actor, meta, RelationshipRequest);
    let now = svc.now();
    let row = rows::find(&mut ch.conn(), &actor.tenant_id, &id)
        .await?
        .ok_or(CoreError::NotFound)?;
    check_link(
        row.state,
        row.expires_at,
        now,
        "relationship request",
        "you",
    )?;
    if !rows::revoke(&mut ch.conn(), &row.id, &actor.label, now.millis()).await? {
        return Err(CoreError::rule(
            Code::LinkNotPending,
            "this request is no longer pending",
        ));
    }
    let row = rows::find(&mut ch.conn(), &actor.tenant_id, &row.id)
        .await?
        .ok_or(CoreError::NotFound)?;
    let names = Names::load(&mut ch.conn(), std::slice::from_ref(&row)).await?;
    let out = RelationshipRequest::from_row(row, now, &names);
    ch.audit(
        Event::new(
            Operation::RevokeCustomerRelationshipRequest,
            ResourceType::CustomerRelationshipRequest,
            &out.id,
        )
        .old(serde_json::json!({ "state": RequestState::Pending }))
        .new_value(serde_json::json!({ "state": RequestState::Revoked })),
    )
    .await?;
    ch.commit(&out).await?;
    Ok(out)
}

/// Who asks for what, as the acceptance page shows it.
#[derive(Debug, Clone)]
pub struct RequestPreview {
    pub provider_name: String,
    pub provider_mpn_id: i64,
    pub provider_region: String,
    pub reseller_name: Option<String>,
    pub reseller_mpn_id: Option<i64>,
    pub delegated_admin: bool,
    pub expires_at: Timestamp,
}

/// Looks the link up; a used, expired, revoked or unknown link is a clear error.
async fn open(
    c: &mut Conn<'_>,
    token: &str,
    now: Timestamp,
) -> Result<(RequestRow, PartnerRow, Option<PartnerRow>), CoreError> {
    const WHAT: &str = "relationship request link";
    let row = rows::find_by_hash(c, &link_hash(token, WHAT)?)
        .await?
        .ok_or_else(|| unknown_link(WHAT))?;
    let (provider, reseller) = usable(c, &row, now, WHAT).await?;
    Ok((row, provider, reseller))
}

/// Whether a request can still be accepted (pending, unexpired, from a provider that is not
/// disabled); its provider and reseller if so.
async fn usable(
    c: &mut Conn<'_>,
    row: &RequestRow,
    now: Timestamp,
    what: &str,
) -> Result<(PartnerRow, Option<PartnerRow>), CoreError> {
    check_link(row.state, row.expires_at, now, what, "the provider")?;
    let provider = partner_of(c, &row.provider_tenant_id).await?;
    if provider.disabled {
        return Err(CoreError::rule(
            Code::LinkRevoked,
            "this provider can no longer take on customers",
        ));
    }
    let reseller = match &row.reseller_tenant_id {
        Some(id) => Some(partner_of(c, id).await?),
        None => None,
    };
    Ok((provider, reseller))
}

/// Whether this actor may accept: a Global admin of a customer in the provider's CSP region
/// (of the customer it was made for, if one was named), while the named reseller is still
/// partnered with the provider and the request asks for something not yet held.
async fn check_acceptor(
    c: &mut Conn<'_>,
    actor: &Actor,
    row: &RequestRow,
    provider: &PartnerRow,
    reseller: Option<&PartnerRow>,
) -> Result<CustomerRow, CoreError> {
    if actor.tenant_kind != TenantKind::Customer
        || !actor.can(Permission::ManagePartnerAccess)
        || actor.user_id.is_none()
    {
        return Err(CoreError::rule(
            Code::NotCustomerAdmin,
            "only a Global admin of the customer's organisation can accept a relationship request; sign in with such an account",
        ));
    }
    if row
        .customer_tenant_id
        .as_ref()
        .is_some_and(|t| *t != actor.tenant_id)
    {
        return Err(CoreError::rule(
            Code::LinkUnknown,
            "this relationship request was made for another organisation",
        ));
    }
    let customer = customer_rows::find(c, &actor.tenant_id)
        .await?
        .ok_or(CoreError::NotFound)?;
    let region = Country::parse(&customer.country).map(|c| c.region).ok();
    if region.map(CspRegion::as_str) != Some(provider.region.as_str()) {
        let label = |r: &str| CspRegion::from_stored(r).map_or("another region", CspRegion::label);
        return Err(CoreError::rule(
            Code::RegionMismatch,
            format!(
                "{} serves the {} CSP region and your organisation is in {}; a provider can only serve customers of its region",
                provider.name,
                label(&provider.region),
                region.map_or("another region", CspRegion::label)
            ),
        ));
    }
    if let Some(reseller) = reseller {
        let partnered = partnership_rows::find_active(
            c,
            ProviderTenant(&provider.tenant_id),
            ResellerTenant(&reseller.tenant_id),
        )
        .await?
        .is_some();
        if !partnered || reseller.disabled {
            return Err(CoreError::rule(
                Code::ResellerNotPartnered,
                format!(
                    "{} is no longer an indirect reseller of {}; ask the provider for a new request",
                    reseller.name, provider.name
                ),
            ));
        }
    }
    let mut wanted = vec![(&provider.tenant_id, row.delegated_admin)];
    if let Some(r) = reseller {
        wanted.push((&r.tenant_id, row.delegated_admin));
    }
    let mut new = false;
    for (partner, dap) in wanted {
        let held = customer_rows::relationship(
            c,
            PartnerTenant(partner),
            CustomerTenant(&customer.tenant_id),
        )
        .await?
        .filter(|r| r.state == RelationshipState::Active);
        new |= held.is_none_or(|h| dap && !h.delegated_admin);
    }
    let provider_reseller = customer_rows::relationship(
        c,
        PartnerTenant(&provider.tenant_id),
        CustomerTenant(&customer.tenant_id),
    )
    .await?
    .and_then(|r| r.reseller_tenant_id);
    if let Some(r) = reseller
        && provider_reseller.as_ref() != Some(&r.tenant_id)
    {
        new = true;
    }
    if !new {
        return Err(CoreError::rule(
            Code::AlreadyRelated,
            format!(
                "{} already has everything this request asks for",
                provider.name
            ),
        ));
    }
    Ok(customer)
}

/// What the acceptance page shows; with an actor, also whether they may accept (the error
/// says why not).
pub async fn preview(
    svc: &Services,
    actor: Option<&Actor>,
    token: &str,
) -> Result<RequestPreview, CoreError> {
    let mut c = svc.db.read().await?;
    let (row, provider, reseller) = open(&mut c.conn(), token, svc.now()).await?;
    if let Some(actor) = actor {
        check_acceptor(&mut c.conn(), actor, &row, &provider, reseller.as_ref()).await?;
    }
    Ok(RequestPreview {
        provider_region: CspRegion::from_stored(&provider.region)
            .map(CspRegion::label)
            .unwrap_or_default()
            .to_owned(),
        provider_name: provider.name,
        provider_mpn_id: provider.mpn_id,
        reseller_name: reseller.as_ref().map(|r| r.name.clone()),
        reseller_mpn_id: reseller.as_ref().map(|r| r.mpn_id),
        delegated_admin: row.delegated_admin,
        expires_at: Timestamp(row.expires_at),
    })
}

/// The customer's Global admin accepts: the link is spent and the provider's (and the named
/// reseller's) relationships made, with delegated admin access if asked, in one transaction.
pub async fn accept(
    svc: &Services,
    actor: &Actor,
    meta: &RequestMeta,
    token: &str,
) -> Result<(), CoreError> {
    let mut ch = crate::begin_change!(svc, actor, meta, ());
    let now = svc.now();
    let (row, provider, reseller) = open(&mut ch.conn(), token, now).await?;
    accept_opened(ch, now, row, provider, reseller).await
}

/// The customer's Global admin accepts a request made for its organisation from its Partners
/// page, without the link. Accepting it again shows the same success.
pub async fn accept_pending(
    svc: &Services,
    actor: &Actor,
    meta: &RequestMeta,
    id: &str,
) -> Result<(), CoreError> {
    authz::require(actor, Permission::ManagePartnerAccess)?;
    let id = RelationshipRequestId::parse(id).ok_or(CoreError::NotFound)?;
    let mut ch = crate::begin_change!(svc, actor, meta, ());
    let now = svc.now();
    let row = made_for_me(&mut ch.conn(), actor, &id).await?;
    if row.state == RequestState::Accepted
        && row.accepted_by_tenant_id.as_ref() == Some(&actor.tenant_id)
    {
        return Ok(());
    }
    let (provider, reseller) = usable(&mut ch.conn(), &row, now, "relationship request").await?;
    accept_opened(ch, now, row, provider, reseller).await
}

/// The customer's Global admin declines a request made for its organisation: it is closed
/// and its link stops working. Declining it again shows the same success.
pub async fn decline(
    svc: &Services,
    actor: &Actor,
    meta: &RequestMeta,
    id: &str,
) -> Result<(), CoreError> {
    authz::require(actor, Permission::ManagePartnerAccess)?;
    let id = RelationshipRequestId::parse(id).ok_or(CoreError::NotFound)?;
    let mut ch = crate::begin_change!(svc, actor, meta, ());
    let now = svc.now();
    let row = made_for_me(&mut ch.conn(), actor, &id).await?;
    if row.state == RequestState::Declined {
        return Ok(());
    }
    check_link(
        row.state,
        row.expires_at,
        now,
        "relationship request",
        "the provider",
    )?;
    if !rows::decline(
        &mut ch.conn(),
        &row.id,
        &actor.tenant_id,
        &actor.label,
        now.millis(),
    )
    .await?
    {
        return Err(CoreError::rule(
            Code::LinkNotPending,
            "this request is no longer pending",
        ));
    }
    let customer = customer_rows::find(&mut ch.conn(), &actor.tenant_id)
        .await?
        .ok_or(CoreError::NotFound)?;
    ch.audit(
        Event::new(
            Operation::DeclineCustomerRelationshipRequest,
            ResourceType::CustomerRelationshipRequest,
            &row.id,
        )
        .about(&row.provider_tenant_id)
        .customer(&customer.tenant_id, &customer.company_name)
        .old(serde_json::json!({ "state": RequestState::Pending }))
        .new_value(serde_json::json!({ "state": RequestState::Declined })),
    )
    .await?;
    ch.commit(&()).await?;
    Ok(())
}

/// A request made for the actor's customer tenant; any other is not found.
async fn made_for_me(
    c: &mut Conn<'_>,
    actor: &Actor,
    id: &RelationshipRequestId,
) -> Result<RequestRow, CoreError> {
    rows::find_for_customer(c, &actor.tenant_id, id)
        .await?
        .ok_or(CoreError::NotFound)
}

/// Accepts a request found by its link or by its id: the request is spent, the provider's
/// other pending requests to this customer are closed, and the relationships are made.
async fn accept_opened(
    mut ch: crate::write::Change<'_>,
    now: Timestamp,
    row: RequestRow,
    provider: PartnerRow,
    reseller: Option<PartnerRow>,
) -> Result<(), CoreError> {
    let actor = ch.actor;
    let customer =
        check_acceptor(&mut ch.conn(), actor, &row, &provider, reseller.as_ref()).await?;
    let by = actor
        .user_id
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    if !rows::spend(
        &mut ch.conn(),
        &row.id,
        &customer.tenant_id,
        &by,
        now.millis(),
    )
    .await?
    {
        return Err(CoreError::rule(
            Code::LinkUsed,
            "this relationship request link was already used; each link works once",
        ));
    }
    // A customer answers a provider once: its older pending requests are closed with this one.
    let superseded = rows::supersede(
        &mut ch.conn(),
        &provider.tenant_id,
        &customer.tenant_id,
        &row.id,
        now.millis(),
    )
    .await?;
    let customer_id = customer.tenant_id.clone();
    let mut partners = vec![(
        provider.clone(),
        reseller.as_ref().map(|r| r.tenant_id.clone()),
    )];
    if let Some(r) = &reseller {
        partners.push((r.clone(), None));
    }
    for (partner, associated) in partners {
        let held = customer_rows::relationship(
            &mut ch.conn(),
            PartnerTenant(&partner.tenant_id),
            CustomerTenant(&customer.tenant_id),
        )
        .await?
        .filter(|r| r.state == RelationshipState::Active);
        let keep_dap = held.as_ref().is_some_and(|h| h.delegated_admin);
        let dap = row.delegated_admin || keep_dap;
        let reseller_of_provider =
            associated.or_else(|| held.as_ref().and_then(|h| h.reseller_tenant_id.clone()));
        match &held {
            Some(_) => {
                if dap && !keep_dap {
                    customer_rows::set_delegated_admin(
                        &mut ch.conn(),
                        PartnerTenant(&partner.tenant_id),
                        CustomerTenant(&customer.tenant_id),
                        true,
                        now.millis(),
                    )
                    .await?;
                }
                customer_rows::set_associated_reseller(
                    &mut ch.conn(),
                    ProviderTenant(&partner.tenant_id),
                    CustomerTenant(&customer.tenant_id),
                    reseller_of_provider.as_ref(),
                )
                .await?;
            }
            None => {
                customer_rows::insert_relationship(
                    &mut ch.conn(),
                    &NewRelationship {
                        partner: &partner.tenant_id,
                        customer: &customer.tenant_id,
                        reseller: reseller_of_provider.as_ref(),
                        company_name: &customer.company_name,
                        delegated_admin: dap,
                        at: now.millis(),
                    },
                )
                .await?;
            }
        }
        if dap && !keep_dap {
            ch.audit(
                Event::new(
                    Operation::DapAdminRelationshipApproved,
                    ResourceType::CustomerRelationship,
                    &partner.tenant_id,
                )
                .about(&customer_id)
                .customer(&customer_id, &customer.company_name)
                .new_value(serde_json::json!({ "partnerTenantId": partner.tenant_id, "partnerName": partner.name, "delegatedAdmin": true })),
            )
            .await?;
        }
    }
    ch.audit(
        Event::new(
            Operation::AcceptCustomerRelationshipRequest,
            ResourceType::CustomerRelationshipRequest,
            &row.id,
        )
        .about(&provider.tenant_id.clone())
        .customer(&customer_id, &customer.company_name)
        .new_value(serde_json::json!({
            "providerTenantId": provider.tenant_id,
            "indirectResellerId": row.reseller_tenant_id,
            "delegatedAdmin": row.delegated_admin,
            "supersededRequestIds": superseded,
        })),
    )
    .await?;
    ch.commit(&()).await?;
    Ok(())
}

/// The pending requests made for the actor's customer tenant (its portal lists them).
pub async fn pending_for_me(
    svc: &Services,
    actor: &Actor,
) -> Result<Vec<PendingRequest>, CoreError> {
    authz::require(actor, Permission::ManagePartnerAccess)?;
    let mut c = svc.db.read().await?;
    let found =
        rows::pending_for_customer(&mut c.conn(), &actor.tenant_id, svc.now().millis()).await?;
    let mut out = Vec::with_capacity(found.len());
    for r in found {
        let provider = partner_rows::find(&mut c.conn(), &r.provider_tenant_id).await?;
        let reseller = match &r.reseller_tenant_id {
            Some(id) => partner_rows::find(&mut c.conn(), id).await?,
            None => None,
        };
        out.push(PendingRequest {
            id: r.id.clone(),
            provider_name: provider.map(|p| p.name).unwrap_or_default(),
            reseller_name: reseller.map(|p| p.name),
            delegated_admin: r.delegated_admin,
            created_at: Timestamp(r.created_at),
            expires_at: Timestamp(r.expires_at),
        });
    }
    Ok(out)
}

/// A request waiting for the customer; the link itself is in the provider's email.
#[derive(Debug, Clone)]
pub struct PendingRequest {
    pub id: RelationshipRequestId,
    pub provider_name: String,
    pub reseller_name: Option<String>,
    pub delegated_admin: bool,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}
