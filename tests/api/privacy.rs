use crate::helpers::spawn_app;
use serde_json::json;

#[tokio::test]
async fn e_mail_and_ip_never_appear_in_public_responses() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let moderator = app.signed_in("moderator").await;
    let r = app
        .submit(
            &slug,
            &json!({"author_name": "Mari", "email": "mari.secret@example.org", "body": "hello"}),
        )
        .await;
    let id = r.json::<serde_json::Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    moderator.approve(id).await;
    let ip_hash: String = {
        use colloquy::db::schema::comments;
        use diesel::prelude::*;
        let mut conn = app.pool.get().unwrap();
        comments::table
            .find(id as i32)
            .select(comments::ip_hash)
            .first::<Option<String>>(&mut conn)
            .unwrap()
            .unwrap()
    };
    assert_eq!(ip_hash.len(), 32);
    for path in [
        format!("/posts/{slug}/comments"),
        "/posts".to_owned(),
        format!("/posts/{slug}"),
        format!("/counts?posts={slug}"),
    ] {
        let text = app
            .reader
            .get(app.url(&path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!text.contains("mari.secret"), "{path}: {text}");
        assert!(!text.contains("127.0.0.1"), "{path}: {text}");
        assert!(!text.contains(&ip_hash), "{path}: {text}");
        assert!(!text.contains("email"), "{path}: {text}");
    }
}

#[tokio::test]
async fn the_database_holds_a_hash_of_the_address_never_the_address() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    app.submit_ok(&slug, "A", "text").await;
    let Some(file) = app.database.sqlite_file() else {
        // PostgreSQL's files are the server's: every row of every table,
        // read as text, is searched instead.
        return no_row_holds(&app, "127.0.0.1");
    };
    let bytes = std::fs::read(file).unwrap();
    let wal = std::fs::read(file.with_extension("db-wal")).unwrap_or_default();
    for haystack in [&bytes, &wal] {
        assert!(!haystack.windows(9).any(|w| w == b"127.0.0.1"));
    }
}

