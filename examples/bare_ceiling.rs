//! The bare ceiling of `scripts/bench.sh`: a minimal actix-web server that
//! answers `GET /api/v1/posts/bench-thread/comments` with bytes held in
//! memory — the warm thread's identity body, or its brotli body when the
//! request's `Accept-Encoding` names `br` — and the same headers as
//! Colloquy's answer (read from a file), so that the bytes on the wire are
//! the same. What Colloquy's figures are set beside: how fast this machine
//! answers such a request at all.
//!
//! ```sh
//! BARE_BIND=127.0.0.1:18601 BARE_IDENTITY=thread.json BARE_BROTLI=thread.br \
//!   BARE_HEADERS=headers.txt cargo run --release --example bare_ceiling
//! ```
//!
//! `BARE_HEADERS` holds `name: value` lines (as `curl -D` writes them; the
//! status line, `content-length`, `content-encoding` and `date` are
//! skipped: actix writes those itself).
//!
//! `BARE_LAYERS` (comma-separated) wraps the handler in Colloquy's own
//! middleware, in the server's order, to measure what each costs on its
//! own: `metrics`, `spans`, `security` (with HSTS), `errors`, `cors`,
//! `deadline`, `body`, or `all`. With any of them the example opens a
//! scratch database (`BARE_DATABASE`, default a file in the temporary
//! directory) for the state those layers read, and logs as `colloquy
//! serve` does (`COLLOQUY_LOG`, default `info`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::{Condition, ErrorHandlers, from_fn};
use actix_web::web::Bytes;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use std::time::Duration;

/// Where the thread is served, as in Colloquy.
const PATH: &str = "/api/v1/posts/bench-thread/comments";

/// What the handler sends.
struct Canned {
    identity: Bytes,
    brotli: Bytes,
    headers: Vec<(HeaderName, HeaderValue)>,
}

fn read(var: &str) -> Bytes {
    let path = std::env::var(var).unwrap_or_else(|_| panic!("{var} names no file"));
    Bytes::from(std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}")))
}

/// `name: value` lines, without the ones actix writes itself.
fn headers(text: &str) -> Vec<(HeaderName, HeaderValue)> {
    text.lines()
        .filter_map(|line| line.split_once(':'))
        .filter_map(|(name, value)| {
            let name = HeaderName::from_bytes(name.trim().as_bytes()).ok()?;
            let skip = [
                header::CONTENT_LENGTH,
                header::CONTENT_ENCODING,
                header::DATE,
                header::CONNECTION,
                header::TRANSFER_ENCODING,
            ];
            if skip.contains(&name) {
                return None;
            }
            Some((name, HeaderValue::from_str(value.trim()).ok()?))
        })
        .collect()
}

async fn thread(req: HttpRequest, canned: web::Data<Canned>) -> HttpResponse {
    let br = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .is_some_and(|v| v.as_bytes().windows(2).any(|w| w == b"br"));
    let mut response = HttpResponse::Ok();
    for (name, value) in &canned.headers {
        response.insert_header((name.clone(), value.clone()));
    }
    if br {
        response.insert_header((header::CONTENT_ENCODING, HeaderValue::from_static("br")));
        response.body(canned.brotli.clone())
    } else {
        response.body(canned.identity.clone())
    }
}

/// The layers `BARE_LAYERS` names.
#[derive(Clone, Copy, Default)]
struct Layers {
    metrics: bool,
    spans: bool,
    security: bool,
    errors: bool,
    cors: bool,
    deadline: bool,
    body: bool,
}

impl Layers {
    fn from_env() -> Self {
        let list = std::env::var("BARE_LAYERS").unwrap_or_default();
        let mut layers = Self::default();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let all = name == "all";
            match name {
                "metrics" => layers.metrics = true,
                "spans" => layers.spans = true,
                "security" => layers.security = true,
                "errors" => layers.errors = true,
                "cors" => layers.cors = true,
                "deadline" => layers.deadline = true,
                "body" => layers.body = true,
                _ if all => {}
                other => panic!("unknown layer {other}"),
            }
            if all {
                layers = Self {
                    metrics: true,
                    spans: true,
                    security: true,
                    errors: true,
                    cors: true,
                    deadline: true,
                    body: true,
                };
            }
        }
        layers
    }

    fn any(self) -> bool {
        self.metrics
            || self.spans
            || self.security
            || self.errors
            || self.cors
            || self.deadline
            || self.body
    }
}

