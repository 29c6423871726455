//! Whole records for the console. An inspection's (`GET /v1/inspections/{id}/record`): its checklists with
//! each item's text, legal basis and answer, the findings with their legal basis, the tasks it issued, its
//! evidence chain's seal, and the audit trail. An alarm's and a task's (`alarm`, `task`): their steps
//! as a timeline, with photos, verification and links to the records they led to. Each is scoped like the
//! record itself (out of reach is 404).

mod alarm;
mod task;

use crate::access::{Caller, Reach};
use crate::app::App;
use crate::command::Names;
use crate::console::{self, TimelineEntry};
use crate::db::{StoreError, Tx};
use crate::error::ApiError;
use crate::records;
use axum::Json;
use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use fieldcheck_domain::answer::Answer;
use fieldcheck_domain::capability::{self, Action};
use fieldcheck_domain::finding::Finding;
use fieldcheck_domain::ids::InspectionId;
use fieldcheck_domain::inspection::Inspection;
use fieldcheck_domain::rectification::RectificationTask;
use fieldcheck_domain::text::Text;
use fieldcheck_protocol::{Entity, StepPhoto, SubmittedInspection};
use serde::Serialize;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new().routes(routes!(record)).routes(routes!(alarm::record)).routes(routes!(task::record))
}

/// Where an alarm's closing photos are kept (evidence table kind, keyed by the alarm's id): the photos
/// the on-site feedback cites, each with its rendition to show (`intents::alarm::close`).
pub const ALARM_PHOTOS: &str = "alarm_photos";

/// One step in the life of an alarm or a task, for its timeline.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Step {
    /// `raised`, `graded`, `dispatched`, `arrived`, `closed`, `issued`, `acknowledged`, `proof_submitted`,
    /// `accepted`, `rejected`, `countersigned` (its photos verified), or `overdue` (the limit passed first).
    pub step: &'static str,
    pub label: Text,
    pub at: DateTime<Utc>,
    pub by: String,
    pub note: String,
    /// The photos this step cites, each with its watermarked rendition (`/v1/blobs/{sha256}/content`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<StepPhoto>,
}

/// The step an audit line records, in words.
fn step_of(action: &str) -> Option<(&'static str, Text)> {
    Some(match action {
        "raise" => ("raised", Text::new("监测报警", "raised")),
        "grade" => ("graded", Text::new("研判定级", "graded")),
        "dispatch" => ("dispatched", Text::new("派单", "dispatched")),
        "arrive" => ("arrived", Text::new("到达现场", "arrived on site")),
        "close" => ("closed", Text::new("反馈闭环", "closed with feedback")),
        "issue" => ("issued", Text::new("下发整改", "issued")),
        "acknowledge" => ("acknowledged", Text::new("企业签收", "acknowledged")),
        "submit_proof" => ("proof_submitted", Text::new("提交整改材料", "proof submitted")),
        "accept" => ("accepted", Text::new("验收通过", "accepted")),
        "reject" => ("rejected", Text::new("退回重改", "rejected")),
        "evidence.countersign" => {
            ("countersigned", Text::new("照片证据链已验证并副署", "photos verified, countersigned"))
        }
        _ => return None,
    })
}

/// The steps of a timeline from its audit lines (oldest first), with a step for the limit passing when it
/// passed first (`overdue_at`).
pub fn steps(audit: &[TimelineEntry], overdue_at: Option<DateTime<Utc>>, overdue_label: Text) -> Vec<Step> {
    let mut out: Vec<Step> = audit
        .iter()
        .filter_map(|e| {
            let (step, label) = step_of(&e.row.action)?;
            Some(Step {
                step,
                label,
                at: e.row.at,
                by: e.user_name.clone(),
                note: e.row.note.clone(),
                photos: Vec::new(),
            })
        })
        .collect();
    if let Some(at) = overdue_at {
        out.push(Step {
            step: "overdue",
            label: overdue_label,
            at,
            by: String::new(),
            note: String::new(),
            photos: vec![],
        });
    }
    out.sort_by_key(|s| s.at);
    out
}

/// A linked record: what it is, its id, a line saying what it is, and its document when it has one.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Link {
    pub kind: &'static str,
    pub id: String,
    pub title: String,
    pub state_label: Option<Text>,
    /// The PDF of this record (`/v1/inspections/{id}/record.pdf`, `/v1/tasks/{id}/order.pdf`).
    pub pdf: Option<String>,
}

