//! A deadline on the request body. actix's `client_request_timeout`
//! covers only the request head: a client that sends complete headers and
//! then one body byte a second would hold its connection (and, once there
//! are enough of them, every connection slot of a worker) for as long as
//! it likes. Here the body must have arrived whole within
//! `client_body_timeout_secs` of the head; else the answer is 408
//! problem+json and the connection is closed.

use crate::error::ApiError;
use actix_web::HttpMessage;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web::BytesMut;
use futures_util::StreamExt;
use std::time::Duration;

/// The length the request announces: `Some(0)` without a body, `None`
/// when it is chunked (or the length cannot be read: the body reader
/// after this one decides).
fn announced(req: &ServiceRequest) -> Option<u64> {
    let headers = req.headers();
    if headers.contains_key(header::TRANSFER_ENCODING) {
        return None;
    }
    match headers.get(header::CONTENT_LENGTH) {
        None => Some(0),
        Some(value) => value.to_str().ok()?.trim().parse().ok(),
    }
}

/// Why the body was not read whole.
enum Unread {
    /// More than the limit arrived: what came so far, for the body reader
    /// after this one to refuse (413).
    TooLarge(BytesMut),
    /// The connection failed while reading.
    Failed(actix_web::error::PayloadError),
}

/// Reads the body, stopping once it is over `limit` bytes.
async fn read(payload: &mut Payload, limit: usize) -> Result<BytesMut, Unread> {
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        body.extend_from_slice(&chunk.map_err(Unread::Failed)?);
        if body.len() > limit {
            return Err(Unread::TooLarge(body));
        }
    }
    Ok(body)
}

/// Middleware: gives the body `within` to arrive whole (at most `limit`
/// bytes of it are read), from the moment the head was read; a body still
/// incomplete then is answered 408 and the connection closed, the rest
/// never read. What was read is handed on as the request's payload, so
/// the body-size check inside ([`super::middleware::whole_body`]) still
/// answers 413 for a body over the limit. Wrap it outside that one.
pub async fn body_deadline(
    within: Duration,
    limit: usize,
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let small_enough = match announced(&req) {
        Some(0) => false,
        Some(length) => length <= limit as u64,
        None => true,
    };
    if small_enough {
        let mut payload = req.take_payload();
        match actix_web::rt::time::timeout(within, read(&mut payload, limit)).await {
            Ok(Ok(body)) | Ok(Err(Unread::TooLarge(body))) => {
                req.set_payload(Payload::from(body.freeze()));
            }
            Ok(Err(Unread::Failed(error))) => return Err(error.into()),
            Err(_) => {
                tracing::info!(
                    within_secs = within.as_secs(),
                    "a request body was not sent in time"
                );
                let mut response = req.error_response(ApiError::RequestTimeout);
                response
                    .response_mut()
                    .head_mut()
                    .set_connection_type(actix_web::http::ConnectionType::Close);
                return Ok(response.map_into_right_body());
            }
        }
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}
