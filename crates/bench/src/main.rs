//! The load driver behind docs/PERFORMANCE.md's customer figures (scripts/bench-customers.sh
//! runs it). Each operation is measured twice in the same run: through the API over HTTP,
//! and as the same SQL run directly through the store, with no HTTP, JSON or authorisation,
//! so the report can give the API's share of what the database alone does.
//!
//! Closed loop (no `--rate`): `--connections` workers send back to back, for throughput.
//! Open loop (`--rate R`): requests start on a fixed schedule whether or not earlier ones
//! finished, and latency is measured from the scheduled start, so a stall is not hidden
//! (coordinated omission).
//!
//! Prints one JSON object: `{"ops", "errors", "seconds", "perSecond", "p50Ms", "p99Ms"}`.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::{Args, Parser, Subcommand};
use serde_json::{Value, json};
use twotier_domain::customer::DomainPrefix;
use twotier_domain::ids::{
    AuditId, BillingProfileId, OfferId, OrderId, SubscriptionId, TenantId, UserId,
};
use twotier_domain::subscription::{OrderStatus, SubscriptionStatus};
use twotier_domain::term::{BillingCycle, TermDuration};
use twotier_store::customers::{self, Cursor, CustomerRow, ListFilter, ListSort, Owner};
use twotier_store::{ConnectOptions, Db};
use twotier_store::{ProviderTenant, ResellerTenant};

#[derive(Debug, Parser)]
#[command(name = "twotier-bench", about = "Load driver for docs/PERFORMANCE.md")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args, Clone)]
struct Load {
    /// Concurrent workers (closed loop) or the cap on requests in flight (open loop).
    #[arg(long, default_value_t = 16)]
    connections: usize,
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Warm-up before measuring, closed loop, not counted.
    #[arg(long, default_value_t = 2.0)]
    warmup: f64,
    /// Open loop at this many operations per second.
    #[arg(long)]
    rate: Option<f64>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// GET an API path with a bearer token; `--skip-pages` first follows `links.next` that
    /// many times and then measures that deep page.
    HttpGet {
        #[arg(long)]
        base: String,
        #[arg(long)]
        path: String,
        #[arg(long)]
        token: Option<String>,
        #[arg(long, default_value_t = 0)]
        skip_pages: u32,
        #[command(flatten)]
        load: Load,
    },
    /// One page of a reseller's customers straight from the store (the SQL of
    /// `GET /v1/customers` for a reseller).
    DirectList {
        #[arg(long)]
        database_url: String,
        #[arg(long)]
        reseller: String,
        #[arg(long, default_value_t = 100)]
        size: i64,
        #[arg(long, default_value_t = 0)]
        skip_pages: u32,
        #[command(flatten)]
        load: Load,
    },
    /// A customer for a reseller and an order naming it partner of record:
    /// `POST /v1/customers` then `POST /v1/customers/{id}/orders`.
    HttpCreate {
        #[arg(long)]
        base: String,
        #[arg(long)]
        token: String,
        #[arg(long)]
        reseller: String,
        #[arg(long)]
        mpn_id: String,
        #[arg(long, default_value = "CNT-BASIC")]
        offer: String,
        #[command(flatten)]
        load: Load,
    },
    /// Licence deltas, `PATCH …/subscriptions/{id}` with `quantityDelta`: uniform over a
    /// random sample of the dataset's subscriptions (+1 each), or `--hot`: every client on one
    /// new subscription (+1 and −1 in turn), checked afterwards for lost updates.
    HttpDelta {
        #[arg(long)]
        base: String,
        #[arg(long)]
        token: String,
        #[arg(long)]
        database_url: String,
        #[arg(long, default_value_t = 100_000)]
        sample: i64,
        #[arg(long)]
        hot: bool,
        #[command(flatten)]
        load: Load,
    },
    /// The same statements as a licence delta, straight through the store.
    DirectDelta {
        #[arg(long)]
        database_url: String,
        #[arg(long, default_value_t = 100_000)]
        sample: i64,
        #[arg(long)]
        hot: bool,
        #[command(flatten)]
        load: Load,
    },
    /// The same two transactions' statements (reads and writes) straight through the store.
    DirectCreate {
        #[arg(long)]
        database_url: String,
        #[arg(long)]
        provider: String,
        #[arg(long)]
        reseller: String,
        #[arg(long)]
        mpn_id: i64,
        #[arg(long, default_value = "CNT-BASIC")]
        offer: String,
        #[command(flatten)]
        load: Load,
    },
}

