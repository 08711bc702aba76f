//! The endpoints of the server, and the OpenAPI 3.1 document made of them,
//! served at `GET /api/v1/openapi.json`.
//!
//! [`ENDPOINTS`] is the one list of endpoints: each entry names a handler,
//! and the handler's `#[utoipa::path]` annotation gives its path, its
//! method and its operation. `src/routes.rs` wires every entry (the path's
//! other methods answer 405 with `Allow`); [`document`] is built from the
//! same entries. The table lives here rather than in `src/routes.rs`
//! because the document, which an http handler serves, is made of it, and
//! http may not name the routes (their floor is above http's).
//!
//! Each handler names the answers particular to it (its success shape,
//! 403/404/409/422/429, …). The answers every endpoint of a kind can give
//! are added here by [`CommonAnswers`], from what the operation declares:
//! 400 where a path, query or body can fail to parse, 413/415 where there
//! is a body, 401 (and 403 for a missing CSRF token) where a session is
//! needed, and 500/503 everywhere. `docs/openapi.json` is the committed
//! copy; `tests/api/openapi.rs` fails when the two differ.

use super::conditional;
use super::schemas::{
    BadRequest, BanKindName, CommentFilter, Conflict, DecisionAction, Forbidden, Internal, Limit,
    NotFound, PayloadTooLarge, QueueTab, RateLimited, TermKindName, ThreadOrder, Unauthorized,
    Unavailable, UnsupportedMediaType, Validation,
};
use super::views::{
    ClaimView, LogPage, LogView, ModComment, ParentView, PostDetail, PostView, QueueView,
    ThreadComment, ThreadPost, ThreadView,
};
use super::{
    accounts, assets, auth, bans, bench, due_process, feeds, health, mail_pages, metrics,
    moderation, outbox, pages, public, report_page, workspace,
};
use crate::db::workspace::History;
use crate::domain::FieldError;
use crate::domain::hex::hex;
use crate::domain::moderation::{Reason, Role};
use crate::error::Problem;
use actix_web::http::{Method, header};
use actix_web::{HttpRequest, HttpResponse, Route, web};
use std::sync::OnceLock;
use utoipa::openapi::path::PathItem;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::{Components, RefOr, Response};
use utoipa::{Modify, OpenApi};

/// One endpoint: a handler, described by its `#[utoipa::path]`.
pub struct Endpoint {
    /// The handler as the table names it (`public::thread`).
    pub handler: &'static str,
    /// Whether the path's last parameter takes the rest of the path,
    /// slashes and all: `/admin/{file}` is wired as `/admin/{file:.*}`.
    pub tail: bool,
    /// The handler's annotation as a document of one operation (utoipa's
    /// own derive reads it, tags and named shapes included).
    fragment: fn() -> utoipa::openapi::OpenApi,
    /// The handler as an actix route for one method.
    route: fn(Method) -> Route,
}

impl Endpoint {
    /// The part of the document this endpoint makes: its path with its
    /// operation, and the shapes the operation names.
    pub fn document(&self) -> utoipa::openapi::OpenApi {
        (self.fragment)()
    }

    /// The path the annotation gives (`/api/v1/posts/{slug}`) and the
    /// methods it names, in its order.
    pub fn path_and_methods(&self) -> (String, Vec<Method>) {
        let fragment = self.document();
        fragment
            .paths
            .paths
            .into_iter()
            .next()
            .map(|(path, item)| (path, methods(&item)))
            .unwrap_or_default()
    }

    /// The handler as an actix route answering `method`.
    pub fn route(&self, method: Method) -> Route {
        (self.route)(method)
    }
}

/// The methods a path item has operations for.
fn methods(item: &PathItem) -> Vec<Method> {
    [
        (Method::GET, item.get.is_some()),
        (Method::PUT, item.put.is_some()),
        (Method::POST, item.post.is_some()),
        (Method::DELETE, item.delete.is_some()),
        (Method::OPTIONS, item.options.is_some()),
        (Method::HEAD, item.head.is_some()),
        (Method::PATCH, item.patch.is_some()),
        (Method::TRACE, item.trace.is_some()),
    ]
    .into_iter()
    .filter_map(|(method, present)| present.then_some(method))
    .collect()
}

/// `endpoints![module::handler, other::handler [tail], …]`: the table's
/// entries. Each handler is named once; its annotation is read twice, by
/// a one-path `#[derive(OpenApi)]` for the document and (through that
/// document) for the route's path and method.
macro_rules! endpoints {
    (@tail) => { false };
    (@tail tail) => { true };
    ($($first:ident $(:: $rest:ident)* $([$tail:ident])?),* $(,)?) => {
        &[$(Endpoint {
            handler: concat!(stringify!($first) $(, "::", stringify!($rest))*),
            tail: endpoints!(@tail $($tail)?),
            fragment: || {
                #[derive(OpenApi)]
                #[openapi(paths($first $(:: $rest)*))]
                struct One;
                One::openapi()
            },
            route: |method| web::method(method).to($first $(:: $rest)*),
        }),*]
    };
}

