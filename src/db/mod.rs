//! Persistence: plain functions over `&mut SqliteConnection`, one module
//! per aggregate. They return `QueryResult` and know nothing of HTTP.

pub mod accounts;
pub mod comments;
pub mod moderation;
pub mod pool;
pub mod posts;
#[rustfmt::skip]
#[allow(missing_docs)]
pub mod schema;

pub use pool::{Pool, PooledConn, connect, migrate};

/// Whether a diesel error is a UNIQUE constraint violation.
pub fn is_unique_violation(error: &diesel::result::Error) -> bool {
    matches!(
        error,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}
