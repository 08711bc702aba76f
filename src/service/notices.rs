//! Readers' notices (DSA art. 16): received on a published comment, raised
//! in the flagged queue, and resolved by a moderator (action taken or no
//! action) with a reason, or by a decision on the comment; each logged.

use super::events::Ctx;
use super::not_found;
use super::notify::Notifier;
use crate::db::DbConn;
use crate::db::comments as comments_db;
use crate::db::log::{self as log_db, LogEntry};
use crate::db::notices::{self as notices_db, Notice};
use crate::domain::comment::CommentId;
use crate::domain::moderation::Status;
use crate::domain::notice::NewNotice;
use crate::error::ApiError;
use diesel::result::QueryResult;
use serde::{Deserialize, Serialize};

/// How a moderator resolved a notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The comment was not published, or was removed.
    ActionTaken,
    /// The comment stays as it is.
    NoAction,
}

impl Outcome {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ActionTaken => "action_taken",
            Self::NoAction => "no_action",
        }
    }
}

/// Longest resolution reason.
pub const MAX_RESOLUTION: usize = 2_000;

/// Receives a notice on comment `id`: 404 unless it is published; raises
/// it in the flagged queue; logged (without the notifier); the
/// `comment.flagged` hooks hear of it. Returns the notice's id.
pub fn submit(
    ctx: &mut Ctx<'_>,
    id: CommentId,
    notice: &NewNotice,
    now: i64,
) -> Result<i32, ApiError> {
    let notifier = ctx.notifier.clone();
    crate::db::write(ctx.conn, |conn| {
        let Some(comment) = comments_db::get(conn, id)?.filter(|c| c.status == Status::Approved)
        else {
            return Err(not_found::published_comment(id));
        };
        let notice_id = notices_db::insert(
            conn,
            &notices_db::NewNotice {
                comment_id: id,
                category: notice.category.as_str(),
                explanation: &notice.explanation,
                law: notice.law.as_deref(),
                notifier_name: notice.notifier_name.as_deref(),
                notifier_email: notice.notifier_email.as_deref(),
                good_faith: notice.good_faith,
                created_at: now,
            },
        )?;
        log_db::append(
            conn,
            &LogEntry::notice(
                now,
                (notice_id, id, comment.post_id),
                notice.category.as_str(),
            ),
        )?;
        notifier.flagged(conn, id, now)?;
        if let Some(stored) = notices_db::get(conn, notice_id)? {
            super::notifiers::received(&notifier, conn, &stored, now)?;
        }
        Ok(notice_id)
    })
}

/// A moderator resolves notice `id` with `outcome` and `reason` (422 for
/// an empty or over-long reason; 404 for no open notice of that id).
pub fn resolve(
    ctx: &mut Ctx<'_>,
    id: i32,
    outcome: Outcome,
    reason: &str,
    moderator: i32,
    now: i64,
) -> Result<Notice, ApiError> {
    let reason = crate::domain::text::multi_line("reason", reason, MAX_RESOLUTION)
        .map_err(|e| ApiError::Validation(vec![e]))?;
    let notifier = ctx.notifier.clone();
    crate::db::write(ctx.conn, |conn| {
        let notice =
            notices_db::resolve(conn, id, (outcome.as_str(), &reason), Some(moderator), now)?
                .ok_or_else(|| ApiError::NotFound(format!("There is no open notice {id}.")))?;
        super::notifiers::decided(&notifier, conn, &notice, (outcome.as_str(), &reason), now)?;
        Ok(notice)
    })
}

