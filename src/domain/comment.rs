//! A reader's comment as it arrives, parsed once into checked types.

use super::page::PageRef;
use super::text::{multi_line, single_line, visible_line};
use super::{Errors, FieldError};
use serde::Deserialize;

/// Longest author name, in characters.
pub const MAX_NAME: usize = 80;
/// Longest location, in characters.
pub const MAX_LOCATION: usize = 80;
/// Longest e-mail address (RFC 5321's path limit).
pub const MAX_EMAIL: usize = 254;
/// Longest comment body, in characters.
pub const MAX_BODY: usize = 10_000;

id_newtype!(
    /// The id of a comment or official reply.
    CommentId
);

/// The name a reader signs with ("Dedric", "Angel in the U.S.A.").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorName(String);

impl AuthorName {
    /// Trims and checks a name; see [`super::text::visible_line`]. Whether
    /// it imitates the staff is [`super::staff::StaffNames`]'s question.
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        visible_line("author_name", value, MAX_NAME, true)?
            .map(Self)
            .ok_or_else(|| FieldError::new("author_name", "must not be empty"))
    }

    /// The checked name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where a reader says they write from ("United States"); optional.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location(String);

impl Location {
    /// Trims and checks a location; an empty one is `None`.
    pub fn parse(value: &str) -> Result<Option<Self>, FieldError> {
        Ok(visible_line("author_location", value, MAX_LOCATION, false)?.map(Self))
    }

    /// The checked location.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A reader's e-mail address: seen by moderators only, never public.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Trims and checks an address; an empty one is `None`.
    pub fn parse(value: &str) -> Result<Option<Self>, FieldError> {
        let Some(trimmed) = single_line("email", value, MAX_EMAIL, false)? else {
            return Ok(None);
        };
        if !email_address::EmailAddress::is_valid(&trimmed) {
            return Err(FieldError::new("email", "is not a valid e-mail address"));
        }
        Ok(Some(Self(trimmed)))
    }

    /// The address, as the reader typed it (trimmed).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The text of a comment: Markdown-subset source, not yet rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentBody(String);

impl CommentBody {
    /// Trims and checks a body of at most [`MAX_BODY`] characters.
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        multi_line("body", value, MAX_BODY).map(Self)
    }

    /// The checked source text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A fingerprint of the text with case and spacing folded, so that
    /// the same words sent again are recognised.
    pub fn fingerprint(&self) -> i64 {
        use sha2::{Digest, Sha256};
        let folded: Vec<String> = self.0.split_whitespace().map(str::to_lowercase).collect();
        let digest = Sha256::digest(folded.join(" ").as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        i64::from_le_bytes(first)
    }
}

/// A number sent either as a JSON number or as a form field's text.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum LooseId {
    /// A JSON number.
    Number(i64),
    /// A form field (or a JSON string).
    Text(String),
    /// A JSON number written with a fraction (`12.0`, which JSON Schema
    /// counts as an integer): read when it is whole.
    #[serde(skip_serializing)]
    Fraction(f64),
}

impl LooseId {
    /// Reads the id of field `field`; an empty form field is `None`.
    pub fn parse(&self, field: &str) -> Result<Option<i32>, FieldError> {
        let number = match self {
            Self::Number(n) => *n,
            // Saturating; anything out of range fails the check below.
            Self::Fraction(f) if f.fract() == 0.0 => *f as i64,
            Self::Fraction(_) => return Err(FieldError::new(field, "must be a comment id")),
            Self::Text(t) if t.trim().is_empty() => return Ok(None),
            Self::Text(t) => t
                .trim()
                .parse::<i64>()
                .map_err(|_| FieldError::new(field, "must be a comment id"))?,
        };
        i32::try_from(number)
            .ok()
            .filter(|n| *n > 0)
            .map(Some)
            .ok_or_else(|| FieldError::new(field, "must be a comment id"))
    }
}

/// A yes/no sent either as a JSON boolean or as a form field's text
/// (`on`, `true`, `1`; `off`, `false`, `0` or empty).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum LooseBool {
    /// A JSON boolean.
    Bool(bool),
    /// A form field (or a JSON string).
    Text(String),
}

impl LooseBool {
    /// Reads the yes/no of field `field`.
    pub fn parse(&self, field: &str) -> Result<bool, FieldError> {
        match self {
            Self::Bool(b) => Ok(*b),
            Self::Text(t) => match t.trim().to_ascii_lowercase().as_str() {
                "on" | "true" | "1" | "yes" => Ok(true),
                "off" | "false" | "0" | "no" | "" => Ok(false),
                _ => Err(FieldError::new(field, "must be true or false")),
            },
        }
    }
}

