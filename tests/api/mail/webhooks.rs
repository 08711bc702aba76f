//! Webhooks against a real HTTP receiver on 127.0.0.1: which events are
//! sent, what a delivery carries and how it is signed, and how a failed
//! delivery is tried again.

use crate::helpers::{Moderator, TestApp, spawn_app_with};
use colloquy::config::{Secret, WEBHOOK_EVENTS, WebhookSettings};
use colloquy::domain::outbox::State;
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Sha256;
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One HTTP request as the receiver read it.
#[derive(Debug, Clone)]
struct Request {
    method: String,
    /// The request target: path and query.
    path: String,
    /// Names in lower case, in the order sent.
    headers: Vec<(String, String)>,
    /// The raw body, byte for byte.
    body: Vec<u8>,
    /// When it was read.
    at: Instant,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn event(&self) -> &str {
        self.header("x-colloquy-event").unwrap_or_default()
    }

    fn delivery(&self) -> &str {
        self.header("x-colloquy-delivery").unwrap_or_default()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("a UTF-8 body")
    }
}

/// What the receiver's threads share.
#[derive(Default)]
struct Shared {
    got: Mutex<Vec<Request>>,
    /// Statuses for the next requests, in turn; 200 once they are used up.
    answers: Mutex<VecDeque<u16>>,
    stop: AtomicBool,
}

/// A webhook receiver: HTTP/1.1 on a free port of 127.0.0.1, a thread per
/// connection (keep-alive honoured), bodies framed by `Content-Length`.
struct Receiver {
    port: u16,
    shared: Arc<Shared>,
}

impl Receiver {
    /// A receiver that answers 200 to everything.
    fn start() -> Self {
        Self::answering(&[])
    }

