//! The importer: stores what a reader of another system's file yields.
//!
//! It reads the file twice. Pass 1 reads all of it and changes nothing:
//! it checks the file (a hostile or truncated file fails here, before any
//! write), counts, and keeps only the small thread map and one hash per
//! comment (its parent's and its thread's), from which it decides which
//! comments can be stored: an orphan (its parent is not in the file, or
//! is itself skipped) and a comment of an unknown thread are skipped and
//! counted. `--dry-run` stops there and says what pass 2 would do. Pass 2
//! writes in transactions of [`BATCH`] records: the posts first (reused by
//! the id table or by slug, else created), then each comment with its
//! source status, its body converted and rendered like a new comment's,
//! and its source id remembered; once everything is stored, replies are
//! linked to their parents by one UPDATE through the id table, and one
//! transaction leaves a mark for every thread that changed (so that
//! running servers drop their cached pages) and the `import` log entry.
//!
//! A second run of the same file finds every id remembered and adds
//! nothing; a run interrupted half-way is finished by running it again.

use crate::db::DbConn;
use crate::db::comments::{self as comments_db, NewCommentRow};
use crate::db::imports::{self as ids, IdKind};
use crate::db::log::{self, LogEntry};
use crate::db::posts::{self as posts_db, NewPost};
use crate::db::privacy as privacy_db;
use crate::domain::hex::hex;
use crate::domain::moderation::{Kind, Status};
use crate::domain::post::{PostId, Slug};
use crate::domain::render::render_comment;
use crate::import::html::to_markdown;
use crate::import::{
    Body, CommentRecord, ImportError, Record, Records, Source, SourceStatus, ThreadRecord,
};
use sha2::{Digest, Sha256};
use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::hash::{Hash, Hasher};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Records written per transaction.
pub const BATCH: usize = 1000;

/// The text stored for a hidden comment that had none.
pub const DELETED_BODY: &str = "[deleted]";

/// Longest author name, location or title kept (longer ones are cut).
const MAX_FIELD: usize = 200;

/// How an import runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// What the file is.
    pub source: Source,
    /// Stop after pass 1 and report.
    pub dry_run: bool,
    /// `--map`: a thread's url → the slug to use.
    pub map: HashMap<String, String>,
    /// The author named on posts the import creates.
    pub post_author: String,
}

impl Options {
    /// An import of `source` that writes, without a map.
    pub fn new(source: Source, post_author: &str) -> Self {
        Self {
            source,
            dry_run: false,
            map: HashMap::new(),
            post_author: post_author.to_owned(),
        }
    }
}

/// Which pass a progress report is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// Checking and counting.
    Check,
    /// Writing.
    Write,
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Whether nothing was written.
    pub dry_run: bool,
    /// Records the file holds.
    pub records: u64,
    /// Posts created.
    pub posts_created: usize,
    /// Existing posts the file's threads were matched to.
    pub posts_reused: usize,
    /// Comments stored as approved (official replies excluded).
    pub approved: usize,
    /// Comments stored as rejected.
    pub rejected: usize,
    /// Comments stored as spam.
    pub spam: usize,
    /// Comments stored as pending (from our own export).
    pub pending: usize,
    /// Official replies stored.
    pub replies: usize,
    /// Comments an earlier run had imported already.
    pub already_imported: usize,
    /// Replies linked to their parents.
    pub linked: usize,
    /// Bans added (our own export).
    pub bans: usize,
    /// Terms added (our own export).
    pub terms: usize,
    /// Accounts added, without passwords (our own export).
    pub accounts: usize,
    /// Items not imported, by reason.
    pub skipped: BTreeMap<String, usize>,
}

impl Summary {
    /// Comments and replies this run added.
    pub fn added(&self) -> usize {
        self.approved + self.rejected + self.spam + self.pending + self.replies
    }

