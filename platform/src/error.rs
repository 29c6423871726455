//! What a request can fail with, and how each failure is answered over HTTP.
//!
//! Every error is answered `{"error": code, "message": text}` with its status, whoever produced it: the
//! handlers return [`ApiError`]; JSON bodies are read by [`JsonBody`], which refuses what the handlers
//! cannot use (not JSON, not an object, the wrong shape) with the same contract; [`json_errors`] rewrites
//! what the framework answers by itself (a malformed path or query, a body over the limit, an unknown
//! route, a method the route does not take); [`panic_response`] answers a handler that panicked.

use crate::db::StoreError;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use fieldcheck_domain::DomainError;
use fieldcheck_protocol::RejectCode;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// An error answered to a client: a status, a stable code and a message a person can act on.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds before a retry may succeed (throttled logins, a busy database).
    pub retry_after: Option<u64>,
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    message: &'a str,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into(), retry_after: None }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", message)
    }
    /// The body is well-formed JSON of the wrong shape (a missing field, a value of the wrong type).
    pub fn invalid_body(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", message)
    }
    pub fn upgrade_required(client: u32) -> Self {
        Self::new(
            StatusCode::UPGRADE_REQUIRED,
            "upgrade_required",
            format!(
                "protocol {client} is no longer supported; this platform speaks {}: update the app / 请升级应用",
                fieldcheck_protocol::PROTOCOL_VERSION
            ),
        )
    }
}

/// A domain refusal, answered in one place: a role the capability table does not allow (or another
/// refusal of who may act) is `403 forbidden`; a missing record `404`; a step the record's state does not
/// allow `409`; anything else the request got wrong `422`.
impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        if let DomainError::AlreadyExists { entity, .. } = &e {
            let code = if *entity == "user" { "user_exists" } else { "exists" };
            return Self::new(StatusCode::CONFLICT, code, e.to_string());
        }
        let (status, code) = match e.code() {
            RejectCode::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
            RejectCode::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            RejectCode::InvalidTransition => (StatusCode::CONFLICT, "invalid_transition"),
            RejectCode::Invalid => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
        };
        Self::new(status, code, e.to_string())
    }
}

/// A task the platform spawned (a hash, a transaction, an upload chunk) that panicked or was cancelled.
impl From<tokio::task::JoinError> for ApiError {
    fn from(e: tokio::task::JoinError) -> Self {
        StoreError::Join(e.to_string()).into()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        if e.is_contention() {
            // Another request won a race for the same rows; nothing was written, and sending the same
            // request again (a device's push is idempotent per seq) gets the stored outcome.
            let mut busy = Self::new(StatusCode::SERVICE_UNAVAILABLE, "busy", "the platform is busy; retry shortly");
            busy.retry_after = Some(1);
            return busy;
        }
        if e.is_lasting() {
            // The database refuses a value of this request for good (e.g. a NUL character in a text on
            // PostgreSQL): sending it again cannot succeed, so it is not answered as a 5xx.
            tracing::warn!("storage refused a value: {e}");
            return Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                UNSTORABLE,
                "the platform's database cannot store a value of this request (e.g. a NUL character)",
            );
        }
        // The details stay in the server log; the client learns only that it may retry.
        tracing::error!("storage error: {e}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "storage",
            "the platform could not store or read data; retry later",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(Body { error: self.code, message: &self.message })).into_response();
        if let Some(secs) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}

/// The code of a request the database refuses for good (see [`StoreError::is_lasting`]).
pub const UNSTORABLE: &str = "unstorable";

/// The stable code answered with a status when nothing more specific is known.
pub fn code_for(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::CONFLICT => "conflict",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid_body",
        StatusCode::TOO_MANY_REQUESTS => "too_many_requests",
        StatusCode::SERVICE_UNAVAILABLE => "busy",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    }
}

/// Whether a response's body is already JSON.
fn is_json(headers: &axum::http::HeaderMap) -> bool {
    headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|ct| {
        let mime = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        mime == "application/json" || mime.ends_with("+json")
    })
}

