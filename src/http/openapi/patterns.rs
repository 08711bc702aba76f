//! The document's `pattern`s against the parsers they describe.
//!
//! utoipa takes a `pattern` only as a string literal (not a constant, a
//! `concat!` or a function call), so the patterns are written out by hand
//! in the annotations and cannot be made from `domain::text`'s rules and
//! the length constants. This test ties them instead: every pattern in the
//! generated document must be listed in [`rules`] with the parser and the
//! limit it encodes, its repetition bound must give exactly that limit,
//! and the regex must accept a string exactly when the parser does, for
//! samples at the real limits and for every short string over an alphabet
//! of awkward characters at a small limit.
//!
//! Two differences are known and allowed for. A multi-line parser reads
//! `\r\n` as one character where the pattern counts two, so at the limit
//! the pattern is the stricter. And the regexes run here are Rust's, whose
//! `\s` is Unicode `White_Space` like `str::trim`; an ECMAScript validator's
//! `\s` also takes U+FEFF and not U+0085, which this test does not cover.

use crate::domain::comment::{MAX_BODY, MAX_EMAIL, MAX_LOCATION, MAX_NAME};
use crate::domain::notice::MAX_EXPLANATION;
use crate::domain::post::{MAX_POST_BODY, MAX_SLUG, MAX_SUMMARY, MAX_TITLE, Slug};
use crate::domain::text::{multi_line, single_line};
use crate::http::public::MAX_FLAG_REASON;
use crate::http::queue::{MAX_QUERY_TEXT, queue_spec};
use crate::service::accounts::{MAX_DISPLAY_NAME, MAX_USERNAME};
use crate::service::appeals::MAX_APPEAL;
use crate::service::bans::MAX_NOTE;
use crate::service::notices::MAX_RESOLUTION;
use regex::Regex;
use serde_json::Value;
use std::collections::BTreeMap;

/// What a pattern stands for.
#[derive(Debug, Clone, Copy)]
enum Rule {
    /// `text::single_line(…, max, required)`. For an e-mail field this is
    /// the text rule the address check comes after.
    SingleLine { max: usize, required: bool },
    /// `text::multi_line(…, max)`; when not `required`, a blank value is
    /// read as none (what the bodies with an optional text do).
    MultiLine { max: usize, required: bool },
    /// `Slug::parse` of the trimmed value.
    Slug,
    /// The queue's `q` filter: trimmed, at most `MAX_QUERY_TEXT`
    /// characters of anything.
    QueryText,
}

impl Rule {
    fn max(self) -> usize {
        match self {
            Rule::SingleLine { max, .. } | Rule::MultiLine { max, .. } => max,
            Rule::Slug => MAX_SLUG,
            Rule::QueryText => MAX_QUERY_TEXT,
        }
    }

    /// Whether the parser takes `value`, with `max` for the limit of a
    /// text rule (`Slug` and `QueryText` have fixed limits).
    fn accepts_with(self, value: &str, max: usize) -> bool {
        match self {
            Rule::SingleLine { required, .. } => single_line("f", value, max, required).is_ok(),
            Rule::MultiLine { required, .. } => {
                (!required && value.trim().is_empty()) || multi_line("f", value, max).is_ok()
            }
            Rule::Slug => Slug::parse(value.trim()).is_ok(),
            Rule::QueryText => queue_spec(None, Some(value), None).is_ok(),
        }
    }

    fn is_text(self) -> bool {
        matches!(self, Rule::SingleLine { .. } | Rule::MultiLine { .. })
    }
}

/// Where each pattern of the document is, and the rule it encodes.
fn rules() -> BTreeMap<&'static str, Rule> {
    use Rule::{MultiLine, QueryText, SingleLine};
    let single = |max, required| SingleLine { max, required };
    let multi = |max, required| MultiLine { max, required };
    BTreeMap::from([
        ("GET /api/v1/moderation/comments ?q", QueryText),
        ("GET /api/v1/moderation/stats ?q", QueryText),
        (
            "AccountChangeBody.display_name",
            single(MAX_DISPLAY_NAME, true),
        ),
        ("AppealBody.text", multi(MAX_APPEAL, true)),
        ("AppealForm.text", multi(MAX_APPEAL, true)),
        ("BanBody.email", single(MAX_EMAIL, false)),
        ("BanBody.note", multi(MAX_NOTE, false)),
        // A reader's name and location: the text rule that the checks
        // for invisible characters and staff names come after.
        ("CommentForm.author_name", single(MAX_NAME, true)),
        ("CommentForm.author_location", single(MAX_LOCATION, false)),
        ("CommentForm.email", single(MAX_EMAIL, false)),
        ("CommentForm.body", multi(MAX_BODY, true)),
        ("CommentReplyBody.body", multi(MAX_BODY, true)),
        ("FlagBody.reason", multi(MAX_FLAG_REASON, false)),
        ("NewAccountBody.username", single(MAX_USERNAME, true)),
        ("NoticeForm.explanation", multi(MAX_EXPLANATION, true)),
        (
            "NewAccountBody.display_name",
            single(MAX_DISPLAY_NAME, false),
        ),
        ("PostForm.slug", Rule::Slug),
        // Optional fields, but a title or author that is sent must not be
        // blank.
        ("PostForm.title", single(MAX_TITLE, true)),
        ("PostForm.author", single(MAX_TITLE, true)),
        ("PostForm.summary", single(MAX_SUMMARY, false)),
        ("PostForm.body", multi(MAX_POST_BODY, false)),
        ("PreviewBody.body", multi(MAX_BODY, false)),
        ("ReportPageForm.explanation", multi(MAX_EXPLANATION, true)),
        ("ReplyBody.body", multi(MAX_BODY, true)),
        ("ResolveBody.reason", multi(MAX_RESOLUTION, true)),
    ])
}

