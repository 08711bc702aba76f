//! Moving an installation (issue 14): a SQLite installation filled
//! through HTTP by a real `colloquy serve`, stopped, copied by `colloquy
//! copy-db --to postgres://…` into a fresh database of a throwaway
//! cluster, and served from there: the same public threads, byte for byte,
//! the same moderation history, queue, bans, terms and accounts. A second
//! copy into the now filled database is refused, as is a target that is
//! not PostgreSQL, and a copy while a server uses the file.

use crate::pg_cluster::{Cluster, Instance, Staff, add_account};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Output};

fn copy_db(database: &Path, to: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_colloquy"))
        .args(["copy-db", "--to", to])
        .env("COLLOQUY_DATABASE", database)
        .env_remove("COLLOQUY_CONFIG")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn submit(reader: &Client, on: &Instance, slug: &str, body: &Value) -> i64 {
    let response = on.submit(reader, slug, body).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    response.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap()
}

/// id, parent, status, address, IP hash, text, times, notify choice and
/// flags of every comment in `database`, in id order.
type CommentRow = (
    i32,
    Option<i32>,
    String,
    Option<String>,
    Option<String>,
    String,
    i64,
    Option<i64>,
    bool,
    i32,
);

fn every_comment(database: &str) -> Vec<CommentRow> {
    use colloquy::db::schema::comments as c;
    use diesel::prelude::*;
    let place = colloquy::db::Location::of(Path::new(database));
    let mut conn = colloquy::db::connect(&place, 1).unwrap().get().unwrap();
    c::table
        .select((
            c::id,
            c::parent_id,
            c::status,
            c::email,
            c::ip_hash,
            c::body_source,
            c::created_at,
            c::moderated_at,
            c::notify,
            c::flag_count,
        ))
        .order(c::id)
        .load(&mut *conn)
        .unwrap()
}

async fn ok(response: reqwest::Response) -> Value {
    let status = response.status();
    assert!(
        status.is_success(),
        "{status}: {}",
        response.text().await.unwrap()
    );
    response.json().await.unwrap()
}

/// Everything the copy must keep, as an instance serves it: public pages
/// as bytes, moderators' views as JSON.
#[derive(Debug, PartialEq)]
struct Served {
    public: Vec<(String, String)>,
    staff: Vec<(String, Value)>,
}

const PUBLIC: &[&str] = &[
    "/posts",
    "/posts/moving",
    "/posts/moving/comments",
    "/posts/moving/comments?order=newest",
    "/posts/second/comments",
    "/counts?posts=moving,second",
];

const STAFF: &[&str] = &[
    "/moderation/log?limit=200",
    "/moderation/comments?status=pending",
    "/moderation/comments?status=approved",
    "/moderation/comments?status=rejected",
    "/moderation/comments?status=spam",
    "/moderation/comments?status=flagged",
    "/moderation/bans",
    "/moderation/terms",
    "/moderation/accounts",
];

async fn served(on: &Instance, staff: &Staff) -> Served {
    let reader = Client::new();
    let mut public = Vec::new();
    for path in PUBLIC {
        let response = reader.get(on.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        public.push(((*path).to_owned(), response.text().await.unwrap()));
    }
    let mut seen = Vec::new();
    for path in STAFF {
        let response = staff.client.get(on.url(path)).send().await.unwrap();
        seen.push(((*path).to_owned(), ok(response).await));
    }
    Served {
        public,
        staff: seen,
    }
}

/// Fills the installation the way its users would; returns the ids of
/// the comments made.
async fn populate(on: &Instance, staff: &Staff) -> Vec<i64> {
    for (slug, title) in [("moving", "Moving house"), ("second", "A second post")] {
        let created = staff
            .post(
                on,
                "/moderation/posts",
                &json!({ "slug": slug, "title": title, "author": "Staff", "body": "The *post*." }),
            )
            .await;
        assert_eq!(created.status(), StatusCode::CREATED);
    }
    let reader = Client::new();
    let first = submit(
        &reader,
        on,
        "moving",
        &json!({"author_name": "Amal", "author_location": "Beirut", "body": "A **first** thought."}),
    )
    .await;
    let rude = submit(
        &reader,
        on,
        "moving",
        &json!({"author_name": "Troll", "email": "troll@example.org", "body": "Off topic."}),
    )
    .await;
    let waiting = submit(
        &reader,
        on,
        "moving",
        &json!({"author_name": "Ben", "email": "ben@example.org", "body": "Still waiting."}),
    )
    .await;
    let junk = submit(
        &reader,
        on,
        "second",
        &json!({"author_name": "Seller", "body": "Cheap watches."}),
    )
    .await;
    let other = submit(
        &reader,
        on,
        "second",
        &json!({"author_name": "Dana", "body": "On the second post."}),
    )
    .await;
    ok(staff
        .post(
            on,
            &format!("/moderation/comments/{first}/approve"),
            &json!({}),
        )
        .await)
    .await;
    ok(staff
        .post(
            on,
            &format!("/moderation/comments/{other}/approve"),
            &json!({}),
        )
        .await)
    .await;
    let reply = submit(
        &reader,
        on,
        "moving",
        &json!({"author_name": "Chen", "body": "A reply to Amal.", "parent_id": first}),
    )
    .await;
    ok(staff
        .post(
            on,
            &format!("/moderation/comments/{reply}/approve"),
            &json!({}),
        )
        .await)
    .await;
    ok(staff
        .post(
            on,
            &format!("/moderation/comments/{rude}/reject"),
            &json!({"reason": "off-topic"}),
        )
        .await)
    .await;
    ok(staff
        .post(on, &format!("/moderation/comments/{junk}/spam"), &json!({}))
        .await)
    .await;
    let official = ok(staff
        .post(
            on,
            "/moderation/posts/moving/replies",
            &json!({"body": "Thank you, Amal.", "parent_id": first}),
        )
        .await)
    .await;
    let banned = staff
        .post(
            on,
            "/moderation/bans",
            &json!({"kind": "email", "comment_id": rude, "note": "repeat"}),
        )
        .await;
    assert_eq!(banned.status(), StatusCode::CREATED);
    let term = staff
        .post(
            on,
            "/moderation/terms",
            &json!({"term": "cheap watches", "kind": "banned", "reason": "spam"}),
        )
        .await;
    assert_eq!(term.status(), StatusCode::CREATED);
    let account = staff
        .post(
            on,
            "/moderation/accounts",
            &json!({"username": "carol", "display_name": "Carol K.", "role": "moderator",
                    "password": crate::pg_cluster::PASSWORD}),
        )
        .await;
    assert_eq!(account.status(), StatusCode::CREATED);
    let flagged = reader
        .post(on.url(&format!("/comments/{first}/flag")))
        .json(&json!({"reason": "insulting"}))
        .send()
        .await
        .unwrap();
    assert_eq!(flagged.status(), StatusCode::ACCEPTED);
    vec![
        first,
        rude,
        waiting,
        junk,
        other,
        reply,
        official["id"].as_i64().unwrap(),
    ]
}

#[tokio::test]
async fn a_populated_sqlite_database_copied_serves_the_same_threads_and_history_from_postgresql() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("colloquy.db");
    let database = file.to_str().unwrap();
    add_account(database, "admin", "admin");
    // One public URL for both servers: permalinks name it.
    let quiet = [
        ("COLLOQUY_RATE_LIMIT__ENABLED", "false"),
        ("COLLOQUY_PUBLIC_URL", "http://comments.example.org"),
    ];
    let on_sqlite = Instance::serve(database, &dir.path().join("sqlite.log"), &quiet);
    let staff = Staff::sign_in(&on_sqlite, "admin").await;
    let ids = populate(&on_sqlite, &staff).await;
    // An import can link a reply to a parent that came after it: here
    // the pending comment answers the later reader's reply (a pending
    // comment is in no cached page, so the server shows it at once).
    let (waiting, reply) = (ids[2], ids[5]);
    {
        use colloquy::db::schema::comments;
        use diesel::prelude::*;
        let place = colloquy::db::Location::Sqlite(file.clone());
        let mut conn = colloquy::db::connect(&place, 1).unwrap().get().unwrap();
        let linked = diesel::update(comments::table.find(i32::try_from(waiting).unwrap()))
            .set(comments::parent_id.eq(i32::try_from(reply).unwrap()))
            .execute(&mut *conn)
            .unwrap();
        assert_eq!(linked, 1);
    }
    let before = served(&on_sqlite, &staff).await;
    let rows_before = every_comment(&file.to_string_lossy());
    let thread: Value = serde_json::from_str(&before.public[2].1).unwrap();
    assert_eq!(thread["total"], 3, "{thread}");

    let cluster = Cluster::start();
    // Not while a server writes to the file.
    let busy = copy_db(&file, &cluster.url);
    assert!(!busy.status.success());
    assert!(
        text(&busy.stderr).contains("stop the server first"),
        "{}",
        text(&busy.stderr)
    );
    drop(on_sqlite);

    let copied = copy_db(&file, &cluster.url);
    let out = text(&copied.stdout);
    assert!(copied.status.success(), "{}{out}", text(&copied.stderr));
    for (table, rows) in [("posts", 2), ("comments", 7), ("bans", 1), ("terms", 1)] {
        let line = out
            .lines()
            .find(|l| l.split_whitespace().next() == Some(table))
            .unwrap_or_else(|| panic!("no line for {table} in {out}"));
        let figures: Vec<&str> = line.split_whitespace().skip(1).collect();
        assert_eq!(figures, [rows.to_string(), rows.to_string()], "{line}");
    }
    assert!(out.contains("sessions"), "{out}");

    let on_postgres = Instance::start(&cluster, &dir.path().join("pg.log"), &quiet);
    // Accounts and password hashes came along; sessions did not.
    let stale = staff
        .client
        .get(on_postgres.url("/moderation/log"))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::UNAUTHORIZED);
    let staff = Staff::sign_in(&on_postgres, "admin").await;
    Staff::sign_in(&on_postgres, "carol").await;
    let after = served(&on_postgres, &staff).await;
    // Every column that matters of every comment, pending and rejected
    // ones with their addresses included (the fragment aside: see
    // docs/scaling.md).
    assert_eq!(every_comment(&cluster.url), rows_before);
    assert!(
        rows_before
            .iter()
            .any(|r| i64::from(r.0) == waiting && r.1.map(i64::from) == Some(reply))
    );
    for ((path, was), (_, is)) in before.public.iter().zip(&after.public) {
        assert_eq!(was, is, "{path}");
    }
    for ((path, was), (_, is)) in before.staff.iter().zip(&after.staff) {
        assert_eq!(was, is, "{path}");
    }
    // The log entries themselves, not just two empty lists.
    let log = &after.staff[0].1["entries"];
    assert!(log.as_array().unwrap().len() >= 8, "{log}");

    // The sequences moved past the copied ids: a new comment gets a new id.
    let next = submit(
        &Client::new(),
        &on_postgres,
        "second",
        &json!({"author_name": "Eve", "body": "After the move."}),
    )
    .await;
    assert!(ids.iter().all(|&id| next > id), "{next} vs {ids:?}");
    drop(on_postgres);

    // Now it holds rows: refused, and the password is never shown.
    let with_password = cluster.url.replacen("postgres@", "postgres:hunter2@", 1);
    let again = copy_db(&file, &with_password);
    let said = text(&again.stderr);
    assert!(!again.status.success());
    assert!(said.contains("is not empty"), "{said}");
    assert!(said.contains("postgres:***@"), "{said}");
    assert!(!said.contains("hunter2"), "{said}");
    let rows: i64 = {
        use colloquy::db::schema::comments;
        use diesel::prelude::*;
        comments::table
            .count()
            .get_result(&mut *cluster.db())
            .unwrap()
    };
    assert_eq!(rows, 8, "the refused copy added nothing");

    // Only PostgreSQL is a target.
    let elsewhere = dir.path().join("other.db");
    let refused = copy_db(&file, elsewhere.to_str().unwrap());
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("not a postgres:// URL"),
        "{}",
        text(&refused.stderr)
    );
    assert!(!elsewhere.exists());
}
