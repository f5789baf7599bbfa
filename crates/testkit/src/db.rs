use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::Connection as _;
use twotier_store::{ConnectOptions, Db};

/// A database of one test, removed when the test ends (kept if it panicked, to debug).
#[derive(Debug)]
pub enum TestDb {
    Sqlite {
        _dir: tempfile::TempDir,
        url: String,
    },
    Postgres {
        admin_url: String,
        name: String,
        url: String,
    },
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn with_database(base: &str, name: &str) -> String {
    match base.rsplit_once('/') {
        Some((server, _)) if server.contains("://") && !server.ends_with('/') => {
            format!("{server}/{name}")
        }
        _ => format!("{}/{name}", base.trim_end_matches('/')),
    }
}

impl TestDb {
    /// The backend the suite runs on: PostgreSQL when `TEST_DATABASE_URL` is set.
    pub fn on_postgres() -> bool {
        std::env::var("TEST_DATABASE_URL").is_ok_and(|v| !v.is_empty())
    }

    pub async fn new() -> Self {
        match std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|v| !v.is_empty())
        {
            None => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}/twotier.sqlite", dir.path().display());
                let db = Db::connect(&url, &ConnectOptions::default())
                    .await
                    .expect("open SQLite");
                db.migrate().await.expect("migrate SQLite");
                db.close().await;
                Self::Sqlite { _dir: dir, url }
            }
            Some(base) => {
                let template = ensure_template(&base).await;
                let name = format!(
                    "twotier_test_{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::SeqCst),
                    uuid::Uuid::new_v4().simple()
                );
                let mut admin = sqlx::PgConnection::connect(&base)
                    .await
                    .expect("connect to PostgreSQL");
                sqlx::query(&format!(
                    "CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""
                ))
                .execute(&mut admin)
                .await
                .expect("create test database");
                let _ = admin.close().await;
                let url = with_database(&base, &name);
                Self::Postgres {
                    admin_url: base,
                    name,
                    url,
                }
            }
        }
    }

    pub fn url(&self) -> &str {
        match self {
            Self::Sqlite { url, .. } | Self::Postgres { url, .. } => url,
        }
    }

    pub async fn connect(&self) -> Db {
        Db::connect(self.url(), &ConnectOptions::default())
            .await
            .expect("connect test database")
    }
}

/// Creates (once, whichever test process comes first) a migrated template database named
/// after the migrations' contents, so every test clones it instead of migrating again.
async fn ensure_template(base: &str) -> String {
    let name = format!(
        "twotier_template_{}",
        twotier_store::schema::postgres_migrations_fingerprint()
    );
    let mut admin = sqlx::PgConnection::connect(base)
        .await
        .expect("connect to PostgreSQL");
    // Serialise template creation across test processes.
    sqlx::query("SELECT pg_advisory_lock(7221001)")
        .execute(&mut admin)
        .await
        .expect("lock");
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&name)
            .fetch_one(&mut admin)
            .await
            .expect("look up template");
    if !exists {
        let building = format!("{name}_building");
        let _ = sqlx::query(&format!(
            "DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)"
        ))
        .execute(&mut admin)
        .await;
        sqlx::query(&format!("CREATE DATABASE \"{building}\""))
            .execute(&mut admin)
            .await
            .expect("create template");
        let db = Db::connect(
            &with_database(base, &building),
            &ConnectOptions {
                max_connections: 1,
                ..ConnectOptions::default()
            },
        )
        .await
        .expect("connect template");
        db.migrate().await.expect("migrate template");
        db.close().await;
        // The closed connection's server process may still be leaving the database for a
        // moment, and a database in use cannot be renamed: wait for it.
        let rename = format!("ALTER DATABASE \"{building}\" RENAME TO \"{name}\"");
        let mut tries = 0;
        while let Err(e) = sqlx::query(&rename).execute(&mut admin).await {
            tries += 1;
            assert!(tries < 50, "rename template: {e}");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
    sqlx::query("SELECT pg_advisory_unlock(7221001)")
        .execute(&mut admin)
        .await
        .expect("unlock");
    let _ = admin.close().await;
    name
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Self::Postgres {
            admin_url, name, ..
        } = self
        {
            if std::thread::panicking() {
                eprintln!("keeping test database {name} for debugging");
                return;
            }
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs outside any runtime we may block, so use a thread of its own.
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async move {
                    if let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url).await {
                        let _ = sqlx::query(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .execute(&mut admin)
                        .await;
                        let _ = admin.close().await;
                    }
                });
            })
            .join();
        }
    }
}
