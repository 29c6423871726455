//! The console's lists: `GET /v1/lists/{alarms,tasks,inspections,enterprises,users,devices}` with filters
//! and paging done in the database (alarms, tasks and inspections over their typed tables, `db::listing`;
//! enterprises, users and devices over their typed tables, `db::registers`), each row with what the caller may do
//! to it (`actions`, from the capability table and the record's state machine), scoped to what the caller
//! may see exactly as its pull is.

use crate::access::{Caller, Reach};
use crate::app::{App, allow};
use crate::command::{self, Names};
use crate::db::listing::{ListPage, ListQuery, Listed};
use crate::db::registers::{self, DeviceState, DeviceWithUser, RegisterQuery};
use crate::db::{DeviceRow, Filter, StoreError, Tx};
use crate::error::ApiError;
use crate::intents::Failure;
use crate::records;
use axum::Json;
use axum::extract::{Query, State};
use chrono::{DateTime, NaiveDate, Utc};
use fieldcheck_domain::alarm::Alarm;
use fieldcheck_domain::capability::{self, Action};
use fieldcheck_domain::limits::LIST_PAGE_ROWS;
use fieldcheck_domain::organisation::{Enterprise, Scope, User};
use fieldcheck_domain::rectification::RectificationTask;
use fieldcheck_domain::text::Text;
use fieldcheck_protocol::{Entity, Record, SubmittedInspection};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, Ordering};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(alarms))
        .routes(routes!(tasks))
        .routes(routes!(inspections))
        .routes(routes!(enterprises))
        .routes(routes!(users))
        .routes(routes!(devices))
        .routes(routes!(areas))
}

/// The filters and page of a list request (each list reads the ones that apply to it); its doc comments are
/// the API document's parameter descriptions.
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Township id.
    pub township: Option<String>,
    /// Squadron id (alarms: dispatched to it; users: its officers; others: in its townships).
    pub squadron: Option<String>,
    /// Enterprise id.
    pub enterprise: Option<String>,
    /// One state, or several separated by commas (`raised,graded`).
    pub state: Option<String>,
    /// An alarm's level, a task's severity, a user's role, an enterprise's `key` or `normal`; devices: their
    /// state (`signed_in`, `revoked`, `expired`) in `state`.
    pub grade: Option<String>,
    /// From this time or day (`2026-12-03` or RFC 3339), inclusive.
    pub from: Option<String>,
    /// Before this time, or up to and including this day.
    pub to: Option<String>,
    /// Enterprises and the risk list: of this class (`key_discharger`, `key_hazardous_waste_unit`, `hazardous_waste_producer`,
    /// `ordinary`).
    pub class: Option<String>,
    /// Enterprises: this 统一社会信用代码, exactly.
    pub credit_code: Option<String>,
    /// Text the row's names, codes, points or summary contain (case-insensitive).
    pub q: Option<String>,
    /// Rows per page (limit `list_page_rows`).
    pub limit: Option<u32>,
    /// Rows to skip.
    pub offset: Option<u64>,
}

/// One page: `rows` from `offset`, of `total` matching rows.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub total: u64,
    pub offset: u64,
    pub limit: u32,
    pub rows: Vec<T>,
}

fn time_param(name: &str, value: &str, end_of_day: bool) -> Result<DateTime<Utc>, ApiError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Ok(t.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|_| ApiError::bad_request(format!("{name} must be a day (2026-12-03) or an RFC 3339 time")))?;
    let day = if end_of_day { day.succ_opt().unwrap_or(day) } else { day };
    Ok(day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
}

/// Rows a page holds when the caller does not say.
const DEFAULT_PAGE_ROWS: u32 = 50;

/// A page's `limit`, within the domain's `LIST_PAGE_ROWS`.
pub fn page_rows(asked: Option<u32>) -> Result<u32, ApiError> {
    let limit = asked.unwrap_or(DEFAULT_PAGE_ROWS);
    if !(1..=LIST_PAGE_ROWS).contains(&limit) {
        return Err(ApiError::bad_request(format!("limit must be from 1 to {LIST_PAGE_ROWS}")));
    }
    Ok(limit)
}

