//! The benchmark dataset (`twotier admin seed-bench`): one provider, many resellers and many
//! customers spread over them as unevenly as real distributors' are (a Zipf-like law: the
//! largest reseller has tens of thousands of customers, the median a few dozen). Written in
//! bulk through the store, not through the use cases: a million customers one transaction
//! at a time would take hours. The rows are the same rows the use cases write, except that
//! bench customers have no admin user (no listing or order reads it) and nothing is audited.

use std::time::Instant;

use twotier_domain::actor::Actor;
use twotier_domain::authz::Role;
use twotier_domain::ids::{
    BillingProfileId, OfferId, OrderId, PartnershipId, SubscriptionId, TenantId, UserId,
};
use twotier_domain::link::RelationshipState;
use twotier_domain::partner::Country;
use twotier_domain::subscription::OrderStatus;
use twotier_domain::subscription::SubscriptionStatus;
use twotier_domain::tenant::TenantKind;
use twotier_domain::term::BillingCycle;
use twotier_store::catalog as offer_rows;
use twotier_store::customers::{self as customer_rows, CustomerRow, NewRelationship};
use twotier_store::orders::{self as order_rows, OrderRow};
use twotier_store::partners::{self as partner_rows, NewProfile};
use twotier_store::partnerships::{self, PartnershipRow};
use twotier_store::subscriptions::{self as subscription_rows, SubscriptionRow};
use twotier_store::tenants::{self, TenantRow};
use twotier_store::users::{self, UserRow};

use twotier_core::{CoreError, RequestMeta, Services};

/// The offers bench customers buy, one each.
const OFFERS: [&str; 6] = [
    "CNT-BASIC",
    "CNT-STANDARD",
    "MAIL-P1",
    "SHD-ESS",
    "VLT-1TB",
    "PRJ-PLAN",
];

/// The bench provider's MPN ID; resellers follow from `RESELLER_MPN_BASE + rank`.
pub const PROVIDER_MPN_ID: i64 = 3_900_000;
const RESELLER_MPN_BASE: i64 = 4_000_000;
/// Customers written per transaction.
const BATCH: usize = 10_000;

#[derive(Debug, Clone)]
pub struct Plan {
    pub customers: u64,
    pub resellers: u64,
    /// The Zipf exponent: 0 spreads evenly; 0.8 gives 10,000 resellers a largest of ~37,000
    /// customers among a million and a median of ~40.
    pub skew: f64,
    pub seed: u64,
}

/// A reseller of the dataset, to point a benchmark at.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BenchReseller {
    pub tenant_id: String,
    pub admin_email: String,
    pub mpn_id: i64,
    pub customers: u64,
}

#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub provider_tenant_id: String,
    pub provider_admin_email: String,
    pub customers: u64,
    pub resellers: u64,
    /// One order with one subscription per customer.
    pub subscriptions: u64,
    pub largest: BenchReseller,
    pub median: BenchReseller,
    pub seconds: f64,
}

/// splitmix64: a small, seeded generator, so the same seed gives the same dataset.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn pick<'a>(&mut self, words: &[&'a str]) -> &'a str {
        words[(self.next() % words.len() as u64) as usize]
    }
}

const FIRST: [&str; 24] = [
    "Alpine", "Blue", "Bright", "Cedar", "Coastal", "Copper", "Crown", "Delta", "Eastern",
    "Granite", "Harbor", "Iron", "Lakeside", "Maple", "Northern", "Oak", "Pioneer", "Quartz",
    "Red", "Silver", "Summit", "Union", "Valley", "Western",
];
const SECOND: [&str; 20] = [
    "Analytics",
    "Bakery",
    "Builders",
    "Clinic",
    "Consulting",
    "Design",
    "Dental",
    "Engineering",
    "Foods",
    "Freight",
    "Garden",
    "Legal",
    "Logistics",
    "Media",
    "Motors",
    "Outfitters",
    "Partners",
    "Pharmacy",
    "Studio",
    "Travel",
];
const FORM: [&str; 4] = ["Ltd", "LLP", "Group", "Co"];

