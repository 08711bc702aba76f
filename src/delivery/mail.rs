//! Messages over SMTP (lettre): one outbox item becomes one message with
//! a stable `Message-ID`, a plain-text and an HTML part, and — for every
//! message to a reader after the confirmation — `List-Unsubscribe` and
//! `List-Unsubscribe-Post` (RFC 8058).

use super::templates::{self, Rendered};
use crate::config::Settings;
use crate::db::outbox::Item;
use crate::domain::hex::hex;
use crate::domain::outbox::{MailKind, unsubscribe_code};
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{Message, SmtpTransport, Transport};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::time::Duration;

/// The relay, from `mail.smtp_url`.
pub struct Mailer {
    transport: SmtpTransport,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from).finish()
    }
}

impl Mailer {
    /// The relay `settings` name; `None` when mail is off.
    pub fn new(settings: &Settings) -> anyhow::Result<Option<Self>> {
        let Some(url) = settings
            .mail
            .smtp_url
            .as_ref()
            .filter(|_| settings.mail.enabled())
        else {
            return Ok(None);
        };
        let transport = SmtpTransport::from_url(url.expose().trim())
            .map_err(|e| anyhow::anyhow!("mail.smtp_url: {e}"))?
            .timeout(Some(Duration::from_secs(settings.mail.timeout_secs)))
            .build();
        let from = settings
            .mail
            .from
            .parse()
            .map_err(|e| anyhow::anyhow!("mail.from: {e}"))?;
        Ok(Some(Self { transport, from }))
    }

    /// Sends one message; the error says why the relay refused or could
    /// not be reached.
    pub fn send(&self, message: &Message) -> Result<(), String> {
        self.transport
            .send(message)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// The sender.
    pub fn from(&self) -> &Mailbox {
        &self.from
    }
}

/// Why an item cannot become a message (it is dropped, not retried).
#[derive(Debug)]
pub struct Unsendable(pub String);

/// The words of an item's payload and those every message has.
fn values<'a>(payload: &'a Value, settings: &Settings) -> HashMap<&'a str, String> {
    let mut values: HashMap<&str, String> = payload
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| {
                    let text = match v {
                        Value::String(s) => s.clone(),
                        Value::Null => String::new(),
                        other => other.to_string(),
                    };
                    (k.as_str(), text)
                })
                .collect()
        })
        .unwrap_or_default();
    values.insert("site", settings.public_url());
    values.insert("admin_url", format!("{}/admin/", settings.public_url()));
    values
}

/// The address the unsubscribe link of a message to subscriber `id` at
/// `email` points to.
pub fn unsubscribe_url(settings: &Settings, key: &[u8], id: i32, email: &str) -> String {
    format!(
        "{}/mail/unsubscribe?s={id}&c={}",
        settings.public_url(),
        unsubscribe_code(key, id, email)
    )
}

/// The message an outbox item stands for.
pub fn message(
    item: &Item,
    settings: &Settings,
    key: &[u8],
    from: &Mailbox,
) -> Result<Message, Unsendable> {
    let kind = MailKind::parse(&item.kind)
        .ok_or_else(|| Unsendable(format!("unknown kind of message {:?}", item.kind)))?;
    let payload: Value =
        serde_json::from_str(&item.payload).map_err(|e| Unsendable(format!("payload: {e}")))?;
    let lang = payload["lang"].as_str().unwrap_or("en").to_owned();
    let mut values = values(&payload, settings);
    let unsubscribe = payload["subscriber"]
        .as_i64()
        .and_then(|id| i32::try_from(id).ok())
        .map(|id| unsubscribe_url(settings, key, id, &item.recipient));
    if let Some(url) = &unsubscribe {
        values.insert("unsubscribe_url", url.clone());
    }
    let footer = unsubscribe.as_ref().map(|_| "footer");
    let lang = if kind == MailKind::Digest {
        "en"
    } else {
        &lang
    };
    let Rendered {
        subject,
        text,
        html,
    } = templates::render(lang, kind.as_str(), footer, &values)
        .ok_or_else(|| Unsendable(format!("no template {lang}/{}", kind.as_str())))?;
    let to: Mailbox = item
        .recipient
        .parse()
        .map_err(|e| Unsendable(format!("recipient: {e}")))?;
    let mut builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(subject)
        .message_id(Some(message_id(item, from)))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Auto-Submitted"),
            "auto-generated".to_owned(),
        ));
    if let Some(url) = unsubscribe {
        builder = builder
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{url}>"),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".to_owned(),
            ));
    }
    builder
        .multipart(MultiPart::alternative_plain_html(text, html))
        .map_err(|e| Unsendable(format!("message: {e}")))
}

/// A `Message-ID` that names the item's event and recipient, so a retry
/// after a crash carries the same one (a relay or reader can tell it is
/// the same message).
fn message_id(item: &Item, from: &Mailbox) -> String {
    let digest = Sha256::digest(item.dedupe_key.as_bytes());
    format!("<colloquy.{}@{}>", hex(&digest[..12]), from.email.domain())
}
