//! `ApiError`: every refusal the API makes, rendered as RFC 9457
//! problem+json. A 500 logs its whole cause chain and tells the client
//! only that something failed.

use crate::domain::FieldError;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Everything a handler can refuse with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request could not be read (bad JSON, query, path, cursor).
    #[error("malformed request: {0}")]
    BadRequest(String),
    /// 401: no valid session.
    #[error("not signed in")]
    Unauthorized,
    /// 403: signed in but not allowed, bad CSRF.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 403: the post takes no comments (any more).
    #[error("comments are closed")]
    CommentsClosed,
    /// 403: this sender is banned from commenting.
    #[error("the sender is banned")]
    Banned,
    /// 404: unknown post, comment or route.
    #[error("not found: {0}")]
    NotFound(String),
    /// 405: the path exists, the method does not; the methods it takes.
    #[error("method not allowed")]
    MethodNotAllowed(&'static str),
    /// 410: a link that worked once and never will again (a used or
    /// expired confirmation).
    #[error("gone: {0}")]
    Gone(String),
    /// 408: the request body did not arrive in time.
    #[error("request body timed out")]
    RequestTimeout,
    /// 409: a conflict such as a slug or user name taken.
    #[error("conflict: {0}")]
    Conflict(String),
    /// 413: the body is over the limit.
    #[error("request body too large")]
    PayloadTooLarge,
    /// 415: a content type the endpoint does not read.
    #[error("unsupported content type: {0}")]
    UnsupportedMediaType(String),
    /// 422: fields that failed validation.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// 429: rate limited; try again after this many seconds.
    #[error("rate limited")]
    RateLimited {
        /// Seconds until a retry can succeed.
        retry_after: u64,
    },
    /// 503: the server is temporarily unable to answer (pool exhausted).
    #[error("service unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// 500: a real fault; the cause is logged, never sent.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    /// A 422 for one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    /// A 500 from any error, or a 503 when the error is the database
    /// saying it is busy (a lock stayed taken longer than SQLite's busy
    /// timeout or PostgreSQL's lock timeout; see [`is_busy`]): a retry
    /// shortly after is expected to succeed, and nothing is broken.
    pub fn internal(error: impl Into<anyhow::Error>) -> Self {
        let error = error.into();
        if let Some(revoked) = revoked(&error) {
            return match revoked {
                Revoked::SignedOut => Self::Unauthorized,
                Revoked::Role { needed, now } => Self::Forbidden(format!(
                    "This needs the {} role; the account now has {}.",
                    needed.as_str(),
                    now.as_str()
                )),
            };
        }
        if is_busy(&error) {
            Self::Unavailable(error)
        } else {
            Self::Internal(error)
        }
    }

    /// The RFC 9457 description of this error.
    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let (slug, title) = self.kind();
        Problem {
            kind: format!("/problems/{slug}"),
            title,
            status: status.as_u16(),
            detail: self.detail(),
            errors: match self {
                Self::Validation(errors) => Some(errors.clone()),
                _ => None,
            },
        }
    }

    fn kind(&self) -> (&'static str, &'static str) {
        match self {
            Self::BadRequest(_) => ("malformed-request", "The request could not be read"),
            Self::Unauthorized => ("not-signed-in", "Sign-in required"),
            Self::Forbidden(_) => ("forbidden", "Not allowed"),
            Self::CommentsClosed => ("comments-closed", "Comments are closed"),
            Self::Banned => ("banned", "You cannot comment here"),
            Self::NotFound(_) => ("not-found", "Not found"),
            Self::MethodNotAllowed(_) => ("method-not-allowed", "Method not allowed"),
            Self::RequestTimeout => ("request-timeout", "Request timed out"),
            Self::Conflict(_) => ("conflict", "Conflict"),
            Self::Gone(_) => ("gone", "No longer valid"),
            Self::PayloadTooLarge => ("payload-too-large", "Request body too large"),
            Self::UnsupportedMediaType(_) => ("unsupported-media-type", "Unsupported content type"),
            Self::Validation(_) => ("validation", "Some fields are not valid"),
            Self::RateLimited { .. } => ("rate-limited", "Too many requests"),
            Self::Unavailable(_) => ("unavailable", "Temporarily unavailable"),
            Self::Internal(_) => ("internal", "Something went wrong on our side"),
        }
    }

    fn detail(&self) -> String {
        match self {
            Self::BadRequest(d)
            | Self::Forbidden(d)
            | Self::NotFound(d)
            | Self::Conflict(d)
            | Self::Gone(d)
            | Self::UnsupportedMediaType(d) => d.clone(),
            Self::Unauthorized => "Sign in to use this endpoint.".to_owned(),
            Self::CommentsClosed => "Comments on this post are closed.".to_owned(),
            Self::Banned => "You cannot comment on this site.".to_owned(),
            Self::MethodNotAllowed(_) => "This path does not accept that method.".to_owned(),
            Self::PayloadTooLarge => {
                "The request body is larger than this server accepts.".to_owned()
            }
            Self::RequestTimeout => {
                "The request body was not sent in time; the connection is closed.".to_owned()
            }
            // Each field by name, so that the detail alone says what to fix.
            Self::Validation(errors) => {
                let each: Vec<String> = errors
                    .iter()
                    .map(|e| format!("{} {}", e.field, e.message))
                    .collect();
                format!("{}.", each.join("; "))
            }
            Self::RateLimited { retry_after } => {
                format!("Too many requests from this address; try again in {retry_after} s.")
            }
            Self::Unavailable(_) => "The server is busy; try again shortly.".to_owned(),
            Self::Internal(_) => "The error has been logged.".to_owned(),
        }
    }
}

