//! A real blog on day one: permalinks, refusals a reader can tell apart,
//! threads that start from the page the widget is pasted into.

use crate::helpers::{assert_problem, spawn_app};
use serde_json::json;

#[tokio::test]
async fn every_approved_item_carries_a_permalink_to_its_page() {
    let app = spawn_app().await;
    let slug = app.post("water").await;
    let id = app.submit_ok(&slug, "Mari", "About the river gauges").await;
    let admin = app.signed_in("admin").await;
    admin.approve(id).await;
    let reply = admin.reply(&slug, Some(id), "Thank you, Mari.").await;
    let thread = app.thread(&slug).await;
    let item = &thread["comments"][0];
    assert_eq!(
        item["permalink"],
        format!("{}/threads/{slug}#comment-{id}", app.public_url)
    );
    assert_eq!(
        item["replies"][0]["permalink"],
        format!("{}/threads/{slug}#comment-{}", app.public_url, reply["id"])
    );
    assert_eq!(reply["permalink"], item["replies"][0]["permalink"]);
    // A post that lives on the blog links there.
    let editor = app.signed_in("editor").await;
    let changed = editor
        .patch(
            &format!("/moderation/posts/{slug}"),
            &json!({"url": "https://blog.example/2012/04/water#top"}),
        )
        .await;
    assert_eq!(changed.status(), 200);
    let thread = app.thread(&slug).await;
    assert_eq!(
        thread["comments"][0]["permalink"],
        format!("https://blog.example/2012/04/water#comment-{id}")
    );
}