    fn skip(&mut self, reason: &str) {
        *self.skipped.entry(reason.to_owned()).or_default() += 1;
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (verb, created) = if self.dry_run {
            ("would import", "would be created")
        } else {
            ("imported", "created")
        };
        writeln!(
            f,
            "posts: {} {created}, {} existing reused",
            self.posts_created, self.posts_reused
        )?;
        writeln!(
            f,
            "comments {verb}: {} approved, {} rejected, {} spam, {} pending; {} official replies",
            self.approved, self.rejected, self.spam, self.pending, self.replies
        )?;
        writeln!(
            f,
            "already imported by an earlier run: {}",
            self.already_imported
        )?;
        if self.bans + self.terms + self.accounts > 0 {
            writeln!(
                f,
                "bans, terms and accounts {}: {}, {}, {} (accounts without passwords: \
                 set them with `colloquy moderator reset-password`)",
                if self.dry_run { "to add" } else { "added" },
                self.bans,
                self.terms,
                self.accounts
            )?;
        }
        if self.skipped.is_empty() {
            write!(f, "skipped: none")?;
        } else {
            let reasons: Vec<String> = self
                .skipped
                .iter()
                .map(|(reason, n)| format!("{n} {reason}"))
                .collect();
            write!(f, "skipped: {}", reasons.join(", "))?;
        }
        if self.dry_run {
            write!(f, "\ndry run: nothing was changed")?;
        }
        Ok(())
    }
}

