//! Posts: listing, lookup, creation and change.

use super::DbConn;
use super::log::{self, LogEntry};
use super::schema::{comments, posts};
use crate::domain::comment::CommentId;
use crate::domain::moderation::Status;
use crate::domain::post::PostChange;
use crate::domain::post::PostId;
use crate::domain::render::render_post;
use diesel::prelude::*;
use std::collections::HashMap;

/// A stored post.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = posts, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Post {
    /// Row id.
    pub id: PostId,
    /// Unique address.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Who wrote it.
    pub author: String,
    /// Publication time, Unix seconds.
    pub published_at: i64,
    /// Where the blog shows it.
    pub url: Option<String>,
    /// A sentence or two for lists.
    pub summary: String,
    /// Markdown source of the body.
    pub body_source: String,
    /// Sanitised body.
    pub body_html: String,
    /// Whether readers may comment.
    pub comments_open: bool,
    /// Creation time.
    pub created_at: i64,
    /// Last change.
    pub updated_at: i64,
    /// Created by a reader's first comment (`posts.auto_create`).
    pub auto_created: bool,
}

/// A post to insert; built from a [`PostChange`] by [`NewPost::from_change`].
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = posts)]
pub struct NewPost {
    /// Unique address.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Author.
    pub author: String,
    /// Publication time.
    pub published_at: i64,
    /// Blog URL.
    pub url: Option<String>,
    /// Summary.
    pub summary: String,
    /// Markdown source.
    pub body_source: String,
    /// Sanitised body.
    pub body_html: String,
    /// Open for comments.
    pub comments_open: bool,
    /// Creation time.
    pub created_at: i64,
    /// Last change.
    pub updated_at: i64,
    /// Created by a reader's first comment.
    pub auto_created: bool,
}

impl NewPost {
    /// Builds a post from a checked create request; `None` when a required
    /// field is missing (the parser refuses that before this is called).
    pub fn from_change(change: PostChange, now: i64) -> Option<Self> {
        let body_source = change.body.unwrap_or_default();
        Some(Self {
            slug: change.slug?.as_str().to_owned(),
            title: change.title?,
            author: change.author?,
            published_at: change.published_at.unwrap_or(now),
            url: change.url.flatten(),
            summary: change.summary.unwrap_or_default(),
            body_html: render_post(&body_source).into_string(),
            body_source,
            comments_open: change.comments_open.unwrap_or(true),
            created_at: now,
            updated_at: now,
            auto_created: false,
        })
    }
}

/// The columns a patch may change.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = posts)]
struct PostUpdate {
    slug: Option<String>,
    title: Option<String>,
    author: Option<String>,
    published_at: Option<i64>,
    url: Option<Option<String>>,
    summary: Option<String>,
    body_source: Option<String>,
    body_html: Option<String>,
    comments_open: Option<bool>,
    updated_at: i64,
}

/// Looks a post up by id.
pub fn by_id(conn: &mut DbConn, id: PostId) -> QueryResult<Option<Post>> {
    posts::table
        .find(id)
        .select(Post::as_select())
        .first(conn)
        .optional()
}

/// Looks a post up by slug.
///
/// Run on the concrete connection: on every submission and thread read,
/// so its statement is found in the cache by type instead of its SQL
/// being written out again first, as the multi-backend connection does.
pub fn by_slug(conn: &mut DbConn, slug: &str) -> QueryResult<Option<Post>> {
    super::conn::on_backend!(conn, c => posts::table
        .filter(posts::slug.eq(slug))
        .select(Post::as_select())
        .first(c)
        .optional())
}

/// A page of posts, newest first, after the keyset `(published_at, id)`;
/// with `listed_only`, without the posts a reader's comment started that
/// have nothing public yet (the public list), else every post (editors).
pub fn list(
    conn: &mut DbConn,
    after: Option<(i64, i32)>,
    limit: i64,
    listed_only: bool,
) -> QueryResult<Vec<Post>> {
    let mut query = posts::table
        .select(Post::as_select())
        .order((posts::published_at.desc(), posts::id.desc()))
        .limit(limit)
        .into_boxed();
    if listed_only {
        query = query.filter(
            posts::auto_created.eq(false).or(diesel::dsl::exists(
                comments::table
                    .filter(comments::post_id.eq(posts::id))
                    .filter(comments::status.eq(Status::Approved)),
            )),
        );
    }
    if let Some((published, id)) = after {
        query = query.filter(
            posts::published_at
                .lt(published)
                .or(posts::published_at.eq(published).and(posts::id.lt(id))),
        );
    }
    query.load(conn)
}

