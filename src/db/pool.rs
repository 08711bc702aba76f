//! The r2d2 pool over either backend, per-connection settings and the
//! embedded migrations (one folder per backend).

use super::conn::{DbConn, Location};
use anyhow::Context;
use diesel::connection::SimpleConnection;
use diesel::r2d2::{CustomizeConnection, ManageConnection, PooledConnection, R2D2Connection};
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use std::time::Duration;

/// A pool of connections to the database.
pub type Pool = diesel::r2d2::Pool<Manager>;
/// One connection taken from the pool.
pub type PooledConn = PooledConnection<Manager>;

/// The SQLite migrations under `migrations/sqlite/`, compiled into the binary.
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
/// The PostgreSQL twins under `migrations/postgres/` (same versions, same
/// tables and diesel types).
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// How long a writer waits for the lock before SQLite reports busy; on
/// PostgreSQL, how long a statement waits for a lock (the writers'
/// advisory lock, a row) before it fails as busy (`lock_timeout`).
const BUSY_TIMEOUT_MS: u32 = 5_000;

/// The advisory lock (PostgreSQL) that one instance holds while it
/// applies migrations.
const MIGRATION_LOCK: i64 = 0x436f_6c6c_6f71_0001;

/// How a connection's commits reach the disk (SQLite's `synchronous`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// `FULL`: every commit fsyncs the write-ahead log before it returns,
    /// so whatever the caller answers after it survives power loss. The
    /// main pool (moderators, the group-commit writer, every `write()`,
    /// the sender, housekeeping, the commands) uses it. With group commit
    /// one fsync covers a whole batch of readers' submissions.
    Full,
    /// `NORMAL`: the log is fsynced at checkpoints only. For the readers'
    /// pool, which only reads: a read never syncs whatever the setting,
    /// so this only keeps a stray write there from paying for one.
    Normal,
}

impl Durability {
    fn pragma(self) -> &'static str {
        match self {
            Self::Full => "FULL",
            Self::Normal => "NORMAL",
        }
    }
}

/// Opens connections to one [`Location`].
#[derive(Debug, Clone)]
pub struct Manager {
    location: Location,
}

impl Manager {
    /// A manager for connections to `location`.
    pub fn new(location: Location) -> Self {
        Self { location }
    }
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConn, Self::Error> {
        establish(&self.location).map_err(diesel::r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), Self::Error> {
        conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        std::thread::panicking() || conn.is_broken()
    }
}

/// One connection to `location`, outside any pool.
pub fn establish(location: &Location) -> diesel::ConnectionResult<DbConn> {
    match location {
        Location::Sqlite(path) => {
            let url = path.to_str().ok_or_else(|| {
                diesel::ConnectionError::InvalidConnectionUrl(format!(
                    "the database path {} is not UTF-8",
                    path.display()
                ))
            })?;
            SqliteConnection::establish(url).map(DbConn::Sqlite)
        }
        Location::Postgres(url) => PgConnection::establish(url).map(DbConn::Postgres),
    }
}

/// Sets what every connection needs. SQLite: WAL so readers never block
/// the writer, a busy timeout so writers queue instead of failing, foreign
/// keys, and `synchronous` as the pool's [`Durability`] says. In WAL mode a
/// checkpoint syncs the log before it copies it into the database and the
/// database before the log is reused, at `NORMAL` as at `FULL`, so a
/// checkpoint never drops what an earlier fsync made durable. PostgreSQL:
/// UTC, a lock timeout as long as SQLite's busy timeout (a lock held too
/// long fails the request with 503, as SQLite's busy does, instead of
/// hanging it), and the server's own durability (`synchronous_commit=on`
/// by default: a commit returns after its WAL is flushed).
#[derive(Debug, Clone, Copy)]
struct Prepare(Durability);

impl CustomizeConnection<DbConn, diesel::r2d2::Error> for Prepare {
    fn on_acquire(&self, conn: &mut DbConn) -> Result<(), diesel::r2d2::Error> {
        prepare(conn, self.0).map_err(diesel::r2d2::Error::QueryError)
    }
}

fn prepare(conn: &mut DbConn, sync: Durability) -> diesel::QueryResult<()> {
    match conn {
        DbConn::Sqlite(c) => c.batch_execute(&format!(
            "PRAGMA busy_timeout = {BUSY_TIMEOUT_MS};
             PRAGMA journal_mode = WAL;
             PRAGMA synchronous = {};
             PRAGMA foreign_keys = ON;",
            sync.pragma()
        )),
        DbConn::Postgres(c) => c.batch_execute(&format!(
            "SET TIME ZONE 'UTC'; SET lock_timeout = {BUSY_TIMEOUT_MS}"
        )),
    }
}

/// Opens (creating if needed) the database, applies pending migrations and
/// returns a pool of `size` connections whose commits are fsynced
/// ([`Durability::Full`]).
pub fn connect(location: &Location, size: u32) -> anyhow::Result<Pool> {
    if let Location::Sqlite(path) = location
        && let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating the folder {}", parent.display()))?;
    }
    // Switch the file to WAL and migrate it over one connection before the
    // pool opens several at once: changing the journal mode needs the file
    // to itself.
    {
        let mut first =
            establish(location).with_context(|| format!("opening the database {location}"))?;
        prepare(&mut first, Durability::Full)
            .with_context(|| format!("preparing the database {location}"))?;
        migrate(&mut first)?;
    }
    open(location, size, Durability::Full)
}