/// How many customers each reseller rank gets: `customers × w(r) / Σw` with `w(r) = r^-skew`,
/// the remainder to the largest.
fn shares(plan: &Plan) -> Vec<f64> {
    let weights: Vec<f64> = (1..=plan.resellers)
        .map(|r| (r as f64).powf(-plan.skew))
        .collect();
    let total: f64 = weights.iter().sum();
    let mut cumulative = 0.0;
    weights
        .iter()
        .map(|w| {
            cumulative += w / total;
            cumulative
        })
        .collect()
}

fn admin_email(rank: u64) -> String {
    format!("admin@bench-reseller-{rank:05}.example")
}

/// Writes the dataset; refuses a database that already has it. `progress` is told
/// (customers written, customers planned) after each batch.
pub async fn seed(
    svc: &Services,
    plan: &Plan,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Report, CoreError> {
    if plan.resellers == 0 || plan.customers == 0 || !(0.0..=3.0).contains(&plan.skew) {
        return Err(CoreError::invalid(
            "plan",
            "give at least one customer and one reseller, and a skew from 0 to 3",
        ));
    }
    let started = Instant::now();
    let mut rng = Rng(plan.seed);
    let now = svc.now().millis();
    let region = Country::parse("GB")
        .map_err(|e| CoreError::field("country", e))?
        .region
        .as_str();
    // Bench customers buy from the demo catalog; import it unless the offers are there.
    let mut offers = Vec::new();
    for id in OFFERS {
        let mut c = svc.db.read().await?;
        match offer_rows::find(&mut c.conn(), &OfferId::from_stored((*id).to_owned())).await? {
            Some(o) => offers.push(o),
            None => {
                drop(c);
                let operator = twotier_core::users::ensure_operator_tenant(svc).await?;
                let inputs = twotier_core::catalog::parse_file(twotier_core::demo::DEMO_CATALOG)?;
                twotier_core::catalog::import(
                    svc,
                    &Actor::cli(operator),
                    &RequestMeta::default(),
                    &inputs,
                )
                .await?;
                offers.clear();
                break;
            }
        }
    }
    if offers.len() != OFFERS.len() {
        let mut c = svc.db.read().await?;
        for id in OFFERS {
            offers.push(
                offer_rows::find(&mut c.conn(), &OfferId::from_stored((*id).to_owned()))
                    .await?
                    .ok_or_else(|| CoreError::internal("the demo catalog lacks a bench offer"))?,
            );
        }
    }
    let mut tx = svc.db.begin().await?;
    if partner_rows::find_by_mpn_id(&mut tx.conn(), PROVIDER_MPN_ID)
        .await?
        .is_some()
    {
        return Err(CoreError::invalid(
            "database",
            "this database already has the benchmark dataset; seed a fresh one",
        ));
    }

    // The provider and its resellers, each with a Global admin (no password: benchmarks sign
    // in with personal tokens made by `twotier admin token create`).
    let provider = TenantId::generate();
    let provider_admin = "admin@bench-distribution.example".to_owned();
    let mut partners = vec![(
        provider.clone(),
        TenantKind::Provider,
        "Bench Distribution".to_owned(),
        PROVIDER_MPN_ID,
        provider_admin.clone(),
    )];
    for rank in 1..=plan.resellers {
        partners.push((
            TenantId::generate(),
            TenantKind::Reseller,
            format!("Bench Reseller {rank:05}"),
            RESELLER_MPN_BASE + rank as i64,
            admin_email(rank),
        ));
    }
    let tenant_rows: Vec<TenantRow> = partners
        .iter()
        .map(|(id, kind, name, ..)| TenantRow {
            id: id.clone(),
            kind: kind.as_str().to_owned(),
            name: name.clone(),
            require_mfa: false,
            disabled: false,
            created_at: now,
        })
        .collect();
    tenants::insert_many(&mut tx.conn(), &tenant_rows).await?;
    for (id, kind, name, mpn_id, email) in &partners {
        let user = UserId::generate();
        partner_rows::insert_profile(
            &mut tx.conn(),
            &NewProfile {
                tenant_id: id,
                legal_name: name,
                country: "GB",
                region,
                mpn_id: *mpn_id,
                contact_email: email,
                description: "Benchmark dataset",
                website: "",
                agreement_accepted_at: Some(now),
                agreement_accepted_by: Some(&user),
                updated_at: now,
            },
        )
        .await?;
        users::insert(
            &mut tx.conn(),
            &UserRow {
                id: user.clone(),
                tenant_id: id.clone(),
                email: email.clone(),
                email_lower: email.to_lowercase(),
                display_name: "Global admin".to_owned(),
                password_hash: None,
                temp_password_hash: None,
                temp_password_expires_at: None,
                totp_secret: None,
                totp_enabled: false,
                totp_last_step: None,
                disabled: false,
                totp_failures: 0,
                created_at: now,
                updated_at: now,
                created_by_tenant_id: None,
            },
        )
        .await?;
        users::set_roles(&mut tx.conn(), id, &user, &[Role::GlobalAdmin.as_str()]).await?;
        if *kind == TenantKind::Reseller {
            partnerships::insert(
                &mut tx.conn(),
                &PartnershipRow {
                    id: PartnershipId::generate(),
                    provider_tenant_id: provider.clone(),
                    reseller_tenant_id: id.clone(),
                    state: RelationshipState::Active,
                    invitation_id: None,
                    created_at: now,
                    created_by: provider_admin.clone(),
                    removed_at: None,
                    removed_by: None,
                },
            )
            .await?;
        }
    }
    tx.commit().await?;

    // Customers, each given a reseller drawn from the skewed law.
    let cumulative = shares(plan);
    let mut counts = vec![0u64; plan.resellers as usize];
    let mut written = 0u64;
    progress(0, plan.customers);
    while written < plan.customers {
        let n = (plan.customers - written).min(BATCH as u64);
        let mut rows = Vec::with_capacity(n as usize);
        let mut ranks = Vec::with_capacity(n as usize);
        for i in 0..n {
            let serial = written + i;
            let u = rng.unit();
            let rank = cumulative
                .partition_point(|c| *c < u)
                .min(plan.resellers as usize - 1);
            counts[rank] += 1;
            ranks.push(rank + 1);
            let name = format!(
                "{} {} {} {serial}",
                rng.pick(&FIRST),
                rng.pick(&SECOND),
                rng.pick(&FORM)
            );
            let prefix = format!("bench{serial:08}");
            let created = now - (rng.next() % (3 * 365)) as i64 * 86_400_000;
            rows.push(CustomerRow {
                tenant_id: TenantId::from_stored(TenantId::generate().to_string()),
                provider_tenant_id: provider.clone(),
                reseller_tenant_id: Some(partners[rank + 1].0.clone()),
                company_name_lower: name.to_lowercase(),
                company_name: name,
                domain: format!("{prefix}.{}", svc.settings.customer_domain_suffix),
                domain_prefix: prefix.clone(),
                billing_id: BillingProfileId::from_stored(BillingProfileId::generate().to_string()),
                first_name: "Alex".to_owned(),
                last_name: "Morgan".to_owned(),
                email: format!("it@{prefix}.example"),
                phone: "+44 20 7946 0000".to_owned(),
                culture: "en-GB".to_owned(),
                language: "en".to_owned(),
                address_line1: format!("{} High Street", serial % 200 + 1),
                address_line2: String::new(),
                city: "London".to_owned(),
                state: String::new(),
                postal_code: "EC1A 1BB".to_owned(),
                country: "GB".to_owned(),
                billing_version: 1,
                created_at: created,
            });
        }
        let mut rels = Vec::with_capacity(rows.len() * 2);
        for r in &rows {
            rels.push(NewRelationship {
                partner: &provider,
                customer: &r.tenant_id,
                reseller: r.reseller_tenant_id.as_ref(),
                company_name: r.company_name.as_str(),
                delegated_admin: true,
                at: now,
            });
            if let Some(reseller) = &r.reseller_tenant_id {
                rels.push(NewRelationship {
                    partner: reseller,
                    reseller: None,
                    ..rels[rels.len() - 1]
                });
            }
        }
        let tenant_rows: Vec<TenantRow> = rows
            .iter()
            .map(|r| TenantRow {
                id: r.tenant_id.clone(),
                kind: TenantKind::Customer.as_str().to_owned(),
                name: r.company_name.clone(),
                require_mfa: false,
                disabled: false,
                created_at: r.created_at,
            })
            .collect();
        // One order with one subscription each, the reseller as partner of record.
        let mut orders = Vec::with_capacity(rows.len());
        let mut subs = Vec::with_capacity(rows.len());
        for (r, rank) in rows.iter().zip(ranks.iter().copied()) {
            let offer = &offers[(rng.next() % offers.len() as u64) as usize];
            let order_id = OrderId::generate().to_string();
            orders.push(OrderRow {
                id: OrderId::from_stored(order_id.clone()),
                customer_tenant_id: r.tenant_id.clone(),
                provider_tenant_id: provider.clone(),
                billing_cycle: BillingCycle::Monthly,
                status: OrderStatus::Completed,
                created_by: provider_admin.clone(),
                created_at: r.created_at,
            });
            subs.push(SubscriptionRow {
                id: SubscriptionId::from_stored(SubscriptionId::generate().to_string()),
                customer_tenant_id: r.tenant_id.clone(),
                provider_tenant_id: provider.clone(),
                order_id: OrderId::from_stored(order_id),
                line_item_number: 0,
                offer_id: offer.id.clone(),
                offer_name: offer.name.clone(),
                friendly_name: offer.name.clone(),
                quantity: (rng.next() % 50 + 1) as i32,
                unit_type: offer.unit_type.clone(),
                status: SubscriptionStatus::Active,
                billing_cycle: BillingCycle::Monthly,
                term: offer.term,
                auto_renew: true,
                reseller_tenant_id: r.reseller_tenant_id.clone(),
                partner_id_on_record: Some(partners[rank].3.to_string()),
                created_at: r.created_at,
                effective_start: r.created_at,
                commitment_end: r.created_at + 365 * 86_400_000,
                version: 1,
                updated_at: r.created_at,
                support_tenant_id: None,
                upgraded_from: None,
                upgraded_to: None,
            });
        }
        let mut tx = svc.db.begin().await?;
        tenants::insert_many(&mut tx.conn(), &tenant_rows).await?;
        customer_rows::insert_many(&mut tx.conn(), &rows, &rels).await?;
        order_rows::insert_many(&mut tx.conn(), &orders).await?;
        subscription_rows::insert_many(&mut tx.conn(), &subs).await?;
        tx.commit().await?;
        written += n;
        progress(written, plan.customers);
    }
    let mut tx = svc.db.begin().await?;
    twotier_store::analyze(&mut tx.conn()).await?;
    tx.commit().await?;

    let mut by_size: Vec<usize> = (0..counts.len()).collect();
    by_size.sort_by_key(|i| std::cmp::Reverse(counts[*i]));
    let describe = |i: usize| BenchReseller {
        tenant_id: partners[i + 1].0.to_string(),
        admin_email: partners[i + 1].4.clone(),
        mpn_id: partners[i + 1].3,
        customers: counts[i],
    };
    Ok(Report {
        provider_tenant_id: provider.to_string(),
        provider_admin_email: provider_admin,
        customers: plan.customers,
        resellers: plan.resellers,
        subscriptions: plan.customers,
        largest: describe(by_size[0]),
        median: describe(by_size[by_size.len() / 2]),
        seconds: started.elapsed().as_secs_f64(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_law_is_skewed_and_complete() {
        let plan = Plan {
            customers: 1_000_000,
            resellers: 10_000,
            skew: 0.8,
            seed: 1,
        };
        let c = shares(&plan);
        assert!((c[c.len() - 1] - 1.0).abs() < 1e-9);
        let largest = c[0] * 1e6;
        let median = (c[5000] - c[4999]) * 1e6;
        assert!((20_000.0..60_000.0).contains(&largest), "largest {largest}");
        assert!((10.0..100.0).contains(&median), "median {median}");
    }
}
