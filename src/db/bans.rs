//! Bans: senders refused on submit, by e-mail or by IP hash.

use super::DbConn;
use super::log::{self, LogEntry};
use super::schema::{bans, comments, moderators};
use crate::domain::comment::CommentId;
use crate::domain::moderation::BanKind;
use diesel::prelude::*;

/// A stored ban.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = bans, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Ban {
    /// Row id.
    pub id: i32,
    /// `email` or `ip_hash`.
    pub kind: BanKind,
    /// The lowercased e-mail address or the IP hash.
    pub value: String,
    /// Why, in the moderator's words.
    pub note: String,
    /// The comment it was made from.
    pub comment_id: Option<CommentId>,
    /// Who made it.
    pub moderator_id: Option<i32>,
    /// When.
    pub created_at: i64,
    /// When it ends; never when `None`.
    pub expires_at: Option<i64>,
}

/// A ban to create.
#[derive(Debug, Clone)]
pub struct NewBan {
    /// What is banned.
    pub kind: BanKind,
    /// The lowercased e-mail address or the IP hash.
    pub value: String,
    /// Why.
    pub note: String,
    /// The comment it is made from.
    pub comment_id: Option<CommentId>,
    /// When it ends.
    pub expires_at: Option<i64>,
}

/// Why a ban could not be created.
#[derive(Debug, thiserror::Error)]
pub enum BanError {
    /// A live ban on the same sender exists.
    #[error("this sender is already banned")]
    Exists,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// A ban as listed: the row, its author's user name and the name the
/// banned sender signed the comment with.
pub type BanRow = (Ban, Option<String>, Option<String>);

/// Creates a ban and logs it, in one transaction. An expired ban on the
/// same sender is replaced.
pub fn create(
    conn: &mut DbConn,
    new: &NewBan,
    moderator_id: i32,
    now: i64,
) -> Result<Ban, BanError> {
    crate::db::write(conn, |conn| {
        diesel::delete(
            bans::table
                .filter(bans::kind.eq(new.kind))
                .filter(bans::value.eq(&new.value))
                .filter(bans::expires_at.le(now)),
        )
        .execute(conn)?;
        let ban: Ban = super::conn::on_backend!(conn, c => diesel::insert_into(bans::table)
            .values((
                bans::kind.eq(new.kind),
                bans::value.eq(&new.value),
                bans::note.eq(&new.note),
                bans::comment_id.eq(new.comment_id),
                bans::moderator_id.eq(moderator_id),
                bans::created_at.eq(now),
                bans::expires_at.eq(new.expires_at),
            ))
            .returning(Ban::as_returning())
            .get_result(c))
        .map_err(|e| {
            if super::is_unique_violation(&e) {
                BanError::Exists
            } else {
                BanError::Db(e)
            }
        })?;
        log::append(
            conn,
            &LogEntry::ban(
                now,
                moderator_id,
                false,
                (ban.id, ban.kind.as_str(), ban.comment_id, ban.expires_at),
            ),
        )?;
        Ok(ban)
    })
}

/// Lifts a ban and logs it; `false` when there was no such ban.
pub fn lift(conn: &mut DbConn, id: i32, moderator_id: i32, now: i64) -> QueryResult<bool> {
    crate::db::write(conn, |conn| {
        let Some(ban) = bans::table
            .find(id)
            .select(Ban::as_select())
            .first(conn)
            .optional()?
        else {
            return Ok(false);
        };
        diesel::delete(bans::table.find(id)).execute(conn)?;
        log::append(
            conn,
            &LogEntry::ban(
                now,
                moderator_id,
                true,
                (ban.id, ban.kind.as_str(), ban.comment_id, ban.expires_at),
            ),
        )?;
        Ok(true)
    })
}

/// Bans, newest first; expired ones only when `include_expired`.
pub fn list(conn: &mut DbConn, include_expired: bool, now: i64) -> QueryResult<Vec<BanRow>> {
    let mut query = bans::table
        .left_join(moderators::table)
        .left_join(comments::table)
        .select((
            Ban::as_select(),
            moderators::username.nullable(),
            comments::author_name.nullable(),
        ))
        .order(bans::id.desc())
        .into_boxed();
    if !include_expired {
        query = query.filter(bans::expires_at.is_null().or(bans::expires_at.gt(now)));
    }
    query.load(conn)
}

/// Whether a live ban covers this e-mail address (any case) or IP hash.
pub fn is_banned(
    conn: &mut DbConn,
    email: Option<&str>,
    ip_hash: Option<&str>,
    now: i64,
) -> QueryResult<bool> {
    let email = email.map(|e| e.trim().to_lowercase());
    let mut matches = Vec::new();
    if let Some(email) = &email {
        matches.push((BanKind::Email.as_str(), email.as_str()));
    }
    if let Some(hash) = ip_hash {
        matches.push((BanKind::IpHash.as_str(), hash));
    }
    for (kind, value) in matches {
        // On the concrete connection (every submission asks): cached by type.
        let live = super::conn::on_backend!(conn, c => diesel::select(diesel::dsl::exists(
            bans::table
                .filter(bans::kind.eq(kind))
                .filter(bans::value.eq(value))
                .filter(bans::expires_at.is_null().or(bans::expires_at.gt(now))),
        ))
        .get_result::<bool>(c))?;
        if live {
            return Ok(true);
        }
    }
    Ok(false)
}
