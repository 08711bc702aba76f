//! A real SMTP server for the mail tests: Python's aiosmtpd (Debian's
//! `python3-aiosmtpd`, which `scripts/test` installs), started on a free
//! port of 127.0.0.1 in its own process group, delivering into a Maildir
//! that the tests read.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// One message as received.
#[derive(Debug, Clone)]
pub struct Received {
    /// The raw message.
    pub raw: Vec<u8>,
    /// The envelope's recipient (aiosmtpd's `X-RcptTo`).
    pub rcpt: String,
}

impl Received {
    fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(&self.raw)
            .expect("a message that parses")
    }

    /// The decoded subject.
    pub fn subject(&self) -> String {
        self.parsed().subject().unwrap_or_default().to_owned()
    }

    /// The decoded plain-text part.
    pub fn text(&self) -> String {
        self.parsed()
            .body_text(0)
            .map(|t| t.into_owned())
            .unwrap_or_default()
    }

    /// The decoded HTML part.
    pub fn html(&self) -> String {
        self.parsed()
            .body_html(0)
            .map(|t| t.into_owned())
            .unwrap_or_default()
    }

    /// A header's raw value, trimmed.
    pub fn header(&self, name: &str) -> Option<String> {
        self.parsed()
            .header_raw(name.to_owned())
            .map(|v| v.trim().to_owned())
    }

    /// The first `http(s)://` link in the text that starts with `prefix`.
    pub fn link(&self, prefix: &str) -> Option<String> {
        self.text()
            .split_whitespace()
            .find(|w| w.starts_with(prefix))
            .map(str::to_owned)
    }
}

/// The running server.
pub struct Smtp {
    /// Its port on 127.0.0.1.
    pub port: u16,
    maildir: PathBuf,
    child: Option<Child>,
    _dir: tempfile::TempDir,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Smtp {
    /// Starts the server on a free port.
    pub fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut smtp = Self {
            port: free_port(),
            maildir: dir.path().join("maildir"),
            child: None,
            _dir: dir,
        };
        smtp.resume();
        smtp
    }

    /// `smtp://127.0.0.1:PORT`, for `mail.smtp_url`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Starts (again) on the same port and Maildir.
    pub fn resume(&mut self) {
        assert!(self.child.is_none(), "already running");
        let child = Command::new("/usr/bin/python3")
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{}", self.port))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&self.maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("aiosmtpd could not start ({e}); install Debian's python3-aiosmtpd (scripts/test does)")
            });
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "aiosmtpd did not listen on {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the server (by its PID); what it received stays readable.
    pub fn pause(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Vec<Received> {
        let Ok(entries) = std::fs::read_dir(self.maildir.join("new")) else {
            return Vec::new();
        };
        let mut files: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        files.sort_by_key(|p| {
            std::fs::metadata(p)
                .and_then(|m| m.modified())
                .unwrap_or(std::time::SystemTime::UNIX_EPOCH)
        });
        files
            .into_iter()
            .filter_map(|p| std::fs::read(p).ok())
            .map(|raw| {
                let rcpt = String::from_utf8_lossy(&raw)
                    .lines()
                    .find_map(|l| l.strip_prefix("X-RcptTo: ").map(str::to_owned))
                    .unwrap_or_default();
                Received { raw, rcpt }
            })
            .collect()
    }

    /// Waits until `n` messages have arrived (or panics after `secs`).
    pub async fn wait_for(&self, n: usize, secs: u64) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let got = self.messages();
            if got.len() >= n {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "{} of {n} messages after {secs} s",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits `secs` and says how many messages arrived in all by then
    /// (for "nothing more is sent").
    pub async fn count_after(&self, secs: u64) -> usize {
        tokio::time::sleep(Duration::from_secs(secs)).await;
        self.messages().len()
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        self.pause();
    }
}
