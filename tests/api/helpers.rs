//! `spawn_app()` and one helper per endpoint.

use colloquy::config::Settings;
use colloquy::db::{self, Pool};
use colloquy::domain::password;
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use std::net::TcpListener;

pub use crate::test_database::TestDatabase;

/// The password every test account gets.
pub const PASSWORD: &str = "correct horse battery staple";

/// A running server and what a test needs to talk to it.
pub struct TestApp {
    /// The server's state, for tests that must reach inside (pools, cache).
    pub state: actix_web::web::Data<colloquy::state::AppState>,
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// `http://localhost:PORT`: the server's `public_url`, which links start with.
    pub public_url: String,
    /// The database, for checks that the API cannot make.
    pub pool: Pool,
    /// A client without cookies: a reader.
    pub reader: Client,
    /// Stops the server when the test ends.
    server: actix_web::dev::ServerHandle,
    /// Says when the server has stopped.
    stopped: std::sync::Mutex<std::sync::mpsc::Receiver<()>>,
    /// Where the data lives (a SQLite file, or a PostgreSQL database of
    /// its own when `COLLOQUY_TEST_POSTGRES` is set); last, so that it is
    /// removed after everything above has let go of it.
    pub database: TestDatabase,
}

/// The server's workers are threads of their own, each holding the state
/// (and so its pools), which outlive the test's runtime unless told to
/// stop: a finished test's pools would go on holding, or on PostgreSQL
/// retrying, connections to a database that is gone.
impl Drop for TestApp {
    fn drop(&mut self) {
        drop(self.server.stop(false));
        if let Ok(stopped) = self.stopped.lock() {
            let _ = stopped.recv_timeout(std::time::Duration::from_secs(10));
        }
    }
}

/// A signed-in moderator's client and CSRF token.
pub struct Moderator {
    /// Keeps the session cookie.
    pub client: Client,
    /// For `X-CSRF-Token`.
    pub csrf: String,
    /// Base URL.
    pub address: String,
}

/// Starts the app with rate limits off (tests that check limits turn them on).
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|s| s.rate_limit.enabled = false).await
}

/// Starts the app with settings changed by `configure`.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let database = TestDatabase::fresh();
    let mut settings = Settings {
        database: database.setting(),
        bind: "127.0.0.1:0".into(),
        pool_size: 4,
        workers: Some(2),
        ..Settings::default()
    };
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // As `serve` does, links name the port actually listened on; by the
    // name `localhost`, so that a test that no reader's address (also
    // 127.0.0.1) appears in public answers still means something.
    settings.public_url = Some(format!("http://localhost:{port}"));
    configure(&mut settings);
    let public_url = settings.public_url();
    let pool = db::connect(&db::Location::of(&settings.database), settings.pool_size).unwrap();
    let state =
        actix_web::web::Data::new(colloquy::state::AppState::new(pool.clone(), settings).unwrap());
    let server = colloquy::app::serve_state(listener, state.clone()).unwrap();
    let handle = server.handle();
    // On a runtime of its own, so that it still hears the stop sent from
    // `drop` while the test's runtime is winding down.
    let (done, stopped) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("test-server".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let _ = runtime.block_on(server);
            let _ = done.send(());
        })
        .unwrap();
    TestApp {
        state,
        address: format!("http://127.0.0.1:{port}"),
        public_url,
        pool,
        reader: Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        server: handle,
        stopped: std::sync::Mutex::new(stopped),
        database,
    }
}