/// How long a client refused with 503 is asked to wait (`Retry-After`).
pub const RETRY_AFTER_BUSY_SECS: u64 = 1;

/// The [`Revoked`] a write transaction was refused with, found in the
/// error's chain (as the database floor hands it up, inside diesel's
/// error).
fn revoked(error: &anyhow::Error) -> Option<Revoked> {
    error.chain().find_map(|cause| {
        if let Some(diesel::result::Error::QueryBuilderError(inner)) =
            cause.downcast_ref::<diesel::result::Error>()
        {
            return inner.downcast_ref::<Revoked>().copied();
        }
        cause.downcast_ref::<Revoked>().copied()
    })
}

/// Why a moderator's change was refused inside its own transaction: the
/// authority the request was let in with ended before it could commit
/// (`db::authority`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Revoked {
    /// The session ended, expired, or the account was disabled (401).
    #[error("the session ended or the account was disabled")]
    SignedOut,
    /// The account's role is now below the one the change needs (403).
    #[error("the change needs the {} role and the account now has {}", needed.as_str(), now.as_str())]
    Role {
        /// The role the change needs.
        needed: crate::domain::moderation::Role,
        /// The account's role now.
        now: crate::domain::moderation::Role,
    },
}

/// Whether `error` (or any error in its chain) is SQLite's `SQLITE_BUSY`
/// ("database is locked") or `SQLITE_LOCKED` ("database table is
/// locked"), or PostgreSQL's `lock_not_available` (SQLSTATE 55P03, "canceling
/// statement due to lock timeout"): a lock another connection held too
/// long, not a fault. Told by the message, which both engines fix and
/// diesel passes on (diesel does not pass PostgreSQL's SQLSTATE); wrappers
/// that display their cause (`#[error(transparent)]`) are seen through.
pub fn is_busy(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        let message = match cause.downcast_ref::<diesel::result::Error>() {
            Some(diesel::result::Error::DatabaseError(_, info)) => info.message().to_owned(),
            _ => cause.to_string(),
        };
        message.contains("database is locked")
            || message.contains("database table is locked")
            || message.contains("database is busy")
            || message.contains("due to lock timeout")
    })
}

/// The RFC 9457 body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind.
    pub title: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong this time.
    pub detail: String,
    /// The fields at fault, for a 422.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) | Self::CommentsClosed | Self::Banned => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Gone(_) => StatusCode::GONE,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(cause) | Self::Unavailable(cause) = self {
            tracing::error!(error = ?cause, "request failed");
        }
        let mut response = problem_response(self.status_code(), &self.problem());
        if let Self::RateLimited { retry_after } = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
        }
        if let Self::Unavailable(_) = self {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(RETRY_AFTER_BUSY_SECS),
            );
        }
        if let Self::MethodNotAllowed(allowed) = self
            && !allowed.is_empty()
        {
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static(allowed));
        }
        response
    }
}

