//! Isso's SQLite database → records.
//!
//! Isso keeps `threads(id, uri, title)` and `comments(tid, id, parent,
//! created, modified, mode, remote_addr, text, author, email, website,
//! likes, dislikes, voters, notification)`. The database is opened
//! read-only (it is never created, changed or locked for writing), and
//! read a page of rows at a time, so memory stays bounded however many
//! comments it holds. A thread's slug is the last non-empty path segment
//! of its `uri`; a comment's `created` is a float of Unix seconds; `mode`
//! 1 (accepted) becomes published, 2 (queued) and 4 (deleted) hidden.
//! Isso stores what the reader typed, Markdown with a little HTML, so the
//! text is taken as our Markdown (raw HTML then shows as text, never as
//! markup). Remote addresses, likes and voters are not imported.

use super::{
    Body, CommentRecord, ImportError, Position, Record, Records, SourceStatus, ThreadRecord,
};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Nullable, Text};
use std::collections::VecDeque;
use std::path::Path;

/// Rows read per query.
const PAGE: i64 = 500;

#[derive(QueryableByName)]
struct ThreadRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Nullable<Text>)]
    uri: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    title: Option<String>,
}

#[derive(QueryableByName)]
struct CommentRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    tid: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    parent: Option<i64>,
    #[diesel(sql_type = Nullable<Double>)]
    created: Option<f64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    mode: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    text: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    author: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    email: Option<String>,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Opens the Isso database at `path` read-only and yields its threads,
/// then its comments.
pub fn read(path: &Path) -> Result<Records<'static>, ImportError> {
    // Opening read-only never creates a missing file: say so plainly.
    std::fs::metadata(path)?;
    let url = format!(
        "file:{}?mode=ro",
        path.to_string_lossy()
            .replace('%', "%25")
            .replace('?', "%3f")
            .replace('#', "%23")
    );
    let mut conn = SqliteConnection::establish(&url).map_err(|e| {
        ImportError::malformed(format!("not an SQLite database ({e})"), Position::default())
    })?;
    conn.batch_execute("PRAGMA query_only = ON")
        .map_err(|e| not_isso(&e))?;
    let tables: Count = diesel::sql_query(
        "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN ('threads', 'comments')",
    )
    .get_result(&mut conn)
    .map_err(|e| not_isso(&e))?;
    if tables.n != 2 {
        return Err(ImportError::malformed(
            "not an Isso database: it has no `threads` and `comments` tables",
            Position::default(),
        ));
    }
    Ok(Box::new(IssoRecords {
        conn,
        comments: false,
        after: i64::MIN,
        buffer: VecDeque::new(),
        done: false,
    }))
}

fn not_isso(error: &diesel::result::Error) -> ImportError {
    ImportError::malformed(
        format!("not a readable Isso database ({error})"),
        Position::default(),
    )
}

/// Pages through the threads, then the comments, by id.
struct IssoRecords {
    conn: SqliteConnection,
    comments: bool,
    after: i64,
    buffer: VecDeque<Record>,
    done: bool,
}

impl IssoRecords {
    fn fill(&mut self) -> Result<(), ImportError> {
        let at = |id: i64| Position {
            byte: u64::try_from(id).unwrap_or(0),
            line: None,
        };
        if !self.comments {
            let rows: Vec<ThreadRow> = diesel::sql_query(
                "SELECT id, uri, title FROM threads WHERE id > ? ORDER BY id LIMIT ?",
            )
            .bind::<BigInt, _>(self.after)
            .bind::<BigInt, _>(PAGE)
            .load(&mut self.conn)
            .map_err(|e| {
                ImportError::malformed(
                    format!("threads after id {}: {e}", self.after),
                    at(self.after),
                )
            })?;
            match rows.last() {
                Some(last) => self.after = last.id,
                None => {
                    self.comments = true;
                    self.after = i64::MIN;
                }
            }
            self.buffer.extend(rows.into_iter().map(thread));
            return Ok(());
        }
        let rows: Vec<CommentRow> = diesel::sql_query(
            "SELECT id, tid, parent, CAST(created AS REAL) AS created, mode, text, author, email \
             FROM comments WHERE id > ? ORDER BY id LIMIT ?",
        )
        .bind::<BigInt, _>(self.after)
        .bind::<BigInt, _>(PAGE)
        .load(&mut self.conn)
        .map_err(|e| {
            ImportError::malformed(
                format!("comments after id {}: {e}", self.after),
                at(self.after),
            )
        })?;
        match rows.last() {
            Some(last) => self.after = last.id,
            None => self.done = true,
        }
        self.buffer.extend(rows.into_iter().map(comment));
        Ok(())
    }
}

impl Iterator for IssoRecords {
    type Item = Result<Record, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        while self.buffer.is_empty() && !self.done {
            if let Err(error) = self.fill() {
                self.done = true;
                return Some(Err(error));
            }
        }
        self.buffer.pop_front().map(Ok)
    }
}

/// The last non-empty path segment of a uri, without query or fragment.
pub fn slug_of_uri(uri: &str) -> Option<String> {
    let path = uri.split(['?', '#']).next().unwrap_or("");
    path.split('/')
        .rfind(|s| !s.trim().is_empty())
        .map(|s| s.trim().to_lowercase())
}

fn thread(row: ThreadRow) -> Record {
    let uri = row.uri.unwrap_or_default();
    Record::Thread(ThreadRecord {
        source_id: row.id.to_string(),
        slug: slug_of_uri(&uri),
        url: Some(uri).filter(|u| !u.is_empty()),
        title: row.title.filter(|t| !t.trim().is_empty()),
        published_at: None,
    })
}

fn comment(row: CommentRow) -> Record {
    let status = match row.mode {
        Some(1) => SourceStatus::Published,
        _ => SourceStatus::Hidden,
    };
    let created = row.created.filter(|c| c.is_finite()).unwrap_or(0.0);
    Record::Comment(CommentRecord {
        source_id: row.id.to_string(),
        thread_source_id: row.tid.map(|t| t.to_string()).unwrap_or_default(),
        parent_source_id: row.parent.map(|p| p.to_string()),
        author_name: row.author.unwrap_or_default(),
        author_location: None,
        email: row.email.filter(|e| !e.trim().is_empty()),
        // Saturating: a float out of range cannot panic.
        created_at: created.floor() as i64,
        body: Body::Markdown(row.text.unwrap_or_default()),
        status,
        official: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_from_uris() {
        assert_eq!(
            slug_of_uri("/posts/hello-world/").as_deref(),
            Some("hello-world")
        );
        assert_eq!(
            slug_of_uri("/2012/05/Old-Post.html?x=1#c").as_deref(),
            Some("old-post.html")
        );
        assert_eq!(slug_of_uri("/"), None);
    }

    #[test]
    fn a_missing_or_foreign_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            read(&dir.path().join("none.db")),
            Err(ImportError::Io(_))
        ));
        assert!(!dir.path().join("none.db").exists());
        let other = dir.path().join("other.db");
        std::fs::write(&other, b"not a database at all, just text").unwrap();
        assert!(read(&other).is_err());
    }
}
