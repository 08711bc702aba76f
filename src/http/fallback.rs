//! Answers nobody's handler gave: unknown paths, and actix's own errors
//! (extractors, CORS) turned into problem+json; how bodies, queries and
//! paths that cannot be read are refused.

use crate::error::{ApiError, PROBLEM_JSON, Problem, problem_response};
use actix_web::dev::ServiceResponse;
use actix_web::error::{JsonPayloadError, PayloadError};
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};

/// `400` for a query string that does not parse.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|e, _| ApiError::BadRequest(e.to_string()).into())
}

/// `400` for a path segment that does not parse.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|e, _| ApiError::BadRequest(e.to_string()).into())
}

/// JSON bodies: 415 for another type, 413 over `limit`, 400 otherwise.
pub fn json_config(limit: usize) -> web::JsonConfig {
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

/// `404` for every path no route serves.
pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound(format!(
        "Nothing is served at {}.",
        req.path()
    )))
}

/// Turns any error response that is not yet problem+json (from actix's own
/// extractors, CORS, or anything else) into one, keeping its status.
pub fn problem_fallback<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
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