/// Writes a problem as an `application/problem+json` response.
pub fn problem_response(status: StatusCode, problem: &Problem) -> HttpResponse {
    let body = serde_json::to_string(problem).unwrap_or_else(|_| {
        format!(
            r#"{{"type":"about:blank","title":"Error","status":{}}}"#,
            status.as_u16()
        )
    });
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, PROBLEM_JSON))
        .body(body)
}

impl From<diesel::result::Error> for ApiError {
    fn from(error: diesel::result::Error) -> Self {
        Self::internal(error)
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(error: actix_web::error::BlockingError) -> Self {
        Self::internal(error)
    }
}

impl From<diesel::r2d2::PoolError> for ApiError {
    fn from(error: diesel::r2d2::PoolError) -> Self {
        Self::Unavailable(error.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::MessageBody;

    fn body(error: ApiError) -> (u16, serde_json::Value, HttpResponse) {
        let response = error.error_response();
        let status = response.status().as_u16();
        let head = response.head().clone();
        let bytes = response.into_body().try_into_bytes().unwrap();
        let mut rebuilt = HttpResponse::new(head.status);
        *rebuilt.headers_mut() = head.headers.clone();
        (status, serde_json::from_slice(&bytes).unwrap(), rebuilt)
    }

    #[test]
    fn validation_errors_list_their_fields() {
        let (status, json, response) = body(ApiError::field("body", "must not be empty"));
        assert_eq!(status, 422);
        assert_eq!(json["errors"][0]["field"], "body");
        assert_eq!(json["status"], 422);
        assert_eq!(
            response.headers().get("content-type").unwrap(),
            PROBLEM_JSON
        );
    }

    #[test]
    fn rate_limits_say_when_to_retry() {
        let (status, json, response) = body(ApiError::RateLimited { retry_after: 17 });
        assert_eq!(status, 429);
        assert!(json.get("errors").is_none());
        assert_eq!(response.headers().get("retry-after").unwrap(), "17");
    }

    /// The error diesel returns when SQLite's busy timeout ran out.
    fn locked() -> diesel::result::Error {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::Unknown,
            Box::new("database is locked".to_owned()),
        )
    }

    #[test]
    fn a_busy_database_is_503_with_retry_after_never_500() {
        let (status, json, response) = body(ApiError::from(locked()));
        assert_eq!(status, 503);
        assert_eq!(json["type"], "/problems/unavailable");
        assert!(!json.to_string().contains("locked"), "{json}");
        assert_eq!(response.headers().get("retry-after").unwrap(), "1");
        // Also when wrapped, with context or by a transparent error.
        #[derive(Debug, thiserror::Error)]
        #[error(transparent)]
        struct Wrapper(diesel::result::Error);
        let wrapped = anyhow::Error::new(Wrapper(locked())).context("storing a batch");
        assert_eq!(body(ApiError::internal(wrapped)).0, 503);
        let table = diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::Unknown,
            Box::new("database table is locked".to_owned()),
        );
        assert_eq!(body(ApiError::from(table)).0, 503);
        // PostgreSQL's lock_timeout (SQLSTATE 55P03), as libpq words it.
        let lock_timeout = diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::Unknown,
            Box::new("canceling statement due to lock timeout".to_owned()),
        );
        assert_eq!(body(ApiError::from(lock_timeout)).0, 503);
        // Any other database error stays a 500 (a statement timeout too:
        // that one is a slow query, not a lock held by someone else).
        let statement_timeout = diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::Unknown,
            Box::new("canceling statement due to statement timeout".to_owned()),
        );
        assert_eq!(body(ApiError::from(statement_timeout)).0, 500);
        let other = diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::CheckViolation,
            Box::new("CHECK constraint failed".to_owned()),
        );
        assert_eq!(body(ApiError::from(other)).0, 500);
        assert_eq!(body(ApiError::from(diesel::result::Error::NotFound)).0, 500);
    }

    #[test]
    fn internal_errors_do_not_leak_their_cause() {
        let (status, json, _) = body(ApiError::internal(anyhow::anyhow!("secret path /etc/x")));
        assert_eq!(status, 500);
        assert!(!json.to_string().contains("/etc/x"));
    }
}
