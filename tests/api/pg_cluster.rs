//! The real parts of the PostgreSQL tests: a throwaway cluster from
//! `scripts/postgres.sh` (Debian's PostgreSQL on a free loopback port,
//! stopped and removed when dropped), `colloquy serve` processes over it
//! (killed by PID when dropped), and a moderator's client whose session
//! reaches every instance.

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const PASSWORD: &str = "correct horse battery staple";

/// A throwaway cluster; stopped (its data removed) when dropped.
pub struct Cluster {
    dir: PathBuf,
    pub url: String,
    _keep: tempfile::TempDir,
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/postgres.sh")
}

impl Cluster {
    pub fn start() -> Self {
        let keep = tempfile::tempdir().unwrap();
        let dir = keep.path().join("pg");
        let out = Command::new(script())
            .arg("start")
            .arg(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "scripts/postgres.sh start failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let url = String::from_utf8(out.stdout).unwrap().trim().to_owned();
        assert!(url.starts_with("postgres://"), "{url}");
        Self {
            dir,
            url,
            _keep: keep,
        }
    }

    /// `colloquy moderator add NAME --role ROLE`, password on stdin.
    pub fn add_account(&self, name: &str, role: &str) {
        add_account(&self.url, name, role);
    }

    pub fn db(&self) -> colloquy::db::PooledConn {
        let place = colloquy::db::Location::Postgres(self.url.clone());
        colloquy::db::connect(&place, 1).unwrap().get().unwrap()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new(script()).arg("stop").arg(&self.dir).status();
    }
}

/// `colloquy moderator add NAME --role ROLE` on `database` (a SQLite path
/// or a URL), the password [`PASSWORD`] on stdin.
pub fn add_account(database: &str, name: &str, role: &str) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_colloquy"))
        .args(["moderator", "add", name, "--role", role, "--password-stdin"])
        .env("COLLOQUY_DATABASE", database)
        .env_remove("COLLOQUY_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// One `colloquy serve` process; killed (by PID) when dropped.
pub struct Instance {
    pub child: Child,
    pub address: String,
}

impl Instance {
    /// A server on the cluster's database.
    pub fn start(cluster: &Cluster, log: &Path, env: &[(&str, &str)]) -> Self {
        Self::serve(&cluster.url, log, env)
    }

    /// A server on `database`: a SQLite path or a URL.
    pub fn serve(database: &str, log: &Path, env: &[(&str, &str)]) -> Self {
        let log = std::fs::File::create(log).unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_colloquy"));
        command
            .arg("serve")
            .env("COLLOQUY_DATABASE", database)
            .env("COLLOQUY_BIND", "127.0.0.1:0")
            .env("COLLOQUY_WORKERS", "2")
            .env_remove("COLLOQUY_CONFIG")
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log));
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        // Owned at once, so that it is killed whatever happens next.
        let mut instance = Self {
            child,
            address: String::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            if let Some(rest) = line.split("listening on http://").nth(1) {
                instance.address = format!("http://{}", rest.split_whitespace().next().unwrap());
            }
            if !instance.address.is_empty() && line.trim_start().starts_with("API:") {
                return instance;
            }
            assert!(Instant::now() < deadline, "server did not start");
        }
        panic!("server exited before listening");
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.address)
    }

    /// A reader's comment on post `slug`, sent by `reader`: the answer.
    pub async fn submit(&self, reader: &Client, slug: &str, body: &Value) -> reqwest::Response {
        reader
            .post(self.url(&format!("/posts/{slug}/comments")))
            .json(body)
            .send()
            .await
            .unwrap()
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A moderator's client: its cookie store sends the session to any port
/// of 127.0.0.1, so the one session reaches both instances.
pub struct Staff {
    pub client: Client,
    pub csrf: String,
}

impl Staff {
    pub async fn sign_in(on: &Instance, name: &str) -> Self {
        Self::sign_in_at(&on.url(""), name).await
    }

    /// Signs in through `api`: the `…/api/v1` base of an instance or of a
    /// balancer in front of several.
    pub async fn sign_in_at(api: &str, name: &str) -> Self {
        let client = Client::builder().cookie_store(true).build().unwrap();
        let response = client
            .post(format!("{api}/auth/login"))
            .json(&json!({ "username": name, "password": PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let me: Value = response.json().await.unwrap();
        Self {
            client,
            csrf: me["csrf_token"].as_str().unwrap().to_owned(),
        }
    }

    pub async fn post(&self, on: &Instance, path: &str, body: &Value) -> reqwest::Response {
        self.post_to(&on.url(path), body).await
    }

    /// A state-changing request to the full `url`, with the CSRF header.
    pub async fn post_to(&self, url: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(url)
            .header("X-CSRF-Token", &self.csrf)
            .json(body)
            .send()
            .await
            .unwrap()
    }
}
