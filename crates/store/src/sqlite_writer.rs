//! SQLite's one writer, with group commit.
//!
//! SQLite lets one connection write at a time, and with `synchronous=FULL` every COMMIT
//! waits for the disk to confirm the log. Under concurrent writes that wait, more than the
//! statements, capped the rate (docs/PERFORMANCE.md, O4). So a write transaction here is a
//! savepoint inside an outer transaction that several of them share, a *batch*:
//! - each runs alone on the one connection, in turn, exactly as before;
//! - its commit releases its savepoint, and it is told it committed only once the batch's
//!   COMMIT has returned, so an acknowledged write is as durable as before;
//! - the batch commits as soon as no other write is waiting to start, or once it has had
//!   `BATCH_LIMIT` turns or is `BATCH_MAX_AGE` old, so a lone write commits at once and
//!   never waits for company, and a busy writer still commits often.
//!
//! What can go wrong, and what happens:
//! - A transaction dropped without commit (an error, a cancelled request) rolls back to its
//!   savepoint; the rest of its batch is unaffected. If even that cannot run (a panic, a
//!   runtime shutting down), the next turn finds the savepoint open and rolls it back.
//! - A failure that ends the outer transaction (SQLite rolls it back itself after disk-full
//!   or I/O errors, which shows as its savepoint being gone; or COMMIT fails) fails every
//!   transaction of the batch, none of which had been acknowledged.
//! - A batch is never left open with nobody to end it: joining, leaving and ending a batch
//!   run in tasks of their own, so cancelling a request cannot interrupt them, and whoever
//!   leaves last commits. A batch that ends without an outcome reads as not saved.
//!
//! One rule for callers: a commit returns only after the later members of its batch have
//! had their turn, so a task must not hold one write transaction while it waits for
//! another's commit (nothing does; it would wait for itself).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sqlx::SqliteConnection;
use tokio::sync::{Mutex, OwnedMutexGuard, watch};

use crate::StoreError;

/// At most this many transactions take a turn in one batch.
const BATCH_LIMIT: usize = 64;

/// A batch older than this commits at the next turn's end even if writes are waiting, which
/// bounds how long its first member waits for its acknowledgement.
const BATCH_MAX_AGE: Duration = Duration::from_millis(10);

/// How long a write waits for its turn before it gives up (as the pool it replaced did).
const TURN_TIMEOUT: Duration = Duration::from_secs(10);

/// Undoes the work of the member whose savepoint is open.
const ROLLBACK_MEMBER: &str = "ROLLBACK TO write_tx; RELEASE write_tx";

/// The write connection and the batch open on it. Cloning shares it.
#[derive(Debug, Clone)]
pub(crate) struct SqliteWriter {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    state: Arc<Mutex<WriterState>>,
    /// Writes waiting for their turn: while there are any, a batch stays open for them.
    waiting: AtomicUsize,
    /// Batches committed so far.
    batches: AtomicU64,
}

#[derive(Debug)]
struct WriterState {
    /// `None` once the database is closed.
    conn: Option<SqliteConnection>,
    /// The open outer transaction, if any.
    batch: Option<OpenBatch>,
}

#[derive(Debug)]
struct OpenBatch {
    /// Where its outcome is published, once, to every member waiting on it.
    outcome: watch::Sender<Option<Result<(), Arc<str>>>>,
    opened: Instant,
    /// Transactions that have had a turn in it.
    turns: usize,
    /// A member's savepoint is open (between its SAVEPOINT and its RELEASE or ROLLBACK TO).
    savepoint_open: bool,
}

impl OpenBatch {
    /// A batch whose outer transaction has just begun.
    fn new() -> Self {
        Self {
            outcome: watch::Sender::new(None),
            opened: Instant::now(),
            turns: 0,
            savepoint_open: false,
        }
    }
}

/// A write transaction: the writer's turn, with a savepoint open in the batch.
#[derive(Debug)]
pub(crate) struct WriteTx {
    /// Taken by `commit`; if still here on drop, the savepoint is rolled back.
    turn: Option<OwnedMutexGuard<WriterState>>,
    writer: SqliteWriter,
    /// The batch's outcome. Only the batch holds its sender, so a batch dropped without
    /// one (its end cancelled or panicking) closes this and reads as not saved.
    outcome: watch::Receiver<Option<Result<(), Arc<str>>>>,
}

