//! The moderators' workspace beyond the queue itself: counts per tab,
//! claims ("being handled"), replies to a comment (optionally approving it
//! in the same step), the composer's preview, a post's source for editors,
//! and comments' auto-close.

use super::auth::SignedIn;
use super::public::{PreviewBody, rendered_preview};
use super::queue::{moderator_item, post_id, queue_spec};
use super::views::{ClaimView, PostView, ThreadComment};
use super::{db, db_as, service_as};
use crate::db::claims::{self as claims_db, Claim};
use crate::db::posts as posts_db;
use crate::db::workspace as workspace_db;
use crate::domain::comment::CommentId;
use crate::domain::moderation::{CLAIM_TTL_SECS, Role};
use crate::domain::time::{now, rfc3339};
use crate::error::ApiError;
use crate::service::replies::{self, Reply};
use crate::service::{not_found, posts};
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Query of the stats.
#[derive(Debug, Deserialize)]
pub struct StatsQuery {
    /// Only this post (slug).
    pub post: Option<String>,
    /// Only comments containing this text.
    pub q: Option<String>,
}

/// `GET /api/v1/moderation/stats`: how many comments each tab holds (with
/// the same `post` and `q` filters as the queue), the oldest pending
/// comment's time and age, and the pending comments per post.
#[utoipa::path(
    get,
    path = "/api/v1/moderation/stats",
    tag = "workspace",
    security(("session" = [])),
    params(
        ("post" = Option<String>, Query, description = "Only this post (slug); an unknown one is 404."),
        ("q" = Option<String>, Query, pattern = r"^\s*(?:\S(?:[\s\S]{0,198}\S)?)?\s*$", description = "Only comments containing this text (at most 200 characters)."),
    ),
    responses(
        (status = 200, description = "Counts per tab, the oldest pending comment, pending per post.", body = crate::http::schemas::Stats),
        (status = 404, response = crate::http::schemas::NotFound),
    ),
)]
#[tracing::instrument(skip(state, _signed_in))]
pub async fn stats(
    state: web::Data<AppState>,
    _signed_in: SignedIn,
    query: web::Query<StatsQuery>,
) -> Result<HttpResponse, ApiError> {
    let mut spec = queue_spec(None, query.q.as_deref(), None)?;
    let post = query.post.clone();
    let stats = db(&state, move |conn| {
        spec.post_id = post_id(conn, post.as_deref())?;
        Ok(workspace_db::stats(conn, &spec)?)
    })
    .await?;
    let counts: serde_json::Map<String, serde_json::Value> = stats
        .counts
        .iter()
        .map(|(tab, n)| ((*tab).to_owned(), json!(n)))
        .collect();
    let now = now();
    let by_post: Vec<serde_json::Value> = stats
        .pending_by_post
        .into_iter()
        .map(|(slug, title, pending)| json!({ "slug": slug, "title": title, "pending": pending }))
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "counts": counts,
        "oldest_pending_at": stats.oldest_pending.map(rfc3339),
        "oldest_pending_age_seconds": stats.oldest_pending.map(|t| (now - t).max(0)),
        "pending_by_post": by_post,
    })))
}

/// A claim as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClaimAnswer {
    /// The comment.
    #[schema(value_type = i32)]
    pub comment_id: CommentId,
    /// Whether the caller holds the claim.
    pub mine: bool,
    /// Who holds it.
    pub claimed_by: ClaimView,
    /// When it stops being fresh unless renewed.
    pub expires_at: String,
}

impl ClaimAnswer {
    fn new(claim: Claim, viewer: i32) -> Self {
        Self {
            comment_id: claim.comment_id,
            mine: claim.moderator_id == viewer,
            expires_at: rfc3339(claim.claimed_at + CLAIM_TTL_SECS),
            claimed_by: ClaimView {
                username: claim.username,
                display_name: claim.display_name,
                since: rfc3339(claim.claimed_at),
            },
        }
    }
}