/// A further pool over a database [`connect`] has already prepared (used
/// to keep readers' queries apart from moderators' and writers', with
/// [`Durability::Normal`]).
pub fn open(location: &Location, size: u32, sync: Durability) -> anyhow::Result<Pool> {
    Pool::builder()
        .max_size(size.max(1))
        .connection_timeout(Duration::from_secs(10))
        // A connection to a local file does not go stale: no `SELECT 1`
        // each time one is taken (every request and every writer batch).
        // One to a server can, so PostgreSQL's are tested.
        .test_on_check_out(location.backend() == super::Backend::Postgres)
        .connection_customizer(Box::new(Prepare(sync)))
        .build(Manager::new(location.clone()))
        .with_context(|| format!("opening the database {location}"))
}

/// Applies pending migrations; returns the versions applied.
pub fn migrate(conn: &mut DbConn) -> anyhow::Result<Vec<String>> {
    let applied = match conn {
        DbConn::Sqlite(c) => c
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(|v| v.iter().map(ToString::to_string).collect()),
        DbConn::Postgres(c) => {
            // Instances starting together take turns: the first applies,
            // the others then find nothing pending. They wait for it as
            // long as it takes, past the usual lock timeout.
            c.batch_execute(&format!(
                "SET lock_timeout = 0; SELECT pg_advisory_lock({MIGRATION_LOCK})"
            ))
            .map_err(|e| anyhow::anyhow!("waiting for the migration lock: {e}"))?;
            let applied = c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|v| v.iter().map(ToString::to_string).collect());
            c.batch_execute(&format!(
                "SELECT pg_advisory_unlock({MIGRATION_LOCK}); SET lock_timeout = {BUSY_TIMEOUT_MS}"
            ))
            .map_err(|e| anyhow::anyhow!("releasing the migration lock: {e}"))?;
            applied
        }
    };
    applied.map_err(|e| anyhow::anyhow!("applying migrations: {e}"))
}
#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use diesel::RunQueryDsl;
    use diesel::sql_types::Integer;

    #[derive(diesel::QueryableByName)]
    struct Setting {
        #[diesel(sql_type = Integer)]
        synchronous: i32,
    }

    fn synchronous(pool: &Pool) -> i32 {
        let mut conn = pool.get().unwrap();
        diesel::sql_query("PRAGMA synchronous")
            .get_result::<Setting>(&mut conn)
            .unwrap()
            .synchronous
    }

    #[test]
    fn the_main_pool_fsyncs_every_commit_and_the_readers_pool_does_not_pay_for_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let place = Location::Sqlite(path);
        let main = connect(&place, 2).unwrap();
        let readers = open(&place, 2, Durability::Normal).unwrap();
        // SQLite's numbers: 1 NORMAL, 2 FULL.
        assert_eq!(synchronous(&main), 2);
        assert_eq!(synchronous(&readers), 1);
    }
}
