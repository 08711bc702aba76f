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
