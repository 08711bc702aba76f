//! Our own export document (`colloquy export`) → records.
//!
//! The document is one JSON object (docs/imports.md): `version` (must be
//! [`VERSION`]), then arrays `posts`, `comments`, `bans`, `terms` and
//! `accounts`. It is read as a stream: a thread parses it with serde and
//! hands each post and comment over a bounded channel, so a document of
//! any size is read in bounded memory. Posts and comments are imported
//! (comments with their status, e-mail address, time and parent; official
//! replies as official replies), and so are bans, terms and accounts
//! (which the export holds without passwords).

use super::{
    AccountRecord, BanRecord, Body, CommentRecord, ImportError, Position, Record, Records,
    SourceStatus, TermRecord, ThreadRecord,
};
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;
use std::io::BufRead;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

/// The schema version this reader understands.
pub const VERSION: u64 = 1;

/// Records handed over at most at once.
const CHANNEL: usize = 256;

/// The longest string the document may hold (a body, a name), so that a
/// hostile file cannot make the parser buffer gigabytes.
pub const MAX_STRING: u64 = 4 * 1024 * 1024;

/// A post as the export writes it (only what an import uses).
#[derive(Debug, Deserialize)]
struct Post {
    id: i64,
    slug: String,
    title: Option<String>,
    url: Option<String>,
    published_at: Option<i64>,
}

/// A comment as the export writes it (only what an import uses).
#[derive(Debug, Deserialize)]
struct Comment {
    id: i64,
    post_id: i64,
    parent_id: Option<i64>,
    kind: String,
    status: String,
    author_name: String,
    author_location: Option<String>,
    email: Option<String>,
    body: String,
    created_at: i64,
}

/// A ban as the export writes it.
#[derive(Debug, Deserialize)]
struct Ban {
    kind: String,
    value: String,
    #[serde(default)]
    note: String,
    created_at: i64,
    expires_at: Option<i64>,
}

/// A term as the export writes it.
#[derive(Debug, Deserialize)]
struct Term {
    term: String,
    kind: String,
    reason: Option<String>,
    created_at: i64,
}

/// An account as the export writes it.
#[derive(Debug, Deserialize)]
struct Account {
    username: String,
    display_name: String,
    role: String,
    #[serde(default)]
    disabled: bool,
    email: Option<String>,
    created_at: i64,
}

/// Reads an export document.
pub fn read<R: BufRead + Send + 'static>(input: R) -> Records<'static> {
    let (send, receive) = sync_channel(CHANNEL);
    std::thread::spawn(move || {
        let mut json = serde_json::Deserializer::from_reader(Bounded::new(input));
        let outcome = Document { send: &send }
            .deserialize(&mut json)
            .and_then(|()| json.end());
        if let Err(error) = outcome
            && !error.to_string().starts_with(STOPPED)
        {
            let at = Position {
                byte: 0,
                line: u64::try_from(error.line()).ok(),
            };
            let _ = send.send(Err(ImportError::malformed(
                format!("not a Colloquy export ({error})"),
                at,
            )));
        }
    });
    Box::new(Received { receive })
}

/// Refuses a string longer than [`MAX_STRING`] bytes as it streams by,
/// before the parser has buffered it.
struct Bounded<R> {
    inner: R,
    in_string: bool,
    escaped: bool,
    run: u64,
}

impl<R> Bounded<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            in_string: false,
            escaped: false,
            run: 0,
        }
    }
}

impl<R: std::io::Read> std::io::Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &byte in buf.get(..n).unwrap_or_default() {
            if self.in_string {
                self.run += 1;
                if self.escaped {
                    self.escaped = false;
                } else if byte == b'\\' {
                    self.escaped = true;
                } else if byte == b'"' {
                    self.in_string = false;
                }
                if self.run > MAX_STRING {
                    return Err(std::io::Error::other(format!(
                        "a string longer than {MAX_STRING} bytes"
                    )));
                }
            } else if byte == b'"' {
                self.in_string = true;
                self.run = 0;
            }
        }
        Ok(n)
    }
}

/// Why the parsing thread stops when the importer stopped listening.
const STOPPED: &str = "the importer stopped reading";

struct Received {
    receive: Receiver<Result<Record, ImportError>>,
}

impl Iterator for Received {
    type Item = Result<Record, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.receive.recv().ok()
    }
}

type Sender = SyncSender<Result<Record, ImportError>>;

fn hand_over<E: de::Error>(send: &Sender, record: Record) -> Result<(), E> {
    send.send(Ok(record)).map_err(|_| E::custom(STOPPED))
}

/// The whole document.
struct Document<'s> {
    send: &'s Sender,
}

impl<'de> DeserializeSeed<'de> for Document<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Document<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a Colloquy export object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut version = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "version" => {
                    let v: u64 = map.next_value()?;
                    if v != VERSION {
                        return Err(de::Error::custom(format!(
                            "version {v}; this Colloquy reads version {VERSION}"
                        )));
                    }
                    version = Some(v);
                }
                "posts" | "comments" | "bans" | "terms" | "accounts" => {
                    if version.is_none() {
                        return Err(de::Error::custom("`version` must come first"));
                    }
                    map.next_value_seed(Items {
                        send: self.send,
                        what: match key.as_str() {
                            "posts" => What::Posts,
                            "comments" => What::Comments,
                            "bans" => What::Bans,
                            "terms" => What::Terms,
                            _ => What::Accounts,
                        },
                    })?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if version.is_none() {
            return Err(de::Error::custom("no `version`"));
        }
        Ok(())
    }
}

