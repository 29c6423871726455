//! The HTTP surface: routes, the shared state, and the mapping of refusals to status codes.

use crate::access::{Caller, Reach};
use crate::auth::{self, ClientAddr, LoginRequest, Raiser};
use crate::command;
use crate::conflicts;
use crate::console;
use crate::db::{Db, Tx};
use crate::error::{ApiError, JsonBody};
use crate::intents::{Actor, Failure};
use crate::records;
use crate::relocation;
use crate::sync;
use crate::throttle::LoginThrottle;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::{Json, Router};
use chrono::{Duration, Utc};
use fieldcheck_domain::alarm::{AlarmAction, ResponseLimits};
use fieldcheck_domain::capability::{self, Action};
use fieldcheck_domain::decide::admin;
use fieldcheck_domain::finding::Severity;
use fieldcheck_domain::ids::{AlarmId, DeviceId, EnterpriseId, NoticeId, TaskId, TownshipId, UserId};
use fieldcheck_domain::organisation::User;
use fieldcheck_domain::rectification::{RectificationTask, TaskState};
use fieldcheck_protocol::{Entity, PROTOCOL_VERSION, Record, RejectCode};
use serde::Deserialize;
use std::sync::Arc;
use utoipa_axum::{router::OpenApiRouter, routes};

pub use fieldcheck_protocol::limits::MAX_BODY_BYTES;

/// The server's shared state. Every request clones it (axum's `State`), so it is one `Arc`: a clone is one
/// count, not a copy of each part.
#[derive(Clone)]
pub struct App(Arc<AppState>);

impl std::ops::Deref for App {
    type Target = AppState;

    fn deref(&self) -> &AppState {
        &self.0
    }
}

impl From<AppState> for App {
    fn from(state: AppState) -> Self {
        App(Arc::new(state))
    }
}

/// What [`App`] shares, set up once at start.
pub struct AppState {
    pub db: Db,
    pub limits: ResponseLimits,
    pub monitoring_key: Option<Arc<str>>,
    /// Hash that unknown logins are checked against, so they take as long as wrong passwords.
    pub dummy_hash: String,
    /// Login attempts by address, by login and by both (`throttle`).
    pub login_throttle: Arc<LoginThrottle>,
    /// Password hashing, bounded in memory (`auth::HashGate`).
    pub hashing: Arc<auth::HashGate>,
    /// Proxies whose `X-Forwarded-For` is believed (`auth::ClientAddr`).
    pub trusted_proxies: Arc<[ipnet::IpNet]>,
    /// Who may read `/metrics` from off the machine (`ops::metrics::serve`).
    pub metrics_token: Option<Arc<str>>,
    /// Request timeouts (`ops::Timeouts`).
    pub timeouts: crate::ops::Timeouts,
    /// The CJK font documents are set in (`--document-font`, `FIELDCHECK_DOCUMENT_FONT`); without one
    /// the document routes answer 503.
    pub document_font: Option<Arc<fieldcheck_documents::DocumentFont>>,
    /// Whose push writes this process committed, for pushes that follow them (`sync::Written`).
    pub pushes: crate::sync::Written,
    /// The change log's end as this process last saw it, for live updates (`crate::live`).
    pub live: crate::live::Live,
    /// The county map's outlines and tile source (`crate::map::MapConfig`).
    pub map: crate::map::MapConfig,
    /// The `node_modules` folder the console's map and chart libraries are served from (`console::lib`).
    pub console_libs: Arc<std::path::Path>,
}

impl AppState {
    pub fn new(db: Db, monitoring_key: Option<String>) -> Result<Self, ApiError> {
        Ok(AppState {
            db,
            limits: ResponseLimits::default(),
            monitoring_key: monitoring_key.map(Arc::from),
            dummy_hash: auth::hash_password("not a password of anyone")?,
            login_throttle: Arc::new(LoginThrottle::default()),
            hashing: Arc::new(auth::HashGate::default()),
            trusted_proxies: Arc::from([]),
            metrics_token: None,
            timeouts: crate::ops::Timeouts::default(),
            document_font: crate::documents::font_from_env()
                .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "no_document_font", e))?
                .map(Arc::new),
            pushes: Default::default(),
            live: Default::default(),
            map: Default::default(),
            console_libs: Arc::from(console::default_libs()),
        })
    }
}

