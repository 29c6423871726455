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
use axum::routing::{get, post};
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

/// Largest request body accepted (a push of a big inspection fits many times over).
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// Shared state of the server.
#[derive(Clone)]
pub struct App {
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
    /// The change log's end as this process last saw it, for live updates (`crate::live`).
    pub live: crate::live::Live,
    /// The county map's outlines and tile source (`crate::map::MapConfig`).
    pub map: crate::map::MapConfig,
    /// The `node_modules` folder the console's map and chart libraries are served from (`console::lib`).
    pub console_libs: Arc<std::path::Path>,
}

impl App {
    pub fn new(db: Db, monitoring_key: Option<String>) -> Result<Self, ApiError> {
        Ok(App {
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
            live: Default::default(),
            map: Default::default(),
            console_libs: Arc::from(console::default_libs()),
        })
    }
}

pub fn router(app: App) -> Router {
    let timeouts = app.timeouts;
    // Photo chunks stream in over slow networks: a longer timeout of their own.
    let uploads = Router::new()
        .route("/v1/blobs/{sha256}", get(crate::evidence::blobs::get).put(crate::evidence::blobs::put))
        .layer(crate::ops::timeout(timeouts.upload));
    let routes = Router::new()
        .route("/", get(console::page))
        .route("/console.css", get(console::style))
        .route("/console/{file}", get(console::module))
        .route("/console/lib/{file}", get(console::lib))
        .route("/openapi.json", get(openapi))
        .route("/v1/health", get(health))
        .route("/v1/ready", get(crate::ops::ready))
        .route("/metrics", get(crate::ops::metrics::serve))
        .route("/v1/capabilities", get(capabilities))
        .route("/v1/login", post(login))
        .route("/v1/devices", get(devices))
        .route("/v1/devices/{id}/revoke", post(revoke))
        .route("/v1/sync/push", post(push))
        .route("/v1/sync/pull", get(pull))
        .route("/v1/inspections/{id}/photos", get(crate::evidence::originals::list))
        .route("/v1/inspections/{id}/record.pdf", get(crate::documents::record_pdf))
        .route("/v1/inspections/{id}/originals/request", post(crate::evidence::originals::request))
        .route("/v1/blobs/{sha256}/content", get(crate::evidence::blobs::content))
        .route("/v1/alarms", post(raise).get(list_alarms))
        .route("/v1/alarms/{id}/grade", post(grade))
        .route("/v1/alarms/{id}/dispatch", post(dispatch))
        .route("/v1/alarms/{id}/close", post(close))
        .route("/v1/alarms/{id}/timeline", get(alarm_timeline))
        .route("/v1/tasks", get(list_tasks))
        .route("/v1/tasks/overdue", get(overdue))
        .route("/v1/tasks/{id}/timeline", get(task_timeline))
        .route("/v1/tasks/{id}/order.pdf", get(crate::documents::order_pdf))
        .route("/v1/conflicts", get(conflicts))
        .route("/v1/conflicts/{number}/resolve", post(resolve_conflict))
        .route("/v1/audit/{entity}/{id}", get(audit))
        .route("/v1/enterprises/{id}/move", post(move_enterprise))
        .route("/v1/users", post(create_user))
        .route("/v1/notices/{id}", axum::routing::delete(delete_notice))
        .route("/v1/admin/prune-tombstones", post(prune))
        .route("/v1/exports/records.zip", get(crate::exports::records_zip))
        .merge(crate::supervision::routes())
        .merge(crate::live::routes())
        .merge(crate::lists::routes())
        .merge(crate::dashboard::routes())
        .merge(crate::map::routes())
        .merge(crate::record::routes())
        .merge(crate::wipe::routes())
        .layer(crate::ops::timeout(timeouts.request))
        .merge(uploads)
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
#[derive(serde::Serialize)]
struct Capability {
    /// The action as the table names it (`manage_users`, `{"task": "accept"}`, …).
    action: Action,
    /// The record kind it is about, and the name rows' `actions` lists carry.
    entity: &'static str,
    name: String,
}

/// The caller's role and every action the capability table allows it (reach aside: a row's `actions`
/// say what may be done to that row now).
async fn capabilities(caller: Caller) -> Json<serde_json::Value> {
    let role = caller.user.role;
    let allowed: Vec<Capability> = Action::all()
        .into_iter()
        .filter(|a| capability::may(role, *a))
        .map(|action| Capability { action, entity: action.entity(), name: action.name() })
        .collect();
    Json(serde_json::json!({ "role": role, "actions": allowed }))
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

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], crate::openapi::document())
}

async fn health(State(app): State<App>) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "ok": true, "protocol": PROTOCOL_VERSION, "backend": app.db.backend_name() }))
}

async fn login(
    State(app): State<App>,
    client: ClientAddr,
    JsonBody(req): JsonBody<LoginRequest>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(auth::login(&app, req, client).await?))
}

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

/// Devices with their last contact and measured clock skew (command centre).
async fn devices(State(app): State<App>, caller: Caller) -> Result<impl IntoResponse, ApiError> {
    allow(&caller, Action::ManageDevices)?;
    Ok(Json(app.db.read(|tx| Ok(console::devices(tx)?)).await?))
}

async fn push(State(app): State<App>, caller: Caller, body: Bytes) -> Result<impl IntoResponse, ApiError> {
    let response = sync::push(&app, caller, &body).await?;
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

async fn pull(
    State(app): State<App>,
    token: crate::auth::Bearer,
    Query(q): Query<PullQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let body = sync::pull(&app, token, q.protocol, q.cursor, q.limit).await?;
    crate::ops::metrics::pulled();
    Ok(([(header::CONTENT_TYPE, "application/json")], body))
}

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

#[derive(Deserialize)]
struct GradeBody {
    level: Severity,
}

async fn grade(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<AlarmId>,
    JsonBody(body): JsonBody<GradeBody>,
) -> Result<impl IntoResponse, ApiError> {
    allow(&caller, Action::GradeAlarm)?;
    Ok(Json(act(&app, caller, move |tx, actor| command::grade(tx, actor, id, body.level)).await?))
}

#[derive(Deserialize)]
struct DispatchBody {
    #[serde(default)]
    assignee: Option<UserId>,
}

async fn dispatch(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<AlarmId>,
    JsonBody(body): JsonBody<DispatchBody>,
) -> Result<impl IntoResponse, ApiError> {
    allow(&caller, Action::Alarm(AlarmAction::Dispatch))?;
    Ok(Json(act(&app, caller, move |tx, actor| crate::intents::alarm::dispatch(tx, actor, id, body.assignee)).await?))
}

#[derive(Deserialize)]
struct CloseBody {
    #[serde(default)]
    feedback: String,
}

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

async fn conflicts(
    State(app): State<App>,
    caller: Caller,
    Query(q): Query<ConflictQuery>,
) -> Result<impl IntoResponse, ApiError> {
    allow(&caller, Action::ResolveConflicts)?;
    Ok(Json(app.db.read(move |tx| Ok(conflicts::list(tx, q.open)?)).await?))
}

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

#[derive(Deserialize)]
struct MoveBody {
    township: TownshipId,
}

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

#[derive(Deserialize)]
struct NewUser {
    login: String,
    password: String,
    user: User,
}

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

#[derive(Deserialize)]
struct PruneBody {
    older_than_seconds: i64,
}

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
    Ok(Json(serde_json::json!({ "tombstone_floor": floor })))
}