/// Links to an inspection and the tasks (with their orders) it issued.
pub fn inspection_links(tx: &mut dyn Tx, s: &SubmittedInspection) -> Result<Vec<Link>, StoreError> {
    let i = &s.inspection;
    let when = i.started_at.or(i.ended_at).map(|t| t.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default();
    let mut out = vec![Link {
        kind: "inspection",
        id: i.id.to_string(),
        title: format!("{when} {}", i.summary.chars().take(60).collect::<String>()),
        state_label: None,
        pdf: Some(format!("/v1/inspections/{}/record.pdf", i.id)),
    }];
    for t in &s.tasks {
        let now: Option<RectificationTask> = records::load(tx, Entity::Task, &t.id.to_string())?;
        let t = now.unwrap_or_else(|| t.clone());
        out.push(Link {
            kind: "task",
            id: t.id.to_string(),
            title: t.requirement.chars().take(60).collect(),
            state_label: Some(t.state.label()),
            pdf: Some(format!("/v1/tasks/{}/order.pdf", t.id)),
        });
    }
    Ok(out)
}

#[derive(Serialize, utoipa::ToSchema)]
struct Item {
    code: String,
    text: Text,
    legal_basis: Vec<String>,
    answer: Option<Answer>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct Checklist {
    id: String,
    version: u32,
    title: Option<Text>,
    items: Vec<Item>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct FindingRow {
    #[serde(flatten)]
    finding: Finding,
    severity_label: Text,
}

/// The evidence chain as the platform received it: `verified` when the platform checked the chain and the
/// device's seal on receipt and countersigned it (its receipt is stored, `crate::evidence::receipt`).
#[derive(Serialize, utoipa::ToSchema)]
struct Evidence {
    photos: usize,
    verified: bool,
    /// When the platform countersigned it.
    countersigned_at: Option<DateTime<Utc>>,
    sealed_by_device: String,
    sealed_at: DateTime<Utc>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = InspectionRecord)] // `Record` is the protocol's record
struct Record {
    inspection: Inspection,
    enterprise_name: String,
    township_name: String,
    checklists: Vec<Checklist>,
    findings: Vec<FindingRow>,
    tasks: Vec<RectificationTask>,
    evidence: Option<Evidence>,
    /// The audit trail, when the caller may read it (`read_audit`).
    audit: Option<Vec<TimelineEntry>>,
}

#[utoipa::path(
    get,
    path = "/v1/inspections/{id}/record",
    tag = "command centre",
    summary = "An inspection's whole record: checklists with each item's text, legal basis and answer; findings with legal basis; tasks issued; the evidence chain's seal; the audit trail (with read_audit)",
    description = "Scoped like the inspection: one out of the caller's reach is answered 404. `evidence.verified` is true when the platform verified the chain and the device's seal on receipt and countersigned it (its receipt is stored); `countersigned_at` says when.",
    params(
        ("id" = uuid::Uuid, Path),
    ),
    responses(
        (status = 200, description = "the record", body = Record),
    )
)]
async fn record(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<InspectionId>,
) -> Result<Json<Record>, ApiError> {
    let record = app
        .db
        .read(move |tx| {
            let missing = || ApiError::not_found("inspection not found");
            let s: SubmittedInspection = records::load(tx, Entity::Inspection, &id.to_string())?.ok_or_else(missing)?;
            let enterprise = records::enterprise(tx, s.inspection.enterprise)?;
            let reach = Reach::of(tx, &caller.user)?;
            if !reach.sees_inspection(&s.inspection, enterprise.as_ref().map(|e| e.township)) {
                return Err(missing());
            }
            let names = Names::load(tx)?;
            let mut checklists = Vec::new();
            for r in &s.inspection.checklists {
                let template = records::template(tx, &r.id, r.version)?;
                let items = template.as_ref().map(|t| t.items.clone()).unwrap_or_default();
                checklists.push(Checklist {
                    id: r.id.clone(),
                    version: r.version,
                    title: template.as_ref().map(|t| t.title.clone()),
                    items: items
                        .into_iter()
                        .map(|item| Item {
                            answer: s
                                .answers
                                .iter()
                                .find(|a| a.item.template == r.id && a.item.code == item.code)
                                .cloned(),
                            code: item.code,
                            text: item.text,
                            legal_basis: item.legal_basis,
                        })
                        .collect(),
                });
            }
            let receipt = crate::evidence::receipt::receipt(tx, &id.to_string())?;
            let audit = if capability::may(caller.user.role, Action::ReadAudit) {
                Some(console::timeline(tx, "inspection", &id.to_string())?)
            } else {
                None
            };
            Ok(Record {
                enterprise_name: enterprise.as_ref().map(|e| e.name.clone()).unwrap_or_default(),
                township_name: enterprise.and_then(|e| names.townships.get(&e.township).cloned()).unwrap_or_default(),
                checklists,
                findings: s
                    .findings
                    .iter()
                    .map(|f| FindingRow { severity_label: f.severity.label(), finding: f.clone() })
                    .collect(),
                tasks: s.tasks.clone(),
                evidence: s.evidence.as_ref().map(|e| Evidence {
                    photos: e.chain.entries.len(),
                    verified: receipt.is_some(),
                    countersigned_at: receipt.as_ref().map(|r| r.received_at),
                    sealed_by_device: e.seal.device.to_string(),
                    sealed_at: e.seal.signed_at,
                }),
                audit,
                inspection: s.inspection,
            })
        })
        .await?;
    Ok(Json(record))
}
