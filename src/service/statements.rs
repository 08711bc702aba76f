//! Statements of reasons (DSA art. 17): what each reject or spam decision,
//! and each removal of a published comment, records and tells its author.
//!
//! The invariant: every such decision, by a person, a banned term as the
//! comment arrives, or the spam check in the writer's batch, writes its
//! statement (and the author's message, for a confirmed address) inside
//! the decision's own transaction. A statement names the rule as the
//! policy published it then, whether automation detected or decided, and
//! the routes of redress; it never holds the author's name, address or
//! text.

use super::notify::{Addressee, Notifier};
use crate::config::Settings;
use crate::db::DbConn;
use crate::db::comments::Comment;
use crate::db::statements::{self as statements_db, NewStatement, Statement};
use crate::db::writer::AfterInsert;
use crate::domain::comment::CommentId;
use crate::domain::moderation::{Ground, Reason, Status};
use crate::domain::post::PostId;
use crate::domain::time::rfc3339;
use diesel::result::QueryResult;
use serde::Serialize;
use std::sync::Arc;

/// `decision` of a comment that was never public.
pub const NOT_PUBLISHED: &str = "not_published";
/// `decision` of a published comment taken out of its thread.
pub const REMOVED: &str = "removed";

/// How a decision came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// A moderator decided (`detected`: the spam check had raised signals).
    Person {
        /// The moderator.
        moderator: i32,
        /// Automated signals were shown with the comment.
        detected: bool,
    },
    /// A banned term rejected the comment as it arrived.
    BannedTerm,
    /// The spam check filed it (`honeypot`: the hidden field was filled).
    SpamCheck {
        /// The score reached.
        score: i32,
        /// The honeypot was filled.
        honeypot: bool,
    },
}

/// What a statement is about: the comment as it stood before.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// The comment.
    pub comment_id: CommentId,
    /// Its post.
    pub post_id: PostId,
    /// Whether it was public (then the decision removes it).
    pub was_public: bool,
    /// When it was submitted.
    pub submitted_at: i64,
    /// Who is told, if they asked and confirmed.
    pub addressee: Addressee<'a>,
}

impl<'a> Subject<'a> {
    /// A stored comment.
    pub fn of(comment: &'a Comment) -> Self {
        Self {
            comment_id: comment.id,
            post_id: comment.post_id,
            was_public: comment.status == Status::Approved,
            submitted_at: comment.created_at,
            addressee: Addressee::of(comment),
        }
    }
}

/// The reason a spam decision cites: the configured `spam` reason, else a
/// rule of our own words.
pub fn spam_reason(settings: &Settings) -> Reason {
    settings
        .reasons
        .iter()
        .find(|r| r.id == "spam")
        .cloned()
        .unwrap_or_else(|| Reason {
            id: "spam".to_owned(),
            label: "Spam".to_owned(),
            clause: "No commercial promotion, solicitations or repeated postings.".to_owned(),
            ground: Ground::Terms,
            law: None,
        })
}

/// The configured reason `id`, else one that says only that the policy
/// was broken (a reason removed from the configuration since).
fn reason(settings: &Settings, id: &str) -> Reason {
    settings
        .reasons
        .iter()
        .find(|r| r.id == id)
        .cloned()
        .unwrap_or_else(|| Reason {
            id: id.to_owned(),
            label: id.to_owned(),
            clause: "Comments must follow the blog's comment policy.".to_owned(),
            ground: Ground::Terms,
            law: None,
        })
}

/// The routes of redress every statement names.
pub fn redress(settings: &Settings) -> String {
    format!(
        "You may appeal this decision once, from the statement page linked in \
         the message that told you of it; a moderator other than the one who \
         decided will review it. You may also turn to an out-of-court dispute \
         settlement body certified under article 21 of the EU Digital Services \
         Act, or to a court. The comment policy: {}/policy",
        settings.public_url()
    )
}

/// The facts found, in words.
fn facts(how: How, status: Status, was_public: bool, clause: &str, settings: &Settings) -> String {
    let mut text = match (how, status) {
        (How::Person { .. }, Status::Spam) => {
            "A moderator read the comment and judged it to be spam.".to_owned()
        }
        (How::Person { .. }, _) => {
            format!("A moderator read the comment and found that it breaks this rule: {clause}")
        }
        (How::BannedTerm, _) => "The comment contains a term on the blog's list of banned \
             terms; it was refused automatically as it arrived."
            .to_owned(),
        (How::SpamCheck { honeypot: true, .. }, _) => "A form field that people do not see \
             was filled in, as automated programs do; the comment was filed as spam \
             automatically."
            .to_owned(),
        (How::SpamCheck { score, .. }, _) => format!(
            "The automatic spam check scored the comment {score}, at or above the \
             threshold of {}; it was filed as spam automatically.",
            settings.spam.threshold
        ),
    };
    if was_public {
        text.push_str(" The comment had been published; it was removed from the thread.");
    }
    text
}

