//! Decisions, reader flags and the append-only moderation log.

use super::DbConn;
use super::comments::{Comment, NewCommentRow};
use super::log::{self, LogAction, LogEntry};
use super::schema::{comments, flags};
use crate::domain::comment::CommentId;
use crate::domain::moderation::{Decision, Status};
use diesel::prelude::*;

/// Applies one decision to each of `ids` that exists, logging each, in one
/// transaction; reader flags on them are resolved. Returns the comments as
/// they were before (callers need their posts and old statuses).
pub fn decide(
    conn: &mut DbConn,
    ids: &[CommentId],
    decision: &Decision,
    moderator_id: i32,
    now: i64,
) -> QueryResult<Vec<Comment>> {
    crate::db::write(conn, |conn| {
        let before: Vec<Comment> = comments::table
            .filter(comments::id.eq_any(ids))
            .select(Comment::as_select())
            .load(conn)?;
        let found: Vec<CommentId> = before.iter().map(|c| c.id).collect();
        diesel::update(comments::table.filter(comments::id.eq_any(&found)))
            .set((
                comments::status.eq(decision.status()),
                comments::reason.eq(decision.reason()),
                comments::moderator_id.eq(moderator_id),
                comments::moderated_at.eq(now),
                comments::flag_count.eq(0),
            ))
            .execute(conn)?;
        diesel::update(flags::table.filter(flags::comment_id.eq_any(&found)))
            .set(flags::resolved.eq(true))
            .execute(conn)?;
        super::claims::clear(conn, &found)?;
        for comment in &before {
            log::append(
                conn,
                &LogEntry::decision(
                    now,
                    moderator_id,
                    decision_action(decision),
                    (comment.id, comment.post_id),
                    decision.reason(),
                    comment.status.as_str(),
                ),
            )?;
        }
        Ok(before)
    })
}

/// The log's name for a decision.
fn decision_action(decision: &Decision) -> LogAction {
    match decision {
        Decision::Approve => LogAction::Approve,
        Decision::Reject { .. } => LogAction::Reject,
        Decision::Spam => LogAction::Spam,
    }
}

/// Approves a comment and publishes an official reply to it, in one
/// transaction (both logged). Returns the comment as it was before, and
/// the reply; `None` when there is no such comment.
pub fn approve_and_reply(
    conn: &mut DbConn,
    comment_id: CommentId,
    reply: &NewCommentRow<'_>,
    moderator_id: i32,
    now: i64,
) -> QueryResult<Option<(Comment, Comment)>> {
    crate::db::write(conn, |conn| {
        let Some(before) = decide(conn, &[comment_id], &Decision::Approve, moderator_id, now)?
            .into_iter()
            .next()
        else {
            return Ok(None);
        };
        let reply = super::comments::insert_official(conn, reply, moderator_id)?;
        Ok(Some((before, reply)))
    })
}

/// Stores a reader's comment that a banned term rejects: filed as
/// `rejected` citing `reason`, with a log entry by the system, in one
/// transaction. Returns its id.
pub fn insert_rejected(
    conn: &mut DbConn,
    row: &NewCommentRow<'_>,
    reason: &str,
    now: i64,
) -> QueryResult<CommentId> {
    crate::db::write(conn, |conn| {
        let id = super::comments::insert(
            conn,
            &NewCommentRow {
                status: Status::Rejected,
                moderated_at: Some(now),
                ..row.clone()
            },
        )?;
        let comment: Comment = super::conn::on_backend!(conn, c => diesel::update(comments::table.find(id))
            .set(comments::reason.eq(reason))
            .returning(Comment::as_returning())
            .get_result(c))?;
        log::append(
            conn,
            &LogEntry::banned_term(now, (comment.id, comment.post_id), reason),
        )?;
        Ok(id)
    })
}

/// Records a reader's flag; one counted flag per comment and IP hash.
/// Returns whether it was counted.
pub fn flag(
    conn: &mut DbConn,
    comment_id: CommentId,
    reason: &str,
    ip_hash: &str,
    now: i64,
) -> QueryResult<bool> {
    crate::db::write(conn, |conn| {
        let inserted = super::conn::on_backend!(conn, c => diesel::insert_into(flags::table)
            .values((
                flags::comment_id.eq(comment_id),
                flags::reason.eq(reason),
                flags::ip_hash.eq(ip_hash),
                flags::created_at.eq(now),
            ))
            .on_conflict_do_nothing()
            .execute(c))?;
        if inserted > 0 {
            diesel::update(comments::table.find(comment_id))
                .set(comments::flag_count.eq(comments::flag_count + 1))
                .execute(conn)?;
        }
        Ok(inserted > 0)
    })
}

/// The open flag reasons on a comment, newest first.
pub fn flag_reasons(conn: &mut DbConn, comment_id: CommentId) -> QueryResult<Vec<String>> {
    flags::table
        .filter(flags::comment_id.eq(comment_id))
        .filter(flags::resolved.eq(false))
        .order(flags::id.desc())
        .select(flags::reason)
        .load(conn)
}
