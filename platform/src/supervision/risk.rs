//! Risk and green indices of the enterprises in the caller's reach, each explained term by term.

use crate::access::{Caller, Reach};
use crate::app::{App, allow};
use crate::db::{StoreError, Tx, tables};
use crate::error::ApiError;
use crate::lists::{ListParams, page_rows};
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
use serde::Serialize;
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
    // Riskiest first; ties by name, then id, so pages never overlap.
    out.sort_by(|a, b| {
        b.index
            .risk
            .total_cmp(&a.index.risk)
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.enterprise.to_string().cmp(&b.enterprise.to_string()))
    });
    Ok(out)
}

/// One term's figures in a listed row, in the formula's order (its labels, weight and cap are sent once, in
/// the page's `formula`).
#[derive(Serialize, utoipa::ToSchema)]
pub struct TermValue {
    pub raw: f64,
    /// `min(raw × weight, cap)`, to 0.01.
    pub contribution: f64,
}

/// One enterprise's index as the paged list gives it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RiskListRow {
    pub enterprise: EnterpriseId,
    pub name: String,
    pub credit_code: String,
    pub township: TownshipId,
    pub township_name: String,
    /// Its classes (their labels are in the page's `classes`).
    pub classes: Vec<EnterpriseClass>,
    pub last_visit: Option<DateTime<Utc>>,
    pub draw_weight: u32,
    pub risk: f64,
    pub green: f64,
    /// Each of the formula's terms, in its order.
    pub terms: Vec<TermValue>,
}

/// A page of the risk list, riskiest first, with the formula and the class labels once.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RiskPage {
    pub total: u64,
    pub offset: u64,
    pub limit: u32,
    /// The formula's terms (label, unit, weight, cap), in the order of every row's `terms`.
    pub formula: &'static [TermRule],
    /// Every class with its label.
    pub classes: Vec<ClassRow>,
    pub rows: Vec<RiskListRow>,
}

/// What a risk list request filters by (from the lists' shared parameters).
struct Filters {
    townships: Option<Vec<TownshipId>>,
    class: Option<EnterpriseClass>,
    text: Option<String>,
}

fn class_name(c: EnterpriseClass) -> String {
    serde_json::to_value(c).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

impl Filters {
    fn of(tx: &mut dyn Tx, p: &ListParams) -> Result<Filters, ApiError> {
        let given = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        let mut townships = given(&p.township)
            .map(|t| t.parse::<TownshipId>().map(|t| vec![t]))
            .transpose()
            .map_err(|_| ApiError::bad_request("township must be a township id"))?;
        if let Some(squadron) = given(&p.squadron) {
            let area = records::squadrons(tx)?.into_iter().find(|s| s.id.to_string() == squadron);
            let area = area.map(|s| s.townships).unwrap_or_default();
            townships = Some(match townships {
                Some(one) => one.into_iter().filter(|t| area.contains(t)).collect(),
                None => area,
            });
        }
        let class = given(&p.class)
            .map(|c| {
                EnterpriseClass::ALL.into_iter().find(|k| class_name(*k) == c).ok_or_else(|| {
                    let known: Vec<String> = EnterpriseClass::ALL.into_iter().map(class_name).collect();
                    ApiError::bad_request(format!("class must be one of {}", known.join(", ")))
                })
            })
            .transpose()?;
        let text = given(&p.q).map(|t| t.to_lowercase());
        Ok(Filters { townships, class, text })
    }

    fn keep(&self, e: &Enterprise) -> bool {
        self.townships.as_ref().is_none_or(|t| t.contains(&e.township))
            && self.class.is_none_or(|c| EnterpriseClass::of(e.flags).contains(&c))
            && self
                .text
                .as_ref()
                .is_none_or(|t| e.name.to_lowercase().contains(t) || e.credit_code.as_str().to_lowercase().contains(t))
    }
}

#[utoipa::path(
    get,
    path = "/v1/risk",
    tag = "supervision",
    summary = "Risk and green index of the enterprises in the caller's reach, riskiest first, paged, each with its terms' figures (officer, township office, command centre)",
    description = "risk = Σ min(raw × weight, cap) over the formula's terms (sent once per page in `formula`; GET /v1/risk/formula); the caps sum to 100; green = 100 − risk. Figures are rounded to 0.01. Filters: township, squadron (its townships), class (`key_discharger`, `key_hazardous_waste_unit`, `hazardous_waste_producer`, `ordinary`), q (name or credit code); limit and offset page. A bad filter or limit is answered 400.",
    params(ListParams),
    responses(
        (status = 200, description = "a page of the enterprises' indices", body = RiskPage),
    )
)]
/// `GET /v1/risk`: the enterprises in reach, riskiest first, one page.
pub async fn list(
    State(app): State<App>,
    caller: Caller,
    Query(p): Query<ListParams>,
) -> Result<Json<RiskPage>, ApiError> {
    allow(&caller, Action::ReadRisk)?;
    let limit = page_rows(p.limit)?;
    let offset = p.offset.unwrap_or(0);
    let (total, rows) = app
        .db
        .read(move |tx| {
            let reach = Reach::of(tx, &caller.user)?;
            let filters = Filters::of(tx, &p)?;
            let all = rows(tx, &reach, None, |e| filters.keep(e))?;
            let total = all.len() as u64;
            let skip = usize::try_from(offset).unwrap_or(usize::MAX);
            Ok::<_, ApiError>((total, all.into_iter().skip(skip).take(limit as usize).collect::<Vec<_>>()))
        })
        .await?;
    let rows = rows
        .into_iter()
        .map(|r| RiskListRow {
            enterprise: r.enterprise,
            name: r.name,
            credit_code: r.credit_code,
            township: r.township,
            township_name: r.township_name,
            classes: r.classes.into_iter().map(|c| c.class).collect(),
            last_visit: r.last_visit,
            draw_weight: r.draw_weight,
            risk: r.index.risk,
            green: r.index.green,
            terms: r.index.terms.into_iter().map(|t| TermValue { raw: t.raw, contribution: t.contribution }).collect(),
        })
        .collect();
    let classes = EnterpriseClass::ALL.into_iter().map(|class| ClassRow { class, label: class.label() }).collect();
    Ok(Json(RiskPage { total, offset, limit, formula: TERMS, classes, rows }))
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
