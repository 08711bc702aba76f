//! The moderators' workspace API: bans, terms, queue context, stats,
//! claims, approve-and-reply, accounts, auto-close.

use crate::helpers::{
    Moderator, PASSWORD, TestApp, assert_problem, error_fields, spawn_app, spawn_app_with,
};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

/// An app that believes 127.0.0.1 as a proxy, so tests can send comments
/// from different client addresses with `X-Forwarded-For`.
async fn app_behind_proxy() -> TestApp {
    spawn_app_with(|s| {
        s.rate_limit.enabled = false;
        s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await
}

async fn submit_from(app: &TestApp, slug: &str, ip: &str, body: &Value) -> Response {
    app.reader
        .post(app.url(&format!("/posts/{slug}/comments")))
        .header("X-Forwarded-For", ip)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn id_of(response: Response) -> i64 {
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    response.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap()
}

async fn delete(moderator: &Moderator, path: &str) -> Response {
    moderator
        .client
        .delete(moderator.url(path))
        .header("X-CSRF-Token", &moderator.csrf)
        .send()
        .await
        .unwrap()
}

async fn log_actions(moderator: &Moderator, query: &str) -> Vec<Value> {
    let (status, log) = moderator.get(&format!("/moderation/log{query}")).await;
    assert_eq!(status, StatusCode::OK);
    log["entries"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_ban_by_e_mail_or_by_ip_hash_makes_the_next_submission_403() {
    let app = app_behind_proxy().await;
    let slug = app.post("p").await;
    let moderator = app.signed_in("moderator").await;
    let troll = id_of(
        submit_from(
            &app,
            &slug,
            "203.0.113.7",
            &json!({"author_name": "Troll", "email": "Troll@Example.org", "body": "bait"}),
        )
        .await,
    )
    .await;
    let r = moderator
        .post(
            "/moderation/bans",
            &json!({"kind": "email", "comment_id": troll, "note": "abusive", "days": 30}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let ban: Value = r.json().await.unwrap();
    assert_eq!(ban["email"], "troll@example.org");
    assert_eq!(ban["active"], true);
    assert!(ban["expires_at"].is_string());
    // Another address, same e-mail in another case: refused.
    let refused = submit_from(
        &app,
        &slug,
        "198.51.100.1",
        &json!({"author_name": "T", "email": "TROLL@example.org", "body": "again"}),
    )
    .await;
    let problem = assert_problem(refused, 403).await;
    assert_eq!(problem["type"], "/problems/banned");
    // Same address without the e-mail: still allowed, until the IP ban.
    id_of(
        submit_from(
            &app,
            &slug,
            "203.0.113.7",
            &json!({"author_name": "T", "body": "no mail"}),
        )
        .await,
    )
    .await;
    let r = moderator
        .post(
            "/moderation/bans",
            &json!({"kind": "ip_hash", "comment_id": troll}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let ip_ban: Value = r.json().await.unwrap();
    assert!(
        ip_ban["email"].is_null(),
        "an IP ban shows no address or hash"
    );
    assert!(!ip_ban.to_string().contains("203.0.113"));
    let refused = submit_from(
        &app,
        &slug,
        "203.0.113.7",
        &json!({"author_name": "T", "body": "x"}),
    )
    .await;
    assert_problem(refused, 403).await;
    // Others are unaffected; the queue item says its sender is banned.
    id_of(
        submit_from(
            &app,
            &slug,
            "192.0.2.9",
            &json!({"author_name": "Mari", "body": "hello"}),
        )
        .await,
    )
    .await;
    let queue = moderator.queue("").await;
    let item = queue["comments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == troll)
        .unwrap()
        .clone();
    assert_eq!(item["author_banned"], true);
    // A second ban on the same sender is a conflict; both bans are listed and logged.
    let again = moderator
        .post(
            "/moderation/bans",
            &json!({"kind": "ip_hash", "comment_id": troll}),
        )
        .await;
    assert_problem(again, 409).await;
    let (_, bans) = moderator.get("/moderation/bans").await;
    assert_eq!(bans["bans"].as_array().unwrap().len(), 2);
    let log = log_actions(&moderator, "?action=ban").await;
    assert_eq!(log.len(), 2);
    assert!(
        !log[0]["detail"].as_str().unwrap().contains("troll@"),
        "the log never keeps the address"
    );
    assert_eq!(log[0]["comment_id"], troll);
}

#[tokio::test]
async fn a_lifted_or_expired_ban_no_longer_applies() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let moderator = app.signed_in("moderator").await;
    let r = moderator
        .post(
            "/moderation/bans",
            &json!({"kind": "email", "email": "a@example.org"}),
        )
        .await;
    let ban: Value = r.json().await.unwrap();
    let banned = json!({"author_name": "A", "email": "a@example.org", "body": "hi"});
    assert_problem(app.submit(&slug, &banned).await, 403).await;
    let r = delete(&moderator, &format!("/moderation/bans/{}", ban["id"])).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.submit(&slug, &banned).await.status(),
        StatusCode::ACCEPTED
    );
    assert_problem(
        delete(&moderator, &format!("/moderation/bans/{}", ban["id"])).await,
        404,
    )
    .await;
    assert_eq!(log_actions(&moderator, "?action=unban").await.len(), 1);
    // An expiry in the past is refused; one that has passed lets the sender back.
    let past = moderator
        .post(
            "/moderation/bans",
            &json!({"kind": "email", "email": "b@example.org", "expires_at": "2001-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(
        error_fields(&assert_problem(past, 422).await),
        ["expires_at"]
    );
    {
        use colloquy::db::schema::bans;
        use diesel::prelude::*;
        let mut conn = app.pool.get().unwrap();
        diesel::insert_into(bans::table)
            .values((
                bans::kind.eq("email"),
                bans::value.eq("c@example.org"),
                bans::created_at.eq(0_i64),
                bans::expires_at.eq(Some(1_i64)),
            ))
            .execute(&mut conn)
            .unwrap();
    }
    let c = json!({"author_name": "C", "email": "c@example.org", "body": "back"});
    assert_eq!(app.submit(&slug, &c).await.status(), StatusCode::ACCEPTED);
    let (_, active) = moderator.get("/moderation/bans").await;
    assert_eq!(active["bans"].as_array().unwrap().len(), 0);
    let (_, all) = moderator.get("/moderation/bans?all=true").await;
    assert_eq!(all["bans"][0]["active"], false);
    // A new ban replaces the expired one.
    let r = moderator
        .post(
            "/moderation/bans",
            &json!({"kind": "email", "email": "c@example.org"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    // Bad bodies name their fields.
    let bad = moderator
        .post("/moderation/bans", &json!({"kind": "ip_hash", "days": 0}))
        .await;
    let mut fields = error_fields(&assert_problem(bad, 422).await);
    fields.sort();
    assert_eq!(fields, ["comment_id", "days"]);
}

#[tokio::test]
async fn a_banned_term_rejects_with_its_reason_yet_answers_202_pending() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let admin = app.signed_in("admin").await;
    let r = admin
        .post(
            "/moderation/terms",
            &json!({"term": "payday loan", "kind": "banned", "reason": "spam"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = app
        .submit(
            &slug,
            &json!({"author_name": "Bot", "body": "Cheap PAYDAY-Lоan here"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let answer: Value = r.json().await.unwrap();
    assert_eq!(answer["status"], "pending", "spammers learn nothing");
    let id = answer["id"].as_i64().unwrap();
    assert!(
        admin.queue("").await["comments"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let rejected = admin.queue("?status=rejected").await;
    let item = &rejected["comments"][0];
    assert_eq!(item["id"], id);
    assert_eq!(item["reason"], "spam");
    assert!(item["moderated_by"].is_null());
    assert!(item["signals"][0].as_str().unwrap().contains("banned term"));
    let log = log_actions(&admin, "?action=reject").await;
    assert_eq!(log[0]["comment_id"], id);
    assert_eq!(log[0]["reason"], "spam");
    assert!(log[0]["moderator"].is_null());
    // Without a reason of its own, a banned term cites spam.banned_term_reason.
    admin
        .post(
            "/moderation/terms",
            &json!({"term": "scam*", "kind": "banned"}),
        )
        .await;
    let other = app.submit_ok(&slug, "Bot", "total scammers").await;
    let rejected = admin.queue("?status=rejected&order=newest").await;
    assert_eq!(rejected["comments"][0]["id"], other);
    assert_eq!(rejected["comments"][0]["reason"], "other");
    assert!(app.public_ids(&slug).await.is_empty());
}

#[tokio::test]
async fn a_suspect_term_holds_the_comment_with_its_signal() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let admin = app.signed_in("admin").await;
    let r = admin
        .post(
            "/moderation/terms",
            &json!({"term": "crypto*", "kind": "suspect"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = app
        .submit_ok(&slug, "Mari", "My ÇRYPTOcurrency question")
        .await;
    let queue = admin.queue("").await;
    assert_eq!(queue["comments"][0]["id"], id);
    assert_eq!(queue["comments"][0]["status"], "pending");
    assert_eq!(
        queue["comments"][0]["signals"],
        json!(["contains the suspect term \u{201c}crypto*\u{201d}"])
    );
    assert!(queue["comments"][0]["spam_score"].as_i64().unwrap() > 0);
}

#[tokio::test]
async fn only_admins_edit_the_term_lists_and_a_term_is_on_one_list_once() {
    let app = spawn_app().await;
    let moderator = app.signed_in("moderator").await;
    let admin = app.signed_in("admin").await;
    let refused = moderator
        .post(
            "/moderation/terms",
            &json!({"term": "casino", "kind": "banned"}),
        )
        .await;
    assert_problem(refused, 403).await;
    let r = admin
        .post(
            "/moderation/terms",
            &json!({"term": "casino", "kind": "banned"}),
        )
        .await;
    let term: Value = r.json().await.unwrap();
    // "CÁSINO" folds to the same term, on either list.
    let twin = admin
        .post(
            "/moderation/terms",
            &json!({"term": "CÁSINO", "kind": "suspect"}),
        )
        .await;
    assert_problem(twin, 409).await;
    let bad = admin
        .post(
            "/moderation/terms",
            &json!({"term": "--", "kind": "odd", "reason": "nope"}),
        )
        .await;
    let mut fields = error_fields(&assert_problem(bad, 422).await);
    fields.sort();
    assert_eq!(fields, ["kind", "reason", "term"]);
    let wrong_reason = admin
        .post(
            "/moderation/terms",
            &json!({"term": "x1", "kind": "banned", "reason": "nope"}),
        )
        .await;
    assert_eq!(
        error_fields(&assert_problem(wrong_reason, 422).await),
        ["reason"]
    );
    let (status, list) = moderator.get("/moderation/terms").await;
    assert_eq!(status, StatusCode::OK, "every moderator reads the lists");
    assert_eq!(list["terms"][0]["term"], "casino");
    assert_eq!(list["default_reason"], "other");
    assert_problem(
        delete(&moderator, &format!("/moderation/terms/{}", term["id"])).await,
        403,
    )
    .await;
    let r = delete(&admin, &format!("/moderation/terms/{}", term["id"])).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let log = log_actions(&admin, "").await;
    let actions: Vec<&str> = log.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(&actions[..2], ["term_remove", "term_add"]);
}

#[tokio::test]
async fn queue_items_show_the_parent_reader_flags_and_the_senders_history() {
    let app = app_behind_proxy().await;
    let slug = app.post("p").await;
    let moderator = app.signed_in("moderator").await;
    let mari = json!({"author_name": "Mari", "email": "mari@example.org", "body": "first"});
    let first = id_of(submit_from(&app, &slug, "192.0.2.1", &mari).await).await;
    moderator.approve(first).await;
    let second = id_of(
        submit_from(
            &app,
            &slug,
            "192.0.2.1",
            &json!({"author_name": "Mari", "body": "second"}),
        )
        .await,
    )
    .await;
    let r = moderator
        .post(
            &format!("/moderation/comments/{second}/reject"),
            &json!({"reason": "off-topic"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    // Same e-mail from elsewhere, answering the first comment.
    let reply = id_of(
        submit_from(
            &app,
            &slug,
            "198.51.100.2",
            &json!({"author_name": "Mari", "email": "mari@example.org", "body": "third", "parent_id": first}),
        )
        .await,
    )
    .await;
    let stranger = id_of(
        submit_from(
            &app,
            &slug,
            "198.51.100.99",
            &json!({"author_name": "New", "body": "hello"}),
        )
        .await,
    )
    .await;
    let queue = moderator.queue("").await;
    let items = queue["comments"].as_array().unwrap();
    let item = items.iter().find(|c| c["id"] == reply).unwrap();
    assert_eq!(item["parent"]["id"], first);
    assert_eq!(item["parent"]["author_name"], "Mari");
    assert!(
        item["parent"]["body_html"]
            .as_str()
            .unwrap()
            .contains("first")
    );
    assert_eq!(
        item["author_history"],
        json!({"approved": 1, "rejected": 0, "spam": 0, "pending": 0}),
        "the e-mail matches the first comment only"
    );
    assert_eq!(item["claimed_by"], Value::Null);
    let new = items.iter().find(|c| c["id"] == stranger).unwrap();
    assert_eq!(
        new["author_history"],
        json!({"approved": 0, "rejected": 0, "spam": 0, "pending": 0})
    );
    // By IP hash: the rejected second comment shares the first's address.
    let rejected = moderator.queue("?status=rejected").await;
    assert_eq!(
        rejected["comments"][0]["author_history"],
        json!({"approved": 1, "rejected": 0, "spam": 0, "pending": 0})
    );
    // Reader flags carry their reasons into the flagged tab.
    let flag = app
        .reader
        .post(app.url(&format!("/comments/{first}/flag")))
        .json(&json!({"reason": "personal attack"}))
        .send()
        .await
        .unwrap();
    assert_eq!(flag.status(), StatusCode::ACCEPTED);
    let flagged = moderator.queue("?status=flagged").await;
    assert_eq!(flagged["comments"][0]["flags"], json!(["personal attack"]));
    assert_eq!(flagged["comments"][0]["flag_count"], 1);
}

#[tokio::test]
async fn the_queue_filters_by_text_and_can_list_newest_first() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let moderator = app.signed_in("moderator").await;
    let a = app.submit_ok(&slug, "Anna", "About water rights").await;
    let b = app.submit_ok(&slug, "Boris", "100% about_prisons").await;
    let c = app
        .submit(
            &slug,
            &json!({"author_name": "Cleo", "email": "cleo@water.example", "body": "unrelated"}),
        )
        .await;
    let c = id_of(c).await;
    let ids = |v: &Value| -> Vec<i64> {
        v["comments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_i64().unwrap())
            .collect()
    };
    let water = moderator.queue("?q=WATER").await;
    assert_eq!(ids(&water), [a, c], "body and e-mail, any case");
    assert_eq!(water["total"], 2);
    assert_eq!(ids(&moderator.queue("?q=boris").await), [b]);
    // LIKE wildcards are taken literally.
    assert_eq!(ids(&moderator.queue("?q=100%25").await), [b]);
    assert_eq!(
        ids(&moderator.queue("?q=t_r").await),
        Vec::<i64>::new(),
        "_ is no wildcard"
    );
    assert_eq!(ids(&moderator.queue("?order=newest").await), [c, b, a]);
    let first = moderator.queue("?order=newest&limit=2").await;
    let next = first["next"].as_str().unwrap();
    assert_eq!(
        ids(&moderator
            .queue(&format!("?order=newest&limit=2&cursor={next}"))
            .await),
        [a]
    );
    let (status, _) = moderator.get("/moderation/comments?order=random").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn stats_count_every_tab_and_say_how_old_the_oldest_pending_comment_is() {
    let app = spawn_app().await;
    let first = app.post("first").await;
    let second = app.post("second").await;
    let moderator = app.signed_in("moderator").await;
    let a = app.submit_ok(&first, "A", "one").await;
    let b = app.submit_ok(&first, "B", "two").await;
    app.submit_ok(&second, "C", "three").await;
    moderator.approve(a).await;
    moderator
        .post(&format!("/moderation/comments/{b}/spam"), &json!({}))
        .await;
    let (status, stats) = moderator.get("/moderation/stats").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        stats["counts"],
        json!({"pending": 1, "flagged": 0, "appealed": 0, "spam": 1, "rejected": 0, "approved": 1})
    );
    assert!(stats["oldest_pending_age_seconds"].as_i64().unwrap() >= 0);
    assert!(stats["oldest_pending_at"].is_string());
    assert_eq!(
        stats["pending_by_post"],
        json!([{"slug": "second", "title": "Title of second", "pending": 1}])
    );
    let (_, only_first) = moderator.get("/moderation/stats?post=first").await;
    assert_eq!(only_first["counts"]["pending"], 0);
    assert!(only_first["oldest_pending_at"].is_null());
    let (status, _) = moderator.get("/moderation/stats?post=missing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.get("/moderation/stats").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_second_moderator_sees_the_comment_is_being_handled_and_the_same_decision_twice_is_harmless()
 {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let alice = app.signed_in("moderator").await;
    let bob = app.signed_in("moderator").await;
    let id = app.submit_ok(&slug, "Mari", "a question").await;
    let r = alice
        .post(&format!("/moderation/comments/{id}/claim"), &json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let mine: Value = r.json().await.unwrap();
    assert_eq!(mine["mine"], true);
    assert_eq!(mine["status"], "pending");
    let r = bob
        .post(&format!("/moderation/comments/{id}/claim"), &json!({}))
        .await;
    let theirs: Value = r.json().await.unwrap();
    assert_eq!(theirs["mine"], false, "a fresh claim is not taken over");
    let alice_name = theirs["claimed_by"]["username"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(alice_name.starts_with("moderator-"));
    let queue = bob.queue("").await;
    assert_eq!(
        queue["comments"][0]["claimed_by"]["username"],
        alice_name.as_str()
    );
    assert!(
        alice.queue("").await["comments"][0]["claimed_by"].is_null(),
        "one's own claim is not flagged"
    );
    let (_, claims) = bob.get("/moderation/claims").await;
    assert_eq!(claims["claims"][0]["comment_id"], id);
    assert_eq!(claims["claims"][0]["mine"], false);
    // Both approve: harmless, the comment is public once, both are logged.
    alice.approve(id).await;
    bob.approve(id).await;
    assert_eq!(app.public_ids(&slug).await, [id]);
    assert_eq!(app.thread(&slug).await["total"], 1);
    assert_eq!(log_actions(&alice, "?action=approve").await.len(), 2);
    // The decision ended the claim.
    let (_, claims) = bob.get("/moderation/claims").await;
    assert!(claims["claims"].as_array().unwrap().is_empty());
    // Release, and claims on unknown comments.
    let r = bob
        .post(&format!("/moderation/comments/{id}/claim"), &json!({}))
        .await;
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "approved");
    let r = delete(&bob, &format!("/moderation/comments/{id}/claim")).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_problem(
        bob.post("/moderation/comments/99999/claim", &json!({}))
            .await,
        404,
    )
    .await;
}

#[tokio::test]
async fn approve_and_reply_publishes_both_in_one_step() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let moderator = app.signed_in("moderator").await;
    let id = app
        .submit_ok(&slug, "Dedric", "Can I share your post?")
        .await;
    let r = moderator
        .post(
            &format!("/moderation/comments/{id}/replies"),
            &json!({"body": "@ Dedric -- Please *do*.", "approve": true}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let answer: Value = r.json().await.unwrap();
    assert_eq!(answer["reply"]["kind"], "official");
    assert_eq!(answer["reply"]["author_name"], "DipNote Bloggers");
    assert_eq!(answer["reply"]["parent_id"], id);
    assert_eq!(answer["comment"]["status"], "approved");
    let thread = app.thread(&slug).await;
    assert_eq!(thread["comments"][0]["id"], id);
    assert_eq!(
        thread["comments"][0]["replies"][0]["body_html"],
        "<p>@ Dedric -- Please <em>do</em>.</p>\n"
    );
    let log = log_actions(&moderator, "").await;
    let actions: Vec<&str> = log
        .iter()
        .take(2)
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["reply", "approve"]);
    // Without `approve`, a pending comment stays pending (the reply waits with it).
    let other = app.submit_ok(&slug, "Mari", "Another").await;
    let r = moderator
        .post(
            &format!("/moderation/comments/{other}/replies"),
            &json!({"body": "Thanks"}),
        )
        .await;
    let answer: Value = r.json().await.unwrap();
    assert_eq!(answer["comment"]["status"], "pending");
    assert_eq!(app.thread(&slug).await["total"], 2);
    let empty = moderator
        .post(
            &format!("/moderation/comments/{other}/replies"),
            &json!({"body": "  "}),
        )
        .await;
    assert_eq!(error_fields(&assert_problem(empty, 422).await), ["body"]);
    let missing = moderator
        .post(
            "/moderation/comments/99999/replies",
            &json!({"body": "x", "approve": true}),
        )
        .await;
    assert_problem(missing, 404).await;
}

#[tokio::test]
async fn the_preview_renders_exactly_as_a_published_reply() {
    let app = spawn_app().await;
    let moderator = app.signed_in("moderator").await;
    let r = moderator
        .post(
            "/moderation/preview",
            &json!({"body": "**Hi** <script>alert(1)</script>"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.json::<Value>().await.unwrap()["body_html"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(html.contains("<strong>Hi</strong>"));
    assert!(!html.contains("<script"));
    let r = moderator
        .post("/moderation/preview", &json!({"body": ""}))
        .await;
    assert_eq!(r.json::<Value>().await.unwrap()["body_html"], "");
}

#[tokio::test]
async fn admins_create_change_and_disable_accounts_and_every_change_is_logged() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin").await;
    let r = admin
        .post(
            "/moderation/accounts",
            &json!({"username": "carol", "display_name": "Carol K.", "role": "moderator", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let created: Value = r.json().await.unwrap();
    assert!(
        created["password"].is_null(),
        "nothing generated when a password is given"
    );
    let carol_id = created["account"]["id"].as_i64().unwrap();
    let carol = app.sign_in("carol", PASSWORD).await;
    let (_, me) = carol.get("/auth/me").await;
    assert_eq!(me["role"], "moderator");
    let (status, list) = admin.get("/moderation/accounts").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !list.to_string().contains("argon2"),
        "no password hash ever leaves"
    );
    assert!(
        list["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["username"] == "carol")
    );
    // Role change takes effect at once.
    let r = admin
        .patch(
            &format!("/moderation/accounts/{carol_id}"),
            &json!({"role": "editor"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let (_, me) = carol.get("/auth/me").await;
    assert_eq!(me["role"], "editor");
    // Disabling ends the session and sign-in.
    let r = admin
        .patch(
            &format!("/moderation/accounts/{carol_id}"),
            &json!({"disabled": true}),
        )
        .await;
    assert_eq!(r.json::<Value>().await.unwrap()["disabled"], true);
    let (status, _) = carol.get("/auth/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let login = app
        .reader
        .post(app.url("/auth/login"))
        .json(&json!({"username": "carol", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::UNAUTHORIZED);
    admin
        .patch(
            &format!("/moderation/accounts/{carol_id}"),
            &json!({"disabled": false}),
        )
        .await;
    app.sign_in("carol", PASSWORD).await;
    let taken = admin
        .post(
            "/moderation/accounts",
            &json!({"username": "carol", "role": "moderator"}),
        )
        .await;
    assert_problem(taken, 409).await;
    let bad = admin
        .post(
            "/moderation/accounts",
            &json!({"username": "", "role": "boss", "password": "short"}),
        )
        .await;
    let mut fields = error_fields(&assert_problem(bad, 422).await);
    fields.sort();
    assert_eq!(fields, ["password", "role", "username"]);
    let log = log_actions(&admin, "").await;
    let actions: Vec<&str> = log.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        &actions[..4],
        [
            "account_enable",
            "account_disable",
            "account_role",
            "account_create"
        ]
    );
    assert!(
        log.iter()
            .take(4)
            .all(|e| e["moderator"].as_str().unwrap().starts_with("admin-"))
    );
    assert_eq!(log[2]["detail"], "carol: moderator \u{2192} editor");
}

#[tokio::test]
async fn an_invited_moderator_signs_in_with_the_one_time_password_and_changes_it() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin").await;
    let r = admin
        .post(
            "/moderation/accounts",
            &json!({"username": "dan", "role": "moderator"}),
        )
        .await;
    let created: Value = r.json().await.unwrap();
    let once = created["password"].as_str().unwrap().to_owned();
    assert!(once.len() >= 20);
    assert_eq!(created["account"]["display_name"], "dan");
    let dan = app.sign_in("dan", &once).await;
    let other_session = app.sign_in("dan", &once).await;
    let wrong = dan
        .post(
            "/auth/password",
            &json!({"current_password": "nope", "new_password": "a new long password"}),
        )
        .await;
    assert_eq!(
        error_fields(&assert_problem(wrong, 422).await),
        ["current_password"]
    );
    let short = dan
        .post(
            "/auth/password",
            &json!({"current_password": once, "new_password": "short"}),
        )
        .await;
    assert_eq!(
        error_fields(&assert_problem(short, 422).await),
        ["new_password"]
    );
    let r = dan
        .post(
            "/auth/password",
            &json!({"current_password": once, "new_password": "a new long password"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        dan.get("/auth/me").await.0,
        StatusCode::OK,
        "this session stays"
    );
    assert_eq!(
        other_session.get("/auth/me").await.0,
        StatusCode::UNAUTHORIZED,
        "others end"
    );
    app.sign_in("dan", "a new long password").await;
    // An admin can issue a fresh one-time password; it ends dan's sessions.
    let id = created["account"]["id"].as_i64().unwrap();
    let r = admin
        .post(&format!("/moderation/accounts/{id}/password"), &json!({}))
        .await;
    let fresh = r.json::<Value>().await.unwrap()["password"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(dan.get("/auth/me").await.0, StatusCode::UNAUTHORIZED);
    app.sign_in("dan", &fresh).await;
    let log = log_actions(&admin, "?action=account_password").await;
    assert_eq!(log.len(), 2);
}

#[tokio::test]
async fn the_last_admin_cannot_be_demoted_or_disabled_and_others_cannot_manage_accounts() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin").await;
    let editor = app.signed_in("editor").await;
    let (_, me) = admin.get("/auth/me").await;
    let (_, list) = admin.get("/moderation/accounts").await;
    let id = list["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == me["username"])
        .unwrap()["id"]
        .clone();
    let r = admin
        .patch(
            &format!("/moderation/accounts/{id}"),
            &json!({"role": "editor"}),
        )
        .await;
    assert_problem(r, 409).await;
    let r = admin
        .patch(
            &format!("/moderation/accounts/{id}"),
            &json!({"disabled": true}),
        )
        .await;
    assert_problem(r, 409).await;
    assert_problem(
        editor
            .post(
                "/moderation/accounts",
                &json!({"username": "x", "role": "admin"}),
            )
            .await,
        403,
    )
    .await;
    assert_eq!(
        editor.get("/moderation/accounts").await.0,
        StatusCode::FORBIDDEN
    );
    assert_problem(
        admin
            .patch("/moderation/accounts/99999", &json!({"role": "editor"}))
            .await,
        404,
    )
    .await;
}

#[tokio::test]
async fn a_moderator_without_the_editor_role_cannot_create_or_edit_posts() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let moderator = app.signed_in("moderator").await;
    let r = moderator
        .post(
            "/moderation/posts",
            &json!({"slug": "mine", "title": "t", "author": "a"}),
        )
        .await;
    assert_problem(r, 403).await;
    let r = moderator
        .patch(
            &format!("/moderation/posts/{slug}"),
            &json!({"comments_open": false}),
        )
        .await;
    assert_problem(r, 403).await;
    // Reading a post's source is fine for anyone signed in.
    let (status, post) = moderator.get(&format!("/moderation/posts/{slug}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(post["body_source"], "Some *text*.");
    assert!(post["auto_closed_at"].is_null());
}

#[tokio::test]
async fn auto_close_closes_comments_on_old_posts_once_and_an_editor_can_reopen() {
    let app = spawn_app_with(|s| {
        s.rate_limit.enabled = false;
        s.auto_close_days = 30;
    })
    .await;
    let editor = app.signed_in("editor").await;
    for (slug, at) in [
        ("old", "2001-01-01T00:00:00Z"),
        ("new", "2999-01-01T00:00:00Z"),
    ] {
        let r = editor
            .post(
                "/moderation/posts",
                &json!({"slug": slug, "title": slug, "author": "A", "published_at": at}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let r = app
        .submit("old", &json!({"author_name": "A", "body": "late"}))
        .await;
    assert_problem(r, 403).await;
    app.submit_ok("new", "A", "fresh").await;
    let (_, post) = app.get("/posts/old").await;
    assert_eq!(post["comments_open"], false);
    let (_, source) = editor.get("/moderation/posts/old").await;
    assert!(source["auto_closed_at"].is_string());
    let log = log_actions(&editor, "?post=old&action=post_update").await;
    assert!(log[0]["moderator"].is_null());
    assert!(
        log[0]["detail"]
            .as_str()
            .unwrap()
            .contains("auto-close after 30 days")
    );
    // Reopened by an editor, it stays open.
    editor
        .patch("/moderation/posts/old", &json!({"comments_open": true}))
        .await;
    app.submit_ok("old", "A", "reopened").await;
}

#[tokio::test]
async fn workspace_paths_answer_405_with_allow_401_without_a_session_and_403_without_csrf() {
    let app = spawn_app().await;
    let moderator = app.signed_in("admin").await;
    for (path, allow) in [
        ("/moderation/stats", "GET"),
        ("/moderation/claims", "GET"),
        ("/moderation/comments/1/claim", "POST, DELETE"),
        ("/moderation/comments/1/replies", "POST"),
        ("/moderation/preview", "POST"),
        ("/moderation/bans", "GET, POST"),
        ("/moderation/bans/1", "DELETE"),
        ("/moderation/terms", "GET, POST"),
        ("/moderation/terms/1", "DELETE"),
        ("/moderation/accounts", "GET, POST"),
        ("/moderation/accounts/1", "PATCH"),
        ("/moderation/accounts/1/password", "POST"),
        ("/auth/password", "POST"),
    ] {
        let r = app.reader.put(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED, "{path}");
        assert_eq!(r.headers()["allow"], allow, "{path}");
        let method = allow.split(", ").next().unwrap();
        let r = app
            .reader
            .request(method.parse().unwrap(), app.url(path))
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_problem(r, 401).await;
        if method != "GET" {
            let r = moderator
                .client
                .request(method.parse().unwrap(), moderator.url(path))
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            assert_problem(r, 403).await;
        }
    }
}
