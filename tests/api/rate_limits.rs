use crate::helpers::{PASSWORD, assert_problem, spawn_app_with};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn the_fourth_rapid_submission_is_429_even_with_a_forged_forwarded_for() {
    let app = spawn_app_with(|_| {}).await;
    let slug = app.post("p").await;
    let url = app.url(&format!("/posts/{slug}/comments"));
    for i in 0..3 {
        let r = app
            .reader
            .post(&url)
            .header("X-Forwarded-For", format!("203.0.113.{i}"))
            .header("X-Real-IP", format!("198.51.100.{i}"))
            .json(&json!({"author_name": "A", "body": format!("comment {i}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::ACCEPTED);
    }
    let fourth = app
        .reader
        .post(&url)
        .header("X-Forwarded-For", "192.0.2.99")
        .json(&json!({"author_name": "A", "body": "comment 4"}))
        .send()
        .await
        .unwrap();
    let retry: u64 = fourth
        .headers()
        .get("retry-after")
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    assert_problem(fourth, 429).await;
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit() {
    let app = spawn_app_with(|s| s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()]).await;
    let slug = app.post("p").await;
    let url = app.url(&format!("/posts/{slug}/comments"));
    let send = |client_ip: &'static str, i: usize| {
        app.reader
            .post(&url)
            .header("X-Forwarded-For", format!("10.9.9.9, {client_ip}"))
            .json(&json!({"author_name": "A", "body": format!("comment {client_ip} {i}")}))
            .send()
    };
    for i in 0..3 {
        assert_eq!(
            send("203.0.113.1", i).await.unwrap().status(),
            StatusCode::ACCEPTED
        );
    }
    assert_eq!(
        send("203.0.113.1", 3).await.unwrap().status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    // The client's own (forgeable) left-hand entry changes nothing: the
    // nearest untrusted hop is what counts.
    assert_eq!(
        send("203.0.113.2", 0).await.unwrap().status(),
        StatusCode::ACCEPTED
    );
}

#[tokio::test]
async fn flags_are_rate_limited() {
    let app = spawn_app_with(|s| s.rate_limit.flags_per_minute = 2).await;
    let slug = app.post("p").await;
    let moderator = app.signed_in("moderator").await;
    let id = app.submit_ok(&slug, "A", "flag me").await;
    moderator.approve(id).await;
    let url = app.url(&format!("/comments/{id}/flag"));
    for _ in 0..2 {
        let r = app
            .reader
            .post(&url)
            .json(&json!({"reason": "rude"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::ACCEPTED);
    }
    let third = app
        .reader
        .post(&url)
        .json(&json!({"reason": "rude"}))
        .send()
        .await
        .unwrap();
    assert_problem(third, 429).await;
}

#[tokio::test]
async fn repeated_failed_sign_ins_are_rate_limited_even_for_the_right_password() {
    let app = spawn_app_with(|_| {}).await;
    app.create_account("alice", "moderator");
    let login = |password: &'static str| {
        app.reader
            .post(app.url("/auth/login"))
            .json(&json!({"username": "alice", "password": password}))
            .send()
    };
    for _ in 0..5 {
        assert_problem(login("wrong").await.unwrap(), 401).await;
    }
    assert_problem(login("wrong").await.unwrap(), 429).await;
    let locked = login(PASSWORD).await.unwrap();
    assert!(locked.headers().contains_key("retry-after"));
    assert_problem(locked, 429).await;
}

#[tokio::test]
async fn one_account_gets_ten_tries_a_minute_from_any_number_of_addresses() {
    // 100 wrong passwords for one account from 25 addresses behind a
    // trusted proxy: each address stays under its own limit (4 tries), but
    // the account takes 10 a minute, whoever sends them.
    let app = spawn_app_with(|s| s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()]).await;
    app.create_account("alice", "moderator");
    app.create_account("bob", "moderator");
    let login = |user: &'static str, password: &'static str, client: u32| {
        app.reader
            .post(app.url("/auth/login"))
            .header("X-Forwarded-For", format!("198.51.100.{}", client % 25 + 1))
            .json(&json!({"username": user, "password": password}))
            .send()
    };
    let mut statuses = Vec::new();
    for i in 0..100 {
        statuses.push(login("alice", "wrong", i).await.unwrap().status().as_u16());
    }
    assert!(statuses[..10].iter().all(|s| *s == 401), "{statuses:?}");
    assert!(statuses[10..].iter().all(|s| *s == 429), "{statuses:?}");
    // The right password is refused alike while the account is throttled:
    // the limit tells an attacker nothing.
    let right = login("alice", PASSWORD, 99).await.unwrap();
    assert!(right.headers().contains_key("retry-after"));
    assert_problem(right, 429).await;
    // Another account is untouched.
    assert_eq!(login("bob", PASSWORD, 3).await.unwrap().status(), 200);
}
