use crate::helpers::{assert_problem, error_fields, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn the_queue_is_pending_oldest_first_and_filters_by_status_and_post() {
    let app = spawn_app().await;
    let first = app.post("first").await;
    let second = app.post("second").await;
    let moderator = app.signed_in("moderator").await;
    let a = app.submit_ok(&first, "A", "one").await;
    let b = app.submit_ok(&second, "B", "two").await;
    let c = app.submit_ok(&first, "C", "three").await;
    let queue = moderator.queue("").await;
    let ids: Vec<i64> = queue["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [a, b, c]);
    assert_eq!(queue["total"], 3);
    let only_first = moderator.queue("?post=first").await;
    assert_eq!(only_first["total"], 2);
    moderator.approve(b).await;
    let approved = moderator.queue("?status=approved").await;
    assert_eq!(approved["comments"][0]["id"], b);
    assert!(approved["comments"][0]["moderated_at"].is_string());
    assert!(
        approved["comments"][0]["moderated_by"]
            .as_str()
            .unwrap()
            .starts_with("moderator-")
    );
    let (status, _) = moderator.get("/moderation/comments?status=deleted").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = moderator.get("/moderation/comments?post=missing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_queue_shows_one_comment_by_id_within_its_tab() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let moderator = app.signed_in("moderator").await;
    let a = app.submit_ok(&slug, "A", "one").await;
    app.submit_ok(&slug, "B", "two").await;
    let ids = |queue: &Value| -> Vec<i64> {
        queue["comments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_i64().unwrap())
            .collect()
    };
    let one = moderator.queue(&format!("?id={a}")).await;
    assert_eq!(ids(&one), [a]);
    assert_eq!(one["total"], 1);
    assert!(one["next"].is_null());
    let elsewhere = moderator.queue(&format!("?status=rejected&id={a}")).await;
    assert_eq!(elsewhere["total"], 0, "only within its tab");
    assert_eq!(moderator.queue("?id=99999").await["total"], 0);
    assert_eq!(moderator.queue("?id=").await["total"], 2);
    for bad in ["abc", "0", "-1", "1.5", "2147483648"] {
        let (status, _) = moderator
            .get(&format!("/moderation/comments?id={bad}"))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "id={bad}");
    }
}

#[tokio::test]
async fn the_queue_pages_by_cursor_while_comments_keep_arriving() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let moderator = app.signed_in("moderator").await;
    let mut expected = Vec::new();
    for i in 0..5 {
        expected.push(app.submit_ok(&slug, "R", &format!("c{i}")).await);
    }
    let first = moderator.queue("?limit=2").await;
    let mut seen: Vec<i64> = first["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    // New arrivals between pages are neither skipped nor repeated.
    expected.push(app.submit_ok(&slug, "R", "late").await);
    let mut cursor = first["next"].as_str().map(str::to_owned);
    while let Some(c) = cursor {
        let page = moderator.queue(&format!("?limit=2&cursor={c}")).await;
        seen.extend(
            page["comments"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_i64().unwrap()),
        );
        cursor = page["next"].as_str().map(str::to_owned);
    }
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn a_rejection_needs_a_known_reason_and_keeps_it() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let moderator = app.signed_in("moderator").await;
    let id = app.submit_ok(&slug, "W.W.", "off topic rant").await;
    let path = format!("/moderation/comments/{id}/reject");
    let missing = moderator.post(&path, &json!({})).await;
    assert_eq!(
        error_fields(&assert_problem(missing, 422).await),
        ["reason"]
    );
    let unknown = moderator.post(&path, &json!({"reason": "because"})).await;
    assert_eq!(
        error_fields(&assert_problem(unknown, 422).await),
        ["reason"]
    );
    let r = moderator.post(&path, &json!({"reason": "off-topic"})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], "rejected");
    assert_eq!(body["reason"], "off-topic");
    let rejected = moderator.queue("?status=rejected").await;
    assert_eq!(rejected["comments"][0]["reason"], "off-topic");
    assert_eq!(app.thread(&slug).await["total"], 0);
    let (_, log) = moderator.get("/moderation/log").await;
    assert_eq!(log["entries"][0]["action"], "reject");
    assert_eq!(log["entries"][0]["reason"], "off-topic");
    assert_eq!(log["entries"][0]["comment_id"], id);
    let (_, reasons) = moderator.get("/moderation/reasons").await;
    assert_eq!(reasons["reasons"].as_array().unwrap().len(), 6);
}

#[tokio::test]
async fn spam_and_changing_ones_mind_are_allowed_and_logged() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let moderator = app.signed_in("moderator").await;
    let id = app.submit_ok(&slug, "A", "text").await;
    let r = moderator
        .post(&format!("/moderation/comments/{id}/spam"), &json!({}))
        .await;
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "spam");
    moderator.approve(id).await;
    moderator.approve(id).await;
    assert_eq!(app.public_ids(&slug).await, [id]);
    let (_, log) = moderator.get("/moderation/log").await;
    let actions: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .take(3)
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["approve", "approve", "spam"]);
    assert_eq!(log["entries"][1]["detail"], "was spam");
    let unknown = moderator
        .post("/moderation/comments/99999/approve", &json!({}))
        .await;
    assert_problem(unknown, 404).await;
}

