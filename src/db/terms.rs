//! The editable lists of banned and suspect terms.

use super::DbConn;
use super::log::{self, LogEntry};
use super::schema::{moderators, terms};
use crate::domain::terms::{Term, TermKind};
use diesel::prelude::*;

/// A stored term.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = terms, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct TermRow {
    /// Row id.
    pub id: i32,
    /// As the moderator wrote it.
    pub term: String,
    /// The folded form, unique across both lists.
    pub folded: String,
    /// `banned` or `suspect`.
    pub kind: TermKind,
    /// For a banned term, the rejection reason it cites.
    pub reason: Option<String>,
    /// Who added it.
    pub moderator_id: Option<i32>,
    /// When.
    pub created_at: i64,
}

/// Why a term could not be added.
#[derive(Debug, thiserror::Error)]
pub enum TermError {
    /// The same term (once folded) is on one of the lists already.
    #[error("the term is listed already")]
    Exists,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// Adds a term and logs it, in one transaction.
pub fn add(
    conn: &mut DbConn,
    term: &Term,
    kind: TermKind,
    moderator_id: i32,
    now: i64,
) -> Result<TermRow, TermError> {
    crate::db::write(conn, |conn| {
        let row: TermRow = super::conn::on_backend!(conn, c => diesel::insert_into(terms::table)
            .values((
                terms::term.eq(&term.text),
                terms::folded.eq(term.key()),
                terms::kind.eq(kind),
                terms::reason.eq(&term.reason),
                terms::moderator_id.eq(moderator_id),
                terms::created_at.eq(now),
            ))
            .returning(TermRow::as_returning())
            .get_result(c))
        .map_err(|e| {
            if super::is_unique_violation(&e) {
                TermError::Exists
            } else {
                TermError::Db(e)
            }
        })?;
        log::append(
            conn,
            &LogEntry::term(
                now,
                moderator_id,
                false,
                (row.kind.as_str(), row.term.as_str(), row.reason.as_deref()),
            ),
        )?;
        Ok(row)
    })
}

/// Removes a term and logs it; `false` when there was no such term.
pub fn remove(conn: &mut DbConn, id: i32, moderator_id: i32, now: i64) -> QueryResult<bool> {
    crate::db::write(conn, |conn| {
        let Some(row) = terms::table
            .find(id)
            .select(TermRow::as_select())
            .first(conn)
            .optional()?
        else {
            return Ok(false);
        };
        diesel::delete(terms::table.find(id)).execute(conn)?;
        log::append(
            conn,
            &LogEntry::term(
                now,
                moderator_id,
                true,
                (row.kind.as_str(), row.term.as_str(), row.reason.as_deref()),
            ),
        )?;
        Ok(true)
    })
}

/// Every term with the user name of who added it, in the order added.
pub fn list(conn: &mut DbConn) -> QueryResult<Vec<(TermRow, Option<String>)>> {
    terms::table
        .left_join(moderators::table)
        .select((TermRow::as_select(), moderators::username.nullable()))
        .order(terms::id.asc())
        .load(conn)
}

/// The banned and suspect lists, ready for matching. A banned term added
/// without a reason cites `default_reason`.
pub fn load(conn: &mut DbConn, default_reason: &str) -> QueryResult<(Vec<Term>, Vec<Term>)> {
    // On the concrete connection (every submission asks): cached by type.
    let rows: Vec<(String, String, Option<String>)> = super::conn::on_backend!(conn, c => terms::table
            .select((terms::term, terms::kind, terms::reason))
            .order(terms::id.asc())
            .load(c))?;
    let mut banned = Vec::new();
    let mut suspect = Vec::new();
    for (text, kind, reason) in rows {
        match TermKind::parse(&kind) {
            Some(TermKind::Banned) => banned.extend(Term::new(
                &text,
                Some(reason.unwrap_or_else(|| default_reason.to_owned())),
            )),
            Some(TermKind::Suspect) => suspect.extend(Term::new(&text, None)),
            None => {}
        }
    }
    Ok((banned, suspect))
}
