//! The text of an archived DipNote page (the pages in `../shared/seeds`):
//! the title on the first line, the article, then comment blocks, read a
//! line at a time with a few lines of look-ahead.
//!
//! A comment block is an optional location line, a date line ("April 30,
//! 2012"), a blank line, "NAME writes:", a blank line and the body's
//! paragraphs. "DipNote Bloggers reply:" and the text after it is an
//! official reply to the comment before it. The comments end at "Latest
//! Stories" or at the end of the file; a page without blocks is only its
//! thread.
//!
//! - The thread's source id and slug are the `post_slug` given; its title
//!   is the first line; its time the article's first date (a date line, or
//!   "Published on DATE"), when it has one.
//! - Dates have no time of day: 12:00 UTC of that day. A reply has the
//!   date of the comment it answers.
//! - Source ids are `SLUG#N` for the N-th comment of the page and
//!   `SLUG#N-reply` (`-reply-2`, …) for replies to it, the same on every
//!   run. Comments are published; bodies are plain paragraphs
//!   ([`Body::Markdown`]); a comment without text is skipped ("empty
//!   body").
//! - A line may be at most 1 MiB and a body 1 MiB; the text must be UTF-8.

use std::collections::VecDeque;
use std::io::{BufRead, Read};

use time::{Date, Month};

use super::{
    Body, CommentRecord, ImportError, Position, Record, Records, SourceStatus, ThreadRecord,
};

/// The longest line read, in bytes.
const MAX_LINE: u64 = 1024 * 1024;

/// The longest comment body kept, in bytes.
const MAX_BODY: usize = 1024 * 1024;

/// How the staff sign their replies.
const BLOGGERS: &str = "DipNote Bloggers";

/// The records of the DipNote page `input` for the post `post_slug`.
pub fn read<'a, R: BufRead + 'a>(input: R, post_slug: &str) -> Records<'a> {
    Box::new(Reader {
        lines: Lines {
            input,
            byte: 0,
            line: 0,
            eof: false,
        },
        window: VecDeque::new(),
        slug: post_slug.trim().to_owned(),
        stage: Stage::Title,
        title: None,
        published_at: None,
        current: None,
        ordinal: 0,
        replies: 0,
        last_comment: None,
        previous_blank: true,
    })
}

/// One line of the page and where it starts.
struct Line {
    text: String,
    at: Position,
}

/// The page's lines, each bounded and checked for UTF-8.
struct Lines<R> {
    input: R,
    byte: u64,
    line: u64,
    eof: bool,
}

impl<R: BufRead> Lines<R> {
    /// The next line without its end, or `None` at the end of the file.
    fn next(&mut self) -> Result<Option<Line>, ImportError> {
        if self.eof {
            return Ok(None);
        }
        let at = Position {
            byte: self.byte,
            line: Some(self.line + 1),
        };
        let mut bytes = Vec::new();
        let n = (&mut self.input)
            .take(MAX_LINE + 1)
            .read_until(b'\n', &mut bytes)?;
        if n == 0 {
            self.eof = true;
            return Ok(None);
        }
        if n as u64 > MAX_LINE {
            return Err(ImportError::malformed(
                "a line is longer than 1 MiB (the limit)",
                at,
            ));
        }
        self.byte += n as u64;
        self.line += 1;
        if bytes.last() == Some(&b'\n') {
            bytes.pop();
        }
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
        let text = String::from_utf8(bytes).map_err(|e| {
            ImportError::malformed(
                "the page is not valid UTF-8",
                Position {
                    byte: at.byte + e.utf8_error().valid_up_to() as u64,
                    line: at.line,
                },
            )
        })?;
        Ok(Some(Line { text, at }))
    }
}

/// Where the reader is in the page.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Before the first line.
    Title,
    /// In the article, before any comment.
    Article,
    /// In the comments.
    Comments,
    /// Everything has been yielded.
    Done,
}

/// The comment or reply being read.
struct Pending {
    record: CommentRecord,
    body: String,
}

/// The reader's state between records.
struct Reader<R> {
    lines: Lines<R>,
    /// Lines read ahead, first next.
    window: VecDeque<Line>,
    slug: String,
    stage: Stage,
    title: Option<String>,
    published_at: Option<i64>,
    current: Option<Pending>,
    /// Comments started so far.
    ordinal: u64,
    /// Replies to the last comment so far.
    replies: u64,
    /// The source id and time of the last comment (not reply).
    last_comment: Option<(String, i64)>,
    /// The line before the window's first was blank.
    previous_blank: bool,
}

