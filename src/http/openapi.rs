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

use super::conditional;
use super::views::{
    ClaimView, LogPage, LogView, ModComment, ParentView, PostDetail, PostView, QueueView,
    ThreadComment, ThreadPost, ThreadView,
};
use crate::db::workspace::History;
use crate::domain::FieldError;
use crate::domain::hex::hex;
use crate::domain::moderation::{Reason, Role};
use crate::error::{PROBLEM_JSON, Problem};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::{Components, RefOr, Response};
use utoipa::{IntoParams, Modify, OpenApi, ToResponse, ToSchema};

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
        format!("\"{}\"", hex(&digest[..12]))
    });
    conditional::get(&req, etag)
        .header((header::CACHE_CONTROL, "public, max-age=300"))
        .send(|ok| ok.content_type("application/json").body(body))
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

/// A string enumeration whose empty value means the default (the
/// server reads `?order=` as no `order`), which a derived schema cannot
/// say.
fn choice(description: &str, values: &[&str]) -> RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .enum_values(Some(values.iter().copied()))
        .into()
}

/// Order of top-level items: `oldest` (the default, also when empty) or
/// `newest`.
pub struct ThreadOrder;

impl utoipa::PartialSchema for ThreadOrder {
    fn schema() -> RefOr<utoipa::openapi::schema::Schema> {
        choice(
            "Order: `oldest` (the default, also when empty) or `newest` first.",
            &["", "oldest", "newest"],
        )
    }
}

impl ToSchema for ThreadOrder {}

/// A page size: a whole number from 0 (read as 1), or empty for the
/// default.
pub struct Limit;

impl utoipa::PartialSchema for Limit {
    fn schema() -> RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{
            KnownFormat, ObjectBuilder, OneOfBuilder, SchemaFormat, Type,
        };
        OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
                    .minimum(Some(0)),
            )
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some([""])),
            )
            .description(Some(
                "Items wanted, clamped to 1..=200 (a larger number gives 200); empty for the \
                 default. Negative or non-numeric is 400.",
            ))
            .into()
    }
}

impl ToSchema for Limit {}

/// A tab of the moderation queue.
pub struct QueueTab;

impl utoipa::PartialSchema for QueueTab {
    fn schema() -> RefOr<utoipa::openapi::schema::Schema> {
        choice(
            "A tab of the queue: `pending` (the default, also when empty), `approved`, \
             `rejected`, `spam`, or `flagged` (open reader flags, whatever the status).",
            &["", "pending", "approved", "rejected", "spam", "flagged"],
        )
    }
}

impl ToSchema for QueueTab {}

/// What a bulk decision does.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum DecisionAction {
    /// Publish.
    Approve,
    /// Reject, citing `reason`.
    Reject,
    /// File as spam.
    Spam,
}

/// What a ban matches.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum BanKindName {
    /// An e-mail address (compared ignoring case).
    Email,
    /// The keyed hash of the sender's IP address (IPv6 by /64).
    IpHash,
}

/// Which list a term is on.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum TermKindName {
    /// A comment containing it is rejected.
    Banned,
    /// A comment containing it waits with a signal.
    Suspect,
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

macro_rules! problem_response {
    ($name:ident, $description:literal) => {
        #[doc = $description]
        #[derive(ToResponse)]
        #[response(description = $description, content_type = PROBLEM_JSON)]
        pub struct $name(#[allow(dead_code)] Problem);
    };
}

problem_response!(
    BadRequest,
    "The request could not be read: a malformed path, query or body (bad JSON, unknown field, a cursor this server did not make)."
);
problem_response!(Unauthorized, "Not signed in, or the session has ended.");
problem_response!(
    Forbidden,
    "Signed in but not allowed: a missing or wrong `X-CSRF-Token`, or a role that lacks the right."
);
problem_response!(NotFound, "No such post, comment or resource.");
problem_response!(
    Conflict,
    "The change conflicts with what exists (a slug or name taken, a ban in force)."
);
problem_response!(
    PayloadTooLarge,
    "The body is larger than `max_body_bytes` (64 KiB by default)."
);
problem_response!(
    UnsupportedMediaType,
    "The body's content type is not one this endpoint reads."
);
problem_response!(
    Validation,
    "Fields failed validation; `errors` names each one with a message."
);
problem_response!(
    Internal,
    "A fault on the server; the cause is logged, never sent."
);
problem_response!(
    Unavailable,
    "The server is busy (no database connection was free in time); try again shortly."
);

/// Too many requests from this address.
#[derive(ToResponse)]
#[response(
    description = "Rate limited; try again after `Retry-After` seconds.",
    content_type = PROBLEM_JSON,
    headers(("Retry-After" = u64, description = "Seconds until a retry can succeed."))
)]
pub struct RateLimited(#[allow(dead_code)] Problem);

// ---------------------------------------------------------------------
// Shapes that handlers build with `json!`: described here, checked
// against the live server by schemathesis (scripts/schemathesis.sh).
// ---------------------------------------------------------------------

/// `GET /healthz`.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` (a failing database is a 503).
    pub status: String,
}

/// A page of posts, newest first.
#[derive(Serialize, ToSchema)]
pub struct PostList {
    /// The posts.
    pub posts: Vec<PostView>,
    /// Cursor of the next page; null on the last.
    pub next: Option<String>,
}

