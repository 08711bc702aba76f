//! Moderators' decisions: approve, reject with a configured reason, or
//! spam, for one comment or many at once.

use super::events::{Ctx, Event};
use crate::config::Settings;
use crate::db::comments::Comment;
use crate::db::moderation as moderation_db;
use crate::domain::comment::CommentId;
use crate::domain::moderation::{Decision, Status};
use crate::error::ApiError;
use serde::Deserialize;

/// Most comments one bulk decision may name.
pub const MAX_BULK: usize = 200;

/// A bulk request's action, as sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BulkAction {
    /// Publish them.
    Approve,
    /// Refuse them, citing `reason`.
    Reject,
    /// File them as spam.
    Spam,
    /// Any other word: refused with a 422 that names the three.
    #[serde(other)]
    Unknown,
}

/// The reason id `reason`, if it is one of the configured reasons (422
/// naming them otherwise, or when there is none).
pub fn checked_reason(settings: &Settings, reason: Option<&str>) -> Result<String, ApiError> {
    let reason = reason.map(str::trim).unwrap_or("");
    if reason.is_empty() {
        return Err(ApiError::field("reason", "a rejection needs a reason"));
    }
    if settings.reasons.iter().any(|r| r.id == reason) {
        Ok(reason.to_owned())
    } else {
        let ids: Vec<&str> = settings.reasons.iter().map(|r| r.id.as_str()).collect();
        Err(ApiError::field(
            "reason",
            format!("must be one of: {}", ids.join(", ")),
        ))
    }
}

/// The decision a bulk request asks for.
pub fn bulk_decision(
    settings: &Settings,
    action: BulkAction,
    reason: Option<&str>,
) -> Result<Decision, ApiError> {
    Ok(match action {
        BulkAction::Approve => Decision::Approve,
        BulkAction::Spam => Decision::Spam,
        BulkAction::Reject => Decision::Reject {
            reason: checked_reason(settings, reason)?,
        },
        BulkAction::Unknown => {
            return Err(ApiError::field("action", "must be approve, reject or spam"));
        }
    })
}

