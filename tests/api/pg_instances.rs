//! Several instances on one PostgreSQL database (issue 14, API.md "More
//! than one machine"): two real `colloquy serve` processes over one fresh
//! database of a throwaway cluster (`scripts/postgres.sh`). A decision on
//! one reaches the other's cache within 2 s; a reader's burst holds across
//! both together; a session opened on one works on the other; background
//! work (the housekeeping sweep, the mail outbox) runs once, not once per
//! process.

use crate::mail::smtp::Smtp;
use crate::pg_cluster::{Cluster, Instance, PASSWORD, Staff};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::{Duration, Instant};

async fn submit(reader: &Client, on: &Instance, slug: &str, text: &str) -> reqwest::Response {
    on.submit(
        reader,
        slug,
        &json!({ "author_name": "Mari", "body": text }),
    )
    .await
}

async fn public_ids(reader: &Client, on: &Instance, slug: &str) -> Vec<i64> {
    let response = reader
        .get(on.url(&format!("/posts/{slug}/comments")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let thread: Value = response.json().await.unwrap();
    thread["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect()
}

/// Polls `on`'s public thread until it shows `expected`; how long that
/// took after `since`, or a panic past `limit`.
async fn seen_within(
    reader: &Client,
    on: &Instance,
    slug: &str,
    expected: &[i64],
    since: Instant,
    limit: Duration,
) -> Duration {
    loop {
        if public_ids(reader, on, slug).await == expected {
            return since.elapsed();
        }
        assert!(
            since.elapsed() < limit,
            "{} still shows {:?}, not {expected:?}, after {limit:?}",
            on.address,
            public_ids(reader, on, slug).await
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn two_instances_share_limits_sessions_and_every_decision_within_two_seconds() {
    let cluster = Cluster::start();
    cluster.add_account("editor", "editor");
    let logs = tempfile::tempdir().unwrap();
    // Rate limits on, as configured by default: a burst of 3 comments.
    let a = Instance::start(&cluster, &logs.path().join("a.log"), &[]);
    let b = Instance::start(&cluster, &logs.path().join("b.log"), &[]);
    let staff = Staff::sign_in(&a, "editor").await;
    let created = staff
        .post(
            &a,
            "/moderation/posts",
            &json!({ "slug": "shared", "title": "Shared", "author": "Staff", "body": "x" }),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);

    // One reader's burst of 3 holds across A and B together: A, B, A are
    // accepted, the fourth and fifth are refused wherever they go.
    let reader = Client::new();
    let mut ids = Vec::new();
    for (i, on) in [&a, &b, &a].into_iter().enumerate() {
        let answer = submit(&reader, on, "shared", &format!("Comment {i}.")).await;
        assert_eq!(answer.status(), StatusCode::ACCEPTED, "try {i}");
        ids.push(
            answer.json::<Value>().await.unwrap()["id"]
                .as_i64()
                .unwrap(),
        );
    }
    for on in [&b, &a] {
        let refused = submit(&reader, on, "shared", "One too many.").await;
        assert_eq!(
            refused.status(),
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            on.address
        );
        assert!(refused.headers().contains_key("retry-after"));
        let problem: Value = refused.json().await.unwrap();
        assert!(
            problem["type"].as_str().unwrap().ends_with("rate-limited"),
            "{problem}"
        );
    }
    // No address is stored, only keyed hashes.
    {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Key {
            #[diesel(sql_type = diesel::sql_types::Text)]
            key: String,
        }
        let keys: Vec<Key> = diesel::sql_query("SELECT key FROM rate_buckets")
            .load(&mut *cluster.db())
            .unwrap();
        assert!(!keys.is_empty());
        assert!(keys.iter().all(|k| !k.key.contains("127.0.0.1")));
    }

    // B has the empty thread cached; a decision on A reaches it within 2 s.
    for _ in 0..3 {
        assert!(public_ids(&reader, &b, "shared").await.is_empty());
    }
    let decided = Instant::now();
    let approved = staff
        .post(
            &a,
            &format!("/moderation/comments/{}/approve", ids[0]),
            &json!({}),
        )
        .await;
    assert_eq!(approved.status(), StatusCode::OK);
    let delay = seen_within(
        &reader,
        &b,
        "shared",
        &ids[..1],
        decided,
        Duration::from_secs(2),
    )
    .await;
    eprintln!("a decision on A was served by B after {delay:?}");

    // The session and CSRF token opened on A work on B, and B's decision
    // reaches A's cache (warm first) the same way.
    let queue = staff
        .client
        .get(b.url("/moderation/comments?status=pending"))
        .send()
        .await
        .unwrap();
    assert_eq!(queue.status(), StatusCode::OK, "A's session on B");
    let queue: Value = queue.json().await.unwrap();
    assert_eq!(queue["total"], 2, "{queue}");
    assert_eq!(public_ids(&reader, &a, "shared").await, ids[..1]);
    let decided = Instant::now();
    let approved = staff
        .post(
            &b,
            &format!("/moderation/comments/{}/approve", ids[1]),
            &json!({}),
        )
        .await;
    assert_eq!(approved.status(), StatusCode::OK, "A's CSRF token on B");
    let delay = seen_within(
        &reader,
        &a,
        "shared",
        &ids[..2],
        decided,
        Duration::from_secs(2),
    )
    .await;
    eprintln!("a decision on B was served by A after {delay:?}");
    // Without the token the same session is refused on B as on A.
    let forged = staff
        .client
        .post(b.url(&format!("/moderation/comments/{}/approve", ids[2])))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    // Signing out on B ends the session on A too.
    let out = staff.post(&b, "/auth/logout", &json!({})).await;
    assert!(out.status().is_success(), "{}", out.status());
    let after = staff
        .client
        .get(a.url("/moderation/comments"))
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);

    // B holds the thread in its cache, so only a heard (or a dropped)
    // cache can show it the next decision.
    assert_eq!(public_ids(&reader, &b, "shared").await, &ids[..2]);
    // The listeners lose their connections (the database ended them):
    // each instance drops its whole cache, listens again, and a decision
    // made meanwhile still reaches the other within 2 s.
    {
        use diesel::RunQueryDsl;
        let ended = diesel::sql_query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE application_name = 'colloquy-listener'",
        )
        .execute(&mut *cluster.db())
        .unwrap();
        assert_eq!(ended, 2, "one listener per instance");
    }
    let decided = Instant::now();
    let moderator = Staff::sign_in(&a, "editor").await;
    let approved = moderator
        .post(
            &a,
            &format!("/moderation/comments/{}/approve", ids[2]),
            &json!({}),
        )
        .await;
    assert_eq!(approved.status(), StatusCode::OK);
    let delay = seen_within(&reader, &b, "shared", &ids, decided, Duration::from_secs(2)).await;
    eprintln!("with the listeners cut, a decision on A was served by B after {delay:?}");
    // The log is written off the request path, so it may trail a little.
    let written = Instant::now();
    loop {
        let log = std::fs::read_to_string(logs.path().join("b.log")).unwrap();
        if log.contains("lost the connection that hears") {
            break;
        }
        assert!(written.elapsed() < Duration::from_secs(5), "{log}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Failed sign-ins count across both as well: five wrong passwords,
    // spread over A and B, and the sixth locks the address out of both,
    // the right password included.
    let guesser = Client::new();
    let try_on = |on: &Instance, password: &str| {
        guesser
            .post(on.url("/auth/login"))
            .json(&json!({ "username": "editor", "password": password }))
            .send()
    };
    for i in 0..5 {
        let on = if i % 2 == 0 { &a } else { &b };
        let wrong = try_on(on, "not the password").await.unwrap();
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED, "try {i}");
    }
    let locked = try_on(&b, "not the password").await.unwrap();
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    for on in [&a, &b] {
        let right = try_on(on, PASSWORD).await.unwrap();
        assert_eq!(
            right.status(),
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            on.address
        );
    }
}

#[tokio::test]
async fn background_work_runs_once_though_both_instances_run_it() {
    let cluster = Cluster::start();
    let smtp = Smtp::start();
    let logs = tempfile::tempdir().unwrap();
    let smtp_url = smtp.url();
    let env = [
        ("COLLOQUY_RATE_LIMIT__ENABLED", "false"),
        ("COLLOQUY_POSTS__AUTO_CREATE", "true"),
        ("COLLOQUY_PUBLIC_URL", "http://blog.example"),
        ("COLLOQUY_MAIL__SMTP_URL", smtp_url.as_str()),
    ];
    let a = Instance::start(&cluster, &logs.path().join("a.log"), &env);
    let b = Instance::start(&cluster, &logs.path().join("b.log"), &env);
    // Both started, and each tried to sweep at start: the sweep ran once
    // between them.
    let mut db = cluster.db();
    let started = Instant::now();
    while colloquy::db::jobs::runs(&mut db, "housekeeping").unwrap() == 0 {
        assert!(started.elapsed() < Duration::from_secs(10), "no sweep ran");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Readers ask for confirmation mails through both instances: both
    // senders poll the one outbox, and each message goes out once.
    const READERS: usize = 10;
    let client = Client::new();
    for i in 0..READERS {
        let on = if i % 2 == 0 { &a } else { &b };
        let answer = client
            .post(on.url("/posts/outbox-once/comments"))
            .json(&json!({
                "author_name": format!("Reader {i}"),
                "email": format!("reader{i}@example.org"),
                "notify": true,
                "body": format!("Comment number {i}."),
                "post_url": "http://blog.example/outbox-once",
                "post_title": "Once",
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 202, "{}", answer.text().await.unwrap());
    }
    let got = smtp.wait_for(READERS, 30).await;
    let mut recipients: Vec<String> = got.iter().map(|m| m.rcpt.clone()).collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!(recipients.len(), READERS, "each reader's confirmation");
    assert_eq!(smtp.count_after(4).await, READERS, "and nothing twice");
    let runs = colloquy::db::jobs::runs(&mut db, "housekeeping").unwrap();
    assert_eq!(runs, 1, "one housekeeping sweep for two instances");
}

#[tokio::test]
async fn the_shared_limits_keep_the_numbers_of_the_memory_ones() {
    let cluster = Cluster::start();
    let url = cluster.url.clone();
    let app = crate::helpers::spawn_app_with(move |s| {
        s.database = PathBuf::from(url);
        s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        // One comment a second, no burst: refilling is quick to see.
        s.rate_limit.comments_per_minute = 60;
        s.rate_limit.burst = 1;
    })
    .await;
    assert!(app.state.limits.is_shared());
    let slug = app.post("limits").await;
    let send = |client: &'static str, i: u32| {
        app.reader
            .post(app.url(&format!("/posts/{slug}/comments")))
            .header("X-Forwarded-For", client)
            .json(&json!({ "author_name": "A", "body": format!("comment {client} {i}") }))
            .send()
    };
    assert_eq!(send("203.0.113.1", 0).await.unwrap().status(), 202);
    let refused = send("203.0.113.1", 1).await.unwrap();
    assert_eq!(refused.status(), 429);
    let retry = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(retry, "1", "one second to the next token");
    // Another client has its own bucket; the first one's refills.
    assert_eq!(send("203.0.113.2", 0).await.unwrap().status(), 202);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(send("203.0.113.1", 2).await.unwrap().status(), 202);
    assert_eq!(send("203.0.113.1", 3).await.unwrap().status(), 429);

    // Previews: 30 a minute, apart from comments.
    let preview = || {
        app.reader
            .post(app.url("/preview"))
            .header("X-Forwarded-For", "203.0.113.3")
            .json(&json!({ "body": "*a preview*" }))
            .send()
    };
    for i in 0..30 {
        assert_eq!(preview().await.unwrap().status(), 200, "preview {i}");
    }
    let refused = preview().await.unwrap();
    assert_eq!(refused.status(), 429);
    let retry: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry), "Retry-After {retry}");
}
