//! `colloquy statements export --month YYYY-MM`: a month's statements of
//! reasons as JSON Lines, one object per statement, with the field names
//! and values of the EU DSA Transparency Database's statement-of-reasons
//! API (its `POST /api/v1/statement` body), so that an online platform can
//! submit them (docs/due-process.md has the mapping). Nothing personal:
//! no author, address, IP hash, notifier or comment text; the facts are
//! the statement's own words, which describe the decision only.

use super::transparency::Month;
use crate::config::Settings;
use crate::db::DbConn;
use crate::db::statements::{self as statements_db, Statement};
use crate::domain::moderation::Ground;
use crate::error::ApiError;
use serde::Serialize;
use std::io::Write;

/// Longest `illegal_content_legal_ground` / `incompatible_content_ground`.
const MAX_GROUND: usize = 500;
/// Longest `illegal_content_explanation` / `incompatible_content_explanation`.
const MAX_EXPLANATION: usize = 2_000;
/// Longest `decision_facts`.
const MAX_FACTS: usize = 5_000;

/// One statement in the Transparency Database's words. Optional fields
/// of theirs that Colloquy has nothing for are left out.
#[derive(Debug, Clone, Serialize)]
pub struct SubmittedStatement {
    /// `DECISION_VISIBILITY_CONTENT_REMOVED` (a published comment taken
    /// out) or `DECISION_VISIBILITY_CONTENT_DISABLED` (never published).
    pub decision_visibility: Vec<&'static str>,
    /// `DECISION_GROUND_ILLEGAL_CONTENT` or `DECISION_GROUND_INCOMPATIBLE_CONTENT`.
    pub decision_ground: &'static str,
    /// The published comment policy.
    pub decision_ground_reference_url: String,
    /// For the illegal ground: the law.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub illegal_content_legal_ground: Option<String>,
    /// For the illegal ground: why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub illegal_content_explanation: Option<String>,
    /// For the terms: the reason and its clause.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incompatible_content_ground: Option<String>,
    /// For the terms: why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incompatible_content_explanation: Option<String>,
    /// For the terms: `No` (a reason resting on a law is the other ground).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incompatible_content_illegal: Option<&'static str>,
    /// Always `["CONTENT_TYPE_TEXT"]`: comments are text.
    pub content_type: Vec<&'static str>,
    /// `STATEMENT_CATEGORY_OTHER_VIOLATION_TC` for the terms;
    /// `STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE` for the law after a
    /// notice (ours do not ask the type), else
    /// `STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH`.
    pub category: &'static str,
    /// The comment's submission day, `YYYY-MM-DD` (UTC).
    pub content_date: String,
    /// The decision's day, `YYYY-MM-DD` (UTC).
    pub application_date: String,
    /// The facts and circumstances, as the statement says them.
    pub decision_facts: String,
    /// `SOURCE_ARTICLE_16` when a notice led to it, else `SOURCE_VOLUNTARY`.
    pub source_type: &'static str,
    /// `Yes` or `No`.
    pub automated_detection: &'static str,
    /// `AUTOMATED_DECISION_FULLY` (no person decided) or
    /// `AUTOMATED_DECISION_NOT_AUTOMATED`.
    pub automated_decision: &'static str,
    /// `colloquy-statement-ID`: unique on this server, letters, digits and `-`.
    pub puid: String,
}

/// The first `max` characters of `text`.
fn clipped(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// `YYYY-MM-DD` of a Unix time (UTC).
fn day(unix: i64) -> String {
    let date = time::OffsetDateTime::from_unix_timestamp(unix)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .date();
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// Statement `s` in the Transparency Database's words.
pub fn submitted(s: &Statement, settings: &Settings) -> SubmittedStatement {
    let label = settings
        .reasons
        .iter()
        .find(|r| r.id == s.reason)
        .map_or(s.reason.as_str(), |r| r.label.as_str());
    let explanation = Some(clipped(&s.facts, MAX_EXPLANATION));
    let (illegal, terms) = match s.ground {
        Ground::Illegal => (
            Some(clipped(
                &s.law
                    .clone()
                    .unwrap_or_else(|| format!("{label}: {}", s.policy_clause)),
                MAX_GROUND,
            )),
            None,
        ),
        Ground::Terms => (
            None,
            Some(clipped(
                &format!("{label}: {}", s.policy_clause),
                MAX_GROUND,
            )),
        ),
    };
    SubmittedStatement {
        decision_visibility: vec![if s.decision == super::statements::REMOVED {
            "DECISION_VISIBILITY_CONTENT_REMOVED"
        } else {
            "DECISION_VISIBILITY_CONTENT_DISABLED"
        }],
        decision_ground: match s.ground {
            Ground::Illegal => "DECISION_GROUND_ILLEGAL_CONTENT",
            Ground::Terms => "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        },
        decision_ground_reference_url: format!("{}/policy", settings.public_url()),
        illegal_content_explanation: illegal.as_ref().and(explanation.clone()),
        illegal_content_legal_ground: illegal,
        incompatible_content_explanation: terms.as_ref().and(explanation),
        incompatible_content_illegal: terms.as_ref().map(|_| "No"),
        incompatible_content_ground: terms,
        content_type: vec!["CONTENT_TYPE_TEXT"],
        category: match (s.ground, s.from_notice) {
            (Ground::Terms, _) => "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
            (Ground::Illegal, true) => "STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE",
            (Ground::Illegal, false) => "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
        },
        content_date: day(s.submitted_at),
        application_date: day(s.created_at),
        decision_facts: clipped(&s.facts, MAX_FACTS),
        source_type: if s.from_notice {
            "SOURCE_ARTICLE_16"
        } else {
            "SOURCE_VOLUNTARY"
        },
        automated_detection: if s.automated_detection { "Yes" } else { "No" },
        automated_decision: if s.automated_decision {
            "AUTOMATED_DECISION_FULLY"
        } else {
            "AUTOMATED_DECISION_NOT_AUTOMATED"
        },
        puid: format!("colloquy-statement-{}", s.id),
    }
}

/// Writes the statements made in `month` to `out`, one JSON object a
/// line, oldest first. Returns how many.
pub fn write(
    conn: &mut DbConn,
    settings: &Settings,
    month: Month,
    out: &mut dyn Write,
) -> Result<usize, ApiError> {
    let (from, to) = month.range();
    let statements = statements_db::between(conn, from, to)?;
    for s in &statements {
        let line = serde_json::to_string(&submitted(s, settings))
            .map_err(|e| ApiError::Internal(anyhow::anyhow!(e)))?;
        writeln!(out, "{line}").map_err(|e| ApiError::Internal(anyhow::anyhow!(e)))?;
    }
    Ok(statements.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_utc_with_leading_zeros() {
        assert_eq!(day(0), "1970-01-01");
        assert_eq!(day(1_772_323_200 + 86_399), "2026-03-01");
    }
}
