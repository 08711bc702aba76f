//! What an event owes the outside world: the messages to readers and the
//! webhook deliveries it causes, written to the outbox inside the event's
//! own transaction (so a crash loses none and a retry of the event adds
//! none: every item has a dedupe key naming its event and recipient;
//! webhook events that repeat, such as a second reader's flag, are each
//! an item of their own).
//!
//! Readers: an address given with `notify` gets one confirmation request
//! (at most one a day) and nothing else until it is confirmed; then its
//! author is told when the comment is approved, not published or removed
//! (rejected or spam: its statement of reasons, queued by
//! `service::statements` through [`Notifier::statement`]), or answered (an
//! official reply, or another reader's reply once approved).

use crate::config::Settings;
use crate::db::DbConn;
use crate::db::comments::{self as comments_db, Comment};
use crate::db::outbox::{self as outbox_db, NewItem};
use crate::db::posts as posts_db;
use crate::db::statements::NewStatement;
use crate::db::subscribers as subscribers_db;
use crate::db::writer::{AfterInsert, PendingComment, Stored};
use crate::domain::comment::CommentId;
use crate::domain::moderation::{Kind, Status};
use crate::domain::outbox::{Channel, MailKind, address_key};
use crate::domain::time::rfc3339;
use diesel::result::QueryResult;
use serde_json::{Value, json};
use std::sync::Arc;

/// Seconds between two confirmation requests to one address.
pub const CONFIRM_EVERY_SECS: i64 = 24 * 60 * 60;

/// Who is told what; built once from the settings. `off()` tells no one.
#[derive(Debug, Clone)]
pub struct Notifier {
    settings: Arc<Settings>,
    mail: bool,
    hooks: Vec<(String, Vec<String>)>,
}

impl Notifier {
    /// The notifier `settings` configure (mail when `mail.smtp_url` is
    /// set; the `[[webhooks]]`).
    pub fn new(settings: Arc<Settings>) -> Self {
        let mail = settings.mail.enabled();
        let hooks = settings
            .webhooks
            .iter()
            .map(|h| (h.url.trim().to_owned(), h.events.clone()))
            .collect();
        Self {
            settings,
            mail,
            hooks,
        }
    }

    /// A notifier that queues nothing.
    pub fn off() -> Self {
        Self {
            settings: Arc::new(Settings::default()),
            mail: false,
            hooks: Vec::new(),
        }
    }

    /// The settings it was built from.
    pub fn settings(&self) -> &Arc<Settings> {
        &self.settings
    }

    /// Whether mail is on (`mail.smtp_url` set).
    pub fn mails(&self) -> bool {
        self.mail
    }

    /// Whether anything can ever be queued (mail or a webhook configured).
    pub fn is_on(&self) -> bool {
        self.mail || !self.hooks.is_empty()
    }

    /// The writer's hook: what a batch of newly stored readers' comments
    /// causes, written with one statement of each kind for the batch.
    pub fn after_insert(self: &Arc<Self>) -> AfterInsert {
        let me = self.clone();
        Arc::new(move |conn, stored| me.stored(conn, stored))
    }

    /// Comments the writer stored in one transaction: confirmation
    /// requests, and `comment.submitted` hooks built from what was stored
    /// (nothing read back).
    fn stored(&self, conn: &mut DbConn, stored: &Stored<'_>) -> QueryResult<()> {
        if !self.is_on() {
            return Ok(());
        }
        self.request_confirmations(conn, stored.iter().map(|(_, p)| *p))?;
        let event = "comment.submitted";
        let wanted = self.hooks_for(event);
        if wanted.is_empty() {
            return Ok(());
        }
        let mut posts: Vec<posts_db::Post> = Vec::new();
        let mut bodies = Vec::with_capacity(stored.len());
        for (id, pending) in stored {
            if !posts.iter().any(|p| p.id == pending.post_id)
                && let Some(post) = posts_db::by_id(conn, pending.post_id)?
            {
                posts.push(post);
            }
            let post = posts.iter().find(|p| p.id == pending.post_id);
            let shown = Shown::stored(*id, pending);
            bodies.push((
                *id,
                pending.created_at,
                self.hook_body(event, pending.created_at, &shown, post),
            ));
        }
        let mut items = Vec::with_capacity(bodies.len() * wanted.len());
        for (id, now, body) in &bodies {
            for url in &wanted {
                // A comment is submitted once: no `#n` to look for.
                items.push(NewItem {
                    channel: Channel::Webhook,
                    kind: event,
                    dedupe_key: format!("hook:{url}:{event}:{id}:{now}"),
                    recipient: url,
                    comment_id: Some(*id),
                    payload: body.clone(),
                    now: *now,
                });
            }
        }
        outbox_db::enqueue_many(conn, &items)?;
        Ok(())
    }

