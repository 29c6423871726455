//! The alarm intake as the monitoring side speaks: the enterprise named by its unified social credit
//! code (统一社会信用代码, check character verified) and the monitoring point by its code, the limit taken
//! from the point's registered limits when the report carries none. The platform's own UUID form keeps
//! working for existing clients. Also the monitoring points themselves (`/v1/enterprises/{id}/monitoring-points`).

use crate::access::{Caller, Reach};
use crate::app::{App, allow};
use crate::db::Filter;
use crate::db::registers::{self, RegisterQuery};
use crate::db::{AuditRow, Tx};
use crate::error::{ApiError, JsonBody};
use crate::records;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use fieldcheck_domain::alarm::{AlarmKind, Averaging};
use fieldcheck_domain::capability::Action;
use fieldcheck_domain::credit_code::CreditCode;
use fieldcheck_domain::decide::alarm::RaiseAlarm;
use fieldcheck_domain::ids::EnterpriseId;
use fieldcheck_domain::organisation::Enterprise;
use fieldcheck_domain::supervision::monitoring::{MonitoringPoint, MonitoringPoints, wire_number};
use fieldcheck_protocol::{Entity, Record};
use serde::Deserialize;

/// An alarm report: `credit_code` (or the platform's `enterprise` id), the point's code, the pollutant
/// and the measured value; `limit`, `unit` and `averaging` default to the point's registered limit.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
pub struct Intake {
    #[serde(default)]
    pub enterprise: Option<EnterpriseId>,
    #[serde(default)]
    pub credit_code: Option<String>,
    pub kind: AlarmKind,
    pub monitoring_point: String,
    pub pollutant: String,
    pub value: f64,
    #[serde(default)]
    pub limit: Option<f64>,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub averaging: Option<Averaging>,
    #[serde(default)]
    pub raised_at: Option<DateTime<Utc>>,
}

fn unprocessable(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
}

/// The enterprise with this credit code (found through the enterprises register's index).
pub fn by_credit_code(tx: &mut dyn Tx, code: &CreditCode) -> Result<Option<Enterprise>, ApiError> {
    let query = RegisterQuery { credit_code: Some(code.to_string()), limit: 1, ..RegisterQuery::default() };
    let found = registers::enterprise_page(tx, &query, &Filter::All)?.ids;
    match found.first() {
        Some(id) => Ok(records::load(tx, Entity::Enterprise, id)?),
        None => Ok(None),
    }
}

/// An enterprise's registered monitoring points (none when never set).
pub fn points_of(tx: &mut dyn Tx, enterprise: EnterpriseId) -> Result<MonitoringPoints, ApiError> {
    Ok(records::load(tx, Entity::MonitoringPoints, &enterprise.to_string())?
        .unwrap_or(MonitoringPoints { enterprise, points: Vec::new() }))
}

/// Turns a report into the domain's [`RaiseAlarm`], refusing unknown codes with typed errors:
/// `invalid_credit_code`, `unknown_credit_code`, `unknown_monitoring_point`, `unknown_pollutant` (422).
pub fn resolve(tx: &mut dyn Tx, req: Intake) -> Result<RaiseAlarm, ApiError> {
    let by_code = match &req.credit_code {
        Some(raw) => {
            let code = CreditCode::parse(raw).map_err(|e| unprocessable("invalid_credit_code", e.to_string()))?;
            let e = by_credit_code(tx, &code)?.ok_or_else(|| {
                unprocessable(
                    "unknown_credit_code",
                    format!("no enterprise has credit code {} / 无此信用代码的企业", code.as_str()),
                )
            })?;
            if req.enterprise.is_some_and(|id| id != e.id) {
                return Err(unprocessable("invalid", "enterprise and credit_code name different enterprises"));
            }
            Some(e.id)
        }
        None => None,
    };
    let Some(enterprise) = by_code.or(req.enterprise) else {
        return Err(unprocessable(
            "invalid",
            "name the enterprise by credit_code (or enterprise id) / 须提供统一社会信用代码",
        ));
    };
    let points = points_of(tx, enterprise)?;
    let point = points.point(&req.monitoring_point);
    // Named by credit code, the point must be registered; the UUID form keeps free-text points.
    if by_code.is_some() && point.is_none() {
        return Err(unprocessable(
            "unknown_monitoring_point",
            format!("the enterprise has no monitoring point {:?} / 无此监测点位", req.monitoring_point.trim()),
        ));
    }
    let registered = point.and_then(|p| p.limit(&req.pollutant));
    let limit = match (req.limit, registered) {
        (Some(l), _) => l,
        (None, Some(r)) => wire_number(r.limit),
        (None, None) => {
            return Err(unprocessable(
                "unknown_pollutant",
                format!(
                    "no limit given and none registered for {:?} at this point / 未登记该污染物限值",
                    req.pollutant.trim()
                ),
            ));
        }
    };
    let averaging = req.averaging.or(registered.map(|r| r.averaging)).unwrap_or(Averaging::Hourly);
    let unit = req.unit.or_else(|| registered.map(|r| r.unit.clone())).unwrap_or_default();
    Ok(RaiseAlarm {
        enterprise,
        kind: req.kind,
        monitoring_point: point.map_or_else(|| req.monitoring_point.clone(), |p| p.code.clone()),
        pollutant: req.pollutant,
        value: req.value,
        limit,
        unit,
        averaging,
        raised_at: req.raised_at,
    })
}

