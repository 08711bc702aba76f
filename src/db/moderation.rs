//! Decisions, reader flags and the append-only moderation log.

use super::bans::Ban;
use super::comments::{Comment, NewCommentRow};
use super::schema::{comments, flags, moderation_log, moderators, posts};
use super::terms::TermRow;
use crate::domain::moderation::{Decision, Status};
use crate::domain::time::rfc3339;
use diesel::prelude::*;

/// A log entry to append. One constructor per kind of action; never copy
/// removed text into it.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = moderation_log)]
pub struct LogEntry {
    /// When.
    pub at: i64,
    /// Who (none for actions of the system itself, e.g. the demo seed).
    pub moderator_id: Option<i32>,
    /// What: `approve`, `reject`, `spam`, `reply`, `post_create`, …
    pub action: String,
    /// The comment concerned.
    pub comment_id: Option<i32>,
    /// The post concerned.
    pub post_id: Option<i32>,
    /// The rejection reason id.
    pub reason: Option<String>,
    /// Extra facts (fields changed, previous status).
    pub detail: Option<String>,
}

impl LogEntry {
    /// An action on a comment.
    pub fn comment(
        at: i64,
        moderator_id: i32,
        action: &str,
        comment: &Comment,
        reason: Option<&str>,
    ) -> Self {
        Self {
            at,
            moderator_id: Some(moderator_id),
            action: action.to_owned(),
            comment_id: Some(comment.id),
            post_id: Some(comment.post_id),
            reason: reason.map(str::to_owned),
            detail: None,
        }
    }

    /// An action on a post.
    pub fn post(
        at: i64,
        moderator_id: Option<i32>,
        action: &str,
        post_id: i32,
        detail: Option<String>,
    ) -> Self {
        Self {
            at,
            moderator_id,
            action: action.to_owned(),
            comment_id: None,
            post_id: Some(post_id),
            reason: None,
            detail,
        }
    }

    /// An action on a moderator account.
    pub fn account(at: i64, moderator_id: Option<i32>, action: &str, detail: String) -> Self {
        Self {
            at,
            moderator_id,
            action: action.to_owned(),
            comment_id: None,
            post_id: None,
            reason: None,
            detail: Some(detail),
        }
    }
}

impl LogEntry {
    /// A decision the system made on its own (a banned term), with no
    /// moderator.
    pub fn system(at: i64, action: &str, comment: &Comment, reason: Option<&str>) -> Self {
        Self {
            moderator_id: None,
            ..Self::comment(at, 0, action, comment, reason)
        }
    }

    /// A ban made or lifted. The detail names the ban and its kind, never
    /// the address or hash banned; `comment_id` says which comment it came
    /// from.
    pub fn ban(at: i64, moderator_id: i32, action: &str, ban: &Ban) -> Self {
        let until = ban.expires_at.map_or_else(
            || "no expiry".to_owned(),
            |t| format!("until {}", rfc3339(t)),
        );
        Self {
            at,
            moderator_id: Some(moderator_id),
            action: action.to_owned(),
            comment_id: ban.comment_id,
            post_id: None,
            reason: None,
            detail: Some(format!("ban {} by {}, {until}", ban.id, ban.kind)),
        }
    }

    /// A banned or suspect term added or removed.
    pub fn term(at: i64, moderator_id: i32, action: &str, term: &TermRow) -> Self {
        Self {
            at,
            moderator_id: Some(moderator_id),
            action: action.to_owned(),
            comment_id: None,
            post_id: None,
            reason: term.reason.clone(),
            detail: Some(format!("{} \u{201c}{}\u{201d}", term.kind, term.term)),
        }
    }
}

/// Appends one entry; call inside the transaction of the change it records.
pub fn append_log(conn: &mut SqliteConnection, entry: &LogEntry) -> QueryResult<()> {
    diesel::insert_into(moderation_log::table)
        .values(entry)
        .execute(conn)
        .map(drop)
}

