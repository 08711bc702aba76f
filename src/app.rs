//! Builds the actix application and server; the one place routes are wired.

use crate::cache::Cache;
use crate::config::Settings;
use crate::db::writer::Writer;
use crate::db::{self, Pool};
use crate::domain::privacy::IpHasher;
use crate::error::{ApiError, PROBLEM_JSON, Problem, problem_response};
use crate::http::metrics::Metrics;
use crate::http::{
    accounts, assets, auth, bans, bench, metrics, moderation, openapi, pages, public, workspace,
};
use crate::limits::Limits;
use actix_cors::Cors;
use actix_web::dev::{RequestHead, Server, ServiceResponse};
use actix_web::error::{JsonPayloadError, PayloadError};
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::middleware::{DefaultHeaders, ErrorHandlerResponse, ErrorHandlers};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, ResponseError, web};
use anyhow::Context;
use base64::Engine;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

/// What every handler can reach.
#[derive(Debug)]
pub struct AppState {
    /// Database connections for moderators, submissions and the writer.
    pub pool: Pool,
    /// Database connections for readers' public reads (threads, counts,
    /// posts, pages): a flood of those waits here and nowhere else.
    pub read_pool: Pool,
    /// The settings the server started with.
    pub settings: Arc<Settings>,
    /// Rate limiters.
    pub limits: Limits,
    /// Hashes readers' IP addresses.
    pub ip_hasher: IpHasher,
    /// Rendered threads and counts.
    pub cache: Arc<Cache>,
    /// Group-commits readers' submissions.
    pub writer: Writer,
    /// What `/metrics` reports.
    pub metrics: Metrics,
}

impl AppState {
    /// Prepares the state: the IP-hashing key comes from the settings, or
    /// is generated once and kept in the database.
    pub fn new(pool: Pool, settings: Settings) -> anyhow::Result<Self> {
        let key = match &settings.ip_hash_key {
            Some(secret) => secret.expose().to_owned(),
            None => {
                let mut conn = pool.get().context("taking a database connection")?;
                db::accounts::instance_secret(&mut conn, "ip_hash_key", || {
                    base64::engine::general_purpose::STANDARD.encode(rand::random::<[u8; 32]>())
                })?
            }
        };
        let cache = Arc::new(Cache::new(settings.cache.enabled, settings.cache.max_bytes));
        let newest_log_id = {
            let mut conn = pool.get().context("taking a database connection")?;
            crate::http::metrics::newest_log_id(&mut conn)?
        };
        Ok(Self {
            metrics: Metrics::new(cache.clone(), newest_log_id),
            ip_hasher: IpHasher::new(key.as_bytes())
                .map_err(|e| anyhow::anyhow!("ip hash key: {e}"))?,
            limits: Limits::new(&settings.rate_limit),
            cache,
            writer: Writer::start(pool.clone())?,
            read_pool: db::pool::open(&settings.database, settings.read_pool_size)?,
            settings: Arc::new(settings),
            pool,
        })
    }
}

/// Starts serving on `listener` (any port, including 0 for tests).
pub fn run(listener: TcpListener, pool: Pool, settings: Settings) -> anyhow::Result<Server> {
    serve_state(listener, web::Data::new(AppState::new(pool, settings)?))
}

