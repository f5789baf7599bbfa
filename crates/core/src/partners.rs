//! Partner organisations: enrolment by the operator, directory profiles, the partner
//! agreement, disabling, and the public indirect providers list.

use serde::{Deserialize, Serialize};
use twotier_domain::FieldErrors;
use twotier_domain::actor::Actor;
use twotier_domain::audit::{Operation, ResourceType};
use twotier_domain::authz::{Permission, Role};
use twotier_domain::clock::Timestamp;
use twotier_domain::ids::{TenantId, UserId};
use twotier_domain::partner::{Country, CspRegion, parse_mpn_id, parse_text};
use twotier_domain::tenant::{TenantKind, parse_name};
use twotier_domain::user::{Email, parse_display_name};
pub use twotier_store::customers::ListSort;
use twotier_store::partners::{self, ListFilter, NewProfile, PartnerRow, ProfilePatch};
use twotier_store::{sessions, tenants};

use crate::audit::Event;
use crate::write::{Change, Replayable};
use crate::{Code, CoreError, RequestMeta, Services, authz, users};

/// A partner organisation as every surface shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Partner {
    pub id: String,
    pub kind: TenantKind,
    pub name: String,
    pub legal_name: String,
    pub country: String,
    pub country_name: String,
    pub region: String,
    pub region_name: String,
    pub mpn_id: i64,
    pub contact_email: String,
    pub description: String,
    pub website: String,
    pub agreement_accepted: bool,
    pub agreement_accepted_at: Option<Timestamp>,
    pub agreement_accepted_by: Option<String>,
    pub require_mfa: bool,
    pub disabled: bool,
    pub created_at: Timestamp,
}

/// One partner by tenant id.
async fn load(c: &mut twotier_store::Conn<'_>, id: &TenantId) -> Result<Partner, CoreError> {
    partners::find(c, id)
        .await?
        .map(Partner::from_row)
        .ok_or(CoreError::NotFound)
}

impl Partner {
    fn from_row(r: PartnerRow) -> Self {
        let kind = TenantKind::parse(&r.kind).unwrap_or(TenantKind::Reseller);
        let country_name = Country::parse(&r.country)
            .map(|c| c.name)
            .unwrap_or_default()
            .to_owned();
        let region_name = CspRegion::from_stored(&r.region)
            .map(CspRegion::label)
            .unwrap_or_default()
            .to_owned();
        Self {
            id: r.tenant_id.to_string(),
            kind,
            name: r.name,
            legal_name: r.legal_name,
            country: r.country,
            country_name,
            region: r.region,
            region_name,
            mpn_id: r.mpn_id,
            contact_email: r.contact_email,
            description: r.description,
            website: r.website,
            agreement_accepted: r.agreement_accepted_at.is_some(),
            agreement_accepted_at: r.agreement_accepted_at.map(Timestamp),
            agreement_accepted_by: r.agreement_accepted_by.map(|v| v.to_string()),
            require_mfa: r.require_mfa,
            disabled: r.disabled,
            created_at: Timestamp(r.created_at),
        }
    }
}

/// Enrolment as typed in a form, sent to the API or given to the CLI.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct EnrollInput {
    pub kind: String,
    pub name: String,
    pub legal_name: String,
    #[serde(deserialize_with = "crate::lenient::string")]
    pub mpn_id: String,
    pub country: String,
    pub contact_email: String,
    pub description: String,
    pub website: String,
    pub admin_email: String,
    pub admin_display_name: String,
    pub accept_agreement: bool,
}

struct ValidEnrollment {
    kind: TenantKind,
    name: String,
    legal_name: String,
    mpn_id: i64,
    country: Country,
    contact_email: Email,
    description: String,
    website: String,
    admin_email: Email,
    admin_display_name: String,
}

