//! Due process by mail, against a real SMTP server: the statement of
//! reasons, the appeal from its page, and the appeal's outcome.

use super::readers::{comment, confirm};
use super::smtp::Smtp;
use super::{app_with_mail, appeal_from};
use crate::helpers::assert_problem;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn a_rejected_reader_gets_the_statement_appeals_once_and_hears_another_moderator_reverse_it()
{
    let smtp = Smtp::start();
    let app = app_with_mail(&smtp).await;
    let slug = app.post("visas").await;
    comment(&app, &slug, "reader@example.org", "First, to confirm.").await;
    let confirmation = smtp.wait_for(1, 20).await.remove(0);
    confirm(&app, &confirmation).await;

    let first = app.signed_in("moderator").await;
    let id = comment(&app, &slug, "reader@example.org", "Visa queues are long").await;
    let response = first
        .post(
            &format!("/moderation/comments/{id}/reject"),
            &json!({"reason": "off-topic"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let statement = smtp.wait_for(2, 20).await.remove(1);
    let text = statement.text();
    assert!(statement.subject().contains("was not published"));
    for part in [
        "Reason: Off-topic",
        "Comments should relate to the subject of the post.",
        "Ground (comment policy or law): terms",
        "A moderator read the comment",
        "Automated means: no: decided by a person",
        "appeal",
    ] {
        assert!(text.contains(part), "{part:?} missing from {text}");
    }
    let link = statement
        .link(&format!("{}/statements/", app.public_url))
        .expect("a statement link under public_url");
    let token = link.rsplit('/').next().unwrap().to_owned();
    let page = app
        .reader
        .get(link.replace(&app.public_url, &app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Comments should relate to the subject"),
        "{html}"
    );
    assert!(html.contains("method=\"post\""), "an appeal form: {html}");

    let appeal = |text: &str| {
        app.reader
            .post(app.url("/appeals"))
            .json(&json!({"token": token, "text": text}))
            .send()
    };
    assert_problem(appeal(" ").await.unwrap(), 422).await;
    let response = appeal("It was about visas, the post's subject.")
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    assert_eq!(
        response.json::<Value>().await.unwrap()["status"],
        "received"
    );
    assert_problem(appeal("Again").await.unwrap(), 409).await;
    let bad = app
        .reader
        .post(app.url("/appeals"))
        .json(&json!({"token": "nope", "text": "x"}))
        .send()
        .await
        .unwrap();
    assert_problem(bad, 404).await;

    let queue = first.queue("?status=appealed").await;
    assert_eq!(queue["comments"][0]["id"], id, "{queue}");
    let refused = first
        .post(&format!("/moderation/comments/{id}/approve"), &json!({}))
        .await;
    assert_problem(refused, 403).await;
    assert!(app.public_ids(&slug).await.is_empty());

    let second = app.signed_in("moderator").await;
    second.approve(id).await;
    assert_eq!(app.public_ids(&slug).await, [id], "the reversal publishes");
    let queue = second.queue("?status=appealed").await;
    assert!(queue["comments"].as_array().unwrap().is_empty());
    let (_, log) = second.get("/moderation/log?action=appeal_reversed").await;
    assert_eq!(log["entries"][0]["comment_id"], id, "{log}");
    let (_, log) = second.get("/moderation/log?action=appeal").await;
    assert_eq!(log["entries"][0]["comment_id"], id, "{log}");

    let got = smtp.wait_for(4, 20).await;
    let outcome = got
        .iter()
        .find(|m| m.subject().starts_with("Your appeal"))
        .expect("the appeal's outcome");
    assert!(
        outcome.text().contains("Outcome: reversed"),
        "{}",
        outcome.text()
    );
    assert!(got.iter().any(|m| m.subject().contains("is published")));
}

#[tokio::test]
async fn upholding_an_appeal_keeps_the_comment_out_and_is_logged() {
    let smtp = Smtp::start();
    let app = app_with_mail(&smtp).await;
    let slug = app.post("upheld").await;
    comment(&app, &slug, "reader@example.org", "First, to confirm.").await;
    let confirmation = smtp.wait_for(1, 20).await.remove(0);
    confirm(&app, &confirmation).await;
    let first = app.signed_in("moderator").await;
    let id = comment(&app, &slug, "reader@example.org", "Buy watches").await;
    first
        .post(&format!("/moderation/comments/{id}/spam"), &json!({}))
        .await;
    let statement = smtp.wait_for(2, 20).await.remove(1);
    let response = appeal_from(&app, &statement, "Not spam").await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let second = app.signed_in("moderator").await;
    let response = second
        .post(&format!("/moderation/comments/{id}/spam"), &json!({}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(app.public_ids(&slug).await.is_empty());
    let (_, log) = second.get("/moderation/log?action=appeal_upheld").await;
    assert_eq!(log["entries"][0]["comment_id"], id, "{log}");
    let got = smtp.wait_for(3, 20).await;
    assert!(
        got[2].text().contains("Outcome: upheld"),
        "{}",
        got[2].text()
    );
}

/// Sends a notice on comment `id`.
async fn notice(app: &crate::helpers::TestApp, id: i64, body: &Value) -> i64 {
    let response = app
        .reader
        .post(app.url(&format!("/comments/{id}/notices")))
        .json(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    response.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn a_notifier_gets_a_receipt_and_the_outcome_whether_a_moderator_resolves_or_decides() {
    let smtp = Smtp::start();
    let app = app_with_mail(&smtp).await;
    let slug = app.post("roads").await;
    let id = app.submit_ok(&slug, "Author", "Roads need repair").await;
    let moderator = app.signed_in("moderator").await;
    moderator.approve(id).await;

    let first = notice(
        &app,
        id,
        &json!({"category": "illegal", "explanation": "It names a private person's address",
                "law": "Data protection act", "notifier_name": "Nadia",
                "notifier_email": "Nadia@Example.org", "good_faith": true}),
    )
    .await;
    // Anonymous: nothing to write to.
    notice(
        &app,
        id,
        &json!({"category": "terms", "explanation": "Rude", "notifier_name": "Quiet"}),
    )
    .await;
    let receipt = smtp.wait_for(1, 20).await.remove(0);
    assert_eq!(receipt.rcpt, "nadia@example.org");
    assert!(
        receipt.subject().contains("received your notice"),
        "{}",
        receipt.subject()
    );
    let text = receipt.text();
    for part in [
        format!("notice number {first}"),
        format!("{}/", app.public_url),
        format!("{slug}#comment-{id}"),
        "Category: illegal".into(),
        "It names a private person's address".into(),
        "a person and not an automated system".into(),
    ] {
        assert!(text.contains(&part), "{part:?} missing from {text}");
    }
    assert_eq!(
        receipt.header("List-Unsubscribe"),
        None,
        "a notifier is not a subscriber"
    );

    let response = moderator
        .post(
            &format!("/moderation/notices/{first}/resolve"),
            &json!({"outcome": "no_action", "reason": "Only a street name, no address"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let outcome = smtp.wait_for(2, 20).await.remove(1);
    assert_eq!(outcome.rcpt, "nadia@example.org");
    assert!(outcome.subject().contains("was decided"));
    let text = outcome.text();
    assert!(text.contains("Outcome: no_action"), "{text}");
    assert!(text.contains("Only a street name, no address"), "{text}");

    // A decision on the comment settles a notice still open, and its
    // notifier hears of it.
    let second = notice(
        &app,
        id,
        &json!({"category": "terms", "explanation": "Insults a neighbour",
                "notifier_email": "olga@example.org"}),
    )
    .await;
    smtp.wait_for(3, 20).await;
    let response = moderator
        .post(
            &format!("/moderation/comments/{id}/reject"),
            &json!({"reason": "abusive"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let got = smtp.wait_for(4, 20).await;
    let settled = got
        .iter()
        .find(|m| m.rcpt == "olga@example.org" && m.subject().contains("was decided"))
        .expect("the outcome to the second notifier");
    assert!(
        settled.text().contains(&format!("notice number {second}")),
        "{}",
        settled.text()
    );
    assert!(settled.text().contains("Outcome: action_taken"));
    assert!(
        settled.text().contains("it was taken out of the thread"),
        "{}",
        settled.text()
    );
    assert_eq!(
        smtp.count_after(2).await,
        4,
        "one receipt and one outcome each"
    );

    // The addresses stay with the moderators.
    let thread = app
        .reader
        .get(app.url(&format!("/posts/{slug}/comments")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let report = app
        .reader
        .get(format!("{}/transparency", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for public in [&thread, &report] {
        assert!(!public.to_lowercase().contains("nadia"), "{public}");
        assert!(!public.contains("olga@"), "{public}");
    }
}

#[tokio::test]
async fn approve_and_reply_on_an_appealed_comment_keeps_the_appeal_rules() {
    let smtp = Smtp::start();
    let app = app_with_mail(&smtp).await;
    let slug = app.post("replied").await;
    comment(&app, &slug, "reader@example.org", "First, to confirm.").await;
    let confirmation = smtp.wait_for(1, 20).await.remove(0);
    confirm(&app, &confirmation).await;
    let first = app.signed_in("moderator").await;
    let id = comment(&app, &slug, "reader@example.org", "Fees went up").await;
    let response = first
        .post(
            &format!("/moderation/comments/{id}/reject"),
            &json!({"reason": "off-topic"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let statement = smtp.wait_for(2, 20).await.remove(1);
    let response = appeal_from(&app, &statement, "Fees are the post's subject").await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);

    let reply = json!({"body": "Thank you, restored.", "approve": true});
    let refused = first
        .post(&format!("/moderation/comments/{id}/replies"), &reply)
        .await;
    assert_problem(refused, 403).await;
    assert!(app.public_ids(&slug).await.is_empty(), "nothing published");
    let queue = first.queue("?status=appealed").await;
    assert_eq!(queue["comments"][0]["id"], id, "still appealed: {queue}");

    let second = app.signed_in("moderator").await;
    let response = second
        .post(&format!("/moderation/comments/{id}/replies"), &reply)
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(
        app.public_ids(&slug).await.len(),
        2,
        "the comment and the reply"
    );
    let (_, log) = second.get("/moderation/log?action=appeal_reversed").await;
    assert_eq!(log["entries"][0]["comment_id"], id, "{log}");
    let queue = second.queue("?status=appealed").await;
    assert!(queue["comments"].as_array().unwrap().is_empty(), "{queue}");
    let got = smtp.wait_for(4, 20).await;
    assert!(
        got.iter()
            .any(|m| m.subject().starts_with("Your appeal")
                && m.text().contains("Outcome: reversed")),
        "the reader is told"
    );
}
