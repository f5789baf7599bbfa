//! The demo world: an operator, a provider and three resellers with users of every role,
//! created through the same use cases as real data (so it is audited like real data).

use std::sync::Arc;

use twotier_domain::actor::{Actor, ActorKind};
use twotier_domain::authz::Role;
use twotier_domain::clock::MockClock;
use twotier_domain::ids::{TenantId, UserId};
use twotier_domain::subscription::SubscriptionStatus;
use twotier_domain::tenant::TenantKind;
use twotier_domain::term::BillingCycle;
use twotier_domain::user::Email;
use twotier_store::users as user_rows;

use crate::partners::{self, EnrollInput};
use crate::partnerships::{self, InviteInput};
use crate::users::{self, NewUserInput};
use crate::{CoreError, RequestMeta, Services};

/// Every demo account signs in with this password.
pub const DEMO_PASSWORD: &str = "twotier-demo";

#[derive(Debug, Clone)]
pub struct SignIn {
    pub email: String,
    pub organisation: String,
    pub roles: Vec<Role>,
}

struct DemoPartner {
    kind: TenantKind,
    name: &'static str,
    mpn_id: &'static str,
    country: &'static str,
    domain: &'static str,
    accepts_agreement: bool,
    description: &'static str,
}

const PARTNERS: [DemoPartner; 4] = [
    DemoPartner {
        kind: TenantKind::Provider,
        name: "Contoso Distribution",
        mpn_id: "4100001",
        country: "DE",
        domain: "contoso-distribution.example",
        accepts_agreement: true,
        description: "Pan-European distributor of cloud subscriptions for small resellers.",
    },
    DemoPartner {
        kind: TenantKind::Reseller,
        name: "Fabrikam IT Services",
        mpn_id: "5200001",
        country: "FR",
        domain: "fabrikam-it.example",
        accepts_agreement: true,
        description: "Managed services for small offices in France.",
    },
    DemoPartner {
        kind: TenantKind::Reseller,
        name: "Northwind MSP",
        mpn_id: "5200002",
        country: "NL",
        domain: "northwind-msp.example",
        accepts_agreement: true,
        description: "Managed service provider for Benelux retail.",
    },
    DemoPartner {
        kind: TenantKind::Reseller,
        name: "Tailspin Solutions",
        mpn_id: "5200003",
        country: "US",
        domain: "tailspin.example",
        accepts_agreement: false,
        description: "Value-added reseller (has not accepted the partner agreement yet).",
    },
];

const PARTNER_ROLES: [(Role, &str); 5] = [
    (Role::UserManagementAdmin, "users"),
    (Role::AdminAgent, "admin-agent"),
    (Role::SalesAgent, "sales"),
    (Role::HelpdeskAgent, "helpdesk"),
    (Role::BillingAdmin, "billing"),
];

async fn set_demo_password(svc: &Services, email: &str) -> Result<(), CoreError> {
    let lower = Email::parse(email)
        .map_err(|e| CoreError::field("email", e))?
        .lower;
    let hash = svc
        .passwords
        .hash_with_salt(DEMO_PASSWORD, crate::auth::password_salt(svc, &lower))
        .await?;
    let mut tx = svc.db.begin().await?;
    let user = user_rows::with_email(&mut tx.conn(), &lower)
        .await?
        .into_iter()
        .next()
        .ok_or(CoreError::NotFound)?;
    user_rows::set_password(&mut tx.conn(), &user.id, &hash, svc.now().millis()).await?;
    tx.commit().await?;
    Ok(())
}

/// Seeds the demo world if the database holds no tenant yet; returns its sign-ins, or `None`
/// when the database already had data.
/// How far back the demo's history starts: the demo world is made by the real use cases on a
/// clock that starts this many days ago and moves forward to now, so subscriptions have months
/// of history (and the incentives report something real).
const HISTORY_DAYS: i64 = 120;

