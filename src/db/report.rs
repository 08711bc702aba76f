//! The counts the transparency report (`service::transparency`) reads that
//! no other aggregate's module holds: readers' submissions and approvals
//! in a span of time. Counts and times only; nothing personal.

use super::DbConn;
use super::log::LogAction;
use super::schema::{comments, moderation_log};
use crate::domain::comment::CommentId;
use crate::domain::moderation::Kind;
use diesel::prelude::*;

/// Readers' comments submitted from `from` (inclusive) to `to` (exclusive).
pub fn submitted_between(conn: &mut DbConn, from: i64, to: i64) -> QueryResult<i64> {
    comments::table
        .filter(comments::kind.eq(Kind::Reader))
        .filter(comments::created_at.ge(from))
        .filter(comments::created_at.lt(to))
        .count()
        .get_result(conn)
}

/// An approval in the log: the comment (gone if erased since), when it
/// was approved, and when the comment was submitted (if it still exists).
pub type Approval = (Option<CommentId>, i64, Option<i64>);

/// Every approval logged from `from` (inclusive) to `to` (exclusive).
pub fn approvals_between(conn: &mut DbConn, from: i64, to: i64) -> QueryResult<Vec<Approval>> {
    moderation_log::table
        .left_join(comments::table)
        .filter(moderation_log::action.eq(LogAction::Approve))
        .filter(moderation_log::at.ge(from))
        .filter(moderation_log::at.lt(to))
        .select((
            moderation_log::comment_id,
            moderation_log::at,
            comments::created_at.nullable(),
        ))
        .load(conn)
}
