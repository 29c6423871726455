//! The live map (`GET /v1/map`) in layers: the county's township outlines; every enterprise in the caller's
//! reach that has a position, coloured by the most pressing state there; and each open alarm, open task,
//! overdue task and inspection of today as a marker of its own at its enterprise (read in SQL from the typed
//! tables, `sql`). The console draws each layer with Leaflet and toggles it; the outlines and an optional
//! tile source come from configuration (`MapConfig`), nothing from the internet.

use crate::access::{Caller, Reach};
use crate::app::{App, allow};
use crate::db::StoreError;
use crate::error::ApiError;
use crate::records;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::HeaderValue;
use chrono::{DateTime, Utc};
use fieldcheck_domain::alarm::AlarmState;
use fieldcheck_domain::capability::Action;
use fieldcheck_domain::finding::Severity;
use fieldcheck_domain::ids::EnterpriseId;
use fieldcheck_domain::rectification::TaskState;
use fieldcheck_domain::text::Text;
use fieldcheck_domain::visibility::ScopeKeys;
use fieldcheck_protocol::Entity;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, LazyLock};
use utoipa_axum::{router::OpenApiRouter, routes};

pub mod county;
mod sql;

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

/// The map's layers, each drawn and toggled on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    Outlines,
    Enterprises,
    Alarms,
    Tasks,
    OverdueTasks,
    Inspections,
}

impl Layer {
    pub const ALL: [Layer; 6] =
        [Layer::Outlines, Layer::Enterprises, Layer::Alarms, Layer::Tasks, Layer::OverdueTasks, Layer::Inspections];

