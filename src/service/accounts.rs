//! Moderator accounts: who may be created, what may change, passwords.
//! Every change is logged; the last enabled admin cannot be removed.

use super::events::{Ctx, Event};
use super::not_found;
use crate::db::accounts::{self as accounts_db, AccountChange, AccountError, Moderator};
use crate::domain::moderation::Role;
use crate::domain::password::{self, MIN_PASSWORD};
use crate::domain::text::single_line;
use crate::domain::{Errors, FieldError};
use crate::error::ApiError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Longest user name.
pub const MAX_USERNAME: usize = 64;
/// Longest display name.
pub const MAX_DISPLAY_NAME: usize = 80;
/// Longest password accepted (argon2 takes any length; this bounds work).
pub const MAX_PASSWORD: usize = 1_000;

fn account_error(error: AccountError) -> ApiError {
    match error {
        AccountError::NameTaken => ApiError::Conflict("That user name is taken.".into()),
        AccountError::NotFound => not_found::account(),
        AccountError::LastAdmin => ApiError::Conflict(
            "This is the last enabled admin account; make another admin first.".into(),
        ),
        AccountError::Db(e) => ApiError::internal(e),
    }
}

/// A password made for someone else: 128 random bits, shown once.
pub fn generated_password() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>())
}

/// A password's length rule, reported against `field`.
pub fn check_password(field: &str, value: &str) -> Result<(), FieldError> {
    let n = value.chars().count();
    if n < MIN_PASSWORD {
        Err(FieldError::new(
            field,
            format!("must have at least {MIN_PASSWORD} characters"),
        ))
    } else if n > MAX_PASSWORD {
        Err(FieldError::new(
            field,
            format!("must have at most {MAX_PASSWORD} characters"),
        ))
    } else {
        Ok(())
    }
}

/// Hashes a password (slow by design: call from blocking code).
pub fn hash(password: &str) -> Result<String, ApiError> {
    password::hash(password)
        .map_err(|e| ApiError::internal(anyhow::anyhow!("hashing a password: {e}")))
}

fn role_error() -> FieldError {
    FieldError::new("role", "must be moderator, editor or admin")
}

/// A checked new account.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// Sign-in name.
    pub username: String,
    /// Shown name (the user name when none was given).
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// The password to set: the one given, or a generated one.
    pub password: String,
    /// Whether `password` was generated (and must be shown once).
    pub generated: bool,
}

/// Checks a new account's fields; every problem at once.
pub fn check_new(
    username: Option<&str>,
    display_name: Option<&str>,
    role: Option<&str>,
    password: Option<&str>,
) -> Result<NewAccount, ApiError> {
    let mut errors = Errors::default();
    let username = errors
        .take(single_line(
            "username",
            username.unwrap_or(""),
            MAX_USERNAME,
            true,
        ))
        .flatten();
    let display_name = errors
        .take(single_line(
            "display_name",
            display_name.unwrap_or(""),
            MAX_DISPLAY_NAME,
            false,
        ))
        .flatten();
    let role = role.and_then(Role::parse);
    if role.is_none() {
        errors.push(role_error());
    }
    if let Some(p) = password {
        errors.take(check_password("password", p));
    }
    errors.finish().map_err(ApiError::Validation)?;
    let (Some(username), Some(role)) = (username, role) else {
        return Err(ApiError::field("username", "could not be read"));
    };
    Ok(NewAccount {
        display_name: display_name.unwrap_or_else(|| username.clone()),
        username,
        role,
        generated: password.is_none(),
        password: password.map_or_else(generated_password, str::to_owned),
    })
}

/// Creates a checked account with its hashed password (409 when the name
/// is taken), logged as made by `by`.
pub fn create(
    ctx: &mut Ctx<'_>,
    account: &NewAccount,
    hashed: &str,
    by: i32,
    now: i64,
) -> Result<Moderator, ApiError> {
    let created = accounts_db::create_moderator_by(
        ctx.conn,
        &account.username,
        &account.display_name,
        account.role.as_str(),
        hashed,
        now,
        Some(by),
    )
    .map_err(account_error)?;
    ctx.emit(Event::AccountChanged {
        account_id: created.id,
    });
    Ok(created)
}

