//! The live map (`GET /v1/map`): the county's township outlines and every enterprise in the caller's reach
//! that has a position, with what is open there (alarms, tasks, overdue tasks, today's inspections), the
//! one state the map colours it by and the record a click opens. The console draws it with Leaflet; the
//! outlines and an optional tile source come from configuration (`MapConfig`), nothing from the internet.

use crate::access::{Caller, Reach};
use crate::app::{App, allow};
use crate::error::ApiError;
use crate::records;
use axum::Json;
use axum::extract::State;
use axum::http::HeaderValue;
use chrono::{DateTime, Utc};
use fieldcheck_domain::alarm::{Alarm, AlarmState};
use fieldcheck_domain::capability::Action;
use fieldcheck_domain::ids::EnterpriseId;
use fieldcheck_domain::organisation::Enterprise;
use fieldcheck_domain::rectification::RectificationTask;
use fieldcheck_domain::text::Text;
use fieldcheck_protocol::{Entity, SubmittedInspection};
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, LazyLock};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new().routes(routes!(map))
}

/// The demo county's township outlines (GeoJSON, made up and simplified: see the file's `note`).
pub const OUTLINES: &str = include_str!("townships.geojson");

static PARSED: LazyLock<Arc<serde_json::Value>> =
    LazyLock::new(|| Arc::new(serde_json::from_str(OUTLINES).expect("the built-in outlines are GeoJSON (tested)")));

/// Tiles under the outlines: an XYZ URL template (`{z}`, `{x}`, `{y}`) on the county's own network.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Tiles {
    pub url: String,
    pub attribution: String,
}

/// What the map is drawn on (`serve --map-outlines FILE --map-tiles URL`): the township outlines, the demo's
/// built-in ones unless a GeoJSON file is given, and tiles when a source is given; the page's security
/// policy then allows images from the tile server's origin.
#[derive(Clone)]
pub struct MapConfig {
    pub outlines: Arc<serde_json::Value>,
    pub tiles: Option<Tiles>,
    pub csp: HeaderValue,
}

impl Default for MapConfig {
    fn default() -> Self {
        MapConfig { outlines: PARSED.clone(), tiles: None, csp: crate::console::csp(None) }
    }
}

impl MapConfig {
    pub fn load(outlines: Option<&Path>, tiles: Option<Tiles>) -> Result<Self, String> {
        let outlines = match outlines {
            None => PARSED.clone(),
            Some(path) => {
                let text =
                    std::fs::read_to_string(path).map_err(|e| format!("map outlines {}: {e}", path.display()))?;
                let value = serde_json::from_str(&text).map_err(|e| format!("map outlines {}: {e}", path.display()))?;
                check_outlines(&value).map_err(|e| format!("map outlines {}: {e}", path.display()))?;
                Arc::new(value)
            }
        };
        let origin = tiles.as_ref().map(|t| tile_origin(&t.url)).transpose()?.flatten();
        Ok(MapConfig { outlines, tiles, csp: crate::console::csp(origin.as_deref()) })
    }
}

/// A FeatureCollection whose features are named polygons (`properties.name`; `code` is optional).
fn check_outlines(v: &serde_json::Value) -> Result<(), String> {
    if v["type"] != "FeatureCollection" {
        return Err("not a GeoJSON FeatureCollection".into());
    }
    let features = v["features"].as_array().ok_or("no features")?;
    for (i, f) in features.iter().enumerate() {
        let kind = f["geometry"]["type"].as_str().unwrap_or_default();
        if !matches!(kind, "Polygon" | "MultiPolygon") || !f["geometry"]["coordinates"].is_array() {
            return Err(format!("feature {i} is not a Polygon or MultiPolygon"));
        }
        if !f["properties"]["name"].is_string() {
            return Err(format!("feature {i} has no properties.name"));
        }
    }
    Ok(())
}

/// The origin tiles come from (None for the platform's own), after checking the template.
fn tile_origin(url: &str) -> Result<Option<String>, String> {
    if !["{z}", "{x}", "{y}"].iter().all(|p| url.contains(p)) {
        return Err(format!("map tiles {url:?}: the URL template needs {{z}}, {{x}} and {{y}}"));
    }
    if url.starts_with('/') && !url.starts_with("//") {
        return Ok(None);
    }
    let uri: axum::http::Uri = url.replace(['{', '}'], "").parse().map_err(|e| format!("map tiles {url:?}: {e}"))?;
    match (uri.scheme_str(), uri.authority()) {
        (Some(scheme @ ("http" | "https")), Some(authority)) => Ok(Some(format!("{scheme}://{authority}"))),
        _ => Err(format!("map tiles {url:?}: an http(s) URL or a path on this server")),
    }
}

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

/// What is open at one enterprise, and the record each kind of marker opens (the latest of its kind).
#[derive(Clone, Copy, Default)]
struct Open {
    alarms: u32,
    tasks: u32,
    overdue_tasks: u32,
    inspected_today: bool,
    alarm: Option<(DateTime<Utc>, uuid::Uuid)>,
    task: Option<(DateTime<Utc>, uuid::Uuid)>,
    overdue_task: Option<(DateTime<Utc>, uuid::Uuid)>,
    inspection: Option<(DateTime<Utc>, uuid::Uuid)>,
}