/// Latencies (ms) and failures of one run.
#[derive(Default)]
struct Samples {
    ms: Vec<f64>,
    errors: u64,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Runs `op` closed loop for the warm-up, then closed or open loop for the measurement.
async fn drive<F, Fut>(load: &Load, op: F) -> anyhow::Result<Value>
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = bool> + Send + 'static,
{
    let op = Arc::new(op);
    let serial = Arc::new(AtomicU64::new(0));
    if load.warmup > 0.0 {
        closed(load.connections, load.warmup, &op, &serial).await;
    }
    let started = Instant::now();
    let mut s = match load.rate {
        None => closed(load.connections, load.seconds, &op, &serial).await,
        Some(rate) => open(load, rate, &op, &serial).await,
    };
    let seconds = started.elapsed().as_secs_f64();
    s.ms.sort_by(f64::total_cmp);
    let ops = s.ms.len() as u64;
    Ok(json!({
        "ops": ops, "errors": s.errors, "seconds": seconds,
        "perSecond": (ops - s.errors.min(ops)) as f64 / seconds,
        "p50Ms": percentile(&s.ms, 0.50), "p99Ms": percentile(&s.ms, 0.99),
    }))
}

async fn closed<F, Fut>(
    workers: usize,
    seconds: f64,
    op: &Arc<F>,
    serial: &Arc<AtomicU64>,
) -> Samples
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = bool> + Send + 'static,
{
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let mut tasks = Vec::new();
    for _ in 0..workers.max(1) {
        let (op, serial) = (Arc::clone(op), Arc::clone(serial));
        tasks.push(tokio::spawn(async move {
            let mut s = Samples::default();
            while Instant::now() < deadline {
                let t = Instant::now();
                let ok = op(serial.fetch_add(1, Ordering::Relaxed)).await;
                s.ms.push(t.elapsed().as_secs_f64() * 1000.0);
                s.errors += u64::from(!ok);
            }
            s
        }));
    }
    let mut all = Samples::default();
    for t in tasks {
        if let Ok(s) = t.await {
            all.ms.extend(s.ms);
            all.errors += s.errors;
        }
    }
    all
}

async fn open<F, Fut>(load: &Load, rate: f64, op: &Arc<F>, serial: &Arc<AtomicU64>) -> Samples
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = bool> + Send + 'static,
{
    let total = (rate * load.seconds) as u64;
    let start = tokio::time::Instant::now();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(f64, bool)>();
    // Caps requests in flight; one that waits for a slot still counts from its schedule.
    let slots = Arc::new(tokio::sync::Semaphore::new(load.connections.max(1) * 64));
    for i in 0..total {
        let scheduled = start + Duration::from_secs_f64(i as f64 / rate);
        tokio::time::sleep_until(scheduled).await;
        let (op, serial, tx, slots) = (
            Arc::clone(op),
            Arc::clone(serial),
            tx.clone(),
            Arc::clone(&slots),
        );
        tokio::spawn(async move {
            let _slot = slots.acquire_owned().await;
            let ok = op(serial.fetch_add(1, Ordering::Relaxed)).await;
            let _ = tx.send((scheduled.elapsed().as_secs_f64() * 1000.0, ok));
        });
    }
    drop(tx);
    let mut s = Samples::default();
    while let Some((ms, ok)) = rx.recv().await {
        s.ms.push(ms);
        s.errors += u64::from(!ok);
    }
    s
}

fn client(connections: usize) -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .pool_max_idle_per_host(connections.max(1) * 2)
        .timeout(Duration::from_secs(30))
        .build()?)
}

