//! Text folded so that disguised text compares equal to what it imitates:
//! the one folding behind banned terms ([`super::terms`]) and reserved
//! names ([`super::staff`]), so that what one sees through the other does
//! too.
//!
//! Folding is, per character: compatibility decomposition (NFKD: full-width
//! and mathematical letters become plain ones), diacritics dropped, case
//! folded, then the Unicode confusable skeleton (UTS #39, from the
//! `unicode-security` crate: Cyrillic, Greek, Cherokee and other letters
//! drawn like Latin ones) and a short list of digits and signs written
//! for letters ("c4s1n0", "$pam"). Letters and digits make words; every
//! run of anything else (spaces, punctuation) is one gap.
//!
//! Invisible characters (zero-width spaces and joiners, Hangul and
//! braille fillers, variation selectors, every format character) are read
//! both ways, since either can be the disguise: as a gap ("casino\u{200B}now"
//! hides the word "casino") and as nothing ("ca\u{200B}sino" is "casino").
//! [`Folded`] keeps the two readings.

use std::collections::HashMap;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Whether `c` shows nothing where it stands: a format character
/// (general category Cf: zero-width spaces and joiners, bidi marks, the
/// BOM, tags), a default-ignorable code point (the Hangul fillers U+115F,
/// U+1160, U+3164, U+FFA0, variation selectors, the combining grapheme
/// joiner, the soft hyphen) or the blank braille pattern U+2800.
pub fn is_invisible(c: char) -> bool {
    if c.is_ascii() {
        return false;
    }
    c == '\u{2800}' || c.general_category() == GeneralCategory::Format || is_default_ignorable(c)
}

/// Unicode's Default_Ignorable_Code_Point: the skeleton of UTS #39 drops
/// exactly those characters, and nothing else turns into nothing.
fn is_default_ignorable(c: char) -> bool {
    let mut buf = [0u8; 4];
    unicode_security::skeleton(c.encode_utf8(&mut buf))
        .next()
        .is_none()
}

