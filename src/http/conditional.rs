//! Conditional GET, one rule for every representation we tag (threads,
//! static files, the OpenAPI document, and whatever comes next): RFC 9110
//! §13.1.2 `If-None-Match` for GET and HEAD.
//!
//! - `*` alone names any current representation, so it always matches;
//! - otherwise the field is a comma-separated list of entity tags (over
//!   one or more header lines), compared *weakly*: `W/"x"` and `"x"` name
//!   the same thing, either way round;
//! - a member that is not an entity tag (no quotes, a lower-case `w/`, a
//!   `*` among tags, stray text) is ignored, never taken as a match.
//!
//! A handler answers in one expression:
//!
//! ```no_run
//! # use actix_web::{HttpRequest, HttpResponse, http::header};
//! # use colloquy::http::conditional;
//! # fn feed(req: HttpRequest, etag: String, xml: String) -> HttpResponse {
//! conditional::get(&req, &etag)
//!     .header((header::CACHE_CONTROL, "no-cache"))
//!     .send(|ok| ok.content_type("application/atom+xml").body(xml))
//! # }
//! ```
//!
//! The headers given to [`Tagged::header`] go on the 304 too, as RFC 9110
//! §15.4.5 asks of `Cache-Control`, `Vary` and the like; what `send`'s
//! closure adds (type, coding, body) goes on the 200 only, and the
//! closure is not even called for a 304.

use actix_web::http::header::{self, TryIntoHeaderPair};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};

/// Whether the `If-None-Match` field whose lines are `lines` names the
/// current representation, whose entity tag is `etag` (as its `ETag`
/// header reads: `"…"` or `W/"…"`): then a GET or HEAD gets a 304.
pub fn none_match_names<'a>(lines: impl IntoIterator<Item = &'a [u8]>, etag: &str) -> bool {
    let current = opaque_tag(etag.as_bytes());
    let mut members = 0;
    let mut star = false;
    for line in lines {
        for member in members_of(line) {
            members += 1;
            match member {
                Member::Star => star = true,
                Member::Tag(tag) if Some(tag) == current => return true,
                Member::Tag(_) | Member::Malformed => {}
            }
        }
    }
    // `*` is the whole field or nothing: among tags it is malformed.
    star && members == 1
}

/// The answer to a GET or HEAD of a tagged representation: a 304 when the
/// client's copy is current, else a 200. Made by [`get`].
#[must_use = "finish the answer with `send`"]
pub struct Tagged {
    response: HttpResponseBuilder,
    not_modified: bool,
}

/// Starts answering a GET or HEAD of the representation tagged `etag` (as
/// its `ETag` header reads, quotes included): a 304 if the request's
/// `If-None-Match` names it ([`none_match_names`]), else a 200; both carry
/// the `ETag`. Other methods never get a 304.
pub fn get(req: &HttpRequest, etag: &str) -> Tagged {
    let not_modified = (req.method() == Method::GET || req.method() == Method::HEAD)
        && none_match_names(
            req.headers()
                .get_all(header::IF_NONE_MATCH)
                .map(|v| v.as_bytes()),
            etag,
        );
    let mut response = HttpResponse::build(if not_modified {
        StatusCode::NOT_MODIFIED
    } else {
        StatusCode::OK
    });
    response.insert_header((header::ETAG, etag));
    Tagged {
        response,
        not_modified,
    }
}

impl Tagged {
    /// A header of both answers: what a 304 must repeat of the 200
    /// (`Cache-Control`, `Vary`, `Expires`, `Content-Location`) and
    /// whatever else the 200 sends about the resource (CORS, CSP).
    pub fn header(mut self, header: impl TryIntoHeaderPair) -> Self {
        self.response.insert_header(header);
        self
    }

    /// Finishes the answer: a 304 as it stands, without a body; a 200 with
    /// what `ok` adds (content type, coding, body), called only then.
    pub fn send(
        mut self,
        ok: impl FnOnce(&mut HttpResponseBuilder) -> HttpResponse,
    ) -> HttpResponse {
        if self.not_modified {
            self.response.finish()
        } else {
            ok(&mut self.response)
        }
    }
}

/// One member of an `If-None-Match` list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Member<'a> {
    /// `*`.
    Star,
    /// An entity tag, by its opaque tag (quotes included, `W/` dropped):
    /// equal opaque tags are a weak match.
    Tag(&'a [u8]),
    /// Anything else.
    Malformed,
}

/// The opaque tag of an entity tag (`W/` dropped, quotes kept), if it is
/// one: `[ "W/" ] DQUOTE *etagc DQUOTE`.
fn opaque_tag(tag: &[u8]) -> Option<&[u8]> {
    entity_tag_at(tag)
        .filter(|&(_, len)| len == tag.len())
        .map(|(opaque, _)| opaque)
}

/// `etagc = %x21 / %x23-7E / obs-text`: visible characters but `"`.
fn is_etagc(c: u8) -> bool {
    c == 0x21 || (0x23..=0x7e).contains(&c) || c >= 0x80
}

