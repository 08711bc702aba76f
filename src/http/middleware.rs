//! What wraps every request: whole bodies, security headers, HSTS, CORS.

use crate::error::ApiError;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web::BytesMut;
use futures_util::StreamExt;

/// Reads a request's whole body (up to `limit` bytes) before any handler
/// runs, and hands the handler that copy.
///
/// Why: a handler that answers without reading the body (logout, a refusal
/// before the body matters) leaves unread bytes on the connection, and
/// actix then closes the connection after the answer without saying
/// `Connection: close` — a client that reuses it at that moment loses its
/// next request. With the body always read, the connection stays usable.
/// A body over the limit is answered 413 at once and the connection is
/// closed, saying so.
pub async fn whole_body(
    limit: usize,
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let headers = req.headers();
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let chunked = headers.contains_key(header::TRANSFER_ENCODING);
    if declared.is_some_and(|n| n > 0) || chunked {
        if declared.is_some_and(|n| n > limit as u64) {
            return Ok(too_large(req));
        }
        let mut payload = std::mem::replace(req.parts_mut().1, Payload::None);
        let mut body = BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk?;
            if body.len() + chunk.len() > limit {
                return Ok(too_large(req));
            }
            body.extend_from_slice(&chunk);
        }
        req.set_payload(Payload::from(body.freeze()));
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

/// A 413 that closes the connection (the rest of the body is not read).
fn too_large<B>(req: ServiceRequest) -> ServiceResponse<EitherBody<B>> {
    let mut response = req.error_response(ApiError::PayloadTooLarge);
    response
        .response_mut()
        .head_mut()
        .set_connection_type(actix_web::http::ConnectionType::Close);
    response.map_into_right_body()
}
