//! Banned and suspect terms, matched on folded text ([`super::fold`]):
//! compatibility forms, case, diacritics, invisible characters and
//! look-alike letters, so that "ＣＡＳＩＮＯ", "Cásino", "cаsino" (with a
//! Cyrillic а), "ca\u{200B}sino", "Ꮯasino" (Cherokee) and "c4s1n0" all
//! read as "casino", and "casino\u{200B}now" holds the word "casino".
//!
//! A term matches whole words: "casino" matches "Casino!" but not
//! "casinos"; a trailing `*` makes it a prefix ("casino*" matches both).
//! A term of several words matches them in order with any spacing.

pub use super::fold::{Folded, fold};
use serde::{Deserialize, Serialize};

/// Longest term, in characters.
pub const MAX_TERM: usize = 100;

/// Which list a term is on.
#[derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TermKind {
    /// A comment containing it is rejected at once, with a reason.
    Banned,
    /// A comment containing it is held for review with a signal.
    Suspect,
}

impl TermKind {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Banned => "banned",
            Self::Suspect => "suspect",
        }
    }

    /// Reads a stored or wire name.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "banned" => Some(Self::Banned),
            "suspect" => Some(Self::Suspect),
            _ => None,
        }
    }
}

/// A term ready to be looked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// As the moderator wrote it; shown in signals.
    pub text: String,
    /// Folded, without the `*`.
    folded: String,
    /// Whether a trailing `*` allows more letters after it.
    prefix: bool,
    /// For a banned term, the id of the rejection reason it cites.
    pub reason: Option<String>,
}

impl Term {
    /// Prepares a term; `None` when nothing is left to match once folded.
    pub fn new(text: &str, reason: Option<String>) -> Option<Self> {
        let text = text.trim();
        let prefix = text.ends_with('*');
        let folded = fold(text.trim_end_matches('*')).joined;
        (!folded.is_empty()).then(|| Self {
            text: text.to_owned(),
            folded,
            prefix,
            reason,
        })
    }

    /// The key that makes two terms the same (folded, with the `*`).
    pub fn key(&self) -> String {
        if self.prefix {
            format!("{}*", self.folded)
        } else {
            self.folded.clone()
        }
    }

    /// Whether the term occurs in `folded` text as whole words (or as the
    /// start of a word, for a prefix term), in either reading of its
    /// invisible characters.
    pub fn occurs_in(&self, folded: &Folded) -> bool {
        let boundary = |c: Option<char>| c.is_none_or(|c| c == ' ');
        folded.readings().into_iter().any(|text| {
            text.match_indices(&self.folded).any(|(at, found)| {
                let before = text[..at].chars().next_back();
                let after = text[at + found.len()..].chars().next();
                boundary(before) && (self.prefix || boundary(after))
            })
        })
    }
}

/// The first of `terms` that occurs in `folded` text.
pub fn first_match<'a>(terms: &'a [Term], folded: &Folded) -> Option<&'a Term> {
    terms.iter().find(|t| t.occurs_in(folded))
}

/// Checks a term as a moderator types it: trimmed, one line, at most
/// [`MAX_TERM`] characters, something left once folded.
pub fn parse_term(value: &str) -> Result<Term, super::FieldError> {
    let text = super::text::single_line("term", value, MAX_TERM, true)?.unwrap_or_default();
    Term::new(&text, None)
        .ok_or_else(|| super::FieldError::new("term", "must contain at least one letter or digit"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(term: &str, text: &str) -> bool {
        Term::new(term, None).unwrap().occurs_in(&fold(text))
    }

    #[test]
    fn invisible_characters_neither_break_a_term_nor_glue_it_to_the_next_word() {
        assert!(matches("casino", "ca\u{200B}si\u{00AD}no"));
        assert!(matches("casino", "best casino\u{200B}bonus"));
        assert!(matches("casino", "casino\u{3164}now"));
        assert!(matches("payday loan", "payday\u{2060}loan"));
        assert!(!matches("casino", "casinobonus"));
    }

    #[test]
    fn cherokee_and_mathematical_look_alikes_match_too() {
        // Cherokee Ꮯ (C), Ꭺ (A), Ꮪ (S); mathematical bold.
        assert!(matches("casino", "\u{13DF}\u{13AA}\u{13DA}ino"));
        assert!(matches(
            "casino",
            "\u{1D41C}\u{1D41A}\u{1D42C}\u{1D422}\u{1D427}\u{1D428}"
        ));
    }

    #[test]
    fn look_alike_letters_and_digits_fold_to_latin() {
        // Cyrillic а, с, о; Greek ο; digits and signs.
        assert!(matches("casino", "c\u{0430}sin\u{043E}"));
        assert!(matches("casino", "\u{0441}asin\u{03BF}"));
        assert!(matches("casino", "C4S1N0"));
        assert!(matches("spam", "$pam"));
        assert!(matches("villa", "vi11a"));
    }

    #[test]
    fn terms_match_whole_words_unless_they_end_with_a_star() {
        assert!(matches("casino", "Best CASINO, ever"));
        assert!(!matches("casino", "casinos"));
        assert!(!matches("casino", "a casual remark"));
        assert!(matches("casino*", "casinos galore"));
        assert!(!matches("ass", "a class act"));
        assert!(matches("payday loan", "a Payday-Loan offer"));
        assert!(!matches("payday loan", "payday loans"));
    }

    #[test]
    fn a_term_written_with_look_alikes_matches_plain_text_too() {
        assert!(matches("c4sino", "casino"));
        assert_eq!(
            Term::new("Casino", None).unwrap().key(),
            Term::new("cásino", None).unwrap().key()
        );
        assert_ne!(
            Term::new("casino*", None).unwrap().key(),
            Term::new("casino", None).unwrap().key()
        );
    }

    #[test]
    fn empty_or_punctuation_only_terms_are_refused() {
        assert!(parse_term("  ").is_err());
        assert!(parse_term("!!").is_err());
        assert!(matches("casino", "Casino!"));
        assert!(parse_term("--").is_err());
        assert!(parse_term(&"x".repeat(MAX_TERM + 1)).is_err());
    }
}