/// The languages messages to readers are written in (the widget's).
pub const LANGUAGES: [&str; 5] = ["en", "ru", "fr", "es", "ar"];

/// What a reader's submission looks like on the wire (JSON or form).
/// Every field is optional here so that a missing field is a 422 naming it,
/// not an opaque 400.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({
    "author_name": "Mari",
    "author_location": "United States",
    "body": "Is there a *reciprocal* arrangement?",
}))]
pub struct CommentForm {
    /// The reader's name.
    #[schema(value_type = String, required = true, pattern = r"^\s*[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069](?:[^\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]{0,78}[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069])?\s*$")]
    pub author_name: Option<String>,
    /// The reader's location.
    #[schema(
        pattern = r"^\s*(?:[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069](?:[^\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]{0,78}[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069])?)?\s*$"
    )]
    pub author_location: Option<String>,
    /// The reader's e-mail address.
    #[schema(
        pattern = r"^\s*(?:[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069](?:[^\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]{0,252}[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069])?)?\s*$"
    )]
    pub email: Option<String>,
    /// The comment text.
    #[schema(value_type = String, required = true, pattern = r"^\s*[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069](?:[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]{0,9998}[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069])?\s*$")]
    pub body: Option<String>,
    /// The approved comment this one answers.
    pub parent_id: Option<LooseId>,
    /// The honeypot: hidden from people, filled in by bots.
    pub website: Option<String>,
    /// The title of the page the widget is on: names a post that this
    /// comment creates (`posts.auto_create`).
    #[schema(max_length = 300)]
    pub post_title: Option<String>,
    /// The address of the page the widget is on; on an allowed origin, the
    /// first accepted comment for an unknown slug creates the post.
    #[schema(max_length = 2000)]
    pub post_url: Option<String>,
    /// Tell the author by e-mail what becomes of the comment (needs
    /// `email`; the address is confirmed first): a boolean, or a form's
    /// `on`/`true`/`1` (`off`/`false`/`0`/empty for no).
    pub notify: Option<LooseBool>,
    /// The language of those messages: `en`, `ru`, `fr`, `es` or `ar`.
    pub lang: Option<String>,
}

/// A submission whose every field has been checked.
#[derive(Debug, Clone)]
pub struct NewComment {
    /// Checked name.
    pub author_name: AuthorName,
    /// Checked location, if any.
    pub author_location: Option<Location>,
    /// Checked e-mail, if any.
    pub email: Option<Email>,
    /// Checked body source.
    pub body: CommentBody,
    /// The comment answered, not yet checked against the database.
    pub parent_id: Option<CommentId>,
    /// Whether the honeypot field was filled in.
    pub honeypot_filled: bool,
    /// The page the comment was sent from, as the widget names it.
    pub page: PageRef,
    /// The author asked to hear back by e-mail (at `email`).
    pub notify: bool,
    /// The language of those messages, one of [`LANGUAGES`].
    pub lang: Option<&'static str>,
}