/// Every route with its documentation (`crate::openapi`): `routes!(handler)` takes the path and method from the
/// handler's `#[utoipa::path]`, so a route cannot be served undocumented or documented unserved.
pub fn api(timeouts: crate::ops::Timeouts) -> OpenApiRouter<App> {
    // Photo chunks stream in over slow networks: a longer timeout of their own.
    let uploads = OpenApiRouter::new()
        .routes(routes!(crate::evidence::blobs::get, crate::evidence::blobs::put))
        .layer(crate::ops::timeout(timeouts.upload));
    OpenApiRouter::with_openapi(crate::openapi::frame())
        .routes(routes!(console::page))
        .routes(routes!(console::style))
        .routes(routes!(console::module))
        .routes(routes!(console::lib))
        .routes(routes!(openapi))
        .routes(routes!(health))
        .routes(routes!(crate::ops::ready))
        .routes(routes!(crate::ops::metrics::serve))
        .routes(routes!(capabilities))
        .routes(routes!(login))
        .routes(routes!(devices))
        .routes(routes!(revoke))
        .routes(routes!(push))
        .routes(routes!(pull))
        .routes(routes!(crate::evidence::originals::list))
        .routes(routes!(crate::documents::record_pdf))
        .routes(routes!(crate::evidence::originals::request))
        .routes(routes!(crate::evidence::blobs::content))
        .routes(routes!(raise, list_alarms))
        .routes(routes!(grade))
        .routes(routes!(dispatch))
        .routes(routes!(close))
        .routes(routes!(alarm_timeline))
        .routes(routes!(list_tasks))
        .routes(routes!(overdue))
        .routes(routes!(task_timeline))
        .routes(routes!(crate::documents::order_pdf))
        .routes(routes!(conflicts))
        .routes(routes!(resolve_conflict))
        .routes(routes!(audit))
        .routes(routes!(move_enterprise))
        .routes(routes!(create_user))
        .routes(routes!(delete_notice))
        .routes(routes!(prune))
        .routes(routes!(crate::exports::records_zip))
        .merge(crate::supervision::routes())
        .merge(crate::live::routes())
        .merge(crate::lists::routes())
        .merge(crate::dashboard::routes())
        .merge(crate::map::routes())
        .merge(crate::record::routes())
        .merge(crate::wipe::routes())
        .layer(crate::ops::timeout(timeouts.request))
        .merge(uploads)
}

pub fn router(app: App) -> Router {
    let (routes, _) = api(app.timeouts).split_for_parts();
    let routes = routes
        .layer(axum::middleware::from_fn(crate::ops::metrics::track))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES));
    // Every error in `{error, message}` JSON, panics included; a request id and a log line for each; every
    // answer with the security headers.
    crate::ops::observe(
        crate::error::contract(routes)
            .layer(axum::middleware::map_response_with_state(app.clone(), console::security_headers))
            .with_state(app),
    )
}

impl From<Failure> for ApiError {
    fn from(f: Failure) -> Self {
        match f {
            Failure::Store(e) => e,
            Failure::Refused(r) => {
                let status = match r.code {
                    RejectCode::Forbidden => StatusCode::FORBIDDEN,
                    RejectCode::NotFound => StatusCode::NOT_FOUND,
                    RejectCode::InvalidTransition => StatusCode::CONFLICT,
                    RejectCode::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
                };
                ApiError::new(status, "refused", r.reason)
            }
        }
    }
}

/// Whether the capability table lets the caller's role take `action` (reach aside): every route asks
/// this; a refusal is answered `403 forbidden` (`From<DomainError> for ApiError`).
pub(crate) fn allow(caller: &Caller, action: Action) -> Result<(), ApiError> {
    Ok(capability::require(caller.user.role, action)?)
}

/// One action the caller may take, for drawing its button.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct Capability {
    /// The action as the table names it (`manage_users`, `{"task": "accept"}`, …).
    action: Action,
    /// The record kind it is about, and the name rows' `actions` lists carry.
    entity: &'static str,
    name: String,
}

