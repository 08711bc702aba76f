//! The banned and suspect term lists: a banned term rejects a comment as
//! it arrives (citing a reason), a suspect one adds a spam signal.

use super::decisions::checked_reason;
use super::events::{Ctx, Event};
use super::not_found;
use crate::config::Settings;
use crate::db::terms::{self as terms_db, TermError, TermRow};
use crate::domain::terms::{Term, TermKind, parse_term};
use crate::domain::{Errors, FieldError};
use crate::error::ApiError;

/// Checks a new term: its text, its list, and (for a banned term only) a
/// configured reason; every problem at once.
pub fn check(
    settings: &Settings,
    term: Option<&str>,
    kind: Option<&str>,
    reason: Option<&str>,
) -> Result<(Term, TermKind), ApiError> {
    let mut errors = Errors::default();
    let term = errors.take(parse_term(term.unwrap_or("")));
    let kind = kind.and_then(TermKind::parse);
    if kind.is_none() {
        errors.push(FieldError::new("kind", "must be banned or suspect"));
    }
    let reason = match (kind, reason.map(str::trim)) {
        (_, None | Some("")) => None,
        (Some(TermKind::Suspect), Some(_)) => {
            errors.push(FieldError::new(
                "reason",
                "only a banned term cites a reason",
            ));
            None
        }
        (_, Some(r)) => match checked_reason(settings, Some(r)) {
            Ok(r) => Some(r),
            Err(ApiError::Validation(mut e)) => {
                errors.push(e.remove(0));
                None
            }
            Err(other) => return Err(other),
        },
    };
    errors.finish().map_err(ApiError::Validation)?;
    let (Some(mut term), Some(kind)) = (term, kind) else {
        return Err(ApiError::field("term", "could not be read"));
    };
    term.reason = reason;
    Ok((term, kind))
}

/// Adds a checked term (409 when it, or one that folds the same, is on
/// either list), logged.
pub fn add(
    ctx: &mut Ctx<'_>,
    (term, kind): &(Term, TermKind),
    moderator: i32,
    now: i64,
) -> Result<TermRow, ApiError> {
    let row = terms_db::add(ctx.conn, term, *kind, moderator, now).map_err(|e| match e {
        TermError::Exists => {
            ApiError::Conflict("That term (or one that reads the same) is listed already.".into())
        }
        TermError::Db(e) => ApiError::internal(e),
    })?;
    ctx.emit(Event::TermsChanged);
    Ok(row)
}

/// Removes term `id` (404 when there is none), logged.
pub fn remove(ctx: &mut Ctx<'_>, id: i32, moderator: i32, now: i64) -> Result<(), ApiError> {
    if !terms_db::remove(ctx.conn, id, moderator, now)? {
        return Err(not_found::term(id));
    }
    ctx.emit(Event::TermsChanged);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::testing::conn;

    #[test]
    fn only_a_banned_term_cites_a_reason_and_a_folded_twin_conflicts() {
        let settings = Settings::default();
        let reason = settings.reasons[0].id.clone();
        assert!(matches!(
            check(&settings, Some("cheap pills"), Some("suspect"), Some(&reason)),
            Err(ApiError::Validation(e)) if e[0].field == "reason"
        ));
        assert!(matches!(
            check(&settings, Some(""), Some("sometimes"), None),
            Err(ApiError::Validation(e)) if e.len() == 2
        ));
        let banned = check(
            &settings,
            Some("Cheap Pills"),
            Some("banned"),
            Some(&reason),
        )
        .unwrap();
        let mut conn = conn();
        let mut ctx = Ctx::new(&mut conn);
        let row = add(&mut ctx, &banned, 1, 5).unwrap();
        assert_eq!(row.reason.as_deref(), Some(reason.as_str()));
        let twin = check(&settings, Some("CHEAP pills"), Some("suspect"), None).unwrap();
        assert!(matches!(
            add(&mut ctx, &twin, 1, 6),
            Err(ApiError::Conflict(_))
        ));
        remove(&mut ctx, row.id, 1, 7).unwrap();
        assert!(matches!(
            remove(&mut ctx, row.id, 1, 8),
            Err(ApiError::NotFound(_))
        ));
        assert_eq!(ctx.events(), [Event::TermsChanged, Event::TermsChanged]);
    }
}
