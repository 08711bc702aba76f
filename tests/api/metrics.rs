//! `/metrics`: the OpenMetrics text format, counters that move with
//! requests, decisions, refusals and cache lookups, and no access from
//! outside `metrics.allow` or from other origins' pages.

use crate::helpers::{TestApp, spawn_app, spawn_app_with};
use reqwest::StatusCode;
use serde_json::json;

/// The text of `/metrics`; panics unless 200.
async fn scrape(app: &TestApp) -> String {
    let response = app
        .reader
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.unwrap()
}

/// The value of the sample `name{labels}` (labels as printed), or 0.
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| {
            line.strip_prefix(series)
                .and_then(|rest| rest.strip_prefix(' '))
                .map(|value| value.trim().parse::<f64>().unwrap())
        })
        .unwrap_or(0.0)
}

#[tokio::test]
async fn metrics_answer_in_the_openmetrics_text_format() {
    let app = spawn_app().await;
    app.reader
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .unwrap();
    let response = app
        .reader
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let kind = response.headers()["content-type"].to_str().unwrap();
    assert!(kind.starts_with("application/openmetrics-text"), "{kind}");
    let text = response.text().await.unwrap();
    assert!(text.ends_with("# EOF\n"), "{text}");
    for family in [
        "# TYPE colloquy_http_requests counter",
        "# TYPE colloquy_http_request_duration_seconds histogram",
        "# TYPE colloquy_rate_limited counter",
        "# TYPE colloquy_decisions counter",
        "# TYPE colloquy_queue_pending gauge",
        "# TYPE colloquy_cache_thread_lookups counter",
    ] {
        assert!(text.contains(family), "{family} missing from\n{text}");
    }
}

