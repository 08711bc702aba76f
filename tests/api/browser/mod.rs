//! Real headless Chromium through chromedriver (Debian's `chromium` and
//! `chromium-driver`, which `.ci/run` installs). A missing browser fails
//! the test with instructions; it is never skipped.

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, SemaphorePermit};

/// At most two browsers at once: the machine has two cores.
static SLOTS: Semaphore = Semaphore::const_new(2);

/// A chromedriver process group, killed (with its browser) on drop, even
/// when the test panics.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    fn start() -> Self {
        let mut child = Command::new("chromedriver")
            .arg("--port=0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("chromedriver could not start ({e}); install Debian's chromium and chromium-driver (see .ci/run)"));
        let stdout = child.stdout.take().unwrap();
        let mut driver = Self { child, port: 0 };
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            if let Some(rest) = line.split("started successfully on port ").nth(1) {
                driver.port = rest.trim_end_matches('.').trim().parse().unwrap();
                return driver;
            }
        }
        panic!("chromedriver exited without saying its port");
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The driver leads its own process group (`process_group(0)`), so
        // this reaches the browser it started and nothing else.
        if let Ok(pid) = i32::try_from(self.child.id()) {
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        let _ = self.child.wait();
    }
}

/// A browser session; everything is torn down on drop.
pub struct Browser {
    /// The WebDriver client.
    pub client: Client,
    _profile: tempfile::TempDir,
    _driver: Driver,
    _slot: SemaphorePermit<'static>,
}

/// Starts headless Chromium, with JavaScript on or off.
pub async fn browser(javascript: bool) -> Browser {
    let slot = SLOTS.acquire().await.unwrap();
    let driver = Driver::start();
    let profile = tempfile::tempdir().unwrap();
    let mut options = json!({
        "binary": "/usr/bin/chromium",
        "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
            "--window-size=1000,1400",
            format!("--user-data-dir={}", profile.path().display()),
        ],
    });
    if !javascript {
        options["prefs"] = json!({ "profile.managed_default_content_settings.javascript": 2 });
    }
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("goog:chromeOptions".into(), options);
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a WebDriver session");
    Browser {
        client,
        _profile: profile,
        _driver: driver,
        _slot: slot,
    }
}

impl Browser {
    /// Runs a script and returns its result.
    pub async fn eval(&self, script: &str) -> Value {
        self.client.execute(script, vec![]).await.unwrap()
    }

    /// Polls `script` until it returns something truthy; panics after 10 s
    /// with `what`.
    pub async fn wait_for(&self, what: &str, script: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let value = self.eval(script).await;
            let truthy = !matches!(value, Value::Null | Value::Bool(false))
                && value != json!("")
                && value != json!(0);
            if truthy {
                return value;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits for the widget in `#colloquy-thread` to finish loading.
    pub async fn widget_ready(&self) {
        self.wait_for(
            "the widget to render",
            "const s = document.querySelector('#colloquy-thread'); const r = s && s.shadowRoot && s.shadowRoot.querySelector('.colloquy'); return r && r.dataset.state === 'ready';",
        )
        .await;
    }

    /// An element inside the widget's shadow root.
    pub async fn in_widget(&self, css: &str) -> Element {
        let host = self
            .client
            .find(Locator::Css("#colloquy-thread"))
            .await
            .unwrap();
        let root = host.shadow_root().await.unwrap();
        root.find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} not found in the widget: {e}"))
    }

    /// Evaluates `expression` with `root` bound to the widget's shadow root.
    pub async fn widget_eval(&self, expression: &str) -> Value {
        self.eval(&format!(
            "const root = document.querySelector('#colloquy-thread').shadowRoot; return ({expression});"
        ))
        .await
    }
}

/// A page served from a second origin (another port), like a blog page
/// that embeds the widget. Its HTML can be set after the comment server is
/// started, since each needs the other's address.
pub struct HostPage {
    /// `http://127.0.0.1:PORT`.
    pub origin: String,
    html: std::sync::Arc<std::sync::Mutex<String>>,
}

impl HostPage {
    /// Starts serving (an empty page until [`HostPage::set`]).
    pub fn start() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let origin = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let html = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let served = html.clone();
        std::thread::spawn(move || {
            use std::io::{Read, Write};
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let mut buf = [0u8; 8192];
                let _ = stream.read(&mut buf);
                let body = served.lock().unwrap().clone();
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{}",
                    body.len(),
                    body
                );
                let _ = stream.write_all(response.as_bytes());
            }
        });
        Self { origin, html }
    }

    /// Sets the page's HTML.
    pub fn set(&self, html: String) {
        *self.html.lock().unwrap() = html;
    }
}

/// The blog page an editor would write: the embed snippet, as API.md gives it.
pub fn blog_page(server: &str, slug: &str, section_attributes: &str, extra: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Blog</title>\
         <style>article{{color:red}} .colloquy-comment{{display:none}}</style></head><body>\
         <h1>A post</h1>{extra}\
         <section id=\"colloquy-thread\" data-post=\"{slug}\" {section_attributes}></section>\
         <script src=\"{server}/embed.js\" defer></script></body></html>"
    )
}
