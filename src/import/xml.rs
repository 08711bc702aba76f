//! The XML machinery the Disqus and WordPress readers share: a pull
//! stream of simplified events over quick-xml that keeps one event in
//! memory at a time and refuses what makes a file dangerous.
//!
//! - No event may be longer than [`MAX_EVENT`] bytes: the [`Bounded`]
//!   wrapper under quick-xml stops handing out bytes past it, so a single
//!   multi-gigabyte text node costs at most that much memory before the
//!   error. The text collected for one element is capped at [`MAX_TEXT`].
//! - A `<!DOCTYPE` that declares entities is refused, and so is any entity
//!   reference other than the five predefined ones and numeric character
//!   references: nothing is ever expanded, and nothing a file names (a
//!   `SYSTEM` identifier, a DTD) is ever opened.
//! - Elements may nest at most [`MAX_DEPTH`] deep, and a tag may carry at
//!   most [`MAX_ATTRIBUTES`] attributes.
//! - Invalid UTF-8, a declared encoding other than UTF-8, a file that ends
//!   inside an element and anything not well-formed end in
//!   [`ImportError::Malformed`] with the byte offset and line.
//!
//! Dates in ISO 8601 (Disqus) and WordPress's `YYYY-MM-DD HH:MM:SS` become
//! Unix seconds here too.

use std::io::{self, BufRead, Read};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

use super::{ImportError, Position};

/// The longest single event (a text node, a CDATA section, a tag with its
/// attributes, a DOCTYPE) a reader accepts, in bytes.
pub(crate) const MAX_EVENT: u64 = 4 * 1024 * 1024;

/// The most text collected for one element, in bytes.
pub(crate) const MAX_TEXT: usize = 4 * 1024 * 1024;

/// How deep elements may nest (a Disqus export needs four levels).
pub(crate) const MAX_DEPTH: usize = 64;

/// How many attributes one tag may have (checking them for duplicates
/// takes time that grows with the square of their number).
pub(crate) const MAX_ATTRIBUTES: usize = 64;

/// A `BufRead` that hands out at most `cap` bytes between two calls of
/// [`Bounded::mark`], and then fails: quick-xml reads one event by
/// extending a buffer until the event ends, so this bounds the buffer.
pub(crate) struct Bounded<R> {
    inner: R,
    cap: u64,
    since_mark: u64,
    exceeded: bool,
}

impl<R: BufRead> Bounded<R> {
    /// Wraps `inner`, allowing `cap` bytes per event.
    pub(crate) fn new(inner: R, cap: u64) -> Self {
        Self {
            inner,
            cap,
            since_mark: 0,
            exceeded: false,
        }
    }

    /// Starts a new event's allowance.
    fn mark(&mut self) {
        self.since_mark = 0;
    }
}

impl<R: BufRead> Read for Bounded<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Bounded<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        let left = self.cap.saturating_sub(self.since_mark);
        if left == 0 {
            self.exceeded = true;
            return Err(io::Error::other("one XML event is longer than the limit"));
        }
        let available = self.inner.fill_buf()?;
        let n = usize::try_from(left).map_or(available.len(), |left| left.min(available.len()));
        Ok(&available[..n])
    }

    fn consume(&mut self, amt: usize) {
        self.inner.consume(amt);
        self.since_mark = self.since_mark.saturating_add(amt as u64);
    }
}

/// An element's start, with its attributes decoded.
#[derive(Debug, Clone)]
pub(crate) struct Tag {
    /// The qualified name as written (`post`, `wp:comment`).
    pub(crate) name: String,
    /// The attributes, values unescaped.
    attrs: Vec<(String, String)>,
    /// Where the tag starts.
    pub(crate) at: Position,
}

