//! Readers' reads that go through the cache: a thread's page, and
//! comment counts by post. The rules that keep them exact are in the
//! module documentation of `cache`; the cache is only ever dropped by the
//! change events' dispatcher.

use super::Page;
use super::fragments;
use super::read;
use super::views::{Order, ThreadPost, ThreadView, build_thread, nest_page};
use crate::cache::{Cache, Coding, PageKey, Rendered};
use crate::db::comments as comments_db;
use crate::db::posts as posts_db;
use crate::domain::post::PostId;
use crate::error::ApiError;
use crate::service::{not_found, posts};
use crate::state::AppState;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// The post `slug` names, read from the database and remembered in the
/// cache's slug lookups (a miss too: the next request for an unknown slug
/// is answered without a query, until a post is created).
pub fn post_remembered(
    conn: &mut crate::db::DbConn,
    cache: &Cache,
    slug: &str,
) -> Result<posts_db::Post, ApiError> {
    let epoch = cache.slug_epoch();
    let Some(post) = posts_db::by_slug(conn, slug)? else {
        cache.remember_unknown(slug, epoch);
        return Err(not_found::post(slug));
    };
    cache.remember_slug(slug, post.id, epoch);
    Ok(post)
}

/// The page of the thread `slug` in `order`: from the cache when the post
/// has not changed since it was built; otherwise one indexed query of the
/// items' stored JSON on the readers' pool, nested and concatenated
/// ([`fragments`]), compressed (for `coding`) once, and stored under the
/// generation it was read at.
pub async fn thread_page(
    state: &AppState,
    slug: String,
    order: Order,
    page: Page,
    coding: Coding,
) -> Result<Arc<Rendered>, ApiError> {
    let cache = state.cache.clone();
    let key = move |post_id: PostId, generation: u64| PageKey {
        post_id,
        generation,
        newest_first: order == Order::Newest,
        after: page.after,
        limit: page.limit,
    };
    if let Some(post_id) = cache.post_id(&slug) {
        if let Some(hit) = cache.page(&key(post_id, cache.generation(post_id))) {
            return Ok(hit);
        }
    } else if cache.is_unknown(&slug) {
        return Err(not_found::post(&slug));
    }
    let settings = state.settings.clone();
    read(state, move |conn| {
        let post = post_remembered(conn, &cache, &slug)?;
        // Read between resolving the post and reading its comments: see
        // the module documentation of `cache`.
        let generation = cache.generation(post.id);
        let base = posts::permalink_base(&settings, &post);
        let head = ThreadPost {
            slug: post.slug,
            title: post.title,
            comments_open: post.comments_open,
        };
        let notify = settings.mail.enabled();
        let rows = comments_db::fragments_for_post(conn, post.id)?;
        let (total, trees, next) = nest_page(rows, order, page.after, page.limit);
        let body = match fragments::page(&head, total, &trees, next.as_deref(), notify, &base) {
            Some(body) => body,
            None => {
                // A row the triggers did not reach (never expected): the
                // page from full rows, as serde writes it.
                tracing::warn!(post = post.id.0, "a thread item had no stored JSON");
                let rows = comments_db::approved_for_post(conn, post.id)?;
                let (total, comments, next) =
                    build_thread(rows, order, page.after, page.limit, &base);
                let view = ThreadView {
                    post: head,
                    total,
                    comments,
                    next,
                    notify,
                };
                serde_json::to_vec(&view).map_err(ApiError::internal)?
            }
        };
        let rendered = Arc::new(Rendered::new(body));
        // Compress here, off the async workers, for the coding asked for.
        rendered.body(coding);
        cache.store_page(key(post.id, generation), rendered.clone());
        Ok(rendered)
    })
    .await
}

/// The thread of a post that does not exist yet but that its page may
/// start: open, empty. Built on each read, stored nowhere.
pub fn empty_thread(slug: &str, notify: bool) -> Result<Arc<Rendered>, ApiError> {
    let view = ThreadView {
        post: ThreadPost {
            slug: slug.to_owned(),
            title: slug.to_owned(),
            comments_open: true,
        },
        total: 0,
        comments: Vec::new(),
        next: None,
        notify,
    };
    Ok(Arc::new(Rendered::new(
        serde_json::to_vec(&view).map_err(ApiError::internal)?,
    )))
}

/// Public item counts by slug (unknown slugs count 0): from the cache
/// where current, the rest read in one query and remembered.
pub async fn counts(
    state: &AppState,
    slugs: Vec<String>,
) -> Result<BTreeMap<String, i64>, ApiError> {
    let cache = state.cache.clone();
    let mut counts: BTreeMap<String, i64> = BTreeMap::new();
    let mut missing = Vec::new();
    for slug in slugs {
        let cached = if cache.is_unknown(&slug) {
            Some(0)
        } else {
            cache.post_id(&slug).and_then(|id| cache.count(id))
        };
        match cached {
            Some(n) => {
                counts.insert(slug, n);
            }
            None => missing.push(slug),
        }
    }
    if !missing.is_empty() {
        let found = read(state, move |conn| {
            let epoch = cache.slug_epoch();
            let posts = posts_db::ids_by_slug(conn, &missing)?;
            let ids: Vec<PostId> = posts.iter().map(|(id, _)| *id).collect();
            let by_id = visible_counts(conn, &cache, &ids)?;
            let mut found = Vec::with_capacity(missing.len());
            for slug in missing {
                match posts.iter().find(|(_, s)| *s == slug) {
                    Some((id, _)) => {
                        cache.remember_slug(&slug, *id, epoch);
                        found.push((slug, by_id.get(id).copied().unwrap_or(0)));
                    }
                    None => {
                        cache.remember_unknown(&slug, epoch);
                        found.push((slug, 0));
                    }
                }
            }
            Ok(found)
        })
        .await?;
        counts.extend(found);
    }
    Ok(counts)
}

/// Public item counts of the posts `ids`: from the cache where current,
/// the rest counted (each post's generation read before counting, as the
/// `cache` module requires) and stored.
pub fn visible_counts(
    conn: &mut crate::db::DbConn,
    cache: &Cache,
    ids: &[PostId],
) -> diesel::QueryResult<HashMap<PostId, i64>> {
    let mut counts = HashMap::with_capacity(ids.len());
    let mut missing = Vec::new();
    for &id in ids {
        match cache.count(id) {
            Some(n) => {
                counts.insert(id, n);
            }
            None => missing.push((id, cache.generation(id))),
        }
    }
    if !missing.is_empty() {
        let wanted: Vec<PostId> = missing.iter().map(|(id, _)| *id).collect();
        let counted = posts_db::approved_counts_by_id(conn, &wanted)?;
        for (id, generation) in missing {
            let n = counted.get(&id).copied().unwrap_or(0);
            cache.store_count(id, generation, n);
            counts.insert(id, n);
        }
    }
    Ok(counts)
}
