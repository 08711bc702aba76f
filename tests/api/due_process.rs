//! Due process (issue 13): the comment policy page, statements of reasons
//! for people's and automated decisions.

use crate::helpers::{assert_problem, spawn_app, spawn_app_with};
use colloquy::domain::moderation::{Ground, Reason};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The statement's fields and their JSON types, exactly as the contract
/// lists them (`law` only when there is one).
fn assert_statement_shape(s: &Value) {
    let object = s.as_object().unwrap();
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    let mut expected = vec![
        "automated_decision",
        "automated_detection",
        "created_at",
        "decision",
        "facts",
        "from_notice",
        "ground",
        "policy_clause",
        "reason",
        "redress",
    ];
    if object.contains_key("law") {
        expected.push("law");
        assert!(s["law"].is_string());
    }
    expected.sort_unstable();
    assert_eq!(keys, expected, "{s}");
    for text in [
        "decision",
        "ground",
        "reason",
        "policy_clause",
        "facts",
        "redress",
    ] {
        assert!(
            s[text].as_str().is_some_and(|t| !t.is_empty()),
            "{text}: {s}"
        );
    }
    for flag in ["automated_detection", "automated_decision", "from_notice"] {
        assert!(s[flag].is_boolean(), "{flag}: {s}");
    }
    assert!(s["created_at"].as_str().unwrap().ends_with('Z'));
}