/// A filter's value when one is given (an empty parameter is none).
fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl ListParams {
    /// The list query for `listed`, checked (a bad date or page is a 400, never a crash).
    fn query(&self, tx: &mut dyn Tx, listed: Listed, newest_first: bool) -> Result<ListQuery, ApiError> {
        let limit = page_rows(self.limit)?;
        let states = self.state.as_deref().unwrap_or("").split(',').map(str::trim).filter(|s| !s.is_empty());
        let mut q = ListQuery {
            newest_first,
            township: self.township.clone(),
            enterprise: self.enterprise.clone(),
            states: states.map(str::to_string).collect(),
            grade: self.grade.clone(),
            from: self.from.as_deref().map(|v| time_param("from", v, false)).transpose()?,
            to: self.to.as_deref().map(|v| time_param("to", v, true)).transpose()?,
            text: self.q.clone(),
            limit,
            offset: self.offset.unwrap_or(0),
            ..ListQuery::of(listed)
        };
        // Alarms carry their squadron; other rows are in a squadron's area by township.
        (q.squadron, q.townships) = self.squadron_filter(tx, listed == Listed::Alarm)?;
        Ok(q)
    }

    /// The register query (enterprises, users), checked: an unknown class, role or grade is a 400.
    fn register(&self, tx: &mut dyn Tx, entity: Entity) -> Result<RegisterQuery, ApiError> {
        let unknown = |what: &str, v: &str| ApiError::bad_request(format!("unknown {what} {v:?}"));
        let mut q = RegisterQuery {
            township: self.township.clone(),
            credit_code: self.credit_code.clone(),
            text: self.q.clone(),
            limit: page_rows(self.limit)?,
            offset: self.offset.unwrap_or(0),
            ..RegisterQuery::default()
        };
        q.class = given(&self.class).map(|c| c.parse().map_err(|_| unknown("enterprise class", c))).transpose()?;
        match (entity, given(&self.grade)) {
            (_, None) => {}
            (Entity::User, Some(g)) => q.role = Some(g.parse().map_err(|_| unknown("role", g))?),
            (_, Some("key")) => q.key_unit = Some(true),
            (_, Some("normal")) => q.key_unit = Some(false),
            (_, Some(g)) => return Err(unknown("grade (key or normal)", g)),
        }
        // Users carry their squadron; enterprises are in a squadron's area by township.
        (q.squadron, q.townships) = self.squadron_filter(tx, entity == Entity::User)?;
        Ok(q)
    }

    /// The `squadron` parameter as a filter: on the rows' own squadron column when they `carry` one,
    /// else as the townships of the squadron's area (none when there is no such squadron).
    fn squadron_filter(&self, tx: &mut dyn Tx, carry: bool) -> Result<(Option<String>, Option<Vec<String>>), ApiError> {
        let Some(squadron) = &self.squadron else { return Ok((None, None)) };
        if carry {
            return Ok((Some(squadron.clone()), None));
        }
        let area = records::squadrons(tx)?.into_iter().find(|s| s.id.to_string() == *squadron);
        Ok((None, Some(area.map(|s| s.townships.iter().map(|t| t.to_string()).collect()).unwrap_or_default())))
    }
}

/// Which ids a page holds (and the page's limit and offset), found for the caller's visibility.
type Finder = Box<dyn FnOnce(&mut dyn Tx, &Filter) -> Result<(ListPage, u32, u64), ApiError> + Send>;

/// Reads one page of `listed` for `caller` and turns each id into its row with `row`.
async fn page<T, F>(
    app: &App,
    caller: Caller,
    p: ListParams,
    listed: Listed,
    newest_first: bool,
    row: F,
) -> Result<Json<Page<T>>, ApiError>
where
    T: Send + 'static,
    F: Fn(&mut dyn Tx, &Reach, String) -> Result<Option<T>, Failure> + Send + 'static,
{
    let find: Finder = Box::new(move |tx, visibility| {
        let q = p.query(tx, listed, newest_first)?;
        Ok((tx.list_page(&q, visibility)?, q.limit, q.offset))
    });
    page_of(app, caller, find, row).await
}

/// Reads one page found by `find` for `caller` and turns each id into its row with `row`.
async fn page_of<T, F>(app: &App, caller: Caller, find: Finder, row: F) -> Result<Json<Page<T>>, ApiError>
where
    T: Send + 'static,
    F: Fn(&mut dyn Tx, &Reach, String) -> Result<Option<T>, Failure> + Send + 'static,
{
    ensure_built(app).await?;
    let page = app
        .db
        .read(move |tx| {
            let reach = Reach::of(tx, &caller.user)?;
            let (ListPage { total, ids }, limit, offset) = find(tx, &reach.filter())?;
            let mut rows = Vec::with_capacity(ids.len());
            for id in ids {
                rows.extend(row(tx, &reach, id)?);
            }
            Ok(Page { total, offset, limit, rows })
        })
        .await?;
    Ok(Json(page))
}

