//! Readers' personal data, as operators handle it: the retention purge
//! (run by the server's housekeeping and by `colloquy purge`), a reader's
//! export and erasure (`colloquy reader export|erase EMAIL`), and the
//! watch through which a running server learns of threads another process
//! changed.

use super::events::{Ctx, Event};
use crate::config::PrivacySettings;
use crate::db::DbConn;
use crate::db::privacy::{self as privacy_db, Erased};
use crate::domain::comment::CommentId;
use crate::domain::comment::Email;
use crate::domain::render::render_comment;
use crate::domain::time::rfc3339;
use diesel::QueryResult;
use serde::Serialize;

/// The body a placeholder shows in place of an erased comment.
pub const REMOVED_BODY: &str = "Removed at the author's request.";

/// How long the marks of changes made by other processes are kept.
const MARK_LIFETIME_SECS: i64 = 24 * 60 * 60;

/// Removes the e-mail addresses and IP hashes of comments decided more
/// than `retention_days` ago, and the notifiers of notices resolved as
/// long ago (nothing when it is 0). Returns how many
/// comments were purged; each batch of comments, and the notifiers, are
/// logged as `privacy_purge`.
pub fn purge(conn: &mut DbConn, settings: &PrivacySettings, now: i64) -> QueryResult<usize> {
    if settings.retention_days == 0 {
        return Ok(0);
    }
    let cutoff = now - i64::from(settings.retention_days) * 24 * 60 * 60;
    let purged = privacy_db::purge_personal_data(conn, cutoff, settings.retention_days, now)?;
    // Notifiers of notices resolved as long ago are forgotten too.
    crate::db::notices::purge_notifiers(conn, cutoff, settings.retention_days, now)?;
    Ok(purged)
}

/// Checks an e-mail address given on the command line.
pub fn checked_email(email: &str) -> anyhow::Result<String> {
    match Email::parse(email) {
        Ok(Some(email)) => Ok(email.as_str().to_owned()),
        Ok(None) => anyhow::bail!("give the reader's e-mail address"),
        Err(error) => anyhow::bail!("the e-mail address {}", error.message),
    }
}

/// The post a comment is under, as exported.
#[derive(Debug, Clone, Serialize)]
pub struct ExportedPost {
    /// Its slug.
    pub slug: String,
    /// Its title.
    pub title: String,
    /// Where the blog shows it.
    pub url: Option<String>,
}

/// One of the reader's comments, as exported: what they sent and what
/// became of it, nothing about anyone else.
#[derive(Debug, Clone, Serialize)]
pub struct ExportedComment {
    /// Its id.
    pub id: CommentId,
    /// The post.
    pub post: ExportedPost,
    /// The id of the comment it answered, if any.
    pub parent_id: Option<CommentId>,
    /// When it was sent (RFC 3339).
    pub created_at: String,
    /// `pending`, `approved`, `rejected` or `spam`.
    pub status: &'static str,
    /// When it was last decided (RFC 3339).
    pub moderated_at: Option<String>,
    /// The rejection reason's id.
    pub reason: Option<String>,
    /// The name it was signed with.
    pub author_name: String,
    /// The location given.
    pub author_location: Option<String>,
    /// The e-mail address given.
    pub email: Option<String>,
    /// Whether the keyed hash of the sender's IP address is still kept
    /// (the hash itself means nothing without the server's key).
    pub ip_hash_kept: bool,
    /// The text as sent (Markdown).
    pub body: String,
}

/// Everything stored under one e-mail address.
#[derive(Debug, Clone, Serialize)]
pub struct Export {
    /// The address asked for.
    pub email: String,
    /// When the export was made (RFC 3339).
    pub exported_at: String,
    /// The reader's comments, oldest first.
    pub comments: Vec<ExportedComment>,
    /// Whether the address asked to hear back by e-mail, and where that
    /// stands; `null` when it never did.
    pub mail: Option<ExportedSubscription>,
    /// The notices sent from the address, oldest first.
    pub notices: Vec<ExportedNotice>,
}

/// A notice the reader sent, as exported.
#[derive(Debug, Clone, Serialize)]
pub struct ExportedNotice {
    /// Its id.
    pub id: i32,
    /// The comment reported.
    pub comment_id: CommentId,
    /// `illegal` or `terms`.
    pub category: String,
    /// Their explanation.
    pub explanation: String,
    /// The law they named.
    pub law: Option<String>,
    /// The name they gave.
    pub notifier_name: Option<String>,
    /// When it was received.
    pub created_at: String,
    /// `action_taken` or `no_action`, once resolved.
    pub outcome: Option<String>,
}

