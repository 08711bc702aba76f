//! Atom feeds of published comments: the whole site's and one post's.
//!
//! A feed shows what a thread shows and nothing else: approved reader
//! comments and official replies whose every ancestor is approved too (a
//! thread hides a reply to a comment that is no longer public, and so
//! does its feed), by signed name, with the sanitised body and the
//! permalink the thread JSON gives. E-mail addresses, IP hashes and
//! anything pending, rejected or spam never reach the query's columns.
//! The document itself is `domain::atom`'s; caching is the http floor's.

use super::permalinks::{permalink_base, permalink_page};
use crate::config::Settings;
use crate::db::DbConn;
use crate::db::comments::{self as comments_db, FeedRow};
use crate::db::posts::Post;
use crate::domain::atom::{Entry, Feed};
use crate::domain::comment::CommentId;
use crate::domain::moderation::{Kind, Status};
use crate::domain::post::PostId;
use diesel::QueryResult;
use std::collections::HashMap;

/// Entries in a feed: the newest this many.
pub const ENTRIES: usize = 50;

/// Rows read at a time while looking for visible items.
const BATCH: i64 = 100;

/// Rows looked at, at most, before a feed makes do with fewer entries
/// (only when nearly everything newest hangs under hidden comments).
const MAX_SCANNED: usize = 2_000;

/// The address of the site's feed.
pub fn site_feed_url(settings: &Settings) -> String {
    format!("{}/feeds/comments.atom", settings.public_url())
}

/// The address of the feed of the post `slug`.
pub fn post_feed_url(settings: &Settings, slug: &str) -> String {
    format!(
        "{}/feeds/posts/{}.atom",
        settings.public_url(),
        path_segment(slug)
    )
}

/// The whole site's feed: the [`ENTRIES`] newest published items of every
/// post.
pub fn site_feed(conn: &mut DbConn, settings: &Settings) -> QueryResult<Feed> {
    let rows = newest_visible(conn, None)?;
    let self_url = site_feed_url(settings);
    let site = settings.public_url();
    let host = site
        .split_once("://")
        .map_or(site.as_str(), |(_, rest)| rest)
        .to_owned();
    Ok(feed(
        settings,
        self_url,
        format!("Comments on {host}"),
        format!("{site}/"),
        0,
        rows,
    ))
}

/// The feed of one post: its [`ENTRIES`] newest published items.
pub fn post_feed(conn: &mut DbConn, settings: &Settings, post: &Post) -> QueryResult<Feed> {
    let rows = newest_visible(conn, Some(post.id))?;
    Ok(feed(
        settings,
        post_feed_url(settings, &post.slug),
        format!("Comments on {}", post.title),
        permalink_base(settings, post),
        post.updated_at,
        rows,
    ))
}

/// A feed of `rows` (newest first); `empty_updated` is its `updated` when
/// no entry is newer.
fn feed(
    settings: &Settings,
    self_url: String,
    title: String,
    page_url: String,
    empty_updated: i64,
    rows: Vec<FeedRow>,
) -> Feed {
    let entries: Vec<Entry> = rows.into_iter().map(|row| entry(settings, row)).collect();
    let updated = entries
        .iter()
        .map(|e| e.updated)
        .fold(empty_updated, i64::max);
    Feed {
        id: self_url.clone(),
        title,
        self_url,
        page_url,
        updated,
        entries,
    }
}

/// One item as an entry: named and linked by its permalink.
fn entry(settings: &Settings, row: FeedRow) -> Entry {
    let author = match row.kind {
        Kind::Official => settings.official_name.clone(),
        Kind::Reader => row.author_name,
    };
    let page = permalink_page(settings, &row.post_slug, row.post_url.as_deref());
    let link = format!("{page}#comment-{}", row.id);
    Entry {
        id: link.clone(),
        title: format!("{author} on {}", row.post_title),
        author,
        link,
        published: row.created_at,
        // When it became public: its approval, for a reader's comment.
        updated: row
            .moderated_at
            .unwrap_or(row.created_at)
            .max(row.created_at),
        html: row.body_html,
    }
}