#[tokio::test]
async fn bulk_decisions_apply_to_every_named_comment() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let moderator = app.signed_in("moderator").await;
    let ids: Vec<i64> = futures_ids(&app, &slug, 4).await;
    let r = moderator
        .post(
            "/moderation/comments/bulk",
            &json!({"ids": [ids[0], ids[1], 99999], "action": "approve"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"updated": 2}));
    let r = moderator
        .post(
            "/moderation/comments/bulk",
            &json!({"ids": [ids[2], ids[3]], "action": "reject", "reason": "duplicate"}),
        )
        .await;
    assert_eq!(r.json::<Value>().await.unwrap()["updated"], 2);
    assert_eq!(app.public_ids(&slug).await, ids[..2]);
    let rejected = moderator.queue("?status=rejected").await;
    assert!(
        rejected["comments"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["reason"] == "duplicate")
    );
    for bad in [
        json!({"ids": [], "action": "approve"}),
        json!({"ids": [1], "action": "delete"}),
        json!({"ids": [1], "action": "reject"}),
    ] {
        assert_problem(moderator.post("/moderation/comments/bulk", &bad).await, 422).await;
    }
    let too_many: Vec<i64> = (1..=201).collect();
    assert_problem(
        moderator
            .post(
                "/moderation/comments/bulk",
                &json!({"ids": too_many, "action": "spam"}),
            )
            .await,
        422,
    )
    .await;
}

async fn futures_ids(app: &crate::helpers::TestApp, slug: &str, n: usize) -> Vec<i64> {
    let mut ids = Vec::new();
    for i in 0..n {
        ids.push(app.submit_ok(slug, "R", &format!("bulk {i}")).await);
    }
    ids
}

