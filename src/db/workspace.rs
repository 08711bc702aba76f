//! What the moderators' page reads besides the queue itself: the context
//! of each queue item (the comment it answers, reader flags, the author's
//! history, claims, bans), counts per tab, and comments' auto-close.

use super::DbConn;
use super::claims::{self, Claim};
use super::comments::{Comment, QueueSpec, queue_count};
use super::log::{self, LogEntry};
use super::schema::{auto_closed_posts, comments, flags, posts};
use crate::domain::comment::CommentId;
use crate::domain::moderation::{Kind, QueueFilter, Status};
use crate::domain::post::PostId;
use diesel::prelude::*;
use std::collections::HashMap;

/// The comment a queue item answers.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = comments, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct ParentRow {
    /// Its id.
    pub id: CommentId,
    /// `reader` or `official`.
    pub kind: Kind,
    /// Its status.
    pub status: Status,
    /// Signed name.
    pub author_name: String,
    /// Sanitised HTML.
    pub body_html: String,
}

/// How an author's earlier comments fared: those with the same e-mail
/// address or the same IP hash, the item itself not counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct History {
    /// Approved.
    pub approved: i64,
    /// Rejected.
    pub rejected: i64,
    /// Filed as spam.
    pub spam: i64,
    /// Still waiting.
    pub pending: i64,
}

/// Everything a queue item shows besides the comment's own columns.
#[derive(Debug, Clone, Default)]
pub struct ItemContext {
    /// The comment it answers.
    pub parent: Option<ParentRow>,
    /// Open reader flags' reasons, newest first.
    pub flags: Vec<String>,
    /// The author's history.
    pub history: History,
    /// A fresh claim by someone, if any.
    pub claim: Option<Claim>,
    /// Whether a live ban covers the sender.
    pub author_banned: bool,
}

/// The context of each of `items`, in the same order.
pub fn context(conn: &mut DbConn, items: &[&Comment], now: i64) -> QueryResult<Vec<ItemContext>> {
    let ids: Vec<CommentId> = items.iter().map(|c| c.id).collect();
    let parent_ids: Vec<CommentId> = items.iter().filter_map(|c| c.parent_id).collect();
    let parents: HashMap<CommentId, ParentRow> = if parent_ids.is_empty() {
        HashMap::new()
    } else {
        comments::table
            .filter(comments::id.eq_any(&parent_ids))
            .select(ParentRow::as_select())
            .load(conn)?
            .into_iter()
            .map(|p| (p.id, p))
            .collect()
    };
    let mut open_flags: HashMap<CommentId, Vec<String>> = HashMap::new();
    let flagged: Vec<CommentId> = items
        .iter()
        .filter(|c| c.flag_count > 0)
        .map(|c| c.id)
        .collect();
    if !flagged.is_empty() {
        let rows: Vec<(CommentId, String)> = flags::table
            .filter(flags::comment_id.eq_any(&flagged))
            .filter(flags::resolved.eq(false))
            .order(flags::id.desc())
            .select((flags::comment_id, flags::reason))
            .load(conn)?;
        for (id, reason) in rows {
            open_flags.entry(id).or_default().push(reason);
        }
        // Readers' notices are shown with the flags, their category first.
        for notice in super::notices::open_on_any(conn, &flagged)?
            .into_iter()
            .rev()
        {
            let category = if notice.category == "illegal" {
                "illegal content"
            } else {
                "breaks the comment policy"
            };
            let law = notice
                .law
                .map(|l| format!(" (law: {l})"))
                .unwrap_or_default();
            open_flags.entry(notice.comment_id).or_default().insert(
                0,
                format!(
                    "Notice {} \u{2014} {category}{law}: {}",
                    notice.id, notice.explanation
                ),
            );
        }
    }
    let mut claimed: HashMap<CommentId, Claim> = claims::fresh(conn, Some(&ids), now)?
        .into_iter()
        .map(|c| (c.comment_id, c))
        .collect();
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        out.push(ItemContext {
            parent: item.parent_id.and_then(|p| parents.get(&p).cloned()),
            flags: open_flags.remove(&item.id).unwrap_or_default(),
            history: history(conn, item)?,
            claim: claimed.remove(&item.id),
            author_banned: super::bans::is_banned(
                conn,
                item.email.as_deref(),
                item.ip_hash.as_deref(),
                now,
            )?,
        });
    }
    Ok(out)
}

/// How the other comments sent with the same e-mail address or from the
/// same IP hash fared. One small query per item, each served by the
/// `comments_email` and `comments_ip_hash` indexes.
pub fn history(conn: &mut DbConn, item: &Comment) -> QueryResult<History> {
    if item.email.is_none() && item.ip_hash.is_none() {
        return Ok(History::default());
    }
    let email = item.email.clone().unwrap_or_default();
    let ip_hash = item.ip_hash.clone().unwrap_or_default();
    let rows: Vec<(String, i64)> = comments::table
        .filter(comments::id.ne(item.id))
        .filter(comments::kind.eq(Kind::Reader))
        .filter(
            comments::email
                .eq(email)
                .and(comments::email.is_not_null())
                .or(comments::ip_hash
                    .eq(ip_hash)
                    .and(comments::ip_hash.is_not_null()))
                .assume_not_null(),
        )
        .group_by(comments::status)
        .select((comments::status, diesel::dsl::count_star()))
        .load(conn)?;
    let mut history = History::default();
    for (status, n) in rows {
        match Status::parse(&status) {
            Some(Status::Approved) => history.approved = n,
            Some(Status::Rejected) => history.rejected = n,
            Some(Status::Spam) => history.spam = n,
            Some(Status::Pending) => history.pending = n,
            None => {}
        }
    }
    Ok(history)
}

