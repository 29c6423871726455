//! The command centre's web console: its static files (ES modules built into the binary, no build step) and the
//! views its timeline and devices tables need (conflicts: `crate::conflicts`). The page only renders these and sends intents.

use crate::app::App;
use crate::db::{AuditRow, DeviceRow, StoreError, Tx};
use crate::error::ApiError;
use crate::records;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use fieldcheck_domain::audit::RecordState;
use fieldcheck_domain::organisation::User;
use fieldcheck_domain::text::Text;
use fieldcheck_protocol::Entity;
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The content security policy of every answer: the console's own files only (no inline script or
/// style, no other origin, no framing), and nothing at all for API answers, which are never documents.
/// `{tiles}` is the configured map tile server's origin, the one other origin images may come from.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:{tiles}; \
                   connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The policy with the tile server's origin (if any) allowed for images.
pub fn csp(tile_origin: Option<&str>) -> HeaderValue {
    let tiles = tile_origin.map(|o| format!(" {o}")).unwrap_or_default();
    HeaderValue::from_str(&CSP.replace("{tiles}", &tiles))
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"))
}

/// Adds the security headers to every response (console pages and API answers alike).
pub async fn security_headers(State(app): State<App>, mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, app.map.csp.clone());
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
    ("libs.js", include_str!("../console/libs.js")),
    ("exports.js", include_str!("../console/exports.js")),
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

/// The map and chart libraries (`/console/lib/{file}`): Leaflet and ECharts as npm installs them from
/// `platform/console/package-lock.json`, read from that `node_modules` folder (`--console-libs`). They are
/// not built into the binary nor kept in git; the page loads them on demand and says so when they are absent.
const LIBS: &[(&str, &str, &str)] = &[
    ("leaflet.js", "leaflet/dist/leaflet-src.esm.js", "text/javascript; charset=utf-8"),
    ("leaflet.css", "leaflet/dist/leaflet.css", "text/css; charset=utf-8"),
    ("echarts.js", "echarts/dist/echarts.esm.min.mjs", "text/javascript; charset=utf-8"),
];

/// Where `npm ci --prefix platform/console` puts the libraries when the platform runs from its source tree.
pub fn default_libs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("console").join("node_modules")
}

/// Whether the libraries are installed in `dir` (checked at start, to warn).
pub fn libs_present(dir: &Path) -> bool {
    LIBS.iter().all(|(_, file, _)| dir.join(file).is_file())
}

#[utoipa::path(
    get,
    path = "/console/lib/{file}",
    tag = "console",
    summary = "The console's map and chart libraries (leaflet.js, leaflet.css, echarts.js): Leaflet and ECharts as npm installs them from platform/console/package-lock.json, read from that node_modules folder (serve --console-libs, FIELDCHECK_CONSOLE_LIBS)",
    security(()),
    params(
        ("file" = String, Path),
    ),
    responses(
        (status = 200, description = "the library", body = String, content_type = "text/javascript"),
        (status = 404, description = "no such library", body = crate::openapi::ErrorBody),
        (status = 503, description = "the libraries are not installed (`console_libs_missing`: run `npm ci --prefix platform/console`)", body = crate::openapi::ErrorBody),
    )
)]
pub async fn lib(
    State(app): State<App>,
    axum::extract::Path(file): axum::extract::Path<String>,
) -> Result<Response, ApiError> {
    let (_, path, kind) = LIBS
        .iter()
        .find(|(name, _, _)| *name == file)
        .ok_or_else(|| ApiError::not_found(format!("no console library {file}")))?;
    // The folder is logged at start when the libraries are missing; the answer does not name server paths.
    match tokio::fs::read(app.console_libs.join(path)).await {
        Ok(body) => {
            Ok(([(header::CONTENT_TYPE, *kind), (header::CACHE_CONTROL, "max-age=3600")], body).into_response())
        }
        Err(_) => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "console_libs_missing",
            format!(
                "the console's map and chart libraries are not installed (no {file}): run `npm ci --prefix \
                 platform/console` or start the platform with --console-libs pointing at that node_modules folder"
            ),
        )),
    }
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
            to_label: row.to_state.map(RecordState::label),
            row,
        })
        .collect())
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
