//! Cookie tossing (issue 15, point 2): `__Host-colloquy_session` over
//! https, `colloquy_session` over http, and a request carrying more than
//! one session cookie is 401, whichever comes first.

use crate::helpers::{PASSWORD, TestApp, assert_problem, spawn_app, spawn_app_with};
use reqwest::StatusCode;
use serde_json::json;

/// Signs `username` in without a cookie store; returns every
/// `Set-Cookie` of the answer.
async fn login(app: &TestApp, username: &str) -> Vec<String> {
    let response = app
        .reader
        .post(app.url("/auth/login"))
        .json(&json!({"username": username, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

/// The value of cookie `name` among `set_cookies`.
fn token(set_cookies: &[String], name: &str) -> String {
    set_cookies
        .iter()
        .find_map(|c| c.strip_prefix(&format!("{name}=")))
        .and_then(|rest| rest.split(';').next())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| panic!("no {name} in {set_cookies:?}"))
        .to_owned()
}

/// `GET /auth/me` with these `Cookie` headers.
async fn me(app: &TestApp, cookies: &[&str]) -> reqwest::Response {
    let mut request = app.reader.get(app.url("/auth/me"));
    for cookie in cookies {
        request = request.header("cookie", *cookie);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn over_https_the_session_cookie_is_host_prefixed_and_the_plain_name_is_not_read() {
    let app = spawn_app_with(|s| {
        s.rate_limit.enabled = false;
        s.secure_cookies = Some(true);
    })
    .await;
    app.create_account("hana", "moderator");
    let set = login(&app, "hana").await;
    let session = set
        .iter()
        .find(|c| c.starts_with("__Host-colloquy_session=") && !c.contains("Max-Age=0"))
        .unwrap();
    for part in ["Secure", "HttpOnly", "Path=/", "SameSite=Strict"] {
        assert!(session.contains(part), "{session} has {part}");
    }
    assert!(
        !session.to_ascii_lowercase().contains("domain="),
        "{session}"
    );
    // A plain-named cookie from before https is cleared at sign-in.
    assert!(
        set.iter()
            .any(|c| c.starts_with("colloquy_session=;") || c.starts_with("colloquy_session=\"\"")),
        "{set:?}"
    );
    let value = token(&set, "__Host-colloquy_session");
    let ok = me(&app, &[&format!("__Host-colloquy_session={value}")]).await;
    assert_eq!(ok.status(), StatusCode::OK);
    // The same token under the name a sibling subdomain could set is not a session.
    assert_problem(me(&app, &[&format!("colloquy_session={value}")]).await, 401).await;
    // Nor is the right one beside a tossed one.
    assert_problem(
        me(
            &app,
            &[&format!(
                "colloquy_session=attacker; __Host-colloquy_session={value}"
            )],
        )
        .await,
        401,
    )
    .await;
}

#[tokio::test]
async fn over_http_the_cookie_keeps_its_plain_name() {
    let app = spawn_app().await;
    app.create_account("ivo", "moderator");
    let set = login(&app, "ivo").await;
    assert!(set.iter().all(|c| !c.contains("__Host-")), "{set:?}");
    let value = token(&set, "colloquy_session");
    assert_eq!(
        me(&app, &[&format!("colloquy_session={value}")])
            .await
            .status(),
        StatusCode::OK
    );
    // A pair that does not parse beside it changes nothing.
    assert_eq!(
        me(&app, &[&format!("junk; other=1; colloquy_session={value}")])
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_request_with_more_than_one_session_cookie_is_refused_in_any_order_or_header() {
    let app = spawn_app().await;
    app.create_account("jun", "moderator");
    app.create_account("mallory", "moderator");
    let victim = token(&login(&app, "jun").await, "colloquy_session");
    let attacker = token(&login(&app, "mallory").await, "colloquy_session");
    for cookies in [
        vec![format!(
            "colloquy_session={attacker}; colloquy_session={victim}"
        )],
        vec![format!(
            "colloquy_session={victim}; colloquy_session={attacker}"
        )],
        vec![format!(
            "colloquy_session={victim}; colloquy_session={victim}"
        )],
        vec![
            format!("colloquy_session={attacker}"),
            format!("colloquy_session={victim}"),
        ],
        vec![format!(
            "colloquy_session={victim}; __Host-colloquy_session={attacker}"
        )],
        vec![format!(
            "a=1; colloquy_session={victim}; b=2; colloquy_session=; c=3"
        )],
    ] {
        let refs: Vec<&str> = cookies.iter().map(String::as_str).collect();
        let problem = assert_problem(me(&app, &refs).await, 401).await;
        assert_eq!(
            problem["type"].as_str().unwrap().rsplit('/').next(),
            Some("not-signed-in"),
            "{cookies:?}"
        );
    }
    // A state-changing request is refused the same way, before its CSRF check.
    let refused = app
        .reader
        .post(app.url("/auth/logout-all"))
        .header(
            "cookie",
            format!("colloquy_session={attacker}; colloquy_session={victim}"),
        )
        .send()
        .await
        .unwrap();
    assert_problem(refused, 401).await;
    // Each alone still works: nothing was ended by the refusals.
    for value in [&victim, &attacker] {
        let ok = me(&app, &[&format!("colloquy_session={value}")]).await;
        assert_eq!(ok.status(), StatusCode::OK);
    }
}

/// Real Chromium: a page on a sibling subdomain plants a session cookie for
/// the parent domain with a longer path, which the browser then sends
/// first to the moderators' host. The moderator's next request is refused
/// (401), never answered as the attacker.
#[tokio::test]
async fn a_cookie_tossed_from_a_sibling_subdomain_signs_nobody_in_as_the_attacker() {
    let app = spawn_app().await;
    let port = app.address.rsplit(':').next().unwrap().to_owned();
    app.create_account("kim", "moderator");
    app.create_account("mallory", "moderator");
    let attacker = token(&login(&app, "mallory").await, "colloquy_session");
    let b = crate::browser::browser_with(
        true,
        &["--host-resolver-rules=MAP *.example.test 127.0.0.1"],
    )
    .await;
    let admin = format!("http://admin.example.test:{port}");
    b.client.goto(&format!("{admin}/admin/")).await.unwrap();
    b.wait_for(
        "the sign-in dialog",
        "return document.getElementById('sign-in').open",
    )
    .await;
    crate::admin_page::sign_in(&b, "kim").await;
    let whoami = "window.__me = null; fetch('/api/v1/auth/me').then(r => r.json().then(j => { window.__me = {status: r.status, body: j}; })); return 1";
    b.eval(whoami).await;
    let before = b.wait_for("who is signed in", "return window.__me").await;
    assert_eq!(before["status"], 200);
    assert_eq!(before["body"]["username"], "kim");

    // The sibling subdomain's page.
    b.client
        .goto(&format!("http://evil.example.test:{port}/"))
        .await
        .unwrap();
    b.eval(&format!(
        "document.cookie = 'colloquy_session={attacker}; Domain=example.test; Path=/api'; return 1"
    ))
    .await;

    b.client.goto(&format!("{admin}/admin/")).await.unwrap();
    b.eval(whoami).await;
    let after = b.wait_for("who is signed in", "return window.__me").await;
    assert_ne!(
        after["body"]["username"], "mallory",
        "signed in as the attacker"
    );
    assert_eq!(after["status"], 401, "{after}");
    assert_eq!(after["body"]["type"], "/problems/not-signed-in");
}