/// Records the statement of one decision (`to` rejected or spam, citing
/// `reason_id` for a rejection) and queues its message to a confirmed
/// author; call inside the decision's transaction. `law` is a law a
/// notice named, used when the reason names none. Returns its id.
#[allow(clippy::too_many_arguments)]
pub fn record(
    conn: &mut DbConn,
    notifier: &Notifier,
    subject: &Subject<'_>,
    to: Status,
    reason_id: Option<&str>,
    how: How,
    notice: Option<Option<&str>>,
    now: i64,
) -> QueryResult<i32> {
    let settings = notifier.settings();
    let reason = match (to, reason_id) {
        (Status::Rejected, Some(id)) => reason(settings, id),
        _ => spam_reason(settings),
    };
    let law = reason
        .law
        .as_deref()
        .or_else(|| notice.flatten())
        .filter(|_| reason.ground == Ground::Illegal);
    let facts = facts(
        how,
        to,
        subject.was_public,
        &reason.clause,
        settings.as_ref(),
    );
    let (detection, decision, moderator) = match how {
        How::Person {
            moderator,
            detected,
        } => (detected, false, Some(moderator)),
        How::BannedTerm | How::SpamCheck { .. } => (true, true, None),
    };
    let token = crate::domain::token::random_token();
    let token_hash = crate::domain::token::token_hash(&token);
    let new = NewStatement {
        comment_id: subject.comment_id,
        post_id: subject.post_id,
        decision: if subject.was_public {
            REMOVED
        } else {
            NOT_PUBLISHED
        },
        status: to,
        ground: reason.ground,
        reason: &reason.id,
        policy_clause: &reason.clause,
        law,
        facts: &facts,
        automated_detection: detection,
        automated_decision: decision,
        from_notice: notice.is_some(),
        moderator_id: moderator,
        submitted_at: subject.submitted_at,
        created_at: now,
        token_hash: &token_hash,
    };
    let id = statements_db::insert(conn, &new)?;
    notifier.statement(
        conn,
        &subject.addressee,
        (id, &reason.label, &new, &redress(settings)),
        &format!("{}/statements/{token}", settings.public_url()),
        now,
    )?;
    Ok(id)
}

/// The statements of a moderator's decision on `before` (the comments as
/// they were): one for each reader's comment that ends rejected or spam.
pub fn decided(
    conn: &mut DbConn,
    notifier: &Notifier,
    before: &[Comment],
    to: Status,
    reason_id: Option<&str>,
    moderator: i32,
    now: i64,
) -> QueryResult<()> {
    if !matches!(to, Status::Rejected | Status::Spam) {
        return Ok(());
    }
    for comment in before
        .iter()
        .filter(|c| c.kind == crate::domain::moderation::Kind::Reader)
    {
        let notice = crate::db::notices::open_law(conn, comment.id)?;
        let how = How::Person {
            moderator,
            detected: comment.spam_score > 0,
        };
        record(
            conn,
            notifier,
            &Subject::of(comment),
            to,
            reason_id,
            how,
            notice.as_ref().map(Option::as_deref),
            now,
        )?;
    }
    Ok(())
}

/// The writer's hook: `inner` (the notifier's), then the statement of
/// each comment of the batch that the spam check filed as spam.
pub fn after_insert(notifier: Arc<Notifier>) -> AfterInsert {
    let inner = notifier.after_insert();
    Arc::new(move |conn, stored| {
        inner(conn, stored)?;
        for (id, pending) in stored.iter().filter(|(_, p)| p.status == Status::Spam) {
            let honeypot = serde_json::from_str::<Vec<String>>(&pending.signals)
                .unwrap_or_default()
                .iter()
                .any(|s| s.contains("honeypot"));
            let subject = Subject {
                comment_id: *id,
                post_id: pending.post_id,
                was_public: false,
                submitted_at: pending.created_at,
                addressee: Addressee::pending(*id, pending),
            };
            let how = How::SpamCheck {
                score: pending.spam_score,
                honeypot,
            };
            record(
                conn,
                &notifier,
                &subject,
                Status::Spam,
                None,
                how,
                None,
                pending.created_at,
            )?;
        }
        Ok(())
    })
}

/// A statement as the contract shows it to moderators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StatementView {
    /// `not_published` or `removed`.
    pub decision: String,
    /// `terms` or `illegal`.
    pub ground: Ground,
    /// The reason's id.
    pub reason: String,
    /// The rule of the comment policy, as published when decided.
    pub policy_clause: String,
    /// The law applied, for an illegal ground.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub law: Option<String>,
    /// What was found.
    pub facts: String,
    /// Whether automated means detected the comment.
    pub automated_detection: bool,
    /// Whether automated means decided.
    pub automated_decision: bool,
    /// Whether a notice led to the decision.
    pub from_notice: bool,
    /// The routes of redress.
    pub redress: String,
    /// When decided (RFC 3339).
    pub created_at: String,
}

