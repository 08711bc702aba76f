//! Readers and the widget: posts, threads, submissions, counts, flags.

use super::views::{Order, PostDetail, PostView, ThreadPost, ThreadView, build_thread};
use super::{PageQuery, db, next_cursor, pages};
use crate::app::AppState;
use crate::db::comments::{self as comments_db, NewCommentRow};
use crate::db::moderation as moderation_db;
use crate::db::posts as posts_db;
use crate::domain::comment::{CommentForm, NewComment};
use crate::domain::moderation::Status;
use crate::domain::render::render_comment;
use crate::domain::spam::{SpamInput, assess};
use crate::domain::text::multi_line;
use crate::domain::time::now;
use crate::error::ApiError;
use crate::limits::{Action, ClientIp};
use actix_web::http::header::{self, ContentType};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// How far back a sender's identical text counts as a repeat.
const REPEAT_WINDOW_SECS: i64 = 24 * 60 * 60;

/// `GET /api/v1/posts`: posts, newest first.
#[tracing::instrument(skip(state))]
pub async fn list_posts(
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = query.page(20)?;
    let (posts, next) = db(&state, move |conn| {
        let mut posts = posts_db::list(conn, page.after, page.limit + 1)?;
        let next = next_cursor(&mut posts, page.limit, |p| (p.published_at, p.id));
        let ids: Vec<i32> = posts.iter().map(|p| p.id).collect();
        let counts = posts_db::approved_counts_by_id(conn, &ids)?;
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
#[tracing::instrument(skip(state))]
pub async fn get_post(
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let slug = slug.into_inner();
    let detail = db(&state, move |conn| {
        let post = posts_db::by_slug(conn, &slug)?.ok_or_else(|| no_post(&slug))?;
        let count = posts_db::approved_counts_by_id(conn, &[post.id])?
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

fn no_post(slug: &str) -> ApiError {
    ApiError::NotFound(format!("There is no post {slug:?}."))
}

/// Query of the thread endpoint.
#[derive(Debug, Deserialize)]
pub struct ThreadQuery {
    /// `oldest` (default) or `newest`.
    pub order: Option<String>,
    /// Paging.
    #[serde(flatten)]
    pub page: PageQuery,
}

/// `GET /api/v1/posts/{slug}/comments`: the approved thread, nested.
#[tracing::instrument(skip(state, req))]
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
    let slug = slug.into_inner();
    let view = db(&state, move |conn| {
        let post = posts_db::by_slug(conn, &slug)?.ok_or_else(|| no_post(&slug))?;
        let rows = comments_db::approved_for_post(conn, post.id)?;
        let (total, comments, next) = build_thread(rows, order, page.after, page.limit);
        Ok(ThreadView {
            post: ThreadPost {
                slug: post.slug,
                title: post.title,
                comments_open: post.comments_open,
            },
            total,
            comments,
            next,
        })
    })
    .await?;
    let body = serde_json::to_vec(&view).map_err(ApiError::internal)?;
    Ok(with_etag(&req, body))
}

/// Answers with `body` and a strong ETag, or 304 when the client already
/// has it.
pub fn with_etag(req: &HttpRequest, body: Vec<u8>) -> HttpResponse {
    let digest = Sha256::digest(&body);
    let etag: String = std::iter::once("\"".to_owned())
        .chain(digest[..12].iter().map(|b| format!("{b:02x}")))
        .chain(std::iter::once("\"".to_owned()))
        .collect();
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .map(|t| t.trim().trim_start_matches("W/"))
                .any(|t| t == etag || t == "*")
        });
    let mut response = if matches {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "no-cache"));
    if matches {
        response.finish()
    } else {
        response.content_type(ContentType::json()).body(body)
    }
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
#[derive(Debug, Serialize)]
pub struct Accepted {
    /// The new comment's id.
    pub id: i32,
    /// Always `pending`: nothing is public before a moderator approves it.
    pub status: &'static str,
    /// Words for the reader.
    pub message: &'static str,
}

/// The words a reader sees after submitting.
pub const AWAITING_REVIEW: &str =
    "Thank you. Your comment is awaiting review and will appear once a moderator approves it.";

/// `POST /api/v1/posts/{slug}/comments`: a reader's comment, held for
/// review (202), whatever the spam check says. A form posted by a browser
/// without JavaScript gets the same status codes as HTML pages.
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
            message: AWAITING_REVIEW,
        })),
        Err(error) if html && error.problem().status < 500 => Ok(pages::refused(&slug, &error)),
        Err(error) => Err(error),
    }
}

