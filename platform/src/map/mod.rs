//! The live map (`GET /v1/map`): the county's township outlines and every enterprise in the caller's reach
//! that has a position, with what is open there (alarms, tasks, overdue tasks, today's inspections) and the
//! one state the map colours it by. The console draws it as SVG: no tiles, nothing from the internet.

use crate::access::{Caller, Reach};
use crate::app::{App, allow};
use crate::error::ApiError;
use crate::records;
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, FixedOffset, Utc};
use fieldcheck_domain::alarm::{Alarm, AlarmState};
use fieldcheck_domain::capability::Action;
use fieldcheck_domain::ids::EnterpriseId;
use fieldcheck_domain::organisation::Enterprise;
use fieldcheck_domain::rectification::RectificationTask;
use fieldcheck_domain::text::Text;
use fieldcheck_protocol::{Entity, SubmittedInspection};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::LazyLock;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new().routes(routes!(map))
}

/// The demo county's township outlines (GeoJSON, made up and simplified: see the file's `note`).
pub const OUTLINES: &str = include_str!("townships.geojson");

static PARSED: LazyLock<serde_json::Value> =
    LazyLock::new(|| serde_json::from_str(OUTLINES).expect("the built-in outlines are GeoJSON (tested)"));

/// The middle (mean of the outline's corners, as longitude, latitude) of the township with this code.
pub fn centre(code: &str) -> Option<(f64, f64)> {
    let feature = PARSED["features"].as_array()?.iter().find(|f| f["properties"]["code"] == code)?;
    let ring = feature["geometry"]["coordinates"][0].as_array()?;
    // The ring repeats its first point last.
    let points: Vec<(f64, f64)> = ring.iter().skip(1).filter_map(|p| Some((p[0].as_f64()?, p[1].as_f64()?))).collect();
    let n = points.len() as f64;
    (n > 0.0).then(|| (points.iter().map(|p| p.0).sum::<f64>() / n, points.iter().map(|p| p.1).sum::<f64>() / n))
}

/// What the map colours an enterprise by, most pressing first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MapState {
    Alarm,
    OverdueTask,
    OpenTask,
    InspectedToday,
    Clear,
}

impl MapState {
    pub fn label(self) -> Text {
        match self {
            MapState::Alarm => Text::new("报警未闭环", "open alarm"),
            MapState::OverdueTask => Text::new("整改逾期", "overdue task"),
            MapState::OpenTask => Text::new("整改中", "open task"),
            MapState::InspectedToday => Text::new("今日已检查", "inspected today"),
            MapState::Clear => Text::new("正常", "clear"),
        }
    }
}

/// What is open at one enterprise.
#[derive(Clone, Copy, Default)]
struct Open {
    alarms: u32,
    tasks: u32,
    overdue_tasks: u32,
    inspected_today: bool,
}