/// Keeps the later of two (time, id) pairs.
fn latest(slot: &mut Option<(DateTime<Utc>, uuid::Uuid)>, at: DateTime<Utc>, id: uuid::Uuid) {
    if slot.is_none_or(|(t, _)| at > t) {
        *slot = Some((at, id));
    }
}

/// The record a marker's click opens.
#[derive(Serialize, utoipa::ToSchema)]
struct Opens {
    kind: &'static str,
    id: uuid::Uuid,
}

impl Open {
    fn opens(&self) -> Option<Opens> {
        let (kind, slot) = match self.state() {
            MapState::Alarm => ("alarm", self.alarm),
            MapState::OverdueTask => ("task", self.overdue_task),
            MapState::OpenTask => ("task", self.task),
            MapState::InspectedToday => ("inspection", self.inspection),
            MapState::Clear => return None,
        };
        slot.map(|(_, id)| Opens { kind, id })
    }

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
    /// The record a click opens: the latest open alarm, (overdue) task or today's inspection, as the state says.
    opens: Option<Opens>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct Map<'a> {
    outlines: &'a serde_json::Value,
    tiles: Option<Tiles>,
    enterprises: Vec<Marker>,
    /// Enterprises in reach without a position (not drawn).
    unplaced: usize,
}

/// Whether `at` falls on today's date in the county (China Standard Time).
fn today(at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    use fieldcheck_domain::legal_time::local;
    local(&at).date_naive() == local(&now).date_naive()
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
async fn map(State(app): State<App>, caller: Caller) -> Result<axum::response::Response, ApiError> {
    allow(&caller, Action::ReadRisk)?;
    let (outlines, tiles) = (app.map.outlines.clone(), app.map.tiles.clone());
    let now = Utc::now();
    let (enterprises, open, towns) = app
        .db
        .read(move |tx| {
            let reach = Reach::of(tx, &caller.user)?;
            let mut open: HashMap<EnterpriseId, Open> = HashMap::new();
            for a in records::load_all::<Alarm>(tx, Entity::Alarm)? {
                if a.state != AlarmState::Closed {
                    let o = open.entry(a.enterprise).or_default();
                    o.alarms += 1;
                    latest(&mut o.alarm, a.raised_at, a.id.0);
                }
            }
            for t in records::load_all::<RectificationTask>(tx, Entity::Task)? {
                if !t.state.is_final() {
                    let o = open.entry(t.enterprise).or_default();
                    o.tasks += 1;
                    latest(&mut o.task, t.issued_at, t.id.0);
                    if t.is_overdue(now) {
                        o.overdue_tasks += 1;
                        latest(&mut o.overdue_task, t.issued_at, t.id.0);
                    }
                }
            }
            for s in records::load_all::<SubmittedInspection>(tx, Entity::Inspection)? {
                let i = &s.inspection;
                if let Some(at) = i.started_at.or(i.ended_at).filter(|at| today(*at, now)) {
                    let o = open.entry(i.enterprise).or_default();
                    o.inspected_today = true;
                    latest(&mut o.inspection, at, i.id.0);
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
                opens: o.opens(),
            })
        })
        .collect();
    // The most pressing drawn last, on top.
    markers.sort_by_key(|m| std::cmp::Reverse(m.state));
    use axum::response::IntoResponse;
    Ok(Json(Map { outlines: &outlines, tiles, enterprises: markers, unplaced }).into_response())
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
        let open = |alarms, tasks, overdue_tasks, inspected_today| Open {
            alarms,
            tasks,
            overdue_tasks,
            inspected_today,
            ..Open::default()
        };
        assert_eq!(open(1, 2, 1, true).state(), MapState::Alarm);
        assert_eq!(open(0, 2, 1, true).state(), MapState::OverdueTask);
        assert_eq!(open(0, 2, 0, true).state(), MapState::OpenTask);
        assert_eq!(open(0, 0, 0, true).state(), MapState::InspectedToday);
        assert_eq!(Open::default().state(), MapState::Clear);
    }

    #[test]
    fn a_tile_source_adds_its_origin_to_the_policy_and_bad_ones_are_refused() {
        assert_eq!(
            tile_origin("https://tiles.county.example:8443/{z}/{x}/{y}.png").unwrap().as_deref(),
            Some("https://tiles.county.example:8443")
        );
        assert_eq!(tile_origin("/tiles/{z}/{x}/{y}.png").unwrap(), None);
        assert!(tile_origin("https://tiles.example/{z}/{x}.png").is_err());
        assert!(tile_origin("ftp://tiles.example/{z}/{x}/{y}.png").is_err());
        let config = MapConfig::load(
            None,
            Some(Tiles { url: "http://10.0.0.5/{z}/{x}/{y}.png".into(), attribution: String::new() }),
        );
        assert!(config.unwrap().csp.to_str().unwrap().contains("img-src 'self' data: blob: http://10.0.0.5;"));
    }

    #[test]
    fn outlines_from_a_file_must_be_named_polygons() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("towns.geojson");
        std::fs::write(&path, r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"A"},"geometry":{"type":"Point","coordinates":[1,2]}}]}"#).unwrap();
        let refused = MapConfig::load(Some(&path), None).err().expect("refused");
        assert!(refused.contains("feature 0 is not a Polygon"), "{refused}");
        std::fs::write(&path, OUTLINES).unwrap();
        assert_eq!(MapConfig::load(Some(&path), None).unwrap().outlines["features"].as_array().unwrap().len(), 16);
    }
}
