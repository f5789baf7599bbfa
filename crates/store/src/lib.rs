//! All SQL lives here. One portable statement set runs on SQLite and PostgreSQL through typed
//! pools; the rare statement that must differ is a `match` on the backend inside its function.

pub mod api_apps;
pub mod api_tokens;
pub mod audit;
pub mod catalog;
pub mod customers;
pub mod error;
pub mod idempotency;
mod keyset;
pub mod licences;
pub mod orders;
pub mod partners;
pub mod partnerships;
pub mod relationship_requests;
pub mod schema;
pub mod server_keys;
pub mod sessions;
pub mod shown_once;
pub mod sign_in_throttles;
mod sqlite_writer;
pub mod subscriptions;
pub mod tenants;
pub mod users;
pub mod wizard_drafts;

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{PgConnection, Postgres, Sqlite, SqliteConnection};

use crate::sqlite_writer::{SqliteWriter, WriteTx};

pub use error::StoreError;

/// The side a tenant is on where a function takes two tenants (a partner and its customer, a
/// provider and its reseller): each side is its own type, so passing them in the wrong order
/// does not compile.
macro_rules! tenant_side {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name<'a>(pub &'a twotier_domain::ids::TenantId);
    )*};
}

tenant_side!(
    /// A partner (provider or reseller) in its relationship with a customer.
    PartnerTenant,
    /// A customer in its relationship with a partner.
    CustomerTenant,
    /// The provider of a partnership.
    ProviderTenant,
    /// The reseller of a partnership.
    ResellerTenant,
);

/// A case-insensitive `LIKE` pattern for "starts with", with the wildcards of the input
/// escaped (queries say `ESCAPE '\\'`); blank means no filter.
pub(crate) fn like_prefix(prefix: Option<&str>) -> Option<String> {
    prefix.map(str::trim).filter(|p| !p.is_empty()).map(|p| {
        format!(
            "{}%",
            p.to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        )
    })
}

/// A LIKE pattern matching text that contains `text` anywhere, lowercased, its wildcards
/// escaped (used with `ESCAPE '\\'`).
pub(crate) fn like_contains(text: Option<&str>) -> Option<String> {
    like_prefix(text).map(|p| format!("%{p}"))
}

/// A value of a row written by [`insert_rows`].
#[derive(Debug, Clone, Copy)]
pub(crate) enum Val<'a> {
    Text(&'a str),
    OptText(Option<&'a str>),
    Int(i64),
    OptInt(Option<i64>),
    Bool(bool),
}

/// Writes many rows with one multi-row `INSERT` per chunk of 100 (bulk loads: the benchmark
/// dataset). Full chunks share one statement text, so each backend prepares it once; larger
/// chunks cost more to prepare than they save.
pub(crate) async fn insert_rows(
    c: &mut Conn<'_>,
    table: &str,
    columns: &str,
    rows: &[Vec<Val<'_>>],
) -> Result<(), StoreError> {
    let width = columns.split(',').count().max(1);
    for chunk in rows.chunks(100) {
        let mut sql = format!("INSERT INTO {table} ({columns}) VALUES ");
        let mut n = 0;
        for (i, _) in chunk.iter().enumerate() {
            sql.push_str(if i == 0 { "(" } else { ", (" });
            let marks: Vec<String> = (0..width)
                .map(|_| {
                    n += 1;
                    format!("${n}")
                })
                .collect();
            sql.push_str(&marks.join(", "));
            sql.push(')');
        }
        exec!(c, |x| {
            let mut q = sqlx::query(&sql);
            for v in chunk.iter().flatten() {
                q = match *v {
                    Val::Text(s) => q.bind(s),
                    Val::OptText(s) => q.bind(s),
                    Val::Int(i) => q.bind(i),
                    Val::OptInt(i) => q.bind(i),
                    Val::Bool(b) => q.bind(b),
                };
            }
            q.execute(&mut **x).await
        })?;
    }
    Ok(())
}

/// Refreshes the planner's statistics after a bulk load.
pub async fn analyze(c: &mut Conn<'_>) -> Result<(), StoreError> {
    exec!(c, |x| sqlx::query("ANALYZE").execute(&mut **x).await)?;
    if let Conn::Sqlite(x) = c {
        // SQLite plans with the per-index averages of sqlite_stat1. Its samples of values
        // (sqlite_stat4) would make it prepare a statement again for each new set of bound
        // values, which cost a quarter of a customer list page; the samples are dropped.
        let sampled: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat4'",
        )
        .fetch_one(&mut **x)
        .await?;
        if sampled > 0 {
            sqlx::query("DELETE FROM sqlite_stat4")
                .execute(&mut **x)
                .await?;
        }
    }
    Ok(())
}

/// An update that must have touched a row: none touched means the row is not there.
pub(crate) fn expect_row(rows_affected: u64) -> Result<(), StoreError> {
    if rows_affected == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

/// The database, chosen at start from the URL's scheme.
#[derive(Debug, Clone)]
pub struct Db {
    pools: Pools,
    /// Write transactions this process has committed (see `Db::commits`).
    commits: Arc<AtomicU64>,
}

#[derive(Debug, Clone)]
enum Pools {
    /// SQLite has one writer: writes go through its one connection, with group commit
    /// (`sqlite_writer`); reads go through a pool of read-only connections.
    Sqlite {
        read: SqlitePool,
        write: SqliteWriter,
    },
    Postgres {
        pool: PgPool,
        /// Connections for `Db::read_list`.
        generic: PgPool,
    },
}

/// A connection that has just been returned is known to be alive; only one that sat idle
/// (across a server restart, say) is pinged before it is lent, which saves a round trip on
/// every request of a busy server.
fn pg_pool_options(max_connections: u32) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for > Duration::from_secs(1) {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
        .acquire_timeout(Duration::from_secs(10))
}

/// Which backend a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Refuses any scheme but `sqlite:` and `postgres:`/`postgresql:`, with a message that says so.
    pub fn of_url(url: &str) -> Result<Self, StoreError> {
        let scheme = url.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
        match scheme.as_deref() {
            Some("sqlite") => Ok(Self::Sqlite),
            Some("postgres" | "postgresql") => Ok(Self::Postgres),
            _ => Err(StoreError::Config(format!(
                "unsupported database URL {:?}: use sqlite://PATH or postgres://USER@HOST/DB",
                redact_url(url)
            ))),
        }
    }
}

/// The URL without its password, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(u) => u.to_string(),
        Err(_) => url.split('@').next_back().unwrap_or_default().to_owned(),
    }
}

