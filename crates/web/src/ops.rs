//! Operations: health, readiness, Prometheus metrics, and request tracking.

use crate::WebState;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Instant;

/// Latency buckets in seconds (Prometheus histogram).
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Default)]
struct RouteStats {
    count_by_status: BTreeMap<u16, u64>,
    buckets: [u64; BUCKETS.len()],
    sum_seconds: f64,
    count: u64,
}

/// Request counters and latency histograms per route and method.
#[derive(Default)]
pub struct Metrics {
    routes: Mutex<BTreeMap<(String, String), RouteStats>>,
}

impl Metrics {
    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let Ok(mut routes) = self.routes.lock() else { return };
        let s = routes.entry((method.to_string(), route.to_string())).or_default();
        *s.count_by_status.entry(status).or_default() += 1;
        for (i, b) in BUCKETS.iter().enumerate() {
            if seconds <= *b {
                s.buckets[i] += 1;
            }
        }
        s.sum_seconds += seconds;
        s.count += 1;
    }

    fn render(&self, out: &mut String) {
        let Ok(routes) = self.routes.lock() else { return };
        out.push_str("# HELP comptoir_http_requests_total HTTP requests by route, method and status.\n");
        out.push_str("# TYPE comptoir_http_requests_total counter\n");
        for ((method, route), s) in routes.iter() {
            for (status, n) in &s.count_by_status {
                let _ = writeln!(
                    out,
                    "comptoir_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}"
                );
            }
        }
        out.push_str("# HELP comptoir_http_request_duration_seconds HTTP request latency.\n");
        out.push_str("# TYPE comptoir_http_request_duration_seconds histogram\n");
        for ((method, route), s) in routes.iter() {
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "comptoir_http_request_duration_seconds_bucket{{method=\"{method}\",route=\"{route}\",le=\"{b}\"}} {}",
                    s.buckets[i]
                );
            }
            let _ = writeln!(
                out,
                "comptoir_http_request_duration_seconds_bucket{{method=\"{method}\",route=\"{route}\",le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "comptoir_http_request_duration_seconds_sum{{method=\"{method}\",route=\"{route}\"}} {}",
                s.sum_seconds
            );
            let _ = writeln!(
                out,
                "comptoir_http_request_duration_seconds_count{{method=\"{method}\",route=\"{route}\"}} {}",
                s.count
            );
        }
    }
}

/// Times every request and counts it under its route template (never the raw path, whose ids
/// would explode the number of series).
pub async fn track(State(state): State<WebState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let resp = next.run(req).await;
    let elapsed = start.elapsed().as_secs_f64();
    state.metrics.observe(&method, &route, resp.status().as_u16(), elapsed);
    tracing::debug!(
        method,
        route,
        status = resp.status().as_u16(),
        ms = elapsed * 1000.0,
        "request"
    );
    resp
}

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<WebState>) -> Response {
    if state.app.db.ready().await {
        "ready".into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "database unreachable or migrations pending",
        )
            .into_response()
    }
}

async fn metrics(State(state): State<WebState>) -> Response {
    let mut out = String::new();
    state.metrics.render(&mut out);
    out.push_str("# HELP comptoir_jobs Jobs by state.\n# TYPE comptoir_jobs gauge\n");
    if let Ok(mut tx) = state.app.db.read().await {
        if let Ok(counts) = store::jobs::count_by_state(&mut tx).await {
            // Every state is reported, zero included, so alerts on `failed` have a series to watch.
            for job_state in ["available", "running", "completed", "failed"] {
                let n = counts
                    .iter()
                    .find(|(s, _)| s == job_state)
                    .map(|(_, n)| *n)
                    .unwrap_or(0);
                let _ = writeln!(out, "comptoir_jobs{{state=\"{job_state}\"}} {n}");
            }
        }
        let _ = tx.commit().await;
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response()
}
