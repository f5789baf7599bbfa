//! The command-line contract: `--json` prints exactly one JSON object; every admin command
//! goes through the same authorisation and audit path (actor kind "cli").
#![allow(
    clippy::expect_used,
    reason = "test helpers: a failed step stops the test"
)]

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

use serde_json::Value;
use twotier_testkit::TestDb;

fn twotier(db: &TestDb, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_twotier"))
        .args(args)
        .env("TWOTIER_DATABASE_URL", db.url())
        .env("TWOTIER__AUTH__ARGON2_M_COST_KIB", "256")
        .env("TWOTIER__AUTH__ARGON2_T_COST", "1")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run twotier")
}

fn one_json(out: &std::process::Output) -> Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.lines().count(),
        1,
        "exactly one line on stdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.trim()).expect("stdout is one JSON object")
}

#[tokio::test]
async fn admin_commands_print_one_json_object_and_are_audited() {
    let db = TestDb::new().await;
    let op = twotier(
        &db,
        &[
            "admin",
            "operator",
            "create",
            "--email",
            "root@ops.test",
            "--json",
        ],
    );
    assert!(op.status.success());
    let op = one_json(&op);
    assert_eq!(op["email"], "root@ops.test");
    assert_eq!(
        op["temporaryPassword"].as_str().unwrap().chars().count(),
        20
    );

    let p = twotier(
        &db,
        &[
            "admin",
            "partner",
            "create",
            "--kind",
            "provider",
            "--name",
            "Cli Distribution",
            "--mpn-id",
            "5550001",
            "--country",
            "IE",
            "--admin-email",
            "ga@cli.test",
            "--accept-agreement",
            "--json",
        ],
    );
    assert!(p.status.success(), "{}", String::from_utf8_lossy(&p.stderr));
    let p = one_json(&p);
    assert_eq!(p["mpnId"], 5_550_001);
    assert_eq!(p["adminEmail"], "ga@cli.test");
    let tenant = p["tenantId"].as_str().unwrap().to_owned();

    let u = twotier(
        &db,
        &[
            "admin",
            "user",
            "create",
            "--tenant",
            &tenant,
            "--email",
            "agent@cli.test",
            "--role",
            "admin_agent",
            "--role",
            "sales_agent",
            "--json",
        ],
    );
    assert!(u.status.success());
    let u = one_json(&u);
    assert_eq!(u["email"], "agent@cli.test");
    assert!(u["userId"].is_string());

    let t = twotier(
        &db,
        &[
            "admin",
            "token",
            "create",
            "--email",
            "agent@cli.test",
            "--name",
            "ci",
            "--expires-days",
            "5",
            "--json",
        ],
    );
    assert!(t.status.success());
    let t = one_json(&t);
    let token = t["token"].as_str().unwrap().to_owned();
    assert!(t["expiresAt"].as_str().unwrap().ends_with('Z'));

    // Bad input: a clear error, exit 1, still one JSON object.
    let bad = twotier(
        &db,
        &[
            "admin",
            "user",
            "create",
            "--tenant",
            &tenant,
            "--email",
            "x@cli.test",
            "--role",
            "wizard",
            "--json",
        ],
    );
    assert!(!bad.status.success());
    assert!(
        one_json(&bad)["error"]
            .as_str()
            .unwrap()
            .contains("unknown role")
    );
    let dup = twotier(
        &db,
        &[
            "admin",
            "partner",
            "create",
            "--kind",
            "reseller",
            "--name",
            "Dup",
            "--mpn-id",
            "5550001",
            "--country",
            "IE",
            "--admin-email",
            "d@cli.test",
            "--json",
        ],
    );
    assert!(
        one_json(&dup)["error"]
            .as_str()
            .unwrap()
            .contains("already enrolled")
    );

    // Every change is audited as the CLI.
    let pool = db.connect().await;
    let mut c = pool.read().await.unwrap();
    let rows = twotier_store::audit::list(
        &mut c.conn(),
        &twotier_store::audit::AuditFilter {
            limit: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let ops: Vec<&str> = rows.iter().map(|r| r.operation.as_str()).collect();
    for op in ["create_partner_user", "enroll_partner", "create_api_token"] {
        assert!(ops.contains(&op), "{ops:?}");
    }
    assert!(rows.iter().all(|r| r.actor_kind == "cli"));
    drop(c);
    pool.close().await;

    // The token works against the running server.
    let mut server = Command::new(env!("CARGO_BIN_EXE_twotier"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("TWOTIER_DATABASE_URL", db.url())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .trim_start_matches("twotier is running at ")
        .trim_end_matches('/')
        .to_owned();
    let me: Value = reqwest::Client::new()
        .get(format!("{base}/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // Links the server writes name the address it listens on, even when bound to port 0.
    let invitation: Value = reqwest::Client::new()
        .post(format!("{base}/v1/partnerships/invitations"))
        .bearer_auth(&token)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let _ = server.kill();
    let _ = server.wait();
    assert!(
        invitation["url"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{base}/partnerships/accept?token=")),
        "{invitation}"
    );
    assert_eq!(me["email"], "agent@cli.test");
    assert_eq!(
        me["roles"],
        serde_json::json!(["admin_agent", "sales_agent"])
    );
}

#[test]
fn other_database_schemes_are_refused_with_a_clear_message() {
    let out = Command::new(env!("CARGO_BIN_EXE_twotier"))
        .args(["migrate", "--database-url", "mysql://root@localhost/x"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unsupported database URL") && err.contains("postgres://"),
        "{err}"
    );
}

#[test]
fn config_example_prints_the_defaults() {
    let out = Command::new(env!("CARGO_BIN_EXE_twotier"))
        .args(["config", "example"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("[database]") && text.contains("sqlite://./data/twotier.sqlite"));
}

#[tokio::test]
async fn migrate_runs_on_an_empty_database() {
    let db = TestDb::new().await;
    let out = twotier(&db, &["migrate"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("migrations applied"));
}

#[tokio::test]
async fn catalog_import_reports_every_bad_row_and_imports_all_or_nothing() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "id,name,category,supportedBillingCycles,term,countries\nOK-1,Fine Offer,Tools,monthly,P1M,DE\nBAD-2,Broken,Tools,hourly,P9Y,XX\n").unwrap();
    let out = twotier(
        &db,
        &[
            "admin",
            "catalog",
            "import",
            bad.to_str().unwrap(),
            "--json",
        ],
    );
    assert!(!out.status.success());
    let report = one_json(&out);
    let problems: Vec<&str> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("row 2 supportedBillingCycles")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.starts_with("row 2 term")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.starts_with("row 2 countries")),
        "{problems:?}"
    );
    let pool = db.connect().await;
    let mut c = pool.read().await.unwrap();
    assert!(
        twotier_store::catalog::ids(&mut c.conn())
            .await
            .unwrap()
            .is_empty(),
        "nothing imported"
    );
    drop(c);
    pool.close().await;

    let good = dir.path().join("catalog.json");
    std::fs::write(&good, twotier_core_demo_catalog()).unwrap();
    let out = twotier(
        &db,
        &[
            "admin",
            "catalog",
            "import",
            good.to_str().unwrap(),
            "--json",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(one_json(&out)["imported"], 21);
}

fn twotier_core_demo_catalog() -> &'static str {
    include_str!("../../../config/demo-catalog.json")
}

/// `admin seed-bench` writes the benchmark dataset (skewed, every customer with both
/// relationships), reports where to point a benchmark, shows progress on stderr, and refuses
/// to seed a database twice.
#[tokio::test]
async fn seed_bench_writes_a_skewed_dataset_once() {
    let db = TestDb::new().await;
    let args = [
        "admin",
        "seed-bench",
        "--customers",
        "2500",
        "--resellers",
        "40",
        "--json",
    ];
    let out = twotier(&db, &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = one_json(&out);
    assert_eq!(report["customers"], 2500);
    assert_eq!(
        report["subscriptions"], 2500,
        "one order with one subscription each"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("100% 2500/2500 customers"));
    let largest = report["largest"]["customers"].as_u64().unwrap();
    let median = report["median"]["customers"].as_u64().unwrap();
    assert!(
        largest > 5 * median && median > 0,
        "skewed: {largest} vs {median}"
    );
    // The largest reseller's admin, with a token, lists exactly its customers, page by page.
    let token = one_json(&twotier(
        &db,
        &[
            "admin",
            "token",
            "create",
            "--email",
            report["largest"]["adminEmail"].as_str().unwrap(),
            "--name",
            "bench",
            "--json",
        ],
    ))["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let svc = twotier_core::Services::new(
        db.connect().await,
        std::sync::Arc::new(twotier_domain::clock::SystemClock),
        twotier_core::CoreSettings::default(),
    )
    .await
    .unwrap();
    let actor = twotier_core::auth::resolve_bearer(&svc, &token)
        .await
        .unwrap()
        .unwrap();
    let mut seen = 0;
    let mut after = None;
    loop {
        let page = twotier_core::customers::list(
            &svc,
            &actor,
            &twotier_core::customers::ListQuery {
                after: after.clone(),
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        seen += page.items.len() as u64;
        after = page.next;
        if after.is_none() {
            break;
        }
    }
    assert_eq!(seen, largest);
    let again = twotier(&db, &args);
    assert!(!again.status.success());
    assert!(
        one_json(&again)["problems"][0]
            .as_str()
            .unwrap()
            .contains("already has the benchmark dataset")
    );
}

#[tokio::test]
async fn customer_create_makes_a_customer_with_no_partner_and_refuses_bad_fields() {
    let db = TestDb::new().await;
    let out = twotier(
        &db,
        &[
            "admin",
            "customer",
            "create",
            "--company",
            "Acme Ltd",
            "--domain",
            "acme",
            "--country",
            "FR",
            "--email",
            "billing@acme.test",
            "--json",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let made = one_json(&out);
    assert!(made["domain"].as_str().unwrap().starts_with("acme."));
    assert!(
        made["adminUser"]
            .as_str()
            .unwrap()
            .starts_with("admin@acme.")
    );
    assert!(made["temporaryPassword"].as_str().unwrap().len() >= 16);
    // The same domain again, and an unknown country: refused with the fields named.
    let again = twotier(
        &db,
        &[
            "admin",
            "customer",
            "create",
            "--company",
            "Acme Two",
            "--domain",
            "acme",
            "--country",
            "XX",
            "--email",
            "billing@acme.test",
            "--json",
        ],
    );
    assert!(!again.status.success());
    let report = one_json(&again).to_string();
    assert!(report.contains("country"), "{report}");
    // No partner has a relationship with it.
    let pool = db.connect().await;
    let mut c = pool.read().await.unwrap();
    let tenant = made["tenantId"].as_str().unwrap();
    assert!(
        twotier_store::customers::relationships_of(
            &mut c.conn(),
            &twotier_domain::ids::TenantId::parse(tenant).unwrap()
        )
        .await
        .unwrap()
        .is_empty()
    );
    drop(c);
    pool.close().await;
}

/// An address is unique inside a tenant only: with users of two tenants having it, `admin
/// token create` asks for the tenant and takes it.
#[tokio::test]
async fn a_token_for_an_address_of_two_tenants_names_the_tenant() {
    let db = TestDb::new().await;
    let ok = |out: &std::process::Output| {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        one_json(out)
    };
    ok(&twotier(
        &db,
        &[
            "admin",
            "operator",
            "create",
            "--email",
            "root@ops.test",
            "--json",
        ],
    ));
    let mut tenants = Vec::new();
    for (kind, name, mpn) in [
        ("provider", "Alpha Co", "1100001"),
        ("reseller", "Beta Co", "2100001"),
    ] {
        let p = ok(&twotier(
            &db,
            &[
                "admin",
                "partner",
                "create",
                "--kind",
                kind,
                "--name",
                name,
                "--mpn-id",
                mpn,
                "--country",
                "DE",
                "--admin-email",
                &format!("admin@{mpn}.test"),
                "--json",
            ],
        ));
        let tenant = p["tenantId"].as_str().unwrap().to_owned();
        ok(&twotier(
            &db,
            &[
                "admin",
                "user",
                "create",
                "--tenant",
                &tenant,
                "--email",
                "shared@people.test",
                "--role",
                "sales_agent",
                "--json",
            ],
        ));
        tenants.push(tenant);
    }
    let both = twotier(
        &db,
        &[
            "admin",
            "token",
            "create",
            "--email",
            "shared@people.test",
            "--json",
        ],
    );
    assert!(!both.status.success());
    assert!(
        one_json(&both)["error"]
            .as_str()
            .unwrap()
            .contains("name the tenant")
    );
    let one = ok(&twotier(
        &db,
        &[
            "admin",
            "token",
            "create",
            "--email",
            "shared@people.test",
            "--tenant",
            &tenants[1],
            "--json",
        ],
    ));
    assert!(one["token"].as_str().unwrap().starts_with("ttp_"));
}
