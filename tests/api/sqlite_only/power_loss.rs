//! Issue 15, point 12: a 202 for a submission and a moderator's 200 for a
//! decision are sent only after the commit that holds them was fsynced.
//!
//! The real server runs under `strace -f`, which records, in the order
//! they happened, every write to the write-ahead log (with its bytes),
//! every `fsync`/`fdatasync` and every write to a socket (with the answer's
//! bytes). Requests go one at a time, so everything the server writes for
//! request *k* comes after the answer to request *k − 1*. For each answer
//! the test finds the log write carrying the request's own marker text
//! (the comment's row, as inserted or as decided), then an fsync of the log
//! that began after that write had finished and ended before the answer
//! began to go out. Under `synchronous=NORMAL` there is no such fsync (the
//! log is synced at checkpoints only), and the test fails.

use crate::helpers::PASSWORD;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const STRACE: &str = "/usr/bin/strace";

/// `colloquy serve` under strace, stopped (by PID) when dropped.
struct Traced {
    strace: Child,
    trace: PathBuf,
    address: String,
}

impl Traced {
    fn start(dir: &Path) -> Self {
        assert!(
            Path::new(STRACE).exists(),
            "{STRACE} is missing: this test needs strace (Debian package `strace`; \
             scripts/test installs it) to see the server's fsyncs"
        );
        let trace = dir.join("trace.txt");
        let mut strace = Command::new(STRACE)
            .args(["-f", "-qq", "-yy", "-s", "65536"])
            .args([
                "-e",
                "trace=pwrite64,pwritev,write,writev,sendto,sendmsg,fsync,fdatasync",
            ])
            .arg("-o")
            .arg(&trace)
            .arg("--")
            .arg(env!("CARGO_BIN_EXE_colloquy"))
            .arg("serve")
            .current_dir(dir)
            .env("COLLOQUY_DATABASE", dir.join("c.db"))
            .env("COLLOQUY_BIND", "127.0.0.1:0")
            .env("COLLOQUY_RATE_LIMIT__ENABLED", "false")
            .env("COLLOQUY_LOG", "warn")
            .env_remove("COLLOQUY_CONFIG")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = strace.stdout.take().unwrap();
        // From here on the guard stops them, whatever happens.
        let mut traced = Self {
            strace,
            trace,
            address: String::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut address = None;
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            if let Some(rest) = line.split("listening on http://").nth(1) {
                address = Some(format!(
                    "http://{}",
                    rest.split_whitespace().next().unwrap()
                ));
            }
            if let (Some(address), true) = (&address, line.trim_start().starts_with("API:")) {
                traced.address = address.clone();
                return traced;
            }
            assert!(Instant::now() < deadline, "the server did not start");
        }
        panic!("the server under strace exited before listening");
    }

    /// The server's own PID: strace's child.
    fn server_pid(&self) -> Option<Pid> {
        let pid = self.strace.id();
        let children = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).ok()?;
        children
            .split_whitespace()
            .next()
            .and_then(|p| p.parse().ok())
            .map(Pid::from_raw)
    }

    /// Stops the server (by PID: SIGTERM, SIGKILL if it is still there
    /// after five seconds; strace then exits) and returns what strace
    /// recorded.
    fn finish(mut self) -> String {
        let server = self.server_pid();
        let mut signal = Signal::SIGTERM;
        let started = Instant::now();
        while self.strace.try_wait().unwrap().is_none() {
            if let Some(server) = server {
                let _ = kill(server, signal);
            }
            if started.elapsed() > Duration::from_secs(5) {
                signal = Signal::SIGKILL;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the traced server did not stop"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        std::fs::read_to_string(&self.trace).unwrap()
    }
}

impl Drop for Traced {
    fn drop(&mut self) {
        if self.strace.try_wait().ok().flatten().is_none() {
            if let Some(server) = self.server_pid() {
                let _ = kill(server, Signal::SIGKILL);
            }
            let _ = self.strace.kill();
            let _ = self.strace.wait();
        }
    }
}

/// One system call as strace recorded it: which line it began on and
/// which it ended on (the same unless another thread's call came between).
#[derive(Debug, Clone)]
struct Call {
    name: String,
    /// What the first argument's descriptor is (`/…/c.db-wal`, `TCP:[…]`).
    fd_path: String,
    /// The whole argument text, buffers included.
    args: String,
    began: usize,
    ended: usize,
}

/// Reads `strace -f -yy` output into calls, joining `<unfinished ...>`
/// lines with their `<... NAME resumed>` ends.
fn calls(trace: &str) -> Vec<Call> {
    let mut open: std::collections::HashMap<String, Call> = Default::default();
    let mut done = Vec::new();
    for (n, line) in trace.lines().enumerate() {
        let Some((pid, rest)) = line.trim_start().split_once(' ') else {
            continue;
        };
        let rest = rest.trim_start();
        if let Some(resumed) = rest.strip_prefix("<... ") {
            if let Some(mut call) = open.remove(pid) {
                call.ended = n;
                if let Some((_, tail)) = resumed.split_once(" resumed>") {
                    call.args.push_str(tail);
                }
                done.push(call);
            }
            continue;
        }
        let Some((name, args)) = rest.split_once('(') else {
            continue;
        };
        let fd_path = args
            .split_once('<')
            .and_then(|(_, p)| p.split_once(">,").or_else(|| p.split_once(">)")))
            .or_else(|| args.split_once('<').and_then(|(_, p)| p.split_once("> <")))
            .map(|(path, _)| path.to_owned())
            .unwrap_or_default();
        let call = Call {
            name: name.to_owned(),
            fd_path,
            args: args.to_owned(),
            began: n,
            ended: n,
        };
        if rest.ends_with("<unfinished ...>") {
            open.insert(pid.to_owned(), call);
        } else {
            done.push(call);
        }
    }
    done.sort_by_key(|c| c.began);
    done
}

fn is_log_write(c: &Call) -> bool {
    c.name.starts_with("pwrite") && c.fd_path.ends_with("c.db-wal")
}

fn is_log_sync(c: &Call) -> bool {
    matches!(c.name.as_str(), "fsync" | "fdatasync") && c.fd_path.ends_with("c.db-wal")
}

fn is_socket_write(c: &Call) -> bool {
    matches!(c.name.as_str(), "write" | "writev" | "sendto" | "sendmsg")
        && (c.fd_path.starts_with("TCP") || c.fd_path.starts_with("socket"))
}

/// What the server must have done for one answer.
struct Expect<'a> {
    what: String,
    /// The answer's status line.
    status: &'a str,
    /// Text in the answer's bytes.
    answer_has: String,
    /// Text the commit's log write carries.
    marker: &'a str,
}

