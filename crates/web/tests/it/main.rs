//! The one integration-test binary of the web crate. Runs on SQLite by default and on
//! PostgreSQL when TEST_DATABASE_URL is set (each test on a database of its own).
#![allow(
    clippy::expect_used,
    reason = "test helpers: a failed step stops the test"
)]
// Helpers shared by tests unwrap like the tests themselves do.
#![allow(clippy::unwrap_used)]

mod administration;
mod audit;
mod auth;
mod authz;
mod browser;
mod catalog;
mod customer_relationships;
mod customers;
mod demo;
mod errors;
mod hardening;
mod idempotency;
mod incentives;
mod isolation;
mod ops;
mod orders;
mod partners;
mod partnerships;
mod schema;
mod sign_in;
mod subscriptions;
mod tokens;
mod tour;
mod users;
mod wizard;
