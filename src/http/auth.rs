//! Moderators' sign-in: server-side sessions behind an HttpOnly cookie,
//! a CSRF token for every state-changing request, and role checks.
//!
//! The cookie is `__Host-colloquy_session` over https: the prefix makes
//! the browser refuse it from anyone but this host (Secure, `Path=/`, no
//! `Domain`), so a page on a sibling subdomain cannot plant one. Over plain
//! http, where no prefix binds, it is `colloquy_session`, and a request
//! carrying more than one session cookie (of either name) is refused with
//! 401 and logged: a sibling subdomain can toss in a second cookie with a
//! longer path that the browser sends first, and reading either one would
//! lock the moderator out or sign them in as the attacker.

use super::{db, service, service_as};
use crate::db::accounts::{self, Moderator};
use crate::db::authority::Authority;
use crate::domain::moderation::Role;
use crate::domain::time::now;
use crate::error::ApiError;
use crate::limits::{ClientIp, is_https};
use crate::service::sessions;
use crate::state::AppState;
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::dev::Payload;
use actix_web::http::Method;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;
use subtle::ConstantTimeEq;

/// The session cookie's name over plain http.
pub const SESSION_COOKIE: &str = "colloquy_session";
/// The session cookie's name over https (see the module's documentation).
pub const HOST_SESSION_COOKIE: &str = "__Host-colloquy_session";

/// The session cookie's name for this request.
fn cookie_name(req: &HttpRequest, state: &AppState) -> &'static str {
    if is_https(req, &state.settings) {
        HOST_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}

/// The session token the request carries under `name`: read from the raw
/// `Cookie` headers, so that every session cookie is counted, even beside
/// a pair that does not parse. 401 for none, and for more than one of
/// either name (logged: a sign of cookie tossing).
fn session_token(req: &HttpRequest, name: &str) -> Result<String, ApiError> {
    let mut count = 0usize;
    let mut found = None;
    let pairs = req
        .headers()
        .get_all(actix_web::http::header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'));
    for pair in pairs {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = key.trim();
        if key == SESSION_COOKIE || key == HOST_SESSION_COOKIE {
            count += 1;
            if key == name {
                found = Some(value.trim().trim_matches('"').to_owned());
            }
        }
    }
    if count > 1 {
        tracing::warn!(
            cookies = count,
            path = req.path(),
            "refused a request carrying more than one session cookie (cookie tossing?)"
        );
        return Err(ApiError::Unauthorized);
    }
    found
        .filter(|t| !t.is_empty())
        .ok_or(ApiError::Unauthorized)
}
/// The header that must echo the CSRF token.
pub const CSRF_HEADER: &str = "X-CSRF-Token";

/// A signed-in moderator, checked on every request: a live session, an
/// enabled account and, for anything but GET/HEAD/OPTIONS, the CSRF header.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The account.
    pub moderator: Moderator,
    /// Its role.
    pub role: Role,
    /// The session's CSRF token.
    pub csrf_token: String,
    /// Hash of the session token.
    token_hash: String,
}

impl SignedIn {
    /// The hash of the session's token (the session's key).
    pub fn token_hash(&self) -> &str {
        &self.token_hash
    }

    /// The authority a change needing `role` runs under (403 now unless
    /// the account has that role): checked again inside the change's own
    /// transaction, see `db::authority`.
    pub fn authority(&self, role: Role) -> Result<Authority, ApiError> {
        self.require(role)?;
        Ok(Authority {
            account_id: self.moderator.id,
            token_hash: self.token_hash.clone(),
            role,
        })
    }

    /// A 403 unless the account has at least `role`.
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.role >= role {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "This needs the {} role; you are signed in as {}.",
                role.as_str(),
                self.role.as_str()
            )))
        }
    }
}

fn session_window(state: &AppState) -> (i64, i64) {
    let now = now();
    let idle = i64::from(state.settings.session.idle_minutes) * 60;
    (now, now - idle)
}

impl FromRequest for SignedIn {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| ApiError::internal(anyhow::anyhow!("application state missing")))?;
            let token = session_token(&req, cookie_name(&req, &state))?;
            let hash = sessions::token_hash(&token);
            let (now, idle_since) = session_window(&state);
            let lookup = hash.clone();
            let (session, moderator) = db(&state, move |conn| {
                Ok(accounts::live_session(conn, &lookup, now, idle_since)?)
            })
            .await?
            .ok_or(ApiError::Unauthorized)?;
            let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
            if !safe {
                let sent = req
                    .headers()
                    .get(CSRF_HEADER)
                    .map(|v| v.as_bytes())
                    .unwrap_or_default();
                if !bool::from(sent.ct_eq(session.csrf_token.as_bytes())) {
                    return Err(ApiError::Forbidden(format!(
                        "Send the session's CSRF token in the {CSRF_HEADER} header."
                    )));
                }
            }
            let role = moderator.role;
            Ok(SignedIn {
                moderator,
                role,
                csrf_token: session.csrf_token,
                token_hash: hash,
            })
        })
    }
}

/// Body of a sign-in.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LoginBody {
    /// User name.
    pub username: String,
    /// Password.
    pub password: String,
}

