//! Persistence: plain functions over `&mut DbConn` (SQLite or
//! PostgreSQL), one module per aggregate. They return `QueryResult` and
//! know nothing of HTTP.

pub mod accounts;
pub mod appeals;
pub mod authority;
pub mod bans;
pub mod changes;
pub mod claims;
pub mod comments;
pub mod conn;
pub mod copy;
mod functions;
pub mod imports;
pub mod jobs;
pub mod log;
pub mod moderation;
pub mod notices;
pub mod outbox;
pub mod pool;
pub mod posts;
pub mod privacy;
pub mod rate_buckets;
pub mod report;
pub mod subscribers;
pub mod writer;
#[rustfmt::skip]
#[allow(missing_docs)]
pub mod schema;
pub mod statements;
pub mod terms;
pub mod types;
pub mod workspace;

pub use conn::{Backend, DbConn, Location};
pub use pool::{Pool, PooledConn, connect, migrate};

/// The advisory lock every PostgreSQL write transaction takes first, so
/// that writers run one at a time across all instances exactly as they do
/// on SQLite (`BEGIN IMMEDIATE`): every rule that reads and then writes
/// keeps holding without row locks of its own.
pub const WRITE_LOCK: i64 = 0x436f_6c6c_6f71_0002;

/// Whether a diesel error is a UNIQUE constraint violation.
pub fn is_unique_violation(error: &diesel::result::Error) -> bool {
    matches!(
        error,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

/// How deep in transactions the connection is (`None` outside one).
fn depth(conn: &mut DbConn) -> diesel::QueryResult<Option<std::num::NonZeroU32>> {
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    conn::on_backend!(conn, c => {
        AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()
    })
}

/// Runs `work` in the caller's transaction when there is one (no
/// savepoint: an error rolls the caller's whole transaction back, which is
/// what the writer's batch and the services want, and it saves two
/// statements per call on the hot path), else in a write transaction of
/// its own.
pub fn within<T, E, F>(conn: &mut DbConn, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    if depth(conn)?.is_some() {
        work(conn)
    } else {
        write(conn, work)
    }
}

/// Runs `work` in a write transaction: at the outermost level one that
/// holds the write lock from its first statement (SQLite: `BEGIN
/// IMMEDIATE`, so a busy database is waited for, not failed on upgrade;
/// PostgreSQL: the [`WRITE_LOCK`] advisory lock), a savepoint when already
/// inside one.
pub fn write<T, E, F>(conn: &mut DbConn, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::Connection;
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    if depth(conn)?.is_some() {
        return conn.transaction(work);
    }
    match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
        DbConn::Postgres(c) => {
            use diesel::connection::SimpleConnection;
            AnsiTransactionManager::begin_transaction(c)?;
            if let Err(e) = c.batch_execute(&format!("SELECT pg_advisory_xact_lock({WRITE_LOCK})"))
            {
                let _ = AnsiTransactionManager::rollback_transaction(c);
                return Err(e.into());
            }
        }
    }
    // A moderator's change commits only while their authority holds (see
    // `authority`): checked here, under the write lock.
    let done = authority::check(conn)
        .map_err(E::from)
        .and_then(|()| work(conn));
    match done {
        Ok(value) => {
            <DbConn as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => match <DbConn as Connection>::TransactionManager::rollback_transaction(conn) {
            Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(e),
            Err(rollback) => Err(rollback.into()),
        },
    }
}
