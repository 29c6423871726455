//! Double-random draws (双随机一公开): the command centre draws N enterprises per squadron, weighted by
//! risk, with teams of certified officers; the draw is stored with everything it read (audited), its
//! assignments go to the drawn officers' phones, and anyone may re-run it from the record to verify.

use super::risk::County;
use crate::access::Caller;
use crate::app::{App, allow};
use crate::db::{AuditRow, Tx};
use crate::error::ApiError;
use crate::records;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{Duration, Utc};
use fieldcheck_domain::capability::Action;
use fieldcheck_domain::ids::{DrawId, SquadronId};
use fieldcheck_domain::limits::{DRAW_DUE_DAYS, DRAW_SQUADRONS_MAX};
use fieldcheck_domain::organisation::{Role, Scope, User};
use fieldcheck_domain::supervision::assignment::Draw;
use fieldcheck_domain::supervision::draw::{
    self, ALGORITHM, Candidate, DrawInput, PoolOfficer, SquadronInput, SquadronResult,
};
use fieldcheck_protocol::{Entity, Record};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// What the commander asks for.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DrawRequest {
    /// N: enterprises to draw per squadron.
    pub per_squadron: u32,
    /// Squadrons to draw for; all when absent.
    #[serde(default)]
    pub squadrons: Option<Vec<SquadronId>>,
    /// Days the drawn inspections are given (default 30).
    #[serde(default = "default_due_days")]
    pub due_days: u32,
    /// 64 hex digits, e.g. a publicly announced number; a fresh random seed when absent.
    #[serde(default)]
    pub seed: Option<String>,
}

fn default_due_days() -> u32 {
    30
}

/// A draw with the names a person reads it by.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DrawView {
    #[serde(flatten)]
    pub draw: Draw,
    /// Names of the enterprises, officers and squadrons the draw mentions, by id.
    pub names: BTreeMap<String, String>,
}

/// The outcome of re-running a recorded draw.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Verification {
    pub draw: DrawId,
    /// Whether the re-run gave exactly the recorded result.
    pub matches: bool,
    pub algorithm: String,
    pub recorded: Vec<SquadronResult>,
    pub recomputed: Vec<SquadronResult>,
}

fn invalid(message: String) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
}

fn random_seed() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "no_randomness", e.to_string()))?;
    Ok(draw::seed_hex(bytes))
}

/// Everything the draw reads, from the stored county: each squadron's enterprises with their risk
/// weights and its certified officers, both in id order.
fn input(tx: &mut dyn Tx, req: &DrawRequest, seed: String) -> Result<DrawInput, ApiError> {
    let mut squadrons = records::squadrons(tx)?;
    squadrons.sort_by_key(|s| s.id);
    if let Some(wanted) = &req.squadrons {
        if wanted.len() > DRAW_SQUADRONS_MAX {
            return Err(invalid(format!("more than {DRAW_SQUADRONS_MAX} squadrons")));
        }
        let known: HashSet<_> = squadrons.iter().map(|s| s.id).collect();
        if let Some(unknown) = wanted.iter().find(|s| !known.contains(s)) {
            return Err(ApiError::not_found(format!("squadron {unknown} not found")));
        }
        squadrons.retain(|s| wanted.contains(&s.id));
    }
    let county = County::load(tx, Utc::now(), None)?;
    let users: Vec<User> = records::load_all(tx, Entity::User)?;
    let mut out = Vec::with_capacity(squadrons.len());
    for s in squadrons {
        let mut candidates: Vec<Candidate> = county
            .enterprises
            .iter()
            .filter(|e| s.townships.contains(&e.township))
            .map(|e| Candidate { enterprise: e.id, weight: county.index(e).draw_weight() })
            .collect();
        candidates.sort_by_key(|c| c.enterprise);
        let mut officers: Vec<PoolOfficer> = users
            .iter()
            .filter(|u| u.role == Role::Officer && u.scope == Scope::Squadron { squadron: s.id })
            .filter_map(|u| {
                let cert = u.certificate_no.as_deref().map(str::trim).filter(|c| !c.is_empty())?;
                Some(PoolOfficer { user: u.id, certificate_no: cert.to_string() })
            })
            .collect();
        officers.sort_by_key(|o| o.user);
        out.push(SquadronInput { squadron: s.id, candidates, officers, count: req.per_squadron });
    }
    Ok(DrawInput { algorithm: ALGORITHM.into(), seed, squadrons: out })
}