    fn name(self) -> &'static str {
        match self {
            Layer::Outlines => "outlines",
            Layer::Enterprises => "enterprises",
            Layer::Alarms => "alarms",
            Layer::Tasks => "tasks",
            Layer::OverdueTasks => "overdue_tasks",
            Layer::Inspections => "inspections",
        }
    }

    pub fn label(self) -> Text {
        match self {
            Layer::Outlines => Text::new("乡镇边界", "township outlines"),
            Layer::Enterprises => Text::new("企业", "enterprises"),
            Layer::Alarms => Text::new("未闭环报警", "open alarms"),
            Layer::Tasks => Text::new("整改中任务", "open tasks"),
            Layer::OverdueTasks => Text::new("逾期任务", "overdue tasks"),
            Layer::Inspections => Text::new("今日检查", "today's inspections"),
        }
    }

    /// The layers a request names (`outlines,alarms`), every one when it names none; an unknown name is a 400.
    fn parse(asked: Option<&str>) -> Result<Vec<Layer>, ApiError> {
        let names: Vec<&str> = asked.unwrap_or("").split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
        if names.is_empty() {
            return Ok(Layer::ALL.to_vec());
        }
        names
            .into_iter()
            .map(|n| {
                Layer::ALL.into_iter().find(|l| l.name() == n).ok_or_else(|| {
                    let known: Vec<&str> = Layer::ALL.iter().map(|l| l.name()).collect();
                    ApiError::bad_request(format!("unknown map layer {n:?}: one of {}", known.join(", ")))
                })
            })
            .collect()
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct MapParams {
    /// The layers to send, separated by commas (`outlines`, `enterprises`, `alarms`, `tasks`, `overdue_tasks`,
    /// `inspections`); all when absent. Every layer is counted either way.
    layers: Option<String>,
}

/// A layer's label and how many markers it has.
#[derive(Serialize, utoipa::ToSchema)]
struct LayerCount {
    layer: Layer,
    label: Text,
    count: usize,
    /// Whether its markers are in this answer.
    sent: bool,
}

/// What the map reads of a stored enterprise.
#[derive(Deserialize)]
struct Placement {
    id: EnterpriseId,
    name: String,
    township: fieldcheck_domain::ids::TownshipId,
    location: Option<fieldcheck_domain::geo::GeoFix>,
}

/// One enterprise's marker.
struct EnterpriseMarker {
    id: EnterpriseId,
    name: String,
    town: usize,
    lat: f64,
    lon: f64,
    state: MapState,
}

/// The enterprises' markers by column, so thousands cost no repeated keys: the `i`th enterprise is
/// `id[i]`, `name[i]`, … . `town` indexes `townships`; positions are rounded to about a metre.
#[derive(Default, Serialize, utoipa::ToSchema)]
struct EnterpriseColumns {
    id: Vec<EnterpriseId>,
    name: Vec<String>,
    town: Vec<usize>,
    lat: Vec<f64>,
    lon: Vec<f64>,
    state: Vec<MapState>,
}

impl EnterpriseColumns {
    fn of(markers: Vec<EnterpriseMarker>) -> Self {
        let mut c = EnterpriseColumns::default();
        for m in markers {
            c.id.push(m.id);
            c.name.push(m.name);
            c.town.push(m.town);
            c.lat.push(m.lat);
            c.lon.push(m.lon);
            c.state.push(m.state);
        }
        c
    }
}

/// A record placed at its enterprise: an open alarm, an open or overdue task, an inspection of today.
#[derive(Serialize, utoipa::ToSchema)]
struct RecordMarker {
    id: String,
    enterprise: String,
    /// The enterprise's name.
    name: String,
    lat: f64,
    lon: f64,
    /// Its state's stable name and label.
    state: String,
    state_label: Text,
    /// An alarm's level, a task's severity (stable names, with the label), an inspection's kind.
    grade: String,
    grade_label: Option<Text>,
    /// Raised (alarm), deadline (task), started (inspection).
    at: DateTime<Utc>,
    /// An alarm past its response limit, a task past its deadline.
    overdue: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
struct Map<'a> {
    /// The township outlines (GeoJSON), when the `outlines` layer is asked for.
    outlines: Option<&'a serde_json::Value>,
    tiles: Option<Tiles>,
    layers: Vec<LayerCount>,
    /// Township names, which `enterprises.town` indexes.
    townships: Vec<String>,
    /// Most pressing last (drawn on top).
    enterprises: EnterpriseColumns,
    alarms: Vec<RecordMarker>,
    tasks: Vec<RecordMarker>,
    overdue_tasks: Vec<RecordMarker>,
    inspections: Vec<RecordMarker>,
    /// Enterprises in reach without a position (not drawn).
    unplaced: usize,
}

/// Today in the county (the legal zone, `fieldcheck_domain::legal_time`) as a UTC range.
pub fn today(now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    use fieldcheck_domain::legal_time::{local, offset};
    let day = local(&now).date_naive();
    let start = day.and_hms_opt(0, 0, 0).unwrap_or_default().and_local_timezone(offset()).single().map(|t| t.to_utc());
    let start = start.unwrap_or(now);
    (start, start + chrono::Duration::days(1))
}

fn rounded(x: f64) -> f64 {
    (x * 1e5).round() / 1e5
}

#[utoipa::path(
    get,
    path = "/v1/map",
    tag = "command centre",
    summary = "The live map in layers: the county's township outlines (GeoJSON), every enterprise in reach with a position coloured by its most pressing state, and each open alarm, open task, overdue task and inspection of today (China Standard Time) at its enterprise (officer, township office, command centre)",
    description = "An enterprise's state, most pressing first: alarm (an alarm not closed), overdue_task, open_task (a task not accepted), inspected_today, clear. Records are scoped to the caller as its lists are. `layers` picks what is sent; every layer is counted. The demo's outlines are made up and simplified.",
    params(MapParams),
    responses(
        (status = 200, description = "the map", body = Map),
    )
)]
async fn map(
    State(app): State<App>,
    caller: Caller,
    Query(p): Query<MapParams>,
) -> Result<axum::response::Response, ApiError> {
    allow(&caller, Action::ReadRisk)?;
    let layers = Layer::parse(p.layers.as_deref())?;
    crate::lists::ensure_built(&app).await?;
    let (outlines, tiles) = (app.map.outlines.clone(), app.map.tiles.clone());
    let now = Utc::now();
    let (enterprises, alarms, tasks, inspections, towns) = app
        .db
        .read(move |tx| {
            let reach = Reach::of(tx, &caller.user)?;
            let visibility = reach.filter();
            let alarms = sql::open_alarms(tx, &visibility, now)?;
            let tasks = sql::open_tasks(tx, &visibility, now)?;
            let (from, to) = today(now);
            let inspections = sql::inspections_between(tx, &visibility, from, to)?;
            let towns: Vec<(fieldcheck_domain::ids::TownshipId, String)> =
                records::townships(tx)?.into_iter().map(|t| (t.id, t.name)).collect();
            // Only what the map draws of each enterprise is read from its stored JSON.
            let mut mine: Vec<Placement> = Vec::new();
            for json in tx.list(Entity::Enterprise)? {
                let e: Placement = serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                if reach.sees(&ScopeKeys::enterprise_in(e.id, e.township)) {
                    mine.push(e);
                }
            }
            Ok::<_, ApiError>((mine, alarms, tasks, inspections, towns))
        })
        .await?;
    let mut open: HashMap<&str, Open> = HashMap::new();
    for a in &alarms {
        open.entry(&a.enterprise).or_default().alarms += 1;
    }
    for t in &tasks {
        let o = open.entry(&t.enterprise).or_default();
        o.tasks += 1;
        o.overdue_tasks += u32::from(t.overdue);
    }
    for i in &inspections {
        open.entry(&i.enterprise).or_default().inspected_today = true;
    }
    let town_index: HashMap<_, usize> = towns.iter().enumerate().map(|(i, (id, _))| (*id, i)).collect();
    let unplaced = enterprises.iter().filter(|e| e.location.is_none()).count();
    let ids: Vec<String> = enterprises.iter().map(|e| e.id.to_string()).collect();
    let placed: HashMap<&str, &Placement> =
        ids.iter().zip(&enterprises).filter(|(_, e)| e.location.is_some()).map(|(id, e)| (id.as_str(), e)).collect();
    let mut markers: Vec<EnterpriseMarker> = placed
        .iter()
        .filter_map(|(id, e)| {
            let at = e.location?;
            Some(EnterpriseMarker {
                id: e.id,
                name: e.name.clone(),
                town: town_index.get(&e.township).copied().unwrap_or(usize::MAX),
                lat: rounded(at.lat),
                lon: rounded(at.lon),
                state: open.get(id).copied().unwrap_or_default().state(),
            })
        })
        .collect();
    // The most pressing drawn last, on top; then by name, so the answer is stable.
    markers.sort_by(|a, b| b.state.cmp(&a.state).then_with(|| a.name.cmp(&b.name)));
    let place = |rows: Vec<sql::Placed>, label: &dyn Fn(&sql::Placed) -> (Text, Option<Text>)| -> Vec<RecordMarker> {
        rows.into_iter()
            .filter_map(|r| {
                let e = placed.get(r.enterprise.as_str())?;
                let at = e.location?;
                let (state_label, grade_label) = label(&r);
                Some(RecordMarker {
                    name: e.name.clone(),
                    lat: rounded(at.lat),
                    lon: rounded(at.lon),
                    state_label,
                    grade_label,
                    id: r.id,
                    enterprise: r.enterprise,
                    state: r.state,
                    grade: r.grade,
                    at: r.at,
                    overdue: r.overdue,
                })
            })
            .collect()
    };
    let level = |r: &sql::Placed| r.grade.parse::<Severity>().ok().map(Severity::label);
    let unknown = |r: &sql::Placed| Text::new(r.state.clone(), r.state.clone());
    let alarms = place(alarms, &|r| {
        (r.state.parse::<AlarmState>().map(AlarmState::label).unwrap_or_else(|_| unknown(r)), level(r))
    });
    let task_label =
        |r: &sql::Placed| (r.state.parse::<TaskState>().map(TaskState::label).unwrap_or_else(|_| unknown(r)), level(r));
    let (overdue, tasks): (Vec<_>, Vec<_>) = tasks.into_iter().partition(|t| t.overdue);
    let (tasks, overdue_tasks) = (place(tasks, &task_label), place(overdue, &task_label));
    let inspections = place(inspections, &|_| (MapState::InspectedToday.label(), None));
    let counts = [
        (Layer::Outlines, outlines["features"].as_array().map_or(0, Vec::len)),
        (Layer::Enterprises, markers.len()),
        (Layer::Alarms, alarms.len()),
        (Layer::Tasks, tasks.len()),
        (Layer::OverdueTasks, overdue_tasks.len()),
        (Layer::Inspections, inspections.len()),
    ];
    let sent = |l: Layer| layers.contains(&l);
    let keep = |l: Layer, v: Vec<RecordMarker>| if sent(l) { v } else { Vec::new() };
    let map = Map {
        outlines: sent(Layer::Outlines).then_some(&*outlines),
        tiles,
        layers: counts
            .into_iter()
            .map(|(layer, count)| LayerCount { layer, label: layer.label(), count, sent: sent(layer) })
            .collect(),
        townships: towns.into_iter().map(|(_, n)| n).collect(),
        enterprises: EnterpriseColumns::of(if sent(Layer::Enterprises) { markers } else { Vec::new() }),
        alarms: keep(Layer::Alarms, alarms),
        tasks: keep(Layer::Tasks, tasks),
        overdue_tasks: keep(Layer::OverdueTasks, overdue_tasks),
        inspections: keep(Layer::Inspections, inspections),
        unplaced,
    };
    use axum::response::IntoResponse;
    Ok(Json(map).into_response())
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

    #[test]
    fn today_is_the_county_day_in_utc() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        assert_eq!(today(at("2026-12-04T17:30:00Z")), (at("2026-12-04T16:00:00Z"), at("2026-12-05T16:00:00Z")));
        assert_eq!(today(at("2026-12-04T15:59:59Z")), (at("2026-12-03T16:00:00Z"), at("2026-12-04T16:00:00Z")));
    }

    #[test]
    fn layers_are_named_or_refused() {
        assert_eq!(Layer::parse(None).unwrap(), Layer::ALL.to_vec());
        assert_eq!(Layer::parse(Some("alarms, outlines")).unwrap(), vec![Layer::Alarms, Layer::Outlines]);
        assert!(Layer::parse(Some("alarms,roads")).unwrap_err().message.contains("roads"));
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
