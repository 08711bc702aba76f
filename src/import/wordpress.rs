//! WordPress's export (WXR 1.2): an RSS `<channel>` of `<item>`s, each a
//! post, page or attachment, with its comments as `<wp:comment>` children,
//! read one element at a time.
//!
//! - Only items whose `<wp:post_type>` is `post` or `page` (or missing)
//!   are threads: their source id is `<wp:post_id>`, their slug
//!   `<wp:post_name>` (`None` when empty, as for drafts), their time
//!   `<wp:post_date_gmt>`. A thread is yielded before its first comment, or
//!   at the item's end when it has none. Comments on other items
//!   (attachments, menu entries, products) are skipped ("not on a post").
//! - `<wp:comment_approved>`: `1` is published, `spam` is spam, `0`
//!   (pending), `trash`, `post-trashed` and anything else are hidden.
//! - `<wp:comment_type>` `pingback` and `trackback` are skipped under
//!   those names; other non-comment types (order notes, …) as "not a
//!   comment". An empty `<wp:comment_content>` is skipped ("empty body").
//! - A comment's text is HTML; WordPress keeps its paragraphs as blank
//!   lines, which become `<p>` (and single newlines `<br>`) when it has no
//!   paragraph markup of its own.
//! - Comment ids are unique within one WordPress site, so
//!   `<wp:comment_id>` is the source id as it is; `<wp:comment_parent>`
//!   `0` means none. Times are `<wp:comment_date_gmt>` (or, when it is the
//!   all-zero date, `<wp:comment_date>` read as UTC), to the second.
//!
//! Element names are matched with the prefixes WordPress always writes
//! (`wp:`, `content:`), not by namespace.

use std::collections::VecDeque;
use std::io::BufRead;

use super::xml::{Tag, XmlStream, parse_wordpress_date, truncated};
use super::{Body, CommentRecord, ImportError, Record, Records, SourceStatus, ThreadRecord};

/// The records of the WXR file `input`, in file order.
pub fn read<'a, R: BufRead + 'a>(input: R) -> Records<'a> {
    Box::new(Reader {
        xml: XmlStream::new(input),
        stage: Stage::Start,
        item: None,
        ready: VecDeque::new(),
    })
}

/// Where the reader is in the document.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Before `<rss>`.
    Start,
    /// Among `<channel>`'s children.
    Channel,
    /// After the channel: only `</rss>` and the end of the file are left.
    AfterChannel,
    /// Finished, or failed.
    Done,
}

/// What is known of the item being read.
#[derive(Default)]
struct Item {
    post_id: Option<String>,
    slug: Option<String>,
    title: Option<String>,
    link: Option<String>,
    published_at: Option<i64>,
    post_type: Option<String>,
    /// Its thread record has been yielded.
    yielded: bool,
}

impl Item {
    /// Whether the item is a post or a page.
    fn is_thread(&self) -> bool {
        matches!(self.post_type.as_deref(), None | Some("post" | "page"))
    }

    /// Its thread record, once.
    fn thread(&mut self) -> Option<Record> {
        if self.yielded || !self.is_thread() {
            return None;
        }
        let source_id = self.post_id.clone()?;
        self.yielded = true;
        Some(Record::Thread(ThreadRecord {
            source_id,
            slug: self.slug.clone(),
            url: self.link.clone(),
            title: self.title.clone(),
            published_at: self.published_at,
        }))
    }
}

/// The reader's state between records.
struct Reader<R: BufRead> {
    xml: XmlStream<R>,
    stage: Stage,
    /// The `<item>` being read, when inside one.
    item: Option<Item>,
    /// Records read but not yet yielded (a thread and its first comment).
    ready: VecDeque<Record>,
}