    /// A reader's comment stored at once as rejected (a banned term): a
    /// confirmation request if its author asked to hear back from an
    /// address not yet confirmed; `comment.submitted` hooks.
    pub fn submitted(
        &self,
        conn: &mut DbConn,
        id: CommentId,
        pending: &PendingComment,
    ) -> QueryResult<()> {
        if !self.is_on() {
            return Ok(());
        }
        self.request_confirmations(conn, std::iter::once(pending))?;
        self.hook(conn, "comment.submitted", id, pending.created_at)
    }

    /// Asks each address of `comments` whose author asked to hear back to
    /// confirm, unless it is confirmed, unsubscribed, or was asked within
    /// the last day: one lookup and one insert of each kind for them all.
    fn request_confirmations<'a>(
        &self,
        conn: &mut DbConn,
        comments: impl Iterator<Item = &'a PendingComment>,
    ) -> QueryResult<()> {
        if !self.mail {
            return Ok(());
        }
        let mut asking: Vec<(String, &'static str, String, String, i64)> = Vec::new();
        for pending in comments.filter(|p| p.notify) {
            let Some(email) = pending.email.as_deref() else {
                continue;
            };
            let address = address_key(email);
            if asking.iter().any(|(a, ..)| *a == address) {
                continue;
            }
            let token = crate::domain::token::random_token();
            let hash = crate::domain::token::token_hash(&token);
            let lang = pending.lang.unwrap_or("en");
            asking.push((address, lang, token, hash, pending.created_at));
        }
        // One batch shares one transaction and, near enough, one moment.
        let Some(now) = asking.iter().map(|(.., at)| *at).max() else {
            return Ok(());
        };
        let expires = now + i64::from(self.settings.mail.confirm_hours) * 3600;
        let requests: Vec<subscribers_db::Request<'_>> = asking
            .iter()
            .map(|(email, lang, _, hash, _)| subscribers_db::Request {
                email,
                lang,
                token_hash: hash,
            })
            .collect();
        let asked = subscribers_db::request_confirmations(
            conn,
            &requests,
            now,
            now - CONFIRM_EVERY_SECS,
            expires,
        )?;
        let base = self.settings.public_url();
        let items: Vec<NewItem<'_>> = asked
            .iter()
            .map(|(i, subscriber)| {
                let (address, _, token, hash, _) = &asking[*i];
                NewItem {
                    channel: Channel::Mail,
                    kind: MailKind::Confirm.as_str(),
                    dedupe_key: format!("confirm:{hash}"),
                    recipient: address,
                    comment_id: None,
                    payload: json!({
                        "lang": subscriber.lang,
                        "confirm_url": format!("{base}/mail/confirm?token={token}"),
                        "expires_at": readable_time(expires),
                    })
                    .to_string(),
                    now,
                }
            })
            .collect();
        outbox_db::enqueue_many(conn, &items)?;
        Ok(())
    }

    /// Comments were decided (`before` as they were): their authors are
    /// told, the parent's author of an approved reply too, and the hooks
    /// of `comment.approved` / `rejected` / `spam`.
    pub fn decided(
        &self,
        conn: &mut DbConn,
        before: &[Comment],
        to: Status,
        now: i64,
    ) -> QueryResult<()> {
        if !self.is_on() {
            return Ok(());
        }
        for comment in before.iter().filter(|c| c.kind == Kind::Reader) {
            // Rejections and spam are told by their statement of reasons
            // (`statement`).
            if to == Status::Approved && self.mail {
                self.tell_author(conn, comment, MailKind::Approved, now)?;
                self.tell_parent(conn, comment, now)?;
            }
            let event = match to {
                Status::Approved => "comment.approved",
                Status::Rejected => "comment.rejected",
                Status::Spam => "comment.spam",
                Status::Pending => continue,
            };
            self.hook(conn, event, comment.id, now)?;
        }
        Ok(())
    }

    /// An official reply was published: the author of the comment it
    /// answers is told; `reply.published` hooks.
    pub fn replied(&self, conn: &mut DbConn, reply: &Comment, now: i64) -> QueryResult<()> {
        if !self.is_on() {
            return Ok(());
        }
        if self.mail {
            self.tell_parent(conn, reply, now)?;
        }
        self.hook(conn, "reply.published", reply.id, now)
    }

    /// A reader flagged an approved comment: `comment.flagged` hooks.
    pub fn flagged(&self, conn: &mut DbConn, id: CommentId, now: i64) -> QueryResult<()> {
        self.hook(conn, "comment.flagged", id, now)
    }

    /// The confirmed address that asked to hear about `comment`, if any.
    fn listener(
        conn: &mut DbConn,
        comment: &Comment,
    ) -> QueryResult<Option<subscribers_db::Subscriber>> {
        if !comment.notify || comment.kind != Kind::Reader {
            return Ok(None);
        }
        let Some(email) = comment.email.as_deref() else {
            return Ok(None);
        };
        Ok(subscribers_db::find(conn, &address_key(email))?.filter(|s| s.confirmed()))
    }

    /// Tells `comment`'s author (when confirmed) that it was approved.
    fn tell_author(
        &self,
        conn: &mut DbConn,
        comment: &Comment,
        kind: MailKind,
        now: i64,
    ) -> QueryResult<()> {
        let Some(subscriber) = Self::listener(conn, comment)? else {
            return Ok(());
        };
        let Some(post) = posts_db::by_id(conn, comment.post_id)? else {
            return Ok(());
        };
        let mut payload = json!({
            "lang": comment.lang.as_deref().unwrap_or(&subscriber.lang),
            "subscriber": subscriber.id,
            "name": comment.author_name,
            "post_title": post.title,
            "excerpt": excerpt(&comment.body_source),
        });
        if kind == MailKind::Approved {
            payload["permalink"] = Value::String(format!(
                "{}#comment-{}",
                super::permalinks::permalink_base(&self.settings, &post),
                comment.id
            ));
        }
        outbox_db::enqueue(
            conn,
            &NewItem {
                channel: Channel::Mail,
                kind: kind.as_str(),
                dedupe_key: format!("{}:{}:{}", kind.as_str(), comment.id, subscriber.email),
                recipient: &subscriber.email,
                comment_id: Some(comment.id),
                payload: payload.to_string(),
                now,
            },
        )?;
        Ok(())
    }

    /// Tells the author of a comment (when they asked and confirmed) its
    /// statement of reasons: the `rejected` message with the statement's
    /// fields and the page where they may appeal.
    pub fn statement(
        &self,
        conn: &mut DbConn,
        to: &Addressee<'_>,
        (id, label, statement, redress): (i32, &str, &NewStatement<'_>, &str),
        page: &str,
        now: i64,
    ) -> QueryResult<()> {
        if !self.mail || !to.notify {
            return Ok(());
        }
        let Some(email) = to.email else {
            return Ok(());
        };
        let Some(subscriber) =
            subscribers_db::find(conn, &address_key(email))?.filter(|s| s.confirmed())
        else {
            return Ok(());
        };
        let Some(post) = posts_db::by_id(conn, to.post_id)? else {
            return Ok(());
        };
        let automated = match (statement.automated_detection, statement.automated_decision) {
            (_, true) => "yes: detected and decided by automated means",
            (true, false) => "detected by automated means, decided by a person",
            (false, false) => "no: decided by a person",
        };
        let payload = json!({
            "lang": to.lang.unwrap_or(&subscriber.lang),
            "subscriber": subscriber.id,
            "name": to.name,
            "post_title": post.title,
            "excerpt": excerpt(to.body),
            "reason": label,
            "clause": statement.policy_clause,
            "ground": statement.ground.as_str(),
            "facts": statement.facts,
            "automated": automated,
            "redress": redress,
            "statement_url": page,
        });
        outbox_db::enqueue(
            conn,
            &NewItem {
                channel: Channel::Mail,
                kind: MailKind::Rejected.as_str(),
                dedupe_key: format!("statement:{id}:{}", subscriber.email),
                recipient: &subscriber.email,
                comment_id: Some(to.comment_id),
                payload: payload.to_string(),
                now,
            },
        )?;
        Ok(())
    }

    /// Tells `comment`'s author (when confirmed) how their appeal was
    /// decided.
    pub fn appeal_decided(
        &self,
        conn: &mut DbConn,
        comment: &Comment,
        (appeal_id, reversed): (i32, bool),
        now: i64,
    ) -> QueryResult<()> {
        if !self.mail {
            return Ok(());
        }
        let Some(subscriber) = Self::listener(conn, comment)? else {
            return Ok(());
        };
        let Some(post) = posts_db::by_id(conn, comment.post_id)? else {
            return Ok(());
        };
        let outcome = if reversed { "reversed" } else { "upheld" };
        let payload = json!({
            "lang": comment.lang.as_deref().unwrap_or(&subscriber.lang),
            "subscriber": subscriber.id,
            "name": comment.author_name,
            "post_title": post.title,
            "excerpt": excerpt(&comment.body_source),
            "outcome": outcome,
        });
        outbox_db::enqueue(
            conn,
            &NewItem {
                channel: Channel::Mail,
                kind: MailKind::Appeal.as_str(),
                dedupe_key: format!("appeal:{appeal_id}:{}", subscriber.email),
                recipient: &subscriber.email,
                comment_id: Some(comment.id),
                payload: payload.to_string(),
                now,
            },
        )?;
        Ok(())
    }

    /// Tells the author of the comment `answer` answers (when confirmed,
    /// and not the same address) that it was answered.
    fn tell_parent(&self, conn: &mut DbConn, answer: &Comment, now: i64) -> QueryResult<()> {
        let Some(parent) = answer
            .parent_id
            .map(|p| comments_db::get(conn, p))
            .transpose()?
            .flatten()
        else {
            return Ok(());
        };
        let Some(subscriber) = Self::listener(conn, &parent)? else {
            return Ok(());
        };
        let same_author = answer
            .email
            .as_deref()
            .is_some_and(|e| address_key(e) == subscriber.email);
        if same_author {
            return Ok(());
        }
        let Some(post) = posts_db::by_id(conn, answer.post_id)? else {
            return Ok(());
        };
        let payload = json!({
            "lang": parent.lang.as_deref().unwrap_or(&subscriber.lang),
            "subscriber": subscriber.id,
            "name": parent.author_name,
            "by": answer.author_name,
            "official": answer.kind == Kind::Official,
            "post_title": post.title,
            "excerpt": excerpt(&answer.body_source),
            "permalink": format!(
                "{}#comment-{}",
                super::permalinks::permalink_base(&self.settings, &post),
                answer.id
            ),
        });
        outbox_db::enqueue(
            conn,
            &NewItem {
                channel: Channel::Mail,
                kind: MailKind::Answered.as_str(),
                dedupe_key: format!("answered:{}:{}", answer.id, subscriber.email),
                recipient: &subscriber.email,
                comment_id: Some(parent.id),
                payload: payload.to_string(),
                now,
            },
        )?;
        Ok(())
    }

    /// The URLs of the hooks that want `event`.
    fn hooks_for(&self, event: &str) -> Vec<&str> {
        self.hooks
            .iter()
            .filter(|(_, events)| events.iter().any(|e| e == event))
            .map(|(url, _)| url.as_str())
            .collect()
    }

    /// Queues `event` about comment `id` for every hook that wants it,
    /// with the comment as it is now.
    fn hook(&self, conn: &mut DbConn, event: &str, id: CommentId, now: i64) -> QueryResult<()> {
        let wanted = self.hooks_for(event);
        if wanted.is_empty() {
            return Ok(());
        }
        let Some(comment) = comments_db::get(conn, id)? else {
            return Ok(());
        };
        let post = posts_db::by_id(conn, comment.post_id)?;
        let body = self.hook_body(event, now, &Shown::from(&comment), post.as_ref());
        for url in wanted {
            // Every call is an event of its own (two readers' flags, or an
            // approval, a rejection and an approval again, may share a
            // second): the n-th such event in one second gets `#n`. A
            // retried transaction adds nothing, since its rollback took
            // the first try's items with it.
            let key = format!("hook:{url}:{event}:{id}:{now}");
            let mut item = NewItem {
                channel: Channel::Webhook,
                kind: event,
                dedupe_key: key.clone(),
                recipient: url,
                comment_id: Some(id),
                payload: body.clone(),
                now,
            };
            let mut n = 1;
            while !outbox_db::enqueue(conn, &item)? {
                n += 1;
                item.dedupe_key = format!("{key}#{n}");
            }
        }
        Ok(())
    }

    /// A webhook's body: `{"event", "at", "comment": {…}}`, the comment as
    /// moderators see it but without its e-mail address or IP hash.
    fn hook_body(
        &self,
        event: &str,
        at: i64,
        c: &Shown<'_>,
        post: Option<&posts_db::Post>,
    ) -> String {
        let signals: Vec<String> = serde_json::from_str(c.signals).unwrap_or_default();
        let permalink = post.filter(|_| c.status == Status::Approved).map(|p| {
            format!(
                "{}#comment-{}",
                super::permalinks::permalink_base(&self.settings, p),
                c.id
            )
        });
        json!({
            "event": event,
            "at": rfc3339(at),
            "comment": {
                "id": c.id,
                "post_slug": post.map(|p| p.slug.as_str()),
                "post_title": post.map(|p| p.title.as_str()),
                "parent_id": c.parent_id,
                "kind": c.kind.as_str(),
                "status": c.status.as_str(),
                "author_name": c.author_name,
                "author_location": c.author_location,
                "body_source": c.body_source,
                "body_html": c.body_html,
                "spam_score": c.spam_score,
                "signals": signals,
                "flag_count": c.flag_count,
                "reason": c.reason,
                "created_at": rfc3339(c.created_at),
                "moderated_at": c.moderated_at.map(rfc3339),
                "permalink": permalink,
            },
        })
        .to_string()
    }
}

/// The author of a comment as a message needs them, from a stored row or
/// from what the writer just inserted.
#[derive(Debug, Clone, Copy)]
pub struct Addressee<'a> {
    /// The comment.
    pub comment_id: CommentId,
    /// Its post.
    pub post_id: crate::domain::post::PostId,
    /// They asked to hear back.
    pub notify: bool,
    /// Their address, if they gave one.
    pub email: Option<&'a str>,
    /// The widget's language.
    pub lang: Option<&'a str>,
    /// Their signed name.
    pub name: &'a str,
    /// The comment's source text.
    pub body: &'a str,
}

