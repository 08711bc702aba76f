//! Readers' reports on published comments.

use super::events::Ctx;
use super::not_found;
use crate::db::comments as comments_db;
use crate::db::moderation as moderation_db;
use crate::domain::comment::CommentId;
use crate::domain::moderation::Status;
use crate::error::ApiError;

/// A reader's report on the approved comment `id`: counted once per
/// comment and sender (`ip_hash`), it raises the comment in the flagged
/// queue; `comment.flagged` hooks hear of a counted one. 404 unless the
/// comment is published.
pub fn flag(
    ctx: &mut Ctx<'_>,
    id: CommentId,
    reason: &str,
    ip_hash: &str,
    now: i64,
) -> Result<bool, ApiError> {
    let notifier = ctx.notifier.clone();
    crate::db::write(ctx.conn, |conn| {
        let public = comments_db::get(conn, id)?.is_some_and(|c| c.status == Status::Approved);
        if !public {
            return Err(not_found::published_comment(id));
        }
        let counted = moderation_db::flag(conn, id, reason, ip_hash, now)?;
        if counted {
            notifier.flagged(conn, id, now)?;
        }
        Ok(counted)
    })
}
