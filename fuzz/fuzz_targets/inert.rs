//! The check every fuzz target applies to sanitised HTML: each real tag
//! is on the allow-list, each attribute is one we allow with a value we
//! allow, and nothing can run script. Text `<` is always escaped as
//! `&lt;` by the serialiser, so every literal `<` starts a tag.

/// Tags a reader's comment may contain.
const COMMENT_TAGS: &[&str] = &[
    "p",
    "br",
    "em",
    "strong",
    "a",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
];
/// Post bodies may also have these.
const POST_TAGS: &[&str] = &["h2", "h3", "h4"];

/// Panics (a fuzzing crash) unless `html` is inert.
pub fn assert_inert(html: &str, post: bool) {
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains("<script"), "script tag in {html:?}");
    let b = html.as_bytes();
    let mut i = 0;
    while let Some(offset) = html[i..].find('<') {
        let mut j = i + offset + 1;
        if b.get(j) == Some(&b'/') {
            j += 1;
        }
        let start = j;
        while j < b.len() && b[j].is_ascii_alphanumeric() {
            j += 1;
        }
        let name = &html[start..j];
        assert!(
            COMMENT_TAGS.contains(&name) || (post && POST_TAGS.contains(&name)),
            "tag <{name}> in {html:?}"
        );
        // Attributes: name="value", values always double-quoted.
        loop {
            while j < b.len() && b[j] == b' ' {
                j += 1;
            }
            match b.get(j) {
                Some(b'>') => {
                    j += 1;
                    break;
                }
                Some(b'/') if b.get(j + 1) == Some(&b'>') => {
                    j += 2;
                    break;
                }
                None => panic!("unclosed tag in {html:?}"),
                _ => {}
            }
            let attr_start = j;
            while j < b.len() && !matches!(b[j], b'=' | b' ' | b'>') {
                j += 1;
            }
            let attr = html[attr_start..j].to_ascii_lowercase();
            // `title`, `lang` and `hreflang` are ammonia's defaults, which
            // `Builder::empty()` keeps (it empties only the tag list):
            // inert text, but worth knowing.
            assert!(
                matches!(
                    (name, attr.as_str()),
                    ("a", "href" | "rel" | "hreflang") | ("ol", "start") | (_, "title" | "lang")
                ),
                "attribute {attr:?} on <{name}> in {html:?}"
            );
            assert!(
                !attr.starts_with("on"),
                "event handler {attr:?} in {html:?}"
            );
            if b.get(j) != Some(&b'=') {
                continue;
            }
            assert_eq!(b.get(j + 1), Some(&b'"'), "unquoted value in {html:?}");
            let value_start = j + 2;
            let value_end = value_start
                + html[value_start..]
                    .find('"')
                    .unwrap_or_else(|| panic!("unterminated value in {html:?}"));
            let value = &html[value_start..value_end];
            match attr.as_str() {
                "href" => {
                    // The scheme, as a browser reads it: everything before
                    // the first colon (`https:/x` is an https link too).
                    let scheme = value.split(':').next().unwrap_or("");
                    assert!(
                        value.contains(':')
                            && ["http", "https", "mailto"]
                                .contains(&scheme.to_ascii_lowercase().as_str()),
                        "href {value:?} in {html:?}"
                    );
                }
                "rel" => assert_eq!(value, "nofollow ugc noopener", "in {html:?}"),
                "start" => assert!(
                    value.bytes().all(|c| c.is_ascii_digit() || c == b'-'),
                    "start {value:?} in {html:?}"
                ),
                _ => {}
            }
            j = value_end + 1;
        }
        i = j;
    }
}