/// Whether this process has seen the index built (so later requests skip the check).
static BUILT: AtomicBool = AtomicBool::new(false);

/// Fills the typed tables from the stored records once, after a migration that added
/// or changed them.
pub async fn ensure_built(app: &App) -> Result<(), ApiError> {
    if BUILT.load(Ordering::Relaxed) {
        return Ok(());
    }
    app.db
        .write(|tx| {
            if !tx.rows_built()? {
                crate::tables::rebuild(tx)?;
            }
            Ok(())
        })
        .await?;
    BUILT.store(true, Ordering::Relaxed);
    Ok(())
}

/// The lower-case text a list's search matches in a record: its enterprise's name and credit code, and
/// an alarm's monitoring point and pollutant, a task's requirement, an inspection's inspectors and summary
/// (empty for the kinds without a list).
pub fn search_text(tx: &mut dyn Tx, record: &Record) -> Result<String, StoreError> {
    let mut enterprise = |id| -> Result<String, StoreError> {
        Ok(records::enterprise_names(tx, id)?.map(|e| format!("{} {}", e.name, e.credit_code)).unwrap_or_default())
    };
    let text = match record {
        Record::Alarm(a) => format!("{} {} {}", enterprise(a.enterprise)?, a.monitoring_point, a.pollutant),
        Record::Task(t) => format!("{} {}", enterprise(t.enterprise)?, t.requirement),
        Record::Inspection(s) => {
            let i = &s.inspection;
            let names: Vec<&str> = i.inspectors.iter().map(|p| p.name.as_str()).collect();
            format!("{} {} {}", enterprise(i.enterprise)?, names.join(" "), i.summary)
        }
        _ => String::new(),
    };
    Ok(text.to_lowercase())
}

fn load<T: serde::de::DeserializeOwned>(tx: &mut dyn Tx, entity: Entity, id: &str) -> Result<Option<T>, Failure> {
    Ok(records::load(tx, entity, id)?)
}

/// Names of the actions the caller's role may take among `candidates` (reach aside: the list is scoped).
fn allowed(reach: &Reach, candidates: &[Action]) -> Vec<String> {
    candidates.iter().filter(|a| capability::may(reach.role, **a)).map(|a| a.name()).collect()
}

#[utoipa::path(
    get,
    path = "/v1/lists/alarms",
    tag = "command centre",
    summary = "Alarms in the caller's scope, newest first, filtered and paged in the database",
    description = "Scoped to what the caller may see exactly as its pull is (`fieldcheck_domain::visibility`); each row carries its `actions`. A bad date or limit is answered 400.",
    params(ListParams),
    responses(
        (status = 200, description = "alarms", body = Page<crate::command::AlarmRow>),
    )
)]
async fn alarms(
    State(app): State<App>,
    caller: Caller,
    Query(p): Query<ListParams>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    let names = app.db.read(|tx| Ok(Names::load(tx)?)).await?;
    page(&app, caller, p, Listed::Alarm, true, move |tx, reach, id| {
        let Some(alarm) = load::<Alarm>(tx, Entity::Alarm, &id)? else { return Ok(None) };
        command::alarm_row(tx, reach, Utc::now(), &names, alarm)
    })
    .await
}

#[utoipa::path(
    get,
    path = "/v1/lists/tasks",
    tag = "command centre",
    summary = "Rectification tasks in the caller's scope, by deadline, filtered and paged in the database",
    description = "Scoped to what the caller may see exactly as its pull is (`fieldcheck_domain::visibility`); each row carries its `actions`. A bad date or limit is answered 400.",
    params(ListParams),
    responses(
        (status = 200, description = "tasks", body = Page<crate::command::TaskRow>),
    )
)]
async fn tasks(
    State(app): State<App>,
    caller: Caller,
    Query(p): Query<ListParams>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    page(&app, caller, p, Listed::Task, false, |tx, reach, id| {
        let Some(task) = load::<RectificationTask>(tx, Entity::Task, &id)? else { return Ok(None) };
        Ok(Some(command::task_row(tx, reach, Utc::now(), task)?))
    })
    .await
}

/// An inspection as the console lists it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct InspectionRow {
    pub id: String,
    pub enterprise: String,
    pub enterprise_name: String,
    pub township_name: String,
    pub state: String,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub inspectors: Vec<String>,
    pub summary: String,
    pub findings: usize,
    pub tasks: usize,
    pub photos: usize,
    /// `request_originals`, `export_evidence`, as the capability table allows.
    pub actions: Vec<String>,
}