#[utoipa::path(
    get,
    path = "/v1/capabilities",
    tag = "auth",
    summary = "The actions the caller's role may take (reach aside), so the console and the apps can draw their buttons",
    description = "Who may do what is one table (`fieldcheck_domain::capability`), asked by every route; a role it does not allow is answered 403 `forbidden`. An action on a record also needs the record in the caller's reach (`fieldcheck_domain::visibility`); a record out of reach is answered 404, like one that does not exist. The matrix (officer / township / enterprise / commander): submit_inspection O; raise_alarm, grade, dispatch, move_enterprise, manage_users, manage_devices, resolve_conflicts, delete_notice, prune_tombstones C; edit_enterprise O T E C; request_originals O C; export_evidence O T C; read_audit O T C; task acknowledge and submit_proof E, accept and reject O C (see the task's transition table); alarm arrive O, close O T C. This endpoint answers the caller's own row.",
    responses(
        (status = 200, description = "the caller's role and allowed actions", body = Capabilities),
    )
)]
/// The caller's role and every action the capability table allows it (reach aside: a row's `actions`
/// say what may be done to that row now).
async fn capabilities(caller: Caller) -> Json<Capabilities> {
    let role = caller.user.role;
    let allowed: Vec<Capability> = Action::all()
        .into_iter()
        .filter(|a| capability::may(role, *a))
        .map(|action| Capability { action, entity: action.entity(), name: action.name() })
        .collect();
    Json(Capabilities { role, actions: allowed })
}

/// The caller's role and what it may do.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct Capabilities {
    role: fieldcheck_domain::organisation::Role,
    actions: Vec<Capability>,
}

/// Runs a command-centre action as `caller` in one write transaction.
async fn act<R, F>(app: &App, caller: Caller, f: F) -> Result<R, ApiError>
where
    R: Send + 'static,
    F: FnOnce(&mut dyn crate::db::Tx, &Actor) -> Result<R, Failure> + Send + 'static,
{
    app.db
        .write(move |tx| {
            let actor = Actor {
                reach: Reach::of(tx, &caller.user)?,
                device: caller.device.map(|d| d.to_string()),
                now: Utc::now(),
            };
            f(tx, &actor).map_err(ApiError::from)
        })
        .await
}

#[utoipa::path(
    get,
    path = "/openapi.json",
    summary = "This document",
    security(()),
    responses(
        (status = 200, description = "OpenAPI 3.1", body = serde_json::Value),
    )
)]
async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], crate::openapi::document())
}

#[utoipa::path(
    get,
    path = "/v1/health",
    summary = "Liveness, protocol version and back end",
    security(()),
    responses(
        (status = 200, description = "healthy", body = Health),
    )
)]
async fn health(State(app): State<App>) -> Json<Health> {
    Json(Health { ok: true, protocol: PROTOCOL_VERSION, backend: app.db.backend() })
}

/// The process answers: its sync protocol version and database back end.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct Health {
    /// Always `true` (a process that cannot answer sends nothing).
    ok: bool,
    /// The sync protocol version (`fieldcheck_protocol::PROTOCOL_VERSION`).
    protocol: u32,
    backend: crate::db::Backend,
}

#[utoipa::path(
    post,
    path = "/v1/login",
    tag = "auth",
    summary = "Sign in a device; returns a revocable device token",
    security(()),
    request_body = crate::auth::LoginRequest,
    responses(
        (status = 200, description = "signed in", body = crate::auth::LoginResponse),
        (status = 429, description = "too many login attempts (`locked`) from this client address, for this login from this address, or for this login from everywhere; checked before the password, answered alike for every login; wait `Retry-After` seconds", body = crate::openapi::ErrorBody, headers(("Retry-After" = u64))),
        (status = 401, description = "wrong login or password: the same status and body for a login that exists and one that does not", body = crate::openapi::ErrorBody),
        (status = 503, description = "`busy`: no password-hashing slot came free in time; retry after `Retry-After` seconds", body = crate::openapi::ErrorBody, headers(("Retry-After" = u64))),
    )
)]
async fn login(
    State(app): State<App>,
    client: ClientAddr,
    JsonBody(req): JsonBody<LoginRequest>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(auth::login(&app, req, client).await?))
}

