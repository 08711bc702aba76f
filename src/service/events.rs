//! Change events: what a write service committed, and the one dispatcher
//! that applies them afterwards.
//!
//! The invariant: a service records an event only for a change that has
//! committed (or is about to commit in the same transaction that the
//! caller's runner closes), and [`Dispatcher::apply`] runs after that
//! commit. The dispatcher keeps the read cache exact. Mail and webhooks
//! cannot wait for the commit (a crash in between would lose them): write
//! services queue them in their own transaction through the context's
//! [`Notifier`].

use super::notify::Notifier;
use crate::cache::Cache;
use crate::domain::comment::CommentId;
use crate::domain::moderation::Status;
use crate::domain::post::PostId;
use std::sync::Arc;

/// Something that changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A reader's comment was stored, in `status` (pending or spam, or
    /// rejected by a banned term).
    CommentSubmitted {
        /// The comment.
        comment_id: CommentId,
        /// Its post.
        post_id: PostId,
        /// Where it stands.
        status: Status,
    },
    /// A comment moved from one status to another (or was decided again
    /// in the same status).
    CommentDecided {
        /// The comment.
        comment_id: CommentId,
        /// Its post.
        post_id: PostId,
        /// The status before.
        from: Status,
        /// The status now.
        to: Status,
        /// The reason id, for a rejection.
        reason: Option<String>,
        /// The moderator; `None` for the system.
        by: Option<i32>,
    },
    /// An official reply was published.
    ReplyPublished {
        /// The reply.
        reply_id: CommentId,
        /// Its post.
        post_id: PostId,
        /// The comment it answers.
        parent_id: Option<CommentId>,
        /// Who wrote it.
        by: i32,
    },
    /// A post was created.
    PostCreated {
        /// The post.
        post_id: PostId,
    },
    /// What a post shows changed (title, body, comments open or closed,
    /// …); `slug_changed` when it moved to another slug.
    PostChanged {
        /// The post.
        post_id: PostId,
        /// Whether its slug changed.
        slug_changed: bool,
    },
    /// Comments on a post were closed by `auto_close_days`.
    PostClosed {
        /// The post.
        post_id: PostId,
    },
    /// A ban was made.
    BanAdded {
        /// The ban.
        ban_id: i32,
    },
    /// A ban was lifted.
    BanLifted {
        /// The ban.
        ban_id: i32,
    },
    /// A banned or suspect term was added or removed.
    TermsChanged,
    /// An account was created or changed (role, name, disabled, password,
    /// sessions).
    AccountChanged {
        /// The account.
        account_id: i32,
    },
    /// A public thread changed in another process (`colloquy reader
    /// erase`), as its marks say.
    ThreadChangedElsewhere {
        /// The post.
        post_id: PostId,
    },
}

/// Applies events after their commit. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Dispatcher {
    cache: Arc<Cache>,
    notifier: Arc<Notifier>,
}

impl Dispatcher {
    /// A dispatcher that keeps `cache` exact and queues nothing.
    pub fn new(cache: Arc<Cache>) -> Self {
        Self::with_notifier(cache, Arc::new(Notifier::off()))
    }

    /// A dispatcher whose services queue what `notifier` says.
    pub fn with_notifier(cache: Arc<Cache>, notifier: Arc<Notifier>) -> Self {
        Self { cache, notifier }
    }

    /// Who is told what.
    pub fn notifier(&self) -> &Arc<Notifier> {
        &self.notifier
    }

