//! Names a reader may not sign with: the configured official name (the
//! one official replies appear under), a moderator's display name, and
//! words that claim office ("Official", "Moderator"), however disguised.
//!
//! Names are compared folded ([`super::fold`]: case, width, diacritics,
//! look-alike letters of other scripts, digits for letters, invisible
//! characters): a reader's name is refused when it holds the official
//! name as whole words ("DipNote Bloggers Team") or squashes to it without
//! gaps ("Dip-NoteBloggers"), when it squashes to a moderator's display
//! name, or when it holds a staff word. A location is refused when it
//! holds a staff word or the official name ("Official reply"). Refusing
//! (422) rather than holding with a signal: no reader needs such a name,
//! and a held one could still be approved by a hurried moderator.

use super::FieldError;
use super::fold::{Folded, fold};
use super::terms::Term;

/// Words that claim office, in the widget's languages (a trailing `*`
/// also matches longer words: "officially", "officiels").
const STAFF_WORDS: [&str; 9] = [
    "official*",
    "officiel*",
    "oficial*",
    "официальн*",
    "moderator",
    "moderators",
    "administrator*",
    "admin",
    "staff",
];

/// What reader names and locations are checked against.
#[derive(Debug, Clone)]
pub struct StaffNames {
    /// The official name, as a term (whole words) and squashed.
    official: Option<(Term, String)>,
    /// Moderators' display names, squashed.
    moderators: Vec<String>,
    /// [`STAFF_WORDS`] as terms.
    words: Vec<Term>,
}

impl StaffNames {
    /// The names to refuse: the configured official name and the display
    /// names of the moderators' accounts.
    pub fn new<'a>(official: &str, moderators: impl IntoIterator<Item = &'a str>) -> Self {
        let squashed = fold(official).squashed();
        Self {
            official: Term::new(official, None)
                .filter(|_| !squashed.is_empty())
                .map(|t| (t, squashed)),
            moderators: moderators
                .into_iter()
                .map(|m| fold(m).squashed())
                .filter(|m| !m.is_empty())
                .collect(),
            words: STAFF_WORDS
                .iter()
                .filter_map(|w| Term::new(w, None))
                .collect(),
        }
    }

    fn is_official(&self, folded: &Folded) -> bool {
        self.official.as_ref().is_some_and(|(term, squashed)| {
            term.occurs_in(folded) || folded.squashed() == *squashed
        })
    }

    fn claims_office(&self, folded: &Folded) -> bool {
        self.words.iter().any(|w| w.occurs_in(folded))
    }

    /// The refusals for a reader's `name` and `location`: at most one
    /// per field.
    pub fn check(&self, name: &str, location: Option<&str>) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let folded = fold(name);
        if self.is_official(&folded) || self.claims_office(&folded) {
            errors.push(FieldError::new(
                "author_name",
                "must not be or imitate the site's official name, or claim to be staff",
            ));
        } else if self.moderators.contains(&folded.squashed()) {
            errors.push(FieldError::new(
                "author_name",
                "must not be or imitate a moderator's name",
            ));
        }
        if let Some(location) = location {
            let folded = fold(location);
            if self.is_official(&folded) || self.claims_office(&folded) {
                errors.push(FieldError::new(
                    "author_location",
                    "must not claim to be official or staff",
                ));
            }
        }
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staff() -> StaffNames {
        StaffNames::new("DipNote Bloggers", ["Alice Moreau", "bob"])
    }

    fn name_refused(name: &str) -> bool {
        !staff().check(name, None).is_empty()
    }

    fn location_refused(location: &str) -> bool {
        !staff().check("Mari", Some(location)).is_empty()
    }

    #[test]
    fn the_official_name_is_refused_in_any_disguise() {
        for name in [
            "DipNote Bloggers",
            "dipnote bloggers",
            "DIPNOTE BLOGGERS",
            "DipNoteBloggers",
            "Dip-Note Bloggers",
            "D\u{0456}pN\u{043E}te Bl\u{03BF}ggers",
            "\u{13A0}ipNote \u{13F4}loggers",
            "ＤｉｐＮｏｔｅ Ｂｌｏｇｇｅｒｓ",
            "D1pN0te B1oggers",
            "DípNöte Bloggers",
            "DipNote\u{200B}Bloggers",
            "The DipNote Bloggers team",
        ] {
            assert!(name_refused(name), "{name:?} should be refused");
        }
    }

    #[test]
    fn moderators_names_and_staff_words_are_refused() {
        assert!(name_refused("alice moreau"));
        assert!(name_refused("Аlice Moreau")); // Cyrillic А
        assert!(name_refused("BOB"));
        assert!(name_refused("Official"));
        assert!(name_refused("Moderator Team"));
        assert!(name_refused("The Staff"));
        let errors = staff().check("Alice Moreau", None);
        assert_eq!(errors[0].field, "author_name");
        assert!(errors[0].message.contains("moderator"));
    }

    #[test]
    fn ordinary_names_pass() {
        for name in [
            "Dedric",
            "Alice",
            "Bobby",
            "Angel in the U.S.A.",
            "Мария",
            "Staffan",
            "A Moderate Voice",
            "DipNote reader",
        ] {
            assert!(!name_refused(name), "{name:?} should pass");
        }
    }

    #[test]
    fn locations_claiming_office_are_refused_and_places_pass() {
        for location in [
            "Official reply",
            "official",
            "OFFICIALLY",
            "\u{043E}fficial",
            "DipNote Bloggers",
            "staff",
        ] {
            assert!(location_refused(location), "{location:?} should be refused");
        }
        for location in ["United States", "Paris", "Staffordshire", "Москва"] {
            assert!(!location_refused(location), "{location:?} should pass");
        }
        let errors = staff().check("Mari", Some("Official reply"));
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "author_location");
    }

    #[test]
    fn an_official_name_with_nothing_to_fold_refuses_nothing_by_it() {
        let staff = StaffNames::new("!!!", []);
        assert!(staff.check("Dedric", Some("Paris")).is_empty());
    }
}