/// Every `pattern` of the document: `Schema.property` for the shapes'
/// properties, `METHOD path ?name` for parameters. Fails on one anywhere
/// else, which this test would not know how to name.
fn patterns(doc: &Value) -> BTreeMap<String, String> {
    fn count(value: &Value) -> usize {
        match value {
            Value::Object(map) => {
                usize::from(map.get("pattern").is_some_and(Value::is_string))
                    + map.values().map(count).sum::<usize>()
            }
            Value::Array(items) => items.iter().map(count).sum(),
            _ => 0,
        }
    }
    let text = |v: &Value| v["pattern"].as_str().map(str::to_owned);
    let mut found = BTreeMap::new();
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        for (property, value) in schema["properties"].as_object().into_iter().flatten() {
            if let Some(pattern) = text(value) {
                found.insert(format!("{name}.{property}"), pattern);
            }
        }
    }
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                if let Some(pattern) = text(&parameter["schema"]) {
                    let name = parameter["name"].as_str().unwrap();
                    let method = method.to_uppercase();
                    found.insert(format!("{method} {path} ?{name}"), pattern);
                }
            }
        }
    }
    assert_eq!(
        found.len(),
        count(doc),
        "a pattern sits where this test does not look: {found:?}"
    );
    found
}

/// The pattern's one `{0,n}` and the longest value it allows: the edge
/// characters on either side make it `n + 2`.
fn longest(pattern: &str) -> usize {
    let bounds: Vec<usize> = Regex::new(r"\{0,(\d+)\}")
        .unwrap()
        .captures_iter(pattern)
        .map(|c| c[1].parse().unwrap())
        .collect();
    assert_eq!(bounds.len(), 1, "one repetition bound in {pattern}");
    bounds[0] + 2
}

/// The longest limit the samples are tried at: a pattern allowing more
/// (the post body's 200,000 characters) is tried with its bound cut to
/// this, as a regex of 200,000 repetitions takes half a minute to build
/// unoptimised. Its own bound is still checked against its constant.
const SAMPLED_AT_MOST: usize = MAX_BODY;

/// `pattern` with its bound set for a limit of `max` characters.
fn with_limit(pattern: &str, max: usize) -> String {
    Regex::new(r"\{0,\d+\}")
        .unwrap()
        .replace(pattern, format!("{{0,{}}}", max - 2).as_str())
        .into_owned()
}

fn compile(pattern: &str) -> Regex {
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 30)
        .dfa_size_limit(1 << 26)
        .build()
        .unwrap_or_else(|e| panic!("{pattern}: {e}"))
}

