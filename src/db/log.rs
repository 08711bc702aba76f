//! The append-only moderation log: what each entry records ([`LogAction`]),
//! one constructor per action, appending, and reading it back.
//!
//! The invariant: every change a person or the system makes to comments,
//! posts, accounts, bans or terms appends its entry inside the transaction
//! of the change, and no entry is ever updated or deleted (triggers refuse
//! it). An entry names what changed, never removed text. This module is at
//! the bottom of `db/`: the other query modules call it, it calls none.

use super::DbConn;
use super::schema::{moderation_log, moderators, posts};
use crate::domain::comment::CommentId;
use crate::domain::post::PostId;
use crate::domain::time::rfc3339;
use diesel::prelude::*;

/// What a log entry records; stored as its name ([`LogAction::as_str`]).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum LogAction {
    /// A comment approved.
    Approve,
    /// A comment rejected with a reason (by a moderator or a banned term).
    Reject,
    /// A comment filed as spam.
    Spam,
    /// An official reply published.
    Reply,
    /// A post created.
    PostCreate,
    /// A post changed (by an editor, or closed by `auto_close_days`).
    PostUpdate,
    /// A post created by the first accepted comment from its page.
    PostAutoCreated,
    /// An account created.
    AccountCreate,
    /// An account's role changed.
    AccountRole,
    /// An account disabled.
    AccountDisable,
    /// An account enabled again.
    AccountEnable,
    /// An account's display name changed.
    AccountRename,
    /// A password changed or issued.
    AccountPassword,
    /// Every session of an account ended.
    LogoutAll,
    /// A sender banned.
    Ban,
    /// A ban lifted.
    Unban,
    /// A banned or suspect term added.
    TermAdd,
    /// A term removed.
    TermRemove,
    /// Personal data past the retention removed.
    PrivacyPurge,
    /// A reader's comments erased at their request.
    ReaderErase,
    /// The demo's sample content added.
    DemoSeed,
    /// Another system's comments imported (`colloquy import`).
    Import,
    /// A reader's notice received (illegal content or the comment policy).
    Notice,
    /// A notice resolved by a moderator (action taken or no action).
    NoticeResolved,
    /// A reader appealed a decision.
    Appeal,
    /// An appeal decided: the decision stands.
    AppealUpheld,
    /// An appeal decided: the decision is reversed and the comment published.
    AppealReversed,
}

impl LogAction {
    /// Every action, in the order above.
    pub const ALL: [Self; 27] = [
        Self::Approve,
        Self::Reject,
        Self::Spam,
        Self::Reply,
        Self::PostCreate,
        Self::PostUpdate,
        Self::PostAutoCreated,
        Self::AccountCreate,
        Self::AccountRole,
        Self::AccountDisable,
        Self::AccountEnable,
        Self::AccountRename,
        Self::AccountPassword,
        Self::LogoutAll,
        Self::Ban,
        Self::Unban,
        Self::TermAdd,
        Self::TermRemove,
        Self::PrivacyPurge,
        Self::ReaderErase,
        Self::DemoSeed,
        Self::Import,
        Self::Notice,
        Self::NoticeResolved,
        Self::Appeal,
        Self::AppealUpheld,
        Self::AppealReversed,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::Reject => "reject",
            Self::Spam => "spam",
            Self::Reply => "reply",
            Self::PostCreate => "post_create",
            Self::PostUpdate => "post_update",
            Self::PostAutoCreated => "post_auto_created",
            Self::AccountCreate => "account_create",
            Self::AccountRole => "account_role",
            Self::AccountDisable => "account_disable",
            Self::AccountEnable => "account_enable",
            Self::AccountRename => "account_rename",
            Self::AccountPassword => "account_password",
            Self::LogoutAll => "logout_all",
            Self::Ban => "ban",
            Self::Unban => "unban",
            Self::TermAdd => "term_add",
            Self::TermRemove => "term_remove",
            Self::PrivacyPurge => "privacy_purge",
            Self::ReaderErase => "reader_erase",
            Self::DemoSeed => "demo_seed",
            Self::Import => "import",
            Self::Notice => "notice",
            Self::NoticeResolved => "notice_resolved",
            Self::Appeal => "appeal",
            Self::AppealUpheld => "appeal_upheld",
            Self::AppealReversed => "appeal_reversed",
        }
    }

    /// Reads a stored name.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == value)
    }

    /// Whether this is a moderator's (or the system's) decision on a
    /// comment.
    pub fn is_decision(self) -> bool {
        matches!(self, Self::Approve | Self::Reject | Self::Spam)
    }
}