#[utoipa::path(
    post,
    path = "/v1/devices/{id}/revoke",
    tag = "auth",
    summary = "Revoke a device's token (own device, or command centre)",
    params(
        ("id" = uuid::Uuid, Path),
    ),
    responses(
        (status = 204, description = "revoked"),
    )
)]
async fn revoke(State(app): State<App>, caller: Caller, Path(id): Path<DeviceId>) -> Result<StatusCode, ApiError> {
    app.db
        .write(move |tx| {
            let device = tx.device(&id.to_string())?.ok_or_else(|| ApiError::not_found("device not found"))?;
            let own = device.user == caller.user.id.to_string();
            if !own && !capability::may(caller.user.role, Action::ManageDevices) {
                return Err(ApiError::not_found("device not found"));
            }
            tx.revoke_device(&device.id, Utc::now())?;
            Ok(StatusCode::NO_CONTENT)
        })
        .await
}

#[utoipa::path(
    get,
    path = "/v1/devices",
    tag = "auth",
    summary = "Devices with last contact and measured clock skew (command centre)",
    responses(
        (status = 200, description = "devices", body = Vec<crate::console::DeviceView>),
    )
)]
/// Devices with their last contact and measured clock skew (command centre).
async fn devices(State(app): State<App>, caller: Caller) -> Result<impl IntoResponse, ApiError> {
    allow(&caller, Action::ManageDevices)?;
    Ok(Json(app.db.read(|tx| Ok(console::devices(tx)?)).await?))
}

#[utoipa::path(
    post,
    path = "/v1/sync/push",
    tag = "sync",
    summary = "Push numbered mutations; each applied exactly once per (device, seq)",
    description = "Each mutation is answered `applied`, `rejected {code, reason}` or `conflict {current}`. A mutation the platform cannot apply for a lasting reason is `rejected` (code `invalid`) alone, and the ones before and after it are applied: a refusal by the rules, a value the database refuses for good, or an internal failure while checking it (logged). Only a transient failure (503 `busy`, 500 `storage`) fails the push; send it again. The body must be a JSON object. A push that names `follows` (pipelined: sent before the device's push before it was answered) applies only once that mutation's outcome is stored; if it is not within 10 s the push applies nothing and is answered 409 `push_out_of_order`: send the outbox again in order.",
    request_body = fieldcheck_protocol::PushRequest,
    responses(
        (status = 200, description = "one result per mutation", body = fieldcheck_protocol::PushResponse),
    )
)]
async fn push(State(app): State<App>, token: crate::auth::Bearer, body: Bytes) -> Result<impl IntoResponse, ApiError> {
    let response = sync::push(&app, token, body).await?;
    crate::ops::metrics::pushed(&response);
    Ok(Json(response))
}

#[derive(Deserialize)]
struct PullQuery {
    #[serde(default)]
    cursor: u64,
    #[serde(default = "default_limit")]
    limit: u32,
    protocol: u32,
}

fn default_limit() -> u32 {
    500
}

#[utoipa::path(
    get,
    path = "/v1/sync/pull",
    tag = "sync",
    summary = "Read the caller's change log in commit order",
    description = "`cursor` is where the device's last page ended. A cursor beyond the change log's end (one this platform never gave, e.g. from another platform or a database restored from an older backup) is refused with 400 `cursor_ahead`; a cursor below the tombstone floor is answered `reset`. A device ordered wiped gets a page with `wipe: true` and no changes, even when its token was revoked or expired after the order, until it has reported its wipe.",
    params(
        ("cursor" = Option<u64>, Query, description = "the cursor of the device's last page; at most the log's end (else 400 `cursor_ahead`)"),
        ("limit" = Option<u64>, Query),
        ("protocol" = u64, Query),
    ),
    responses(
        (status = 200, description = "a page", body = fieldcheck_protocol::PullResponse),
    )
)]
async fn pull(
    State(app): State<App>,
    token: crate::auth::Bearer,
    Query(q): Query<PullQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let body = sync::pull(&app, token, q.protocol, q.cursor, q.limit).await?;
    crate::ops::metrics::pulled();
    Ok(([(header::CONTENT_TYPE, "application/json")], body))
}

