//! Moderator accounts, their sessions, and instance secrets.

use super::DbConn;
use super::log::{self, LogEntry};
use super::schema::{instance_secrets, moderators, sessions};
use crate::domain::moderation::Role;
use diesel::prelude::*;

/// A stored moderator account.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = moderators, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Moderator {
    /// Row id.
    pub id: i32,
    /// Sign-in name.
    pub username: String,
    /// Name shown in the workspace.
    pub display_name: String,
    /// `moderator`, `editor` or `admin`.
    pub role: Role,
    /// argon2id PHC string.
    pub password_hash: String,
    /// A disabled account cannot sign in.
    pub disabled: bool,
    /// Creation time.
    pub created_at: i64,
    /// Where the digest of waiting comments goes; none without one.
    pub email: Option<String>,
}

/// A stored session.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Session {
    /// SHA-256 of the cookie's token, hex.
    pub token_hash: String,
    /// Whose session.
    pub moderator_id: i32,
    /// The token state-changing requests must echo in `X-CSRF-Token`.
    pub csrf_token: String,
    /// Sign-in time.
    pub created_at: i64,
    /// Last request.
    pub last_seen_at: i64,
    /// Absolute end.
    pub expires_at: i64,
}

/// Why creating an account failed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The user name is taken.
    #[error("the user name is taken")]
    NameTaken,
    /// No account has that id.
    #[error("no such account")]
    NotFound,
    /// The change would leave no enabled admin.
    #[error("the last enabled admin cannot be demoted or disabled")]
    LastAdmin,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// Creates a moderator account and logs it (as done by the system: the
/// command line, the demo, tests).
pub fn create_moderator(
    conn: &mut DbConn,
    username: &str,
    display_name: &str,
    role: &str,
    password_hash: &str,
    now: i64,
) -> Result<Moderator, AccountError> {
    create_moderator_by(conn, username, display_name, role, password_hash, now, None)
}

/// Creates a moderator account and logs it as done by `by` (an admin), or
/// by the system.
pub fn create_moderator_by(
    conn: &mut DbConn,
    username: &str,
    display_name: &str,
    role: &str,
    password_hash: &str,
    now: i64,
    by: Option<i32>,
) -> Result<Moderator, AccountError> {
    crate::db::write(conn, |conn| {
        let moderator = super::conn::on_backend!(conn, c => diesel::insert_into(moderators::table)
            .values((
                moderators::username.eq(username),
                moderators::display_name.eq(display_name),
                moderators::role.eq(role),
                moderators::password_hash.eq(password_hash),
                moderators::created_at.eq(now),
            ))
            .returning(Moderator::as_returning())
            .get_result(c))
        .map_err(|e| {
            if super::is_unique_violation(&e) {
                AccountError::NameTaken
            } else {
                AccountError::Db(e)
            }
        })?;
        log::append(conn, &LogEntry::account_create(now, by, username, role))?;
        Ok(moderator)
    })
}

/// A change to an account; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct AccountChange {
    /// New role.
    pub role: Option<Role>,
    /// Disable (`true`) or enable (`false`).
    pub disabled: Option<bool>,
    /// New display name.
    pub display_name: Option<String>,
    /// New digest address (`Some(None)` removes it).
    pub email: Option<Option<String>>,
}

/// Every account, by user name.
pub fn list(conn: &mut DbConn) -> QueryResult<Vec<Moderator>> {
    moderators::table
        .select(Moderator::as_select())
        .order(moderators::username.asc())
        .load(conn)
}

/// Every account's display name (disabled ones too: a name the staff
/// used stays theirs), for the names readers may not sign with.
pub fn display_names(conn: &mut DbConn) -> QueryResult<Vec<String>> {
    // On the concrete connection (every submission asks): cached by type.
    super::conn::on_backend!(conn, c => moderators::table
        .select(moderators::display_name)
        .load(c))
}

