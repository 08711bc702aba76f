//! What wraps every request: whole bodies, security headers and HSTS,
//! CORS.

use crate::config::Settings;
use crate::error::ApiError;
use actix_cors::Cors;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, RequestHead, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web::BytesMut;
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

/// Headers every response carries (unless the handler set its own), and
/// `Strict-Transport-Security` on every response to a request that came
/// over https (directly, or as a trusted proxy says). The values are
/// built once; a response costs a look-up and an insert per header.
#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    settings: std::sync::Arc<Settings>,
}

/// What every response says.
const SECURITY_HEADERS: [(header::HeaderName, &str); 3] = [
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "no-referrer"),
    (header::X_FRAME_OPTIONS, "DENY"),
];

/// HSTS: a year, subdomains too.
const HSTS: &str = "max-age=31536000; includeSubDomains";

/// The layer for `settings` (whose trusted proxies say what came over
/// https).
pub fn security_headers(settings: std::sync::Arc<Settings>) -> SecurityHeaders {
    SecurityHeaders { settings }
}

impl<S, B> Transform<S, ServiceRequest> for SecurityHeaders
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    S::Future: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Transform = SecurityHeadersService<S>;
    type InitError = ();
    type Future = std::future::Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        std::future::ready(Ok(SecurityHeadersService {
            service,
            settings: self.settings.clone(),
        }))
    }
}

/// [`SecurityHeaders`] around a service.
#[derive(Debug)]
pub struct SecurityHeadersService<S> {
    service: S,
    settings: std::sync::Arc<Settings>,
}

impl<S, B> Service<ServiceRequest> for SecurityHeadersService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    S::Future: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Future = futures_util::future::Map<S::Future, Finish<B>>;

    actix_web::dev::forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        use futures_util::FutureExt;
        let finish: Finish<B> = if crate::limits::is_https(req.request(), &self.settings) {
            |outcome| outcome.map(|response| with_headers(response, true))
        } else {
            |outcome| outcome.map(|response| with_headers(response, false))
        };
        self.service.call(req).map(finish)
    }
}

/// What [`SecurityHeadersService`] does to the inner service's outcome.
type Finish<B> = fn(
    Result<ServiceResponse<B>, actix_web::Error>,
) -> Result<ServiceResponse<B>, actix_web::Error>;

fn with_headers<B>(mut response: ServiceResponse<B>, https: bool) -> ServiceResponse<B> {
    let headers = response.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        if !headers.contains_key(&name) {
            headers.insert(name, header::HeaderValue::from_static(value));
        }
    }
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            header::HeaderValue::from_static(HSTS),
        );
    }
    response
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
