//! Plain-text fields: trimmed, length-capped, free of control and bidi
//! override characters, which can hide or reorder what moderators read.
//! The names readers sign with are held to more ([`visible_line`]): no
//! invisible character at all, and something visible to read.

use super::FieldError;
use super::fold::is_invisible;
use unicode_properties::{GeneralCategory, GeneralCategoryGroup, UnicodeGeneralCategory};

/// Bidirectional embedding, override and isolate controls (U+202A–U+202E,
/// U+2066–U+2069): they can make a name or a link read differently from
/// what it is.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Checks a one-line text field: trims it, refuses an empty value (when
/// `required`), control and bidi characters, and more than `max` characters.
/// Returns `None` for an empty optional field.
pub fn single_line(
    field: &str,
    value: &str,
    max: usize,
    required: bool,
) -> Result<Option<String>, FieldError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return if required {
            Err(FieldError::new(field, "must not be empty"))
        } else {
            Ok(None)
        };
    }
    check(
        field,
        trimmed,
        max,
        |c| c.is_control(),
        "must not contain control characters or line breaks",
    )?;
    Ok(Some(trimmed.to_owned()))
}

/// Checks a one-line field that names someone or somewhere (a reader's
/// name or location) as [`single_line`] does, and also refuses the line
/// and paragraph separators U+2028 and U+2029, invisible
/// characters ([`is_invisible`]: zero-width and format characters,
/// fillers, variation selectors), private-use and unassigned code points
/// (which show as blanks or boxes), and text with no visible letter,
/// digit, punctuation or symbol (a lone combining accent).
pub fn visible_line(
    field: &str,
    value: &str,
    max: usize,
    required: bool,
) -> Result<Option<String>, FieldError> {
    let Some(text) = single_line(field, value, max, required)? else {
        return Ok(None);
    };
    if text.chars().any(|c| matches!(c, '\u{2028}' | '\u{2029}')) {
        return Err(FieldError::new(field, "must not contain line breaks"));
    }
    if text.chars().any(is_invisible) {
        return Err(FieldError::new(
            field,
            "must not contain invisible characters (zero-width spaces, joiners, fillers or other format characters)",
        ));
    }
    if text.chars().any(|c| {
        matches!(
            c.general_category(),
            GeneralCategory::PrivateUse | GeneralCategory::Unassigned | GeneralCategory::Surrogate
        )
    }) {
        return Err(FieldError::new(
            field,
            "must not contain private-use or unassigned characters",
        ));
    }
    let visible = text.chars().any(|c| {
        matches!(
            c.general_category_group(),
            GeneralCategoryGroup::Letter
                | GeneralCategoryGroup::Number
                | GeneralCategoryGroup::Punctuation
                | GeneralCategoryGroup::Symbol
        )
    });
    if !visible {
        return Err(FieldError::new(
            field,
            "must contain a visible letter, digit or sign",
        ));
    }
    Ok(Some(text))
}

/// Checks a multi-line text field: like [`single_line`] but line breaks and
/// tabs are allowed, and Windows line endings become `\n`.
pub fn multi_line(field: &str, value: &str, max: usize) -> Result<String, FieldError> {
    let normalised = value.replace("\r\n", "\n").replace('\r', "\n");
    let trimmed = normalised.trim();
    if trimmed.is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    check(
        field,
        trimmed,
        max,
        |c| c.is_control() && c != '\n' && c != '\t',
        "must not contain control characters",
    )?;
    Ok(trimmed.to_owned())
}

/// The rules both kinds of field share: no `forbidden` characters, no bidi
/// controls, at most `max` characters.
fn check(
    field: &str,
    text: &str,
    max: usize,
    forbidden: impl Fn(char) -> bool,
    forbidden_message: &str,
) -> Result<(), FieldError> {
    if text.chars().any(forbidden) {
        return Err(FieldError::new(field, forbidden_message));
    }
    if text.chars().any(is_bidi_control) {
        return Err(FieldError::new(
            field,
            "must not contain text-direction override characters",
        ));
    }
    let length = text.chars().count();
    if length > max {
        return Err(FieldError::new(
            field,
            format!("must be at most {max} characters (it has {length})"),
        ));
    }
    Ok(())
}

