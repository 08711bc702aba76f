//! Hardening II (issue 15): HTTP framing that could smuggle a request,
//! CORS decided on the path the router sees, no ban oracle, and clients
//! behind a trusted proxy told apart.

use crate::helpers::spawn_app;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Sends `request` as raw bytes and reads until the server closes the
/// connection; `None` if it is still open after a few seconds.
async fn raw_until_close(address: &str, request: &[u8]) -> Option<String> {
    let address = address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut answer = Vec::new();
    match tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await {
        Ok(Ok(_)) => Some(String::from_utf8_lossy(&answer).into_owned()),
        // A reset after the answer is a close too.
        Ok(Err(_)) if !answer.is_empty() => Some(String::from_utf8_lossy(&answer).into_owned()),
        _ => None,
    }
}

/// Asserts one answer: a 400 saying `Connection: close`, the connection
/// closed, and nothing after it (in particular not the answer to a
/// smuggled second request). actix-http's parser gives this answer before
/// the application sees the request, so it has no problem document.
fn assert_refused_once(case: &str, answer: Option<String>) {
    let text = answer.unwrap_or_else(|| panic!("{case}: the connection was kept open"));
    assert!(text.starts_with("HTTP/1.1 400"), "{case}: {text}");
    let head = text.split("\r\n\r\n").next().unwrap().to_ascii_lowercase();
    assert!(head.contains("connection: close"), "{case}: {text}");
    let answers = text.lines().filter(|l| l.starts_with("HTTP/")).count();
    assert_eq!(answers, 1, "{case}: {text}");
}

#[tokio::test]
async fn content_length_with_transfer_encoding_is_refused_and_closed() {
    let app = spawn_app().await;
    // The chunked body ends at once; what follows would be a second
    // request to a server that believed Transfer-Encoding.
    let smuggle = b"POST /api/v1/auth/logout HTTP/1.1\r\nHost: x\r\n\
        Content-Type: application/json\r\nContent-Length: 40\r\n\
        Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /api/v1/posts HTTP/1.1\r\nHost: x\r\n\r\n";
    assert_refused_once("CL+TE", raw_until_close(&app.address, smuggle).await);
    let reversed = b"POST /api/v1/auth/logout HTTP/1.1\r\nHost: x\r\n\
        Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n";
    assert_refused_once("TE+CL", raw_until_close(&app.address, reversed).await);
}

#[tokio::test]
async fn two_host_headers_or_none_are_refused_and_closed() {
    let app = spawn_app().await;
    let two = b"GET /api/v1/posts HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n";
    assert_refused_once("two Hosts", raw_until_close(&app.address, two).await);
    let none = b"GET /api/v1/posts HTTP/1.1\r\nAccept: */*\r\n\r\n";
    assert_refused_once("no Host", raw_until_close(&app.address, none).await);
}

#[tokio::test]
async fn well_framed_requests_still_pass() {
    let app = spawn_app().await;
    // HTTP/1.0 needs no Host; `Connection: close` makes the server end it.
    let old = raw_until_close(
        &app.address,
        b"GET /api/v1/posts HTTP/1.0\r\nConnection: close\r\n\r\n",
    )
    .await
    .unwrap();
    assert!(
        old.starts_with("HTTP/1.0 200") || old.starts_with("HTTP/1.1 200"),
        "{old}"
    );
    let chunked = raw_until_close(
        &app.address,
        b"POST /api/v1/auth/logout HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
          Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    )
    .await
    .unwrap();
    assert!(chunked.starts_with("HTTP/1.1 204"), "{chunked}");
}

/// The `Access-Control-Allow-Origin` an allowed blog origin gets for a GET
/// and for a preflight of a POST to `path`, and the GET's status.
async fn cors_for(
    app: &crate::helpers::TestApp,
    path: &str,
) -> (u16, Option<String>, Option<String>) {
    let origin = "https://blog.example";
    let get = app
        .reader
        .get(format!("{}{path}", app.address))
        .header("Origin", origin)
        .send()
        .await
        .unwrap();
    let preflight = app
        .reader
        .request(reqwest::Method::OPTIONS, format!("{}{path}", app.address))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type")
        .send()
        .await
        .unwrap();
    let allow = |r: &reqwest::Response| {
        r.headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap().to_owned())
    };
    (get.status().as_u16(), allow(&get), allow(&preflight))
}