/// A log entry to append, made by one of the constructors below.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = moderation_log)]
pub struct LogEntry {
    /// When.
    pub at: i64,
    /// Who (none for actions of the system itself, e.g. the demo seed).
    pub moderator_id: Option<i32>,
    /// What.
    pub action: LogAction,
    /// The comment concerned.
    pub comment_id: Option<CommentId>,
    /// The post concerned.
    pub post_id: Option<PostId>,
    /// The rejection reason id.
    pub reason: Option<String>,
    /// Extra facts (fields changed, previous status).
    pub detail: Option<String>,
}

impl LogEntry {
    fn new(at: i64, moderator_id: Option<i32>, action: LogAction) -> Self {
        Self {
            at,
            moderator_id,
            action,
            comment_id: None,
            post_id: None,
            reason: None,
            detail: None,
        }
    }

    fn on_comment(mut self, comment_id: CommentId, post_id: PostId) -> Self {
        self.comment_id = Some(comment_id);
        self.post_id = Some(post_id);
        self
    }

    fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// A moderator's decision (`action` is approve, reject or spam) on a
    /// comment that stood at `was`.
    pub fn decision(
        at: i64,
        moderator_id: i32,
        action: LogAction,
        (comment_id, post_id): (CommentId, PostId),
        reason: Option<&str>,
        was: &str,
    ) -> Self {
        let mut entry = Self::new(at, Some(moderator_id), action)
            .on_comment(comment_id, post_id)
            .detail(format!("was {was}"));
        entry.reason = reason.map(str::to_owned);
        entry
    }

    /// A reader's comment rejected by a banned term as it arrived, by the
    /// system.
    pub fn banned_term(at: i64, (comment_id, post_id): (CommentId, PostId), reason: &str) -> Self {
        let mut entry = Self::new(at, None, LogAction::Reject)
            .on_comment(comment_id, post_id)
            .detail("banned term");
        entry.reason = Some(reason.to_owned());
        entry
    }

    /// A reader's notice on a comment (`category`: illegal or terms); the
    /// notifier is not named.
    pub fn notice(
        at: i64,
        (notice_id, comment_id, post_id): (i32, CommentId, PostId),
        category: &str,
    ) -> Self {
        Self::new(at, None, LogAction::Notice)
            .on_comment(comment_id, post_id)
            .detail(format!("notice {notice_id}: {category}"))
    }

    /// A notice resolved (`outcome`: action_taken or no_action); the
    /// moderator's reason is in the notice, not copied here.
    pub fn notice_resolved(
        at: i64,
        moderator_id: Option<i32>,
        (notice_id, comment_id, post_id): (i32, CommentId, Option<PostId>),
        outcome: &str,
    ) -> Self {
        let mut entry = Self::new(at, moderator_id, LogAction::NoticeResolved)
            .detail(format!("notice {notice_id}: {outcome}"));
        entry.comment_id = Some(comment_id);
        entry.post_id = post_id;
        entry
    }

    /// A reader's appeal against the statement `statement_id`.
    pub fn appeal(at: i64, (comment_id, post_id): (CommentId, PostId), statement_id: i32) -> Self {
        Self::new(at, None, LogAction::Appeal)
            .on_comment(comment_id, post_id)
            .detail(format!("against statement {statement_id}"))
    }

    /// An appeal decided by `moderator_id`: upheld, or reversed.
    pub fn appeal_decided(
        at: i64,
        moderator_id: i32,
        (comment_id, post_id): (CommentId, PostId),
        reversed: bool,
    ) -> Self {
        let action = if reversed {
            LogAction::AppealReversed
        } else {
            LogAction::AppealUpheld
        };
        Self::new(at, Some(moderator_id), action).on_comment(comment_id, post_id)
    }

    /// An official reply published.
    pub fn reply(at: i64, moderator_id: i32, (comment_id, post_id): (CommentId, PostId)) -> Self {
        Self::new(at, Some(moderator_id), LogAction::Reply).on_comment(comment_id, post_id)
    }

    /// A post created (by an editor, or by the system with `None`).
    pub fn post_create(at: i64, moderator_id: Option<i32>, post_id: PostId) -> Self {
        let mut entry = Self::new(at, moderator_id, LogAction::PostCreate);
        entry.post_id = Some(post_id);
        entry
    }

