//! The server's Prometheus metrics, kept in memory: requests by route
//! pattern, method and status class, latency histograms, rate-limit
//! refusals, the moderation queue, decisions by action and cache hits and
//! misses. `http::metrics` counts requests into it and serves it.
//!
//! The queue comes from the trigger-kept `status_totals` table, decisions
//! from the append-only moderation log (only entries newer than the last
//! scrape are read), cache figures from the cache's own tallies.

use crate::cache::Cache;
use crate::db;
use crate::db::DbConn;
use crate::db::log::LogAction;
use actix_web::http::Method;
use diesel::QueryResult;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};
use std::sync::{Arc, Mutex};

/// The media type of the answer.
pub const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Routes with a rate limit: their refusal counters exist from the start.
const RATE_LIMITED_ROUTES: [&str; 5] = [
    "/api/v1/posts/{slug}/comments",
    "/api/v1/comments/{id}/flag",
    "/api/v1/preview",
    "/api/v1/auth/login",
    "/api/v1/auth/password",
];

/// Upper bounds of the latency buckets, in seconds.
const LATENCY_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

// Labels of the per-request series are static strings (route patterns
// are wired once; methods and classes are a fixed set), so counting a
// request allocates nothing.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: &'static str,
    method: &'static str,
    status: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: &'static str,
    method: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteOnly {
    route: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ActionLabel {
    action: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabel {
    status: String,
}

/// Reports the cache's tallies at each scrape.
#[derive(Debug)]
struct CacheCollector(Arc<Cache>);

impl Collector for CacheCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let stats = self.0.stats();
        for (name, help, hits, misses) in [
            (
                "colloquy_cache_thread_lookups",
                "Thread pages looked up in the cache, by result",
                stats.page_hits,
                stats.page_misses,
            ),
            (
                "colloquy_cache_count_lookups",
                "Comment counts looked up in the cache, by result",
                stats.count_hits,
                stats.count_misses,
            ),
        ] {
            let counter = ConstCounter::new(0u64);
            let mut family = encoder.encode_descriptor(name, help, None, counter.metric_type())?;
            for (result, value) in [("hit", hits), ("miss", misses)] {
                let labels = [("result", result)];
                ConstCounter::new(value).encode(family.encode_family(&labels)?)?;
            }
        }
        Ok(())
    }
}

/// The server's metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    rate_limited: Family<RouteOnly, Counter>,
    decisions: Family<ActionLabel, Counter>,
    queue: Gauge,
    comments: Family<StatusLabel, Gauge>,
    /// The newest moderation-log entry already counted.
    last_log_id: Mutex<i32>,
}

impl Metrics {
    /// Registers every metric; decisions count from the log's newest entry
    /// at `last_log_id` on (the start of this process).
    pub fn new(cache: Arc<Cache>, last_log_id: i32) -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "colloquy_http_requests",
            "HTTP requests answered, by route pattern, method and status class",
            requests.clone(),
        );
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(
            (|| Histogram::new(LATENCY_BUCKETS)) as fn() -> Histogram,
        );
        registry.register_with_unit(
            "colloquy_http_request_duration",
            "Time from a request's arrival to its response's head, by route pattern and method",
            Unit::Seconds,
            latency.clone(),
        );
        let rate_limited = Family::<RouteOnly, Counter>::default();
        for route in RATE_LIMITED_ROUTES {
            let _ = rate_limited.get_or_create(&RouteOnly { route });
        }
        registry.register(
            "colloquy_rate_limited",
            "Requests refused by a rate limit (429), by route pattern",
            rate_limited.clone(),
        );
        let decisions = Family::<ActionLabel, Counter>::default();
        for action in LogAction::ALL.into_iter().filter(|a| a.is_decision()) {
            // Present from the start, so that rate() sees the first one.
            let _ = decisions.get_or_create(&ActionLabel {
                action: action.as_str().to_owned(),
            });
        }
        registry.register(
            "colloquy_decisions",
            "Moderation decisions since the server started, by action (bulk decisions count each comment; the system's too)",
            decisions.clone(),
        );
        let queue = Gauge::default();
        registry.register(
            "colloquy_queue_pending",
            "Comments waiting for a moderator's decision",
            queue.clone(),
        );
        let comments = Family::<StatusLabel, Gauge>::default();
        registry.register(
            "colloquy_comments",
            "Stored comments and official replies, by status",
            comments.clone(),
        );
        registry.register_collector(Box::new(CacheCollector(cache)));
        Self {
            registry,
            requests,
            latency,
            rate_limited,
            decisions,
            queue,
            comments,
            last_log_id: Mutex::new(last_log_id),
        }
    }

    /// Counts one answered request, by its route pattern (a static string:
    /// see `http::pattern`).
    pub fn observe(&self, route: &'static str, method: &Method, status: u16, seconds: f64) {
        let method = match *method {
            Method::GET => "GET",
            Method::HEAD => "HEAD",
            Method::POST => "POST",
            Method::PUT => "PUT",
            Method::PATCH => "PATCH",
            Method::DELETE => "DELETE",
            Method::OPTIONS => "OPTIONS",
            _ => "other",
        };
        let class = match status {
            100..=199 => "1xx",
            200..=299 => "2xx",
            300..=399 => "3xx",
            400..=499 => "4xx",
            _ => "5xx",
        };
        self.requests
            .get_or_create(&RequestLabels {
                route,
                method,
                status: class,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels { route, method })
            .observe(seconds);
        if status == 429 {
            self.rate_limited.get_or_create(&RouteOnly { route }).inc();
        }
    }

    /// Reads what lives in the database: the queue, comments by status,
    /// and the decisions logged since the last scrape.
    pub fn refresh(&self, conn: &mut DbConn) -> QueryResult<()> {
        let totals = db::comments::status_totals(conn)?;
        let mut pending = 0;
        for (status, total) in totals {
            if status == "pending" {
                pending = total;
            }
            self.comments
                .get_or_create(&StatusLabel { status })
                .set(total);
        }
        self.queue.set(pending);
        let mut last = self
            .last_log_id
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for (id, action) in db::log::actions_after(conn, *last)? {
            *last = id;
            if action.is_decision() {
                self.decisions
                    .get_or_create(&ActionLabel {
                        action: action.as_str().to_owned(),
                    })
                    .inc();
            }
        }
        Ok(())
    }

    /// The metrics in the OpenMetrics text format.
    pub fn encode(&self) -> Result<String, std::fmt::Error> {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}
