//! `colloquy export`: the whole site as one JSON document — every post,
//! comment (all statuses, e-mail addresses included: it is for the
//! operator), official reply, ban, term and account (never a password
//! hash) — written to the writer as it is read, a page of rows at a time,
//! so memory stays bounded. `colloquy import colloquy` reads it back
//! (`import/colloquy.rs`); docs/imports.md documents the schema.

use crate::db::imports as export_db;
use crate::domain::time::rfc3339;
use serde::Serialize;
use std::fmt;
use std::io::Write;

/// The version of the document's schema; readers refuse other versions.
pub const VERSION: u32 = 1;

/// Rows read per query.
const PAGE: i64 = 1000;

/// What an export wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Posts.
    pub posts: usize,
    /// Comments and official replies.
    pub comments: usize,
    /// Bans.
    pub bans: usize,
    /// Terms.
    pub terms: usize,
    /// Accounts.
    pub accounts: usize,
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} posts, {} comments and replies, {} bans, {} terms, {} accounts exported",
            self.posts, self.comments, self.bans, self.terms, self.accounts
        )
    }
}

/// A post as exported.
#[derive(Debug, Serialize)]
struct Post<'a> {
    id: i32,
    slug: &'a str,
    title: &'a str,
    author: &'a str,
    published_at: i64,
    url: Option<&'a str>,
    summary: &'a str,
    body: &'a str,
    comments_open: bool,
    created_at: i64,
    updated_at: i64,
}

/// A comment or official reply as exported.
#[derive(Debug, Serialize)]
struct Comment<'a> {
    id: i32,
    post_id: i32,
    parent_id: Option<i32>,
    kind: &'static str,
    status: &'static str,
    author_name: &'a str,
    author_location: Option<&'a str>,
    email: Option<&'a str>,
    body: &'a str,
    reason: Option<&'a str>,
    moderator_id: Option<i32>,
    created_at: i64,
    moderated_at: Option<i64>,
}

/// A ban as exported.
#[derive(Debug, Serialize)]
struct Ban<'a> {
    id: i32,
    kind: &'static str,
    value: &'a str,
    note: &'a str,
    comment_id: Option<i32>,
    moderator_id: Option<i32>,
    created_at: i64,
    expires_at: Option<i64>,
}

/// A term as exported.
#[derive(Debug, Serialize)]
struct Term<'a> {
    id: i32,
    term: &'a str,
    kind: &'static str,
    reason: Option<&'a str>,
    moderator_id: Option<i32>,
    created_at: i64,
}

/// An account as exported: never its password hash.
#[derive(Debug, Serialize)]
struct Account<'a> {
    id: i32,
    username: &'a str,
    display_name: &'a str,
    role: &'static str,
    disabled: bool,
    email: Option<&'a str>,
    created_at: i64,
}

