//! Command-line interface. With `--json` a command prints exactly one JSON object on stdout.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand, ValueEnum};
use serde_json::json;
use twotier_core::partners::EnrollInput;
use twotier_core::tokens::{NewTokenInput, Owner};
use twotier_core::users::NewUserInput;
use twotier_core::{CoreError, RequestMeta, Services};
use twotier_domain::actor::Actor;
use twotier_domain::clock::SystemClock;
use twotier_domain::ids::TenantId;
use twotier_store::{ConnectOptions, Db};

use crate::settings::Settings;

#[derive(Debug, Parser)]
#[command(
    name = "twotier",
    version,
    about = "Self-hosted platform for the two-tier cloud reseller model, speaking Partner Center's REST API"
)]
pub struct Cli {
    /// Configuration file (TOML); defaults to ./twotier.toml when present.
    #[arg(long, global = true, env = "TWOTIER_CONFIG")]
    config: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args)]
struct DbArgs {
    /// sqlite://PATH or postgres://USER@HOST/DB
    #[arg(long, env = "TWOTIER_DATABASE_URL")]
    database_url: Option<String>,
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8080).
    #[arg(long, env = "TWOTIER_BIND")]
    bind: Option<String>,
    /// Public URL for links the server writes.
    #[arg(long, env = "TWOTIER_BASE_URL")]
    base_url: Option<String>,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server.
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate(DbArgs),
    /// Seed a demo world if the database is empty, then serve it.
    Demo(ServeArgs),
    /// Administration: operators, partners, users, tokens.
    #[command(subcommand)]
    Admin(Admin),
    /// Configuration helpers.
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Print a commented configuration file with every default.
    Example,
}

