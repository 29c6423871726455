//! The inspection record and the rectification order as PDFs (`fieldcheck-documents`):
//! `GET /v1/inspections/{id}/record.pdf` and `GET /v1/tasks/{id}/order.pdf`, under the same access rules
//! as reading the inspection's photos and the task's timeline; and checking a printed document against
//! the sealed record (`verify-document`). The font is the one configured with `--document-font PATH` or
//! `FIELDCHECK_DOCUMENT_FONT`; without one the routes answer 503.

use crate::access::{Caller, Reach};
use crate::app::App;
use crate::db::{StoreError, Tx};
use crate::error::ApiError;
use crate::evidence::blobs::FetchedOriginals;
use crate::records;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use fieldcheck_documents::{DocumentFont, Kind, OrderInput, Payload, Problems, RecordInput};
use fieldcheck_domain::ids::{InspectionId, TaskId};
use fieldcheck_domain::organisation::Enterprise;
use fieldcheck_domain::rectification::RectificationTask;
use fieldcheck_domain::signature::Signature;
use fieldcheck_domain::template::ChecklistTemplate;
use fieldcheck_evidence::Digest;
use fieldcheck_evidence::OriginalSource;
use fieldcheck_protocol::{Entity, SealedSignature, SubmittedInspection};
use std::collections::BTreeMap;

/// The environment variable naming the document font when `--document-font` is not given.
pub const FONT_ENV: &str = "FIELDCHECK_DOCUMENT_FONT";

/// Reads the font at `path` (a .ttf, .otf or the first face of a .ttc).
pub fn load_font(path: &std::path::Path) -> Result<DocumentFont, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("document font {}: {e}", path.display()))?;
    DocumentFont::new(bytes).map_err(|e| format!("document font {}: {e}", path.display()))
}

/// The font named by `FIELDCHECK_DOCUMENT_FONT`, if set.
pub fn font_from_env() -> Result<Option<DocumentFont>, String> {
    match std::env::var(FONT_ENV).ok().filter(|s| !s.is_empty()) {
        Some(path) => load_font(std::path::Path::new(&path)).map(Some),
        None => Ok(None),
    }
}

pub(crate) fn no_font() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "no_document_font",
        format!(
            "no document font is configured: start the platform with --document-font PATH or {FONT_ENV}=PATH \
             (a CJK .ttf, .otf or .ttc, e.g. WenQuanYi Micro Hei)"
        ),
    )
}

/// What the inspection record is made from, owned.
pub struct RecordParts {
    pub submitted: SubmittedInspection,
    pub enterprise: Enterprise,
    pub township: String,
    pub templates: Vec<ChecklistTemplate>,
}

static NO_PICTURES: BTreeMap<Digest, Vec<u8>> = BTreeMap::new();

impl RecordParts {
    pub fn input(&self) -> RecordInput<'_> {
        RecordInput {
            submitted: &self.submitted,
            enterprise: &self.enterprise,
            township: &self.township,
            templates: &self.templates,
            signatures: &self.submitted.signatures,
            pictures: &NO_PICTURES,
        }
    }

    /// The photo index's pictures the platform holds (`index_picture_blobs`: the uploaded thumbnails), by
    /// original (each checked against its hash). Blocking: called on the blocking pool, it waits there
    /// for the blob store.
    pub fn read_pictures(&self) -> BTreeMap<Digest, Vec<u8>> {
        let mut pictures = BTreeMap::new();
        let Some(ev) = &self.submitted.evidence else { return pictures };
        let photos: Vec<_> =
            fieldcheck_documents::index_picture_blobs(ev).into_iter().map(|(o, b)| (o, b.sha256)).collect();
        let Ok(handle) = tokio::runtime::Handle::try_current() else { return pictures };
        let Ok(held) = handle.block_on(FetchedOriginals::fetch(photos.iter().map(|(_, r)| *r))) else {
            return pictures;
        };
        for (original, rendition) in photos {
            if let Some(bytes) = held.original(&rendition) {
                pictures.insert(original, bytes);
            }
        }
        pictures
    }

    /// The record as printed: with the photos' pictures in its index.
    pub fn print(
        &self,
        font: &DocumentFont,
    ) -> Result<fieldcheck_documents::Rendered, fieldcheck_documents::DocumentError> {
        let pictures = self.read_pictures();
        fieldcheck_documents::inspection_record(&RecordInput { pictures: &pictures, ..self.input() }, font)
    }
}

/// What the rectification order is made from, owned.
pub struct OrderParts {
    pub task: RectificationTask,
    pub enterprise: Enterprise,
    pub township: String,
    pub root: Option<Digest>,
    /// The enterprise's signed acknowledgement, as sealed by its device.
    pub acknowledgement: Option<SealedSignature>,
    signatures: Vec<Signature>,
}