/// A decision on `ids` settles their open notices: action taken when the
/// comment ends rejected or spam, no action when it is approved; each
/// notifier who gave an address is told.
pub fn settle(
    conn: &mut DbConn,
    notifier: &Notifier,
    ids: &[CommentId],
    to: Status,
    moderator: i32,
    now: i64,
) -> QueryResult<()> {
    let outcome = match to {
        Status::Rejected | Status::Spam => Outcome::ActionTaken,
        Status::Approved => Outcome::NoAction,
        Status::Pending => return Ok(()),
    };
    // The notifier reads it in the outcome's message.
    let reason = match to {
        Status::Rejected => {
            "A moderator decided on the comment: it breaks the comment policy or the law, and it was taken out of the thread."
        }
        Status::Spam => {
            "A moderator decided on the comment: it is spam, and it was taken out of the thread."
        }
        _ => "A moderator decided on the comment: it stays published.",
    };
    for notice in notices_db::open_on_any(conn, ids)? {
        notices_db::resolve(
            conn,
            notice.id,
            (outcome.as_str(), reason),
            Some(moderator),
            now,
        )?;
        super::notifiers::decided(notifier, conn, &notice, (outcome.as_str(), reason), now)?;
    }
    Ok(())
}

/// A notice as moderators see it (the notifier included).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NoticeView {
    /// The notice.
    pub id: i32,
    /// The comment.
    #[schema(value_type = i32)]
    pub comment_id: CommentId,
    /// `illegal` or `terms`.
    pub category: String,
    /// The notifier's explanation.
    pub explanation: String,
    /// The law named.
    pub law: Option<String>,
    /// The notifier's name, if given.
    pub notifier_name: Option<String>,
    /// The notifier's address, if given (moderators only).
    pub notifier_email: Option<String>,
    /// The good-faith statement.
    pub good_faith: bool,
    /// When received.
    pub created_at: String,
    /// When resolved.
    pub resolved_at: Option<String>,
    /// `action_taken` or `no_action`.
    pub outcome: Option<String>,
    /// The moderator's reason.
    pub resolution: Option<String>,
}

