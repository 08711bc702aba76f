//! The JSON shapes of API.md and their construction from stored rows.
//! Public shapes carry no e-mail, no IP hash, no moderation detail.

use super::{encode_cursor, next_cursor};
use crate::db::comments::{Comment, QueueRow, ThreadRow};
use crate::db::log::LogRow;
use crate::db::posts::Post;
use crate::db::workspace::{History, ItemContext};
use crate::domain::comment::CommentId;
use crate::domain::time::rfc3339;
use serde::Serialize;
use std::collections::HashMap;

/// The words a reader sees after submitting (the 202's `message`, and the
/// no-JS page after a form post).
pub const AWAITING_REVIEW: &str =
    "Thank you. Your comment is awaiting review and will appear once a moderator approves it.";

/// A post in lists.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PostView {
    /// Unique address.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Author.
    pub author: String,
    /// Publication time.
    pub published_at: String,
    /// Where the blog shows it.
    pub url: Option<String>,
    /// Summary.
    pub summary: String,
    /// Whether readers may comment.
    pub comments_open: bool,
    /// Approved comments and official replies.
    pub comment_count: i64,
}

/// A post as moderators list it: with whether a reader's comment
/// started it (such a post is publicly listed only once something on it
/// is approved).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ModPostView {
    /// The post as readers see it in lists.
    #[serde(flatten)]
    pub post: PostView,
    /// Created by the first comment from its page (`posts.auto_create`).
    pub auto_created: bool,
}

/// A page of the moderators' post list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ModPostList {
    /// Every post, newest first.
    pub posts: Vec<ModPostView>,
    /// Cursor of the next page.
    pub next: Option<String>,
}

impl PostView {
    /// The list shape of a post.
    pub fn new(post: &Post, comment_count: i64) -> Self {
        Self {
            slug: post.slug.clone(),
            title: post.title.clone(),
            author: post.author.clone(),
            published_at: rfc3339(post.published_at),
            url: post.url.clone(),
            summary: post.summary.clone(),
            comments_open: post.comments_open,
            comment_count,
        }
    }
}

/// One post with its body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PostDetail {
    /// The list fields.
    #[serde(flatten)]
    pub post: PostView,
    /// The sanitised body.
    pub body_html: String,
}

/// A post as the thread response names it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ThreadPost {
    /// Unique address.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Whether readers may comment.
    pub comments_open: bool,
}

/// A public comment or official reply, with its replies nested.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ThreadComment {
    /// Id.
    #[schema(value_type = i32)]
    pub id: CommentId,
    /// The comment it answers.
    #[schema(value_type = Option<i32>)]
    pub parent_id: Option<CommentId>,
    /// `reader` or `official`.
    pub kind: &'static str,
    /// Signed name (the official name for official replies).
    pub author_name: String,
    /// Location.
    pub author_location: Option<String>,
    /// Sanitised HTML.
    pub body_html: String,
    /// Submission time.
    pub created_at: String,
    /// Where the comment can be linked to: the post's page with
    /// `#comment-ID`.
    pub permalink: String,
    /// Approved replies, oldest first.
    #[schema(no_recursion)]
    pub replies: Vec<ThreadComment>,
}

impl ThreadComment {
    fn leaf(row: ThreadRow, permalink_base: &str) -> Self {
        Self {
            permalink: permalink(permalink_base, row.id),
            id: row.id,
            parent_id: row.parent_id,
            kind: row.kind.as_str(),
            author_name: row.author_name,
            author_location: row.author_location,
            body_html: row.body_html,
            created_at: rfc3339(row.created_at),
            replies: Vec::new(),
        }
    }

    /// The public shape of one stored comment, without replies, on the
    /// page `permalink_base`.
    pub fn from_comment(c: &Comment, permalink_base: &str) -> Self {
        Self {
            permalink: permalink(permalink_base, c.id),
            id: c.id,
            parent_id: c.parent_id,
            kind: c.kind.as_str(),
            author_name: c.author_name.clone(),
            author_location: c.author_location.clone(),
            body_html: c.body_html.clone(),
            created_at: rfc3339(c.created_at),
            replies: Vec::new(),
        }
    }
}

/// The response of `GET /api/v1/posts/{slug}/comments`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ThreadView {
    /// The post.
    pub post: ThreadPost,
    /// Every visible item on the post.
    pub total: usize,
    /// Top-level items of this page.
    pub comments: Vec<ThreadComment>,
    /// Cursor of the next page.
    pub next: Option<String>,
    /// Whether a comment's author may ask to be told by e-mail what
    /// becomes of it (`notify`): mail is configured on this server.
    pub notify: bool,
}

