//! Readers' notices (DSA art. 16): a report that a comment is illegal or
//! breaks the comment policy, and how a moderator resolved it.
//!
//! The invariant: a notice raises its comment in the flagged queue (its
//! `flag_count`) in the transaction that stores it, and is resolved once,
//! by a moderator or by a decision on its comment, with a log entry.
//! The notifier's name and address are read only by moderators' queries.

use super::DbConn;
use super::log::{self, LogEntry};
use super::schema::{comments, notices};
use crate::domain::comment::CommentId;
use diesel::prelude::*;

/// A stored notice.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = notices, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Notice {
    /// Row id.
    pub id: i32,
    /// The comment reported.
    pub comment_id: CommentId,
    /// `illegal` or `terms`.
    pub category: String,
    /// Why, in the notifier's words.
    pub explanation: String,
    /// The law named.
    pub law: Option<String>,
    /// The notifier's name.
    pub notifier_name: Option<String>,
    /// The notifier's address.
    pub notifier_email: Option<String>,
    /// The good-faith statement was made.
    pub good_faith: bool,
    /// When received.
    pub created_at: i64,
    /// When resolved.
    pub resolved_at: Option<i64>,
    /// `action_taken` or `no_action`.
    pub outcome: Option<String>,
    /// The moderator's reason.
    pub resolution: Option<String>,
    /// Who resolved it.
    pub moderator_id: Option<i32>,
}

/// A notice to store.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = notices)]
pub struct NewNotice<'a> {
    /// The comment reported.
    pub comment_id: CommentId,
    /// `illegal` or `terms`.
    pub category: &'a str,
    /// Why.
    pub explanation: &'a str,
    /// The law named.
    pub law: Option<&'a str>,
    /// The notifier's name.
    pub notifier_name: Option<&'a str>,
    /// The notifier's address.
    pub notifier_email: Option<&'a str>,
    /// The good-faith statement.
    pub good_faith: bool,
    /// When received.
    pub created_at: i64,
}

/// Stores a notice and raises its comment in the flagged queue; returns
/// its id.
pub fn insert(conn: &mut DbConn, new: &NewNotice<'_>) -> QueryResult<i32> {
    crate::db::write(conn, |conn| {
        let id = diesel::insert_into(notices::table)
            .values(new)
            .returning(notices::id)
            .get_result(conn)?;
        diesel::update(comments::table.find(new.comment_id))
            .set(comments::flag_count.eq(comments::flag_count + 1))
            .execute(conn)?;
        Ok(id)
    })
}

/// One notice.
pub fn get(conn: &mut DbConn, id: i32) -> QueryResult<Option<Notice>> {
    notices::table
        .find(id)
        .select(Notice::as_select())
        .first(conn)
        .optional()
}

/// The open notices on a comment, oldest first.
pub fn open_on(conn: &mut DbConn, comment: CommentId) -> QueryResult<Vec<Notice>> {
    notices::table
        .filter(notices::comment_id.eq(comment))
        .filter(notices::resolved_at.is_null())
        .order(notices::id.asc())
        .select(Notice::as_select())
        .load(conn)
}

/// Every notice on a comment, oldest first.
pub fn on_comment(conn: &mut DbConn, comment: CommentId) -> QueryResult<Vec<Notice>> {
    notices::table
        .filter(notices::comment_id.eq(comment))
        .order(notices::id.asc())
        .select(Notice::as_select())
        .load(conn)
}

/// The open notices on any of `ids`, oldest first.
pub fn open_on_any(conn: &mut DbConn, ids: &[CommentId]) -> QueryResult<Vec<Notice>> {
    notices::table
        .filter(notices::comment_id.eq_any(ids))
        .filter(notices::resolved_at.is_null())
        .order(notices::id.asc())
        .select(Notice::as_select())
        .load(conn)
}

/// Whether a notice is open on `comment`, and if so the law the first
/// illegal one names: `None` when no notice is open.
pub fn open_law(conn: &mut DbConn, comment: CommentId) -> QueryResult<Option<Option<String>>> {
    let open = open_on(conn, comment)?;
    if open.is_empty() {
        return Ok(None);
    }
    Ok(Some(
        open.into_iter()
            .filter(|n| n.category == "illegal")
            .find_map(|n| n.law),
    ))
}