#[utoipa::path(
    post,
    path = "/v1/alarms",
    tag = "command centre",
    summary = "Raise an online-monitoring alarm (X-Api-Key of the monitoring side, or a commander token)",
    security(("bearer" = []), ("api_key" = [])),
    request_body = crate::supervision::intake::Intake,
    responses(
        (status = 201, description = "raised", body = fieldcheck_domain::alarm::Alarm),
    )
)]
async fn raise(
    State(app): State<App>,
    raiser: Raiser,
    JsonBody(req): JsonBody<crate::supervision::intake::Intake>,
) -> Result<impl IntoResponse, ApiError> {
    if let Raiser::User(caller) = &raiser {
        allow(caller, Action::RaiseAlarm)?;
    }
    let limits = app.limits;
    let alarm = app
        .db
        .write(move |tx| {
            let req = crate::supervision::intake::resolve(tx, req)?;
            command::raise(tx, &limits, &req, Utc::now()).map_err(ApiError::from)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(alarm)))
}

#[derive(Deserialize)]
struct AlarmQuery {
    /// Leave out closed alarms.
    #[serde(default)]
    open: bool,
}

#[utoipa::path(
    get,
    path = "/v1/alarms",
    tag = "command centre",
    summary = "Alarms in the caller's scope, newest first, with overdue flags, time left, exceedance multiple, labels and allowed actions",
    params(
        ("open" = Option<bool>, Query, description = "leave out closed alarms"),
    ),
    responses(
        (status = 200, description = "alarms", body = Vec<crate::command::AlarmRow>),
    )
)]
async fn list_alarms(
    State(app): State<App>,
    caller: Caller,
    Query(q): Query<AlarmQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let rows = app
        .db
        .read(move |tx| {
            let reach = Reach::of(tx, &caller.user)?;
            command::alarms(tx, &reach, Utc::now(), q.open).map_err(ApiError::from)
        })
        .await?;
    Ok(Json(rows))
}

