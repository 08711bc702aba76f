//! Bans: refusing a sender by e-mail address or by IP hash, from an
//! address or from one of their comments, for a time or for good.

use super::events::{Ctx, Event};
use super::not_found;
use crate::db::bans::{self as bans_db, BanError, BanRow, NewBan};
use crate::db::comments as comments_db;
use crate::domain::comment::CommentId;
use crate::domain::comment::Email;
use crate::domain::moderation::BanKind;
use crate::domain::text::multi_line;
use crate::domain::time::parse_rfc3339;
use crate::domain::{Errors, FieldError};
use crate::error::ApiError;

/// Longest ban note, in characters.
pub const MAX_NOTE: usize = 500;
/// Longest ban, in days, when given as `days`.
pub const MAX_BAN_DAYS: i64 = 3650;

/// A ban request's fields, as sent.
#[derive(Debug, Clone, Copy, Default)]
pub struct BanFields<'a> {
    /// `email` or `ip_hash`.
    pub kind: Option<&'a str>,
    /// Ban the sender of this comment.
    pub comment_id: Option<CommentId>,
    /// The address, for an e-mail ban not made from a comment.
    pub email: Option<&'a str>,
    /// Why.
    pub note: Option<&'a str>,
    /// When it ends (RFC 3339, in the future).
    pub expires_at: Option<&'a str>,
    /// Or: how many days it lasts.
    pub days: Option<i64>,
}

/// The parts of a ban request that need no database.
pub struct CheckedBan {
    kind: BanKind,
    comment_id: Option<CommentId>,
    email: Option<String>,
    note: String,
    expires_at: Option<i64>,
}

/// Checks what needs no database; every problem at once.
pub fn check(body: &BanFields<'_>, now: i64) -> Result<CheckedBan, Vec<FieldError>> {
    let mut errors = Errors::default();
    let kind = match body.kind.map(BanKind::parse) {
        Some(Some(kind)) => Some(kind),
        _ => {
            errors.push(FieldError::new("kind", "must be email or ip_hash"));
            None
        }
    };
    let email = match body.email {
        Some(raw) => errors
            .take(Email::parse(raw))
            .flatten()
            .map(|e| e.as_str().to_lowercase()),
        None => None,
    };
    match (kind, body.comment_id, &email) {
        (Some(BanKind::IpHash), None, _) => errors.push(FieldError::new(
            "comment_id",
            "an IP ban is made from a comment: name it",
        )),
        (Some(BanKind::IpHash), Some(_), Some(_)) => {
            errors.push(FieldError::new(
                "email",
                "an IP ban takes no e-mail address",
            ));
        }
        (Some(BanKind::Email), None, None) if body.email.is_none() => errors.push(FieldError::new(
            "email",
            "name the address, or the comment it came with",
        )),
        (Some(BanKind::Email), Some(_), Some(_)) => errors.push(FieldError::new(
            "email",
            "name either the address or the comment, not both",
        )),
        _ => {}
    }
    let note = match body.note.map(str::trim) {
        None | Some("") => String::new(),
        Some(text) => errors
            .take(multi_line("note", text, MAX_NOTE))
            .unwrap_or_default(),
    };
    let expires_at = match (body.expires_at, body.days) {
        (Some(_), Some(_)) => {
            errors.push(FieldError::new("days", "give expires_at or days, not both"));
            None
        }
        (Some(at), None) if at.trim().is_empty() => None,
        (Some(at), None) => match parse_rfc3339(at) {
            Some(t) if t > now => Some(t),
            Some(_) => {
                errors.push(FieldError::new("expires_at", "must be in the future"));
                None
            }
            None => {
                errors.push(FieldError::new(
                    "expires_at",
                    "must be an RFC 3339 time such as 2026-12-01T00:00:00Z",
                ));
                None
            }
        },
        (None, Some(days)) if (1..=MAX_BAN_DAYS).contains(&days) => Some(now + days * 86_400),
        (None, Some(_)) => {
            errors.push(FieldError::new(
                "days",
                format!("must be from 1 to {MAX_BAN_DAYS}"),
            ));
            None
        }
        (None, None) => None,
    };
    errors.finish()?;
    let kind = kind.ok_or_else(|| vec![FieldError::new("kind", "must be email or ip_hash")])?;
    Ok(CheckedBan {
        kind,
        comment_id: body.comment_id,
        email,
        note,
        expires_at,
    })
}