/// Starts serving a prepared state (tests keep a handle on it).
pub fn serve_state(listener: TcpListener, state: web::Data<AppState>) -> anyhow::Result<Server> {
    let workers = state.settings.workers;
    let state_timeout = state.settings.client_timeout_secs;
    let max_connections = state.settings.max_connections;
    spawn_housekeeping(&state);
    let mut server = HttpServer::new(move || {
        let settings = state.settings.clone();
        let body_limit = settings.max_body_bytes;
        App::new()
            .app_data(state.clone())
            .app_data(json_config(settings.max_body_bytes))
            .app_data(web::PayloadConfig::new(settings.max_body_bytes))
            .app_data(
                web::QueryConfig::default()
                    .error_handler(|e, _| ApiError::BadRequest(e.to_string()).into()),
            )
            .app_data(
                web::PathConfig::default()
                    .error_handler(|e, _| ApiError::BadRequest(e.to_string()).into()),
            )
            .app_data(web::FormConfig::default().limit(settings.max_body_bytes))
            .configure(routes)
            .default_service(web::to(not_found))
            .wrap(actix_web::middleware::from_fn(move |req, next| {
                crate::http::middleware::whole_body(body_limit, req, next)
            }))
            .wrap(cors(&settings))
            .wrap(ErrorHandlers::new().default_handler(problem_fallback))
            .wrap(security_headers())
            .wrap(actix_web::middleware::from_fn(strict_transport))
            .wrap(tracing_actix_web::TracingLogger::default())
            .wrap(actix_web::middleware::from_fn(metrics::track))
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

/// Every route of the API, each path answering 405 to a method it lacks.
pub fn routes(cfg: &mut web::ServiceConfig) {
    /// A path whose other methods get a 405 naming the `allowed` ones.
    fn resource(path: &str, allowed: &'static str) -> actix_web::Resource {
        web::resource(path).default_service(web::to(move || async move {
            Err::<HttpResponse, _>(ApiError::MethodNotAllowed(allowed))
        }))
    }
    cfg.service(resource("/healthz", "GET").route(web::get().to(healthz)))
        .service(resource("/metrics", "GET").route(web::get().to(metrics::metrics)))
        .service(resource("/", "GET").route(web::get().to(pages::index)))
        .service(resource("/posts/{slug}", "GET").route(web::get().to(pages::post_page)))
        .service(resource("/threads/{slug}", "GET").route(web::get().to(pages::thread_page)))
        .service(resource("/__bench/fixed/{bytes}", "GET").route(web::get().to(bench::fixed)))
        .service(resource("/embed.js", "GET").route(web::get().to(assets::widget)))
        .service(resource("/embed.css", "GET").route(web::get().to(assets::widget)))
        .service(resource("/admin", "GET").route(web::get().to(assets::admin_redirect)))
        .service(resource("/admin/{file:.*}", "GET").route(web::get().to(assets::admin)))
        .service(resource("/assets/{file:.*}", "GET").route(web::get().to(assets::shared)))
        .service(
            web::scope("/api/v1")
                .service(
                    resource("/openapi.json", "GET").route(web::get().to(openapi::openapi_json)),
                )
                .service(resource("/posts", "GET").route(web::get().to(public::list_posts)))
                .service(resource("/posts/{slug}", "GET").route(web::get().to(public::get_post)))
                .service(
                    resource("/posts/{slug}/comments", "GET, POST")
                        .route(web::get().to(public::thread))
                        .route(web::post().to(public::submit)),
                )
                .service(resource("/counts", "GET").route(web::get().to(public::counts)))
                .service(
                    resource("/comments/{id}/flag", "POST").route(web::post().to(public::flag)),
                )
                .service(resource("/auth/login", "POST").route(web::post().to(auth::login)))
                .service(resource("/auth/logout", "POST").route(web::post().to(auth::logout)))
                .service(
                    resource("/auth/logout-all", "POST").route(web::post().to(auth::logout_all)),
                )
                .service(resource("/auth/me", "GET").route(web::get().to(auth::me)))
                .service(
                    resource("/moderation/comments", "GET").route(web::get().to(moderation::queue)),
                )
                .service(
                    resource("/moderation/comments/bulk", "POST")
                        .route(web::post().to(moderation::bulk)),
                )
                .service(
                    resource("/moderation/comments/{id}/approve", "POST")
                        .route(web::post().to(moderation::approve)),
                )
                .service(
                    resource("/moderation/comments/{id}/reject", "POST")
                        .route(web::post().to(moderation::reject)),
                )
                .service(
                    resource("/moderation/comments/{id}/spam", "POST")
                        .route(web::post().to(moderation::spam)),
                )
                .service(
                    resource("/moderation/posts", "POST")
                        .route(web::post().to(moderation::create_post)),
                )
                .service(
                    resource("/moderation/posts/{slug}", "GET, PATCH")
                        .route(web::get().to(workspace::get_post))
                        .route(web::patch().to(moderation::update_post)),
                )
                .service(
                    resource("/moderation/posts/{slug}/replies", "POST")
                        .route(web::post().to(moderation::reply)),
                )
                .service(resource("/moderation/log", "GET").route(web::get().to(moderation::log)))
                .service(
                    resource("/moderation/reasons", "GET")
                        .route(web::get().to(moderation::reasons)),
                )
                // The moderators' workspace (docs/api.md, "Moderators' workspace").
                .service(
                    resource("/moderation/stats", "GET").route(web::get().to(workspace::stats)),
                )
                .service(
                    resource("/moderation/claims", "GET").route(web::get().to(workspace::claims)),
                )
                .service(
                    resource("/moderation/comments/{id}/claim", "POST, DELETE")
                        .route(web::post().to(workspace::claim))
                        .route(web::delete().to(workspace::release)),
                )
                .service(
                    resource("/moderation/comments/{id}/replies", "POST")
                        .route(web::post().to(workspace::reply_to_comment)),
                )
                .service(
                    resource("/moderation/preview", "POST")
                        .route(web::post().to(workspace::preview)),
                )
                .service(
                    resource("/moderation/bans", "GET, POST")
                        .route(web::get().to(bans::list))
                        .route(web::post().to(bans::create)),
                )
                .service(
                    resource("/moderation/bans/{id}", "DELETE").route(web::delete().to(bans::lift)),
                )
                .service(
                    resource("/moderation/terms", "GET, POST")
                        .route(web::get().to(bans::terms))
                        .route(web::post().to(bans::add_term)),
                )
                .service(
                    resource("/moderation/terms/{id}", "DELETE")
                        .route(web::delete().to(bans::remove_term)),
                )
                .service(
                    resource("/moderation/accounts", "GET, POST")
                        .route(web::get().to(accounts::list))
                        .route(web::post().to(accounts::create)),
                )
                .service(
                    resource("/moderation/accounts/{id}", "PATCH")
                        .route(web::patch().to(accounts::update)),
                )
                .service(
                    resource("/moderation/accounts/{id}/password", "POST")
                        .route(web::post().to(accounts::reset_password)),
                )
                .service(
                    resource("/auth/password", "POST")
                        .route(web::post().to(accounts::change_own_password)),
                ),
        );
}

fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(|error, _| {
            match error {
                JsonPayloadError::ContentType => {
                    ApiError::UnsupportedMediaType("send the body as application/json".into())
                }
                JsonPayloadError::Overflow { .. }
                | JsonPayloadError::OverflowKnownLength { .. }
                | JsonPayloadError::Payload(PayloadError::Overflow) => ApiError::PayloadTooLarge,
                other => ApiError::BadRequest(format!("the JSON body could not be read: {other}")),
            }
            .into()
        })
}

/// Headers every response carries.
fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::REFERRER_POLICY, "no-referrer"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
}

/// `Strict-Transport-Security` on every response to a request that came
/// over https (directly, or as a trusted proxy says).
async fn strict_transport(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
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

/// CORS for the configured origins (and the server's own), on the public
/// API only; moderator routes are same-origin.
fn cors(settings: &Settings) -> Cors {
    let allowed: Vec<String> = settings
        .allowed_origins
        .iter()
        .map(|o| o.trim_end_matches('/').to_owned())
        .collect();
    Cors::default()
        .allowed_origin_fn(move |origin, head| {
            let origin = origin.to_str().unwrap_or("");
            // `/metrics` is for operators' scrapers, never for pages.
            head.uri.path() != "/metrics" && is_same_origin(origin, head)
                || (!is_private_path(head.uri.path()) && allowed.iter().any(|a| a == origin))
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

/// `GET /healthz`: 200 while the database answers.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses((status = 200, description = "The database answers.", body = crate::http::openapi::Health)),
)]
pub(crate) async fn healthz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    crate::http::db(&state, |conn| Ok(db::posts::count(conn)?)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "status": "ok" })))
}