#[utoipa::path(
    get,
    path = "/v1/alarms/{id}/timeline",
    tag = "command centre",
    summary = "An alarm's audit trail, oldest first, with names and state labels",
    params(
        ("id" = uuid::Uuid, Path),
    ),
    responses(
        (status = 200, description = "timeline", body = Vec<crate::console::TimelineEntry>),
    )
)]
async fn alarm_timeline(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<AlarmId>,
) -> Result<impl IntoResponse, ApiError> {
    let rows = app
        .db
        .read(move |tx| {
            let actor = Actor { reach: Reach::of(tx, &caller.user)?, device: None, now: Utc::now() };
            crate::intents::alarm::load_in_reach(tx, &actor, id)?;
            Ok(console::timeline(tx, "alarm", &id.to_string())?)
        })
        .await?;
    Ok(Json(rows))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct GradeBody {
    level: Severity,
}

#[utoipa::path(
    post,
    path = "/v1/alarms/{id}/grade",
    tag = "command centre",
    summary = "Grade a raised alarm: notices to enterprise and township; serious dispatches at once",
    params(
        ("id" = uuid::Uuid, Path),
    ),
    request_body = GradeBody,
    responses(
        (status = 200, description = "graded", body = fieldcheck_domain::alarm::Alarm),
    )
)]
async fn grade(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<AlarmId>,
    JsonBody(body): JsonBody<GradeBody>,
) -> Result<impl IntoResponse, ApiError> {
    allow(&caller, Action::GradeAlarm)?;
    Ok(Json(act(&app, caller, move |tx, actor| command::grade(tx, actor, id, body.level)).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct DispatchBody {
    #[serde(default)]
    assignee: Option<UserId>,
}

#[utoipa::path(
    post,
    path = "/v1/alarms/{id}/dispatch",
    tag = "command centre",
    summary = "Dispatch to the squadron covering the enterprise's township",
    params(
        ("id" = uuid::Uuid, Path),
    ),
    request_body = DispatchBody,
    responses(
        (status = 200, description = "dispatched", body = fieldcheck_domain::alarm::Alarm),
    )
)]
async fn dispatch(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<AlarmId>,
    JsonBody(body): JsonBody<DispatchBody>,
) -> Result<impl IntoResponse, ApiError> {
    allow(&caller, Action::Alarm(AlarmAction::Dispatch))?;
    Ok(Json(act(&app, caller, move |tx, actor| crate::intents::alarm::dispatch(tx, actor, id, body.assignee)).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct CloseBody {
    #[serde(default)]
    feedback: String,
}

#[utoipa::path(
    post,
    path = "/v1/alarms/{id}/close",
    tag = "command centre",
    summary = "Close an alarm with feedback",
    params(
        ("id" = uuid::Uuid, Path),
    ),
    request_body = CloseBody,
    responses(
        (status = 204, description = "closed"),
    )
)]
async fn close(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<AlarmId>,
    JsonBody(body): JsonBody<CloseBody>,
) -> Result<StatusCode, ApiError> {
    allow(&caller, Action::Alarm(AlarmAction::Close))?;
    act(&app, caller, move |tx, actor| crate::intents::alarm::close(tx, actor, id, &body.feedback, &[], None)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct TaskQuery {
    state: Option<TaskState>,
}

#[utoipa::path(
    get,
    path = "/v1/tasks",
    tag = "command centre",
    summary = "Rectification tasks in the caller's scope: overdue first, then by deadline",
    params(
        ("state" = Option<String>, Query, description = "only tasks in this state"),
    ),
    responses(
        (status = 200, description = "tasks", body = Vec<crate::command::TaskRow>),
    )
)]
/// Tasks in the caller's reach, optionally in one state: overdue first, then by deadline.
async fn list_tasks(
    State(app): State<App>,
    caller: Caller,
    Query(q): Query<TaskQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let rows = app
        .db
        .read(move |tx| {
            let reach = Reach::of(tx, &caller.user)?;
            command::tasks(tx, &reach, Utc::now(), |t| q.state.is_none_or(|s| t.state == s)).map_err(ApiError::from)
        })
        .await?;
    Ok(Json(rows))
}

#[utoipa::path(
    get,
    path = "/v1/tasks/{id}/timeline",
    tag = "command centre",
    summary = "A task's audit trail (issue and every transition), oldest first",
    params(
        ("id" = uuid::Uuid, Path),
    ),
    responses(
        (status = 200, description = "timeline", body = Vec<crate::console::TimelineEntry>),
    )
)]
async fn task_timeline(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<TaskId>,
) -> Result<impl IntoResponse, ApiError> {
    let rows = app
        .db
        .read(move |tx| {
            let reach = Reach::of(tx, &caller.user)?;
            let task: Option<RectificationTask> = records::load(tx, Entity::Task, &id.to_string())?;
            if !task.is_some_and(|t| reach.covers_task(&t)) {
                return Err(ApiError::not_found("task not found"));
            }
            Ok(console::timeline(tx, "task", &id.to_string())?)
        })
        .await?;
    Ok(Json(rows))
}

#[utoipa::path(
    get,
    path = "/v1/tasks/overdue",
    tag = "command centre",
    summary = "Overdue rectification tasks in the caller's scope",
    responses(
        (status = 200, description = "tasks", body = Vec<crate::command::TaskRow>),
    )
)]
async fn overdue(State(app): State<App>, caller: Caller) -> Result<impl IntoResponse, ApiError> {
    let rows = app
        .db
        .read(move |tx| {
            let reach = Reach::of(tx, &caller.user)?;
            command::overdue_tasks(tx, &reach, Utc::now()).map_err(ApiError::from)
        })
        .await?;
    Ok(Json(rows))
}

#[derive(Deserialize)]
struct ConflictQuery {
    /// Leave out resolved conflicts.
    #[serde(default)]
    open: bool,
}

