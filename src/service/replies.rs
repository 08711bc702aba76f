//! Official replies: the blog's staff answer on a post, or to one comment
//! (optionally approving it in the same step). A reply is public at once,
//! under the configured official name, and logged.

use super::decisions::decided;
use super::events::{Ctx, Event};
use super::not_found;
use crate::db::comments::{self as comments_db, Comment, NewCommentRow};
use crate::db::moderation as moderation_db;
use crate::db::posts as posts_db;
use crate::domain::Errors;
use crate::domain::comment::CommentId;
use crate::domain::comment::{CommentBody, LooseId};
use crate::domain::moderation::{Kind, Status};
use crate::domain::post::PostId;
use crate::domain::render::{SafeHtml, render_comment};
use crate::error::ApiError;

/// A checked reply: its text and its rendering (made before any
/// transaction opens).
#[derive(Debug)]
pub struct Reply {
    text: CommentBody,
    html: SafeHtml,
}

impl Reply {
    /// Checks and renders a reply's text (422 when empty or too long).
    pub fn parse(body: Option<&str>) -> Result<Self, ApiError> {
        let text =
            CommentBody::parse(body.unwrap_or("")).map_err(|e| ApiError::Validation(vec![e]))?;
        Ok(Self::from_body(text))
    }

    /// Checks a reply's text and the comment it answers, reporting both
    /// fields' problems at once.
    pub fn parse_answering(
        body: Option<&str>,
        parent: Option<&LooseId>,
    ) -> Result<(Self, Option<CommentId>), ApiError> {
        let mut errors = Errors::default();
        let text = errors.take(CommentBody::parse(body.unwrap_or("")));
        let parent = match parent {
            Some(raw) => errors.take(raw.parse("parent_id")).flatten(),
            None => None,
        };
        errors.finish().map_err(ApiError::Validation)?;
        let text = text.ok_or_else(|| ApiError::field("body", "must not be empty"))?;
        Ok((Self::from_body(text), parent.map(CommentId)))
    }

    /// Renders a checked text.
    pub fn from_body(text: CommentBody) -> Self {
        let html = render_comment(text.as_str());
        Self { text, html }
    }

    fn row<'a>(
        &'a self,
        official_name: &'a str,
        post_id: PostId,
        parent: Option<CommentId>,
        moderator: i32,
        now: i64,
    ) -> NewCommentRow<'a> {
        NewCommentRow {
            kind: Kind::Official,
            moderator_id: Some(moderator),
            moderated_at: Some(now),
            ..NewCommentRow::reader(
                post_id,
                parent,
                Status::Approved,
                official_name,
                None,
                None,
                None,
                self.text.as_str(),
                &self.html,
                now,
            )
        }
    }
}

fn published(ctx: &mut Ctx<'_>, reply: &Comment, moderator: i32) {
    ctx.emit(Event::ReplyPublished {
        reply_id: reply.id,
        post_id: reply.post_id,
        parent_id: reply.parent_id,
        by: moderator,
    });
}

/// An official reply on the post `slug`, answering `parent` (any status,
/// same post) when given.
pub fn on_post(
    ctx: &mut Ctx<'_>,
    official_name: &str,
    slug: &str,
    parent: Option<CommentId>,
    reply: &Reply,
    moderator: i32,
    now: i64,
) -> Result<Comment, ApiError> {
    let post = posts_db::by_slug(ctx.conn, slug)?.ok_or_else(|| not_found::post(slug))?;
    if let Some(parent) = parent {
        let same_post = comments_db::get(ctx.conn, parent)?.is_some_and(|p| p.post_id == post.id);
        if !same_post {
            return Err(ApiError::field(
                "parent_id",
                "must be a comment on this post",
            ));
        }
    }
    let row = reply.row(official_name, post.id, parent, moderator, now);
    let notifier = ctx.notifier.clone();
    let comment = crate::db::write(ctx.conn, |conn| {
        let comment = comments_db::insert_official(conn, &row, moderator)?;
        notifier.replied(conn, &comment, now)?;
        Ok::<_, diesel::result::Error>(comment)
    })?;
    published(ctx, &comment, moderator);
    Ok(comment)
}