#[derive(Clone, Copy)]
enum What {
    Posts,
    Comments,
    Bans,
    Terms,
    Accounts,
}

/// One of the document's arrays.
struct Items<'s> {
    send: &'s Sender,
    what: What,
}

impl<'de> DeserializeSeed<'de> for Items<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Items<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        match self.what {
            What::Posts => {
                while let Some(post) = seq.next_element::<Post>()? {
                    hand_over(self.send, thread(post))?;
                }
            }
            What::Comments => {
                while let Some(c) = seq.next_element::<Comment>()? {
                    hand_over(self.send, comment(c).map_err(de::Error::custom)?)?;
                }
            }
            What::Bans => {
                while let Some(b) = seq.next_element::<Ban>()? {
                    let record = Record::Ban(BanRecord {
                        kind: b.kind,
                        value: b.value,
                        note: b.note,
                        created_at: b.created_at,
                        expires_at: b.expires_at,
                    });
                    hand_over(self.send, record)?;
                }
            }
            What::Terms => {
                while let Some(t) = seq.next_element::<Term>()? {
                    let record = Record::Term(TermRecord {
                        term: t.term,
                        kind: t.kind,
                        reason: t.reason,
                        created_at: t.created_at,
                    });
                    hand_over(self.send, record)?;
                }
            }
            What::Accounts => {
                while let Some(a) = seq.next_element::<Account>()? {
                    let record = Record::Account(AccountRecord {
                        username: a.username,
                        display_name: a.display_name,
                        role: a.role,
                        disabled: a.disabled,
                        email: a.email,
                        created_at: a.created_at,
                    });
                    hand_over(self.send, record)?;
                }
            }
        }
        Ok(())
    }
}

fn thread(post: Post) -> Record {
    Record::Thread(ThreadRecord {
        source_id: post.id.to_string(),
        slug: Some(post.slug),
        url: post.url,
        title: post.title,
        published_at: post.published_at,
    })
}

fn comment(c: Comment) -> Result<Record, String> {
    let status = match c.status.as_str() {
        "approved" => SourceStatus::Published,
        "rejected" => SourceStatus::Hidden,
        "spam" => SourceStatus::Spam,
        "pending" => SourceStatus::Pending,
        other => return Err(format!("comment {}: unknown status {other:?}", c.id)),
    };
    let official = match c.kind.as_str() {
        "reader" => false,
        "official" => true,
        other => return Err(format!("comment {}: unknown kind {other:?}", c.id)),
    };
    Ok(Record::Comment(CommentRecord {
        source_id: c.id.to_string(),
        thread_source_id: c.post_id.to_string(),
        parent_source_id: c.parent_id.map(|p| p.to_string()),
        author_name: c.author_name,
        author_location: c.author_location,
        email: c.email,
        created_at: c.created_at,
        body: Body::Markdown(c.body),
        status,
        official,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> Vec<Result<Record, ImportError>> {
        read(std::io::Cursor::new(text.to_owned().into_bytes())).collect()
    }

    #[test]
    fn reads_posts_comments_bans_and_accounts() {
        let records = all(
            r#"{"version": 1, "posts": [{"id": 3, "slug": "p", "title": "T", "url": null, "published_at": 5, "extra": 1}],
            "comments": [{"id": 9, "post_id": 3, "parent_id": null, "kind": "official", "status": "approved",
              "author_name": "Staff", "author_location": null, "email": null, "body": "Hi *there*", "created_at": 7}],
            "bans": [{"id": 1, "kind": "email", "value": "x@example.org", "created_at": 1, "expires_at": null}],
            "terms": [], "accounts": [{"id": 1, "username": "a", "display_name": "A", "role": "admin", "email": null, "created_at": 2}]}"#,
        );
        assert_eq!(records.len(), 4);
        let Ok(Record::Comment(c)) = &records[1] else {
            panic!("{records:?}")
        };
        assert!(c.official);
        assert_eq!(
            (
                c.source_id.as_str(),
                c.thread_source_id.as_str(),
                c.created_at
            ),
            ("9", "3", 7)
        );
        assert!(matches!(&records[2], Ok(Record::Ban(b)) if b.value == "x@example.org"));
        assert!(matches!(&records[3], Ok(Record::Account(a)) if a.role == "admin"));
    }

    #[test]
    fn a_wrong_version_or_a_truncated_document_is_an_error() {
        let wrong = all(r#"{"version": 2, "posts": []}"#);
        assert!(matches!(wrong.last(), Some(Err(_))));
        let truncated =
            all("{\"version\": 1,\n\"posts\": [{\"id\": 1, \"slug\": \"a\"},\n{\"id\": 2,");
        let Some(Err(error)) = truncated.last() else {
            panic!("{truncated:?}")
        };
        assert!(error.to_string().contains("line 3"), "{error}");
        assert!(matches!(all("[]").last(), Some(Err(_))));
    }

    #[test]
    fn a_huge_string_is_refused_before_it_is_buffered() {
        let huge = format!(
            "{{\"version\": 1, \"posts\": [{{\"id\": 1, \"slug\": \"{}\"}}]}}",
            "a\\\"".repeat(2 * 1024 * 1024)
        );
        let records = all(&huge);
        let Some(Err(error)) = records.last() else {
            panic!("accepted")
        };
        assert!(error.to_string().contains("longer than"), "{error}");
        // Escaped quotes do not end a string; ordinary documents pass.
        let fine = all(r#"{"version": 1, "posts": [{"id": 1, "slug": "a\"b"}]}"#);
        assert!(
            matches!(fine.last(), Some(Ok(Record::Thread(_)))),
            "{fine:?}"
        );
    }
}
