//! Originals on request. Devices with the "on request" policy upload only renditions; the command
//! centre asks for the original of one photo or of every photo of an inspection
//! (`POST /v1/inspections/{id}/originals/request`). Each request is audited and becomes an
//! `original_request` record in the change log, pulled only by the officer who took the photo; the
//! device that holds it uploads the original on its next sync, through the ordinary blob upload.
//! `GET /v1/inspections/{id}/photos` shows per photo whether the original is held, requested or missing.

use super::blobs::is_confirmed;
use crate::access::{Caller, Reach};
use crate::app::App;
use crate::db::{AuditRow, Tx};
use crate::error::{ApiError, JsonBody};
use crate::records;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use fieldcheck_domain::capability::{self, Action};
use fieldcheck_domain::decide::admin;
use fieldcheck_domain::ids::{DeviceId, EvidenceId, InspectionId, UserId};
use fieldcheck_domain::organisation::Role;
use fieldcheck_evidence::{BlobRef, Subject};
use fieldcheck_protocol::{Entity, OriginalRequest, Record, SubmittedInspection};
use serde::{Deserialize, Serialize};

/// Where the platform stands with one photo's original.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OriginalState {
    /// Received whole, length and SHA-256 checked.
    Held,
    /// Asked for; the device sends it on its next sync.
    Requested,
    /// Neither received nor asked for (e.g. a device with the "on request" policy).
    Missing,
}

/// One photo of an inspection, as the command centre sees it.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PhotoStatus {
    pub evidence: EvidenceId,
    /// Position in the inspection's evidence chain.
    pub seq: u32,
    pub subject: Subject,
    pub taken_at: DateTime<Utc>,
    pub device: DeviceId,
    pub officer: UserId,
    pub original: BlobRef,
    pub original_state: OriginalState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_by: Option<UserId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rendition: Option<BlobRef>,
    pub rendition_held: bool,
}

/// `POST /v1/inspections/{id}/originals/request` body: the photos wanted; an empty list (or an object
/// without `evidence`) for all. The body itself is required, so a request without one is refused rather
/// than taken as "all photos".
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct RequestBody {
    #[serde(default)]
    pub evidence: Vec<EvidenceId>,
}

/// The submitted inspection, if `caller` may see it (never an enterprise: inspections are internal).
pub(crate) fn inspection_in_reach(
    tx: &mut dyn Tx,
    caller: &Caller,
    id: InspectionId,
) -> Result<SubmittedInspection, ApiError> {
    let missing = || ApiError::not_found("inspection not found");
    let reach = Reach::of(tx, &caller.user)?;
    if reach.role == Role::Enterprise {
        return Err(missing());
    }
    let sub: SubmittedInspection = records::load(tx, Entity::Inspection, &id.to_string())?.ok_or_else(missing)?;
    let own = sub.inspection.created_by == caller.user.id;
    if !own && !records::enterprise(tx, sub.inspection.enterprise)?.is_some_and(|e| reach.covers_enterprise(&e)) {
        return Err(missing());
    }
    Ok(sub)
}

/// Confirmed: written whole to the blob store, length and SHA-256 checked.
fn held(tx: &mut dyn Tx, blob: &BlobRef) -> Result<bool, ApiError> {
    Ok(is_confirmed(tx, &blob.sha256)?)
}

/// Every photo of the inspection with the state of its original, in chain order.
fn photos(tx: &mut dyn Tx, sub: &SubmittedInspection) -> Result<Vec<PhotoStatus>, ApiError> {
    let Some(evidence) = &sub.evidence else { return Ok(Vec::new()) };
    let mut out = Vec::with_capacity(evidence.chain.entries.len());
    for entry in &evidence.chain.entries {
        let id = entry.meta.evidence;
        let request: Option<OriginalRequest> = records::load(tx, Entity::OriginalRequest, &id.to_string())?;
        let original_state = if held(tx, &entry.original)? {
            OriginalState::Held
        } else if request.is_some() {
            OriginalState::Requested
        } else {
            OriginalState::Missing
        };
        let rendition = evidence.renditions.iter().find(|r| r.evidence == id).map(|r| r.blob);
        let rendition_held = match &rendition {
            Some(r) => held(tx, r)?,
            None => false,
        };
        out.push(PhotoStatus {
            evidence: id,
            seq: entry.seq,
            subject: entry.meta.subject.clone(),
            taken_at: entry.meta.taken_at,
            device: entry.meta.device,
            officer: entry.meta.officer,
            original: entry.original,
            original_state,
            requested_at: request.as_ref().map(|r| r.requested_at),
            requested_by: request.as_ref().map(|r| r.requested_by),
            rendition,
            rendition_held,
        });
    }
    Ok(out)
}