pub async fn seed_if_empty(live: &Services) -> Result<Option<Vec<SignIn>>, CoreError> {
    if !live.db.is_empty().await? {
        return Ok(None);
    }
    let clock = MockClock::at(live.now().plus_days(-HISTORY_DAYS));
    let svc = &Services {
        clock: Arc::new(clock.clone()),
        ..live.clone()
    };
    let meta = RequestMeta::default();
    let mut sign_ins = Vec::new();
    let operator_email = "operator@twotier.example";
    users::create_operator(svc, &meta, operator_email).await?;
    set_demo_password(svc, operator_email).await?;
    sign_ins.push(SignIn {
        email: operator_email.to_owned(),
        organisation: "twotier operator".to_owned(),
        roles: vec![Role::OperatorAdmin],
    });
    let operator = users::ensure_operator_tenant(svc).await?;
    let cli = Actor::cli(operator);
    let mut admins = Vec::new();

    for p in &PARTNERS {
        let admin_email = format!("admin@{}", p.domain);
        let enrolled = partners::enroll(
            svc,
            &cli,
            &meta,
            &EnrollInput {
                kind: p.kind.as_str().to_owned(),
                name: p.name.to_owned(),
                legal_name: format!("{} Ltd", p.name),
                mpn_id: p.mpn_id.to_owned(),
                country: p.country.to_owned(),
                contact_email: format!("partners@{}", p.domain),
                description: p.description.to_owned(),
                website: format!("https://www.{}", p.domain),
                admin_email: admin_email.clone(),
                admin_display_name: "Global admin".to_owned(),
                accept_agreement: false,
            },
        )
        .await?;
        set_demo_password(svc, &admin_email).await?;
        let tenant = TenantId::from_stored(enrolled.partner.id.clone());
        let admin = Actor {
            kind: ActorKind::User,
            tenant_id: tenant.clone(),
            tenant_kind: p.kind,
            user_id: Some(UserId::from_stored(enrolled.admin_user_id.clone())),
            token_id: None,
            app_id: None,
            roles: vec![Role::GlobalAdmin],
            mfa: true,
            label: admin_email.clone(),
        };
        if p.accepts_agreement {
            partners::accept_agreement(svc, &admin, &meta, &tenant).await?;
        }
        admins.push(admin);
        sign_ins.push(SignIn {
            email: admin_email,
            organisation: p.name.to_owned(),
            roles: vec![Role::GlobalAdmin],
        });
        for (role, local) in PARTNER_ROLES {
            let email = format!("{local}@{}", p.domain);
            users::create(
                svc,
                &cli,
                &meta,
                &tenant,
                &NewUserInput {
                    email: email.clone(),
                    display_name: role.label().to_owned(),
                    roles: vec![role.as_str().to_owned()],
                },
            )
            .await?;
            set_demo_password(svc, &email).await?;
            sign_ins.push(SignIn {
                email,
                organisation: p.name.to_owned(),
                roles: vec![role],
            });
        }
    }
    crate::catalog::import(svc, &cli, &meta, &crate::catalog::parse_file(DEMO_CATALOG)?).await?;
    seed_partnerships(svc, &clock, &meta, &admins).await?;
    // Now, on the live clock: an invitation still waiting for a reseller, and the existing
    // customers reached with relationship requests.
    partnerships::invite(live, &admins[0], &meta, &InviteInput::default()).await?;
    sign_ins.extend(seed_existing_customers(live, &cli, &meta, &admins).await?);
    Ok(Some(sign_ins))
}

