//! Persistence: plain functions over `&mut SqliteConnection`, one module
//! per aggregate. They return `QueryResult` and know nothing of HTTP.

pub mod accounts;
pub mod appeals;
pub mod authority;
pub mod bans;
pub mod claims;
pub mod comments;
pub mod imports;
pub mod log;
pub mod moderation;
pub mod notices;
pub mod outbox;
pub mod pool;
pub mod posts;
pub mod privacy;
pub mod subscribers;
pub mod writer;
#[rustfmt::skip]
#[allow(missing_docs)]
pub mod schema;
pub mod statements;
pub mod terms;
pub mod types;
pub mod workspace;

pub use pool::{Pool, PooledConn, connect, migrate};

/// Whether a diesel error is a UNIQUE constraint violation.
pub fn is_unique_violation(error: &diesel::result::Error) -> bool {
    matches!(
        error,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

/// Runs `work` in the caller's transaction when there is one (no
/// savepoint: an error rolls the caller's whole transaction back, which is
/// what the writer's batch and the services want, and it saves two
/// statements per call on the hot path), else in a write transaction of
/// its own.
pub fn within<T, E, F>(conn: &mut diesel::SqliteConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut diesel::SqliteConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let depth = AnsiTransactionManager::transaction_manager_status_mut(conn).transaction_depth()?;
    if depth.is_some() {
        work(conn)
    } else {
        write(conn, work)
    }
}

/// Runs `work` in a write transaction: `BEGIN IMMEDIATE` at the outermost
/// level (so the write lock is taken up front and a busy database is
/// waited for, not failed on upgrade), a savepoint when already inside one.
pub fn write<T, E, F>(conn: &mut diesel::SqliteConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut diesel::SqliteConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::Connection;
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let depth = AnsiTransactionManager::transaction_manager_status_mut(conn).transaction_depth()?;
    if depth.is_some() {
        conn.transaction(work)
    } else {
        // A moderator's change commits only while their authority holds
        // (see `authority`): checked here, under the write lock.
        conn.immediate_transaction(|conn| {
            authority::check(conn)?;
            work(conn)
        })
    }
}
