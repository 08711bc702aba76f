//! Moderator accounts (admins): list, create or invite, change role,
//! disable, issue a new password; and every account's own password
//! change. Every change is logged; password hashes never leave the server.

use super::auth::SignedIn;
use super::{db, service_as};
use crate::db::accounts::{self as accounts_db, Moderator};
use crate::domain::moderation::Role;
use crate::domain::password;
use crate::domain::time::{now, rfc3339};
use crate::error::ApiError;
use crate::limits::ClientIp;
use crate::service::accounts;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::json;

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
    pub role: &'static str,
    /// A disabled account cannot sign in.
    pub disabled: bool,
    /// Creation time.
    pub created_at: String,
    /// Where the digest of waiting comments goes (none without one).
    pub email: Option<String>,
}

impl From<Moderator> for AccountView {
    fn from(m: Moderator) -> Self {
        Self {
            id: m.id,
            username: m.username,
            display_name: m.display_name,
            role: m.role.as_str(),
            disabled: m.disabled,
            created_at: rfc3339(m.created_at),
            email: m.email,
        }
    }
}

/// Every account.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AccountList {
    /// By user name.
    pub accounts: Vec<AccountView>,
}

/// An account, with a generated password when one was made.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AccountWithPassword {
    /// The account.
    pub account: AccountView,
    /// The one-time password, shown this once; null when the admin gave
    /// one.
    pub password: Option<String>,
}

async fn hashed(password: String) -> Result<String, ApiError> {
    web::block(move || accounts::hash(&password)).await?
}

/// `GET /api/v1/moderation/accounts` (admin): every account.
#[utoipa::path(
    get,
    path = "/api/v1/moderation/accounts",
    tag = "accounts",
    security(("session" = [])),
    responses(
        (status = 200, description = "Every account, by user name (admins).", body = AccountList),
        (status = 403, response = crate::http::schemas::Forbidden),
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
        (status = 201, description = "Created (admins); `password` is the generated one-time password, or null.", body = AccountWithPassword),
        (status = 403, response = crate::http::schemas::Forbidden),
        (status = 409, response = crate::http::schemas::Conflict),
        (status = 422, response = crate::http::schemas::Validation),
    ),
)]
#[tracing::instrument(skip(state, signed_in, body), fields(moderator = %signed_in.moderator.username))]
pub async fn create(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    body: web::Json<NewAccountBody>,
) -> Result<HttpResponse, ApiError> {
    signed_in.require(Role::Admin)?;
    let account = accounts::check_new(
        body.username.as_deref(),
        body.display_name.as_deref(),
        body.role.as_deref(),
        body.password.as_deref(),
    )?;
    let hash = hashed(account.password.clone()).await?;
    let by = signed_in.moderator.id;
    let generated = account.generated.then(|| account.password.clone());
    let created = service_as(&state, signed_in.authority(Role::Admin)?, move |ctx| {
        accounts::create(ctx, &account, &hash, by, now())
    })
    .await?;
    Ok(HttpResponse::Created().json(json!({
        "account": AccountView::from(created),
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
    /// The address for the digest of waiting comments (`""` removes it).
    #[schema(max_length = 254)]
    pub email: Option<String>,
}

/// `PATCH /api/v1/moderation/accounts/{id}` (admin): changes role,
/// display name, disabled or the digest's `email`; anyone may change the
/// `email` of their own account. A disabled account's sessions end at
/// once. 409 when it would leave no enabled admin.
#[utoipa::path(
    patch,
    path = "/api/v1/moderation/accounts/{id}",
    tag = "accounts",
    security(("session" = [], "csrf" = [])),
    params(("id" = i32, Path, description = "The account.", example = 1)),
    request_body(content = AccountChangeBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Changed (admins).", body = AccountView),
        (status = 403, response = crate::http::schemas::Forbidden),
        (status = 404, response = crate::http::schemas::NotFound),
        (status = 409, response = crate::http::schemas::Conflict),
        (status = 422, response = crate::http::schemas::Validation),
    ),
)]
#[tracing::instrument(skip(state, signed_in, body), fields(moderator = %signed_in.moderator.username))]
pub async fn update(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<i32>,
    body: web::Json<AccountChangeBody>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let own_email_only = signed_in.moderator.id == id
        && body.role.is_none()
        && body.disabled.is_none()
        && body.display_name.is_none();
    let needed = if own_email_only {
        Role::Moderator
    } else {
        Role::Admin
    };
    let change = accounts::check_change(
        body.role.as_deref(),
        body.disabled,
        body.display_name.as_deref(),
        body.email.as_deref(),
    )?;
    let by = signed_in.moderator.id;
    let account = service_as(&state, signed_in.authority(needed)?, move |ctx| {
        accounts::update(ctx, id, &change, Some(by), now())
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
        (status = 200, description = "A new one-time password, shown once (admins); the account's sessions ended.", body = AccountWithPassword),
        (status = 403, response = crate::http::schemas::Forbidden),
        (status = 404, response = crate::http::schemas::NotFound),
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
    let secret = accounts::generated_password();
    let hash = hashed(secret.clone()).await?;
    let account = service_as(&state, signed_in.authority(Role::Admin)?, move |ctx| {
        accounts::set_password(ctx, id, &hash, Some(by), None, now())
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
        (status = 422, response = crate::http::schemas::Validation),
        (status = 429, response = crate::http::schemas::RateLimited),
    ),
)]
#[tracing::instrument(skip(state, signed_in, client, body), fields(moderator = %signed_in.moderator.username))]
pub async fn change_own_password(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    client: ClientIp,
    body: web::Json<PasswordBody>,
) -> Result<HttpResponse, ApiError> {
    let current = body.current_password.clone().unwrap_or_default();
    let new = body.new_password.clone().unwrap_or_default();
    accounts::check_password("new_password", &new).map_err(|e| ApiError::Validation(vec![e]))?;
    let stored = signed_in.moderator.password_hash.clone();
    let verified = web::block(move || password::verify(&current, &stored)).await?;
    if !verified {
        state.limits.record_failed_login(client.0).await?;
        return Err(ApiError::field("current_password", "is not correct"));
    }
    let hash = hashed(new).await?;
    let keep = Some(signed_in.token_hash().to_owned());
    let id = signed_in.moderator.id;
    service_as(&state, signed_in.authority(Role::Moderator)?, move |ctx| {
        accounts::set_password(ctx, id, &hash, Some(id), keep.as_deref(), now())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