/// Partnerships in every state: Contoso works with Fabrikam (active), used to work with
/// Northwind (removed), and has an invitation waiting for a reseller (pending).
async fn seed_partnerships(
    svc: &Services,
    clock: &MockClock,
    meta: &RequestMeta,
    admins: &[Actor],
) -> Result<(), CoreError> {
    let [contoso, fabrikam, northwind, _tailspin] = admins else {
        return Err(CoreError::internal("the demo world has four partners"));
    };
    let token_of = |done: &partnerships::NewInvitation| -> Result<String, CoreError> {
        let url = done
            .url
            .as_deref()
            .ok_or(CoreError::internal("a new invitation has a link"))?;
        url.split("token=")
            .nth(1)
            .map(str::to_owned)
            .ok_or(CoreError::internal("the link carries a token"))
    };
    let invite = InviteInput::default();
    let to_fabrikam = partnerships::invite(svc, contoso, meta, &invite).await?;
    partnerships::accept(svc, fabrikam, meta, &token_of(&to_fabrikam)?).await?;
    let to_northwind = partnerships::invite(svc, contoso, meta, &invite).await?;
    partnerships::accept(svc, northwind, meta, &token_of(&to_northwind)?).await?;
    // Customers stay when their reseller's partnership ends.
    demo_customer(
        svc,
        contoso,
        meta,
        "Proseware",
        "proseware",
        "NL",
        Some(&northwind.tenant_id),
        &[("MAIL-P1", 15, Some("5200002"))],
    )
    .await?;
    partnerships::remove(svc, contoso, meta, &northwind.tenant_id).await?;
    demo_customer(
        svc,
        contoso,
        meta,
        "Adventure Works",
        "adventureworks",
        "FR",
        Some(&fabrikam.tenant_id),
        &[
            ("CNT-STANDARD", 25, Some("5200001")),
            ("MTG-AUDIO", 10, Some("5200001")),
        ],
    )
    .await?;
    demo_customer(
        svc,
        contoso,
        meta,
        "Wide World Importers",
        "wideworldimporters",
        "BE",
        Some(&fabrikam.tenant_id),
        &[("CNT-BASIC", 40, Some("5200001")), ("SHD-ESS", 40, None)],
    )
    .await?;
    demo_customer(
        svc,
        contoso,
        meta,
        "Alpine Ski House",
        "alpineskihouse",
        "AT",
        None,
        &[("CNT-BASIC", 8, None)],
    )
    .await?;
    seed_history(svc, clock, meta, contoso, fabrikam).await
}

/// Months of changes, each at its own time: licence counts, a reseller of record and a
/// support contact set later, an upgrade, a suspension, a cancellation.
async fn seed_history(
    svc: &Services,
    clock: &MockClock,
    meta: &RequestMeta,
    contoso: &Actor,
    fabrikam: &Actor,
) -> Result<(), CoreError> {
    use crate::subscriptions::{self as subs, ChangeInput, SupportContactInput, UpgradeInput};
    let customers = crate::customers::list(
        svc,
        contoso,
        &crate::customers::ListQuery {
            limit: 100,
            ..Default::default()
        },
    )
    .await?;
    let customer = |name: &str| -> Result<TenantId, CoreError> {
        customers
            .items
            .iter()
            .find(|c| c.company_profile.company_name == name)
            .map(|c| TenantId::from_stored(c.id.clone()))
            .ok_or(CoreError::internal("a demo customer is missing"))
    };
    let find = |customer: TenantId, offer: &'static str| async move {
        subs::list(svc, contoso, &customer, None, None)
            .await?
            .into_iter()
            .find(|s| s.offer_id == offer && s.status != SubscriptionStatus::Deleted)
            .map(|s| (customer, s))
            .ok_or(CoreError::internal("a demo subscription is missing"))
    };
    let change = |(customer, sub): (TenantId, subs::Subscription), input: ChangeInput| async move {
        let etag = sub.version.to_string();
        subs::change(svc, contoso, meta, &customer, &sub.id, Some(&etag), &input).await
    };
    let adventure = customer("Adventure Works")?;
    let wide_world = customer("Wide World Importers")?;
    let alpine = customer("Alpine Ski House")?;

    clock.advance_hours(30 * 24);
    let standard = find(adventure.clone(), "CNT-STANDARD").await?;
    subs::add_quantity(svc, contoso, meta, &adventure, &standard.1.id, 10).await?;
    subs::set_support_contact(
        svc,
        contoso,
        meta,
        &adventure,
        &standard.1.id,
        &SupportContactInput {
            support_tenant_id: Some(fabrikam.tenant_id.to_string()),
            support_mpn_id: None,
        },
    )
    .await?;
    clock.advance_hours(15 * 24);
    change(
        find(wide_world.clone(), "SHD-ESS").await?,
        ChangeInput {
            partner_id: Some(Some("5200001".to_owned())),
            ..ChangeInput::default()
        },
    )
    .await?;
    clock.advance_hours(15 * 24);
    let basic = find(wide_world.clone(), "CNT-BASIC").await?;
    let upgrade = UpgradeInput {
        target_offer: subs::UpgradeTarget {
            id: "CNT-STANDARD".to_owned(),
        },
        upgrade_type: None,
    };
    subs::upgrade(svc, contoso, meta, &wide_world, &basic.1.id, &upgrade).await?;
    clock.advance_hours(30 * 24);
    change(
        find(alpine.clone(), "CNT-BASIC").await?,
        ChangeInput {
            status: Some(SubscriptionStatus::Suspended.as_str().to_owned()),
            ..ChangeInput::default()
        },
    )
    .await?;
    clock.advance_hours(10 * 24);
    let order = crate::orders::OrderInput {
        billing_cycle: BillingCycle::Monthly.as_str().to_owned(),
        line_items: vec![crate::orders::LineItemInput {
            line_item_number: Some(0),
            offer_id: "VLT-1TB".to_owned(),
            quantity: Some(2),
            ..Default::default()
        }],
    };
    crate::orders::create(svc, contoso, meta, &alpine, &order).await?;
    clock.advance_hours(24);
    change(
        find(alpine, "VLT-1TB").await?,
        ChangeInput {
            status: Some(SubscriptionStatus::Deleted.as_str().to_owned()),
            ..ChangeInput::default()
        },
    )
    .await?;
    clock.advance_hours(9 * 24);
    let audio = find(adventure.clone(), "MTG-AUDIO").await?;
    subs::add_quantity(svc, contoso, meta, &adventure, &audio.1.id, 5).await?;
    Ok(())
}