#[utoipa::path(
    get,
    path = "/v1/lists/inspections",
    tag = "command centre",
    summary = "Submitted inspections in the caller's scope, newest first (date range on when they started)",
    description = "Scoped to what the caller may see exactly as its pull is (`fieldcheck_domain::visibility`); each row carries its `actions`. A bad date or limit is answered 400.",
    params(ListParams),
    responses(
        (status = 200, description = "inspections", body = Page<InspectionRow>),
    )
)]
async fn inspections(
    State(app): State<App>,
    caller: Caller,
    Query(p): Query<ListParams>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    let names = app.db.read(|tx| Ok(Names::load(tx)?)).await?;
    page(&app, caller, p, Listed::Inspection, true, move |tx, reach, id| {
        let Some(s) = load::<SubmittedInspection>(tx, Entity::Inspection, &id)? else { return Ok(None) };
        let e = records::enterprise(tx, s.inspection.enterprise)?;
        let i = &s.inspection;
        Ok(Some(InspectionRow {
            id: i.id.to_string(),
            enterprise: i.enterprise.to_string(),
            enterprise_name: e.as_ref().map(|e| e.name.clone()).unwrap_or_default(),
            township_name: e.and_then(|e| names.townships.get(&e.township).cloned()).unwrap_or_default(),
            state: i.state.as_str().to_string(),
            started_at: i.started_at,
            ended_at: i.ended_at,
            inspectors: i.inspectors.iter().map(|p| p.name.clone()).collect(),
            summary: i.summary.clone(),
            findings: s.findings.len(),
            tasks: s.tasks.len(),
            photos: s.evidence.as_ref().map_or(0, |e| e.chain.entries.len()),
            actions: allowed(reach, &[Action::RequestOriginals, Action::ExportEvidence]),
        }))
    })
    .await
}

/// An enterprise with its township's name.
#[derive(Serialize, utoipa::ToSchema)]
pub struct EnterpriseRow {
    #[serde(flatten)]
    pub enterprise: Enterprise,
    pub township_name: String,
    /// `edit_enterprise`, `move_enterprise`, as the capability table allows.
    pub actions: Vec<String>,
}

#[utoipa::path(
    get,
    path = "/v1/lists/enterprises",
    tag = "command centre",
    summary = "Enterprises in the caller's scope, by name",
    description = "Scoped to what the caller may see exactly as its pull is (`fieldcheck_domain::visibility`); each row carries its `actions`. A bad date or limit is answered 400.",
    params(ListParams),
    responses(
        (status = 200, description = "enterprises", body = Page<EnterpriseRow>),
    )
)]
async fn enterprises(
    State(app): State<App>,
    caller: Caller,
    Query(p): Query<ListParams>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    let names = app.db.read(|tx| Ok(Names::load(tx)?)).await?;
    let find: Finder = Box::new(move |tx, visibility| {
        let q = p.register(tx, Entity::Enterprise)?;
        Ok((registers::enterprise_page(tx, &q, visibility)?, q.limit, q.offset))
    });
    page_of(&app, caller, find, move |tx, reach, id| {
        let Some(enterprise) = load::<Enterprise>(tx, Entity::Enterprise, &id)? else { return Ok(None) };
        Ok(Some(EnterpriseRow {
            township_name: names.townships.get(&enterprise.township).cloned().unwrap_or_default(),
            actions: allowed(reach, &[Action::EditEnterprise, Action::MoveEnterprise]),
            enterprise,
        }))
    })
    .await
}

/// A user with the role's label.
#[derive(Serialize, utoipa::ToSchema)]
pub struct UserRow {
    #[serde(flatten)]
    pub user: User,
    pub squadron_name: Option<String>,
    pub actions: Vec<String>,
}

