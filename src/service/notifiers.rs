//! Mail to notifiers (DSA art. 16(4) and (5)): whoever gave an address
//! with a notice is told that it was received and, later, how it was
//! decided. Both messages are queued in the outbox in the transaction of
//! the event (the notice stored; its resolution by a moderator or by a
//! decision on the comment), once per notice. The address needs no
//! confirmation (it is written to twice, about the notice it sent, and
//! never otherwise); one that unsubscribed from all mail gets nothing.

use super::notify::{Notifier, excerpt, readable_time};
use crate::db::DbConn;
use crate::db::comments as comments_db;
use crate::db::notices::Notice;
use crate::db::outbox::{self as outbox_db, NewItem};
use crate::db::posts as posts_db;
use crate::domain::outbox::{Channel, MailKind, address_key};
use diesel::result::QueryResult;
use serde_json::{Value, json};

/// The words both messages share: the notice, the post and the reported
/// comment's permalink, in the comment's language. `None` when the
/// notice gave no address (or the comment or its post is gone).
fn common(
    notifier: &Notifier,
    conn: &mut DbConn,
    notice: &Notice,
) -> QueryResult<Option<(String, Value)>> {
    let Some(email) = notice.notifier_email.as_deref() else {
        return Ok(None);
    };
    let Some(comment) = comments_db::get(conn, notice.comment_id)? else {
        return Ok(None);
    };
    let Some(post) = posts_db::by_id(conn, comment.post_id)? else {
        return Ok(None);
    };
    let location = format!(
        "{}#comment-{}",
        super::permalinks::permalink_base(notifier.settings(), &post),
        comment.id
    );
    Ok(Some((
        address_key(email),
        json!({
            "lang": comment.lang.as_deref().unwrap_or("en"),
            "notice_id": notice.id,
            "post_title": post.title,
            "location": location,
        }),
    )))
}

fn enqueue(
    conn: &mut DbConn,
    kind: MailKind,
    notice: &Notice,
    (recipient, payload): (String, Value),
    now: i64,
) -> QueryResult<()> {
    outbox_db::enqueue(
        conn,
        &NewItem {
            channel: Channel::Mail,
            kind: kind.as_str(),
            dedupe_key: format!("{}:{}", kind.as_str(), notice.id),
            recipient: &recipient,
            comment_id: Some(notice.comment_id),
            payload: payload.to_string(),
            now,
        },
    )?;
    Ok(())
}

/// Queues the receipt of `notice` (just stored) to its notifier.
pub fn received(
    notifier: &Notifier,
    conn: &mut DbConn,
    notice: &Notice,
    now: i64,
) -> QueryResult<()> {
    if !notifier.mails() {
        return Ok(());
    }
    let Some((to, mut payload)) = common(notifier, conn, notice)? else {
        return Ok(());
    };
    payload["received_at"] = Value::String(readable_time(notice.created_at));
    payload["category"] = Value::String(notice.category.clone());
    payload["explanation"] = Value::String(excerpt(&notice.explanation));
    enqueue(conn, MailKind::NoticeReceived, notice, (to, payload), now)
}

/// Queues the decision on `notice` (`outcome`, `reason`) to its notifier.
pub fn decided(
    notifier: &Notifier,
    conn: &mut DbConn,
    notice: &Notice,
    (outcome, reason): (&str, &str),
    now: i64,
) -> QueryResult<()> {
    if !notifier.mails() {
        return Ok(());
    }
    let Some((to, mut payload)) = common(notifier, conn, notice)? else {
        return Ok(());
    };
    payload["outcome"] = Value::String(outcome.to_owned());
    payload["reason"] = Value::String(reason.to_owned());
    enqueue(conn, MailKind::NoticeDecided, notice, (to, payload), now)
}