impl<R: BufRead> Iterator for Reader<R> {
    type Item = Result<Record, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.stage == Stage::Done {
            return None;
        }
        let result = self.step().transpose();
        if !matches!(result, Some(Ok(_))) {
            self.stage = Stage::Done;
        }
        result
    }
}

impl<R: BufRead> Reader<R> {
    /// Reads up to the next record.
    fn step(&mut self) -> Result<Option<Record>, ImportError> {
        loop {
            self.fill(5)?;
            if self.stage == Stage::Title {
                let Some(first) = self.window.pop_front() else {
                    return Err(ImportError::malformed(
                        "the page is empty",
                        Position {
                            byte: 0,
                            line: Some(1),
                        },
                    ));
                };
                let title = first.text.trim_start_matches('\u{feff}').trim();
                self.title = (!title.is_empty()).then(|| title.to_owned());
                self.stage = Stage::Article;
                continue;
            }
            let Some(first) = self.window.front().map(|line| line.text.trim().to_owned()) else {
                return Ok(self.end());
            };
            if first == "Latest Stories" {
                return Ok(self.end());
            }
            let header = if self.header_at(0) {
                Some(None)
            } else if self.previous_blank
                && !first.is_empty()
                && first.len() <= 100
                && self.header_at(1)
            {
                let location = self.pop().map(|line| line.text.trim().to_owned());
                Some(location)
            } else {
                None
            };
            if let Some(location) = header {
                let done = self.finish_current()?;
                self.start_comment(location)?;
                if self.stage == Stage::Article {
                    self.stage = Stage::Comments;
                    return Ok(Some(self.thread()));
                }
                if let Some(done) = done {
                    return Ok(Some(done));
                }
                continue;
            }
            if first == format!("{BLOGGERS} reply:") && self.last_comment.is_some() {
                self.pop();
                let done = self.finish_current()?;
                self.start_reply();
                if let Some(done) = done {
                    return Ok(Some(done));
                }
                continue;
            }
            let Some(line) = self.pop() else {
                continue;
            };
            match (&mut self.current, self.stage) {
                (Some(pending), _) => {
                    if pending.body.len() + line.text.len() >= MAX_BODY {
                        return Err(ImportError::malformed(
                            "a comment is longer than 1 MiB (the limit)",
                            line.at,
                        ));
                    }
                    pending.body.push_str(line.text.trim_end());
                    pending.body.push('\n');
                }
                (None, Stage::Article) if self.published_at.is_none() => {
                    let text = line.text.trim();
                    self.published_at =
                        parse_date(text.strip_prefix("Published on ").unwrap_or(text));
                }
                _ => {}
            }
        }
    }

    /// At the end of the comments: the thread, if not yielded yet, or the
    /// last comment.
    fn end(&mut self) -> Option<Record> {
        if self.stage == Stage::Article {
            self.stage = Stage::Comments;
            return Some(self.thread());
        }
        self.stage = Stage::Done;
        // A finished comment's only error is an empty body, which is a skip.
        self.finish_current().ok().flatten()
    }

    /// The page's thread.
    fn thread(&self) -> Record {
        Record::Thread(ThreadRecord {
            source_id: self.slug.clone(),
            slug: Some(self.slug.clone()),
            url: None,
            title: self.title.clone(),
            published_at: self.published_at,
        })
    }

    /// Reads ahead until the window holds `n` lines or the file ends.
    fn fill(&mut self, n: usize) -> Result<(), ImportError> {
        while self.window.len() < n {
            match self.lines.next()? {
                Some(line) => self.window.push_back(line),
                None => break,
            }
        }
        Ok(())
    }

    /// Takes the window's first line.
    fn pop(&mut self) -> Option<Line> {
        let line = self.window.pop_front()?;
        self.previous_blank = line.text.trim().is_empty();
        Some(line)
    }

    /// Whether a comment header (date, blank, "NAME writes:") starts at
    /// the window's line `k`.
    fn header_at(&self, k: usize) -> bool {
        let text = |i: usize| self.window.get(i).map(|line| line.text.trim());
        let Some(date) = text(k) else {
            return false;
        };
        if parse_date(date).is_none() {
            return false;
        }
        match (text(k + 1), text(k + 2)) {
            (Some(writes), _) if writer(writes).is_some() => true,
            (Some(""), Some(writes)) => writer(writes).is_some(),
            _ => false,
        }
    }