impl<R: BufRead> Iterator for Reader<R> {
    type Item = Result<Record, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(record) = self.ready.pop_front() {
            return Some(Ok(record));
        }
        if self.stage == Stage::Done {
            return None;
        }
        match self.step() {
            Ok(()) => match self.ready.pop_front() {
                Some(record) => Some(Ok(record)),
                None => {
                    self.stage = Stage::Done;
                    None
                }
            },
            Err(e) => {
                self.stage = Stage::Done;
                self.ready.clear();
                Some(Err(e))
            }
        }
    }
}

impl<R: BufRead> Reader<R> {
    /// Reads until at least one record is ready, or the file ends.
    fn step(&mut self) -> Result<(), ImportError> {
        while self.ready.is_empty() {
            match self.stage {
                Stage::Start => {
                    self.xml.root("rss", "a WordPress export (WXR)")?;
                    loop {
                        match self.xml.child()? {
                            Some(tag) if tag.name == "channel" => break,
                            Some(_) => self.xml.skip()?,
                            None => {
                                return Err(self
                                    .xml
                                    .error("this WordPress export has no <channel>"));
                            }
                        }
                    }
                    self.stage = Stage::Channel;
                }
                Stage::Channel if self.item.is_some() => self.item_child()?,
                Stage::Channel => match self.xml.child()? {
                    Some(tag) if tag.name == "item" => self.item = Some(Item::default()),
                    Some(_) => self.xml.skip()?,
                    None => self.stage = Stage::AfterChannel,
                },
                Stage::AfterChannel => {
                    while self.xml.child()?.is_some() {
                        self.xml.skip()?;
                    }
                    self.xml.finish()?;
                    self.stage = Stage::Done;
                }
                Stage::Done => return Ok(()),
            }
        }
        Ok(())
    }

    /// Reads the next child of the current item.
    fn item_child(&mut self) -> Result<(), ImportError> {
        let Some(tag) = self.xml.child()? else {
            if let Some(mut item) = self.item.take() {
                self.ready.extend(item.thread());
            }
            return Ok(());
        };
        let Some(item) = self.item.as_mut() else {
            return Ok(());
        };
        match tag.name.as_str() {
            "title" => item.title = non_empty(self.xml.text(&tag)?),
            "link" => item.link = non_empty(self.xml.text(&tag)?),
            "wp:post_id" => item.post_id = non_empty(self.xml.text(&tag)?),
            "wp:post_name" => item.slug = non_empty(self.xml.text(&tag)?),
            "wp:post_date_gmt" => item.published_at = parse_wordpress_date(&self.xml.text(&tag)?),
            "wp:post_type" => item.post_type = non_empty(self.xml.text(&tag)?),
            "wp:comment" => {
                let record = self.comment(&tag)?;
                let Some(item) = self.item.as_mut() else {
                    return Ok(());
                };
                if !item.is_thread() {
                    let source_id = match record {
                        Record::Comment(c) => Some(c.source_id),
                        Record::Skipped { source_id, .. } => source_id,
                        Record::Thread(_)
                        | Record::Ban(_)
                        | Record::Term(_)
                        | Record::Account(_) => None,
                    };
                    self.ready.push_back(Record::Skipped {
                        source_id,
                        reason: "not on a post",
                    });
                    return Ok(());
                }
                self.ready.extend(item.thread());
                self.ready.push_back(record);
            }
            _ => self.xml.skip()?,
        }
        Ok(())
    }