#[utoipa::path(
    get,
    path = "/v1/conflicts",
    tag = "command centre",
    summary = "Free-text edits that lost a conflict, with both values and the record's value now, newest first (command centre)",
    params(
        ("open" = Option<bool>, Query, description = "only the unresolved ones"),
    ),
    responses(
        (status = 200, description = "conflicts", body = Vec<crate::conflicts::ConflictView>),
    )
)]
async fn conflicts(
    State(app): State<App>,
    caller: Caller,
    Query(q): Query<ConflictQuery>,
) -> Result<impl IntoResponse, ApiError> {
    allow(&caller, Action::ResolveConflicts)?;
    Ok(Json(app.db.read(move |tx| Ok(conflicts::list(tx, q.open)?)).await?))
}

#[utoipa::path(
    post,
    path = "/v1/conflicts/{number}/resolve",
    tag = "command centre",
    summary = "Resolve a kept losing value once: `taken` writes it to the record (a new change that syncs to devices), `dismissed` keeps the record's value; audited (command centre)",
    params(
        ("number" = u64, Path),
    ),
    request_body = conflicts::Resolve,
    responses(
        (status = 200, description = "resolved", body = crate::db::ConflictRow),
    )
)]
/// The command centre takes a kept losing value (a new change that syncs) or dismisses it.
async fn resolve_conflict(
    State(app): State<App>,
    caller: Caller,
    Path(number): Path<u64>,
    JsonBody(req): JsonBody<conflicts::Resolve>,
) -> Result<impl IntoResponse, ApiError> {
    allow(&caller, Action::ResolveConflicts)?;
    Ok(Json(act(&app, caller, move |tx, actor| conflicts::resolve(tx, actor, number, &req)).await?))
}

#[utoipa::path(
    get,
    path = "/v1/audit/{entity}/{id}",
    tag = "command centre",
    summary = "Audit trail of a task, alarm, inspection or enterprise (read_audit: officers, townships and the command centre; a record out of the caller's reach is answered 404)",
    params(
        ("entity" = String, Path),
        ("id" = uuid::Uuid, Path),
    ),
    responses(
        (status = 200, description = "rows", body = Vec<crate::db::AuditRow>),
    )
)]
async fn audit(
    State(app): State<App>,
    caller: Caller,
    Path((entity, id)): Path<(String, uuid::Uuid)>,
) -> Result<impl IntoResponse, ApiError> {
    allow(&caller, Action::ReadAudit)?;
    let rows = app
        .db
        .read(move |tx| {
            let id = id.to_string();
            // The trail of a record the caller does not see is answered as missing, like the record.
            let reach = Reach::of(tx, &caller.user)?;
            if !reach.is_county() {
                let found = match crate::db::entity_from_name(&entity) {
                    Ok(kind) => tx.get(kind, &id)?.map(|data| records::record(kind, &data)).transpose()?,
                    Err(_) => None,
                };
                let seen = match &found {
                    Some(record) => reach.covers_record(tx, record)?,
                    None => false,
                };
                if !seen {
                    return Err(ApiError::not_found("record not found"));
                }
            }
            Ok(tx.audits(&entity, &id)?)
        })
        .await?;
    Ok(Json(rows))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct MoveBody {
    township: TownshipId,
}

#[utoipa::path(
    post,
    path = "/v1/enterprises/{id}/move",
    tag = "command centre",
    summary = "Move an enterprise to another township (command centre): devices of the old township get tombstones for it and its records, devices of the new one get them, on their next pull; audited",
    params(
        ("id" = uuid::Uuid, Path),
    ),
    request_body = MoveBody,
    responses(
        (status = 200, description = "the enterprise as stored now", body = fieldcheck_domain::organisation::Enterprise),
    )
)]
/// The command centre moves an enterprise to another township; devices' scopes follow on their next pull.
async fn move_enterprise(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<EnterpriseId>,
    JsonBody(body): JsonBody<MoveBody>,
) -> Result<impl IntoResponse, ApiError> {
    allow(&caller, Action::MoveEnterprise)?;
    Ok(Json(act(&app, caller, move |tx, actor| relocation::move_enterprise(tx, actor, id, body.township)).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct NewUser {
    login: String,
    password: String,
    user: User,
}

#[utoipa::path(
    post,
    path = "/v1/users",
    tag = "admin",
    summary = "Create an account (command centre)",
    description = "Creates a user and its login. Never changes an existing user: a login that exists is 409 `conflict`, a user id that exists (whatever its login) is 409 `user_exists`.",
    request_body = NewUser,
    responses(
        (status = 201, description = "created"),
        (status = 409, description = "the login or the user id exists; nothing was changed", body = crate::openapi::ErrorBody),
    )
)]
async fn create_user(
    State(app): State<App>,
    caller: Caller,
    JsonBody(req): JsonBody<NewUser>,
) -> Result<StatusCode, ApiError> {
    // Decided before the slow hash (on what is stored now) and again in the write (nothing taken meanwhile).
    let decide = move |tx: &mut dyn Tx, req: &NewUser| -> Result<User, ApiError> {
        let existing: Option<User> = records::load(tx, Entity::User, &req.user.id.to_string())?;
        let login_taken = tx.account(req.login.trim())?.is_some();
        Ok(admin::create_user(&caller.user, &req.login, &req.password, &req.user, existing.as_ref(), login_taken)?)
    };
    let req = Arc::new(req);
    let (check, first) = (decide.clone(), req.clone());
    app.db.read(move |tx| check(tx, &first).map(drop)).await?;
    let hash = app.hashing.hash(req.password.clone()).await?;
    app.db
        .write(move |tx| {
            let user = decide(tx, &req)?;
            records::save(tx, &Record::User(user.clone()))?;
            tx.put_account(&user.login, &user.id.to_string(), &hash)?;
            Ok(StatusCode::CREATED)
        })
        .await
}

#[utoipa::path(
    delete,
    path = "/v1/notices/{id}",
    tag = "admin",
    summary = "Delete a notice (leaves a tombstone)",
    params(
        ("id" = uuid::Uuid, Path),
    ),
    responses(
        (status = 204, description = "deleted"),
    )
)]
async fn delete_notice(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<NoticeId>,
) -> Result<StatusCode, ApiError> {
    allow(&caller, Action::DeleteNotice)?;
    app.db
        .write(move |tx| {
            let id = id.to_string();
            let notice: fieldcheck_domain::notice::Notice =
                records::load(tx, Entity::Notice, &id)?.ok_or_else(|| ApiError::not_found("notice not found"))?;
            let keys = records::keys(tx, &Record::Notice(notice))?;
            tx.delete(Entity::Notice, &id, &keys)?;
            Ok(StatusCode::NO_CONTENT)
        })
        .await
}