impl OrderParts {
    pub fn input(&self) -> OrderInput<'_> {
        OrderInput {
            task: &self.task,
            enterprise: &self.enterprise,
            township: &self.township,
            bundle_root: self.root,
            signatures: &self.signatures,
        }
    }
}

const ACKNOWLEDGEMENT: &str = "acknowledgement";

/// Keeps a task's sealed acknowledgement for its order (by task id).
pub fn keep_acknowledgement(tx: &mut dyn Tx, task: TaskId, sealed: &SealedSignature) -> Result<(), StoreError> {
    let json = serde_json::to_string(sealed).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    tx.evidence_put(ACKNOWLEDGEMENT, &task.to_string(), &json)
}

fn acknowledgement(tx: &mut dyn Tx, task: TaskId) -> Result<Option<SealedSignature>, StoreError> {
    tx.evidence_get(ACKNOWLEDGEMENT, &task.to_string())?
        .map(|s| serde_json::from_str(&s).map_err(|e| StoreError::Corrupt(e.to_string())))
        .transpose()
}

/// What is wrong with a kept acknowledgement: its seal must cover exactly its signature, hold, and be
/// made with the key its device registered.
pub fn acknowledgement_problems(tx: &mut dyn Tx, sealed: &SealedSignature) -> Result<Problems, StoreError> {
    let mut problems = Vec::new();
    if !sealed.holds() {
        problems.push("the acknowledgement's signature is not the one its device sealed (a stroke changed?)".into());
    }
    let registered = crate::evidence::keys::device_key(tx, &sealed.seal.device.to_string())?;
    if registered.as_ref() != Some(&sealed.seal.key) {
        problems.push("the acknowledgement was not sealed with its device's registered key".into());
    }
    Ok(problems)
}

/// The SHA-256 of the text `submitted` reads back to its signers (`fieldcheck_documents::record_read_back`).
pub fn read_back_sha256(
    tx: &mut dyn Tx,
    submitted: &SubmittedInspection,
    enterprise: &Enterprise,
    templates: &[ChecklistTemplate],
) -> Result<String, StoreError> {
    let township = township_name(tx, enterprise)?;
    let input = RecordInput {
        submitted,
        enterprise,
        township: &township,
        templates,
        signatures: &submitted.signatures,
        pictures: &NO_PICTURES,
    };
    Ok(fieldcheck_documents::record_read_back(&input).sha256)
}

fn township_name(tx: &mut dyn Tx, enterprise: &Enterprise) -> Result<String, StoreError> {
    Ok(records::townships(tx)?.into_iter().find(|t| t.id == enterprise.township).map(|t| t.name).unwrap_or_default())
}

/// The parts of an inspection's record, from the platform's data.
pub fn record_parts(tx: &mut dyn Tx, submitted: SubmittedInspection) -> Result<RecordParts, ApiError> {
    let enterprise = records::enterprise(tx, submitted.inspection.enterprise)?
        .ok_or_else(|| ApiError::not_found("the inspection's enterprise is not on the platform"))?;
    let township = township_name(tx, &enterprise)?;
    let templates = records::templates(tx, &submitted.inspection.checklists)?.to_vec();
    Ok(RecordParts { submitted, enterprise, township, templates })
}

/// The parts of a task's order: the bundle root comes from the inspection that issued it (which must
/// hold the task's finding); the provisions from the task (`RectificationTask::cited_legal_basis`).
pub fn order_parts(tx: &mut dyn Tx, task: RectificationTask) -> Result<OrderParts, ApiError> {
    let inspection: SubmittedInspection = records::load(tx, Entity::Inspection, &task.inspection.to_string())?
        .ok_or_else(|| {
            ApiError::not_found(
                "the inspection that issued this task is not on the platform, so its finding is unknown",
            )
        })?;
    if !inspection.findings.iter().any(|f| f.id == task.finding) {
        return Err(ApiError::not_found("the task's finding is not in its inspection"));
    }
    let root = inspection.evidence.as_ref().map(|ev| ev.chain.head().head);
    let enterprise = records::enterprise(tx, task.enterprise)?
        .ok_or_else(|| ApiError::not_found("the task's enterprise is not on the platform"))?;
    let township = township_name(tx, &enterprise)?;
    let acknowledgement = acknowledgement(tx, task.id)?;
    let signatures = acknowledgement.iter().map(|a| a.signature.clone()).collect();
    Ok(OrderParts { task, enterprise, township, root, acknowledgement, signatures })
}

fn pdf_response(pdf: Vec<u8>, name: String) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"{name}\"")),
        ],
        pdf,
    )
}