    /// A post created by a reader's first comment from the page `url`.
    pub fn post_auto_created(at: i64, post_id: PostId, url: &str) -> Self {
        let mut entry = Self::new(at, None, LogAction::PostAutoCreated)
            .detail(format!("started by a comment from {url}"));
        entry.post_id = Some(post_id);
        entry
    }

    /// A post changed; `fields` names what changed, never its content.
    pub fn post_update(
        at: i64,
        moderator_id: Option<i32>,
        post_id: PostId,
        fields: String,
    ) -> Self {
        let mut entry = Self::new(at, moderator_id, LogAction::PostUpdate).detail(fields);
        entry.post_id = Some(post_id);
        entry
    }

    /// An account created (`by` none for the command line).
    pub fn account_create(at: i64, by: Option<i32>, username: &str, role: &str) -> Self {
        Self::new(at, by, LogAction::AccountCreate).detail(format!("{username} as {role}"))
    }

    /// An account's role changed.
    pub fn account_role(at: i64, by: Option<i32>, username: &str, from: &str, to: &str) -> Self {
        Self::new(at, by, LogAction::AccountRole)
            .detail(format!("{username}: {from} \u{2192} {to}"))
    }

    /// An account disabled (or, with `disabled` false, enabled again).
    pub fn account_disabled(at: i64, by: Option<i32>, username: &str, disabled: bool) -> Self {
        let action = if disabled {
            LogAction::AccountDisable
        } else {
            LogAction::AccountEnable
        };
        Self::new(at, by, action).detail(username)
    }

    /// An account's display name changed (the new name is not logged).
    pub fn account_rename(at: i64, by: Option<i32>, username: &str) -> Self {
        Self::new(at, by, LogAction::AccountRename)
            .detail(format!("{username}: display name changed"))
    }

    /// A password changed by its owner, or issued by an admin.
    pub fn account_password(at: i64, by: Option<i32>, username: &str, own: bool) -> Self {
        let detail = if own {
            format!("{username}: changed own password")
        } else {
            format!("{username}: new password issued")
        };
        Self::new(at, by, LogAction::AccountPassword).detail(detail)
    }

    /// Every session of an account ended by its owner.
    pub fn logout_all(at: i64, moderator_id: i32, ended: usize) -> Self {
        Self::new(at, Some(moderator_id), LogAction::LogoutAll)
            .detail(format!("{ended} session(s) ended"))
    }

    /// A ban made (`lifted` false) or lifted. The detail names the ban and
    /// its kind, never the address or hash banned; `comment_id` says which
    /// comment it came from.
    pub fn ban(
        at: i64,
        moderator_id: i32,
        lifted: bool,
        (ban_id, kind, comment_id, expires_at): (i32, &str, Option<CommentId>, Option<i64>),
    ) -> Self {
        let until = expires_at.map_or_else(
            || "no expiry".to_owned(),
            |t| format!("until {}", rfc3339(t)),
        );
        let action = if lifted {
            LogAction::Unban
        } else {
            LogAction::Ban
        };
        let mut entry = Self::new(at, Some(moderator_id), action)
            .detail(format!("ban {ban_id} by {kind}, {until}"));
        entry.comment_id = comment_id;
        entry
    }

    /// A banned or suspect term added (`removed` false) or removed.
    pub fn term(
        at: i64,
        moderator_id: i32,
        removed: bool,
        (kind, term, reason): (&str, &str, Option<&str>),
    ) -> Self {
        let action = if removed {
            LogAction::TermRemove
        } else {
            LogAction::TermAdd
        };
        let mut entry = Self::new(at, Some(moderator_id), action)
            .detail(format!("{kind} \u{201c}{term}\u{201d}"));
        entry.reason = reason.map(str::to_owned);
        entry
    }

    /// A batch of the retention purge.
    pub fn privacy_purge(at: i64, comments: usize, retention_days: u32) -> Self {
        Self::new(at, None, LogAction::PrivacyPurge).detail(format!(
            "{comments} comments: e-mail address and IP hash removed \
             (decided more than {retention_days} days ago)"
        ))
    }

    /// The retention purge of notifiers: the names and addresses of
    /// `notices` notices resolved more than `retention_days` ago removed.
    pub fn notifier_purge(at: i64, notices: usize, retention_days: u32) -> Self {
        Self::new(at, None, LogAction::PrivacyPurge).detail(format!(
            "{notices} notices: notifier's name and e-mail address removed \
             (resolved more than {retention_days} days ago)"
        ))
    }

