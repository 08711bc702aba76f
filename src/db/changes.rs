//! Hearing what other instances change (PostgreSQL): a connection of its
//! own that `LISTEN`s on the channel the triggers of migration
//! `2026-12-06-000202_thread_changes` notify at each commit that changes
//! what a public thread shows.

use super::conn::Location;
use crate::domain::post::PostId;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

/// The channel the triggers notify.
pub const CHANNEL: &str = "colloquy_threads";

/// The `application_name` of the listening connections.
pub const APPLICATION_NAME: &str = "colloquy-listener";

/// What one notification says changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The post's thread, count or feed (`p<id>`).
    Thread(PostId),
    /// The post, and which slug names which post (`s<id>`).
    Slugs(PostId),
    /// Something this version cannot read: assume anything changed.
    Unknown,
}

impl Change {
    /// Reads a notification's payload.
    pub fn parse(payload: &str) -> Self {
        let id = |rest: &str| rest.parse::<i32>().ok().map(PostId);
        match payload.split_at_checked(1) {
            Some(("p", rest)) => id(rest).map_or(Self::Unknown, Self::Thread),
            Some(("s", rest)) => id(rest).map_or(Self::Unknown, Self::Slugs),
            _ => Self::Unknown,
        }
    }
}

/// A listening connection.
pub struct Listener {
    conn: PgConnection,
}

impl std::fmt::Debug for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Listener")
    }
}

impl Listener {
    /// Connects to `url` and listens; from the moment this returns, no
    /// committed change is missed while the connection lives.
    pub fn connect(location: &Location) -> anyhow::Result<Self> {
        let Location::Postgres(url) = location else {
            anyhow::bail!("only PostgreSQL notifies other instances");
        };
        let mut conn = PgConnection::establish(url)
            .map_err(|e| anyhow::anyhow!("connecting to {location}: {e}"))?;
        // Named, so that an operator can tell it in `pg_stat_activity`.
        conn.batch_execute(&format!(
            "SET application_name = '{APPLICATION_NAME}'; LISTEN {CHANNEL}"
        ))?;
        Ok(Self { conn })
    }

    /// The changes notified since the last call, without waiting; an
    /// error when the connection is lost (then changes may have been
    /// missed).
    pub fn changes(&mut self) -> diesel::QueryResult<Vec<Change>> {
        self.conn
            .notifications_iter()
            .map(|n| n.map(|n| Change::parse(&n.payload)))
            .collect()
    }

    /// Asks the server something, so that a connection that died without
    /// a word (a server gone, a cable out) is noticed.
    pub fn ping(&mut self) -> diesel::QueryResult<()> {
        self.conn.batch_execute("SELECT 1")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_name_the_post_and_anything_else_is_unknown() {
        assert_eq!(Change::parse("p42"), Change::Thread(PostId(42)));
        assert_eq!(Change::parse("s7"), Change::Slugs(PostId(7)));
        for odd in ["", "p", "px", "q1", "p-", "é1"] {
            assert_eq!(Change::parse(odd), Change::Unknown, "{odd}");
        }
    }
}