async fn render<P: Send + 'static>(
    parts: P,
    font: std::sync::Arc<DocumentFont>,
    make: fn(&P, &DocumentFont) -> Result<fieldcheck_documents::Rendered, fieldcheck_documents::DocumentError>,
) -> Result<Vec<u8>, ApiError> {
    let failed = |e: &dyn std::fmt::Display| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "document_failed",
            format!("the document could not be made: {e}"),
        )
    };
    crate::ops::spawn_blocking(move || make(&parts, &font))
        .await
        .map_err(|e| failed(&e))?
        .map(|r| r.pdf)
        .map_err(|e| failed(&e))
}

#[utoipa::path(
    get,
    path = "/v1/inspections/{id}/record.pdf",
    tag = "command centre",
    summary = "The inspection record (现场检查（勘察）笔录) as a PDF; for whoever may see the inspection's photos (never an enterprise)",
    params(
        ("id" = uuid::Uuid, Path),
    ),
    responses(
        (status = 200, description = "the PDF (A4, Chinese, CJK font subset embedded); the same record gives the same bytes", body = String, content_type = "application/pdf"),
        (status = 503, description = "no document font is configured (`no_document_font`: start the platform with --document-font PATH or FIELDCHECK_DOCUMENT_FONT)", body = crate::openapi::ErrorBody),
    )
)]
/// `GET /v1/inspections/{id}/record.pdf`: who may see the inspection's photos may print its record.
pub async fn record_pdf(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<InspectionId>,
) -> Result<impl IntoResponse, ApiError> {
    let font = app.document_font.clone().ok_or_else(no_font)?;
    let parts = app
        .db
        .read(move |tx| {
            let sub = crate::evidence::originals::inspection_in_reach(tx, &caller, id)?;
            record_parts(tx, sub)
        })
        .await?;
    let pdf = render(parts, font, RecordParts::print).await?;
    Ok(pdf_response(pdf, format!("inspection-record-{id}.pdf")))
}

#[utoipa::path(
    get,
    path = "/v1/tasks/{id}/order.pdf",
    tag = "command centre",
    summary = "The rectification order (责令改正通知书) as a PDF; for whoever may see the task's timeline. 404 when the issuing inspection is not on the platform",
    params(
        ("id" = uuid::Uuid, Path),
    ),
    responses(
        (status = 200, description = "the PDF (A4, Chinese, CJK font subset embedded); the same record gives the same bytes", body = String, content_type = "application/pdf"),
        (status = 503, description = "no document font is configured (`no_document_font`: start the platform with --document-font PATH or FIELDCHECK_DOCUMENT_FONT)", body = crate::openapi::ErrorBody),
    )
)]
/// `GET /v1/tasks/{id}/order.pdf`: who may see the task's timeline may print its order.
pub async fn order_pdf(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<TaskId>,
) -> Result<impl IntoResponse, ApiError> {
    let font = app.document_font.clone().ok_or_else(no_font)?;
    let parts = app
        .db
        .read(move |tx| {
            let reach = Reach::of(tx, &caller.user)?;
            let task: Option<RectificationTask> = records::load(tx, Entity::Task, &id.to_string())?;
            let task = task.filter(|t| reach.covers_task(t)).ok_or_else(|| ApiError::not_found("task not found"))?;
            order_parts(tx, task)
        })
        .await?;
    let pdf = render(parts, font, |p, f| fieldcheck_documents::rectification_order(&p.input(), f)).await?;
    Ok(pdf_response(pdf, format!("rectification-order-{id}.pdf")))
}

/// Checks a document's payload (embedded in its PDF or read from its QR code) against the sealed record
/// in the platform's data: the record it names must exist, end in the root hash it carries, and give
/// the same facts.
pub fn verify_in_db(tx: &mut dyn Tx, payload: &Payload) -> Result<Problems, ApiError> {
    Ok(match payload.kind {
        Kind::Record => {
            let sub: Option<SubmittedInspection> = records::load(tx, Entity::Inspection, &payload.id)?;
            match sub {
                None => vec![format!("inspection {} is not on the platform", payload.id)],
                Some(sub) => {
                    let root = sub.evidence.as_ref().map(|ev| ev.chain.head().head);
                    let parts = record_parts(tx, sub)?;
                    let facts = fieldcheck_documents::record_facts(&parts.input());
                    fieldcheck_documents::verify_against_facts(payload, Kind::Record, &payload.id, &facts, root)
                }
            }
        }
        Kind::Order => {
            let task: Option<RectificationTask> = records::load(tx, Entity::Task, &payload.id)?;
            match task {
                None => vec![format!("task {} is not on the platform", payload.id)],
                Some(task) => {
                    let parts = order_parts(tx, task)?;
                    let facts = fieldcheck_documents::order_facts(&parts.input());
                    let mut problems = fieldcheck_documents::verify_against_facts(
                        payload,
                        Kind::Order,
                        &payload.id,
                        &facts,
                        parts.root,
                    );
                    if let Some(sealed) = &parts.acknowledgement {
                        problems.extend(acknowledgement_problems(tx, sealed)?);
                    }
                    problems
                }
            }
        }
    })
}
