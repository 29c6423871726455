//! The command centre's web console: its static files (ES modules built into the binary, no build step) and the
//! views its timeline and devices tables need (conflicts: `crate::conflicts`). The page only renders these and sends intents.

use crate::db::{AuditRow, DeviceRow, StoreError, Tx};
use crate::error::ApiError;
use crate::records;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use fieldcheck_domain::alarm::AlarmState;
use fieldcheck_domain::organisation::User;
use fieldcheck_domain::rectification::TaskState;
use fieldcheck_domain::text::Text;
use fieldcheck_protocol::Entity;
use serde::Serialize;
use std::collections::HashMap;

/// The content security policy of every answer: the console's own files only (no inline script or
/// style, no other origin, no framing), and nothing at all for API answers, which are never documents.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
                   connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Adds the security headers to every response (console pages and API answers alike).
pub async fn security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    res
}

#[utoipa::path(
    get,
    path = "/",
    tag = "console",
    summary = "The command-centre console (HTML page; sign-in, alarms, tasks, conflicts, devices, inspections with their photos' originals, enterprises and their township)",
    security(()),
    responses(
        (status = 200, description = "the page", body = String, content_type = "text/html"),
    )
)]
pub async fn page() -> Html<&'static str> {
    Html(include_str!("../console/index.html"))
}

/// The console's modules (`/console/{file}`), built into the binary like the page.
const MODULES: &[(&str, &str)] = &[
    ("console.js", include_str!("../console/console.js")),
    ("dom.js", include_str!("../console/dom.js")),
    ("api.js", include_str!("../console/api.js")),
    ("live.js", include_str!("../console/live.js")),
    ("alarms.js", include_str!("../console/alarms.js")),
    ("users.js", include_str!("../console/users.js")),
    ("dashboard.js", include_str!("../console/dashboard.js")),
    ("enterprises.js", include_str!("../console/enterprises.js")),
    ("record.js", include_str!("../console/record.js")),
    ("supervision.js", include_str!("../console/supervision.js")),
    ("map.js", include_str!("../console/map.js")),
];

#[utoipa::path(
    get,
    path = "/console/{file}",
    tag = "console",
    summary = "The console's JavaScript modules (console.js, the entry; dom.js, api.js, live.js, alarms.js, users.js, dashboard.js, enterprises.js, record.js), built into the binary",
    security(()),
    params(
        ("file" = String, Path),
    ),
    responses(
        (status = 200, description = "an ES module", body = String, content_type = "text/javascript"),
        (status = 404, description = "no such file", body = crate::openapi::ErrorBody),
    )
)]
pub async fn module(axum::extract::Path(file): axum::extract::Path<String>) -> Result<impl IntoResponse, ApiError> {
    let (_, body) = MODULES
        .iter()
        .find(|(name, _)| *name == file)
        .ok_or_else(|| ApiError::not_found(format!("no console file {file}")))?;
    Ok(([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], *body))
}

#[utoipa::path(
    get,
    path = "/console.css",
    tag = "console",
    summary = "The console's style sheet",
    security(()),
    responses(
        (status = 200, description = "CSS", body = String, content_type = "text/css"),
    )
)]
pub async fn style() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], include_str!("../console/console.css"))
}

/// Users' display names by id (an audit line names its user by id).
fn user_names(tx: &mut dyn Tx) -> Result<HashMap<String, User>, StoreError> {
    Ok(records::load_all::<User>(tx, Entity::User)?.into_iter().map(|u| (u.id.to_string(), u)).collect())
}

fn name_of(users: &HashMap<String, User>, id: &str) -> String {
    match users.get(id) {
        Some(u) => u.name.clone(),
        // "monitoring" and other system actors are stored by name.
        None => id.to_string(),
    }
}

/// One line of an alarm's or a task's timeline.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TimelineEntry {
    #[serde(flatten)]
    pub row: AuditRow,
    pub user_name: String,
    /// The state reached, in words.
    pub to_label: Option<Text>,
}

/// The audit trail of one alarm or task, oldest first, with names and state labels.
pub fn timeline(tx: &mut dyn Tx, entity: &str, id: &str) -> Result<Vec<TimelineEntry>, StoreError> {
    let users = user_names(tx)?;
    let mut rows = tx.audits(entity, id)?;
    rows.sort_by_key(|r| r.at);
    Ok(rows
        .into_iter()
        .map(|row| TimelineEntry {
            user_name: name_of(&users, &row.user),
            to_label: state_label(entity, &row.to_state),
            row,
        })
        .collect())
}

/// The audit log stores a state by its Rust name; the label comes from the core.
fn state_label(entity: &str, stored: &str) -> Option<Text> {
    match entity {
        "alarm" => AlarmState::ALL.into_iter().find(|s| format!("{s:?}") == stored).map(AlarmState::label),
        "task" => TaskState::ALL.into_iter().find(|s| format!("{s:?}") == stored).map(TaskState::label),
        _ => None,
    }
}

/// A signed-in device with whose it is.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DeviceView {
    #[serde(flatten)]
    pub device: DeviceRow,
    pub user_name: String,
    pub user_login: String,
}

/// Devices, the most recently seen first.
pub fn devices(tx: &mut dyn Tx) -> Result<Vec<DeviceView>, StoreError> {
    let users = user_names(tx)?;
    let mut out: Vec<DeviceView> = tx
        .devices()?
        .into_iter()
        .map(|device| {
            let user = users.get(&device.user);
            DeviceView {
                user_name: user.map(|u| u.name.clone()).unwrap_or_default(),
                user_login: user.map(|u| u.login.clone()).unwrap_or_default(),
                device,
            }
        })
        .collect();
    out.sort_by_key(|d| std::cmp::Reverse(d.device.last_seen));
    Ok(out)
}
