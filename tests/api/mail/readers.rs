//! Readers' mail against a real SMTP server: the double opt-in, what a
//! confirmed reader is told, one-click unsubscribe.

use super::app_with_mail;
use super::smtp::{Received, Smtp};
use crate::helpers::{TestApp, spawn_app_with};
use reqwest::StatusCode;
use serde_json::{Value, json};

pub(super) async fn comment(app: &TestApp, slug: &str, email: &str, text: &str) -> i64 {
    let response = app
        .submit(
            slug,
            &json!({"author_name": "Mari", "author_location": "Chile", "email": email,
                    "body": text, "notify": true, "lang": "en"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    response.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap()
}

fn subscriber_state(app: &TestApp, email: &str) -> Option<String> {
    let mut conn = app.pool.get().unwrap();
    colloquy::db::subscribers::find(&mut conn, email)
        .unwrap()
        .map(|s| s.state)
}

/// Confirms through the page's form, as a reader's browser would.
pub async fn confirm(app: &TestApp, message: &Received) {
    let link = message
        .link(&format!("{}/mail/confirm?token=", app.public_url))
        .expect("a confirmation link under public_url");
    let token = link.split_once("token=").unwrap().1.to_owned();
    let page = app
        .reader
        .get(link.replace(&app.public_url, &app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("method=\"post\""), "{html}");
    let done = app
        .reader
        .post(format!("{}/mail/confirm", app.address))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_unconfirmed_address_gets_its_confirmation_only_and_a_get_confirms_nothing() {
    let smtp = Smtp::start();
    let app = app_with_mail(&smtp).await;
    let slug = app.post("water").await;
    let id = comment(
        &app,
        &slug,
        "Mari@Example.org",
        "A shared river needs shared rules.",
    )
    .await;
    let first = smtp.wait_for(1, 20).await;
    let message = &first[0];
    assert_eq!(message.rcpt, "mari@example.org");
    assert_eq!(message.subject(), "Please confirm your e-mail address");
    assert!(message.header("Message-ID").is_some());
    assert!(
        message.header("List-Unsubscribe").is_none(),
        "a confirmation request is not a subscription"
    );
    assert!(
        message.html().contains("<a href=\""),
        "an HTML part with the link"
    );
    assert_eq!(
        subscriber_state(&app, "mari@example.org").as_deref(),
        Some("unconfirmed")
    );

    // Opening the link shows a button and changes nothing.
    let link = message
        .link(&format!("{}/mail/confirm?token=", app.public_url))
        .unwrap()
        .replace(&app.public_url, &app.address);
    for _ in 0..2 {
        let page = app.reader.get(&link).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
    }
    assert_eq!(
        subscriber_state(&app, "mari@example.org").as_deref(),
        Some("unconfirmed")
    );

    // Until confirmed: no approval message, no second confirmation today.
    let moderator = app.signed_in("moderator").await;
    moderator.approve(id).await;
    comment(&app, &slug, "mari@example.org", "And a second thought.").await;
    assert_eq!(
        smtp.count_after(3).await,
        1,
        "nothing but the one confirmation"
    );

    // The form's POST confirms; the token is single-use.
    let token = link.split_once("token=").unwrap().1.to_owned();
    let post = |token: String| {
        let app = &app;
        async move {
            app.reader
                .post(format!("{}/mail/confirm", app.address))
                .form(&[("token", token)])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(post(token.clone()).await, StatusCode::OK);
    assert_eq!(
        subscriber_state(&app, "mari@example.org").as_deref(),
        Some("confirmed")
    );
    assert_eq!(
        post(token).await,
        StatusCode::GONE,
        "a used token is refused"
    );
    assert_eq!(post("not-a-token".into()).await, StatusCode::NOT_FOUND);
    let used = app.reader.get(&link).send().await.unwrap();
    assert_eq!(used.status(), StatusCode::GONE);
}

#[tokio::test]
async fn a_confirmed_reader_hears_of_approval_rejection_and_answers_with_unsubscribe_headers() {
    let smtp = Smtp::start();
    let app = app_with_mail(&smtp).await;
    let slug = app.post("exchange").await;
    comment(&app, &slug, "reader@example.org", "First, to confirm.").await;
    let confirmation = smtp.wait_for(1, 20).await.remove(0);
    confirm(&app, &confirmation).await;

    let moderator = app.signed_in("moderator").await;
    let approved = comment(&app, &slug, "reader@example.org", "When do visas open?").await;
    let refused = comment(&app, &slug, "reader@example.org", "Buy cheap watches").await;
    moderator.approve(approved).await;
    let got = smtp.wait_for(2, 20).await;
    let published = &got[1];
    assert_eq!(
        published.subject(),
        "Your comment on \"Title of exchange\" is published"
    );
    let permalink = format!("#comment-{approved}");
    assert!(
        published.text().contains(&permalink),
        "{}",
        published.text()
    );
    assert!(published.text().contains("When do visas open?"));
    let unsubscribe = published
        .header("List-Unsubscribe")
        .expect("List-Unsubscribe");
    assert!(unsubscribe.starts_with(&format!("<{}/mail/unsubscribe?s=", app.public_url)));
    assert_eq!(
        published.header("List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );

    let response = moderator
        .post(
            &format!("/moderation/comments/{refused}/reject"),
            &json!({"reason": "off-topic"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let got = smtp.wait_for(3, 20).await;
    let statement = &got[2];
    assert!(statement.subject().contains("was not published"));
    assert!(
        statement.text().contains("Reason: Off-topic"),
        "{}",
        statement.text()
    );
    assert!(
        statement
            .text()
            .contains("Comments should relate to the subject of the post.")
    );

    // An official reply answers the approved comment.
    let reply = moderator
        .reply(
            &slug,
            Some(approved),
            "@ Mari -- Applications open in March.",
        )
        .await;
    let got = smtp.wait_for(4, 20).await;
    let answered = &got[3];
    assert!(
        answered
            .subject()
            .starts_with("DipNote Bloggers answered your comment")
    );
    assert!(
        answered
            .text()
            .contains(&format!("#comment-{}", reply["id"]))
    );
    // Every message has its own Message-ID; no message names another
    // reader's address.
    let ids: std::collections::HashSet<_> = got.iter().map(|m| m.header("Message-ID")).collect();
    assert_eq!(ids.len(), 4);
    for message in &got {
        assert_eq!(message.rcpt, "reader@example.org");
    }
    assert_eq!(smtp.count_after(2).await, 4, "each event told once");
}

#[tokio::test]
async fn one_click_unsubscribe_stops_all_mail_at_once_and_for_good() {
    let smtp = Smtp::start();
    let app = app_with_mail(&smtp).await;
    let slug = app.post("rivers").await;
    comment(&app, &slug, "leaving@example.org", "Confirming.").await;
    let confirmation = smtp.wait_for(1, 20).await.remove(0);
    confirm(&app, &confirmation).await;
    let moderator = app.signed_in("moderator").await;
    let first = comment(&app, &slug, "leaving@example.org", "One.").await;
    moderator.approve(first).await;
    let message = smtp.wait_for(2, 20).await.remove(1);
    let url = message
        .header("List-Unsubscribe")
        .unwrap()
        .trim_matches(['<', '>'])
        .replace(&app.public_url, &app.address);
    // The visible link in the text is the same address.
    assert!(
        message
            .text()
            .contains(&url.replace(&app.address, &app.public_url))
    );

    // A GET (a mail scanner) shows a button and changes nothing.
    let page = app.reader.get(&url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(
        subscriber_state(&app, "leaving@example.org").as_deref(),
        Some("confirmed")
    );
    // A forged code is refused.
    let forged = format!("{}0", url.trim_end_matches(char::is_alphanumeric));
    let refused = app.reader.post(&forged).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);

    // RFC 8058: a POST with List-Unsubscribe=One-Click.
    let done = app
        .reader
        .post(&url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), StatusCode::OK);
    assert_eq!(
        subscriber_state(&app, "leaving@example.org").as_deref(),
        Some("unsubscribed")
    );

    // Nothing more: not the next approval, not a new confirmation.
    let second = comment(&app, &slug, "leaving@example.org", "Two.").await;
    moderator.approve(second).await;
    assert_eq!(smtp.count_after(3).await, 2);
}

#[tokio::test]
async fn with_mail_off_nothing_is_queued_and_no_connection_is_made() {
    let smtp = Smtp::start();
    let app = spawn_app_with(|s| s.rate_limit.enabled = false).await;
    let slug = app.post("quiet").await;
    comment(&app, &slug, "quiet@example.org", "Nobody will write to me.").await;
    let mut conn = app.pool.get().unwrap();
    assert!(
        colloquy::db::outbox::list(&mut conn, colloquy::domain::outbox::State::Due, 10)
            .unwrap()
            .is_empty()
    );
    assert_eq!(subscriber_state(&app, "quiet@example.org"), None);
    assert_eq!(smtp.count_after(1).await, 0);
}

#[tokio::test]
async fn a_bad_link_is_a_page_for_a_browser_and_a_problem_for_anything_else() {
    let app = spawn_app_with(|s| s.rate_limit.enabled = false).await;
    for path in [
        "/mail/confirm?token=nope",
        "/mail/confirm",
        "/mail/unsubscribe?s=1&c=00",
        "/mail/unsubscribe?s=x",
    ] {
        let url = format!("{}{path}", app.address);
        let page = app
            .reader
            .get(&url)
            .header("Accept", "text/html,application/xhtml+xml")
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(
            page.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert!(page.text().await.unwrap().contains("not one we sent"));
        let api = app.reader.get(&url).send().await.unwrap();
        crate::helpers::assert_problem(api, 404).await;
    }
    let forged = app
        .reader
        .post(format!("{}/mail/unsubscribe?s=1&c=00", app.address))
        .body("List-Unsubscribe=One-Click")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    crate::helpers::assert_problem(forged, 404).await;
}

#[tokio::test]
async fn a_readers_export_shows_their_subscription_and_erasure_forgets_it_and_its_mail() {
    let smtp = Smtp::start();
    let app = app_with_mail(&smtp).await;
    let slug = app.post("privacy").await;
    comment(&app, &slug, "ana@example.org", "Please tell me.").await;
    let confirmation = smtp.wait_for(1, 20).await.remove(0);
    confirm(&app, &confirmation).await;
    // A message waits while the relay is down.
    let mut smtp = smtp;
    smtp.pause();
    let id = comment(&app, &slug, "ana@example.org", "Second.").await;
    app.signed_in("moderator").await.approve(id).await;
    let now = colloquy::domain::time::now();
    let mut conn = app.pool.get().unwrap();
    let export = colloquy::service::privacy::export(&mut conn, "Ana@Example.org", now).unwrap();
    let mail = export.mail.expect("the subscription is exported");
    assert_eq!(mail.state, "confirmed");
    assert_eq!(mail.messages_sent, 1);
    assert!(mail.confirmed_at.is_some());
    let due = |conn: &mut colloquy::db::DbConn| {
        colloquy::db::outbox::list(conn, colloquy::domain::outbox::State::Due, 50)
            .unwrap()
            .into_iter()
            .filter(|i| i.recipient == "ana@example.org")
            .count()
    };
    assert_eq!(due(&mut conn), 1, "the approval waits for the relay");
    colloquy::service::privacy::erase(&mut conn, "ana@example.org", now).unwrap();
    assert_eq!(subscriber_state(&app, "ana@example.org"), None);
    assert_eq!(due(&mut conn), 0, "nothing is sent to an erased reader");
    let export = colloquy::service::privacy::export(&mut conn, "ana@example.org", now).unwrap();
    assert!(export.mail.is_none());
    drop(conn);
    smtp.resume();
    assert_eq!(
        smtp.count_after(3).await,
        1,
        "only the confirmation ever arrived"
    );
}

#[tokio::test]
async fn erasing_a_reader_drops_the_webhook_deliveries_that_carry_their_comments() {
    let app = spawn_app_with(|s| {
        s.rate_limit.enabled = false;
        // Nothing listens there: the delivery waits, failing, for a retry.
        s.webhooks = vec![colloquy::config::WebhookSettings {
            url: "http://127.0.0.1:9/hook".into(),
            secret: colloquy::config::Secret::new("a-secret-of-sixteen+".into()),
            events: vec!["comment.submitted".into()],
        }];
    })
    .await;
    let slug = app.post("erased").await;
    let response = app
        .submit(
            &slug,
            &json!({"author_name": "Ana", "email": "ana@example.org", "body": "Mine."}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let mut conn = app.pool.get().unwrap();
    let waiting = |conn: &mut colloquy::db::DbConn| {
        colloquy::db::outbox::list(conn, colloquy::domain::outbox::State::Due, 50)
            .unwrap()
            .len()
    };
    assert_eq!(waiting(&mut conn), 1);
    colloquy::service::privacy::erase(&mut conn, "ana@example.org", colloquy::domain::time::now())
        .unwrap();
    assert_eq!(
        waiting(&mut conn),
        0,
        "the reader's name and text leave with them"
    );
    let dropped =
        colloquy::db::outbox::list(&mut conn, colloquy::domain::outbox::State::Dropped, 50)
            .unwrap();
    assert_eq!(dropped[0].payload, "{}");
}