/// One control statement, through the executor's boxed future: `sqlx::raw_sql`'s own future
/// cannot be proven `Send` for `tokio::spawn` (its executor lifetime is higher-ranked).
async fn run(conn: &mut SqliteConnection, sql: &'static str) -> Result<(), sqlx::Error> {
    sqlx::Executor::execute(conn, sql).await.map(|_| ())
}

/// Opens the outer transaction. IMMEDIATE: the write lock is taken now, so no statement of
/// the batch can fail with SQLITE_BUSY halfway.
async fn begin_outer(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    match run(conn, "BEGIN IMMEDIATE").await {
        // A ROLLBACK that failed after a failed batch left its transaction open; nothing in
        // it was acknowledged.
        Err(e) if e.to_string().contains("within a transaction") => {
            let _ = run(conn, "ROLLBACK").await;
            run(conn, "BEGIN IMMEDIATE").await
        }
        done => done,
    }
}

fn closed() -> StoreError {
    StoreError::Config("the database is closed".to_owned())
}

fn task_failed(e: tokio::task::JoinError) -> StoreError {
    StoreError::NotSaved(format!("the write task stopped: {e}"))
}

impl SqliteWriter {
    pub(crate) fn new(conn: SqliteConnection) -> Self {
        Self {
            shared: Arc::new(Shared {
                state: Arc::new(Mutex::new(WriterState {
                    conn: Some(conn),
                    batch: None,
                })),
                waiting: AtomicUsize::new(0),
                batches: AtomicU64::new(0),
            }),
        }
    }

    /// Writes waiting for their turn now.
    pub(crate) fn waiting(&self) -> usize {
        self.shared.waiting.load(Ordering::Acquire)
    }

    /// How many batches have committed: with `Db::commits`, how many writes shared each.
    pub(crate) fn batches(&self) -> u64 {
        self.shared.batches.load(Ordering::Acquire)
    }

    /// Waits for the writer's turn and opens a savepoint in the current batch (or a new one).
    pub(crate) async fn begin(&self) -> Result<WriteTx, StoreError> {
        let writer = self.clone();
        // A task of its own: if the caller is cancelled, the transaction it would have got
        // is dropped, and so rolled back, instead of stranding the batch half-joined.
        tokio::spawn(async move { writer.join().await })
            .await
            .map_err(task_failed)?
    }

    async fn join(self) -> Result<WriteTx, StoreError> {
        let shared = &self.shared;
        shared.waiting.fetch_add(1, Ordering::AcqRel);
        let turn = tokio::time::timeout(TURN_TIMEOUT, Arc::clone(&shared.state).lock_owned()).await;
        shared.waiting.fetch_sub(1, Ordering::AcqRel);
        let Ok(mut turn) = turn else {
            // Whoever went before may have left its batch open for this write: make sure
            // somebody ends it.
            let writer = self.clone();
            tokio::spawn(async move {
                let turn = Arc::clone(&writer.shared.state).lock_owned().await;
                writer.settle(turn).await;
            });
            return Err(StoreError::Db(sqlx::Error::PoolTimedOut));
        };
        self.recover(&mut turn).await;
        let state = &mut *turn;
        let Some(conn) = state.conn.as_mut() else {
            return Err(closed());
        };
        if state.batch.is_none() {
            begin_outer(conn).await?;
        }
        let batch = state.batch.get_or_insert_with(OpenBatch::new);
        if let Err(e) = run(conn, "SAVEPOINT write_tx").await {
            self.settle(turn).await;
            return Err(e.into());
        }
        batch.turns += 1;
        batch.savepoint_open = true;
        let outcome = batch.outcome.subscribe();
        Ok(WriteTx {
            turn: Some(turn),
            writer: self,
            outcome,
        })
    }

    /// Rolls back the savepoint of a member whose end never ran, if there is one.
    async fn recover(&self, state: &mut WriterState) {
        let (Some(batch), Some(conn)) = (state.batch.as_mut(), state.conn.as_mut()) else {
            return;
        };
        if !batch.savepoint_open {
            return;
        }
        match run(conn, ROLLBACK_MEMBER).await {
            Ok(()) => batch.savepoint_open = false,
            Err(e) => self.end_batch(state, Some(e.to_string())).await,
        }
    }

