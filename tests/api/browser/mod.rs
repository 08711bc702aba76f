//! Real headless Chromium through chromedriver (Debian's `chromium` and
//! `chromium-driver`, which `.ci/run` installs). A missing browser fails
//! the test with instructions; it is never skipped.

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use socket2::{Domain, Socket, Type};
use std::io::{BufRead, BufReader, ErrorKind, Read};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, SemaphorePermit};

/// At most two browsers at once: the machine has two cores.
static SLOTS: Semaphore = Semaphore::const_new(2);

/// A chromedriver process group, killed (with its browser) on drop, even
/// when the test panics.
struct Driver {
    /// `None` once killed and reaped: its pid (and group id) may then
    /// belong to someone else.
    child: Option<Child>,
    port: u16,
}

/// How long chromedriver may take to say it listens.
const STARTUP: Duration = Duration::from_secs(60);

impl Driver {
    /// Starts chromedriver on a port reserved for it ([`reserve_port`]).
    ///
    /// Not `--port=0`: on Linux chromedriver then binds `[::1]:0`, gets a
    /// port that is free *for IPv6*, and binds `127.0.0.1` on the same
    /// number; when anything on the machine already holds that IPv4 port
    /// (our own test servers, another worktree's) it prints "IPv4 port
    /// not available. Exiting..." and exits before saying its port.
    fn start() -> Self {
        let (port, reservation) = reserve_port();
        let mut child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("chromedriver could not start ({e}); install Debian's chromium and chromium-driver (see .ci/run)"));
        // Both pipes are read to their end, for as long as the driver
        // lives, so that it never blocks on a full pipe or dies writing
        // to a closed one; what it said is kept for the panic message.
        let said = Arc::new(Mutex::new(Vec::new()));
        let (lines, heard) = mpsc::channel();
        let readers = [
            drain(child.stdout.take().unwrap(), said.clone(), Some(lines)),
            drain(child.stderr.take().unwrap(), said.clone(), None),
        ];
        let mut driver = Self {
            child: Some(child),
            port,
        };
        let ready = format!("started successfully on port {port}.");
        let deadline = Instant::now() + STARTUP;
        let outcome = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match heard.recv_timeout(left) {
                Ok(line) if line.contains(&ready) => break None,
                Ok(_) => {}
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    break Some(format!("did not say its port within {STARTUP:?}"));
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    break Some("exited without saying its port".to_owned());
                }
            }
        };
        drop(reservation);
        if let Some(failure) = outcome {
            let status = driver.stop();
            // Nothing else holds the pipes yet (no browser was started).
            for reader in readers {
                let _ = reader.join();
            }
            let said = said.lock().unwrap().join("\n");
            panic!("chromedriver --port={port} {failure} ({status:?}); it said:\n{said}");
        }
        driver
    }

    /// Kills the process group and reaps the driver, once: how it ended.
    fn stop(&mut self) -> Option<std::process::ExitStatus> {
        let mut child = self.child.take()?;
        // The driver leads its own process group (`process_group(0)`), so
        // this reaches the browser it started and nothing else; it is
        // not reaped yet, so the group id is still its own.
        if let Ok(pid) = i32::try_from(child.id()) {
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        child.wait().ok()
    }
}

/// Reads `pipe` line by line to its end: each line goes to `said` and,
/// while anyone listens, to `lines`.
fn drain(
    pipe: impl Read + Send + 'static,
    said: Arc<Mutex<Vec<String>>>,
    lines: Option<mpsc::Sender<String>>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut reader = BufReader::new(pipe);
        let mut line = Vec::new();
        while matches!(reader.read_until(b'\n', &mut line), Ok(n) if n > 0) {
            let text = String::from_utf8_lossy(&line).trim_end().to_owned();
            line.clear();
            if let Some(lines) = &lines {
                let _ = lines.send(text.clone());
            }
            let mut said = said.lock().unwrap();
            if said.len() < 200 {
                said.push(text);
            }
        }
    })
}

/// A port for chromedriver, held on both loopback addresses until it
/// has bound them itself: sockets bound with `SO_REUSEADDR` and not
/// listening, so that no `bind(0)` or `connect` on the machine is given
/// the port meanwhile, while chromedriver (whose sockets set
/// `SO_REUSEADDR` too) can still bind it. Without IPv6 on the host only
/// `127.0.0.1` is held (chromedriver then listens on IPv4 alone).
fn reserve_port() -> (u16, Vec<Socket>) {
    fn bound(address: SocketAddr) -> std::io::Result<Socket> {
        let socket = Socket::new(Domain::for_address(address), Type::STREAM, None)?;
        socket.set_reuse_address(true)?;
        socket.bind(&address.into())?;
        Ok(socket)
    }
    for _ in 0..100 {
        let v4 = bound((Ipv4Addr::LOCALHOST, 0).into()).unwrap();
        let port = v4.local_addr().unwrap().as_socket().unwrap().port();
        match bound((Ipv6Addr::LOCALHOST, port).into()) {
            Ok(v6) => return (port, vec![v4, v6]),
            // Taken on IPv6 by someone else: try another number.
            Err(e) if e.kind() == ErrorKind::AddrInUse => continue,
            // No IPv6 loopback here.
            Err(_) => return (port, vec![v4]),
        }
    }
    panic!("no port free on both 127.0.0.1 and [::1] in 100 tries");
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.stop();
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
    browser_with(javascript, &[]).await
}

/// Starts headless Chromium with more command-line flags (such as
/// `--host-resolver-rules`, to give the test server several host names).
pub async fn browser_with(javascript: bool, flags: &[&str]) -> Browser {
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
    if let Some(args) = options["args"].as_array_mut() {
        args.extend(flags.iter().map(|f| json!(f)));
    }
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