/// Every fresh claim.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ClaimList {
    /// The claims.
    pub claims: Vec<ClaimAnswer>,
    /// How long a claim stays fresh, in seconds.
    pub ttl_seconds: i64,
}

/// `POST /api/v1/moderation/comments/{id}/claim`: marks the comment as
/// being handled by the caller (or renews the caller's claim), unless
/// another moderator holds a fresh claim, whom the answer then names
/// (`mine: false`). Also says the comment's current status, so a page can
/// notice a decision made elsewhere.
#[utoipa::path(
    post,
    path = "/api/v1/moderation/comments/{id}/claim",
    tag = "workspace",
    security(("session" = [], "csrf" = [])),
    params(("id" = i32, Path, description = "The comment.", example = 1)),
    responses(
        (status = 200, description = "The claim (the caller's, or another moderator's with `mine: false`) and the comment's status.", body = crate::http::schemas::ClaimState),
        (status = 404, response = crate::http::schemas::NotFound),
    ),
)]
#[tracing::instrument(skip(state, signed_in), fields(moderator = %signed_in.moderator.username))]
pub async fn claim(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<CommentId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let viewer = signed_in.moderator.id;
    let (claim, status) = db_as(&state, signed_in.authority(Role::Moderator)?, move |conn| {
        claims_db::claim(conn, id, viewer, now())?.ok_or_else(|| not_found::comment(id))
    })
    .await?;
    let mut answer =
        serde_json::to_value(ClaimAnswer::new(claim, viewer)).map_err(ApiError::internal)?;
    answer["status"] = json!(status);
    Ok(HttpResponse::Ok().json(answer))
}

