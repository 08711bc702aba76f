use crate::helpers::{assert_problem, error_fields, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn a_submission_is_accepted_as_pending_and_reaches_the_queue() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let response = app
        .submit(&slug, &json!({"author_name": "Mari", "author_location": "United States", "email": "mari@example.org", "body": "Is there a reciprocal arrangement?"}))
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "pending");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("awaiting review")
    );
    let moderator = app.signed_in("moderator").await;
    let queue = moderator.queue("").await;
    let item = &queue["comments"][0];
    assert_eq!(item["id"], body["id"]);
    assert_eq!(item["email"], "mari@example.org");
    assert_eq!(item["author_location"], "United States");
    assert_eq!(item["status"], "pending");
    assert_eq!(item["post_slug"], "p");
}

#[tokio::test]
async fn a_form_post_is_accepted_like_json() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let response = app
        .reader
        .post(app.url(&format!("/posts/{slug}/comments")))
        .form(&[
            ("author_name", "No Script"),
            ("author_location", ""),
            ("email", ""),
            ("body", "Posted from a plain form"),
            ("parent_id", ""),
            ("website", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let moderator = app.signed_in("moderator").await;
    let queue = moderator.queue("").await;
    assert_eq!(queue["comments"][0]["author_name"], "No Script");
    assert!(queue["comments"][0]["author_location"].is_null());
}

#[tokio::test]
async fn invalid_fields_are_422_with_every_field_named() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let cases = [
        (json!({"body": "no name"}), vec!["author_name"]),
        (
            json!({"author_name": "   ", "body": "   "}),
            vec!["author_name", "body"],
        ),
        (
            json!({"author_name": "A", "body": "b", "email": "not an address"}),
            vec!["email"],
        ),
        (
            json!({"author_name": "x".repeat(81), "body": "b"}),
            vec!["author_name"],
        ),
        (
            json!({"author_name": "A", "author_location": "y".repeat(81), "body": "b"}),
            vec!["author_location"],
        ),
        (
            json!({"author_name": "A", "body": "z".repeat(10_001)}),
            vec!["body"],
        ),
        (
            json!({"author_name": "Evil\u{202E}gnp", "body": "b"}),
            vec!["author_name"],
        ),
        (
            json!({"author_name": "Line\nbreak", "body": "b"}),
            vec!["author_name"],
        ),
        (
            json!({"author_name": "A", "body": "b", "parent_id": 999_999}),
            vec!["parent_id"],
        ),
        (
            json!({"author_name": "A", "body": "b", "parent_id": "abc"}),
            vec!["parent_id"],
        ),
    ];
    for (body, fields) in cases {
        let problem = assert_problem(app.submit(&slug, &body).await, 422).await;
        assert_eq!(error_fields(&problem), fields, "for {body}");
    }
}

#[tokio::test]
async fn a_reply_must_answer_an_approved_comment_of_the_same_post() {
    let app = spawn_app().await;
    let first = app.post("first").await;
    let second = app.post("second").await;
    let moderator = app.signed_in("moderator").await;
    let pending = app.submit_ok(&first, "A", "pending parent").await;
    let approved = app.submit_ok(&first, "B", "approved parent").await;
    moderator.approve(approved).await;
    let to_pending = app
        .submit(
            &first,
            &json!({"author_name": "C", "body": "r", "parent_id": pending}),
        )
        .await;
    assert_eq!(
        error_fields(&assert_problem(to_pending, 422).await),
        ["parent_id"]
    );
    let cross_post = app
        .submit(
            &second,
            &json!({"author_name": "C", "body": "r", "parent_id": approved}),
        )
        .await;
    assert_eq!(
        error_fields(&assert_problem(cross_post, 422).await),
        ["parent_id"]
    );
    let ok = app
        .submit(
            &first,
            &json!({"author_name": "C", "body": "a reply", "parent_id": approved}),
        )
        .await;
    assert_eq!(ok.status(), StatusCode::ACCEPTED);
}

#[tokio::test]
async fn closed_posts_refuse_comments_with_403_and_unknown_posts_404() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let editor = app.signed_in("editor").await;
    let r = editor
        .patch(
            &format!("/moderation/posts/{slug}"),
            &json!({"comments_open": false}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let closed = app
        .submit(&slug, &json!({"author_name": "A", "body": "too late"}))
        .await;
    assert_problem(closed, 403).await;
    let unknown = app
        .submit("nope", &json!({"author_name": "A", "body": "b"}))
        .await;
    assert_problem(unknown, 404).await;
}

#[tokio::test]
async fn the_honeypot_sends_a_comment_to_spam_silently() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let response = app
        .submit(
            &slug,
            &json!({"author_name": "Bot", "body": "Great post", "website": "http://spam.example"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "pending", "spammers learn nothing");
    let moderator = app.signed_in("moderator").await;
    assert_eq!(moderator.queue("").await["total"], 0);
    let spam = moderator.queue("?status=spam").await;
    assert_eq!(spam["comments"][0]["id"], body["id"]);
    assert!(spam["comments"][0]["spam_score"].as_i64().unwrap() >= 100);
    assert!(
        spam["comments"][0]["signals"][0]
            .as_str()
            .unwrap()
            .contains("honeypot")
    );
}

#[tokio::test]
async fn spam_signals_are_recorded_for_moderators() {
    let app = crate::helpers::spawn_app_with(|s| {
        s.rate_limit.enabled = false;
        s.spam.banned_terms = vec!["casino".into()];
    })
    .await;
    let slug = app.post("p").await;
    app.submit_ok(
        &slug,
        "A",
        "Visit https://a.example https://b.example https://c.example for CASINO deals",
    )
    .await;
    app.submit_ok(&slug, "B", "Same words again").await;
    app.submit_ok(&slug, "C", "Same words again").await;
    let moderator = app.signed_in("moderator").await;
    let queue = moderator.queue("").await;
    let items = queue["comments"].as_array().unwrap();
    let signals = |i: usize| {
        items[i]["signals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(signals(0).len(), 2, "{:?}", signals(0));
    assert!(signals(0).iter().any(|s| s.contains("3 links")));
    assert!(signals(0).iter().any(|s| s.contains("casino")));
    assert!(signals(1).is_empty());
    assert!(signals(2)[0].contains("repeats"));
    assert!(items[2]["spam_score"].as_i64().unwrap() > 0);
}

#[tokio::test]
async fn wrong_content_types_and_malformed_bodies_are_refused_clearly() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let url = app.url(&format!("/posts/{slug}/comments"));
    let text = app
        .reader
        .post(&url)
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_problem(text, 415).await;
    let none = app.reader.post(&url).body("hello").send().await.unwrap();
    assert_problem(none, 415).await;
    let broken = app
        .reader
        .post(&url)
        .header("content-type", "application/json")
        .body("{\"author_name\":")
        .send()
        .await
        .unwrap();
    assert_problem(broken, 400).await;
    let wrong_type = app
        .reader
        .post(&url)
        .json(&json!({"author_name": 5, "body": []}))
        .send()
        .await
        .unwrap();
    assert_problem(wrong_type, 400).await;
    let huge = app
        .reader
        .post(&url)
        .json(&json!({"author_name": "A", "body": "x".repeat(200_000)}))
        .send()
        .await
        .unwrap();
    assert_problem(huge, 413).await;
}