impl NewComment {
    /// Parses a submission, reporting every bad field at once.
    pub fn parse(form: &CommentForm) -> Result<Self, Vec<FieldError>> {
        let mut errors = Errors::default();
        let author_name = errors.take(AuthorName::parse(
            form.author_name.as_deref().unwrap_or_default(),
        ));
        let author_location = errors.take(Location::parse(
            form.author_location.as_deref().unwrap_or_default(),
        ));
        let email = errors.take(Email::parse(form.email.as_deref().unwrap_or_default()));
        let body = errors.take(CommentBody::parse(form.body.as_deref().unwrap_or_default()));
        let parent_id = match &form.parent_id {
            Some(raw) => errors.take(raw.parse("parent_id")),
            None => Some(None),
        };
        let page = match PageRef::parse(form.post_title.as_deref(), form.post_url.as_deref()) {
            Ok(page) => page,
            Err(problems) => {
                for problem in problems {
                    errors.push(problem);
                }
                PageRef::default()
            }
        };
        let notify = match &form.notify {
            Some(raw) => errors.take(raw.parse("notify")).unwrap_or(false),
            None => false,
        };
        if notify && email.as_ref().is_some_and(Option::is_none) {
            errors.push(FieldError::new(
                "email",
                "is needed to be told by e-mail (notify)",
            ));
        }
        let lang = match form
            .lang
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty())
        {
            None => None,
            Some(asked) => {
                let found = LANGUAGES
                    .iter()
                    .copied()
                    .find(|l| l.eq_ignore_ascii_case(asked));
                if found.is_none() {
                    errors.push(FieldError::new(
                        "lang",
                        format!("must be one of {}", LANGUAGES.join(", ")),
                    ));
                }
                found
            }
        };
        errors.finish()?;
        match (author_name, author_location, email, body, parent_id) {
            (Some(author_name), Some(author_location), Some(email), Some(body), Some(parent)) => {
                Ok(Self {
                    author_name,
                    author_location,
                    email,
                    body,
                    parent_id: parent.map(CommentId),
                    honeypot_filled: form
                        .website
                        .as_deref()
                        .is_some_and(|w| !w.trim().is_empty()),
                    page,
                    notify,
                    lang,
                })
            }
            _ => Err(vec![FieldError::new("body", "could not be read")]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(name: &str, body: &str) -> CommentForm {
        CommentForm {
            author_name: Some(name.into()),
            body: Some(body.into()),
            ..CommentForm::default()
        }
    }

    #[test]
    fn notify_needs_an_address_and_lang_is_one_of_the_widgets() {
        let mut f = form("Mari", "Hello");
        f.notify = Some(LooseBool::Bool(true));
        let errors = NewComment::parse(&f).unwrap_err();
        assert_eq!(errors[0].field, "email");
        f.email = Some("mari@example.org".into());
        f.lang = Some("FR".into());
        let c = NewComment::parse(&f).unwrap();
        assert!(c.notify);
        assert_eq!(c.lang, Some("fr"));
        f.notify = Some(LooseBool::Text("on".into()));
        assert!(NewComment::parse(&f).unwrap().notify);
        f.notify = Some(LooseBool::Text("maybe".into()));
        f.lang = Some("de".into());
        let errors = NewComment::parse(&f).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["notify", "lang"]);
        f.notify = None;
        f.lang = None;
        let c = NewComment::parse(&f).unwrap();
        assert!(!c.notify);
        assert_eq!(c.lang, None);
    }

    #[test]
    fn a_plain_comment_parses() {
        let mut f = form(" Mari ", "Is there a reciprocal arrangement?");
        f.author_location = Some("United States".into());
        let c = NewComment::parse(&f).unwrap();
        assert_eq!(c.author_name.as_str(), "Mari");
        assert_eq!(c.author_location.unwrap().as_str(), "United States");
        assert!(c.email.is_none());
        assert!(!c.honeypot_filled);
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let mut f = form("", "");
        f.email = Some("not-an-address".into());
        let errors = NewComment::parse(&f).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["author_name", "email", "body"]);
    }

    #[test]
    fn missing_fields_are_validation_errors() {
        let errors = NewComment::parse(&CommentForm::default()).unwrap_err();
        assert_eq!(errors.len(), 2);
    }

    #[test]
    fn parent_id_accepts_numbers_and_form_text_and_refuses_junk() {
        let mut f = form("A", "b");
        f.parent_id = Some(LooseId::Text("12".into()));
        assert_eq!(
            NewComment::parse(&f).unwrap().parent_id,
            Some(CommentId(12))
        );
        f.parent_id = Some(LooseId::Text(String::new()));
        assert_eq!(NewComment::parse(&f).unwrap().parent_id, None);
        f.parent_id = Some(LooseId::Fraction(12.0));
        assert_eq!(
            NewComment::parse(&f).unwrap().parent_id,
            Some(CommentId(12))
        );
        f.parent_id = Some(LooseId::Fraction(12.5));
        assert!(NewComment::parse(&f).is_err());
        f.parent_id = Some(LooseId::Number(-3));
        assert!(NewComment::parse(&f).is_err());
        f.parent_id = Some(LooseId::Text("12abc".into()));
        assert!(NewComment::parse(&f).is_err());
    }

    #[test]
    fn a_filled_honeypot_is_noticed() {
        let mut f = form("Bot", "Buy now");
        f.website = Some("http://spam.example".into());
        assert!(NewComment::parse(&f).unwrap().honeypot_filled);
    }

    #[test]
    fn fingerprints_ignore_case_and_spacing_only() {
        let a = CommentBody::parse("Buy  cheap\nWATCHES").unwrap();
        let b = CommentBody::parse("buy cheap watches").unwrap();
        let c = CommentBody::parse("buy cheaper watches").unwrap();
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_ne!(a.fingerprint(), c.fingerprint());
    }

    #[test]
    fn an_over_long_body_is_refused() {
        let f = form("A", &"x".repeat(MAX_BODY + 1));
        assert_eq!(NewComment::parse(&f).unwrap_err()[0].field, "body");
    }
}
