//! Readers and the widget: posts, threads, submissions, previews, counts,
//! flags.

use super::views::{self, Order, PostDetail, PostView, ThreadView};
use super::{PageQuery, conditional, next_cursor, pages, read, reads, service};
use crate::cache::{Coding, Rendered};
use crate::db::posts as posts_db;
use crate::domain::comment::CommentId;
use crate::domain::comment::{CommentBody, CommentForm, NewComment};
use crate::domain::moderation::Status;
use crate::domain::post::PostId;
use crate::domain::render::render_comment;
use crate::domain::text::multi_line;
use crate::domain::time::now;
use crate::error::ApiError;
use crate::limits::{Action, ClientIp};
use crate::service::not_found;
use crate::service::submission::{self, Submission, SubmissionRules};
use crate::state::AppState;
use actix_web::http::header::{self, ContentType};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

/// `GET /api/v1/posts`: posts, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/posts",
    tag = "public",
    params(crate::http::schemas::Paging),
    responses((status = 200, description = "Posts, newest first.", body = crate::http::schemas::PostList)),
)]
pub async fn list_posts(
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = query.page(20)?;
    let cache = state.cache.clone();
    let (posts, next) = read(&state, move |conn| {
        let mut posts = posts_db::list(conn, page.after, page.limit + 1, true)?;
        let next = next_cursor(&mut posts, page.limit, |p| (p.published_at, p.id.0));
        let ids: Vec<PostId> = posts.iter().map(|p| p.id).collect();
        let counts = reads::visible_counts(conn, &cache, &ids)?;
        let views: Vec<PostView> = posts
            .iter()
            .map(|p| PostView::new(p, counts.get(&p.id).copied().unwrap_or(0)))
            .collect();
        Ok((views, next))
    })
    .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "posts": posts, "next": next })))
}

