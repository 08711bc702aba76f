use crate::helpers::{PASSWORD, assert_problem, spawn_app};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn signing_in_sets_a_strict_http_only_cookie_and_returns_the_csrf_token() {
    let app = spawn_app().await;
    app.create_account("alice", "editor");
    let response = app
        .reader
        .post(app.url("/auth/login"))
        .json(&json!({"username": "alice", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("colloquy_session="));
    assert!(cookie.contains("HttpOnly"));
    assert!(cookie.contains("SameSite=Strict"));
    assert!(cookie.contains("Path=/"));
    assert!(!cookie.contains("Secure"), "plain http on loopback");
    let me: Value = response.json().await.unwrap();
    assert_eq!(me["username"], "alice");
    assert_eq!(me["display_name"], "alice (display)");
    assert_eq!(me["role"], "editor");
    assert!(me["csrf_token"].as_str().unwrap().len() >= 32);
}

#[tokio::test]
async fn the_cookie_is_secure_behind_a_trusted_https_proxy() {
    let app = crate::helpers::spawn_app_with(|s| {
        s.rate_limit.enabled = false;
        s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    app.create_account("alice", "moderator");
    let response = app
        .reader
        .post(app.url("/auth/login"))
        .header("X-Forwarded-Proto", "https")
        .json(&json!({"username": "alice", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let cookie = response
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn bad_credentials_are_401_and_say_nothing_about_which_part_was_wrong() {
    let app = spawn_app().await;
    app.create_account("alice", "moderator");
    let mut details = Vec::new();
    for (user, password) in [("alice", "wrong password"), ("nobody", PASSWORD)] {
        let r = app
            .reader
            .post(app.url("/auth/login"))
            .json(&json!({"username": user, "password": password}))
            .send()
            .await
            .unwrap();
        details.push(assert_problem(r, 401).await["detail"].clone());
    }
    assert_eq!(details[0], details[1]);
}

#[tokio::test]
async fn me_answers_401_without_a_session_and_200_with_one() {
    let app = spawn_app().await;
    let r = app.reader.get(app.url("/auth/me")).send().await.unwrap();
    assert_problem(r, 401).await;
    let moderator = app.signed_in("moderator").await;
    let (status, me) = moderator.get("/auth/me").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["csrf_token"], moderator.csrf);
}

#[tokio::test]
async fn logging_out_ends_the_session_on_the_server() {
    let app = spawn_app().await;
    let moderator = app.signed_in("moderator").await;
    let no_csrf = moderator
        .client
        .post(moderator.url("/auth/logout"))
        .send()
        .await
        .unwrap();
    assert_problem(no_csrf, 403).await;
    let r = moderator.post("/auth/logout", &json!({})).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (status, _) = moderator.get("/auth/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let again = app
        .reader
        .post(app.url("/auth/logout"))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_stolen_cookie_value_that_was_logged_out_is_useless() {
    let app = spawn_app().await;
    app.create_account("alice", "moderator");
    let response = app
        .reader
        .post(app.url("/auth/login"))
        .json(&json!({"username": "alice", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let cookie = response
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let csrf = response.json::<Value>().await.unwrap()["csrf_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let raw = Client::new();
    let ok = raw
        .get(app.url("/moderation/comments"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    let out = raw
        .post(app.url("/auth/logout"))
        .header("cookie", &cookie)
        .header("X-CSRF-Token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    let after = raw
        .get(app.url("/moderation/comments"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_problem(after, 401).await;
}

#[tokio::test]
async fn every_moderator_route_needs_a_session() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let get_routes = [
        "/moderation/comments",
        "/moderation/log",
        "/moderation/reasons",
    ];
    for path in get_routes {
        let r = app.reader.get(app.url(path)).send().await.unwrap();
        assert_problem(r, 401).await;
    }
    let post_routes = [
        "/moderation/comments/1/approve".to_owned(),
        "/moderation/comments/1/reject".to_owned(),
        "/moderation/comments/1/spam".to_owned(),
        "/moderation/comments/bulk".to_owned(),
        "/moderation/posts".to_owned(),
        format!("/moderation/posts/{slug}/replies"),
    ];
    for path in &post_routes {
        let r = app
            .reader
            .post(app.url(path))
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_problem(r, 401).await;
    }
    let r = app
        .reader
        .patch(app.url(&format!("/moderation/posts/{slug}")))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_problem(r, 401).await;
}

#[tokio::test]
async fn state_changes_without_the_csrf_token_are_403_and_change_nothing() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let moderator = app.signed_in("editor").await;
    let id = app.submit_ok(&slug, "A", "pending").await;
    for token in [None, Some("wrong-token")] {
        let mut request = moderator
            .client
            .post(moderator.url(&format!("/moderation/comments/{id}/approve")));
        if let Some(t) = token {
            request = request.header("X-CSRF-Token", t);
        }
        assert_problem(request.send().await.unwrap(), 403).await;
        let mut patch = moderator
            .client
            .patch(moderator.url(&format!("/moderation/posts/{slug}")))
            .json(&json!({"comments_open": false}));
        if let Some(t) = token {
            patch = patch.header("X-CSRF-Token", t);
        }
        assert_problem(patch.send().await.unwrap(), 403).await;
    }
    assert_eq!(app.thread(&slug).await["total"], 0);
    assert_eq!(app.thread(&slug).await["post"]["comments_open"], true);
}

#[tokio::test]
async fn roles_gate_posts_to_editors() {
    let app = spawn_app().await;
    let moderator = app.signed_in("moderator").await;
    let r = moderator
        .post(
            "/moderation/posts",
            &json!({"slug": "s", "title": "t", "author": "a"}),
        )
        .await;
    assert_problem(r, 403).await;
    let slug = app.post("p").await;
    let r = moderator
        .patch(&format!("/moderation/posts/{slug}"), &json!({"title": "x"}))
        .await;
    assert_problem(r, 403).await;
    let admin = app.signed_in("admin").await;
    let r = admin
        .post(
            "/moderation/posts",
            &json!({"slug": "s", "title": "t", "author": "a"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    // Moderators keep their own rights: replies and decisions.
    moderator.reply(&slug, None, "official note").await;
}

#[tokio::test]
async fn a_disabled_account_cannot_sign_in_or_use_its_session() {
    let app = spawn_app().await;
    let moderator = app.signed_in("moderator").await;
    {
        use colloquy::db::schema::moderators;
        use diesel::prelude::*;
        let mut conn = app.pool.get().unwrap();
        diesel::update(moderators::table)
            .set(moderators::disabled.eq(true))
            .execute(&mut conn)
            .unwrap();
    }
    let (status, _) = moderator.get("/auth/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_session_of_the_account_only() {
    let app = spawn_app().await;
    app.create_account("alice", "moderator");
    app.create_account("bob", "moderator");
    let laptop = app.sign_in("alice", PASSWORD).await;
    let phone = app.sign_in("alice", PASSWORD).await;
    let bob = app.sign_in("bob", PASSWORD).await;
    let no_csrf = laptop
        .client
        .post(laptop.url("/auth/logout-all"))
        .send()
        .await
        .unwrap();
    assert_problem(no_csrf, 403).await;
    let r = laptop.post("/auth/logout-all", &json!({})).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(laptop.get("/auth/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(phone.get("/auth/me").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        bob.get("/auth/me").await.0,
        StatusCode::OK,
        "other accounts keep their sessions"
    );
    let (_, log) = bob.get("/moderation/log?action=logout_all").await;
    assert_eq!(log["entries"][0]["moderator"], "alice");
}

#[tokio::test]
async fn hsts_is_sent_only_when_the_request_came_over_https() {
    let app = crate::helpers::spawn_app_with(|s| {
        s.rate_limit.enabled = false;
        s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let plain = app.reader.get(app.url("/posts")).send().await.unwrap();
    assert!(plain.headers().get("strict-transport-security").is_none());
    let https = app
        .reader
        .get(app.url("/posts"))
        .header("X-Forwarded-Proto", "https")
        .send()
        .await
        .unwrap();
    assert!(
        https
            .headers()
            .get("strict-transport-security")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("max-age=")
    );
    let untrusted = spawn_app().await;
    let forged = untrusted
        .reader
        .get(untrusted.url("/posts"))
        .header("X-Forwarded-Proto", "https")
        .send()
        .await
        .unwrap();
    assert!(
        forged.headers().get("strict-transport-security").is_none(),
        "only a trusted proxy is believed"
    );
}