    /// Consumes a header at the window's start and begins its comment.
    fn start_comment(&mut self, location: Option<String>) -> Result<(), ImportError> {
        let date_line = self.pop();
        let created_at = date_line
            .as_ref()
            .and_then(|line| parse_date(line.text.trim()))
            .unwrap_or_default();
        let mut name = None;
        while name.is_none() {
            match self.pop() {
                Some(line) => name = writer(line.text.trim()).map(str::to_owned),
                None => break,
            }
        }
        let Some(author_name) = name else {
            let at = date_line.map(|line| line.at).unwrap_or_default();
            return Err(ImportError::malformed("a comment without its author", at));
        };
        self.ordinal += 1;
        self.replies = 0;
        let source_id = format!("{}#{}", self.slug, self.ordinal);
        self.last_comment = Some((source_id.clone(), created_at));
        self.current = Some(Pending {
            record: CommentRecord {
                source_id,
                thread_source_id: self.slug.clone(),
                parent_source_id: None,
                author_name,
                author_location: location.filter(|l| !l.is_empty()),
                email: None,
                created_at,
                body: Body::Markdown(String::new()),
                status: SourceStatus::Published,
                official: false,
            },
            body: String::new(),
        });
        Ok(())
    }

    /// Begins an official reply to the last comment.
    fn start_reply(&mut self) {
        let Some((parent, created_at)) = self.last_comment.clone() else {
            return;
        };
        self.replies += 1;
        let source_id = match self.replies {
            1 => format!("{parent}-reply"),
            n => format!("{parent}-reply-{n}"),
        };
        self.current = Some(Pending {
            record: CommentRecord {
                source_id,
                thread_source_id: self.slug.clone(),
                parent_source_id: Some(parent),
                author_name: BLOGGERS.to_owned(),
                author_location: None,
                email: None,
                created_at,
                body: Body::Markdown(String::new()),
                status: SourceStatus::Published,
                official: true,
            },
            body: String::new(),
        });
    }

    /// The comment or reply being read, finished.
    fn finish_current(&mut self) -> Result<Option<Record>, ImportError> {
        let Some(Pending { mut record, body }) = self.current.take() else {
            return Ok(None);
        };
        let text = paragraphs(&body);
        if text.is_empty() {
            return Ok(Some(Record::Skipped {
                source_id: Some(record.source_id),
                reason: "empty body",
            }));
        }
        record.body = Body::Markdown(text);
        Ok(Some(Record::Comment(record)))
    }
}

/// The lines of a body as paragraphs: runs of blank lines become one
/// paragraph break, the ends are trimmed.
fn paragraphs(body: &str) -> String {
    let mut out = String::new();
    let mut blank = false;
    for line in body.lines() {
        if line.trim().is_empty() {
            blank = true;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank { "\n\n" } else { "\n" });
        }
        blank = false;
        out.push_str(line.trim_end());
    }
    out
}

/// The NAME of "NAME writes:".
fn writer(line: &str) -> Option<&str> {
    line.strip_suffix(" writes:")
        .map(str::trim)
        .filter(|name| !name.is_empty() && name.len() <= 200)
}

/// "April 30, 2012" as Unix seconds at 12:00 UTC that day.
fn parse_date(text: &str) -> Option<i64> {
    let (month, rest) = text.trim().split_once(' ')?;
    let (day, year) = rest.split_once(", ")?;
    let month = [
        Month::January,
        Month::February,
        Month::March,
        Month::April,
        Month::May,
        Month::June,
        Month::July,
        Month::August,
        Month::September,
        Month::October,
        Month::November,
        Month::December,
    ]
    .into_iter()
    .find(|m| m.to_string() == month)?;
    let day: u8 = day.trim().parse().ok()?;
    let year: i32 = year.trim().parse().ok()?;
    if !(1900..=2200).contains(&year) {
        return None;
    }
    let date = Date::from_calendar_date(year, month, day).ok()?;
    Some(date.midnight().assume_utc().unix_timestamp() + 12 * 3600)
}

#[cfg(test)]
mod tests;
