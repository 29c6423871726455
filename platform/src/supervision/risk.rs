//! Risk and green indices of the enterprises in the caller's reach, each explained term by term.

use crate::access::{Caller, Reach};
use crate::app::{App, allow};
use crate::db::{StoreError, Tx};
use crate::error::ApiError;
use crate::records;
use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, Utc};
use fieldcheck_domain::alarm::Alarm;
use fieldcheck_domain::capability::Action;
use fieldcheck_domain::finding::Severity;
use fieldcheck_domain::ids::{EnterpriseId, TownshipId};
use fieldcheck_domain::organisation::Enterprise;
use fieldcheck_domain::rectification::RectificationTask;
use fieldcheck_domain::supervision::class::EnterpriseClass;
use fieldcheck_domain::supervision::risk::{RiskFacts, RiskIndex, TERMS, TermRule};
use fieldcheck_domain::text::Text;
use fieldcheck_protocol::{Entity, SubmittedInspection};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// What the indices read, loaded once for a whole listing.
pub struct County {
    pub enterprises: Vec<Enterprise>,
    alarms: HashMap<EnterpriseId, Vec<Alarm>>,
    tasks: HashMap<EnterpriseId, Vec<RectificationTask>>,
    findings: HashMap<EnterpriseId, Vec<(DateTime<Utc>, Severity)>>,
    /// When each enterprise's last inspection ended (was submitted).
    pub last_visit: HashMap<EnterpriseId, DateTime<Utc>>,
}

impl County {
    pub fn load(tx: &mut dyn Tx) -> Result<County, StoreError> {
        let mut alarms: HashMap<_, Vec<_>> = HashMap::new();
        for a in records::load_all::<Alarm>(tx, Entity::Alarm)? {
            alarms.entry(a.enterprise).or_default().push(a);
        }
        let mut tasks: HashMap<_, Vec<_>> = HashMap::new();
        for t in records::load_all::<RectificationTask>(tx, Entity::Task)? {
            tasks.entry(t.enterprise).or_default().push(t);
        }
        let (findings, last_visit) = visits(records::load_all::<SubmittedInspection>(tx, Entity::Inspection)?);
        Ok(County { enterprises: records::load_all(tx, Entity::Enterprise)?, alarms, tasks, findings, last_visit })
    }

    /// The index of `e` as of `now`.
    pub fn index(&self, e: &Enterprise, now: DateTime<Utc>) -> RiskIndex {
        let facts = RiskFacts::gather(
            e,
            self.alarms.get(&e.id).into_iter().flatten(),
            self.findings.get(&e.id).into_iter().flatten().copied(),
            self.tasks.get(&e.id).into_iter().flatten(),
            self.last_visit.get(&e.id).copied(),
            now,
        );
        RiskIndex::of(&facts)
    }
}

type Visits = (HashMap<EnterpriseId, Vec<(DateTime<Utc>, Severity)>>, HashMap<EnterpriseId, DateTime<Utc>>);

/// Each enterprise's findings (with when their inspection ended) and its last inspection.
pub fn visits(inspections: Vec<SubmittedInspection>) -> Visits {
    let (mut findings, mut last): Visits = Default::default();
    for sub in inspections {
        let i = &sub.inspection;
        let Some(at) = i.ended_at.or(i.started_at) else { continue };
        let e = i.enterprise;
        findings.entry(e).or_default().extend(sub.findings.iter().map(|f| (at, f.severity)));
        let seen = last.entry(e).or_insert(at);
        *seen = (*seen).max(at);
    }
    (findings, last)
}

/// A class with its label.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ClassRow {
    pub class: EnterpriseClass,
    pub label: Text,
}

pub fn classes(e: &Enterprise) -> Vec<ClassRow> {
    EnterpriseClass::of(e.flags).into_iter().map(|class| ClassRow { class, label: class.label() }).collect()
}

/// One enterprise's index, as listed.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RiskRow {
    pub enterprise: EnterpriseId,
    pub name: String,
    pub credit_code: String,
    pub township: TownshipId,
    pub township_name: String,
    pub classes: Vec<ClassRow>,
    /// When its last inspection was submitted, if ever.
    pub last_visit: Option<DateTime<Utc>>,
    /// The weight a double-random draw gives it (1 + risk, rounded).
    pub draw_weight: u32,
    #[serde(flatten)]
    pub index: RiskIndex,
}

