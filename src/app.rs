//! Builds the actix application and server from the state, the routes
//! and the middleware; nothing else.

use crate::config::Settings;
use crate::db::Pool;
use crate::http::{fallback, middleware};
use crate::state::AppState;
use actix_web::dev::Server;
use actix_web::middleware::{ErrorHandlers, from_fn};
use actix_web::{App, HttpServer, web};
use std::net::TcpListener;
use std::time::Duration;

/// Starts serving on `listener` (any port, including 0 for tests).
pub fn run(listener: TcpListener, pool: Pool, settings: Settings) -> anyhow::Result<Server> {
    serve_state(listener, web::Data::new(AppState::new(pool, settings)?))
}

/// Starts serving a prepared state (tests keep a handle on it).
pub fn serve_state(listener: TcpListener, state: web::Data<AppState>) -> anyhow::Result<Server> {
    let workers = state.settings.workers;
    let state_timeout = state.settings.client_timeout_secs;
    let max_connections = state.settings.max_connections;
    crate::housekeeping::spawn(&state);
    // Only when mail or a webhook is configured: else no outbound
    // connection of any kind.
    if let Some(sender) = crate::delivery::Sender::new(
        state.pool.clone(),
        state.settings.clone(),
        state.mail_key.clone(),
    )? {
        sender
            .yielding_to(state.writer.activity())
            .spawn(std::sync::Arc::downgrade(&state.clone().into_inner()))?;
    }
    // Off the start-up path: the first request for a file compresses it
    // itself if this has not reached it yet.
    let _ = std::thread::Builder::new()
        .name("colloquy-precompress".into())
        .spawn(crate::http::assets::precompress);
    let refused_origins = std::sync::Arc::new(middleware::RefusedOrigins::default());
    let mut server = HttpServer::new(move || {
        let settings = state.settings.clone();
        let body_limit = settings.max_body_bytes;
        let body_within = Duration::from_secs(settings.client_body_timeout_secs.max(1));
        App::new()
            .app_data(state.clone())
            .app_data(fallback::json_config(settings.max_body_bytes))
            .app_data(web::PayloadConfig::new(settings.max_body_bytes))
            .app_data(fallback::query_config())
            .app_data(fallback::path_config())
            .app_data(web::FormConfig::default().limit(settings.max_body_bytes))
            .configure(crate::routes::routes)
            .default_service(web::to(fallback::not_found))
            .wrap(from_fn(move |req, next| {
                middleware::whole_body(body_limit, req, next)
            }))
            .wrap(from_fn(move |req, next| {
                crate::http::body_deadline::body_deadline(body_within, body_limit, req, next)
            }))
            .wrap(middleware::cors(&settings, refused_origins.clone()))
            .wrap(ErrorHandlers::new().default_handler(fallback::problem_fallback))
            .wrap(middleware::security_headers(settings.clone()))
            .wrap(crate::http::spans::RequestSpans)
            .wrap(from_fn(crate::http::metrics::track))
    })
    .shutdown_timeout(30)
    .client_request_timeout(Duration::from_secs(state_timeout.max(1)))
    .client_disconnect_timeout(Duration::from_secs(2))
    .keep_alive(Duration::from_secs(30))
    .max_connections(max_connections.max(1))
    .listen(listener)?;
    if let Some(n) = workers {
        server = server.workers(n.max(1));
    }
    Ok(server.run())
}