/// Checks and stores a submission; returns its id and the post's URL.
async fn accept(
    state: &AppState,
    req: &HttpRequest,
    slug: String,
    client: ClientIp,
    body: &[u8],
) -> Result<(i32, Option<String>), ApiError> {
    let form: CommentForm = read_body(req, body)?;
    let comment = NewComment::parse(&form).map_err(ApiError::Validation)?;
    state.limits.check(Action::Comment, client.0)?;
    let ip_hash = state.ip_hasher.hash(client.0);
    let html = render_comment(comment.body.as_str());
    let rules = state.settings.spam.rules();
    db(state, move |conn| {
        let post = posts_db::by_slug(conn, &slug)?.ok_or_else(|| no_post(&slug))?;
        if !post.comments_open {
            return Err(ApiError::Forbidden(
                "Comments on this post are closed.".into(),
            ));
        }
        if let Some(parent) = comment.parent_id {
            let ok = comments_db::get(conn, parent.0)?
                .is_some_and(|p| p.post_id == post.id && p.status == Status::Approved.as_str());
            if !ok {
                return Err(ApiError::field(
                    "parent_id",
                    "must be an approved comment on this post",
                ));
            }
        }
        let now = now();
        let repeated = comments_db::is_repeat(
            conn,
            post.id,
            &ip_hash,
            comment.body.as_str(),
            now - REPEAT_WINDOW_SECS,
        )?;
        let verdict = assess(
            &SpamInput {
                honeypot_filled: comment.honeypot_filled,
                body: comment.body.as_str(),
                author_name: comment.author_name.as_str(),
                repeated,
            },
            &rules,
        );
        let status = if verdict.is_spam {
            Status::Spam
        } else {
            Status::Pending
        };
        let mut row = NewCommentRow::reader(
            post.id,
            comment.parent_id.map(|p| p.0),
            status,
            comment.author_name.as_str(),
            comment.author_location.as_ref().map(|l| l.as_str()),
            comment.email.as_ref().map(|e| e.as_str()),
            Some(&ip_hash),
            comment.body.as_str(),
            &html,
            now,
        );
        row.spam_score = verdict.score;
        row.signals = serde_json::to_string(&verdict.signals).map_err(ApiError::internal)?;
        Ok((comments_db::insert(conn, &row)?, post.url))
    })
    .await
}

/// Query of the counts endpoint.
#[derive(Debug, Deserialize)]
pub struct CountsQuery {
    /// Comma-separated slugs.
    pub posts: Option<String>,
}

/// Most slugs one counts request may name.
pub const MAX_COUNT_SLUGS: usize = 200;

/// `GET /api/v1/counts?posts=a,b`: approved items per post.
#[tracing::instrument(skip(state))]
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
    let found = if slugs.is_empty() {
        Default::default()
    } else {
        let wanted = slugs.clone();
        db(&state, move |conn| {
            Ok(posts_db::approved_counts_by_slug(conn, &wanted)?)
        })
        .await?
    };
    let counts: BTreeMap<String, i64> = slugs
        .into_iter()
        .map(|s| {
            let n = found.get(&s).copied().unwrap_or(0);
            (s, n)
        })
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "counts": counts })))
}

/// Body of a reader's flag.
#[derive(Debug, Deserialize)]
pub struct FlagBody {
    /// Why the reader reports the comment.
    pub reason: Option<String>,
}

/// Longest flag reason.
pub const MAX_FLAG_REASON: usize = 500;

/// `POST /api/v1/comments/{id}/flag`: a reader reports an approved comment.
#[tracing::instrument(skip(state, client, body))]
pub async fn flag(
    state: web::Data<AppState>,
    id: web::Path<i32>,
    client: ClientIp,
    body: web::Json<FlagBody>,
) -> Result<HttpResponse, ApiError> {
    let reason = match body.reason.as_deref().map(str::trim) {
        None | Some("") => String::new(),
        Some(r) => {
            multi_line("reason", r, MAX_FLAG_REASON).map_err(|e| ApiError::Validation(vec![e]))?
        }
    };
    state.limits.check(Action::Flag, client.0)?;
    let ip_hash = state.ip_hasher.hash(client.0);
    let id = id.into_inner();
    db(&state, move |conn| {
        let public =
            comments_db::get(conn, id)?.is_some_and(|c| c.status == Status::Approved.as_str());
        if !public {
            return Err(ApiError::NotFound(format!(
                "There is no published comment {id}."
            )));
        }
        moderation_db::flag(conn, id, &reason, &ip_hash, now())?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::Accepted().json(serde_json::json!({
        "status": "received",
        "message": "Thank you. A moderator will look at this comment."
    })))
}
