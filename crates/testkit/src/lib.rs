//! Test harness: a fresh database per test (SQLite file, or a PostgreSQL database cloned from
//! a migrated template when `TEST_DATABASE_URL` is set), the app built exactly as the server
//! builds it, a movable clock, and a world of tenants and users in every role.

#![allow(
    clippy::expect_used,
    reason = "a test harness: a setup step that fails stops the test"
)]

pub mod app;
pub mod db;
pub mod market;
pub mod webdriver;

pub use app::{Principal, TestApp, TestResponse, TestUser, World};
pub use db::TestDb;
pub use market::Market;

/// Where browser tests put their screenshots: `target/screenshots/{sqlite,postgres}/`.
pub fn screenshot_dir() -> std::path::PathBuf {
    let backend = if TestDb::on_postgres() {
        "postgres"
    } else {
        "sqlite"
    };
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/screenshots")
        .join(backend)
}
