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

/// Sets the pragmas every connection needs: WAL so readers never block the
/// writer, a busy timeout so writers queue instead of failing, foreign
/// keys, and `synchronous=NORMAL` (a commit survives a crash of the process;
/// WAL keeps the file consistent even across power loss).
#[derive(Debug, Clone, Copy)]
struct Pragmas;

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for Pragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute(&format!(
            "PRAGMA busy_timeout = {BUSY_TIMEOUT_MS};
             PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             PRAGMA foreign_keys = ON;"
        ))
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// Opens (creating if needed) the database file, applies pending
/// migrations and returns a pool of `size` connections.
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
        Pragmas
            .on_acquire(&mut first)
            .with_context(|| format!("preparing the database {}", path.display()))?;
        migrate(&mut first)?;
    }
    open(path, size)
}

/// A further pool over a database [`connect`] has already prepared (used
/// to keep readers' queries apart from moderators' and writers').
pub fn open(path: &Path, size: u32) -> anyhow::Result<Pool> {
    let url = path
        .to_str()
        .with_context(|| format!("the database path {} is not UTF-8", path.display()))?;
    Pool::builder()
        .max_size(size.max(1))
        .connection_timeout(Duration::from_secs(10))
        .connection_customizer(Box::new(Pragmas))
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