/// The [`ENTRIES`] newest approved items (of `post_id`, or of every post)
/// that a thread shows: those whose ancestors are all approved.
fn newest_visible(conn: &mut DbConn, post_id: Option<PostId>) -> QueryResult<Vec<FeedRow>> {
    let mut ancestry = Ancestry::default();
    let mut found = Vec::with_capacity(ENTRIES);
    let mut before = None;
    let mut scanned = 0;
    while found.len() < ENTRIES && scanned < MAX_SCANNED {
        let batch = comments_db::newest_approved(conn, post_id, before, BATCH)?;
        let Some(last) = batch.last() else { break };
        before = Some((last.created_at, last.id));
        scanned += batch.len();
        let full = batch.len() as i64 == BATCH;
        for row in &batch {
            ancestry.know(row.id, row.parent_id, Status::Approved);
        }
        ancestry.fill(conn)?;
        found.extend(
            batch
                .into_iter()
                .filter(|row| ancestry.visible(row.id))
                .take(ENTRIES - found.len()),
        );
        if !full {
            break;
        }
    }
    Ok(found)
}

/// What is known of comments' parents and statuses, to decide which are
/// visible (approved, under approved ancestors up to the top).
#[derive(Debug, Default)]
struct Ancestry {
    known: HashMap<CommentId, (Option<CommentId>, Status)>,
    visible: HashMap<CommentId, bool>,
}

impl Ancestry {
    fn know(&mut self, id: CommentId, parent: Option<CommentId>, status: Status) {
        self.known.insert(id, (parent, status));
    }

    /// Reads every ancestor not yet known, a generation at a time.
    fn fill(&mut self, conn: &mut DbConn) -> QueryResult<()> {
        // Each round reads one more level; a chain is as deep as readers
        // made it one approval at a time, and a cycle (which the schema
        // cannot make) ends when nothing new is missing.
        for _ in 0..1_000 {
            let mut missing: Vec<CommentId> = self
                .known
                .values()
                .filter(|(_, status)| *status == Status::Approved)
                .filter_map(|(parent, _)| *parent)
                .filter(|p| !self.known.contains_key(p))
                .collect();
            if missing.is_empty() {
                return Ok(());
            }
            missing.sort_unstable();
            missing.dedup();
            let rows = comments_db::parents_of(conn, &missing)?;
            for &id in &missing {
                // A parent that does not exist hides its replies.
                self.known.entry(id).or_insert((None, Status::Rejected));
            }
            for (id, parent, status) in rows {
                self.know(id, parent, status);
            }
        }
        Ok(())
    }

    /// Whether `id` and every ancestor are approved (unknown: not).
    fn visible(&mut self, id: CommentId) -> bool {
        let mut chain = Vec::new();
        let mut at = Some(id);
        let answer = loop {
            let Some(current) = at else { break true };
            if let Some(&known) = self.visible.get(&current) {
                break known;
            }
            if chain.contains(&current) {
                break false;
            }
            match self.known.get(&current) {
                Some((parent, Status::Approved)) => {
                    chain.push(current);
                    at = *parent;
                }
                _ => {
                    self.visible.insert(current, false);
                    break false;
                }
            }
        };
        for c in chain {
            self.visible.insert(c, answer);
        }
        answer
    }
}

