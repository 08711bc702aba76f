//! What wraps every request: whole bodies, security headers, HSTS, CORS.

use crate::config::Settings;
use crate::error::ApiError;
use crate::state::AppState;
use actix_cors::Cors;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, RequestHead, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{DefaultHeaders, Next};
use actix_web::web::{self, BytesMut};
use futures_util::StreamExt;

/// Reads a request's whole body (up to `limit` bytes) before any handler
/// runs, and hands the handler that copy.
///
/// Why: a handler that answers without reading the body (logout, a refusal
/// before the body matters) leaves unread bytes on the connection, and
/// actix then closes the connection after the answer without saying
/// `Connection: close` — a client that reuses it at that moment loses its
/// next request. With the body always read, the connection stays usable.
/// A body over the limit is answered 413 at once and the connection is
/// closed, saying so.
pub async fn whole_body(
    limit: usize,
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let headers = req.headers();
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let chunked = headers.contains_key(header::TRANSFER_ENCODING);
    if declared.is_some_and(|n| n > 0) || chunked {
        if declared.is_some_and(|n| n > limit as u64) {
            return Ok(too_large(req));
        }
        let mut payload = std::mem::replace(req.parts_mut().1, Payload::None);
        let mut body = BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk?;
            if body.len() + chunk.len() > limit {
                return Ok(too_large(req));
            }
            body.extend_from_slice(&chunk);
        }
        req.set_payload(Payload::from(body.freeze()));
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

/// A 413 that closes the connection (the rest of the body is not read).
fn too_large<B>(req: ServiceRequest) -> ServiceResponse<EitherBody<B>> {
    let mut response = req.error_response(ApiError::PayloadTooLarge);
    response
        .response_mut()
        .head_mut()
        .set_connection_type(actix_web::http::ConnectionType::Close);
    response.map_into_right_body()
}

/// Headers every response carries.
pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::REFERRER_POLICY, "no-referrer"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
}

/// `Strict-Transport-Security` on every response to a request that came
/// over https (directly, or as a trusted proxy says).
pub async fn strict_transport(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let https = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|state| crate::limits::is_https(req.request(), &state.settings));
    let mut response = next.call(req).await?;
    if https {
        response.headers_mut().insert(
            header::STRICT_TRANSPORT_SECURITY,
            header::HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    Ok(response)
}

/// Origins already named in a "refused CORS origin" warning, so that each
/// is logged once (up to a bound), however many requests it sends.
#[derive(Debug, Default)]
pub struct RefusedOrigins(std::sync::Mutex<std::collections::HashSet<String>>);

/// Most distinct refused origins remembered (and so logged).
const MAX_REFUSED_LOGGED: usize = 256;

impl RefusedOrigins {
    /// Logs `origin` at WARN the first time it is refused, naming the
    /// origins that are allowed.
    fn note(&self, origin: &str, allowed: &[String]) {
        let mut seen = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if seen.len() < MAX_REFUSED_LOGGED && seen.insert(origin.to_owned()) {
            let allowed = if allowed.is_empty() {
                "none besides this server's own (set allowed_origins)".to_owned()
            } else {
                allowed.join(", ")
            };
            tracing::warn!(
                "refused CORS origin {origin}; allowed: {allowed} (scheme, host and port must match exactly)"
            );
        }
    }
}

/// CORS for the configured origins (and the server's own), on the public
/// API only; moderator routes are same-origin. Which routes are private is
/// read from the percent-decoded path, as the router reads it. An origin
/// that is neither is logged once in `refused`.
pub fn cors(settings: &Settings, refused: std::sync::Arc<RefusedOrigins>) -> Cors {
    let allowed: Vec<String> = settings
        .allowed_origins
        .iter()
        .map(|o| o.trim_end_matches('/').to_owned())
        .collect();
    Cors::default()
        .allowed_origin_fn(move |origin, head| {
            let origin = origin.to_str().unwrap_or("");
            // Decided on the path as the router decodes it (`%61uth` is
            // `auth` to the router, so it must be to CORS too).
            let url = actix_web::dev::Url::new(head.uri.clone());
            let path = url.path();
            let same = is_same_origin(origin, head);
            let listed = allowed.iter().any(|a| a == origin);
            if !same && !listed {
                refused.note(origin, &allowed);
            }
            // `/metrics` is for operators' scrapers, never for pages.
            path != "/metrics" && same || (!is_private_path(path) && listed)
        })
        .allowed_methods(["GET", "POST"])
        .allowed_headers([header::CONTENT_TYPE, header::IF_NONE_MATCH])
        .expose_headers([header::ETAG, header::RETRY_AFTER])
        .block_on_origin_mismatch(false)
        .max_age(3600)
}

fn is_private_path(path: &str) -> bool {
    path.starts_with("/api/v1/moderation") || path.starts_with("/api/v1/auth") || path == "/metrics"
}

fn is_same_origin(origin: &str, head: &RequestHead) -> bool {
    let host = head
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok());
    let authority = origin.split_once("://").map(|(_, rest)| rest);
    matches!((host, authority), (Some(h), Some(a)) if h.eq_ignore_ascii_case(a))
}