    /// With the turn held and no savepoint open: commits the batch unless another write is
    /// waiting to join it (and the batch is young and small enough), then gives the turn up.
    async fn settle(&self, mut turn: OwnedMutexGuard<WriterState>) {
        let Some(batch) = &turn.batch else {
            return;
        };
        let due = batch.turns >= BATCH_LIMIT || batch.opened.elapsed() >= BATCH_MAX_AGE;
        if self.shared.waiting.load(Ordering::Acquire) > 0 && !due {
            return;
        }
        self.end_batch(&mut turn, None).await;
    }

    /// Ends the open batch: commits it, or rolls it back when `failure` says why (or a
    /// member's savepoint is still open, or COMMIT fails), and tells its members.
    async fn end_batch(&self, state: &mut WriterState, mut failure: Option<String>) {
        let Some(batch) = state.batch.take() else {
            return;
        };
        let Some(conn) = state.conn.as_mut() else {
            batch
                .outcome
                .send_replace(Some(Err(Arc::from("the database is closed"))));
            return;
        };
        if failure.is_none() && batch.savepoint_open {
            failure = Some("a write transaction of the batch never ended".to_owned());
        }
        if failure.is_none() {
            match run(conn, "COMMIT").await {
                Ok(()) => {
                    self.shared.batches.fetch_add(1, Ordering::AcqRel);
                }
                Err(e) => failure = Some(e.to_string()),
            }
        }
        let outcome = match failure {
            None => Ok(()),
            Some(why) => {
                tracing::error!(error = %why, "a batch of SQLite writes was rolled back");
                let _ = run(conn, "ROLLBACK").await;
                Err(Arc::from(why))
            }
        };
        batch.outcome.send_replace(Some(outcome));
    }

    /// Ends a member's savepoint (keeping or undoing its work), then settles the batch.
    async fn leave(
        self,
        mut turn: OwnedMutexGuard<WriterState>,
        keep: bool,
    ) -> Result<(), StoreError> {
        let state = &mut *turn;
        let Some(conn) = state.conn.as_mut() else {
            return Err(closed());
        };
        let step = if keep {
            "RELEASE write_tx"
        } else {
            ROLLBACK_MEMBER
        };
        match run(conn, step).await {
            Ok(()) => {
                if let Some(batch) = state.batch.as_mut() {
                    batch.savepoint_open = false;
                }
                self.settle(turn).await;
                Ok(())
            }
            Err(e) => {
                // The savepoint is gone: SQLite ended the outer transaction itself, so every
                // write of this batch is lost. Roll back whatever may be left and say so.
                self.end_batch(state, Some(e.to_string())).await;
                Err(e.into())
            }
        }
    }

    /// The connection with no batch open (ending any), for work that manages its own
    /// transactions: migrations, closing.
    async fn exclusive(&self) -> Result<OwnedMutexGuard<WriterState>, StoreError> {
        let writer = self.clone();
        // In a task of its own, so that cancelling the caller cannot cut a batch's end short.
        tokio::spawn(async move {
            let mut turn = Arc::clone(&writer.shared.state).lock_owned().await;
            writer.recover(&mut turn).await;
            writer.end_batch(&mut turn, None).await;
            turn
        })
        .await
        .map_err(task_failed)
    }

    /// Runs the migrations on the write connection.
    pub(crate) async fn migrate(
        &self,
        migrator: &sqlx::migrate::Migrator,
    ) -> Result<(), StoreError> {
        let mut turn = self.exclusive().await?;
        let conn = turn.conn.as_mut().ok_or_else(closed)?;
        migrator.run(conn).await?;
        Ok(())
    }

    /// Commits any open batch and closes the connection; later writes fail.
    pub(crate) async fn close(&self) {
        if let Ok(mut turn) = self.exclusive().await
            && let Some(conn) = turn.conn.take()
        {
            let _ = sqlx::Connection::close(conn).await;
        }
    }
}

