//! Readers' personal data: the retention purge, a reader's export and
//! erasure, and the marks by which another process tells running servers
//! which cached threads it changed.

use super::DbConn;
use super::comments::Comment;
use super::functions::lower;
use super::log::{self, LogEntry};
use super::schema::{cache_invalidations, comments, moderation_log, posts};
use crate::domain::comment::CommentId;
use crate::domain::moderation::{Kind, Status};
use crate::domain::post::PostId;
use crate::domain::render::SafeHtml;
use diesel::dsl::exists;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer};

/// Most comments purged in one transaction, so that a first purge of a
/// large backlog never holds the write lock for long.
pub const PURGE_BATCH: i64 = 5_000;

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = Integer)]
    id: CommentId,
}

/// Removes the e-mail address and IP hash of readers' comments decided
/// before `cutoff`, in batches of [`PURGE_BATCH`], each batch with one
/// `privacy_purge` log entry in its own transaction. Returns how many
/// comments were purged.
pub fn purge_personal_data(
    conn: &mut DbConn,
    cutoff: i64,
    retention_days: u32,
    now: i64,
) -> QueryResult<usize> {
    let mut total = 0;
    loop {
        let purged = crate::db::write(conn, |conn| -> QueryResult<usize> {
            // SQLite: INDEXED BY, since without statistics its planner would
            // rather walk `comments_queue` by status, i.e. nearly every
            // comment. PostgreSQL keeps statistics and finds the index.
            let query = match conn.backend() {
                super::Backend::Sqlite => {
                    "SELECT id FROM comments INDEXED BY comments_personal \
                     WHERE (email IS NOT NULL OR ip_hash IS NOT NULL) \
                     AND moderated_at < ? \
                     AND status IN ('approved', 'rejected', 'spam') \
                     ORDER BY moderated_at LIMIT ?"
                }
                super::Backend::Postgres => {
                    "SELECT id FROM comments \
                     WHERE (email IS NOT NULL OR ip_hash IS NOT NULL) \
                     AND moderated_at < $1 \
                     AND status IN ('approved', 'rejected', 'spam') \
                     ORDER BY moderated_at LIMIT $2"
                }
            };
            let ids: Vec<CommentId> = diesel::sql_query(query)
                .bind::<BigInt, _>(cutoff)
                .bind::<BigInt, _>(PURGE_BATCH)
                .load::<Id>(conn)?
                .into_iter()
                .map(|row| row.id)
                .collect();
            if ids.is_empty() {
                return Ok(0);
            }
            let n = diesel::update(comments::table.filter(comments::id.eq_any(&ids)))
                .set((
                    comments::email.eq(None::<String>),
                    comments::ip_hash.eq(None::<String>),
                ))
                .execute(conn)?;
            log::append(conn, &LogEntry::privacy_purge(now, n, retention_days))?;
            Ok(n)
        })?;
        total += purged;
        if purged < usize::try_from(PURGE_BATCH).unwrap_or(usize::MAX) {
            return Ok(total);
        }
    }
}

/// A reader's comment with the post it is under.
pub type ExportRow = (Comment, String, String, Option<String>);

/// Every reader's comment sent with `email` (ignoring case), oldest first,
/// with its post's slug, title and URL.
pub fn comments_by_email(conn: &mut DbConn, email: &str) -> QueryResult<Vec<ExportRow>> {
    comments::table
        .inner_join(posts::table)
        .filter(comments::kind.eq(Kind::Reader))
        .filter(lower(comments::email).eq(lower(Some(email))))
        .order((comments::created_at.asc(), comments::id.asc()))
        .select((Comment::as_select(), posts::slug, posts::title, posts::url))
        .load(conn)
}

/// What an erasure did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Erased {
    /// Comments deleted outright.
    pub deleted: Vec<CommentId>,
    /// Comments kept as "removed at the author's request" placeholders,
    /// because replies or log entries refer to them.
    pub anonymised: Vec<CommentId>,
    /// The posts whose threads changed.
    pub posts: Vec<PostId>,
}

/// The name a placeholder is shown under.
pub const REMOVED_NAME: &str = "[removed]";

