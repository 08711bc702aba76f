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
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::{HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use std::cell::Cell;
use std::future::{Ready, ready};
use tracing::field::{Empty, display};
use tracing::{Instrument, Span};

/// Middleware: serves each request inside its span (see the module). It
/// costs one span, one boxed future and no string unless a subscriber
/// takes the span: the request id is a counter, the route pattern is
/// named by the resource that serves the request ([`RouteField`]) rather
/// than found by matching the path against every pattern again.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestSpans;

impl<S, B> Transform<S, ServiceRequest> for RequestSpans
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Transform = RequestSpansService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(RequestSpansService { service }))
    }
}

/// [`RequestSpans`] around a service.
#[derive(Debug)]
pub struct RequestSpansService<S> {
    service: S,
}

impl<S, B> Service<ServiceRequest> for RequestSpansService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<ServiceResponse<B>, actix_web::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let settings = req
            .app_data::<web::Data<AppState>>()
            .map(|state| &*state.settings);
        let span = span_for(req.request(), settings);
        if span.is_disabled() {
            return Box::pin(self.service.call(req));
        }
        let future = span.in_scope(|| self.service.call(req));
        Box::pin(async move {
            let outcome = future.instrument(span.clone()).await;
            finish(&span, &outcome);
            outcome
        })
    }
}

/// Records how the request ended: its status, and an error's message.
fn finish<B>(span: &Span, outcome: &Result<ServiceResponse<B>, actix_web::Error>) {
    let (status, error) = match outcome {
        Ok(response) => (response.status(), response.response().error()),
        Err(error) => (error.as_response_error().status_code(), Some(error)),
    };
    span.record("http.status_code", status.as_u16());
    if let Some(error) = error {
        span.record("exception.message", display(error));
        span.record("exception.details", tracing::field::debug(error));
    }
}

/// Middleware of each resource: names its route pattern in the request's
/// span (the span [`RequestSpans`] has entered).
#[derive(Debug, Clone, Copy)]
pub struct RouteField(pub &'static str);

impl<S, B> Transform<S, ServiceRequest> for RouteField
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Transform = RouteFieldService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(RouteFieldService {
            service,
            pattern: self.0,
        }))
    }
}

/// [`RouteField`] around a resource.
#[derive(Debug)]
pub struct RouteFieldService<S> {
    service: S,
    pattern: &'static str,
}

impl<S, B> Service<ServiceRequest> for RouteFieldService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Future = S::Future;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let span = Span::current();
        if !span.is_disabled() {
            span.record("http.route", self.pattern);
        }
        self.service.call(req)
    }
}

/// A request's id in logs: unique within the process (a random start,
/// then counting, per worker thread), made without a system call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestId(u64);

impl RequestId {
    /// The next id of this thread.
    pub fn next() -> Self {
        thread_local! {
            // The high half tells threads (and processes) apart.
            static NEXT: Cell<u64> = Cell::new(rand::random::<u64>() << 32);
        }
        NEXT.with(|next| {
            let id = next.get();
            next.set(id.wrapping_add(1));
            Self(id)
        })
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// The span of `req`; the client's address is read by `settings`' trusted
/// proxies (without settings it is left out). Its route is named later,
/// by the resource ([`RouteField`]), so a path no route serves has none.
pub fn span_for(req: &HttpRequest, settings: Option<&Settings>) -> Span {
    let span = tracing::info_span!(
        "HTTP request",
        http.method = %req.method().as_str(),
        http.route = Empty,
        http.status_code = Empty,
        request_id = %RequestId::next(),
        exception.message = Empty,
        exception.details = Empty,
        http.target = Empty,
        http.client_ip = Empty,
    );
    if span.is_disabled() {
        return span;
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

    #[actix_web::test]
    async fn a_line_logged_by_a_handler_names_the_route_method_and_request_id() {
        use actix_web::{App, HttpResponse, test, web};
        let lines = Lines::default();
        let writer = lines.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        let _default = tracing::subscriber::set_default(subscriber);
        let app = test::init_service(
            App::new()
                .service(
                    web::resource("/things/{id}")
                        .route(web::get().to(|| async {
                            tracing::warn!("inside the handler");
                            HttpResponse::Ok().finish()
                        }))
                        .wrap(RouteField("/things/{id}")),
                )
                .wrap(RequestSpans),
        )
        .await;
        let response =
            test::call_service(&app, test::TestRequest::get().uri("/things/7").to_request()).await;
        assert!(response.status().is_success());
        let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
        assert!(text.contains("inside the handler"), "{text}");
        assert!(text.contains("http.route=\"/things/{id}\""), "{text}");
        assert!(text.contains("http.method=GET"), "{text}");
        assert!(text.contains("request_id="), "{text}");
        assert!(!text.contains("/things/7"), "no path at info: {text}");
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