/// Resolves notice `id` (if open) with `outcome` and the moderator's
/// `resolution`, logged; its comment's count of open reports drops.
/// Returns the notice as it was, `None` when there is none or it was
/// already resolved.
pub fn resolve(
    conn: &mut DbConn,
    id: i32,
    (outcome, resolution): (&str, &str),
    moderator_id: Option<i32>,
    now: i64,
) -> QueryResult<Option<Notice>> {
    crate::db::write(conn, |conn| {
        let Some(notice) = get(conn, id)?.filter(|n| n.resolved_at.is_none()) else {
            return Ok(None);
        };
        diesel::update(notices::table.find(id))
            .set((
                notices::resolved_at.eq(now),
                notices::outcome.eq(outcome),
                notices::resolution.eq(resolution),
                notices::moderator_id.eq(moderator_id),
            ))
            .execute(conn)?;
        diesel::update(comments::table.find(notice.comment_id))
            .filter(comments::flag_count.gt(0))
            .set(comments::flag_count.eq(comments::flag_count - 1))
            .execute(conn)?;
        let post_id = comments::table
            .find(notice.comment_id)
            .select(comments::post_id)
            .first(conn)
            .optional()?;
        log::append(
            conn,
            &LogEntry::notice_resolved(
                now,
                moderator_id,
                (notice.id, notice.comment_id, post_id),
                outcome,
            ),
        )?;
        Ok(Some(notice))
    })
}

/// Every notice received from `from` (inclusive) to `to` (exclusive).
pub fn received_between(conn: &mut DbConn, from: i64, to: i64) -> QueryResult<Vec<Notice>> {
    notices::table
        .filter(notices::created_at.ge(from))
        .filter(notices::created_at.lt(to))
        .order(notices::id.asc())
        .select(Notice::as_select())
        .load(conn)
}

/// The notices whose notifier gave an address (with `address_key` equal
/// to `key`: trimmed, lower case), oldest first.
pub fn by_notifier(conn: &mut DbConn, key: &str) -> QueryResult<Vec<Notice>> {
    let with_address: Vec<Notice> = notices::table
        .filter(notices::notifier_email.is_not_null())
        .order(notices::id.asc())
        .select(Notice::as_select())
        .load(conn)?;
    Ok(with_address
        .into_iter()
        .filter(|n| {
            n.notifier_email
                .as_deref()
                .is_some_and(|e| crate::domain::outbox::address_key(e) == key)
        })
        .collect())
}

/// Forgets the notifier (name and address) of every notice filed from
/// the address `key` (see [`by_notifier`]); the notices stay, for the
/// moderation record and the report. Returns how many.
pub fn erase_notifier(conn: &mut DbConn, key: &str) -> QueryResult<usize> {
    crate::db::write(conn, |conn| {
        let ids: Vec<i32> = by_notifier(conn, key)?.iter().map(|n| n.id).collect();
        forget_notifiers(conn, &ids)
    })
}

/// The retention purge of notifiers: the name and address of notices
/// resolved before `cutoff` (an open notice keeps its address, to which
/// its outcome is still owed). Returns how many notices were purged.
pub fn purge_notifiers(
    conn: &mut DbConn,
    cutoff: i64,
    retention_days: u32,
    now: i64,
) -> QueryResult<usize> {
    crate::db::write(conn, |conn| {
        let ids: Vec<i32> = notices::table
            .filter(notices::resolved_at.lt(cutoff))
            .filter(
                notices::notifier_email
                    .is_not_null()
                    .or(notices::notifier_name.is_not_null()),
            )
            .select(notices::id)
            .load(conn)?;
        if ids.is_empty() {
            return Ok(0);
        }
        let forgotten = forget_notifiers(conn, &ids)?;
        log::append(
            conn,
            &LogEntry::notifier_purge(now, forgotten, retention_days),
        )?;
        Ok(forgotten)
    })
}

fn forget_notifiers(conn: &mut DbConn, ids: &[i32]) -> QueryResult<usize> {
    diesel::update(notices::table.filter(notices::id.eq_any(ids)))
        .set((
            notices::notifier_name.eq(None::<String>),
            notices::notifier_email.eq(None::<String>),
        ))
        .execute(conn)
}
