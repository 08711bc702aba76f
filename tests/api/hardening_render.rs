//! Hardening II, points 4 and 5 (issue 15): hostile nesting renders
//! flattened, a busy database answers 503 with `Retry-After` (never 500).

use crate::helpers::{assert_problem, spawn_app};
use diesel::connection::SimpleConnection;
use diesel::{Connection, SqliteConnection};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

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

    // A second connection on the same file takes the write lock and holds
    // it for longer than the server's 5 s busy timeout.
    let path = app.db_path.to_str().unwrap().to_owned();
    let (taken, is_taken) = std::sync::mpsc::channel();
    let holder = std::thread::spawn(move || {
        let mut conn = SqliteConnection::establish(&path).unwrap();
        conn.batch_execute("BEGIN IMMEDIATE").unwrap();
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