#[derive(Deserialize)]
pub struct RiskQuery {
    /// Only this township's enterprises.
    #[serde(default)]
    township: Option<TownshipId>,
}

fn rows(tx: &mut dyn Tx, reach: &Reach, keep: impl Fn(&Enterprise) -> bool) -> Result<Vec<RiskRow>, ApiError> {
    let county = County::load(tx)?;
    let towns: HashMap<_, _> = records::townships(tx)?.into_iter().map(|t| (t.id, t.name)).collect();
    let now = Utc::now();
    let mut out: Vec<RiskRow> = county
        .enterprises
        .iter()
        .filter(|e| reach.covers_enterprise(e) && keep(e))
        .map(|e| {
            let index = county.index(e, now);
            RiskRow {
                enterprise: e.id,
                name: e.name.clone(),
                credit_code: e.credit_code.as_str().to_string(),
                township: e.township,
                township_name: towns.get(&e.township).cloned().unwrap_or_default(),
                classes: classes(e),
                last_visit: county.last_visit.get(&e.id).copied(),
                draw_weight: index.draw_weight(),
                index,
            }
        })
        .collect();
    out.sort_by(|a, b| b.index.risk.total_cmp(&a.index.risk).then_with(|| a.name.cmp(&b.name)));
    Ok(out)
}

#[utoipa::path(
    get,
    path = "/v1/risk",
    tag = "supervision",
    summary = "Risk and green index of every enterprise in the caller's reach, riskiest first, each explained term by term (officer, township office, command centre)",
    description = "risk = Σ min(raw × weight, cap) over the formula's terms (GET /v1/risk/formula); the caps sum to 100; green = 100 − risk. Figures are rounded to 0.01.",
    params(
        ("township" = Option<uuid::Uuid>, Query, description = "only this township's enterprises"),
    ),
    responses(
        (status = 200, description = "the enterprises' indices", body = Vec<RiskRow>),
    )
)]
/// `GET /v1/risk`: every enterprise in reach, riskiest first.
pub async fn list(
    State(app): State<App>,
    caller: Caller,
    Query(q): Query<RiskQuery>,
) -> Result<Json<Vec<RiskRow>>, ApiError> {
    allow(&caller, Action::ReadRisk)?;
    let rows = app
        .db
        .read(move |tx| {
            let reach = Reach::of(tx, &caller.user)?;
            rows(tx, &reach, |e| q.township.is_none_or(|t| e.township == t))
        })
        .await?;
    Ok(Json(rows))
}

#[utoipa::path(
    get,
    path = "/v1/enterprises/{id}/risk",
    tag = "supervision",
    summary = "One enterprise's risk and green index, explained term by term",
    params(
        ("id" = uuid::Uuid, Path, description = "enterprise"),
    ),
    responses(
        (status = 200, description = "the index", body = RiskRow),
    )
)]
/// `GET /v1/enterprises/{id}/risk`: one enterprise's index, explained.
pub async fn one(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<EnterpriseId>,
) -> Result<Json<RiskRow>, ApiError> {
    allow(&caller, Action::ReadRisk)?;
    let mut rows = app
        .db
        .read(move |tx| {
            let reach = Reach::of(tx, &caller.user)?;
            rows(tx, &reach, |e| e.id == id)
        })
        .await?;
    rows.pop().map(Json).ok_or_else(|| ApiError::not_found("enterprise not found"))
}

#[utoipa::path(
    get,
    path = "/v1/risk/formula",
    tag = "supervision",
    summary = "The risk formula as data: every term with its weight and cap",
    responses(
        (status = 200, description = "the terms", body = Vec<TermRule>),
    )
)]
/// `GET /v1/risk/formula`: the formula as data (every term, its weight and cap).
pub async fn formula(caller: Caller) -> Result<Json<&'static [TermRule]>, ApiError> {
    allow(&caller, Action::ReadRisk)?;
    Ok(Json(TERMS))
}