impl From<Notice> for NoticeView {
    fn from(n: Notice) -> Self {
        use crate::domain::time::rfc3339;
        Self {
            id: n.id,
            comment_id: n.comment_id,
            category: n.category,
            explanation: n.explanation,
            law: n.law,
            notifier_name: n.notifier_name,
            notifier_email: n.notifier_email,
            good_faith: n.good_faith,
            created_at: rfc3339(n.created_at),
            resolved_at: n.resolved_at.map(rfc3339),
            outcome: n.outcome,
            resolution: n.resolution,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::domain::moderation::Decision;
    use crate::domain::notice::{NewNotice, NoticeForm};
    use crate::service::testing::{conn, pending_comment, post_published_at};

    fn illegal() -> NewNotice {
        NewNotice::parse(&NoticeForm {
            category: Some("illegal".into()),
            explanation: Some("A threat".into()),
            law: Some("Penal code 1".into()),
            good_faith: Some(true),
            ..NoticeForm::default()
        })
        .unwrap()
    }

    #[test]
    fn a_notice_needs_a_published_comment_and_flags_it() {
        let mut conn = conn();
        let post = post_published_at(&mut conn, "p", 0);
        let id = pending_comment(&mut conn, post);
        let mut ctx = Ctx::new(&mut conn);
        assert!(matches!(
            submit(&mut ctx, id, &illegal(), 5),
            Err(ApiError::NotFound(_))
        ));
        crate::service::decisions::decide(&mut ctx, &[id], &Decision::Approve, 1, 6).unwrap();
        let notice = submit(&mut ctx, id, &illegal(), 7).unwrap();
        let c = comments_db::get(ctx.conn, id).unwrap().unwrap();
        assert_eq!(c.flag_count, 1);

        // Rejecting it: the statement says a notice led to it and names
        // its law only if the reason rests on the law (here the terms).
        let reject = Decision::Reject {
            reason: "abusive".into(),
        };
        crate::service::decisions::decide(&mut ctx, &[id], &reject, 1, 8).unwrap();
        let s = crate::db::statements::latest(ctx.conn, id)
            .unwrap()
            .unwrap();
        assert!(s.from_notice);
        assert_eq!(s.decision, "removed");
        let n = notices_db::get(ctx.conn, notice).unwrap().unwrap();
        assert_eq!(n.outcome.as_deref(), Some("action_taken"));
        assert!(matches!(
            resolve(&mut ctx, notice, Outcome::NoAction, "again", 1, 9),
            Err(ApiError::NotFound(_))
        ));
    }

    #[test]
    fn a_moderator_resolves_a_notice_with_a_reason() {
        let mut conn = conn();
        let post = post_published_at(&mut conn, "p", 0);
        let id = pending_comment(&mut conn, post);
        let mut ctx = Ctx::new(&mut conn);
        crate::service::decisions::decide(&mut ctx, &[id], &Decision::Approve, 1, 6).unwrap();
        let notice = submit(&mut ctx, id, &illegal(), 7).unwrap();
        assert!(matches!(
            resolve(&mut ctx, notice, Outcome::NoAction, "  ", 1, 8),
            Err(ApiError::Validation(_))
        ));
        let done = resolve(
            &mut ctx,
            notice,
            Outcome::NoAction,
            "Lawful criticism",
            1,
            8,
        )
        .unwrap();
        assert_eq!(done.id, notice);
        let n = notices_db::get(ctx.conn, notice).unwrap().unwrap();
        assert_eq!(n.resolution.as_deref(), Some("Lawful criticism"));
        assert_eq!(
            comments_db::get(ctx.conn, id).unwrap().unwrap().flag_count,
            0
        );
    }

    #[test]
    fn the_retention_purge_forgets_resolved_notifiers_and_logs_it_once() {
        use crate::config::PrivacySettings;
        use crate::db::log::{LogAction, LogFilter};
        const DAY: i64 = 24 * 60 * 60;
        let mut conn = conn();
        let post = post_published_at(&mut conn, "p", 0);
        let id = pending_comment(&mut conn, post);
        let mut ctx = Ctx::new(&mut conn);
        crate::service::decisions::decide(&mut ctx, &[id], &Decision::Approve, 1, 6).unwrap();
        let named = NewNotice::parse(&NoticeForm {
            category: Some("terms".into()),
            explanation: Some("Off-topic".into()),
            notifier_name: Some("Nora".into()),
            notifier_email: Some("nora@example.org".into()),
            ..NoticeForm::default()
        })
        .unwrap();
        let notice = submit(&mut ctx, id, &named, 7).unwrap();
        resolve(&mut ctx, notice, Outcome::NoAction, "Fine", 1, 8).unwrap();
        let purges = |conn: &mut DbConn| -> Vec<String> {
            crate::db::log::list(conn, &LogFilter::default(), None, 100)
                .unwrap()
                .into_iter()
                .filter(|((_, _, action, ..), ..)| *action == LogAction::PrivacyPurge)
                .filter_map(|((.., detail), ..)| detail)
                .collect()
        };
        let settings = PrivacySettings::default();

        // Within the retention nothing is forgotten and nothing logged.
        crate::service::privacy::purge(ctx.conn, &settings, 8 + 89 * DAY).unwrap();
        let n = notices_db::get(ctx.conn, notice).unwrap().unwrap();
        assert_eq!(n.notifier_email.as_deref(), Some("nora@example.org"));
        assert!(purges(ctx.conn).iter().all(|d| !d.contains("notices")));

        crate::service::privacy::purge(ctx.conn, &settings, 8 + 91 * DAY).unwrap();
        let n = notices_db::get(ctx.conn, notice).unwrap().unwrap();
        assert_eq!((n.notifier_name, n.notifier_email), (None, None));
        let logged: Vec<String> = purges(ctx.conn)
            .into_iter()
            .filter(|d| d.contains("notices"))
            .collect();
        assert_eq!(logged.len(), 1, "{logged:?}");
        assert!(logged[0].starts_with("1 notices:"), "{}", logged[0]);
        assert!(!logged[0].contains("nora"), "{}", logged[0]);

        // A second sweep finds nothing more and says nothing.
        crate::service::privacy::purge(ctx.conn, &settings, 8 + 92 * DAY).unwrap();
        assert_eq!(
            purges(ctx.conn)
                .iter()
                .filter(|d| d.contains("notices"))
                .count(),
            1
        );
    }
}
