//! Group commit for readers' submissions. SQLite takes one writer at a
//! time; rather than have every request wait its turn for the lock (and
//! sleep in the busy handler), one thread owns a connection, takes every
//! submission waiting in its queue, inserts them in one transaction and
//! answers each request once that transaction has committed. A 202 is
//! therefore never sent for a comment that is not in the database.
//!
//! What new comments cause besides their rows (confirmation messages,
//! webhook deliveries in the outbox) is written by an [`AfterInsert`] hook
//! that the service floor hands over at start, in the same transaction,
//! once per batch (so it can write a batch's deliveries in one statement).

use super::DbConn;
use super::comments::NewCommentRow;
use super::pool::Pool;
use crate::domain::comment::CommentId;
use crate::domain::post::PostId;
use crate::domain::render::SafeHtml;
use diesel::prelude::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use tokio::sync::oneshot;

/// Most submissions committed in one transaction.
const MAX_BATCH: usize = 512;

/// A reader's comment ready to insert, owned so it can cross threads.
#[derive(Debug, Clone)]
pub struct PendingComment {
    /// The post.
    pub post_id: PostId,
    /// The comment answered.
    pub parent_id: Option<CommentId>,
    /// `pending` or `spam`.
    pub status: crate::domain::moderation::Status,
    /// Signed name.
    pub author_name: String,
    /// Location.
    pub author_location: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Keyed IP hash.
    pub ip_hash: String,
    /// Markdown source.
    pub body_source: String,
    /// Rendered, sanitised body.
    pub body_html: SafeHtml,
    /// Spam score.
    pub spam_score: i32,
    /// JSON array of signals.
    pub signals: String,
    /// Submission time.
    pub created_at: i64,
    /// Fingerprint of the text.
    pub body_hash: i64,
    /// The author asked to hear back by e-mail.
    pub notify: bool,
    /// The widget's language.
    pub lang: Option<&'static str>,
}

impl PendingComment {
    /// The row to insert.
    pub fn row(&self) -> NewCommentRow<'_> {
        let mut row = NewCommentRow::reader(
            self.post_id,
            self.parent_id,
            self.status,
            &self.author_name,
            self.author_location.as_deref(),
            self.email.as_deref(),
            Some(&self.ip_hash),
            &self.body_source,
            &self.body_html,
            self.created_at,
        );
        row.spam_score = self.spam_score;
        row.signals = self.signals.clone();
        row.body_hash = Some(self.body_hash);
        row.notify = self.notify;
        row.lang = self.lang;
        row
    }
}

/// Comments just inserted, each with its new id.
pub type Stored<'a> = [(CommentId, &'a PendingComment)];

/// Runs after a batch's inserts, inside their transaction (the outbox
/// rows they cause); an error rolls the comments back with them.
pub type AfterInsert =
    std::sync::Arc<dyn Fn(&mut DbConn, &Stored<'_>) -> QueryResult<()> + Send + Sync>;

/// A hook that adds nothing.
pub fn nothing_after() -> AfterInsert {
    std::sync::Arc::new(|_, _| Ok(()))
}

type Reply = oneshot::Sender<QueryResult<CommentId>>;

/// The handle requests use to submit; cheap to share.
#[derive(Debug, Clone)]
pub struct Writer {
    queue: mpsc::SyncSender<(PendingComment, Reply)>,
    activity: Activity,
}

/// How many batches the writer has committed (or tried): background work
/// that also writes (the outbox's sender) reads it to give readers'
/// submissions the write lock first while they flow.
#[derive(Debug, Clone, Default)]
pub struct Activity(Arc<AtomicU64>);

impl Activity {
    /// Batches so far; a change between two reads means the writer worked
    /// in between.
    pub fn batches(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    fn count(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// Why a submission could not be stored.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The writer thread is gone (the server is stopping).
    #[error("the writer has stopped")]
    Stopped,
    /// The database refused.
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

impl Writer {
    /// Starts the writer thread on a connection of its own from `pool`;
    /// `after` runs after each insert, in its transaction.
    pub fn start(pool: Pool, after: AfterInsert) -> std::io::Result<Self> {
        let (queue, jobs) = mpsc::sync_channel::<(PendingComment, Reply)>(4 * MAX_BATCH);
        let activity = Activity::default();
        let counted = activity.clone();
        std::thread::Builder::new()
            .name("colloquy-writer".into())
            .spawn(move || run(&pool, &jobs, &after, &counted))?;
        Ok(Self { queue, activity })
    }

    /// The writer's batch counter.
    pub fn activity(&self) -> Activity {
        self.activity.clone()
    }

    /// Queues a comment; call from blocking code (the queue is bounded,
    /// and a full queue makes the caller wait: that is the back-pressure).
    /// Await the returned [`Committed`] for the id.
    pub fn enqueue(&self, comment: PendingComment) -> Result<Committed, WriteError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send((comment, reply))
            .map_err(|_| WriteError::Stopped)?;
        Ok(Committed(answer))
    }
}

/// A queued comment; resolves to its id once its transaction committed.
#[derive(Debug)]
pub struct Committed(oneshot::Receiver<QueryResult<CommentId>>);

impl Committed {
    /// Waits for the commit.
    pub async fn id(self) -> Result<CommentId, WriteError> {
        Ok(self.0.await.map_err(|_| WriteError::Stopped)??)
    }
}

/// Inserts comments and what they cause.
fn store<'a>(
    conn: &mut DbConn,
    comments: impl Iterator<Item = &'a PendingComment>,
    after: &AfterInsert,
) -> QueryResult<Vec<CommentId>> {
    let stored = comments
        .map(|comment| Ok((super::comments::insert(conn, &comment.row())?, comment)))
        .collect::<QueryResult<Vec<_>>>()?;
    after(conn, &stored)?;
    Ok(stored.into_iter().map(|(id, _)| id).collect())
}

fn run(
    pool: &Pool,
    jobs: &mpsc::Receiver<(PendingComment, Reply)>,
    after: &AfterInsert,
    activity: &Activity,
) {
    let mut batch: Vec<(PendingComment, Reply)> = Vec::with_capacity(MAX_BATCH);
    while let Ok(first) = jobs.recv() {
        activity.count();
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let mut conn = match pool.get() {
            Ok(conn) => conn,
            Err(error) => {
                tracing::error!(%error, "the writer has no database connection");
                for (_, reply) in batch.drain(..) {
                    let _ = reply.send(Err(diesel::result::Error::BrokenTransactionManager));
                }
                continue;
            }
        };
        let together = super::write(&mut conn, |conn| {
            store(conn, batch.iter().map(|(comment, _)| comment), after)
        });
        match together {
            Ok(ids) => {
                for ((_, reply), id) in batch.drain(..).zip(ids) {
                    let _ = reply.send(Ok(id));
                }
            }
            // One bad row must not sink the others: store them one by one.
            Err(_) => {
                for (comment, reply) in batch.drain(..) {
                    let one = super::write(&mut conn, |conn| {
                        store(conn, std::iter::once(&comment), after)
                    });
                    let _ = reply.send(one.and_then(|ids| {
                        ids.first().copied().ok_or(diesel::result::Error::NotFound)
                    }));
                }
            }
        }
    }
}