impl<'a> Addressee<'a> {
    /// The author of a stored reader's comment (an official reply has none).
    pub fn of(c: &'a Comment) -> Self {
        Self {
            comment_id: c.id,
            post_id: c.post_id,
            notify: c.notify && c.kind == Kind::Reader,
            email: c.email.as_deref(),
            lang: c.lang.as_deref(),
            name: &c.author_name,
            body: &c.body_source,
        }
    }

    /// The author of a comment the writer just stored as `id`.
    pub fn pending(id: CommentId, p: &'a PendingComment) -> Self {
        Self {
            comment_id: id,
            post_id: p.post_id,
            notify: p.notify,
            email: p.email.as_deref(),
            lang: p.lang,
            name: &p.author_name,
            body: &p.body_source,
        }
    }
}

/// What a webhook shows of a comment (never its address or IP hash),
/// borrowed from a stored row or from what the writer just inserted.
#[derive(Debug)]
struct Shown<'a> {
    id: CommentId,
    parent_id: Option<CommentId>,
    kind: Kind,
    status: Status,
    author_name: &'a str,
    author_location: Option<&'a str>,
    body_source: &'a str,
    body_html: &'a str,
    spam_score: i32,
    signals: &'a str,
    flag_count: i32,
    reason: Option<&'a str>,
    created_at: i64,
    moderated_at: Option<i64>,
}