async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound(format!(
        "Nothing is served at {}.",
        req.path()
    )))
}

/// Turns any error response that is not yet problem+json (from actix's own
/// extractors, CORS, or anything else) into one, keeping its status.
fn problem_fallback<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    // actix's own error bodies are plain text or have no type; our problem
    // documents and deliberate HTML pages (form posts without JavaScript)
    // are left as they are.
    let ours = res.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
        let v = v.as_bytes();
        v.starts_with(PROBLEM_JSON.as_bytes()) || v.starts_with(b"text/html")
    });
    if ours {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let known = match status {
        StatusCode::BAD_REQUEST => Some(ApiError::BadRequest(
            "The request could not be read.".into(),
        )),
        StatusCode::NOT_FOUND => Some(ApiError::NotFound("Nothing is served here.".into())),
        StatusCode::METHOD_NOT_ALLOWED => Some(ApiError::MethodNotAllowed("")),
        StatusCode::PAYLOAD_TOO_LARGE => Some(ApiError::PayloadTooLarge),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => Some(ApiError::UnsupportedMediaType(
            "This content type is not read here.".into(),
        )),
        _ => None,
    };
    let mut response = match known {
        Some(error) => error.error_response(),
        None => problem_response(
            status,
            &Problem {
                kind: "about:blank".to_owned(),
                title: status.canonical_reason().unwrap_or("Error"),
                status: status.as_u16(),
                detail: status.canonical_reason().unwrap_or("Error").to_owned(),
                errors: None,
            },
        ),
    };
    // Keep what the original response said about CORS and retries.
    for name in [
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        header::VARY,
        header::RETRY_AFTER,
        header::ALLOW,
    ] {
        if let Some(value) = res.headers().get(&name).cloned() {
            response.headers_mut().insert(name, value);
        }
    }
    let (req, _) = res.into_parts();
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, response).map_into_right_body(),
    ))
}

