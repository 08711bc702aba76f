use crate::helpers::TestDatabase;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn colloquy(db: &TestDatabase) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_colloquy"));
    command
        .current_dir(db.dir())
        .env("COLLOQUY_DATABASE", db.setting())
        .env("COLLOQUY_BIND", "127.0.0.1:0")
        .env_remove("COLLOQUY_CONFIG");
    command
}

fn add(dir: &TestDatabase, user: &str, role: &str, password: &str) -> std::process::Output {
    let mut child = colloquy(dir)
        .args(["moderator", "add", user, "--role", role, "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A child that refused its arguments may have closed standard input
    // already; the exit status is what the tests look at.
    let _ = child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{password}\n").as_bytes());
    child.wait_with_output().unwrap()
}

#[test]
fn migrate_creates_the_database() {
    let dir = TestDatabase::fresh();
    let out = colloquy(&dir).arg("migrate").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    match dir.sqlite_file() {
        Some(file) => assert!(file.exists()),
        // The test's PostgreSQL database exists already (a copy of a
        // migrated template); `migrate` finds it up to date and it answers.
        None => assert!(
            colloquy::db::accounts::by_username(&mut dir.pool().get().unwrap(), "nobody")
                .unwrap()
                .is_none()
        ),
    }
}

#[test]
fn an_unreachable_postgres_database_is_a_clear_error_without_its_password_or_a_file() {
    let dir = TestDatabase::fresh();
    // Port 1 on the loopback: nothing listens there.
    for command in [&["migrate"][..], &["serve"][..]] {
        let out = colloquy(&dir)
            .env(
                "COLLOQUY_DATABASE",
                "postgres://blog:hunter2@127.0.0.1:1/colloquy",
            )
            .args(command)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{command:?} went on: {stderr}");
        assert!(
            stderr.contains("postgres://blog:***@127.0.0.1:1/colloquy"),
            "{stderr}"
        );
        assert!(!stderr.contains("hunter2"), "{stderr}");
        assert!(!String::from_utf8_lossy(&out.stdout).contains("hunter2"));
    }
    let left: Vec<_> = std::fs::read_dir(dir.dir()).unwrap().collect();
    assert!(left.is_empty(), "files were made: {left:?}");
}

#[test]
fn a_database_url_of_another_kind_is_refused_with_its_password_hidden() {
    let dir = TestDatabase::fresh();
    let out = colloquy(&dir)
        .env(
            "COLLOQUY_DATABASE",
            "mysql://blog:hunter2@127.0.0.1:1/colloquy",
        )
        .arg("migrate")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("mysql:// URL"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(dir.dir()).unwrap().collect();
    assert!(left.is_empty(), "files were made: {left:?}");
}

#[test]
fn moderator_add_reads_the_password_and_refuses_a_taken_name() {
    let dir = TestDatabase::fresh();
    let ok = add(&dir, "alice", "admin", "a long enough password");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let taken = add(&dir, "alice", "editor", "another long password");
    assert!(!taken.status.success());
    assert!(String::from_utf8_lossy(&taken.stderr).contains("taken"));
    let short = add(&dir, "bob", "moderator", "short");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least"));
    let bad_role = add(&dir, "carol", "overlord", "a long enough password");
    assert!(!bad_role.status.success());
}

/// Runs `colloquy moderator ARGS…` with `stdin` as its standard input.
fn moderator(dir: &TestDatabase, args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = colloquy(dir)
        .arg("moderator")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

fn stored_hash(dir: &TestDatabase, user: &str) -> (String, bool) {
    let pool = dir.pool();
    let account = colloquy::db::accounts::by_username(&mut pool.get().unwrap(), user)
        .unwrap()
        .unwrap();
    (account.password_hash, account.disabled)
}

#[test]
fn an_operator_lists_accounts_resets_a_password_and_disables_one() {
    let dir = TestDatabase::fresh();
    assert!(
        add(&dir, "alice", "admin", "the first long password")
            .status
            .success()
    );
    assert!(
        add(&dir, "bob", "moderator", "bob's long password")
            .status
            .success()
    );
    let list = moderator(&dir, &["list"], "");
    assert!(list.status.success());
    let listed = String::from_utf8_lossy(&list.stdout).to_string();
    let alice_line = listed.lines().find(|l| l.starts_with("alice")).unwrap();
    assert!(
        alice_line.contains("admin") && alice_line.contains("enabled"),
        "{listed}"
    );
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with("bob") && l.contains("moderator"))
    );
    assert!(!listed.contains("argon2"), "no password hash is printed");

    let reset = moderator(
        &dir,
        &["reset-password", "alice", "--password-stdin"],
        "a brand new long password\n",
    );
    assert!(
        reset.status.success(),
        "{}",
        String::from_utf8_lossy(&reset.stderr)
    );
    let (hash, _) = stored_hash(&dir, "alice");
    assert!(colloquy::domain::password::verify(
        "a brand new long password",
        &hash
    ));
    assert!(!colloquy::domain::password::verify(
        "the first long password",
        &hash
    ));
    let short = moderator(
        &dir,
        &["reset-password", "alice", "--password-stdin"],
        "short\n",
    );
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least"));
    let nobody = moderator(
        &dir,
        &["reset-password", "nobody", "--password-stdin"],
        "a long enough password\n",
    );
    assert!(!nobody.status.success());
    assert!(String::from_utf8_lossy(&nobody.stderr).contains("no account"));

    let disable = moderator(&dir, &["disable", "bob"], "");
    assert!(
        disable.status.success(),
        "{}",
        String::from_utf8_lossy(&disable.stderr)
    );
    assert!(stored_hash(&dir, "bob").1);
    let last_admin = moderator(&dir, &["disable", "alice"], "");
    assert!(!last_admin.status.success());
    assert!(
        String::from_utf8_lossy(&last_admin.stderr).contains("last enabled admin"),
        "{}",
        String::from_utf8_lossy(&last_admin.stderr)
    );
    assert!(!stored_hash(&dir, "alice").1);
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `serve` and returns it with every line printed up to the
/// listening address.
fn serve(dir: &TestDatabase, demo: bool) -> (Server, String, Vec<String>) {
    serve_with(dir, demo, &[])
}

/// Like [`serve`], with extra environment variables.
fn serve_with(
    dir: &TestDatabase,
    demo: bool,
    env: &[(&str, &str)],
) -> (Server, String, Vec<String>) {
    let mut command = colloquy(dir);
    command.arg("serve").envs(env.iter().copied());
    if demo {
        command.arg("--demo");
    }
    let log = std::fs::File::create(dir.dir().join("stderr.log")).unwrap();
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let server = Server(child);
    let mut lines = Vec::new();
    let mut address = None;
    let deadline = Instant::now() + Duration::from_secs(30);
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        lines.push(line.clone());
        if let Some(rest) = line.split("listening on http://").nth(1) {
            address = Some(rest.split_whitespace().next().unwrap().to_owned());
        }
        // The addresses follow the listening line, printed with it.
        if let (Some(address), true) = (&address, line.trim_start().starts_with("API:")) {
            return (server, address.clone(), lines);
        }
        assert!(Instant::now() < deadline, "server did not start");
    }
    panic!("server exited: {lines:?}");
}

#[tokio::test]
async fn serve_names_its_addresses_and_warns_of_nothing_a_reader_causes() {
    let dir = TestDatabase::fresh();
    let (server, address, lines) = serve(&dir, false);
    let printed = lines.join("\n");
    for wanted in [
        format!("blog:        http://{address}/"),
        format!("widget:      http://{address}/embed.js"),
        format!("moderators:  http://{address}/admin/"),
    ] {
        assert!(printed.contains(&wanted), "{wanted:?} in {printed}");
    }
    let favicon = reqwest::get(format!("http://{address}/favicon.ico"))
        .await
        .unwrap();
    assert_eq!(favicon.status(), 404);
    let me = reqwest::get(format!("http://{address}/api/v1/auth/me"))
        .await
        .unwrap();
    assert_eq!(me.status(), 401);
    drop(server);
    let log = std::fs::read_to_string(dir.dir().join("stderr.log")).unwrap();
    assert!(log.contains("ready"), "the log was written: {log}");
    assert!(!log.contains("WARN"), "{log}");
}

#[tokio::test]
async fn a_refused_cors_origin_is_logged_once_with_the_allowed_ones() {
    let dir = TestDatabase::fresh();
    let (server, address, _) = serve_with(
        &dir,
        false,
        &[("COLLOQUY_ALLOWED_ORIGINS", "https://blog.example")],
    );
    let client = reqwest::Client::new();
    for origin in [
        "http://localhost:4000",
        "http://localhost:4000",
        "https://blog.example",
    ] {
        let answer = client
            .get(format!("http://{address}/api/v1/counts?posts=a"))
            .header("Origin", origin)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
        let allowed = answer.headers().get("access-control-allow-origin");
        assert_eq!(
            allowed.is_some(),
            origin == "https://blog.example",
            "{origin}: {allowed:?}"
        );
    }
    drop(server);
    let log = std::fs::read_to_string(dir.dir().join("stderr.log")).unwrap();
    let warned: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("refused CORS origin"))
        .collect();
    assert_eq!(warned.len(), 1, "{log}");
    assert!(
        warned[0]
            .contains("refused CORS origin http://localhost:4000; allowed: https://blog.example"),
        "{}",
        warned[0]
    );
    assert!(warned[0].contains("WARN"));
}

#[tokio::test]
async fn serve_demo_fills_an_empty_database_once_and_prints_a_sign_in() {
    let dir = TestDatabase::fresh();
    let (server, address, lines) = serve(&dir, true);
    let printed = lines.join("\n");
    assert!(printed.contains("Sign in as  demo"), "{printed}");
    let password = printed
        .split("with password  ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let posts: serde_json::Value = reqwest::get(format!("http://{address}/api/v1/posts"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let count = posts["posts"].as_array().unwrap().len();
    assert!(count >= 3);
    let thread: serde_json::Value = reqwest::get(format!(
        "http://{address}/api/v1/posts/prison-reform-dialogue/comments"
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let has_official = thread["comments"].as_array().unwrap().iter().any(|c| {
        c["replies"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["kind"] == "official")
    });
    assert!(has_official);
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let login = client
        .post(format!("http://{address}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "demo", "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    drop(server);
    let (_again, address, lines) = serve(&dir, true);
    assert!(!lines.join("\n").contains("Sign in as"));
    let posts: serde_json::Value = reqwest::get(format!("http://{address}/api/v1/posts"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        posts["posts"].as_array().unwrap().len(),
        count,
        "a non-empty database is left alone"
    );
}

#[test]
fn serve_without_a_moderator_says_how_to_create_one() {
    let dir = TestDatabase::fresh();
    let (_server, _, lines) = serve(&dir, false);
    assert!(lines.join("\n").contains("colloquy moderator add"));
}

#[tokio::test]
async fn sigterm_lets_in_flight_submissions_finish_and_every_202_is_kept() {
    let dir = TestDatabase::fresh();
    let mut command = colloquy(&dir);
    command
        .env("COLLOQUY_RATE_LIMIT__ENABLED", "false")
        .args(["serve", "--demo"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = command.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut address = String::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(rest) = line.split("listening on http://").nth(1) {
            address = rest.split_whitespace().next().unwrap().to_owned();
            break;
        }
    }
    let url = format!("http://{address}/api/v1/posts/prison-reform-dialogue/comments");
    let client = reqwest::Client::new();
    let mut tasks = Vec::new();
    for i in 0..200 {
        let (task_client, url) = (client.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            let r = task_client
                .post(&url)
                .json(
                    &serde_json::json!({"author_name": "Load", "body": format!("submission {i}")}),
                )
                .send()
                .await
                .ok()?;
            if r.status() == 202 {
                r.json::<serde_json::Value>().await.ok()?["id"].as_i64()
            } else {
                None
            }
        }));
        if i == 100 {
            // Make sure the server is answering before it is asked to stop.
            let health = client
                .get(format!("http://{address}/healthz"))
                .send()
                .await
                .unwrap();
            assert_eq!(health.status(), 200);
            let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap());
            nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
        }
    }
    let mut acknowledged = Vec::new();
    for task in tasks {
        if let Some(id) = task.await.unwrap() {
            acknowledged.push(id);
        }
    }
    let exit = child.wait().unwrap();
    assert!(exit.success(), "graceful stop exits cleanly: {exit:?}");
    assert!(!acknowledged.is_empty());
    let pool = dir.pool();
    let mut conn = pool.get().unwrap();
    use colloquy::db::schema::comments;
    use diesel::prelude::*;
    let stored: Vec<i32> = comments::table
        .select(comments::id)
        .load(&mut conn)
        .unwrap();
    for id in acknowledged {
        assert!(
            stored.contains(&(id as i32)),
            "acknowledged comment {id} was lost"
        );
    }
}