/// `GET /api/v1/posts/{slug}`: one post with its body.
#[utoipa::path(
    get,
    path = "/api/v1/posts/{slug}",
    tag = "public",
    params(("slug" = String, Path, description = "The post's slug.", example = "prison-reform-dialogue")),
    responses(
        (status = 200, description = "The post with its sanitised body.", body = PostDetail),
        (status = 404, response = crate::http::schemas::NotFound),
    ),
)]
pub async fn get_post(
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let slug = slug.into_inner();
    let cache = state.cache.clone();
    let detail = read(&state, move |conn| {
        let post = posts_db::by_slug(conn, &slug)?.ok_or_else(|| not_found::post(&slug))?;
        let count = reads::visible_counts(conn, &cache, &[post.id])?
            .get(&post.id)
            .copied()
            .unwrap_or(0);
        Ok(PostDetail {
            post: PostView::new(&post, count),
            body_html: post.body_html,
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(detail))
}

/// Query of the thread endpoint.
#[derive(Debug, Deserialize)]
pub struct ThreadQuery {
    /// `oldest` (default) or `newest`.
    pub order: Option<String>,
    /// The address of the page the widget is on: on an allowed origin, an
    /// unknown slug reads as an empty open thread.
    pub url: Option<String>,
    /// Paging.
    #[serde(flatten)]
    pub page: PageQuery,
}

/// `GET /api/v1/posts/{slug}/comments`: the approved thread, nested.
/// Served from the cache when the post has not changed since the page was
/// built; otherwise one indexed query, nesting in memory, serialised once.
#[utoipa::path(
    get,
    path = "/api/v1/posts/{slug}/comments",
    tag = "public",
    params(
        ("slug" = String, Path, description = "The post's slug.", example = "prison-reform-dialogue"),
        ("order" = Option<crate::http::schemas::ThreadOrder>, Query, description = "Order of top-level items: `oldest` (default) or `newest`."),
        ("url" = Option<String>, Query, description = "The address of the page the widget is on: when its origin is allowed (`posts.auto_create`), an unknown slug answers an empty open thread instead of 404; nothing is stored."),
        crate::http::schemas::Paging,
        ("If-None-Match" = Option<String>, Header, description = "An `ETag` from an earlier answer: 304 while it is current."),
    ),
    responses(
        (status = 200, description = "The approved thread, replies nested, one page of top-level items.", body = ThreadView,
            headers(("ETag" = String, description = "Strong validator of this page."), ("Cache-Control" = String, description = "`no-cache`: revalidate with `If-None-Match`."))),
        (status = 304, description = "The client's copy is current.", headers(("ETag" = String, description = "The current validator."))),
        (status = 404, response = crate::http::schemas::NotFound),
    ),
)]
pub async fn thread(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
    query: web::Query<ThreadQuery>,
) -> Result<HttpResponse, ApiError> {
    let order = match query.order.as_deref() {
        None | Some("") | Some("oldest") => Order::Oldest,
        Some("newest") => Order::Newest,
        Some(_) => {
            return Err(ApiError::BadRequest(
                "order must be oldest or newest".into(),
            ));
        }
    };
    let page = query.page.page(50)?;
    let coding = Coding::negotiate(
        req.headers()
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .unwrap_or(""),
    );
    let slug = slug.into_inner();
    let rendered = match reads::thread_page(&state, slug.clone(), order, page, coding).await {
        Err(ApiError::NotFound(_)) if starts_here(&state, &req, &slug, query.url.as_deref()) => {
            reads::empty_thread(&slug, state.settings.mail.enabled())?
        }
        other => other?,
    };
    Ok(send_page(&req, &rendered, coding))
}

/// Whether an unknown `slug` read from the page `url` is an empty open
/// thread (`posts.auto_create`).
fn starts_here(state: &AppState, req: &HttpRequest, slug: &str, url: Option<&str>) -> bool {
    url.is_some_and(|url| {
        let own = super::own_origin(req, &state.settings);
        state
            .starting_pages
            .reads_as_empty(slug, url, own.as_deref())
    })
}

/// Sends a rendered page in `coding`, or 304 when the client has it (in
/// that coding: each coding is a representation with its own tag).
fn send_page(req: &HttpRequest, page: &Rendered, coding: Coding) -> HttpResponse {
    conditional::get(req, &page.etag(coding))
        .header((header::CACHE_CONTROL, "no-cache"))
        .header((header::VARY, "Accept-Encoding"))
        .send(|ok| {
            if let Some(encoding) = coding.header() {
                ok.insert_header((header::CONTENT_ENCODING, encoding));
            }
            ok.content_type(ContentType::json()).body(page.body(coding))
        })
}

/// Reads a JSON or form body into `T`: 415 for any other content type,
/// 400 for a body that does not parse.
pub fn read_body<T: for<'de> Deserialize<'de>>(
    req: &HttpRequest,
    body: &[u8],
) -> Result<T, ApiError> {
    let mime = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match mime.as_str() {
        "application/json" => serde_json::from_slice(body)
            .map_err(|e| ApiError::BadRequest(format!("the JSON body could not be read: {e}"))),
        "application/x-www-form-urlencoded" => serde_urlencoded::from_bytes(body)
            .map_err(|e| ApiError::BadRequest(format!("the form body could not be read: {e}"))),
        other => Err(ApiError::UnsupportedMediaType(format!(
            "send application/json or application/x-www-form-urlencoded, not {:?}",
            other
        ))),
    }
}

/// The answer to an accepted submission.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Accepted {
    /// The new comment's id.
    #[schema(value_type = i32)]
    pub id: CommentId,
    /// Always `pending`: nothing is public before a moderator approves it.
    pub status: &'static str,
    /// Words for the reader.
    pub message: &'static str,
}