impl Open {
    fn state(&self) -> MapState {
        if self.alarms > 0 {
            MapState::Alarm
        } else if self.overdue_tasks > 0 {
            MapState::OverdueTask
        } else if self.tasks > 0 {
            MapState::OpenTask
        } else if self.inspected_today {
            MapState::InspectedToday
        } else {
            MapState::Clear
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
struct Marker {
    id: EnterpriseId,
    name: String,
    township: String,
    lat: f64,
    lon: f64,
    state: MapState,
    state_label: Text,
    open_alarms: u32,
    open_tasks: u32,
    overdue_tasks: u32,
    inspected_today: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
struct Map {
    outlines: serde_json::Value,
    enterprises: Vec<Marker>,
    /// Enterprises in reach without a position (not drawn).
    unplaced: usize,
}

/// Whether `at` falls on today's date in the county (China Standard Time).
fn today(at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    let china = FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    at.with_timezone(&china).date_naive() == now.with_timezone(&china).date_naive()
}

#[utoipa::path(
    get,
    path = "/v1/map",
    tag = "command centre",
    summary = "The live map: the county's township outlines (GeoJSON) and every enterprise in reach that has a position, with its open alarms, open and overdue tasks, whether it was inspected today (China Standard Time), and the state the map colours it by (officer, township office, command centre)",
    description = "state, most pressing first: alarm (an alarm not closed), overdue_task, open_task (a task not accepted), inspected_today, clear. The demo's outlines are made up and simplified.",
    responses(
        (status = 200, description = "the map", body = Map),
    )
)]
async fn map(State(app): State<App>, caller: Caller) -> Result<Json<Map>, ApiError> {
    allow(&caller, Action::ReadRisk)?;
    let outlines = PARSED.clone();
    let now = Utc::now();
    let (enterprises, open, towns) = app
        .db
        .read(move |tx| {
            let reach = Reach::of(tx, &caller.user)?;
            let mut open: HashMap<EnterpriseId, Open> = HashMap::new();
            for a in records::load_all::<Alarm>(tx, Entity::Alarm)? {
                if a.state != AlarmState::Closed {
                    open.entry(a.enterprise).or_default().alarms += 1;
                }
            }
            for t in records::load_all::<RectificationTask>(tx, Entity::Task)? {
                if !t.state.is_final() {
                    let o = open.entry(t.enterprise).or_default();
                    o.tasks += 1;
                    o.overdue_tasks += u32::from(t.is_overdue(now));
                }
            }
            for s in records::load_all::<SubmittedInspection>(tx, Entity::Inspection)? {
                let i = &s.inspection;
                if i.started_at.or(i.ended_at).is_some_and(|at| today(at, now)) {
                    open.entry(i.enterprise).or_default().inspected_today = true;
                }
            }
            let towns: HashMap<_, _> = records::townships(tx)?.into_iter().map(|t| (t.id, t.name)).collect();
            let mine: Vec<Enterprise> = records::load_all::<Enterprise>(tx, Entity::Enterprise)?
                .into_iter()
                .filter(|e| reach.covers_enterprise(e))
                .collect();
            Ok::<_, ApiError>((mine, open, towns))
        })
        .await?;
    let unplaced = enterprises.iter().filter(|e| e.location.is_none()).count();
    let mut markers: Vec<Marker> = enterprises
        .into_iter()
        .filter_map(|e| {
            let at = e.location?;
            let o = open.get(&e.id).copied().unwrap_or_default();
            let state = o.state();
            Some(Marker {
                id: e.id,
                name: e.name,
                township: towns.get(&e.township).cloned().unwrap_or_default(),
                lat: at.lat,
                lon: at.lon,
                state,
                state_label: state.label(),
                open_alarms: o.alarms,
                open_tasks: o.tasks,
                overdue_tasks: o.overdue_tasks,
                inspected_today: o.inspected_today,
            })
        })
        .collect();
    // The most pressing drawn last, on top.
    markers.sort_by_key(|m| std::cmp::Reverse(m.state));
    Ok(Json(Map { outlines, enterprises: markers, unplaced }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_outlines_name_every_demo_township_with_a_centre_inside_the_county() {
        for (code, name) in crate::demo::TOWNSHIPS {
            let feature = PARSED["features"].as_array().unwrap().iter().find(|f| f["properties"]["code"] == code);
            assert_eq!(feature.unwrap()["properties"]["name"], name);
            let (lon, lat) = centre(code).unwrap();
            assert!((119.8..120.3).contains(&lon) && (28.7..29.1).contains(&lat), "{name}: {lon}, {lat}");
        }
    }

    #[test]
    fn the_most_pressing_state_wins() {
        let open =
            |alarms, tasks, overdue_tasks, inspected_today| Open { alarms, tasks, overdue_tasks, inspected_today };
        assert_eq!(open(1, 2, 1, true).state(), MapState::Alarm);
        assert_eq!(open(0, 2, 1, true).state(), MapState::OverdueTask);
        assert_eq!(open(0, 2, 0, true).state(), MapState::OpenTask);
        assert_eq!(open(0, 0, 0, true).state(), MapState::InspectedToday);
        assert_eq!(Open::default().state(), MapState::Clear);
    }
}
