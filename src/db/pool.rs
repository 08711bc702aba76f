//! The r2d2 pool, per-connection pragmas and the embedded migrations.

use anyhow::Context;
use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, PooledConnection};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use std::path::Path;
use std::time::Duration;

/// A pool of SQLite connections.
pub type Pool = diesel::r2d2::Pool<ConnectionManager<SqliteConnection>>;
/// One connection taken from the pool.
pub type PooledConn = PooledConnection<ConnectionManager<SqliteConnection>>;

/// The migrations under `migrations/`, compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// How long a writer waits for the lock before SQLite reports busy.
const BUSY_TIMEOUT_MS: u32 = 5_000;

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

/// Sets the pragmas every connection needs: WAL so readers never block the
/// writer, a busy timeout so writers queue instead of failing, foreign
/// keys, and `synchronous` as the pool's [`Durability`] says. In WAL mode a
/// checkpoint syncs the log before it copies it into the database and the
/// database before the log is reused, at `NORMAL` as at `FULL`, so a
/// checkpoint never drops what an earlier fsync made durable.
#[derive(Debug, Clone, Copy)]
struct Pragmas(Durability);

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for Pragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute(&format!(
            "PRAGMA busy_timeout = {BUSY_TIMEOUT_MS};
             PRAGMA journal_mode = WAL;
             PRAGMA synchronous = {};
             PRAGMA foreign_keys = ON;",
            self.0.pragma()
        ))
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// Opens (creating if needed) the database file, applies pending
/// migrations and returns a pool of `size` connections whose commits are
/// fsynced ([`Durability::Full`]).
pub fn connect(path: &Path, size: u32) -> anyhow::Result<Pool> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating the folder {}", parent.display()))?;
    }
    let url = path
        .to_str()
        .with_context(|| format!("the database path {} is not UTF-8", path.display()))?;
    // Switch the file to WAL and migrate it over one connection before the
    // pool opens several at once: changing the journal mode needs the file
    // to itself.
    {
        let mut first = SqliteConnection::establish(url)
            .with_context(|| format!("opening the database {}", path.display()))?;
        Pragmas(Durability::Full)
            .on_acquire(&mut first)
            .with_context(|| format!("preparing the database {}", path.display()))?;
        migrate(&mut first)?;
    }
    open(path, size, Durability::Full)
}

/// A further pool over a database [`connect`] has already prepared (used
/// to keep readers' queries apart from moderators' and writers', with
/// [`Durability::Normal`]).
pub fn open(path: &Path, size: u32, sync: Durability) -> anyhow::Result<Pool> {
    let url = path
        .to_str()
        .with_context(|| format!("the database path {} is not UTF-8", path.display()))?;
    Pool::builder()
        .max_size(size.max(1))
        .connection_timeout(Duration::from_secs(10))
        // A connection to a local file does not go stale: no `SELECT 1`
        // each time one is taken (every request and every writer batch).
        .test_on_check_out(false)
        .connection_customizer(Box::new(Pragmas(sync)))
        .build(ConnectionManager::<SqliteConnection>::new(url))
        .with_context(|| format!("opening the database {}", path.display()))
}

/// Applies pending migrations; returns the versions applied.
pub fn migrate(conn: &mut SqliteConnection) -> anyhow::Result<Vec<String>> {
    let applied = conn
        .run_pending_migrations(MIGRATIONS)
        .map_err(|e| anyhow::anyhow!("applying migrations: {e}"))?;
    Ok(applied.iter().map(ToString::to_string).collect())
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
        let main = connect(&path, 2).unwrap();
        let readers = open(&path, 2, Durability::Normal).unwrap();
        // SQLite's numbers: 1 NORMAL, 2 FULL.
        assert_eq!(synchronous(&main), 2);
        assert_eq!(synchronous(&readers), 1);
    }
}
