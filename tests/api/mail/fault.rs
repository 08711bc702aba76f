//! The outbox survives what it must: the relay down while comments come
//! in, the server killed with SIGKILL, then both back — every message
//! arrives, and arrives once.

use super::smtp::Smtp;
use crate::helpers::TestDatabase;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server(Child);

impl Server {
    /// `colloquy serve` on `database` with mail to `smtp_url`; returns it
    /// and its address.
    fn start(database: &TestDatabase, smtp_url: &str) -> (Self, String) {
        let dir = database.dir();
        let log = std::fs::File::options()
            .create(true)
            .append(true)
            .open(dir.join("stderr.log"))
            .unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_colloquy"))
            .arg("serve")
            .current_dir(dir)
            .env("COLLOQUY_DATABASE", database.setting())
            .env("COLLOQUY_BIND", "127.0.0.1:0")
            .env("COLLOQUY_RATE_LIMIT__ENABLED", "false")
            .env("COLLOQUY_POSTS__AUTO_CREATE", "true")
            .env("COLLOQUY_MAIL__SMTP_URL", smtp_url)
            .env_remove("COLLOQUY_CONFIG")
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let server = Self(child);
        let deadline = Instant::now() + Duration::from_secs(30);
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
                return (server, address.clone());
            }
            assert!(Instant::now() < deadline, "server did not start");
        }
        panic!("server exited before listening");
    }

    /// SIGKILL, by PID.
    fn kill(mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn a_relay_outage_and_a_kill_9_lose_no_message_and_send_none_twice() {
    let database = TestDatabase::fresh();
    let mut smtp = Smtp::start();
    smtp.pause(); // The relay is down from the start.
    let (server, address) = Server::start(&database, &smtp.url());
    let client = reqwest::Client::new();
    // The page's own address starts the thread (posts.auto_create).
    let page = format!("{address}/threads/outage");
    const READERS: usize = 12;
    for i in 0..READERS {
        let answer = client
            .post(format!("{address}/api/v1/posts/outage/comments"))
            .json(&serde_json::json!({
                "author_name": format!("Reader {i}"),
                "email": format!("reader{i}@example.org"),
                "notify": true,
                "body": format!("Comment number {i} while the relay is down."),
                "post_url": page,
                "post_title": "An outage",
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 202, "{}", answer.text().await.unwrap());
    }
    // Let the sender try (and fail) at least once, then kill it mid-life.
    tokio::time::sleep(Duration::from_secs(2)).await;
    server.kill();
    smtp.resume();
    let (_server, _) = Server::start(&database, &smtp.url());
    // The failed tries are due again within the first back-off (20 s).
    let got = smtp.wait_for(READERS, 45).await;
    let mut recipients: Vec<String> = got.iter().map(|m| m.rcpt.clone()).collect();
    recipients.sort();
    let mut expected: Vec<String> = (0..READERS)
        .map(|i| format!("reader{i}@example.org"))
        .collect();
    expected.sort();
    assert_eq!(recipients, expected, "each reader's confirmation, once");
    assert_eq!(smtp.count_after(4).await, READERS, "and nothing twice");
}
