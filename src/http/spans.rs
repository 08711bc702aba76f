//! The span each request is logged under (any line logged while serving
//! it names it). At the default level it holds what was asked and how it
//! ended: method, route pattern, status, request id. The path as sent
//! (which can carry a mail link's token) and the client's address are
//! added only when the operator turns on debug logging, and the address is
//! the one [`ClientIp`] works out (the trusted-proxy rule), never what a
//! forged `X-Forwarded-For` or `Forwarded` header says.

use crate::config::Settings;
use crate::limits::ClientIp;
use crate::state::AppState;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{HttpMessage, HttpRequest, web};
use tracing::Span;
use tracing::field::{Empty, display};
use tracing_actix_web::{DefaultRootSpanBuilder, RequestId, RootSpanBuilder};

/// The root span builder `TracingLogger` is given (see the module).
#[derive(Debug, Clone, Copy)]
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let settings = request
            .app_data::<web::Data<AppState>>()
            .map(|state| &*state.settings);
        span_for(request.request(), settings)
    }

    fn on_request_end<B: MessageBody>(
        span: Span,
        outcome: &Result<ServiceResponse<B>, actix_web::Error>,
    ) {
        // Records the status (and an error's message) in the fields below.
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

/// The span of `req`; the client's address is read by `settings`' trusted
/// proxies (without settings it is left out).
pub fn span_for(req: &HttpRequest, settings: Option<&Settings>) -> Span {
    let route = req.match_pattern();
    let span = tracing::info_span!(
        "HTTP request",
        http.method = %req.method(),
        http.route = route.as_deref().unwrap_or("default"),
        http.status_code = Empty,
        otel.status_code = Empty,
        request_id = Empty,
        exception.message = Empty,
        exception.details = Empty,
        http.target = Empty,
        http.client_ip = Empty,
    );
    if span.is_disabled() {
        return span;
    }
    if let Some(id) = req.extensions().get::<RequestId>() {
        span.record("request_id", display(id));
    }
    if tracing::enabled!(tracing::Level::DEBUG) {
        let target = req.uri().path_and_query().map_or("", |p| p.as_str());
        span.record("http.target", target);
        if let Some(settings) = settings {
            span.record("http.client_ip", display(ClientIp::of(req, settings).0));
        }
    }
    span
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// What the subscriber wrote.
    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Lines {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// The line a warning inside the span of a request from `peer` with
    /// `forwarded` is logged as, at `level`.
    fn logged(level: tracing::Level, peer: &str, forwarded: &str) -> String {
        let settings = Settings {
            trusted_proxies: vec!["10.0.0.0/8".parse().unwrap()],
            ..Settings::default()
        };
        let req = actix_web::test::TestRequest::with_uri("/api/v1/mail/secret-token?x=1")
            .peer_addr(peer.parse().unwrap())
            .insert_header(("x-forwarded-for", forwarded))
            .to_http_request();
        let lines = Lines::default();
        let writer = lines.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(level)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let span = span_for(&req, Some(&settings));
            let _inside = span.enter();
            tracing::warn!("something went wrong");
        });
        let text = lines.0.lock().unwrap().clone();
        String::from_utf8(text).unwrap()
    }

    #[test]
    fn a_forged_forwarded_header_is_never_logged_as_the_client() {
        let line = logged(tracing::Level::DEBUG, "198.51.100.7:5000", "203.0.113.9");
        assert!(line.contains("http.client_ip=198.51.100.7"), "{line}");
        assert!(!line.contains("203.0.113.9"), "{line}");
    }

    #[test]
    fn behind_a_trusted_proxy_the_forwarded_client_is_logged() {
        let line = logged(tracing::Level::DEBUG, "10.0.0.1:5000", "203.0.113.9:4444");
        assert!(line.contains("http.client_ip=203.0.113.9"), "{line}");
        assert!(!line.contains("10.0.0.1"), "{line}");
    }

    #[test]
    fn at_the_default_level_no_address_or_path_is_logged() {
        let line = logged(tracing::Level::INFO, "198.51.100.7:5000", "203.0.113.9");
        assert!(line.contains("something went wrong"), "{line}");
        assert!(line.contains("http.method=GET"), "{line}");
        for private in ["198.51.100.7", "203.0.113.9", "secret-token", "client_ip"] {
            assert!(!line.contains(private), "{private} in {line}");
        }
    }
}
