//! Webhook deliveries: a JSON POST of the stored body with
//! `X-Colloquy-Event`, `X-Colloquy-Delivery` (the item's id, the same on
//! every retry, for receivers that deduplicate) and
//! `X-Colloquy-Signature: sha256=HEX`. Any 2xx is delivered; anything else
//! is tried again. Redirects are not followed.

use crate::config::Settings;
use crate::db::outbox::Item;
use crate::domain::outbox::webhook_signature;
use std::time::Duration;

/// The HTTP client of every delivery.
#[derive(Debug, Clone)]
pub struct Hooks {
    agent: ureq::Agent,
}

/// What a try came to.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The receiver answered 2xx.
    Delivered,
    /// Try again later, for this reason.
    Retry(String),
    /// The webhook is no longer configured: nothing to send it to.
    Gone,
}

impl Hooks {
    /// A client with a `timeout` for the whole exchange.
    pub fn new(timeout: Duration) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(concat!("Colloquy/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Self { agent }
    }

    /// Delivers `item` to its webhook, signed with the configured secret.
    pub fn deliver(&self, item: &Item, settings: &Settings) -> Outcome {
        let Some(hook) = settings
            .webhooks
            .iter()
            .find(|h| h.url.trim() == item.recipient)
        else {
            return Outcome::Gone;
        };
        let body = item.payload.as_bytes();
        let answer = self
            .agent
            .post(hook.url.trim())
            .header("Content-Type", "application/json")
            .header("X-Colloquy-Event", &item.kind)
            .header("X-Colloquy-Delivery", item.id.to_string())
            .header(
                "X-Colloquy-Signature",
                webhook_signature(hook.secret.expose().as_bytes(), body),
            )
            .send(body);
        match answer {
            Ok(response) if response.status().is_success() => Outcome::Delivered,
            Ok(response) => Outcome::Retry(format!("the receiver answered {}", response.status())),
            Err(error) => Outcome::Retry(error.to_string()),
        }
    }
}