/// A one-line excerpt of `text` (a comment's source, never its HTML) for
/// lists: runs of whitespace and control characters become one space, bidi
/// controls are dropped, and past `max` characters it is cut (between two
/// characters, never inside one) and ends with "…".
pub fn excerpt(text: &str, max: usize) -> String {
    let clean: String = text
        .chars()
        .filter(|c| !is_bidi_control(*c))
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut out = String::new();
    let mut kept = 0;
    for word in clean.split_whitespace() {
        if kept > 0 {
            out.push(' ');
            kept += 1;
        }
        for c in word.chars() {
            if kept >= max {
                out.truncate(out.trim_end().len());
                out.push('\u{2026}');
                return out;
            }
            out.push(c);
            kept += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_trimmed() {
        assert_eq!(
            single_line("n", "  Mari ", 80, true).unwrap(),
            Some("Mari".to_owned())
        );
    }

    #[test]
    fn a_blank_required_field_is_refused_and_a_blank_optional_one_is_none() {
        assert!(single_line("n", "   ", 80, true).is_err());
        assert_eq!(single_line("n", "  ", 80, false).unwrap(), None);
    }

    #[test]
    fn control_and_bidi_characters_are_refused() {
        assert!(single_line("n", "Ma\u{0007}ri", 80, true).is_err());
        assert!(single_line("n", "Mari\nEvil", 80, true).is_err());
        assert!(single_line("n", "evil\u{202E}gpj.exe", 80, true).is_err());
        assert!(multi_line("b", "text \u{2066}x", 80).is_err());
        assert!(multi_line("b", "nul\u{0000}", 80).is_err());
    }

    #[test]
    fn line_and_paragraph_separators_are_line_breaks_in_a_name() {
        assert!(visible_line("n", "Mari\u{2028}Evil", 80, true).is_err());
        assert!(visible_line("n", "Mari\u{2029}Evil", 80, true).is_err());
    }

    #[test]
    fn a_visible_line_refuses_invisible_and_blank_looking_text() {
        for value in [
            "Ma\u{200B}ri",
            "\u{3164}",
            "\u{2800}\u{2800}",
            "\u{115F}\u{1160}",
            "\u{FFA0}",
            "Mari\u{FE0F}",
            "\u{200D}",
            "Mari\u{E0041}",
            "\u{0301}",
            "\u{E000}",
            "Mari\u{0378}",
            " \u{00A0}\u{3000} ",
        ] {
            let refused = visible_line("author_name", value, 80, true);
            assert!(refused.is_err(), "{value:?} should be refused");
            assert_eq!(refused.unwrap_err().field, "author_name");
        }
    }

    #[test]
    fn a_visible_line_keeps_every_script_and_sign() {
        for value in [
            "Mari",
            "Мария",
            "محمد",
            "李华",
            "Zoë",
            "J.",
            "🙂",
            "Ångström",
        ] {
            assert_eq!(
                visible_line("author_name", value, 80, true)
                    .unwrap()
                    .as_deref(),
                Some(value)
            );
        }
        assert_eq!(
            visible_line("author_location", " ", 80, false).unwrap(),
            None
        );
    }

    #[test]
    fn length_is_counted_in_characters_not_bytes() {
        let russian = "Мария".repeat(16); // 80 characters, 160 bytes
        assert!(single_line("n", &russian, 80, true).is_ok());
        assert!(single_line("n", &format!("{russian}я"), 80, true).is_err());
    }

    #[test]
    fn multi_line_keeps_line_breaks_and_normalises_crlf() {
        assert_eq!(multi_line("b", "a\r\nb\rc", 80).unwrap(), "a\nb\nc");
    }

    #[test]
    fn an_excerpt_is_one_line_of_at_most_max_characters() {
        assert_eq!(excerpt("  Short\n\n  and\tsweet  ", 100), "Short and sweet");
        assert_eq!(excerpt("abcdef", 6), "abcdef");
        assert_eq!(excerpt("abcdefg", 6), "abcdef\u{2026}");
        // A space is never the last thing before the ellipsis.
        assert_eq!(excerpt("abcde fgh", 6), "abcde\u{2026}");
        assert_eq!(excerpt("", 6), "");
        assert_eq!(excerpt("a\u{202E}b\u{0007}c", 6), "ab c");
    }

    #[test]
    fn an_excerpt_is_cut_between_characters_not_bytes() {
        let text = "Мария 👩‍👩‍👧 ".repeat(20);
        let cut = excerpt(&text, 100);
        assert_eq!(cut.chars().count(), 101);
        assert!(cut.ends_with('\u{2026}'));
        assert!(text.starts_with(cut.trim_end_matches('\u{2026}')));
    }
}