/// Counts per tab of the queue, the oldest pending comment's time and the
/// pending comments per post.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// Comments per tab, in the order pending, flagged, appealed, spam,
    /// rejected, approved.
    pub counts: Vec<(&'static str, i64)>,
    /// When the oldest pending comment arrived.
    pub oldest_pending: Option<i64>,
    /// Pending comments per post: slug, title, count; most first.
    pub pending_by_post: Vec<(String, String, i64)>,
}

/// Counts per tab for the queue as `spec` filters it (its tab ignored).
pub fn stats(conn: &mut DbConn, spec: &QueueSpec) -> QueryResult<Stats> {
    let tabs = [
        ("pending", QueueFilter::Status(Status::Pending)),
        ("flagged", QueueFilter::Flagged),
        ("appealed", QueueFilter::Appealed),
        ("spam", QueueFilter::Status(Status::Spam)),
        ("rejected", QueueFilter::Status(Status::Rejected)),
        ("approved", QueueFilter::Status(Status::Approved)),
    ];
    let mut counts = Vec::with_capacity(tabs.len());
    for (name, filter) in tabs {
        let tab = QueueSpec {
            filter: Some(filter),
            ..spec.clone()
        };
        counts.push((name, queue_count(conn, &tab)?));
    }
    let mut oldest = comments::table
        .filter(comments::status.eq(Status::Pending))
        .select(diesel::dsl::min(comments::created_at))
        .into_boxed();
    if let Some(post) = spec.post_id {
        oldest = oldest.filter(comments::post_id.eq(post));
    }
    let oldest_pending = oldest.first::<Option<i64>>(conn)?;
    let pending_by_post: Vec<(String, String, i64)> = comments::table
        .inner_join(posts::table)
        .filter(comments::status.eq(Status::Pending))
        .group_by((posts::id, posts::slug, posts::title))
        .select((posts::slug, posts::title, diesel::dsl::count_star()))
        .load(conn)?;
    let mut pending_by_post = pending_by_post;
    pending_by_post.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    Ok(Stats {
        counts,
        oldest_pending,
        pending_by_post,
    })
}

/// Closes comments on open posts published before `cutoff` that were
/// never closed this way, logging each as a `post_update` by the system;
/// only `post_id` when given. Returns the ids of the posts closed.
///
/// Looked for first without the write lock: readers' submissions ask on
/// every comment, and almost always nothing is due; taking the lock for
/// that would queue each of them behind the writer's batch (and its fsync).
pub fn auto_close(
    conn: &mut DbConn,
    post_id: Option<PostId>,
    cutoff: i64,
    days: u32,
    now: i64,
) -> QueryResult<Vec<PostId>> {
    if due_to_close(conn, post_id, cutoff)?.is_empty() {
        return Ok(Vec::new());
    }
    crate::db::write(conn, |conn| {
        // Again under the lock: another process may have closed them.
        let due = due_to_close(conn, post_id, cutoff)?;
        for id in &due {
            diesel::update(posts::table.find(id))
                .set((posts::comments_open.eq(false), posts::updated_at.eq(now)))
                .execute(conn)?;
            diesel::insert_into(auto_closed_posts::table)
                .values((
                    auto_closed_posts::post_id.eq(id),
                    auto_closed_posts::closed_at.eq(now),
                ))
                .execute(conn)?;
            log::append(
                conn,
                &LogEntry::post_update(
                    now,
                    None,
                    *id,
                    format!("comments_open=false (auto-close after {days} days)"),
                ),
            )?;
        }
        Ok(due)
    })
}

/// Open posts published before `cutoff` never closed by `auto_close`
/// (only `post_id` when given).
fn due_to_close(
    conn: &mut DbConn,
    post_id: Option<PostId>,
    cutoff: i64,
) -> QueryResult<Vec<PostId>> {
    let mut due = posts::table
        .left_join(auto_closed_posts::table)
        .filter(posts::comments_open.eq(true))
        .filter(posts::published_at.lt(cutoff))
        .filter(auto_closed_posts::post_id.nullable().is_null())
        .select(posts::id)
        .into_boxed();
    if let Some(id) = post_id {
        due = due.filter(posts::id.eq(id));
    }
    due.load(conn)
}

/// When `auto_close_days` closed this post's comments, if it did.
pub fn auto_closed_at(conn: &mut DbConn, post_id: PostId) -> QueryResult<Option<i64>> {
    auto_closed_posts::table
        .find(post_id)
        .select(auto_closed_posts::closed_at)
        .first(conn)
        .optional()
}
