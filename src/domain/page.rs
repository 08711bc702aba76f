//! The blog page a widget is pasted into, as a submission or a read names
//! it (`post_title`, `post_url`, `?url=`): what a thread that starts
//! itself is created from.

use super::post::MAX_TITLE;
use super::text::single_line;
use super::{Errors, FieldError};

/// Longest page address accepted.
pub const MAX_PAGE_URL: usize = 2_000;

/// The origin (`scheme://host[:port]`, lowercased) of an absolute http(s)
/// URL; `None` for anything else (a path, another scheme, credentials in
/// the authority).
pub fn origin_of(url: &str) -> Option<String> {
    let url = url.trim();
    let (scheme, rest) = url.split_once("://")?;
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() || authority.contains('@') || authority.contains(char::is_whitespace) {
        return None;
    }
    Some(format!(
        "{}://{}",
        scheme.to_ascii_lowercase(),
        authority.to_ascii_lowercase()
    ))
}

/// A checked page reference: its title and address, each optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageRef {
    /// The page's title.
    pub title: Option<String>,
    /// The page's absolute http(s) address, without its `#fragment`.
    pub url: Option<String>,
}

impl PageRef {
    /// Checks `post_title` and `post_url`; every problem at once.
    pub fn parse(title: Option<&str>, url: Option<&str>) -> Result<Self, Vec<FieldError>> {
        let mut errors = Errors::default();
        let title = errors
            .take(single_line(
                "post_title",
                title.unwrap_or(""),
                MAX_TITLE,
                false,
            ))
            .flatten();
        let url = errors
            .take(single_line(
                "post_url",
                url.unwrap_or(""),
                MAX_PAGE_URL,
                false,
            ))
            .flatten();
        let url = match url {
            Some(u) if origin_of(&u).is_none() => {
                errors.push(FieldError::new(
                    "post_url",
                    "must be the page's full http(s) address",
                ));
                None
            }
            Some(u) => Some(u.split('#').next().unwrap_or(&u).to_owned()),
            None => None,
        };
        errors.finish()?;
        Ok(Self { title, url })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_scheme_host_and_port_exactly() {
        assert_eq!(
            origin_of("HTTPS://Blog.Example:8443/a?b#c").as_deref(),
            Some("https://blog.example:8443")
        );
        assert_eq!(
            origin_of("http://blog.example").as_deref(),
            Some("http://blog.example")
        );
        for no in [
            "/path",
            "ftp://x/",
            "javascript:alert(1)",
            "https://u@x/",
            "https:///x",
            "",
        ] {
            assert_eq!(origin_of(no), None, "{no}");
        }
    }

    #[test]
    fn a_page_reference_is_checked_whole_and_loses_its_fragment() {
        let page =
            PageRef::parse(Some(" Water "), Some("https://blog.example/w#comments")).unwrap();
        assert_eq!(page.title.as_deref(), Some("Water"));
        assert_eq!(page.url.as_deref(), Some("https://blog.example/w"));
        assert_eq!(PageRef::parse(None, None).unwrap(), PageRef::default());
        let bad = PageRef::parse(Some(&"t".repeat(MAX_TITLE + 1)), Some("/relative")).unwrap_err();
        let fields: Vec<&str> = bad.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["post_title", "post_url"]);
    }
}
