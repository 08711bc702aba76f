//! Moderator throughput: how long, and how many keystrokes, it takes to
//! clear 100 pending comments in the moderators' page, driven by keyboard
//! in headless Chromium. Not a test: it prints figures (docs/moderators.md
//! records them).
//!
//! `cargo bench --bench moderator_throughput` (needs Debian's chromium and
//! chromium-driver, like the browser tests).
//!
//! The mix is 70 comments approved (`a`), 20 rejected with a reason
//! (`r` then a number) and 10 marked as spam (`s`). Keys are sent one
//! comment at a time, as a moderator would, and the next comment must have
//! focus before the next key goes out; the figures are therefore the
//! page's own cost per decision (plus a WebDriver round trip), not a
//! person's reading time.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[allow(dead_code)]
#[path = "../tests/api/browser/mod.rs"]
mod browser;

use colloquy::config::Settings;
use colloquy::db;
use colloquy::domain::password;
use fantoccini::Locator;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use serde_json::{Value, json};
use std::net::TcpListener;
use std::time::{Duration, Instant};

const COMMENTS: usize = 100;
const PASSWORD: &str = "correct horse battery staple";

/// What the moderator decides about comment `i`, and the keys for it.
fn plan(i: usize) -> (&'static str, &'static str) {
    match i % 10 {
        3 | 7 => ("reject", if i % 20 == 3 { "r1" } else { "r2" }),
        9 => ("spam", "s"),
        _ => ("approve", "a"),
    }
}

async fn press(b: &browser::Browser, keys: &str) {
    let mut actions = KeyActions::new("keyboard".into());
    for c in keys.chars() {
        actions = actions
            .then(KeyAction::Down { value: c })
            .then(KeyAction::Up { value: c });
    }
    b.client.perform_actions(actions).await.unwrap();
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings {
        database: dir.path().join("colloquy.db"),
        bind: "127.0.0.1:0".into(),
        pool_size: 4,
        workers: Some(2),
        rate_limit: colloquy::config::RateLimitSettings {
            enabled: false,
            ..Default::default()
        },
        ..Settings::default()
    };
    let pool = db::connect(&db::Location::of(&settings.database), settings.pool_size).unwrap();
    {
        let mut conn = pool.get().unwrap();
        let hash = password::hash(PASSWORD).unwrap();
        db::accounts::create_moderator(&mut conn, "bench", "Bench Moderator", "admin", &hash, 0)
            .unwrap();
    }
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    tokio::spawn(colloquy::app::run(listener, pool, settings).unwrap());

    // A post and 100 pending comments, through the public API.
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let me: Value = http
        .post(format!("{address}/api/v1/auth/login"))
        .json(&json!({"username": "bench", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let csrf = me["csrf_token"].as_str().unwrap().to_owned();
    let r = http
        .post(format!("{address}/api/v1/moderation/posts"))
        .header("X-CSRF-Token", &csrf)
        .json(&json!({"slug": "bench", "title": "A post with a busy thread", "author": "Staff"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let reader = reqwest::Client::new();
    for i in 0..COMMENTS {
        let body = match plan(i).0 {
            "spam" => {
                format!("Visit https://a.example https://b.example https://c.example now ({i})")
            }
            "reject" => format!("Something off-topic about football, number {i}."),
            _ => format!("A considered comment on the policy, number {i}, with *some* emphasis."),
        };
        let r = reader
            .post(format!("{address}/api/v1/posts/bench/comments"))
            .json(&json!({"author_name": format!("Reader {i}"), "author_location": "Somewhere", "body": body}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 202);
    }

    let b = browser::browser(true).await;
    b.client.goto(&format!("{address}/admin/")).await.unwrap();
    b.wait_for("sign-in", "return document.getElementById('sign-in').open")
        .await;
    b.client
        .find(Locator::Css("#sign-in-username"))
        .await
        .unwrap()
        .send_keys("bench")
        .await
        .unwrap();
    b.client
        .find(Locator::Css("#sign-in-password"))
        .await
        .unwrap()
        .send_keys(&format!("{PASSWORD}\n"))
        .await
        .unwrap();
    b.wait_for(
        "the queue",
        "return document.body.dataset.queue === 'ready' && document.querySelectorAll('#queue-list > li').length > 0",
    )
    .await;

    let mut keystrokes = 0;
    let mut per_comment = Vec::with_capacity(COMMENTS);
    let started = Instant::now();
    for i in 0..COMMENTS {
        let focused = b
            .eval("return import('/admin/queue.js').then((queue) => queue.focusedId())")
            .await;
        let keys = plan(i).1;
        let one = Instant::now();
        press(&b, keys).await;
        keystrokes += keys.len();
        // The next comment has focus (or the queue is empty).
        b.wait_for(
            "the next comment",
            &format!(
                "return import('/admin/queue.js').then((queue) => queue.focusedId() !== {focused} || document.querySelectorAll('#queue-list > li').length === 0)"
            ),
        )
        .await;
        per_comment.push(one.elapsed());
    }
    let cleared = started.elapsed();
    b.wait_for(
        "every decision to reach the server",
        "return import('/admin/queue.js').then((queue) => queue.unsent() === 0)",
    )
    .await;
    let confirmed = started.elapsed();

    // Check the outcome through the API.
    let stats: Value = http
        .get(format!("{address}/api/v1/moderation/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    per_comment.sort();
    println!(
        "moderator throughput: {COMMENTS} pending comments cleared by keyboard in headless Chromium"
    );
    println!(
        "  keystrokes              {keystrokes} ({:.2} a comment)",
        keystrokes as f64 / COMMENTS as f64
    );
    println!(
        "  time to clear the list  {:.2} s ({:.1} ms a comment)",
        cleared.as_secs_f64(),
        cleared.as_secs_f64() * 1000.0 / COMMENTS as f64
    );
    println!(
        "  per comment, key to next comment focused: median {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        percentile(&per_comment, 0.5).as_secs_f64() * 1000.0,
        percentile(&per_comment, 0.95).as_secs_f64() * 1000.0,
        per_comment.last().unwrap().as_secs_f64() * 1000.0
    );
    println!(
        "  all decisions confirmed by the server after {:.2} s (the last one waits out its 5 s undo window)",
        confirmed.as_secs_f64()
    );
    println!("  outcome: {}", stats["counts"]);
    assert_eq!(stats["counts"]["pending"], 0);
    assert_eq!(stats["counts"]["approved"], 70);
    assert_eq!(stats["counts"]["rejected"], 20);
    assert_eq!(stats["counts"]["spam"], 10);
}
