//! Mail and webhooks, against a real SMTP server process and a real HTTP
//! receiver.

mod fault;
mod forms;
mod moderators;
mod readers;
pub mod smtp;
mod webhooks;

use crate::helpers::{TestApp, spawn_app_with};

/// A server whose mail goes to `smtp` (rate limits off).
pub async fn app_with_mail(smtp: &smtp::Smtp) -> TestApp {
    let url = smtp.url();
    spawn_app_with(move |s| {
        s.rate_limit.enabled = false;
        s.mail.smtp_url = Some(colloquy::config::Secret::new(url));
        s.mail.from = "DipNote comments <comments@blog.example>".into();
    })
    .await
}
