//! Reading other systems' comment files: what a Disqus export, a WordPress
//! WXR file, an Isso database, a DipNote archive page or our own export
//! holds, as a stream of [`Record`]s. Nothing here touches our database:
//! the service floor's importer stores what these readers yield, so a
//! reader can be tested, and a file checked (`--dry-run`), on its own.
//!
//! Every import file is untrusted input. A reader never expands an entity,
//! never opens a file or an address a file names, keeps at most one
//! bounded element in memory, and ends with an [`ImportError`] that says
//! where the file went wrong.

pub mod colloquy;
pub mod html;
pub mod isso;

use std::fmt;

pub mod dipnote;
pub mod disqus;
#[cfg(test)]
mod testing;
pub mod wordpress;
mod xml;

/// The systems we read from; also the namespace of the source ids that
/// make a second run add nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// A Disqus XML export.
    Disqus,
    /// A WordPress export (WXR 1.2).
    Wordpress,
    /// An Isso SQLite database.
    Isso,
    /// Our own export document.
    Colloquy,
    /// The text of an archived DipNote page.
    Dipnote,
}

impl Source {
    /// The command-line word, stored beside each source id.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Disqus => "disqus",
            Self::Wordpress => "wordpress",
            Self::Isso => "isso",
            Self::Colloquy => "colloquy",
            Self::Dipnote => "dipnote",
        }
    }
}

/// A post (a Disqus thread, a WordPress item, an Isso thread) as the
/// source describes it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ThreadRecord {
    /// The source's id for it (comments name their thread by it).
    pub source_id: String,
    /// Our slug, by the documented rule for the source (a Disqus thread's
    /// last non-empty path segment of its link, lower-cased; a WordPress
    /// item's `wp:post_name`); `None` when the source gives nothing usable
    /// (the importer then tries `--map`, or skips the thread's comments).
    pub slug: Option<String>,
    /// The page address, when the source has one (`--map` matches it).
    pub url: Option<String>,
    /// The title, when the source has one.
    pub title: Option<String>,
    /// When the post was published (Unix seconds), when known.
    pub published_at: Option<i64>,
}

/// What became of a comment in its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceStatus {
    /// Published: becomes approved.
    Published,
    /// Deleted, trashed, unapproved, pending: stored as rejected, never shown.
    Hidden,
    /// Marked as spam: stored as spam, never shown.
    Spam,
    /// Waiting for a moderator (our own export): stays pending.
    Pending,
}

/// A comment's text as the source stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// HTML (Disqus, WordPress, Isso's rendered text): converted to our
    /// Markdown subset where that keeps it readable, then rendered and
    /// sanitised like any new comment.
    Html(String),
    /// Our Markdown subset already (our export, DipNote pages' plain text).
    Markdown(String),
}

/// One comment (or an official reply).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentRecord {
    /// The source's id for it.
    pub source_id: String,
    /// The [`ThreadRecord::source_id`] of its post.
    pub thread_source_id: String,
    /// The source id of the comment it answers.
    pub parent_source_id: Option<String>,
    /// The name it was signed with.
    pub author_name: String,
    /// Where the author said they write from, when the source has it.
    pub author_location: Option<String>,
    /// The author's e-mail address (never public).
    pub email: Option<String>,
    /// When it was written (Unix seconds).
    pub created_at: i64,
    /// Its text.
    pub body: Body,
    /// What the source did with it.
    pub status: SourceStatus,
    /// The blog's staff wrote it (DipNote Bloggers' replies; our export's
    /// official replies): stored as an official reply.
    pub official: bool,
}

/// A ban, from our own export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BanRecord {
    /// `email` or `ip_hash`.
    pub kind: String,
    /// The address or keyed hash banned.
    pub value: String,
    /// The moderators' note.
    pub note: String,
    /// When it was made (Unix seconds).
    pub created_at: i64,
    /// When it ends (Unix seconds), if it does.
    pub expires_at: Option<i64>,
}

/// A banned or suspect term, from our own export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermRecord {
    /// As the moderator wrote it.
    pub term: String,
    /// `banned` or `suspect`.
    pub kind: String,
    /// The rejection reason a banned term cites.
    pub reason: Option<String>,
    /// When it was added (Unix seconds).
    pub created_at: i64,
}

/// A moderator account, from our own export (which holds no password).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRecord {
    /// The sign-in name.
    pub username: String,
    /// The name shown in the workspace.
    pub display_name: String,
    /// `moderator`, `editor` or `admin`.
    pub role: String,
    /// Whether it is disabled.
    pub disabled: bool,
    /// The digest's address.
    pub email: Option<String>,
    /// When it was created (Unix seconds).
    pub created_at: i64,
}

/// What a reader yields, in file order. Threads need not come before
/// their comments, nor parents before their replies: the importer links
/// them once everything is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// A post.
    Thread(ThreadRecord),
    /// A comment.
    Comment(CommentRecord),
    /// A ban (our own export only).
    Ban(BanRecord),
    /// A term (our own export only).
    Term(TermRecord),
    /// A moderator account (our own export only).
    Account(AccountRecord),
    /// Something the source holds that is not a reader's comment, or that
    /// cannot be imported (a pingback, a comment with no text): counted in
    /// the summary under its reason.
    Skipped {
        /// The source's id, when it has one.
        source_id: Option<String>,
        /// Why, in a few words ("pingback", "empty body").
        reason: &'static str,
    },
}

/// Where in a file something went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    /// Byte offset from the start of the file.
    pub byte: u64,
    /// Line (1-based), when the reader counts lines.
    pub line: Option<u64>,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line} (byte {})", self.byte),
            None => write!(f, "byte {}", self.byte),
        }
    }
}

/// Why a file could not be read; always names the place.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be opened or read.
    #[error("cannot read the file: {0}")]
    Io(#[from] std::io::Error),
    /// The file is not what it should be, at `at`.
    #[error("{what} at {at}")]
    Malformed {
        /// What is wrong, in words for the operator.
        what: String,
        /// Where.
        at: Position,
    },
}

impl ImportError {
    /// A malformed file at `at`.
    pub fn malformed(what: impl Into<String>, at: Position) -> Self {
        Self::Malformed {
            what: what.into(),
            at,
        }
    }
}

/// A reader of one file: records in file order, each `Err` final.
pub type Records<'a> = Box<dyn Iterator<Item = Result<Record, ImportError>> + 'a>;