/// Existing customers (created by the operator, as `twotier admin customer create` does):
/// Tailwind Traders accepted Contoso's request naming Fabrikam with delegated admin access, so
/// it has two partners, and Fabrikam has given three of its users licences; Coho Winery has a
/// request from Contoso still waiting on its Partners page.
async fn seed_existing_customers(
    svc: &Services,
    cli: &Actor,
    meta: &RequestMeta,
    admins: &[Actor],
) -> Result<Vec<SignIn>, CoreError> {
    use crate::relationship_requests::{self as requests, RequestInput};
    let [contoso, fabrikam, ..] = admins else {
        return Err(CoreError::internal("the demo partners are missing"));
    };
    let mut sign_ins = Vec::new();
    let existing = |name: &'static str, prefix: &'static str| async move {
        let input = customer_input(name, prefix, "DE", None);
        let customer = crate::customers::create_without_partner(svc, cli, meta, &input).await?;
        let email = customer
            .user_credentials
            .map(|c| c.user_name)
            .unwrap_or_default();
        set_demo_password(svc, &email).await?;
        let admin = users::load_by_email(
            &mut svc.db.read().await?.conn(),
            &TenantId::from_stored(customer.id.clone()),
            &email,
        )
        .await?;
        let actor = Actor {
            kind: ActorKind::User,
            tenant_id: TenantId::from_stored(customer.id),
            tenant_kind: TenantKind::Customer,
            user_id: Some(admin.id.clone()),
            token_id: None,
            app_id: None,
            roles: vec![Role::CustomerGlobalAdmin],
            mfa: true,
            label: email.clone(),
        };
        Ok::<_, CoreError>((
            actor,
            SignIn {
                email,
                organisation: name.to_owned(),
                roles: vec![Role::CustomerGlobalAdmin],
            },
        ))
    };
    let (tailwind, sign_in) = existing("Tailwind Traders", "tailwindtraders").await?;
    sign_ins.push(sign_in);
    let (_, sign_in) = existing("Coho Winery", "cohowinery").await?;
    sign_ins.push(sign_in);
    let token = |done: requests::NewRequest| -> Result<String, CoreError> {
        done.url
            .as_deref()
            .and_then(|u| u.split("token=").nth(1))
            .map(str::to_owned)
            .ok_or(CoreError::internal("a relationship request has no link"))
    };
    let with_fabrikam = RequestInput {
        indirect_reseller_id: Some(fabrikam.tenant_id.to_string()),
        delegated_admin: Some(true),
        customer_domain: Some("tailwindtraders".to_owned()),
        expires_in_days: None,
    };
    let asked = requests::create(svc, contoso, meta, &with_fabrikam).await?;
    requests::accept(svc, &tailwind, meta, &token(asked)?).await?;
    requests::create(
        svc,
        contoso,
        meta,
        &RequestInput {
            customer_domain: Some("cohowinery".to_owned()),
            ..with_fabrikam
        },
    )
    .await?;
    let order = crate::orders::OrderInput {
        billing_cycle: BillingCycle::Monthly.as_str().to_owned(),
        line_items: vec![crate::orders::LineItemInput {
            line_item_number: Some(0),
            offer_id: "CNT-STANDARD".to_owned(),
            quantity: Some(5),
            partner_id_on_record: Some("5200001".to_owned()),
            ..Default::default()
        }],
    };
    let placed = crate::orders::create(svc, contoso, meta, &tailwind.tenant_id, &order).await?;
    let subscription = placed
        .line_items
        .first()
        .map(|l| l.subscription_id.clone())
        .unwrap_or_default();
    for name in ["ana", "ben", "chloe"] {
        let created = users::create(
            svc,
            fabrikam,
            meta,
            &tailwind.tenant_id,
            &NewUserInput {
                email: format!("{name}@tailwindtraders.onmicrosoft.example"),
                display_name: String::new(),
                roles: vec![Role::CustomerUser.as_str().to_owned()],
            },
        )
        .await?;
        crate::licences::update(
            svc,
            fabrikam,
            meta,
            &tailwind.tenant_id,
            &created.user.id.clone(),
            &crate::licences::LicenceUpdate {
                assign: vec![subscription.clone()],
                remove: Vec::new(),
            },
        )
        .await?;
    }
    Ok(sign_ins)
}