/// Why an import stopped.
#[derive(Debug, thiserror::Error)]
pub enum ImportFailure {
    /// The file is unreadable or malformed (pass 1: nothing was written).
    #[error("{0}")]
    File(#[from] ImportError),
    /// The database refused.
    #[error("database: {0}")]
    Db(#[from] diesel::result::Error),
}

/// A thread as pass 1 keeps it.
#[derive(Debug, Clone)]
struct Thread {
    record: ThreadRecord,
    /// Our slug for it, when it has a usable one.
    slug: Option<String>,
}

/// A comment as pass 1 keeps it: hashes only.
#[derive(Debug, Clone, Copy)]
struct Seen {
    thread: u64,
    parent: Option<u64>,
    empty: bool,
}

fn hash(value: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

/// Runs an import: `open` gives the file's records afresh for each pass;
/// `progress` hears of every record read.
pub fn run<'a>(
    conn: &mut DbConn,
    mut open: impl FnMut() -> Result<Records<'a>, ImportError>,
    options: &Options,
    now: i64,
    progress: &mut dyn FnMut(Pass, u64),
) -> Result<Summary, ImportFailure> {
    let mut summary = Summary {
        dry_run: options.dry_run,
        ..Summary::default()
    };
    // Pass 1: read everything, write nothing.
    let mut threads: HashMap<String, Thread> = HashMap::new();
    let mut seen: HashMap<u64, Seen> = HashMap::new();
    for record in open()? {
        summary.records += 1;
        progress(Pass::Check, summary.records);
        match record? {
            Record::Thread(thread) => {
                if !threads.contains_key(&thread.source_id) {
                    let slug = slug_for(&thread, &options.map);
                    threads.insert(
                        thread.source_id.clone(),
                        Thread {
                            record: thread,
                            slug,
                        },
                    );
                }
            }
            Record::Comment(comment) => {
                let key = hash(&comment.source_id);
                let entry = Seen {
                    thread: hash(&comment.thread_source_id),
                    parent: comment.parent_source_id.as_deref().map(hash),
                    // A hidden comment without text (Isso keeps deleted
                    // parents so) is stored with a placeholder: its
                    // replies stay nested.
                    empty: comment.status == SourceStatus::Published
                        && markdown_of(&comment.body).trim().is_empty(),
                };
                seen.insert(key, entry);
            }
            Record::Skipped { .. } | Record::Ban(_) | Record::Term(_) | Record::Account(_) => {}
        }
    }
    let usable: HashSet<u64> = threads
        .values()
        .filter(|t| t.slug.is_some())
        .map(|t| hash(&t.record.source_id))
        .collect();
    let verdicts = verdicts(&seen, &usable);
    drop(seen);

    // The posts: found by the id table or by slug, else created.
    let mut posts: HashMap<u64, PostId> = HashMap::new();
    let source = options.source.as_str();
    let mut resolve = |conn: &mut DbConn| -> Result<(), ImportFailure> {
        for thread in threads.values() {
            let Some(slug) = &thread.slug else { continue };
            let id = &thread.record.source_id;
            let remembered = match ids::known(conn, source, IdKind::Post, id)? {
                Some(our) => match posts_db::by_id(conn, PostId(our))? {
                    Some(post) => Some(post.id),
                    None => {
                        if !options.dry_run {
                            ids::forget_post(conn, source, id)?;
                        }
                        None
                    }
                },
                None => None,
            };
            let post_id = match remembered {
                Some(post) => Some(post),
                None => posts_db::by_slug(conn, slug)?.map(|p| p.id),
            };
            match post_id {
                Some(post) => {
                    summary.posts_reused += 1;
                    if !options.dry_run && remembered.is_none() {
                        ids::remember(conn, (source, IdKind::Post, id), post.0, None, now)?;
                    }
                    posts.insert(hash(id), post);
                }
                None if options.dry_run => summary.posts_created += 1,
                None => {
                    let new = new_post(&thread.record, slug, &options.post_author, now);
                    let post = posts_db::create(conn, &new, None).map_err(|e| match e {
                        posts_db::PostWriteError::Db(e) => ImportFailure::Db(e),
                        other => ImportFailure::Db(diesel::result::Error::QueryBuilderError(
                            other.to_string().into(),
                        )),
                    })?;
                    summary.posts_created += 1;
                    ids::remember(conn, (source, IdKind::Post, id), post.id.0, None, now)?;
                    posts.insert(hash(id), post.id);
                }
            }
        }
        Ok(())
    };
    if options.dry_run {
        // Only reads: it takes no write lock and changes nothing.
        resolve(conn)?;
    } else {
        crate::db::write(conn, resolve)?;
    }

    // Pass 2: the comments, a batch per transaction.
    let mut touched: HashSet<PostId> = HashSet::new();
    let mut records = open()?;
    let mut read = 0;
    loop {
        let mut batch = Vec::with_capacity(BATCH);
        for record in records.by_ref().take(BATCH) {
            read += 1;
            progress(Pass::Write, read);
            batch.push(record?);
        }
        if batch.is_empty() {
            break;
        }
        let work = |conn: &mut DbConn| -> Result<(), ImportFailure> {
            for record in batch {
                match record {
                    Record::Thread(_) => {}
                    Record::Skipped { reason, .. } => summary.skip(reason),
                    Record::Ban(ban) => {
                        settings_record(conn, &mut summary, Setting::Ban(&ban), options.dry_run)?
                    }
                    Record::Term(term) => {
                        settings_record(conn, &mut summary, Setting::Term(&term), options.dry_run)?
                    }
                    Record::Account(account) => settings_record(
                        conn,
                        &mut summary,
                        Setting::Account(&account),
                        options.dry_run,
                    )?,
                    Record::Comment(comment) => {
                        let key = hash(&comment.source_id);
                        let verdict = verdicts.get(&key).copied().flatten();
                        if let Some(reason) = verdict {
                            summary.skip(reason);
                            continue;
                        }
                        if ids::known(conn, source, IdKind::Comment, &comment.source_id)?.is_some()
                        {
                            summary.already_imported += 1;
                            continue;
                        }
                        let Some(&post_id) = posts.get(&hash(&comment.thread_source_id)) else {
                            if options.dry_run {
                                count(&mut summary, &comment);
                            } else {
                                summary.skip("unknown thread");
                            }
                            continue;
                        };
                        if options.dry_run {
                            count(&mut summary, &comment);
                            continue;
                        }
                        store(conn, source, post_id, &comment, now)?;
                        count(&mut summary, &comment);
                        touched.insert(post_id);
                    }
                }
            }
            Ok(())
        };
        if options.dry_run {
            work(conn)?;
        } else {
            crate::db::write(conn, work)?;
        }
    }
    if options.dry_run {
        return Ok(summary);
    }

    // Parents, marks for running servers, and the log entry.
    crate::db::write(conn, |conn| -> Result<(), ImportFailure> {
        summary.linked = ids::link_parents(conn, source)?;
        for post_id in &touched {
            privacy_db::mark_changed(conn, *post_id, now)?;
        }
        log::append(
            conn,
            &LogEntry::import(now, format!("{source}: {}", one_line(&summary))),
        )?;
        Ok(())
    })?;
    Ok(summary)
}

/// A ban, term or account of our own export.
enum Setting<'r> {
    Ban(&'r crate::import::BanRecord),
    Term(&'r crate::import::TermRecord),
    Account(&'r crate::import::AccountRecord),
}

/// Adds a ban, term or account unless the same one exists (so re-runs add
/// nothing); one that is not valid here is skipped and counted.
fn settings_record(
    conn: &mut DbConn,
    summary: &mut Summary,
    record: Setting<'_>,
    dry_run: bool,
) -> Result<(), ImportFailure> {
    use crate::domain::moderation::{BanKind, Role};
    use crate::domain::terms::{Term, TermKind};
    match record {
        Setting::Ban(ban) => {
            let Some(kind) = BanKind::parse(&ban.kind).filter(|_| !ban.value.trim().is_empty())
            else {
                summary.skip("invalid ban");
                return Ok(());
            };
            if dry_run
                || ids::add_ban(
                    conn,
                    kind,
                    (ban.value.trim(), &clean(&ban.note)),
                    ban.created_at,
                    ban.expires_at,
                )?
            {
                summary.bans += 1;
            }
        }
        Setting::Term(term) => {
            let (Some(kind), Some(parsed)) = (
                TermKind::parse(&term.kind),
                Term::new(&clean(&term.term), term.reason.clone()),
            ) else {
                summary.skip("invalid term");
                return Ok(());
            };
            if dry_run || ids::add_term(conn, &parsed, kind, term.created_at)? {
                summary.terms += 1;
            }
        }
        Setting::Account(account) => {
            let username = clean(&account.username);
            let (Some(role), false) = (Role::parse(&account.role), username.is_empty()) else {
                summary.skip("invalid account");
                return Ok(());
            };
            let display = Some(clean(&account.display_name))
                .filter(|d| !d.is_empty())
                .unwrap_or_else(|| username.clone());
            if dry_run
                || ids::add_account(
                    conn,
                    (&username, &display),
                    role,
                    account.disabled,
                    account.email.as_deref(),
                    account.created_at,
                )?
            {
                summary.accounts += 1;
            }
        }
    }
    Ok(())
}

/// The summary on one line, for the log.
fn one_line(summary: &Summary) -> String {
    format!(
        "{} posts created, {} reused; {} approved, {} rejected, {} spam, {} pending, {} replies; {} already imported; {} bans, {} terms, {} accounts; {} skipped",
        summary.posts_created,
        summary.posts_reused,
        summary.approved,
        summary.rejected,
        summary.spam,
        summary.pending,
        summary.replies,
        summary.already_imported,
        summary.bans,
        summary.terms,
        summary.accounts,
        summary.skipped.values().sum::<usize>()
    )
}

fn count(summary: &mut Summary, comment: &CommentRecord) {
    match (comment.official, comment.status) {
        (true, _) => summary.replies += 1,
        (false, SourceStatus::Published) => summary.approved += 1,
        (false, SourceStatus::Hidden) => summary.rejected += 1,
        (false, SourceStatus::Spam) => summary.spam += 1,
        (false, SourceStatus::Pending) => summary.pending += 1,
    }
}

/// Which comments cannot be stored, and why (`None`: it can). A comment
/// whose parent is missing from the file, or skipped itself, is an orphan.
fn verdicts(
    seen: &HashMap<u64, Seen>,
    usable: &HashSet<u64>,
) -> HashMap<u64, Option<&'static str>> {
    let mut verdicts: HashMap<u64, Option<&'static str>> = HashMap::with_capacity(seen.len());
    for &start in seen.keys() {
        let mut chain = Vec::new();
        let mut at = start;
        let outcome = loop {
            if let Some(&known) = verdicts.get(&at) {
                break known.map(|_| "orphan");
            }
            if chain.contains(&at) {
                break Some("orphan");
            }
            let Some(comment) = seen.get(&at) else {
                break Some("orphan");
            };
            chain.push(at);
            if comment.empty {
                break Some("empty body");
            }
            if !usable.contains(&comment.thread) {
                break Some("unknown thread");
            }
            match comment.parent {
                Some(parent) => at = parent,
                None => break None,
            }
        };
        // The last of the chain got the outcome itself; those before it
        // are its descendants.
        if let Some((last, rest)) = chain.split_last() {
            verdicts.insert(*last, outcome);
            for id in rest {
                verdicts.insert(*id, outcome.map(|_| "orphan"));
            }
        }
    }
    verdicts
}

/// Our slug for a thread: `--map` by its url first, then the reader's
/// slug, made valid (lower-case letters, digits and inner hyphens).
/// Accents are dropped (`café` → `cafe`); a slug in another script
/// (`права-человека`), which keeps no ASCII letter or digit, becomes
/// `post-` and twelve hex digits of its SHA-256, so it is neither lost nor
/// folded onto another thread's.
fn slug_for(thread: &ThreadRecord, map: &HashMap<String, String>) -> Option<String> {
    let mapped = thread.url.as_ref().and_then(|url| {
        map.get(url.trim())
            .or_else(|| map.get(url.trim().trim_end_matches('/')))
    });
    let wanted = mapped.or(thread.slug.as_ref())?;
    ascii_slug(wanted).or_else(|| {
        wanted.chars().any(char::is_alphanumeric).then(|| {
            let digest = hex(&Sha256::digest(wanted.trim().as_bytes()));
            format!("post-{}", &digest[..12])
        })
    })
}

/// `wanted` as lower-case ASCII letters, digits and inner hyphens, when
/// that leaves a valid slug.
fn ascii_slug(wanted: &str) -> Option<String> {
    let mut slug = String::with_capacity(wanted.len());
    for c in wanted.trim().nfkd().filter(|c| !is_combining_mark(*c)) {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let mut slug = slug.trim_end_matches('-').to_owned();
    slug.truncate(100);
    let slug = slug.trim_end_matches('-');
    Slug::parse(slug).ok().map(|s| s.as_str().to_owned())
}

fn new_post(thread: &ThreadRecord, slug: &str, author: &str, now: i64) -> NewPost {
    let title = thread
        .title
        .as_deref()
        .map(clean)
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| slug.to_owned());
    NewPost {
        slug: slug.to_owned(),
        title,
        author: author.to_owned(),
        published_at: thread.published_at.unwrap_or(now),
        url: thread
            .url
            .as_deref()
            .map(str::trim)
            .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
            .map(str::to_owned),
        summary: String::new(),
        body_source: String::new(),
        body_html: String::new(),
        comments_open: true,
        created_at: now,
        updated_at: now,
        auto_created: false,
    }
}

/// A one-line field: control characters become spaces, runs of space
/// collapse, and it is cut at [`MAX_FIELD`] characters.
fn clean(value: &str) -> String {
    let spaced: String = value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    spaced
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(MAX_FIELD)
        .collect()
}

/// A body as our Markdown subset.
fn markdown_of(body: &Body) -> String {
    match body {
        Body::Html(html) => to_markdown(html),
        Body::Markdown(text) => text.replace('\0', ""),
    }
}

/// Stores one comment and remembers its source id.
fn store(
    conn: &mut DbConn,
    source: &str,
    post_id: PostId,
    comment: &CommentRecord,
    now: i64,
) -> Result<(), ImportFailure> {
    let mut source_text = markdown_of(&comment.body);
    if source_text.trim().is_empty() {
        source_text = DELETED_BODY.to_owned();
    }
    let html = render_comment(&source_text);
    let name = Some(clean(&comment.author_name))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "Anonymous".to_owned());
    let location = comment
        .author_location
        .as_deref()
        .map(clean)
        .filter(|l| !l.is_empty());
    let email = comment
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| e.contains('@') && e.len() <= 254 && !e.contains(char::is_whitespace));
    let status = match comment.status {
        SourceStatus::Published => Status::Approved,
        SourceStatus::Hidden => Status::Rejected,
        SourceStatus::Spam => Status::Spam,
        SourceStatus::Pending => Status::Pending,
    };
    let mut row = NewCommentRow::reader(
        post_id,
        None,
        status,
        &name,
        location.as_deref(),
        email,
        None,
        &source_text,
        &html,
        comment.created_at,
    );
    // Decided in the source when it was written, as far as we know.
    row.moderated_at = (status != Status::Pending).then_some(comment.created_at);
    let kind = if comment.official {
        row.kind = Kind::Official;
        IdKind::Reply
    } else {
        IdKind::Comment
    };
    let id = comments_db::insert(conn, &row)?;
    ids::remember(
        conn,
        (source, kind, &comment.source_id),
        id.0,
        comment.parent_source_id.as_deref(),
        now,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::testing;

    fn thread(id: &str, slug: &str) -> Record {
        Record::Thread(ThreadRecord {
            source_id: id.to_owned(),
            slug: Some(slug.to_owned()),
            url: Some(format!("https://blog.example/{slug}/")),
            title: Some(format!("About {slug}")),
            published_at: Some(1_300_000_000),
        })
    }

    fn comment(id: &str, thread: &str, parent: Option<&str>, status: SourceStatus) -> Record {
        Record::Comment(CommentRecord {
            source_id: id.to_owned(),
            thread_source_id: thread.to_owned(),
            parent_source_id: parent.map(str::to_owned),
            author_name: format!("Author {id}"),
            author_location: None,
            email: Some(format!("{id}@example.org")),
            created_at: 1_300_000_100,
            body: Body::Html(format!("<p>Comment <b>{id}</b><script>x()</script></p>")),
            status,
            official: false,
        })
    }

    fn file() -> Vec<Record> {
        vec![
            // A reply before its parent, and a thread after its comments.
            comment("c2", "t1", Some("c1"), SourceStatus::Published),
            comment("c1", "t1", None, SourceStatus::Published),
            comment("c3", "t1", Some("c2"), SourceStatus::Hidden),
            comment("c4", "t2", None, SourceStatus::Spam),
            comment("orphan", "t1", Some("gone"), SourceStatus::Published),
            comment(
                "child-of-orphan",
                "t1",
                Some("orphan"),
                SourceStatus::Published,
            ),
            comment("lost", "nowhere", None, SourceStatus::Published),
            Record::Skipped {
                source_id: Some("p1".into()),
                reason: "pingback",
            },
            thread("t1", "first-post"),
            thread("t2", "Second_Post"),
        ]
    }

    fn records(list: Vec<Record>) -> Result<Records<'static>, ImportError> {
        Ok(Box::new(list.into_iter().map(Ok)))
    }

    fn import(conn: &mut DbConn, dry_run: bool) -> Summary {
        let mut options = Options::new(Source::Disqus, "Staff");
        options.dry_run = dry_run;
        run(
            conn,
            || records(file()),
            &options,
            1_400_000_000,
            &mut |_, _| {},
        )
        .unwrap()
    }

    #[test]
    fn imports_nests_skips_and_a_second_run_adds_nothing() {
        let mut conn = testing::conn();
        let dry = import(&mut conn, true);
        assert_eq!((dry.posts_created, dry.approved), (2, 2));
        assert_eq!(ids::imported_comments(&mut conn, "disqus").unwrap(), 0);
        assert!(
            posts_db::by_slug(&mut conn, "first-post")
                .unwrap()
                .is_none()
        );

        let first = import(&mut conn, false);
        assert_eq!(first.posts_created, 2);
        assert_eq!((first.approved, first.rejected, first.spam), (2, 1, 1));
        assert_eq!(first.skipped.get("orphan"), Some(&2));
        assert_eq!(first.skipped.get("unknown thread"), Some(&1));
        assert_eq!(first.skipped.get("pingback"), Some(&1));
        assert_eq!(first.linked, 2);
        let post = posts_db::by_slug(&mut conn, "first-post").unwrap().unwrap();
        assert!(
            posts_db::by_slug(&mut conn, "second-post")
                .unwrap()
                .is_some()
        );
        let thread = comments_db::approved_for_post(&mut conn, post.id).unwrap();
        assert_eq!(thread.len(), 2);
        let parent = thread.iter().find(|c| c.parent_id.is_none()).unwrap();
        let reply = thread.iter().find(|c| c.parent_id.is_some()).unwrap();
        assert_eq!(reply.parent_id, Some(parent.id));
        assert_eq!(reply.created_at, 1_300_000_100);
        assert!(reply.body_html.contains("<strong>c2</strong>"));
        assert!(!reply.body_html.contains("script"));

        let second = import(&mut conn, false);
        assert_eq!(second.added(), 0);
        assert_eq!((second.posts_created, second.posts_reused), (0, 2));
        assert_eq!(second.already_imported, 4);
        assert_eq!(ids::imported_comments(&mut conn, "disqus").unwrap(), 4);
    }

    #[test]
    fn a_bad_file_changes_nothing() {
        let mut conn = testing::conn();
        let broken = || -> Result<Records<'static>, ImportError> {
            let mut list: Vec<Result<Record, ImportError>> = file().into_iter().map(Ok).collect();
            list.insert(
                3,
                Err(ImportError::malformed("truncated", Default::default())),
            );
            Ok(Box::new(list.into_iter()))
        };
        let options = Options::new(Source::Disqus, "Staff");
        let failed = run(&mut conn, broken, &options, 1, &mut |_, _| {});
        assert!(matches!(failed, Err(ImportFailure::File(_))));
        assert_eq!(posts_db::count(&mut conn).unwrap(), 0);
        assert_eq!(ids::imported_comments(&mut conn, "disqus").unwrap(), 0);
    }

