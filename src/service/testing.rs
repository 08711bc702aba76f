//! What the services' unit tests share: a real SQLite database (in
//! memory, every migration applied) and a few rows.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::db::DbConn;
use crate::db::posts::{self as posts_db, NewPost};
use crate::domain::post::PostId;
use diesel::{Connection, RunQueryDsl};

/// A fresh database with the schema, foreign keys on, and one admin
/// account (id 1) to act as the moderator.
pub fn conn() -> DbConn {
    let mut conn = DbConn::establish(":memory:").unwrap();
    diesel::sql_query("PRAGMA foreign_keys = ON")
        .execute(&mut conn)
        .unwrap();
    crate::db::migrate(&mut conn).unwrap();
    let admin =
        crate::db::accounts::create_moderator(&mut conn, "mod", "Mod", "admin", "x", 0).unwrap();
    assert_eq!(admin.id, 1);
    conn
}

/// A post open for comments, published at `published_at`; its id.
pub fn post_published_at(
    conn: &mut DbConn,
    slug: &str,
    published_at: i64,
) -> crate::domain::post::PostId {
    let new = NewPost {
        slug: slug.to_owned(),
        title: format!("Title of {slug}"),
        author: "Staff".to_owned(),
        published_at,
        url: None,
        summary: String::new(),
        body_source: String::new(),
        body_html: String::new(),
        comments_open: true,
        created_at: published_at,
        updated_at: published_at,
        auto_created: false,
    };
    posts_db::create(conn, &new, None).unwrap().id
}

/// A reader's pending comment on `post_id`; its id.
pub fn pending_comment(conn: &mut DbConn, post_id: PostId) -> crate::domain::comment::CommentId {
    use crate::db::comments::{self, NewCommentRow};
    use crate::domain::moderation::Status;
    let html = crate::domain::render::render_comment("A reader's view.");
    let row = NewCommentRow::reader(
        post_id,
        None,
        Status::Pending,
        "Mari",
        Some("United States"),
        Some("mari@example.org"),
        Some("hash"),
        "A reader's view.",
        &html,
        100,
    );
    comments::insert(conn, &row).unwrap()
}