/// One account by id.
pub fn by_id(conn: &mut DbConn, id: i32) -> QueryResult<Option<Moderator>> {
    moderators::table
        .find(id)
        .select(Moderator::as_select())
        .first(conn)
        .optional()
}

/// Applies a change to account `id`, logging each part of it, in one
/// transaction. A disabled account's sessions end. Refuses to leave the
/// instance without an enabled admin.
pub fn update_account(
    conn: &mut DbConn,
    id: i32,
    change: &AccountChange,
    by: Option<i32>,
    now: i64,
) -> Result<Moderator, AccountError> {
    crate::db::write(conn, |conn| {
        let before = by_id(conn, id)?.ok_or(AccountError::NotFound)?;
        let role = change.role.unwrap_or(before.role);
        let disabled = change.disabled.unwrap_or(before.disabled);
        let was_admin = before.role == Role::Admin && !before.disabled;
        let stays_admin = role == Role::Admin && !disabled;
        if was_admin && !stays_admin {
            let admins: i64 = moderators::table
                .filter(moderators::role.eq(Role::Admin))
                .filter(moderators::disabled.eq(false))
                .count()
                .get_result(conn)?;
            if admins <= 1 {
                return Err(AccountError::LastAdmin);
            }
        }
        let name = &before.username;
        let mut entries = Vec::new();
        if role != before.role {
            entries.push(LogEntry::account_role(
                now,
                by,
                name,
                before.role.as_str(),
                role.as_str(),
            ));
        }
        if disabled != before.disabled {
            entries.push(LogEntry::account_disabled(now, by, name, disabled));
        }
        let display_name = change
            .display_name
            .clone()
            .unwrap_or_else(|| before.display_name.clone());
        if display_name != before.display_name {
            entries.push(LogEntry::account_rename(now, by, name));
        }
        let email = change.email.clone().unwrap_or_else(|| before.email.clone());
        let after: Moderator = super::conn::on_backend!(conn, c => diesel::update(moderators::table.find(id))
            .set((
                moderators::role.eq(&role),
                moderators::disabled.eq(disabled),
                moderators::display_name.eq(&display_name),
                moderators::email.eq(&email),
            ))
            .returning(Moderator::as_returning())
            .get_result(c))?;
        if disabled {
            diesel::delete(sessions::table.filter(sessions::moderator_id.eq(id))).execute(conn)?;
        }
        for entry in &entries {
            log::append(conn, entry)?;
        }
        Ok(after)
    })
}

/// Sets account `id`'s password hash and logs it; every session of the
/// account ends except the one whose token hash is `keep_session`.
pub fn set_password(
    conn: &mut DbConn,
    id: i32,
    password_hash: &str,
    by: Option<i32>,
    keep_session: Option<&str>,
    now: i64,
) -> Result<Moderator, AccountError> {
    crate::db::write(conn, |conn| {
        let account: Moderator =
            super::conn::on_backend!(conn, c => diesel::update(moderators::table.find(id))
            .set(moderators::password_hash.eq(password_hash))
            .returning(Moderator::as_returning())
            .get_result(c))
            .optional()?
            .ok_or(AccountError::NotFound)?;
        diesel::delete(
            sessions::table
                .filter(sessions::moderator_id.eq(id))
                .filter(sessions::token_hash.ne(keep_session.unwrap_or(""))),
        )
        .execute(conn)?;
        log::append(
            conn,
            &LogEntry::account_password(now, by, &account.username, by == Some(id)),
        )?;
        Ok(account)
    })
}

/// How many moderator accounts exist.
pub fn moderator_count(conn: &mut DbConn) -> QueryResult<i64> {
    moderators::table.count().get_result(conn)
}

/// Looks an account up by user name.
pub fn by_username(conn: &mut DbConn, username: &str) -> QueryResult<Option<Moderator>> {
    moderators::table
        .filter(moderators::username.eq(username))
        .select(Moderator::as_select())
        .first(conn)
        .optional()
}

