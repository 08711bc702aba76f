//! Atom 1.0 documents (RFC 4287), written with quick-xml's `Writer` so that
//! every text and attribute is escaped: a feed is built from what readers
//! wrote, and nothing they wrote can become markup of the feed itself.
//!
//! This module knows the shape of a feed and nothing of where its items
//! come from; `service::feeds` fills it.

use super::time::rfc3339;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};
use std::io;

/// The Atom namespace.
pub const NAMESPACE: &str = "http://www.w3.org/2005/Atom";

/// The media type of an Atom document, as served.
pub const CONTENT_TYPE: &str = "application/atom+xml; charset=utf-8";

/// One feed: its identity and links, and its entries, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feed {
    /// A permanent IRI naming the feed (its own address).
    pub id: String,
    /// A human-readable title.
    pub title: String,
    /// The feed's own address (`rel="self"`).
    pub self_url: String,
    /// The HTML page the feed follows (`rel="alternate"`).
    pub page_url: String,
    /// When the feed last changed, Unix seconds: with entries, the newest
    /// `updated` among them; without, a fixed time given by the caller.
    pub updated: i64,
    /// The entries, as they should appear.
    pub entries: Vec<Entry>,
}

/// One entry: an approved comment or official reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// A permanent IRI naming the entry.
    pub id: String,
    /// A short title, e.g. "NAME on POST TITLE".
    pub title: String,
    /// The signed name.
    pub author: String,
    /// Where the entry can be read: its permalink.
    pub link: String,
    /// When it was written, Unix seconds.
    pub published: i64,
    /// When it last changed in a way readers care about, Unix seconds.
    pub updated: i64,
    /// The sanitised HTML body (escaped once more by the writer, as
    /// `type="html"` content must be).
    pub html: String,
}

impl Feed {
    /// The document, UTF-8, with its XML declaration.
    pub fn to_xml(&self) -> Vec<u8> {
        // Writing into a Vec fails only if memory does; an empty document
        // is the least wrong answer then.
        self.write().unwrap_or_default()
    }

    fn write(&self) -> io::Result<Vec<u8>> {
        let mut writer = Writer::new_with_indent(Vec::with_capacity(4096), b' ', 2);
        writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))?;
        writer
            .create_element("feed")
            .with_attribute(("xmlns", NAMESPACE))
            .write_inner_content(|w| {
                text(w, "id", &self.id)?;
                text(w, "title", &self.title)?;
                text(w, "updated", &rfc3339(self.updated))?;
                link(w, "self", Some("application/atom+xml"), &self.self_url)?;
                link(w, "alternate", Some("text/html"), &self.page_url)?;
                text(w, "generator", "Colloquy")?;
                for entry in &self.entries {
                    entry.write(w)?;
                }
                Ok(())
            })?;
        let mut out = writer.into_inner();
        out.push(b'\n');
        Ok(out)
    }
}

impl Entry {
    fn write(&self, w: &mut Writer<Vec<u8>>) -> io::Result<()> {
        w.create_element("entry").write_inner_content(|w| {
            text(w, "id", &self.id)?;
            text(w, "title", &self.title)?;
            text(w, "published", &rfc3339(self.published))?;
            text(w, "updated", &rfc3339(self.updated))?;
            w.create_element("author")
                .write_inner_content(|w| text(w, "name", &self.author))?;
            link(w, "alternate", Some("text/html"), &self.link)?;
            w.create_element("content")
                .with_attribute(("type", "html"))
                .write_text_content(BytesText::new(&xml_chars(&self.html)))?;
            Ok(())
        })?;
        Ok(())
    }
}

/// `<name>text</name>`, escaped, with characters XML cannot carry dropped.
fn text(w: &mut Writer<Vec<u8>>, name: &str, value: &str) -> io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(&xml_chars(value)))?;
    Ok(())
}

/// `<link rel=… type=… href=…/>`.
fn link(w: &mut Writer<Vec<u8>>, rel: &str, kind: Option<&str>, href: &str) -> io::Result<()> {
    let href = xml_chars(href);
    let mut element = w
        .create_element("link")
        .with_attribute(("rel", rel))
        .with_attribute(("href", href.as_ref()));
    if let Some(kind) = kind {
        element = element.with_attribute(("type", kind));
    }
    element.write_empty()?;
    Ok(())
}

