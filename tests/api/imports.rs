//! `colloquy import` and `colloquy export`: the real binary run on fixture
//! files against the database of a running server, which must show what
//! was imported without a restart.

use crate::helpers::{TestApp, TestDatabase, spawn_app};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
}

fn cli(db: &TestDatabase, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_colloquy"))
        .env("COLLOQUY_DATABASE", db.setting())
        .env_remove("COLLOQUY_CONFIG")
        .args(args)
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// One number from the server's database.
fn count(app: &TestApp, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .get_result::<Count>(&mut *app.pool.get().unwrap())
        .unwrap()
        .n
}

#[derive(QueryableByName, Debug, PartialEq)]
struct Stored {
    #[diesel(sql_type = Text)]
    author_name: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    email: Option<String>,
}

fn stored(app: &TestApp, author: &str) -> Vec<Stored> {
    let placeholder = match app.database.backend() {
        colloquy::db::Backend::Sqlite => "?",
        colloquy::db::Backend::Postgres => "$1",
    };
    diesel::sql_query(format!(
        "SELECT author_name, status, email FROM comments WHERE author_name = {placeholder} ORDER BY id"
    ))
    .bind::<Text, _>(author)
    .load(&mut *app.pool.get().unwrap())
    .unwrap()
}

/// Waits until the public thread of `slug` answers and `check` holds.
async fn eventually(app: &TestApp, slug: &str, check: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, body) = app.get(&format!("/posts/{slug}/comments")).await;
        if status == 200 && check(&body) {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not show the import: {status} {body}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Everything an import may have written.
fn footprint(app: &TestApp) -> (i64, i64, i64, i64) {
    (
        count(app, "SELECT COUNT(*) AS n FROM posts"),
        count(app, "SELECT COUNT(*) AS n FROM comments"),
        count(app, "SELECT COUNT(*) AS n FROM import_ids"),
        count(
            app,
            "SELECT COUNT(*) AS n FROM moderation_log WHERE action = 'import'",
        ),
    )
}

const DISQUS_SLUG: &str = "prison-visits-abroad";

#[tokio::test]
async fn disqus_import_is_nested_dated_idempotent_and_seen_by_a_running_server() {
    let app = spawn_app().await;
    let file = fixture("disqus.xml");
    let file = file.to_str().unwrap();
    // The server has looked the post up, and knows it does not exist.
    let (status, _) = app.get(&format!("/posts/{DISQUS_SLUG}/comments")).await;
    assert_eq!(status, 404);

    let dry = ok(&cli(
        &app.database,
        &["import", "disqus", file, "--dry-run"],
    ));
    assert!(dry.contains("1 would be created"), "{dry}");
    assert!(dry.contains("4 approved, 1 rejected, 1 spam"), "{dry}");
    assert!(dry.contains("nothing was changed"), "{dry}");
    assert_eq!(footprint(&app), (0, 0, 0, 0));

    let first = ok(&cli(&app.database, &["import", "disqus", file]));
    assert!(first.contains("posts: 1 created"), "{first}");
    assert!(
        first.contains("comments imported: 4 approved, 1 rejected, 1 spam"),
        "{first}"
    );
    assert!(first.contains("1 orphan"), "{first}");
    assert!(first.contains("2 unknown thread"), "{first}");

    // Without a restart: the cached 404 and slug lookups are dropped.
    let thread = eventually(&app, DISQUS_SLUG, |t| t["total"] == 4).await;
    let top = &thread["comments"];
    assert_eq!(top.as_array().unwrap().len(), 1, "{thread}");
    assert_eq!(top[0]["author_name"], "Zoë");
    assert_eq!(top[0]["created_at"], "2012-04-26T10:15:42Z");
    let second = &top[0]["replies"][0];
    assert_eq!(second["author_name"], "Дмитрий");
    assert_eq!(second["created_at"], "2012-04-26T11:02:03Z");
    let third = &second["replies"][0];
    assert_eq!(third["author_name"], "李");
    let fourth = &third["replies"][0];
    assert_eq!(fourth["created_at"], "2012-04-27T06:00:00Z");
    assert!(
        fourth["body_html"]
            .as_str()
            .unwrap()
            .contains("<p>Or to move the prisoners who would talk.</p>"),
        "{fourth}"
    );
    assert!(
        top[0]["body_html"]
            .as_str()
            .unwrap()
            .contains("<strong>unannounced</strong>")
    );
    let public = thread.to_string();
    assert!(
        !public.contains("example.net"),
        "an e-mail address is public"
    );
    assert!(!public.contains("Watch Seller") && !public.contains("Second Thoughts"));
    // Hidden and spam comments are stored, with their status and e-mail.
    assert_eq!(
        stored(&app, "Watch Seller"),
        vec![Stored {
            author_name: "Watch Seller".into(),
            status: "spam".into(),
            email: Some("bot@spam.example".into()),
        }]
    );
    assert_eq!(stored(&app, "Second Thoughts")[0].status, "rejected");
    assert_eq!(
        count(
            &app,
            "SELECT total AS n FROM status_totals WHERE status = 'approved'"
        ),
        4
    );
    let (_, counts) = app.get(&format!("/counts?posts={DISQUS_SLUG}")).await;
    assert_eq!(counts["counts"][DISQUS_SLUG], 4, "{counts}");

    let before = footprint(&app);
    assert_eq!(before.3, 1);
    let again = ok(&cli(&app.database, &["import", "disqus", file]));
    assert!(again.contains("0 created, 1 existing reused"), "{again}");
    assert!(again.contains("0 approved, 0 rejected, 0 spam"), "{again}");
    assert!(
        again.contains("already imported by an earlier run: 6"),
        "{again}"
    );
    let after = footprint(&app);
    assert_eq!((after.0, after.1, after.2), (before.0, before.1, before.2));
    assert_eq!(after.3, 2, "every run is logged");
    let (_, log) = app
        .signed_in("admin")
        .await
        .get("/moderation/log?action=import")
        .await;
    assert!(log.to_string().contains("disqus"), "{log}");
}

#[tokio::test]
async fn imported_html_is_sanitised_and_a_map_names_the_posts() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hostile-markup.xml");
    std::fs::write(
        &file,
        r#"<?xml version="1.0" encoding="utf-8"?>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">
  <thread dsq:id="1">
    <link>https://old.example/?p=17</link>
    <title>Seventeen</title>
    <createdAt>2011-01-01T00:00:00Z</createdAt>
  </thread>
  <post dsq:id="2">
    <message><![CDATA[<p>Fine words</p><script>alert('boo')</script><img src=x onerror="alert(2)"><a href="javascript:alert(3)">link</a> <em onmouseover="x()">kept</em>]]></message>
    <createdAt>2011-01-02T03:04:05Z</createdAt>
    <isDeleted>false</isDeleted>
    <isSpam>false</isSpam>
    <author><name>Marta &lt;b&gt;</name><email>m@example.org</email></author>
    <thread dsq:id="1"/>
  </post>
</disqus>"#,
    )
    .unwrap();
    let map = dir.path().join("map.csv");
    std::fs::write(&map, "url,slug\nhttps://old.example/?p=17,seventeen\n").unwrap();
    ok(&cli(
        &app.database,
        &[
            "import",
            "disqus",
            file.to_str().unwrap(),
            "--map",
            map.to_str().unwrap(),
        ],
    ));
    let thread = eventually(&app, "seventeen", |t| t["total"] == 1).await;
    let html = thread["comments"][0]["body_html"].as_str().unwrap();
    assert!(html.contains("Fine words"), "{html}");
    assert!(html.contains("<em>kept</em>"), "{html}");
    for bad in [
        "<script",
        "alert('boo')",
        "onerror",
        "javascript:",
        "onmouseover",
        "<img",
    ] {
        assert!(!html.contains(bad), "{bad} in {html}");
    }
    assert_eq!(thread["post"]["title"], "Seventeen");
    assert_eq!(thread["comments"][0]["author_name"], "Marta <b>");
}

#[tokio::test]
async fn a_hostile_or_broken_file_changes_nothing() {
    let app = spawn_app().await;
    for name in [
        "hostile/bomb.xml",
        "hostile/external_entity.xml",
        "hostile/invalid_utf8.xml",
        "hostile/truncated.xml",
    ] {
        let file = fixture(name);
        let out = cli(&app.database, &["import", "disqus", file.to_str().unwrap()]);
        assert!(!out.status.success(), "{name} was accepted");
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(
            said.contains("line") || said.contains("byte"),
            "{name}: {said}"
        );
        assert_eq!(said.trim().lines().count(), 1, "{name}: {said}");
        assert!(!said.contains("root:"), "{name}: a named file was read");
        assert_eq!(
            footprint(&app),
            (0, 0, 0, 0),
            "{name} left something behind"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("export.json");
    std::fs::write(
        &bad,
        "{\"version\": 1, \"posts\": [{\"id\": 1, \"slug\": \"x\"}], \"comments\": [",
    )
    .unwrap();
    let out = cli(
        &app.database,
        &["import", "colloquy", bad.to_str().unwrap()],
    );
    assert!(!out.status.success());
    assert_eq!(footprint(&app), (0, 0, 0, 0));
    let out = cli(&app.database, &["import", "dipnote", bad.to_str().unwrap()]);
    assert!(!out.status.success(), "dipnote without --post");
}

#[tokio::test]
async fn wordpress_and_dipnote_pages_import() {
    let app = spawn_app().await;
    let file = fixture("wordpress.xml");
    let said = ok(&cli(
        &app.database,
        &["import", "wordpress", file.to_str().unwrap()],
    ));
    assert!(said.contains("3 approved, 3 rejected, 1 spam"), "{said}");
    assert!(
        said.contains("1 pingback") && said.contains("1 trackback"),
        "{said}"
    );
    let thread = eventually(&app, "shared-gauges", |t| t["total"].as_u64() > Some(0)).await;
    assert_eq!(
        thread["comments"][0]["replies"][0]["author_name"],
        "Дмитрий"
    );

    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/seeds");
    let page = seeds.join("000_7e6d215d9fcc5e77.txt");
    let page = page.to_str().unwrap();
    let said = ok(&cli(
        &app.database,
        &["import", "dipnote", page, "--post", "archived"],
    ));
    assert!(said.contains("4 approved"), "{said}");
    assert!(said.contains("1 official replies"), "{said}");
    let thread = eventually(&app, "archived", |t| t["total"].as_u64() >= Some(4)).await;
    let official: Vec<&Value> = thread["comments"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["replies"].as_array().unwrap())
        .filter(|r| r["kind"] == "official")
        .collect();
    assert_eq!(official.len(), 1, "{thread}");
    let again = ok(&cli(
        &app.database,
        &["import", "dipnote", page, "--post", "archived"],
    ));
    assert!(
        again.contains("already imported by an earlier run: 5"),
        "{again}"
    );
    // Every seed page reads.
    for entry in std::fs::read_dir(&seeds).unwrap() {
        let path = entry.unwrap().path();
        ok(&cli(
            &app.database,
            &[
                "import",
                "dipnote",
                path.to_str().unwrap(),
                "--post",
                "seeds",
                "--dry-run",
            ],
        ));
    }
}

/// An Isso database made with Isso's schema.
fn isso_database(path: &Path) {
    let mut conn = diesel::SqliteConnection::establish(path.to_str().unwrap()).unwrap();
    diesel::connection::SimpleConnection::batch_execute(
        &mut conn,
        "CREATE TABLE threads (id INTEGER PRIMARY KEY, uri VARCHAR(256) UNIQUE, title VARCHAR(256));
         CREATE TABLE comments (tid REFERENCES threads(id), id INTEGER PRIMARY KEY, parent INTEGER,
             created FLOAT NOT NULL, modified FLOAT, mode INTEGER, remote_addr VARCHAR, text VARCHAR,
             author VARCHAR, email VARCHAR, website VARCHAR, likes INTEGER DEFAULT 0,
             dislikes INTEGER DEFAULT 0, voters BLOB NOT NULL, notification INTEGER DEFAULT 0);
         INSERT INTO threads VALUES (1, '/notes/Treaty-Talks/', 'Treaty talks');
         INSERT INTO threads VALUES (2, '/', 'Home');
         INSERT INTO comments VALUES (1, 1, NULL, 1400000000.75, NULL, 1, '192.0.2.0',
             'First, *emphasis*.\n\nSecond paragraph <script>x()</script>', 'Ana', 'ana@example.org',
             NULL, 3, 0, x'00', 0);
         INSERT INTO comments VALUES (1, 2, 1, 1400000100.2, NULL, 1, '192.0.2.0', 'A reply', 'Ben',
             NULL, NULL, 0, 0, x'00', 0);
         INSERT INTO comments VALUES (1, 3, 2, 1400000200.0, NULL, 2, '192.0.2.0', 'Queued', 'Cleo',
             NULL, NULL, 0, 0, x'00', 0);
         INSERT INTO comments VALUES (1, 4, NULL, 1400000300.0, NULL, 4, '192.0.2.0', '', NULL,
             NULL, NULL, 0, 0, x'00', 0);
         INSERT INTO comments VALUES (1, 5, 4, 1400000400.0, NULL, 1, '192.0.2.0', 'Under a deleted one',
             'Dan', NULL, NULL, 0, 0, x'00', 0);",
    )
    .unwrap();
}

#[tokio::test]
async fn an_isso_database_imports_read_only() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let isso = dir.path().join("comments.db");
    isso_database(&isso);
    let before = std::fs::read(&isso).unwrap();
    let said = ok(&cli(
        &app.database,
        &["import", "isso", isso.to_str().unwrap()],
    ));
    assert!(said.contains("3 approved, 2 rejected"), "{said}");
    assert_eq!(
        std::fs::read(&isso).unwrap(),
        before,
        "the Isso file changed"
    );
    let thread = eventually(&app, "treaty-talks", |t| t["total"].as_u64() >= Some(2)).await;
    let first = &thread["comments"][0];
    assert_eq!(first["author_name"], "Ana");
    assert_eq!(first["created_at"], "2014-05-13T16:53:20Z");
    let html = first["body_html"].as_str().unwrap();
    assert!(html.contains("<em>emphasis</em>"), "{html}");
    assert_eq!(html.matches("<p>").count(), 2, "{html}");
    assert!(!html.contains("<script"), "{html}");
    assert_eq!(first["replies"][0]["author_name"], "Ben");
    assert_eq!(stored(&app, "Cleo")[0].status, "rejected");
    let again = ok(&cli(
        &app.database,
        &["import", "isso", isso.to_str().unwrap()],
    ));
    assert!(
        again.contains("already imported by an earlier run: 5"),
        "{again}"
    );
}

/// A thread with the ids taken out: what must survive a round trip.
fn without_ids(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !matches!(k.as_str(), "id" | "parent_id" | "permalink"))
                .map(|(k, v)| (k.clone(), without_ids(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_ids).collect()),
        other => other.clone(),
    }
}

#[tokio::test]
async fn an_export_imported_into_an_empty_database_gives_the_same_threads() {
    let source = spawn_app().await;
    let file = fixture("disqus.xml");
    ok(&cli(
        &source.database,
        &["import", "disqus", file.to_str().unwrap()],
    ));
    let slug = source.post("written-here").await;
    let moderator = source.signed_in("moderator").await;
    let a = source
        .submit_ok(&slug, "Reader One", "A *first* view")
        .await;
    moderator.approve(a).await;
    let b = source.submit_ok(&slug, "Reader Two", "Still waiting").await;
    moderator
        .reply(&slug, Some(a), "Thank you, from the staff.")
        .await;
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("site.json");
    let said = ok(&cli(
        &source.database,
        &["export", "--out", export.to_str().unwrap()],
    ));
    assert!(said.contains("2 posts"), "{said}");
    let document: Value = serde_json::from_slice(&std::fs::read(&export).unwrap()).unwrap();
    assert_eq!(document["version"], 1);
    assert!(
        !document.to_string().contains("argon2"),
        "a password hash was exported"
    );
    assert!(document["accounts"].as_array().unwrap().len() >= 2);
    let statuses: Vec<&str> = document["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert!(statuses.contains(&"pending") && statuses.contains(&"spam"));
    let to_stdout = ok(&cli(&source.database, &["export"]));
    assert!(serde_json::from_str::<Value>(&to_stdout).is_ok());

    let target = spawn_app().await;
    let said = ok(&cli(
        &target.database,
        &["import", "colloquy", export.to_str().unwrap()],
    ));
    assert!(said.contains("1 pending"), "{said}");
    assert!(
        said.contains("bans, terms and accounts added: 0, 0, 2"),
        "{said}"
    );
    let again = ok(&cli(
        &target.database,
        &["import", "colloquy", export.to_str().unwrap()],
    ));
    assert!(
        again.contains("already imported by an earlier run: 9"),
        "{again}"
    );
    assert!(!again.contains("accounts added"), "{again}");
    // The accounts came without their passwords.
    let hashes = count(
        &target,
        "SELECT COUNT(*) AS n FROM moderators WHERE password_hash LIKE '$argon2%'",
    );
    assert_eq!(hashes, 0);
    for slug in [DISQUS_SLUG, "written-here"] {
        let before = source.thread(slug).await;
        let after = eventually(&target, slug, |_| true).await;
        // Ids survive too (the permalinks differ: another server).
        assert_eq!(before["comments"][0]["id"], after["comments"][0]["id"]);
        assert_eq!(without_ids(&before), without_ids(&after));
    }
    let pending = count(
        &target,
        "SELECT COUNT(*) AS n FROM comments WHERE status = 'pending'",
    );
    assert_eq!(pending, 1, "{b}");
}