#[utoipa::path(
    get,
    path = "/v1/inspections/{id}/photos",
    tag = "evidence",
    summary = "Each photo of an inspection and whether its original is held, requested or missing",
    description = "For enforcement users whose reach covers the inspection (never an enterprise: 404).",
    params(
        ("id" = uuid::Uuid, Path, description = "inspection id"),
    ),
    responses(
        (status = 200, description = "photos in chain order", body = Vec<PhotoStatus>),
    )
)]
/// `GET /v1/inspections/{id}/photos`: each photo and whether its original is held, requested or missing.
pub async fn list(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<InspectionId>,
) -> Result<Json<Vec<PhotoStatus>>, ApiError> {
    let rows = app
        .db
        .read(move |tx| {
            let sub = inspection_in_reach(tx, &caller, id)?;
            photos(tx, &sub)
        })
        .await?;
    Ok(Json(rows))
}

#[utoipa::path(
    post,
    path = "/v1/inspections/{id}/originals/request",
    tag = "evidence",
    summary = "Ask the capturing devices for photo originals (command centre)",
    description = "For originals the platform does not hold yet: each request is audited (`evidence.request_original`) and becomes an `original_request` record that only the officer who took the photo pulls; the device holding it uploads the original on its next sync. Asking again re-sends the request. The JSON body is required (without one the request is refused with 400, never taken as \"all photos\"); an empty or absent `evidence` list asks for every photo of the inspection; a photo not in the inspection is 404.",
    params(
        ("id" = uuid::Uuid, Path, description = "inspection id"),
    ),
    request_body = RequestBody,
    responses(
        (status = 200, description = "every photo's state after the request", body = Vec<PhotoStatus>),
    )
)]
/// `POST /v1/inspections/{id}/originals/request` (command centre): asks the capturing devices for the
/// originals of the named photos (all when none are named) that the platform does not hold yet. Asking
/// again re-sends the request. Answers with every photo's state.
pub async fn request(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<InspectionId>,
    JsonBody(body): JsonBody<RequestBody>,
) -> Result<Json<Vec<PhotoStatus>>, ApiError> {
    capability::require(caller.user.role, Action::RequestOriginals)?;
    let rows = app
        .db
        .write(move |tx| {
            let sub = inspection_in_reach(tx, &caller, id)?;
            let evidence = sub.evidence.as_ref().ok_or_else(|| {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "no_evidence", "the inspection has no photo evidence")
            })?;
            let chain: Vec<_> = evidence.chain.entries.iter().map(|e| e.meta.evidence).collect();
            let wanted = admin::request_originals(&caller.user, &chain, &body.evidence)?;
            let now = Utc::now();
            for entry in &evidence.chain.entries {
                if !wanted.contains(&entry.meta.evidence) || held(tx, &entry.original)? {
                    continue;
                }
                let request = OriginalRequest {
                    evidence: entry.meta.evidence,
                    inspection: id,
                    original: entry.original,
                    device: entry.meta.device,
                    officer: entry.meta.officer,
                    requested_by: caller.user.id,
                    requested_at: now,
                };
                records::save(tx, &Record::OriginalRequest(request))?;
                tx.audit(&AuditRow {
                    entity: "inspection".into(),
                    id: id.to_string(),
                    action: "evidence.request_original".into(),
                    from_state: None,
                    to_state: None,
                    user: caller.user.id.to_string(),
                    device: caller.device.map(|d| d.to_string()),
                    at: now,
                    note: format!(
                        "photo {} original {} ({} bytes) from device {}",
                        entry.meta.evidence, entry.original.sha256, entry.original.len, entry.meta.device
                    ),
                })?;
            }
            photos(tx, &sub)
        })
        .await?;
    Ok(Json(rows))
}
