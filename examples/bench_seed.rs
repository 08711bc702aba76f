//! Fills a database for the load benchmark (`scripts/bench.sh`):
//! `cargo run --release --example bench_seed -- DB POSTS COMMENTS`.
//! Every post `p0` … `pN` gets COMMENTS/POSTS comments (92 % approved, 5 %
//! pending, 3 % rejected, a quarter of them replies), and the post
//! `bench-thread` gets exactly 200 approved items on one page: 50 comments
//! each with two reader replies and an official reply.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use colloquy::db::comments::NewCommentRow;
use colloquy::db::posts::NewPost;
use colloquy::db::schema::{comments, posts};
use colloquy::domain::moderation::{Kind, Status};
use colloquy::domain::render::{SafeHtml, render_comment};
use diesel::prelude::*;

const TEXTS: &[&str] = &[
    "Is there a reciprocal arrangement, where advocates from abroad may also visit prisons here and report on *our* conditions? I ask because the working group's credibility depends on it, and because the same questions are asked of us every year at the review conference.",
    "Thank you for this. May I share a portion of the post on my organisation's website? We translate these updates for families who follow the cases closely, and they have asked for more of them, especially on **medical care** in detention.",
    "Unannounced inspections changed everything in our province. The hard part was protecting the inspectors' independence once the reports became uncomfortable, and keeping the findings public. See [the annual report](https://example.org/report) for the numbers.",
    "Shared data before shared treaties: that is exactly the lesson from our own fisheries agreements. Once the engineers trusted the gauges, the ministers could talk about allocation instead of blame. It took four years, not four months.",
    "How early should I apply if my program starts in August? The consulate's calendar shows no appointments before June, and my host university needs the visa confirmation by the first of July at the latest.",
];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).expect("usage: bench_seed DB POSTS COMMENTS");
    let post_count: i32 = args.get(2).map_or(100, |a| a.parse().unwrap());
    let comment_count: i64 = args.get(3).map_or(2_000, |a| a.parse().unwrap());
    let started = std::time::Instant::now();
    let pool =
        colloquy::db::connect(&colloquy::db::Location::of(std::path::Path::new(path)), 1).unwrap();
    let mut pooled = pool.get().unwrap();
    // The seed writes a SQLite file, in batches the multi-backend cannot express.
    let colloquy::db::DbConn::Sqlite(conn) = &mut *pooled else {
        panic!("bench_seed writes a SQLite file");
    };
    let rendered: Vec<SafeHtml> = TEXTS.iter().map(|t| render_comment(t)).collect();
    let base = 1_600_000_000i64;

    conn.transaction::<_, diesel::result::Error, _>(|conn| {
        let mut new_posts = Vec::new();
        for i in 0..post_count {
            new_posts.push(post(&format!("p{i}"), base + i64::from(i) * 3600));
        }
        new_posts.push(post("bench-thread", base - 3600));
        for chunk in new_posts.chunks(500) {
            diesel::insert_into(posts::table)
                .values(chunk)
                .execute(conn)?;
        }
        Ok(())
    })
    .unwrap();
    let ids: Vec<(i32, String)> = posts::table
        .select((posts::id, posts::slug))
        .load(conn)
        .unwrap();
    let bench_id = ids.iter().find(|(_, s)| s == "bench-thread").unwrap().0;

    // The 200-item thread.
    conn.transaction::<_, diesel::result::Error, _>(|conn| {
        let mut parent = None;
        for i in 0..200usize {
            let (kind, name, reply_to) = match i % 4 {
                0 => (Kind::Reader, "Reader", None),
                3 => (Kind::Official, "DipNote Bloggers", parent),
                _ => (Kind::Reader, "Reply writer", parent),
            };
            let mut row = row(
                bench_id,
                reply_to,
                Status::Approved,
                name,
                i,
                &rendered,
                base + i as i64 * 60,
            );
            row.kind = kind;
            let id: i32 = diesel::insert_into(comments::table)
                .values(&row)
                .returning(comments::id)
                .get_result(conn)?;
            if i % 4 == 0 {
                parent = Some(id);
            }
        }
        Ok(())
    })
    .unwrap();

    // The bulk: COMMENTS spread over the other posts, in large transactions.
    let per_post = (comment_count / i64::from(post_count.max(1))).max(1) as usize;
    let mut made = 0i64;
    for chunk in ids
        .iter()
        .filter(|(id, _)| *id != bench_id)
        .collect::<Vec<_>>()
        .chunks(200)
    {
        conn.transaction::<_, diesel::result::Error, _>(|conn| {
            for (post_id, _) in chunk {
                let mut rows = Vec::with_capacity(per_post);
                for j in 0..per_post {
                    // Spread over the whole table, so that a small set has
                    // pending and rejected comments too.
                    let status = match (*post_id as usize * 37 + j) % 100 {
                        0..=91 => Status::Approved,
                        92..=96 => Status::Pending,
                        _ => Status::Rejected,
                    };
                    rows.push(row(
                        *post_id,
                        None,
                        status,
                        "Reader",
                        j,
                        &rendered,
                        base + j as i64 * 97,
                    ));
                }
                for batch in rows.chunks(1000) {
                    diesel::insert_into(comments::table)
                        .values(batch)
                        .execute(conn)?;
                }
                made += per_post as i64;
            }
            Ok(())
        })
        .unwrap();
    }
    // A quarter of them become replies to an earlier approved comment of
    // the same post (the one just before, when it is approved).
    diesel::sql_query(
        "UPDATE comments SET parent_id = id - 1 WHERE post_id <> ? AND id % 4 = 1 AND \
         (SELECT c.status FROM comments c WHERE c.id = comments.id - 1 AND c.post_id = comments.post_id) = 'approved'",
    )
    .bind::<diesel::sql_types::Integer, _>(bench_id)
    .execute(conn)
    .unwrap();
    diesel::sql_query("ANALYZE").execute(conn).unwrap();
    println!(
        "seeded {} posts and {} comments (+200 in bench-thread) into {path} in {:.1} s",
        ids.len(),
        made,
        started.elapsed().as_secs_f64()
    );
}

fn post(slug: &str, at: i64) -> NewPost {
    NewPost {
        slug: slug.to_owned(),
        title: format!("Post {slug}"),
        author: "Staff".into(),
        published_at: at,
        url: None,
        summary: "A post for the benchmark.".into(),
        body_source: String::new(),
        body_html: String::new(),
        comments_open: true,
        created_at: at,
        updated_at: at,
        auto_created: false,
    }
}

fn row<'a>(
    post_id: i32,
    parent: Option<i32>,
    status: Status,
    name: &'a str,
    i: usize,
    rendered: &'a [SafeHtml],
    at: i64,
) -> NewCommentRow<'a> {
    let text = TEXTS[i % TEXTS.len()];
    let mut row = NewCommentRow::reader(
        colloquy::domain::post::PostId(post_id),
        parent.map(colloquy::domain::comment::CommentId),
        status,
        name,
        Some("United States"),
        None,
        None,
        text,
        &rendered[i % TEXTS.len()],
        at,
    );
    if status != Status::Pending {
        row.moderated_at = Some(at + 60);
    }
    row
}
