//! The OpenAPI 3.1 document of the HTTP API, generated from the handlers'
//! `#[utoipa::path]` annotations and served at `GET /api/v1/openapi.json`.
//!
//! Each handler names the answers particular to it (its success shape,
//! 403/404/409/422/429, …). The answers every endpoint of a kind can give
//! are added here by [`CommonAnswers`], from what the operation declares:
//! 400 where a path, query or body can fail to parse, 413/415 where there
//! is a body, 401 (and 403 for a missing CSRF token) where a session is
//! needed, and 500/503 everywhere. `docs/openapi.json` is the committed
//! copy; `tests/api/openapi.rs` fails when the two differ.

use super::schemas::{
    BadRequest, BanKindName, Conflict, DecisionAction, Forbidden, Internal, Limit, NotFound,
    PayloadTooLarge, QueueTab, RateLimited, TermKindName, ThreadOrder, Unauthorized, Unavailable,
    UnsupportedMediaType, Validation,
};
use super::views::{
    ClaimView, LogPage, LogView, ModComment, ParentView, PostDetail, PostView, QueueView,
    ThreadComment, ThreadPost, ThreadView,
};
use crate::db::workspace::History;
use crate::domain::FieldError;
use crate::domain::moderation::{Reason, Role};
use crate::error::Problem;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use std::sync::OnceLock;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::{Components, RefOr, Response};
use utoipa::{Modify, OpenApi};

/// The document: every operation, its shapes, and the two security
/// schemes (the session cookie and the CSRF header).
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Colloquy",
        description = "A moderated comment system. Readers' comments wait for a moderator; \
            moderators sign in with a session cookie (`colloquy_session`) and send the \
            session's CSRF token in `X-CSRF-Token` with every request that changes state. \
            Errors are RFC 9457 `application/problem+json`. A wrong method on a known path \
            is 405 with `Allow`. Any endpoint may answer 500 (a fault, logged) or 503 \
            (the database is busy); those are listed too.",
        license(name = "MIT OR Apache-2.0"),
    ),
    paths(
        crate::http::health::healthz,
        openapi_json,
        crate::http::metrics::metrics,
        crate::http::public::list_posts,
        crate::http::public::get_post,
        crate::http::public::thread,
        crate::http::public::submit,
        crate::http::public::counts,
        crate::http::public::flag,
        crate::http::auth::login,
        crate::http::auth::logout,
        crate::http::auth::logout_all,
        crate::http::auth::me,
        crate::http::accounts::change_own_password,
        crate::http::moderation::queue,
        crate::http::moderation::bulk,
        crate::http::moderation::approve,
        crate::http::moderation::reject,
        crate::http::moderation::spam,
        crate::http::moderation::create_post,
        crate::http::workspace::get_post,
        crate::http::moderation::update_post,
        crate::http::moderation::reply,
        crate::http::moderation::log,
        crate::http::moderation::reasons,
        crate::http::workspace::stats,
        crate::http::workspace::claims,
        crate::http::workspace::claim,
        crate::http::workspace::release,
        crate::http::workspace::reply_to_comment,
        crate::http::workspace::preview,
        crate::http::bans::list,
        crate::http::bans::create,
        crate::http::bans::lift,
        crate::http::bans::terms,
        crate::http::bans::add_term,
        crate::http::bans::remove_term,
        crate::http::accounts::list,
        crate::http::accounts::create,
        crate::http::accounts::update,
        crate::http::accounts::reset_password,
        crate::http::pages::index,
        crate::http::pages::post_page,
        crate::http::pages::thread_page,
        crate::http::assets::widget,
        embed_css,
        crate::http::assets::admin_redirect,
        crate::http::assets::admin,
        crate::http::assets::shared,
        crate::http::bench::fixed,
    ),
    components(
        schemas(
            Problem, FieldError, Role, Reason, History, PostView, PostDetail, ThreadPost,
            ThreadComment, ThreadView, ModComment, ParentView, ClaimView, QueueView, LogView,
            LogPage, ThreadOrder, QueueTab, Limit, DecisionAction, BanKindName, TermKindName,
        ),
        responses(
            BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PayloadTooLarge,
            UnsupportedMediaType, Validation, RateLimited, Internal, Unavailable,
        ),
    ),
    modifiers(&SecuritySchemes, &CommonAnswers),
    tags(
        (name = "public", description = "Readers and the widget; no sign-in; CORS for the configured origins."),
        (name = "auth", description = "Moderators' sign-in, session and own password."),
        (name = "moderation", description = "The queue, decisions, official replies, the log and posts."),
        (name = "workspace", description = "What the moderators' page uses beyond the queue: stats, claims, replies, preview."),
        (name = "bans", description = "Bans and the banned and suspect terms."),
        (name = "accounts", description = "Moderator accounts (admins)."),
        (name = "pages", description = "Server-rendered HTML: the demo blog and the plain-HTML thread."),
        (name = "assets", description = "The widget, the moderators' page and shared static files."),
        (name = "operations", description = "Health, metrics and this document."),
    ),
)]
pub struct ApiDoc;

