//! `GET /metrics` in the OpenMetrics text format, and the middleware that
//! counts every request into [`crate::metrics::Metrics`]. `/metrics` is not
//! on the public CORS surface and answers only the networks in
//! `metrics.allow` (404 to others).

use super::db;
use crate::config::Settings;
use crate::error::ApiError;
use crate::http::pattern::{Pattern, UNMATCHED};
use crate::limits::ClientIp;
use crate::metrics::OPENMETRICS;
use crate::state::AppState;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, web};
use std::time::Instant;

/// Middleware: times and counts every request by its route pattern
/// (`/api/v1/posts/{slug}`, or `unmatched`), so that labels stay few.
pub async fn track(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let method = req.method().clone();
    let result = next.call(req).await;
    if let Some(state) = state {
        let seconds = started.elapsed().as_secs_f64();
        let (route, status) = match &result {
            Ok(response) => (Pattern::of(response.request()), response.status().as_u16()),
            Err(error) => (UNMATCHED, error.as_response_error().status_code().as_u16()),
        };
        state.metrics.observe(route, &method, status, seconds);
    }
    result
}

/// Whether this request may read the metrics: from a network in
/// `metrics.allow`, directly or through a trusted proxy.
fn allowed(req: &HttpRequest, settings: &Settings) -> bool {
    let peer_trusted = req
        .peer_addr()
        .is_some_and(|a| settings.is_trusted_proxy(a.ip()));
    let forwarded = ["x-forwarded-for", "forwarded", "x-real-ip"]
        .iter()
        .any(|name| req.headers().contains_key(*name));
    if forwarded && !peer_trusted {
        // A proxy we do not know relays this: its client could be anyone.
        return false;
    }
    let client = ClientIp::of(req, settings).0;
    settings
        .metrics
        .allow
        .iter()
        .any(|net| net.contains(&client))
}

/// `GET /metrics`: Prometheus metrics, for the networks in `metrics.allow`.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    responses(
        (status = 200, description = "The metrics in the OpenMetrics text format (Prometheus reads it).", body = String, content_type = "application/openmetrics-text"),
        (status = 404, response = crate::http::schemas::NotFound),
    ),
)]
pub async fn metrics(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    if !state.settings.metrics.enabled || !allowed(&req, &state.settings) {
        return Err(ApiError::NotFound("Nothing is served at /metrics.".into()));
    }
    let shared = state.clone();
    db(&state, move |conn| Ok(shared.metrics.refresh(conn)?)).await?;
    let text = state.metrics.encode().map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, OPENMETRICS))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(text))
}