fn validate_enrollment(i: &EnrollInput) -> Result<ValidEnrollment, FieldErrors> {
    let mut e = FieldErrors::new();
    let kind = e.check(
        "kind",
        TenantKind::parse(&i.kind).and_then(|k| {
            if k.is_partner() {
                Ok(k)
            } else {
                Err(twotier_domain::DomainError::new(
                    "must be provider or reseller",
                ))
            }
        }),
    );
    let name = e.check("name", parse_name(&i.name));
    let legal_name = if i.legal_name.trim().is_empty() {
        name.clone()
    } else {
        e.check("legalName", parse_name(&i.legal_name))
    };
    let mpn_id = e.check("mpnId", parse_mpn_id(&i.mpn_id));
    let country = e.check("country", Country::parse(&i.country));
    let admin_email = e.check("adminEmail", Email::parse(&i.admin_email));
    let contact_email = if i.contact_email.trim().is_empty() {
        admin_email.clone()
    } else {
        e.check("contactEmail", Email::parse(&i.contact_email))
    };
    let description = e.check("description", parse_text(&i.description, 2000));
    let website = e.check("website", parse_website(&i.website));
    let admin_display_name = if i.admin_display_name.trim().is_empty() {
        Some("Global admin".to_owned())
    } else {
        e.check(
            "adminDisplayName",
            parse_display_name(&i.admin_display_name),
        )
    };
    match (
        kind,
        name,
        legal_name,
        mpn_id,
        country,
        contact_email,
        description,
        website,
        admin_email,
        admin_display_name,
    ) {
        (
            Some(kind),
            Some(name),
            Some(legal_name),
            Some(mpn_id),
            Some(country),
            Some(contact_email),
            Some(description),
            Some(website),
            Some(admin_email),
            Some(admin_display_name),
        ) if e.is_empty() => Ok(ValidEnrollment {
            kind,
            name,
            legal_name,
            mpn_id,
            country,
            contact_email,
            description,
            website,
            admin_email,
            admin_display_name,
        }),
        _ => Err(e),
    }
}

/// Empty, or an http(s) URL.
fn parse_website(input: &str) -> Result<String, twotier_domain::DomainError> {
    let s = parse_text(input, 300)?;
    if s.is_empty() || s.starts_with("https://") || s.starts_with("http://") {
        Ok(s)
    } else {
        Err(twotier_domain::DomainError::new(
            "enter a web address starting with https://",
        ))
    }
}

/// The result of an enrolment. The temporary password is in the first response only.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Enrolled {
    pub partner: Partner,
    pub admin_user_id: String,
    pub admin_email: String,
    pub temporary_password: Option<String>,
    pub temporary_password_expires_at: Option<Timestamp>,
}

impl Replayable for Enrolled {
    fn for_replay(&self) -> Self {
        Self {
            temporary_password: None,
            ..self.clone()
        }
    }
}

/// The operator enrols a provider or reseller with its first Global admin.
pub async fn enroll(
    svc: &Services,
    actor: &Actor,
    meta: &RequestMeta,
    input: &EnrollInput,
) -> Result<Enrolled, CoreError> {
    authz::require(actor, Permission::ManagePartners)?;
    let v = validate_enrollment(input)?;
    let mut ch = crate::begin_change!(svc, actor, meta, Enrolled);
    if partners::find_by_mpn_id(&mut ch.conn(), v.mpn_id)
        .await?
        .is_some()
    {
        return Err(CoreError::invalid(
            "mpnId",
            "this MPN ID is already enrolled",
        ));
    }
    let now = svc.now();
    let tenant_id = TenantId::generate();
    users::check_domain(&mut ch, &tenant_id, v.kind, &v.admin_email)
        .await
        .map_err(|e| match e {
            CoreError::Invalid(f) => CoreError::invalid(
                "adminEmail",
                f.iter()
                    .next()
                    .map(|(_, m)| m.to_owned())
                    .unwrap_or_default(),
            ),
            e => e,
        })?;
    tenants::insert(
        &mut ch.conn(),
        &tenants::TenantRow {
            id: tenant_id.clone(),
            kind: v.kind.as_str().to_owned(),
            name: v.name.clone(),
            require_mfa: false,
            disabled: false,
            created_at: now.millis(),
        },
    )
    .await?;
    let admin = users::insert_with_temp_password(
        &mut ch,
        &tenant_id,
        &v.admin_email,
        &v.admin_display_name,
        &[Role::GlobalAdmin],
        None,
    )
    .await?;
    let accepted_by = admin.user_id.clone();
    partners::insert_profile(
        &mut ch.conn(),
        &NewProfile {
            tenant_id: &tenant_id,
            legal_name: &v.legal_name,
            country: v.country.code,
            region: v.country.region.as_str(),
            mpn_id: v.mpn_id,
            contact_email: &v.contact_email.address,
            description: &v.description,
            website: &v.website,
            agreement_accepted_at: input.accept_agreement.then_some(now.millis()),
            agreement_accepted_by: input.accept_agreement.then_some(&accepted_by),
            updated_at: now.millis(),
        },
    )
    .await
    .map_err(|e| match e {
        twotier_store::StoreError::Conflict => {
            CoreError::invalid("mpnId", "this MPN ID is already enrolled")
        }
        e => e.into(),
    })?;
    let partner = load(&mut ch.conn(), &tenant_id).await?;
    ch.audit(
        Event::new(Operation::EnrollPartner, ResourceType::Partner, &tenant_id)
            .about(&tenant_id)
            .new_value(serde_json::json!({
                "kind": partner.kind, "name": partner.name, "mpnId": partner.mpn_id,
                "country": partner.country, "adminEmail": v.admin_email.address,
                "agreementAccepted": partner.agreement_accepted,
            })),
    )
    .await?;
    let out = Enrolled {
        partner,
        admin_user_id: admin.user_id.to_string(),
        admin_email: v.admin_email.address,
        temporary_password: Some(admin.temporary_password),
        temporary_password_expires_at: Some(admin.expires_at),
    };
    ch.commit(&out).await?;
    Ok(out)
}