impl WriteTx {
    #[expect(
        clippy::expect_used,
        reason = "both hold for as long as the WriteTx lives"
    )]
    pub(crate) fn conn(&mut self) -> &mut SqliteConnection {
        let turn = self
            .turn
            .as_mut()
            .expect("a WriteTx holds its turn until it ends");
        turn.conn
            .as_mut()
            .expect("the database closes only between write transactions")
    }

    /// Keeps this transaction's work and returns once its batch is committed.
    #[expect(clippy::expect_used, reason = "a WriteTx holds its turn until it ends")]
    pub(crate) async fn commit(mut self) -> Result<(), StoreError> {
        let turn = self
            .turn
            .take()
            .expect("a WriteTx holds its turn until it ends");
        let mut outcome = self.outcome.clone();
        tokio::spawn(self.writer.clone().leave(turn, true))
            .await
            .map_err(task_failed)??;
        let not_saved = || StoreError::NotSaved("the batch ended without an outcome".to_owned());
        let outcome = outcome
            .wait_for(Option::is_some)
            .await
            .map_err(|_| not_saved())?
            .clone();
        match outcome {
            Some(Ok(())) => Ok(()),
            Some(Err(e)) => Err(StoreError::NotSaved(e.to_string())),
            None => Err(not_saved()),
        }
    }
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        let Some(turn) = self.turn.take() else {
            return;
        };
        let leave = self.writer.clone().leave(turn, false);
        // Without a runtime the process is ending; SQLite rolls back what the closing
        // connection left open (and otherwise the next turn rolls the savepoint back).
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let _ = leave.await;
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};

    use super::*;

    /// A writer on a new database with one table; the folder lives as long as the result.
    async fn writer() -> (tempfile::TempDir, SqliteWriter) {
        let dir = tempfile::tempdir().expect("dir");
        let opts = SqliteConnectOptions::from_str(&format!(
            "sqlite://{}",
            dir.path().join("w.db").display()
        ))
        .expect("url")
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal);
        let writer = SqliteWriter::new(sqlx::ConnectOptions::connect(&opts).await.expect("open"));
        let mut tx = writer.begin().await.expect("begin");
        run(tx.conn(), "CREATE TABLE t (x INTEGER PRIMARY KEY)")
            .await
            .expect("create");
        tx.commit().await.expect("commit");
        (dir, writer)
    }

    /// Lets the turn go with the savepoint still open, as a panic would.
    fn abandon(mut tx: WriteTx) {
        drop(tx.turn.take());
    }

    async fn insert(tx: &mut WriteTx, x: i64) {
        sqlx::query("INSERT INTO t (x) VALUES (?)")
            .bind(x)
            .execute(tx.conn())
            .await
            .expect("insert");
    }

    async fn stored(writer: &SqliteWriter) -> Vec<i64> {
        let mut tx = writer.begin().await.expect("begin");
        let xs = sqlx::query_scalar("SELECT x FROM t ORDER BY x")
            .fetch_all(tx.conn())
            .await
            .expect("select");
        drop(tx);
        xs
    }

    /// Starts a write that waits behind the current turn, and returns once it is counted.
    async fn queued(writer: &SqliteWriter) -> tokio::task::JoinHandle<WriteTx> {
        let before = writer.shared.waiting.load(Ordering::Acquire);
        let w = writer.clone();
        let next = tokio::spawn(async move { w.begin().await.expect("begin") });
        while writer.shared.waiting.load(Ordering::Acquire) == before {
            tokio::task::yield_now().await;
        }
        next
    }

    /// A write of 1 that commits while a second write waits for its turn: returns the first
    /// one's pending commit and the second write, which now holds the turn in the same batch.
    async fn two_in_a_batch(
        writer: &SqliteWriter,
    ) -> (tokio::task::JoinHandle<Result<(), StoreError>>, WriteTx) {
        let mut first = writer.begin().await.expect("begin");
        insert(&mut first, 1).await;
        let second = queued(writer).await;
        let first_commit = tokio::spawn(first.commit());
        (first_commit, second.await.expect("join"))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_commit_waits_for_the_write_queued_behind_it_and_they_share_one_commit() {
        let (_dir, writer) = writer().await;
        let batches = writer.batches();
        // The second write got the turn, so the first left its batch open for it.
        let (first_commit, mut second) = two_in_a_batch(&writer).await;
        assert!(
            !first_commit.is_finished(),
            "acknowledged before its batch committed"
        );
        insert(&mut second, 2).await;
        second.commit().await.expect("second commit");
        first_commit.await.expect("join").expect("first commit");
        assert_eq!(writer.batches(), batches + 1, "one COMMIT for both");
        assert_eq!(stored(&writer).await, vec![1, 2]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_write_dropped_in_a_batch_undoes_only_itself() {
        let (_dir, writer) = writer().await;
        let (first_commit, mut second) = two_in_a_batch(&writer).await;
        insert(&mut second, 2).await;
        drop(second);
        first_commit.await.expect("join").expect("first commit");
        assert_eq!(stored(&writer).await, vec![1]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn when_sqlite_ends_the_outer_transaction_every_write_of_the_batch_fails() {
        let (_dir, writer) = writer().await;
        let (first_commit, mut second) = two_in_a_batch(&writer).await;
        insert(&mut second, 2).await;
        // What SQLite does by itself after an I/O error or a full disk.
        run(second.conn(), "ROLLBACK").await.expect("rollback");
        assert!(matches!(
            second.commit().await,
            Err(StoreError::Db(_) | StoreError::NotSaved(_))
        ));
        assert!(matches!(
            first_commit.await.expect("join"),
            Err(StoreError::NotSaved(_))
        ));
        assert_eq!(stored(&writer).await, Vec::<i64>::new());
        // The writer goes on.
        let mut third = writer.begin().await.expect("begin");
        insert(&mut third, 3).await;
        third.commit().await.expect("third commit");
        assert_eq!(stored(&writer).await, vec![3]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_write_whose_end_never_ran_is_undone_by_the_next_turn() {
        let (_dir, writer) = writer().await;
        let (first_commit, mut second) = two_in_a_batch(&writer).await;
        insert(&mut second, 2).await;
        abandon(second);
        let mut third = writer.begin().await.expect("begin");
        insert(&mut third, 3).await;
        third.commit().await.expect("third commit");
        first_commit.await.expect("join").expect("first commit");
        assert_eq!(stored(&writer).await, vec![1, 3]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn closing_ends_an_open_batch_and_later_writes_fail() {
        let (_dir, writer) = writer().await;
        // The batch stays open: its second write's end never runs.
        let (first_commit, second) = two_in_a_batch(&writer).await;
        abandon(second);
        writer.close().await;
        // The first write's batch was committed by the close.
        first_commit.await.expect("join").expect("first commit");
        assert!(matches!(writer.begin().await, Err(StoreError::Config(_))));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_cancelled_wait_leaves_no_batch_open() {
        let (_dir, writer) = writer().await;
        let mut first = writer.begin().await.expect("begin");
        insert(&mut first, 1).await;
        // A request that gives up while waiting for its turn: its write, once it gets the
        // turn, is dropped unreceived, and the batch the first one left open still commits.
        let w = writer.clone();
        let given_up = tokio::spawn(async move {
            let mut tx = w.begin().await.expect("begin");
            insert(&mut tx, 2).await;
        });
        while writer.shared.waiting.load(Ordering::Acquire) == 0 {
            tokio::task::yield_now().await;
        }
        given_up.abort();
        first.commit().await.expect("first commit");
        assert_eq!(stored(&writer).await, vec![1]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn fifty_concurrent_writes_are_all_kept_in_no_more_commits_than_writes() {
        let (_dir, writer) = writer().await;
        let batches = writer.batches();
        let tasks: Vec<_> = (0..50)
            .map(|x| {
                let w = writer.clone();
                tokio::spawn(async move {
                    let mut tx = w.begin().await.expect("begin");
                    insert(&mut tx, x).await;
                    tx.commit().await.expect("commit");
                })
            })
            .collect();
        for t in tasks {
            t.await.expect("join");
        }
        assert_eq!(stored(&writer).await, (0..50).collect::<Vec<_>>());
        let used = writer.batches() - batches;
        assert!((1..=50).contains(&used), "{used} commits");
    }
}
