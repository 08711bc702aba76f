//! Routes that exist only for benchmarks (`bench_routes = true`): a body
//! of a fixed size served from memory, the ceiling a cached thread read is
//! measured against in the same binary and run.

use crate::error::ApiError;
use crate::state::AppState;
use actix_web::http::header::{self, ContentType};
use actix_web::web::Bytes;
use actix_web::{HttpResponse, web};
use std::collections::HashMap;
use std::sync::{OnceLock, RwLock};

/// Largest body the route makes.
const MAX_FIXED: usize = 4 * 1024 * 1024;

fn bodies() -> &'static RwLock<HashMap<usize, Bytes>> {
    static BODIES: OnceLock<RwLock<HashMap<usize, Bytes>>> = OnceLock::new();
    BODIES.get_or_init(|| RwLock::new(HashMap::new()))
}

/// `GET /__bench/fixed/{bytes}`: that many bytes of JSON-ish text, built
/// once and served from memory with the same headers a thread gets.
#[utoipa::path(
    get,
    path = "/__bench/fixed/{bytes}",
    tag = "operations",
    params(("bytes" = u64, Path, description = "Size of the body (at most 4 MiB).")),
    responses(
        (status = 200, description = "That many bytes, served from memory (only with `bench_routes = true`).", body = String, content_type = "application/json"),
        (status = 404, response = crate::http::schemas::NotFound),
    ),
)]
pub async fn fixed(
    state: web::Data<AppState>,
    size: web::Path<usize>,
) -> Result<HttpResponse, ApiError> {
    if !state.settings.bench_routes {
        return Err(ApiError::NotFound("Benchmark routes are off.".into()));
    }
    let size = size.into_inner().min(MAX_FIXED);
    let cached = bodies()
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(&size)
        .cloned();
    let body = match cached {
        Some(body) => body,
        None => {
            let mut text = vec![b'x'; size];
            if size >= 2 {
                text[0] = b'"';
                text[size - 1] = b'"';
            }
            let body = Bytes::from(text);
            bodies()
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .insert(size, body.clone());
            body
        }
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, "\"fixed\""))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::VARY, "Accept-Encoding"))
        .content_type(ContentType::json())
        .body(body))
}
