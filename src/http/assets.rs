//! Static files under `static/`: the widget, the moderators' page and the
//! demo blog's styles. Compiled into release binaries; read from disk in
//! debug builds, so front-end work needs no rebuild. Each is served in its
//! prepared form (`prepare`: minified, versioned) and compressed once.
//!
//! Caching: a URL that carries the current version (`?v=VERSION`, as our
//! own pages and the widget write them) is cached for a year, immutable;
//! HTML pages are revalidated on every load; everything else, such as the
//! `/embed.js` an editor pastes, for five minutes. Every answer has an
//! `ETag`.

mod prepare;

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

/// The version of the assets: twelve hex digits of a SHA-256 over every
/// file of `static/` (names and contents) and the preparing code's own
/// version. Computed once in a release build, whose files are compiled
/// in; on every call in a debug build, whose files may be edited.
pub fn version() -> String {
    static ONCE: LazyLock<String> = LazyLock::new(compute_version);
    if cfg!(debug_assertions) {
        compute_version()
    } else {
        ONCE.clone()
    }
}

fn compute_version() -> String {
    use sha2::{Digest, Sha256};
    let mut digest = Sha256::new();
    digest.update(env!("CARGO_PKG_VERSION"));
    for path in Static::iter() {
        if let Some(file) = Static::get(&path) {
            digest.update(path.as_bytes());
            digest.update(file.metadata.sha256_hash());
        }
    }
    hex(&digest.finalize()[..6])
}

/// `path` as our pages name it: with the assets' version, so that the
/// browser keeps it until the next upgrade.
pub fn versioned(path: &str) -> String {
    format!("{path}?v={}", version())
}

/// The prepared and compressed forms of the text files of `static/`,
/// made once per version of each file and of the assets (a debug build
/// reads the files from disk, so an edited file is prepared again, never
/// served stale).
static COMPRESSED: LazyLock<Mutex<HashMap<String, Versioned>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// A file's compressed forms, the SHA-256 of the source they are of and
/// the assets' version written into them.
type Versioned = (([u8; 32], String), Arc<Rendered>);

fn compressed(path: &str, file: rust_embed::EmbeddedFile, version: &str) -> Arc<Rendered> {
    let key = (file.metadata.sha256_hash(), version.to_owned());
    if let Some((seen, page)) = known().get(path)
        && *seen == key
    {
        return page.clone();
    }
    // Prepared outside the lock: minifying and brotli at its best take a
    // while, and other files need not wait for this one.
    let page = Arc::new(Rendered::compressed_best(prepare::prepare(
        path, &file.data, version,
    )));
    known().insert(path.to_owned(), (key, page.clone()));
    page
}

fn known() -> std::sync::MutexGuard<'static, HashMap<String, Versioned>> {
    COMPRESSED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Compresses every text file of `static/` ahead of the first request
/// (start-up), so no reader waits for brotli's best setting.
pub fn precompress() {
    let version = version();
    for path in Static::iter() {
        if compressible(content_type(&path))
            && let Some(file) = Static::get(&path)
        {
            compressed(&path, file, &version);
        }
    }
}

/// How long a file may be kept: for good when the URL names the current
/// version, never without revalidation for a page, five minutes else.
fn cache_control(req: &HttpRequest, kind: &str, version: &str) -> &'static str {
    let asked = web::Query::<VersionQuery>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.into_inner().v);
    if asked.as_deref() == Some(version) {
        "public, max-age=31536000, immutable"
    } else if kind.starts_with("text/html") {
        "no-cache"
    } else {
        "public, max-age=300"
    }
}

/// The query of an asset's URL: `?v=VERSION`.
#[derive(serde::Deserialize)]
struct VersionQuery {
    v: Option<String>,
}

/// Serves one file of `static/`, with an ETag and the cache its URL earns
/// (see the module's notes); text files prepared, and in gzip or brotli
/// when the client takes them (precompressed, each coding with its own
/// tag).
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
    let version = version();
    let cache = cache_control(req, kind, &version);
    if compressible(kind) {
        let coding = Coding::negotiate(
            req.headers()
                .get(header::ACCEPT_ENCODING)
                .and_then(|v| v.to_str().ok())
                .unwrap_or(""),
        );
        let page = compressed(path, file, &version);
        let answer = headers(
            path,
            kind,
            conditional::get(req, &page.etag(coding))
                .header((header::CACHE_CONTROL, cache))
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
        conditional::get(req, &etag).header((header::CACHE_CONTROL, cache)),
    );
    Ok(answer.send(|ok| ok.content_type(kind).body(file.data.into_owned())))
}

/// The headers a file of `static/` carries besides its validator.
fn headers(path: &str, kind: &str, mut answer: conditional::Tagged) -> conditional::Tagged {
    if kind.starts_with("text/html") {
        answer = answer.header((header::CONTENT_SECURITY_POLICY, HTML_CSP));
    }
    if path == "embed.js" || path == "embed.css" || path.starts_with("embed/") {
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

/// `GET /embed/{file}`: the widget's words in a language other than
/// English (`/embed/fr.json`), fetched by the widget when a page asks for
/// that language.
#[utoipa::path(
    get,
    path = "/embed/{file}",
    tag = "assets",
    params(("file" = String, Path, description = "`LANG.json`: the widget's words in one language.")),
    responses(
        (status = 200, description = "The words.", body = Object, content_type = "application/json"),
        (status = 304, description = "The client's copy is current."),
        (status = 404, response = crate::http::schemas::NotFound),
    ),
)]
pub async fn words(req: HttpRequest, file: web::Path<String>) -> Result<HttpResponse, ApiError> {
    serve(&req, &format!("embed/{}", file.into_inner()))
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