impl Tag {
    /// The value of the attribute `name` (qualified, as written).
    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// One simplified event.
#[derive(Debug)]
pub(crate) enum Node {
    /// An element starts (an empty element is a start and an end).
    Start(Tag),
    /// The innermost open element ends.
    End,
    /// Character data (text, CDATA, a resolved reference).
    Text(String),
    /// The document ended, every element closed.
    Eof,
}

/// A pull stream of [`Node`]s over an untrusted file.
pub(crate) struct XmlStream<R: BufRead> {
    reader: Reader<Bounded<R>>,
    buf: Vec<u8>,
    /// Open elements' names, innermost last.
    open: Vec<String>,
    /// An empty element was just reported as a start; its end is next.
    pending_end: bool,
    /// Newlines before the current event.
    lines: u64,
    /// Where the current event starts.
    event_start: u64,
}

impl<R: BufRead> XmlStream<R> {
    /// A stream over `input`.
    pub(crate) fn new(input: R) -> Self {
        let mut reader = Reader::from_reader(Bounded::new(input, MAX_EVENT));
        let config = reader.config_mut();
        config.check_end_names = true;
        config.allow_dangling_amp = false;
        config.expand_empty_elements = false;
        Self {
            reader,
            buf: Vec::new(),
            open: Vec::new(),
            pending_end: false,
            lines: 0,
            event_start: 0,
        }
    }

    /// Where the current event starts.
    pub(crate) fn position(&self) -> Position {
        Position {
            byte: self.event_start,
            line: Some(self.lines + 1),
        }
    }

    /// A malformed-file error at the current event.
    pub(crate) fn error(&self, what: impl Into<String>) -> ImportError {
        ImportError::malformed(what, self.position())
    }

    /// The next event; every error is final.
    pub(crate) fn next(&mut self) -> Result<Node, ImportError> {
        if self.pending_end {
            self.pending_end = false;
            self.open.pop();
            return Ok(Node::End);
        }
        loop {
            let mut buf = std::mem::take(&mut self.buf);
            buf.clear();
            self.reader.get_mut().mark();
            self.event_start = self.reader.buffer_position();
            let at = self.position();
            let result = self.reader.read_event_into(&mut buf);
            let node = match result {
                Ok(event) => {
                    let newlines = event.bytes().filter(|&b| b == b'\n').count() as u64;
                    let node = self.node(event, at);
                    self.lines += newlines;
                    node
                }
                Err(e) => Err(self.convert(e, &buf)),
            };
            self.buf = buf;
            if let Some(node) = node? {
                return Ok(node);
            }
        }
    }

    /// Our node for one of quick-xml's events, if it is one we report.
    fn node(&mut self, event: Event<'_>, at: Position) -> Result<Option<Node>, ImportError> {
        let error = |what: String| ImportError::malformed(what, at);
        let node = match event {
            Event::Start(start) => Node::Start(tag(&start, at)?),
            Event::Empty(start) => {
                self.pending_end = true;
                Node::Start(tag(&start, at)?)
            }
            Event::End(_) => {
                self.open.pop();
                Node::End
            }
            Event::Text(text) => Node::Text(text.xml10_content().into_owned()),
            Event::CData(data) => Node::Text(data.xml10_content().into_owned()),
            Event::GeneralRef(reference) => match reference.resolve_char_ref() {
                Ok(Some(c)) => Node::Text(c.to_string()),
                Ok(None) => match quick_xml::escape::resolve_predefined_entity(&reference) {
                    Some(s) => Node::Text(s.to_owned()),
                    None => {
                        return Err(error(format!(
                            "the entity reference &{}; is refused (only &lt; &gt; &amp; \
                             &apos; &quot; and numeric references are read)",
                            truncated(&reference, 40)
                        )));
                    }
                },
                Err(e) => return Err(error(format!("a bad character reference: {e}"))),
            },
            Event::DocType(doctype) => {
                if declares_entities(&doctype) {
                    return Err(error(
                        "the DOCTYPE declares entities, which an import file may not do".into(),
                    ));
                }
                return Ok(None);
            }
            Event::Decl(decl) => {
                if let Some(encoding) = decl.encoding() {
                    let encoding =
                        encoding.map_err(|e| error(format!("a bad XML declaration: {e}")))?;
                    if !is_utf8_name(&encoding) {
                        return Err(error(format!(
                            "the file says it is in {}; only UTF-8 is read",
                            truncated(&encoding, 40)
                        )));
                    }
                }
                return Ok(None);
            }
            Event::Comment(_) | Event::PI(_) => return Ok(None),
            Event::Eof => {
                if let Some(name) = self.open.last() {
                    return Err(error(format!(
                        "the file ends inside <{}>: it is truncated",
                        truncated(name, 40)
                    )));
                }
                Node::Eof
            }
        };
        if let Node::Start(tag) = &node {
            if self.open.len() >= MAX_DEPTH {
                return Err(error(format!("elements nest more than {MAX_DEPTH} deep")));
            }
            self.open.push(tag.name.clone());
        }
        Ok(Some(node))
    }

