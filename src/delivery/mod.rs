//! The sender: a background thread that takes due outbox items (a lease,
//! so that of several processes exactly one sends each), sends them — mail
//! over SMTP, webhooks over HTTP — and marks them sent, or failed to be
//! tried again after a back-off (20 s, doubling, at most an hour; given up
//! after a dozen tries and shown to admins). It also queues the moderators'
//! digest. It runs only when mail or a webhook is configured: otherwise the
//! server makes no outbound connection at all.
//!
//! A message the relay accepted is marked sent at once; a crash in between
//! the two (a few microseconds) would send it again after the lease ends,
//! with the same `Message-ID` (webhooks: the same `X-Colloquy-Delivery`),
//! so that it can be recognised as the same.

pub mod mail;
pub mod templates;
pub mod webhook;

use crate::config::Settings;
use crate::db::Pool;
use crate::db::outbox::{self as outbox_db, Item};
use crate::db::subscribers as subscribers_db;
use crate::db::writer::Activity;
use crate::domain::outbox::{Channel, MailKind, State};
use crate::domain::time::now;
use crate::service::notify;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

/// How often due items are looked for.
const POLL: Duration = Duration::from_millis(500);
/// The pause between two full batches while readers' submissions flow
/// (the writer committed since the last batch): the writer gets the write
/// lock first, and the sender still moves `BATCH` items per pause (500 a
/// second), so a flood delays deliveries by seconds, never stops them.
const YIELD: Duration = Duration::from_millis(200);
/// How often the digest is considered.
const DIGEST_CHECK: Duration = Duration::from_secs(5);
/// How long a sender holds the items it took.
const LEASE_SECS: i64 = 120;
/// A try is not started this close to the end of its lease (a try takes
/// at most `mail.timeout_secs`, 20 s by default).
const LEASE_MARGIN_SECS: i64 = 30;
/// Items taken at once: under a flood of events the sender runs batch
/// after batch, and each batch costs two write transactions (the claim,
/// and the failures), so a larger batch takes the write lock from readers'
/// submissions less often. A batch of mail is sent one message at a time
/// within its lease (a try is abandoned past `LEASE_SECS - LEASE_MARGIN_SECS`).
const BATCH: i64 = 100;

/// Everything one sender needs.
pub struct Sender {
    pool: Pool,
    settings: Arc<Settings>,
    key: Vec<u8>,
    owner: String,
    mailer: Option<mail::Mailer>,
    hooks: webhook::Hooks,
    writer: Option<Activity>,
}

impl std::fmt::Debug for Sender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sender")
            .field("owner", &self.owner)
            .finish()
    }
}

impl Sender {
    /// The sender `settings` configure; `None` when neither mail nor a
    /// webhook is. `key` signs unsubscribe links.
    pub fn new(pool: Pool, settings: Arc<Settings>, key: Vec<u8>) -> anyhow::Result<Option<Self>> {
        let mailer = mail::Mailer::new(&settings)?;
        if mailer.is_none() && settings.webhooks.is_empty() {
            return Ok(None);
        }
        let owner = format!(
            "{}:{}:{}",
            std::process::id(),
            now(),
            crate::domain::hex::hex(&rand::random::<[u8; 4]>())
        );
        Ok(Some(Self {
            hooks: webhook::Hooks::new(Duration::from_secs(settings.mail.timeout_secs)),
            pool,
            settings,
            key,
            owner,
            mailer,
            writer: None,
        }))
    }

    /// Yields to this process's writer while it is busy (see [`YIELD`]).
    pub fn yielding_to(mut self, writer: Activity) -> Self {
        self.writer = Some(writer);
        self
    }