/// The generated document.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The document as pretty JSON with a trailing newline: what
/// `docs/openapi.json` holds.
pub fn document_json() -> String {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        let mut text = document()
            .to_pretty_json()
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        text.push('\n');
        text
    })
    .clone()
}

/// `GET /api/v1/openapi.json`: this document. Cacheable; it changes only
/// with the server's version.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "operations",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document of this API.", body = Object, content_type = "application/json"),
        (status = 304, description = "The client's copy (`If-None-Match`) is current."),
    ),
)]
pub async fn openapi_json(req: HttpRequest) -> HttpResponse {
    static ETAG: OnceLock<String> = OnceLock::new();
    let body = document_json();
    let etag = ETAG.get_or_init(|| {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(body.as_bytes());
        let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        format!("\"{hex}\"")
    });
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut response = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag.as_str()))
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"));
    if fresh {
        response.finish()
    } else {
        response.content_type("application/json").body(body)
    }
}

/// `GET /embed.css`: served by [`super::assets::widget`] like `/embed.js`;
/// this stub only carries its description.
#[utoipa::path(
    get,
    path = "/embed.css",
    tag = "assets",
    responses(
        (status = 200, description = "The widget's styles.", body = String, content_type = "text/css"),
        (status = 304, description = "The client's copy is current."),
    ),
)]
#[allow(dead_code)]
async fn embed_css() {}

/// Adds the session cookie and CSRF header schemes.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Components::new);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                super::auth::SESSION_COOKIE,
                "The session cookie set by `POST /api/v1/auth/login` (HttpOnly, SameSite=Strict).",
            ))),
        );
        components.add_security_scheme(
            "csrf",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                super::auth::CSRF_HEADER,
                "The session's `csrf_token` (from sign-in or `GET /api/v1/auth/me`); \
                 needed with the cookie by every moderator request but GET/HEAD/OPTIONS.",
            ))),
        );
    }
}

/// Adds the answers that follow from what an operation takes: 400 for a
/// path, query or body that does not parse, 413/415 with a body, 401 (and
/// 403 with CSRF) with a session, and 500/503 for every operation.
struct CommonAnswers;

fn reference(name: &str) -> RefOr<Response> {
    RefOr::Ref(utoipa::openapi::Ref::from_response_name(name))
}

impl Modify for CommonAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::ParameterIn;
        for (path, item) in openapi.paths.paths.iter_mut() {
            let is_asset = !path.starts_with("/api/") && !path.starts_with("/healthz")
                || path == "/api/v1/openapi.json";
            let operations = [
                item.get.as_mut(),
                item.post.as_mut(),
                item.put.as_mut(),
                item.patch.as_mut(),
                item.delete.as_mut(),
            ];
            for operation in operations.into_iter().flatten() {
                let params = operation.parameters.as_deref().unwrap_or_default();
                let parses = params
                    .iter()
                    .any(|p| matches!(p.parameter_in, ParameterIn::Path | ParameterIn::Query))
                    || operation.request_body.is_some();
                let (session, csrf) = operation
                    .security
                    .as_deref()
                    .unwrap_or_default()
                    .iter()
                    .map(|requirement| {
                        let value = serde_json::to_value(requirement).unwrap_or_default();
                        (value.get("session").is_some(), value.get("csrf").is_some())
                    })
                    .fold((false, false), |(s, c), (s2, c2)| (s || s2, c || c2));
                let public_too = operation
                    .security
                    .as_deref()
                    .unwrap_or_default()
                    .iter()
                    .any(|r| serde_json::to_value(r).is_ok_and(|v| v == serde_json::json!({})));
                let responses = &mut operation.responses.responses;
                let mut add = |status: &str, name: &str| {
                    responses
                        .entry(status.to_owned())
                        .or_insert_with(|| reference(name));
                };
                if parses {
                    add("400", "BadRequest");
                }
                if operation.request_body.is_some() {
                    add("413", "PayloadTooLarge");
                    add("415", "UnsupportedMediaType");
                }
                if session && !public_too {
                    add("401", "Unauthorized");
                }
                if csrf {
                    add("403", "Forbidden");
                }
                add("500", "Internal");
                if !is_asset {
                    add("503", "Unavailable");
                }
            }
        }
    }
}