/// Connection settings that are not part of the URL.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    pub max_connections: u32,
    /// `synchronous=FULL` keeps commits across power loss; NORMAL is an explicit opt-in.
    pub sqlite_synchronous_full: bool,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        Self {
            max_connections: 10,
            sqlite_synchronous_full: true,
        }
    }
}

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

impl Db {
    fn new(pools: Pools) -> Self {
        Self {
            pools,
            commits: Arc::new(AtomicU64::new(0)),
        }
    }

    pub async fn connect(url: &str, options: &ConnectOptions) -> Result<Self, StoreError> {
        match Backend::of_url(url)? {
            Backend::Sqlite => {
                let opts = SqliteConnectOptions::from_str(url)
                    .map_err(|e| StoreError::Config(format!("bad SQLite URL: {e}")))?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(if options.sqlite_synchronous_full {
                        SqliteSynchronous::Full
                    } else {
                        SqliteSynchronous::Normal
                    })
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(5));
                if let Some(dir) = opts.get_filename().parent()
                    && !dir.as_os_str().is_empty()
                {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        StoreError::Config(format!(
                            "cannot create the database folder {}: {e}",
                            dir.display()
                        ))
                    })?;
                }
                let write = SqliteWriter::new(sqlx::ConnectOptions::connect(&opts).await?);
                // An embedded database cannot hang up, so the pool does not ping a connection
                // before lending it: the ping is a round trip to the connection's thread.
                let read = SqlitePoolOptions::new()
                    .max_connections(options.max_connections.max(1))
                    .test_before_acquire(false)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(opts.read_only(true))
                    .await?;
                Ok(Self::new(Pools::Sqlite { read, write }))
            }
            Backend::Postgres => {
                let opts = PgConnectOptions::from_str(url)
                    .map_err(|e| StoreError::Config(format!("bad PostgreSQL URL: {e}")))?;
                let max = options.max_connections.max(1);
                let pool = pg_pool_options(max).connect_with(opts.clone()).await?;
                // Its prepared statements always keep their one generic plan, where planning
                // each call would cost more than running the statement (see `read_list`).
                let generic = pg_pool_options(max)
                    .connect_lazy_with(opts.options([("plan_cache_mode", "force_generic_plan")]));
                Ok(Self::new(Pools::Postgres { pool, generic }))
            }
        }
    }

    pub fn backend(&self) -> Backend {
        match &self.pools {
            Pools::Sqlite { .. } => Backend::Sqlite,
            Pools::Postgres { .. } => Backend::Postgres,
        }
    }

    /// Applies pending migrations of this backend's folder.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match &self.pools {
            Pools::Sqlite { write, .. } => write.migrate(&SQLITE_MIGRATOR).await?,
            Pools::Postgres { pool, .. } => POSTGRES_MIGRATOR.run(pool).await?,
        }
        Ok(())
    }

    /// True when migrations have never run or no tenant exists yet.
    pub async fn is_empty(&self) -> Result<bool, StoreError> {
        let mut c = self.read().await?;
        tenants::count(&mut c.conn()).await.map(|n| n == 0)
    }

    /// A write transaction. On SQLite it is a savepoint in a batch that holds the write lock
    /// from its start (`BEGIN IMMEDIATE`), so a read that is followed by a write can never
    /// fail with SQLITE_BUSY halfway, and its commit returns once the batch is committed.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        let inner = match &self.pools {
            Pools::Sqlite { write, .. } => TxInner::Sqlite(write.begin().await?),
            Pools::Postgres { pool, .. } => TxInner::Postgres(pool.begin().await?),
        };
        Ok(Tx {
            inner,
            commits: Arc::clone(&self.commits),
        })
    }

    /// How many write transactions this process has committed so far. Anything read from
    /// the database may be reused while this number has not moved (and only then): a cache
    /// notes it before it reads and trusts its entry only while it is unchanged.
    pub fn commits(&self) -> u64 {
        self.commits.load(Ordering::Acquire)
    }

    /// A connection for reads outside a transaction.
    pub async fn read(&self) -> Result<ReadConn, StoreError> {
        Ok(match &self.pools {
            Pools::Sqlite { read, .. } => ReadConn::Sqlite(read.acquire().await?),
            Pools::Postgres { pool, .. } => ReadConn::Postgres(pool.acquire().await?),
        })
    }

    /// A connection for reading a page of a list whose best plan is the same whatever the
    /// values (an index range in the list's order, then a lookup per row: checked with
    /// EXPLAIN for every owner size). On PostgreSQL its prepared statements keep one generic
    /// plan: planning a page again on every call cost more than reading it (4,000 against
    /// 2,750 pages/s, docs/PERFORMANCE.md). A query whose plan does depend on the values (a
    /// name search) belongs on `read`.
    pub async fn read_list(&self) -> Result<ReadConn, StoreError> {
        Ok(match &self.pools {
            Pools::Sqlite { read, .. } => ReadConn::Sqlite(read.acquire().await?),
            Pools::Postgres { generic, .. } => ReadConn::Postgres(generic.acquire().await?),
        })
    }

    /// `SELECT 1`, for readiness checks.
    pub async fn ping(&self) -> Result<(), StoreError> {
        let mut c = self.read().await?;
        exec!(&mut c.conn(), |x| sqlx::query("SELECT 1")
            .execute(&mut **x)
            .await)?;
        Ok(())
    }

    /// Figures for the metrics endpoint.
    pub fn stats(&self) -> DbStats {
        let (pool_size, pool_idle, write_batches, writes_waiting) = match &self.pools {
            Pools::Sqlite { read, write } => (
                read.size(),
                read.num_idle(),
                Some(write.batches()),
                Some(write.waiting()),
            ),
            Pools::Postgres { pool, .. } => (pool.size(), pool.num_idle(), None, None),
        };
        DbStats {
            pool_size,
            pool_idle,
            write_transactions: self.commits(),
            write_batches,
            writes_waiting,
        }
    }

    pub async fn close(&self) {
        match &self.pools {
            Pools::Sqlite { read, write } => {
                read.close().await;
                write.close().await;
            }
            Pools::Postgres { pool, generic } => {
                generic.close().await;
                pool.close().await;
            }
        }
    }
}

