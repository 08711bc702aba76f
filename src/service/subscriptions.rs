//! A reader's own address: confirming it (the double opt-in's second
//! step) and unsubscribing it, each reached by a link in a message.

use crate::db::DbConn;
use crate::db::subscribers::{self as subscribers_db, Confirmation};
use crate::domain::outbox::unsubscribe_code_matches;
use crate::error::ApiError;

/// What the confirmation link's token would do now (the page a GET shows;
/// nothing changes).
pub fn check(conn: &mut DbConn, token: &str, now: i64) -> Result<Confirmation, ApiError> {
    Ok(subscribers_db::check_token(
        conn,
        &crate::domain::token::token_hash(token.trim()),
        now,
    )?)
}

/// Confirms the address the token was sent to (the form's POST): it is
/// told about its comments from now on. The token is spent.
pub fn confirm(conn: &mut DbConn, token: &str, now: i64) -> Result<Confirmation, ApiError> {
    let outcome =
        subscribers_db::confirm(conn, &crate::domain::token::token_hash(token.trim()), now)?;
    if matches!(outcome, Confirmation::Confirmed(_)) {
        tracing::info!("a reader confirmed their address");
    }
    Ok(outcome)
}

/// Whether `(id, code)` is a genuine unsubscribe link (for the page a GET
/// shows).
pub fn link_is_genuine(
    conn: &mut DbConn,
    key: &[u8],
    id: i32,
    code: &str,
) -> Result<bool, ApiError> {
    Ok(subscribers_db::find_by_id(conn, id)?
        .is_some_and(|s| unsubscribe_code_matches(key, id, &s.email, code.trim())))
}

/// Stops all mail to the address of a genuine link, at once and for good;
/// false for a link that is not genuine.
pub fn unsubscribe(
    conn: &mut DbConn,
    key: &[u8],
    id: i32,
    code: &str,
    now: i64,
) -> Result<bool, ApiError> {
    if !link_is_genuine(conn, key, id, code)? {
        return Ok(false);
    }
    subscribers_db::unsubscribe(conn, id, now)?;
    tracing::info!("a reader unsubscribed");
    Ok(true)
}