impl TestApp {
    /// An API URL.
    pub fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.address)
    }

    /// Creates an account directly in the database.
    pub fn create_account(&self, username: &str, role: &str) {
        let hash = password::hash(PASSWORD).unwrap();
        let mut conn = self.pool.get().unwrap();
        db::accounts::create_moderator(
            &mut conn,
            username,
            &format!("{username} (display)"),
            role,
            &hash,
            0,
        )
        .unwrap();
    }

    /// Creates an account with `role` and signs it in.
    pub async fn signed_in(&self, role: &str) -> Moderator {
        let username = format!("{role}-{}", rand_suffix());
        self.create_account(&username, role);
        self.sign_in(&username, PASSWORD).await
    }

    /// Signs in; panics on failure.
    pub async fn sign_in(&self, username: &str, password: &str) -> Moderator {
        let client = Client::builder().cookie_store(true).build().unwrap();
        let response = client
            .post(self.url("/auth/login"))
            .json(&json!({ "username": username, "password": password }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "sign-in failed");
        let me: Value = response.json().await.unwrap();
        Moderator {
            client,
            csrf: me["csrf_token"].as_str().unwrap().to_owned(),
            address: self.address.clone(),
        }
    }

    /// Creates a post through the editor API and returns its slug.
    pub async fn post(&self, slug: &str) -> String {
        let editor = self.signed_in("editor").await;
        let response = editor
            .post(
                "/moderation/posts",
                &json!({ "slug": slug, "title": format!("Title of {slug}"), "author": "Staff", "body": "Some *text*." }),
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::CREATED,
            "{}",
            response.text().await.unwrap()
        );
        slug.to_owned()
    }

    /// Submits a comment as JSON.
    pub async fn submit(&self, slug: &str, body: &Value) -> Response {
        self.reader
            .post(self.url(&format!("/posts/{slug}/comments")))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// Submits a comment and returns its id; panics unless 202.
    pub async fn submit_ok(&self, slug: &str, name: &str, text: &str) -> i64 {
        let response = self
            .submit(slug, &json!({ "author_name": name, "body": text }))
            .await;
        assert_eq!(
            response.status(),
            StatusCode::ACCEPTED,
            "{}",
            response.text().await.unwrap()
        );
        response.json::<Value>().await.unwrap()["id"]
            .as_i64()
            .unwrap()
    }

    /// GETs a public path and returns status and JSON.
    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let response = self.reader.get(self.url(path)).send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// The public thread of a post.
    pub async fn thread(&self, slug: &str) -> Value {
        let (status, body) = self.get(&format!("/posts/{slug}/comments")).await;
        assert_eq!(status, StatusCode::OK);
        body
    }

    /// The ids of every item in a public thread, depth first.
    pub async fn public_ids(&self, slug: &str) -> Vec<i64> {
        fn walk(items: &Value, out: &mut Vec<i64>) {
            for item in items.as_array().unwrap() {
                out.push(item["id"].as_i64().unwrap());
                walk(&item["replies"], out);
            }
        }
        let mut out = Vec::new();
        walk(&self.thread(slug).await["comments"], &mut out);
        out
    }
}

impl Moderator {
    /// An API URL.
    pub fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.address)
    }

    /// A CSRF-carrying POST with a JSON body.
    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .header("X-CSRF-Token", &self.csrf)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// A CSRF-carrying PATCH.
    pub async fn patch(&self, path: &str, body: &Value) -> Response {
        self.client
            .patch(self.url(path))
            .header("X-CSRF-Token", &self.csrf)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// A GET returning the response itself.
    pub async fn get_response(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// A GET returning status and JSON.
    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let response = self.client.get(self.url(path)).send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Approves a comment; panics unless 200.
    pub async fn approve(&self, id: i64) -> Value {
        let response = self
            .post(&format!("/moderation/comments/{id}/approve"), &json!({}))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    /// Writes an official reply; panics unless 201.
    pub async fn reply(&self, slug: &str, parent: Option<i64>, text: &str) -> Value {
        let response = self
            .post(
                &format!("/moderation/posts/{slug}/replies"),
                &json!({ "body": text, "parent_id": parent }),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.unwrap()
    }

    /// The queue with a query string.
    pub async fn queue(&self, query: &str) -> Value {
        let (status, body) = self.get(&format!("/moderation/comments{query}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }
}

/// Asserts a problem+json response with `status`; returns its body.
pub async fn assert_problem(response: Response, status: u16) -> Value {
    assert_eq!(response.status().as_u16(), status, "unexpected status");
    let content_type = response
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], status);
    assert!(body["title"].is_string() && body["type"].is_string() && body["detail"].is_string());
    body
}

/// The fields a 422 names.
pub fn error_fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed).to_string()
}

/// Checks a conditional GET of `url` (RFC 9110 §13.1.2): its own ETag,
/// strong or weak, alone or in a list, and `*` alone get a 304 with no
/// body; other tags and malformed ones get the 200 again. Every answer
/// carries the ETag and the `repeated` headers of the first 200.
pub async fn assert_conditional_get(client: &Client, url: &str, repeated: &[&str]) {
    let first = client.get(url).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::OK, "{url}");
    let headers = first.headers().clone();
    let body = first.bytes().await.unwrap();
    assert!(!body.is_empty(), "{url}");
    let etag = headers["etag"].to_str().unwrap().to_owned();
    assert!(
        etag.starts_with('"') && etag.ends_with('"'),
        "{url}: a strong tag, {etag}"
    );
    let bare = etag.trim_matches('"');
    let current = [
        etag.clone(),
        format!("W/{etag}"),
        "*".to_owned(),
        format!("\"other\", W/{etag}"),
        format!("  {etag} ,\"other\""),
        format!("not-a-tag, {etag}"),
    ];
    let stale = [
        "\"other\"".to_owned(),
        "W/\"other\"".to_owned(),
        bare.to_owned(),
        format!("w/{etag}"),
        format!("\"{bare}x\""),
        "*, \"other\"".to_owned(),
    ];
    let cases = (current.iter().map(|v| (v, StatusCode::NOT_MODIFIED)))
        .chain(stale.iter().map(|v| (v, StatusCode::OK)));
    for (if_none_match, status) in cases {
        let r = client
            .get(url)
            .header("If-None-Match", if_none_match)
            .send()
            .await
            .unwrap();
        let case = format!("{url} If-None-Match: {if_none_match}");
        assert_eq!(r.status(), status, "{case}");
        for name in ["etag"].iter().chain(repeated) {
            assert_eq!(r.headers().get(*name), headers.get(*name), "{case}: {name}");
        }
        let got = r.bytes().await.unwrap();
        if status == StatusCode::OK {
            assert_eq!(got, body, "{case}");
        } else {
            assert!(got.is_empty(), "{case}: a 304 has no body");
        }
    }
}