    /// The next child element of the current one, or `None` when the
    /// current element ends; text between children is ignored.
    pub(crate) fn child(&mut self) -> Result<Option<Tag>, ImportError> {
        loop {
            match self.next()? {
                Node::Start(tag) => return Ok(Some(tag)),
                Node::End => return Ok(None),
                Node::Text(_) => {}
                Node::Eof => return Err(self.error("the file ends early: it is truncated")),
            }
        }
    }

    /// The text of the element just started (its descendants' text
    /// included), up to its end; at most [`MAX_TEXT`] bytes.
    pub(crate) fn text(&mut self, tag: &Tag) -> Result<String, ImportError> {
        let mut text = String::new();
        let mut depth = 0usize;
        loop {
            match self.next()? {
                Node::Text(piece) => {
                    if text.len() + piece.len() > MAX_TEXT {
                        return Err(self.error(format!(
                            "<{}> holds more than {} MiB of text (the limit)",
                            truncated(&tag.name, 40),
                            MAX_TEXT / (1024 * 1024)
                        )));
                    }
                    text.push_str(&piece);
                }
                Node::Start(_) => depth += 1,
                Node::End if depth == 0 => return Ok(text),
                Node::End => depth -= 1,
                Node::Eof => return Err(self.error("the file ends early: it is truncated")),
            }
        }
    }

    /// Skips the rest of the element just started.
    pub(crate) fn skip(&mut self) -> Result<(), ImportError> {
        let mut depth = 0usize;
        loop {
            match self.next()? {
                Node::Text(_) => {}
                Node::Start(_) => depth += 1,
                Node::End if depth == 0 => return Ok(()),
                Node::End => depth -= 1,
                Node::Eof => return Err(self.error("the file ends early: it is truncated")),
            }
        }
    }

    /// The first element of the document, which must be called `root`.
    pub(crate) fn root(&mut self, root: &str, what: &str) -> Result<Tag, ImportError> {
        loop {
            match self.next()? {
                Node::Start(tag) if tag.name == root => return Ok(tag),
                Node::Start(tag) => {
                    return Err(ImportError::malformed(
                        format!(
                            "this is not {what}: it starts with <{}>, not <{root}>",
                            truncated(&tag.name, 40)
                        ),
                        tag.at,
                    ));
                }
                Node::Text(text) if text.trim().is_empty() => {}
                Node::Text(_) => return Err(self.error("text before the first element")),
                Node::End | Node::Eof => {
                    return Err(self.error(format!("this is not {what}: it has no <{root}>")));
                }
            }
        }
    }

    /// After the root element's end: the rest must be the end of the file.
    pub(crate) fn finish(&mut self) -> Result<(), ImportError> {
        loop {
            match self.next()? {
                Node::Eof => return Ok(()),
                Node::Text(text) if text.trim().is_empty() => {}
                _ => return Err(self.error("something follows the document's root element")),
            }
        }
    }

