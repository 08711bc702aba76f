//! The widget in headless Chromium, on a blog page of another origin:
//! - the demo post's page → thread ready (from navigation start to the
//!   widget's `data-state="ready"`), with a warm cache (a returning
//!   reader) and a cold one (a fresh browser profile each load);
//! - a 200-comment thread: from the moment its JSON has arrived to the
//!   moment the widget says it is ready (script work), and to the next
//!   frame (script + style + layout + paint);
//! - the widget's size on the wire (script + styles, as served, in each
//!   coding).
//!
//! Not a test: run it with `cargo bench --bench widget_render`; the figures
//! go into docs/widget.md and BENCHMARKS.md.
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
const COLD_RUNS: usize = 10;
const DEMO_POST: &str = "prison-reform-dialogue";

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

/// Loads the host page and waits for the first frame after the widget is
/// ready; returns (navigation start → ready, navigation start → painted).
async fn page_to_ready(browser: &browser::Browser, origin: &str, items: usize) -> (f64, f64) {
    browser.client.goto(origin).await.unwrap();
    browser
        .wait_for(
            "the first frame after rendering",
            "return window.__painted || 0",
        )
        .await;
    let count = browser
        .widget_eval("root.querySelectorAll('article.colloquy-comment').length")
        .await;
    assert_eq!(count, serde_json::json!(items), "every item rendered");
    let times = browser
        .eval("return [window.__ready, window.__painted];")
        .await;
    (times[0].as_f64().unwrap(), times[1].as_f64().unwrap())
}

fn report(what: &str, values: Vec<f64>) {
    println!(
        "  {what:<36} median {:6.1} ms   p90 {:6.1} ms",
        median(values.clone()),
        percentile(values, 0.9)
    );
}

/// Bytes of the widget's script + styles as served, in one coding.
async fn wire_size(server: &str, coding: &str) -> usize {
    let client = reqwest::Client::new();
    let mut total = 0;
    for file in ["embed.js", "embed.css"] {
        let answer = client
            .get(format!("{server}/{file}"))
            .header("Accept-Encoding", coding)
            .send()
            .await
            .unwrap();
        total += answer.bytes().await.unwrap().len();
    }
    total
}

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
    let pool = colloquy::db::connect(&colloquy::db::Location::of(&settings.database), 4).unwrap();
    assert!(
        colloquy::demo::seed(
            &mut pool.get().unwrap(),
            &settings.official_name,
            &settings.spam.rules()
        )
        .unwrap()
    );
    seed(&pool);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let server = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    tokio::spawn(colloquy::app::run(listener, pool, settings).unwrap());
    // The server prepares its assets in the background at start-up.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;

    println!("the widget's script + styles on the wire (embed.js + embed.css, as served)");
    for coding in ["identity", "gzip", "br"] {
        println!("  {coding:<9} {:>6} B", wire_size(&server, coding).await);
    }

    // The demo post, as a reader opens it on the blog.
    host.set(browser::blog_page(
        &server,
        DEMO_POST,
        "data-lang=\"en\"",
        WATCH,
    ));
    let demo_items = {
        let thread: serde_json::Value = reqwest::get(format!(
            "{server}/api/v1/posts/{DEMO_POST}/comments?limit=50"
        ))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        fn count(items: &serde_json::Value) -> usize {
            items
                .as_array()
                .unwrap()
                .iter()
                .map(|c| 1 + count(&c["replies"]))
                .sum()
        }
        count(&thread["comments"])
    };
    let mut cold = (Vec::new(), Vec::new());
    for _ in 0..COLD_RUNS {
        // A reader whose browser is running but has never seen this
        // widget: the fresh profile's first navigation (an empty page) is
        // not counted, only the post's.
        let fresh = browser::browser(true).await;
        fresh.client.goto("about:blank").await.unwrap();
        let (ready, painted) = page_to_ready(&fresh, &host.origin, demo_items).await;
        cold.0.push(ready);
        cold.1.push(painted);
    }
    let browser = browser::browser(true).await;
    let mut warm = (Vec::new(), Vec::new());
    for run in 0..=RUNS {
        let (ready, painted) = page_to_ready(&browser, &host.origin, demo_items).await;
        if run > 0 {
            warm.0.push(ready);
            warm.1.push(painted);
        }
    }
    println!(
        "the demo post ({demo_items} items), page → thread ready in headless Chromium, from navigation start"
    );
    report(
        &format!("cold cache ({COLD_RUNS} fresh profiles), ready:"),
        cold.0,
    );
    report("cold cache, next frame drawn:", cold.1);
    report(&format!("warm cache ({RUNS} loads), ready:"), warm.0);
    report("warm cache, next frame drawn:", warm.1);

    // A busy thread: the script's own work.
    host.set(browser::blog_page(
        &server,
        "busy",
        "data-lang=\"en\"",
        WATCH,
    ));
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
    report("JSON arrived → widget ready:", script);
    report("JSON arrived → next frame drawn:", frame);
}
