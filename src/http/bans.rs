//! Bans (moderators) and the banned and suspect term lists (admins edit,
//! every moderator reads).

use super::auth::SignedIn;
use super::{db, service_as};
use crate::db::bans::{self as bans_db, BanRow};
use crate::db::terms as terms_db;
use crate::domain::comment::CommentId;
use crate::domain::moderation::{BanKind, Role};
use crate::domain::time::{now, rfc3339};
use crate::error::ApiError;
use crate::service::bans::{self, BanFields};
use crate::service::terms;
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A ban as the API shows it. An IP-hash ban shows neither the address
/// (never stored) nor the hash: only the comment it was made from.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BanView {
    /// Id.
    pub id: i32,
    /// `email` or `ip_hash`.
    pub kind: &'static str,
    /// The banned address, for an e-mail ban.
    pub email: Option<String>,
    /// The comment the ban was made from.
    #[schema(value_type = Option<i32>)]
    pub comment_id: Option<CommentId>,
    /// The name that comment was signed with.
    pub author_name: Option<String>,
    /// Why.
    pub note: String,
    /// When.
    pub created_at: String,
    /// Who (user name).
    pub created_by: Option<String>,
    /// When it ends; never when null.
    pub expires_at: Option<String>,
    /// Whether it is in force now.
    pub active: bool,
}

impl BanView {
    fn new((ban, created_by, author_name): BanRow, now: i64) -> Self {
        Self {
            id: ban.id,
            email: (ban.kind == BanKind::Email).then(|| ban.value.clone()),
            kind: ban.kind.as_str(),
            comment_id: ban.comment_id,
            author_name,
            note: ban.note,
            created_at: rfc3339(ban.created_at),
            created_by,
            expires_at: ban.expires_at.map(rfc3339),
            active: ban.expires_at.is_none_or(|t| t > now),
        }
    }
}

/// The bans.
#[derive(Serialize, utoipa::ToSchema)]
pub struct BanList {
    /// Newest first.
    pub bans: Vec<BanView>,
}

/// Query of the ban list.
#[derive(Debug, Deserialize)]
pub struct BansQuery {
    /// `true` to list expired bans too.
    pub all: Option<bool>,
}

/// `GET /api/v1/moderation/bans`: bans in force, newest first (`all=true`
/// adds expired ones).
#[utoipa::path(
    get,
    path = "/api/v1/moderation/bans",
    tag = "bans",
    security(("session" = [])),
    params(("all" = Option<bool>, Query, description = "`true` lists expired bans too.")),
    responses((status = 200, description = "Bans, newest first.", body = BanList)),
)]
#[tracing::instrument(skip(state, _signed_in))]
pub async fn list(
    state: web::Data<AppState>,
    _signed_in: SignedIn,
    query: web::Query<BansQuery>,
) -> Result<HttpResponse, ApiError> {
    let all = query.all.unwrap_or(false);
    let now = now();
    let rows = db(&state, move |conn| Ok(bans_db::list(conn, all, now)?)).await?;
    let bans: Vec<BanView> = rows.into_iter().map(|r| BanView::new(r, now)).collect();
    Ok(HttpResponse::Ok().json(json!({ "bans": bans })))
}

/// Body of a new ban.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BanBody {
    /// `email` or `ip_hash`.
    #[schema(value_type = crate::http::schemas::BanKindName, required = true)]
    pub kind: Option<String>,
    /// Ban the sender of this comment (by its e-mail or its IP hash).
    #[serde(default, deserialize_with = "crate::domain::whole::option")]
    pub comment_id: Option<i32>,
    /// The address, for an e-mail ban not made from a comment.
    #[schema(
        pattern = r"^\s*(?:[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069](?:[^\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]{0,252}[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069])?)?\s*$"
    )]
    pub email: Option<String>,
    /// Why.
    #[schema(
        pattern = r"^\s*(?:[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069](?:[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]{0,498}[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069])?)?\s*$"
    )]
    pub note: Option<String>,
    /// When it ends (RFC 3339, in the future).
    #[schema(format = DateTime)]
    pub expires_at: Option<String>,
    /// Or: how many days it lasts.
    #[schema(minimum = 1, maximum = 3650)]
    #[serde(default, deserialize_with = "crate::domain::whole::option")]
    pub days: Option<i64>,
}

/// `POST /api/v1/moderation/bans` (moderator): bans a sender by e-mail
/// (an address, or the one a comment came with) or by IP hash (the one a
/// comment came from). 201 with the ban; 409 if one is in force already.
#[utoipa::path(
    post,
    path = "/api/v1/moderation/bans",
    tag = "bans",
    security(("session" = [], "csrf" = [])),
    request_body(content = BanBody, content_type = "application/json"),
    responses(
        (status = 201, description = "The ban.", body = BanView),
        (status = 404, response = crate::http::schemas::NotFound),
        (status = 409, response = crate::http::schemas::Conflict),
        (status = 422, response = crate::http::schemas::Validation),
    ),
)]
#[tracing::instrument(skip(state, signed_in, body), fields(moderator = %signed_in.moderator.username))]
pub async fn create(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    body: web::Json<BanBody>,
) -> Result<HttpResponse, ApiError> {
    let now = now();
    let checked = bans::check(&body.fields(), now).map_err(ApiError::Validation)?;
    let moderator = signed_in.moderator.id;
    let row = service_as(&state, signed_in.authority(Role::Moderator)?, move |ctx| {
        bans::create(ctx, checked, moderator, now)
    })
    .await?;
    Ok(HttpResponse::Created().json(BanView::new(row, now)))
}