#[tokio::test]
async fn requests_are_counted_by_route_pattern_and_status_class() {
    let app = spawn_app().await;
    let slug = app.post("counted").await;
    let ok =
        r#"colloquy_http_requests_total{route="/api/v1/posts/{slug}",method="GET",status="2xx"}"#;
    let missing =
        r#"colloquy_http_requests_total{route="/api/v1/posts/{slug}",method="GET",status="4xx"}"#;
    let before = scrape(&app).await;
    for _ in 0..3 {
        assert_eq!(app.get(&format!("/posts/{slug}")).await.0, StatusCode::OK);
    }
    assert_eq!(app.get("/posts/nope").await.0, StatusCode::NOT_FOUND);
    let after = scrape(&app).await;
    assert_eq!(sample(&after, ok) - sample(&before, ok), 3.0, "{after}");
    assert_eq!(sample(&after, missing) - sample(&before, missing), 1.0);
    let count = r#"colloquy_http_request_duration_seconds_count{route="/api/v1/posts/{slug}",method="GET"}"#;
    assert_eq!(sample(&after, count) - sample(&before, count), 4.0);
    // Paths no route matches share one label, whatever they are.
    app.reader
        .get(format!("{}/random/{}", app.address, 42))
        .send()
        .await
        .unwrap();
    let text = scrape(&app).await;
    assert!(text.contains(r#"route="unmatched""#));
    assert!(!text.contains("/random/42"));
}

#[tokio::test]
async fn the_queue_and_decisions_are_counted() {
    let app = spawn_app().await;
    let slug = app.post("decided").await;
    let moderator = app.signed_in("moderator").await;
    let first = app.submit_ok(&slug, "Ana", "One").await;
    let second = app.submit_ok(&slug, "Ben", "Two").await;
    let third = app.submit_ok(&slug, "Cy", "Three").await;
    let text = scrape(&app).await;
    assert_eq!(sample(&text, "colloquy_queue_pending"), 3.0, "{text}");
    assert_eq!(
        sample(&text, r#"colloquy_decisions_total{action="approve"}"#),
        0.0
    );
    moderator.approve(first).await;
    let bulk = moderator
        .post(
            "/moderation/comments/bulk",
            &json!({ "ids": [second, third], "action": "reject", "reason": "off-topic" }),
        )
        .await;
    assert_eq!(bulk.status(), StatusCode::OK);
    let text = scrape(&app).await;
    assert_eq!(sample(&text, "colloquy_queue_pending"), 0.0, "{text}");
    assert_eq!(
        sample(&text, r#"colloquy_decisions_total{action="approve"}"#),
        1.0
    );
    assert_eq!(
        sample(&text, r#"colloquy_decisions_total{action="reject"}"#),
        2.0
    );
    assert_eq!(
        sample(&text, r#"colloquy_comments{status="approved"}"#),
        1.0
    );
}

#[tokio::test]
async fn rate_limit_refusals_are_counted() {
    let app = spawn_app_with(|_| {}).await;
    let slug = app.post("limited").await;
    let mut refused = 0;
    for i in 0..5 {
        let response = app
            .submit(
                &slug,
                &json!({ "author_name": "A", "body": format!("comment {i}") }),
            )
            .await;
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            refused += 1;
        }
    }
    assert!(refused >= 2, "the burst is 3");
    let text = scrape(&app).await;
    let series = r#"colloquy_rate_limited_total{route="/api/v1/posts/{slug}/comments"}"#;
    assert_eq!(sample(&text, series), f64::from(refused), "{text}");
}

#[tokio::test]
async fn cache_hits_and_misses_are_counted() {
    let app = spawn_app().await;
    let slug = app.post("cached").await;
    let before = scrape(&app).await;
    app.thread(&slug).await;
    app.thread(&slug).await;
    app.thread(&slug).await;
    let after = scrape(&app).await;
    let diff = |series: &str| sample(&after, series) - sample(&before, series);
    assert_eq!(
        diff(r#"colloquy_cache_thread_lookups_total{result="miss"}"#),
        1.0,
        "{after}"
    );
    assert_eq!(
        diff(r#"colloquy_cache_thread_lookups_total{result="hit"}"#),
        2.0
    );
}

#[tokio::test]
async fn metrics_are_refused_outside_the_allowed_networks_and_through_unknown_proxies() {
    let app = spawn_app_with(|s| {
        s.rate_limit.enabled = false;
        s.metrics.allow = vec!["10.0.0.0/8".parse().unwrap()];
    })
    .await;
    let response = app
        .reader
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    // Loopback is allowed by default, but not when a proxy we do not
    // trust relays the request (it would relay anyone's).
    let app = spawn_app().await;
    let relayed = app
        .reader
        .get(format!("{}/metrics", app.address))
        .header("X-Forwarded-For", "203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(relayed.status(), StatusCode::NOT_FOUND);

    // A trusted proxy relaying an outside client is refused too.
    let app = spawn_app_with(|s| {
        s.rate_limit.enabled = false;
        s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let outside = app
        .reader
        .get(format!("{}/metrics", app.address))
        .header("X-Forwarded-For", "203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(outside.status(), StatusCode::NOT_FOUND);

    let off = spawn_app_with(|s| s.metrics.enabled = false).await;
    let response = off
        .reader
        .get(format!("{}/metrics", off.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn metrics_carry_no_cors_headers_even_for_allowed_origins() {
    let app = spawn_app_with(|s| {
        s.rate_limit.enabled = false;
        s.allowed_origins = vec!["https://blog.example".into()];
    })
    .await;
    for origin in ["https://blog.example", app.address.as_str()] {
        let response = app
            .reader
            .get(format!("{}/metrics", app.address))
            .header("Origin", origin)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(
            response
                .headers()
                .get("access-control-allow-origin")
                .is_none(),
            "{origin}"
        );
    }
    // The public API still answers the allowed origin.
    let public = app
        .reader
        .get(app.url("/posts"))
        .header("Origin", "https://blog.example")
        .send()
        .await
        .unwrap();
    assert!(
        public
            .headers()
            .get("access-control-allow-origin")
            .is_some()
    );
}