    /// The channels this sender serves.
    fn channels(&self) -> Vec<&'static str> {
        let mut channels = Vec::with_capacity(2);
        if self.mailer.is_some() {
            channels.push(Channel::Mail.as_str());
        }
        if !self.settings.webhooks.is_empty() {
            channels.push(Channel::Webhook.as_str());
        }
        channels
    }

    /// Sends what is due now; returns how many items it took.
    pub fn send_due(&self) -> anyhow::Result<usize> {
        let mut conn = self.pool.get()?;
        let items = outbox_db::claim_due(
            &mut conn,
            &self.channels(),
            &self.owner,
            now(),
            LEASE_SECS,
            BATCH,
        )?;
        // What did not go is written once for the batch: one write
        // transaction rather than one per item keeps a failing receiver
        // from taking the write lock from readers' submissions twenty
        // times a poll. A sent item is marked at once (the exactly-once
        // window stays one item wide).
        let mut not_sent: Vec<(&Item, Option<String>)> = Vec::new();
        for item in &items {
            // A slow relay or receiver must not outlast the lease: the
            // items left are another sender's (or this one's) next time.
            if item
                .lease_until
                .is_some_and(|until| now() >= until - LEASE_MARGIN_SECS)
            {
                break;
            }
            match self.try_one(&mut conn, item)? {
                Ok(()) => {
                    outbox_db::mark_sent(&mut conn, item.id, &self.owner, now())?;
                    tracing::info!(item = item.id, kind = %item.kind, channel = %item.channel, "outbox item sent");
                }
                Err(why) => not_sent.push((item, why)),
            }
        }
        if !not_sent.is_empty() {
            self.record_not_sent(&mut conn, &not_sent)?;
        }
        Ok(items.len())
    }

    /// One try: `Ok` sent, `Err(Some(why))` to retry, `Err(None)` to drop.
    fn try_one(
        &self,
        conn: &mut crate::db::DbConn,
        item: &Item,
    ) -> anyhow::Result<Result<(), Option<String>>> {
        Ok(match Channel::parse(&item.channel) {
            Some(Channel::Mail) => self.mail(conn, item)?,
            Some(Channel::Webhook) => match self.hooks.deliver(item, &self.settings) {
                webhook::Outcome::Delivered => Ok(()),
                webhook::Outcome::Retry(why) => Err(Some(why)),
                webhook::Outcome::Gone => Err(None),
            },
            None => Err(None),
        })
    }

    /// Failed tries (backed off, or given up on) and drops, in one write.
    fn record_not_sent(
        &self,
        conn: &mut crate::db::DbConn,
        not_sent: &[(&Item, Option<String>)],
    ) -> anyhow::Result<()> {
        let at = now();
        let states = crate::db::write(conn, |conn| {
            not_sent
                .iter()
                .map(|(item, why)| match why {
                    Some(why) => outbox_db::mark_failed(conn, item.id, &self.owner, why, at),
                    None => outbox_db::mark_dropped(conn, item.id, "nothing to send it to")
                        .map(|_| State::Dropped),
                })
                .collect::<diesel::QueryResult<Vec<State>>>()
        })?;
        for ((item, why), state) in not_sent.iter().zip(states) {
            let why = why.as_deref().unwrap_or("nothing to send it to");
            match state {
                State::Failed => {
                    tracing::warn!(item = item.id, kind = %item.kind, error = %why, "outbox item given up on");
                }
                State::Dropped => {
                    tracing::info!(item = item.id, kind = %item.kind, why = %why, "outbox item dropped");
                }
                _ => {
                    tracing::info!(item = item.id, kind = %item.kind, error = %why, "outbox item will be tried again");
                }
            }
        }
        Ok(())
    }

    /// Sends one message: `Ok(Ok)` sent, `Ok(Err(Some))` to retry,
    /// `Ok(Err(None))` to drop (unsubscribed since, or unsendable).
    fn mail(
        &self,
        conn: &mut crate::db::DbConn,
        item: &Item,
    ) -> anyhow::Result<Result<(), Option<String>>> {
        let Some(mailer) = &self.mailer else {
            return Ok(Err(Some("mail is off".into())));
        };
        // An address that unsubscribed after this was queued gets nothing;
        // a notifier need not be a subscriber, but one that unsubscribed
        // from all mail is not written to either.
        let kind = MailKind::parse(&item.kind);
        let reader = kind != Some(MailKind::Digest);
        if reader {
            let subscriber = subscribers_db::find(conn, &item.recipient)?;
            let gone = match subscriber {
                Some(s) => s.state == subscribers_db::UNSUBSCRIBED,
                None => !kind.is_some_and(MailKind::to_notifier),
            };
            if gone {
                return Ok(Err(None));
            }
        }
        let message = match mail::message(item, &self.settings, &self.key, mailer.from()) {
            Ok(message) => message,
            Err(why) => {
                tracing::warn!(item = item.id, why = %why.0, "outbox message cannot be built; dropped");
                return Ok(Err(None));
            }
        };
        Ok(mailer.send(&message).map_err(Some))
    }

    /// Queues the moderators' digests that are due.
    pub fn queue_digests(&self) -> anyhow::Result<usize> {
        // No write transaction around it: the queue is counted without
        // holding the write lock, and each digest is one INSERT.
        let mut conn = self.pool.get()?;
        Ok(notify::digests(&mut conn, &self.settings, now())?)
    }

    /// Runs the sender in a thread of its own until `alive` is gone.
    pub fn spawn<T: Send + Sync + 'static>(self, alive: Weak<T>) -> std::io::Result<()> {
        std::thread::Builder::new()
            .name("colloquy-outbox".into())
            .spawn(move || {
                let mut last_digest: Option<Instant> = None;
                let mut writer_seen = self.writer.as_ref().map(Activity::batches);
                while alive.upgrade().is_some() {
                    if last_digest.is_none_or(|at| at.elapsed() >= DIGEST_CHECK) {
                        last_digest = Some(Instant::now());
                        if let Err(error) = self.queue_digests() {
                            tracing::warn!(%error, "queueing the moderators' digest failed");
                        }
                    }
                    match self.send_due() {
                        Ok(n) if n as i64 == BATCH => {
                            let now_seen = self.writer.as_ref().map(Activity::batches);
                            if now_seen != writer_seen {
                                writer_seen = now_seen;
                                std::thread::sleep(YIELD);
                            }
                            continue;
                        }
                        Ok(_) => {}
                        Err(error) => tracing::warn!(%error, "sending the outbox failed"),
                    }
                    std::thread::sleep(POLL);
                }
            })
            .map(|_| ())
    }
}
