//! Use cases. Every change opens one transaction, checks permissions through `authz`, calls
//! `store`, writes its audit record and commits; the UI, the API and the CLI all come here.

pub mod apps;
pub mod audit;
pub mod auth;
pub mod authz;
pub mod catalog;
pub mod codes;
pub mod csv_export;
pub mod customer_relationships;
pub mod customers;
pub mod demo;
pub mod error;
pub mod home;
pub mod incentives;
mod keyset;
pub mod lenient;
pub mod licences;
pub(crate) mod links;
pub mod lockout;
pub mod orders;
pub mod partners;
pub mod partnerships;
pub mod passwords;
pub mod relationship_requests;
pub mod secrets;
pub mod shown_once;
pub mod subscriptions;
pub mod tokens;
pub mod totp;
pub mod users;
pub mod write;

use std::sync::Arc;

use twotier_domain::clock::{Clock, Timestamp};
use twotier_store::Db;

pub use codes::Code;
pub use error::CoreError;
pub use twotier_domain as domain;
pub use twotier_store as store;
pub use write::RequestMeta;

/// Settings the use cases need; the binary fills them from its configuration.
#[derive(Debug, Clone)]
pub struct CoreSettings {
    /// How long a temporary password works.
    pub temp_password_hours: i64,
    /// A session ends after this long without a request...
    pub session_idle_minutes: i64,
    /// ...and after this long in any case.
    pub session_absolute_hours: i64,
    pub token_default_days: i64,
    pub token_max_days: i64,
    /// App access tokens from `/oauth2/token` live this long.
    pub app_token_minutes: i64,
    /// Failed sign-ins in a row that lock a sign-in name, and the longest lock: the first
    /// lasts a minute, each further one twice as long (`lockout`).
    pub lockout_threshold: i32,
    pub lockout_minutes: i64,
    /// Wrong second-factor codes in a row that end the session (the password is asked again).
    pub totp_failure_limit: i32,
    /// Failed sign-ins per client address within a quarter hour before it is throttled.
    pub address_failure_limit: u32,
    pub argon2: passwords::Argon2Params,
    /// How many password hashes may run at once (the rest wait), so a flood of sign-ins
    /// cannot take every core.
    pub hashing_permits: usize,
    /// Used in links the server writes and in the TOTP issuer.
    pub base_url: String,
    /// Partnership invitation links expire after this many days by default...
    pub invitation_default_days: i64,
    /// ...and a provider may choose at most this many.
    pub invitation_max_days: i64,
    /// A customer's primary domain is `<prefix>.<this suffix>`.
    pub customer_domain_suffix: String,
}

impl Default for CoreSettings {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        Self {
            temp_password_hours: 72,
            session_idle_minutes: 8 * 60,
            session_absolute_hours: 24,
            token_default_days: 90,
            token_max_days: 366,
            app_token_minutes: 60,
            lockout_threshold: 5,
            lockout_minutes: 15,
            totp_failure_limit: 5,
            address_failure_limit: 20,
            argon2: passwords::Argon2Params::OWASP,
            hashing_permits: cores.saturating_sub(1).max(1),
            base_url: "http://127.0.0.1:8080".to_owned(),
            invitation_default_days: 7,
            invitation_max_days: 90,
            customer_domain_suffix: "onmicrosoft.example".to_owned(),
        }
    }
}

/// Everything a use case needs, shared by every request.
#[derive(Debug, Clone)]
pub struct Services {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub settings: Arc<CoreSettings>,
    pub passwords: passwords::Hasher,
    pub throttle: auth::AddressThrottle,
    /// Bearer tokens resolved in the last moments.
    pub principals: auth::PrincipalCache,
    /// Keys the HMAC of temporary passwords; stored in the database so replicas agree.
    server_key: Arc<[u8; 32]>,
}

/// The database's pool and writer figures, for the metrics page.
#[derive(Debug, Clone, Copy)]
pub struct DbStats {
    /// Open and idle connections of the main (SQLite: read) pool.
    pub pool_size: u32,
    pub pool_idle: usize,
    /// Write transactions committed (or attempted) so far.
    pub write_transactions: u64,
    /// SQLite: outer transactions committed, each shared by one or more writes.
    pub write_batches: Option<u64>,
    /// SQLite: write transactions waiting for the writer now.
    pub writes_waiting: Option<usize>,
}

impl Services {
    /// Whether the database answers (readiness).
    pub async fn ping(&self) -> Result<(), CoreError> {
        Ok(self.db.ping().await?)
    }

    pub fn db_stats(&self) -> DbStats {
        let s = self.db.stats();
        DbStats {
            pool_size: s.pool_size,
            pool_idle: s.pool_idle,
            write_transactions: s.write_transactions,
            write_batches: s.write_batches,
            writes_waiting: s.writes_waiting,
        }
    }