impl<'a> Shown<'a> {
    /// A reader's comment as the writer stored it: no decision yet, no
    /// flags.
    fn stored(id: CommentId, p: &'a PendingComment) -> Self {
        Self {
            id,
            parent_id: p.parent_id,
            kind: Kind::Reader,
            status: p.status,
            author_name: &p.author_name,
            author_location: p.author_location.as_deref(),
            body_source: &p.body_source,
            body_html: p.body_html.as_str(),
            spam_score: p.spam_score,
            signals: &p.signals,
            flag_count: 0,
            reason: None,
            created_at: p.created_at,
            moderated_at: None,
        }
    }
}

impl<'a> From<&'a Comment> for Shown<'a> {
    fn from(c: &'a Comment) -> Self {
        Self {
            id: c.id,
            parent_id: c.parent_id,
            kind: c.kind,
            status: c.status,
            author_name: &c.author_name,
            author_location: c.author_location.as_deref(),
            body_source: &c.body_source,
            body_html: &c.body_html,
            spam_score: c.spam_score,
            signals: &c.signals,
            flag_count: c.flag_count,
            reason: c.reason.as_deref(),
            created_at: c.created_at,
            moderated_at: c.moderated_at,
        }
    }
}

/// `2026-12-05 16:00 UTC`: a time every language's message can show.
pub(super) fn readable_time(unix: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(format).ok())
        .unwrap_or_else(|| rfc3339(unix))
}