/// Who is signed in, and the token their page must send back.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    /// The account's id (for `PATCH /moderation/accounts/{id}` of one's
    /// own address).
    pub id: i32,
    /// User name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// CSRF token for `X-CSRF-Token`.
    pub csrf_token: String,
    /// The address the digest of waiting comments goes to.
    pub email: Option<String>,
}

/// `POST /api/v1/auth/login`.
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "auth",
    request_body(content = LoginBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Signed in; the session cookie is set.", body = Me,
            headers(("Set-Cookie" = String, description = "`colloquy_session=…; HttpOnly; SameSite=Strict; Path=/`; over https `__Host-colloquy_session=…; Secure; HttpOnly; SameSite=Strict; Path=/`. A request carrying more than one session cookie is 401."))),
        (status = 401, response = crate::http::schemas::Unauthorized),
        (status = 429, response = crate::http::schemas::RateLimited),
    ),
)]
#[tracing::instrument(skip(state, req, client, body), fields(username = %body.username))]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    client: ClientIp,
    body: web::Json<LoginBody>,
) -> Result<HttpResponse, ApiError> {
    state.limits.check_login_allowed(client.0).await?;
    let LoginBody { username, password } = body.into_inner();
    state.limits.check_account(&username).await?;
    let lifetime = i64::from(state.settings.session.lifetime_hours) * 3600;
    let found = service(&state, move |ctx| {
        sessions::sign_in(ctx, &username, &password, lifetime, now())
    })
    .await?;
    let Some(opened) = found else {
        state.limits.record_failed_login(client.0).await?;
        return Err(ApiError::Unauthorized);
    };
    let cookie = Cookie::build(cookie_name(&req, &state), opened.token)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(is_https(&req, &state.settings))
        .max_age(CookieDuration::seconds(lifetime))
        .finish();
    let mut answer = HttpResponse::Ok();
    answer.cookie(cookie);
    if is_https(&req, &state.settings) {
        // A plain-named cookie this host set before it was served over
        // https would now count as a second session cookie: clear it.
        answer.cookie(removal_cookie(SESSION_COOKIE, true));
    }
    Ok(answer.json(Me {
        id: opened.account.id,
        email: opened.account.email,
        username: opened.account.username,
        display_name: opened.account.display_name,
        role: opened.account.role,
        csrf_token: opened.csrf,
    }))
}

/// A `Set-Cookie` that clears this host's session cookie `name`.
fn removal_cookie(name: &'static str, secure: bool) -> Cookie<'static> {
    let mut cookie = Cookie::build(name, "")
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .finish();
    cookie.make_removal();
    cookie
}

/// `POST /api/v1/auth/logout`: ends the session (CSRF-checked) and clears
/// the cookie. Without a session it only clears the cookie.
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    tag = "auth",
    security((), ("session" = [], "csrf" = [])),
    responses(
        (status = 204, description = "The session (if any) ended; the cookie is cleared."),
        (status = 403, response = crate::http::schemas::Forbidden),
    ),
)]
pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    match SignedIn::extract(&req).await {
        Ok(signed_in) => {
            let hash = signed_in.token_hash.clone();
            service(&state, move |ctx| sessions::sign_out(ctx, &hash)).await?;
        }
        Err(ApiError::Unauthorized) => {}
        Err(other) => return Err(other),
    }
    Ok(HttpResponse::NoContent()
        .cookie(removal_cookie(
            cookie_name(&req, &state),
            is_https(&req, &state.settings),
        ))
        .finish())
}

/// `POST /api/v1/auth/logout-all`: ends every session of the signed-in
/// account, on every device (CSRF-checked), logs it, and clears this
/// browser's cookie.
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout-all",
    tag = "auth",
    security(("session" = [], "csrf" = [])),
    responses((status = 204, description = "Every session of the account ended (on every device); this browser's cookie is cleared.")),
)]
pub async fn logout_all(
    state: web::Data<AppState>,
    req: HttpRequest,
    signed_in: SignedIn,
) -> Result<HttpResponse, ApiError> {
    let moderator = signed_in.moderator.id;
    service_as(&state, signed_in.authority(Role::Moderator)?, move |ctx| {
        sessions::sign_out_everywhere(ctx, moderator, now())
    })
    .await?;
    Ok(HttpResponse::NoContent()
        .cookie(removal_cookie(
            cookie_name(&req, &state),
            is_https(&req, &state.settings),
        ))
        .finish())
}

/// `GET /api/v1/auth/me`.
#[utoipa::path(
    get,
    path = "/api/v1/auth/me",
    tag = "auth",
    security(("session" = [])),
    responses((status = 200, description = "Who is signed in, and the session's CSRF token.", body = Me)),
)]
pub async fn me(signed_in: SignedIn) -> HttpResponse {
    HttpResponse::Ok().json(Me {
        id: signed_in.moderator.id,
        email: signed_in.moderator.email,
        username: signed_in.moderator.username,
        display_name: signed_in.moderator.display_name,
        role: signed_in.role,
        csrf_token: signed_in.csrf_token,
    })
}