    /// Builds the services on a migrated database.
    pub async fn new(
        db: Db,
        clock: Arc<dyn Clock>,
        settings: CoreSettings,
    ) -> Result<Self, CoreError> {
        let candidate = hex::encode(secrets::random_bytes::<32>());
        let mut c = db.begin().await?;
        let stored = store::server_keys::get_or_insert(
            &mut c.conn(),
            "temp_password_hmac",
            &candidate,
            clock.now().millis(),
        )
        .await?;
        c.commit().await?;
        let mut key = [0u8; 32];
        hex::decode_to_slice(stored.trim(), &mut key)
            .map_err(|_| CoreError::internal("the stored server key is not 32 bytes of hex"))?;
        Ok(Self {
            passwords: passwords::Hasher::new(settings.argon2, settings.hashing_permits),
            throttle: auth::AddressThrottle::new(settings.address_failure_limit),
            principals: auth::PrincipalCache::default(),
            db,
            clock,
            settings: Arc::new(settings),
            server_key: Arc::new(key),
        })
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    pub(crate) fn server_key(&self) -> &[u8; 32] {
        &self.server_key
    }
}

/// Periodic clean-up: idempotency keys older than a day, expired sessions.
pub async fn housekeeping(svc: &Services) -> Result<(), CoreError> {
    let now = svc.now();
    let mut tx = svc.db.begin().await?;
    store::idempotency::purge_before(&mut tx.conn(), now.plus_hours(-24).millis()).await?;
    store::sessions::delete_expired(&mut tx.conn(), now.millis()).await?;
    store::sign_in_throttles::purge_before(&mut tx.conn(), now.plus_hours(-48).millis()).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod layering {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    /// The modules each core module uses (`crate::x`, `use crate::{x, …}`), from the source.
    fn uses() -> BTreeMap<String, BTreeSet<String>> {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut graph = BTreeMap::new();
        // (module, file): `x.rs` is module x, and so is every file of a folder `x/`.
        let mut files: Vec<(String, std::path::PathBuf)> = Vec::new();
        for path in std::fs::read_dir(&src)
            .expect("src")
            .filter_map(|e| e.ok().map(|e| e.path()))
        {
            let Some(stem) = path.file_stem().and_then(|s| s.to_str()).map(str::to_owned) else {
                continue;
            };
            if path.is_dir() {
                for inner in std::fs::read_dir(&path)
                    .expect("module folder")
                    .filter_map(|e| e.ok().map(|e| e.path()))
                {
                    if inner.extension().is_some_and(|e| e == "rs") {
                        files.push((stem.clone(), inner));
                    }
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push((stem, path));
            }
        }
        let modules: BTreeSet<String> = files.iter().map(|(m, _)| m.clone()).collect();
        for (name, path) in &files {
            let name = name.clone();
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            let mut deps = BTreeSet::new();
            for (i, _) in code.match_indices("crate::") {
                let rest = &code[i + "crate::".len()..];
                let names: Vec<&str> = if let Some(list) = rest.strip_prefix('{') {
                    list.split('}')
                        .next()
                        .unwrap_or_default()
                        .split(',')
                        .collect()
                } else {
                    vec![rest]
                };
                for n in names {
                    let m: String = n
                        .trim()
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if modules.contains(&m) && m != name && m != "lib" {
                        deps.insert(m);
                    }
                }
            }
            graph.entry(name).or_insert_with(BTreeSet::new).extend(deps);
        }
        graph
    }

    /// Core's modules form a DAG: a use case may build on lower ones, never on one that
    /// builds on it, so each can be read, tested and changed from the bottom up.
    #[test]
    #[expect(
        clippy::items_after_statements,
        reason = "the search is this test's own"
    )]
    fn core_modules_have_no_import_cycle() {
        let graph = uses();
        assert!(graph.len() > 20, "{graph:?}");
        // Depth-first search; a module met again while still on the path closes a cycle.
        fn visit(
            m: &str,
            graph: &BTreeMap<String, BTreeSet<String>>,
            path: &mut Vec<String>,
            done: &mut BTreeSet<String>,
        ) -> Option<Vec<String>> {
            if let Some(at) = path.iter().position(|p| p == m) {
                let mut cycle = path[at..].to_vec();
                cycle.push(m.to_owned());
                return Some(cycle);
            }
            if done.contains(m) {
                return None;
            }
            path.push(m.to_owned());
            for d in graph.get(m).into_iter().flatten() {
                if let Some(c) = visit(d, graph, path, done) {
                    return Some(c);
                }
            }
            path.pop();
            done.insert(m.to_owned());
            None
        }
        let mut done = BTreeSet::new();
        for m in graph.keys() {
            if let Some(cycle) = visit(m, &graph, &mut Vec::new(), &mut done) {
                panic!("core modules import each other: {}", cycle.join(" -> "));
            }
        }
    }
}
