//! Hardening II, points 4 and 5 (issue 15): hostile nesting renders
//! flattened, a busy database answers 503 with `Retry-After` (never 500),
//! and a body sent too slowly is 408 while the server keeps answering.

use crate::helpers::{assert_problem, spawn_app, spawn_app_with};
use diesel::connection::SimpleConnection;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The preview of `body`, which must be 200.
async fn preview(app: &crate::helpers::TestApp, body: &str) -> String {
    let response = app
        .reader
        .post(app.url("/preview"))
        .json(&json!({ "body": body }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let json: Value = response.json().await.unwrap();
    json["body_html"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn hostile_nesting_is_previewed_flattened_and_submitted_as_any_body() {
    let app = spawn_app().await;
    let quotes = format!("{} deep", ">".repeat(9_990));
    let lists = format!("{}deep", "- ".repeat(4_990));
    for (hostile, tag) in [(&quotes, "<blockquote>"), (&lists, "<ul>")] {
        let html = preview(&app, hostile).await;
        assert_eq!(html.matches(tag).count(), 8, "{html}");
        assert!(html.contains("deep"), "{html}");
        assert!(html.len() < 400, "{} bytes", html.len());
    }
    let slug = app.post("nested").await;
    let id = app.submit_ok(&slug, "Nester", &quotes).await;
    let moderator = app.signed_in("moderator").await;
    moderator.approve(id).await;
    let thread = app.thread(&slug).await.to_string();
    assert_eq!(thread.matches("<blockquote>").count(), 8, "{thread}");
    assert!(thread.contains("deep"), "{thread}");
}

#[tokio::test]
async fn a_database_locked_longer_than_the_busy_timeout_is_503_with_retry_after() {
    let app = spawn_app().await;
    let slug = app.post("locked").await;
    let editor = app.signed_in("editor").await;
    // Warm the session so the request below needs only the post's write.
    let (status, _) = editor.get("/auth/me").await;
    assert_eq!(status, StatusCode::OK);

    // A second connection to the same database takes the write lock and
    // holds it for longer than the server's 5 s busy (SQLite) or lock
    // (PostgreSQL) timeout.
    let mut conn = app.database.connect();
    let begin = app.database.begin_write();
    let (taken, is_taken) = std::sync::mpsc::channel();
    let holder = std::thread::spawn(move || {
        conn.batch_execute(&begin).unwrap();
        taken.send(()).unwrap();
        std::thread::sleep(Duration::from_secs(7));
        conn.batch_execute("ROLLBACK").unwrap();
    });
    is_taken.recv().unwrap();
    let response = editor
        .patch(
            &format!("/moderation/posts/{slug}"),
            &json!({ "title": "Changed while locked" }),
        )
        .await;
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let problem = assert_problem(response, 503).await;
    assert_eq!(problem["type"], "/problems/unavailable");
    assert_eq!(retry_after.as_deref(), Some("1"));
    holder.join().unwrap();

    // Once the lock is released the same change goes through.
    let response = editor
        .patch(
            &format!("/moderation/posts/{slug}"),
            &json!({ "title": "Changed after" }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

/// Sends a request head announcing a 100-byte body, then one body byte a
/// second until the server answers or closes; returns what it answered and
/// how long that took.
async fn slow_body(address: String) -> (String, Duration) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let started = Instant::now();
    let stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    write
        .write_all(
            b"POST /api/v1/preview HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
              Content-Length: 100\r\n\r\n",
        )
        .await
        .unwrap();
    let dribble = tokio::spawn(async move {
        for _ in 0..100 {
            if write.write_all(b" ").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(20), read.read_to_end(&mut answer)).await;
    dribble.abort();
    (
        String::from_utf8_lossy(&answer).into_owned(),
        started.elapsed(),
    )
}

#[tokio::test]
async fn a_body_sent_a_byte_a_second_is_408_and_healthz_still_answers() {
    // Two workers of four connections each: eight slow clients would hold
    // every slot for good if their bodies were never timed out.
    let app = spawn_app_with(|s| {
        s.rate_limit.enabled = false;
        s.client_body_timeout_secs = 2;
        s.max_connections = 4;
    })
    .await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let slow: Vec<_> = (0..8)
        .map(|_| tokio::spawn(slow_body(address.clone())))
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let asked = Instant::now();
    let health = tokio::time::timeout(
        Duration::from_secs(6),
        app.reader.get(format!("{}/healthz", app.address)).send(),
    )
    .await
    .expect("/healthz answers while slow clients dribble their bodies")
    .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "{:?}",
        asked.elapsed()
    );
    for client in slow {
        let (answer, took) = client.await.unwrap();
        assert!(
            answer.starts_with("HTTP/1.1 408"),
            "{answer:?} after {took:?}"
        );
        assert!(answer.contains("application/problem+json"), "{answer}");
        assert!(answer.contains("/problems/request-timeout"), "{answer}");
        assert!(
            answer.to_ascii_lowercase().contains("connection: close"),
            "{answer}"
        );
        // Within the limit (2 s), not after the 100 s the body would take.
        assert!(took < Duration::from_secs(5), "{took:?}");
    }
}

#[tokio::test]
async fn a_body_sent_in_time_is_read_as_before() {
    let app = spawn_app_with(|s| {
        s.rate_limit.enabled = false;
        s.client_body_timeout_secs = 2;
    })
    .await;
    // A body split over a second, within the limit, is answered normally.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let body = br#"{"body":"*in time*"}"#;
    stream
        .write_all(
            format!(
                "POST /api/v1/preview HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
                 Connection: close\r\nContent-Length: {}\r\n\r\n",
                body.len()
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    stream.write_all(&body[..5]).await.unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    stream.write_all(&body[5..]).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer))
        .await
        .unwrap()
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("<em>in time</em>"), "{answer}");
}
