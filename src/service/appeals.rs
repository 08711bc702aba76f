//! Readers' appeals (DSA art. 20): one per decision, from the statement
//! page's token; decided by another moderator through the ordinary
//! decisions (approve reverses and publishes, reject or spam upholds).

use crate::db::DbConn;
use crate::db::appeals::{self as appeals_db, Appeal};
use crate::db::comments::Comment;
use crate::db::statements as statements_db;
use crate::domain::comment::CommentId;
use crate::domain::moderation::Status;
use crate::error::ApiError;

/// Longest appeal.
pub const MAX_APPEAL: usize = 5_000;

/// A reader appeals the statement their `token` opens with `text`: 422
/// for an empty or over-long text, 404 for an unknown token, 409 when the
/// decision was appealed already or no longer stands. Returns its id.
pub fn submit(conn: &mut DbConn, token: &str, text: &str, now: i64) -> Result<i32, ApiError> {
    let text = crate::domain::text::multi_line("text", text, MAX_APPEAL)
        .map_err(|e| ApiError::Validation(vec![e]))?;
    crate::db::write(conn, |conn| {
        let statement = super::statements::by_token(conn, token)?.ok_or_else(|| {
            ApiError::NotFound("This link does not open a statement of reasons.".into())
        })?;
        let newest = statements_db::latest(conn, statement.comment_id)?;
        let comment = crate::db::comments::get(conn, statement.comment_id)?;
        let stands = newest.is_some_and(|n| n.id == statement.id)
            && comment.is_some_and(|c| c.status == statement.status);
        if !stands {
            return Err(ApiError::Conflict(
                "This decision has been changed since; there is nothing to appeal.".into(),
            ));
        }
        appeals_db::insert(
            conn,
            statement.id,
            (statement.comment_id, statement.post_id),
            &text,
            now,
        )?
        .ok_or_else(|| ApiError::Conflict("This decision was already appealed.".into()))
    })
}

/// The open appeals a decision by `moderator` on `before` decides: 403 if
/// `moderator` made a decision appealed against.
pub fn deciding(
    conn: &mut DbConn,
    before: &[CommentId],
    moderator: i32,
) -> Result<Vec<Appeal>, ApiError> {
    let open = appeals_db::open_on_any(conn, before)?;
    for appeal in &open {
        let decider = statements_db::get(conn, appeal.statement_id)?.and_then(|s| s.moderator_id);
        if decider == Some(moderator) {
            return Err(ApiError::Forbidden(format!(
                "You made the decision on comment {} that its author appealed; another moderator decides the appeal.",
                appeal.comment_id
            )));
        }
    }
    Ok(open)
}

/// Records the outcome of each of `open` that a decision to `to` on
/// `before` decides: approving reverses, anything else upholds.
pub fn decided(
    conn: &mut DbConn,
    notifier: &super::notify::Notifier,
    open: &[Appeal],
    before: &[Comment],
    to: Status,
    moderator: i32,
    now: i64,
) -> Result<(), ApiError> {
    for appeal in open {
        let Some(comment) = before.iter().find(|c| c.id == appeal.comment_id) else {
            continue;
        };
        let reversed = to == Status::Approved;
        appeals_db::decide(conn, appeal, comment.post_id, reversed, moderator, now)?;
        notifier.appeal_decided(conn, comment, (appeal.id, reversed), now)?;
    }
    Ok(())
}
