//! Moderator accounts (admins): list, create or invite, change role,
//! disable, issue a new password; and every account's own password
//! change. Every change is logged; password hashes never leave the server.

use super::auth::{SESSION_COOKIE, SignedIn};
use super::db;
use crate::db::accounts::{self as accounts_db, AccountChange, AccountError, Moderator};
use crate::domain::moderation::Role;
use crate::domain::password::{self, MIN_PASSWORD};
use crate::domain::text::single_line;
use crate::domain::time::{now, rfc3339};
use crate::domain::{Errors, FieldError};
use crate::error::ApiError;
use crate::limits::ClientIp;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Longest user name.
pub const MAX_USERNAME: usize = 64;
/// Longest display name.
pub const MAX_DISPLAY_NAME: usize = 80;
/// Longest password accepted (argon2 takes any length; this bounds work).
pub const MAX_PASSWORD: usize = 1_000;

/// An account as the API shows it: never its password hash.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AccountView {
    /// Id.
    pub id: i32,
    /// Sign-in name.
    pub username: String,
    /// Name shown in the workspace.
    pub display_name: String,
    /// `moderator`, `editor` or `admin`.
    pub role: String,
    /// A disabled account cannot sign in.
    pub disabled: bool,
    /// Creation time.
    pub created_at: String,
}

impl From<Moderator> for AccountView {
    fn from(m: Moderator) -> Self {
        Self {
            id: m.id,
            username: m.username,
            display_name: m.display_name,
            role: m.role,
            disabled: m.disabled,
            created_at: rfc3339(m.created_at),
        }
    }
}

fn account_error(error: AccountError) -> ApiError {
    match error {
        AccountError::NameTaken => ApiError::Conflict("That user name is taken.".into()),
        AccountError::NotFound => ApiError::NotFound("There is no such account.".into()),
        AccountError::LastAdmin => ApiError::Conflict(
            "This is the last enabled admin account; make another admin first.".into(),
        ),
        AccountError::Db(e) => ApiError::internal(e),
    }
}

/// A password made for someone else: 128 random bits, shown once.
fn generated_password() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>())
}

fn check_password(field: &str, value: &str) -> Result<(), FieldError> {
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

async fn hash(password: String) -> Result<String, ApiError> {
    web::block(move || password::hash(&password))
        .await?
        .map_err(|e| ApiError::internal(anyhow::anyhow!("hashing a password: {e}")))
}

/// `GET /api/v1/moderation/accounts` (admin): every account.
#[utoipa::path(
    get,
    path = "/api/v1/moderation/accounts",
    tag = "accounts",
    security(("session" = [])),
    responses(
        (status = 200, description = "Every account, by user name (admins).", body = crate::http::openapi::AccountList),
        (status = 403, response = crate::http::openapi::Forbidden),
    ),
)]
#[tracing::instrument(skip(state, signed_in), fields(moderator = %signed_in.moderator.username))]
pub async fn list(
    state: web::Data<AppState>,
    signed_in: SignedIn,
) -> Result<HttpResponse, ApiError> {
    signed_in.require(Role::Admin)?;
    let accounts = db(&state, |conn| Ok(accounts_db::list(conn)?)).await?;
    let accounts: Vec<AccountView> = accounts.into_iter().map(AccountView::from).collect();
    Ok(HttpResponse::Ok().json(json!({ "accounts": accounts })))
}

/// Body of a new account.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccountBody {
    /// Sign-in name.
    #[schema(value_type = String, required = true, pattern = r"^\s*[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069](?:[^\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]{0,62}[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069])?\s*$")]
    pub username: Option<String>,
    /// Name shown in the workspace (defaults to the user name).
    #[schema(
        pattern = r"^\s*(?:[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069](?:[^\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]{0,78}[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069])?)?\s*$"
    )]
    pub display_name: Option<String>,
    /// `moderator`, `editor` or `admin`.
    #[schema(value_type = Role, required = true)]
    pub role: Option<String>,
    /// A password; without one, a one-time password is generated and
    /// returned once (an invitation).
    #[schema(min_length = 10, max_length = 1000)]
    pub password: Option<String>,
}

