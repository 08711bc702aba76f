//! Atom feeds of published comments: `GET /feeds/comments.atom` (the
//! whole site) and `GET /feeds/posts/{slug}.atom` (one post).
//!
//! A feed is built by `service::feeds` on the readers' pool, rendered
//! once, and kept in the cache under the generation it was read at (the
//! post's, or for the site feed the site generation that every post's
//! change moves): it is dropped exactly when a thread changes, like a
//! thread's JSON, and answered with its `ETag` (304 when unchanged).

use super::conditional;
use super::{read, reads};
use crate::cache::{Coding, FeedKey, Rendered};
use crate::domain::atom::CONTENT_TYPE;
use crate::error::ApiError;
use crate::service::{feeds, not_found};
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use std::sync::Arc;

/// `GET /feeds/comments.atom`: the newest published items of every post.
#[utoipa::path(
    get,
    path = "/feeds/comments.atom",
    tag = "feeds",
    params(
        ("If-None-Match" = Option<String>, Header, description = "An `ETag` from an earlier answer: 304 while it is current."),
    ),
    responses(
        (status = 200, description = "An Atom 1.0 feed of the 50 newest approved reader comments and official replies of the whole site, newest first: signed name, permalink, sanitised HTML body; never an e-mail address.",
            body = String, content_type = "application/atom+xml",
            headers(("ETag" = String, description = "Strong validator of this feed."), ("Cache-Control" = String, description = "`no-cache`: revalidate with `If-None-Match`."))),
        (status = 304, description = "The client's copy is current.", headers(("ETag" = String, description = "The current validator."))),
    ),
)]
#[tracing::instrument(skip(state, req))]
pub async fn site_feed(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let coding = coding(&req);
    let cache = state.cache.clone();
    if let Some(hit) = cache.feed(None) {
        return Ok(send(&req, &hit, coding));
    }
    let settings = state.settings.clone();
    let rendered = read(&state, move |conn| {
        // Read before the items: see the module documentation of `cache`.
        let generation = cache.site_generation();
        let feed = feeds::site_feed(conn, &settings)?;
        let rendered = render(feed.to_xml(), coding);
        cache.store_feed(
            FeedKey {
                post_id: None,
                generation,
            },
            rendered.clone(),
        );
        Ok(rendered)
    })
    .await?;
    Ok(send(&req, &rendered, coding))
}

/// `GET /feeds/posts/{slug}.atom`: the newest published items of one post.
/// An unknown slug is 404, even one that a page could start
/// (`posts.auto_create`): until its first comment is stored there is no
/// post to follow.
#[utoipa::path(
    get,
    path = "/feeds/posts/{slug}.atom",
    tag = "feeds",
    params(
        ("slug" = String, Path, description = "The post's slug.", example = "prison-reform-dialogue"),
        ("If-None-Match" = Option<String>, Header, description = "An `ETag` from an earlier answer: 304 while it is current."),
    ),
    responses(
        (status = 200, description = "An Atom 1.0 feed of the post's 50 newest approved reader comments and official replies, newest first.",
            body = String, content_type = "application/atom+xml",
            headers(("ETag" = String, description = "Strong validator of this feed."), ("Cache-Control" = String, description = "`no-cache`: revalidate with `If-None-Match`."))),
        (status = 304, description = "The client's copy is current.", headers(("ETag" = String, description = "The current validator."))),
        (status = 404, response = crate::http::schemas::NotFound),
    ),
)]
#[tracing::instrument(skip(state, req))]
pub async fn post_feed(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let coding = coding(&req);
    let slug = slug.into_inner();
    let cache = state.cache.clone();
    if let Some(post_id) = cache.post_id(&slug) {
        if let Some(hit) = cache.feed(Some(post_id)) {
            return Ok(send(&req, &hit, coding));
        }
    } else if cache.is_unknown(&slug) {
        return Err(not_found::post(&slug));
    }
    let settings = state.settings.clone();
    let rendered = read(&state, move |conn| {
        let post = reads::post_remembered(conn, &cache, &slug)?;
        // Read between resolving the post and reading its items.
        let generation = cache.generation(post.id);
        let feed = feeds::post_feed(conn, &settings, &post)?;
        let rendered = render(feed.to_xml(), coding);
        cache.store_feed(
            FeedKey {
                post_id: Some(post.id),
                generation,
            },
            rendered.clone(),
        );
        Ok(rendered)
    })
    .await?;
    Ok(send(&req, &rendered, coding))
}

/// The coding the request accepts best.
fn coding(req: &HttpRequest) -> Coding {
    Coding::negotiate(
        req.headers()
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .unwrap_or(""),
    )
}

/// A rendered feed, compressed for `coding` here (off the async workers).
fn render(xml: Vec<u8>, coding: Coding) -> Arc<Rendered> {
    let rendered = Arc::new(Rendered::new(xml));
    rendered.body(coding);
    rendered
}

/// Sends a feed in `coding`, or 304 when the client has that
/// representation; the same caching headers as a thread's JSON.
fn send(req: &HttpRequest, feed: &Rendered, coding: Coding) -> HttpResponse {
    conditional::get(req, &feed.etag(coding))
        .header((header::CACHE_CONTROL, "no-cache"))
        .header((header::VARY, "Accept-Encoding"))
        .send(|ok| {
            if let Some(encoding) = coding.header() {
                ok.insert_header((header::CONTENT_ENCODING, encoding));
            }
            ok.content_type(CONTENT_TYPE).body(feed.body(coding))
        })
}