#[tokio::test]
async fn a_moderators_rejection_has_a_statement_of_reasons_with_every_field() {
    let app = spawn_app().await;
    let slug = app.post("policy-post").await;
    let id = app
        .submit_ok(&slug, "Dedric", "Nothing to do with it")
        .await;
    let moderator = app.signed_in("moderator").await;

    let (status, _) = moderator
        .get(&format!("/moderation/comments/{id}/statement"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no decision, no statement");

    let response = moderator
        .post(
            &format!("/moderation/comments/{id}/reject"),
            &json!({"reason": "off-topic"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let (status, s) = moderator
        .get(&format!("/moderation/comments/{id}/statement"))
        .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_statement_shape(&s);
    assert_eq!(s["decision"], "not_published");
    assert_eq!(s["ground"], "terms");
    assert_eq!(s["reason"], "off-topic");
    assert_eq!(
        s["policy_clause"],
        "Comments should relate to the subject of the post."
    );
    assert_eq!(s["automated_detection"], false);
    assert_eq!(s["automated_decision"], false);
    assert_eq!(s["from_notice"], false);
    assert!(s["redress"].as_str().unwrap().contains("appeal"));
    assert!(!s.to_string().contains("Dedric"), "no author name: {s}");

    // Readers cannot read it.
    let response = app
        .reader
        .get(app.url(&format!("/moderation/comments/{id}/statement")))
        .send()
        .await
        .unwrap();
    assert_problem(response, 401).await;
}

#[tokio::test]
async fn the_honeypot_records_an_automated_statement_in_the_writers_transaction() {
    let app = spawn_app().await;
    let slug = app.post("bots").await;
    let response = app
        .submit(
            &slug,
            &json!({"author_name": "Bot", "body": "Cheap pills", "website": "http://spam.example"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let id = response.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let moderator = app.signed_in("moderator").await;
    let (status, s) = moderator
        .get(&format!("/moderation/comments/{id}/statement"))
        .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_statement_shape(&s);
    assert_eq!(s["decision"], "not_published");
    assert_eq!(s["reason"], "spam");
    assert_eq!(s["automated_detection"], true);
    assert_eq!(s["automated_decision"], true);
    assert!(s["facts"].as_str().unwrap().contains("automatically"));
}

#[tokio::test]
async fn removing_a_published_comment_records_a_removal() {
    let app = spawn_app().await;
    let slug = app.post("removal").await;
    let id = app.submit_ok(&slug, "Ana", "Published first").await;
    let moderator = app.signed_in("moderator").await;
    moderator.approve(id).await;
    assert_eq!(app.public_ids(&slug).await, [id]);
    let response = moderator
        .post(&format!("/moderation/comments/{id}/spam"), &json!({}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(app.public_ids(&slug).await.is_empty(), "out of the thread");
    let (_, s) = moderator
        .get(&format!("/moderation/comments/{id}/statement"))
        .await;
    assert_eq!(s["decision"], "removed", "{s}");
    assert_eq!(s["automated_decision"], false);
}

#[tokio::test]
async fn the_policy_page_lists_the_configured_reasons_with_their_grounds_escaped() {
    let app = spawn_app_with(|s| {
        s.reasons.push(Reason {
            id: "incitement".into(),
            label: "Incitement <b>".into(),
            clause: "No incitement to violence & hatred.".into(),
            ground: Ground::Illegal,
            law: Some("Criminal Code s. 130".into()),
        });
    })
    .await;
    let response = app
        .reader
        .get(format!("{}/policy", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = response.text().await.unwrap();
    assert!(page.contains("Comments should relate to the subject of the post."));
    assert!(page.contains("Incitement &lt;b&gt;"), "escaped label");
    assert!(page.contains("No incitement to violence &amp; hatred."));
    assert!(page.contains("illegal content"));
    assert!(page.contains("Criminal Code s. 130"));
    assert!(page.contains("Appeals"));
}

#[test]
fn old_reason_configurations_without_a_ground_rest_on_the_terms() {
    let reason: Reason =
        serde_json::from_value(json!({"id": "x", "label": "X", "clause": "C"})).unwrap();
    assert_eq!(reason.ground, Ground::Terms);
    assert_eq!(reason.law, None);
    let illegal: Reason = serde_json::from_value(
        json!({"id": "x", "label": "X", "clause": "C", "ground": "illegal", "law": "L"}),
    )
    .unwrap();
    assert_eq!(illegal.ground, Ground::Illegal);
}

#[tokio::test]
async fn the_readers_statement_page_opens_by_its_token_only() {
    let app = spawn_app().await;
    let response = app
        .reader
        .get(format!("{}/statements/not-a-token", app.address))
        .send()
        .await
        .unwrap();
    assert_problem(response, 404).await;
}

/// A published comment on a fresh post, and a moderator.
async fn published(app: &crate::helpers::TestApp) -> (String, i64, crate::helpers::Moderator) {
    let slug = app.post("noticed").await;
    let id = app.submit_ok(&slug, "Author", "A published view").await;
    let moderator = app.signed_in("moderator").await;
    moderator.approve(id).await;
    (slug, id, moderator)
}

async fn notice(app: &crate::helpers::TestApp, id: i64, body: &Value) -> reqwest::Response {
    app.reader
        .post(app.url(&format!("/comments/{id}/notices")))
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_notice_is_refused_without_an_explanation_or_good_faith_for_illegal_content() {
    let app = spawn_app().await;
    let (_, id, _) = published(&app).await;
    let cases = [
        (json!({"category": "terms"}), vec!["explanation"]),
        (
            json!({"category": "illegal", "explanation": "A threat"}),
            vec!["good_faith"],
        ),
        (
            json!({"category": "illegal", "explanation": "A threat", "good_faith": false}),
            vec!["good_faith"],
        ),
        (
            json!({"category": "illegal", "explanation": " ", "good_faith": true}),
            vec!["explanation"],
        ),
        (
            json!({"category": "rude", "explanation": "x"}),
            vec!["category"],
        ),
        (
            json!({"category": "terms", "explanation": "x", "notifier_email": "nope"}),
            vec!["notifier_email"],
        ),
    ];
    for (body, fields) in cases {
        let problem = assert_problem(notice(&app, id, &body).await, 422).await;
        assert_eq!(crate::helpers::error_fields(&problem), fields, "{body}");
    }
    let ok = json!({"category": "terms", "explanation": "Off-topic advertising"});
    assert_problem(notice(&app, 999_999, &ok).await, 404).await;
    let slug = app.post("other").await;
    let pending = app.submit_ok(&slug, "Waiting", "Not yet published").await;
    assert_problem(notice(&app, pending, &ok).await, 404).await;
}

#[tokio::test]
async fn an_illegal_notice_raises_the_comment_with_its_explanation_and_a_moderator_resolves_it() {
    let app = spawn_app().await;
    let (slug, id, moderator) = published(&app).await;
    let response = notice(
        &app,
        id,
        &json!({"category": "illegal", "explanation": "It names a private address",
                "law": "Data Protection Act", "notifier_name": "Nadia",
                "notifier_email": "nadia@example.org", "good_faith": true}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let received: Value = response.json().await.unwrap();
    assert_eq!(received["status"], "received");
    let notice_id = received["id"].as_i64().unwrap();

    let queue = moderator.queue("?status=flagged").await;
    let item = &queue["comments"][0];
    assert_eq!(item["id"], id, "{queue}");
    let flags = item["flags"].to_string();
    assert!(flags.contains("illegal content"), "{flags}");
    assert!(flags.contains("It names a private address"), "{flags}");
    assert!(flags.contains("Data Protection Act"), "{flags}");

    let (_, list) = moderator
        .get(&format!("/moderation/comments/{id}/notices"))
        .await;
    assert_eq!(list["notices"][0]["notifier_email"], "nadia@example.org");
    assert_eq!(list["notices"][0]["category"], "illegal");
    // Nothing of the notifier leaves through public routes.
    let thread = app.thread(&slug).await.to_string();
    assert!(
        !thread.contains("nadia") && !thread.contains("Nadia"),
        "{thread}"
    );

    let response = moderator
        .post(
            &format!("/moderation/notices/{notice_id}/resolve"),
            &json!({"outcome": "no_action", "reason": "The address is the embassy's public one"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let resolved: Value = response.json().await.unwrap();
    assert_eq!(resolved["outcome"], "no_action");
    assert_eq!(
        resolved["resolution"],
        "The address is the embassy's public one"
    );
    let queue = moderator.queue("?status=flagged").await;
    assert_eq!(queue["comments"].as_array().unwrap().len(), 0, "{queue}");
    let (_, log) = moderator.get("/moderation/log").await;
    let actions: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"notice"), "{actions:?}");
    assert!(actions.contains(&"notice_resolved"), "{actions:?}");
    assert!(
        !log.to_string().contains("nadia"),
        "the log names no notifier"
    );
    let again = moderator
        .post(
            &format!("/moderation/notices/{notice_id}/resolve"),
            &json!({"outcome": "action_taken", "reason": "x"}),
        )
        .await;
    assert_problem(again, 404).await;
}

#[tokio::test]
async fn a_rejection_after_a_notice_says_so_in_its_statement() {
    let app = spawn_app().await;
    let (_, id, moderator) = published(&app).await;
    let response = notice(
        &app,
        id,
        &json!({"category": "terms", "explanation": "Abusive to another reader"}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    moderator
        .post(
            &format!("/moderation/comments/{id}/reject"),
            &json!({"reason": "abusive"}),
        )
        .await;
    let (_, s) = moderator
        .get(&format!("/moderation/comments/{id}/statement"))
        .await;
    assert_eq!(s["from_notice"], true, "{s}");
    assert_eq!(s["decision"], "removed");
    let (_, list) = moderator
        .get(&format!("/moderation/comments/{id}/notices"))
        .await;
    assert_eq!(list["notices"][0]["outcome"], "action_taken");
}

#[tokio::test]
async fn the_page_without_javascript_reports_a_comment_as_illegal_or_against_the_policy() {
    let app = spawn_app().await;
    let (slug, id, moderator) = published(&app).await;
    let html = |path: String| {
        app.reader
            .get(format!("{}{path}", app.address))
            .header("Accept", "text/html")
            .send()
    };
    let thread = html(format!("/threads/{slug}"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        thread.contains(&format!("href=\"/comments/{id}/report\"")),
        "{thread}"
    );
    let page = html(format!("/comments/{id}/report")).await.unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    for part in [
        "breaks the comment policy",
        "breaks the law",
        "name=\"good_faith\"",
        "name=\"notifier_email\"",
        "name=\"law\"",
    ] {
        assert!(page.contains(part), "{part:?} missing from {page}");
    }
    assert_eq!(
        html("/comments/999999/report".into())
            .await
            .unwrap()
            .status(),
        404
    );

    let post = |form: &'static [(&'static str, &'static str)]| {
        app.reader
            .post(format!("{}/comments/{id}/report", app.address))
            .header("Accept", "text/html")
            .form(form)
            .send()
    };
    // Illegal without the good-faith statement: the form again, kept.
    let refused = post(&[
        ("category", "illegal"),
        ("explanation", "A home address"),
        ("law", ""),
        ("notifier_name", ""),
        ("notifier_email", ""),
    ])
    .await
    .unwrap();
    assert_eq!(refused.status(), 422);
    let refused = refused.text().await.unwrap();
    assert!(refused.contains("good faith"), "{refused}");
    assert!(
        refused.contains("A home address"),
        "what was typed stays: {refused}"
    );
    // A checkbox word that is not a tick is no tick: the form again, not a
    // malformed request.
    let odd = post(&[
        ("category", "illegal"),
        ("explanation", "A home address"),
        ("good_faith", "null"),
    ])
    .await
    .unwrap();
    assert_eq!(odd.status(), 422);
    assert!(odd.text().await.unwrap().contains("good faith"));
    let done = post(&[
        ("category", "illegal"),
        ("explanation", "A home address"),
        ("law", "GDPR"),
        ("notifier_name", "Nadia"),
        ("notifier_email", "nadia@example.org"),
        ("good_faith", "true"),
    ])
    .await
    .unwrap();
    assert_eq!(done.status(), 202);
    assert!(done.text().await.unwrap().contains("Thank you"));
    let terms = post(&[("category", "terms"), ("explanation", "Off-topic rant")])
        .await
        .unwrap();
    assert_eq!(terms.status(), 202);
    let (_, list) = moderator
        .get(&format!("/moderation/comments/{id}/notices"))
        .await;
    assert_eq!(list["notices"][0]["category"], "illegal", "{list}");
    assert_eq!(list["notices"][0]["law"], "GDPR");
    assert_eq!(list["notices"][0]["notifier_email"], "nadia@example.org");
    assert_eq!(list["notices"][1]["category"], "terms");
    let queue = moderator.queue("?status=flagged").await;
    assert_eq!(queue["comments"][0]["id"], id, "{queue}");
    // The address never shows on the public page.
    let thread = html(format!("/threads/{slug}"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!thread.contains("nadia"), "{thread}");
}

/// A comment by the one author of the export test (`bot`: through the
/// honeypot); its id.
async fn author_says(app: &crate::helpers::TestApp, slug: &str, body: &str, bot: bool) -> i64 {
    let mut sent = json!({"author_name": "Secret Author", "email": "secret@example.org",
                          "author_location": "Hidden Town", "body": body});
    if bot {
        sent["website"] = json!("http://spam.example");
    }
    let r = app.submit(slug, &sent).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

/// Moves the statement of comment `id` to `at` (submitted an hour before).
fn statement_at(app: &crate::helpers::TestApp, id: i64, at: i64) {
    use colloquy::db::schema::statements;
    use diesel::prelude::*;
    let mut conn = app.pool.get().unwrap();
    let n = diesel::update(statements::table.filter(statements::comment_id.eq(id as i32)))
        .set((
            statements::created_at.eq(at),
            statements::submitted_at.eq(at - 3600),
        ))
        .execute(&mut conn)
        .unwrap();
    assert_eq!(n, 1, "one statement for comment {id}");
}

#[tokio::test]
async fn statements_export_writes_a_months_statements_in_the_transparency_databases_words() {
    let app = spawn_app_with(|s| {
        s.rate_limit.enabled = false;
        s.reasons.push(Reason {
            id: "incitement".into(),
            label: "Incitement".into(),
            clause: "No incitement to violence or hatred.".into(),
            ground: Ground::Illegal,
            law: Some("Criminal Code s. 130".into()),
        });
    })
    .await;
    let slug = app.post("exported").await;
    let moderator = app.signed_in("moderator").await;
    // A person's rejection on the terms.
    let terms = author_says(&app, &slug, "Unrelated musings", false).await;
    let r = moderator
        .post(
            &format!("/moderation/comments/{terms}/reject"),
            &json!({"reason": "off-topic"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    // A removal on the law after a notice.
    let illegal = author_says(&app, &slug, "A hateful call", false).await;
    moderator.approve(illegal).await;
    let r = notice(
        &app,
        illegal,
        &json!({"category": "illegal", "explanation": "Incites hatred", "notifier_name": "Nadia",
                "notifier_email": "nadia@example.org", "good_faith": true}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let r = moderator
        .post(
            &format!("/moderation/comments/{illegal}/reject"),
            &json!({"reason": "incitement"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    // The honeypot: detected and decided automatically.
    let spam = author_says(&app, &slug, "Cheap watches", true).await;
    // Another month's.
    let other = author_says(&app, &slug, "Also off topic", false).await;
    moderator
        .post(
            &format!("/moderation/comments/{other}/reject"),
            &json!({"reason": "off-topic"}),
        )
        .await;
    let february = 1_770_724_800; // 2026-02-10T12:00:00Z
    statement_at(&app, terms, february);
    statement_at(&app, illegal, february + 60);
    statement_at(&app, spam, february + 120);
    statement_at(&app, other, 1_772_668_800); // 2026-03-05

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sor.jsonl");
    let cli = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_colloquy"))
            .env("COLLOQUY_DATABASE", app.database.setting())
            .env("COLLOQUY_PUBLIC_URL", "https://comments.blog.example")
            .env_remove("COLLOQUY_CONFIG")
            .args(args)
            .output()
            .unwrap()
    };
    let out = cli(&[
        "statements",
        "export",
        "--month",
        "2026-02",
        "--out",
        file.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("3 statements of reasons of 2026-02"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let written = std::fs::read_to_string(&file).unwrap();
    let to_stdout = cli(&["statements", "export", "--month", "2026-02"]);
    assert!(to_stdout.status.success());
    assert_eq!(String::from_utf8(to_stdout.stdout).unwrap(), written);

    let lines: Vec<Value> = written
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "{written}");
    for line in &lines {
        let o = line.as_object().unwrap();
        for required in [
            "decision_visibility",
            "decision_ground",
            "content_type",
            "category",
            "content_date",
            "application_date",
            "decision_facts",
            "source_type",
            "automated_detection",
            "automated_decision",
            "puid",
        ] {
            assert!(o.contains_key(required), "{required} missing: {line}");
        }
        assert_eq!(line["content_type"], json!(["CONTENT_TYPE_TEXT"]));
        assert_eq!(line["application_date"], "2026-02-10");
        assert_eq!(line["content_date"], "2026-02-10");
        assert_eq!(
            line["decision_ground_reference_url"],
            "https://comments.blog.example/policy"
        );
        let puid = line["puid"].as_str().unwrap();
        assert!(
            puid.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "{puid}"
        );
        assert!(line["decision_facts"].as_str().unwrap().len() <= 5000);
        assert!(["Yes", "No"].contains(&line["automated_detection"].as_str().unwrap()));
    }
    let puids: std::collections::BTreeSet<&str> =
        lines.iter().map(|l| l["puid"].as_str().unwrap()).collect();
    assert_eq!(puids.len(), 3, "unique");

    let t = &lines[0];
    assert_eq!(
        t["decision_visibility"],
        json!(["DECISION_VISIBILITY_CONTENT_DISABLED"])
    );
    assert_eq!(t["decision_ground"], "DECISION_GROUND_INCOMPATIBLE_CONTENT");
    assert!(
        t["incompatible_content_ground"]
            .as_str()
            .unwrap()
            .contains("Comments should relate to the subject of the post."),
        "{t}"
    );
    assert!(t["incompatible_content_explanation"].is_string());
    assert_eq!(t["incompatible_content_illegal"], "No");
    assert!(t.get("illegal_content_legal_ground").is_none());
    assert_eq!(t["category"], "STATEMENT_CATEGORY_OTHER_VIOLATION_TC");
    assert_eq!(t["source_type"], "SOURCE_VOLUNTARY");
    assert_eq!(t["automated_detection"], "No");
    assert_eq!(t["automated_decision"], "AUTOMATED_DECISION_NOT_AUTOMATED");

    let i = &lines[1];
    assert_eq!(
        i["decision_visibility"],
        json!(["DECISION_VISIBILITY_CONTENT_REMOVED"])
    );
    assert_eq!(i["decision_ground"], "DECISION_GROUND_ILLEGAL_CONTENT");
    assert_eq!(i["illegal_content_legal_ground"], "Criminal Code s. 130");
    assert!(i["illegal_content_explanation"].is_string());
    assert!(i.get("incompatible_content_ground").is_none());
    assert_eq!(i["category"], "STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE");
    assert_eq!(i["source_type"], "SOURCE_ARTICLE_16");
    assert_eq!(i["automated_decision"], "AUTOMATED_DECISION_NOT_AUTOMATED");

    let s = &lines[2];
    assert_eq!(s["automated_detection"], "Yes");
    assert_eq!(s["automated_decision"], "AUTOMATED_DECISION_FULLY");
    assert_eq!(s["source_type"], "SOURCE_VOLUNTARY");

    for personal in [
        "Secret Author",
        "secret@example.org",
        "Hidden Town",
        "Nadia",
        "nadia@example.org",
        "Unrelated musings",
        "A hateful call",
        "Cheap watches",
        "Incites hatred",
        "127.0.0.1",
    ] {
        assert!(!written.contains(personal), "{personal:?} in the export");
    }

    let bad = cli(&["statements", "export", "--month", "2026-13"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("YYYY-MM"));
}
