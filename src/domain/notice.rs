//! A reader's notice (DSA art. 16): that a comment is illegal, or breaks
//! the comment policy. Parsed once, every field's error reported together.

use super::FieldError;
use super::comment::Email;
use super::text::{multi_line, single_line};
use serde::Deserialize;

/// Longest explanation.
pub const MAX_EXPLANATION: usize = 5_000;
/// Longest name of a law.
pub const MAX_LAW: usize = 300;
/// Longest notifier's name.
pub const MAX_NOTIFIER_NAME: usize = 120;

/// What a notice says is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// Illegal content.
    Illegal,
    /// Against the comment policy.
    Terms,
}

impl Category {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Illegal => "illegal",
            Self::Terms => "terms",
        }
    }

    /// Reads a stored or wire name.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "illegal" => Some(Self::Illegal),
            "terms" => Some(Self::Terms),
            _ => None,
        }
    }
}

/// A notice as sent (JSON or a form), before any check.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct NoticeForm {
    /// `illegal` or `terms`.
    #[schema(value_type = String, required = true)]
    pub category: Option<String>,
    /// Why the comment is illegal or breaks the policy.
    #[schema(value_type = String, required = true, pattern = r"^\s*[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069](?:[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]{0,4998}[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069])?\s*$")]
    pub explanation: Option<String>,
    /// The law it breaks (for `illegal`).
    pub law: Option<String>,
    /// The notifier's name (optional: notices may be anonymous).
    pub notifier_name: Option<String>,
    /// The notifier's address, for the receipt and the outcome; never shown
    /// publicly.
    pub notifier_email: Option<String>,
    /// The notifier believes in good faith that the notice is accurate
    /// (required for `illegal`).
    pub good_faith: Option<bool>,
}

/// A checked notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotice {
    /// What is wrong.
    pub category: Category,
    /// Why.
    pub explanation: String,
    /// The law named.
    pub law: Option<String>,
    /// The notifier's name.
    pub notifier_name: Option<String>,
    /// The notifier's address.
    pub notifier_email: Option<String>,
    /// The good-faith statement.
    pub good_faith: bool,
}

impl NewNotice {
    /// Checks every field of `form`, reporting every problem at once.
    pub fn parse(form: &NoticeForm) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let category = match form.category.as_deref().map(str::trim) {
            Some(c) => Category::parse(c),
            None => None,
        };
        if category.is_none() {
            errors.push(FieldError::new("category", "must be illegal or terms"));
        }
        let explanation = match form.explanation.as_deref() {
            None => Err(FieldError::new("explanation", "must not be empty")),
            Some(e) => multi_line("explanation", e, MAX_EXPLANATION),
        }
        .map_err(|e| errors.push(e))
        .ok();
        let law = single_line("law", form.law.as_deref().unwrap_or(""), MAX_LAW, false)
            .map_err(|e| errors.push(e))
            .ok()
            .flatten();
        let notifier_name = single_line(
            "notifier_name",
            form.notifier_name.as_deref().unwrap_or(""),
            MAX_NOTIFIER_NAME,
            false,
        )
        .map_err(|e| errors.push(e))
        .ok()
        .flatten();
        let notifier_email = Email::parse(form.notifier_email.as_deref().unwrap_or(""))
            .map_err(|e| errors.push(FieldError::new("notifier_email", e.message)))
            .ok()
            .flatten()
            .map(|e| e.as_str().to_owned());
        let good_faith = form.good_faith.unwrap_or(false);
        if category == Some(Category::Illegal) && !good_faith {
            errors.push(FieldError::new(
                "good_faith",
                "a notice of illegal content must state that it is made in good faith",
            ));
        }
        match (category, explanation) {
            (Some(category), Some(explanation)) if errors.is_empty() => Ok(Self {
                category,
                explanation,
                law,
                notifier_name,
                notifier_email,
                good_faith,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn form(category: &str, explanation: &str, good_faith: Option<bool>) -> NoticeForm {
        NoticeForm {
            category: Some(category.into()),
            explanation: Some(explanation.into()),
            good_faith,
            ..NoticeForm::default()
        }
    }

    fn fields(result: Result<NewNotice, Vec<FieldError>>) -> Vec<String> {
        result.unwrap_err().into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn an_illegal_notice_needs_an_explanation_and_good_faith() {
        assert_eq!(
            fields(NewNotice::parse(&form("illegal", " ", None))),
            ["explanation", "good_faith"]
        );
        assert_eq!(
            fields(NewNotice::parse(&form("illegal", "Threat", Some(false)))),
            ["good_faith"]
        );
        let ok = NewNotice::parse(&form("illegal", " Threat ", Some(true))).unwrap();
        assert_eq!(ok.category, Category::Illegal);
        assert_eq!(ok.explanation, "Threat");
        assert_eq!(ok.notifier_email, None, "anonymous notices are allowed");
    }

    #[test]
    fn a_terms_notice_needs_an_explanation_only_and_bad_fields_are_all_reported() {
        assert!(NewNotice::parse(&form("terms", "Off-topic", None)).is_ok());
        let bad = NoticeForm {
            category: Some("rude".into()),
            explanation: None,
            notifier_email: Some("not an address".into()),
            law: Some("a\u{0}b".into()),
            ..NoticeForm::default()
        };
        assert_eq!(
            fields(NewNotice::parse(&bad)),
            ["category", "explanation", "law", "notifier_email"]
        );
    }
}