/// Checks each answer, in order: its log write, then a completed fsync of
/// the log, then its bytes on the socket. Returns how many fsyncs it saw.
fn check_order(calls: &[Call], expected: &[Expect<'_>]) -> usize {
    let mut after = 0; // the line the previous answer began on
    for e in expected {
        let answer = calls
            .iter()
            .find(|c| {
                c.began > after
                    && is_socket_write(c)
                    && c.args.contains(e.status)
                    && c.args.contains(&e.answer_has)
            })
            .unwrap_or_else(|| panic!("{}: no answer on a socket in the trace", e.what));
        let written = calls
            .iter()
            .filter(|c| c.began > after && c.ended < answer.began)
            .rfind(|c| is_log_write(c) && c.args.contains(e.marker))
            .unwrap_or_else(|| {
                panic!(
                    "{}: the comment's row was not written to the WAL before the answer",
                    e.what
                )
            });
        let synced = calls
            .iter()
            .any(|c| is_log_sync(c) && c.began >= written.ended && c.ended < answer.began);
        assert!(
            synced,
            "{}: the answer (trace line {}) went out without an fsync of the WAL after \
             the commit's write (trace line {})",
            e.what,
            answer.began + 1,
            written.ended + 1
        );
        after = answer.began;
    }
    calls.iter().filter(|c| is_log_sync(c)).count()
}

fn add_admin(dir: &Path) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_colloquy"))
        .args([
            "moderator",
            "add",
            "boss",
            "--role",
            "admin",
            "--password-stdin",
        ])
        .current_dir(dir)
        .env("COLLOQUY_DATABASE", dir.join("c.db"))
        .env_remove("COLLOQUY_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn every_202_and_every_decisions_200_follows_an_fsync_of_its_commit() {
    let dir = tempfile::tempdir().unwrap();
    add_admin(dir.path());
    let server = Traced::start(dir.path());
    let api = |path: &str| format!("{}/api/v1{path}", server.address);
    let admin = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let me: Value = admin
        .post(api("/auth/login"))
        .json(&json!({"username": "boss", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let csrf = me["csrf_token"].as_str().unwrap().to_owned();
    let created = admin
        .post(api("/moderation/posts"))
        .header("X-CSRF-Token", &csrf)
        .json(&json!({"slug": "synced", "title": "Synced", "author": "Staff", "body": "Text."}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201, "{}", created.text().await.unwrap());

    let reader = reqwest::Client::new();
    let tag = rand_tag();
    let mut expected = Vec::new();
    let markers: Vec<String> = (0..4).map(|i| format!("fsyncmark{tag}n{i}")).collect();
    let mut ids = Vec::new();
    for marker in &markers {
        let answer = reader
            .post(api("/posts/synced/comments"))
            .json(&json!({"author_name": "Reader", "body": format!("Comment {marker} here.")}))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 202);
        let id = answer.json::<Value>().await.unwrap()["id"]
            .as_i64()
            .unwrap();
        ids.push(id);
        expected.push(Expect {
            what: format!("submission {marker}"),
            status: "HTTP/1.1 202",
            answer_has: format!("\\\"id\\\":{id},"),
            marker,
        });
    }
    for (i, (id, marker)) in ids.iter().zip(&markers).enumerate() {
        let (action, body) = if i % 2 == 0 {
            ("approve", json!({}))
        } else {
            ("reject", json!({"reason": "off-topic"}))
        };
        let answer = admin
            .post(api(&format!("/moderation/comments/{id}/{action}")))
            .header("X-CSRF-Token", &csrf)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200, "{}", answer.text().await.unwrap());
        expected.push(Expect {
            what: format!("{action} of {marker}"),
            status: "HTTP/1.1 200",
            answer_has: marker.clone(),
            marker,
        });
    }
    // Their kept-alive connections would hold the graceful stop open.
    drop((admin, reader));
    let trace = server.finish();
    let calls = calls(&trace);
    assert!(
        calls.iter().any(is_log_write),
        "strace recorded no write to the WAL: is the trace complete?"
    );
    let syncs = check_order(&calls, &expected);
    assert!(
        syncs >= expected.len(),
        "one fsync per answer at least, saw {syncs}"
    );
}

fn rand_tag() -> String {
    format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    )
}