/// Digits and signs written for letters, after the skeleton (which makes
/// "0" an "o", "1" and "I" an "l"), and `l` with `i`, which many fonts
/// draw alike. Punctuation that can end a sentence ("!", "|") is left
/// alone, so that "casino!" still ends a word.
fn leet(c: char) -> char {
    match c {
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

/// Lower-cases the skeleton of `text` into `out`; whether it is all ASCII.
fn lower_skeleton(text: impl Iterator<Item = char>, out: &mut String) -> bool {
    out.clear();
    let text: String = text.collect();
    out.extend(unicode_security::skeleton(&text).flat_map(char::to_lowercase));
    out.is_ascii()
}

/// Folds one visible non-ASCII character (already decomposed, not a
/// combining mark). A letter whose lower case has no Latin look-alike is
/// tried in upper case too: the small Cherokee letters and some Cyrillic
/// ones (н, т, в) look like Latin capitals.
fn fold_non_ascii(c: char) -> Box<[char]> {
    let mut folded = String::new();
    if !lower_skeleton(c.to_lowercase(), &mut folded) {
        let mut upper = String::new();
        if lower_skeleton(c.to_uppercase(), &mut upper) {
            folded = upper;
        }
    }
    folded.chars().map(leet).collect()
}

/// Text folded for comparison, in its two readings of invisible
/// characters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Folded {
    /// Words joined by single spaces, an invisible character counting as
    /// a gap between words.
    pub split: String,
    /// The same with invisible characters counting as nothing.
    pub joined: String,
}

impl Folded {
    /// Both readings, for a search that must find a match in either.
    pub fn readings(&self) -> [&str; 2] {
        [&self.split, &self.joined]
    }

    /// The letters and digits alone, without any gap: "Dip Note-Bloggers"
    /// and "DipNoteBloggers" squash alike.
    pub fn squashed(&self) -> String {
        self.joined.chars().filter(|c| *c != ' ').collect()
    }
}

/// Folds `text` (see the module's documentation).
pub fn fold(text: &str) -> Folded {
    let mut folded = Folded {
        split: String::with_capacity(text.len()),
        joined: String::with_capacity(text.len()),
    };
    // A gap is written lazily, before the next word, never at either end.
    let (mut split_gap, mut joined_gap) = (false, false);
    // Non-ASCII characters are looked at once per text (`None`: invisible)
    // and remembered, since a text in one script repeats a few dozen.
    let mut seen: HashMap<char, Option<Box<[char]>>> = HashMap::new();
    let mut emit = |f: char, split_gap: &mut bool| {
        if f.is_alphanumeric() {
            for (out, gap) in [
                (&mut folded.split, &mut *split_gap),
                (&mut folded.joined, &mut joined_gap),
            ] {
                if *gap && !out.is_empty() {
                    out.push(' ');
                }
                *gap = false;
                out.push(f);
            }
        } else {
            *split_gap = true;
            joined_gap = true;
        }
    };
    for c in text.nfkd().filter(|c| !is_combining_mark(*c)) {
        if c.is_ascii() {
            emit(leet(c.to_ascii_lowercase()), &mut split_gap);
            continue;
        }
        let entry = seen
            .entry(c)
            .or_insert_with(|| (!is_invisible(c)).then(|| fold_non_ascii(c)));
        match entry {
            None => split_gap = true,
            Some(chars) => {
                for f in chars.iter() {
                    emit(*f, &mut split_gap);
                }
            }
        }
    }
    folded
}

#[cfg(test)]
mod tests {
    use super::*;

    fn squash(text: &str) -> String {
        fold(text).squashed()
    }

    #[test]
    fn case_width_accents_and_mathematical_letters_fold_away() {
        assert_eq!(fold("ＣＡＳＩＮＯ").joined, "casino");
        assert_eq!(fold("Cásíñó").joined, "casino");
        assert_eq!(fold("𝐃𝐢𝐩𝐍𝐨𝐭𝐞").joined, "dipnote");
        assert_eq!(fold("  Payday,   LOAN!! ").split, "payday ioan");
    }

    #[test]
    fn look_alike_letters_of_other_scripts_fold_to_latin() {
        let plain = squash("DipNote Bloggers");
        // Cyrillic і and о, Greek ο.
        assert_eq!(squash("D\u{0456}pN\u{043E}te Bl\u{03BF}ggers"), plain);
        // Cherokee capitals Ꭰ (D) and Ᏼ (B), and a small Cherokee ꮃ for w.
        assert_eq!(squash("\u{13A0}ipNote \u{13F4}loggers"), plain);
        assert_eq!(squash("\u{AB83}ide"), squash("wide"));
        // Cyrillic letters that look like Latin capitals in lower case.
        assert_eq!(
            squash("\u{0441}\u{0430}\u{0455}\u{0456}\u{043D}\u{043E}"),
            "casiho"
        );
        assert_eq!(squash("casino"), "casino");
    }

    #[test]
    fn digits_and_signs_written_for_letters_fold_too() {
        assert_eq!(squash("C4S1N0"), "casino");
        assert_eq!(squash("$pam"), "spam");
        assert_eq!(squash("vi11a"), squash("villa"));
        assert_eq!(squash("D1pN0te B1oggers"), squash("DipNote Bloggers"));
    }

    #[test]
    fn an_invisible_character_is_both_a_gap_and_nothing() {
        let f = fold("ca\u{200B}si\u{00AD}no\u{3164}now");
        assert_eq!(f.split, "ca si no now");
        assert_eq!(f.joined, "casinonow");
        let f = fold("DipNote\u{2800}Bloggers");
        // (l folds with i: see `leet`.)
        assert_eq!(f.split, "dipnote bioggers");
        assert_eq!(f.joined, "dipnotebioggers");
    }

    #[test]
    fn fillers_joiners_and_selectors_are_invisible_and_letters_are_not() {
        for c in [
            '\u{200B}',
            '\u{200C}',
            '\u{200D}',
            '\u{2060}',
            '\u{FEFF}',
            '\u{00AD}',
            '\u{3164}',
            '\u{115F}',
            '\u{1160}',
            '\u{FFA0}',
            '\u{2800}',
            '\u{FE0F}',
            '\u{E0041}',
            '\u{E0100}',
            '\u{180E}',
            '\u{034F}',
            '\u{061C}',
            '\u{200E}',
            '\u{0600}',
        ] {
            assert!(is_invisible(c), "U+{:04X} should be invisible", c as u32);
        }
        for c in ['a', ' ', 'é', 'Ж', 'ش', '中', '\u{00A0}', '\u{3000}', '😀'] {
            assert!(!is_invisible(c), "U+{:04X} should be visible", c as u32);
        }
    }

    #[test]
    fn text_of_other_scripts_keeps_its_words() {
        assert_eq!(fold("Мария, Москва").split.split(' ').count(), 2);
        assert!(!fold("مرحبا").joined.is_empty());
        assert!(!fold("中文").joined.is_empty());
    }
}
