//! Moderators' sessions: signing in (a wrong name costs as much time as a
//! wrong password), the token a cookie carries (only its hash is stored),
//! signing out here or everywhere.

use super::events::{Ctx, Event};
use crate::db::accounts::{self as accounts_db, Moderator};
use crate::domain::password::{self, DUMMY_HASH};
pub use crate::domain::token::{random_token, token_hash};
use crate::error::ApiError;

/// A new session: the account, the cookie's token (sent once, never
/// stored) and the CSRF token the page must echo.
#[derive(Debug)]
pub struct SignedIn {
    /// The account.
    pub account: Moderator,
    /// The session token for the cookie.
    pub token: String,
    /// The CSRF token.
    pub csrf: String,
}

/// Checks a user name and password and opens a session lasting
/// `lifetime` seconds; `None` for an unknown name, a wrong password or a
/// disabled account alike. Verifies the password even for an unknown
/// name, so timing tells an attacker nothing; slow by design (argon2):
/// call from blocking code.
pub fn sign_in(
    ctx: &mut Ctx<'_>,
    username: &str,
    password: &str,
    lifetime: i64,
    now: i64,
) -> Result<Option<SignedIn>, ApiError> {
    let account = accounts_db::by_username(ctx.conn, username.trim())?;
    let hash = account
        .as_ref()
        .map_or(DUMMY_HASH.as_str(), |a| a.password_hash.as_str());
    let verified = password::verify(password, hash);
    let Some(account) = account.filter(|a| verified && !a.disabled) else {
        return Ok(None);
    };
    let token = random_token();
    let csrf = random_token();
    accounts_db::create_session(
        ctx.conn,
        &token_hash(&token),
        account.id,
        &csrf,
        now,
        now + lifetime,
    )?;
    Ok(Some(SignedIn {
        account,
        token,
        csrf,
    }))
}

/// Ends the session whose token hashes to `token_hash`.
pub fn sign_out(ctx: &mut Ctx<'_>, token_hash: &str) -> Result<(), ApiError> {
    Ok(accounts_db::delete_session(ctx.conn, token_hash)?)
}

/// Ends every session of the account, logged ("sign out everywhere").
pub fn sign_out_everywhere(ctx: &mut Ctx<'_>, account: i32, now: i64) -> Result<usize, ApiError> {
    let ended = accounts_db::delete_all_sessions(ctx.conn, account, now)?;
    ctx.emit(Event::AccountChanged {
        account_id: account,
    });
    Ok(ended)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::testing::conn;

    #[test]
    fn a_session_opens_only_for_the_right_password_of_an_enabled_account() {
        let mut conn = conn();
        let hash = password::hash("correct horse battery").unwrap();
        let alice =
            accounts_db::create_moderator(&mut conn, "alice", "Alice", "moderator", &hash, 0)
                .unwrap();
        let mut ctx = Ctx::new(&mut conn);
        assert!(
            sign_in(&mut ctx, "alice", "wrong", 60, 1)
                .unwrap()
                .is_none()
        );
        assert!(
            sign_in(&mut ctx, "nobody", "correct horse battery", 60, 1)
                .unwrap()
                .is_none()
        );
        let opened = sign_in(&mut ctx, " alice ", "correct horse battery", 60, 1)
            .unwrap()
            .unwrap();
        assert_eq!(opened.account.id, alice.id);
        assert_ne!(opened.token, opened.csrf);
        let live = accounts_db::live_session(ctx.conn, &token_hash(&opened.token), 2, 0)
            .unwrap()
            .unwrap();
        assert_eq!(live.0.csrf_token, opened.csrf);
        assert_eq!(sign_out_everywhere(&mut ctx, alice.id, 3).unwrap(), 1);
        assert!(
            accounts_db::live_session(ctx.conn, &token_hash(&opened.token), 4, 0)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn a_session_used_within_its_idle_window_never_ends_early() {
        let mut conn = conn();
        let hash = password::hash("correct horse battery").unwrap();
        accounts_db::create_moderator(&mut conn, "alice", "Alice", "moderator", &hash, 0).unwrap();
        let mut ctx = Ctx::new(&mut conn);
        let opened = sign_in(&mut ctx, "alice", "correct horse battery", 100_000, 0)
            .unwrap()
            .unwrap();
        let token = token_hash(&opened.token);
        // A short configured window: two minutes.
        let idle = 120;
        let used = |conn: &mut crate::db::DbConn, at: i64| {
            accounts_db::live_session(conn, &token, at, at - idle)
                .unwrap()
                .is_some()
        };
        // Each use comes less than `idle` after the one before, some
        // within a minute of it (when `last_seen_at` is not moved on).
        let mut at = 0;
        for gap in [59, 119, 30, 119, 1, 119, 119, 59, 119] {
            at += gap;
            assert!(
                used(ctx.conn, at),
                "used {gap} s after the last use, at {at}"
            );
        }
        // Idle sessions are purged by the same reckoning: not this one yet.
        assert_eq!(
            accounts_db::purge_sessions(ctx.conn, at + idle - 1, at - 1).unwrap(),
            0
        );
        // Unused for the window and the refresh allowance, it has ended.
        assert!(!used(ctx.conn, at + idle + accounts_db::SEEN_EVERY));
    }

    #[test]
    fn a_token_hash_is_the_hex_sha256_of_the_token() {
        // Sessions are looked up by this value: it must never change form.
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            token_hash("token"),
            "3c469e9d6c5875d37a43f353d4f88e61fcf812c66eee3457465a40b0da4153e0"
        );
    }
}