    #[test]
    fn an_interrupted_run_is_finished_by_running_it_again() {
        let mut conn = testing::conn();
        // Replies first, each to the comment after it: none can be
        // linked until the last batch is stored.
        let n = 2 * BATCH + 10;
        let big = move || {
            let mut list = vec![thread("t", "big")];
            for i in 0..n {
                let parent = (i + 1 < n).then(|| format!("c{}", i + 1));
                list.push(comment(
                    &format!("c{i}"),
                    "t",
                    parent.as_deref(),
                    SourceStatus::Published,
                ));
            }
            list
        };
        // The file reads whole in pass 1, and breaks off in pass 2 after
        // the first batch (a crash, a full disk, Ctrl-C).
        let mut opened = 0;
        let interrupted = || -> Result<Records<'static>, ImportError> {
            opened += 1;
            let mut list: Vec<Result<Record, ImportError>> = big().into_iter().map(Ok).collect();
            if opened == 2 {
                list.truncate(BATCH + 5);
                list.push(Err(ImportError::malformed("disk gone", Default::default())));
            }
            Ok(Box::new(list.into_iter()))
        };
        let options = Options::new(Source::Disqus, "Staff");
        let failed = run(&mut conn, interrupted, &options, 5, &mut |_, _| {});
        assert!(failed.is_err());
        let stored = ids::imported_comments(&mut conn, "disqus").unwrap();
        assert!(stored > 0 && stored < n as i64, "{stored}");