/// Every endpoint of the server, in the order the routes are wired. A
/// path's entries (`GET` and `POST` of a thread) together make its
/// methods, in this order; `Allow` names them so.
pub static ENDPOINTS: &[Endpoint] = endpoints![
    health::healthz,
    metrics::metrics,
    pages::index,
    pages::post_page,
    pages::thread_page,
    feeds::site_feed,
    feeds::post_feed,
    mail_pages::confirm_page,
    mail_pages::confirm,
    mail_pages::unsubscribe_page,
    mail_pages::unsubscribe,
    due_process::policy,
    due_process::statement_page,
    due_process::appeal_form,
    report_page::report_page,
    report_page::report_form,
    due_process::transparency_page,
    bench::fixed,
    assets::widget,
    assets::embed_css,
    assets::words,
    assets::admin_redirect,
    assets::admin[tail],
    assets::shared[tail],
    openapi_json,
    public::list_posts,
    public::get_post,
    public::thread,
    public::submit,
    public::preview_comment,
    public::counts,
    public::flag,
    due_process::notice,
    due_process::appeal,
    due_process::transparency,
    auth::login,
    auth::logout,
    auth::logout_all,
    auth::me,
    moderation::queue,
    moderation::bulk,
    moderation::approve,
    moderation::reject,
    moderation::spam,
    moderation::list_posts,
    moderation::create_post,
    workspace::get_post,
    moderation::update_post,
    moderation::reply,
    moderation::log,
    moderation::reasons,
    due_process::statement,
    due_process::comment_notices,
    due_process::resolve_notice,
    workspace::stats,
    workspace::claims,
    workspace::claim,
    workspace::release,
    workspace::reply_to_comment,
    workspace::preview,
    bans::list,
    bans::create,
    bans::lift,
    bans::terms,
    bans::add_term,
    bans::remove_term,
    accounts::list,
    outbox::list,
    outbox::retry,
    outbox::drop_failed,
    accounts::create,
    accounts::update,
    accounts::reset_password,
    accounts::change_own_password,
];

/// The document without its paths: the description, the shapes listed
/// by name, and the tags. [`document`] adds the operations of [`ENDPOINTS`]
/// and the security schemes and common answers.
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
    components(
        schemas(
            Problem, FieldError, Role, Reason, History, PostView, PostDetail, ThreadPost,
            ThreadComment, ThreadView, ModComment, ParentView, ClaimView, QueueView, LogView,
            LogPage, ThreadOrder, QueueTab, Limit, CommentFilter, DecisionAction, BanKindName,
            TermKindName,
        ),
        responses(
            BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PayloadTooLarge,
            UnsupportedMediaType, Validation, RateLimited, Internal, Unavailable,
        ),
    ),
    tags(
        (name = "public", description = "Readers and the widget; no sign-in; CORS for the configured origins."),
        (name = "auth", description = "Moderators' sign-in, session and own password."),
        (name = "moderation", description = "The queue, decisions, official replies, the log and posts."),
        (name = "workspace", description = "What the moderators' page uses beyond the queue: stats, claims, replies, preview."),
        (name = "bans", description = "Bans and the banned and suspect terms."),
        (name = "accounts", description = "Moderator accounts (admins)."),
        (name = "pages", description = "Server-rendered HTML: the demo blog and the plain-HTML thread."),
        (name = "feeds", description = "Atom feeds of published comments: the whole site's and each post's."),
        (name = "mail", description = "The pages the links of messages to readers open: confirming an address, unsubscribing it."),
        (name = "assets", description = "The widget, the moderators' page and shared static files."),
        (name = "operations", description = "Health, metrics and this document."),
    ),
)]
struct Frame;

/// The generated document: the frame, every endpoint's operation and
/// the shapes it names, the security schemes, and the answers common to
/// every endpoint of a kind.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut document = Frame::openapi();
    for endpoint in ENDPOINTS {
        document.merge(endpoint.document());
    }
    SecuritySchemes.modify(&mut document);
    CommonAnswers.modify(&mut document);
    document
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
        format!("\"{}\"", hex(&digest[..12]))
    });
    conditional::get(&req, etag)
        .header((header::CACHE_CONTROL, "public, max-age=300"))
        .send(|ok| ok.content_type("application/json").body(body))
}

/// Adds the session cookie and CSRF header schemes.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Components::new);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                super::auth::SESSION_COOKIE,
                "The session cookie set by `POST /api/v1/auth/login` (HttpOnly, SameSite=Strict); \
                 named `__Host-colloquy_session` when served over https. A request carrying \
                 more than one session cookie is refused (401).",
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

#[cfg(test)]
mod patterns;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_documents_one_path_with_a_tagged_operation_named_after_its_handler() {
        let mut seen = std::collections::BTreeSet::new();
        for endpoint in ENDPOINTS {
            assert!(seen.insert(endpoint.handler), "{} twice", endpoint.handler);
            let fragment = endpoint.document();
            assert_eq!(fragment.paths.paths.len(), 1, "{}", endpoint.handler);
            let (path, item) = fragment.paths.paths.iter().next().unwrap();
            let (documented, methods) = endpoint.path_and_methods();
            assert_eq!(*path, documented);
            assert!(!methods.is_empty(), "{}: no method", endpoint.handler);
            let name = endpoint.handler.rsplit("::").next().unwrap();
            let operations = [&item.get, &item.put, &item.post, &item.patch, &item.delete];
            for operation in operations.into_iter().flatten() {
                assert_eq!(operation.operation_id.as_deref(), Some(name));
                assert_eq!(
                    operation.tags.as_ref().map(Vec::len),
                    Some(1),
                    "{}: give #[utoipa::path] a tag",
                    endpoint.handler
                );
            }
        }
    }
}
