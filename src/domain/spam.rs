//! Spam signals: reasons a submission looks suspicious, each with a weight.
//! Moderators see the signals; only the honeypot (or a score at the
//! configured threshold) sends a comment straight to the spam bin, and only
//! a banned term rejects it outright.

use super::terms::{Term, first_match, fold};

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
    /// Words or phrases from the configuration (`spam.banned_terms`); for
    /// compatibility they are a signal, as suspect terms are.
    pub banned_terms: Vec<String>,
    /// A score at or above this sends the comment to the spam bin.
    pub spam_threshold: i32,
    /// Terms that reject a comment at once (the editable banned list).
    pub reject_terms: Vec<Term>,
    /// Terms that hold a comment with a signal (the editable suspect list).
    pub suspect_terms: Vec<Term>,
}

impl Default for SpamRules {
    fn default() -> Self {
        Self {
            max_links: 2,
            banned_terms: Vec::new(),
            spam_threshold: 100,
            reject_terms: Vec::new(),
            suspect_terms: Vec::new(),
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
    /// The banned term found, if any: the comment is rejected citing the
    /// term's reason (unless it is spam, which goes to the spam bin).
    pub banned: Option<Term>,
}

/// Weight of a suspect term (configured or from the editable list).
pub const SUSPECT_WEIGHT: i32 = 30;
/// Weight of a banned term.
pub const BANNED_WEIGHT: i32 = 50;

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
    let text = fold(&format!("{} {}", input.author_name, input.body));
    let banned = first_match(&rules.reject_terms, &text).cloned();
    if let Some(term) = &banned {
        signals.push(format!(
            "contains the banned term \u{201c}{}\u{201d}",
            term.text
        ));
        score += BANNED_WEIGHT;
    }
    let configured = rules.banned_terms.iter().filter_map(|t| Term::new(t, None));
    for term in configured.chain(rules.suspect_terms.iter().cloned()) {
        if term.occurs_in(&text) {
            signals.push(format!(
                "contains the suspect term \u{201c}{}\u{201d}",
                term.text
            ));
            score += SUSPECT_WEIGHT;
        }
    }
    Assessment {
        is_spam: score >= rules.spam_threshold,
        signals,
        score,
        banned,
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
                is_spam: false,
                banned: None,
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
        for body in ["CASINO bonus", "ｃａｓｉｎｏ", "Cásino", "c\u{0430}sin0"] {
            let a = assess(&input(body), &rules);
            assert_eq!(a.score, SUSPECT_WEIGHT, "{body}");
            assert!(a.banned.is_none(), "configured terms only signal");
        }
        assert_eq!(assess(&input("casual"), &rules).score, 0);
    }

    #[test]
    fn a_banned_term_rejects_and_a_suspect_term_only_signals() {
        let rules = SpamRules {
            reject_terms: vec![Term::new("payday loan", Some("spam".into())).unwrap()],
            suspect_terms: vec![Term::new("crypto*", None).unwrap()],
            ..SpamRules::default()
        };
        let a = assess(&input("Need a PAYDAY   lоan?"), &rules);
        assert_eq!(a.banned.unwrap().reason.as_deref(), Some("spam"));
        assert!(!a.is_spam);
        let b = assess(&input("Cryptocurrency talk"), &rules);
        assert!(b.banned.is_none());
        assert_eq!(
            b.signals,
            ["contains the suspect term \u{201c}crypto*\u{201d}"]
        );
        assert!(!b.is_spam);
    }
}
