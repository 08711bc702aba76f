//! Comments and official replies: submission, thread reads, the queue.

use super::DbConn;
use super::log::{self, LogEntry};
use super::schema::{comments, moderators, posts, status_totals};
use crate::domain::comment::CommentId;
use crate::domain::moderation::{Kind, QueueFilter, Status};
use crate::domain::post::PostId;
use crate::domain::render::SafeHtml;
use diesel::prelude::*;

/// A stored comment, every column.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = comments, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Comment {
    /// Row id.
    pub id: CommentId,
    /// The post it belongs to.
    pub post_id: PostId,
    /// The comment it answers.
    pub parent_id: Option<CommentId>,
    /// A reader's comment or an official reply.
    pub kind: Kind,
    /// Where it stands in moderation.
    pub status: Status,
    /// Signed name.
    pub author_name: String,
    /// Optional location.
    pub author_location: Option<String>,
    /// Optional e-mail; moderators only.
    pub email: Option<String>,
    /// Keyed hash of the sender's IP address.
    pub ip_hash: Option<String>,
    /// Markdown source.
    pub body_source: String,
    /// Sanitised HTML.
    pub body_html: String,
    /// Sum of spam-signal weights.
    pub spam_score: i32,
    /// JSON array of signal descriptions.
    pub signals: String,
    /// Rejection reason id.
    pub reason: Option<String>,
    /// Open reader flags.
    pub flag_count: i32,
    /// Who decided it, or who wrote an official reply.
    pub moderator_id: Option<i32>,
    /// Submission time.
    pub created_at: i64,
    /// Time of the last decision.
    pub moderated_at: Option<i64>,
    /// The author asked to be told by e-mail what becomes of it.
    pub notify: bool,
    /// The widget's language when the author wrote it.
    pub lang: Option<String>,
}

/// The columns a public thread needs, nothing private.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = comments, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct ThreadRow {
    /// Row id.
    pub id: CommentId,
    /// The comment it answers.
    pub parent_id: Option<CommentId>,
    /// A reader's comment or an official reply.
    pub kind: Kind,
    /// Signed name.
    pub author_name: String,
    /// Optional location.
    pub author_location: Option<String>,
    /// Sanitised HTML.
    pub body_html: String,
    /// Submission time.
    pub created_at: i64,
}

/// A public item as the thread reads it when it is not cached: where it
/// sits, and its JSON object as the `comments_fragment_*` triggers keep it
/// (`None` only if a row escaped them; the reader then builds the page
/// from [`ThreadRow`]s).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = comments, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct FragmentRow {
    /// Row id.
    pub id: CommentId,
    /// The comment it answers.
    pub parent_id: Option<CommentId>,
    /// Submission time.
    pub created_at: i64,
    /// The item's fields as a JSON object, but its permalink and replies.
    pub fragment: Option<String>,
}

/// A comment to insert. Its optional columns all default to NULL, so a
/// `None` is bound as NULL rather than left out: the INSERT is then the
/// same SQL every time and diesel keeps it prepared (an insert with a
/// defaulted column is prepared again on every call, the table's triggers
/// compiled with it: a tenth of the writer's time under load).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = comments, treat_none_as_default_value = false)]
pub struct NewCommentRow<'a> {
    /// The post.
    pub post_id: PostId,
    /// The comment answered.
    pub parent_id: Option<CommentId>,
    /// A reader's comment or an official reply.
    pub kind: Kind,
    /// Initial status.
    pub status: Status,
    /// Signed name.
    pub author_name: &'a str,
    /// Location.
    pub author_location: Option<&'a str>,
    /// E-mail.
    pub email: Option<&'a str>,
    /// Keyed IP hash.
    pub ip_hash: Option<&'a str>,
    /// Markdown source.
    pub body_source: &'a str,
    /// Sanitised HTML; only ever from a [`SafeHtml`].
    pub body_html: &'a str,
    /// Spam score.
    pub spam_score: i32,
    /// JSON array of signals.
    pub signals: String,
    /// Writer of an official reply.
    pub moderator_id: Option<i32>,
    /// Submission time.
    pub created_at: i64,
    /// Decision time (set for official replies, published at once).
    pub moderated_at: Option<i64>,
    /// Fingerprint of the text, for the repeat check.
    pub body_hash: Option<i64>,
    /// The author asked to hear back by e-mail.
    pub notify: bool,
    /// The widget's language.
    pub lang: Option<&'a str>,
}

