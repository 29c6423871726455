//! Patrol grids (网格包干) and their coverage: per enterprise in a grid, when it was last visited (its
//! last submitted inspection) and whether a visit is overdue.

use crate::access::Caller;
use crate::app::{App, allow};
use crate::db::{AuditRow, tables};
use crate::error::{ApiError, JsonBody};
use crate::records;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::Utc;
use fieldcheck_domain::capability::Action;
use fieldcheck_domain::ids::{EnterpriseId, GridId, UserId};
use fieldcheck_domain::organisation::{Enterprise, Role, User};
use fieldcheck_domain::supervision::grid::{self, Coverage, DEFAULT_INTERVAL_DAYS, Grid};
use fieldcheck_protocol::{Entity, Record};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A grid to create, or to replace when `id` names an existing one.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GridRequest {
    #[serde(default)]
    pub id: Option<GridId>,
    pub name: String,
    /// An officer or a township office user.
    pub owner: UserId,
    pub enterprises: Vec<EnterpriseId>,
}

#[utoipa::path(
    post,
    path = "/v1/grids",
    tag = "supervision",
    summary = "Create a patrol grid (网格包干), or replace the one `id` names (command centre), audited: a named set of enterprises an officer or township office patrols",
    request_body = GridRequest,
    responses(
        (status = 201, description = "the grid", body = Grid),
    )
)]
/// `POST /v1/grids` (command centre): creates or replaces a grid, audited.
pub async fn create(
    State(app): State<App>,
    caller: Caller,
    JsonBody(req): JsonBody<GridRequest>,
) -> Result<(StatusCode, Json<Grid>), ApiError> {
    allow(&caller, Action::ManageGrids)?;
    let grid = app
        .db
        .write(move |tx| {
            let grid = Grid::new(req.id.unwrap_or_default(), &req.name, req.owner, req.enterprises)?;
            let owner = records::load::<User>(tx, Entity::User, &grid.owner.to_string())?
                .ok_or_else(|| ApiError::not_found("owner not found"))?;
            if !matches!(owner.role, Role::Officer | Role::Township) {
                let reason = "a grid's owner is an officer or a township office / 网格责任人须为执法人员或乡镇生态所";
                return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", reason));
            }
            for e in &grid.enterprises {
                records::enterprise(tx, *e)?.ok_or_else(|| ApiError::not_found(format!("enterprise {e} not found")))?;
            }
            let before = records::load::<Grid>(tx, Entity::Grid, &grid.id.to_string())?;
            records::save(tx, &Record::Grid(grid.clone()))?;
            tx.audit(&AuditRow {
                entity: "grid".into(),
                id: grid.id.to_string(),
                action: if before.is_some() { "replace" } else { "create" }.into(),
                from_state: None,
                to_state: None,
                user: caller.user.id.to_string(),
                device: caller.device.map(|d| d.to_string()),
                at: Utc::now(),
                note: format!("{} ({} enterprises) → {}", grid.name, grid.enterprises.len(), owner.name),
            })?;
            Ok(grid)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(grid)))
}

/// The grids the caller sees: all for the command centre, its own for anyone else.
fn sees(caller: &Caller, g: &Grid) -> bool {
    caller.user.role == Role::Commander || g.owner == caller.user.id
}

#[utoipa::path(
    get,
    path = "/v1/grids",
    tag = "supervision",
    summary = "Patrol grids: all for the command centre, the caller's own for an officer or township office",
    responses(
        (status = 200, description = "the grids", body = Vec<Grid>),
    )
)]
/// `GET /v1/grids`.
pub async fn list(State(app): State<App>, caller: Caller) -> Result<Json<Vec<Grid>>, ApiError> {
    allow(&caller, Action::ReadCoverage)?;
    let mut grids: Vec<Grid> = app.db.read(|tx| Ok(records::load_all(tx, Entity::Grid)?)).await?;
    grids.retain(|g| sees(&caller, g));
    grids.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Json(grids))
}

#[derive(Deserialize)]
pub struct CoverageQuery {
    /// A member not visited for longer is overdue (default 30 days).
    #[serde(default)]
    interval_days: Option<u32>,
}

/// One member's row.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CoverageRow {
    #[serde(flatten)]
    pub coverage: Coverage,
    pub name: String,
}

/// A grid's coverage.
#[derive(Serialize, utoipa::ToSchema)]
pub struct GridCoverage {
    pub grid: Grid,
    pub interval_days: u32,
    pub visited: usize,
    pub overdue: usize,
    /// Overdue first, then longest unvisited first.
    pub enterprises: Vec<CoverageRow>,
}

#[utoipa::path(
    get,
    path = "/v1/grids/{id}/coverage",
    tag = "supervision",
    summary = "A grid's coverage: each enterprise with its last visit (last submitted inspection) and whether a visit is overdue, overdue first",
    params(
        ("id" = uuid::Uuid, Path, description = "grid"),
        ("interval_days" = Option<u64>, Query, description = "a member not visited for longer is overdue"),
    ),
    responses(
        (status = 200, description = "the coverage", body = GridCoverage),
    )
)]
/// `GET /v1/grids/{id}/coverage?interval_days=30`.
pub async fn coverage(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<GridId>,
    Query(q): Query<CoverageQuery>,
) -> Result<Json<GridCoverage>, ApiError> {
    allow(&caller, Action::ReadCoverage)?;
    let interval_days = q.interval_days.unwrap_or(DEFAULT_INTERVAL_DAYS);
    let out = app
        .db
        .read(move |tx| {
            let grid = records::load::<Grid>(tx, Entity::Grid, &id.to_string())?
                .filter(|g| sees(&caller, g))
                .ok_or_else(|| ApiError::not_found("grid not found"))?;
            let members: Vec<String> = grid.enterprises.iter().map(|e| e.to_string()).collect();
            let last = tables::last_visits(tx, &members)?
                .into_iter()
                .filter_map(|(e, at)| Some((e.parse::<EnterpriseId>().ok()?, at)))
                .collect();
            let rows = grid::coverage(&grid, &last, interval_days, Utc::now())?;
            let mut names: HashMap<String, String> =
                records::load_many::<Enterprise>(tx, Entity::Enterprise, &members)?
                    .into_iter()
                    .map(|(id, e)| (id, e.name))
                    .collect();
            let enterprises: Vec<CoverageRow> = rows
                .into_iter()
                .map(|coverage| {
                    let name = names.remove(&coverage.enterprise.to_string()).unwrap_or_default();
                    CoverageRow { coverage, name }
                })
                .collect();
            let overdue = enterprises.iter().filter(|r| r.coverage.overdue).count();
            let visited = enterprises.iter().filter(|r| r.coverage.last_visit.is_some()).count();
            Ok(GridCoverage { grid, interval_days, visited, overdue, enterprises })
        })
        .await?;
    Ok(Json(out))
}