    /// A reader's comment kept as a placeholder at their request (`why`:
    /// what still refers to it).
    pub fn reader_erase_kept(
        at: i64,
        (comment_id, post_id): (CommentId, PostId),
        why: &str,
        was: &str,
    ) -> Self {
        Self::new(at, None, LogAction::ReaderErase)
            .on_comment(comment_id, post_id)
            .detail(format!(
                "removed at the author's request; kept as a placeholder ({why}); was {was}"
            ))
    }

    /// A reader's comment deleted at their request (the entry cannot refer
    /// to the row, which is gone).
    pub fn reader_erase_deleted(
        at: i64,
        comment_id: CommentId,
        post_id: PostId,
        was: &str,
    ) -> Self {
        let mut entry = Self::new(at, None, LogAction::ReaderErase).detail(format!(
            "comment {comment_id} deleted at the author's request; was {was}"
        ));
        entry.post_id = Some(post_id);
        entry
    }

    /// The demo's sample content added by `serve --demo`.
    pub fn demo_seed(at: i64) -> Self {
        Self::new(at, None, LogAction::DemoSeed)
            .detail("sample posts and comments added by serve --demo")
    }

    /// A file of another system imported by `colloquy import`; `detail`
    /// says from what and what it added (counts, never content).
    pub fn import(at: i64, detail: String) -> Self {
        Self::new(at, None, LogAction::Import).detail(detail)
    }
}

/// Appends one entry; call inside the transaction of the change it records.
pub fn append(conn: &mut DbConn, entry: &LogEntry) -> QueryResult<()> {
    diesel::insert_into(moderation_log::table)
        .values(entry)
        .execute(conn)
        .map(drop)
}

/// The id of the newest entry (0 when empty).
pub fn newest_id(conn: &mut DbConn) -> QueryResult<i32> {
    moderation_log::table
        .select(diesel::dsl::max(moderation_log::id))
        .first::<Option<i32>>(conn)
        .map(Option::unwrap_or_default)
}

/// The id and action of every entry after `after`, oldest first.
pub fn actions_after(conn: &mut DbConn, after: i32) -> QueryResult<Vec<(i32, LogAction)>> {
    moderation_log::table
        .filter(moderation_log::id.gt(after))
        .select((moderation_log::id, moderation_log::action))
        .order(moderation_log::id.asc())
        .load(conn)
}

/// A log entry as listed: the entry with the moderator's name and the
/// post's slug.
pub type LogRow = (
    (
        i32,
        i64,
        LogAction,
        Option<CommentId>,
        Option<String>,
        Option<String>,
    ),
    Option<String>,
    Option<String>,
);

/// Filters on the log listing.
#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    /// Only this moderator's entries (user name).
    pub moderator: Option<String>,
    /// Only this action.
    pub action: Option<String>,
    /// Only this post (slug).
    pub post: Option<String>,
}

/// A page of the log, newest first, before the id `before`.
pub fn list(
    conn: &mut DbConn,
    filter: &LogFilter,
    before: Option<i32>,
    limit: i64,
) -> QueryResult<Vec<LogRow>> {
    let mut query = moderation_log::table
        .left_join(moderators::table)
        .left_join(posts::table)
        .select((
            (
                moderation_log::id,
                moderation_log::at,
                moderation_log::action,
                moderation_log::comment_id,
                moderation_log::reason,
                moderation_log::detail,
            ),
            moderators::username.nullable(),
            posts::slug.nullable(),
        ))
        .order(moderation_log::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(id) = before {
        query = query.filter(moderation_log::id.lt(id));
    }
    if let Some(m) = &filter.moderator {
        query = query.filter(moderators::username.eq(m.clone()));
    }
    if let Some(a) = &filter.action {
        // An action nobody logs has no entries.
        let Some(action) = LogAction::parse(a) else {
            return Ok(Vec::new());
        };
        query = query.filter(moderation_log::action.eq(action));
    }
    if let Some(p) = &filter.post {
        query = query.filter(posts::slug.eq(p.clone()));
    }
    query.load(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_reads_back_from_its_name() {
        for action in LogAction::ALL {
            assert_eq!(LogAction::parse(action.as_str()), Some(action));
        }
        assert_eq!(LogAction::parse("approve "), None);
        let decisions: Vec<_> = LogAction::ALL
            .into_iter()
            .filter(|a| a.is_decision())
            .collect();
        assert_eq!(
            decisions,
            [LogAction::Approve, LogAction::Reject, LogAction::Spam]
        );
    }
}