    /// Turns a quick-xml error into ours, at the place it names; `read`
    /// is what quick-xml had read of the failing event.
    fn convert(&mut self, error: quick_xml::Error, read: &[u8]) -> ImportError {
        let at = Position {
            byte: self.reader.error_position().max(self.event_start),
            line: Some(self.lines + 1),
        };
        match error {
            quick_xml::Error::Io(_) if self.reader.get_ref().exceeded => ImportError::malformed(
                format!(
                    "one element or text is longer than {} MiB (the limit)",
                    MAX_EVENT / (1024 * 1024)
                ),
                self.position(),
            ),
            quick_xml::Error::Io(e) => ImportError::Io(io::Error::new(e.kind(), e.to_string())),
            quick_xml::Error::Encoding(e) => {
                let offset = match &e {
                    quick_xml::encoding::EncodingError::Utf8(utf8) => utf8.valid_up_to(),
                    #[allow(unreachable_patterns)]
                    _ => 0,
                };
                // A tag's bytes start after its `<`: the offset is exact for
                // text, and at most one byte early for markup.
                let before = read.get(..offset).unwrap_or_default();
                let newlines = before.iter().filter(|&&b| b == b'\n').count() as u64;
                ImportError::malformed(
                    "the file is not valid UTF-8",
                    Position {
                        byte: self.event_start + offset as u64,
                        line: Some(self.lines + 1 + newlines),
                    },
                )
            }
            quick_xml::Error::Syntax(quick_xml::errors::SyntaxError::InvalidBangMarkup) => {
                ImportError::malformed("the XML is not well-formed: a bad <! markup", at)
            }
            quick_xml::Error::Syntax(e) => ImportError::malformed(
                format!("the file ends inside markup ({e}): it is truncated"),
                at,
            ),
            other => ImportError::malformed(format!("the XML is not well-formed: {other}"), at),
        }
    }
}

/// A [`Tag`] from quick-xml's start event.
fn tag(start: &BytesStart<'_>, at: Position) -> Result<Tag, ImportError> {
    let name = start.name().as_ref().to_owned();
    let mut attrs = Vec::new();
    for (n, attr) in start.attributes().enumerate() {
        if n >= MAX_ATTRIBUTES {
            return Err(ImportError::malformed(
                format!("a tag has more than {MAX_ATTRIBUTES} attributes"),
                at,
            ));
        }
        let attr = attr.map_err(|e| ImportError::malformed(format!("a bad attribute: {e}"), at))?;
        let value = attr
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| ImportError::malformed(format!("a bad attribute value: {e}"), at))?;
        attrs.push((attr.key.as_ref().to_owned(), value.into_owned()));
    }
    Ok(Tag { name, attrs, at })
}

/// Whether a DOCTYPE's text declares an entity (`<!ENTITY`, any case).
fn declares_entities(doctype: &str) -> bool {
    doctype
        .as_bytes()
        .windows(8)
        .any(|w| w.eq_ignore_ascii_case(b"<!ENTITY"))
}

/// Whether a declared encoding is UTF-8 (or its subset, ASCII).
fn is_utf8_name(encoding: &str) -> bool {
    ["utf-8", "utf8", "us-ascii", "ascii"]
        .iter()
        .any(|name| encoding.trim().eq_ignore_ascii_case(name))
}

/// At most `max` characters of `s`, for messages that quote a file.
pub(crate) fn truncated(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// An ISO 8601 / RFC 3339 time (`2012-04-27T15:04:05Z`, an offset, or no
/// zone at all, read as UTC) in Unix seconds.
pub(crate) fn parse_iso8601(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(t.unix_timestamp());
    }
    let local = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let fraction = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond]");
    let text = text.strip_suffix('Z').unwrap_or(text);
    PrimitiveDateTime::parse(text, &local)
        .or_else(|_| PrimitiveDateTime::parse(text, &fraction))
        .ok()
        .map(|t| t.assume_utc().unix_timestamp())
}

/// WordPress's `YYYY-MM-DD HH:MM:SS` (UTC for the `_gmt` fields) in Unix
/// seconds; `None` for the all-zero date of drafts.
pub(crate) fn parse_wordpress_date(text: &str) -> Option<i64> {
    let text = text.trim();
    if text.starts_with("0000-00-00") {
        return None;
    }
    let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    PrimitiveDateTime::parse(text, &format)
        .ok()
        .map(|t| t.assume_utc().unix_timestamp())
        .or_else(|| parse_iso8601(text))
}

