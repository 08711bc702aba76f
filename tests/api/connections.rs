//! Keep-alive connections survive answers that did not need the request's
//! body: a client that reuses the connection at once never loses a request.

use crate::helpers::spawn_app;
use reqwest::StatusCode;
use serde_json::json;

/// One pooled connection: each answer's connection is reused at once.
fn one_connection_client(cookies: bool) -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .cookie_store(cookies)
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_pooled_client_never_loses_the_request_after_an_unread_body() {
    let app = spawn_app().await;
    let client = one_connection_client(false);
    for round in 0..200 {
        // Logout without a session answers 204 without reading `{}`.
        let logout = client
            .post(app.url("/auth/logout"))
            .json(&json!({}))
            .send()
            .await
            .unwrap_or_else(|e| panic!("logout in round {round}: {e:?}"));
        assert_eq!(logout.status(), StatusCode::NO_CONTENT);
        let me = client
            .get(app.url("/auth/me"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("the request after logout in round {round}: {e:?}"));
        assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn early_refusals_keep_the_connection_usable() {
    let app = spawn_app().await;
    app.create_account("alice", "moderator");
    let client = one_connection_client(true);
    let login = client
        .post(app.url("/auth/login"))
        .json(&json!({"username": "alice", "password": crate::helpers::PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    for round in 0..100 {
        // No CSRF token: refused before the body is read.
        let refused = client
            .post(app.url("/moderation/comments/bulk"))
            .json(&json!({"ids": [1], "action": "approve"}))
            .send()
            .await
            .unwrap_or_else(|e| panic!("bulk in round {round}: {e:?}"));
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        let me = client
            .get(app.url("/auth/me"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("the request after the refusal in round {round}: {e:?}"));
        assert_eq!(me.status(), StatusCode::OK);
    }
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_and_the_connection_closed_openly() {
    let app = spawn_app().await;
    let client = one_connection_client(false);
    for round in 0..20 {
        let big = "x".repeat(70 * 1024);
        let refused = client
            .post(app.url("/auth/logout"))
            .header("content-type", "application/json")
            .body(big)
            .send()
            .await
            .unwrap_or_else(|e| panic!("oversized body in round {round}: {e:?}"));
        assert_eq!(refused.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(
            refused.headers().get("connection").map(|v| v.as_bytes()),
            Some(&b"close"[..])
        );
        let me = client
            .get(app.url("/auth/me"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("the request after the 413 in round {round}: {e:?}"));
        assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    }
}