/// The first 200 characters of a text, on one line.
pub(super) fn excerpt(text: &str) -> String {
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = line.chars().take(200).collect();
    if line.chars().count() > 200 {
        out.push('…');
    }
    out
}

/// Queues a digest for each moderator with an address, while comments
/// wait: at most one per `mail.digest_minutes` (counted from the last one
/// queued, and at most one per such window with several processes), none
/// when nothing waits. Returns how many were queued.
pub fn digests(conn: &mut DbConn, settings: &Settings, now: i64) -> QueryResult<usize> {
    use crate::db::accounts as accounts_db;
    use crate::db::comments::QueueSpec;
    use crate::db::workspace as workspace_db;
    if !settings.mail.enabled() {
        return Ok(0);
    }
    let every = i64::from(settings.mail.digest_minutes.max(1)) * 60;
    // Who is due one, first: cheap, and most checks end here, before the
    // queue is counted.
    let mut due = Vec::new();
    for account in accounts_db::list(conn)?.into_iter().filter(|a| !a.disabled) {
        let Some(email) = account
            .email
            .as_deref()
            .map(address_key)
            .filter(|e| !e.is_empty())
        else {
            continue;
        };
        let last = outbox_db::last_queued(conn, MailKind::Digest.as_str(), &email)?;
        if last.is_none_or(|at| now - at >= every) {
            due.push((account.id, email));
        }
    }
    if due.is_empty() {
        return Ok(0);
    }
    let stats = workspace_db::stats(conn, &QueueSpec::default())?;
    let count = |tab: &str| {
        stats
            .counts
            .iter()
            .find(|(name, _)| *name == tab)
            .map_or(0, |(_, n)| *n)
    };
    let waiting = count("pending");
    let Some(oldest) = stats.oldest_pending.filter(|_| waiting > 0) else {
        return Ok(0);
    };
    let payload = json!({
        "lang": "en",
        "count": waiting,
        "oldest": age(now - oldest),
        "flagged": count("flagged"),
    })
    .to_string();
    let mut queued = 0;
    for (id, email) in &due {
        // One INSERT each; the key keeps two processes to one per window.
        let added = outbox_db::enqueue(
            conn,
            &NewItem {
                channel: Channel::Mail,
                kind: MailKind::Digest.as_str(),
                dedupe_key: format!("digest:{id}:{}", now / every),
                recipient: email,
                comment_id: None,
                payload: payload.clone(),
                now,
            },
        )?;
        queued += usize::from(added);
    }
    Ok(queued)
}

