//! Reads the moderators' views share: the queue's filters, a post by
//! slug, queue rows with their context in the moderator's shape, and the
//! comments log entries are about.

use super::views::{LoggedCommentView, ModComment, permalink};
use crate::config::Settings;
use crate::db::comments::{self as comments_db, QueueSpec};
use crate::db::log::LogRow;
use crate::db::posts as posts_db;
use crate::db::workspace as workspace_db;
use crate::domain::comment::CommentId;
use crate::domain::moderation::{QueueFilter, Status};
use crate::domain::post::PostId;
use crate::domain::text::excerpt;
use crate::domain::time::now;
use crate::error::ApiError;
use crate::service::not_found;
use crate::service::posts::permalink_page;
use std::collections::HashMap;

/// Longest `q` text filter, in characters.
pub const MAX_QUERY_TEXT: usize = 200;

/// Characters of a comment's text a log entry shows.
pub const LOG_EXCERPT_CHARS: usize = 100;

/// Reads the filters shared by the queue and the stats: the tab, the post
/// (by slug; resolved later), the text and the order.
pub(crate) fn queue_spec(
    status: Option<&str>,
    q: Option<&str>,
    order: Option<&str>,
) -> Result<QueueSpec, ApiError> {
    let filter = match status {
        None | Some("") => QueueFilter::Status(Status::Pending),
        Some(s) => QueueFilter::parse(s).ok_or_else(|| {
            ApiError::BadRequest(
                "status must be pending, approved, rejected, spam, flagged or appealed".into(),
            )
        })?,
    };
    let newest_first = match order {
        None | Some("") | Some("oldest") => false,
        Some("newest") => true,
        Some(_) => {
            return Err(ApiError::BadRequest(
                "order must be oldest or newest".into(),
            ));
        }
    };
    let text = q.map(str::trim).filter(|t| !t.is_empty());
    if text.is_some_and(|t| t.chars().count() > MAX_QUERY_TEXT) {
        return Err(ApiError::BadRequest(format!(
            "q must be at most {MAX_QUERY_TEXT} characters"
        )));
    }
    Ok(QueueSpec {
        filter: Some(filter),
        post_id: None,
        id: None,
        text: text.map(str::to_owned),
        newest_first,
    })
}

/// Reads the queue's `id` filter: empty is none; anything but a whole
/// number from 1 is a 400. An id no comment has simply finds nothing.
pub(crate) fn comment_filter(id: Option<&str>) -> Result<Option<CommentId>, ApiError> {
    match id.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(text) => text
            .parse::<i32>()
            .ok()
            .filter(|n| *n > 0)
            .map(|n| Some(CommentId(n)))
            .ok_or_else(|| ApiError::BadRequest("id must be a comment id".into())),
    }
}

/// The id of the post `slug`, or a 404.
pub(crate) fn post_id(
    conn: &mut crate::db::DbConn,
    slug: Option<&str>,
) -> Result<Option<PostId>, ApiError> {
    match slug.filter(|s| !s.is_empty()) {
        Some(slug) => Ok(Some(
            posts_db::by_slug(conn, slug)?
                .ok_or_else(|| not_found::post(slug))?
                .id,
        )),
        None => Ok(None),
    }
}

/// Queue rows in the moderator's shape, each with its context.
pub(crate) fn with_context(
    conn: &mut crate::db::DbConn,
    rows: Vec<comments_db::QueueRow>,
    viewer: i32,
) -> Result<Vec<ModComment>, ApiError> {
    let items: Vec<&comments_db::Comment> = rows.iter().map(|(c, ..)| c).collect();
    let contexts = workspace_db::context(conn, &items, now())?;
    Ok(rows
        .into_iter()
        .zip(contexts)
        .map(|(row, context)| ModComment::with_context(row, context, viewer))
        .collect())
}

/// One comment in the moderator's shape, with its context (404 when it
/// is gone).
pub(crate) fn moderator_item(
    conn: &mut crate::db::DbConn,
    id: CommentId,
    viewer: i32,
) -> Result<ModComment, ApiError> {
    let row = comments_db::queue_item(conn, id)?.ok_or_else(|| not_found::comment(id))?;
    with_context(conn, vec![row], viewer)?
        .pop()
        .ok_or_else(|| not_found::comment(id))
}

/// What the log shows of the comments the entries `rows` are about, by
/// id: an excerpt of the source text, the status, and the permalink of an
/// approved one. A comment that is gone has no entry.
pub(crate) fn logged_comments(
    conn: &mut crate::db::DbConn,
    settings: &Settings,
    rows: &[LogRow],
) -> Result<HashMap<CommentId, LoggedCommentView>, ApiError> {
    let mut ids: Vec<CommentId> = rows.iter().filter_map(|((.., c, _, _), ..)| *c).collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(comments_db::logged(conn, &ids)?
        .into_iter()
        .map(|c| {
            let link = (c.status == Status::Approved).then(|| {
                permalink(
                    &permalink_page(settings, &c.post_slug, c.post_url.as_deref()),
                    c.id,
                )
            });
            let view = LoggedCommentView {
                excerpt: excerpt(&c.body_source, LOG_EXCERPT_CHARS),
                status: c.status.as_str(),
                permalink: link,
            };
            (c.id, view)
        })
        .collect())
}