/// A customer with one order; line items are (offer, quantity, partner of record's MPN ID).
#[expect(
    clippy::too_many_arguments,
    reason = "demo data reads best as one call per customer"
)]
async fn demo_customer(
    svc: &Services,
    provider: &Actor,
    meta: &RequestMeta,
    name: &str,
    prefix: &str,
    country: &str,
    reseller: Option<&TenantId>,
    lines: &[(&str, i64, Option<&str>)],
) -> Result<(), CoreError> {
    let input = customer_input(name, prefix, country, reseller);
    let customer = crate::customers::create(svc, provider, meta, &input).await?;
    let order = crate::orders::OrderInput {
        billing_cycle: BillingCycle::Monthly.as_str().to_owned(),
        line_items: lines
            .iter()
            .enumerate()
            .map(|(n, (offer, quantity, por))| crate::orders::LineItemInput {
                line_item_number: i64::try_from(n).ok(),
                offer_id: (*offer).to_owned(),
                quantity: Some(*quantity),
                partner_id_on_record: por.map(str::to_owned),
                friendly_name: None,
            })
            .collect(),
    };
    crate::orders::create(
        svc,
        provider,
        meta,
        &TenantId::from_stored(customer.id),
        &order,
    )
    .await
    .map(|_| ())
}

/// A demo customer's profiles.
fn customer_input(
    name: &str,
    prefix: &str,
    country: &str,
    reseller: Option<&TenantId>,
) -> crate::customers::NewCustomerInput {
    use crate::customers::{AddressInput, BillingInput, CompanyInput, NewCustomerInput};
    NewCustomerInput {
        company_profile: CompanyInput {
            domain: prefix.to_owned(),
        },
        billing_profile: BillingInput {
            email: format!("it@{prefix}.example"),
            culture: "en-GB".to_owned(),
            language: "en".to_owned(),
            company_name: name.to_owned(),
            first_name: String::new(),
            last_name: String::new(),
            default_address: AddressInput {
                address_line1: "1 Market Square".to_owned(),
                city: "Capital City".to_owned(),
                postal_code: "1000".to_owned(),
                country: country.to_owned(),
                first_name: "Alex".to_owned(),
                last_name: "Morgan".to_owned(),
                phone_number: "+44 20 7946 0000".to_owned(),
                ..AddressInput::default()
            },
        },
        associated_partner_id: reseller.map(ToString::to_string),
    }
}

/// The demo catalog: about twenty fictional offers with upgrade paths and add-ons.
pub const DEMO_CATALOG: &str = include_str!("../../../config/demo-catalog.json");
