//! The transparency report (DSA art. 15) of one calendar month (UTC),
//! computed from the statements of reasons, the notices, the appeals, the
//! moderation log and the comments' submission times. It counts; it holds
//! no name, address or text.

use crate::config::Settings;
use crate::db::DbConn;
use crate::db::report as report_db;
use crate::db::{appeals as appeals_db, notices as notices_db, statements as statements_db};
use crate::domain::FieldError;
use crate::domain::moderation::Status;
use crate::error::ApiError;
use serde::Serialize;
use std::collections::BTreeMap;

/// A month, `YYYY-MM`, as the first second of it and of the next (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Month {
    year: i32,
    month: u8,
}

impl Month {
    /// Reads `YYYY-MM` (422 on `month` otherwise).
    pub fn parse(value: &str) -> Result<Self, ApiError> {
        let bad = || ApiError::Validation(vec![FieldError::new("month", "must be YYYY-MM")]);
        let (y, m) = value.split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 || !(y.bytes().chain(m.bytes())).all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u8 = m.parse().map_err(|_| bad())?;
        if !(1..=12).contains(&month) || year < 1970 {
            return Err(bad());
        }
        Ok(Self { year, month })
    }

    /// The month `unix` falls in.
    pub fn of(unix: i64) -> Self {
        let date = time::OffsetDateTime::from_unix_timestamp(unix)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        Self {
            year: date.year(),
            month: u8::from(date.month()),
        }
    }

    fn start(self) -> i64 {
        let month = time::Month::try_from(self.month).unwrap_or(time::Month::January);
        time::Date::from_calendar_date(self.year, month, 1)
            .map(|d| d.midnight().assume_utc().unix_timestamp())
            .unwrap_or(0)
    }

    /// The first second of the month and of the next one.
    pub fn range(self) -> (i64, i64) {
        let next = if self.month == 12 {
            Self {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Self {
                year: self.year,
                month: self.month + 1,
            }
        };
        (self.start(), next.start())
    }

    /// `YYYY-MM`.
    pub fn label(self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }
}

/// Notices in the report.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct NoticeCounts {
    /// Received in the month.
    pub received: i64,
    /// Of them, about illegal content.
    pub illegal: i64,
    /// Of them, about the comment policy.
    pub terms: i64,
    /// Median hours from receipt to resolution of those resolved.
    pub median_hours_to_decision: Option<f64>,
}

/// Appeals in the report.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AppealCounts {
    /// Received in the month.
    pub received: i64,
    /// Decided in the month, the decision standing.
    pub upheld: i64,
    /// Decided in the month, the decision reversed.
    pub reversed: i64,
}

/// The report, exactly the contract's fields.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Report {
    /// `YYYY-MM`.
    pub month: String,
    /// Readers' comments submitted.
    pub submitted: i64,
    /// Comments approved (each once).
    pub approved: i64,
    /// Rejections and removals by reason id (every configured reason).
    pub rejected: BTreeMap<String, i64>,
    /// Spam decisions.
    pub spam: i64,
    /// Decisions made by automated means.
    pub automated: i64,
    /// Notices.
    pub notices: NoticeCounts,
    /// Appeals.
    pub appeals: AppealCounts,
    /// Median minutes from submission to the first decision.
    pub median_minutes_to_decision: Option<f64>,
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let m = if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    };
    Some((m * 10.0).round() / 10.0)
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The report of `month`.
pub fn report(conn: &mut DbConn, settings: &Settings, month: Month) -> Result<Report, ApiError> {
    let (from, to) = month.range();
    let submitted = report_db::submitted_between(conn, from, to)?;
    let approvals = report_db::approvals_between(conn, from, to)?;
    let mut approved_ids: Vec<_> = approvals.iter().filter_map(|(id, ..)| *id).collect();
    approved_ids.sort_unstable();
    approved_ids.dedup();
    let statements = statements_db::between(conn, from, to)?;
    let mut rejected: BTreeMap<String, i64> =
        settings.reasons.iter().map(|r| (r.id.clone(), 0)).collect();
    let mut spam = 0;
    let mut automated = 0;
    // The first decision of each comment decided this month.
    let mut first: BTreeMap<i32, (i64, i64)> = BTreeMap::new();
    for s in &statements {
        match s.status {
            Status::Spam => spam += 1,
            _ => *rejected.entry(s.reason.clone()).or_default() += 1,
        }
        automated += i64::from(s.automated_decision);
        first
            .entry(s.comment_id.0)
            .and_modify(|e| e.0 = e.0.min(s.created_at))
            .or_insert((s.created_at, s.submitted_at));
    }
    for (id, at, created) in &approvals {
        if let (Some(id), Some(created)) = (id, created) {
            first
                .entry(id.0)
                .and_modify(|e| e.0 = e.0.min(*at))
                .or_insert((*at, *created));
        }
    }
    let minutes = first
        .values()
        .map(|(at, sub)| (at - sub).max(0) as f64 / 60.0)
        .collect();
    let notices = notices_db::received_between(conn, from, to)?;
    let hours = notices
        .iter()
        .filter_map(|n| {
            n.resolved_at
                .map(|r| (r - n.created_at).max(0) as f64 / 3600.0)
        })
        .collect();
    let illegal = count(notices.iter().filter(|n| n.category == "illegal").count());
    let received_appeals = appeals_db::received_between(conn, from, to)?;
    let decided = appeals_db::decided_between(conn, from, to)?;
    Ok(Report {
        month: month.label(),
        submitted,
        approved: count(approved_ids.len()),
        rejected,
        spam,
        automated,
        notices: NoticeCounts {
            received: count(notices.len()),
            illegal,
            terms: count(notices.len()) - illegal,
            median_hours_to_decision: median(hours),
        },
        appeals: AppealCounts {
            received: count(received_appeals.len()),
            upheld: count(
                decided
                    .iter()
                    .filter(|a| a.outcome.as_deref() == Some("upheld"))
                    .count(),
            ),
            reversed: count(
                decided
                    .iter()
                    .filter(|a| a.outcome.as_deref() == Some("reversed"))
                    .count(),
            ),
        },
        median_minutes_to_decision: median(minutes),
    })
}

