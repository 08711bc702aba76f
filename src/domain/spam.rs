//! Spam signals: reasons a submission looks suspicious, each with a weight.
//! Moderators see the signals; only the honeypot (or a score at the
//! configured threshold) sends a comment straight to the spam bin.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// What the spam check needs to know about a submission.
#[derive(Debug, Clone)]
pub struct SpamInput<'a> {
    /// The hidden `website` field was filled in.
    pub honeypot_filled: bool,
    /// The comment's source text.
    pub body: &'a str,
    /// The author's name.
    pub author_name: &'a str,
    /// The same text was submitted recently (by anyone).
    pub repeated: bool,
}

/// The rules of the spam check, from configuration.
#[derive(Debug, Clone)]
pub struct SpamRules {
    /// More links than this is a signal.
    pub max_links: usize,
    /// Words or phrases that mark a comment as suspect.
    pub banned_terms: Vec<String>,
    /// A score at or above this sends the comment to the spam bin.
    pub spam_threshold: i32,
}

impl Default for SpamRules {
    fn default() -> Self {
        Self {
            max_links: 2,
            banned_terms: Vec::new(),
            spam_threshold: 100,
        }
    }
}

/// The outcome of the spam check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    /// Why the comment looks suspicious, in words moderators read.
    pub signals: Vec<String>,
    /// The sum of the signals' weights.
    pub score: i32,
    /// Whether the comment goes to the spam bin rather than the queue.
    pub is_spam: bool,
}

/// Folds text for term matching: compatibility forms, case and diacritics,
/// so that "ＣＡＳＩＮＯ" and "Cásino" both match "casino".
pub fn normalise(text: &str) -> String {
    text.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Counts the links in a comment's source, marked up or bare.
pub fn count_links(body: &str) -> usize {
    let lower = body.to_lowercase();
    lower.matches("http://").count()
        + lower.matches("https://").count()
        + lower.matches("www.").count()
        - lower.matches("://www.").count()
}

/// Assesses one submission.
pub fn assess(input: &SpamInput<'_>, rules: &SpamRules) -> Assessment {
    let mut signals = Vec::new();
    let mut score = 0;
    if input.honeypot_filled {
        signals.push("the hidden honeypot field was filled in".to_owned());
        score += 100;
    }
    let links = count_links(input.body);
    if links > rules.max_links {
        signals.push(format!("{links} links (more than {})", rules.max_links));
        score += 20 + 10 * i32::try_from(links - rules.max_links).unwrap_or(10).min(10);
    }
    if input.repeated {
        signals.push("repeats the text of a recent comment".to_owned());
        score += 40;
    }
    let text = normalise(&format!("{} {}", input.author_name, input.body));
    for term in &rules.banned_terms {
        let folded = normalise(term.trim());
        if !folded.is_empty() && text.contains(&folded) {
            signals.push(format!(
                "contains the banned term \u{201c}{}\u{201d}",
                term.trim()
            ));
            score += 50;
        }
    }
    Assessment {
        is_spam: score >= rules.spam_threshold,
        signals,
        score,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(body: &str) -> SpamInput<'_> {
        SpamInput {
            honeypot_filled: false,
            body,
            author_name: "Mari",
            repeated: false,
        }
    }

    #[test]
    fn an_ordinary_comment_has_no_signals() {
        let a = assess(
            &input("Is there a reciprocal arrangement?"),
            &SpamRules::default(),
        );
        assert_eq!(
            a,
            Assessment {
                signals: vec![],
                score: 0,
                is_spam: false
            }
        );
    }

    #[test]
    fn the_honeypot_alone_is_spam() {
        let mut i = input("Nice post");
        i.honeypot_filled = true;
        let a = assess(&i, &SpamRules::default());
        assert!(a.is_spam);
        assert_eq!(a.signals.len(), 1);
    }

    #[test]
    fn many_links_and_repeats_are_signals_but_held_for_review() {
        let mut i = input("see https://a.example http://b.example www.c.example");
        i.repeated = true;
        let a = assess(&i, &SpamRules::default());
        assert_eq!(a.signals.len(), 2, "{:?}", a.signals);
        assert!(!a.is_spam);
        assert_eq!(count_links("https://www.x.example"), 1);
    }

    #[test]
    fn banned_terms_match_through_case_width_and_accents() {
        let rules = SpamRules {
            banned_terms: vec!["casino".into()],
            ..SpamRules::default()
        };
        for body in ["CASINO bonus", "ｃａｓｉｎｏ", "Cásino"] {
            let a = assess(&input(body), &rules);
            assert_eq!(a.score, 50, "{body}");
        }
        assert_eq!(assess(&input("casual"), &rules).score, 0);
    }
}
