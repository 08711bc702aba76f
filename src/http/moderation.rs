//! The moderators' API: the queue, decisions, official replies, the log
//! and posts.

use super::auth::SignedIn;
use super::queue::{
    comment_filter, logged_comments, moderator_item, post_id, queue_spec, with_context,
};
use super::views::{
    LogPage, ModComment, ModPostList, ModPostView, PostDetail, PostView, QueueView, ThreadComment,
};
use super::{PageQuery, db, decode_cursor, next_cursor, service_as};
use crate::db::comments as comments_db;
use crate::db::log::{self as log_db, LogFilter};
use crate::db::posts as posts_db;
use crate::domain::comment::CommentId;
use crate::domain::comment::LooseId;
use crate::domain::moderation::{Decision, Role};
use crate::domain::post::PostForm;
use crate::domain::time::now;
use crate::error::ApiError;
use crate::service::decisions::{self, BulkAction};
use crate::service::replies::{self, Reply};
use crate::service::{not_found, posts};
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

/// Query of the queue.
#[derive(Debug, Deserialize)]
pub struct QueueQuery {
    /// `pending` (default), `approved`, `rejected`, `spam` or `flagged`.
    pub status: Option<String>,
    /// Only this post's comments.
    pub post: Option<String>,
    /// Only this comment (by id).
    pub id: Option<String>,
    /// Only comments whose text, author name, location or e-mail contains
    /// this.
    pub q: Option<String>,
    /// `oldest` (default) or `newest`.
    pub order: Option<String>,
    /// Paging.
    #[serde(flatten)]
    pub page: PageQuery,
}

/// `GET /api/v1/moderation/comments`: the queue, oldest first (or newest
/// first with `order=newest`), each item with its context.
#[utoipa::path(
    get,
    path = "/api/v1/moderation/comments",
    tag = "moderation",
    security(("session" = [])),
    params(
        ("status" = Option<crate::http::schemas::QueueTab>, Query, description = "The tab: `pending` (default), `approved`, `rejected`, `spam` or `flagged`."),
        ("post" = Option<String>, Query, description = "Only this post's comments (slug); an unknown one is 404."),
        ("id" = Option<crate::http::schemas::CommentFilter>, Query, description = "Only this comment, if it is in the tab (a link from the log opens it so); an id no comment has finds nothing."),
        ("q" = Option<String>, Query, pattern = r"^\s*(?:\S(?:[\s\S]{0,198}\S)?)?\s*$", description = "Only comments whose body, author name, location or e-mail contains this (ASCII case ignored; at most 200 characters)."),
        ("order" = Option<crate::http::schemas::ThreadOrder>, Query, description = "`oldest` (default) or `newest` first."),
        crate::http::schemas::Paging,
    ),
    responses(
        (status = 200, description = "A page of the queue, each item with its context.", body = QueueView),
        (status = 404, response = crate::http::schemas::NotFound),
    ),
)]
#[tracing::instrument(skip(state, signed_in), fields(moderator = %signed_in.moderator.username))]
pub async fn queue(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, ApiError> {
    let mut spec = queue_spec(
        query.status.as_deref(),
        query.q.as_deref(),
        query.order.as_deref(),
    )?;
    spec.id = comment_filter(query.id.as_deref())?;
    let page = query.page.page(50)?;
    let post = query.post.clone();
    let viewer = signed_in.moderator.id;
    let view = db(&state, move |conn| {
        spec.post_id = post_id(conn, post.as_deref())?;
        let (mut rows, total) = comments_db::queue_page(conn, &spec, page.after, page.limit + 1)?;
        let next = next_cursor(&mut rows, page.limit, |(c, ..)| (c.created_at, c.id.0));
        let comments = with_context(conn, rows, viewer)?;
        Ok(QueueView {
            comments,
            next,
            total,
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Body of a rejection.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RejectBody {
    /// The id of a configured reason.
    #[schema(value_type = String, required = true)]
    pub reason: Option<String>,
}

async fn decide_one(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: CommentId,
    decision: Decision,
) -> Result<HttpResponse, ApiError> {
    let moderator = signed_in.moderator.id;
    let item = service_as(&state, signed_in.authority(Role::Moderator)?, move |ctx| {
        if decisions::decide(ctx, &[id], &decision, moderator, now())?.is_empty() {
            return Err(not_found::comment(id));
        }
        moderator_item(ctx.conn, id, moderator)
    })
    .await?;
    Ok(HttpResponse::Ok().json(item))
}

/// `POST /api/v1/moderation/comments/{id}/approve`.
#[utoipa::path(
    post,
    path = "/api/v1/moderation/comments/{id}/approve",
    tag = "moderation",
    security(("session" = [], "csrf" = [])),
    params(("id" = i32, Path, description = "The comment.", example = 1)),
    responses(
        (status = 200, description = "Approved; the comment as it now stands.", body = ModComment),
        (status = 404, response = crate::http::schemas::NotFound),
    ),
)]
#[tracing::instrument(skip(state, signed_in), fields(moderator = %signed_in.moderator.username))]
pub async fn approve(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<CommentId>,
) -> Result<HttpResponse, ApiError> {
    decide_one(state, signed_in, id.into_inner(), Decision::Approve).await
}

/// `POST /api/v1/moderation/comments/{id}/reject` with `{"reason"}`.
#[utoipa::path(
    post,
    path = "/api/v1/moderation/comments/{id}/reject",
    tag = "moderation",
    security(("session" = [], "csrf" = [])),
    params(("id" = i32, Path, description = "The comment.", example = 1)),
    request_body(content = RejectBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Rejected; the comment as it now stands.", body = ModComment),
        (status = 404, response = crate::http::schemas::NotFound),
        (status = 422, response = crate::http::schemas::Validation),
    ),
)]
#[tracing::instrument(skip(state, signed_in, body), fields(moderator = %signed_in.moderator.username))]
pub async fn reject(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<CommentId>,
    body: web::Json<RejectBody>,
) -> Result<HttpResponse, ApiError> {
    let reason = decisions::checked_reason(&state.settings, body.reason.as_deref())?;
    decide_one(
        state,
        signed_in,
        id.into_inner(),
        Decision::Reject { reason },
    )
    .await
}

/// `POST /api/v1/moderation/comments/{id}/spam`.
#[utoipa::path(
    post,
    path = "/api/v1/moderation/comments/{id}/spam",
    tag = "moderation",
    security(("session" = [], "csrf" = [])),
    params(("id" = i32, Path, description = "The comment.", example = 1)),
    responses(
        (status = 200, description = "Filed as spam; the comment as it now stands.", body = ModComment),
        (status = 404, response = crate::http::schemas::NotFound),
    ),
)]
#[tracing::instrument(skip(state, signed_in), fields(moderator = %signed_in.moderator.username))]
pub async fn spam(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<CommentId>,
) -> Result<HttpResponse, ApiError> {
    decide_one(state, signed_in, id.into_inner(), Decision::Spam).await
}