/// Follows `links.next` `pages` times; returns the continuation token of the last page.
async fn walk(
    http: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    pages: u32,
) -> anyhow::Result<Option<String>> {
    let mut continuation: Option<String> = None;
    for _ in 0..pages {
        let mut req = http.get(url);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(c) = &continuation {
            req = req.header("MS-ContinuationToken", c);
        }
        let body: Value = req.send().await?.error_for_status()?.json().await?;
        continuation = body["links"]["next"]["headers"][0]["value"]
            .as_str()
            .map(str::to_owned);
        if continuation.is_none() {
            bail!("the list ended before the page asked for");
        }
    }
    Ok(continuation)
}

async fn connect(url: &str) -> anyhow::Result<Db> {
    Db::connect(url, &ConnectOptions::default())
        .await
        .context("connecting to the database")
}

fn now_millis() -> i64 {
    use twotier_domain::clock::Clock as _;
    twotier_domain::clock::SystemClock.now().millis()
}

/// A run tag that keeps domain prefixes unique across runs on one database.
fn run_tag() -> u64 {
    (now_millis() as u64 / 1000) % 1_000_000
}

async fn http_create(
    http: reqwest::Client,
    base: Arc<str>,
    token: Arc<str>,
    reseller: Arc<str>,
    mpn_id: Arc<str>,
    offer: Arc<str>,
    prefix: String,
) -> bool {
    let customer = json!({
        "companyProfile": { "domain": prefix },
        "billingProfile": { "email": format!("it@{prefix}.example"), "culture": "en-GB", "language": "en",
            "companyName": format!("Load {prefix}"),
            "defaultAddress": { "addressLine1": "1 High Street", "city": "London", "postalCode": "EC1A 1BB",
                "country": "GB", "firstName": "Alex", "lastName": "Morgan", "phoneNumber": "+44 20 7946 0000" } },
        "associatedPartnerId": &*reseller,
    });
    let Ok(r) = http
        .post(format!("{base}/v1/customers"))
        .bearer_auth(&*token)
        .json(&customer)
        .send()
        .await
    else {
        return false;
    };
    if r.status() != reqwest::StatusCode::CREATED {
        return false;
    }
    let Ok(body) = r.json::<Value>().await else {
        return false;
    };
    let Some(id) = body["id"].as_str() else {
        return false;
    };
    let order = json!({ "billingCycle": "monthly", "lineItems": [
        { "lineItemNumber": 0, "offerId": &*offer, "quantity": 5, "partnerIdOnRecord": &*mpn_id } ] });
    http.post(format!("{base}/v1/customers/{id}/orders"))
        .bearer_auth(&*token)
        .json(&order)
        .send()
        .await
        .is_ok_and(|r| r.status() == reqwest::StatusCode::CREATED)
}