/// A value of a CSV cell, quoted when it must be.
fn cell(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

impl Report {
    /// The same as CSV: a `metric,value` header, then one row per number
    /// (`rejected.REASON`, `notices.received`, …); an empty value for a
    /// median of nothing.
    pub fn csv(&self) -> String {
        let opt = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
        let mut rows = vec![
            ("month".to_owned(), self.month.clone()),
            ("submitted".to_owned(), self.submitted.to_string()),
            ("approved".to_owned(), self.approved.to_string()),
        ];
        for (reason, n) in &self.rejected {
            rows.push((format!("rejected.{reason}"), n.to_string()));
        }
        rows.extend([
            ("spam".to_owned(), self.spam.to_string()),
            ("automated".to_owned(), self.automated.to_string()),
            (
                "notices.received".to_owned(),
                self.notices.received.to_string(),
            ),
            (
                "notices.illegal".to_owned(),
                self.notices.illegal.to_string(),
            ),
            ("notices.terms".to_owned(), self.notices.terms.to_string()),
            (
                "notices.median_hours_to_decision".to_owned(),
                opt(self.notices.median_hours_to_decision),
            ),
            (
                "appeals.received".to_owned(),
                self.appeals.received.to_string(),
            ),
            ("appeals.upheld".to_owned(), self.appeals.upheld.to_string()),
            (
                "appeals.reversed".to_owned(),
                self.appeals.reversed.to_string(),
            ),
            (
                "median_minutes_to_decision".to_owned(),
                opt(self.median_minutes_to_decision),
            ),
        ]);
        let mut out = String::from("metric,value\r\n");
        for (metric, value) in rows {
            out.push_str(&format!("{},{}\r\n", cell(&metric), cell(&value)));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn months_parse_strictly_and_span_their_days() {
        let m = Month::parse("2026-12").unwrap();
        assert_eq!(m.label(), "2026-12");
        let (from, to) = m.range();
        assert_eq!(to - from, 31 * 86_400);
        assert_eq!(Month::of(from), m);
        assert_eq!(Month::of(to - 1), m);
        for bad in [
            "2026-13",
            "2026-1",
            "26-12",
            "2026/12",
            "",
            "2026-00",
            "abcd-ef",
            "2026-12-01",
        ] {
            assert!(Month::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![1.0, 2.0]), Some(1.5));
    }

    #[test]
    fn an_empty_month_counts_zero_for_every_configured_reason() {
        let mut conn = crate::service::testing::conn();
        let settings = Settings::default();
        let r = report(&mut conn, &settings, Month::parse("2026-12").unwrap()).unwrap();
        assert_eq!(r.submitted, 0);
        assert_eq!(r.rejected.len(), settings.reasons.len());
        assert!(r.csv().starts_with("metric,value\r\nmonth,2026-12\r\n"));
    }
}
