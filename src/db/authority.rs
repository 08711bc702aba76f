//! A moderator's authority, checked again inside the transaction of the
//! change it allows.
//!
//! The invariant: a write made for a signed-in moderator commits only if,
//! inside its own `BEGIN IMMEDIATE` transaction, the session still exists
//! and has not expired, the account is still enabled, and its role is
//! still at least the one the change needs. The request's guard
//! (`http::auth::SignedIn`) checks the same before any work starts, but
//! an admin may disable or demote the account, or end its sessions,
//! between that check and the change: holding the write lock, the check
//! here sees every such commit, so a request already in flight does not
//! commit for an account that lost the right to make it.
//!
//! The authority is handed down for one blocking call ([`acting_as`]),
//! kept in a thread-local for its length, and [`super::write`] checks it
//! first thing in each outermost transaction; writes made for nobody in
//! particular (readers' submissions, the writer thread, housekeeping) run
//! without one and are not checked.

use super::DbConn;
use super::schema::{moderators, sessions};
use crate::domain::moderation::Role;
use crate::error::Revoked;
use diesel::prelude::*;
use std::cell::RefCell;

/// Whose authority a write runs under, and the least role it needs.
#[derive(Debug, Clone)]
pub struct Authority {
    /// The account.
    pub account_id: i32,
    /// The hash of the session's token.
    pub token_hash: String,
    /// The role the change needs.
    pub role: Role,
}

thread_local! {
    static ACTING: RefCell<Option<Authority>> = const { RefCell::new(None) };
}

/// Runs `work` (on this thread, synchronously) with every outermost write
/// transaction checked against `authority`; the previous authority (none,
/// as a rule) is restored afterwards, even if `work` panics.
pub fn acting_as<T>(authority: Authority, work: impl FnOnce() -> T) -> T {
    struct Restore(Option<Authority>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            ACTING.with(|a| *a.borrow_mut() = previous);
        }
    }
    let _restore = Restore(ACTING.with(|a| a.replace(Some(authority))));
    work()
}

/// The check [`super::write`] makes inside each outermost transaction: an
/// error carrying [`Revoked`] when the authority no longer holds (the
/// transaction then rolls back), nothing without an authority.
pub(crate) fn check(conn: &mut DbConn) -> QueryResult<()> {
    let Some(authority) = ACTING.with(|a| a.borrow().clone()) else {
        return Ok(());
    };
    let now = crate::domain::time::now();
    let found: Option<(Role, bool)> = sessions::table
        .inner_join(moderators::table)
        .filter(sessions::token_hash.eq(&authority.token_hash))
        .filter(sessions::moderator_id.eq(authority.account_id))
        .filter(sessions::expires_at.gt(now))
        .select((moderators::role, moderators::disabled))
        .first(conn)
        .optional()?;
    let revoked = match found {
        None | Some((_, true)) => Revoked::SignedOut,
        Some((role, false)) if role < authority.role => Revoked::Role {
            needed: authority.role,
            now: role,
        },
        Some(_) => return Ok(()),
    };
    tracing::warn!(
        account = authority.account_id,
        %revoked,
        "a change in flight was refused: the account's authority ended before it could commit"
    );
    Err(diesel::result::Error::QueryBuilderError(Box::new(revoked)))
}
