//! `POST /api/v1/preview`: a reader's comment rendered as it would be
//! published, for the widget's Preview button; nothing is stored.

use crate::helpers::{TestApp, assert_problem, error_fields, spawn_app, spawn_app_with};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

async fn preview(app: &TestApp, body: &Value) -> Response {
    app.reader
        .post(app.url("/preview"))
        .json(body)
        .send()
        .await
        .unwrap()
}

/// What a moderator's stats say is stored, every status at once.
async fn stored(app: &TestApp) -> Value {
    let (status, stats) = app
        .signed_in("moderator")
        .await
        .get("/moderation/stats")
        .await;
    assert_eq!(status, StatusCode::OK);
    stats["counts"].clone()
}

#[tokio::test]
async fn a_preview_is_the_html_the_comment_would_be_published_with_and_nothing_is_stored() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let text = "**Bold** and *soft*, <script>alert(1)</script> see https://example.org/a";
    let r = preview(&app, &json!({ "body": text })).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()["content-type"],
        "application/json",
        "a JSON answer"
    );
    let answer: Value = r.json().await.unwrap();
    assert_eq!(
        answer.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["body_html"]
    );
    let html = answer["body_html"].as_str().unwrap().to_owned();
    assert!(html.contains("<strong>Bold</strong>"), "{html}");
    assert!(html.contains("<em>soft</em>"), "{html}");
    assert!(
        !html.contains("<script") && html.contains("&lt;script&gt;"),
        "typed HTML is text: {html}"
    );
    assert!(
        html.contains("<a href=\"https://example.org/a\""),
        "a bare address is a link: {html}"
    );
    // Nothing was stored by it: no comment of any status, no post touched.
    let nothing =
        json!({"pending": 0, "flagged": 0, "appealed": 0, "spam": 0, "rejected": 0, "approved": 0});
    assert_eq!(stored(&app).await, nothing);
    assert_eq!(app.thread(&slug).await["total"], 0);
    // The same text published is exactly what was previewed.
    let id = app.submit_ok(&slug, "Mari", text).await;
    app.signed_in("moderator").await.approve(id).await;
    assert_eq!(app.thread(&slug).await["comments"][0]["body_html"], html);
}

#[tokio::test]
async fn an_over_long_preview_is_422_like_a_submission_and_a_blank_one_is_empty() {
    let app = spawn_app().await;
    let longest = "a".repeat(10_000);
    let r = preview(&app, &json!({ "body": longest })).await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = preview(&app, &json!({ "body": format!("{longest}a") })).await;
    let problem = assert_problem(r, 422).await;
    assert_eq!(problem["type"], "/problems/validation");
    assert_eq!(error_fields(&problem), ["body"]);
    // A submission of the same text says the same.
    let slug = app.post("p").await;
    let submitted = app
        .submit(
            &slug,
            &json!({ "author_name": "Mari", "body": format!("{longest}a") }),
        )
        .await;
    let refused = assert_problem(submitted, 422).await;
    assert_eq!(refused["errors"], problem["errors"]);
    for blank in [json!({ "body": "  \n " }), json!({ "body": "" }), json!({})] {
        let r = preview(&app, &blank).await;
        assert_eq!(r.status(), StatusCode::OK, "{blank}");
        assert_eq!(r.json::<Value>().await.unwrap(), json!({ "body_html": "" }));
    }
}

#[tokio::test]
async fn a_preview_that_cannot_be_read_gets_the_problem_any_json_route_gives() {
    let app = spawn_app().await;
    let url = app.url("/preview");
    let plain = app
        .reader
        .post(&url)
        .header("Content-Type", "text/plain")
        .body("**hi**")
        .send()
        .await
        .unwrap();
    assert_problem(plain, 415).await;
    let garbled = app
        .reader
        .post(&url)
        .header("Content-Type", "application/json")
        .body("{\"body\": ")
        .send()
        .await
        .unwrap();
    assert_problem(garbled, 400).await;
    let not_text = preview(&app, &json!({ "body": 12 })).await;
    assert_problem(not_text, 400).await;
    let huge = app
        .reader
        .post(&url)
        .json(&json!({ "body": "a".repeat(70 * 1024) }))
        .send()
        .await
        .unwrap();
    assert_problem(huge, 413).await;
    let get = app.reader.get(&url).send().await.unwrap();
    assert_eq!(get.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(get.headers()["allow"], "POST");
}

#[tokio::test]
async fn previews_have_their_own_rate_limit_per_client_with_retry_after() {
    let app = spawn_app_with(|s| s.rate_limit.previews_per_minute = 2).await;
    for _ in 0..2 {
        let r = preview(&app, &json!({ "body": "once more" })).await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    let third = preview(&app, &json!({ "body": "once more" })).await;
    let retry: u64 = third.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    let problem = assert_problem(third, 429).await;
    assert_eq!(problem["type"], "/problems/rate-limited");
    // Its quota is its own: the reader may still send the comment.
    let slug = app.post("p").await;
    app.submit_ok(&slug, "Mari", "once more").await;
}

#[tokio::test]
async fn previews_answer_cors_for_allowed_origins_only() {
    let app = spawn_app_with(|s| {
        s.rate_limit.enabled = false;
        s.allowed_origins = vec!["https://blog.example".into()];
    })
    .await;
    let from = |origin: &'static str| {
        app.reader
            .post(app.url("/preview"))
            .header("Origin", origin)
            .json(&json!({ "body": "*hi*" }))
            .send()
    };
    let allowed = from("https://blog.example").await.unwrap();
    assert_eq!(allowed.status(), StatusCode::OK);
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://blog.example"
    );
    let other = from("https://evil.example").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
    let preflight = |origin: &'static str| {
        app.reader
            .request(reqwest::Method::OPTIONS, app.url("/preview"))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "content-type")
            .send()
    };
    let ok = preflight("https://blog.example").await.unwrap();
    assert!(ok.status().is_success());
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "https://blog.example"
    );
    let refused = preflight("https://evil.example").await.unwrap();
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}