/// Body of a bulk decision.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct BulkBody {
    /// The comments.
    #[schema(min_items = 1, max_items = 200)]
    #[serde(deserialize_with = "crate::domain::whole::list")]
    pub ids: Vec<i32>,
    /// `approve`, `reject` or `spam`.
    #[schema(value_type = crate::http::schemas::DecisionAction)]
    pub action: BulkAction,
    /// The reason, for `reject`.
    pub reason: Option<String>,
}

/// `POST /api/v1/moderation/comments/bulk`: one decision for many
/// comments, in one transaction; unknown ids are skipped.
#[utoipa::path(
    post,
    path = "/api/v1/moderation/comments/bulk",
    tag = "moderation",
    security(("session" = [], "csrf" = [])),
    request_body(content = BulkBody, content_type = "application/json"),
    responses(
        (status = 200, description = "One decision for many comments, in one transaction; unknown ids are skipped.", body = crate::http::schemas::BulkResult),
        (status = 422, response = crate::http::schemas::Validation),
    ),
)]
#[tracing::instrument(skip(state, signed_in, body), fields(moderator = %signed_in.moderator.username))]
pub async fn bulk(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    body: web::Json<BulkBody>,
) -> Result<HttpResponse, ApiError> {
    let BulkBody {
        ids,
        action,
        reason,
    } = body.into_inner();
    let ids = decisions::bulk_ids(ids.into_iter().map(CommentId).collect())?;
    let decision = decisions::bulk_decision(&state.settings, action, reason.as_deref())?;
    let moderator = signed_in.moderator.id;
    let updated = service_as(&state, signed_in.authority(Role::Moderator)?, move |ctx| {
        Ok(decisions::decide(ctx, &ids, &decision, moderator, now())?.len())
    })
    .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "updated": updated })))
}