/// Stores a new session.
pub fn create_session(
    conn: &mut DbConn,
    token_hash: &str,
    moderator_id: i32,
    csrf_token: &str,
    now: i64,
    expires_at: i64,
) -> QueryResult<()> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::token_hash.eq(token_hash),
            sessions::moderator_id.eq(moderator_id),
            sessions::csrf_token.eq(csrf_token),
            sessions::created_at.eq(now),
            sessions::last_seen_at.eq(now),
            sessions::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map(drop)
}

/// How often a session's `last_seen_at` is moved on (at most), so that
/// moderators' reads do not each become a write. Every idle test allows
/// this much more than the configured window: a session used at `t` has
/// `last_seen_at > t - SEEN_EVERY`, so it lives until at least
/// `t + idle` (never ends early) and at most `SEEN_EVERY` later.
pub const SEEN_EVERY: i64 = 60;

/// The session with this token hash and its account, if both are live:
/// not past `expires_at`, used within the idle window that ends at
/// `idle_since` (with [`SEEN_EVERY`]'s allowance), account not disabled.
/// A live session's `last_seen_at` is moved to `now` at most every
/// [`SEEN_EVERY`] seconds.
pub fn live_session(
    conn: &mut DbConn,
    token_hash: &str,
    now: i64,
    idle_since: i64,
) -> QueryResult<Option<(Session, Moderator)>> {
    let found: Option<(Session, Moderator)> = sessions::table
        .inner_join(moderators::table)
        .filter(sessions::token_hash.eq(token_hash))
        .filter(sessions::expires_at.gt(now))
        .filter(sessions::last_seen_at.gt(idle_since - SEEN_EVERY))
        .filter(moderators::disabled.eq(false))
        .select((Session::as_select(), Moderator::as_select()))
        .first(conn)
        .optional()?;
    if let Some((session, _)) = &found
        && now - session.last_seen_at >= SEEN_EVERY
    {
        diesel::update(sessions::table.find(token_hash))
            .set(sessions::last_seen_at.eq(now))
            .execute(conn)?;
    }
    Ok(found)
}

/// Ends a session.
pub fn delete_session(conn: &mut DbConn, token_hash: &str) -> QueryResult<()> {
    diesel::delete(sessions::table.find(token_hash))
        .execute(conn)
        .map(drop)
}

/// Ends every session of one account ("sign out everywhere") and logs it,
/// in one transaction. Returns how many sessions ended.
pub fn delete_all_sessions(conn: &mut DbConn, moderator_id: i32, now: i64) -> QueryResult<usize> {
    super::write(conn, |conn| {
        let ended = diesel::delete(sessions::table.filter(sessions::moderator_id.eq(moderator_id)))
            .execute(conn)?;
        log::append(conn, &LogEntry::logout_all(now, moderator_id, ended))?;
        Ok(ended)
    })
}

/// Deletes sessions that can no longer be used (idle as [`live_session`]
/// reckons it).
pub fn purge_sessions(conn: &mut DbConn, now: i64, idle_since: i64) -> QueryResult<usize> {
    diesel::delete(
        sessions::table.filter(
            sessions::expires_at
                .le(now)
                .or(sessions::last_seen_at.le(idle_since - SEEN_EVERY)),
        ),
    )
    .execute(conn)
}

/// The instance secret `name`, created with `make` on first use.
pub fn instance_secret(
    conn: &mut DbConn,
    name: &str,
    make: impl FnOnce() -> String,
) -> QueryResult<String> {
    crate::db::write(conn, |conn| {
        let existing = instance_secrets::table
            .find(name)
            .select(instance_secrets::value)
            .first::<String>(conn)
            .optional()?;
        if let Some(value) = existing {
            return Ok(value);
        }
        let value = make();
        diesel::insert_into(instance_secrets::table)
            .values((
                instance_secrets::name.eq(name),
                instance_secrets::value.eq(&value),
            ))
            .execute(conn)?;
        Ok(value)
    })
}