/// The oldest `older_than_seconds` a prune accepts: a hundred years.
pub const MAX_PRUNE_AGE_SECONDS: i64 = fieldcheck_domain::limits::PRUNE_SECONDS_MAX as i64;

#[derive(Deserialize, utoipa::ToSchema)]
struct PruneBody {
    older_than_seconds: i64,
}

#[utoipa::path(
    post,
    path = "/v1/admin/prune-tombstones",
    tag = "admin",
    summary = "Drop tombstones older than the window; older cursors must reset",
    request_body = PruneBody,
    responses(
        (status = 200, description = "new floor", body = Pruned),
        (status = 400, description = "`older_than_seconds` out of range", body = crate::openapi::ErrorBody),
    )
)]
async fn prune(
    State(app): State<App>,
    caller: Caller,
    JsonBody(body): JsonBody<PruneBody>,
) -> Result<impl IntoResponse, ApiError> {
    allow(&caller, Action::PruneTombstones)?;
    let age = body.older_than_seconds;
    let before = (0..=MAX_PRUNE_AGE_SECONDS)
        .contains(&age)
        .then(|| Duration::try_seconds(age).and_then(|d| Utc::now().checked_sub_signed(d)))
        .flatten()
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "older_than_seconds must be from 0 to {MAX_PRUNE_AGE_SECONDS} (a hundred years), not {age}"
            ))
        })?;
    let floor = app.db.write(move |tx| Ok(tx.prune_tombstones(before)?)).await?;
    Ok(Json(Pruned { tombstone_floor: floor }))
}

/// What a prune left.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct Pruned {
    /// Cursors at or below this may have lost tombstones: a device there must reset.
    tombstone_floor: u64,
}