/// `POST /api/v1/moderation/accounts` (admin): creates an account. 201
/// `{"account", "password"}`, where `password` is the generated one (shown
/// this once) or null when one was given; 409 if the name is taken.
#[utoipa::path(
    post,
    path = "/api/v1/moderation/accounts",
    tag = "accounts",
    security(("session" = [], "csrf" = [])),
    request_body(content = NewAccountBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Created (admins); `password` is the generated one-time password, or null.", body = crate::http::openapi::AccountWithPassword),
        (status = 403, response = crate::http::openapi::Forbidden),
        (status = 409, response = crate::http::openapi::Conflict),
        (status = 422, response = crate::http::openapi::Validation),
    ),
)]
#[tracing::instrument(skip(state, signed_in, body), fields(moderator = %signed_in.moderator.username))]
pub async fn create(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    body: web::Json<NewAccountBody>,
) -> Result<HttpResponse, ApiError> {
    signed_in.require(Role::Admin)?;
    let body = body.into_inner();
    let mut errors = Errors::default();
    let username = errors
        .take(single_line(
            "username",
            body.username.as_deref().unwrap_or(""),
            MAX_USERNAME,
            true,
        ))
        .flatten();
    let display_name = errors
        .take(single_line(
            "display_name",
            body.display_name.as_deref().unwrap_or(""),
            MAX_DISPLAY_NAME,
            false,
        ))
        .flatten();
    let role = body.role.as_deref().and_then(Role::parse);
    if role.is_none() {
        errors.push(FieldError::new(
            "role",
            "must be moderator, editor or admin",
        ));
    }
    if let Some(p) = &body.password {
        errors.take(check_password("password", p));
    }
    errors.finish().map_err(ApiError::Validation)?;
    let (Some(username), Some(role)) = (username, role) else {
        return Err(ApiError::field("username", "could not be read"));
    };
    let display_name = display_name.unwrap_or_else(|| username.clone());
    let generated = body.password.is_none().then(generated_password);
    let secret = body
        .password
        .clone()
        .or_else(|| generated.clone())
        .unwrap_or_default();
    let hashed = hash(secret).await?;
    let by = signed_in.moderator.id;
    let account = db(&state, move |conn| {
        accounts_db::create_moderator_by(
            conn,
            &username,
            &display_name,
            role.as_str(),
            &hashed,
            now(),
            Some(by),
        )
        .map_err(account_error)
    })
    .await?;
    Ok(HttpResponse::Created().json(json!({
        "account": AccountView::from(account),
        "password": generated,
    })))
}

/// Body of an account change.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountChangeBody {
    /// New role.
    #[schema(value_type = Option<Role>)]
    pub role: Option<String>,
    /// Disable or enable.
    pub disabled: Option<bool>,
    /// New display name.
    #[schema(
        pattern = r"^\s*[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069](?:[^\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]{0,78}[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069])?\s*$"
    )]
    pub display_name: Option<String>,
}

/// `PATCH /api/v1/moderation/accounts/{id}` (admin): changes role,
/// display name or disabled. A disabled account's sessions end at once.
/// 409 when it would leave no enabled admin.
#[utoipa::path(
    patch,
    path = "/api/v1/moderation/accounts/{id}",
    tag = "accounts",
    security(("session" = [], "csrf" = [])),
    params(("id" = i32, Path, description = "The account.", example = 1)),
    request_body(content = AccountChangeBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Changed (admins).", body = AccountView),
        (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound),
        (status = 409, response = crate::http::openapi::Conflict),
        (status = 422, response = crate::http::openapi::Validation),
    ),
)]
#[tracing::instrument(skip(state, signed_in, body), fields(moderator = %signed_in.moderator.username))]
pub async fn update(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<i32>,
    body: web::Json<AccountChangeBody>,
) -> Result<HttpResponse, ApiError> {
    signed_in.require(Role::Admin)?;
    let body = body.into_inner();
    let mut errors = Errors::default();
    let role = match body.role.as_deref() {
        None => None,
        Some(r) => match Role::parse(r) {
            Some(role) => Some(role.as_str().to_owned()),
            None => {
                errors.push(FieldError::new(
                    "role",
                    "must be moderator, editor or admin",
                ));
                None
            }
        },
    };
    let display_name = match body.display_name.as_deref() {
        None => None,
        Some(d) => errors
            .take(single_line("display_name", d, MAX_DISPLAY_NAME, true))
            .flatten(),
    };
    errors.finish().map_err(ApiError::Validation)?;
    let change = AccountChange {
        role,
        disabled: body.disabled,
        display_name,
    };
    let id = id.into_inner();
    let by = signed_in.moderator.id;
    let account = db(&state, move |conn| {
        accounts_db::update_account(conn, id, &change, by, now()).map_err(account_error)
    })
    .await?;
    Ok(HttpResponse::Ok().json(AccountView::from(account)))
}

