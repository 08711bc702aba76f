//! The messages' words: `templates/mail/LANG/KIND.txt` (see the README
//! there), compiled into release binaries, read from disk in debug ones.

use crate::domain::comment::LANGUAGES;
use std::collections::HashMap;

#[derive(rust_embed::Embed)]
#[folder = "templates/mail/"]
struct Files;

/// A message ready to send: subject, plain text, and the HTML made from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// One line.
    pub subject: String,
    /// The text.
    pub text: String,
    /// The same text as HTML: paragraphs, quotations and links.
    pub html: String,
}

/// The template `name` in `lang`, else in English.
fn source(lang: &str, name: &str) -> Option<String> {
    let lang = if LANGUAGES.contains(&lang) {
        lang
    } else {
        "en"
    };
    Files::get(&format!("{lang}/{name}.txt"))
        .or_else(|| Files::get(&format!("en/{name}.txt")))
        .and_then(|f| String::from_utf8(f.data.into_owned()).ok())
}

/// Fills `{word}`s from `values`; an unknown word stays as written.
fn fill(template: &str, values: &HashMap<&str, String>) -> String {
    let mut out = String::with_capacity(template.len() + 128);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) if values.contains_key(&after[..close]) => {
                out.push_str(&values[&after[..close]]);
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The message `name` in `lang` with `values`, and `footer` (another
/// template, filled from the same values) after it when given. `None` if
/// the template is missing or has no subject line.
pub fn render(
    lang: &str,
    name: &str,
    footer: Option<&str>,
    values: &HashMap<&str, String>,
) -> Option<Rendered> {
    let filled = fill(&source(lang, name)?, values);
    let (first, body) = filled.split_once('\n')?;
    let subject = first.strip_prefix("Subject:")?.trim();
    // One line, whatever a value held.
    let subject: String = subject
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut text = body.trim_start_matches('\n').trim_end().to_owned();
    if let Some(footer) = footer {
        let footer = fill(&source(lang, footer)?, values);
        text.push_str("\n\n-- \n");
        text.push_str(footer.trim_end());
    }
    text.push('\n');
    Some(Rendered {
        html: html_of(&text, lang),
        subject,
        text,
    })
}

/// HTML of a plain text: escaped, blank lines make paragraphs, `> ` lines
/// quotations, `http(s)://` words links.
pub fn html_of(text: &str, lang: &str) -> String {
    let dir = if lang == "ar" { "rtl" } else { "ltr" };
    let mut html = format!(
        "<!doctype html><html lang=\"{lang}\" dir=\"{dir}\"><head><meta charset=\"utf-8\"></head><body>\n"
    );
    for block in text.split("\n\n").map(str::trim).filter(|b| !b.is_empty()) {
        // Runs of quoted (`> `) and plain lines, each its own element.
        let mut runs: Vec<(bool, Vec<String>)> = Vec::new();
        for line in block.lines() {
            let quoted = line.starts_with('>');
            let text = linked(&escape(if quoted {
                line.trim_start_matches('>').trim_start()
            } else {
                line
            }));
            match runs.last_mut() {
                Some((q, lines)) if *q == quoted => lines.push(text),
                _ => runs.push((quoted, vec![text])),
            }
        }
        for (quoted, lines) in runs {
            let inner = lines.join("<br>\n");
            if quoted {
                html.push_str(&format!("<blockquote><p>{inner}</p></blockquote>\n"));
            } else {
                html.push_str(&format!("<p>{inner}</p>\n"));
            }
        }
    }
    html.push_str("</body></html>\n");
    html
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Escaped text with its `http(s)://` words as links.
fn linked(escaped: &str) -> String {
    escaped
        .split(' ')
        .map(|word| {
            if word.starts_with("https://") || word.starts_with("http://") {
                // A sentence's full stop (or a closing bracket) after a
                // link is not part of it.
                let url = word.trim_end_matches(['.', ',', ';', ':', '!', '?', ')', '»']);
                let tail = &word[url.len()..];
                format!("<a href=\"{url}\">{url}</a>{tail}")
            } else {
                word.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every template file's name and text (for the test that each language
/// has each message with only known words).
pub fn all() -> Vec<(String, String)> {
    Files::iter()
        .filter(|name| name.ends_with(".txt"))
        .filter_map(|name| {
            let text = String::from_utf8(Files::get(&name)?.data.into_owned()).ok()?;
            Some((name.into_owned(), text))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn values(pairs: &[(&'static str, &str)]) -> HashMap<&'static str, String> {
        pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()
    }

    #[test]
    fn a_message_is_filled_in_and_its_html_is_escaped() {
        let v = values(&[
            ("name", "Mari <b>"),
            ("post_title", "Water & rivers"),
            ("permalink", "https://blog.example/p#comment-3"),
            ("excerpt", "I <3 \"this\""),
            ("site", "https://comments.example"),
            (
                "unsubscribe_url",
                "https://comments.example/mail/unsubscribe?s=1&c=ab",
            ),
        ]);
        let m = render("en", "approved", Some("footer"), &v).unwrap();
        assert_eq!(m.subject, "Your comment on \"Water & rivers\" is published");
        assert!(m.text.contains("Hello Mari <b>,"));
        assert!(m.text.contains("https://blog.example/p#comment-3"));
        assert!(m.text.contains("\n-- \n"));
        assert!(m.html.contains("Hello Mari &lt;b&gt;,"), "{}", m.html);
        assert!(!m.html.contains("<b>"));
        assert!(
            m.html
                .contains("<a href=\"https://blog.example/p#comment-3\">")
        );
        assert!(
            m.html
                .contains("<blockquote><p>I &lt;3 &quot;this&quot;</p></blockquote>")
        );
        assert!(m.html.contains("s=1&amp;c=ab"));
        assert!(
            m.html
                .contains("<a href=\"https://comments.example\">https://comments.example</a>."),
            "a full stop after a link stays outside it: {}",
            m.html
        );
    }

    #[test]
    fn a_subject_stays_one_line_and_unknown_words_stay() {
        let v = values(&[("post_title", "A\r\nBcc: x@y"), ("name", "N")]);
        let m = render("en", "approved", None, &v).unwrap();
        assert!(!m.subject.contains('\n') && !m.subject.contains('\r'));
        assert!(m.text.contains("{permalink}"));
        assert_eq!(fill("{a} {b} {", &values(&[("a", "1")])), "1 {b} {");
    }

    /// The `{word}`s of a template.
    fn words(text: &str) -> std::collections::BTreeSet<&str> {
        let mut found = std::collections::BTreeSet::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            rest = &rest[open + 1..];
            if let Some(close) = rest.find('}') {
                let word = &rest[..close];
                if !word.is_empty() && word.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                    found.insert(word);
                    rest = &rest[close + 1..];
                }
            }
        }
        found
    }

    #[test]
    fn every_language_has_every_message_with_only_known_words() {
        let files: HashMap<String, String> = all().into_iter().collect();
        for path in files.keys() {
            let lang = path.split_once('/').map_or("", |(lang, _)| lang);
            assert!(
                LANGUAGES.contains(&lang),
                "{path}: not a language of the widget"
            );
        }
        let english: Vec<(&str, &String)> = files
            .iter()
            .filter_map(|(path, text)| Some((path.strip_prefix("en/")?, text)))
            .filter(|(name, _)| *name != "digest.txt")
            .collect();
        assert!(english.len() >= 5, "{english:?}");
        for lang in ["ru", "fr", "es", "ar"] {
            for (name, en) in &english {
                let path = format!("{lang}/{name}");
                let text = files
                    .get(&path)
                    .unwrap_or_else(|| panic!("{path} is missing"));
                // The footer is appended as it is: no subject line, as in English.
                if en.starts_with("Subject: ") {
                    let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
                    let subject = first.strip_prefix("Subject: ");
                    assert!(
                        subject.is_some_and(|s| !s.trim().is_empty()),
                        "{path}: the first line is not a subject: {first:?}"
                    );
                    assert!(
                        rest.starts_with('\n'),
                        "{path}: no empty line after the subject"
                    );
                } else {
                    assert!(!text.starts_with("Subject:"), "{path}: has a subject");
                }
                assert_eq!(words(text), words(en), "{path}: not the English words");
            }
        }
    }

    #[test]
    fn a_language_without_a_file_falls_back_to_english() {
        let m = render("xx", "digest", None, &values(&[("count", "3")])).unwrap();
        assert!(m.subject.starts_with("3 comments"));
    }
}