/// A reader's subscription to mail about their comments, as exported.
#[derive(Debug, Clone, Serialize)]
pub struct ExportedSubscription {
    /// `unconfirmed`, `confirmed` or `unsubscribed`.
    pub state: String,
    /// The language of the messages.
    pub lang: String,
    /// First asked.
    pub created_at: String,
    /// Confirmed then.
    pub confirmed_at: Option<String>,
    /// Unsubscribed then.
    pub unsubscribed_at: Option<String>,
    /// Messages sent to it that are still on record.
    pub messages_sent: i64,
}

/// Every comment sent with `email` (ignoring the case of ASCII letters).
pub fn export(conn: &mut DbConn, email: &str, now: i64) -> QueryResult<Export> {
    let rows = privacy_db::comments_by_email(conn, email)?;
    let address = crate::domain::outbox::address_key(email);
    let mail = match crate::db::subscribers::find(conn, &address)? {
        None => None,
        Some(s) => Some(ExportedSubscription {
            messages_sent: crate::db::outbox::sent_to(conn, &address)?,
            state: s.state,
            lang: s.lang,
            created_at: rfc3339(s.created_at),
            confirmed_at: s.confirmed_at.map(rfc3339),
            unsubscribed_at: s.unsubscribed_at.map(rfc3339),
        }),
    };
    let notices = crate::db::notices::by_notifier(conn, &address)?
        .into_iter()
        .map(|n| ExportedNotice {
            id: n.id,
            comment_id: n.comment_id,
            category: n.category,
            explanation: n.explanation,
            law: n.law,
            notifier_name: n.notifier_name,
            created_at: rfc3339(n.created_at),
            outcome: n.outcome,
        })
        .collect();
    Ok(Export {
        mail,
        notices,
        email: email.to_owned(),
        exported_at: rfc3339(now),
        comments: rows
            .into_iter()
            .map(|(c, slug, title, url)| ExportedComment {
                id: c.id,
                post: ExportedPost { slug, title, url },
                parent_id: c.parent_id,
                created_at: rfc3339(c.created_at),
                status: c.status.as_str(),
                moderated_at: c.moderated_at.map(rfc3339),
                reason: c.reason,
                author_name: c.author_name,
                author_location: c.author_location,
                email: c.email,
                ip_hash_kept: c.ip_hash.is_some(),
                body: c.body_source,
            })
            .collect(),
    })
}

/// Erases every comment sent with `email`: deleted where nothing refers
/// to it, otherwise kept as a "[removed]" placeholder; logged, and the
/// changed threads marked for every running server's cache.
pub fn erase(conn: &mut DbConn, email: &str, now: i64) -> QueryResult<Erased> {
    let placeholder = render_comment(REMOVED_BODY);
    let erased = privacy_db::erase(conn, email, REMOVED_BODY, &placeholder, now)?;
    // The address's subscription, tokens and queued messages go too, and
    // any delivery still waiting with one of the comments in it.
    crate::db::subscribers::erase(conn, &crate::domain::outbox::address_key(email))?;
    // Notices sent from the address keep their content but lose the
    // notifier's name and address.
    crate::db::notices::erase_notifier(conn, &crate::domain::outbox::address_key(email))?;
    let touched: Vec<_> = erased
        .deleted
        .iter()
        .chain(&erased.anonymised)
        .copied()
        .collect();
    crate::db::outbox::drop_about(conn, &touched)?;
    Ok(erased)
}

/// Follows the marks other processes leave when they change a thread, and
/// drops those threads from this server's cache.
#[derive(Debug, Clone, Copy)]
pub struct ExternalChanges {
    seen: i32,
}

impl ExternalChanges {
    /// Starts after the newest mark: the cache of a starting server is
    /// empty, so older marks concern it not.
    pub fn start(conn: &mut DbConn) -> QueryResult<Self> {
        Ok(Self {
            seen: privacy_db::latest_mark(conn)?,
        })
    }

    /// Records the threads marked since the last poll as changed;
    /// returns how many marks there were.
    pub fn poll(&mut self, ctx: &mut Ctx<'_>) -> QueryResult<usize> {
        let marks = privacy_db::marks_after(ctx.conn, self.seen)?;
        for (id, post_id) in &marks {
            ctx.emit(Event::ThreadChangedElsewhere { post_id: *post_id });
            self.seen = self.seen.max(*id);
        }
        Ok(marks.len())
    }
}

/// The privacy share of the server's housekeeping: the retention purge,
/// and forgetting marks every server has long seen.
pub fn housekeeping(conn: &mut DbConn, settings: &PrivacySettings, now: i64) -> QueryResult<usize> {
    let purged = purge(conn, settings, now)?;
    privacy_db::prune_marks(conn, now - MARK_LIFETIME_SECS)?;
    crate::db::subscribers::purge_expired_tokens(conn, now)?;
    if settings.retention_days > 0 {
        let cutoff = now - i64::from(settings.retention_days) * 24 * 60 * 60;
        crate::db::outbox::purge_done(conn, cutoff)?;
        crate::db::subscribers::purge(conn, cutoff)?;
    }
    Ok(purged)
}
