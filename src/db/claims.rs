//! Claims: "being handled" marks on queue items, so that two moderators
//! see when they have opened the same comment. Short-lived, not logged.

use super::DbConn;
use super::schema::{claims, comments, moderators};
use crate::domain::comment::CommentId;
use crate::domain::moderation::CLAIM_TTL_SECS;
use diesel::prelude::*;

/// A fresh claim: the comment, who holds it and since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The comment claimed.
    pub comment_id: CommentId,
    /// The holder's account id.
    pub moderator_id: i32,
    /// The holder's user name.
    pub username: String,
    /// The holder's display name.
    pub display_name: String,
    /// When the claim was made or last renewed.
    pub claimed_at: i64,
}

/// Claims `comment_id` for `moderator_id`, unless someone else holds a
/// fresh claim on it. Returns the claim that stands (the caller's own, or
/// the other moderator's) and the comment's status; `None` when there is
/// no such comment.
pub fn claim(
    conn: &mut DbConn,
    comment_id: CommentId,
    moderator_id: i32,
    now: i64,
) -> QueryResult<Option<(Claim, String)>> {
    crate::db::write(conn, |conn| {
        let Some(status) = comments::table
            .find(comment_id)
            .select(comments::status)
            .first::<String>(conn)
            .optional()?
        else {
            return Ok(None);
        };
        let held = fresh(conn, Some(&[comment_id]), now)?.into_iter().next();
        if let Some(other) = held.filter(|c| c.moderator_id != moderator_id) {
            return Ok(Some((other, status)));
        }
        super::conn::on_backend!(conn, c => diesel::insert_into(claims::table)
            .values((
                claims::comment_id.eq(comment_id),
                claims::moderator_id.eq(moderator_id),
                claims::claimed_at.eq(now),
            ))
            .on_conflict(claims::comment_id)
            .do_update()
            .set((
                claims::moderator_id.eq(moderator_id),
                claims::claimed_at.eq(now),
            ))
            .execute(c))?;
        let mine = fresh(conn, Some(&[comment_id]), now)?.into_iter().next();
        Ok(mine.map(|c| (c, status)))
    })
}

/// Gives up `moderator_id`'s claim on `comment_id`, if they hold one.
pub fn release(conn: &mut DbConn, comment_id: CommentId, moderator_id: i32) -> QueryResult<()> {
    diesel::delete(
        claims::table
            .filter(claims::comment_id.eq(comment_id))
            .filter(claims::moderator_id.eq(moderator_id)),
    )
    .execute(conn)
    .map(drop)
}

/// Removes every claim on these comments (they have been decided).
pub fn clear(conn: &mut DbConn, comment_ids: &[CommentId]) -> QueryResult<()> {
    diesel::delete(claims::table.filter(claims::comment_id.eq_any(comment_ids)))
        .execute(conn)
        .map(drop)
}

/// Fresh claims, on `ids` only when given.
pub fn fresh(conn: &mut DbConn, ids: Option<&[CommentId]>, now: i64) -> QueryResult<Vec<Claim>> {
    let mut query = claims::table
        .inner_join(moderators::table)
        .filter(claims::claimed_at.gt(now - CLAIM_TTL_SECS))
        .select((
            claims::comment_id,
            claims::moderator_id,
            moderators::username,
            moderators::display_name,
            claims::claimed_at,
        ))
        .order(claims::comment_id.asc())
        .into_boxed();
    if let Some(ids) = ids {
        query = query.filter(claims::comment_id.eq_any(ids));
    }
    let rows: Vec<(CommentId, i32, String, String, i64)> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(comment_id, moderator_id, username, display_name, claimed_at)| Claim {
                comment_id,
                moderator_id,
                username,
                display_name,
                claimed_at,
            },
        )
        .collect())
}

/// Deletes claims that are no longer fresh.
pub fn purge(conn: &mut DbConn, now: i64) -> QueryResult<usize> {
    diesel::delete(claims::table.filter(claims::claimed_at.le(now - CLAIM_TTL_SECS))).execute(conn)
}
