//! Asking to hear back, from the widget and from the page without
//! JavaScript: the choice is offered only when mail is configured, and a
//! reader who takes it gets the confirmation message.

use super::smtp::Smtp;
use crate::browser::{Browser, HostPage, blog_page, browser};
use crate::helpers::{TestApp, spawn_app_with};
use colloquy::config::Secret;
use fantoccini::Locator;
use reqwest::StatusCode;

async fn setup(smtp: Option<&Smtp>) -> (TestApp, HostPage) {
    let host = HostPage::start();
    let origin = host.origin.clone();
    let url = smtp.map(Smtp::url);
    let app = spawn_app_with(move |s| {
        s.rate_limit.enabled = false;
        s.allowed_origins = vec![origin];
        s.mail.smtp_url = url.map(Secret::new);
    })
    .await;
    (app, host)
}

async fn open(host: &HostPage, app: &TestApp, slug: &str, lang: &str) -> Browser {
    host.set(blog_page(
        &app.address,
        slug,
        &format!("data-lang=\"{lang}\""),
        "",
    ));
    let b = browser(true).await;
    b.client.goto(&host.origin).await.unwrap();
    b.widget_ready().await;
    b
}

async fn type_into(b: &Browser, css: &str, text: &str) {
    b.in_widget(css).await.send_keys(text).await.unwrap();
}

#[tokio::test]
async fn the_widget_offers_mail_only_when_the_server_sends_it_and_the_confirmation_arrives() {
    let smtp = Smtp::start();
    let (app, host) = setup(Some(&smtp)).await;
    let slug = app.post("widget-mail").await;
    let b = open(&host, &app, &slug, "fr").await;
    let shown = b
        .widget_eval("!root.querySelector('#colloquy-notify').closest('[hidden]')")
        .await;
    assert_eq!(shown, serde_json::json!(true), "offered when mail is on");
    let label = b
        .widget_eval("root.querySelector('label[for=colloquy-notify]').textContent")
        .await;
    assert!(
        label
            .as_str()
            .unwrap()
            .starts_with("Me prévenir par e-mail"),
        "{label}"
    );
    type_into(&b, "#colloquy-author_name", "Mari").await;
    type_into(&b, "#colloquy-email", "mari@example.org").await;
    type_into(&b, "#colloquy-body", "Le fleuve est à tous.").await;
    b.in_widget("#colloquy-notify").await.click().await.unwrap();
    b.in_widget(".colloquy-submit").await.click().await.unwrap();
    let message = smtp.wait_for(1, 20).await.remove(0);
    assert_eq!(message.rcpt, "mari@example.org");
    // The widget's language went with it: French was asked for (the
    // French template, or English where none exists yet).
    let mut conn = app.pool.get().unwrap();
    let subscriber = colloquy::db::subscribers::find(&mut conn, "mari@example.org")
        .unwrap()
        .unwrap();
    assert_eq!(subscriber.lang, "fr");

    // Without mail, the choice is not offered at all.
    let (quiet, quiet_host) = setup(None).await;
    let slug = quiet.post("no-mail").await;
    let b = open(&quiet_host, &quiet, &slug, "en").await;
    let hidden = b
        .widget_eval("!!root.querySelector('#colloquy-notify').closest('[hidden]')")
        .await;
    assert_eq!(hidden, serde_json::json!(true));
}

#[tokio::test]
async fn the_page_without_javascript_offers_mail_keeps_the_choice_when_refused_and_sends_the_confirmation()
 {
    let smtp = Smtp::start();
    let (app, _host) = setup(Some(&smtp)).await;
    let slug = app.post("nojs-mail").await;
    let b = browser(false).await;
    b.client
        .goto(&format!("{}/threads/{slug}", app.address))
        .await
        .unwrap();
    let form = b.client.find(Locator::Css("#comment-form")).await.unwrap();
    form.find(Locator::Css("#nojs-name"))
        .await
        .unwrap()
        .send_keys("Dedric")
        .await
        .unwrap();
    form.find(Locator::Css("#nojs-body"))
        .await
        .unwrap()
        .send_keys("Thank you for the update.")
        .await
        .unwrap();
    form.find(Locator::Css("#nojs-notify"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // No address: refused, with the choice and the text kept.
    form.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The click returns before the answer's page is loaded: wait for it.
    b.wait_for(
        "the refused form's page",
        "return document.body.textContent.includes('is needed to be told by e-mail')",
    )
    .await;
    let checked = b
        .eval("return document.querySelector('#nojs-notify').checked && document.querySelector('#nojs-body').value")
        .await;
    assert_eq!(checked, serde_json::json!("Thank you for the update."));
    b.client
        .find(Locator::Css("#nojs-email"))
        .await
        .unwrap()
        .send_keys("dedric@example.org")
        .await
        .unwrap();
    b.client
        .find(Locator::Css("#comment-form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let message = smtp.wait_for(1, 20).await.remove(0);
    assert_eq!(message.rcpt, "dedric@example.org");

    // Without mail the page does not offer it.
    let quiet = spawn_app_with(|s| s.rate_limit.enabled = false).await;
    let slug = quiet.post("quiet").await;
    let html = quiet
        .reader
        .get(format!("{}/threads/{slug}", quiet.address))
        .send()
        .await
        .unwrap();
    assert_eq!(html.status(), StatusCode::OK);
    assert!(!html.text().await.unwrap().contains("nojs-notify"));
}
