//! Moderators' mail (the digest of waiting comments, their own address)
//! and the admins' view of the outbox.

use super::smtp::Smtp;
use super::{app_with_mail, failed_item};
use crate::helpers::{assert_problem, spawn_app_with};
use colloquy::domain::outbox::Channel;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn account_id(m: &crate::helpers::Moderator) -> i64 {
    let (_, me) = m.get("/auth/me").await;
    me["id"]
        .as_i64()
        .or_else(|| me["moderator"]["id"].as_i64())
        .unwrap_or_else(|| panic!("no id in {me}"))
}

#[tokio::test]
async fn a_moderator_sets_their_own_address_and_only_admins_set_others() {
    let app = spawn_app_with(|s| s.rate_limit.enabled = false).await;
    let moderator = app.signed_in("moderator").await;
    let admin = app.signed_in("admin").await;
    let own = account_id(&moderator).await;
    let path = format!("/moderation/accounts/{own}");
    let set = moderator
        .patch(&path, &json!({"email": " mod@example.org "}))
        .await;
    assert_eq!(set.status(), StatusCode::OK);
    assert_eq!(
        set.json::<Value>().await.unwrap()["email"],
        "mod@example.org"
    );
    assert_problem(
        moderator
            .patch(&path, &json!({"email": "not an address"}))
            .await,
        422,
    )
    .await;
    // Not the role with it, and not someone else's address.
    assert_problem(
        moderator
            .patch(&path, &json!({"email": "x@example.org", "role": "admin"}))
            .await,
        403,
    )
    .await;
    let other = account_id(&admin).await;
    assert_problem(
        moderator
            .patch(
                &format!("/moderation/accounts/{other}"),
                &json!({"email": "x@example.org"}),
            )
            .await,
        403,
    )
    .await;
    // An admin may; "" removes it.
    let cleared = admin.patch(&path, &json!({"email": ""})).await;
    assert_eq!(cleared.json::<Value>().await.unwrap()["email"], Value::Null);
    let (_, list) = admin.get("/moderation/accounts").await;
    assert!(
        list["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a.get("email").is_some())
    );
}

#[tokio::test]
async fn moderators_with_an_address_get_one_digest_while_comments_wait() {
    let smtp = Smtp::start();
    let app = app_with_mail(&smtp).await;
    let admin = app.signed_in("admin").await;
    let id = account_id(&admin).await;
    admin
        .patch(
            &format!("/moderation/accounts/{id}"),
            &json!({"email": "desk@example.org"}),
        )
        .await;
    // Nothing waits: no digest.
    assert_eq!(smtp.count_after(6).await, 0);
    let slug = app.post("queue").await;
    app.submit_ok(&slug, "Dedric", "A first comment.").await;
    app.submit_ok(&slug, "Mari", "A second comment.").await;
    let digest = smtp.wait_for(1, 20).await.remove(0);
    assert_eq!(digest.rcpt, "desk@example.org");
    assert_eq!(digest.subject(), "2 comments wait for moderation");
    assert!(
        digest
            .text()
            .contains(&format!("{}/admin/", app.public_url))
    );
    assert!(digest.text().contains("the oldest has waited"));
    // Nothing in it acts on a GET: the only link is the workspace.
    let links: Vec<_> = digest
        .text()
        .split_whitespace()
        .filter(|w| w.starts_with("http"))
        .map(str::to_owned)
        .collect();
    assert_eq!(links, [format!("{}/admin/", app.public_url)]);
    assert!(digest.header("List-Unsubscribe").is_none());
    // At most one per digest_minutes.
    app.submit_ok(&slug, "Angela", "A third comment.").await;
    assert_eq!(smtp.count_after(7).await, 1);
}

#[tokio::test]
async fn admins_see_what_failed_and_retry_or_drop_it() {
    let app = spawn_app_with(|s| s.rate_limit.enabled = false).await;
    let admin = app.signed_in("admin").await;
    let moderator = app.signed_in("moderator").await;
    let id = failed_item(
        &app,
        Channel::Webhook,
        "comment.approved",
        "http://127.0.0.1:9/a",
        "connection refused",
    );
    let other = failed_item(
        &app,
        Channel::Webhook,
        "comment.approved",
        "http://127.0.0.1:9/b",
        "connection refused",
    );
    let (status, list) = admin.get("/moderation/outbox?state=failed").await;
    assert_eq!(status, StatusCode::OK);
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["attempts"], 12);
    assert_eq!(items[0]["last_error"], "connection refused");
    assert_eq!(list["counts"]["failed"], 2);
    assert_problem(moderator.get_response("/moderation/outbox").await, 403).await;
    assert_problem(
        admin.get_response("/moderation/outbox?state=lost").await,
        400,
    )
    .await;

    let retry = admin
        .post(&format!("/moderation/outbox/{id}/retry"), &json!({}))
        .await;
    assert_eq!(retry.status(), StatusCode::NO_CONTENT);
    assert_problem(
        admin
            .post(&format!("/moderation/outbox/{id}/retry"), &json!({}))
            .await,
        409,
    )
    .await;
    let drop = admin
        .post(&format!("/moderation/outbox/{other}/drop"), &json!({}))
        .await;
    assert_eq!(drop.status(), StatusCode::NO_CONTENT);
    assert_problem(
        admin.post("/moderation/outbox/9999/drop", &json!({})).await,
        404,
    )
    .await;
    assert_problem(
        moderator
            .post(&format!("/moderation/outbox/{other}/retry"), &json!({}))
            .await,
        403,
    )
    .await;
    let (_, due) = admin.get("/moderation/outbox?state=due").await;
    assert_eq!(due["items"][0]["id"], id);
    assert_eq!(due["items"][0]["attempts"], 0);
    let (_, dropped) = admin.get("/moderation/outbox?state=dropped").await;
    assert_eq!(dropped["items"][0]["id"], other);
    // Without the CSRF token nothing changes.
    let forged = admin
        .client
        .post(admin.url(&format!("/moderation/outbox/{id}/drop")))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
}
