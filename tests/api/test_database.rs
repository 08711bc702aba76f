//! The database a test runs over: a fresh SQLite file (the default), or,
//! when `COLLOQUY_TEST_POSTGRES` names a running PostgreSQL cluster
//! (`postgres://USER@HOST:PORT/DB`, as `scripts/postgres.sh` prints it),
//! a fresh PostgreSQL database of its own on that cluster.
//!
//! PostgreSQL databases are made fast: the first test of the process
//! migrates one template database, and every test then copies it
//! (`CREATE DATABASE … TEMPLATE …`, one at a time, since PostgreSQL
//! refuses to copy a template two sessions are using). Each is dropped
//! when its test ends.

use colloquy::db::{self, Backend, DbConn, Location, Pool};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use tempfile::TempDir;

/// The variable that switches the suite to PostgreSQL.
pub const POSTGRES_VARIABLE: &str = "COLLOQUY_TEST_POSTGRES";

/// One test's database, and a folder for whatever else it writes.
pub struct TestDatabase {
    place: Place,
    dir: TempDir,
}

enum Place {
    Sqlite(PathBuf),
    Postgres { url: String, name: String },
}

impl TestDatabase {
    /// A new, empty database (migrated on PostgreSQL; on SQLite the file
    /// is made by whoever opens it first).
    pub fn fresh() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let place = match cluster() {
            None => Place::Sqlite(dir.path().join("colloquy.db")),
            Some(cluster) => {
                let name = cluster.copy_template();
                Place::Postgres {
                    url: format!("{}/{name}", cluster.base),
                    name,
                }
            }
        };
        Self { place, dir }
    }

    /// The `database` setting (and `COLLOQUY_DATABASE`) that names it.
    pub fn setting(&self) -> PathBuf {
        match &self.place {
            Place::Sqlite(path) => path.clone(),
            Place::Postgres { url, .. } => PathBuf::from(url),
        }
    }

    /// Where it is, as the server reads the setting.
    pub fn location(&self) -> Location {
        Location::of(&self.setting())
    }

    /// Which engine holds it.
    pub fn backend(&self) -> Backend {
        self.location().backend()
    }

    /// The SQLite file, or `None` on PostgreSQL.
    pub fn sqlite_file(&self) -> Option<&Path> {
        match &self.place {
            Place::Sqlite(path) => Some(path),
            Place::Postgres { .. } => None,
        }
    }

    /// A folder of the test's own, removed with it.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// One connection outside any pool, for raw queries (the database must
    /// exist: on SQLite, opened once by the server or a command).
    pub fn connect(&self) -> DbConn {
        db::pool::establish(&self.location()).unwrap()
    }

    /// A pool over it, migrated first, as the commands open it.
    pub fn pool(&self) -> Pool {
        db::connect(&self.location(), 1).unwrap()
    }

    /// The SQL that begins a transaction holding the write lock, as the
    /// server's writers take it (SQLite's `BEGIN IMMEDIATE`; on
    /// PostgreSQL a transaction that takes the writers' advisory lock).
    pub fn begin_write(&self) -> String {
        match self.backend() {
            Backend::Sqlite => "BEGIN IMMEDIATE".to_owned(),
            Backend::Postgres => {
                format!("BEGIN; SELECT pg_advisory_xact_lock({})", db::WRITE_LOCK)
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let (Place::Postgres { name, .. }, Some(cluster)) = (&self.place, cluster()) {
            cluster.drop_database(name);
        }
    }
}

/// The cluster named by `COLLOQUY_TEST_POSTGRES`, once per test process.
struct Cluster {
    /// The URL without its database: `postgres://USER@HOST:PORT`.
    base: String,
    /// A session on the database the variable names, which makes and
    /// drops the tests' databases one at a time.
    admin: Mutex<PgConnection>,
    /// The migrated database every test's is copied from.
    template: String,
    /// Numbers the copies.
    next: std::sync::atomic::AtomicU32,
}

fn cluster() -> Option<&'static Cluster> {
    static CLUSTER: OnceLock<Option<Cluster>> = OnceLock::new();
    CLUSTER
        .get_or_init(|| {
            let url = std::env::var(POSTGRES_VARIABLE)
                .ok()
                .filter(|u| !u.is_empty())?;
            Some(Cluster::open(&url))
        })
        .as_ref()
}

impl Cluster {
    fn open(url: &str) -> Self {
        assert!(
            Location::of(Path::new(url)).backend() == Backend::Postgres,
            "{POSTGRES_VARIABLE} must be a postgres:// URL, not {url:?}"
        );
        let url = url.trim_end_matches('/');
        let after_scheme = url.find("://").map_or(0, |i| i + 3);
        let base = match url[after_scheme..].find('/') {
            Some(slash) => &url[..after_scheme + slash],
            None => url,
        }
        .to_owned();
        let admin_url = if base.len() < url.len() {
            url.to_owned()
        } else {
            format!("{base}/postgres")
        };
        let mut admin = PgConnection::establish(&admin_url)
            .unwrap_or_else(|e| panic!("{POSTGRES_VARIABLE}: cannot connect: {e}"));
        forget_earlier_runs(&mut admin);
        // Unique per process, so that two test processes on one cluster
        // never share a template or a copy.
        let template = format!("colloquy_template_{}", std::process::id());
        // One statement each: neither may run inside a transaction block,
        // which several in one query string would make.
        for statement in [
            format!("DROP DATABASE IF EXISTS {template}"),
            format!("CREATE DATABASE {template}"),
        ] {
            admin.batch_execute(&statement).unwrap();
        }
        {
            // One connection, closed before the first copy: a template
            // must have no other session.
            let mut conn =
                db::pool::establish(&Location::Postgres(format!("{base}/{template}"))).unwrap();
            db::migrate(&mut conn).unwrap();
        }
        Self {
            base,
            admin: Mutex::new(admin),
            template,
            next: std::sync::atomic::AtomicU32::new(1),
        }
    }

    fn copy_template(&self) -> String {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("{}_{n}", self.template.replace("template", "test"));
        let mut admin = self.admin.lock().unwrap_or_else(|e| e.into_inner());
        admin
            .batch_execute(&format!(
                "CREATE DATABASE {name} TEMPLATE {}",
                self.template
            ))
            .unwrap();
        name
    }

    fn drop_database(&self, name: &str) {
        let mut admin = self.admin.lock().unwrap_or_else(|e| e.into_inner());
        // FORCE ends the sessions the test's server still holds.
        let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    }
}

/// Drops the template and copies that earlier test processes on this
/// machine left behind (a process killed before its tests ended, and every
/// run's template), so that a long-lived cluster does not fill up.
fn forget_earlier_runs(admin: &mut PgConnection) {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        datname: String,
    }
    let names: Vec<Name> = diesel::sql_query(
        "SELECT datname::text AS datname FROM pg_database \
         WHERE datname LIKE 'colloquy\\_template\\_%' OR datname LIKE 'colloquy\\_test\\_%'",
    )
    .load(admin)
    .unwrap();
    for Name { datname } in names {
        let pid = datname
            .trim_start_matches("colloquy_template_")
            .trim_start_matches("colloquy_test_")
            .split('_')
            .next()
            .and_then(|p| p.parse::<u32>().ok());
        let gone = pid.is_some_and(|p| !Path::new(&format!("/proc/{p}")).exists());
        if gone {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {datname} WITH (FORCE)"));
        }
    }
}