/// Applies one decision to each of `ids` that exists, logging each, in one
/// transaction; reader flags on them are resolved. Returns the comments as
/// they were before (callers need their posts and old statuses).
pub fn decide(
    conn: &mut SqliteConnection,
    ids: &[i32],
    decision: &Decision,
    moderator_id: i32,
    now: i64,
) -> QueryResult<Vec<Comment>> {
    crate::db::write(conn, |conn| {
        let before: Vec<Comment> = comments::table
            .filter(comments::id.eq_any(ids))
            .select(Comment::as_select())
            .load(conn)?;
        let found: Vec<i32> = before.iter().map(|c| c.id).collect();
        diesel::update(comments::table.filter(comments::id.eq_any(&found)))
            .set((
                comments::status.eq(decision.status().as_str()),
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
            let mut entry = LogEntry::comment(
                now,
                moderator_id,
                decision.action(),
                comment,
                decision.reason(),
            );
            entry.detail = Some(format!("was {}", comment.status));
            append_log(conn, &entry)?;
        }
        Ok(before)
    })
}

/// Approves a comment and publishes an official reply to it, in one
/// transaction (both logged). Returns the comment as it was before, and
/// the reply; `None` when there is no such comment.
pub fn approve_and_reply(
    conn: &mut SqliteConnection,
    comment_id: i32,
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
    conn: &mut SqliteConnection,
    row: &NewCommentRow<'_>,
    reason: &str,
    now: i64,
) -> QueryResult<i32> {
    crate::db::write(conn, |conn| {
        let id = super::comments::insert(
            conn,
            &NewCommentRow {
                status: Status::Rejected.as_str(),
                moderated_at: Some(now),
                ..row.clone()
            },
        )?;
        let comment: Comment = diesel::update(comments::table.find(id))
            .set(comments::reason.eq(reason))
            .returning(Comment::as_returning())
            .get_result(conn)?;
        let mut entry = LogEntry::system(now, "reject", &comment, Some(reason));
        entry.detail = Some("banned term".to_owned());
        append_log(conn, &entry)?;
        Ok(id)
    })
}

/// Records a reader's flag; one counted flag per comment and IP hash.
/// Returns whether it was counted.
pub fn flag(
    conn: &mut SqliteConnection,
    comment_id: i32,
    reason: &str,
    ip_hash: &str,
    now: i64,
) -> QueryResult<bool> {
    crate::db::write(conn, |conn| {
        let inserted = diesel::insert_or_ignore_into(flags::table)
            .values((
                flags::comment_id.eq(comment_id),
                flags::reason.eq(reason),
                flags::ip_hash.eq(ip_hash),
                flags::created_at.eq(now),
            ))
            .execute(conn)?;
        if inserted > 0 {
            diesel::update(comments::table.find(comment_id))
                .set(comments::flag_count.eq(comments::flag_count + 1))
                .execute(conn)?;
        }
        Ok(inserted > 0)
    })
}

/// The open flag reasons on a comment, newest first.
pub fn flag_reasons(conn: &mut SqliteConnection, comment_id: i32) -> QueryResult<Vec<String>> {
    flags::table
        .filter(flags::comment_id.eq(comment_id))
        .filter(flags::resolved.eq(false))
        .order(flags::id.desc())
        .select(flags::reason)
        .load(conn)
}

/// A log entry as listed: the entry with the moderator's name and the
/// post's slug.
pub type LogRow = (
    (
        i32,
        i64,
        String,
        Option<i32>,
        Option<String>,
        Option<String>,
    ),
    Option<String>,
    Option<String>,
);

/// Filters on the log listing.
#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    /// Only this moderator's entries (user name).
    pub moderator: Option<String>,
    /// Only this action.
    pub action: Option<String>,
    /// Only this post (slug).
    pub post: Option<String>,
}

/// A page of the log, newest first, before the id `before`.
pub fn list_log(
    conn: &mut SqliteConnection,
    filter: &LogFilter,
    before: Option<i32>,
    limit: i64,
) -> QueryResult<Vec<LogRow>> {
    let mut query = moderation_log::table
        .left_join(moderators::table)
        .left_join(posts::table)
        .select((
            (
                moderation_log::id,
                moderation_log::at,
                moderation_log::action,
                moderation_log::comment_id,
                moderation_log::reason,
                moderation_log::detail,
            ),
            moderators::username.nullable(),
            posts::slug.nullable(),
        ))
        .order(moderation_log::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(id) = before {
        query = query.filter(moderation_log::id.lt(id));
    }
    if let Some(m) = &filter.moderator {
        query = query.filter(moderators::username.eq(m.clone()));
    }
    if let Some(a) = &filter.action {
        query = query.filter(moderation_log::action.eq(a.clone()));
    }
    if let Some(p) = &filter.post {
        query = query.filter(posts::slug.eq(p.clone()));
    }
    query.load(conn)
}
