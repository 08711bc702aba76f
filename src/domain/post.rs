//! A post as editors create and change it.

use super::text::{multi_line, single_line};
use super::time::parse_rfc3339;
use super::{Errors, FieldError};
use serde::Deserialize;

id_newtype!(
    /// The id of a post.
    PostId
);

/// Longest slug.
pub const MAX_SLUG: usize = 100;
/// Longest title or author.
pub const MAX_TITLE: usize = 300;
/// Longest summary.
pub const MAX_SUMMARY: usize = 1_000;
/// Longest post body source.
pub const MAX_POST_BODY: usize = 200_000;

/// A post's address within the blog: lowercase letters, digits and hyphens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    /// Checks a slug.
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        let ok = !value.is_empty()
            && value.len() <= MAX_SLUG
            && value
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !value.starts_with('-')
            && !value.ends_with('-');
        if ok {
            Ok(Self(value.to_owned()))
        } else {
            Err(FieldError::new(
                "slug",
                format!("must be 1 to {MAX_SLUG} lowercase letters, digits and inner hyphens"),
            ))
        }
    }

    /// The checked slug.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A post as sent to create or patch it; every field optional on the wire.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostForm {
    /// The post's slug.
    #[schema(pattern = r"^\s*[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?\s*$")]
    pub slug: Option<String>,
    /// Its title.
    #[schema(
        pattern = r"^\s*[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069](?:[^\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]{0,298}[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069])?\s*$"
    )]
    pub title: Option<String>,
    /// Who wrote it.
    #[schema(
        pattern = r"^\s*[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069](?:[^\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]{0,298}[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069])?\s*$"
    )]
    pub author: Option<String>,
    /// When it was published (RFC 3339).
    #[schema(format = DateTime)]
    pub published_at: Option<String>,
    /// Where the blog shows it.
    pub url: Option<String>,
    /// A sentence or two for lists.
    #[schema(
        pattern = r"^\s*(?:[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069](?:[^\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]{0,998}[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069])?)?\s*$"
    )]
    pub summary: Option<String>,
    /// Markdown body.
    #[schema(
        pattern = r"^\s*(?:[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069](?:[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]{0,199998}[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069])?)?\s*$"
    )]
    pub body: Option<String>,
    /// Whether readers may comment (patch only).
    pub comments_open: Option<bool>,
}

/// A checked change to a post; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct PostChange {
    /// New slug.
    pub slug: Option<Slug>,
    /// New title.
    pub title: Option<String>,
    /// New author.
    pub author: Option<String>,
    /// New publication time, Unix seconds.
    pub published_at: Option<i64>,
    /// New URL; `Some(None)` clears it.
    pub url: Option<Option<String>>,
    /// New summary.
    pub summary: Option<String>,
    /// New body source.
    pub body: Option<String>,
    /// Open or close comments.
    pub comments_open: Option<bool>,
}

fn check_url(value: &str) -> Result<Option<String>, FieldError> {
    let Some(url) = single_line("url", value, 2_000, false)? else {
        return Ok(None);
    };
    if url.starts_with("https://") || url.starts_with("http://") || url.starts_with('/') {
        Ok(Some(url))
    } else {
        Err(FieldError::new(
            "url",
            "must be an http(s) URL or a path starting with /",
        ))
    }
}

impl PostChange {
    /// Parses a create or patch body. `creating` makes slug, title and
    /// author required.
    pub fn parse(form: &PostForm, creating: bool) -> Result<Self, Vec<FieldError>> {
        let mut errors = Errors::default();
        let mut change = PostChange::default();
        match &form.slug {
            Some(s) => change.slug = errors.take(Slug::parse(s.trim())),
            None if creating => errors.push(FieldError::new("slug", "is required")),
            None => {}
        }
        for (field, value, target) in [
            ("title", &form.title, &mut change.title),
            ("author", &form.author, &mut change.author),
        ] {
            match value {
                Some(v) => {
                    *target = errors
                        .take(single_line(field, v, MAX_TITLE, true))
                        .flatten()
                }
                None if creating => errors.push(FieldError::new(field, "is required")),
                None => {}
            }
        }
        if let Some(p) = &form.published_at {
            match parse_rfc3339(p) {
                Some(t) => change.published_at = Some(t),
                None => errors.push(FieldError::new(
                    "published_at",
                    "must be an RFC 3339 time such as 2012-04-26T14:00:00Z",
                )),
            }
        }
        if let Some(u) = &form.url {
            change.url = errors.take(check_url(u)).map(Some).unwrap_or_default();
        }
        if let Some(s) = &form.summary {
            change.summary = errors
                .take(single_line("summary", s, MAX_SUMMARY, false))
                .map(Option::unwrap_or_default);
        }
        if let Some(b) = &form.body {
            change.body = if b.trim().is_empty() {
                Some(String::new())
            } else {
                errors.take(multi_line("body", b, MAX_POST_BODY))
            };
        }
        change.comments_open = form.comments_open;
        errors.finish()?;
        Ok(change)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lowercase_words_with_hyphens() {
        assert!(Slug::parse("russian-civil-society-2012").is_ok());
        for bad in [
            "",
            "Upper",
            "has space",
            "-lead",
            "trail-",
            "emoji-😀",
            "a/b",
        ] {
            assert!(Slug::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn creating_needs_slug_title_and_author() {
        let errors = PostChange::parse(&PostForm::default(), true).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["slug", "title", "author"]);
        assert!(PostChange::parse(&PostForm::default(), false).is_ok());
    }

    #[test]
    fn a_patch_reads_times_urls_and_the_comments_switch() {
        let form = PostForm {
            published_at: Some("2012-04-26T14:00:00Z".into()),
            url: Some("https://blog.example/post".into()),
            comments_open: Some(false),
            ..PostForm::default()
        };
        let change = PostChange::parse(&form, false).unwrap();
        assert_eq!(change.published_at, Some(1_335_448_800));
        assert_eq!(change.url, Some(Some("https://blog.example/post".into())));
        assert_eq!(change.comments_open, Some(false));
        let bad = PostForm {
            url: Some("javascript:alert(1)".into()),
            ..PostForm::default()
        };
        assert_eq!(PostChange::parse(&bad, false).unwrap_err()[0].field, "url");
    }
}
