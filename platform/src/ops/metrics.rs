//! Prometheus metrics (`GET /metrics`, text format): request latency by route, pushes and pulls,
//! mutation outcomes, upload bytes, login outcomes, password hashes waiting. Every name is listed in
//! `docs/operations.md`. Readable from loopback, or from anywhere with `--metrics-token`.

use crate::app::App;
use crate::auth::ClientAddr;
use crate::error::ApiError;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use fieldcheck_protocol::{Outcome, PushResponse};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Instant;

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process-wide recorder (once; later calls are no-ops).
pub fn install() -> Result<(), String> {
    if HANDLE.get().is_some() {
        return Ok(());
    }
    let seconds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &seconds)
        .map_err(|e| e.to_string())?
        .install_recorder()
        .map_err(|e| format!("metrics: {e}"))?;
    let _ = HANDLE.set(handle);
    Ok(())
}

/// Times every request by its route pattern (`/v1/alarms/{id}/grade`, never the raw path, so ids do
/// not make a series each); requests that match no route are counted as `unmatched`.
pub async fn track(req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned());
    let method = req.method().to_string();
    let started = Instant::now();
    let response = next.run(req).await;
    let route = route.unwrap_or_else(|| "unmatched".into());
    let status = response.status().as_u16().to_string();
    metrics::histogram!("fieldcheck_http_request_duration_seconds", "method" => method.clone(), "route" => route.clone())
        .record(started.elapsed().as_secs_f64());
    metrics::counter!("fieldcheck_http_requests_total", "method" => method, "route" => route, "status" => status)
        .increment(1);
    response
}

/// A login's outcome: `ok`, `wrong` (wrong login or password), `throttled`, `busy`.
pub fn login(outcome: &'static str) {
    metrics::counter!("fieldcheck_logins_total", "outcome" => outcome).increment(1);
}

/// A push and its mutations by outcome (`applied`, `rejected`, `conflict`).
pub fn pushed(response: &PushResponse) {
    metrics::counter!("fieldcheck_pushes_total").increment(1);
    for result in &response.results {
        let outcome = match result.outcome {
            Outcome::Applied => "applied",
            Outcome::Rejected { .. } => "rejected",
            Outcome::Conflict { .. } => "conflict",
        };
        metrics::counter!("fieldcheck_mutations_total", "outcome" => outcome).increment(1);
    }
}

/// A write transaction of a push: one for most, more for a large push on SQLite whose turn ended (`db::Turn`).
pub fn push_written() {
    metrics::counter!("fieldcheck_push_writes_total").increment(1);
}

/// A pipelined push (one naming the push it follows, `sync::order`): whether it found that push applied
/// or waited for it.
pub fn push_follows(waited: bool) {
    metrics::counter!("fieldcheck_push_follows_total", "waited" => if waited { "true" } else { "false" }).increment(1);
}

/// A pull page served.
pub fn pulled() {
    metrics::counter!("fieldcheck_pulls_total").increment(1);
}

/// Photo bytes received by blob uploads.
pub fn uploaded(bytes: usize) {
    metrics::counter!("fieldcheck_upload_bytes_total").increment(bytes as u64);
}

/// Password hashes waiting for or holding a permit (see `auth::HashGate`).
pub fn hashes_waiting(delta: f64) {
    metrics::gauge!("fieldcheck_password_hashes_in_flight").increment(delta);
}

/// How long a transaction waited for its connection (PostgreSQL: the pool; SQLite: the writer or a reader).
pub fn db_wait(waited: std::time::Duration, got: bool) {
    metrics::histogram!("fieldcheck_db_wait_seconds").record(waited.as_secs_f64());
    if !got {
        metrics::counter!("fieldcheck_db_wait_timeouts_total").increment(1);
    }
}

/// The database connections' use at the moment of a scrape.
fn pool_use(app: &App) {
    let u = app.db.pool_use();
    metrics::gauge!("fieldcheck_db_connections", "state" => "idle").set(u.idle as f64);
    metrics::gauge!("fieldcheck_db_connections", "state" => "busy").set(u.open.saturating_sub(u.idle) as f64);
    metrics::gauge!("fieldcheck_db_waiting").set(u.waiting as f64);
    if let Some(max) = u.max {
        metrics::gauge!("fieldcheck_db_connections_max").set(max as f64);
    }
}

#[utoipa::path(
    get,
    path = "/metrics",
    summary = "Prometheus metrics (text exposition format)",
    description = "Readable from a loopback client (after trusted-proxy resolution) or with `Authorization: Bearer` and the `--metrics-token`; others get 403. The metrics are listed in docs/operations.md.",
    security((), ("metrics_token" = [])),
    responses(
        (status = 200, description = "metrics", body = String, content_type = "text/plain"),
    )
)]
/// `GET /metrics`: from a loopback client (after trusted-proxy resolution), or with
/// `Authorization: Bearer <--metrics-token>`.
pub async fn serve(State(app): State<App>, client: ClientAddr, headers: HeaderMap) -> Result<Response, ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let by_token = match (&app.metrics_token, token) {
        (Some(expected), Some(sent)) => crate::secret::matches(sent.as_bytes(), expected.as_bytes()),
        _ => false,
    };
    let local = client.0.is_some_and(|ip| ip.is_loopback());
    if !(by_token || local) {
        return Err(ApiError::forbidden("metrics are readable from loopback or with the metrics token"));
    }
    let handle = HANDLE.get().ok_or_else(|| {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "no_metrics", "this process records no metrics")
    })?;
    pool_use(&app);
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], handle.render()).into_response())
}
