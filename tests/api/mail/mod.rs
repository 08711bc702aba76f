//! Mail and webhooks, against a real SMTP server process and a real HTTP
//! receiver.

mod due_process;
mod fault;
mod forms;
mod moderators;
pub mod readers;
pub mod smtp;
mod webhooks;

use crate::helpers::{TestApp, spawn_app_with};

/// A server whose mail goes to `smtp` (rate limits off).
pub async fn app_with_mail(smtp: &smtp::Smtp) -> TestApp {
    let url = smtp.url();
    spawn_app_with(move |s| {
        s.rate_limit.enabled = false;
        s.mail.smtp_url = Some(colloquy::config::Secret::new(url));
        s.mail.from = "DipNote comments <comments@blog.example>".into();
    })
    .await
}

/// The token of the statement page a statement-of-reasons message links
/// to (under the server's `public_url`).
pub fn statement_token(app: &TestApp, statement: &smtp::Received) -> String {
    let link = statement
        .link(&format!("{}/statements/", app.public_url))
        .expect("a statement link under public_url");
    link.rsplit('/').next().unwrap().to_owned()
}

/// Appeals the decision a statement-of-reasons message tells of, as its
/// reader would, with `text`.
pub async fn appeal_from(
    app: &TestApp,
    statement: &smtp::Received,
    text: &str,
) -> reqwest::Response {
    app.reader
        .post(app.url("/appeals"))
        .json(&serde_json::json!({"token": statement_token(app, statement), "text": text}))
        .send()
        .await
        .unwrap()
}

/// An item given up on after twelve failed tries, made in the database
/// as the sender would leave it.
pub fn failed_item(
    app: &TestApp,
    channel: colloquy::domain::outbox::Channel,
    kind: &str,
    recipient: &str,
    error: &str,
) -> i32 {
    let mut conn = app.pool.get().unwrap();
    let key = format!("{kind}:{recipient}");
    colloquy::db::outbox::enqueue(
        &mut conn,
        &colloquy::db::outbox::NewItem {
            channel,
            kind,
            dedupe_key: key.clone(),
            recipient,
            comment_id: None,
            payload: "{}".into(),
            now: 100,
        },
    )
    .unwrap();
    let item = colloquy::db::outbox::list(&mut conn, colloquy::domain::outbox::State::Due, 50)
        .unwrap()
        .into_iter()
        .find(|i| i.dedupe_key == key)
        .unwrap();
    for attempt in 0..12 {
        let owner = format!("test-{attempt}");
        diesel::RunQueryDsl::execute(
            diesel::sql_query(format!(
                "UPDATE outbox SET lease_owner = '{owner}' WHERE id = {}",
                item.id
            )),
            &mut conn,
        )
        .unwrap();
        colloquy::db::outbox::mark_failed(&mut conn, item.id, &owner, error, 200 + attempt)
            .unwrap();
    }
    item.id
}