fn is_ows(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// The entity tag at the start of `s`, if one starts there: its opaque
/// tag and its length. (An entity tag may hold a comma, so the list is
/// not split on commas first.)
fn entity_tag_at(s: &[u8]) -> Option<(&[u8], usize)> {
    let weak = if s.starts_with(b"W/") { 2 } else { 0 };
    let opaque = &s[weak..];
    let inner = opaque
        .strip_prefix(b"\"")?
        .iter()
        .take_while(|&&c| is_etagc(c))
        .count();
    let opaque = opaque.get(..inner + 2)?;
    opaque
        .ends_with(b"\"")
        .then_some((opaque, weak + opaque.len()))
}

/// The members of one line of a list (RFC 9110 §5.6.1): empty elements
/// are skipped; a malformed member reaches to the next comma.
fn members_of(line: &[u8]) -> impl Iterator<Item = Member<'_>> {
    let mut rest = line;
    std::iter::from_fn(move || {
        let start = rest.iter().position(|&c| !is_ows(c) && c != b',')?;
        rest = &rest[start..];
        let (member, len) = if rest[0] == b'*' {
            (Member::Star, 1)
        } else {
            entity_tag_at(rest).map_or((Member::Malformed, 0), |(opaque, len)| {
                (Member::Tag(opaque), len)
            })
        };
        let after = &rest[len..];
        let tail = after.iter().position(|&c| !is_ows(c));
        if member != Member::Malformed && tail.is_none_or(|at| after[at] == b',') {
            rest = &after[tail.unwrap_or(after.len())..];
            return Some(member);
        }
        // Not a member followed by the end or a comma: it reaches to the
        // first comma after its start.
        rest = match rest.iter().position(|&c| c == b',') {
            Some(comma) => &rest[comma..],
            None => &[],
        };
        Some(Member::Malformed)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(field: &str, etag: &str) -> bool {
        none_match_names([field.as_bytes()], etag)
    }

    fn members(line: &str) -> Vec<Member<'_>> {
        members_of(line.as_bytes()).collect()
    }

    #[test]
    fn a_star_alone_names_any_current_representation() {
        assert!(names("*", "\"abc\""));
        assert!(names(" * ", "W/\"abc\""));
        assert!(names("*", "not even a tag"), "something is current");
        assert!(none_match_names([&b""[..], b"*"], "\"abc\""));
    }

    #[test]
    fn a_star_among_tags_is_malformed_and_ignored() {
        assert!(!names("*, \"other\"", "\"abc\""));
        assert!(!names("\"other\", *", "\"abc\""));
        assert!(!none_match_names([&b"*"[..], b"*"], "\"abc\""));
        assert!(names("*, \"abc\"", "\"abc\""), "the tag still counts");
        assert!(!names("**", "\"abc\""));
        assert!(!names("*\"abc\"", "\"x\""));
    }

    #[test]
    fn one_tag_matches_itself_and_nothing_else() {
        assert!(names("\"abc\"", "\"abc\""));
        assert!(!names("\"abd\"", "\"abc\""));
        assert!(!names("\"abc-br\"", "\"abc\""), "no prefix rule");
        assert!(!names("\"abc\"", "\"abc-br\""));
        assert!(
            !names("\"ABC\"", "\"abc\""),
            "opaque tags are case-sensitive"
        );
        assert!(!names("\"\"", "\"abc\""));
        assert!(names("\"\"", "\"\""));
    }

    #[test]
    fn comparison_is_weak_both_ways() {
        assert!(names("W/\"abc\"", "\"abc\""));
        assert!(names("\"abc\"", "W/\"abc\""));
        assert!(names("W/\"abc\"", "W/\"abc\""));
        assert!(!names("W/\"abd\"", "\"abc\""));
    }

    #[test]
    fn any_tag_of_a_list_matches() {
        assert!(names("\"x\", \"abc\", \"y\"", "\"abc\""));
        assert!(names("\"x\",W/\"abc\"", "\"abc\""));
        assert!(names("\t\"x\" ,\t\"abc\"\t", "\"abc\""));
        assert!(names(",, \"x\" , , \"abc\",", "\"abc\""), "empty elements");
        assert!(!names("\"x\", \"y\"", "\"abc\""));
        assert!(none_match_names([&b"\"x\""[..], b"\"abc\""], "\"abc\""));
        assert!(!none_match_names([&b"\"x\""[..], b"\"y\""], "\"abc\""));
    }

    #[test]
    fn a_tag_may_hold_a_comma() {
        assert!(names("\"a,b\"", "\"a,b\""));
        assert!(names("\"x\", W/\"a,b\"", "\"a,b\""));
        assert!(!names("\"a\", \"b\"", "\"a,b\""));
        assert_eq!(
            members("\"a,b\", \"c\""),
            [Member::Tag(b"\"a,b\""), Member::Tag(b"\"c\"")]
        );
    }

    #[test]
    fn malformed_members_are_ignored() {
        for bad in [
            "abc",
            "\"abc",
            "abc\"",
            "w/\"abc\"",
            "W/abc",
            "W/ \"abc\"",
            "W\"abc\"",
            "'abc'",
            "\"abc\" junk",
            "\"abc\"\"\"",
            "\"a bc\"",
            "",
            " ",
            ",",
        ] {
            assert!(!names(bad, "\"abc\""), "{bad:?}");
            assert!(!names(bad, "\"a bc\""), "{bad:?}");
        }
        assert!(names("abc, \"abc\"", "\"abc\""), "the rest still counts");
        assert!(names("\"abc\" junk, \"abc\"", "\"abc\""));
        assert!(
            names("\"x, \"abc\"", "\"abc\""),
            "an unclosed tag ends at its comma"
        );
        assert_eq!(
            members("abc, \"abc\" junk, W/\"d\""),
            [Member::Malformed, Member::Malformed, Member::Tag(b"\"d\"")]
        );
    }

    #[test]
    fn obs_text_is_an_etag_character() {
        let tag = b"\"caf\xc3\xa9\"";
        assert_eq!(members_of(tag).collect::<Vec<_>>(), [Member::Tag(tag)]);
        assert!(!none_match_names([&tag[..]], "\"cafe\""));
    }

    #[test]
    fn a_malformed_current_tag_matches_only_a_star() {
        assert!(!names("abc", "abc"));
        assert!(!names("\"abc\"", "abc"));
        assert!(names("*", "abc"));
    }
}
