//! Rate limits kept in PostgreSQL, so that every instance on one database
//! counts against the same buckets (the `rate_buckets` UNLOGGED table).
//! Each try is one atomic statement on the server's clock: no instance's
//! clock and no read-then-write race can let a client past its burst.
//! SQLite keeps its limits in memory and never calls this module.

use super::DbConn;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Double, Text};

/// A limit's shape: one try per `interval` seconds on average, `burst`
/// tries at once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quota {
    /// Seconds between tries, on average.
    pub interval: f64,
    /// Tries allowed back to back.
    pub burst: u32,
}

impl Quota {
    /// How far `tat` may run ahead of now with a try still let through.
    fn tolerance(self) -> f64 {
        self.interval * f64::from(self.burst.max(1) - 1)
    }
}

#[derive(QueryableByName)]
struct Outcome {
    #[diesel(sql_type = Bool)]
    allowed: bool,
    #[diesel(sql_type = Double)]
    ahead: f64,
}

#[derive(QueryableByName)]
struct Ahead {
    #[diesel(sql_type = Double)]
    ahead: f64,
}

/// Small slack for floating-point seconds.
const EPSILON: f64 = 1e-6;

fn postgres_only() -> diesel::result::Error {
    diesel::result::Error::QueryBuilderError("shared rate limits live in PostgreSQL only".into())
}

/// Counts one try under `key`: `None` when it is let through, else the
/// seconds until the next try would be.
pub fn take(conn: &mut DbConn, key: &str, quota: Quota) -> QueryResult<Option<f64>> {
    let DbConn::Postgres(c) = conn else {
        return Err(postgres_only());
    };
    // `excluded.tat - $2` is now (the row that would have been inserted
    // holds now + interval); every right-hand side reads the old row.
    let outcome: Outcome = diesel::sql_query(
        "INSERT INTO rate_buckets AS b (key, tat, allowed) \
         VALUES ($1, extract(epoch FROM clock_timestamp())::float8 + $2, true) \
         ON CONFLICT (key) DO UPDATE SET \
           allowed = b.tat - (excluded.tat - $2) <= $3, \
           tat = CASE WHEN b.tat - (excluded.tat - $2) <= $3 \
                      THEN greatest(b.tat, excluded.tat - $2) + $2 \
                      ELSE b.tat END \
         RETURNING allowed, tat - extract(epoch FROM clock_timestamp())::float8 AS ahead",
    )
    .bind::<Text, _>(key)
    .bind::<Double, _>(quota.interval)
    .bind::<Double, _>(quota.tolerance() + EPSILON)
    .get_result(c)?;
    Ok((!outcome.allowed).then(|| (outcome.ahead - quota.tolerance()).max(0.0)))
}

/// Bars `key` for `seconds` from now (a sign-in lockout).
pub fn lock(conn: &mut DbConn, key: &str, seconds: f64) -> QueryResult<()> {
    let DbConn::Postgres(c) = conn else {
        return Err(postgres_only());
    };
    diesel::sql_query(
        "INSERT INTO rate_buckets (key, tat, allowed) \
         VALUES ($1, extract(epoch FROM clock_timestamp())::float8 + $2, false) \
         ON CONFLICT (key) DO UPDATE SET tat = excluded.tat, allowed = false",
    )
    .bind::<Text, _>(key)
    .bind::<Double, _>(seconds)
    .execute(c)?;
    Ok(())
}

/// The seconds `key` stays barred, if it is.
pub fn locked_for(conn: &mut DbConn, key: &str) -> QueryResult<Option<f64>> {
    let DbConn::Postgres(c) = conn else {
        return Err(postgres_only());
    };
    let found: Option<Ahead> = diesel::sql_query(
        "SELECT tat - extract(epoch FROM clock_timestamp())::float8 AS ahead \
         FROM rate_buckets WHERE key = $1",
    )
    .bind::<Text, _>(key)
    .get_result(c)
    .optional()?;
    Ok(found.map(|f| f.ahead).filter(|ahead| *ahead > 0.0))
}

/// Forgets buckets that limit no one any more (full again, or a lockout
/// that ended); returns how many.
pub fn forget_idle(conn: &mut DbConn) -> QueryResult<usize> {
    let DbConn::Postgres(c) = conn else {
        return Err(postgres_only());
    };
    diesel::sql_query(
        "DELETE FROM rate_buckets WHERE tat < extract(epoch FROM clock_timestamp())::float8",
    )
    .execute(c)
}
