use crate::helpers::{assert_problem, error_fields, spawn_app};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn posts_are_listed_newest_first_with_counts() {
    let app = spawn_app().await;
    let editor = app.signed_in("editor").await;
    for (slug, at) in [
        ("older", "2012-04-26T14:00:00Z"),
        ("newer", "2012-05-01T09:00:00Z"),
    ] {
        let r = editor
            .post(
                "/moderation/posts",
                &json!({"slug": slug, "title": slug, "author": "A", "published_at": at}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let id = app.submit_ok("older", "Mari", "A question").await;
    editor.approve(id).await;
    let (status, body) = app.get("/posts").await;
    assert_eq!(status, StatusCode::OK);
    let posts = body["posts"].as_array().unwrap();
    assert_eq!(posts[0]["slug"], "newer");
    assert_eq!(posts[1]["slug"], "older");
    assert_eq!(posts[1]["comment_count"], 1);
    assert_eq!(posts[0]["comment_count"], 0);
    assert_eq!(posts[1]["published_at"], "2012-04-26T14:00:00Z");
    assert_eq!(posts[1]["comments_open"], true);
    assert!(body["next"].is_null());
}

#[tokio::test]
async fn the_posts_list_pages_without_skipping_or_repeating() {
    let app = spawn_app().await;
    let editor = app.signed_in("editor").await;
    for i in 0..7 {
        let r = editor
            .post(
                "/moderation/posts",
                // Two posts share each time, so the cursor must break ties by id.
                &json!({"slug": format!("p{i}"), "title": "t", "author": "a", "published_at": format!("2020-01-0{}T00:00:00Z", 1 + i / 2)}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = match &cursor {
            Some(c) => format!("/posts?limit=3&cursor={c}"),
            None => "/posts?limit=3".to_owned(),
        };
        let (_, body) = app.get(&query).await;
        let page = body["posts"].as_array().unwrap();
        assert!(page.len() <= 3);
        seen.extend(page.iter().map(|p| p["slug"].as_str().unwrap().to_owned()));
        match body["next"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(seen.len(), 7);
    assert_eq!(unique.len(), 7);
}

#[tokio::test]
async fn one_post_has_its_sanitised_body_and_an_unknown_one_is_404() {
    let app = spawn_app().await;
    let editor = app.signed_in("editor").await;
    let r = editor
        .post("/moderation/posts", &json!({"slug": "p", "title": "T", "author": "A", "body": "# Head\n\n<script>x</script>\n\nThat was *ok*."}))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let (status, post) = app.get("/posts/p").await;
    assert_eq!(status, StatusCode::OK);
    let html = post["body_html"].as_str().unwrap();
    assert!(
        html.contains("<h2>Head</h2>") && html.contains("<em>ok</em>"),
        "{html}"
    );
    assert!(!html.contains("<script"));
    let missing = app.reader.get(app.url("/posts/nope")).send().await.unwrap();
    assert_problem(missing, 404).await;
}

#[tokio::test]
async fn editors_create_and_patch_posts_and_slugs_are_unique() {
    let app = spawn_app().await;
    let editor = app.signed_in("editor").await;
    app.post("first").await;
    let taken = editor
        .post(
            "/moderation/posts",
            &json!({"slug": "first", "title": "T", "author": "A"}),
        )
        .await;
    assert_problem(taken, 409).await;
    let bad = editor
        .post(
            "/moderation/posts",
            &json!({"slug": "Bad Slug", "author": ""}),
        )
        .await;
    let problem = assert_problem(bad, 422).await;
    assert_eq!(error_fields(&problem), ["slug", "title", "author"]);
    let patched = editor
        .patch(
            "/moderation/posts/first",
            &json!({"title": "New title", "comments_open": false}),
        )
        .await;
    assert_eq!(patched.status(), StatusCode::OK);
    let (_, post) = app.get("/posts/first").await;
    assert_eq!(post["title"], "New title");
    assert_eq!(post["comments_open"], false);
    app.post("second").await;
    let clash = editor
        .patch("/moderation/posts/first", &json!({"slug": "second"}))
        .await;
    assert_problem(clash, 409).await;
    let missing = editor
        .patch("/moderation/posts/none", &json!({"title": "x"}))
        .await;
    assert_problem(missing, 404).await;
}

#[tokio::test]
async fn counts_cover_approved_items_and_unknown_slugs_count_zero() {
    let app = spawn_app().await;
    let slug = app.post("counted").await;
    let moderator = app.signed_in("moderator").await;
    let a = app.submit_ok(&slug, "A", "approved one").await;
    app.submit_ok(&slug, "B", "still pending").await;
    moderator.approve(a).await;
    moderator.reply(&slug, Some(a), "official").await;
    // An official reply to a still-pending comment is not shown, so it is
    // not counted either: counts always match the thread's total.
    let pending = app.submit_ok(&slug, "C", "not yet approved").await;
    moderator
        .reply(&slug, Some(pending), "answer to a pending comment")
        .await;
    let (status, body) = app.get("/counts?posts=counted,unknown").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"counts": {"counted": 2, "unknown": 0}}));
    assert_eq!(app.thread(&slug).await["total"], 2);
    let (_, list) = app.get("/posts").await;
    assert_eq!(list["posts"][0]["comment_count"], 2);
    let (_, empty) = app.get("/counts").await;
    assert_eq!(empty, json!({"counts": {}}));
}