/// Body of an official reply.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ReplyBody {
    /// Markdown text.
    #[schema(value_type = String, required = true, pattern = r"^\s*[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069](?:[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]{0,9998}[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069])?\s*$")]
    pub body: Option<String>,
    /// The comment answered (any status, same post).
    pub parent_id: Option<LooseId>,
}

/// `POST /api/v1/moderation/posts/{slug}/replies`: an official reply,
/// published at once under the configured official name.
#[utoipa::path(
    post,
    path = "/api/v1/moderation/posts/{slug}/replies",
    tag = "moderation",
    security(("session" = [], "csrf" = [])),
    params(("slug" = String, Path, description = "The post's slug.", example = "prison-reform-dialogue")),
    request_body(content = ReplyBody, content_type = "application/json"),
    responses(
        (status = 201, description = "An official reply, published at once.", body = ThreadComment),
        (status = 404, response = crate::http::schemas::NotFound),
        (status = 422, response = crate::http::schemas::Validation),
    ),
)]
#[tracing::instrument(skip(state, signed_in, body), fields(moderator = %signed_in.moderator.username))]
pub async fn reply(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    slug: web::Path<String>,
    body: web::Json<ReplyBody>,
) -> Result<HttpResponse, ApiError> {
    let (reply, parent) = Reply::parse_answering(body.body.as_deref(), body.parent_id.as_ref())?;
    let official_name = state.settings.official_name.clone();
    let moderator = signed_in.moderator.id;
    let slug = slug.into_inner();
    let settings = state.settings.clone();
    let comment = service_as(&state, signed_in.authority(Role::Moderator)?, move |ctx| {
        let comment =
            replies::on_post(ctx, &official_name, &slug, parent, &reply, moderator, now())?;
        let base = posts::permalink_base_of(ctx, &settings, comment.post_id)?;
        Ok(ThreadComment::from_comment(&comment, &base))
    })
    .await?;
    Ok(HttpResponse::Created().json(comment))
}

/// Query of the log.
#[derive(Debug, Deserialize)]
pub struct LogQuery {
    /// Only this moderator (user name).
    pub moderator: Option<String>,
    /// Only this action.
    pub action: Option<String>,
    /// Only this post (slug).
    pub post: Option<String>,
    /// Paging.
    #[serde(flatten)]
    pub page: PageQuery,
}

impl LogQuery {
    /// Entries wanted.
    fn limit(&self) -> Result<i64, ApiError> {
        let page = PageQuery {
            limit: self.page.limit.clone(),
            cursor: None,
        };
        Ok(page.page(50)?.limit)
    }

    /// The entry the page starts before: the log's cursor names an id.
    fn before(&self) -> Result<Option<i32>, ApiError> {
        match self.page.cursor.as_deref().filter(|c| !c.is_empty()) {
            Some(c) => Ok(Some(decode_cursor(c)?.1)),
            None => Ok(None),
        }
    }

    /// The filters, an empty value meaning none.
    fn filter(&self) -> LogFilter {
        let nonempty = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
        LogFilter {
            moderator: nonempty(&self.moderator),
            action: nonempty(&self.action),
            post: nonempty(&self.post),
        }
    }
}

/// `GET /api/v1/moderation/log`: newest first.
#[utoipa::path(
    get,
    path = "/api/v1/moderation/log",
    tag = "moderation",
    security(("session" = [])),
    params(
        ("moderator" = Option<String>, Query, description = "Only this moderator (user name)."),
        ("action" = Option<String>, Query, description = "Only this action (`approve`, `reject`, `spam`, `reply`, …)."),
        ("post" = Option<String>, Query, description = "Only this post (slug)."),
        crate::http::schemas::Paging,
    ),
    responses((status = 200, description = "Log entries, newest first.", body = LogPage)),
)]
#[tracing::instrument(skip(state, _signed_in))]
pub async fn log(
    state: web::Data<AppState>,
    _signed_in: SignedIn,
    query: web::Query<LogQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = query.limit()?;
    let before = query.before()?;
    let filter = query.filter();
    let settings = state.settings.clone();
    let page = db(&state, move |conn| {
        let rows = log_db::list(conn, &filter, before, limit + 1)?;
        let comments = logged_comments(conn, &settings, &rows)?;
        Ok(LogPage::new(rows, limit, &comments))
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// `GET /api/v1/moderation/reasons`: the rejection reasons to choose from.
#[utoipa::path(
    get,
    path = "/api/v1/moderation/reasons",
    tag = "moderation",
    security(("session" = [])),
    responses((status = 200, description = "The configured rejection reasons.", body = crate::http::schemas::ReasonList)),
)]
pub async fn reasons(state: web::Data<AppState>, _signed_in: SignedIn) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "reasons": state.settings.reasons }))
}

