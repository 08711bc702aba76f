//! Banned and suspect terms, matched on folded text: compatibility forms,
//! case, diacritics, invisible characters and look-alike letters, so that
//! "ＣＡＳＩＮＯ", "Cásino", "cаsino" (with a Cyrillic а) and "c4s1n0" all
//! read as "casino".
//!
//! A term matches whole words: "casino" matches "Casino!" but not
//! "casinos"; a trailing `*` makes it a prefix ("casino*" matches both).
//! A term of several words matches them in order with any spacing.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

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

/// The letter a look-alike character stands for, after lowercasing.
/// Cyrillic and Greek letters that look Latin, digits and signs used for
/// letters ("c4s1n0", "$pam"), and `l` folded with `i` and `1` since many
/// fonts draw them alike. Punctuation that could end a sentence ("!", "|")
/// is left alone, so that "casino!" still ends a word. Both the text and the terms go through the
/// same map, so a term written with a look-alike still matches.
fn look_alike(c: char) -> char {
    match c {
        // Cyrillic
        'а' | 'ӓ' => 'a',
        'в' | 'ь' => 'b',
        'с' | 'ϲ' => 'c',
        'ԁ' => 'd',
        'е' | 'ё' | 'є' => 'e',
        'һ' | 'н' => 'h',
        'і' | 'ї' | 'ӏ' => 'i',
        'ј' => 'j',
        'к' | 'κ' => 'k',
        'м' => 'm',
        'о' | 'ο' | 'σ' => 'o',
        'р' | 'ρ' => 'p',
        'ԛ' => 'q',
        'ѕ' => 's',
        'т' | 'τ' => 't',
        'у' | 'ү' => 'y',
        'х' | 'χ' => 'x',
        'ԝ' | 'ѡ' | 'ω' => 'w',
        // Greek
        'α' => 'a',
        'β' => 'b',
        'ε' => 'e',
        'η' => 'n',
        'ι' => 'i',
        'ν' => 'v',
        'υ' => 'u',
        'ζ' => 'z',
        // Digits and signs
        '0' => 'o',
        '1' | 'l' => 'i',
        '3' => 'e',
        '4' | '@' => 'a',
        '5' | '$' => 's',
        '7' => 't',
        '8' => 'b',
        other => other,
    }
}

/// Characters that show nothing and can be slipped inside a word to break
/// a match: zero-width spaces and joiners, the soft hyphen, the BOM.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' | '\u{034F}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}'
    )
}

/// Folds text for matching: NFKD (so full-width and other compatibility
/// forms become plain letters), combining marks dropped (diacritics),
/// invisible characters dropped, lowercase, look-alikes mapped, and every
/// run of other characters (spaces, punctuation) turned into one space.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut gap = false;
    for c in text
        .nfkd()
        .filter(|c| !is_combining_mark(*c) && !is_invisible(*c))
        .flat_map(char::to_lowercase)
        .map(look_alike)
    {
        if c.is_alphanumeric() {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            out.push(c);
        } else {
            gap = true;
        }
    }
    out
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
        let folded = fold(text.trim_end_matches('*'));
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

    /// Whether the term occurs in `folded` text (made by [`fold`]) as whole
    /// words (or as the start of a word, for a prefix term).
    pub fn occurs_in(&self, folded: &str) -> bool {
        let boundary = |c: Option<char>| c.is_none_or(|c| c == ' ');
        folded.match_indices(&self.folded).any(|(at, found)| {
            let before = folded[..at].chars().next_back();
            let after = folded[at + found.len()..].chars().next();
            boundary(before) && (self.prefix || boundary(after))
        })
    }
}

/// The first of `terms` that occurs in `folded` text.
pub fn first_match<'a>(terms: &'a [Term], folded: &str) -> Option<&'a Term> {
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
    fn folding_removes_case_width_accents_and_invisible_characters() {
        assert_eq!(fold("ＣＡＳＩＮＯ"), "casino");
        assert_eq!(fold("Cásíñó"), "casino");
        assert_eq!(fold("ca\u{200B}si\u{00AD}no"), "casino");
        assert_eq!(fold("  Payday,   LOAN!! "), "payday ioan");
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