/// Comment counts per slug.
#[derive(Serialize, ToSchema)]
pub struct Counts {
    /// Approved items per slug asked for; unknown slugs count 0.
    pub counts: BTreeMap<String, i64>,
}

/// A reader's flag was received.
#[derive(Serialize, ToSchema)]
pub struct FlagReceived {
    /// Always `received`.
    pub status: String,
    /// Words for the reader.
    pub message: String,
}

/// How many comments a bulk decision changed.
#[derive(Serialize, ToSchema)]
pub struct BulkResult {
    /// Comments decided (unknown ids are not counted).
    pub updated: i64,
}

/// The rejection reasons.
#[derive(Serialize, ToSchema)]
pub struct ReasonList {
    /// In the configured order.
    pub reasons: Vec<Reason>,
}

/// Comments per queue tab.
#[derive(Serialize, ToSchema)]
pub struct TabCounts {
    /// Waiting for a decision.
    pub pending: i64,
    /// With open reader flags, whatever their status.
    pub flagged: i64,
    /// In the spam bin.
    pub spam: i64,
    /// Rejected.
    pub rejected: i64,
    /// Approved.
    pub approved: i64,
}

/// Pending comments on one post.
#[derive(Serialize, ToSchema)]
pub struct PendingByPost {
    /// The post's slug.
    pub slug: String,
    /// Its title.
    pub title: String,
    /// Comments waiting.
    pub pending: i64,
}

/// `GET /api/v1/moderation/stats`.
#[derive(Serialize, ToSchema)]
pub struct Stats {
    /// Per tab, with the `post` and `q` filters applied.
    pub counts: TabCounts,
    /// When the oldest pending comment arrived; null when none waits.
    #[schema(format = DateTime)]
    pub oldest_pending_at: Option<String>,
    /// How long it has waited, in seconds.
    pub oldest_pending_age_seconds: Option<i64>,
    /// Most pending first.
    pub pending_by_post: Vec<PendingByPost>,
}

/// A claim on a queue item, with the item's current status.
#[derive(Serialize, ToSchema)]
pub struct ClaimState {
    /// The comment.
    pub comment_id: i32,
    /// Whether the caller holds the claim.
    pub mine: bool,
    /// Who holds it.
    pub claimed_by: ClaimView,
    /// When it stops being fresh unless renewed.
    #[schema(format = DateTime)]
    pub expires_at: String,
    /// The comment's status now (`pending`, `approved`, `rejected`, `spam`).
    pub status: String,
}

/// Every fresh claim.
#[derive(Serialize, ToSchema)]
pub struct ClaimList {
    /// The claims.
    pub claims: Vec<super::workspace::ClaimAnswer>,
    /// How long a claim stays fresh, in seconds.
    pub ttl_seconds: i64,
}

/// An official reply to a comment, and the comment as it now stands.
#[derive(Serialize, ToSchema)]
pub struct ReplyResult {
    /// The reply, published.
    pub reply: ThreadComment,
    /// The comment answered, in the queue's shape.
    pub comment: Option<ModComment>,
}

/// A rendered preview.
#[derive(Serialize, ToSchema)]
pub struct Preview {
    /// Sanitised HTML, exactly as it would be published; `""` for an
    /// empty body.
    pub body_html: String,
}

/// A post as editors see it.
#[derive(Serialize, ToSchema)]
pub struct EditorPost {
    /// The public fields.
    #[serde(flatten)]
    pub post: PostView,
    /// The sanitised body.
    pub body_html: String,
    /// Its Markdown source.
    pub body_source: String,
    /// When `auto_close_days` closed its comments, if it did.
    #[schema(format = DateTime)]
    pub auto_closed_at: Option<String>,
}

/// The bans.
#[derive(Serialize, ToSchema)]
pub struct BanList {
    /// Newest first.
    pub bans: Vec<super::bans::BanView>,
}

/// A banned or suspect term.
#[derive(Serialize, ToSchema)]
pub struct TermView {
    /// Id.
    pub id: i32,
    /// The word or phrase as added.
    pub term: String,
    /// `banned` or `suspect`.
    pub kind: String,
    /// For a banned term, the reason it cites (null: the default).
    pub reason: Option<String>,
    /// When it was added.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Who added it (user name).
    pub created_by: Option<String>,
}

/// The term lists.
#[derive(Serialize, ToSchema)]
pub struct TermList {
    /// Banned and suspect terms.
    pub terms: Vec<TermView>,
    /// The terms of `spam.banned_terms` (suspect signals).
    pub configured: Vec<String>,
    /// The reason a banned term without one cites.
    pub default_reason: String,
}

/// Every account.
#[derive(Serialize, ToSchema)]
pub struct AccountList {
    /// By user name.
    pub accounts: Vec<super::accounts::AccountView>,
}

/// An account, with a generated password when one was made.
#[derive(Serialize, ToSchema)]
pub struct AccountWithPassword {
    /// The account.
    pub account: super::accounts::AccountView,
    /// The one-time password, shown this once; null when the admin gave
    /// one.
    pub password: Option<String>,
}

/// `limit` and `cursor`, as every list takes them.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    /// Items wanted; clamped to 1..=200 (a larger number gives 200). A
    /// negative or non-numeric value is 400.
    #[param(value_type = Option<Limit>)]
    pub limit: Option<i64>,
    /// The `next` of the previous page; opaque (one this server did not
    /// make is 400).
    pub cursor: Option<String>,
}