/// `value` without the characters XML 1.0 does not allow anywhere, even
/// escaped (most C0 controls, lone surrogates cannot occur in a `str`,
/// U+FFFE and U+FFFF): the document stays well-formed whatever was stored.
pub fn xml_chars(value: &str) -> std::borrow::Cow<'_, str> {
    fn allowed(c: char) -> bool {
        matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
            || c >= '\u{10000}'
    }
    if value.chars().all(allowed) {
        std::borrow::Cow::Borrowed(value)
    } else {
        std::borrow::Cow::Owned(value.chars().filter(|&c| allowed(c)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quick_xml::Reader;
    use quick_xml::events::Event as Read;

    fn sample() -> Feed {
        Feed {
            id: "https://c.example/feeds/posts/p.atom".into(),
            title: "Comments on <P> & Q".into(),
            self_url: "https://c.example/feeds/posts/p.atom".into(),
            page_url: "https://c.example/posts/p?a=1&b=2".into(),
            updated: 1_700_000_100,
            entries: vec![Entry {
                id: "https://c.example/posts/p#comment-3".into(),
                title: "Ann \"A\" on <P>".into(),
                author: "Ann\u{0} \"A\"".into(),
                link: "https://c.example/posts/p#comment-3".into(),
                published: 1_700_000_000,
                updated: 1_700_000_100,
                html: "<p>1 &lt; 2 &amp; <em>yes</em></p>".into(),
            }],
        }
    }

    /// Every element's text, in document order, unescaped and trimmed.
    fn texts(xml: &[u8]) -> Vec<(String, String)> {
        let mut reader = Reader::from_reader(xml);
        let mut stack: Vec<String> = Vec::new();
        let mut current = String::new();
        let mut out = Vec::new();
        let mut buf = Vec::new();
        loop {
            match reader.read_event_into(&mut buf).expect("well-formed") {
                Read::Start(e) => {
                    stack.push(e.name().as_ref().to_owned());
                    current.clear();
                }
                Read::End(_) => {
                    let name = stack.pop().unwrap_or_default();
                    if !current.trim().is_empty() {
                        out.push((name, current.trim().to_owned()));
                    }
                    current.clear();
                }
                Read::Text(t) => current.push_str(&t.xml10_content()),
                Read::GeneralRef(r) => current.push_str(match r.xml10_content().as_ref() {
                    "lt" => "<",
                    "gt" => ">",
                    "amp" => "&",
                    "quot" => "\"",
                    "apos" => "'",
                    other => panic!("unexpected entity {other}"),
                }),
                Read::Eof => break,
                _ => {}
            }
            buf.clear();
        }
        out
    }

    #[test]
    fn a_feed_is_well_formed_and_escapes_every_text() {
        let xml = sample().to_xml();
        let doc = String::from_utf8(xml.clone()).unwrap();
        assert!(doc.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>"));
        assert!(doc.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\">"));
        assert!(!doc.contains("<P>"), "titles are escaped: {doc}");
        assert!(!doc.contains("<em>"), "html content is escaped once more");
        assert!(doc.contains("&lt;em&gt;yes&lt;/em&gt;"));
        assert!(doc.contains("href=\"https://c.example/posts/p?a=1&amp;b=2\""));
        assert!(
            !doc.contains('\u{0}'),
            "characters XML cannot carry are dropped"
        );
        let texts = texts(&xml);
        let get = |name: &str| {
            texts
                .iter()
                .filter(|(n, _)| n == name)
                .map(|(_, t)| t.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(get("title"), ["Comments on <P> & Q", "Ann \"A\" on <P>"]);
        assert_eq!(get("name"), ["Ann \"A\""]);
        assert_eq!(get("content"), ["<p>1 &lt; 2 &amp; <em>yes</em></p>"]);
        assert_eq!(get("published"), ["2023-11-14T22:13:20Z"]);
        assert_eq!(
            get("updated"),
            ["2023-11-14T22:15:00Z", "2023-11-14T22:15:00Z"]
        );
    }

    #[test]
    fn an_empty_feed_still_has_its_required_elements() {
        let feed = Feed {
            entries: Vec::new(),
            updated: 0,
            ..sample()
        };
        let doc = String::from_utf8(feed.to_xml()).unwrap();
        for needed in [
            "<id>",
            "<title>",
            "<updated>1970-01-01T00:00:00Z</updated>",
            "rel=\"self\"",
        ] {
            assert!(doc.contains(needed), "{needed} missing in {doc}");
        }
        assert!(!doc.contains("<entry>"));
    }

    #[test]
    fn only_characters_xml_allows_are_kept() {
        assert_eq!(xml_chars("a\u{1}b\u{FFFE}c\td\u{1F600}"), "abc\td\u{1F600}");
        assert!(matches!(xml_chars("plain"), std::borrow::Cow::Borrowed(_)));
    }
}