/// Checks a change to an account; every problem at once.
pub fn check_change(
    role: Option<&str>,
    disabled: Option<bool>,
    display_name: Option<&str>,
    email: Option<&str>,
) -> Result<AccountChange, ApiError> {
    let mut errors = Errors::default();
    let role = match role {
        None => None,
        Some(r) => match Role::parse(r) {
            Some(role) => Some(role),
            None => {
                errors.push(role_error());
                None
            }
        },
    };
    let display_name = match display_name {
        None => None,
        Some(d) => errors
            .take(single_line("display_name", d, MAX_DISPLAY_NAME, true))
            .flatten(),
    };
    let email = match email {
        None => None,
        Some(e) => errors
            .take(crate::domain::comment::Email::parse(e))
            .map(|e| e.map(|e| e.as_str().to_owned())),
    };
    errors.finish().map_err(ApiError::Validation)?;
    Ok(AccountChange {
        role,
        disabled,
        display_name,
        email,
    })
}

/// Changes account `id` (409 when that would leave no enabled admin); a
/// disabled account's sessions end.
pub fn update(
    ctx: &mut Ctx<'_>,
    id: i32,
    change: &AccountChange,
    by: Option<i32>,
    now: i64,
) -> Result<Moderator, ApiError> {
    let account =
        accounts_db::update_account(ctx.conn, id, change, by, now).map_err(account_error)?;
    ctx.emit(Event::AccountChanged { account_id: id });
    Ok(account)
}

/// Sets account `id`'s password hash; its sessions end except
/// `keep_session` (the owner's own, when they change it themselves).
pub fn set_password(
    ctx: &mut Ctx<'_>,
    id: i32,
    hashed: &str,
    by: Option<i32>,
    keep_session: Option<&str>,
    now: i64,
) -> Result<Moderator, ApiError> {
    let account = accounts_db::set_password(ctx.conn, id, hashed, by, keep_session, now)
        .map_err(account_error)?;
    ctx.emit(Event::AccountChanged { account_id: id });
    Ok(account)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::testing::conn;

    #[test]
    fn a_new_account_is_checked_whole_and_gets_a_password_if_none_is_given() {
        assert!(matches!(
            check_new(Some(""), None, Some("boss"), Some("short")),
            Err(ApiError::Validation(e)) if e.len() == 3
        ));
        let invited = check_new(Some(" alice "), None, Some("editor"), None).unwrap();
        assert_eq!(invited.username, "alice");
        assert_eq!(invited.display_name, "alice");
        assert!(invited.generated);
        assert!(invited.password.len() >= 20);
        assert!(check_password("p", &"x".repeat(MAX_PASSWORD + 1)).is_err());
    }

    #[test]
    fn the_last_admin_stays_an_admin() {
        let mut conn = conn();
        let admin = accounts_db::by_username(&mut conn, "mod").unwrap().unwrap();
        let mut ctx = Ctx::new(&mut conn);
        let demote = check_change(Some("moderator"), None, None, None).unwrap();
        assert!(matches!(
            update(&mut ctx, admin.id, &demote, Some(admin.id), 1),
            Err(ApiError::Conflict(_))
        ));
        assert!(ctx.events().is_empty());
        let rename = check_change(None, None, Some("Mod Admin"), None).unwrap();
        assert_eq!(
            update(&mut ctx, admin.id, &rename, Some(admin.id), 2)
                .unwrap()
                .display_name,
            "Mod Admin"
        );
        assert!(matches!(
            update(&mut ctx, 999, &rename, Some(admin.id), 3),
            Err(ApiError::NotFound(_))
        ));
    }
}
