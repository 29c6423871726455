//! The command centre's figures (`GET /v1/dashboard`): alarms by township and day, by level; alarms past
//! their response limit; response times against the limit (`response`); tasks by state, and the overdue
//! ones listed; inspections per squadron; repeat offenders. Counted in the database, over the typed
//! tables (`db::listing`'s counts, and with the audit in `sql`), scoped to the caller like its lists.

pub mod response;
pub mod sql;

use crate::access::{Caller, Reach};
use crate::app::App;
use crate::command::Names;
use crate::db::Tx;
use crate::db::listing::{Group, ListQuery, Listed};
use crate::error::ApiError;
use crate::records;
use axum::Json;
use axum::extract::{Query, State};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use fieldcheck_domain::rectification::RectificationTask;
use fieldcheck_domain::text::Text;
use fieldcheck_protocol::Entity;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new().routes(routes!(dashboard))
}

/// Days the figures cover when no range is given.
const DEFAULT_DAYS: i64 = 14;
/// Repeat offenders shown.
const OFFENDERS: usize = 10;
/// Overdue tasks listed (the longest overdue first); `overdue_tasks` counts them all.
const OVERDUE_LISTED: u32 = 20;

#[derive(Deserialize)]
struct Range {
    /// First day (`2026-12-01`), inclusive; default two weeks ago.
    from: Option<NaiveDate>,
    /// Last day, inclusive; default today.
    to: Option<NaiveDate>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct TownshipDay {
    township: String,
    township_name: String,
    day: String,
    count: u64,
}

#[derive(Serialize, utoipa::ToSchema)]
struct Named {
    id: String,
    name: String,
    count: u64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Dashboard {
    from: NaiveDate,
    to: NaiveDate,
    alarms_by_township_day: Vec<TownshipDay>,
    /// Alarms raised in the range by level (`minor`, `general`, `serious`).
    alarms_by_level: BTreeMap<String, u64>,
    /// Open alarms now, and those of them past their response limit.
    open_alarms: u64,
    alarms_past_limit: u64,
    /// Tasks by state now, and those past their deadline while the enterprise owes an answer.
    tasks_by_state: BTreeMap<String, u64>,
    overdue_tasks: u64,
    /// The longest overdue tasks (at most 20), as the task list shows them.
    overdue_task_list: Vec<crate::command::TaskRow>,
    /// Alarms raised in the range: minutes from raised to dispatched, arrived and closed, against the
    /// response limit, per level and per township.
    response_by_level: Vec<response::Group>,
    response_by_township: Vec<response::Group>,
    /// Inspections started in the range, per squadron covering the inspected enterprise's township.
    inspections_by_squadron: Vec<Named>,
    /// Enterprises with two or more alarms in the range, most first.
    repeat_offenders: Vec<Named>,
}

fn day_start(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

#[utoipa::path(
    get,
    path = "/v1/dashboard",
    tag = "command centre",
    summary = "The command centre's figures, counted in the database and scoped to the caller",
    description = "Alarms raised in the range by township and day and by level; open alarms and those past their response limit; tasks by state and overdue; inspections started in the range per squadron (covering the enterprise's township); enterprises with two or more alarms in the range.",
    params(
        ("from" = Option<chrono::NaiveDate>, Query, description = "first day, inclusive (default: 13 days before `to`)"),
        ("to" = Option<chrono::NaiveDate>, Query, description = "last day, inclusive (default: today, UTC); at most a year after `from`"),
    ),
    responses(
        (status = 200, description = "the figures", body = Dashboard),
    )
)]
async fn dashboard(
    State(app): State<App>,
    caller: Caller,
    Query(r): Query<Range>,
) -> Result<Json<Dashboard>, ApiError> {
    let now = Utc::now();
    let to = r.to.unwrap_or(now.date_naive());
    let from = r.from.unwrap_or(to - Duration::days(DEFAULT_DAYS - 1));
    if from > to || (to - from).num_days() > 366 {
        return Err(ApiError::bad_request("from must be on or before to, at most a year apart"));
    }
    crate::lists::ensure_built(&app).await?;
    let figures = app
        .db
        .read(move |tx| {
            let reach = Reach::of(tx, &caller.user)?;
            figures(tx, &reach, now, from, to)
        })
        .await?;
    Ok(Json(figures))
}

/// The figures for `reach` over the days `from..=to`, as of `now`.
pub fn figures(
    tx: &mut dyn Tx,
    reach: &Reach,
    now: DateTime<Utc>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Dashboard, ApiError> {
    let visibility = reach.filter();
    let names = Names::load(tx)?;
    let range = |listed| ListQuery {
        from: Some(day_start(from)),
        to: Some(day_start(to + Duration::days(1))),
        ..ListQuery::of(listed)
    };
    let alarms_by_township_day = tx
        .list_counts(&range(Listed::Alarm), &visibility, &[Group::Township, Group::Day])?
        .into_iter()
        .map(|(k, count)| {
            let township = k[0].clone().unwrap_or_default();
            let township_name =
                names.townships.iter().find(|(id, _)| id.to_string() == township).map(|(_, n)| n.clone());
            TownshipDay {
                township_name: township_name.unwrap_or_default(),
                township,
                day: k[1].clone().unwrap_or_default(),
                count,
            }
        })
        .collect();
    let by = |rows: Vec<crate::db::listing::Count>| -> BTreeMap<String, u64> {
        rows.into_iter().map(|(k, n)| (k[0].clone().unwrap_or_default(), n)).collect()
    };
    let alarms_by_level = by(tx.list_counts(&range(Listed::Alarm), &visibility, &[Group::Grade])?);
    let tasks_by_state = by(tx.list_counts(&ListQuery::of(Listed::Task), &visibility, &[Group::State])?);
    let (overdue_tasks, overdue_ids) = sql::overdue_tasks(tx, &visibility, now, OVERDUE_LISTED)?;
    let mut overdue_task_list = Vec::new();
    for id in overdue_ids {
        if let Some(t) = records::load::<RectificationTask>(tx, Entity::Task, &id)? {
            overdue_task_list.push(crate::command::task_row(tx, reach, now, t)?);
        }
    }

    // Response times of the alarms raised in the range, each alarm's first dispatch, arrival and closure
    // read from the audit in the same statement.
    let timed = sql::response_times(tx, &visibility, day_start(from), day_start(to + Duration::days(1)))?;
    let response_by_level = response::groups(&timed, now, |t| (t.level.as_str().to_string(), t.level.label()));
    let response_by_township = response::groups(&timed, now, |t| {
        let town = t.township.as_deref().and_then(|id| id.parse().ok());
        let name = town.and_then(|id| names.townships.get(&id).cloned()).unwrap_or_default();
        (t.township.clone().unwrap_or_default(), Text::new(name.clone(), name))
    });
    let (open_alarms, alarms_past_limit) = sql::open_alarms(tx, &visibility, now)?;

    let by_township = by(tx.list_counts(&range(Listed::Inspection), &visibility, &[Group::Township])?);
    let inspections_by_squadron = records::squadrons(tx)?
        .into_iter()
        .map(|s| Named {
            count: s.townships.iter().map(|t| by_township.get(&t.to_string()).copied().unwrap_or(0)).sum(),
            id: s.id.to_string(),
            name: s.name,
        })
        .collect();

    let mut offenders: Vec<(String, u64)> = tx
        .list_counts(&range(Listed::Alarm), &visibility, &[Group::Enterprise])?
        .into_iter()
        .filter(|(_, n)| *n >= 2)
        .map(|(k, n)| (k[0].clone().unwrap_or_default(), n))
        .collect();
    offenders.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    offenders.truncate(OFFENDERS);
    let mut repeat_offenders = Vec::new();
    for (id, count) in offenders {
        let name = id.parse().ok().map(|e| records::enterprise(tx, e)).transpose()?.flatten().map(|e| e.name);
        repeat_offenders.push(Named { name: name.unwrap_or_default(), id, count });
    }
    Ok(Dashboard {
        from,
        to,
        alarms_by_township_day,
        alarms_by_level,
        open_alarms,
        alarms_past_limit,
        tasks_by_state,
        overdue_tasks,
        overdue_task_list,
        response_by_level,
        response_by_township,
        inspections_by_squadron,
        repeat_offenders,
    })
}
