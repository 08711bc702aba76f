//! HTTP handlers, one module per audience. Handlers are thin:
//! extract → parse → database (in `web::block`) → respond.

pub mod accounts;
pub mod assets;
pub mod auth;
pub mod bans;
pub mod bench;
pub mod body_deadline;
pub mod conditional;
pub mod due_process;
pub mod fallback;
pub mod feeds;
pub mod fragments;
pub mod health;
pub mod mail_pages;
pub mod metrics;
pub mod middleware;
pub mod moderation;
pub mod openapi;
pub mod outbox;
pub mod pages;
pub mod pattern;
pub mod public;
pub mod queue;
pub mod reads;
pub mod report_page;
pub mod schemas;
pub mod spans;
pub mod views;
pub mod workspace;

use crate::db::DbConn;
use crate::error::ApiError;
use crate::limits::ClientIp;
use crate::service::Ctx;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use std::future::{Ready, ready};

/// Runs blocking database work on actix's thread pool with a connection
/// of the main pool (moderators, submissions).
pub async fn db<T, F>(state: &AppState, work: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
{
    on(&state.pool, work).await
}

/// Like [`db`], with a connection of the readers' pool: for public reads,
/// so that a flood of them cannot take the connections moderators and
/// submissions need.
pub async fn read<T, F>(state: &AppState, work: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
{
    on(&state.read_pool, work).await
}

/// Runs a write service on actix's thread pool with a connection of the
/// main pool; what it changed is dispatched once it returns (after its
/// commit), so no handler touches the cache.
pub async fn service<T, F>(state: &AppState, work: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut Ctx<'_>) -> Result<T, ApiError> + Send + 'static,
{
    let events = state.events.clone();
    on(&state.pool, move |conn| events.run(conn, work)).await
}

/// Like [`service`], for a signed-in moderator's change: every write
/// transaction it opens commits only while `authority` still holds (the
/// session, the enabled account, the role), checked inside it.
pub async fn service_as<T, F>(
    state: &AppState,
    authority: crate::db::authority::Authority,
    work: F,
) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut Ctx<'_>) -> Result<T, ApiError> + Send + 'static,
{
    let events = state.events.clone();
    on(&state.pool, move |conn| {
        crate::db::authority::acting_as(authority, || events.run(conn, work))
    })
    .await
}

/// Like [`db`], for a signed-in moderator's small change made without a
/// service: run as one write transaction that checks `authority` first.
pub async fn db_as<T, F>(
    state: &AppState,
    authority: crate::db::authority::Authority,
    work: F,
) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
{
    on(&state.pool, move |conn| {
        crate::db::authority::acting_as(authority, || crate::db::write(conn, work))
    })
    .await
}

async fn on<T, F>(pool: &crate::db::Pool, work: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
{
    let pool = pool.clone();
    actix_web::web::block(move || {
        let mut conn = pool.get()?;
        work(&mut conn)
    })
    .await?
}

/// The client's address (see [`ClientIp::of`]) as an extractor.
impl FromRequest for ClientIp {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match req.app_data::<web::Data<AppState>>() {
            Some(state) => Ok(Self::of(req, &state.settings)),
            None => Err(ApiError::internal(anyhow::anyhow!(
                "application state missing"
            ))),
        })
    }
}

/// The origin this request was sent to (`https://host[:port]` as the
/// client named it, https as [`crate::limits::is_https`] decides).
pub fn own_origin(req: &HttpRequest, settings: &crate::config::Settings) -> Option<String> {
    let host = req
        .headers()
        .get(actix_web::http::header::HOST)?
        .to_str()
        .ok()?;
    let scheme = if crate::limits::is_https(req, settings) {
        "https"
    } else {
        "http"
    };
    crate::config::origin_of(&format!("{scheme}://{host}"))
}

/// Largest page any list returns.
pub const MAX_LIMIT: i64 = 200;

/// `limit` and `cursor` as sent; read by [`PageQuery::page`].
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PageQuery {
    /// Items wanted; at most [`MAX_LIMIT`].
    pub limit: Option<String>,
    /// The `next` of the previous page.
    pub cursor: Option<String>,
}

/// A checked page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// Items wanted, 1 to [`MAX_LIMIT`].
    pub limit: i64,
    /// Where the previous page ended.
    pub after: Option<(i64, i32)>,
}

impl PageQuery {
    /// Reads `limit` (default `default`, clamped to 1..=200; negative or
    /// non-numeric is a 400) and `cursor` (opaque; a garbled one is a 400).
    pub fn page(&self, default: i64) -> Result<Page, ApiError> {
        let limit = match self.limit.as_deref().map(str::trim) {
            None | Some("") => default,
            Some(text) => match text.parse::<i64>() {
                Ok(n) if n >= 0 => n.clamp(1, MAX_LIMIT),
                _ => {
                    return Err(ApiError::BadRequest(format!(
                        "limit must be a whole number from 1 to {MAX_LIMIT}"
                    )));
                }
            },
        };
        let after = match self.cursor.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(cursor) => Some(decode_cursor(cursor)?),
        };
        Ok(Page { limit, after })
    }
}

/// Encodes a keyset position as an opaque cursor.
pub fn encode_cursor(key: (i64, i32)) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}.{}", key.0, key.1))
}

/// Decodes a cursor made by [`encode_cursor`].
pub fn decode_cursor(cursor: &str) -> Result<(i64, i32), ApiError> {
    let bad = || ApiError::BadRequest("the cursor is not one this server gave out".to_owned());
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let text = std::str::from_utf8(&bytes).map_err(|_| bad())?;
    let (a, b) = text.split_once('.').ok_or_else(bad)?;
    Ok((a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?))
}

/// The `next` cursor of a page: the key of its last item, when the query
/// found more items than the page holds.
pub fn next_cursor<T>(
    items: &mut Vec<T>,
    limit: i64,
    key: impl Fn(&T) -> (i64, i32),
) -> Option<String> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    if items.len() > limit {
        items.truncate(limit);
        items.last().map(|item| encode_cursor(key(item)))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(limit: Option<&str>, cursor: Option<&str>) -> PageQuery {
        PageQuery {
            limit: limit.map(str::to_owned),
            cursor: cursor.map(str::to_owned),
        }
    }

    #[test]
    fn limits_are_clamped_and_junk_is_refused() {
        assert_eq!(q(None, None).page(50).unwrap().limit, 50);
        assert_eq!(q(Some("1000"), None).page(50).unwrap().limit, MAX_LIMIT);
        assert_eq!(q(Some("0"), None).page(50).unwrap().limit, 1);
        assert!(q(Some("-1"), None).page(50).is_err());
        assert!(q(Some("ten"), None).page(50).is_err());
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let c = encode_cursor((1_335_448_800, 12));
        assert_eq!(
            q(None, Some(&c)).page(5).unwrap().after,
            Some((1_335_448_800, 12))
        );
        assert!(q(None, Some("!!")).page(5).is_err());
        assert!(q(None, Some("bm9wZQ")).page(5).is_err());
    }

    #[test]
    fn next_is_set_only_when_there_is_more() {
        let mut v = vec![(1, 1), (2, 2), (3, 3)];
        assert_eq!(next_cursor(&mut v, 2, |x| *x), Some(encode_cursor((2, 2))));
        assert_eq!(v.len(), 2);
        let mut w = vec![(1, 1)];
        assert_eq!(next_cursor(&mut w, 2, |x| *x), None);
    }
}