/// `POST /api/v1/posts/{slug}/comments`: a reader's comment, held for
/// review (202), whatever the spam check says. A form posted by a browser
/// without JavaScript gets the same status codes as HTML pages.
#[utoipa::path(
    post,
    path = "/api/v1/posts/{slug}/comments",
    tag = "public",
    params(("slug" = String, Path, description = "The post's slug.", example = "prison-reform-dialogue")),
    request_body(
        description = "The comment. A form posted by a browser (`Accept` naming `text/html`) gets the same statuses as HTML pages.",
        content(
            (CommentForm = "application/json"),
            (CommentForm = "application/x-www-form-urlencoded"),
        ),
    ),
    responses(
        (status = 202, description = "Held for review (also when filed as spam or rejected for a banned term: spammers learn nothing).",
            content((Accepted = "application/json"), (String = "text/html"))),
        (status = 400, description = "The body could not be read.",
            content((crate::error::Problem = "application/problem+json"), (String = "text/html"))),
        (status = 403, description = "Comments on the post are closed, or the sender is banned.",
            content((crate::error::Problem = "application/problem+json"), (String = "text/html"))),
        (status = 404, description = "No such post.",
            content((crate::error::Problem = "application/problem+json"), (String = "text/html"))),
        (status = 422, description = "Fields failed validation (all reported at once), or `parent_id` is not an approved comment of the post.",
            content((crate::error::Problem = "application/problem+json"), (String = "text/html"))),
        (status = 429, description = "Rate limited; try again after `Retry-After` seconds.",
            content((crate::error::Problem = "application/problem+json"), (String = "text/html")),
            headers(("Retry-After" = u64, description = "Seconds until a retry can succeed."))),
    ),
)]
#[tracing::instrument(skip(state, req, body, client))]
pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
    client: ClientIp,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let slug = slug.into_inner();
    let html = pages::wants_html(&req);
    match accept(&state, &req, slug.clone(), client, &body).await {
        Ok((_, back)) if html => Ok(pages::submitted(&slug, back.as_deref())),
        Ok((id, _)) => Ok(HttpResponse::Accepted().json(Accepted {
            id,
            status: Status::Pending.as_str(),
            message: views::AWAITING_REVIEW,
        })),
        Err(error) if html && error.problem().status < 500 => {
            let form = serde_urlencoded::from_bytes::<CommentForm>(&body).ok();
            Ok(pages::refused(
                &slug,
                &error,
                form.as_ref(),
                state.settings.mail.enabled(),
            ))
        }
        Err(error) => Err(error),
    }
}

/// Checks a submission and hands it to the submission service; returns
/// its id once committed and the post's URL.
async fn accept(
    state: &AppState,
    req: &HttpRequest,
    slug: String,
    client: ClientIp,
    body: &[u8],
) -> Result<(CommentId, Option<String>), ApiError> {
    let form: CommentForm = read_body(req, body)?;
    let comment = NewComment::parse(&form).map_err(ApiError::Validation)?;
    state.limits.check(Action::Comment, client.0).await?;
    let ip_hash = state.ip_hasher.hash(client.0);
    let own_origin = super::own_origin(req, &state.settings);
    let rules = SubmissionRules {
        official_name: state.settings.official_name.clone(),
        spam: state.settings.spam.clone(),
        auto_close_days: state.settings.auto_close_days,
        starting_pages: state.starting_pages.clone(),
    };
    let writer = state.writer.clone();
    let (accepted, url) = service(state, move |ctx| {
        // Rendered here, on the blocking pool and before any transaction:
        // never on an async worker, whose other connections would wait.
        let submission = Submission {
            slug,
            ip_hash,
            html: render_comment(comment.body.as_str()),
            comment,
            now: now(),
            own_origin,
        };
        submission::submit(ctx, &rules, &writer, submission)
    })
    .await?;
    let (id, event) = accepted.committed().await?;
    state.events.apply(event.as_slice());
    Ok((id, url))
}

/// Body of a preview.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PreviewBody {
    /// Markdown text.
    #[schema(
        pattern = r"^\s*(?:[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069](?:[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]{0,9998}[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069])?)?\s*$"
    )]
    pub body: Option<String>,
}

/// The answer to a preview, readers' and moderators' alike: the body
/// checked as a comment's body is (422 over 10,000 characters) and
/// rendered by the renderer new comments and replies go through; `""`
/// for a missing or blank body. Nothing is stored. Rendered on the
/// blocking pool, never on the async worker.
pub async fn rendered_preview(body: PreviewBody) -> Result<HttpResponse, ApiError> {
    let source = body.body.unwrap_or_default();
    let html = if source.trim().is_empty() {
        String::new()
    } else {
        let checked = CommentBody::parse(&source).map_err(|e| ApiError::Validation(vec![e]))?;
        web::block(move || render_comment(checked.as_str()).into_string()).await?
    };
    Ok(HttpResponse::Ok().json(serde_json::json!({ "body_html": html })))
}