/// Erases every reader's comment sent with `email`, in one transaction:
/// a comment nothing refers to is deleted; one that replies or moderation
/// log entries refer to (the log is append-only, so its references must
/// stay valid) keeps its place as a placeholder — name `[removed]`, body
/// `placeholder`, no location, e-mail, IP hash or signals. Each comment
/// gets one `reader_erase` log entry, and each affected post a cache
/// invalidation mark, in the same transaction.
pub fn erase(
    conn: &mut DbConn,
    email: &str,
    placeholder_source: &str,
    placeholder: &SafeHtml,
    now: i64,
) -> QueryResult<Erased> {
    crate::db::write(conn, |conn| {
        // Newest first: a reply by the same reader goes before the comment
        // it answers, which may then have nothing depending on it.
        let targets: Vec<(CommentId, PostId, Status)> = comments::table
            .filter(comments::kind.eq(Kind::Reader))
            .filter(lower(comments::email).eq(lower(Some(email))))
            .order(comments::id.desc())
            .select((comments::id, comments::post_id, comments::status))
            .load(conn)?;
        let mut erased = Erased::default();
        for (id, post_id, status) in targets {
            let replies: bool =
                diesel::select(exists(comments::table.filter(comments::parent_id.eq(id))))
                    .get_result(conn)?;
            let logged: bool = diesel::select(exists(
                moderation_log::table.filter(moderation_log::comment_id.eq(id)),
            ))
            .get_result(conn)?;
            let entry = if replies || logged {
                diesel::update(comments::table.find(id))
                    .set((
                        comments::author_name.eq(REMOVED_NAME),
                        comments::author_location.eq(None::<String>),
                        comments::email.eq(None::<String>),
                        comments::ip_hash.eq(None::<String>),
                        comments::body_source.eq(placeholder_source),
                        comments::body_html.eq(placeholder.as_str()),
                        comments::signals.eq("[]"),
                        comments::body_hash.eq(None::<i64>),
                    ))
                    .execute(conn)?;
                erased.anonymised.push(id);
                let why = if replies {
                    "replies depend on it"
                } else {
                    "log entries refer to it"
                };
                LogEntry::reader_erase_kept(now, (id, post_id), why, status.as_str())
            } else {
                diesel::delete(comments::table.find(id)).execute(conn)?;
                erased.deleted.push(id);
                LogEntry::reader_erase_deleted(now, id, post_id, status.as_str())
            };
            log::append(conn, &entry)?;
            if status == Status::Approved && !erased.posts.contains(&post_id) {
                erased.posts.push(post_id);
            }
        }
        for post_id in &erased.posts {
            mark_changed(conn, *post_id, now)?;
        }
        Ok(erased)
    })
}

/// Tells running servers that the public thread of `post_id` changed
/// outside them; call inside the transaction of the change.
pub fn mark_changed(conn: &mut DbConn, post_id: PostId, now: i64) -> QueryResult<()> {
    diesel::insert_into(cache_invalidations::table)
        .values((
            cache_invalidations::post_id.eq(post_id),
            cache_invalidations::at.eq(now),
        ))
        .execute(conn)
        .map(drop)
}

/// The newest mark's id (0 when there is none).
pub fn latest_mark(conn: &mut DbConn) -> QueryResult<i32> {
    cache_invalidations::table
        .select(diesel::dsl::max(cache_invalidations::id))
        .first::<Option<i32>>(conn)
        .map(Option::unwrap_or_default)
}

/// Marks made after `after`: `(id, post_id)`, oldest first.
pub fn marks_after(conn: &mut DbConn, after: i32) -> QueryResult<Vec<(i32, PostId)>> {
    cache_invalidations::table
        .filter(cache_invalidations::id.gt(after))
        .order(cache_invalidations::id.asc())
        .select((cache_invalidations::id, cache_invalidations::post_id))
        .load(conn)
}

/// Forgets marks older than `before` (every server has long seen them).
pub fn prune_marks(conn: &mut DbConn, before: i64) -> QueryResult<usize> {
    crate::db::write(conn, |conn| {
        diesel::delete(cache_invalidations::table.filter(cache_invalidations::at.lt(before)))
            .execute(conn)
    })
}