impl<'a> NewCommentRow<'a> {
    /// A reader's comment; `html` can only come from the renderer.
    #[allow(clippy::too_many_arguments)]
    pub fn reader(
        post_id: PostId,
        parent_id: Option<CommentId>,
        status: Status,
        author_name: &'a str,
        author_location: Option<&'a str>,
        email: Option<&'a str>,
        ip_hash: Option<&'a str>,
        body_source: &'a str,
        html: &'a SafeHtml,
        now: i64,
    ) -> Self {
        Self {
            post_id,
            parent_id,
            kind: Kind::Reader,
            status,
            author_name,
            author_location,
            email,
            ip_hash,
            body_source,
            body_html: html.as_str(),
            spam_score: 0,
            signals: "[]".to_owned(),
            moderator_id: None,
            created_at: now,
            moderated_at: None,
            body_hash: None,
            notify: false,
            lang: None,
        }
    }
}

/// Inserts a reader's comment and returns its id. With WAL and
/// `synchronous=NORMAL`, the row is on disk once this returns.
pub fn insert(conn: &mut DbConn, row: &NewCommentRow<'_>) -> QueryResult<CommentId> {
    // On the concrete connection: the writer runs this for every
    // submission, and through the multi-backend connection diesel would
    // write the 18-column INSERT out again each time to find it prepared.
    super::conn::on_backend!(conn, c => diesel::insert_into(comments::table)
        .values(row)
        .returning(comments::id)
        .get_result(c))
}

/// Inserts an official reply, published at once, and logs it.
pub fn insert_official(
    conn: &mut DbConn,
    row: &NewCommentRow<'_>,
    moderator_id: i32,
) -> QueryResult<Comment> {
    crate::db::write(conn, |conn| {
        let comment: Comment = super::conn::on_backend!(conn, c => diesel::insert_into(comments::table)
            .values(row)
            .returning(Comment::as_returning())
            .get_result(c))?;
        log::append(
            conn,
            &LogEntry::reply(row.created_at, moderator_id, (comment.id, comment.post_id)),
        )?;
        Ok(comment)
    })
}

/// One comment by id.
pub fn get(conn: &mut DbConn, id: CommentId) -> QueryResult<Option<Comment>> {
    comments::table
        .find(id)
        .select(Comment::as_select())
        .first(conn)
        .optional()
}

/// Every approved item of a post, oldest first, from the thread index.
pub fn approved_for_post(conn: &mut DbConn, post_id: PostId) -> QueryResult<Vec<ThreadRow>> {
    comments::table
        .filter(comments::post_id.eq(post_id))
        .filter(comments::status.eq(Status::Approved))
        .order((comments::created_at.asc(), comments::id.asc()))
        .select(ThreadRow::as_select())
        .load(conn)
}

/// Every approved item of a post with its stored JSON, oldest first, from
/// the thread index.
pub fn fragments_for_post(conn: &mut DbConn, post_id: PostId) -> QueryResult<Vec<FragmentRow>> {
    comments::table
        .filter(comments::post_id.eq(post_id))
        .filter(comments::status.eq(Status::Approved))
        .order((comments::created_at.asc(), comments::id.asc()))
        .select(FragmentRow::as_select())
        .load(conn)
}

/// The columns a feed entry needs, with its post's: nothing private.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = comments, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct FeedRow {
    /// Row id.
    pub id: CommentId,
    /// The comment it answers.
    pub parent_id: Option<CommentId>,
    /// A reader's comment or an official reply.
    pub kind: Kind,
    /// Signed name.
    pub author_name: String,
    /// Sanitised HTML.
    pub body_html: String,
    /// Submission time.
    pub created_at: i64,
    /// Time of the decision that published it (none for official replies).
    pub moderated_at: Option<i64>,
    /// The post's slug.
    #[diesel(select_expression = posts::slug)]
    pub post_slug: String,
    /// The post's title.
    #[diesel(select_expression = posts::title)]
    pub post_title: String,
    /// The post's address on the blog.
    #[diesel(select_expression = posts::url)]
    pub post_url: Option<String>,
}

