//! Risk and green indices of the enterprises in the caller's reach, each explained term by term.

use crate::access::{Caller, Reach};
use crate::app::{App, allow};
use crate::db::{StoreError, Tx, tables};
use crate::error::ApiError;
use crate::records;
use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, Utc};
use fieldcheck_domain::capability::Action;
use fieldcheck_domain::ids::{EnterpriseId, TownshipId};
use fieldcheck_domain::organisation::Enterprise;
use fieldcheck_domain::supervision::class::EnterpriseClass;
use fieldcheck_domain::supervision::risk::{RiskFacts, RiskIndex, RiskTally, TERMS, TermRule};
use fieldcheck_domain::text::Text;
use fieldcheck_protocol::Entity;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// What the indices read: the enterprises, and per enterprise what the formula counts, each counted
/// in SQL over the typed tables (`db::tables::risk_tallies`), never by loading alarms, tasks or
/// inspections.
pub struct County {
    pub enterprises: Vec<Enterprise>,
    tallies: HashMap<String, RiskTally>,
    now: DateTime<Utc>,
}

impl County {
    /// The county as of `now`; with `only`, just that enterprise's counts.
    pub fn load(tx: &mut dyn Tx, now: DateTime<Utc>, only: Option<EnterpriseId>) -> Result<County, StoreError> {
        let only = only.map(|e| e.to_string());
        let tallies = tables::risk_tallies(tx, now, only.as_deref())?;
        let enterprises = match &only {
            Some(id) => records::load(tx, Entity::Enterprise, id)?.into_iter().collect(),
            None => records::load_all(tx, Entity::Enterprise)?,
        };
        Ok(County { enterprises, tallies, now })
    }

    fn tally(&self, e: &Enterprise) -> Option<&RiskTally> {
        self.tallies.get(&e.id.to_string())
    }

    /// The index of `e`, by the domain's formula over what was counted.
    pub fn index(&self, e: &Enterprise) -> RiskIndex {
        let none = RiskTally::default();
        RiskIndex::of(&RiskFacts::of_tally(e, self.tally(e).unwrap_or(&none), self.now))
    }

    /// When `e`'s last inspection was submitted.
    pub fn last_visit(&self, e: &Enterprise) -> Option<DateTime<Utc>> {
        self.tally(e).and_then(|t| t.last_inspection)
    }
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

fn rows(
    tx: &mut dyn Tx,
    reach: &Reach,
    only: Option<EnterpriseId>,
    keep: impl Fn(&Enterprise) -> bool,
) -> Result<Vec<RiskRow>, ApiError> {
    let county = County::load(tx, Utc::now(), only)?;
    let towns: HashMap<_, _> = records::townships(tx)?.into_iter().map(|t| (t.id, t.name)).collect();
    let mut out: Vec<RiskRow> = county
        .enterprises
        .iter()
        .filter(|e| reach.covers_enterprise(e) && keep(e))
        .map(|e| {
            let index = county.index(e);
            RiskRow {
                enterprise: e.id,
                name: e.name.clone(),
                credit_code: e.credit_code.as_str().to_string(),
                township: e.township,
                township_name: towns.get(&e.township).cloned().unwrap_or_default(),
                classes: classes(e),
                last_visit: county.last_visit(e),
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
            rows(tx, &reach, None, |e| q.township.is_none_or(|t| e.township == t))
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
            rows(tx, &reach, Some(id), |e| e.id == id)
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