/// Which partners to list.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub kind: Option<TenantKind>,
    pub name_prefix: Option<String>,
    /// Names or MPN IDs that contain this.
    pub contains: Option<String>,
    pub include_disabled: bool,
    pub sort: ListSort,
    pub after: Option<(String, String)>,
    pub before: Option<(String, String)>,
    pub limit: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct PartnerPage {
    pub total: i64,
    pub items: Vec<Partner>,
    /// Cursors (sort key, tenant id) of the pages after and before this one.
    pub next: Option<(String, String)>,
    pub previous: Option<(String, String)>,
}

pub const MAX_PAGE: i64 = 500;

async fn page(svc: &Services, q: &ListQuery) -> Result<PartnerPage, CoreError> {
    let limit = q.limit.clamp(1, MAX_PAGE);
    let cursor = crate::keyset::cursor(q.sort, q.after.as_ref(), q.before.as_ref());
    let filter = ListFilter {
        kind: q.kind.map(TenantKind::as_str),
        name_prefix: q.name_prefix.as_deref(),
        contains: q.contains.as_deref(),
        include_disabled: q.include_disabled,
        sort: q.sort,
        cursor,
        limit: limit + 1,
    };
    let mut c = svc.db.read().await?;
    let mut rows = partners::list(&mut c.conn(), &filter).await?;
    let total = partners::count(&mut c.conn(), &filter).await?;
    let (has_next, has_previous) = crate::keyset::cut(&mut rows, limit, cursor);
    let key = |r: &PartnerRow| (q.sort.key_of_partner(r), r.tenant_id.to_string());
    let next = rows.last().filter(|_| has_next).map(key);
    let previous = rows.first().filter(|_| has_previous).map(key);
    Ok(PartnerPage {
        total,
        items: rows.into_iter().map(Partner::from_row).collect(),
        next,
        previous,
    })
}

/// Every partner, for the operator console.
pub async fn list(svc: &Services, actor: &Actor, q: &ListQuery) -> Result<PartnerPage, CoreError> {
    authz::require(actor, Permission::ViewPartners)?;
    page(svc, q).await
}

/// The public indirect providers list: enabled providers only, no sign-in.
pub async fn public_providers(
    svc: &Services,
    name_prefix: Option<&str>,
) -> Result<Vec<Partner>, CoreError> {
    let q = ListQuery {
        kind: Some(TenantKind::Provider),
        name_prefix: name_prefix.map(str::to_owned),
        limit: MAX_PAGE,
        ..ListQuery::default()
    };
    Ok(page(svc, &q).await?.items)
}

/// One partner: the operator sees any, a partner sees itself.
pub async fn get(svc: &Services, actor: &Actor, id: &TenantId) -> Result<Partner, CoreError> {
    let mut c = svc.db.read().await?;
    authz::visible_tenant(&mut c.conn(), actor, id).await?;
    if id != &actor.tenant_id {
        // The operator reads every partner; partners read the partners they work with.
        let needed = if actor.tenant_kind == TenantKind::Operator {
            Permission::ViewPartners
        } else {
            Permission::ViewPartnerships
        };
        authz::require(actor, needed)?;
    }
    partners::find(&mut c.conn(), id)
        .await?
        .map(Partner::from_row)
        .ok_or(CoreError::NotFound)
}

/// A directory profile edit. Only the operator may change a listing.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ProfileInput {
    pub name: Option<String>,
    pub legal_name: Option<String>,
    pub contact_email: Option<String>,
    pub description: Option<String>,
    pub website: Option<String>,
    pub disabled: Option<bool>,
}

