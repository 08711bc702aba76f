//! The transparency report (issue 13): every number of a known month, in
//! JSON, CSV and on the page, and no personal data in any of them.

use crate::helpers::{assert_problem, spawn_app};
use crate::mail::app_with_mail;
use crate::mail::smtp::Smtp;
use reqwest::StatusCode;
use serde_json::{Value, json};

const NAME: &str = "Zebulon Quill";
const EMAIL: &str = "zebulon@example.org";

async fn submit(app: &crate::helpers::TestApp, slug: &str, body: Value) -> i64 {
    let response = app.submit(slug, &body).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    response.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn a_known_month_gives_exact_numbers_in_json_csv_and_the_page_and_no_personal_data() {
    let smtp = Smtp::start();
    let app = app_with_mail(&smtp).await;
    let slug = app.post("report").await;
    let mine = |text: &str| json!({"author_name": NAME, "email": EMAIL, "notify": true, "lang": "en", "body": text});
    // 1: the confirmation's comment, left pending.
    submit(&app, &slug, mine("First, to confirm.")).await;
    let confirmation = smtp.wait_for(1, 20).await.remove(0);
    crate::mail::readers::confirm(&app, &confirmation).await;
    let a = submit(&app, &slug, mine("A")).await;
    let b = submit(&app, &slug, mine("B")).await;
    let c = submit(&app, &slug, mine("C")).await;
    let d = submit(&app, &slug, mine("D")).await;
    // 6: a bot's, filed as spam by the honeypot.
    submit(
        &app,
        &slug,
        json!({"author_name": NAME, "email": EMAIL, "body": "E", "website": "http://x.example"}),
    )
    .await;

    let first = app.signed_in("moderator").await;
    first.approve(a).await;
    first.approve(b).await;
    first
        .post(
            &format!("/moderation/comments/{c}/reject"),
            &json!({"reason": "off-topic"}),
        )
        .await;
    first
        .post(&format!("/moderation/comments/{d}/spam"), &json!({}))
        .await;

    let notice = |id: i64, body: Value| {
        app.reader
            .post(app.url(&format!("/comments/{id}/notices")))
            .json(&body)
            .send()
    };
    let illegal = notice(
        a,
        json!({"category": "illegal", "explanation": "Defamation", "good_faith": true,
               "notifier_name": "Nadia Notifier", "notifier_email": "nadia@example.org"}),
    )
    .await
    .unwrap();
    let illegal: Value = illegal.json().await.unwrap();
    notice(b, json!({"category": "terms", "explanation": "Rude"}))
        .await
        .unwrap();
    first
        .post(
            &format!("/moderation/notices/{}/resolve", illegal["id"]),
            &json!({"outcome": "no_action", "reason": "Fair comment"}),
        )
        .await;

    // C's author appeals; another moderator reverses it.
    let got = smtp.wait_for(5, 20).await;
    let statement = got
        .iter()
        .find(|m| m.text().contains("> C"))
        .expect("C's statement");
    let response = crate::mail::appeal_from(&app, statement, "It was on topic").await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    app.signed_in("moderator").await.approve(c).await;

    let month = colloquy::service::transparency::Month::of(colloquy::domain::time::now()).label();
    let (status, report) = app.get(&format!("/transparency?month={month}")).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(
        report,
        json!({
            "month": month,
            "submitted": 6,
            "approved": 3,
            "rejected": {"off-topic": 1, "abusive": 0, "spam": 0,
                         "personal-information": 0, "duplicate": 0, "other": 0},
            "spam": 2,
            "automated": 1,
            "notices": {"received": 2, "illegal": 1, "terms": 1,
                        "median_hours_to_decision": 0.0},
            "appeals": {"received": 1, "upheld": 0, "reversed": 1},
            "median_minutes_to_decision": 0.0,
        })
    );

    let csv = app
        .reader
        .get(app.url(&format!("/transparency?month={month}&format=csv")))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = csv.text().await.unwrap();
    let expected = format!(
        "metric,value\r\nmonth,{month}\r\nsubmitted,6\r\napproved,3\r\nrejected.abusive,0\r\n\
         rejected.duplicate,0\r\nrejected.off-topic,1\r\nrejected.other,0\r\n\
         rejected.personal-information,0\r\nrejected.spam,0\r\nspam,2\r\nautomated,1\r\n\
         notices.received,2\r\nnotices.illegal,1\r\nnotices.terms,1\r\n\
         notices.median_hours_to_decision,0\r\nappeals.received,1\r\nappeals.upheld,0\r\n\
         appeals.reversed,1\r\nmedian_minutes_to_decision,0\r\n"
    );
    assert_eq!(csv, expected);

    let page = app
        .reader
        .get(format!("{}/transparency?month={month}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert!(page.contains("<svg"), "a chart");
    assert!(page.contains("<table"), "a table");
    assert!(!page.contains("<script"), "no script");
    for text in [report.to_string(), csv, page] {
        for personal in [NAME, "Zebulon", EMAIL, "Nadia", "nadia@example.org"] {
            assert!(!text.contains(personal), "{personal} in {text}");
        }
    }
}

#[tokio::test]
async fn a_malformed_month_is_422_and_an_empty_month_counts_nothing() {
    let app = spawn_app().await;
    for bad in ["2026-13", "2026-1", "december", "2026-12-01"] {
        let response = app
            .reader
            .get(app.url(&format!("/transparency?month={bad}")))
            .send()
            .await
            .unwrap();
        assert_problem(response, 422).await;
    }
    let (status, report) = app.get("/transparency?month=2001-02").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(report["submitted"], 0);
    assert_eq!(report["median_minutes_to_decision"], Value::Null);
}