/// Strings around the rules: blanks, odd whitespace at the edges, control
/// and bidi characters inside and at the edges, line breaks, and lengths
/// at and just over `max` (also in characters of two bytes, and with
/// whitespace around that does not count).
fn samples(max: usize) -> Vec<String> {
    let mut out: Vec<String> = [
        "",
        "   ",
        "a",
        " a ",
        "\u{85}a\u{3000}",
        "\ta\n",
        "a b",
        "a\tb",
        "a\nb",
        "a\r\nb",
        "a\rb",
        "a\u{0B}b",
        "a\u{07}b",
        "a\u{0}b",
        "a\u{7F}b",
        "a\u{85}b",
        "a\u{9F}b",
        "a\u{202E}b",
        "\u{2066}a",
        "a\u{2069}",
        "\u{202A}",
        "a\u{2028}b",
        "é",
        "Мария",
        "a-b",
        "-ab",
        "ab-",
        "AB",
        "a_b",
        "ab12",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    for n in [max - 1, max, max + 1] {
        out.push("x".repeat(n));
        out.push("я".repeat(n));
        out.push(format!("  {}\n", "x".repeat(n)));
        out.push(format!("x{}x", " ".repeat(n - 2)));
        out.push(format!("{}\u{202E}", "x".repeat(n - 1)));
    }
    // A line break inside at the limit: `\r\n` is one character to the
    // parser, which normalises it, and two to the pattern.
    out.push(format!(
        "{}\n{}",
        "x".repeat(max / 2),
        "x".repeat(max - max / 2 - 1)
    ));
    out.push(format!(
        "{}\r\n{}",
        "x".repeat(max / 2),
        "x".repeat(max - max / 2 - 2)
    ));
    out.push(format!(
        "{}\r\n{}",
        "x".repeat(max / 2),
        "x".repeat(max - max / 2 - 1)
    ));
    out
}

/// A short name for a sample in a failure message.
fn shown(value: &str) -> String {
    if value.chars().count() > 40 {
        let head: String = value.chars().take(12).collect();
        format!("{head:?}… ({} characters)", value.chars().count())
    } else {
        format!("{value:?}")
    }
}

/// Whether the pattern and the parser may disagree on `value`: only where
/// a `\r\n` makes the pattern count one character more than the parser
/// does, so that the pattern is the stricter one.
fn crlf_counts_twice(rule: Rule, value: &str, max: usize) -> bool {
    matches!(rule, Rule::MultiLine { .. })
        && value.contains("\r\n")
        && value.trim().chars().count() > max
}

#[test]
fn every_pattern_in_the_document_encodes_its_parser_and_limit() {
    let doc = serde_json::to_value(super::document()).unwrap();
    let found = patterns(&doc);
    let rules = rules();
    let listed: Vec<&str> = rules.keys().copied().collect();
    let documented: Vec<&str> = found.keys().map(String::as_str).collect();
    assert_eq!(
        documented, listed,
        "the document's patterns (left) and the rules of this test (right) differ"
    );
    let mut compiled: BTreeMap<String, Regex> = BTreeMap::new();
    for (at, pattern) in &found {
        let rule = rules[at.as_str()];
        assert_eq!(
            longest(pattern),
            rule.max(),
            "{at}: the pattern's length limit is not the parser's ({rule:?})"
        );
        let (pattern, max) = if rule.max() > SAMPLED_AT_MOST {
            (with_limit(pattern, SAMPLED_AT_MOST), SAMPLED_AT_MOST)
        } else {
            (pattern.clone(), rule.max())
        };
        let regex = compiled
            .entry(pattern.clone())
            .or_insert_with(|| compile(&pattern));
        for value in samples(max) {
            let (by_pattern, by_parser) = (regex.is_match(&value), rule.accepts_with(&value, max));
            if by_pattern == by_parser {
                continue;
            }
            assert!(
                !by_pattern && crlf_counts_twice(rule, &value, max),
                "{at}: {} is {} by the pattern and {} by the parser ({rule:?})",
                shown(&value),
                if by_pattern { "accepted" } else { "refused" },
                if by_parser { "accepted" } else { "refused" },
            );
        }
    }
}

#[test]
fn the_text_patterns_agree_with_the_parsers_on_every_short_string() {
    // At a limit of 3 (the bound rewritten to `{0,1}`), every string of up
    // to 5 characters over these: a letter, a space, tab, line feed,
    // carriage return, a control character, NEL (whitespace and control),
    // a bidi override and a line separator.
    const ALPHABET: [char; 9] = [
        'a', ' ', '\t', '\n', '\r', '\u{07}', '\u{85}', '\u{202E}', '\u{2028}',
    ];
    const MAX: usize = 3;
    let doc = serde_json::to_value(super::document()).unwrap();
    let rules = rules();
    let mut checked = BTreeMap::new();
    for (at, pattern) in patterns(&doc) {
        let rule = rules[at.as_str()];
        if rule.is_text() {
            checked
                .entry(with_limit(&pattern, MAX))
                .or_insert((at, rule));
        }
    }
    for (small, (at, rule)) in checked {
        let regex = compile(&small);
        let mut values = vec![String::new()];
        let mut all = vec![String::new()];
        for _ in 0..5 {
            values = values
                .iter()
                .flat_map(|v| ALPHABET.iter().map(move |c| format!("{v}{c}")))
                .collect();
            all.extend(values.iter().cloned());
        }
        for value in all {
            let (by_pattern, by_parser) = (regex.is_match(&value), rule.accepts_with(&value, MAX));
            assert!(
                by_pattern == by_parser || (!by_pattern && crlf_counts_twice(rule, &value, MAX)),
                "{at} at a limit of {MAX}: {value:?} is {} by {small} and {} by the parser",
                if by_pattern { "accepted" } else { "refused" },
                if by_parser { "accepted" } else { "refused" },
            );
        }
    }
}
