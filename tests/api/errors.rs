use crate::helpers::{assert_problem, spawn_app, spawn_app_with};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn unknown_routes_are_problem_json_404() {
    let app = spawn_app().await;
    for path in [
        "/nope",
        "/api/v1/nope",
        "/api/v2/posts",
        "/api/v1/posts/a/b/c",
    ] {
        let r = app
            .reader
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        assert_problem(r, 404).await;
    }
}

#[tokio::test]
async fn a_wrong_method_is_405_with_allow() {
    let app = spawn_app().await;
    let r = app.reader.delete(app.url("/posts")).send().await.unwrap();
    assert_eq!(r.headers().get("allow").unwrap(), "GET");
    assert_problem(r, 405).await;
    let r = app
        .reader
        .put(app.url("/posts/x/comments"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers().get("allow").unwrap(), "GET, POST");
    assert_problem(r, 405).await;
}

#[tokio::test]
async fn bad_paths_queries_and_bodies_are_400_413_415_never_500() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let moderator = app.signed_in("editor").await;
    let bad_id = app
        .reader
        .post(app.url("/comments/abc/flag"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_problem(bad_id, 400).await;
    let overflow = app
        .reader
        .post(app.url("/comments/99999999999/flag"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_problem(overflow, 400).await;
    let bad_limit = app
        .reader
        .get(app.url("/posts?limit=-5"))
        .send()
        .await
        .unwrap();
    assert_problem(bad_limit, 400).await;
    let too_many = (0..201)
        .map(|i| format!("s{i}"))
        .collect::<Vec<_>>()
        .join(",");
    let r = app
        .reader
        .get(app.url(&format!("/counts?posts={too_many}")))
        .send()
        .await
        .unwrap();
    assert_problem(r, 400).await;
    let text_login = app
        .reader
        .post(app.url("/auth/login"))
        .body("user=x")
        .header("content-type", "text/plain")
        .send()
        .await
        .unwrap();
    assert_problem(text_login, 415).await;
    let bad_json = app
        .reader
        .post(app.url("/auth/login"))
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_problem(bad_json, 400).await;
    let huge_flag = app
        .reader
        .post(app.url("/comments/1/flag"))
        .json(&json!({"reason": "x".repeat(100_000)}))
        .send()
        .await
        .unwrap();
    assert_problem(huge_flag, 413).await;
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let r = moderator
        .client
        .post(moderator.url("/moderation/comments/bulk"))
        .header("X-CSRF-Token", &moderator.csrf)
        .header("content-type", "application/json")
        .body(deep)
        .send()
        .await
        .unwrap();
    assert_problem(r, 400).await;
    let bad_patch = moderator
        .patch(
            &format!("/moderation/posts/{slug}"),
            &json!({"unknown_field": 1}),
        )
        .await;
    assert_problem(bad_patch, 400).await;
    let bad_time = moderator
        .patch(
            &format!("/moderation/posts/{slug}"),
            &json!({"published_at": "yesterday"}),
        )
        .await;
    assert_problem(bad_time, 422).await;
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    for path in ["/api/v1/posts", "/nope", "/healthz"] {
        let r = app
            .reader
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.headers().get("x-content-type-options").unwrap(),
            "nosniff",
            "{path}"
        );
        assert_eq!(
            r.headers().get("referrer-policy").unwrap(),
            "no-referrer",
            "{path}"
        );
    }
}

#[tokio::test]
async fn cors_answers_only_configured_origins_and_never_on_moderator_routes() {
    let app = spawn_app_with(|s| {
        s.rate_limit.enabled = false;
        s.allowed_origins = vec!["https://blog.example".into()];
    })
    .await;
    let allowed = app
        .reader
        .get(app.url("/posts"))
        .header("Origin", "https://blog.example")
        .send()
        .await
        .unwrap();
    assert_eq!(
        allowed
            .headers()
            .get("access-control-allow-origin")
            .unwrap(),
        "https://blog.example"
    );
    let other = app
        .reader
        .get(app.url("/posts"))
        .header("Origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
    let preflight = app
        .reader
        .request(reqwest::Method::OPTIONS, app.url("/posts/x/comments"))
        .header("Origin", "https://blog.example")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success());
    assert_eq!(
        preflight
            .headers()
            .get("access-control-allow-origin")
            .unwrap(),
        "https://blog.example"
    );
    let moderation = app
        .reader
        .get(app.url("/moderation/comments"))
        .header("Origin", "https://blog.example")
        .send()
        .await
        .unwrap();
    assert!(
        moderation
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    let denied_preflight = app
        .reader
        .request(reqwest::Method::OPTIONS, app.url("/posts"))
        .header("Origin", "https://evil.example")
        .header("Access-Control-Request-Method", "GET")
        .send()
        .await
        .unwrap();
    assert!(
        denied_preflight
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    if !denied_preflight.status().is_success() {
        assert_eq!(
            denied_preflight.headers().get("content-type").unwrap(),
            "application/problem+json"
        );
    }
}

#[tokio::test]
async fn healthz_reports_the_database() {
    let app = spawn_app().await;
    let r = app
        .reader
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_client_that_sends_its_request_too_slowly_is_timed_out() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app_with(|s| {
        s.rate_limit.enabled = false;
        s.client_timeout_secs = 1;
    })
    .await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(b"GET /api/v1/posts HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        stream.read_to_end(&mut answer),
    )
    .await;
    assert!(
        read.is_ok(),
        "the server closes the connection instead of waiting for ever"
    );
    let text = String::from_utf8_lossy(&answer);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 408"),
        "{text}"
    );
}

#[tokio::test]
async fn too_many_request_headers_are_refused() {
    let app = spawn_app().await;
    let mut request = app.reader.get(app.url("/posts"));
    for i in 0..120 {
        request = request.header(format!("x-h{i}"), "v");
    }
    let r = request.send().await.unwrap();
    assert_eq!(r.status().as_u16(), 431);
}
