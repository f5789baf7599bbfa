use twotier_store::schema::{PG_ONLY, describe, migration_versions};
use twotier_store::{ConnectOptions, Db};
use twotier_testkit::TestDb;

#[test]
fn both_backends_have_the_same_migration_versions() {
    let (sqlite, postgres) = migration_versions();
    assert!(!sqlite.is_empty());
    assert_eq!(
        sqlite, postgres,
        "migrations/sqlite and migrations/postgres must hold the same versions"
    );
}

/// Migrates a fresh SQLite database and a fresh PostgreSQL database and compares tables,
/// columns, types, nullability, indexes and triggers. Runs in the PostgreSQL pass of the suite.
#[tokio::test]
async fn both_schemas_match() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Db::connect(
        &format!("sqlite://{}/parity.sqlite", dir.path().display()),
        &ConnectOptions::default(),
    )
    .await
    .unwrap();
    sqlite.migrate().await.unwrap();
    let mut c = sqlite.read().await.unwrap();
    let sqlite_schema = describe(&mut c.conn()).await.unwrap();
    assert!(
        sqlite_schema
            .iter()
            .any(|l| l.starts_with("column users.email_lower text not null")),
        "{sqlite_schema:#?}"
    );
    // Triggers count: the audit log's append-only rule is part of the schema.
    for event in ["update", "delete"] {
        let line = format!("trigger audit_records before {event}");
        assert!(sqlite_schema.contains(&line), "{line}: {sqlite_schema:#?}");
    }
    if !TestDb::on_postgres() {
        // The PostgreSQL pass of the suite (TEST_DATABASE_URL) makes the comparison.
        return;
    }
    let pg = TestDb::new().await;
    let db = pg.connect().await;
    let mut c = db.read().await.unwrap();
    let pg_schema = describe(&mut c.conn()).await.unwrap();
    let only_sqlite: Vec<_> = sqlite_schema
        .iter()
        .filter(|l| !pg_schema.contains(l))
        .collect();
    for object in PG_ONLY {
        assert!(pg_schema.iter().any(|l| l == object), "{object} is missing");
    }
    let only_pg: Vec<_> = pg_schema
        .iter()
        .filter(|l| !sqlite_schema.contains(l) && !PG_ONLY.contains(&l.as_str()))
        .collect();
    assert!(
        only_sqlite.is_empty() && only_pg.is_empty(),
        "schemas differ\nonly on SQLite: {only_sqlite:#?}\nonly on PostgreSQL: {only_pg:#?}"
    );
}

#[tokio::test]
async fn other_url_schemes_are_refused_clearly() {
    let err = Db::connect("mysql://root@localhost/db", &ConnectOptions::default())
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("unsupported database URL") && message.contains("sqlite://"),
        "{message}"
    );
    let err = Db::connect(
        "postgres://user:secret@localhost:1/db",
        &ConnectOptions::default(),
    )
    .await;
    assert!(err.is_err());
}

#[tokio::test]
async fn the_audit_log_is_append_only_in_the_database() {
    let app = twotier_testkit::TestApp::new().await;
    let world = app.world().await;
    let _ = world;
    let mut tx = app.svc.db.begin().await.unwrap();
    let result = twotier_store::on_conn!(&mut tx.conn(), |x| sqlx::query(
        "UPDATE audit_records SET operation = 'forged'"
    )
    .execute(&mut **x)
    .await
    .map(|_| ()));
    assert!(result.is_err(), "an UPDATE of the audit log must fail");
    drop(tx);
    let mut tx = app.svc.db.begin().await.unwrap();
    let result =
        twotier_store::on_conn!(&mut tx.conn(), |x| sqlx::query("DELETE FROM audit_records")
            .execute(&mut **x)
            .await
            .map(|_| ()));
    assert!(result.is_err(), "a DELETE of the audit log must fail");
}

#[tokio::test]
async fn sqlite_runs_in_wal_with_full_sync_and_foreign_keys() {
    if TestDb::on_postgres() {
        return;
    }
    let app = twotier_testkit::TestApp::new().await;
    let mut c = app.svc.db.read().await.unwrap();
    let twotier_store::Conn::Sqlite(x) = c.conn() else {
        panic!("expected SQLite")
    };
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut *x)
        .await
        .unwrap();
    let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(&mut *x)
        .await
        .unwrap();
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(&mut *x)
        .await
        .unwrap();
    assert_eq!((mode.as_str(), sync, fk), ("wal", 2, 1));
}
