//! Moderation states, decisions, reasons and roles.

use serde::{Deserialize, Serialize};

/// Where a comment stands in moderation.
#[derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Waiting for a moderator; never public.
    Pending,
    /// Public.
    Approved,
    /// Refused with a reason; never public.
    Rejected,
    /// Judged to be spam; never public.
    Spam,
}

impl Status {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Spam => "spam",
        }
    }

    /// Reads a stored or wire name.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "pending" => Some(Self::Pending),
            "approved" => Some(Self::Approved),
            "rejected" => Some(Self::Rejected),
            "spam" => Some(Self::Spam),
            _ => None,
        }
    }
}

/// Who wrote a comment: a reader, or the blog's staff.
#[derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A reader's comment, moderated before it is public.
    Reader,
    /// An official reply by the staff, public at once.
    Official,
}

impl Kind {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reader => "reader",
            Self::Official => "official",
        }
    }

    /// Reads a stored or wire name.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "reader" => Some(Self::Reader),
            "official" => Some(Self::Official),
            _ => None,
        }
    }
}

/// Which part of the queue a moderator looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueFilter {
    /// Comments in one status.
    Status(Status),
    /// Comments readers have reported, whatever their status.
    Flagged,
    /// Comments whose author appealed the decision, not yet decided again.
    Appealed,
}

impl QueueFilter {
    /// Reads the `status` query parameter.
    pub fn parse(value: &str) -> Option<Self> {
        if value == "flagged" {
            Some(Self::Flagged)
        } else if value == "appealed" {
            Some(Self::Appealed)
        } else {
            Status::parse(value).map(Self::Status)
        }
    }
}

/// What a moderator decides about a comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Publish it.
    Approve,
    /// Refuse it, citing a reason from the configured list.
    Reject {
        /// The id of the reason (`off-topic`, …).
        reason: String,
    },
    /// Mark it as spam.
    Spam,
}

impl Decision {
    /// The status the comment ends in.
    pub fn status(&self) -> Status {
        match self {
            Self::Approve => Status::Approved,
            Self::Reject { .. } => Status::Rejected,
            Self::Spam => Status::Spam,
        }
    }

    /// The action's name in the moderation log and in bulk requests.
    pub fn action(&self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::Reject { .. } => "reject",
            Self::Spam => "spam",
        }
    }

    /// The reason, for a rejection.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Self::Reject { reason } => Some(reason),
            _ => None,
        }
    }
}

/// How long a claim on a queue item ("being handled") stays fresh without
/// being renewed; the page renews it while the item stays open.
pub const CLAIM_TTL_SECS: i64 = 90;

/// What a ban refuses: a sender's e-mail address, or the keyed hash of
/// their IP address.
#[derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BanKind {
    /// The e-mail address, compared without regard to case.
    Email,
    /// The keyed hash of the IP address (its /64 for IPv6).
    IpHash,
}

impl BanKind {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::IpHash => "ip_hash",
        }
    }

    /// Reads a stored or wire name.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "email" => Some(Self::Email),
            "ip_hash" => Some(Self::IpHash),
            _ => None,
        }
    }
}

/// A rejection reason: what moderators pick, what the log records, and the
/// clause of the published comment policy it cites.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Reason {
    /// Stable id stored with the decision (`off-topic`).
    pub id: String,
    /// What moderators see (`Off-topic`).
    pub label: String,
    /// The clause of the published comment policy it cites (shown on
    /// `/policy` and quoted in every statement of reasons).
    pub clause: String,
    /// Whether the clause is one of the blog's own terms or a law; old
    /// configurations without it mean the terms.
    #[serde(default)]
    pub ground: Ground,
    /// For an illegal ground, the law it applies (`Criminal Code s. 130`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub law: Option<String>,
}

/// The ground a decision rests on (DSA art. 17(3)(d)): the blog's comment
/// policy, or the law.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "lowercase")]
pub enum Ground {
    /// Incompatible with the blog's comment policy (its terms).
    #[default]
    Terms,
    /// Illegal content.
    Illegal,
}

impl Ground {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Terms => "terms",
            Self::Illegal => "illegal",
        }
    }

    /// Reads a stored or wire name.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "terms" => Some(Self::Terms),
            "illegal" => Some(Self::Illegal),
            _ => None,
        }
    }
}

/// The reasons a fresh installation offers.
pub fn default_reasons() -> Vec<Reason> {
    [
        (
            "off-topic",
            "Off-topic",
            "Comments should relate to the subject of the post.",
        ),
        (
            "abusive",
            "Abusive or threatening",
            "No personal attacks, threats, hate speech or harassment.",
        ),
        (
            "spam",
            "Spam or advertising",
            "No commercial promotion, solicitations or repeated postings.",
        ),
        (
            "personal-information",
            "Personal information",
            "No private information about yourself or others, such as addresses or phone numbers.",
        ),
        (
            "duplicate",
            "Duplicate",
            "The same comment was already submitted.",
        ),
        (
            "other",
            "Other",
            "Comments must follow the blog's comment policy.",
        ),
    ]
    .into_iter()
    .map(|(id, label, clause)| Reason {
        id: id.to_owned(),
        label: label.to_owned(),
        clause: clause.to_owned(),
        ground: Ground::Terms,
        law: None,
    })
    .collect()
}

/// A moderator's role; each includes the rights of the ones before it.
#[derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Works the queue, decides, writes official replies.
    Moderator,
    /// Also creates and edits posts.
    Editor,
    /// Also manages moderator accounts and settings.
    Admin,
}

impl Role {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Moderator => "moderator",
            Self::Editor => "editor",
            Self::Admin => "admin",
        }
    }

    /// Reads a stored name.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "moderator" => Some(Self::Moderator),
            "editor" => Some(Self::Editor),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_by_rights() {
        assert!(Role::Moderator < Role::Editor && Role::Editor < Role::Admin);
    }

    #[test]
    fn status_names_round_trip() {
        for s in [
            Status::Pending,
            Status::Approved,
            Status::Rejected,
            Status::Spam,
        ] {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(QueueFilter::parse("flagged"), Some(QueueFilter::Flagged));
        assert_eq!(QueueFilter::parse("deleted"), None);
    }

    #[test]
    fn a_rejection_carries_its_reason() {
        let d = Decision::Reject {
            reason: "off-topic".into(),
        };
        assert_eq!(d.status(), Status::Rejected);
        assert_eq!(d.reason(), Some("off-topic"));
        assert_eq!(Decision::Approve.reason(), None);
    }

    #[test]
    fn default_reasons_have_unique_ids() {
        let reasons = default_reasons();
        let mut ids: Vec<_> = reasons.iter().map(|r| r.id.as_str()).collect();
        ids.dedup();
        assert_eq!(ids.len(), 6);
    }
}
