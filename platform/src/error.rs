//! What a request can fail with, and how each failure is answered over HTTP.

use crate::db::StoreError;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use fieldcheck_domain::DomainError;
use fieldcheck_protocol::RejectCode;
use serde::Serialize;

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
        let (status, code) = match e.code() {
            RejectCode::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
            RejectCode::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            RejectCode::InvalidTransition => (StatusCode::CONFLICT, "invalid_transition"),
            RejectCode::Invalid => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
        };
        Self::new(status, code, e.to_string())
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
        // The details stay in the server log; the client learns only that it may retry.
        eprintln!("storage error: {e}");
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