pub async fn update_profile(
    svc: &Services,
    actor: &Actor,
    meta: &RequestMeta,
    id: &TenantId,
    input: &ProfileInput,
) -> Result<Partner, CoreError> {
    let mut ch = crate::begin_change!(svc, actor, meta, Partner);
    authz::authorize(&mut ch.conn(), actor, Permission::ManagePartners, id).await?;
    let old = load(&mut ch.conn(), id).await?;
    let mut e = FieldErrors::new();
    let name = match &input.name {
        Some(n) => e.check("name", parse_name(n)),
        None => Some(old.name.clone()),
    };
    let legal_name = match &input.legal_name {
        Some(n) => e.check("legalName", parse_name(n)),
        None => Some(old.legal_name.clone()),
    };
    let contact_email = match &input.contact_email {
        Some(m) => e.check("contactEmail", Email::parse(m)).map(|m| m.address),
        None => Some(old.contact_email.clone()),
    };
    let description = match &input.description {
        Some(d) => e.check("description", parse_text(d, 2000)),
        None => Some(old.description.clone()),
    };
    let website = match &input.website {
        Some(w) => e.check("website", parse_website(w)),
        None => Some(old.website.clone()),
    };
    let (Some(name), Some(legal_name), Some(contact_email), Some(description), Some(website)) =
        (name, legal_name, contact_email, description, website)
    else {
        return Err(CoreError::Invalid(e));
    };
    let now = svc.now().millis();
    tenants::rename(&mut ch.conn(), id, &name).await?;
    partners::update_profile(
        &mut ch.conn(),
        id,
        &ProfilePatch {
            legal_name: &legal_name,
            contact_email: &contact_email,
            description: &description,
            website: &website,
            updated_at: now,
        },
    )
    .await?;
    let edited = load(&mut ch.conn(), id).await?;
    if profile_fields(&edited) != profile_fields(&old) {
        ch.audit(
            Event::new(Operation::UpdatePartnerProfile, ResourceType::Partner, id)
                .about(id)
                .old(profile_fields(&old))
                .new_value(profile_fields(&edited)),
        )
        .await?;
    }
    if let Some(disabled) = input.disabled {
        apply_disabled(&mut ch, id, &old, disabled).await?;
    }
    let new = load(&mut ch.conn(), id).await?;
    ch.commit(&new).await?;
    Ok(new)
}

async fn apply_disabled(
    ch: &mut Change<'_>,
    id: &TenantId,
    old: &Partner,
    disabled: bool,
) -> Result<(), CoreError> {
    if old.disabled == disabled {
        return Ok(());
    }
    tenants::set_disabled(&mut ch.conn(), id, disabled).await?;
    if disabled {
        sessions::delete_for_tenant(&mut ch.conn(), id).await?;
    }
    let op = if disabled {
        Operation::DisablePartner
    } else {
        Operation::EnablePartner
    };
    ch.audit(
        Event::new(op, ResourceType::Partner, id)
            .about(id)
            .old(serde_json::json!({ "disabled": old.disabled }))
            .new_value(serde_json::json!({ "disabled": disabled })),
    )
    .await
}

fn profile_fields(p: &Partner) -> serde_json::Value {
    serde_json::json!({
        "name": p.name, "legalName": p.legal_name, "contactEmail": p.contact_email,
        "description": p.description, "website": p.website,
    })
}

/// Disables (or re-enables) a partner. Disabling ends its users' sessions at once and its
/// tokens stop working on their next request.
pub async fn set_disabled(
    svc: &Services,
    actor: &Actor,
    meta: &RequestMeta,
    id: &TenantId,
    disabled: bool,
) -> Result<Partner, CoreError> {
    let mut ch = crate::begin_change!(svc, actor, meta, Partner);
    authz::authorize(&mut ch.conn(), actor, Permission::ManagePartners, id).await?;
    let old = load(&mut ch.conn(), id).await?;
    apply_disabled(&mut ch, id, &old, disabled).await?;
    let new = load(&mut ch.conn(), id).await?;
    ch.commit(&new).await?;
    Ok(new)
}

/// A partner's Global admin accepts the partner agreement; the time and user are recorded.
/// Accepting again changes nothing.
pub async fn accept_agreement(
    svc: &Services,
    actor: &Actor,
    meta: &RequestMeta,
    id: &TenantId,
) -> Result<Partner, CoreError> {
    let mut ch = crate::begin_change!(svc, actor, meta, Partner);
    let tenant = authz::visible_tenant(&mut ch.conn(), actor, id).await?;
    if tenant.id != actor.tenant_id.clone() {
        // Only the partner itself can agree; the operator cannot sign for it.
        return Err(CoreError::Forbidden(Permission::AcceptAgreement));
    }
    authz::require(actor, Permission::AcceptAgreement)?;
    let user: &UserId = actor.user_id.as_ref().ok_or(CoreError::rule(
        Code::PersonRequired,
        "the partner agreement must be accepted by a person signed in as Global admin",
    ))?;
    let now = svc.now().millis();
    if partners::accept_agreement(&mut ch.conn(), id, user, now).await? {
        ch.audit(
            Event::new(Operation::AcceptPartnerAgreement, ResourceType::Agreement, id)
                .about(id)
                .new_value(serde_json::json!({ "acceptedAt": Timestamp(now).rfc3339(), "acceptedBy": actor.label })),
        )
        .await?;
    }
    let partner = load(&mut ch.conn(), id).await?;
    ch.commit(&partner).await?;
    Ok(partner)
}

impl Replayable for Partner {
    fn for_replay(&self) -> Self {
        self.clone()
    }
}
