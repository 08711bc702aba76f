//! Turns of periodic background jobs, so that each runs once per period
//! across every instance on the database rather than once per instance
//! (`job_runs`).

use super::DbConn;
use super::schema::job_runs;
use diesel::prelude::*;

/// Claims the turn of the job `name` at `now` (seconds) when it is due,
/// and makes the next one due `every` seconds later; false when another
/// instance (or this one) already took this turn. One UPDATE decides: of
/// instances claiming together, exactly one changes the row (PostgreSQL
/// re-reads a row it waited for; SQLite writes one at a time).
pub fn claim(conn: &mut DbConn, name: &str, now: i64, every: i64) -> QueryResult<bool> {
    super::conn::on_backend!(conn, c => diesel::insert_into(job_runs::table)
        .values((
            job_runs::name.eq(name),
            job_runs::due_at.eq(i64::MIN),
            job_runs::runs.eq(0),
        ))
        .on_conflict_do_nothing()
        .execute(c))?;
    let claimed = diesel::update(
        job_runs::table
            .filter(job_runs::name.eq(name))
            .filter(job_runs::due_at.le(now)),
    )
    .set((
        job_runs::due_at.eq(now.saturating_add(every)),
        job_runs::runs.eq(job_runs::runs + 1),
    ))
    .execute(conn)?;
    Ok(claimed == 1)
}

/// How many turns of `name` were taken so far.
pub fn runs(conn: &mut DbConn, name: &str) -> QueryResult<i64> {
    Ok(job_runs::table
        .find(name)
        .select(job_runs::runs)
        .first(conn)
        .optional()?
        .unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_turn_is_taken_once_and_the_next_when_it_comes() {
        let mut conn = <DbConn as diesel::Connection>::establish(":memory:").unwrap();
        super::super::migrate(&mut conn).unwrap();
        assert!(claim(&mut conn, "sweep", 1_000, 300).unwrap());
        assert!(!claim(&mut conn, "sweep", 1_000, 300).unwrap());
        assert!(!claim(&mut conn, "sweep", 1_299, 300).unwrap());
        assert!(
            claim(&mut conn, "other", 1_000, 60).unwrap(),
            "jobs are apart"
        );
        assert!(claim(&mut conn, "sweep", 1_300, 300).unwrap());
        assert_eq!(runs(&mut conn, "sweep").unwrap(), 2);
        assert_eq!(runs(&mut conn, "never").unwrap(), 0);
    }
}
