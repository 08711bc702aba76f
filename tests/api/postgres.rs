//! The PostgreSQL backend, end to end: a throwaway cluster from
//! `scripts/postgres.sh` (Debian's PostgreSQL, a free loopback port), the
//! server over it, and the paths where the two backends differ — the
//! queries run per backend (upserts, multi-row inserts, RETURNING), the
//! triggers (status totals, the append-only log) and the write lock.

use crate::helpers::{assert_problem, spawn_app_with};
use crate::pg_cluster::Cluster;
use reqwest::StatusCode;
use serde_json::json;
use std::path::PathBuf;
use std::process::Command;

#[tokio::test]
async fn the_whole_moderation_loop_runs_on_postgresql() {
    let cluster = Cluster::start();
    let url = cluster.url.clone();
    let app = spawn_app_with(move |s| {
        s.rate_limit.enabled = false;
        s.database = PathBuf::from(url);
    })
    .await;
    assert_eq!(
        app.pool.get().unwrap().backend(),
        colloquy::db::Backend::Postgres
    );
    let slug = app.post("on-postgres").await;
    // A taken slug is a unique violation on PostgreSQL too: 409, not 500.
    let editor = app.signed_in("editor").await;
    let taken = editor
        .post(
            "/moderation/posts",
            &json!({ "slug": slug, "title": "Again", "author": "Staff", "body": "x" }),
        )
        .await;
    assert_problem(taken, 409).await;

    let first = app.submit_ok(&slug, "Mari", "The first comment.").await;
    let second = app.submit_ok(&slug, "Dedric", "A second one.").await;
    assert!(
        app.public_ids(&slug).await.is_empty(),
        "pending is not public"
    );
    let moderator = app.signed_in("moderator").await;
    let queue = moderator.queue("?status=pending").await;
    assert_eq!(queue["total"], 2, "{queue}");
    moderator.approve(first).await;
    let rejected = moderator
        .post(
            &format!("/moderation/comments/{second}/reject"),
            &json!({ "reason": "off-topic" }),
        )
        .await;
    assert_eq!(rejected.status(), StatusCode::OK);
    assert_eq!(app.public_ids(&slug).await, vec![first]);
    // The status totals follow every change through the triggers.
    assert_eq!(moderator.queue("?status=pending").await["total"], 0);
    assert_eq!(moderator.queue("?status=approved").await["total"], 1);
    assert_eq!(moderator.queue("?status=rejected").await["total"], 1);

    // Flags: one counted per address (an upsert that does nothing twice).
    for _ in 0..2 {
        let flagged = app
            .reader
            .post(app.url(&format!("/comments/{first}/flag")))
            .json(&json!({ "reason": "insulting" }))
            .send()
            .await
            .unwrap();
        assert_eq!(flagged.status(), StatusCode::ACCEPTED);
    }
    let flagged = moderator.queue("?status=flagged").await;
    assert_eq!(flagged["comments"][0]["flag_count"], 1, "{flagged}");

    // An official reply (RETURNING a whole row) shows beside the comment.
    moderator
        .reply(&slug, Some(first), "Thank you, Mari.")
        .await;
    assert_eq!(app.public_ids(&slug).await.len(), 2);

    // The log holds every decision and refuses to be changed.
    let (status, log) = moderator.get("/moderation/log").await;
    assert_eq!(status, StatusCode::OK);
    let actions: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"approve") && actions.contains(&"reject"),
        "{actions:?}"
    );
    let mut conn = app.pool.get().unwrap();
    use diesel::RunQueryDsl;
    let changed =
        diesel::sql_query("UPDATE moderation_log SET reason = 'rewritten'").execute(&mut *conn);
    assert!(changed.is_err(), "the log must be append-only");
    let deleted = diesel::sql_query("DELETE FROM moderation_log").execute(&mut *conn);
    assert!(deleted.is_err(), "the log must be append-only");
}

#[test]
fn migrate_and_backup_speak_plainly_about_postgresql() {
    let cluster = Cluster::start();
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_colloquy"))
            .current_dir(dir.path())
            .env("COLLOQUY_DATABASE", &cluster.url)
            .env_remove("COLLOQUY_CONFIG")
            .args(args)
            .output()
            .unwrap()
    };
    let migrated = run(&["migrate"]);
    assert!(
        migrated.status.success(),
        "{}",
        String::from_utf8_lossy(&migrated.stderr)
    );
    assert!(String::from_utf8_lossy(&migrated.stdout).contains("up to date"));
    // Twice is fine: nothing is pending the second time.
    assert!(run(&["migrate"]).status.success());
    let backup = run(&["backup", "copy.db"]);
    assert!(!backup.status.success());
    let said = String::from_utf8_lossy(&backup.stderr);
    assert!(said.contains("pg_dump"), "{said}");
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(
        left.is_empty(),
        "no file is made for a PostgreSQL database: {left:?}"
    );
}
