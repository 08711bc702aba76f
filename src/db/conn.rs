//! One connection type for both backends. Diesel's `MultiConnection`
//! runs every ordinary query on either; [`on_backend!`] runs a query the
//! multi-backend cannot express (`ON CONFLICT`, a multi-row `INSERT`,
//! `RETURNING` a whole row) on the concrete connection underneath, once
//! per backend, so each arm is checked against its own SQL dialect.

use diesel::{PgConnection, SqliteConnection};
use std::path::PathBuf;

pub use any::DbConn;

mod any {
    // The derive writes a backend type and its impls without documentation.
    #![allow(missing_docs)]
    use super::{PgConnection, SqliteConnection};

    /// A connection to the SQLite file or to the PostgreSQL database.
    #[derive(diesel::MultiConnection)]
    pub enum DbConn {
        /// An embedded SQLite database file.
        Sqlite(SqliteConnection),
        /// A PostgreSQL server.
        Postgres(PgConnection),
    }
}

/// Which database engine a connection talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl DbConn {
    /// The engine this connection talks to.
    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }
}

/// Where the data lives: the `database` setting read as a SQLite file
/// path, or as a `postgres://` (or `postgresql://`) URL.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    /// The path of a SQLite file.
    Sqlite(PathBuf),
    /// A libpq connection URL (it may hold a password: see `Debug`).
    Postgres(String),
}

impl Location {
    /// Reads the `database` setting.
    pub fn of(database: &std::path::Path) -> Self {
        let text = database.to_string_lossy();
        let lower = text.to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            Self::Postgres(text.into_owned())
        } else {
            Self::Sqlite(database.to_path_buf())
        }
    }

    /// The engine at this location.
    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }
}

/// Shows the place without a password, so that it can go into logs and
/// error messages.
impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "{}", path.display()),
            Self::Postgres(url) => f.write_str(&crate::config::redact_password(url)),
        }
    }
}

impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Location({self})")
    }
}

/// Runs `$body` with `$c` bound to the concrete connection of whichever
/// backend `$conn` holds; the body is compiled once per backend.
macro_rules! on_backend {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::db::conn::DbConn::Sqlite($c) => $body,
            $crate::db::conn::DbConn::Postgres($c) => $body,
        }
    };
}
pub(crate) use on_backend;

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn a_postgres_url_is_postgres_and_anything_else_a_file() {
        assert_eq!(
            Location::of(Path::new("postgres://u:p@h/db")).backend(),
            Backend::Postgres
        );
        assert_eq!(
            Location::of(Path::new("PostgreSQL://h/db")).backend(),
            Backend::Postgres
        );
        assert_eq!(
            Location::of(Path::new("data/colloquy.db")),
            Location::Sqlite(PathBuf::from("data/colloquy.db"))
        );
    }

    #[test]
    fn a_location_never_shows_its_password() {
        let place = Location::of(Path::new("postgres://blog:hunter2@db:5432/c"));
        assert_eq!(place.to_string(), "postgres://blog:***@db:5432/c");
        assert!(!format!("{place:?}").contains("hunter2"));
    }
}