/// Approved items newest first (of one post, or of the whole site), up to
/// `limit`, strictly older than `before` (`created_at`, `id`) when given:
/// the thread index or the queue index, in order, without sorting.
pub fn newest_approved(
    conn: &mut DbConn,
    post_id: Option<PostId>,
    before: Option<(i64, CommentId)>,
    limit: i64,
) -> QueryResult<Vec<FeedRow>> {
    let mut query = comments::table
        .inner_join(posts::table)
        .filter(comments::status.eq(Status::Approved))
        .order((comments::created_at.desc(), comments::id.desc()))
        .limit(limit)
        .select(FeedRow::as_select())
        .into_boxed();
    if let Some(post_id) = post_id {
        query = query.filter(comments::post_id.eq(post_id));
    }
    if let Some((created_at, id)) = before {
        query = query.filter(
            comments::created_at
                .lt(created_at)
                .or(comments::created_at.eq(created_at).and(comments::id.lt(id))),
        );
    }
    query.load(conn)
}

/// The parent and status of each comment of `ids` that exists: enough to
/// walk a reply's ancestors up to its thread's top.
pub fn parents_of(
    conn: &mut DbConn,
    ids: &[CommentId],
) -> QueryResult<Vec<(CommentId, Option<CommentId>, Status)>> {
    comments::table
        .filter(comments::id.eq_any(ids))
        .select((comments::id, comments::parent_id, comments::status))
        .load(conn)
}

/// Whether the same text (by fingerprint) was already submitted to this
/// post, or by this sender since `since`: one probe of the fingerprint
/// index.
pub fn is_repeat(
    conn: &mut DbConn,
    post_id: PostId,
    ip_hash: &str,
    fingerprint: i64,
    since: i64,
) -> QueryResult<bool> {
    // On the concrete connection (every submission asks): cached by type.
    super::conn::on_backend!(conn, c => diesel::select(diesel::dsl::exists(
        comments::table
            .filter(comments::body_hash.eq(fingerprint))
            .filter(
                comments::post_id.eq(post_id).or(comments::ip_hash
                    .eq(ip_hash)
                    .and(comments::created_at.ge(since))),
            ),
    ))
    .get_result(c))
}

/// A queue item: the comment with its post and decider.
pub type QueueRow = (Comment, String, String, Option<String>);

/// Which part of the queue to read, and how.
#[derive(Debug, Clone, Default)]
pub struct QueueSpec {
    /// The tab: one status, or flagged; pending when `None`.
    pub filter: Option<QueueFilter>,
    /// Only this post's comments.
    pub post_id: Option<PostId>,
    /// Only this comment (a link from the log opens it in the queue).
    pub id: Option<CommentId>,
    /// Only comments whose body, author name, location or e-mail contains
    /// this text (case-insensitive for ASCII letters).
    pub text: Option<String>,
    /// Newest first instead of oldest first.
    pub newest_first: bool,
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern that finds
/// `text` anywhere.
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Adds the filters of a [`QueueSpec`] to a boxed query of `comments`.
macro_rules! queue_filters {
    ($query:expr, $spec:expr) => {{
        let mut query = $query;
        let spec: &QueueSpec = $spec;
        match spec.filter.unwrap_or(QueueFilter::Status(Status::Pending)) {
            QueueFilter::Status(status) => {
                query = query.filter(comments::status.eq(status));
            }
            QueueFilter::Flagged => {
                query = query.filter(comments::flag_count.gt(0));
            }
            QueueFilter::Appealed => {
                query = query.filter(
                    comments::id.eq_any(
                        super::schema::appeals::table
                            .filter(super::schema::appeals::decided_at.is_null())
                            .select(super::schema::appeals::comment_id),
                    ),
                );
            }
        }
        if let Some(post) = spec.post_id {
            query = query.filter(comments::post_id.eq(post));
        }
        if let Some(id) = spec.id {
            query = query.filter(comments::id.eq(id));
        }
        if let Some(text) = spec
            .text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            // SQLite's LIKE ignores the case of ASCII letters and
            // PostgreSQL's does not: lower() on both sides makes the
            // search the same on either.
            use super::functions::lower;
            let pattern = contains_pattern(text);
            query = query.filter(
                lower(comments::body_source.nullable())
                    .like(lower(Some(pattern.clone())))
                    .escape('\\')
                    .or(lower(comments::author_name.nullable())
                        .like(lower(Some(pattern.clone())))
                        .escape('\\'))
                    .or(lower(comments::author_location)
                        .like(lower(Some(pattern.clone())))
                        .escape('\\'))
                    .or(lower(comments::email)
                        .like(lower(Some(pattern)))
                        .escape('\\'))
                    .assume_not_null(),
            );
        }
        query
    }};
}

