//! The service floor, between `http/` and `db/`: every rule that decides
//! an outcome (submission, decisions, replies, posts, bans and terms,
//! accounts, privacy, housekeeping), as plain functions over a database
//! connection. Write services record what they changed as [`Event`]s in
//! their [`Ctx`]; the runner that called them hands those to the
//! [`Dispatcher`] after the commit. Nothing here knows HTTP.

pub mod accounts;
pub mod appeals;
pub mod bans;
pub mod decisions;
pub mod events;
pub mod export;
pub mod feeds;
pub mod flags;
pub mod housekeeping;
pub mod import;
pub mod not_found;
pub mod notices;
pub mod notifiers;
pub mod notify;
pub mod outbox;
pub mod permalinks;
pub mod posts;
pub mod privacy;
pub mod replies;
pub mod sessions;
pub mod sor_export;
pub mod statements;
pub mod submission;
pub mod subscriptions;
pub mod terms;
#[cfg(test)]
pub mod testing;
pub mod transparency;

pub use events::{Ctx, Dispatcher, Event};