/// Thread order of top-level comments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Oldest first.
    Oldest,
    /// Newest first.
    Newest,
}

/// A comment's permalink on the page `base` (see
/// `service::posts::permalink_base`).
pub fn permalink(base: &str, id: CommentId) -> String {
    format!("{base}#comment-{id}")
}

/// What nesting needs to know of a public item.
pub trait Threaded {
    /// The item.
    fn id(&self) -> CommentId;
    /// What it answers.
    fn parent_id(&self) -> Option<CommentId>;
    /// When it was written (the thread's order, with the id).
    fn created_at(&self) -> i64;
}

impl Threaded for ThreadRow {
    fn id(&self) -> CommentId {
        self.id
    }
    fn parent_id(&self) -> Option<CommentId> {
        self.parent_id
    }
    fn created_at(&self) -> i64 {
        self.created_at
    }
}

impl Threaded for crate::db::comments::FragmentRow {
    fn id(&self) -> CommentId {
        self.id
    }
    fn parent_id(&self) -> Option<CommentId> {
        self.parent_id
    }
    fn created_at(&self) -> i64 {
        self.created_at
    }
}

/// An item with its replies, oldest first.
#[derive(Debug)]
pub struct Nested<R> {
    /// The item.
    pub row: R,
    /// Its public replies, nested.
    pub replies: Vec<Nested<R>>,
}

/// Nests a post's approved items (oldest first) and cuts one page of
/// top-level items: how many items the whole thread shows, the page's
/// trees and the cursor of the next page. An item whose parent is not
/// public is not shown: a reply makes no sense without what it answers.
pub fn nest_page<R: Threaded>(
    rows: Vec<R>,
    order: Order,
    after: Option<(i64, i32)>,
    limit: i64,
) -> (usize, Vec<Nested<R>>, Option<String>) {
    let mut children: HashMap<CommentId, Vec<R>> = HashMap::new();
    let mut roots = Vec::new();
    for row in rows {
        match row.parent_id() {
            None => roots.push(row),
            Some(parent) => children.entry(parent).or_default().push(row),
        }
    }
    let mut total = 0;
    let mut trees: Vec<Nested<R>> = roots
        .into_iter()
        .map(|row| nest(row, &mut children, &mut total))
        .collect();
    if order == Order::Newest {
        trees.reverse();
    }
    let key = |tree: &Nested<R>| (tree.row.created_at(), tree.row.id().0);
    if let Some(start) = after {
        trees.retain(|tree| match order {
            Order::Oldest => key(tree) > start,
            Order::Newest => key(tree) < start,
        });
    }
    trees.truncate(
        usize::try_from(limit)
            .unwrap_or(usize::MAX)
            .saturating_add(1),
    );
    let next = next_cursor(&mut trees, limit, key);
    (total, trees, next)
}

fn nest<R: Threaded>(
    row: R,
    children: &mut HashMap<CommentId, Vec<R>>,
    total: &mut usize,
) -> Nested<R> {
    *total += 1;
    // Iterative over siblings, recursive over depth; depth is bounded by
    // the chain of replies readers can build one approval at a time.
    let replies = children
        .remove(&row.id())
        .map(|kids| kids.into_iter().map(|k| nest(k, children, total)).collect())
        .unwrap_or_default();
    Nested { row, replies }
}

/// [`nest_page`] in the public shape, permalinks pointing into the page
/// `permalink_base`.
pub fn build_thread(
    rows: Vec<ThreadRow>,
    order: Order,
    after: Option<(i64, i32)>,
    limit: i64,
    permalink_base: &str,
) -> (usize, Vec<ThreadComment>, Option<String>) {
    let (total, trees, next) = nest_page(rows, order, after, limit);
    let comments = trees
        .into_iter()
        .map(|tree| shaped(tree, permalink_base))
        .collect();
    (total, comments, next)
}

fn shaped(tree: Nested<ThreadRow>, permalink_base: &str) -> ThreadComment {
    let mut comment = ThreadComment::leaf(tree.row, permalink_base);
    comment.replies = tree
        .replies
        .into_iter()
        .map(|reply| shaped(reply, permalink_base))
        .collect();
    comment
}