/// Checks that `body` is one JSON object and reads it as `T`: a JSON array, string or number is refused
/// even where `T`'s fields would accept it positionally or by default.
pub fn parse_object<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        None => return Err(ApiError::bad_request("this request needs a JSON object as its body")),
        Some(b'{') => {}
        Some(_) => {
            // Valid JSON of another kind is the wrong shape; anything else is not JSON at all.
            return Err(match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
                Ok(_) => ApiError::invalid_body("the body must be a JSON object"),
                Err(e) => ApiError::bad_request(format!("the body is not valid JSON: {e}")),
            });
        }
    }
    serde_json::from_slice(body).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => ApiError::invalid_body(format!("the body does not fit this request: {e}")),
        _ => ApiError::bad_request(format!("the body is not valid JSON: {e}")),
    })
}

/// A JSON object body read as `T`, every refusal answered in the error contract: no body (400), not
/// `Content-Type: application/json` (415), not JSON (400), over the size limit (413), not an object or
/// not of `T`'s shape (422).
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let json = is_json(req.headers());
        let body = Bytes::from_request(req, state)
            .await
            .map_err(|r| ApiError::new(r.status(), code_for(r.status()), r.body_text()))?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::bad_request("this request needs a JSON object as its body"));
        }
        if !json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as JSON with `Content-Type: application/json`",
            ));
        }
        parse_object(&body).map(JsonBody)
    }
}

/// Puts `router` under the error contract: a panicking handler is answered (JSON 500, logged) instead of
/// dropping the connection, and every error the framework answers by itself, unknown routes included, is
/// rewritten into `{error, message}` JSON. Applied last, so it covers every route and the fallback.
pub fn contract<S: Clone + Send + Sync + 'static>(router: axum::Router<S>) -> axum::Router<S> {
    router
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panic_response))
        .layer(axum::middleware::from_fn(json_errors))
        .layer(axum::middleware::from_fn(refuse_oversized))
}

/// The most bytes of a body over the limit that are read, and dropped, before it is refused; and for how
/// long. Refused unread, the connection closes under a client still sending, whose system then discards
/// the answer it had received and reports a reset. Past these bounds the platform stops reading and closes.
const DRAINED_AT_MOST: u64 = 2 * crate::app::MAX_BODY_BYTES as u64;
const DRAINING_AT_MOST: std::time::Duration = std::time::Duration::from_secs(10);

/// Answers a request whose declared length is over the body limit with 413 in the contract, after reading
/// its body (within the bounds above), so that the client, once it has sent it, reads the answer.
pub async fn refuse_oversized(req: Request, next: Next) -> Response {
    use http_body_util::BodyExt;
    let limit = crate::app::MAX_BODY_BYTES as u64;
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let Some(declared) = declared.filter(|&n| n > limit) else { return next.run(req).await };
    if declared <= DRAINED_AT_MOST {
        let mut body = req.into_body();
        let drain = async { while let Some(Ok(_)) = body.frame().await {} };
        let _ = tokio::time::timeout(DRAINING_AT_MOST, drain).await;
    }
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("a request body carries at most {limit} bytes; this one says it has {declared}"),
    )
    .into_response()
}

/// Rewrites an error the framework answered by itself (a path or query that does not parse, a body over
/// the limit, an unknown route, a method the route does not take), which comes as plain text or
/// empty, into the JSON error contract with the same status and headers (`Allow`, `Retry-After`).
pub async fn json_errors(req: Request, next: Next) -> Response {
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    let response = next.run(req).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(response.headers()) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text).trim().to_string();
    let message = match status {
        _ if !text.is_empty() => text.clone(),
        StatusCode::NOT_FOUND => format!("no route {method} {path}"),
        StatusCode::METHOD_NOT_ALLOWED => format!("{path} does not take {method}"),
        // A request timeout (`ops::timeout`).
        StatusCode::SERVICE_UNAVAILABLE => "the request took too long or the platform is busy; retry shortly".into(),
        s => s.canonical_reason().unwrap_or("error").to_string(),
    };
    // A 404 without a body is the router's: no route matched (a handler's "not found" says what is missing).
    let code = if status == StatusCode::NOT_FOUND && text.is_empty() { "no_route" } else { code_for(status) };
    let mut out = ApiError::new(status, code, message).into_response();
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().entry(name).or_insert_with(|| value.clone());
        }
    }
    out
}

/// Answers a handler that panicked (`CatchPanicLayer`): logged, then a JSON 500; the connection stays.
pub fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked: {}", panic_message(panic.as_ref()));
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "the platform failed on this request (an internal error, logged); retrying the same request will not help",
    )
    .into_response()
}

/// The text a panic was raised with, when it has one.
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}
