//! An inspection's whole record for the console (`GET /v1/inspections/{id}/record`): its checklists with
//! each item's text, legal basis and answer, the findings with their legal basis, the tasks it issued, its
//! evidence chain's seal, and the audit trail. Scoped like the inspection itself (out of reach is 404).

use crate::access::{Caller, Reach};
use crate::app::App;
use crate::command::Names;
use crate::console::{self, TimelineEntry};
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
use fieldcheck_protocol::{Entity, SubmittedInspection};
use serde::Serialize;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new().routes(routes!(record))
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