/// Damaged copies of a fixture for robustness tests: cut at many
/// offsets, and with bytes overwritten by a fixed pseudo-random sequence
/// (markup characters, high bytes, ampersands).
#[cfg(test)]
pub(crate) fn damaged(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = (0..bytes.len())
        .step_by(13)
        .map(|cut| bytes[..cut].to_vec())
        .collect();
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let noise = b"<>&;/\"'![]?=\n\xff\xc3\x00a";
    for _ in 0..400 {
        let mut copy = bytes.to_vec();
        for _ in 0..3 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if copy.is_empty() {
                break;
            }
            let at = (x % copy.len() as u64) as usize;
            copy[at] = noise[(x >> 32) as usize % noise.len()];
        }
        out.push(copy);
    }
    out
}

/// Feeds every [`damaged`] copy of `whole` to `read` and checks that the
/// reader ends, never panics, and that an error is its last item and
/// names a place inside the file (with a line).
#[cfg(test)]
pub(crate) fn assert_survives_damage(
    whole: &[u8],
    read: impl Fn(&[u8]) -> Vec<Result<super::Record, super::ImportError>>,
) {
    for bytes in damaged(whole) {
        let records = read(&bytes[..]);
        assert!(records.len() < 10_000, "the reader ends");
        for (i, record) in records.iter().enumerate() {
            if let Err(e) = record {
                assert_eq!(i, records.len() - 1, "an error is final");
                if let super::ImportError::Malformed { at, .. } = e {
                    assert!(at.byte <= bytes.len() as u64, "{e}");
                    assert!(at.line.is_some(), "{e}");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodes(xml: &str) -> Result<Vec<String>, ImportError> {
        let mut stream = XmlStream::new(xml.as_bytes());
        let mut out = Vec::new();
        loop {
            match stream.next()? {
                Node::Start(tag) => out.push(format!("<{}>", tag.name)),
                Node::End => out.push("</>".into()),
                Node::Text(t) => out.push(t),
                Node::Eof => return Ok(out),
            }
        }
    }

    fn malformed(result: Result<Vec<String>, ImportError>) -> (String, Position) {
        match result {
            Err(ImportError::Malformed { what, at }) => (what, at),
            other => panic!("expected a malformed-file error, got {other:?}"),
        }
    }

    #[test]
    fn predefined_and_numeric_references_are_resolved() {
        let out = nodes("<a x=\"1 &amp; 2\">&lt;b&gt; &#233;&#x4E2D; &quot;&apos;</a>").unwrap();
        assert_eq!(out.concat(), "<a><b> é中 \"'</>");
    }

    #[test]
    fn empty_elements_start_and_end() {
        let out = nodes("<a><b id=\"7\"/><c>x</c></a>").unwrap();
        assert_eq!(out, ["<a>", "<b>", "</>", "<c>", "x", "</>", "</>"]);
    }

    #[test]
    fn an_undeclared_entity_is_refused() {
        let (what, at) = malformed(nodes("<a>\n<b>&nbsp;</b></a>"));
        assert!(what.contains("&nbsp;"), "{what}");
        assert_eq!(at.line, Some(2));
        assert_eq!(at.byte, 7);
    }

    #[test]
    fn an_entity_in_an_attribute_is_refused() {
        let (what, _) = malformed(nodes("<a x=\"&foo;\"/>"));
        assert!(what.contains("attribute"), "{what}");
    }

    #[test]
    fn a_doctype_without_entities_is_allowed() {
        assert!(nodes("<?xml version=\"1.0\"?><!DOCTYPE a><a/>").is_ok());
        let (what, _) = malformed(nodes("<!DOCTYPE a [<!entity x \"y\">]><a>&x;</a>"));
        assert!(what.contains("DOCTYPE"), "{what}");
    }

    #[test]
    fn other_encodings_are_refused() {
        let (what, _) = malformed(nodes("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/>"));
        assert!(what.contains("ISO-8859-1"), "{what}");
    }

    #[test]
    fn truncation_names_the_open_element() {
        let (what, at) = malformed(nodes("<a>\n<b>text"));
        assert!(what.contains("<b>"), "{what}");
        assert_eq!(at.byte, 11, "the end of the file");
        let (what, at) = malformed(nodes("<a>\n<b attr=\"x"));
        assert!(what.contains("truncated"), "{what}");
        assert_eq!(at.byte, 4, "the unclosed tag");
    }

    #[test]
    fn mismatched_ends_are_refused() {
        let (what, _) = malformed(nodes("<a><b></a></b>"));
        assert!(what.contains("well-formed"), "{what}");
    }

    #[test]
    fn attributes_are_bounded() {
        let many: String = (0..100_000).map(|i| format!(" a{i}=\"\"")).collect();
        let started = std::time::Instant::now();
        let (what, _) = malformed(nodes(&format!("<a{many}/>")));
        assert!(what.contains("more than 64 attributes"), "{what}");
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn depth_is_bounded() {
        let deep = "<a>".repeat(MAX_DEPTH + 1);
        let (what, _) = malformed(nodes(&deep));
        assert!(what.contains("nest"), "{what}");
    }

    #[test]
    fn invalid_utf8_names_its_offset() {
        let bytes = b"<a>ok \xff\xfe</a>";
        let mut stream = XmlStream::new(&bytes[..]);
        assert!(matches!(stream.next(), Ok(Node::Start(_))));
        match stream.next() {
            Err(ImportError::Malformed { what, at }) => {
                assert!(what.contains("UTF-8"), "{what}");
                assert_eq!(at.byte, 6);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn invalid_utf8_further_down_a_text_names_its_line() {
        let bytes = b"<a>one\ntwo\nthr\xc3\x28e</a>";
        let mut stream = XmlStream::new(&bytes[..]);
        assert!(matches!(stream.next(), Ok(Node::Start(_))));
        match stream.next() {
            Err(ImportError::Malformed { at, .. }) => {
                assert_eq!(at.byte, 14);
                assert_eq!(at.line, Some(3));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn one_event_is_bounded() {
        let mut stream = XmlStream::new(io::BufReader::new(
            b"<a>".chain(io::repeat(b'x').take(MAX_EVENT * 2)),
        ));
        assert!(matches!(stream.next(), Ok(Node::Start(_))));
        match stream.next() {
            Err(ImportError::Malformed { what, at }) => {
                assert!(what.contains("longer than 4 MiB"), "{what}");
                assert_eq!(at.byte, 3);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_kind_of_event_is_bounded() {
        for opener in [
            "<a><![CDATA[",
            "<a><!--",
            "<a><b x=\"",
            "<!DOCTYPE a [",
            "<a><?pi ",
        ] {
            let mut input = io::BufReader::new(
                opener
                    .as_bytes()
                    .chain(io::repeat(b'x').take(MAX_EVENT * 3)),
            );
            let mut stream = XmlStream::new(&mut input);
            let error = loop {
                match stream.next() {
                    Ok(Node::Eof) => panic!("{opener}: no error"),
                    Ok(_) => {}
                    Err(e) => break e,
                }
            };
            assert!(
                error.to_string().contains("longer than 4 MiB"),
                "{opener}: {error}"
            );
            drop(stream);
            let mut rest = 0u64;
            let mut chunk = vec![0u8; 1 << 20];
            while let Ok(n @ 1..) = input.read(&mut chunk) {
                rest += n as u64;
            }
            assert!(
                rest >= MAX_EVENT * 2 - 64 * 1024,
                "{opener}: only {rest} left"
            );
        }
    }

    #[test]
    fn dates() {
        assert_eq!(parse_iso8601("2012-04-27T15:04:05Z"), Some(1_335_539_045));
        assert_eq!(
            parse_iso8601("2012-04-27T17:04:05+02:00"),
            Some(1_335_539_045)
        );
        assert_eq!(parse_iso8601("2012-04-27T15:04:05"), Some(1_335_539_045));
        assert_eq!(
            parse_iso8601("2012-04-27T15:04:05.250Z"),
            Some(1_335_539_045)
        );
        assert_eq!(parse_iso8601("yesterday"), None);
        assert_eq!(
            parse_wordpress_date("2012-04-27 15:04:05"),
            Some(1_335_539_045)
        );
        assert_eq!(parse_wordpress_date("0000-00-00 00:00:00"), None);
    }
}
