//! The Disqus XML export: `<thread dsq:id>` elements (the posts) and
//! `<post dsq:id>` elements (the comments) side by side under `<disqus>`,
//! read one element at a time.
//!
//! - A thread's slug is the last non-empty path segment of its `<link>`,
//!   percent-decoded and lower-cased, with the query and fragment ignored;
//!   `None` when the link is missing or has no path.
//! - A post's `<isSpam>` makes it [`SourceStatus::Spam`], else
//!   `<isDeleted>` makes it [`SourceStatus::Hidden`], else it is
//!   published. Its `<message>` is HTML ([`Body::Html`]); an empty one is
//!   skipped ("empty body"), and so is a post that names no thread ("no
//!   thread") or has no id ("no id").
//! - The author is `<author>`'s `<name>`, else its `<username>`, else
//!   "Anonymous"; `<email>` when the export has it.
//! - `<createdAt>` is ISO 8601, kept to the second; a post without a
//!   readable one makes the file malformed.

pub mod sample;

use std::io::BufRead;

use super::xml::{Tag, XmlStream, parse_iso8601};
use super::{Body, CommentRecord, ImportError, Record, Records, SourceStatus, ThreadRecord};

/// The records of the Disqus export `input`, in file order.
pub fn read<'a, R: BufRead + 'a>(input: R) -> Records<'a> {
    Box::new(Reader {
        xml: XmlStream::new(input),
        started: false,
        done: false,
    })
}

/// The reader's state between records.
struct Reader<R: BufRead> {
    xml: XmlStream<R>,
    started: bool,
    done: bool,
}

impl<R: BufRead> Iterator for Reader<R> {
    type Item = Result<Record, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let result = self.step().transpose();
        if !matches!(result, Some(Ok(_))) {
            self.done = true;
        }
        result
    }
}

impl<R: BufRead> Reader<R> {
    /// Reads up to the next record, or the end.
    fn step(&mut self) -> Result<Option<Record>, ImportError> {
        if !self.started {
            self.xml.root("disqus", "a Disqus export")?;
            self.started = true;
        }
        while let Some(tag) = self.xml.child()? {
            match tag.name.as_str() {
                "thread" => return self.thread(&tag).map(Some),
                "post" => return self.post(&tag).map(Some),
                _ => self.xml.skip()?,
            }
        }
        self.xml.finish()?;
        Ok(None)
    }

    /// A top-level `<thread>`.
    fn thread(&mut self, tag: &Tag) -> Result<Record, ImportError> {
        let id = tag
            .attr("dsq:id")
            .map(str::trim)
            .unwrap_or_default()
            .to_owned();
        let mut thread = ThreadRecord {
            source_id: id,
            ..ThreadRecord::default()
        };
        while let Some(child) = self.xml.child()? {
            match child.name.as_str() {
                "link" => thread.url = non_empty(self.xml.text(&child)?),
                "title" => thread.title = non_empty(self.xml.text(&child)?),
                "createdAt" => thread.published_at = parse_iso8601(&self.xml.text(&child)?),
                _ => self.xml.skip()?,
            }
        }
        if thread.source_id.is_empty() {
            return Ok(Record::Skipped {
                source_id: None,
                reason: "no id",
            });
        }
        thread.slug = thread.url.as_deref().and_then(slug_of_link);
        Ok(Record::Thread(thread))
    }

