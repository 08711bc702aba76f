//! The route pattern a request matched (`/api/v1/posts/{slug}/comments`),
//! as logs and metrics name it. `routes.rs` hands each resource its
//! [`Pattern`] once, as resource data, so that after routing it is one
//! look-up, where `HttpRequest::match_pattern` would match the path
//! against every pattern again and build a new string.

use actix_web::HttpRequest;

/// The pattern of the resource that served a request, with the API's
/// prefix (as the OpenAPI document writes it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pattern(pub &'static str);

/// What no route matched (the 404 of the default service).
pub const UNMATCHED: &str = "unmatched";

impl Pattern {
    /// The pattern `req` was routed to, or [`UNMATCHED`].
    pub fn of(req: &HttpRequest) -> &'static str {
        req.app_data::<Pattern>().map_or(UNMATCHED, |p| p.0)
    }
}