/// A page of the moderation queue, oldest first, after the keyset
/// `(created_at, id)`, optionally for one post. Returns the rows and the
/// total in that part of the queue.
pub fn queue(
    conn: &mut DbConn,
    filter: QueueFilter,
    post_id: Option<PostId>,
    after: Option<(i64, i32)>,
    limit: i64,
) -> QueryResult<(Vec<QueueRow>, i64)> {
    let spec = QueueSpec {
        filter: Some(filter),
        post_id,
        ..QueueSpec::default()
    };
    queue_page(conn, &spec, after, limit)
}

/// A page of the part of the queue `spec` describes, after the keyset
/// `(created_at, id)` in its order. Returns the rows and the total in that
/// part of the queue.
pub fn queue_page(
    conn: &mut DbConn,
    spec: &QueueSpec,
    after: Option<(i64, i32)>,
    limit: i64,
) -> QueryResult<(Vec<QueueRow>, i64)> {
    let mut rows = queue_filters!(
        comments::table
            .inner_join(posts::table)
            .left_join(moderators::table)
            .select((
                Comment::as_select(),
                posts::slug,
                posts::title,
                moderators::username.nullable(),
            ))
            .limit(limit)
            .into_boxed(),
        spec
    );
    rows = if spec.newest_first {
        rows.order((comments::created_at.desc(), comments::id.desc()))
    } else {
        rows.order((comments::created_at.asc(), comments::id.asc()))
    };
    if let Some((created, id)) = after {
        rows = if spec.newest_first {
            rows.filter(
                comments::created_at
                    .lt(created)
                    .or(comments::created_at.eq(created).and(comments::id.lt(id))),
            )
        } else {
            rows.filter(
                comments::created_at
                    .gt(created)
                    .or(comments::created_at.eq(created).and(comments::id.gt(id))),
            )
        };
    }
    Ok((rows.load(conn)?, queue_count(conn, spec)?))
}

/// How many comments the part of the queue `spec` describes holds. A
/// whole status is one row of `status_totals` (kept by triggers); a post,
/// a comment, a text search or the flagged tab is counted.
pub fn queue_count(conn: &mut DbConn, spec: &QueueSpec) -> QueryResult<i64> {
    let whole_status = match spec.filter.unwrap_or(QueueFilter::Status(Status::Pending)) {
        QueueFilter::Status(status)
            if spec.post_id.is_none()
                && spec.id.is_none()
                && spec.text.as_deref().is_none_or(|t| t.trim().is_empty()) =>
        {
            Some(status)
        }
        _ => None,
    };
    if let Some(status) = whole_status {
        return status_totals::table
            .find(status.as_str())
            .select(status_totals::total)
            .first::<i64>(conn)
            .optional()
            .map(Option::unwrap_or_default);
    }
    queue_filters!(comments::table.count().into_boxed(), spec).get_result(conn)
}

/// One queue item by comment id.
pub fn queue_item(conn: &mut DbConn, id: CommentId) -> QueryResult<Option<QueueRow>> {
    comments::table
        .inner_join(posts::table)
        .left_join(moderators::table)
        .filter(comments::id.eq(id))
        .select((
            Comment::as_select(),
            posts::slug,
            posts::title,
            moderators::username.nullable(),
        ))
        .first(conn)
        .optional()
}

/// What the moderation log shows of a comment an entry is about: where it
/// stands, what the reader wrote and the post's address. Never its e-mail
/// or IP hash.
#[derive(Debug, Clone, Queryable)]
pub struct LoggedComment {
    /// Row id.
    pub id: CommentId,
    /// Where it stands now.
    pub status: Status,
    /// Markdown source, as written.
    pub body_source: String,
    /// The post's slug.
    pub post_slug: String,
    /// The post's address on the blog.
    pub post_url: Option<String>,
}

/// The comments of `ids` that still exist, for the log's entries.
pub fn logged(conn: &mut DbConn, ids: &[CommentId]) -> QueryResult<Vec<LoggedComment>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    comments::table
        .inner_join(posts::table)
        .filter(comments::id.eq_any(ids))
        .select((
            comments::id,
            comments::status,
            comments::body_source,
            posts::slug,
            posts::url,
        ))
        .load(conn)
}

/// Every status with its number of comments, from the trigger-kept
/// `status_totals` table.
pub fn status_totals(conn: &mut DbConn) -> QueryResult<Vec<(String, i64)>> {
    status_totals::table
        .select((status_totals::status, status_totals::total))
        .load(conn)
}
