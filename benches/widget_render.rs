//! How long the widget takes to render a 200-comment thread in headless
//! Chromium: from the moment the thread's JSON has arrived to the moment
//! the widget says it is ready (script work), and to the next frame
//! (script + style + layout + paint). Not a test: run it with
//! `cargo bench --bench widget_render`; the figures go into docs/widget.md.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs,
    dead_code
)]

#[path = "../tests/api/browser/mod.rs"]
mod browser;

use colloquy::config::Settings;
use colloquy::db::comments::{NewCommentRow, insert};
use colloquy::db::posts::{NewPost, create};
use colloquy::domain::moderation::{Kind, Status};
use colloquy::domain::render::render_comment;
use std::net::TcpListener;

const RUNS: usize = 25;

/// Seeds one post with 200 approved items, all on the widget's first page:
/// 50 comments, each with two reader replies and one official reply;
/// bodies of a few sentences with some Markdown.
fn seed(pool: &colloquy::db::Pool) {
    let mut conn = pool.get().unwrap();
    let post = create(
        &mut conn,
        &NewPost {
            slug: "busy".into(),
            title: "A busy thread".into(),
            author: "Staff".into(),
            published_at: 1_700_000_000,
            url: None,
            summary: String::new(),
            body_source: String::new(),
            body_html: String::new(),
            comments_open: true,
            created_at: 1_700_000_000,
            updated_at: 1_700_000_000,
            auto_created: false,
        },
        None,
    )
    .unwrap();
    let mut top = Vec::new();
    for i in 0..200 {
        let text = format!(
            "Comment {i}: the *working group* should publish its findings, and **every** delegation should answer them.\n\nSee [the report](https://example.org/report/{i}) for details."
        );
        let html = render_comment(&text);
        let at = 1_700_000_000 + i64::from(i) * 60;
        let (parent, kind, name) = match i % 4 {
            0 => (None, Kind::Reader, "Reader"),
            3 => (top.last().copied(), Kind::Official, "DipNote Bloggers"),
            _ => (top.last().copied(), Kind::Reader, "Reply writer"),
        };
        let mut row = NewCommentRow::reader(
            post.id,
            parent,
            Status::Approved,
            name,
            Some("United States"),
            None,
            None,
            &text,
            &html,
            at,
        );
        row.kind = kind;
        let id = insert(&mut conn, &row).unwrap();
        if parent.is_none() {
            top.push(id);
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn percentile(mut v: Vec<f64>, p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let index = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[index]
}

const WATCH: &str = "<script>
(function () {
  function attach() {
    var s = document.querySelector('#colloquy-thread');
    var r = s && s.shadowRoot && s.shadowRoot.querySelector('.colloquy');
    if (!r) { setTimeout(attach, 1); return; }
    new MutationObserver(function () {
      if (r.dataset.state === 'ready' && !window.__ready) {
        window.__ready = performance.now();
        requestAnimationFrame(function () { setTimeout(function () { window.__painted = performance.now(); }, 0); });
      }
    }).observe(r, { attributes: true, attributeFilter: ['data-state'] });
  }
  attach();
})();
</script>";

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let host = browser::HostPage::start();
    let settings = Settings {
        database: dir.path().join("bench.db"),
        rate_limit: colloquy::config::RateLimitSettings {
            enabled: false,
            ..Default::default()
        },
        allowed_origins: vec![host.origin.clone()],
        ..Settings::default()
    };
    let pool = colloquy::db::connect(&settings.database, 4).unwrap();
    seed(&pool);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let server = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    tokio::spawn(colloquy::app::run(listener, pool, settings).unwrap());
    host.set(browser::blog_page(
        &server,
        "busy",
        "data-lang=\"en\"",
        WATCH,
    ));

    let browser = browser::browser(true).await;
    let mut script = Vec::new();
    let mut frame = Vec::new();
    for run in 0..=RUNS {
        browser.client.goto(&host.origin).await.unwrap();
        browser
            .wait_for(
                "the first frame after rendering",
                "return window.__painted || 0",
            )
            .await;
        let count = browser
            .widget_eval("root.querySelectorAll('article.colloquy-comment').length")
            .await;
        assert_eq!(count, serde_json::json!(200), "every item rendered");
        let times = browser
            .eval(
                "const api = performance.getEntriesByType('resource').filter(e => e.name.includes('/comments?') || e.name.endsWith('/comments')).pop();
                 return [window.__ready - api.responseEnd, window.__painted - api.responseEnd];",
            )
            .await;
        if run == 0 {
            continue; // warm-up: first load compiles the script
        }
        script.push(times[0].as_f64().unwrap());
        frame.push(times[1].as_f64().unwrap());
    }
    println!("widget render of a 200-item thread in headless Chromium, {RUNS} page loads");
    println!(
        "  JSON arrived → widget ready:      median {:6.1} ms   p90 {:6.1} ms",
        median(script.clone()),
        percentile(script, 0.9)
    );
    println!(
        "  JSON arrived → next frame drawn:  median {:6.1} ms   p90 {:6.1} ms",
        median(frame.clone()),
        percentile(frame, 0.9)
    );
}
