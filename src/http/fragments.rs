//! A thread page written from its items' stored JSON (the `fragment`
//! column, kept by triggers; see the migration `thread_fragments`): a
//! page that is not cached is one indexed read and a concatenation, no
//! string of a row escaped again. The bytes are a [`ThreadView`] as
//! `serde_json` would write it; `tests` compare the two for every kind of
//! text.
//!
//! [`ThreadView`]: super::views::ThreadView

use super::views::{Nested, ThreadPost};
use crate::db::comments::FragmentRow;
use std::io::Write;

/// The page's JSON, or `None` when an item has no usable fragment (the
/// caller then builds the page the slow way).
pub fn page(
    post: &ThreadPost,
    total: usize,
    comments: &[Nested<FragmentRow>],
    next: Option<&str>,
    notify: bool,
    permalink_base: &str,
) -> Option<Vec<u8>> {
    // The permalink as a JSON string without its closing quote: each item
    // appends its `#comment-ID"`.
    let mut base = serde_json::to_vec(permalink_base).ok()?;
    base.pop();
    let mut size = 256 + post.title.len() + post.slug.len();
    for tree in comments {
        size += measure(tree, base.len())?;
    }
    let mut out = Vec::with_capacity(size);
    out.extend_from_slice(b"{\"post\":");
    serde_json::to_writer(&mut out, post).ok()?;
    write!(out, ",\"total\":{total},\"comments\":[").ok()?;
    items(&mut out, comments, &base)?;
    out.extend_from_slice(b"],\"next\":");
    serde_json::to_writer(&mut out, &next).ok()?;
    out.extend_from_slice(if notify {
        b",\"notify\":true}"
    } else {
        b",\"notify\":false}"
    });
    Some(out)
}

/// The item's object without its closing brace, if it is one.
fn opening(row: &FragmentRow) -> Option<&[u8]> {
    let fragment = row.fragment.as_deref()?.as_bytes();
    (fragment.first() == Some(&b'{')).then_some(())?;
    fragment.strip_suffix(b"}")
}

/// Bytes a tree takes, about (for one allocation); `None` if an item of
/// it has no fragment.
fn measure(tree: &Nested<FragmentRow>, base: usize) -> Option<usize> {
    let mut size = opening(&tree.row)?.len() + base + 48;
    for reply in &tree.replies {
        size += measure(reply, base)?;
    }
    Some(size)
}