    /// A receiver whose first answers are `statuses`, and 200 after them
    /// (a 302 points to `/elsewhere`).
    fn answering(statuses: &[u16]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared {
            answers: Mutex::new(statuses.iter().copied().collect()),
            ..Shared::default()
        });
        let accepting = shared.clone();
        std::thread::Builder::new()
            .name(format!("webhook-receiver-{port}"))
            .spawn(move || {
                for stream in listener.incoming() {
                    if accepting.stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let serving = accepting.clone();
                    std::thread::spawn(move || {
                        let _ = serve(stream, &serving);
                    });
                }
            })
            .unwrap();
        Self { port, shared }
    }

    /// The address of `path` on this receiver.
    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Every request so far, oldest first.
    fn requests(&self) -> Vec<Request> {
        self.shared.got.lock().unwrap().clone()
    }

    /// Waits until `n` requests have arrived (or panics after `secs`).
    async fn wait_for(&self, n: usize, secs: u64) -> Vec<Request> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let got = self.requests();
            if got.len() >= n {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "{} of {n} deliveries after {secs} s: {:?}",
                got.len(),
                got.iter().map(Request::event).collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits `secs` and says how many requests arrived in all by then
    /// (for "nothing more is sent").
    async fn count_after(&self, secs: u64) -> usize {
        tokio::time::sleep(Duration::from_secs(secs)).await;
        self.requests().len()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wakes the accepting thread so that it sees `stop`.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Reads requests from one connection and answers each, until the client
/// closes it, asks to close it, or sends something this cannot read.
fn serve(stream: TcpStream, shared: &Shared) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || shared.stop.load(Ordering::SeqCst) {
            return Ok(());
        }
        let mut words = line.split_whitespace();
        let (Some(method), Some(path), Some("HTTP/1.1")) =
            (words.next(), words.next(), words.next())
        else {
            return Ok(());
        };
        let (method, path) = (method.to_owned(), path.to_owned());
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            let line = line.trim_end_matches(['\r', '\n']);
            if line.is_empty() {
                break;
            }
            let Some((name, value)) = line.split_once(':') else {
                return Ok(());
            };
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
        let header = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        let length: usize = header("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        let close = header("connection").is_some_and(|v| v.eq_ignore_ascii_case("close"));
        let status = shared.answers.lock().unwrap().pop_front().unwrap_or(200);
        shared.got.lock().unwrap().push(Request {
            method,
            path,
            headers,
            body,
            at: Instant::now(),
        });
        let (phrase, location) = match status {
            200 => ("OK", ""),
            302 => ("Found", "Location: /elsewhere\r\n"),
            500 => ("Internal Server Error", ""),
            _ => ("Status", ""),
        };
        write!(
            writer,
            "HTTP/1.1 {status} {phrase}\r\n{location}Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"
        )?;
        writer.flush()?;
        if close {
            return Ok(());
        }
    }
}

/// The secret of every hook in these tests (at least 16 characters).
const SECRET: &str = "dipnote-hook-secret-2012";

fn hook(url: String, events: &[&str]) -> WebhookSettings {
    WebhookSettings {
        url,
        secret: Secret::new(SECRET.to_owned()),
        events: events.iter().map(|e| (*e).to_owned()).collect(),
    }
}

async fn app_with_hooks(hooks: Vec<WebhookSettings>) -> TestApp {
    spawn_app_with(move |s| {
        s.rate_limit.enabled = false;
        s.webhooks = hooks;
    })
    .await
}

fn unhex(text: &str) -> Vec<u8> {
    assert!(
        text.len().is_multiple_of(2) && text.bytes().all(|b| b.is_ascii_hexdigit()),
        "hex: {text}"
    );
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

/// Whether `request` carries `X-Colloquy-Signature: sha256=HEX`, the
/// HMAC-SHA256 of its raw body under `secret` (checked as a receiver
/// should: in constant time).
fn signed_with(request: &Request, secret: &str) -> bool {
    let header = request
        .header("x-colloquy-signature")
        .expect("X-Colloquy-Signature");
    let hex = header.strip_prefix("sha256=").expect("sha256=HEX");
    assert_eq!(hex.len(), 64, "{header}");
    assert_eq!(hex, hex.to_ascii_lowercase(), "lower-case hex: {header}");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(&request.body);
    mac.verify_slice(&unhex(hex)).is_ok()
}

/// What every delivery is: a signed JSON POST to the configured address
/// whose event header and body agree.
fn assert_delivery(request: &Request, path: &str) {
    let event = request.event();
    assert_eq!(request.method, "POST", "{event}");
    assert_eq!(request.path, path, "{event}");
    assert!(
        request
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/json")),
        "{event}: {:?}",
        request.headers
    );
    assert_eq!(
        request.header("content-length"),
        Some(request.body.len().to_string().as_str()),
        "{event}"
    );
    assert!(
        request.delivery().parse::<u64>().is_ok(),
        "{event}: X-Colloquy-Delivery {:?}",
        request.header("x-colloquy-delivery")
    );
    assert!(
        request
            .header("user-agent")
            .is_some_and(|a| a.starts_with("Colloquy/")),
        "{event}"
    );
    assert!(signed_with(request, SECRET), "{event}: a valid signature");
    assert!(
        !signed_with(request, "another-secret-of-16+"),
        "{event}: the signature depends on the secret"
    );
    let body = request.json();
    assert_eq!(body["event"], event, "{event}: the body names its event");
    let at = body["at"].as_str().expect("at");
    assert!(
        at.len() == 20 && at.ends_with('Z') && at.as_bytes()[10] == b'T',
        "{event}: RFC 3339 UTC, {at}"
    );
    let comment = &body["comment"];
    assert!(comment["id"].is_i64(), "{event}: {comment}");
    for field in ["author_name", "body_html", "status", "kind", "post_slug"] {
        assert!(comment[field].is_string(), "{event}: {field} in {comment}");
    }
}

/// A reader's comment with an address, as the widget sends it.
async fn comment(app: &TestApp, slug: &str, name: &str, email: &str, text: &str) -> i64 {
    let response = app
        .submit(
            slug,
            &json!({"author_name": name, "author_location": "United States", "email": email,
                    "body": text, "notify": true, "lang": "en"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    response.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap()
}

async fn decide(moderator: &Moderator, id: i64, action: &str, body: &Value) {
    let response = moderator
        .post(&format!("/moderation/comments/{id}/{action}"), body)
        .await;
    assert_eq!(response.status(), StatusCode::OK, "{action} {id}");
}

async fn flag(app: &TestApp, id: i64) {
    let response = app
        .reader
        .post(app.url(&format!("/comments/{id}/flag")))
        .json(&json!({"reason": "This reads like an advertisement."}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
}

fn outbox(app: &TestApp, state: State) -> Vec<colloquy::db::outbox::Item> {
    let mut conn = app.pool.get().unwrap();
    colloquy::db::outbox::list(&mut conn, state, 100).unwrap()
}

#[tokio::test]
async fn every_event_arrives_once_signed_and_without_the_readers_address() {
    let receiver = Receiver::start();
    let app = app_with_hooks(vec![hook(
        receiver.url("/hooks/colloquy?source=dipnote"),
        &WEBHOOK_EVENTS,
    )])
    .await;
    let slug = app.post("consular-services").await;
    let moderator = app.signed_in("moderator").await;

    // Everything happens before the first delivery is looked at: each
    // payload is the comment as it stood at its event.
    let asked = comment(
        &app,
        &slug,
        "Dedric",
        "Dedric.Reader@Example.org",
        "When will the new visa appointment system open in **Lagos**?",
    )
    .await;
    decide(&moderator, asked, "approve", &json!({})).await;
    let off_topic = comment(
        &app,
        &slug,
        "Mari",
        "mari@example.net",
        "What about the football results?",
    )
    .await;
    decide(
        &moderator,
        off_topic,
        "reject",
        &json!({"reason": "off-topic"}),
    )
    .await;
    let junk = comment(
        &app,
        &slug,
        "Cheap Watches",
        "sales@watches.example",
        "Great post! Visit our shop for watches.",
    )
    .await;
    decide(&moderator, junk, "spam", &json!({})).await;
    flag(&app, asked).await;
    let reply = moderator
        .reply(
            &slug,
            Some(asked),
            "@ Dedric -- Appointments in Lagos open on 1 May.",
        )
        .await;
    let reply_id = reply["id"].as_i64().unwrap();

    let got = receiver.wait_for(8, 30).await;
    assert_eq!(receiver.count_after(2).await, 8, "nothing more: {got:?}");
    let got = receiver.requests();

    let mut seen: Vec<(String, i64, String)> = got
        .iter()
        .map(|r| {
            assert_delivery(r, "/hooks/colloquy?source=dipnote");
            let body = r.json();
            (
                r.event().to_owned(),
                body["comment"]["id"].as_i64().unwrap(),
                body["comment"]["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    seen.sort();
    let mut want: Vec<(String, i64, String)> = [
        ("comment.submitted", asked, "pending"),
        ("comment.approved", asked, "approved"),
        ("comment.submitted", off_topic, "pending"),
        ("comment.rejected", off_topic, "rejected"),
        ("comment.submitted", junk, "pending"),
        ("comment.spam", junk, "spam"),
        ("comment.flagged", asked, "approved"),
        ("reply.published", reply_id, "approved"),
    ]
    .into_iter()
    .map(|(e, id, s)| (e.to_owned(), id, s.to_owned()))
    .collect();
    want.sort();
    assert_eq!(seen, want, "one delivery per event");

    let deliveries: std::collections::HashSet<_> = got.iter().map(Request::delivery).collect();
    assert_eq!(deliveries.len(), 8, "each delivery has its own id");

    for r in &got {
        let text = r.text().to_lowercase();
        for address in [
            "dedric.reader@example.org",
            "mari@example.net",
            "sales@watches.example",
        ] {
            assert!(!text.contains(address), "{}: {text}", r.event());
        }
        assert!(!text.contains("ip_hash"), "{}: {text}", r.event());
        assert!(!text.contains("\"email\""), "{}: {text}", r.event());
    }

    let by_event = |event: &str| {
        got.iter()
            .map(Request::json)
            .find(|b| b["event"] == event)
            .unwrap()["comment"]
            .clone()
    };
    let approved = by_event("comment.approved");
    assert_eq!(approved["author_name"], "Dedric");
    assert_eq!(approved["author_location"], "United States");
    assert_eq!(approved["kind"], "reader");
    assert_eq!(approved["post_slug"], slug);
    assert!(
        approved["body_html"]
            .as_str()
            .unwrap()
            .contains("<strong>Lagos</strong>"),
        "{approved}"
    );
    assert!(
        approved["permalink"]
            .as_str()
            .unwrap()
            .ends_with(&format!("#comment-{asked}")),
        "{approved}"
    );
    assert_eq!(by_event("comment.rejected")["reason"], "off-topic");
    assert_eq!(by_event("comment.flagged")["flag_count"], 1);
    let official = by_event("reply.published");
    assert_eq!(official["kind"], "official");
    assert_eq!(official["author_name"], "DipNote Bloggers");
    assert_eq!(official["parent_id"], asked);

    assert!(
        outbox(&app, State::Due).is_empty() && outbox(&app, State::Failed).is_empty(),
        "everything was delivered"
    );
    assert_eq!(outbox(&app, State::Sent).len(), 8);
}

#[tokio::test]
async fn a_hook_gets_only_the_events_it_asked_for() {
    let approvals = Receiver::start();
    let submissions = Receiver::start();
    let app = app_with_hooks(vec![
        hook(approvals.url("/approved"), &["comment.approved"]),
        hook(submissions.url("/submitted"), &["comment.submitted"]),
    ])
    .await;
    let slug = app.post("embassy-hours").await;
    let id = comment(
        &app,
        &slug,
        "Dedric",
        "dedric@example.org",
        "Are the embassy's hours changing?",
    )
    .await;
    // The other hook's delivery shows the sender has been at work.
    let got = submissions.wait_for(1, 20).await;
    assert_eq!(got[0].event(), "comment.submitted");
    assert_delivery(&got[0], "/submitted");
    assert_eq!(approvals.count_after(2).await, 0, "no submission for it");

    let moderator = app.signed_in("moderator").await;
    decide(&moderator, id, "approve", &json!({})).await;
    let got = approvals.wait_for(1, 20).await;
    assert_eq!(got[0].event(), "comment.approved");
    assert_delivery(&got[0], "/approved");
    assert_eq!(got[0].json()["comment"]["id"], id);
    assert_eq!(approvals.count_after(2).await, 1);
    assert_eq!(submissions.requests().len(), 1, "no approval for the other");
}

#[tokio::test]
async fn a_failed_delivery_is_sent_again_the_same_after_the_back_off_and_then_no_more() {
    let receiver = Receiver::answering(&[500]);
    let app = app_with_hooks(vec![hook(receiver.url("/"), &["comment.submitted"])]).await;
    let slug = app.post("trade-talks").await;
    comment(
        &app,
        &slug,
        "Dedric",
        "dedric@example.org",
        "Will the talks resume in Geneva?",
    )
    .await;
    let first = receiver.wait_for(1, 20).await.remove(0);
    assert_delivery(&first, "/");

    // Recorded as failed once, due again about 20 s later.
    let waiting = due_after(&app, 1).await;
    assert!(
        waiting
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("500")),
        "{:?}",
        waiting.last_error
    );
    assert!(
        (19..=21).contains(&(waiting.next_attempt_at - waiting.created_at)),
        "first retry after 20 s: {waiting:?}"
    );

    let got = receiver.wait_for(2, 30).await;
    let again = &got[1];
    let gap = again.at - first.at;
    assert!(
        gap >= Duration::from_secs(18) && gap <= Duration::from_secs(25),
        "the retry came after {gap:?}"
    );
    assert_delivery(again, "/");
    assert_eq!(again.delivery(), first.delivery(), "the same delivery id");
    assert_eq!(again.body, first.body, "the same body, byte for byte");
    assert_eq!(
        again.header("x-colloquy-signature"),
        first.header("x-colloquy-signature")
    );

    // Answered 200 this time: sent, and never again.
    assert_eq!(receiver.count_after(3).await, 2);
    let sent = outbox(&app, State::Sent);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].attempts, 2);
    assert_eq!(sent[0].id.to_string(), first.delivery());
    assert!(outbox(&app, State::Due).is_empty());
}

#[tokio::test]
async fn with_no_hook_and_no_mail_the_outbox_stays_empty() {
    let app = spawn_app_with(|s| s.rate_limit.enabled = false).await;
    let slug = app.post("quiet-diplomacy").await;
    let moderator = app.signed_in("moderator").await;
    let first = comment(&app, &slug, "Dedric", "dedric@example.org", "One.").await;
    let second = comment(&app, &slug, "Mari", "mari@example.net", "Two.").await;
    let third = comment(&app, &slug, "Spam", "spam@example.com", "Three.").await;
    decide(&moderator, first, "approve", &json!({})).await;
    decide(
        &moderator,
        second,
        "reject",
        &json!({"reason": "off-topic"}),
    )
    .await;
    decide(&moderator, third, "spam", &json!({})).await;
    flag(&app, first).await;
    moderator.reply(&slug, Some(first), "Thank you.").await;
    let mut conn = app.pool.get().unwrap();
    assert_eq!(
        colloquy::db::outbox::counts(&mut conn).unwrap(),
        Vec::<(String, i64)>::new(),
        "nothing queued in any state"
    );
}

/// Waits until the outbox's only item due has been tried `attempts` times.
async fn due_after(app: &TestApp, attempts: i32) -> colloquy::db::outbox::Item {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let due = outbox(app, State::Due);
        if let [item] = due.as_slice()
            && item.attempts == attempts
        {
            return item.clone();
        }
        assert!(
            Instant::now() < deadline,
            "no item due after {attempts} tries: {due:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_same_event_twice_in_one_second_is_delivered_twice() {
    let receiver = Receiver::start();
    let app = spawn_app_with({
        let hooks = vec![hook(
            receiver.url("/"),
            &["comment.approved", "comment.rejected", "comment.flagged"],
        )];
        move |s| {
            s.rate_limit.enabled = false;
            // Two readers behind the blog's proxy.
            s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
            s.webhooks = hooks;
        }
    })
    .await;
    let slug = app.post("summit").await;
    let moderator = app.signed_in("moderator").await;
    let id = comment(
        &app,
        &slug,
        "Dedric",
        "dedric@example.org",
        "A fair summary.",
    )
    .await;
    decide(&moderator, id, "approve", &json!({})).await;
    for reader in ["203.0.113.7", "198.51.100.9"] {
        let response = app
            .reader
            .post(app.url(&format!("/comments/{id}/flag")))
            .header("X-Forwarded-For", reader)
            .json(&json!({"reason": "Misleading."}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::ACCEPTED);
    }
    // A moderator changes their mind, and back.
    decide(&moderator, id, "reject", &json!({"reason": "off-topic"})).await;
    decide(&moderator, id, "approve", &json!({})).await;

    receiver.wait_for(5, 20).await;
    assert_eq!(receiver.count_after(2).await, 5);
    let got: Vec<(String, Value)> = receiver
        .requests()
        .iter()
        .map(|r| {
            assert_delivery(r, "/");
            (r.event().to_owned(), r.json()["comment"].clone())
        })
        .collect();
    let events: Vec<&str> = got.iter().map(|(e, _)| e.as_str()).collect();
    assert_eq!(
        events,
        [
            "comment.approved",
            "comment.flagged",
            "comment.flagged",
            "comment.rejected",
            "comment.approved"
        ],
        "one delivery per event, in order"
    );
    assert_eq!(got[1].1["flag_count"], 1);
    assert_eq!(got[2].1["flag_count"], 2);
    assert_eq!(got[4].1["flag_count"], 0, "a decision clears the flags");
}

#[tokio::test]
async fn a_redirect_is_not_followed_but_tried_again_later() {
    let receiver = Receiver::answering(&[302]);
    let app = app_with_hooks(vec![hook(receiver.url("/hook"), &["comment.submitted"])]).await;
    let slug = app.post("moved").await;
    comment(&app, &slug, "Dedric", "dedric@example.org", "Hello.").await;
    let first = receiver.wait_for(1, 20).await.remove(0);
    assert_delivery(&first, "/hook");
    let waiting = due_after(&app, 1).await;
    assert!(
        waiting
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("302")),
        "{waiting:?}"
    );
    assert_eq!(receiver.count_after(2).await, 1, "/elsewhere is not asked");
}