/// `DELETE /api/v1/moderation/bans/{id}` (moderator): lifts a ban. 204.
#[utoipa::path(
    delete,
    path = "/api/v1/moderation/bans/{id}",
    tag = "bans",
    security(("session" = [], "csrf" = [])),
    params(("id" = i32, Path, description = "The ban.", example = 1)),
    responses(
        (status = 204, description = "Lifted."),
        (status = 404, response = crate::http::schemas::NotFound),
    ),
)]
#[tracing::instrument(skip(state, signed_in), fields(moderator = %signed_in.moderator.username))]
pub async fn lift(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<i32>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let moderator = signed_in.moderator.id;
    service_as(&state, signed_in.authority(Role::Moderator)?, move |ctx| {
        bans::lift(ctx, id, moderator, now())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/v1/moderation/terms`: the banned and suspect lists, the terms
/// of `spam.banned_terms` (which act as suspect terms), and the reason a
/// banned term cites by default.
#[utoipa::path(
    get,
    path = "/api/v1/moderation/terms",
    tag = "bans",
    security(("session" = [])),
    responses((status = 200, description = "The banned and suspect terms.", body = crate::http::schemas::TermList)),
)]
#[tracing::instrument(skip(state, _signed_in))]
pub async fn terms(
    state: web::Data<AppState>,
    _signed_in: SignedIn,
) -> Result<HttpResponse, ApiError> {
    let rows = db(&state, move |conn| Ok(terms_db::list(conn)?)).await?;
    let terms: Vec<serde_json::Value> = rows.into_iter().map(|(t, by)| term_view(t, by)).collect();
    Ok(HttpResponse::Ok().json(json!({
        "terms": terms,
        "configured": state.settings.spam.banned_terms,
        "default_reason": state.settings.spam.banned_term_reason,
    })))
}

fn term_view(t: terms_db::TermRow, by: Option<String>) -> serde_json::Value {
    json!({
        "id": t.id,
        "term": t.term,
        "kind": t.kind,
        "reason": t.reason,
        "created_at": rfc3339(t.created_at),
        "created_by": by,
    })
}

impl BanBody {
    /// The fields as the ban service reads them.
    fn fields(&self) -> BanFields<'_> {
        BanFields {
            kind: self.kind.as_deref(),
            comment_id: self.comment_id.map(CommentId),
            email: self.email.as_deref(),
            note: self.note.as_deref(),
            expires_at: self.expires_at.as_deref(),
            days: self.days,
        }
    }
}

/// Body of a new term.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TermBody {
    /// The word or phrase; a trailing `*` matches any ending.
    #[schema(value_type = String, required = true)]
    pub term: Option<String>,
    /// `banned` or `suspect`.
    #[schema(value_type = crate::http::schemas::TermKindName, required = true)]
    pub kind: Option<String>,
    /// For a banned term: the id of the reason it cites.
    pub reason: Option<String>,
}

/// `POST /api/v1/moderation/terms` (admin): adds a term to a list. 201;
/// 409 if the same term (once folded) is on either list.
#[utoipa::path(
    post,
    path = "/api/v1/moderation/terms",
    tag = "bans",
    security(("session" = [], "csrf" = [])),
    request_body(content = TermBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Added (admins).", body = crate::http::schemas::TermView),
        (status = 403, response = crate::http::schemas::Forbidden),
        (status = 409, response = crate::http::schemas::Conflict),
        (status = 422, response = crate::http::schemas::Validation),
    ),
)]
#[tracing::instrument(skip(state, signed_in, body), fields(moderator = %signed_in.moderator.username))]
pub async fn add_term(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    body: web::Json<TermBody>,
) -> Result<HttpResponse, ApiError> {
    signed_in.require(Role::Admin)?;
    let checked = terms::check(
        &state.settings,
        body.term.as_deref(),
        body.kind.as_deref(),
        body.reason.as_deref(),
    )?;
    let moderator = signed_in.moderator.id;
    let row = service_as(&state, signed_in.authority(Role::Admin)?, move |ctx| {
        terms::add(ctx, &checked, moderator, now())
    })
    .await?;
    let by = signed_in.moderator.username.clone();
    Ok(HttpResponse::Created().json(term_view(row, Some(by))))
}

/// `DELETE /api/v1/moderation/terms/{id}` (admin): removes a term. 204.
#[utoipa::path(
    delete,
    path = "/api/v1/moderation/terms/{id}",
    tag = "bans",
    security(("session" = [], "csrf" = [])),
    params(("id" = i32, Path, description = "The term.", example = 1)),
    responses(
        (status = 204, description = "Removed (admins)."),
        (status = 403, response = crate::http::schemas::Forbidden),
        (status = 404, response = crate::http::schemas::NotFound),
    ),
)]
#[tracing::instrument(skip(state, signed_in), fields(moderator = %signed_in.moderator.username))]
pub async fn remove_term(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<i32>,
) -> Result<HttpResponse, ApiError> {
    signed_in.require(Role::Admin)?;
    let id = id.into_inner();
    let moderator = signed_in.moderator.id;
    service_as(&state, signed_in.authority(Role::Admin)?, move |ctx| {
        terms::remove(ctx, id, moderator, now())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