        let finished = run(&mut conn, || records(big()), &options, 6, &mut |_, _| {}).unwrap();
        assert_eq!(finished.already_imported as i64, stored);
        assert_eq!(finished.added() as i64 + stored, n as i64);
        assert_eq!(
            ids::imported_comments(&mut conn, "disqus").unwrap(),
            n as i64
        );
        let post = posts_db::by_slug(&mut conn, "big").unwrap().unwrap();
        let thread = comments_db::approved_for_post(&mut conn, post.id).unwrap();
        assert_eq!(thread.len(), n);
        assert_eq!(thread.iter().filter(|c| c.parent_id.is_none()).count(), 1);
    }

    #[test]
    fn slugs_are_made_valid_and_the_map_wins() {
        let ThreadRecord { .. } = ThreadRecord::default();
        let mut map = HashMap::new();
        map.insert("https://old.example/p?id=7".to_owned(), "mapped".to_owned());
        let t = |slug: Option<&str>, url: Option<&str>| ThreadRecord {
            slug: slug.map(str::to_owned),
            url: url.map(str::to_owned),
            ..ThreadRecord::default()
        };
        assert_eq!(
            slug_for(&t(Some("My_Post.html"), None), &map).as_deref(),
            Some("my-post-html")
        );
        assert_eq!(
            slug_for(&t(None, Some("https://old.example/p?id=7")), &map).as_deref(),
            Some("mapped")
        );
        assert_eq!(
            slug_for(&t(Some("Café-Crème"), None), &map).as_deref(),
            Some("cafe-creme")
        );
        let russian = slug_for(&t(Some("права-человека"), None), &map).unwrap();
        assert!(
            russian.starts_with("post-") && russian.len() == 17,
            "{russian}"
        );
        assert_eq!(
            slug_for(&t(Some("права-человека"), None), &map).as_deref(),
            Some(russian.as_str()),
            "the same source slug always gives the same post"
        );
        assert_ne!(
            slug_for(&t(Some("свобода"), None), &map).as_deref(),
            Some(russian.as_str())
        );
        assert_eq!(slug_for(&t(Some("---"), None), &map), None);
        assert_eq!(slug_for(&t(None, None), &map), None);
    }
}