    /// Runs the write service `work` on `conn`, then applies what it
    /// recorded — whether it succeeded or refused after committing part of
    /// its work.
    pub fn run<T>(&self, conn: &mut crate::db::DbConn, work: impl FnOnce(&mut Ctx<'_>) -> T) -> T {
        let mut ctx = Ctx::new(conn);
        ctx.notifier = self.notifier.clone();
        let outcome = work(&mut ctx);
        self.apply(ctx.events());
        outcome
    }

    /// Applies every event, in order.
    pub fn apply(&self, events: &[Event]) {
        for event in events {
            self.invalidate(event);
        }
    }

    /// The cache's share: drop what a public thread, count or slug lookup
    /// may have shown differently.
    fn invalidate(&self, event: &Event) {
        match event {
            Event::CommentDecided { post_id, .. }
            | Event::ReplyPublished { post_id, .. }
            | Event::PostClosed { post_id } => self.cache.invalidate(*post_id),
            // Another process may also have created the post (an import).
            Event::ThreadChangedElsewhere { post_id } => {
                self.cache.invalidate(*post_id);
                self.cache.slugs_changed();
            }
            Event::PostChanged {
                post_id,
                slug_changed,
            } => {
                self.cache.invalidate(*post_id);
                if *slug_changed {
                    self.cache.slugs_changed();
                }
            }
            Event::PostCreated { .. } => self.cache.slugs_changed(),
            // Nothing a reader sees: pending, spam and rejected comments,
            // bans, terms and accounts are never in a public thread.
            Event::CommentSubmitted { .. }
            | Event::BanAdded { .. }
            | Event::BanLifted { .. }
            | Event::TermsChanged
            | Event::AccountChanged { .. } => {}
        }
    }
}

/// What a write service works with: a connection, and the events of what
/// it committed. The runner that made it dispatches the events once the
/// service returns, whether it succeeded or refused after committing
/// something (a submission to a post that closed just then).
pub struct Ctx<'c> {
    /// The connection.
    pub conn: &'c mut crate::db::DbConn,
    /// What the services queue for mail and webhooks, in their own
    /// transactions (nothing, unless the dispatcher has a notifier).
    pub notifier: Arc<Notifier>,
    events: Vec<Event>,
}

impl<'c> Ctx<'c> {
    /// A context over `conn` with no events yet, that queues nothing.
    pub fn new(conn: &'c mut crate::db::DbConn) -> Self {
        Self {
            conn,
            notifier: Arc::new(Notifier::off()),
            events: Vec::new(),
        }
    }

    /// Records that something changed (after, or in, its transaction).
    pub fn emit(&mut self, event: Event) {
        self.events.push(event);
    }

    /// The events recorded so far.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// Takes the events out, for the dispatcher.
    pub fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decision_drops_the_posts_thread_and_a_ban_drops_nothing() {
        let cache = Arc::new(Cache::new(true, 1 << 20));
        let dispatcher = Dispatcher::new(cache.clone());
        let before = cache.generation(PostId(7));
        dispatcher.apply(&[Event::BanAdded { ban_id: 1 }, Event::TermsChanged]);
        assert_eq!(cache.generation(PostId(7)), before);
        dispatcher.apply(&[Event::CommentDecided {
            comment_id: CommentId(1),
            post_id: PostId(7),
            from: Status::Pending,
            to: Status::Approved,
            reason: None,
            by: Some(1),
        }]);
        assert!(cache.generation(PostId(7)) > before);
    }

    #[test]
    fn a_new_post_or_a_new_slug_forgets_the_slugs_known_unknown() {
        let cache = Arc::new(Cache::new(true, 1 << 20));
        let dispatcher = Dispatcher::new(cache.clone());
        let epoch = cache.slug_epoch();
        cache.remember_unknown("soon", epoch);
        assert!(cache.is_unknown("soon"));
        dispatcher.apply(&[Event::PostCreated { post_id: PostId(3) }]);
        assert!(!cache.is_unknown("soon"));
        cache.remember_unknown("later", cache.slug_epoch());
        dispatcher.apply(&[Event::PostChanged {
            post_id: PostId(3),
            slug_changed: false,
        }]);
        assert!(cache.is_unknown("later"), "a retitle keeps slug lookups");
        dispatcher.apply(&[Event::PostChanged {
            post_id: PostId(3),
            slug_changed: true,
        }]);
        assert!(!cache.is_unknown("later"));
    }
}