fn main() -> std::io::Result<()> {
    let bind = std::env::var("BARE_BIND").unwrap_or_else(|_| "127.0.0.1:18601".into());
    let canned = web::Data::new(Canned {
        identity: read("BARE_IDENTITY"),
        brotli: read("BARE_BROTLI"),
        headers: std::env::var("BARE_HEADERS")
            .ok()
            .map(|path| headers(&std::fs::read_to_string(path).expect("BARE_HEADERS")))
            .unwrap_or_default(),
    });
    let layers = Layers::from_env();
    actix_web::rt::System::new().block_on(async move {
        if !layers.any() {
            return HttpServer::new(move || {
                App::new()
                    .app_data(canned.clone())
                    .route(PATH, web::get().to(thread))
            })
            .bind(&bind)?
            .run()
            .await;
        }
        layered(&bind, canned, layers).await
    })
}

/// The handler inside the layers chosen, wrapped as `app.rs` wraps the
/// routes (a layer left out is a `Condition` that passes through).
async fn layered(bind: &str, canned: web::Data<Canned>, layers: Layers) -> std::io::Result<()> {
    use colloquy::http::{fallback, middleware};
    let filter = tracing_subscriber::EnvFilter::try_from_env("COLLOQUY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
        .init();
    let database = std::env::var("BARE_DATABASE").map_or_else(
        |_| std::env::temp_dir().join(format!("bare-ceiling-{}.db", std::process::id())),
        std::path::PathBuf::from,
    );
    let settings = colloquy::config::Settings {
        database: database.clone(),
        ..colloquy::config::Settings::default()
    };
    let pool =
        colloquy::db::connect(&colloquy::db::Location::of(&database), 2).expect("scratch database");
    let state = web::Data::new(colloquy::state::AppState::new(pool, settings).expect("the state"));
    let refused = std::sync::Arc::new(middleware::RefusedOrigins::default());
    HttpServer::new(move || {
        let settings = state.settings.clone();
        let limit = settings.max_body_bytes;
        let within = Duration::from_secs(settings.client_body_timeout_secs.max(1));
        App::new()
            .app_data(state.clone())
            .app_data(canned.clone())
            .service(
                // As routes.rs wires every resource: its pattern named.
                web::resource(PATH)
                    .app_data(colloquy::http::pattern::Pattern(PATH))
                    .route(web::get().to(thread))
                    .wrap(Condition::new(
                        layers.spans,
                        colloquy::http::spans::RouteField(PATH),
                    )),
            )
            .wrap(Condition::new(
                layers.body,
                from_fn(move |req, next| middleware::whole_body(limit, req, next)),
            ))
            .wrap(Condition::new(
                layers.deadline,
                from_fn(move |req, next| {
                    colloquy::http::body_deadline::body_deadline(within, limit, req, next)
                }),
            ))
            .wrap(Condition::new(
                layers.cors,
                middleware::cors(&settings, refused.clone()),
            ))
            .wrap(Condition::new(
                layers.errors,
                ErrorHandlers::new().default_handler(fallback::problem_fallback),
            ))
            .wrap(Condition::new(
                layers.security,
                middleware::security_headers(settings.clone()),
            ))
            .wrap(Condition::new(
                layers.spans,
                colloquy::http::spans::RequestSpans,
            ))
            .wrap(Condition::new(
                layers.metrics,
                from_fn(colloquy::http::metrics::track),
            ))
    })
    .bind(bind)?
    .run()
    .await?;
    let _ = std::fs::remove_file(&database);
    Ok(())
}