/// Public items per post id: approved reader comments and official
/// replies whose every ancestor is approved too, exactly what the thread
/// shows. Posts without any are absent.
pub fn approved_counts_by_id(
    conn: &mut DbConn,
    post_ids: &[PostId],
) -> QueryResult<HashMap<PostId, i64>> {
    let rows: Vec<(PostId, CommentId, Option<CommentId>)> = comments::table
        .filter(comments::post_id.eq_any(post_ids))
        .filter(comments::status.eq(Status::Approved))
        .order(comments::id.asc())
        .select((comments::post_id, comments::id, comments::parent_id))
        .load(conn)?;
    // A reply is always newer than what it answers, so one pass in id order
    // sees every parent before its children.
    let mut visible = std::collections::HashSet::with_capacity(rows.len());
    let mut counts = HashMap::new();
    for (post_id, id, parent_id) in rows {
        if parent_id.is_none_or(|p| visible.contains(&p)) {
            visible.insert(id);
            *counts.entry(post_id).or_insert(0) += 1;
        }
    }
    Ok(counts)
}

/// The ids of the posts that have these slugs.
pub fn ids_by_slug(conn: &mut DbConn, slugs: &[String]) -> QueryResult<Vec<(PostId, String)>> {
    posts::table
        .filter(posts::slug.eq_any(slugs))
        .select((posts::id, posts::slug))
        .load(conn)
}

/// Public items per slug (as [`approved_counts_by_id`]); unknown slugs are
/// absent.
pub fn approved_counts_by_slug(
    conn: &mut DbConn,
    slugs: &[String],
) -> QueryResult<HashMap<String, i64>> {
    let posts: Vec<(PostId, String)> = posts::table
        .filter(posts::slug.eq_any(slugs))
        .select((posts::id, posts::slug))
        .load(conn)?;
    let ids: Vec<PostId> = posts.iter().map(|(id, _)| *id).collect();
    let by_id = approved_counts_by_id(conn, &ids)?;
    Ok(posts
        .into_iter()
        .map(|(id, slug)| (slug, by_id.get(&id).copied().unwrap_or(0)))
        .collect())
}

/// Why creating or changing a post failed.
#[derive(Debug, thiserror::Error)]
pub enum PostWriteError {
    /// Another post has that slug.
    #[error("the slug is taken")]
    SlugTaken,
    /// No post has the slug being patched.
    #[error("no such post")]
    NotFound,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

fn map_unique(error: diesel::result::Error) -> PostWriteError {
    if super::is_unique_violation(&error) {
        PostWriteError::SlugTaken
    } else {
        PostWriteError::Db(error)
    }
}

/// Creates a post and logs it, in one transaction.
pub fn create(
    conn: &mut DbConn,
    new: &NewPost,
    moderator_id: Option<i32>,
) -> Result<Post, PostWriteError> {
    crate::db::write(conn, |conn| {
        let post: Post = super::conn::on_backend!(conn, c => diesel::insert_into(posts::table)
            .values(new)
            .returning(Post::as_returning())
            .get_result(c))
        .map_err(map_unique)?;
        let entry = match (new.auto_created, &new.url) {
            (true, Some(url)) => LogEntry::post_auto_created(new.created_at, post.id, url),
            _ => LogEntry::post_create(new.created_at, moderator_id, post.id),
        };
        log::append(conn, &entry)?;
        Ok(post)
    })
}

/// Applies a checked patch to the post `slug` and logs it, in one
/// transaction. Returns the post as it was and as it now is.
pub fn update(
    conn: &mut DbConn,
    slug: &str,
    change: PostChange,
    moderator_id: i32,
    now: i64,
) -> Result<(Post, Post), PostWriteError> {
    // Rendered before the transaction: a long body must not hold the
    // write lock while the sanitiser works.
    let body_html = change.body.as_deref().map(|b| render_post(b).into_string());
    crate::db::write(conn, |conn| {
        let before = by_slug(conn, slug)?.ok_or(PostWriteError::NotFound)?;
        let fields = describe_change(&change);
        let update = PostUpdate {
            slug: change.slug.map(|s| s.as_str().to_owned()),
            title: change.title,
            author: change.author,
            published_at: change.published_at,
            url: change.url,
            summary: change.summary,
            body_source: change.body,
            body_html,
            comments_open: change.comments_open,
            updated_at: now,
        };
        let after: Post =
            super::conn::on_backend!(conn, c => diesel::update(posts::table.find(before.id))
            .set(&update)
            .returning(Post::as_returning())
            .get_result(c))
            .map_err(map_unique)?;
        log::append(
            conn,
            &LogEntry::post_update(now, Some(moderator_id), after.id, fields),
        )?;
        Ok((before, after))
    })
}

/// Names the fields a patch touches, for the log (never their content).
fn describe_change(change: &PostChange) -> String {
    let mut fields = Vec::new();
    for (name, present) in [
        ("slug", change.slug.is_some()),
        ("title", change.title.is_some()),
        ("author", change.author.is_some()),
        ("published_at", change.published_at.is_some()),
        ("url", change.url.is_some()),
        ("summary", change.summary.is_some()),
        ("body", change.body.is_some()),
    ] {
        if present {
            fields.push(name.to_owned());
        }
    }
    if let Some(open) = change.comments_open {
        fields.push(format!("comments_open={open}"));
    }
    fields.join(", ")
}

/// How many posts exist.
pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    posts::table.count().get_result(conn)
}