    /// One `<wp:comment>` of the current item.
    fn comment(&mut self, tag: &Tag) -> Result<Record, ImportError> {
        let mut id = None;
        let mut author = String::new();
        let mut email = None;
        let mut date_gmt = None;
        let mut date_local = None;
        let mut content = String::new();
        let mut approved = String::new();
        let mut kind = String::new();
        let mut parent = None;
        while let Some(child) = self.xml.child()? {
            match child.name.as_str() {
                "wp:comment_id" => id = non_empty(self.xml.text(&child)?),
                "wp:comment_author" => author = self.xml.text(&child)?.trim().to_owned(),
                "wp:comment_author_email" => email = non_empty(self.xml.text(&child)?),
                "wp:comment_date_gmt" => date_gmt = Some((self.xml.text(&child)?, child.at)),
                "wp:comment_date" => date_local = Some((self.xml.text(&child)?, child.at)),
                "wp:comment_content" => content = self.xml.text(&child)?,
                "wp:comment_approved" => approved = self.xml.text(&child)?.trim().to_owned(),
                "wp:comment_type" => kind = self.xml.text(&child)?.trim().to_owned(),
                "wp:comment_parent" => {
                    parent = non_empty(self.xml.text(&child)?).filter(|p| p != "0");
                }
                _ => self.xml.skip()?,
            }
        }
        let Some(id) = id else {
            return Ok(Record::Skipped {
                source_id: None,
                reason: "no id",
            });
        };
        match kind.as_str() {
            "" | "comment" | "review" => {}
            "pingback" => {
                return Ok(Record::Skipped {
                    source_id: Some(id),
                    reason: "pingback",
                });
            }
            "trackback" => {
                return Ok(Record::Skipped {
                    source_id: Some(id),
                    reason: "trackback",
                });
            }
            _ => {
                return Ok(Record::Skipped {
                    source_id: Some(id),
                    reason: "not a comment",
                });
            }
        }
        let Some(thread_source_id) = self.item.as_ref().and_then(|i| i.post_id.clone()) else {
            return Err(ImportError::malformed(
                "a <wp:comment> comes before its item's <wp:post_id>",
                tag.at,
            ));
        };
        let content = content.trim();
        if content.is_empty() {
            return Ok(Record::Skipped {
                source_id: Some(id),
                reason: "empty body",
            });
        }
        let created_at = [date_gmt.as_ref(), date_local.as_ref()]
            .into_iter()
            .flatten()
            .find_map(|(text, _)| parse_wordpress_date(text));
        let Some(created_at) = created_at else {
            let (text, at) = date_gmt.or(date_local).unwrap_or_default();
            let at = if text.is_empty() { tag.at } else { at };
            return Err(ImportError::malformed(
                format!(
                    "comment {} has no readable date ({:?})",
                    truncated(&id, 40),
                    truncated(text.trim(), 40)
                ),
                at,
            ));
        };
        let status = match approved.as_str() {
            "1" | "approve" | "approved" => SourceStatus::Published,
            "spam" => SourceStatus::Spam,
            _ => SourceStatus::Hidden,
        };
        Ok(Record::Comment(CommentRecord {
            source_id: id,
            thread_source_id,
            parent_source_id: parent,
            author_name: if author.is_empty() {
                "Anonymous".to_owned()
            } else {
                author
            },
            author_location: None,
            email,
            created_at,
            body: Body::Html(paragraphs(content)),
            status,
            official: false,
        }))
    }
}

/// WordPress stores a comment's paragraphs as blank lines and its line
/// breaks as newlines, adding the markup only when it shows the comment
/// (`wpautop`). A multi-line comment without paragraph markup gets it
/// here, `<p>` for each paragraph and `<br>` for each line break, so the
/// HTML the importer sanitises keeps the paragraphs.
fn paragraphs(content: &str) -> String {
    let has_markup = [
        "<p",
        "<P",
        "<br",
        "<BR",
        "<div",
        "<blockquote",
        "<ul",
        "<ol",
        "<pre",
    ]
    .iter()
    .any(|tag| content.contains(tag));
    if has_markup || !content.contains('\n') {
        return content.to_owned();
    }
    let mut html = String::with_capacity(content.len() + 16);
    let content = content.replace("\r\n", "\n");
    for paragraph in content.split("\n\n") {
        let lines: Vec<&str> = paragraph
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .collect();
        if lines.is_empty() {
            continue;
        }
        html.push_str("<p>");
        html.push_str(&lines.join("<br>\n"));
        html.push_str("</p>\n");
    }
    html.truncate(html.trim_end().len());
    html
}

/// `Some` of the trimmed text, unless it is empty.
fn non_empty(text: String) -> Option<String> {
    let trimmed = text.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

#[cfg(test)]
mod tests;