/// Stores an enterprise's points, audited.
pub fn save_points(tx: &mut dyn Tx, points: MonitoringPoints, by: &str, at: DateTime<Utc>) -> Result<(), ApiError> {
    records::save(tx, &Record::MonitoringPoints(points.clone()))?;
    let codes: Vec<&str> = points.points.iter().map(|p| p.code.as_str()).collect();
    tx.audit(&AuditRow {
        entity: "enterprise".into(),
        id: points.enterprise.to_string(),
        action: "set_monitoring_points".into(),
        from_state: None,
        to_state: None,
        user: by.into(),
        device: None,
        at,
        note: codes.join(", "),
    })?;
    Ok(())
}

#[utoipa::path(
    get,
    path = "/v1/enterprises/{id}/monitoring-points",
    tag = "supervision",
    summary = "The enterprise's monitoring points (排放口) with each pollutant's limit",
    params(
        ("id" = uuid::Uuid, Path, description = "enterprise"),
    ),
    responses(
        (status = 200, description = "the points", body = Vec<fieldcheck_domain::supervision::monitoring::MonitoringPoint>),
    )
)]
/// `GET /v1/enterprises/{id}/monitoring-points`: the enterprise's points and limits (enforcement in reach).
pub async fn points(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<EnterpriseId>,
) -> Result<Json<Vec<MonitoringPoint>>, ApiError> {
    allow(&caller, Action::ReadRisk)?;
    let points = app
        .db
        .read(move |tx| {
            let reach = Reach::of(tx, &caller.user)?;
            let e = records::enterprise(tx, id)?.filter(|e| reach.covers_enterprise(e));
            e.ok_or_else(|| ApiError::not_found("enterprise not found"))?;
            points_of(tx, id)
        })
        .await?;
    Ok(Json(points.points))
}

/// The points an enterprise has, replacing what it had.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PointsBody {
    pub points: Vec<MonitoringPoint>,
}

#[utoipa::path(
    put,
    path = "/v1/enterprises/{id}/monitoring-points",
    tag = "supervision",
    summary = "Replace the enterprise's monitoring points (command centre), audited; the alarm intake finds points and limits here",
    params(
        ("id" = uuid::Uuid, Path, description = "enterprise"),
    ),
    request_body = PointsBody,
    responses(
        (status = 200, description = "the points as stored", body = Vec<fieldcheck_domain::supervision::monitoring::MonitoringPoint>),
    )
)]
/// `PUT /v1/enterprises/{id}/monitoring-points` (command centre): replaces the enterprise's points.
pub async fn set_points(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<EnterpriseId>,
    JsonBody(body): JsonBody<PointsBody>,
) -> Result<Json<Vec<MonitoringPoint>>, ApiError> {
    allow(&caller, Action::ManageMonitoringPoints)?;
    let points = MonitoringPoints::new(id, body.points)?;
    let saved = app
        .db
        .write(move |tx| {
            records::enterprise(tx, id)?.ok_or_else(|| ApiError::not_found("enterprise not found"))?;
            save_points(tx, points.clone(), &caller.user.id.to_string(), Utc::now())?;
            Ok(points)
        })
        .await?;
    Ok(Json(saved.points))
}
