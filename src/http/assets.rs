//! Static files under `static/`: the widget, the moderators' page and the
//! demo blog's styles. Compiled into release binaries; read from disk in
//! debug builds, so front-end work needs no rebuild.

use super::conditional;
use crate::cache::{Coding, Rendered};
use crate::domain::hex::hex;
use crate::error::ApiError;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

#[derive(rust_embed::Embed)]
#[folder = "static/"]
struct Static;

/// The policy for every HTML page we serve: our own scripts and styles
/// only, no inline code, never framed.
pub const HTML_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "html" => "text/html; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "json" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Whether a file of this type is worth compressing.
fn compressible(kind: &str) -> bool {
    kind.starts_with("text/") || kind.starts_with("application/json") || kind == "image/svg+xml"
}

/// The compressed forms of the text files of `static/`, made once per
/// version of each file (a debug build reads the files from disk, so an
/// edited file is compressed again, never served stale).
static COMPRESSED: LazyLock<Mutex<HashMap<String, Versioned>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// A file's compressed forms and the SHA-256 of the version they are of.
type Versioned = ([u8; 32], Arc<Rendered>);

fn compressed(path: &str, file: rust_embed::EmbeddedFile) -> Arc<Rendered> {
    let hash = file.metadata.sha256_hash();
    let mut known = COMPRESSED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    match known.get(path) {
        Some((seen, page)) if *seen == hash => page.clone(),
        _ => {
            let page = Arc::new(Rendered::compressed_best(file.data.into_owned()));
            known.insert(path.to_owned(), (hash, page.clone()));
            page
        }
    }
}

/// Compresses every text file of `static/` ahead of the first request
/// (start-up), so no reader waits for brotli's best setting.
pub fn precompress() {
    for path in Static::iter() {
        if compressible(content_type(&path)) {
            if let Some(file) = Static::get(&path) {
                compressed(&path, file);
            }
        }
    }
}

/// Serves one file of `static/`, with an ETag and a short public cache;
/// text files in gzip or brotli when the client takes them (precompressed,
/// each coding with its own tag).
pub fn serve(req: &HttpRequest, path: &str) -> Result<HttpResponse, ApiError> {
    if path
        .split('/')
        .any(|part| part == ".." || part.starts_with('.'))
    {
        return Err(ApiError::NotFound(format!("Nothing is served at /{path}.")));
    }
    let file = Static::get(path)
        .ok_or_else(|| ApiError::NotFound(format!("Nothing is served at {}.", req.path())))?;
    let kind = content_type(path);
    if compressible(kind) {
        let coding = Coding::negotiate(
            req.headers()
                .get(header::ACCEPT_ENCODING)
                .and_then(|v| v.to_str().ok())
                .unwrap_or(""),
        );
        let page = compressed(path, file);
        let answer = headers(
            path,
            kind,
            conditional::get(req, &page.etag(coding))
                .header((header::CACHE_CONTROL, "public, max-age=300"))
                .header((header::VARY, "Accept-Encoding")),
        );
        return Ok(answer.send(|ok| {
            if let Some(encoding) = coding.header() {
                ok.insert_header((header::CONTENT_ENCODING, encoding));
            }
            ok.content_type(kind).body(page.body(coding))
        }));
    }
    let etag = format!("\"{}\"", hex(&file.metadata.sha256_hash()[..12]));
    let answer = headers(
        path,
        kind,
        conditional::get(req, &etag).header((header::CACHE_CONTROL, "public, max-age=300")),
    );
    Ok(answer.send(|ok| ok.content_type(kind).body(file.data.into_owned())))
}

/// The headers a file of `static/` carries besides its validator.
fn headers(path: &str, kind: &str, mut answer: conditional::Tagged) -> conditional::Tagged {
    if kind.starts_with("text/html") {
        answer = answer.header((header::CONTENT_SECURITY_POLICY, HTML_CSP));
    }
    if path == "embed.js" || path == "embed.css" {
        // Blog pages on other origins load the widget.
        answer = answer
            .header((
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            ))
            .header(("Cross-Origin-Resource-Policy", "cross-origin"));
    }
    answer
}

/// `GET /embed.js` and `GET /embed.css`.
#[utoipa::path(
    get,
    path = "/embed.js",
    tag = "assets",
    responses(
        (status = 200, description = "The reader widget.", body = String, content_type = "text/javascript"),
        (status = 304, description = "The client's copy is current."),
    ),
)]
pub async fn widget(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let name = req.path().trim_start_matches('/').to_owned();
    serve(&req, &name)
}

/// `GET /embed.css`: the widget's styles, served like `/embed.js`.
// The summary is the one the document has always had (it was written for
// a stub that only carried the description); rewording it changes
// docs/openapi.json, so it waits for a deliberate change of the document.
#[utoipa::path(
    get,
    path = "/embed.css",
    tag = "assets",
    summary = "`GET /embed.css`: served by [`super::assets::widget`] like `/embed.js`;\nthis stub only carries its description.",
    responses(
        (status = 200, description = "The widget's styles.", body = String, content_type = "text/css"),
        (status = 304, description = "The client's copy is current."),
    ),
)]
pub async fn embed_css(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    widget(req).await
}

/// `GET /admin/{file}`: the moderators' page; `/admin/` is its index.
#[utoipa::path(
    get,
    path = "/admin/{file}",
    tag = "assets",
    params(("file" = String, Path, description = "A file of the moderators' page (`/admin/` itself is its index).")),
    responses(
        (status = 200, description = "The file.", content(("text/html"), ("text/javascript"), ("text/css"))),
        (status = 304, description = "The client's copy is current."),
        (status = 404, response = crate::http::schemas::NotFound),
    ),
)]
pub async fn admin(req: HttpRequest, file: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let file = file.into_inner();
    let file = if file.is_empty() {
        "index.html".to_owned()
    } else {
        file
    };
    serve(&req, &format!("admin/{file}"))
}

/// `GET /assets/{file}`: shared files (the demo blog's styles, icons).
#[utoipa::path(
    get,
    path = "/assets/{file}",
    tag = "assets",
    params(("file" = String, Path, description = "A shared file (the demo blog's styles).")),
    responses(
        (status = 200, description = "The file.", content(("text/css"), ("image/svg+xml"), ("application/octet-stream"))),
        (status = 304, description = "The client's copy is current."),
        (status = 404, response = crate::http::schemas::NotFound),
    ),
)]
pub async fn shared(req: HttpRequest, file: web::Path<String>) -> Result<HttpResponse, ApiError> {
    serve(&req, &format!("assets/{}", file.into_inner()))
}

/// `GET /admin`: the page lives at `/admin/`.
#[utoipa::path(
    get,
    path = "/admin",
    tag = "assets",
    responses((status = 308, description = "The moderators' page lives at `/admin/`.", headers(("Location" = String, description = "`/admin/`")))),
)]
pub async fn admin_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/admin/"))
        .finish()
}