impl StatementView {
    /// The view of a stored statement.
    pub fn of(statement: &Statement, settings: &Settings) -> Self {
        Self {
            decision: statement.decision.clone(),
            ground: statement.ground,
            reason: statement.reason.clone(),
            policy_clause: statement.policy_clause.clone(),
            law: statement.law.clone(),
            facts: statement.facts.clone(),
            automated_detection: statement.automated_detection,
            automated_decision: statement.automated_decision,
            from_notice: statement.from_notice,
            redress: redress(settings),
            created_at: rfc3339(statement.created_at),
        }
    }
}

/// The newest statement about comment `id` (404 when none was made).
pub fn of_comment(
    conn: &mut DbConn,
    settings: &Settings,
    id: CommentId,
) -> Result<StatementView, crate::error::ApiError> {
    statements_db::latest(conn, id)?
        .map(|s| StatementView::of(&s, settings))
        .ok_or_else(|| super::not_found::statement(id))
}

/// The statement a reader's token opens (`None` for an unknown token).
pub fn by_token(conn: &mut DbConn, token: &str) -> QueryResult<Option<Statement>> {
    statements_db::by_token_hash(conn, &crate::domain::token::token_hash(token))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::domain::moderation::Decision;
    use crate::service::events::Ctx;
    use crate::service::testing::{conn, pending_comment, post_published_at};

    #[test]
    fn a_moderators_rejection_records_one_statement_with_the_policy_clause() {
        let mut conn = conn();
        let post = post_published_at(&mut conn, "p", 0);
        let id = pending_comment(&mut conn, post);
        let mut ctx = Ctx::new(&mut conn);
        let decision = Decision::Reject {
            reason: "off-topic".into(),
        };
        crate::service::decisions::decide(&mut ctx, &[id], &decision, 1, 50).unwrap();
        let s = statements_db::latest(&mut conn, id).unwrap().unwrap();
        assert_eq!(s.decision, NOT_PUBLISHED);
        assert_eq!(s.ground, Ground::Terms);
        assert_eq!(s.reason, "off-topic");
        assert_eq!(
            s.policy_clause,
            "Comments should relate to the subject of the post."
        );
        assert!(s.facts.contains(&s.policy_clause));
        assert!(!s.automated_decision && !s.automated_detection && !s.from_notice);
        assert_eq!((s.moderator_id, s.created_at), (Some(1), 50));
        assert_eq!(s.token_hash.len(), 64, "only the digest is kept");
    }

    #[test]
    fn approving_records_nothing_and_rejecting_a_published_comment_is_a_removal() {
        let mut conn = conn();
        let post = post_published_at(&mut conn, "p", 0);
        let id = pending_comment(&mut conn, post);
        let mut ctx = Ctx::new(&mut conn);
        crate::service::decisions::decide(&mut ctx, &[id], &Decision::Approve, 1, 10).unwrap();
        assert!(statements_db::latest(ctx.conn, id).unwrap().is_none());
        crate::service::decisions::decide(&mut ctx, &[id], &Decision::Spam, 1, 20).unwrap();
        let s = statements_db::latest(&mut conn, id).unwrap().unwrap();
        assert_eq!(s.decision, REMOVED);
        assert_eq!(s.reason, "spam");
        assert!(s.facts.contains("removed from the thread"), "{}", s.facts);
    }

    #[test]
    fn an_illegal_reason_carries_its_law_and_automation_is_flagged() {
        let mut settings = Settings::default();
        settings.reasons.push(Reason {
            id: "incitement".into(),
            label: "Incitement".into(),
            clause: "No incitement to violence.".into(),
            ground: Ground::Illegal,
            law: Some("Criminal Code s. 130".into()),
        });
        let notifier = Notifier::new(Arc::new(settings));
        let mut conn = conn();
        let post = post_published_at(&mut conn, "p", 0);
        let id = pending_comment(&mut conn, post);
        let comment = crate::db::comments::get(&mut conn, id).unwrap().unwrap();
        let how = How::SpamCheck {
            score: 120,
            honeypot: false,
        };
        let subject = Subject::of(&comment);
        record(
            &mut conn,
            &notifier,
            &subject,
            Status::Rejected,
            Some("incitement"),
            How::BannedTerm,
            None,
            5,
        )
        .unwrap();
        let s = statements_db::latest(&mut conn, id).unwrap().unwrap();
        assert_eq!(s.ground, Ground::Illegal);
        assert_eq!(s.law.as_deref(), Some("Criminal Code s. 130"));
        assert!(s.automated_detection && s.automated_decision);
        assert_eq!(s.moderator_id, None);
        record(
            &mut conn,
            &notifier,
            &subject,
            Status::Spam,
            None,
            how,
            Some(Some("a law")),
            6,
        )
        .unwrap();
        let s = statements_db::latest(&mut conn, id).unwrap().unwrap();
        assert!(s.facts.contains("scored the comment 120"), "{}", s.facts);
        assert!(s.from_notice);
        assert_eq!(s.law, None, "the spam rule rests on the terms");
    }
}
