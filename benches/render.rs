//! Micro-benchmarks of the CPU work behind a comment and a thread:
//! rendering and sanitising one comment, and nesting and serialising a
//! 200-item thread (what a cache miss costs besides the query).
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

criterion_group!(render, benches);
criterion_main!(render);