/// `value` as one path segment: unreserved characters kept, the rest
/// percent-encoded (slugs are plain already; imported ones may not be).
fn path_segment(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::db::comments::NewCommentRow;
    use crate::db::posts as posts_db;
    use crate::service::testing;
    use diesel::RunQueryDsl;

    fn comment(
        conn: &mut DbConn,
        post: PostId,
        parent: Option<CommentId>,
        status: Status,
        text: &str,
        at: i64,
    ) -> CommentId {
        let html = crate::domain::render::render_comment(text);
        let row = NewCommentRow::reader(
            post,
            parent,
            status,
            "Ines",
            Some("Lisbon"),
            Some("ines@example.org"),
            Some("hash"),
            text,
            &html,
            at,
        );
        comments_db::insert(conn, &row).unwrap()
    }

    fn settings() -> Settings {
        Settings {
            public_url: Some("https://talk.example/".into()),
            demo: true,
            ..Settings::default()
        }
    }

    #[test]
    fn a_feed_has_only_what_a_thread_shows_newest_first() {
        let mut conn = testing::conn();
        let post = testing::post_published_at(&mut conn, "rivers", 10);
        let top = comment(&mut conn, post, None, Status::Approved, "Top words.", 100);
        let hidden = comment(&mut conn, post, None, Status::Rejected, "Gone words.", 110);
        let under_hidden = comment(
            &mut conn,
            post,
            Some(hidden),
            Status::Approved,
            "Orphan.",
            120,
        );
        let _pending = comment(&mut conn, post, Some(top), Status::Pending, "Waiting.", 130);
        let reply = comment(
            &mut conn,
            post,
            Some(top),
            Status::Approved,
            "A reply.",
            140,
        );
        let deep = comment(
            &mut conn,
            post,
            Some(under_hidden),
            Status::Approved,
            "Deeper.",
            150,
        );
        let post = posts_db::by_id(&mut conn, post).unwrap().unwrap();
        let feed = post_feed(&mut conn, &settings(), &post).unwrap();
        let ids: Vec<&str> = feed.entries.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                format!("https://talk.example/posts/rivers#comment-{reply}"),
                format!("https://talk.example/posts/rivers#comment-{top}"),
            ]
        );
        assert!(!ids.iter().any(|i| i.ends_with(&format!("-{deep}"))));
        assert_eq!(
            feed.self_url,
            "https://talk.example/feeds/posts/rivers.atom"
        );
        assert_eq!(feed.page_url, "https://talk.example/posts/rivers");
        assert_eq!(feed.entries[0].title, "Ines on Title of rivers");
        assert_eq!(feed.updated, 140);
        let xml = String::from_utf8(feed.to_xml()).unwrap();
        assert!(!xml.contains("ines@example.org"));
        assert!(!xml.contains("Waiting") && !xml.contains("Gone words") && !xml.contains("Orphan"));
    }

    #[test]
    fn the_site_feed_takes_the_newest_fifty_of_every_post_and_names_official_replies() {
        let mut conn = testing::conn();
        let a = testing::post_published_at(&mut conn, "a", 1);
        let b = testing::post_published_at(&mut conn, "b", 1);
        for i in 0..70 {
            let post = if i % 2 == 0 { a } else { b };
            comment(
                &mut conn,
                post,
                None,
                Status::Approved,
                &format!("Number {i}."),
                1_000 + i,
            );
        }
        diesel::sql_query("UPDATE comments SET kind = 'official', author_name = 'Old name' WHERE body_source = 'Number 69.'")
            .execute(&mut conn)
            .unwrap();
        let settings = Settings {
            official_name: "The Desk".into(),
            ..settings()
        };
        let feed = site_feed(&mut conn, &settings).unwrap();
        assert_eq!(feed.entries.len(), ENTRIES);
        assert!(feed.entries[0].html.contains("Number 69."));
        assert_eq!(feed.entries[0].author, "The Desk");
        assert!(feed.entries[49].html.contains("Number 20."));
        assert!(
            feed.entries
                .windows(2)
                .all(|w| w[0].published >= w[1].published)
        );
        assert!(feed.entries.iter().any(|e| e.link.contains("/posts/a#")));
        assert!(feed.entries.iter().any(|e| e.link.contains("/posts/b#")));
        assert_eq!(feed.title, "Comments on talk.example");
        assert_eq!(feed.page_url, "https://talk.example/");
    }

    #[test]
    fn entries_link_to_the_posts_own_page_where_it_has_one() {
        let mut conn = testing::conn();
        let on_blog = testing::post_published_at(&mut conn, "on-blog", 1);
        let elsewhere = testing::post_published_at(&mut conn, "elsewhere", 1);
        diesel::sql_query(
            "UPDATE posts SET url = '/2026/12/on-blog.html#top' WHERE slug = 'on-blog'",
        )
        .execute(&mut conn)
        .unwrap();
        diesel::sql_query(
            "UPDATE posts SET url = 'https://blog.example/elsewhere' WHERE slug = 'elsewhere'",
        )
        .execute(&mut conn)
        .unwrap();
        let a = comment(&mut conn, on_blog, None, Status::Approved, "Here.", 10);
        let b = comment(&mut conn, elsewhere, None, Status::Approved, "There.", 20);
        let feed = site_feed(&mut conn, &settings()).unwrap();
        let links: Vec<&str> = feed.entries.iter().map(|e| e.link.as_str()).collect();
        assert_eq!(
            links,
            [
                format!("https://blog.example/elsewhere#comment-{b}"),
                format!("https://talk.example/2026/12/on-blog.html#comment-{a}"),
            ]
        );
        let post = posts_db::by_id(&mut conn, on_blog).unwrap().unwrap();
        let feed = post_feed(&mut conn, &settings(), &post).unwrap();
        assert_eq!(feed.page_url, "https://talk.example/2026/12/on-blog.html");
    }

    #[test]
    fn a_slug_becomes_one_path_segment() {
        assert_eq!(path_segment("plain-slug"), "plain-slug");
        assert_eq!(path_segment("a/b c"), "a%2Fb%20c");
    }
}