#[utoipa::path(
    post,
    path = "/v1/draws",
    tag = "supervision",
    summary = "Run a double-random draw (双随机, command centre): N enterprises per squadron weighted by risk, a team of two certified officers for each; stores the draw with every input (audited) and sends each drawn officer an assignment (entity `assignment`, pulled by that officer's phone onto its today list)",
    request_body = DrawRequest,
    responses(
        (status = 201, description = "the draw as recorded", body = DrawView),
    )
)]
/// `POST /v1/draws`: draws, stores the draw and its assignments (audited), answers the draw.
pub async fn create(
    State(app): State<App>,
    caller: Caller,
    crate::error::JsonBody(req): crate::error::JsonBody<DrawRequest>,
) -> Result<(StatusCode, Json<DrawView>), ApiError> {
    allow(&caller, Action::DrawInspections)?;
    if !DRAW_DUE_DAYS.contains(&req.due_days) {
        let (lo, hi) = (DRAW_DUE_DAYS.start(), DRAW_DUE_DAYS.end());
        return Err(invalid(format!("due_days must be {lo} to {hi} / 期限须为{lo}至{hi}天")));
    }
    let seed = match req.seed.clone() {
        Some(s) => s.trim().to_ascii_lowercase(),
        None => random_seed()?,
    };
    let view = app
        .db
        .write(move |tx| {
            let input = input(tx, &req, seed)?;
            let result = draw::draw(&input)?;
            let now = Utc::now();
            let record = Draw {
                id: DrawId::new(),
                drawn_by: caller.user.id,
                drawn_at: now,
                due_by: now + Duration::days(i64::from(req.due_days)),
                input,
                result,
            };
            records::save(tx, &Record::Draw(Box::new(record.clone())))?;
            let assignments = record.assignments();
            for a in &assignments {
                records::save(tx, &Record::Assignment(a.clone()))?;
            }
            let picks: usize = record.result.iter().map(|s| s.picks.len()).sum();
            tx.audit(&AuditRow {
                entity: "draw".into(),
                id: record.id.to_string(),
                action: "draw".into(),
                from_state: None,
                to_state: None,
                user: caller.user.id.to_string(),
                device: caller.device.map(|d| d.to_string()),
                at: now,
                note: format!(
                    "{picks} enterprises, {} assignments, seed {}, {}",
                    assignments.len(),
                    record.input.seed,
                    record.input.algorithm
                ),
            })?;
            view(tx, record)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

fn view(tx: &mut dyn Tx, draw: Draw) -> Result<DrawView, ApiError> {
    let mut names = BTreeMap::new();
    for s in records::squadrons(tx)? {
        names.insert(s.id.to_string(), s.name);
    }
    for s in &draw.result {
        for p in &s.picks {
            if let Some(e) = records::enterprise(tx, p.enterprise)? {
                names.insert(e.id.to_string(), e.name);
            }
            for o in &p.officers {
                if let Some(u) = records::load::<User>(tx, Entity::User, &o.to_string())? {
                    names.insert(u.id.to_string(), u.name);
                }
            }
        }
    }
    Ok(DrawView { draw, names })
}

fn load(tx: &mut dyn Tx, id: DrawId) -> Result<Draw, ApiError> {
    records::load::<Draw>(tx, Entity::Draw, &id.to_string())?.ok_or_else(|| ApiError::not_found("draw not found"))
}

#[utoipa::path(
    get,
    path = "/v1/draws",
    tag = "supervision",
    summary = "Every recorded draw, newest first (officer, township office, command centre: draws are public, 公开)",
    responses(
        (status = 200, description = "the draws", body = Vec<Draw>),
    )
)]
/// `GET /v1/draws`: every recorded draw, newest first.
pub async fn list(State(app): State<App>, caller: Caller) -> Result<Json<Vec<Draw>>, ApiError> {
    allow(&caller, Action::ReadDraws)?;
    let mut draws: Vec<Draw> = app.db.read(|tx| Ok(records::load_all(tx, Entity::Draw)?)).await?;
    draws.sort_by_key(|d| std::cmp::Reverse(d.drawn_at));
    Ok(Json(draws))
}

#[utoipa::path(
    get,
    path = "/v1/draws/{id}",
    tag = "supervision",
    summary = "One recorded draw: its inputs (seed, algorithm, every candidate with its weight, every officer pool, N), its result, and the names it mentions",
    params(
        ("id" = uuid::Uuid, Path, description = "draw"),
    ),
    responses(
        (status = 200, description = "the draw", body = DrawView),
    )
)]
/// `GET /v1/draws/{id}`: one draw with its inputs, result and names.
pub async fn one(State(app): State<App>, caller: Caller, Path(id): Path<DrawId>) -> Result<Json<DrawView>, ApiError> {
    allow(&caller, Action::ReadDraws)?;
    Ok(Json(app.db.read(move |tx| load(tx, id).and_then(|d| view(tx, d))).await?))
}

#[utoipa::path(
    post,
    path = "/v1/draws/{id}/verify",
    tag = "supervision",
    summary = "Re-run a recorded draw from its record and compare with the recorded result (公开): `matches` is true when they are identical",
    params(
        ("id" = uuid::Uuid, Path, description = "draw"),
    ),
    responses(
        (status = 200, description = "the verification", body = Verification),
    )
)]
/// `POST /v1/draws/{id}/verify`: re-runs the draw from its record and compares (公开).
pub async fn verify(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<DrawId>,
) -> Result<Json<Verification>, ApiError> {
    allow(&caller, Action::ReadDraws)?;
    let record = app.db.read(move |tx| load(tx, id)).await?;
    let recomputed = draw::draw(&record.input)?;
    Ok(Json(Verification {
        draw: record.id,
        matches: recomputed == record.result,
        algorithm: record.input.algorithm,
        recorded: record.result,
        recomputed,
    }))
}
