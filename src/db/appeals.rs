//! Readers' appeals against a statement of reasons (DSA art. 20): one per
//! statement (a UNIQUE column says so), decided once, each step logged.

use super::DbConn;
use super::log::{self, LogEntry};
use super::schema::appeals;
use crate::domain::comment::CommentId;
use crate::domain::post::PostId;
use diesel::prelude::*;

/// A stored appeal.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = appeals, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Appeal {
    /// Row id.
    pub id: i32,
    /// The statement appealed against.
    pub statement_id: i32,
    /// Its comment.
    pub comment_id: CommentId,
    /// The reader's words.
    pub text: String,
    /// When received.
    pub created_at: i64,
    /// When decided.
    pub decided_at: Option<i64>,
    /// `upheld` or `reversed`.
    pub outcome: Option<String>,
    /// Who decided it.
    pub moderator_id: Option<i32>,
}

/// Stores an appeal against `statement_id` and logs it; `None` when that
/// statement was already appealed.
pub fn insert(
    conn: &mut DbConn,
    statement_id: i32,
    (comment_id, post_id): (CommentId, PostId),
    text: &str,
    now: i64,
) -> QueryResult<Option<i32>> {
    crate::db::write(conn, |conn| {
        let id: Option<i32> = super::conn::on_backend!(conn, c => diesel::insert_into(appeals::table)
            .values((
                appeals::statement_id.eq(statement_id),
                appeals::comment_id.eq(comment_id),
                appeals::text.eq(text),
                appeals::created_at.eq(now),
            ))
            .on_conflict_do_nothing()
            .returning(appeals::id)
            .get_result(c)
            .optional())?;
        if id.is_some() {
            log::append(
                conn,
                &LogEntry::appeal(now, (comment_id, post_id), statement_id),
            )?;
        }
        Ok(id)
    })
}

/// The open appeals on any of `ids`.
pub fn open_on_any(conn: &mut DbConn, ids: &[CommentId]) -> QueryResult<Vec<Appeal>> {
    appeals::table
        .filter(appeals::comment_id.eq_any(ids))
        .filter(appeals::decided_at.is_null())
        .select(Appeal::as_select())
        .load(conn)
}

/// Records an appeal's outcome and logs it (`appeal_upheld` or
/// `appeal_reversed`).
pub fn decide(
    conn: &mut DbConn,
    appeal: &Appeal,
    post_id: PostId,
    reversed: bool,
    moderator_id: i32,
    now: i64,
) -> QueryResult<()> {
    crate::db::write(conn, |conn| {
        diesel::update(appeals::table.find(appeal.id))
            .set((
                appeals::decided_at.eq(now),
                appeals::outcome.eq(if reversed { "reversed" } else { "upheld" }),
                appeals::moderator_id.eq(moderator_id),
            ))
            .execute(conn)?;
        log::append(
            conn,
            &LogEntry::appeal_decided(now, moderator_id, (appeal.comment_id, post_id), reversed),
        )
    })
}

/// Every appeal received from `from` (inclusive) to `to` (exclusive).
pub fn received_between(conn: &mut DbConn, from: i64, to: i64) -> QueryResult<Vec<Appeal>> {
    appeals::table
        .filter(appeals::created_at.ge(from))
        .filter(appeals::created_at.lt(to))
        .select(Appeal::as_select())
        .load(conn)
}

/// Every appeal decided from `from` (inclusive) to `to` (exclusive).
pub fn decided_between(conn: &mut DbConn, from: i64, to: i64) -> QueryResult<Vec<Appeal>> {
    appeals::table
        .filter(appeals::decided_at.ge(from))
        .filter(appeals::decided_at.lt(to))
        .select(Appeal::as_select())
        .load(conn)
}