#[tokio::test]
async fn cors_is_decided_on_the_decoded_path_the_router_sees() {
    let app = crate::helpers::spawn_app_with(|s| {
        s.rate_limit.enabled = false;
        s.allowed_origins = vec!["https://blog.example".into()];
    })
    .await;
    // The router decodes `%61` to `a`: these are the sign-in and
    // moderation routes, so a blog page may not read them.
    for path in [
        "/api/v1/%61uth/me",
        "/api/v1/%61uth/login",
        "/api/v1/au%74h/me",
        "/api/v1/%6doderation/comments",
        "/api/v1/%6Doderation/comments",
        "/%6detrics",
    ] {
        let (status, get, preflight) = cors_for(&app, path).await;
        assert!(get.is_none(), "{path}: GET answered {status} with {get:?}");
        assert!(
            preflight.is_none(),
            "{path}: preflight allowed {preflight:?}"
        );
    }
    // They really reach those routes (so the test means something).
    assert_eq!(cors_for(&app, "/api/v1/%61uth/me").await.0, 401);
    assert_eq!(cors_for(&app, "/api/v1/%6doderation/comments").await.0, 401);
    // Public routes, encoded or not, still answer the blog.
    for path in ["/api/v1/posts", "/api/v1/%70osts"] {
        let (status, get, _) = cors_for(&app, path).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(get.as_deref(), Some("https://blog.example"), "{path}");
    }
}

#[tokio::test]
async fn an_invalid_request_is_answered_alike_whether_or_not_its_sender_is_banned() {
    let app = spawn_app().await;
    let slug = app.post("oracle").await;
    let other = app.post("elsewhere").await;
    let admin = app.signed_in("admin").await;
    let ban = admin
        .post(
            "/moderation/bans",
            &serde_json::json!({"kind": "email", "email": "banned@example.org"}),
        )
        .await;
    assert_eq!(ban.status().as_u16(), 201, "{}", ban.text().await.unwrap());
    let pending = app.submit_ok(&slug, "Ana", "Still waiting.").await;
    let on_other = app.submit_ok(&other, "Bo", "Elsewhere.").await;
    admin.approve(on_other).await;
    let answer = |slug: &str, email: &str, parent: Option<i64>| {
        let body = serde_json::json!({
            "author_name": "Mari",
            "email": email,
            "body": "A reply.",
            "parent_id": parent,
        });
        let slug = slug.to_owned();
        let app = &app;
        async move {
            let r = app.submit(&slug, &body).await;
            let status = r.status().as_u16();
            let problem: serde_json::Value = r.json().await.unwrap();
            (status, problem["type"].as_str().unwrap_or("").to_owned())
        }
    };
    for (case, slug, parent) in [
        ("no such parent", slug.as_str(), Some(999_999)),
        ("a pending parent", slug.as_str(), Some(pending)),
        ("a parent on another post", slug.as_str(), Some(on_other)),
        (
            "a reply on a post that does not exist",
            "no-such-post",
            Some(on_other),
        ),
        (
            "a first comment on a post that does not exist",
            "no-such-post",
            None,
        ),
    ] {
        let unbanned = answer(slug, "free@example.org", parent).await;
        let banned = answer(slug, "banned@example.org", parent).await;
        assert!(
            unbanned.0 == 422 || unbanned.0 == 404,
            "{case}: {unbanned:?}"
        );
        assert_eq!(banned, unbanned, "{case}: banned and unbanned differ");
    }
    // A valid request still tells a banned sender so.
    let valid = answer(&slug, "banned@example.org", None).await;
    assert_eq!(valid.0, 403, "{valid:?}");
}

#[tokio::test]
async fn behind_a_trusted_proxy_hops_with_ports_or_unknown_are_clients_of_their_own() {
    let app = crate::helpers::spawn_app_with(|s| {
        s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let slug = app.post("p").await;
    let url = app.url(&format!("/posts/{slug}/comments"));
    let send = |hop: Option<&str>, i: usize| {
        let mut request = app.reader.post(&url).json(&serde_json::json!({
            "author_name": "A",
            "body": format!("comment {hop:?} {i}"),
        }));
        if let Some(hop) = hop {
            request = request.header("X-Forwarded-For", format!("10.9.9.9, {hop}"));
        }
        async move { request.send().await.unwrap().status().as_u16() }
    };
    // Three comments a minute per client (burst 3), then 429.
    for (first, same_ip, second) in [
        ("203.0.113.1:5000", "203.0.113.1:7000", "203.0.113.2:5000"),
        (
            "[2001:db8:1::1]:443",
            "[2001:db8:1::2]:80",
            "[2001:db8:2::1]:443",
        ),
        ("unknown", "unknown", "_hidden"),
    ] {
        for i in 0..3 {
            assert_eq!(send(Some(first), i).await, 202, "{first} #{i}");
        }
        assert_eq!(send(Some(first), 3).await, 429, "{first}: its own limit");
        // The port is not part of the client.
        assert_eq!(send(Some(same_ip), 0).await, 429, "{same_ip} is {first}");
        assert_eq!(send(Some(second), 0).await, 202, "{second} is not {first}");
    }
    // None of them was counted as the proxy itself.
    assert_eq!(send(None, 0).await, 202, "the proxy's own requests");
}