/// The ids of a bulk request, sorted and without repeats (422 unless there
/// are 1 to [`MAX_BULK`]).
pub fn bulk_ids(mut ids: Vec<CommentId>) -> Result<Vec<CommentId>, ApiError> {
    if ids.is_empty() || ids.len() > MAX_BULK {
        return Err(ApiError::field(
            "ids",
            format!("name from 1 to {MAX_BULK} comments"),
        ));
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// Applies `decision` to each of `ids` that exists, in one transaction,
/// each logged; returns the comments as they were before. Unknown ids are
/// skipped.
pub fn decide(
    ctx: &mut Ctx<'_>,
    ids: &[CommentId],
    decision: &Decision,
    moderator: i32,
    now: i64,
) -> Result<Vec<Comment>, ApiError> {
    let notifier = ctx.notifier.clone();
    let before = crate::db::write(ctx.conn, |conn| {
        let appeals = super::appeals::deciding(conn, ids, moderator)?;
        let before = moderation_db::decide(conn, ids, decision, moderator, now)?;
        // Upholding an appeal leaves its statement as it was.
        let restated: Vec<Comment> = before
            .iter()
            .filter(|c| !appeals.iter().any(|a| a.comment_id == c.id))
            .cloned()
            .collect();
        super::statements::decided(
            conn,
            &notifier,
            &restated,
            decision.status(),
            decision.reason(),
            moderator,
            now,
        )?;
        super::appeals::decided(
            conn,
            &notifier,
            &appeals,
            &before,
            decision.status(),
            moderator,
            now,
        )?;
        let found: Vec<CommentId> = before.iter().map(|c| c.id).collect();
        super::notices::settle(conn, &notifier, &found, decision.status(), moderator, now)?;
        notifier.decided(conn, &before, decision.status(), now)?;
        Ok::<_, ApiError>(before)
    })?;
    for comment in &before {
        ctx.emit(decided(
            comment,
            decision.status(),
            decision.reason(),
            moderator,
        ));
    }
    Ok(before)
}

/// The event of a decision on `comment` (as it was before).
pub fn decided(comment: &Comment, to: Status, reason: Option<&str>, by: i32) -> Event {
    Event::CommentDecided {
        comment_id: comment.id,
        post_id: comment.post_id,
        from: comment.status,
        to,
        reason: reason.map(str::to_owned),
        by: Some(by),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::testing::{conn, post_published_at};

    fn settings() -> Settings {
        Settings::default()
    }

    #[test]
    fn a_rejection_names_a_configured_reason() {
        let s = settings();
        let known = s.reasons[0].id.clone();
        assert_eq!(
            checked_reason(&s, Some(&format!(" {known} "))).unwrap(),
            known
        );
        assert!(matches!(
            checked_reason(&s, None),
            Err(ApiError::Validation(e)) if e[0].message.contains("needs a reason")
        ));
        assert!(matches!(
            checked_reason(&s, Some("nonsense")),
            Err(ApiError::Validation(e)) if e[0].message.starts_with("must be one of")
        ));
        assert!(bulk_decision(&s, BulkAction::Reject, None).is_err());
        assert_eq!(
            bulk_decision(&s, BulkAction::Spam, None).unwrap(),
            Decision::Spam
        );
        let unknown: BulkAction = serde_json::from_str("\"promote\"").unwrap();
        assert!(matches!(
            bulk_decision(&s, unknown, None),
            Err(ApiError::Validation(e)) if e[0].field == "action"
        ));
    }

    #[test]
    fn bulk_ids_are_bounded_sorted_and_unique() {
        let ids = |v: &[i32]| v.iter().copied().map(CommentId).collect::<Vec<_>>();
        assert_eq!(bulk_ids(ids(&[3, 1, 3, 2])).unwrap(), ids(&[1, 2, 3]));
        assert!(bulk_ids(vec![]).is_err());
        assert!(bulk_ids((0..=MAX_BULK as i32).map(CommentId).collect()).is_err());
    }

    #[test]
    fn a_decision_records_where_each_comment_came_from() {
        let mut conn = conn();
        let post = post_published_at(&mut conn, "p", 0);
        let id = crate::service::testing::pending_comment(&mut conn, post);
        let mut ctx = Ctx::new(&mut conn);
        let before = decide(&mut ctx, &[id, CommentId(999)], &Decision::Approve, 1, 10).unwrap();
        assert_eq!(before.len(), 1, "the unknown id is skipped");
        assert_eq!(
            ctx.events(),
            [Event::CommentDecided {
                comment_id: id,
                post_id: post,
                from: Status::Pending,
                to: Status::Approved,
                reason: None,
                by: Some(1),
            }]
        );
    }
}

#[cfg(test)]
mod authority_tests {
    //! A moderator's authority is checked inside the decision's own
    //! transaction (issue 15, point 11): what changed after the request's
    //! guard let it in is seen, and nothing commits.
    use super::*;
    use crate::db::authority::{Authority, acting_as};
    use crate::db::schema::moderators;
    use crate::domain::moderation::Role;
    use crate::service::testing::{conn, pending_comment, post_published_at};
    use diesel::prelude::*;

    fn status(conn: &mut crate::db::DbConn, id: CommentId) -> Status {
        crate::db::comments::get(conn, id).unwrap().unwrap().status
    }

    /// The guard has let the request in with this session; then `change`
    /// commits (an admin's, elsewhere); then the decision runs.
    fn decide_after(
        change: impl FnOnce(&mut crate::db::DbConn),
        needed: Role,
    ) -> (Result<Vec<Comment>, ApiError>, Status) {
        let mut conn = conn();
        let post = post_published_at(&mut conn, "p", 0);
        let comment = pending_comment(&mut conn, post);
        let far = crate::domain::time::now() + 3600;
        crate::db::accounts::create_session(&mut conn, "stale", 1, "csrf", 0, far).unwrap();
        change(&mut conn);
        let authority = Authority {
            account_id: 1,
            token_hash: "stale".into(),
            role: needed,
        };
        let result = acting_as(authority, || {
            let mut ctx = Ctx::new(&mut conn);
            decide(&mut ctx, &[comment], &Decision::Approve, 1, 10)
        });
        let now = status(&mut conn, comment);
        (result, now)
    }

    #[test]
    fn a_live_session_of_an_enabled_account_decides() {
        let (result, status) = decide_after(|_| {}, Role::Moderator);
        assert!(result.is_ok());
        assert_eq!(status, Status::Approved);
    }

    #[test]
    fn an_account_disabled_after_the_guard_commits_nothing() {
        let (result, status) = decide_after(
            |conn| {
                diesel::update(moderators::table.find(1))
                    .set(moderators::disabled.eq(true))
                    .execute(conn)
                    .unwrap();
            },
            Role::Moderator,
        );
        assert!(matches!(result, Err(ApiError::Unauthorized)), "{result:?}");
        assert_eq!(status, Status::Pending);
    }

    #[test]
    fn a_session_ended_after_the_guard_commits_nothing() {
        let (result, status) = decide_after(
            |conn| {
                crate::db::accounts::delete_session(conn, "stale").unwrap();
            },
            Role::Moderator,
        );
        assert!(matches!(result, Err(ApiError::Unauthorized)), "{result:?}");
        assert_eq!(status, Status::Pending);
    }

    #[test]
    fn an_account_demoted_below_the_change_after_the_guard_commits_nothing() {
        let (result, status) = decide_after(
            |conn| {
                diesel::update(moderators::table.find(1))
                    .set(moderators::role.eq("moderator"))
                    .execute(conn)
                    .unwrap();
            },
            Role::Editor,
        );
        assert!(matches!(result, Err(ApiError::Forbidden(_))), "{result:?}");
        assert_eq!(status, Status::Pending);
    }
}
