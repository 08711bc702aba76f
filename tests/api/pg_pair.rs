//! A load-balanced pair (issue 14): `scripts/pair.sh` starts a throwaway
//! PostgreSQL cluster, two `colloquy serve` processes and HAProxy in
//! front. Readers submit through the balancer from several connections at
//! once; one instance is killed with SIGKILL in the middle of it. Every
//! 202 a reader received is a row in the database with the reader's text
//! ("0 acknowledged comments lost"), a row nobody was told about can only
//! be one whose answer the kill swallowed, and from the kill on every
//! answer comes from the survivor. A moderator signed in through the
//! balancer before the kill goes on deciding after it.

use crate::pg_cluster::{Staff, add_account};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SUBMITTERS: usize = 8;

/// The pair, stopped (`scripts/pair.sh stop`) when dropped.
struct Pair {
    dir: PathBuf,
    /// The balancer's API base, `http://127.0.0.1:PORT/api/v1`.
    api: String,
    /// The database's URL.
    database: String,
    _keep: tempfile::TempDir,
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/pair.sh")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap().trim().to_owned()
}

impl Pair {
    fn start() -> Self {
        let keep = tempfile::tempdir().unwrap();
        let dir = keep.path().join("pair");
        let out = Command::new(script())
            .arg("start")
            .arg(&dir)
            .env("BIN", env!("CARGO_BIN_EXE_colloquy"))
            // The load comes from one address: no limits, two workers each.
            .env("COLLOQUY_RATE_LIMIT__ENABLED", "false")
            .env("COLLOQUY_WORKERS", "2")
            .env_remove("COLLOQUY_CONFIG")
            .output()
            .unwrap();
        // Owned before anything can fail, so that it is stopped.
        let mut pair = Self {
            api: String::new(),
            database: String::new(),
            dir,
            _keep: keep,
        };
        assert!(
            out.status.success(),
            "scripts/pair.sh start failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let printed = String::from_utf8(out.stdout).unwrap().trim().to_owned();
        assert_eq!(printed, read(&pair.dir.join("url")));
        pair.api = format!("{printed}/api/v1");
        pair.database = read(&pair.dir.join("pg.url"));
        pair
    }

    fn pid(&self, instance: &str) -> String {
        read(&self.dir.join(format!("{instance}.pid")))
    }
}

impl Drop for Pair {
    fn drop(&mut self) {
        let _ = Command::new(script()).arg("stop").arg(&self.dir).status();
    }
}

/// One submission as its sender saw it.
#[derive(Debug, Clone)]
struct Sent {
    text: String,
    started: Instant,
    /// The status, or `None` when no answer came at all.
    status: Option<u16>,
    /// Which instance answered (the balancer's `X-Colloquy-Instance`).
    instance: Option<String>,
    id: Option<i64>,
    /// What went wrong when no answer came.
    error: Option<String>,
}

async fn submitter(api: String, who: usize, stop: Arc<AtomicBool>, log: Arc<Mutex<Vec<Sent>>>) {
    let client = Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap();
    let mut n = 0;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let text = format!("Submission {who}-{n} through the balancer.");
        let started = Instant::now();
        let answer = client
            .post(format!("{api}/posts/pair/comments"))
            .json(&json!({ "author_name": format!("Reader {who}"), "body": text }))
            .send()
            .await;
        let mut sent = Sent {
            text,
            started,
            status: None,
            instance: None,
            id: None,
            error: None,
        };
        match answer {
            Err(e) => sent.error = Some(causes(&e)),
            Ok(response) => {
                sent.status = Some(response.status().as_u16());
                sent.instance = response
                    .headers()
                    .get("x-colloquy-instance")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                if response.status() == StatusCode::ACCEPTED {
                    sent.id = response
                        .json::<Value>()
                        .await
                        .ok()
                        .and_then(|v| v["id"].as_i64());
                }
            }
        }
        log.lock().unwrap().push(sent);
    }
}

/// An error and its causes on one line (`…: connection closed before
/// message completed`).
fn causes(error: &dyn std::error::Error) -> String {
    let mut line = error.to_string();
    let mut next = error.source();
    while let Some(cause) = next {
        line = format!("{line}: {cause}");
        next = cause.source();
    }
    line
}

