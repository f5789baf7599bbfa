//! twotier's business vocabulary: ids, validated inputs, roles and permissions.
//! No I/O lives here: no axum, no sqlx, no tokio.

pub mod actor;
pub mod audit;
pub mod authz;
pub mod clock;
pub mod error;
pub mod ids;
pub mod partner;
pub mod tenant;
pub mod user;

pub use error::{DomainError, FieldErrors};