/// `GET /api/v1/moderation/posts`: every post, newest first, including
/// those a reader's comment started and that readers' lists do not show
/// yet.
#[utoipa::path(
    get,
    path = "/api/v1/moderation/posts",
    tag = "moderation",
    security(("session" = [])),
    params(crate::http::schemas::Paging),
    responses((status = 200, description = "Every post, newest first, with whether a reader's comment started it.", body = ModPostList)),
)]
#[tracing::instrument(skip(state, _signed_in))]
pub async fn list_posts(
    state: web::Data<AppState>,
    _signed_in: SignedIn,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = query.page(50)?;
    let list = db(&state, move |conn| {
        let mut posts = posts_db::list(conn, page.after, page.limit + 1, false)?;
        let next = next_cursor(&mut posts, page.limit, |p| (p.published_at, p.id.0));
        let ids: Vec<_> = posts.iter().map(|p| p.id).collect();
        let counts = posts_db::approved_counts_by_id(conn, &ids)?;
        let posts = posts
            .iter()
            .map(|p| ModPostView {
                post: PostView::new(p, counts.get(&p.id).copied().unwrap_or(0)),
                auto_created: p.auto_created,
            })
            .collect();
        Ok(ModPostList { posts, next })
    })
    .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// `POST /api/v1/moderation/posts` (editor): creates a post.
#[utoipa::path(
    post,
    path = "/api/v1/moderation/posts",
    tag = "moderation",
    security(("session" = [], "csrf" = [])),
    request_body(content = PostForm, content_type = "application/json"),
    responses(
        (status = 201, description = "Created (editors and admins).", body = PostDetail),
        (status = 403, response = crate::http::schemas::Forbidden),
        (status = 409, response = crate::http::schemas::Conflict),
        (status = 422, response = crate::http::schemas::Validation),
    ),
)]
#[tracing::instrument(skip(state, signed_in, body), fields(moderator = %signed_in.moderator.username))]
pub async fn create_post(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    body: web::Json<PostForm>,
) -> Result<HttpResponse, ApiError> {
    signed_in.require(Role::Editor)?;
    let moderator = signed_in.moderator.id;
    // Checked (and its body rendered) on the blocking pool, before the
    // write transaction.
    let form = body.into_inner();
    let post = service_as(&state, signed_in.authority(Role::Editor)?, move |ctx| {
        let new = posts::check_new(&form, now())?;
        posts::create(ctx, &new, moderator)
    })
    .await?;
    Ok(HttpResponse::Created().json(PostDetail {
        body_html: post.body_html.clone(),
        post: PostView::new(&post, 0),
    }))
}

/// `PATCH /api/v1/moderation/posts/{slug}` (editor): changes a post.
#[utoipa::path(
    patch,
    path = "/api/v1/moderation/posts/{slug}",
    tag = "moderation",
    security(("session" = [], "csrf" = [])),
    params(("slug" = String, Path, description = "The post's slug.", example = "prison-reform-dialogue")),
    request_body(content = PostForm, content_type = "application/json"),
    responses(
        (status = 200, description = "Changed (editors and admins).", body = PostDetail),
        (status = 403, response = crate::http::schemas::Forbidden),
        (status = 404, response = crate::http::schemas::NotFound),
        (status = 409, response = crate::http::schemas::Conflict),
        (status = 422, response = crate::http::schemas::Validation),
    ),
)]
#[tracing::instrument(skip(state, signed_in, body), fields(moderator = %signed_in.moderator.username))]
pub async fn update_post(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    slug: web::Path<String>,
    body: web::Json<PostForm>,
) -> Result<HttpResponse, ApiError> {
    signed_in.require(Role::Editor)?;
    let change = posts::check_change(&body)?;
    let moderator = signed_in.moderator.id;
    let slug = slug.into_inner();
    let (post, count) = service_as(&state, signed_in.authority(Role::Editor)?, move |ctx| {
        posts::update(ctx, &slug, change, moderator, now())
    })
    .await?;
    Ok(HttpResponse::Ok().json(PostDetail {
        post: PostView::new(&post, count),
        body_html: post.body_html,
    }))
}