/// Makes a checked ban (409 if one is in force already); returns it as
/// listed.
pub fn create(
    ctx: &mut Ctx<'_>,
    checked: CheckedBan,
    moderator: i32,
    now: i64,
) -> Result<BanRow, ApiError> {
    let value = match (checked.kind, checked.comment_id, checked.email) {
        (BanKind::Email, None, Some(email)) => email,
        (kind, Some(id), _) => {
            let comment = comments_db::get(ctx.conn, id)?.ok_or_else(|| not_found::comment(id))?;
            let value = match kind {
                BanKind::Email => comment.email.map(|e| e.trim().to_lowercase()),
                BanKind::IpHash => comment.ip_hash,
            };
            value.ok_or_else(|| {
                ApiError::field(
                    "comment_id",
                    match kind {
                        BanKind::Email => "this comment came without an e-mail address",
                        BanKind::IpHash => "this comment has no sender address to ban",
                    },
                )
            })?
        }
        (_, None, _) => return Err(ApiError::field("email", "name the address")),
    };
    let ban = bans_db::create(
        ctx.conn,
        &NewBan {
            kind: checked.kind,
            value,
            note: checked.note,
            comment_id: checked.comment_id,
            expires_at: checked.expires_at,
        },
        moderator,
        now,
    )
    .map_err(|e| match e {
        BanError::Exists => ApiError::Conflict("This sender is banned already.".into()),
        BanError::Db(e) => ApiError::internal(e),
    })?;
    ctx.emit(Event::BanAdded { ban_id: ban.id });
    bans_db::list(ctx.conn, true, now)?
        .into_iter()
        .find(|(b, ..)| b.id == ban.id)
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("ban {} vanished", ban.id)))
}

/// Lifts ban `id` (404 when there is none), logged.
pub fn lift(ctx: &mut Ctx<'_>, id: i32, moderator: i32, now: i64) -> Result<(), ApiError> {
    if !bans_db::lift(ctx.conn, id, moderator, now)? {
        return Err(not_found::ban(id));
    }
    ctx.emit(Event::BanLifted { ban_id: id });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::testing::{conn, pending_comment, post_published_at};

    fn fields(kind: &str) -> BanFields<'_> {
        BanFields {
            kind: Some(kind),
            ..BanFields::default()
        }
    }

    fn problems(result: Result<CheckedBan, Vec<FieldError>>) -> Vec<String> {
        match result {
            Ok(_) => Vec::new(),
            Err(errors) => errors.into_iter().map(|e| e.field).collect(),
        }
    }

    #[test]
    fn a_ban_request_is_checked_whole() {
        let now = 1_000;
        assert_eq!(problems(check(&fields("ip_hash"), now)), ["comment_id"]);
        assert_eq!(problems(check(&fields("email"), now)), ["email"]);
        assert_eq!(problems(check(&fields("nonsense"), now)), ["kind"]);
        let both = BanFields {
            email: Some("a@example.org"),
            expires_at: Some("2000-01-01T00:00:00Z"),
            days: Some(3),
            ..fields("email")
        };
        assert_eq!(problems(check(&both, now)), ["days"]);
        let past = BanFields {
            email: Some("a@example.org"),
            expires_at: Some("1970-01-01T00:00:01Z"),
            ..fields("email")
        };
        assert_eq!(problems(check(&past, now)), ["expires_at"]);
        let long = BanFields {
            email: Some("a@example.org"),
            days: Some(MAX_BAN_DAYS + 1),
            ..fields("email")
        };
        assert_eq!(problems(check(&long, now)), ["days"]);
        let fine = check(
            &BanFields {
                email: Some("A@Example.org"),
                days: Some(2),
                ..fields("email")
            },
            now,
        )
        .unwrap();
        assert_eq!(fine.email.as_deref(), Some("a@example.org"));
        assert_eq!(fine.expires_at, Some(now + 2 * 86_400));
    }

    #[test]
    fn a_ban_from_a_comment_takes_its_address_and_a_second_one_conflicts() {
        let mut conn = conn();
        let post = post_published_at(&mut conn, "p", 0);
        let id = pending_comment(&mut conn, post);
        let mut ctx = Ctx::new(&mut conn);
        let request = BanFields {
            comment_id: Some(id),
            ..fields("email")
        };
        let (ban, ..) = create(&mut ctx, check(&request, 10).unwrap(), 1, 10).unwrap();
        assert_eq!(ban.value, "mari@example.org");
        assert_eq!(ctx.events(), [Event::BanAdded { ban_id: ban.id }]);
        assert!(matches!(
            create(&mut ctx, check(&request, 11).unwrap(), 1, 11),
            Err(ApiError::Conflict(_))
        ));
        assert!(matches!(
            lift(&mut ctx, 999, 1, 12),
            Err(ApiError::NotFound(_))
        ));
        lift(&mut ctx, ban.id, 1, 12).unwrap();
        assert!(!bans_db::is_banned(ctx.conn, Some("mari@example.org"), None, 13).unwrap());
    }
}
