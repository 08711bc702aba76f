//! Mail and webhooks: off unless configured (no outbound connection of any
//! kind is made otherwise).

use super::Secret;
use serde::{Deserialize, Serialize};

/// Outgoing mail (`[mail]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct MailSettings {
    /// `smtp://host:port` (plain, for a local relay),
    /// `smtp://host:587?tls=required` (STARTTLS) or
    /// `smtps://user:pass@host:465` (TLS); unset: no mail at all.
    pub smtp_url: Option<Secret>,
    /// The sender of every message.
    pub from: String,
    /// At most one digest of waiting comments per moderator this often.
    pub digest_minutes: u32,
    /// Hours a confirmation link stays valid.
    pub confirm_hours: u32,
    /// Seconds the relay has to answer before an attempt counts as failed.
    pub timeout_secs: u64,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            smtp_url: None,
            from: "Colloquy <colloquy@localhost>".to_owned(),
            digest_minutes: 30,
            confirm_hours: 72,
            timeout_secs: 20,
        }
    }
}

impl MailSettings {
    /// Whether mail is configured.
    pub fn enabled(&self) -> bool {
        self.smtp_url
            .as_ref()
            .is_some_and(|url| !url.expose().trim().is_empty())
    }
}

/// What a webhook may be sent.
pub const WEBHOOK_EVENTS: [&str; 6] = [
    "comment.submitted",
    "comment.approved",
    "comment.rejected",
    "comment.spam",
    "comment.flagged",
    "reply.published",
];

/// One `[[webhooks]]` entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WebhookSettings {
    /// Where each delivery is POSTed.
    pub url: String,
    /// The HMAC-SHA256 key of `X-Colloquy-Signature`.
    pub secret: Secret,
    /// Which events it receives (of [`WEBHOOK_EVENTS`]).
    pub events: Vec<String>,
}

impl WebhookSettings {
    /// Why this entry cannot be used, if it cannot.
    pub fn problem(&self) -> Option<String> {
        let url = self.url.trim();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Some(format!(
                "webhook url {url:?} must start with http:// or https://"
            ));
        }
        if self.secret.expose().len() < 16 {
            return Some(format!(
                "webhook {url}: secret must have at least 16 characters"
            ));
        }
        if self.events.is_empty() {
            return Some(format!("webhook {url}: events is empty"));
        }
        self.events
            .iter()
            .find(|e| !WEBHOOK_EVENTS.contains(&e.as_str()))
            .map(|e| {
                format!(
                    "webhook {url}: unknown event {e:?} (known: {})",
                    WEBHOOK_EVENTS.join(", ")
                )
            })
    }
}

/// The first webhook address that two `[[webhooks]]` entries share: a
/// delivery names its receiver by address alone, so a second entry's
/// secret and events would never be used as written.
pub fn duplicate_webhook(hooks: &[WebhookSettings]) -> Option<&str> {
    hooks.iter().enumerate().find_map(|(i, hook)| {
        let url = hook.url.trim();
        hooks[..i]
            .iter()
            .any(|earlier| earlier.url.trim() == url)
            .then_some(url)
    })
}
