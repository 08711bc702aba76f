//! Micro-benchmarks of the CPU work behind a comment and a thread:
//! rendering and sanitising one comment, nesting and serialising a
//! 200-item thread from full rows, and what a cache miss costs now: the
//! query of the items' stored JSON in a real SQLite file, nesting and
//! concatenating, and the ETag.
#![allow(clippy::unwrap_used, missing_docs)]

use colloquy::db::comments::ThreadRow;
use colloquy::domain::render::render_comment;
use colloquy::http::views::{Order, ThreadPost, ThreadView, build_thread};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

const COMMENT: &str = "Unannounced inspections changed everything in our province. The hard part was **protecting the inspectors' independence** once the reports became uncomfortable.\n\nSee [the annual report](https://example.org/report) and `section 4`:\n\n> Monitoring commissions shall have access to all places of detention.\n\n- unannounced visits\n- independent medical review";

const HOSTILE: &str = "<script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1)) **bold** <a href=\"data:text/html,x\">y</a>";

fn rows() -> Vec<ThreadRow> {
    let html = render_comment(COMMENT).into_string();
    let mut rows = Vec::new();
    let mut parent = 0;
    for i in 0..200i32 {
        let reply = i % 4 != 0;
        if !reply {
            parent = i + 1;
        }
        rows.push(ThreadRow {
            id: colloquy::domain::comment::CommentId(i + 1),
            parent_id: reply.then_some(colloquy::domain::comment::CommentId(parent)),
            kind: if i % 4 == 3 {
                colloquy::domain::moderation::Kind::Official
            } else {
                colloquy::domain::moderation::Kind::Reader
            },
            author_name: "Reader".into(),
            author_location: Some("United States".into()),
            body_html: html.clone(),
            created_at: 1_700_000_000 + i64::from(i) * 60,
        });
    }
    rows
}

fn benches(c: &mut Criterion) {
    c.bench_function("render_comment (typical, 420 chars)", |b| {
        b.iter(|| render_comment(black_box(COMMENT)))
    });
    c.bench_function("render_comment (hostile)", |b| {
        b.iter(|| render_comment(black_box(HOSTILE)))
    });
    let rows = rows();
    c.bench_function("nest + serialise a 200-item thread", |b| {
        b.iter(|| {
            let (total, comments, next) = build_thread(
                black_box(rows.clone()),
                Order::Oldest,
                None,
                50,
                "https://blog.example/p",
            );
            let view = ThreadView {
                post: ThreadPost {
                    slug: "p".into(),
                    title: "A post".into(),
                    comments_open: true,
                },
                total,
                comments,
                next,
                notify: false,
            };
            serde_json::to_vec(&view).unwrap()
        })
    });
}

/// A database file with a post `p` of 200 approved items, shaped as
/// `rows()`; the connection and the post.
fn seeded() -> (
    tempfile::TempDir,
    colloquy::db::DbConn,
    colloquy::domain::post::PostId,
) {
    use colloquy::db::comments::NewCommentRow;
    use colloquy::domain::moderation::Status;
    use diesel::Connection;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.db");
    drop(colloquy::db::connect(&colloquy::db::Location::of(&path), 1).unwrap());
    let mut conn = colloquy::db::DbConn::establish(path.to_str().unwrap()).unwrap();
    let new_post = colloquy::db::posts::NewPost {
        slug: "p".to_owned(),
        title: "A post".to_owned(),
        author: "Staff".to_owned(),
        published_at: 1_700_000_000,
        url: None,
        summary: String::new(),
        body_source: String::new(),
        body_html: String::new(),
        comments_open: true,
        created_at: 1_700_000_000,
        updated_at: 1_700_000_000,
        auto_created: false,
    };
    let post = colloquy::db::posts::create(&mut conn, &new_post, None)
        .unwrap()
        .id;
    let html = render_comment(COMMENT);
    let mut ids = Vec::new();
    for row in rows() {
        let parent = row
            .parent_id
            .map(|p| ids[usize::try_from(p.0 - 1).unwrap()]);
        let mut new = NewCommentRow::reader(
            post,
            parent,
            Status::Approved,
            "Reader",
            Some("United States"),
            None,
            None,
            COMMENT,
            &html,
            row.created_at,
        );
        new.kind = row.kind;
        ids.push(colloquy::db::comments::insert(&mut conn, &new).unwrap());
    }
    (dir, conn, post)
}

fn misses(c: &mut Criterion) {
    use colloquy::http::views::nest_page;
    let (_dir, mut conn, post) = seeded();
    let head = ThreadPost {
        slug: "p".into(),
        title: "A post".into(),
        comments_open: true,
    };
    let page = |conn: &mut colloquy::db::DbConn| {
        let rows = colloquy::db::comments::fragments_for_post(conn, post).unwrap();
        let (total, trees, next) = nest_page(rows, Order::Oldest, None, 50);
        colloquy::http::fragments::page(
            &head,
            total,
            &trees,
            next.as_deref(),
            false,
            "https://blog.example/p",
        )
        .unwrap()
    };
    let body = page(&mut conn);
    println!("a 200-item page from fragments: {} bytes", body.len());
    c.bench_function(
        "miss: query + nest + concatenate fragments (200 items)",
        |b| b.iter(|| page(&mut conn)),
    );
    c.bench_function("miss: the query alone (200 items' fragments)", |b| {
        b.iter(|| colloquy::db::comments::fragments_for_post(&mut conn, post).unwrap())
    });
    c.bench_function(
        "miss: query + nest + serialise full rows (200 items)",
        |b| {
            b.iter(|| {
                let rows = colloquy::db::comments::approved_for_post(&mut conn, post).unwrap();
                let (total, comments, next) =
                    build_thread(rows, Order::Oldest, None, 50, "https://blog.example/p");
                serde_json::to_vec(&ThreadView {
                    post: ThreadPost {
                        slug: "p".into(),
                        title: "A post".into(),
                        comments_open: true,
                    },
                    total,
                    comments,
                    next,
                    notify: false,
                })
                .unwrap()
            })
        },
    );
    c.bench_function("miss: the page's ETag", |b| {
        b.iter(|| colloquy::cache::Rendered::new(black_box(body.clone())))
    });
}

criterion_group!(render, benches, misses);
criterion_main!(render);