/// `POST /api/v1/moderation/accounts/{id}/password` (admin): issues a new
/// one-time password for the account, returned this once; its sessions
/// end. 200 `{"account", "password"}`.
#[utoipa::path(
    post,
    path = "/api/v1/moderation/accounts/{id}/password",
    tag = "accounts",
    security(("session" = [], "csrf" = [])),
    params(("id" = i32, Path, description = "The account.", example = 1)),
    responses(
        (status = 200, description = "A new one-time password, shown once (admins); the account's sessions ended.", body = crate::http::openapi::AccountWithPassword),
        (status = 403, response = crate::http::openapi::Forbidden),
        (status = 404, response = crate::http::openapi::NotFound),
    ),
)]
#[tracing::instrument(skip(state, signed_in), fields(moderator = %signed_in.moderator.username))]
pub async fn reset_password(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<i32>,
) -> Result<HttpResponse, ApiError> {
    signed_in.require(Role::Admin)?;
    let id = id.into_inner();
    let by = signed_in.moderator.id;
    let secret = generated_password();
    let hashed = hash(secret.clone()).await?;
    let account = db(&state, move |conn| {
        accounts_db::set_password(conn, id, &hashed, by, None, now()).map_err(account_error)
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({
        "account": AccountView::from(account),
        "password": secret,
    })))
}

/// Body of one's own password change.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordBody {
    /// The password now in use.
    #[schema(value_type = String, required = true)]
    pub current_password: Option<String>,
    /// The new one.
    #[schema(value_type = String, required = true, min_length = 10, max_length = 1000)]
    pub new_password: Option<String>,
}

/// `POST /api/v1/auth/password`: the signed-in moderator changes their own
/// password. 204; their other sessions end, this one stays. A wrong
/// current password is a 422 and counts as a failed sign-in.
#[utoipa::path(
    post,
    path = "/api/v1/auth/password",
    tag = "auth",
    security(("session" = [], "csrf" = [])),
    request_body(content = PasswordBody, content_type = "application/json"),
    responses(
        (status = 204, description = "Changed; the account's other sessions ended."),
        (status = 422, response = crate::http::openapi::Validation),
        (status = 429, response = crate::http::openapi::RateLimited),
    ),
)]
#[tracing::instrument(skip(state, signed_in, req, client, body), fields(moderator = %signed_in.moderator.username))]
pub async fn change_own_password(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
    client: ClientIp,
    body: web::Json<PasswordBody>,
) -> Result<HttpResponse, ApiError> {
    let current = body.current_password.clone().unwrap_or_default();
    let new = body.new_password.clone().unwrap_or_default();
    check_password("new_password", &new).map_err(|e| ApiError::Validation(vec![e]))?;
    let stored = signed_in.moderator.password_hash.clone();
    let verified = web::block(move || password::verify(&current, &stored)).await?;
    if !verified {
        state.limits.record_failed_login(client.0)?;
        return Err(ApiError::field("current_password", "is not correct"));
    }
    let hashed = hash(new).await?;
    let keep = req
        .cookie(SESSION_COOKIE)
        .map(|c| super::auth::token_hash(c.value()));
    let id = signed_in.moderator.id;
    db(&state, move |conn| {
        accounts_db::set_password(conn, id, &hashed, id, keep.as_deref(), now())
            .map_err(account_error)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