/// On PostgreSQL: no row of any of our tables holds `needle` in any column.
fn no_row_holds(app: &crate::helpers::TestApp, needle: &str) {
    use diesel::prelude::*;
    #[derive(diesel::QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = app.database.connect();
    let tables: Vec<Name> = diesel::sql_query(
        "SELECT table_name::text AS name FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    )
    .load(&mut conn)
    .unwrap();
    assert!(tables.iter().any(|t| t.name == "comments"));
    for table in tables {
        let found: Count = diesel::sql_query(format!(
            "SELECT COUNT(*) AS n FROM \"{0}\" AS t WHERE t::text LIKE '%{needle}%'",
            table.name
        ))
        .get_result(&mut conn)
        .unwrap();
        assert_eq!(found.n, 0, "{} holds {needle}", table.name);
    }
}

// ---- Retention, export and erasure -------------------------------------

use crate::helpers::TestApp;
use colloquy::config::PrivacySettings;
use colloquy::db::schema::{comments, moderation_log};
use colloquy::domain::time::now;
use diesel::prelude::*;

const DAY: i64 = 24 * 60 * 60;

/// `(email, ip_hash)` of a comment.
fn personal(app: &TestApp, id: i64) -> (Option<String>, Option<String>) {
    let mut conn = app.pool.get().unwrap();
    comments::table
        .find(id as i32)
        .select((comments::email, comments::ip_hash))
        .first(&mut conn)
        .unwrap()
}

/// Moves a comment's decision `days` into the past.
fn decided_days_ago(app: &TestApp, id: i64, days: i64) {
    let mut conn = app.pool.get().unwrap();
    diesel::update(comments::table.find(id as i32))
        .set(comments::moderated_at.eq(now() - days * DAY))
        .execute(&mut conn)
        .unwrap();
}

/// `(action, comment_id, detail)` of every log entry with `action`.
fn log_entries(app: &TestApp, action: &str) -> Vec<(Option<i32>, Option<i32>, Option<String>)> {
    let mut conn = app.pool.get().unwrap();
    moderation_log::table
        .filter(moderation_log::action.eq(action))
        .order(moderation_log::id.asc())
        .select((
            moderation_log::comment_id,
            moderation_log::post_id,
            moderation_log::detail,
        ))
        .load(&mut conn)
        .unwrap()
}

async fn submit_as(app: &TestApp, slug: &str, email: &str, body: &str, parent: Option<i64>) -> i64 {
    let r = app
        .submit(
            slug,
            &json!({"author_name": "Ana", "author_location": "Lisbon", "email": email, "body": body, "parent_id": parent}),
        )
        .await;
    assert_eq!(r.status(), 202);
    r.json::<serde_json::Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn decided_comments_lose_email_and_ip_hash_after_the_retention_and_the_purge_is_logged() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let moderator = app.signed_in("moderator").await;
    let approved_old = submit_as(&app, &slug, "a@example.org", "one", None).await;
    let rejected_old = submit_as(&app, &slug, "b@example.org", "two", None).await;
    let approved_recent = submit_as(&app, &slug, "c@example.org", "three", None).await;
    let pending_old = submit_as(&app, &slug, "d@example.org", "four", None).await;
    moderator.approve(approved_old).await;
    moderator.approve(approved_recent).await;
    let r = moderator
        .post(
            &format!("/moderation/comments/{rejected_old}/reject"),
            &json!({"reason": "off-topic"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    decided_days_ago(&app, approved_old, 91);
    decided_days_ago(&app, rejected_old, 400);
    decided_days_ago(&app, approved_recent, 89);
    {
        // A pending comment has no decision; however old, it is kept.
        let mut conn = app.pool.get().unwrap();
        diesel::update(comments::table.find(pending_old as i32))
            .set(comments::created_at.eq(now() - 500 * DAY))
            .execute(&mut conn)
            .unwrap();
    }

    let mut conn = app.pool.get().unwrap();
    let keep_forever = PrivacySettings { retention_days: 0 };
    assert_eq!(
        colloquy::service::privacy::purge(&mut conn, &keep_forever, now()).unwrap(),
        0
    );
    let settings = PrivacySettings::default();
    assert_eq!(settings.retention_days, 90);
    assert_eq!(
        colloquy::service::privacy::purge(&mut conn, &settings, now()).unwrap(),
        2
    );
    drop(conn);
    assert_eq!(personal(&app, approved_old), (None, None));
    assert_eq!(personal(&app, rejected_old), (None, None));
    let (email, ip) = personal(&app, approved_recent);
    assert_eq!(email.as_deref(), Some("c@example.org"));
    assert!(ip.is_some());
    let (email, ip) = personal(&app, pending_old);
    assert_eq!(email.as_deref(), Some("d@example.org"));
    assert!(ip.is_some());

    let entries = log_entries(&app, "privacy_purge");
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert!(entries[0].2.as_deref().unwrap().starts_with("2 comments"));
    // A second run finds nothing and logs nothing.
    let mut conn = app.pool.get().unwrap();
    assert_eq!(
        colloquy::service::privacy::purge(&mut conn, &settings, now()).unwrap(),
        0
    );
    assert_eq!(log_entries(&app, "privacy_purge").len(), 1);
    // The public thread is as it was.
    let ids = app.public_ids(&slug).await;
    assert_eq!(ids, [approved_old, approved_recent]);
}

#[tokio::test]
async fn export_lists_every_comment_of_one_reader_and_nothing_of_anyone_else() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let moderator = app.signed_in("moderator").await;
    let first = submit_as(&app, &slug, "Ana@Example.org", "first *words*", None).await;
    moderator.approve(first).await;
    let second = submit_as(&app, &slug, "ana@example.org", "second", Some(first)).await;
    app.submit(
        &slug,
        &json!({"author_name": "Bob", "email": "bob@example.org", "body": "not Ana's"}),
    )
    .await;
    let mut conn = app.pool.get().unwrap();
    let export = colloquy::service::privacy::export(&mut conn, "ANA@example.org", now()).unwrap();
    let value = serde_json::to_value(&export).unwrap();
    let items = value["comments"].as_array().unwrap();
    let ids: Vec<i64> = items.iter().map(|c| c["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [first, second]);
    assert_eq!(items[0]["post"]["slug"], slug);
    assert_eq!(items[0]["status"], "approved");
    assert_eq!(items[0]["body"], "first *words*");
    assert_eq!(items[0]["author_location"], "Lisbon");
    assert_eq!(items[0]["email"], "Ana@Example.org");
    assert_eq!(items[0]["ip_hash_kept"], true);
    assert!(items[0]["moderated_at"].is_string());
    assert_eq!(items[1]["parent_id"], first);
    assert_eq!(items[1]["status"], "pending");
    let text = value.to_string();
    assert!(!text.contains("Bob") && !text.contains("bob@") && !text.contains("not Ana"));
    assert!(
        colloquy::service::privacy::export(&mut conn, "nobody@example.org", now())
            .unwrap()
            .comments
            .is_empty()
    );
}

#[tokio::test]
async fn erase_deletes_what_nothing_refers_to_and_leaves_placeholders_where_replies_or_the_log_depend()
 {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let moderator = app.signed_in("moderator").await;
    let answered = submit_as(&app, &slug, "ana@example.org", "answered", None).await;
    moderator.approve(answered).await;
    moderator
        .reply(&slug, Some(answered), "Thank you for the question.")
        .await;
    let approved = submit_as(&app, &slug, "ana@example.org", "approved, no replies", None).await;
    moderator.approve(approved).await;
    let own_reply = submit_as(
        &app,
        &slug,
        "ana@example.org",
        "my own follow-up",
        Some(answered),
    )
    .await;
    let pending = submit_as(&app, &slug, "ana@example.org", "still pending", None).await;
    let bob = app.submit_ok(&slug, "Bob", "Bob stays").await;
    moderator.approve(bob).await;
    // The thread is cached before the erasure.
    let before = app.thread(&slug).await;
    assert_eq!(before["comments"][0]["author_name"], "Ana");

    let erased = {
        let mut conn = app.pool.get().unwrap();
        colloquy::service::privacy::erase(&mut conn, "ANA@example.org", now()).unwrap()
    };
    let mut deleted: Vec<i32> = erased.deleted.iter().map(|c| c.0).collect();
    deleted.sort();
    assert_eq!(deleted, [own_reply as i32, pending as i32]);
    let mut anonymised: Vec<i32> = erased.anonymised.iter().map(|c| c.0).collect();
    anonymised.sort();
    assert_eq!(anonymised, [answered as i32, approved as i32]);

    let mut conn = app.pool.get().unwrap();
    for id in [own_reply, pending] {
        let gone = comments::table
            .find(id as i32)
            .count()
            .get_result::<i64>(&mut conn)
            .unwrap();
        assert_eq!(gone, 0);
    }
    let placeholder =
        colloquy::domain::render::render_comment(colloquy::service::privacy::REMOVED_BODY);
    for id in [answered, approved] {
        let row =
            colloquy::db::comments::get(&mut conn, colloquy::domain::comment::CommentId(id as i32))
                .unwrap()
                .unwrap();
        assert_eq!(row.author_name, "[removed]");
        assert_eq!(row.body_html, placeholder.as_str());
        assert_eq!(row.body_source, "Removed at the author's request.");
        assert_eq!(
            (row.author_location, row.email, row.ip_hash),
            (None, None, None)
        );
        assert_eq!(row.status, colloquy::domain::moderation::Status::Approved);
    }
    drop(conn);
    // One entry per comment; the deleted ones name their id in the detail
    // since no row is left to refer to.
    let entries = log_entries(&app, "reader_erase");
    assert_eq!(entries.len(), 4, "{entries:?}");
    assert!(
        entries.iter().filter(|e| e.0.is_none()).all(|e| e
            .2
            .as_deref()
            .unwrap()
            .contains("deleted"))
    );
    // The approvals logged before are still there and still point at the
    // placeholders.
    let approvals = log_entries(&app, "approve");
    assert!(approvals.iter().any(|e| e.0 == Some(answered as i32)));

    // The cached thread follows within seconds: the server polls the marks.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(8);
    let thread = loop {
        let thread = app.thread(&slug).await;
        if thread["comments"][0]["author_name"] == "[removed]" {
            break thread;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the cached thread still shows the erased comment: {thread}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    let text = thread.to_string();
    assert!(!text.contains("Ana") && !text.contains("Lisbon") && !text.contains("answered"));
    assert!(text.contains("Removed at the author"));
    assert!(
        text.contains("Thank you for the question"),
        "the official reply stays: {text}"
    );
    assert!(text.contains("Bob stays"));
    // Nothing is left to export or erase.
    let mut conn = app.pool.get().unwrap();
    assert!(
        colloquy::service::privacy::export(&mut conn, "ana@example.org", now())
            .unwrap()
            .comments
            .is_empty()
    );
    assert_eq!(
        colloquy::service::privacy::erase(&mut conn, "ana@example.org", now()).unwrap(),
        Default::default()
    );
    // SQLite checks its file and its foreign keys on request; PostgreSQL
    // enforces foreign keys on every statement, so there is nothing to ask.
    if let colloquy::db::DbConn::Sqlite(sqlite) = &mut *conn {
        let problems = colloquy::backup::integrity_problems(sqlite).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        let fk: Vec<ForeignKeyProblem> = diesel::sql_query("PRAGMA foreign_key_check")
            .load(sqlite)
            .unwrap();
        assert!(fk.is_empty());
    }
}

#[derive(diesel::QueryableByName, Debug)]
struct ForeignKeyProblem {
    #[diesel(sql_type = diesel::sql_types::Text)]
    #[allow(dead_code)]
    table: String,
}

fn cli(app: &TestApp, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_colloquy"));
    command
        .env("COLLOQUY_DATABASE", app.database.setting())
        .env_remove("COLLOQUY_CONFIG")
        .args(args);
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().unwrap()
}

#[tokio::test]
async fn the_commands_export_erase_and_purge_while_the_server_runs() {
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let moderator = app.signed_in("moderator").await;
    let id = submit_as(
        &app,
        &slug,
        "cli@example.org",
        "from the command line",
        None,
    )
    .await;
    moderator.approve(id).await;
    let other = submit_as(&app, &slug, "keep@example.org", "kept", None).await;
    moderator.approve(other).await;
    decided_days_ago(&app, other, 40);
    assert!(
        app.thread(&slug)
            .await
            .to_string()
            .contains("from the command line")
    );

    let out = cli(&app, &["reader", "export", "cli@example.org"], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let export: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(export["comments"][0]["id"], id);
    assert_eq!(export["comments"][0]["body"], "from the command line");

    let bad = cli(&app, &["reader", "export", "not an address"], &[]);
    assert!(!bad.status.success());

    let out = cli(&app, &["reader", "erase", "cli@example.org"], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("1 kept as"), "{said}");
    // Another process changed the thread: the server notices by itself.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(8);
    while app
        .thread(&slug)
        .await
        .to_string()
        .contains("from the command line")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the cache kept the erased text"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }

    let out = cli(
        &app,
        &["purge"],
        &[("COLLOQUY_PRIVACY__RETENTION_DAYS", "30")],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("1 comments"));
    assert_eq!(personal(&app, other), (None, None));
    let out = cli(
        &app,
        &["purge"],
        &[("COLLOQUY_PRIVACY__RETENTION_DAYS", "0")],
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("nothing purged"));
}

/// `(notifier_name, notifier_email)` of a notice.
fn notifier(app: &TestApp, id: i64) -> (Option<String>, Option<String>) {
    use colloquy::db::schema::notices;
    let mut conn = app.pool.get().unwrap();
    notices::table
        .find(id as i32)
        .select((notices::notifier_name, notices::notifier_email))
        .first(&mut conn)
        .unwrap()
}

async fn notice_from(app: &TestApp, comment: i64, name: &str, email: &str) -> i64 {
    let r = app
        .reader
        .post(app.url(&format!("/comments/{comment}/notices")))
        .json(
            &json!({"category": "terms", "explanation": "Rude", "notifier_name": name,
                      "notifier_email": email}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    r.json::<serde_json::Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn notifiers_are_forgotten_after_the_retention_and_by_erasure_and_exported() {
    use colloquy::db::schema::notices;
    let app = spawn_app().await;
    let slug = app.post("p").await;
    let moderator = app.signed_in("moderator").await;
    let comment = submit_as(&app, &slug, "author@example.org", "A view", None).await;
    moderator.approve(comment).await;
    let old = notice_from(&app, comment, "Old", "old@example.org").await;
    let open = notice_from(&app, comment, "Open", "open@example.org").await;
    let recent = notice_from(&app, comment, "Recent", "recent@example.org").await;
    let erased = notice_from(&app, comment, "Gone", "Gone@Example.org").await;
    for id in [old, recent] {
        let r = moderator
            .post(
                &format!("/moderation/notices/{id}/resolve"),
                &json!({"outcome": "no_action", "reason": "Fine"}),
            )
            .await;
        assert_eq!(r.status(), 200);
    }
    {
        // The old one was resolved long ago; the open one arrived long ago.
        let mut conn = app.pool.get().unwrap();
        diesel::update(notices::table.find(old as i32))
            .set(notices::resolved_at.eq(now() - 91 * DAY))
            .execute(&mut conn)
            .unwrap();
        diesel::update(notices::table.find(open as i32))
            .set(notices::created_at.eq(now() - 400 * DAY))
            .execute(&mut conn)
            .unwrap();
    }

    // The export of an address lists its notices.
    let mut conn = app.pool.get().unwrap();
    let export = colloquy::service::privacy::export(&mut conn, "gone@example.org", now()).unwrap();
    assert_eq!(export.notices.len(), 1);
    assert_eq!(export.notices[0].id, erased as i32);
    assert_eq!(export.notices[0].notifier_name.as_deref(), Some("Gone"));

    colloquy::service::privacy::purge(&mut conn, &PrivacySettings::default(), now()).unwrap();
    assert_eq!(notifier(&app, old), (None, None), "resolved 91 days ago");
    assert_eq!(
        notifier(&app, open).1.as_deref(),
        Some("open@example.org"),
        "an open notice is still owed its outcome"
    );
    assert_eq!(
        notifier(&app, recent).1.as_deref(),
        Some("recent@example.org")
    );

    colloquy::service::privacy::erase(&mut conn, "gone@example.org", now()).unwrap();
    assert_eq!(notifier(&app, erased), (None, None));
    let kept: String = notices::table
        .find(erased as i32)
        .select(notices::explanation)
        .first(&mut conn)
        .unwrap();
    assert_eq!(kept, "Rude", "the notice itself stays for the record");
    assert_eq!(
        notifier(&app, recent).1.as_deref(),
        Some("recent@example.org")
    );
    // The moderators' list shows what is left.
    drop(conn);
    let (_, list) = moderator
        .get(&format!("/moderation/comments/{comment}/notices"))
        .await;
    assert_eq!(
        list["notices"][3]["notifier_email"],
        serde_json::Value::Null
    );
}