#[tokio::test]
async fn a_banned_sender_and_a_closed_post_are_refused_in_words_apart() {
    let app = spawn_app().await;
    let open = app.post("open").await;
    let closed = app.post("closed").await;
    let editor = app.signed_in("editor").await;
    let r = editor
        .patch(
            &format!("/moderation/posts/{closed}"),
            &json!({"comments_open": false}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let moderator = app.signed_in("moderator").await;
    let ban = moderator
        .post(
            "/moderation/bans",
            &json!({"kind": "email", "email": "troll@example.org"}),
        )
        .await;
    assert_eq!(ban.status(), 201);
    let shut = app
        .submit(&closed, &json!({"author_name": "A", "body": "too late"}))
        .await;
    let shut = assert_problem(shut, 403).await;
    assert_eq!(shut["type"], "/problems/comments-closed");
    let banned = app
        .submit(
            &open,
            &json!({"author_name": "T", "email": "troll@example.org", "body": "again"}),
        )
        .await;
    let banned = assert_problem(banned, 403).await;
    assert_eq!(banned["type"], "/problems/banned");
    assert_eq!(banned["detail"], "You cannot comment on this site.");
}

fn blog_app_settings(s: &mut colloquy::config::Settings) {
    s.rate_limit.enabled = false;
    s.allowed_origins = vec!["https://blog.example".into()];
}

#[tokio::test]
async fn a_page_on_an_allowed_origin_reads_an_unknown_slug_as_an_empty_open_thread() {
    let app = crate::helpers::spawn_app_with(blog_app_settings).await;
    let url = "https://blog.example/2026/12/new-post";
    let (status, thread) = app
        .get(&format!("/posts/brand-new/comments?url={url}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(thread["total"], 0);
    assert_eq!(thread["post"]["comments_open"], true);
    assert_eq!(thread["post"]["slug"], "brand-new");
    assert_eq!(thread["comments"], json!([]));
    // Nothing was stored by reading.
    let (status, _) = app.get("/posts/brand-new").await;
    assert_eq!(status, 404);
    for refused in [
        "/posts/brand-new/comments".to_owned(),
        "/posts/brand-new/comments?url=https://evil.example/x".to_owned(),
        "/posts/brand-new/comments?url=http://blog.example/x".to_owned(),
        format!("/posts/Not%20A%20Slug/comments?url={url}"),
    ] {
        let (status, _) = app.get(&refused).await;
        assert_eq!(status, 404, "{refused}");
    }
}

#[tokio::test]
async fn the_first_accepted_comment_from_an_allowed_page_creates_the_post() {
    let app = crate::helpers::spawn_app_with(blog_app_settings).await;
    let refused = app
        .submit(
            "fresh",
            &json!({"author_name": "Mari", "body": "First!", "post_url": "https://evil.example/fresh"}),
        )
        .await;
    assert_problem(refused, 404).await;
    let no_page = app
        .submit("fresh", &json!({"author_name": "Mari", "body": "First!"}))
        .await;
    assert_problem(no_page, 404).await;
    let answer = app
        .submit(
            "fresh",
            &json!({"author_name": "Mari", "body": "First!", "post_title": "A fresh post",
                    "post_url": "https://blog.example/2026/12/fresh#comments", "parent_id": 1}),
        )
        .await;
    assert_problem(answer, 404).await;
    let (status, _) = app.get("/posts/fresh").await;
    assert_eq!(status, 404, "no refused submission created the post");

    let id = app
        .submit(
            "fresh",
            &json!({"author_name": "Mari", "body": "First!", "post_title": "A fresh post",
                    "post_url": "https://blog.example/2026/12/fresh#comments"}),
        )
        .await;
    assert_eq!(id.status(), 202);
    let (status, post) = app.get("/posts/fresh").await;
    assert_eq!(status, 200);
    assert_eq!(post["title"], "A fresh post");
    assert_eq!(post["url"], "https://blog.example/2026/12/fresh");
    let admin = app.signed_in("admin").await;
    let queue = admin.queue("?post=fresh").await;
    assert_eq!(queue["comments"].as_array().unwrap().len(), 1);
    let (_, log) = admin.get("/moderation/log?action=post_auto_created").await;
    let entries = log["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["post_slug"], "fresh");
    assert_eq!(entries[0]["moderator"], serde_json::Value::Null);
    // Listed publicly only once something on it is public.
    let listed = |posts: &serde_json::Value| {
        posts["posts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["slug"] == "fresh")
    };
    let (_, posts) = app.get("/posts").await;
    assert!(!listed(&posts));
    // Moderators see it at once, marked.
    let (status, mod_posts) = admin.get("/moderation/posts").await;
    assert_eq!(status, 200);
    assert!(listed(&mod_posts));
    let fresh = mod_posts["posts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["slug"] == "fresh")
        .unwrap();
    assert_eq!(fresh["auto_created"], true);
    assert_eq!(fresh["title"], "A fresh post");
    let comment = queue["comments"][0]["id"].as_i64().unwrap();
    admin.approve(comment).await;
    let (_, posts) = app.get("/posts").await;
    assert!(listed(&posts));
    // A second comment goes to the same post.
    let again = app
        .submit(
            "fresh",
            &json!({"author_name": "Ana", "body": "Second.", "post_title": "Another title",
                    "post_url": "https://blog.example/2026/12/fresh"}),
        )
        .await;
    assert_eq!(again.status(), 202);
    let (_, post) = app.get("/posts/fresh").await;
    assert_eq!(post["title"], "A fresh post");
}

#[tokio::test]
async fn the_servers_own_pages_may_start_threads_and_auto_create_can_be_turned_off() {
    let app = spawn_app().await;
    let own = format!("{}/somewhere", app.address);
    let (status, _) = app
        .get(&format!("/posts/own-page/comments?url={own}"))
        .await;
    assert_eq!(status, 200);
    let off = crate::helpers::spawn_app_with(|s| {
        blog_app_settings(s);
        s.posts.auto_create = false;
    })
    .await;
    let (status, _) = off
        .get("/posts/x/comments?url=https://blog.example/x")
        .await;
    assert_eq!(status, 404);
    let refused = off
        .submit(
            "x",
            &json!({"author_name": "M", "body": "b", "post_url": "https://blog.example/x"}),
        )
        .await;
    assert_problem(refused, 404).await;
}

#[tokio::test]
async fn a_page_address_that_is_not_one_is_refused_with_the_field_named() {
    let app = crate::helpers::spawn_app_with(blog_app_settings).await;
    let bad = app
        .submit(
            "fresh",
            &json!({"author_name": "M", "body": "b", "post_url": "javascript:alert(1)"}),
        )
        .await;
    let problem = assert_problem(bad, 422).await;
    assert_eq!(crate::helpers::error_fields(&problem), ["post_url"]);
}

async fn post_form(
    app: &crate::helpers::TestApp,
    slug: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    app.reader
        .post(app.url(&format!("/posts/{slug}/comments")))
        .header("Accept", "text/html")
        .form(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_refused_plain_form_comes_back_with_everything_the_reader_typed() {
    let app = spawn_app().await;
    let slug = app.post("water").await;
    let parent = app.submit_ok(&slug, "Mari", "First.").await;
    app.signed_in("admin").await.approve(parent).await;
    let parent = parent.to_string();
    let refused = post_form(
        &app,
        &slug,
        &[
            ("author_name", "Ana <b>Pérez</b>"),
            ("author_location", "Lima, Peru"),
            ("email", "not an address"),
            ("body", "A long thought about the river gauges & dams."),
            ("parent_id", &parent),
        ],
    )
    .await;
    assert_eq!(refused.status(), 422);
    assert!(
        refused.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = refused.text().await.unwrap();
    for kept in [
        "value=\"Ana &lt;b&gt;Pérez&lt;/b&gt;\"",
        "value=\"Lima, Peru\"",
        "value=\"not an address\"",
        ">A long thought about the river gauges &amp; dams.</textarea>",
        &format!("name=\"parent_id\" value=\"{parent}\""),
    ] {
        assert!(page.contains(kept), "{kept} in {page}");
    }
    assert!(page.contains("id=\"nojs-email-error\""), "{page}");
    assert!(page.contains("aria-invalid=\"true\""), "{page}");
    assert!(!page.contains("<b>Pérez"), "the name is escaped");
}

#[tokio::test]
async fn the_plain_thread_links_each_comment_and_an_unknown_one_is_a_page() {
    let app = spawn_app().await;
    let slug = app.post("water").await;
    let id = app.submit_ok(&slug, "Mari", "About the gauges.").await;
    app.signed_in("admin").await.approve(id).await;
    let page = app
        .reader
        .get(format!("{}/threads/{slug}", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("id=\"comment-{id}\"")), "{page}");
    assert!(
        page.contains(&format!("class=\"permalink\" href=\"#comment-{id}\"")),
        "{page}"
    );
    assert!(page.contains("Mari</strong>") && page.contains(" writes:"));
    let missing = app
        .reader
        .get(format!("{}/threads/no-such-post", app.address))
        .header("Accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    assert!(
        missing.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(missing.text().await.unwrap().contains("No such discussion"));
}

#[tokio::test]
async fn the_landing_page_of_a_real_server_names_its_own_address_not_the_demo() {
    let app = spawn_app().await;
    let page = app
        .reader
        .get(format!("{}/", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("<title>Colloquy at {}", app.public_url)),
        "{page}"
    );
    assert!(
        page.contains(&format!("{}/embed.js", app.public_url)),
        "{page}"
    );
    assert!(!page.contains("THIS-HOST"));
    assert!(!page.to_lowercase().contains("demo"), "{page}");
}

#[tokio::test]
async fn the_widget_comes_compressed_when_asked_and_decodes_to_the_same_bytes() {
    use std::io::Read;
    let app = spawn_app().await;
    // reqwest is built without its decompression features here: bodies
    // arrive exactly as sent.
    let client = reqwest::Client::new();
    for file in [
        "embed.js",
        "embed.css",
        "admin/queue.js",
        "admin/index.html",
    ] {
        let url = format!("{}/{file}", app.address);
        let identity = client.get(&url).send().await.unwrap();
        assert_eq!(identity.status(), 200);
        assert!(identity.headers().get("content-encoding").is_none());
        assert!(
            identity.headers()["vary"]
                .to_str()
                .unwrap()
                .contains("Accept-Encoding")
        );
        let identity_tag = identity.headers()["etag"].to_str().unwrap().to_owned();
        let original = identity.bytes().await.unwrap();
        for (coding, name) in [("br", "br"), ("gzip", "gzip"), ("gzip, deflate, br", "br")] {
            let encoded = client
                .get(&url)
                .header("Accept-Encoding", coding)
                .send()
                .await
                .unwrap();
            assert_eq!(
                encoded.headers()["content-encoding"],
                name,
                "{file} {coding}"
            );
            let tag = encoded.headers()["etag"].to_str().unwrap().to_owned();
            assert_ne!(tag, identity_tag, "each coding has its own tag");
            let body = encoded.bytes().await.unwrap();
            assert!(body.len() < original.len(), "{file} {coding}");
            let mut decoded = Vec::new();
            if name == "br" {
                brotli::Decompressor::new(&body[..], 4096)
                    .read_to_end(&mut decoded)
                    .unwrap();
            } else {
                flate2::read::GzDecoder::new(&body[..])
                    .read_to_end(&mut decoded)
                    .unwrap();
            }
            assert_eq!(decoded, original, "{file} {coding}");
            let again = client
                .get(&url)
                .header("Accept-Encoding", coding)
                .header("If-None-Match", &tag)
                .send()
                .await
                .unwrap();
            assert_eq!(again.status(), 304, "{file} {coding}");
        }
    }
}
