//! `colloquy backup` and `colloquy restore`, run as the real binary next
//! to a real server.

use diesel::prelude::*;
use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

const POST: &str = "prison-reform-dialogue";

fn colloquy(database: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_colloquy"));
    command
        .current_dir(database.parent().unwrap())
        .env("COLLOQUY_DATABASE", database)
        .env("COLLOQUY_BIND", "127.0.0.1:0")
        .env("COLLOQUY_RATE_LIMIT__ENABLED", "false")
        .env_remove("COLLOQUY_CONFIG");
    command
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `serve --demo` on `database`; returns it and its address.
fn serve(database: &Path) -> (Server, String) {
    let mut child = colloquy(database)
        .args(["serve", "--demo"])
        // The same links from every server, whatever port it listens on.
        .env("COLLOQUY_PUBLIC_URL", "https://comments.example")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let server = Server(child);
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(rest) = line.split("listening on http://").nth(1) {
            return (server, rest.split_whitespace().next().unwrap().to_owned());
        }
    }
    panic!("the server did not start");
}

fn run(database: &Path, args: &[&str]) -> Output {
    colloquy(database).args(args).output().unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn comment_ids(database: &Path) -> HashSet<i64> {
    use colloquy::db::schema::comments;
    let mut conn = diesel::SqliteConnection::establish(database.to_str().unwrap()).unwrap();
    comments::table
        .select(comments::id)
        .load::<i32>(&mut conn)
        .unwrap()
        .into_iter()
        .map(i64::from)
        .collect()
}

async fn submit(client: &reqwest::Client, address: &str, text: &str) -> Option<i64> {
    let response = client
        .post(format!("http://{address}/api/v1/posts/{POST}/comments"))
        .json(&serde_json::json!({"author_name": "Backup", "body": text}))
        .send()
        .await
        .ok()?;
    if response.status() != 202 {
        return None;
    }
    response.json::<serde_json::Value>().await.ok()?["id"].as_i64()
}

#[tokio::test]
async fn a_backup_taken_while_comments_arrive_restores_into_a_working_server() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("live.db");
    let (server, address) = serve(&live);
    let client = reqwest::Client::new();
    let mut before = Vec::new();
    for i in 0..20 {
        before.push(
            submit(&client, &address, &format!("before {i}"))
                .await
                .unwrap(),
        );
    }
    // Submissions keep arriving on 8 connections while the backup runs.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..8 {
        let (client, address, stop) = (client.clone(), address.clone(), stop.clone());
        writers.push(tokio::spawn(async move {
            let mut acked = 0;
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) && i < 2_000 {
                if submit(&client, &address, &format!("during {w}-{i}"))
                    .await
                    .is_some()
                {
                    acked += 1;
                }
                i += 1;
            }
            acked
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let backup = dir.path().join("nightly.db");
    let (live_path, backup_path) = (live.clone(), backup.clone());
    let out = tokio::task::spawn_blocking(move || {
        run(&live_path, &["backup", backup_path.to_str().unwrap()])
    })
    .await
    .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut during = 0;
    for writer in writers {
        during += writer.await.unwrap();
    }
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("integrity ok"), "{}", text(&out));
    assert!(during > 0, "submissions went on during the backup");

    // A second backup to the same name is refused; --force replaces it.
    let again = run(&live, &["backup", backup.to_str().unwrap()]);
    assert!(!again.status.success());
    assert!(text(&again).contains("--force"), "{}", text(&again));

    // Restoring over the database of a running server is refused.
    let refused = run(&live, &["restore", backup.to_str().unwrap()]);
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("stop the server"),
        "{}",
        text(&refused)
    );
    let public_before: serde_json::Value = client
        .get(format!("http://{address}/api/v1/posts/{POST}/comments"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    drop(server);

    // Restore into a fresh path and serve it: the data is there.
    let fresh = dir.path().join("restored").join("fresh.db");
    std::fs::create_dir_all(fresh.parent().unwrap()).unwrap();
    let restored = run(&fresh, &["restore", backup.to_str().unwrap()]);
    assert!(restored.status.success(), "{}", text(&restored));
    let in_backup = comment_ids(&fresh);
    for id in &before {
        assert!(
            in_backup.contains(id),
            "comment {id}, acknowledged before the backup, is missing"
        );
    }
    let (_server, address) = serve(&fresh);
    let public_after: serde_json::Value = client
        .get(format!("http://{address}/api/v1/posts/{POST}/comments"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(public_after["comments"], public_before["comments"]);
    let id = submit(&client, &address, "after the restore").await;
    assert!(id.is_some(), "the restored database takes new comments");
}

#[test]
fn restore_keeps_the_replaced_database_and_refuses_a_damaged_backup() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.db");
    assert!(run(&db, &["migrate"]).status.success());
    let backup = dir.path().join("b.db");
    assert!(
        run(&db, &["backup", backup.to_str().unwrap()])
            .status
            .success()
    );
    // Changes after the backup are in the kept file, not the restored one.
    {
        let pool = colloquy::db::connect(&colloquy::db::Location::of(&db), 1).unwrap();
        let mut conn = pool.get().unwrap();
        colloquy::demo::seed(
            &mut conn,
            "Staff",
            &colloquy::domain::spam::SpamRules::default(),
        )
        .unwrap();
    }
    let seeded = comment_ids(&db);
    assert!(!seeded.is_empty());
    let out = run(&db, &["restore", backup.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains(".before-restore"), "{}", text(&out));
    assert!(comment_ids(&db).is_empty());
    let kept = colloquy::backup::before_restore_path(&db);
    assert_eq!(comment_ids(&kept), seeded);

    // A second restore would overwrite the kept file: refused.
    let twice = run(&db, &["restore", backup.to_str().unwrap()]);
    assert!(!twice.status.success());

    // A damaged backup is refused before anything is touched.
    let damaged = dir.path().join("damaged.db");
    let mut bytes = std::fs::read(&backup).unwrap();
    let len = bytes.len();
    for b in &mut bytes[len / 2..] {
        *b = 0x5a;
    }
    std::fs::write(&damaged, bytes).unwrap();
    std::fs::remove_file(&kept).unwrap();
    let out = run(&db, &["restore", damaged.to_str().unwrap()]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(!kept.exists());
}