/// What `Db::stats` reports.
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

/// An open write transaction. Dropped without `commit` it rolls back.
#[derive(Debug)]
pub struct Tx {
    inner: TxInner,
    commits: Arc<AtomicU64>,
}

#[derive(Debug)]
enum TxInner {
    Sqlite(WriteTx),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

impl Tx {
    pub fn conn(&mut self) -> Conn<'_> {
        match &mut self.inner {
            TxInner::Sqlite(t) => Conn::Sqlite(t.conn()),
            TxInner::Postgres(t) => Conn::Postgres(t),
        }
    }
    pub async fn commit(self) -> Result<(), StoreError> {
        // Counted when the commit ends however it ends (an error, or the caller cancelled
        // while waiting for it): it may have happened all the same.
        let _counted = CountOnDrop(self.commits);
        match self.inner {
            TxInner::Sqlite(t) => t.commit().await,
            TxInner::Postgres(t) => t.commit().await.map_err(StoreError::from),
        }
    }
}

/// Adds one to `Db::commits` when dropped.
struct CountOnDrop(Arc<AtomicU64>);

impl Drop for CountOnDrop {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::AcqRel);
    }
}

/// A pooled connection for reads.
#[derive(Debug)]
pub enum ReadConn {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

impl ReadConn {
    pub fn conn(&mut self) -> Conn<'_> {
        match self {
            Self::Sqlite(c) => Conn::Sqlite(c),
            Self::Postgres(c) => Conn::Postgres(c),
        }
    }
}