#[utoipa::path(
    get,
    path = "/v1/lists/users",
    tag = "command centre",
    summary = "Users in the caller's scope, by name",
    description = "Scoped to what the caller may see exactly as its pull is (`fieldcheck_domain::visibility`); each row carries its `actions`. A bad date or limit is answered 400.",
    params(ListParams),
    responses(
        (status = 200, description = "users", body = Page<UserRow>),
    )
)]
async fn users(
    State(app): State<App>,
    caller: Caller,
    Query(p): Query<ListParams>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    let names = app.db.read(|tx| Ok(Names::load(tx)?)).await?;
    let find: Finder = Box::new(move |tx, visibility| {
        let q = p.register(tx, Entity::User)?;
        Ok((registers::user_page(tx, &q, visibility)?, q.limit, q.offset))
    });
    page_of(&app, caller, find, move |tx, reach, id| {
        let Some(user) = load::<User>(tx, Entity::User, &id)? else { return Ok(None) };
        let squadron_name = match &user.scope {
            Scope::Squadron { squadron } => names.squadrons.get(squadron).cloned(),
            _ => None,
        };
        Ok(Some(UserRow { squadron_name, actions: allowed(reach, &[Action::ManageUsers]), user }))
    })
    .await
}

/// A signed-in device with whose it is.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DeviceListRow {
    #[serde(flatten)]
    pub device: DeviceRow,
    pub user_name: String,
    pub user_login: String,
    /// `revoke` while the device is not revoked; `wipe` while it is not revoked and not yet ordered wiped.
    pub actions: Vec<String>,
    pub state: DeviceState,
    pub state_label: Text,
    /// The command centre's wipe order, with the phone's report once it wiped itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wipe: Option<crate::wipe::WipeOrder>,
    /// Where the wipe stands (ordered, or done with what was sent and lost), when one was ordered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wipe_label: Option<Text>,
}

#[utoipa::path(
    get,
    path = "/v1/lists/devices",
    tag = "command centre",
    summary = "Devices, the most recently seen first, paged (command centre: manage_devices)",
    params(
        ("state" = Option<DeviceState>, Query, description = "only devices in this state"),
        ("limit" = Option<u64>, Query, description = "rows per page (limit `list_page_rows`)"),
        ("offset" = Option<u64>, Query, description = "rows to skip"),
    ),
    responses(
        (status = 200, description = "devices, each with `actions` (`revoke` while signed in, `wipe` until ordered) and its wipe order", body = Page<DeviceListRow>),
    )
)]
async fn devices(
    State(app): State<App>,
    caller: Caller,
    Query(p): Query<ListParams>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    allow(&caller, Action::ManageDevices)?;
    let limit = page_rows(p.limit)?;
    let offset = p.offset.unwrap_or(0);
    let state = given(&p.state)
        .map(|s| {
            serde_json::from_value::<DeviceState>(serde_json::Value::String(s.to_string()))
                .map_err(|_| ApiError::bad_request(format!("unknown device state {s:?} (signed_in, revoked, expired)")))
        })
        .transpose()?;
    ensure_built(&app).await?;
    let page = app
        .db
        .read(move |tx| {
            let now = Utc::now();
            let (total, rows) = registers::device_page(tx, state, now, limit, offset)?;
            let mut out = Vec::with_capacity(rows.len());
            for DeviceWithUser { device, user_name, user_login } in rows {
                let state = DeviceState::of(&device, now);
                let wipe = crate::wipe::order_of(tx, &device.id)?;
                let mut actions = Vec::new();
                if device.revoked_at.is_none() {
                    actions.push("revoke".to_string());
                    if wipe.is_none() {
                        actions.push("wipe".to_string());
                    }
                }
                out.push(DeviceListRow {
                    user_name: user_name.unwrap_or_default(),
                    user_login: user_login.unwrap_or_default(),
                    actions,
                    wipe_label: wipe.as_ref().map(crate::wipe::WipeOrder::label),
                    state_label: state.label(),
                    state,
                    device,
                    wipe,
                });
            }
            Ok(Page { total, offset, limit, rows: out })
        })
        .await?;
    Ok(Json(page))
}

/// The county's townships and squadrons (public records: every caller gets them all).
#[derive(Serialize, utoipa::ToSchema)]
pub struct Areas {
    pub townships: Vec<fieldcheck_domain::organisation::Township>,
    pub squadrons: Vec<fieldcheck_domain::organisation::Squadron>,
}

#[utoipa::path(
    get,
    path = "/v1/areas",
    tag = "command centre",
    summary = "The county's townships and squadrons (public records), for the console's filters and forms",
    responses(
        (status = 200, description = "townships (id, code, name) and squadrons (id, name, townships)", body = Areas),
    )
)]
async fn areas(State(app): State<App>, _caller: Caller) -> Result<Json<Areas>, ApiError> {
    let areas =
        app.db.read(|tx| Ok(Areas { townships: records::townships(tx)?, squadrons: records::squadrons(tx)? })).await?;
    Ok(Json(areas))
}