/// The workspace's share of housekeeping: closes comments on posts older
/// than `auto_close_days` and forgets stale claims.
fn workspace_housekeeping(state: &AppState) {
    let now = crate::domain::time::now();
    let done = state
        .pool
        .get()
        .map_err(anyhow::Error::from)
        .and_then(|mut conn| {
            let closed =
                workspace::auto_close(&mut conn, state.settings.auto_close_days, None, now)?;
            // Committed: threads cached with `comments_open: true` are stale.
            for post_id in &closed {
                state.cache.invalidate(*post_id);
            }
            if !closed.is_empty() {
                tracing::info!(posts = closed.len(), "comments closed by auto_close_days");
            }
            db::claims::purge(&mut conn, now)?;
            Ok(())
        });
    if let Err(error) = done {
        tracing::warn!(%error, "workspace housekeeping failed");
    }
}

/// Forgets idle rate-limit state and dead sessions, and purges readers'
/// personal data past `privacy.retention_days`, every few minutes; every
/// two seconds, drops the cached threads that another process (`colloquy
/// reader erase`) marked as changed. Runs on a plain thread that ends once
/// the server (the last owner of the state) is gone.
fn spawn_housekeeping(state: &web::Data<AppState>) {
    /// The privacy share: the retention purge and old marks.
    fn privacy_housekeeping(state: &AppState) {
        let now = crate::domain::time::now();
        let done = state
            .pool
            .get()
            .map_err(anyhow::Error::from)
            .and_then(|mut conn| {
                Ok(crate::privacy::housekeeping(
                    &mut conn,
                    &state.settings.privacy,
                    now,
                )?)
            });
        match done {
            Ok(0) => {}
            Ok(purged) => tracing::info!(
                comments = purged,
                "privacy: e-mail addresses and IP hashes past the retention removed"
            ),
            Err(error) => tracing::warn!(%error, "privacy housekeeping failed"),
        }
    }
    const SWEEP: Duration = Duration::from_secs(300);
    const WATCH: Duration = Duration::from_secs(2);
    // Read before the first request is served, so that no mark made while
    // this server runs is mistaken for an old one.
    let mut external = state
        .pool
        .get()
        .map_err(anyhow::Error::from)
        .and_then(|mut conn| Ok(crate::privacy::ExternalChanges::start(&mut conn)?));
    if let Err(error) = &external {
        tracing::warn!(%error, "cannot follow changes made by other processes");
    }
    let weak = Arc::downgrade(&state.clone().into_inner());
    let spawned = std::thread::Builder::new()
        .name("colloquy-housekeeping".into())
        .spawn(move || {
            // Comments due to close are closed at start, then with the rest.
            if let Some(state) = weak.upgrade() {
                workspace_housekeeping(&state);
                privacy_housekeeping(&state);
            }
            let mut last_sweep = std::time::Instant::now();
            loop {
                std::thread::sleep(WATCH);
                let Some(state) = weak.upgrade() else { return };
                if let Ok(external) = &mut external {
                    let polled = state
                        .pool
                        .get()
                        .map_err(anyhow::Error::from)
                        .and_then(|mut conn| Ok(external.poll(&mut conn, &state.cache)?));
                    if let Err(error) = polled {
                        tracing::warn!(%error, "reading changes made by other processes failed");
                    }
                }
                if last_sweep.elapsed() < SWEEP {
                    continue;
                }
                last_sweep = std::time::Instant::now();
                state.limits.forget_idle();
                workspace_housekeeping(&state);
                privacy_housekeeping(&state);
                let now = crate::domain::time::now();
                let idle = now - i64::from(state.settings.session.idle_minutes) * 60;
                let purged = state
                    .pool
                    .get()
                    .map_err(anyhow::Error::from)
                    .and_then(|mut conn| Ok(db::accounts::purge_sessions(&mut conn, now, idle)?));
                if let Err(error) = purged {
                    tracing::warn!(%error, "purging expired sessions failed");
                }
            }
        });
    if let Err(error) = spawned {
        tracing::warn!(%error, "could not start the housekeeping thread");
    }
}