/// A comment as moderators see it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ModComment {
    /// Id.
    #[schema(value_type = i32)]
    pub id: CommentId,
    /// The post's slug.
    pub post_slug: String,
    /// The post's title.
    pub post_title: String,
    /// The comment it answers.
    #[schema(value_type = Option<i32>)]
    pub parent_id: Option<CommentId>,
    /// `reader` or `official`.
    pub kind: &'static str,
    /// Signed name.
    pub author_name: String,
    /// Location.
    pub author_location: Option<String>,
    /// E-mail (moderators only).
    pub email: Option<String>,
    /// Sanitised HTML.
    pub body_html: String,
    /// Markdown source, as the reader wrote it.
    pub body_source: String,
    /// `pending`, `approved`, `rejected` or `spam`.
    pub status: &'static str,
    /// Sum of spam-signal weights.
    pub spam_score: i32,
    /// Why it looks suspicious.
    pub signals: Vec<String>,
    /// Open reader flags.
    pub flag_count: i32,
    /// Submission time.
    pub created_at: String,
    /// Last decision time.
    pub moderated_at: Option<String>,
    /// Who decided last (user name).
    pub moderated_by: Option<String>,
    /// Rejection reason id.
    pub reason: Option<String>,
    /// The comment it answers, if any.
    pub parent: Option<ParentView>,
    /// Open reader flags' reasons, newest first.
    pub flags: Vec<String>,
    /// How the sender's other comments (same e-mail or same IP hash) fared.
    pub author_history: Option<History>,
    /// Another moderator who has this comment open (a fresh claim).
    pub claimed_by: Option<ClaimView>,
    /// Whether a live ban covers the sender.
    pub author_banned: bool,
}

/// The comment a queue item answers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ParentView {
    /// Id.
    #[schema(value_type = i32)]
    pub id: CommentId,
    /// `reader` or `official`.
    pub kind: &'static str,
    /// Its status.
    pub status: &'static str,
    /// Signed name.
    pub author_name: String,
    /// Sanitised HTML.
    pub body_html: String,
}

/// Who holds a claim on a queue item.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClaimView {
    /// User name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Since when (claimed or last renewed).
    pub since: String,
}

impl ModComment {
    /// The moderator shape of a queue row with its context; a claim held by
    /// `viewer` is not shown as someone else's.
    pub fn with_context(row: QueueRow, context: ItemContext, viewer: i32) -> Self {
        let mut item = Self::new(row);
        item.parent = context.parent.map(|p| ParentView {
            id: p.id,
            kind: p.kind.as_str(),
            status: p.status.as_str(),
            author_name: p.author_name,
            body_html: p.body_html,
        });
        item.flags = context.flags;
        item.author_history = Some(context.history);
        item.claimed_by = context
            .claim
            .filter(|c| c.moderator_id != viewer)
            .map(|c| ClaimView {
                username: c.username,
                display_name: c.display_name,
                since: rfc3339(c.claimed_at),
            });
        item.author_banned = context.author_banned;
        item
    }

    /// The moderator shape of a queue row.
    pub fn new((c, post_slug, post_title, moderated_by): QueueRow) -> Self {
        Self {
            signals: serde_json::from_str(&c.signals).unwrap_or_default(),
            id: c.id,
            post_slug,
            post_title,
            parent_id: c.parent_id,
            kind: c.kind.as_str(),
            author_name: c.author_name,
            author_location: c.author_location,
            email: c.email,
            body_html: c.body_html,
            body_source: c.body_source,
            status: c.status.as_str(),
            spam_score: c.spam_score,
            flag_count: c.flag_count,
            created_at: rfc3339(c.created_at),
            moderated_at: c.moderated_at.map(rfc3339),
            moderated_by,
            reason: c.reason,
            parent: None,
            flags: Vec::new(),
            author_history: None,
            claimed_by: None,
            author_banned: false,
        }
    }
}

/// A page of the queue.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct QueueView {
    /// The items.
    pub comments: Vec<ModComment>,
    /// Cursor of the next page.
    pub next: Option<String>,
    /// Items in this part of the queue.
    pub total: i64,
}

/// One moderation log entry.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LogView {
    /// Id.
    pub id: i32,
    /// When.
    pub at: String,
    /// Who (user name); none for the system.
    pub moderator: Option<String>,
    /// What.
    pub action: &'static str,
    /// The comment concerned.
    #[schema(value_type = Option<i32>)]
    pub comment_id: Option<CommentId>,
    /// The rejection reason.
    pub reason: Option<String>,
    /// The post concerned.
    pub post_slug: Option<String>,
    /// Extra facts.
    pub detail: Option<String>,
    /// The first characters of the comment concerned, as plain text from
    /// what the reader wrote (never its HTML); none when the entry names
    /// no comment or the comment is gone.
    pub comment_excerpt: Option<String>,
    /// Where the comment concerned stands now: `pending`, `approved`,
    /// `rejected` or `spam`.
    pub comment_status: Option<&'static str>,
    /// The public permalink of the comment concerned, while it is
    /// approved.
    pub comment_permalink: Option<String>,
}