/// An official reply to comment `id`, on its post; with `approve` the
/// comment is approved in the same transaction ("approve and reply").
pub fn to_comment(
    ctx: &mut Ctx<'_>,
    official_name: &str,
    id: CommentId,
    reply: &Reply,
    approve: bool,
    moderator: i32,
    now: i64,
) -> Result<Comment, ApiError> {
    let parent = comments_db::get(ctx.conn, id)?.ok_or_else(|| not_found::comment(id))?;
    let row = reply.row(official_name, parent.post_id, Some(id), moderator, now);
    let notifier = ctx.notifier.clone();
    let (before, comment) = crate::db::write(ctx.conn, |conn| {
        let (before, reply) = if approve {
            // Approving is a decision like any other: an open appeal is
            // decided by it (reversed), and not by its first decider
            // (403); open notices are settled.
            let appeals = super::appeals::deciding(conn, &[id], moderator)?;
            match moderation_db::approve_and_reply(conn, id, &row, moderator, now)? {
                Some((before, reply)) => {
                    let was = std::slice::from_ref(&before);
                    super::appeals::decided(
                        conn,
                        &notifier,
                        &appeals,
                        was,
                        Status::Approved,
                        moderator,
                        now,
                    )?;
                    super::notices::settle(
                        conn,
                        &notifier,
                        &[id],
                        Status::Approved,
                        moderator,
                        now,
                    )?;
                    notifier.decided(conn, was, Status::Approved, now)?;
                    (Some(before), reply)
                }
                None => return Ok(None),
            }
        } else {
            (None, comments_db::insert_official(conn, &row, moderator)?)
        };
        notifier.replied(conn, &reply, now)?;
        Ok::<_, ApiError>(Some((before, reply)))
    })?
    .ok_or_else(|| not_found::comment(id))?;
    if let Some(before) = &before {
        ctx.emit(decided(before, Status::Approved, None, moderator));
    }
    published(ctx, &comment, moderator);
    Ok(comment)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::testing::{conn, pending_comment, post_published_at};

    #[test]
    fn approve_and_reply_publishes_both_in_one_step() {
        let mut conn = conn();
        let post = post_published_at(&mut conn, "p", 0);
        let id = pending_comment(&mut conn, post);
        let mut ctx = Ctx::new(&mut conn);
        let reply = Reply::parse(Some("Thank you, Mari.")).unwrap();
        let published = to_comment(&mut ctx, "DipNote Bloggers", id, &reply, true, 1, 50).unwrap();
        assert_eq!(published.author_name, "DipNote Bloggers");
        assert_eq!(published.kind, Kind::Official);
        assert_eq!(published.status, Status::Approved);
        assert_eq!(published.parent_id, Some(id));
        let events = ctx.events();
        assert!(matches!(
            events[0],
            Event::CommentDecided {
                to: Status::Approved,
                from: Status::Pending,
                ..
            }
        ));
        assert!(matches!(events[1], Event::ReplyPublished { parent_id: Some(p), .. } if p == id));
        let parent = comments_db::get(ctx.conn, id).unwrap().unwrap();
        assert_eq!(parent.status, Status::Approved);
    }

    #[test]
    fn a_reply_on_a_post_must_answer_a_comment_of_that_post() {
        let mut conn = conn();
        let a = post_published_at(&mut conn, "a", 0);
        post_published_at(&mut conn, "b", 0);
        let on_a = pending_comment(&mut conn, a);
        let mut ctx = Ctx::new(&mut conn);
        let reply = Reply::parse(Some("Noted.")).unwrap();
        assert!(matches!(
            on_post(&mut ctx, "Staff", "b", Some(on_a), &reply, 1, 5),
            Err(ApiError::Validation(e)) if e[0].field == "parent_id"
        ));
        assert!(matches!(
            on_post(&mut ctx, "Staff", "nope", None, &reply, 1, 5),
            Err(ApiError::NotFound(_))
        ));
        assert!(ctx.events().is_empty());
        assert!(Reply::parse(Some("   ")).is_err());
    }
}
