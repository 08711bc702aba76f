use crate::helpers::{assert_conditional_get, assert_problem, spawn_app};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_pending_comment_is_not_visible_to_readers() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    app.submit_ok(&slug, "Dedric", "Can I take a portion of your post?")
        .await;
    let thread = app.thread(&slug).await;
    assert_eq!(thread["total"], 0);
    assert_eq!(thread["comments"], json!([]));
    assert_eq!(
        thread["post"],
        json!({"slug": "p", "title": "Title of p", "comments_open": true})
    );
}

#[tokio::test]
async fn an_approved_comment_shows_with_its_official_reply_nested() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let moderator = app.signed_in("moderator").await;
    let id = app
        .submit(&slug, &json!({"author_name": "Dedric", "author_location": "United States", "body": "Wow! Thank you!"}))
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    moderator.approve(id).await;
    let reply = moderator
        .reply(&slug, Some(id), "@ Dedric -- Thank you for your interest!")
        .await;
    assert_eq!(reply["kind"], "official");
    assert_eq!(reply["author_name"], "DipNote Bloggers");
    let thread = app.thread(&slug).await;
    assert_eq!(thread["total"], 2);
    let comment = &thread["comments"][0];
    assert_eq!(comment["id"], id);
    assert_eq!(comment["kind"], "reader");
    assert_eq!(comment["author_name"], "Dedric");
    assert_eq!(comment["author_location"], "United States");
    assert_eq!(comment["body_html"], "<p>Wow! Thank you!</p>\n");
    assert!(comment["created_at"].as_str().unwrap().ends_with('Z'));
    let nested = &comment["replies"][0];
    assert_eq!(nested["kind"], "official");
    assert_eq!(nested["parent_id"], id);
    assert_eq!(nested["author_name"], "DipNote Bloggers");
    assert_eq!(nested["replies"], json!([]));
}

#[tokio::test]
async fn the_official_name_comes_from_configuration() {
    let app = crate::helpers::spawn_app_with(|s| {
        s.rate_limit.enabled = false;
        s.official_name = "Embassy Staff".into();
    })
    .await;
    let slug = app.post("p").await;
    let moderator = app.signed_in("moderator").await;
    let reply = moderator
        .reply(&slug, None, "Welcome to the discussion.")
        .await;
    assert_eq!(reply["author_name"], "Embassy Staff");
    assert_eq!(
        app.thread(&slug).await["comments"][0]["author_name"],
        "Embassy Staff"
    );
}

#[tokio::test]
async fn threads_page_top_level_comments_in_either_order() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let moderator = app.signed_in("moderator").await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let id = app.submit_ok(&slug, "R", &format!("comment {i}")).await;
        moderator.approve(id).await;
        ids.push(id);
    }
    let (_, first) = app.get(&format!("/posts/{slug}/comments?limit=2")).await;
    assert_eq!(first["total"], 5);
    let got: Vec<i64> = first["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(got, ids[..2]);
    let next = first["next"].as_str().unwrap();
    let (_, second) = app
        .get(&format!("/posts/{slug}/comments?limit=2&cursor={next}"))
        .await;
    let got: Vec<i64> = second["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(got, ids[2..4]);
    let (_, newest) = app
        .get(&format!("/posts/{slug}/comments?order=newest&limit=10"))
        .await;
    let got: Vec<i64> = newest["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    let mut reversed = ids.clone();
    reversed.reverse();
    assert_eq!(got, reversed);
    assert!(newest["next"].is_null());
}

#[tokio::test]
async fn a_thread_answers_304_to_a_matching_etag_and_changes_after_a_decision() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let url = app.url(&format!("/posts/{slug}/comments"));
    let first = app.reader.get(&url).send().await.unwrap();
    let etag = first
        .headers()
        .get("etag")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let again = app
        .reader
        .get(&url)
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    let moderator = app.signed_in("moderator").await;
    let id = app.submit_ok(&slug, "R", "text").await;
    let still = app
        .reader
        .get(&url)
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(
        still.status(),
        StatusCode::NOT_MODIFIED,
        "a pending comment must not change the thread"
    );
    moderator.approve(id).await;
    let changed = app
        .reader
        .get(&url)
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    assert_ne!(
        changed.headers().get("etag").unwrap().to_str().unwrap(),
        etag
    );
}

#[tokio::test]
async fn a_thread_answers_conditional_gets_by_rfc_9110() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let moderator = app.signed_in("moderator").await;
    moderator.reply(&slug, None, "first word").await;
    assert_conditional_get(
        &app.reader,
        &app.url(&format!("/posts/{slug}/comments")),
        &["cache-control", "vary"],
    )
    .await;
}

#[tokio::test]
async fn replies_to_a_comment_that_is_later_rejected_disappear_with_it() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let moderator = app.signed_in("moderator").await;
    let parent = app.submit_ok(&slug, "A", "parent").await;
    moderator.approve(parent).await;
    let reply = moderator.reply(&slug, Some(parent), "answer").await;
    assert_eq!(
        app.public_ids(&slug).await,
        [parent, reply["id"].as_i64().unwrap()]
    );
    let r = moderator
        .post(
            &format!("/moderation/comments/{parent}/reject"),
            &json!({"reason": "abusive"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(app.public_ids(&slug).await, Vec::<i64>::new());
    assert_eq!(app.thread(&slug).await["total"], 0);
}

#[tokio::test]
async fn bad_thread_queries_are_400_and_unknown_posts_404() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    for query in [
        "?limit=-1",
        "?limit=abc",
        "?cursor=%%%",
        "?cursor=Zm9v",
        "?order=sideways",
    ] {
        let r = app
            .reader
            .get(app.url(&format!("/posts/{slug}/comments{query}")))
            .send()
            .await
            .unwrap();
        assert_problem(r, 400).await;
    }
    let r = app
        .reader
        .get(app.url("/posts/none/comments"))
        .send()
        .await
        .unwrap();
    assert_problem(r, 404).await;
    let (status, body) = app
        .get(&format!("/posts/{slug}/comments?limit=100000"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