/// A borrowed connection of either backend; every store function takes one.
#[derive(Debug)]
pub enum Conn<'c> {
    Sqlite(&'c mut SqliteConnection),
    Postgres(&'c mut PgConnection),
}

/// Runs one body against whichever backend the connection is, compiled once per backend.
#[macro_export]
macro_rules! on_conn {
    ($c:expr, |$x:ident| $body:expr) => {
        match $c {
            $crate::Conn::Sqlite($x) => $body,
            $crate::Conn::Postgres($x) => $body,
        }
    };
}

/// Runs one statement against whichever backend and returns the number of rows it touched.
#[macro_export]
macro_rules! exec {
    ($c:expr, |$x:ident| $body:expr) => {
        match $c {
            $crate::Conn::Sqlite($x) => $body.map(|r| r.rows_affected()),
            $crate::Conn::Postgres($x) => $body.map(|r| r.rows_affected()),
        }
    };
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_prefixes_escape_wildcards() {
        assert_eq!(super::like_prefix(Some(" Fab ")).as_deref(), Some("fab%"));
        assert_eq!(
            super::like_prefix(Some("50%_off\\")).as_deref(),
            Some("50\\%\\_off\\\\%")
        );
        assert_eq!(super::like_prefix(Some("  ")), None);
        assert_eq!(super::like_prefix(None), None);
        assert_eq!(
            super::like_contains(Some("a_b")).as_deref(),
            Some("%a\\_b%")
        );
    }

    /// The store's boundary is typed: an id goes in as its own type, so two ids passed in the
    /// wrong order do not compile. This reads every public function's parameters and fails on
    /// an id-shaped one written as text. Hashes, the OAuth client id a caller presents and the
    /// MPN ID (a partner's public number) are values, not ids of rows, and stay text.
    #[test]
    fn no_public_function_takes_an_id_as_text() {
        const TEXT: [&str; 5] = ["&str", "Option<&str>", "&[&str]", "String", "&String"];
        const ID_NAMES: [&str; 9] = [
            "tenant",
            "provider",
            "reseller",
            "partner",
            "customer",
            "user",
            "subscription",
            "order",
            "invitation",
        ];
        const NOT_IDS: [&str; 5] = [
            "client_id",
            "id_hash",
            "keep_id_hash",
            "token_hash",
            "mpn_id",
        ];
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut offenders = Vec::new();
        let mut checked = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            for (at, _) in text
                .match_indices("pub async fn ")
                .chain(text.match_indices("pub fn "))
            {
                // Only a function written at the start of a line, not this test's own text.
                let line_start = text[..at].rfind('\n').map_or(0, |n| n + 1);
                if !text[line_start..at].trim().is_empty() {
                    continue;
                }
                let rest = &text[at..];
                let Some(open) = rest.find('(') else {
                    continue;
                };
                let mut depth = 0;
                let Some(close) = rest[open..].char_indices().find_map(|(i, c)| {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    (depth == 0).then_some(open + i)
                }) else {
                    continue;
                };
                let name = rest[..open].split_whitespace().last().unwrap_or_default();
                for param in rest[open + 1..close].split(',') {
                    let Some((pname, ty)) = param.split_once(':') else {
                        continue;
                    };
                    let (pname, ty) = (pname.trim(), ty.trim());
                    checked += 1;
                    let id_like = pname == "id"
                        || pname.ends_with("_id")
                        || pname.ends_with("_ids")
                        || ID_NAMES
                            .iter()
                            .any(|n| pname == *n || pname == format!("{n}s"));
                    if id_like && !NOT_IDS.contains(&pname) && TEXT.contains(&ty) {
                        offenders.push(format!("{}: {name}({pname}: {ty})", path.display()));
                    }
                }
            }
        }
        assert!(checked > 100, "only {checked} parameters read");
        assert!(offenders.is_empty(), "ids passed as text: {offenders:#?}");
    }
}
