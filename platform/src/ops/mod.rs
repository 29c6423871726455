//! Running the platform in production (`docs/operations.md`): structured logs with a request id on
//! every line, Prometheus metrics, readiness, request timeouts, a graceful drain, online backup.

pub mod backup;
pub mod metrics;

use crate::app::App;
use crate::error::ApiError;
use axum::Json;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderName, StatusCode};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};

/// How logs are written (to stderr): one JSON object a line, or text for a person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Json,
    Pretty,
}

/// Starts logging; the level filter comes from `FIELDCHECK_LOG` (`RUST_LOG` syntax, default `info`).
pub fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("FIELDCHECK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match format {
        // The request's span (its id, method and path) goes on every line logged while serving it.
        LogFormat::Json => builder.json().with_current_span(true).with_span_list(false).try_init(),
        LogFormat::Pretty => builder.try_init(),
    };
}

/// Request timeouts: most requests, and photo chunk uploads (slow networks).
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    pub request: Duration,
    pub upload: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts { request: Duration::from_secs(30), upload: Duration::from_secs(300) }
    }
}

/// A request over `limit` is answered `503` (then `{error, message}` by the error contract).
pub fn timeout(limit: Duration) -> tower_http::timeout::TimeoutLayer {
    tower_http::timeout::TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, limit)
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Gives every request an id (`x-request-id`: the client's, or a new UUID), answers it in the response,
/// and logs each request once, in a span that carries the id onto every line logged meanwhile.
pub fn observe(router: Router) -> Router {
    router
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request| {
                    let id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
                    tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path())
                })
                .on_request(())
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO))
                .on_failure(()),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

/// tokio's `spawn_blocking` with the caller's span (the request's id) carried onto the blocking thread, so
/// the lines logged there (inside a database transaction, a hash, a document) name their request. Every
/// blocking task of the platform starts here (`platform/tests/it/logs.rs` checks the source).
pub fn spawn_blocking<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> tokio::task::JoinHandle<R> {
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(f))
}

/// `tokio::spawn` in the caller's span: work a request leaves behind still logs under its id.
pub fn spawn<F>(task: F) -> tokio::task::JoinHandle<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    tokio::spawn(tracing::Instrument::in_current_span(task))
}

/// `tokio::spawn` outside any request's span, for work that outlives the request that happened to start it
/// (a pooled connection's driver, a process-wide watcher): its lines must not name that request.
pub fn spawn_detached<F>(task: F) -> tokio::task::JoinHandle<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    tokio::spawn(tracing::Instrument::instrument(task, tracing::Span::none()))
}

static DRAINING: AtomicBool = AtomicBool::new(false);

/// Marks the process as draining: `/v1/ready` answers 503 from now on.
pub fn start_draining() {
    DRAINING.store(true, Ordering::SeqCst);
}

/// Resolves on SIGTERM or Ctrl-C (SIGINT).
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!("cannot listen for SIGTERM: {e}");
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM: draining"),
            _ = tokio::signal::ctrl_c() => tracing::info!("Ctrl-C: draining"),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("Ctrl-C: draining");
    }
    start_draining();
}

/// How long the readiness probe waits for the database.
const READY_WAIT: Duration = Duration::from_secs(2);

#[utoipa::path(
    get,
    path = "/v1/ready",
    summary = "Readiness: the database answers and the blob store is there (for load balancers and orchestrators)",
    description = "503 `not_ready` while the database or the blob store cannot be reached, or while the process drains after SIGTERM. `/v1/health` answers as long as the process runs.",
    security(()),
    responses(
        (status = 200, description = "ready", body = Ready),
        (status = 503, description = "not ready (`not_ready`)", body = crate::openapi::ErrorBody),
    )
)]
/// `GET /v1/ready`: the database answers and the blob store is there; 503 otherwise (and while draining).
pub async fn ready(State(app): State<App>) -> Result<Json<Ready>, ApiError> {
    let not_ready = |what: String| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "not_ready", what);
    if DRAINING.load(Ordering::SeqCst) {
        return Err(not_ready("the platform is shutting down".into()));
    }
    match tokio::time::timeout(READY_WAIT, app.db.read(|_| Ok(()))).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(not_ready(format!("database: {}", e.message))),
        Err(_) => return Err(not_ready(format!("database: no answer within {} s", READY_WAIT.as_secs()))),
    }
    // A HEAD of a key that is never written: "not found" is an answer from a reachable store.
    let store = crate::evidence::state().map_err(|e| not_ready(format!("blob store: {e}")))?.blobs.clone();
    if let Some(store) = store {
        let probe = object_store::path::Path::from("fieldcheck-ready-probe");
        match tokio::time::timeout(READY_WAIT, store.head(&probe)).await {
            Ok(Ok(_)) | Ok(Err(object_store::Error::NotFound { .. })) => {}
            Ok(Err(e)) => return Err(not_ready(format!("blob store: {e}"))),
            Err(_) => return Err(not_ready(format!("blob store: no answer within {} s", READY_WAIT.as_secs()))),
        }
    }
    Ok(Json(Ready { ready: true, backend: app.db.backend() }))
}

/// The answer of a ready process (one that is not ready answers 503 `not_ready`).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Ready {
    /// Always `true`.
    pub ready: bool,
    pub backend: crate::db::Backend,
}