/// Why an export stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The database refused.
    #[error("database: {0}")]
    Db(#[from] diesel::result::Error),
    /// The output could not be written.
    #[error("writing the export: {0}")]
    Io(#[from] std::io::Error),
    /// A row could not be serialised.
    #[error("serialising the export: {0}")]
    Json(#[from] serde_json::Error),
}

/// Writes `[item, item, …]` under `key`, pages read by `page(after)`.
fn array<W: Write, T, F, G>(
    out: &mut W,
    key: &str,
    mut page: F,
    mut write: G,
) -> Result<usize, ExportError>
where
    F: FnMut(i32) -> Result<Vec<T>, ExportError>,
    G: FnMut(&mut W, &T) -> Result<i32, ExportError>,
{
    write!(out, ",\n\"{key}\": [")?;
    let mut after = 0;
    let mut n = 0;
    loop {
        let rows = page(after)?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            out.write_all(if n == 0 { b"\n" } else { b",\n" })?;
            after = write(out, row)?;
            n += 1;
        }
    }
    write!(out, "\n]")?;
    Ok(n)
}

/// Writes the export document to `out`.
pub fn write<W: Write>(
    conn: &mut crate::db::DbConn,
    out: &mut W,
    now: i64,
) -> Result<Counts, ExportError> {
    // One read transaction: the document is one consistent picture even
    // while the server keeps writing.
    diesel::Connection::transaction(conn, |conn| write_all(conn, out, now))
}

fn write_all<W: Write>(
    conn: &mut crate::db::DbConn,
    out: &mut W,
    now: i64,
) -> Result<Counts, ExportError> {
    let mut counts = Counts::default();
    write!(
        out,
        "{{\"version\": {VERSION},\n\"generator\": {},\n\"exported_at\": {}",
        serde_json::to_string(&format!("colloquy {}", env!("CARGO_PKG_VERSION")))?,
        serde_json::to_string(&rfc3339(now))?
    )?;
    counts.posts = array(
        out,
        "posts",
        |after| Ok(export_db::posts_page(conn, after, PAGE)?),
        |out, p| {
            serde_json::to_writer(
                &mut *out,
                &Post {
                    id: p.id.0,
                    slug: &p.slug,
                    title: &p.title,
                    author: &p.author,
                    published_at: p.published_at,
                    url: p.url.as_deref(),
                    summary: &p.summary,
                    body: &p.body_source,
                    comments_open: p.comments_open,
                    created_at: p.created_at,
                    updated_at: p.updated_at,
                },
            )?;
            Ok(p.id.0)
        },
    )?;
    counts.comments = array(
        out,
        "comments",
        |after| Ok(export_db::comments_page(conn, after, PAGE)?),
        |out, c| {
            serde_json::to_writer(
                &mut *out,
                &Comment {
                    id: c.id.0,
                    post_id: c.post_id.0,
                    parent_id: c.parent_id.map(|p| p.0),
                    kind: c.kind.as_str(),
                    status: c.status.as_str(),
                    author_name: &c.author_name,
                    author_location: c.author_location.as_deref(),
                    email: c.email.as_deref(),
                    body: &c.body_source,
                    reason: c.reason.as_deref(),
                    moderator_id: c.moderator_id,
                    created_at: c.created_at,
                    moderated_at: c.moderated_at,
                },
            )?;
            Ok(c.id.0)
        },
    )?;
    let bans = export_db::all_bans(conn)?;
    let mut bans_done = false;
    counts.bans = array(
        out,
        "bans",
        |_| {
            Ok(if std::mem::replace(&mut bans_done, true) {
                Vec::new()
            } else {
                bans.iter().collect()
            })
        },
        |out, b| {
            serde_json::to_writer(
                &mut *out,
                &Ban {
                    id: b.id,
                    kind: b.kind.as_str(),
                    value: &b.value,
                    note: &b.note,
                    comment_id: b.comment_id.map(|c| c.0),
                    moderator_id: b.moderator_id,
                    created_at: b.created_at,
                    expires_at: b.expires_at,
                },
            )?;
            Ok(b.id)
        },
    )?;
    let terms = export_db::all_terms(conn)?;
    let mut terms_done = false;
    counts.terms = array(
        out,
        "terms",
        |_| {
            Ok(if std::mem::replace(&mut terms_done, true) {
                Vec::new()
            } else {
                terms.iter().collect()
            })
        },
        |out, t| {
            serde_json::to_writer(
                &mut *out,
                &Term {
                    id: t.id,
                    term: &t.term,
                    kind: t.kind.as_str(),
                    reason: t.reason.as_deref(),
                    moderator_id: t.moderator_id,
                    created_at: t.created_at,
                },
            )?;
            Ok(t.id)
        },
    )?;
    let accounts = crate::db::accounts::list(conn)?;
    let mut accounts_done = false;
    counts.accounts = array(
        out,
        "accounts",
        |_| {
            Ok(if std::mem::replace(&mut accounts_done, true) {
                Vec::new()
            } else {
                accounts.iter().collect()
            })
        },
        |out, a| {
            serde_json::to_writer(
                &mut *out,
                &Account {
                    id: a.id,
                    username: &a.username,
                    display_name: &a.display_name,
                    role: a.role.as_str(),
                    disabled: a.disabled,
                    email: a.email.as_deref(),
                    created_at: a.created_at,
                },
            )?;
            Ok(a.id)
        },
    )?;
    writeln!(out, "\n}}")?;
    Ok(counts)
}