#[derive(Debug, Subcommand)]
enum Admin {
    #[command(subcommand)]
    Operator(OperatorCommand),
    #[command(subcommand)]
    Partner(PartnerCommand),
    #[command(subcommand)]
    User(UserCommand),
    #[command(subcommand)]
    Token(TokenCommand),
    #[command(subcommand)]
    Catalog(CatalogCommand),
    #[command(subcommand)]
    Customer(CustomerCommand),
    /// Write the benchmark dataset into an empty database: a provider, resellers and customers
    /// spread over them unevenly (see docs/PERFORMANCE.md).
    SeedBench {
        /// How many customers.
        #[arg(long, default_value_t = 1_000_000)]
        customers: u64,
        /// How many indirect resellers.
        #[arg(long, default_value_t = 10_000)]
        resellers: u64,
        /// Zipf exponent of customers per reseller (0 = even).
        #[arg(long, default_value_t = 0.8)]
        skew: f64,
        /// Seed of the generator: the same seed gives the same dataset.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Debug, Subcommand)]
enum CatalogCommand {
    /// Import offers from a JSON or CSV file: every row is checked first, and nothing is
    /// imported if any row is wrong.
    Import {
        file: std::path::PathBuf,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Debug, Subcommand)]
enum CustomerCommand {
    /// Create a customer tenant with no partner (an existing customer that providers reach
    /// with relationship requests), with its Global admin `admin@<domain>` and a temporary
    /// password shown once.
    Create(Box<CustomerCreate>),
}

#[derive(Debug, Args)]
struct CustomerCreate {
    #[arg(long)]
    company: String,
    /// The domain prefix (letters and digits) or the full domain with the configured suffix.
    #[arg(long)]
    domain: String,
    /// ISO 3166 two-letter code; it fixes the customer's CSP region.
    #[arg(long)]
    country: String,
    /// The billing contact's email.
    #[arg(long)]
    email: String,
    #[arg(long, default_value = "Billing")]
    first_name: String,
    #[arg(long, default_value = "Contact")]
    last_name: String,
    #[arg(long, default_value = "Main street 1")]
    address: String,
    #[arg(long, default_value = "Capital")]
    city: String,
    #[arg(long, default_value = "00000")]
    postal_code: String,
    #[arg(long, default_value = "en-US")]
    culture: String,
    #[arg(long, default_value = "en")]
    language: String,
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Debug, Subcommand)]
enum OperatorCommand {
    /// Create an operator admin (and the operator organisation on first use).
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum PartnerKind {
    Provider,
    Reseller,
}

#[derive(Debug, Subcommand)]
enum PartnerCommand {
    /// Enrol an indirect provider or reseller with its first Global admin.
    Create {
        #[arg(long, value_enum)]
        kind: PartnerKind,
        #[arg(long)]
        name: String,
        #[arg(long)]
        mpn_id: String,
        /// ISO 3166 two-letter code.
        #[arg(long)]
        country: String,
        #[arg(long)]
        admin_email: String,
        /// Record the partner agreement as accepted now.
        #[arg(long)]
        accept_agreement: bool,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create a user in a tenant with one or more roles.
    Create {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
        /// global_admin, user_management_admin, admin_agent, sales_agent, helpdesk_agent,
        /// billing_admin (operator_admin, operator_support in the operator tenant).
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Create a personal API token for a user.
    Create {
        #[arg(long)]
        email: String,
        /// The user's tenant, when users of several tenants have this email.
        #[arg(long)]
        tenant: Option<String>,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        expires_days: Option<i64>,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
}

fn init_tracing(settings: &Settings) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let format =
        std::env::var("TWOTIER_LOG_FORMAT").unwrap_or_else(|_| settings.log.format.clone());
    // Colours only for a person at a terminal, never in files or CI logs.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    let _ = if format.eq_ignore_ascii_case("json") {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

async fn open(settings: &Settings, url: Option<&str>, migrate: bool) -> anyhow::Result<Services> {
    let url = url.map_or_else(|| settings.database.url.clone(), str::to_owned);
    let options = ConnectOptions {
        max_connections: settings.database.max_connections,
        sqlite_synchronous_full: settings.database.sqlite_synchronous_full,
    };
    let db = Db::connect(&url, &options)
        .await
        .map_err(|e| anyhow::anyhow!("database {}: {e}", twotier_store::redact_url(&url)))?;
    if migrate {
        db.migrate()
            .await
            .map_err(|e| anyhow::anyhow!("migrations failed: {e:?}"))?;
    }
    Services::new(db, Arc::new(SystemClock), settings.core())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
}

/// Prints a result: one JSON object with `--json`, lines for people otherwise.
fn emit(json_out: bool, value: serde_json::Value, human: &str) {
    if json_out {
        println!("{value}");
    } else {
        println!("{human}");
    }
}

fn core_failure(json_out: bool, e: &CoreError) -> ExitCode {
    let problems: Vec<String> = match e {
        CoreError::Invalid(fields) => fields.iter().map(|(f, m)| format!("{f}: {m}")).collect(),
        other => vec![other.to_string()],
    };
    if json_out {
        println!(
            "{}",
            json!({ "error": problems.join("; "), "problems": problems })
        );
    } else {
        for p in &problems {
            eprintln!("twotier: {p}");
        }
    }
    ExitCode::FAILURE
}

pub async fn run(cli: Cli) -> ExitCode {
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("twotier: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    init_tracing(&settings);
    match execute(cli.command, settings).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("twotier: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn cli_actor(svc: &Services) -> anyhow::Result<Actor> {
    let operator = twotier_core::users::ensure_operator_tenant(svc)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(Actor::cli(operator))
}

async fn execute(command: Command, mut settings: Settings) -> anyhow::Result<ExitCode> {
    let meta = RequestMeta::default();
    match command {
        Command::Config(ConfigCommand::Example) => {
            print!("{}", Settings::example());
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate(db) => {
            open(&settings, db.database_url.as_deref(), true).await?;
            println!("migrations applied");
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve(args) => {
            let listener = listen(&mut settings, &args).await?;
            let svc = open(
                &settings,
                args.db.database_url.as_deref(),
                settings.database.migrate_on_start,
            )
            .await?;
            serve(listener, svc, &settings, None).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo(args) => {
            let listener = listen(&mut settings, &args).await?;
            let svc = open(&settings, args.db.database_url.as_deref(), true).await?;
            let seeded = twotier_core::demo::seed_if_empty(&svc)
                .await
                .map_err(|e| anyhow::anyhow!("seeding the demo failed: {e}"))?;
            serve(listener, svc, &settings, Some(seeded)).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Admin(Admin::Catalog(CatalogCommand::Import { file, json: j, db })) => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let svc = open(&settings, db.database_url.as_deref(), true).await?;
            let actor = cli_actor(&svc).await?;
            match twotier_core::catalog::import_file(&svc, &actor, &meta, &text).await {
                Ok(done) => {
                    emit(
                        j,
                        json!({ "imported": done.imported, "offerIds": done.offer_ids }),
                        &format!(
                            "{} offer(s) imported: {}",
                            done.imported,
                            done.offer_ids.join(", ")
                        ),
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => Ok(core_failure(j, &e)),
            }
        }
        Command::Admin(Admin::Customer(CustomerCommand::Create(args))) => {
            let CustomerCreate {
                company,
                domain,
                country,
                email,
                first_name,
                last_name,
                address,
                city,
                postal_code,
                culture,
                language,
                json: j,
                db,
            } = *args;
            let svc = open(&settings, db.database_url.as_deref(), true).await?;
            let actor = cli_actor(&svc).await?;
            // Field names as the API's reader gives them (snake_case).
            let input: twotier_core::customers::NewCustomerInput = serde_json::from_value(json!({
                "company_profile": { "domain": domain },
                "billing_profile": { "email": email, "culture": culture, "language": language, "company_name": company,
                    "default_address": { "address_line1": address, "city": city, "postal_code": postal_code,
                        "country": country, "first_name": first_name, "last_name": last_name } },
            }))
            .context("customer fields")?;
            match twotier_core::customers::create_without_partner(&svc, &actor, &meta, &input).await
            {
                Ok(done) => {
                    let creds = done.user_credentials.unwrap_or_default();
                    emit(
                        j,
                        json!({ "tenantId": done.id, "domain": done.company_profile.domain,
                            "adminUser": creds.user_name, "temporaryPassword": creds.password }),
                        &format!(
                            "customer {} created: tenant {}, domain {}\nGlobal admin: {}\ntemporary password (shown once): {}",
                            done.company_profile.company_name,
                            done.id,
                            done.company_profile.domain,
                            creds.user_name,
                            creds.password
                        ),
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => Ok(core_failure(j, &e)),
            }
        }
        Command::Admin(Admin::SeedBench {
            customers,
            resellers,
            skew,
            seed,
            json: j,
            db,
        }) => {
            let svc = open(&settings, db.database_url.as_deref(), true).await?;
            let plan = twotier_seed::Plan {
                customers,
                resellers,
                skew,
                seed,
            };
            let mut bar = ProgressBar::new("customers");
            match twotier_seed::seed(&svc, &plan, &mut |done, total| {
                bar.show(done, total);
            })
            .await
            {
                Ok(report) => {
                    bar.finish();
                    let human = format!(
                        "{} customers over {} resellers in {:.0} s\nprovider admin: {}\nlargest reseller: {} ({} customers, MPN ID {})\nmedian reseller: {} ({} customers, MPN ID {})",
                        report.customers,
                        report.resellers,
                        report.seconds,
                        report.provider_admin_email,
                        report.largest.admin_email,
                        report.largest.customers,
                        report.largest.mpn_id,
                        report.median.admin_email,
                        report.median.customers,
                        report.median.mpn_id,
                    );
                    emit(j, serde_json::to_value(&report)?, &human);
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    bar.finish();
                    Ok(core_failure(j, &e))
                }
            }
        }
        Command::Admin(Admin::Operator(OperatorCommand::Create { email, json: j, db })) => {
            let svc = open(&settings, db.database_url.as_deref(), true).await?;
            match twotier_core::users::create_operator(&svc, &meta, &email).await {
                Ok(done) => {
                    let password = done.temporary_password.unwrap_or_default();
                    emit(
                        j,
                        json!({ "tenantId": done.user.tenant_id, "email": done.user.email, "temporaryPassword": password }),
                        &format!(
                            "operator admin {} created\ntemporary password (shown once): {password}",
                            done.user.email
                        ),
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => Ok(core_failure(j, &e)),
            }
        }
        Command::Admin(Admin::Partner(PartnerCommand::Create {
            kind,
            name,
            mpn_id,
            country,
            admin_email,
            accept_agreement,
            json: j,
            db,
        })) => {
            let svc = open(&settings, db.database_url.as_deref(), true).await?;
            let actor = cli_actor(&svc).await?;
            let input = EnrollInput {
                kind: match kind {
                    PartnerKind::Provider => "provider".to_owned(),
                    PartnerKind::Reseller => "reseller".to_owned(),
                },
                name,
                mpn_id,
                country,
                admin_email,
                accept_agreement,
                ..EnrollInput::default()
            };
            match twotier_core::partners::enroll(&svc, &actor, &meta, &input).await {
                Ok(done) => {
                    let password = done.temporary_password.unwrap_or_default();
                    emit(
                        j,
                        json!({ "tenantId": done.partner.id, "mpnId": done.partner.mpn_id, "adminEmail": done.admin_email, "temporaryPassword": password }),
                        &format!(
                            "{} enrolled as {} (tenant {}, MPN ID {})\nGlobal admin {} — temporary password (shown once): {password}",
                            done.partner.name,
                            done.partner.kind.label(),
                            done.partner.id,
                            done.partner.mpn_id,
                            done.admin_email
                        ),
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => Ok(core_failure(j, &e)),
            }
        }
        Command::Admin(Admin::User(UserCommand::Create {
            tenant,
            email,
            roles,
            json: j,
            db,
        })) => {
            let svc = open(&settings, db.database_url.as_deref(), true).await?;
            let actor = cli_actor(&svc).await?;
            let Some(tenant) = TenantId::parse(&tenant) else {
                return Ok(core_failure(
                    j,
                    &CoreError::invalid("tenant", "not a tenant id"),
                ));
            };
            let input = NewUserInput {
                email,
                display_name: String::new(),
                roles,
            };
            match twotier_core::users::create(&svc, &actor, &meta, &tenant, &input).await {
                Ok(done) => {
                    let password = done.temporary_password.unwrap_or_default();
                    emit(
                        j,
                        json!({ "userId": done.user.id, "email": done.user.email, "temporaryPassword": password }),
                        &format!(
                            "user {} created\ntemporary password (shown once): {password}",
                            done.user.email
                        ),
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => Ok(core_failure(j, &e)),
            }
        }
        Command::Admin(Admin::Token(TokenCommand::Create {
            email,
            tenant,
            name,
            expires_days,
            json: j,
            db,
        })) => {
            let tenant = match tenant.as_deref().map(TenantId::parse) {
                None => None,
                Some(Some(t)) => Some(t),
                Some(None) => {
                    return Ok(core_failure(
                        j,
                        &CoreError::invalid("tenant", "not a tenant id"),
                    ));
                }
            };
            let svc = open(&settings, db.database_url.as_deref(), true).await?;
            let actor = cli_actor(&svc).await?;
            let input = NewTokenInput {
                name: name.unwrap_or_else(|| "CLI token".to_owned()),
                expires_days,
            };
            let owner = Owner::Email { email, tenant };
            match twotier_core::tokens::create(&svc, &actor, &meta, &owner, &input).await {
                Ok(done) => {
                    let token = done.secret.unwrap_or_default();
                    emit(
                        j,
                        json!({ "token": token, "expiresAt": done.token.expires_at }),
                        &format!(
                            "token (shown once): {token}\nexpires: {}",
                            done.token.expires_at.rfc3339()
                        ),
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => Ok(core_failure(j, &e)),
            }
        }
    }
}

/// A progress bar on stderr: redrawn in place on a terminal, a line per tenth otherwise.
struct ProgressBar {
    what: &'static str,
    started: std::time::Instant,
    tty: bool,
    last_tenth: u64,
}

impl ProgressBar {
    fn new(what: &'static str) -> Self {
        use std::io::IsTerminal as _;
        Self {
            what,
            started: std::time::Instant::now(),
            tty: std::io::stderr().is_terminal(),
            last_tenth: 0,
        }
    }

    fn show(&mut self, done: u64, total: u64) {
        let total = total.max(1);
        let fraction = done as f64 / total as f64;
        let elapsed = self.started.elapsed().as_secs_f64();
        let rate = done as f64 / elapsed.max(0.001);
        let eta = (total - done.min(total)) as f64 / rate.max(1.0);
        let filled = (fraction * 30.0) as usize;
        let line = format!(
            "[{}{}] {:>3.0}% {done}/{total} {} {rate:.0}/s ETA {eta:.0} s",
            "#".repeat(filled),
            " ".repeat(30 - filled.min(30)),
            fraction * 100.0,
            self.what,
        );
        if self.tty {
            eprint!("\r{line}");
        } else if done * 10 / total > self.last_tenth || done == 0 {
            self.last_tenth = done * 10 / total;
            eprintln!("{line}");
        }
    }

    fn finish(&self) {
        if self.tty {
            eprintln!();
        }
    }
}

fn apply_serve_args(settings: &mut Settings, args: &ServeArgs) {
    if let Some(bind) = &args.bind {
        settings.server.bind.clone_from(bind);
    }
    if let Some(base) = &args.base_url {
        settings.server.base_url.clone_from(base);
    }
}

/// Binds the listening socket first, so that without a configured base URL the links the
/// server writes (invitations) name the address it really listens on, even for port 0.
async fn listen(
    settings: &mut Settings,
    args: &ServeArgs,
) -> anyhow::Result<tokio::net::TcpListener> {
    apply_serve_args(settings, args);
    let listener = tokio::net::TcpListener::bind(&settings.server.bind)
        .await
        .with_context(|| format!("cannot listen on {}", settings.server.bind))?;
    if settings.server.base_url.trim().is_empty() {
        settings.server.base_url = format!("http://{}", listener.local_addr()?);
    }
    Ok(listener)
}

async fn serve(
    listener: tokio::net::TcpListener,
    svc: Services,
    settings: &Settings,
    demo: Option<Option<Vec<twotier_core::demo::SignIn>>>,
) -> anyhow::Result<()> {
    let local = listener.local_addr()?;
    let base_url = settings.base_url();
    let web = twotier_web::WebSettings {
        base_url: base_url.clone(),
        body_limit_bytes: settings.server.body_limit_bytes,
        tenant_requests_per_minute: settings.server.tenant_requests_per_minute,
        trusted_proxies: settings.trusted_proxies()?,
        metrics_token_sha256: Some(settings.server.metrics_token.trim())
            .filter(|t| !t.is_empty())
            .map(twotier_core::secrets::sha256_hex),
    };
    spawn_housekeeping(svc.clone());
    let app = twotier_web::router(twotier_web::AppState::new(svc.clone(), web));
    tracing::info!(address = %local, "twotier listening");
    println!("twotier is running at {base_url}/");
    if let Some(seeded) = demo {
        match seeded {
            Some(sign_ins) => {
                println!(
                    "demo world created; every demo account's password is: {}",
                    twotier_core::demo::DEMO_PASSWORD
                );
                for s in sign_ins {
                    let roles: Vec<&str> = s.roles.iter().map(|r| r.label()).collect();
                    println!(
                        "  {:<42} {:<24} {}",
                        s.email,
                        s.organisation,
                        roles.join(", ")
                    );
                }
            }
            None => println!("the database already has data; the demo world was not seeded again"),
        }
    }
    let limits = twotier_web::server::ConnectionLimits {
        header_read_timeout: Duration::from_secs(settings.server.header_read_timeout_secs.max(1)),
        request_body_timeout: Duration::from_secs(settings.server.request_body_timeout_secs.max(1)),
        max_connections: settings.server.max_connections.max(1),
    };
    twotier_web::server::serve(listener, app, limits, shutdown_signal()).await?;
    svc.db.close().await;
    Ok(())
}

/// Forgets idempotency keys after a day and deletes expired sessions, every ten minutes.
fn spawn_housekeeping(svc: Services) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(600));
        loop {
            tick.tick().await;
            if let Err(e) = twotier_core::housekeeping(&svc).await {
                tracing::warn!(error = %e, "housekeeping failed");
            }
        }
    });
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn verify_cli() {
        use clap::CommandFactory as _;
        super::Cli::command().debug_assert();
    }
}