/// `DELETE /api/v1/moderation/comments/{id}/claim`: gives the caller's
/// claim up (a no-op without one).
#[utoipa::path(
    delete,
    path = "/api/v1/moderation/comments/{id}/claim",
    tag = "workspace",
    security(("session" = [], "csrf" = [])),
    params(("id" = i32, Path, description = "The comment.", example = 1)),
    responses((status = 204, description = "The caller's claim (if any) is given up.")),
)]
#[tracing::instrument(skip(state, signed_in), fields(moderator = %signed_in.moderator.username))]
pub async fn release(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<CommentId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let viewer = signed_in.moderator.id;
    db_as(&state, signed_in.authority(Role::Moderator)?, move |conn| {
        Ok(claims_db::release(conn, id, viewer)?)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/v1/moderation/claims`: every fresh claim, so that an open
/// queue can mark items others are handling.
#[utoipa::path(
    get,
    path = "/api/v1/moderation/claims",
    tag = "workspace",
    security(("session" = [])),
    responses((status = 200, description = "Every fresh claim.", body = ClaimList)),
)]
#[tracing::instrument(skip(state, signed_in), fields(moderator = %signed_in.moderator.username))]
pub async fn claims(
    state: web::Data<AppState>,
    signed_in: SignedIn,
) -> Result<HttpResponse, ApiError> {
    let viewer = signed_in.moderator.id;
    let claims = db(&state, move |conn| Ok(claims_db::fresh(conn, None, now())?)).await?;
    let claims: Vec<ClaimAnswer> = claims
        .into_iter()
        .map(|c| ClaimAnswer::new(c, viewer))
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "claims": claims, "ttl_seconds": CLAIM_TTL_SECS })))
}

/// Body of a reply to a comment.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentReplyBody {
    /// Markdown text.
    #[schema(value_type = String, required = true, pattern = r"^\s*[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069](?:[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]{0,9998}[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069])?\s*$")]
    pub body: Option<String>,
    /// Approve the comment in the same step.
    #[serde(default)]
    pub approve: bool,
}

/// `POST /api/v1/moderation/comments/{id}/replies`: an official reply to
/// the comment, on its post; with `"approve": true` the comment is
/// approved in the same transaction ("approve and reply"). 201 with the
/// reply and the comment as it now stands.
#[utoipa::path(
    post,
    path = "/api/v1/moderation/comments/{id}/replies",
    tag = "workspace",
    security(("session" = [], "csrf" = [])),
    params(("id" = i32, Path, description = "The comment answered.", example = 1)),
    request_body(content = CommentReplyBody, content_type = "application/json"),
    responses(
        (status = 201, description = "The official reply, and the comment as it now stands.", body = crate::http::schemas::ReplyResult),
        (status = 403, response = crate::http::schemas::Forbidden),
        (status = 404, response = crate::http::schemas::NotFound),
        (status = 422, response = crate::http::schemas::Validation),
    ),
)]
#[tracing::instrument(skip(state, signed_in, body), fields(moderator = %signed_in.moderator.username))]
pub async fn reply_to_comment(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<CommentId>,
    body: web::Json<CommentReplyBody>,
) -> Result<HttpResponse, ApiError> {
    let CommentReplyBody { body, approve } = body.into_inner();
    let reply = Reply::parse(body.as_deref())?;
    let id = id.into_inner();
    let moderator = signed_in.moderator.id;
    let settings = state.settings.clone();
    let (reply, item) = service_as(&state, signed_in.authority(Role::Moderator)?, move |ctx| {
        let reply = replies::to_comment(
            ctx,
            &settings.official_name,
            id,
            &reply,
            approve,
            moderator,
            now(),
        )?;
        let base = posts::permalink_base_of(ctx, &settings, reply.post_id)?;
        let reply = ThreadComment::from_comment(&reply, &base);
        Ok((reply, moderator_item(ctx.conn, id, moderator)?))
    })
    .await?;
    Ok(HttpResponse::Created().json(json!({
        "reply": reply,
        "comment": item,
    })))
}

/// `POST /api/v1/moderation/preview`: the composer's preview, rendered and
/// sanitised exactly as a published reply would be.
#[utoipa::path(
    post,
    path = "/api/v1/moderation/preview",
    tag = "workspace",
    security(("session" = [], "csrf" = [])),
    request_body(content = PreviewBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The body rendered and sanitised as it would be published.", body = crate::http::schemas::Preview),
        (status = 422, response = crate::http::schemas::Validation),
    ),
)]
pub async fn preview(
    _signed_in: SignedIn,
    body: web::Json<PreviewBody>,
) -> Result<HttpResponse, ApiError> {
    // The readers' preview (`POST /api/v1/preview`) is the same code.
    rendered_preview(body.into_inner()).await
}

/// `GET /api/v1/moderation/posts/{slug}`: a post as editors edit it, with
/// its Markdown source and whether `auto_close_days` closed it.
#[utoipa::path(
    get,
    path = "/api/v1/moderation/posts/{slug}",
    tag = "moderation",
    security(("session" = [])),
    params(("slug" = String, Path, description = "The post's slug.", example = "prison-reform-dialogue")),
    responses(
        (status = 200, description = "The post with its Markdown source and auto-close time.", body = crate::http::schemas::EditorPost),
        (status = 404, response = crate::http::schemas::NotFound),
    ),
)]
#[tracing::instrument(skip(state, _signed_in))]
pub async fn get_post(
    state: web::Data<AppState>,
    _signed_in: SignedIn,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let slug = slug.into_inner();
    let answer = db(&state, move |conn| {
        let post = posts_db::by_slug(conn, &slug)?.ok_or_else(|| not_found::post(&slug))?;
        let count = posts_db::approved_counts_by_id(conn, &[post.id])?
            .get(&post.id)
            .copied()
            .unwrap_or(0);
        let closed = workspace_db::auto_closed_at(conn, post.id)?;
        let mut view =
            serde_json::to_value(PostView::new(&post, count)).map_err(ApiError::internal)?;
        view["body_html"] = json!(post.body_html);
        view["body_source"] = json!(post.body_source);
        view["auto_closed_at"] = json!(closed.map(rfc3339));
        Ok(view)
    })
    .await?;
    Ok(HttpResponse::Ok().json(answer))
}