/// The statements of `POST /v1/customers` and `POST …/orders` for a reseller's customer,
/// in the same two transactions, without validation, JSON or authorisation.
async fn direct_create(
    db: &Db,
    provider: &TenantId,
    reseller: &TenantId,
    mpn_id: i64,
    offer: &OfferId,
    prefix: &str,
) -> Result<(), twotier_store::StoreError> {
    use twotier_store::{
        audit, catalog, orders, partners, partnerships, subscriptions, tenants, users,
    };
    let now = now_millis();
    let tenant = TenantId::generate();
    let name = format!("Direct {prefix}");
    let mut tx = db.begin().await?;
    partners::find(&mut tx.conn(), provider).await?;
    partnerships::find_active(
        &mut tx.conn(),
        ProviderTenant(provider),
        ResellerTenant(reseller),
    )
    .await?;
    let domain_prefix =
        DomainPrefix::parse(prefix).map_err(|_| twotier_store::StoreError::BadValue)?;
    customers::prefix_taken(&mut tx.conn(), &domain_prefix).await?;
    tenants::insert(
        &mut tx.conn(),
        &tenants::TenantRow {
            id: tenant.clone(),
            kind: "customer".to_owned(),
            name: name.clone(),
            require_mfa: false,
            disabled: false,
            created_at: now,
        },
    )
    .await?;
    customers::insert(
        &mut tx.conn(),
        &CustomerRow {
            tenant_id: tenant.clone(),
            provider_tenant_id: provider.to_owned(),
            reseller_tenant_id: Some(reseller.to_owned()),
            company_name_lower: name.to_lowercase(),
            company_name: name.clone(),
            domain_prefix: prefix.to_owned(),
            domain: format!("{prefix}.onmicrosoft.example"),
            billing_id: BillingProfileId::generate(),
            first_name: "Alex".to_owned(),
            last_name: "Morgan".to_owned(),
            email: format!("it@{prefix}.example"),
            phone: "+44 20 7946 0000".to_owned(),
            culture: "en-GB".to_owned(),
            language: "en".to_owned(),
            address_line1: "1 High Street".to_owned(),
            address_line2: String::new(),
            city: "London".to_owned(),
            state: String::new(),
            postal_code: "EC1A 1BB".to_owned(),
            country: "GB".to_owned(),
            billing_version: 1,
            created_at: now,
        },
    )
    .await?;
    let rel = customers::NewRelationship {
        partner: provider,
        customer: &tenant,
        reseller: Some(reseller),
        company_name: &name,
        delegated_admin: true,
        at: now,
    };
    customers::insert_relationship(&mut tx.conn(), &rel).await?;
    customers::insert_relationship(
        &mut tx.conn(),
        &customers::NewRelationship {
            partner: reseller,
            reseller: None,
            ..rel
        },
    )
    .await?;
    let user = UserId::generate();
    let email = format!("admin@{prefix}.onmicrosoft.example");
    users::insert(
        &mut tx.conn(),
        &users::UserRow {
            id: user.clone(),
            tenant_id: tenant.clone(),
            email: email.clone(),
            email_lower: email,
            display_name: "Global admin".to_owned(),
            password_hash: None,
            temp_password_hash: Some("0".repeat(64)),
            temp_password_expires_at: Some(now + 72 * 3_600_000),
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
    users::set_roles(&mut tx.conn(), &tenant, &user, &["customer_global_admin"]).await?;
    audit::insert(
        &mut tx.conn(),
        &audit_row(
            provider.as_str(),
            tenant.as_str(),
            &name,
            "add_customer",
            "customer",
            tenant.as_str(),
            now,
        ),
    )
    .await?;
    tx.commit().await?;

    let order = OrderId::generate();
    let subscription = SubscriptionId::generate();
    let mut tx = db.begin().await?;
    customers::find(&mut tx.conn(), &tenant).await?;
    partners::find(&mut tx.conn(), provider).await?;
    subscriptions::of_customer(&mut tx.conn(), &tenant, None, None).await?;
    let offer_row = catalog::find(&mut tx.conn(), offer).await?;
    partners::find_by_mpn_id(&mut tx.conn(), mpn_id).await?;
    partnerships::find_active(
        &mut tx.conn(),
        ProviderTenant(provider),
        ResellerTenant(reseller),
    )
    .await?;
    orders::insert_order(
        &mut tx.conn(),
        &orders::OrderRow {
            id: order.clone(),
            customer_tenant_id: tenant.clone(),
            provider_tenant_id: provider.to_owned(),
            billing_cycle: BillingCycle::Monthly,
            status: OrderStatus::Completed,
            created_by: "bench".to_owned(),
            created_at: now,
        },
    )
    .await?;
    subscriptions::insert(
        &mut tx.conn(),
        &subscriptions::SubscriptionRow {
            id: subscription.clone(),
            customer_tenant_id: tenant.clone(),
            provider_tenant_id: provider.to_owned(),
            order_id: order.clone(),
            line_item_number: 0,
            offer_id: offer.to_owned(),
            offer_name: offer_row.map(|o| o.name).unwrap_or_default(),
            friendly_name: offer.to_owned().to_string(),
            quantity: 5,
            unit_type: "Licenses".to_owned(),
            status: SubscriptionStatus::Active,
            billing_cycle: BillingCycle::Monthly,
            term: TermDuration::OneYear,
            auto_renew: true,
            reseller_tenant_id: Some(reseller.to_owned()),
            partner_id_on_record: Some(mpn_id.to_string()),
            created_at: now,
            effective_start: now,
            commitment_end: now + 365 * 86_400_000,
            version: 1,
            updated_at: now,
            support_tenant_id: None,
            upgraded_from: None,
            upgraded_to: None,
        },
    )
    .await?;
    subscriptions::insert_history(
        &mut tx.conn(),
        &subscriptions::HistoryRow {
            id: SubscriptionId::generate().to_string(),
            subscription_id: subscription.clone(),
            provider_tenant_id: provider.to_owned(),
            customer_tenant_id: tenant.clone(),
            offer_id: offer.to_owned(),
            at: now,
            quantity: 5,
            status: SubscriptionStatus::Active,
            reseller_tenant_id: Some(reseller.to_owned()),
        },
    )
    .await?;
    audit::insert(
        &mut tx.conn(),
        &audit_row(
            provider.as_str(),
            tenant.as_str(),
            &name,
            "create_order",
            "order",
            order.as_str(),
            now,
        ),
    )
    .await?;
    tx.commit().await
}

/// The statements of one licence delta: the reads the use case makes, the conditional
/// update, its audit record and history row, in one transaction.
async fn direct_delta(
    db: &Db,
    customer: &TenantId,
    id: &SubscriptionId,
    delta: i32,
) -> Result<bool, twotier_store::StoreError> {
    use twotier_store::{audit, catalog, subscriptions, tenants};
    let now = now_millis();
    let mut tx = db.begin().await?;
    tenants::find(&mut tx.conn(), customer).await?;
    let cust = customers::find(&mut tx.conn(), customer).await?;
    let Some(row) = subscriptions::find(&mut tx.conn(), customer, id).await? else {
        return Ok(false);
    };
    let offer = catalog::find(&mut tx.conn(), &row.offer_id).await?;
    let (min, max) = offer.map_or((1, 10_000), |o| (o.min_quantity, o.max_quantity));
    let Some(after) =
        subscriptions::add_quantity(&mut tx.conn(), id, i64::from(delta), min, max, now).await?
    else {
        return Ok(false);
    };
    let name = cust.map(|c| c.company_name).unwrap_or_default();
    audit::insert(
        &mut tx.conn(),
        &audit_row(
            row.provider_tenant_id.as_str(),
            customer.as_str(),
            &name,
            "update_subscription",
            "subscription",
            id.as_str(),
            now,
        ),
    )
    .await?;
    subscriptions::insert_history(
        &mut tx.conn(),
        &subscriptions::HistoryRow {
            id: SubscriptionId::generate().to_string(),
            subscription_id: SubscriptionId::from_stored(id.to_owned().to_string()),
            provider_tenant_id: after.provider_tenant_id.clone(),
            customer_tenant_id: TenantId::from_stored(customer.to_owned().to_string()),
            offer_id: after.offer_id.clone(),
            at: now,
            quantity: after.quantity,
            status: after.status,
            reseller_tenant_id: after.reseller_tenant_id.clone(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// A random sample of active subscriptions: (customer, subscription).
async fn sample(db: &Db, n: i64) -> anyhow::Result<Vec<(TenantId, SubscriptionId)>> {
    let mut c = db.read().await?;
    let found = twotier_store::subscriptions::sample(&mut c.conn(), n).await?;
    if found.is_empty() {
        bail!("the database has no active subscriptions; run twotier admin seed-bench first");
    }
    Ok(found)
}

/// A spread-out index for operation `i` (so consecutive operations hit different rows).
fn pick(i: u64, len: usize) -> usize {
    (i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 17) as usize % len.max(1)
}

fn audit_row(
    provider: &str,
    customer: &str,
    name: &str,
    operation: &str,
    resource_type: &str,
    resource_id: &str,
    at: i64,
) -> twotier_store::audit::AuditRow {
    twotier_store::audit::AuditRow {
        id: AuditId::generate(),
        tenant_id: TenantId::from_stored(provider.to_owned()),
        subject_tenant_id: Some(TenantId::from_stored(customer.to_owned())),
        at,
        actor_kind: "user".to_owned(),
        actor_user_id: None,
        actor_label: "bench".to_owned(),
        actor_token_id: None,
        actor_app_id: None,
        customer_id: Some(TenantId::from_stored(customer.to_owned())),
        customer_name: Some(name.to_owned()),
        operation: operation.to_owned(),
        resource_type: resource_type.to_owned(),
        resource_id: resource_id.to_owned(),
        old_value: None,
        new_value: Some("{}".to_owned()),
        outcome: "succeeded".to_owned(),
        correlation_id: None,
        request_id: None,
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let report = match cli.command {
        Command::HttpGet {
            base,
            path,
            token,
            skip_pages,
            load,
        } => {
            let http = client(load.connections)?;
            let url = format!("{}{path}", base.trim_end_matches('/'));
            let continuation = walk(&http, &url, token.as_deref(), skip_pages).await?;
            let (url, token, continuation): (Arc<str>, Option<Arc<str>>, Option<Arc<str>>) = (
                url.into(),
                token.map(Into::into),
                continuation.map(Into::into),
            );
            drive(&load, move |_| {
                let mut req = http.get(&*url);
                if let Some(t) = &token {
                    req = req.bearer_auth(&**t);
                }
                if let Some(c) = &continuation {
                    req = req.header("MS-ContinuationToken", &**c);
                }
                async move {
                    match req.send().await {
                        Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                        Err(_) => false,
                    }
                }
            })
            .await?
        }
        Command::DirectList {
            database_url,
            reseller,
            size,
            skip_pages,
            load,
        } => {
            let db = connect(&database_url).await?;
            let reseller = TenantId::parse(&reseller).context("--reseller is not a tenant id")?;
            let mut after: Option<(String, String)> = None;
            for _ in 0..skip_pages {
                let page = customers::list(
                    &db,
                    &ListFilter {
                        owner: Owner::Reseller(&reseller),
                        name_prefix: None,
                        domain_prefix: None,
                        contains: None,
                        reseller: None,
                        sort: ListSort::Name,
                        cursor: after.as_ref().map(|(n, i)| Cursor {
                            key: n,
                            id: i,
                            backwards: false,
                        }),
                        limit: size + 1,
                    },
                )
                .await?;
                let last = page
                    .get(size as usize - 1)
                    .context("the list ended before the page asked for")?;
                after = Some((last.company_name_lower.clone(), last.tenant_id.to_string()));
            }
            let (db, reseller, after) = (Arc::new(db), Arc::new(reseller), Arc::new(after));
            drive(&load, move |_| {
                let (db, reseller, after) =
                    (Arc::clone(&db), Arc::clone(&reseller), Arc::clone(&after));
                async move {
                    let filter = ListFilter {
                        owner: Owner::Reseller(&reseller),
                        name_prefix: None,
                        domain_prefix: None,
                        contains: None,
                        reseller: None,
                        sort: ListSort::Name,
                        cursor: after.as_ref().as_ref().map(|(n, i)| Cursor {
                            key: n,
                            id: i,
                            backwards: false,
                        }),
                        limit: size + 1,
                    };
                    customers::list(&db, &filter).await.is_ok()
                }
            })
            .await?
        }
        Command::HttpCreate {
            base,
            token,
            reseller,
            mpn_id,
            offer,
            load,
        } => {
            let http = client(load.connections)?;
            let tag = run_tag();
            let base: Arc<str> = base.trim_end_matches('/').into();
            let (token, reseller, mpn_id, offer): (Arc<str>, Arc<str>, Arc<str>, Arc<str>) =
                (token.into(), reseller.into(), mpn_id.into(), offer.into());
            drive(&load, move |i| {
                http_create(
                    http.clone(),
                    Arc::clone(&base),
                    Arc::clone(&token),
                    Arc::clone(&reseller),
                    Arc::clone(&mpn_id),
                    Arc::clone(&offer),
                    format!("hc{tag}x{i}"),
                )
            })
            .await?
        }
        Command::HttpDelta {
            base,
            token,
            database_url,
            sample: n,
            hot,
            load,
        } => {
            let http = client(load.connections)?;
            let base = base.trim_end_matches('/').to_owned();
            let db = connect(&database_url).await?;
            let mut targets = sample(&db, n).await?;
            if hot {
                // A new subscription, inside its cancellation window, so −1 is allowed too.
                let customer = targets[0].0.clone();
                let order = json!({ "billingCycle": "annual", "lineItems": [
                    { "lineItemNumber": 0, "offerId": "DEV-ENT", "quantity": 5000 } ] });
                let r: Value = http
                    .post(format!("{base}/v1/customers/{customer}/orders"))
                    .bearer_auth(&token)
                    .json(&order)
                    .send()
                    .await?
                    .error_for_status()?
                    .json()
                    .await?;
                let sid = r["lineItems"][0]["subscriptionId"]
                    .as_str()
                    .context("the order made no subscription")?
                    .to_owned();
                targets = vec![(customer, SubscriptionId::from_stored(sid))];
            }
            let targets = Arc::new(targets);
            let acked = Arc::new(std::sync::atomic::AtomicI64::new(0));
            let (token_a, base_a, acked_a, targets_a) = (
                Arc::<str>::from(token.as_str()),
                Arc::<str>::from(base.as_str()),
                Arc::clone(&acked),
                Arc::clone(&targets),
            );
            let mut report = drive(&load, move |i| {
                let (c, sid) = targets_a[pick(i, targets_a.len())].clone();
                let delta: i64 = if hot && i % 2 == 1 { -1 } else { 1 };
                let req = http
                    .patch(format!("{base_a}/v1/customers/{c}/subscriptions/{sid}"))
                    .bearer_auth(&*token_a)
                    .json(&json!({ "quantityDelta": delta }));
                let acked = Arc::clone(&acked_a);
                async move {
                    let ok = req
                        .send()
                        .await
                        .is_ok_and(|r| r.status() == reqwest::StatusCode::OK);
                    if ok {
                        acked.fetch_add(delta, Ordering::SeqCst);
                    }
                    ok
                }
            })
            .await?;
            if hot {
                let (c, sid) = &targets[0];
                let now: Value = client(1)?
                    .get(format!("{base}/v1/customers/{c}/subscriptions/{sid}"))
                    .bearer_auth(&token)
                    .send()
                    .await?
                    .json()
                    .await?;
                let expected = 5000 + acked.load(Ordering::SeqCst);
                report["expectedQuantity"] = json!(expected);
                report["finalQuantity"] = now["quantity"].clone();
                report["lostUpdates"] =
                    json!(expected - now["quantity"].as_i64().unwrap_or_default());
            }
            report
        }
        Command::DirectDelta {
            database_url,
            sample: n,
            hot,
            load,
        } => {
            let db = Arc::new(connect(&database_url).await?);
            let mut targets = sample(&db, n).await?;
            if hot {
                targets.truncate(1);
                // Raised first, so that with fifty changes in flight a −1 that lands before
                // the +1s never meets the offer's minimum (the HTTP run starts at 5,000).
                let (c, sid) = &targets[0];
                if !direct_delta(&db, c, sid, 100).await? {
                    bail!("could not raise subscription {sid} for the hot run");
                }
            }
            let targets = Arc::new(targets);
            drive(&load, move |i| {
                let (db, targets) = (Arc::clone(&db), Arc::clone(&targets));
                async move {
                    let (c, sid) = &targets[pick(i, targets.len())];
                    let delta = if hot && i % 2 == 1 { -1 } else { 1 };
                    direct_delta(&db, c, sid, delta).await.unwrap_or(false)
                }
            })
            .await?
        }
        Command::DirectCreate {
            database_url,
            provider,
            reseller,
            mpn_id,
            offer,
            load,
        } => {
            let db = Arc::new(connect(&database_url).await?);
            let tag = run_tag();
            let provider = TenantId::parse(&provider).context("--provider is not a tenant id")?;
            let reseller = TenantId::parse(&reseller).context("--reseller is not a tenant id")?;
            let offer = OfferId::parse(&offer).context("--offer is blank")?;
            let (provider, reseller, offer) =
                (Arc::new(provider), Arc::new(reseller), Arc::new(offer));
            drive(&load, move |i| {
                let (db, provider, reseller, offer) = (
                    Arc::clone(&db),
                    Arc::clone(&provider),
                    Arc::clone(&reseller),
                    Arc::clone(&offer),
                );
                async move {
                    direct_create(
                        &db,
                        &provider,
                        &reseller,
                        mpn_id,
                        &offer,
                        &format!("dc{tag}x{i}"),
                    )
                    .await
                    .is_ok()
                }
            })
            .await?
        }
    };
    println!("{report}");
    Ok(())
}