/// What a log entry shows of the comment it is about.
#[derive(Debug, Clone)]
pub struct LoggedCommentView {
    /// The excerpt of its source.
    pub excerpt: String,
    /// Its status now.
    pub status: &'static str,
    /// Its permalink, if approved.
    pub permalink: Option<String>,
}

/// A page of the log.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LogPage {
    /// Newest first.
    pub entries: Vec<LogView>,
    /// Cursor of the next (older) page.
    pub next: Option<String>,
}

impl LogPage {
    /// A page of the log from rows read one past `limit` (so that the
    /// extra row says there is a next page), with what `comments` holds of
    /// the comments the entries are about.
    pub fn new(
        mut rows: Vec<LogRow>,
        limit: i64,
        comments: &HashMap<CommentId, LoggedCommentView>,
    ) -> Self {
        let more = next_cursor(&mut rows, limit, |((id, ..), ..)| (0, *id)).is_some();
        let last = rows.last().map(|((id, ..), ..)| *id);
        let entries = rows
            .into_iter()
            .map(
                |((id, at, action, comment_id, reason, detail), moderator, post_slug)| {
                    let about = comment_id.and_then(|c| comments.get(&c));
                    LogView {
                        id,
                        at: rfc3339(at),
                        moderator,
                        action: action.as_str(),
                        comment_id,
                        reason,
                        post_slug,
                        detail,
                        comment_excerpt: about.map(|a| a.excerpt.clone()),
                        comment_status: about.map(|a| a.status),
                        comment_permalink: about.and_then(|a| a.permalink.clone()),
                    }
                },
            )
            .collect();
        Self {
            entries,
            next: last.filter(|_| more).map(log_cursor),
        }
    }
}

/// The cursor for log pages: entries are keyed by id alone.
pub fn log_cursor(id: i32) -> String {
    encode_cursor((0, id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i32, parent: Option<i32>, at: i64) -> ThreadRow {
        ThreadRow {
            id: CommentId(id),
            parent_id: parent.map(CommentId),
            kind: crate::domain::moderation::Kind::Reader,
            author_name: format!("r{id}"),
            author_location: None,
            body_html: String::new(),
            created_at: at,
        }
    }

    #[test]
    fn replies_nest_under_their_parents_and_orphans_are_dropped() {
        let rows = vec![
            row(1, None, 10),
            row(2, Some(1), 11),
            row(3, Some(2), 12),
            row(4, None, 13),
            row(5, Some(99), 14),
        ];
        let (total, comments, next) =
            build_thread(rows, Order::Oldest, None, 50, "https://blog.example/p");
        assert_eq!(total, 4);
        assert_eq!(next, None);
        assert_eq!(comments.len(), 2);
        assert_eq!(comments[0].replies[0].id, CommentId(2));
        assert_eq!(comments[0].replies[0].replies[0].id, CommentId(3));
        assert_eq!(
            comments[0].replies[0].permalink,
            "https://blog.example/p#comment-2"
        );
    }

    #[test]
    fn pages_follow_the_cursor_in_either_order() {
        let rows = || {
            (1..=5)
                .map(|i| row(i, None, 100 + i64::from(i)))
                .collect::<Vec<_>>()
        };
        let (_, first, next) =
            build_thread(rows(), Order::Oldest, None, 2, "https://blog.example/p");
        assert_eq!(first.iter().map(|c| c.id.0).collect::<Vec<_>>(), [1, 2]);
        let after = super::super::decode_cursor(&next.unwrap()).unwrap();
        let (_, second, _) = build_thread(
            rows(),
            Order::Oldest,
            Some(after),
            2,
            "https://blog.example/p",
        );
        assert_eq!(second.iter().map(|c| c.id.0).collect::<Vec<_>>(), [3, 4]);
        let (_, newest, next) =
            build_thread(rows(), Order::Newest, None, 2, "https://blog.example/p");
        assert_eq!(newest.iter().map(|c| c.id.0).collect::<Vec<_>>(), [5, 4]);
        let after = super::super::decode_cursor(&next.unwrap()).unwrap();
        let (_, older, _) = build_thread(
            rows(),
            Order::Newest,
            Some(after),
            10,
            "https://blog.example/p",
        );
        assert_eq!(older.iter().map(|c| c.id.0).collect::<Vec<_>>(), [3, 2, 1]);
    }
}