/// `POST /api/v1/preview`: a reader's comment rendered and sanitised
/// exactly as it would be published, for the widget's Preview. Nothing is
/// stored; rate limited per client address (`rate_limit.previews_per_minute`).
#[utoipa::path(
    post,
    path = "/api/v1/preview",
    tag = "public",
    request_body(content = PreviewBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The body rendered and sanitised as it would be published (`\"\"` for a blank body); nothing is stored.", body = crate::http::schemas::Preview),
        (status = 422, response = crate::http::schemas::Validation),
        (status = 429, response = crate::http::schemas::RateLimited),
    ),
)]
#[tracing::instrument(skip(state, client, body))]
pub async fn preview_comment(
    state: web::Data<AppState>,
    client: ClientIp,
    body: web::Json<PreviewBody>,
) -> Result<HttpResponse, ApiError> {
    // Counted before the body is checked: every preview costs the server
    // the check, and most the rendering.
    state.limits.check(Action::Preview, client.0).await?;
    rendered_preview(body.into_inner()).await
}

/// Query of the counts endpoint.
#[derive(Debug, Deserialize)]
pub struct CountsQuery {
    /// Comma-separated slugs.
    pub posts: Option<String>,
}

/// Most slugs one counts request may name.
pub const MAX_COUNT_SLUGS: usize = 200;

/// `GET /api/v1/counts?posts=a,b`: public items per post, from the cache
/// where current.
#[utoipa::path(
    get,
    path = "/api/v1/counts",
    tag = "public",
    params(("posts" = Option<String>, Query, description = "Comma-separated slugs, at most 200 (else 400).")),
    responses((status = 200, description = "Approved items per post.", body = crate::http::schemas::Counts)),
)]
pub async fn counts(
    state: web::Data<AppState>,
    query: web::Query<CountsQuery>,
) -> Result<HttpResponse, ApiError> {
    let mut slugs: Vec<String> = query
        .posts
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    slugs.sort();
    slugs.dedup();
    if slugs.len() > MAX_COUNT_SLUGS {
        return Err(ApiError::BadRequest(format!(
            "name at most {MAX_COUNT_SLUGS} posts"
        )));
    }
    let counts = reads::counts(&state, slugs).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "counts": counts })))
}

/// Body of a reader's flag.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct FlagBody {
    /// Why the reader reports the comment.
    #[schema(
        pattern = r"^\s*(?:[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069](?:[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]{0,498}[^\s\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069])?)?\s*$"
    )]
    pub reason: Option<String>,
}

/// Longest flag reason.
pub const MAX_FLAG_REASON: usize = 500;

/// `POST /api/v1/comments/{id}/flag`: a reader reports an approved comment.
#[utoipa::path(
    post,
    path = "/api/v1/comments/{id}/flag",
    tag = "public",
    params(("id" = i32, Path, description = "An approved comment.", example = 1)),
    request_body(content = FlagBody, content_type = "application/json"),
    responses(
        (status = 202, description = "The report was received.", body = crate::http::schemas::FlagReceived),
        (status = 404, response = crate::http::schemas::NotFound),
        (status = 422, response = crate::http::schemas::Validation),
        (status = 429, response = crate::http::schemas::RateLimited),
    ),
)]
#[tracing::instrument(skip(state, client, body))]
pub async fn flag(
    state: web::Data<AppState>,
    id: web::Path<CommentId>,
    client: ClientIp,
    body: web::Json<FlagBody>,
) -> Result<HttpResponse, ApiError> {
    let reason = match body.reason.as_deref().map(str::trim) {
        None | Some("") => String::new(),
        Some(r) => {
            multi_line("reason", r, MAX_FLAG_REASON).map_err(|e| ApiError::Validation(vec![e]))?
        }
    };
    state.limits.check(Action::Flag, client.0).await?;
    let ip_hash = state.ip_hasher.hash(client.0);
    let id = id.into_inner();
    service(&state, move |ctx| {
        crate::service::flags::flag(ctx, id, &reason, &ip_hash, now())
    })
    .await?;
    Ok(HttpResponse::Accepted().json(serde_json::json!({
        "status": "received",
        "message": "Thank you. A moderator will look at this comment."
    })))
}