    /// A top-level `<post>`.
    fn post(&mut self, tag: &Tag) -> Result<Record, ImportError> {
        let id = tag
            .attr("dsq:id")
            .map(str::trim)
            .unwrap_or_default()
            .to_owned();
        let mut message = String::new();
        let mut created = None;
        let mut deleted = false;
        let mut spam = false;
        let mut name = String::new();
        let mut username = String::new();
        let mut email = None;
        let mut thread = None;
        let mut parent = None;
        while let Some(child) = self.xml.child()? {
            match child.name.as_str() {
                "message" => message = self.xml.text(&child)?,
                "createdAt" => {
                    let text = self.xml.text(&child)?;
                    created = Some(parse_iso8601(&text).ok_or_else(|| {
                        ImportError::malformed(
                            format!("an unreadable date {:?}", super::xml::truncated(&text, 40)),
                            child.at,
                        )
                    })?);
                }
                "isDeleted" => deleted = is_true(&self.xml.text(&child)?),
                "isSpam" => spam = is_true(&self.xml.text(&child)?),
                "author" => {
                    while let Some(field) = self.xml.child()? {
                        match field.name.as_str() {
                            "name" => name = self.xml.text(&field)?.trim().to_owned(),
                            "username" => username = self.xml.text(&field)?.trim().to_owned(),
                            "email" => email = non_empty(self.xml.text(&field)?),
                            _ => self.xml.skip()?,
                        }
                    }
                }
                "thread" => {
                    thread = child.attr("dsq:id").map(|id| id.trim().to_owned());
                    self.xml.skip()?;
                }
                "parent" => {
                    parent = child
                        .attr("dsq:id")
                        .map(str::trim)
                        .filter(|id| !id.is_empty())
                        .map(str::to_owned);
                    self.xml.skip()?;
                }
                _ => self.xml.skip()?,
            }
        }
        if id.is_empty() {
            return Ok(Record::Skipped {
                source_id: None,
                reason: "no id",
            });
        }
        let Some(thread) = thread.filter(|t| !t.is_empty()) else {
            return Ok(Record::Skipped {
                source_id: Some(id),
                reason: "no thread",
            });
        };
        let message = message.trim();
        if message.is_empty() {
            return Ok(Record::Skipped {
                source_id: Some(id),
                reason: "empty body",
            });
        }
        let Some(created_at) = created else {
            return Err(ImportError::malformed(
                format!("post {} has no <createdAt>", super::xml::truncated(&id, 40)),
                tag.at,
            ));
        };
        let status = if spam {
            SourceStatus::Spam
        } else if deleted {
            SourceStatus::Hidden
        } else {
            SourceStatus::Published
        };
        Ok(Record::Comment(CommentRecord {
            source_id: id,
            thread_source_id: thread,
            parent_source_id: parent,
            author_name: match (name.is_empty(), username.is_empty()) {
                (false, _) => name,
                (true, false) => username,
                (true, true) => "Anonymous".to_owned(),
            },
            author_location: None,
            email,
            created_at,
            body: Body::Html(message.to_owned()),
            status,
            official: false,
        }))
    }
}

/// `Some` of the trimmed text, unless it is empty.
fn non_empty(text: String) -> Option<String> {
    let trimmed = text.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

/// Disqus's booleans.
fn is_true(text: &str) -> bool {
    matches!(text.trim(), "true" | "1")
}

/// The slug rule: the last non-empty path segment of `link`, lower-cased,
/// without query or fragment; `None` for a link without a path.
pub fn slug_of_link(link: &str) -> Option<String> {
    let link = link.trim();
    let link = link.split(['?', '#']).next().unwrap_or_default();
    let path = match link.find("://") {
        Some(i) => {
            let rest = &link[i + 3..];
            rest.find('/').map_or("", |slash| &rest[slash..])
        }
        None if link.starts_with("//") => {
            let rest = &link[2..];
            rest.find('/').map_or("", |slash| &rest[slash..])
        }
        None => link,
    };
    path.split('/')
        .rfind(|segment| !segment.is_empty())
        .map(|segment| percent_decoded(segment).unwrap_or_else(|| segment.to_owned()))
        .map(|segment| segment.to_lowercase())
}

/// A path segment with its `%XX` escapes decoded, when they are all
/// well-formed, decode to UTF-8 and hide no `/`.
fn percent_decoded(segment: &str) -> Option<String> {
    if !segment.contains('%') {
        return Some(segment.to_owned());
    }
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            out.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok().filter(|s| !s.contains('/'))
}

#[cfg(test)]
mod tests;