#[tokio::test]
async fn official_replies_are_published_at_once_and_validated() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let other = app.post("other").await;
    let moderator = app.signed_in("moderator").await;
    let reply = moderator
        .reply(&slug, None, "A note from the **editors**.")
        .await;
    assert_eq!(
        reply["body_html"],
        "<p>A note from the <strong>editors</strong>.</p>\n"
    );
    assert_eq!(app.public_ids(&slug).await, [reply["id"].as_i64().unwrap()]);
    let empty = moderator
        .post(
            &format!("/moderation/posts/{slug}/replies"),
            &json!({"body": "  "}),
        )
        .await;
    assert_eq!(error_fields(&assert_problem(empty, 422).await), ["body"]);
    let foreign = app.submit_ok(&other, "X", "on the other post").await;
    let cross = moderator
        .post(
            &format!("/moderation/posts/{slug}/replies"),
            &json!({"body": "hi", "parent_id": foreign}),
        )
        .await;
    assert_eq!(
        error_fields(&assert_problem(cross, 422).await),
        ["parent_id"]
    );
    let missing = moderator
        .post("/moderation/posts/none/replies", &json!({"body": "hi"}))
        .await;
    assert_problem(missing, 404).await;
    let (_, log) = moderator.get("/moderation/log?action=reply").await;
    assert_eq!(log["entries"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_reply_to_a_pending_comment_appears_once_the_comment_is_approved() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let moderator = app.signed_in("moderator").await;
    let id = app.submit_ok(&slug, "Dedric", "question").await;
    let reply = moderator.reply(&slug, Some(id), "@ Dedric -- answer").await;
    assert_eq!(app.public_ids(&slug).await, Vec::<i64>::new());
    moderator.approve(id).await;
    assert_eq!(
        app.public_ids(&slug).await,
        [id, reply["id"].as_i64().unwrap()]
    );
}

#[tokio::test]
async fn reader_flags_raise_a_comment_in_the_queue_until_decided() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let moderator = app.signed_in("moderator").await;
    let id = app.submit_ok(&slug, "A", "provocative").await;
    let pending_flag = app
        .reader
        .post(app.url(&format!("/comments/{id}/flag")))
        .json(&json!({"reason": "x"}))
        .send()
        .await
        .unwrap();
    assert_problem(pending_flag, 404).await;
    moderator.approve(id).await;
    for _ in 0..2 {
        let r = app
            .reader
            .post(app.url(&format!("/comments/{id}/flag")))
            .json(&json!({"reason": "insulting"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::ACCEPTED);
    }
    let flagged = moderator.queue("?status=flagged").await;
    assert_eq!(flagged["total"], 1);
    assert_eq!(flagged["comments"][0]["id"], id);
    assert_eq!(
        flagged["comments"][0]["flag_count"], 1,
        "one counted flag per address"
    );
    moderator.approve(id).await;
    assert_eq!(moderator.queue("?status=flagged").await["total"], 0);
    let bad = app
        .reader
        .post(app.url(&format!("/comments/{id}/flag")))
        .json(&json!({"reason": "r".repeat(501)}))
        .send()
        .await
        .unwrap();
    assert_problem(bad, 422).await;
}

#[tokio::test]
async fn the_log_is_filterable_paged_and_append_only() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let moderator = app.signed_in("moderator").await;
    for i in 0..3 {
        let id = app.submit_ok(&slug, "R", &format!("c{i}")).await;
        moderator.approve(id).await;
    }
    let (_, page) = moderator
        .get("/moderation/log?action=approve&limit=2")
        .await;
    assert_eq!(page["entries"].as_array().unwrap().len(), 2);
    let next = page["next"].as_str().unwrap();
    let (_, rest) = moderator
        .get(&format!(
            "/moderation/log?action=approve&limit=2&cursor={next}"
        ))
        .await;
    assert_eq!(rest["entries"].as_array().unwrap().len(), 1);
    assert!(rest["next"].is_null());
    let (_, by_post) = moderator
        .get("/moderation/log?post=p&action=post_create")
        .await;
    assert_eq!(by_post["entries"][0]["post_slug"], "p");
    use diesel::connection::SimpleConnection;
    let mut conn = app.pool.get().unwrap();
    assert!(
        conn.batch_execute("UPDATE moderation_log SET action = 'forged'")
            .is_err()
    );
    assert!(conn.batch_execute("DELETE FROM moderation_log").is_err());
}

#[tokio::test]
async fn tab_totals_kept_by_triggers_match_a_real_count_after_every_kind_of_change() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let moderator = app.signed_in("moderator").await;
    let mut ids = Vec::new();
    for i in 0..6 {
        ids.push(app.submit_ok(&slug, "R", &format!("c{i}")).await);
    }
    app.submit(
        &slug,
        &json!({"author_name": "Bot", "body": "spam", "website": "x"}),
    )
    .await;
    moderator.approve(ids[0]).await;
    moderator.approve(ids[1]).await;
    let r = moderator
        .post(
            "/moderation/comments/bulk",
            &json!({"ids": [ids[2], ids[3]], "action": "reject", "reason": "other"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    moderator
        .post(&format!("/moderation/comments/{}/spam", ids[1]), &json!({}))
        .await;
    moderator.reply(&slug, None, "official").await;
    use colloquy::db::schema::comments;
    use diesel::prelude::*;
    let mut conn = app.pool.get().unwrap();
    for status in ["pending", "approved", "rejected", "spam"] {
        let real: i64 = comments::table
            .filter(comments::status.eq(status))
            .count()
            .get_result(&mut conn)
            .unwrap();
        let total = moderator.queue(&format!("?status={status}")).await["total"]
            .as_i64()
            .unwrap();
        assert_eq!(total, real, "{status}");
    }
    assert_eq!(moderator.queue("?status=pending").await["total"], 2);
    assert_eq!(moderator.queue("?status=approved").await["total"], 2);
}

#[tokio::test]
async fn a_log_entry_about_a_comment_carries_an_excerpt_of_its_text_and_a_link() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let moderator = app.signed_in("moderator").await;
    // 120 characters of Cyrillic and emoji with Markdown and markup in
    // them: the excerpt is the text the reader wrote, on one line, cut
    // after 100 characters.
    let long = format!("<b>Мария</b> *asks*:\n\n{}", "вопрос 🙂 ".repeat(12));
    let approved = app
        .submit(
            &slug,
            &json!({"author_name": "Mari", "email": "mari@example.org", "body": long}),
        )
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    moderator.approve(approved).await;
    let rejected = app.submit_ok(&slug, "W.W.", "Football\nscores").await;
    let r = moderator
        .post(
            &format!("/moderation/comments/{rejected}/reject"),
            &json!({"reason": "off-topic"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = moderator
        .post(
            "/moderation/bans",
            &json!({"kind": "ip_hash", "comment_id": rejected}),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    let (status, log) = moderator.get("/moderation/log").await;
    assert_eq!(status, StatusCode::OK);
    let entries = log["entries"].as_array().unwrap();
    let entry = |action: &str| {
        entries
            .iter()
            .find(|e| e["action"] == action)
            .unwrap_or_else(|| panic!("no {action} entry in {log}"))
    };

    let approval = entry("approve");
    let excerpt = approval["comment_excerpt"].as_str().unwrap();
    let expected: String = "<b>Мария</b> *asks*: "
        .chars()
        .chain("вопрос 🙂 ".repeat(12).chars())
        .take(100)
        .collect();
    assert_eq!(excerpt, format!("{}\u{2026}", expected.trim_end()));
    assert_eq!(approval["comment_status"], "approved");
    let thread = app.thread(&slug).await;
    assert_eq!(
        approval["comment_permalink"], thread["comments"][0]["permalink"],
        "an approved comment links to its public permalink"
    );
    assert_eq!(
        approval["comment_permalink"],
        format!("{}/threads/p#comment-{approved}", app.public_url)
    );

    let rejection = entry("reject");
    assert_eq!(rejection["comment_excerpt"], "Football scores");
    assert_eq!(rejection["comment_status"], "rejected");
    assert!(
        rejection["comment_permalink"].is_null(),
        "a comment readers cannot see has no public link"
    );
    // A ban names its comment without its post: the excerpt is there too.
    let ban = entry("ban");
    assert_eq!(ban["comment_id"], rejected);
    assert_eq!(ban["comment_excerpt"], "Football scores");

    let creation = entry("post_create");
    for field in ["comment_excerpt", "comment_status", "comment_permalink"] {
        assert!(creation[field].is_null(), "{field} of {creation}");
    }
    let text = log.to_string();
    assert!(!text.contains("mari@example.org"), "no e-mail in the log");
    assert!(!text.contains("127.0.0.1"), "no address in the log");
    assert!(!text.contains("<em>"), "never the HTML");
}