fn items(out: &mut Vec<u8>, trees: &[Nested<FragmentRow>], base: &[u8]) -> Option<()> {
    for (i, tree) in trees.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(opening(&tree.row)?);
        out.extend_from_slice(b",\"permalink\":");
        out.extend_from_slice(base);
        write!(out, "#comment-{}\",\"replies\":[", tree.row.id.0).ok()?;
        items(out, &tree.replies, base)?;
        out.extend_from_slice(b"]}");
    }
    Some(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::db::DbConn;
    use crate::db::comments::{self as comments_db, NewCommentRow};
    use crate::db::schema::comments;
    use crate::domain::comment::CommentId;
    use crate::domain::moderation::{Kind, Status};
    use crate::domain::post::PostId;
    use crate::http::views::{Order, ThreadView, build_thread, nest_page};
    use crate::service::testing;
    use diesel::prelude::*;

    /// Every string a field could hold that JSON must escape or keep.
    const AWKWARD: &[&str] = &[
        "plain",
        "quote \" and backslash \\ and slash /",
        "control \u{1}\u{8}\u{c}\n\r\t\u{1f} and DEL \u{7f}",
        "line separators \u{2028}\u{2029}",
        "</script><!-- & 'single' -->",
        "café, Ελληνικά, العربية, 中文, 🙂",
        "",
    ];

    fn add(
        conn: &mut DbConn,
        post: PostId,
        parent: Option<CommentId>,
        status: Status,
        name: &str,
        at: i64,
    ) -> CommentId {
        let html = crate::domain::render::render_comment("A *view*.");
        let row = NewCommentRow::reader(
            post,
            parent,
            status,
            name,
            Some(name),
            None,
            None,
            "A *view*.",
            &html,
            at,
        );
        let id = comments_db::insert(conn, &row).unwrap();
        // The sanitiser would clean these; the column must carry any text.
        diesel::update(comments::table.find(id))
            .set(comments::body_html.eq(format!("<p>{name}</p>")))
            .execute(conn)
            .unwrap();
        id
    }

    /// The page as `serde_json` writes it from full rows, and as this
    /// module writes it from fragments.
    fn both(
        conn: &mut DbConn,
        post: PostId,
        order: Order,
        after: Option<(i64, i32)>,
        limit: i64,
    ) -> (Vec<u8>, Vec<u8>) {
        let base = "https://blog.example/a \"post\"/p?x=1&y=<2>";
        let head = || ThreadPost {
            slug: "a-\"slug\"".into(),
            title: "A \"title\" \u{2028}".into(),
            comments_open: true,
        };
        let rows = comments_db::approved_for_post(conn, post).unwrap();
        let (total, comments, next) = build_thread(rows, order, after, limit, base);
        let expected = serde_json::to_vec(&ThreadView {
            post: head(),
            total,
            comments,
            next,
            notify: true,
        })
        .unwrap();
        let rows = comments_db::fragments_for_post(conn, post).unwrap();
        let (total, trees, next) = nest_page(rows, order, after, limit);
        let written = page(&head(), total, &trees, next.as_deref(), true, base).unwrap();
        (expected, written)
    }

    fn same_page(conn: &mut DbConn, post: PostId) {
        for order in [Order::Oldest, Order::Newest] {
            for (after, limit) in [(None, 50), (None, 2), (Some((1_001, i32::MAX)), 3)] {
                let (expected, written) = both(conn, post, order, after, limit);
                let as_value = |b: &[u8]| serde_json::from_slice::<serde_json::Value>(b).unwrap();
                assert_eq!(as_value(&written), as_value(&expected));
                assert_eq!(
                    String::from_utf8(written).unwrap(),
                    String::from_utf8(expected).unwrap(),
                    "byte for byte"
                );
            }
        }
    }

    #[test]
    fn a_page_from_fragments_is_the_page_serde_writes() {
        let mut conn = testing::conn();
        let post = testing::post_published_at(&mut conn, "a", 0);
        let mut at = 1_000;
        let mut parents = Vec::new();
        for name in AWKWARD {
            at += 1;
            let top = add(&mut conn, post, None, Status::Approved, name, at);
            at += 1;
            add(&mut conn, post, Some(top), Status::Approved, name, at);
            at += 1;
            add(&mut conn, post, Some(top), Status::Pending, name, at);
            parents.push(top);
        }
        // An official reply, a reply to a pending comment (not shown) and
        // a reply two deep.
        let html = crate::domain::render::render_comment("Official.");
        let mut official = NewCommentRow::reader(
            post,
            Some(parents[1]),
            Status::Approved,
            "Staff",
            None,
            None,
            None,
            "Official.",
            &html,
            5_000,
        );
        official.kind = Kind::Official;
        comments_db::insert(&mut conn, &official).unwrap();
        let hidden = add(&mut conn, post, None, Status::Pending, "hidden", 5_001);
        add(
            &mut conn,
            post,
            Some(hidden),
            Status::Approved,
            "orphan",
            5_002,
        );
        let deep = add(
            &mut conn,
            post,
            Some(parents[0]),
            Status::Approved,
            "deep",
            5_003,
        );
        add(
            &mut conn,
            post,
            Some(deep),
            Status::Approved,
            "deeper",
            5_004,
        );
        same_page(&mut conn, post);
        // No items at all.
        let empty = testing::post_published_at(&mut conn, "empty", 0);
        same_page(&mut conn, empty);
    }

    fn fragment(conn: &mut DbConn, id: CommentId) -> Option<String> {
        comments::table
            .find(id)
            .select(comments::fragment)
            .first(conn)
            .unwrap()
    }

    #[test]
    fn every_change_to_a_row_rewrites_its_fragment() {
        let mut conn = testing::conn();
        let post = testing::post_published_at(&mut conn, "a", 0);
        let id = add(&mut conn, post, None, Status::Pending, "Mari", 1_000);
        assert_eq!(fragment(&mut conn, id), None, "pending: nothing public");
        let set_status = |conn: &mut DbConn, status: Status| {
            diesel::update(comments::table.find(id))
                .set(comments::status.eq(status))
                .execute(conn)
                .unwrap();
        };
        set_status(&mut conn, Status::Approved);
        assert!(fragment(&mut conn, id).unwrap().contains("<p>Mari</p>"));
        same_page(&mut conn, post);
        // An erasure, an edit, a rename: each shows at once.
        for (column, value) in [
            ("body_html", "<p>[removed]</p>"),
            ("author_name", "[removed]"),
            ("author_location", "Elsewhere"),
        ] {
            diesel::sql_query(format!("UPDATE comments SET {column} = ? WHERE id = ?"))
                .bind::<diesel::sql_types::Text, _>(value)
                .bind::<diesel::sql_types::Integer, _>(id.0)
                .execute(&mut conn)
                .unwrap();
            assert!(fragment(&mut conn, id).unwrap().contains(value), "{column}");
            same_page(&mut conn, post);
        }
        // Someone writing the column itself is overruled.
        diesel::update(comments::table.find(id))
            .set(comments::fragment.eq("{\"id\":0}"))
            .execute(&mut conn)
            .unwrap();
        assert!(fragment(&mut conn, id).unwrap().contains("Elsewhere"));
        // Columns the public never sees leave it alone.
        let before = fragment(&mut conn, id);
        diesel::update(comments::table.find(id))
            .set((comments::flag_count.eq(3), comments::spam_score.eq(9)))
            .execute(&mut conn)
            .unwrap();
        assert_eq!(fragment(&mut conn, id), before);
        for status in [Status::Rejected, Status::Spam, Status::Pending] {
            set_status(&mut conn, Status::Approved);
            set_status(&mut conn, status);
            assert_eq!(fragment(&mut conn, id), None, "{status:?}: none kept");
            same_page(&mut conn, post);
        }
    }

    #[test]
    fn a_row_without_a_fragment_makes_the_page_fall_back() {
        let mut conn = testing::conn();
        let post = testing::post_published_at(&mut conn, "a", 0);
        add(&mut conn, post, None, Status::Approved, "Mari", 1_000);
        let mut rows = comments_db::fragments_for_post(&mut conn, post).unwrap();
        let head = ThreadPost {
            slug: "a".into(),
            title: "A".into(),
            comments_open: true,
        };
        for broken in [None, Some(String::new()), Some("[1]".to_owned())] {
            rows[0].fragment = broken;
            let (total, trees, next) = nest_page(rows.clone(), Order::Oldest, None, 50);
            assert_eq!(
                page(&head, total, &trees, next.as_deref(), false, "b"),
                None
            );
        }
    }
}
