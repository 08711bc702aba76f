//! Admins' view of the outbox: what waits, what was given up on, and
//! retrying or dropping an item that failed.

use crate::db::DbConn;
use crate::db::outbox::{self as outbox_db, Item};
use crate::domain::outbox::State;
use crate::error::ApiError;

/// Most items one listing shows.
pub const MAX_LISTED: i64 = 200;

/// Items in one state, and how many are in each state.
pub type Listing = (Vec<Item>, Vec<(String, i64)>);

/// Items in `state`, newest first, and how many are in each state.
pub fn list(conn: &mut DbConn, state: State) -> Result<Listing, ApiError> {
    Ok((
        outbox_db::list(conn, state, MAX_LISTED)?,
        outbox_db::counts(conn)?,
    ))
}

/// Tries a failed item again now (its tries counted afresh): 404 for an
/// unknown item, 409 for one that is not failed.
pub fn retry(conn: &mut DbConn, id: i32, now: i64) -> Result<(), ApiError> {
    if outbox_db::retry(conn, id, now)? {
        return Ok(());
    }
    Err(not_failed(conn, id)?)
}

/// Drops a failed item for good: 404 / 409 as for [`retry`].
pub fn drop_failed(conn: &mut DbConn, id: i32) -> Result<(), ApiError> {
    if outbox_db::drop_failed(conn, id)? {
        return Ok(());
    }
    Err(not_failed(conn, id)?)
}

fn not_failed(conn: &mut DbConn, id: i32) -> Result<ApiError, ApiError> {
    Ok(match outbox_db::get(conn, id)? {
        None => ApiError::NotFound(format!("No outbox item {id}.")),
        Some(item) => ApiError::Conflict(format!(
            "Outbox item {id} is {}, not failed: only failed items can be retried or dropped.",
            item.state
        )),
    })
}