fn acknowledged_by(log: &Mutex<Vec<Sent>>, instance: &str) -> usize {
    log.lock()
        .unwrap()
        .iter()
        .filter(|s| s.status == Some(202) && s.instance.as_deref() == Some(instance))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_one_instance_of_the_pair_mid_load_loses_no_acknowledged_comment() {
    let pair = Pair::start();
    add_account(&pair.database, "editor", "editor");
    let staff = Staff::sign_in_at(&pair.api, "editor").await;
    let created = staff
        .post_to(
            &format!("{}/moderation/posts", pair.api),
            &json!({ "slug": "pair", "title": "Pair", "author": "Staff", "body": "x" }),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);

    let stop = Arc::new(AtomicBool::new(false));
    let log = Arc::new(Mutex::new(Vec::new()));
    let tasks: Vec<_> = (0..SUBMITTERS)
        .map(|who| tokio::spawn(submitter(pair.api.clone(), who, stop.clone(), log.clone())))
        .collect();
    // Load on both until each has acknowledged a good number.
    let deadline = Instant::now() + Duration::from_secs(60);
    while acknowledged_by(&log, "a") < 50 || acknowledged_by(&log, "b") < 50 {
        assert!(Instant::now() < deadline, "the pair did not take the load");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let victim = pair.pid("a");
    let killed_at = Instant::now();
    let kill = Command::new("kill").args(["-9", &victim]).status().unwrap();
    assert!(kill.success());
    let gone = Path::new("/proc").join(&victim);
    while gone.exists() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let dead_at = Instant::now();
    // The survivor carries the load on alone for a while.
    let b_at_kill = acknowledged_by(&log, "b");
    while acknowledged_by(&log, "b") < b_at_kill + 200 {
        assert!(
            Instant::now() < deadline,
            "the survivor did not take the load"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await.unwrap();
    }
    let sent = log.lock().unwrap().clone();

    let stored: Vec<(i32, String)> = {
        use colloquy::db::schema::{comments, posts};
        use diesel::prelude::*;
        let place = colloquy::db::Location::Postgres(pair.database.clone());
        let mut conn = colloquy::db::connect(&place, 1).unwrap().get().unwrap();
        comments::table
            .inner_join(posts::table)
            .filter(posts::slug.eq("pair"))
            .select((comments::id, comments::body_source))
            .order(comments::id)
            .load(&mut *conn)
            .unwrap()
    };
    let acked: Vec<&Sent> = sent.iter().filter(|s| s.status == Some(202)).collect();
    let failed: Vec<&Sent> = sent.iter().filter(|s| s.status != Some(202)).collect();
    // Every 202 is its own row, with the text its reader sent.
    for s in &acked {
        let id = s.id.expect("a 202 names its comment");
        let row = stored
            .iter()
            .find(|(stored_id, _)| i64::from(*stored_id) == id);
        assert_eq!(
            row.map(|(_, text)| text.as_str()),
            Some(s.text.as_str()),
            "acknowledged comment {id} is not in the database as sent"
        );
    }
    // Any other row is a submission whose answer was lost with the killed
    // instance: its sender saw no 202.
    let unanswered: Vec<&(i32, String)> = stored
        .iter()
        .filter(|(id, _)| !acked.iter().any(|s| s.id == Some(i64::from(*id))))
        .collect();
    for (id, text) in &unanswered {
        assert!(
            failed.iter().any(|s| &s.text == text),
            "row {id} ({text}) was neither acknowledged nor lost in the kill"
        );
    }
    assert!(unanswered.len() <= failed.len());
    // From the kill on, every answer came from the survivor, and was a
    // 202. A request already under way to the dead instance (or sent on a
    // connection to it that the balancer had not yet seen close) gets no
    // answer from an instance: HAProxy closes the reader's connection or
    // answers 502 itself. That only
    // happens until its health check (2 × 500 ms) has taken the instance
    // out.
    // (Counted from the death, not the signal: a request sent while
    // `kill` was still starting may rightly be answered by the victim.)
    let after: Vec<&Sent> = sent.iter().filter(|s| s.started > dead_at).collect();
    assert!(after.len() >= 200);
    for s in after.iter().filter(|s| s.status.is_some()) {
        assert_eq!(
            (s.status, s.instance.as_deref()),
            (Some(202), Some("b")),
            "{s:?}"
        );
    }
    for s in &failed {
        // No answer (HAProxy closed the reader's connection), or the
        // balancer's own 502 for a request the victim had read and never
        // answered: never an answer from an instance.
        assert!(
            s.status.is_none() || (s.status == Some(502) && s.instance.is_none()),
            "{s:?}"
        );
        assert!(
            s.started < dead_at + Duration::from_millis(1500),
            "{:?} after the kill: {s:?}",
            s.started.saturating_duration_since(dead_at)
        );
    }
    let failures_at_kill: Vec<_> = failed
        .iter()
        .map(|s| {
            let when = s.started.saturating_duration_since(killed_at);
            format!(
                "{when:?} after the kill: {}",
                s.error.as_deref().unwrap_or("-")
            )
        })
        .collect();
    eprintln!(
        "pg_pair: {} submissions, {} acknowledged ({} by a, {} by b), {} rows; \
         failed in the kill: {failures_at_kill:?}, {} of them committed anyway; \
         {} answered by b after the kill",
        sent.len(),
        acked.len(),
        acknowledged_by(&log, "a"),
        acknowledged_by(&log, "b"),
        stored.len(),
        unanswered.len(),
        after.len()
    );
    assert_eq!(
        stored.len(),
        acked.len() + unanswered.len(),
        "no row is lost or doubled"
    );

    // The moderator's session, opened before the kill, decides on the
    // survivor; readers see the decisions through the balancer.
    let mut chosen: Vec<i64> = acked.iter().take(3).map(|s| s.id.unwrap()).collect();
    chosen.sort_unstable();
    for id in &chosen {
        let decided = staff
            .post_to(
                &format!("{}/moderation/comments/{id}/approve", pair.api),
                &json!({}),
            )
            .await;
        assert_eq!(decided.status(), StatusCode::OK);
        assert_eq!(decided.headers()["x-colloquy-instance"], "b");
    }
    let queue: Value = staff
        .client
        .get(format!("{}/moderation/comments?status=pending", pair.api))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(queue["total"], stored.len() - chosen.len(), "{queue}");
    let thread: Value = Client::new()
        .get(format!("{}/posts/pair/comments", pair.api))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let shown: Vec<i64> = thread["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    let mut shown = shown;
    shown.sort_unstable();
    assert_eq!(shown, chosen);
    // A new sign-in goes through the balancer too.
    Staff::sign_in_at(&pair.api, "editor").await;
}