/// "3 minutes", "2 hours", "4 days".
fn age(secs: i64) -> String {
    let (n, unit) = match secs.max(0) {
        s if s < 120 => (s, "seconds"),
        s if s < 2 * 3600 => (s / 60, "minutes"),
        s if s < 2 * 86_400 => (s / 3600, "hours"),
        s => (s / 86_400, "days"),
    };
    format!("{n} {unit}")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::config::{Secret, WebhookSettings};
    use crate::db::outbox::Item;
    use crate::db::schema::outbox;
    use crate::domain::render::render_comment;
    use diesel::prelude::*;

    fn pending(post_id: crate::domain::post::PostId, email: &str, notify: bool) -> PendingComment {
        PendingComment {
            post_id,
            parent_id: None,
            status: Status::Pending,
            author_name: "Mari".into(),
            author_location: None,
            email: Some(email.into()),
            ip_hash: "hash".into(),
            body_source: "A view.".into(),
            body_html: render_comment("A view."),
            spam_score: 0,
            signals: "[]".into(),
            created_at: 1_000_000,
            body_hash: 1,
            notify,
            lang: Some("fr"),
        }
    }

    fn notifier() -> Arc<Notifier> {
        let mut settings = Settings::default();
        settings.mail.smtp_url = Some(Secret::new("smtp://127.0.0.1:2525".into()));
        settings.webhooks.push(WebhookSettings {
            url: "http://127.0.0.1:9/hook".into(),
            secret: Secret::new("0123456789abcdef".into()),
            events: vec!["comment.submitted".into()],
        });
        Arc::new(Notifier::new(Arc::new(settings)))
    }

    fn items(conn: &mut DbConn) -> Vec<Item> {
        outbox::table
            .order(outbox::id)
            .select(Item::as_select())
            .load(conn)
            .unwrap()
    }

    #[test]
    fn a_batch_asks_each_new_address_once_and_hooks_every_comment_from_what_was_stored() {
        let mut conn = crate::service::testing::conn();
        let post = crate::service::testing::post_published_at(&mut conn, "p", 0);
        let known = pending(post, "known@example.org", true);
        let after = notifier().after_insert();
        // An address confirmed before the batch.
        after(&mut conn, &[(CommentId(900), &known)]).unwrap();
        let token = items(&mut conn)
            .iter()
            .find(|i| i.kind == "confirm")
            .map(|i| i.dedupe_key.trim_start_matches("confirm:").to_owned())
            .unwrap();
        subscribers_db::confirm(&mut conn, &token, 1_000_001).unwrap();
        diesel::delete(outbox::table).execute(&mut conn).unwrap();

        let batch = [
            pending(post, "Ana@Example.org", true),
            pending(post, "ana@example.org ", true),
            pending(post, "known@example.org", true),
            pending(post, "quiet@example.org", false),
        ];
        let stored: Vec<(CommentId, &PendingComment)> = batch
            .iter()
            .enumerate()
            .map(|(i, p)| (CommentId(10 + i as i32), p))
            .collect();
        after(&mut conn, &stored).unwrap();
        let queued = items(&mut conn);
        let confirms: Vec<&Item> = queued.iter().filter(|i| i.kind == "confirm").collect();
        assert_eq!(confirms.len(), 1, "one request for the address named twice");
        assert_eq!(confirms[0].recipient, address_key("ana@example.org"));
        assert!(confirms[0].payload.contains("\"lang\":\"fr\""));
        let hooks: Vec<&Item> = queued.iter().filter(|i| i.channel == "webhook").collect();
        assert_eq!(hooks.len(), 4, "a delivery per stored comment");
        for (hook, (id, _)) in hooks.iter().zip(&stored) {
            let body: Value = serde_json::from_str(&hook.payload).unwrap();
            assert_eq!(body["comment"]["id"], id.0);
            assert_eq!(body["comment"]["status"], "pending");
            assert_eq!(body["comment"]["post_slug"], "p");
            assert!(!hook.payload.contains("example.org"), "{}", hook.payload);
            assert!(!hook.payload.contains("hash"), "{}", hook.payload);
        }

        // The same address again within the day: nothing more to it.
        diesel::delete(outbox::table).execute(&mut conn).unwrap();
        after(&mut conn, &[(CommentId(20), &batch[0])]).unwrap();
        assert!(items(&mut conn).iter().all(|i| i.kind != "confirm"));
    }
}
