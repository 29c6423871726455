//! An inspection's evidence bundle: originals from the blob store, the chain, the device seal, the
//! platform's receipt, the audit trail, signed by the platform key as exporter. Verified offline with
//! `fieldcheck-platform verify-bundle`.

use super::blobs::FetchedOriginals;
use super::keys::state;
use super::receipt::receipt;
use crate::db::Db;
use crate::error::ApiError;
use crate::records;
use axum::http::StatusCode;
use chrono::Utc;
use fieldcheck_evidence::{AuditEvent, BundleInput, build_bundle, pack_tar};
use fieldcheck_protocol::{Entity, SubmittedInspection};
use std::path::Path;

/// Writes the bundle of `inspection` to `out`: a folder, or a tar file when `out` ends in `.tar`.
pub async fn export(db: &Db, inspection: uuid::Uuid, out: &Path) -> Result<usize, ApiError> {
    let id = inspection.to_string();
    let (sub, receipt, audit) = db
        .read(move |tx| {
            let sub: SubmittedInspection = records::load(tx, Entity::Inspection, &id)?
                .ok_or_else(|| ApiError::not_found(format!("inspection {id} is not on the platform")))?;
            let receipt = receipt(tx, &id)?;
            let audit: Vec<AuditEvent> = tx
                .audits("inspection", &id)?
                .into_iter()
                .map(|a| AuditEvent {
                    at: a.at,
                    actor: format!("user {} device {}", a.user, a.device.unwrap_or_default()),
                    action: a.action,
                    detail: format!("{} {}", a.to_state.map_or("", |s| s.as_str()), a.note).trim().to_string(),
                })
                .collect();
            Ok((sub, receipt, audit))
        })
        .await?;
    let evidence = sub.evidence.as_ref().ok_or_else(|| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "no_evidence",
            "the inspection was submitted without a sealed chain",
        )
    })?;
    let state = state()?;
    let originals = FetchedOriginals::fetch(evidence.chain.entries.iter().map(|e| e.original.sha256)).await?;
    let input = BundleInput {
        chain: &evidence.chain,
        seal: &evidence.seal,
        receipt: receipt.as_ref(),
        audit: &audit,
        signatures: &sub.signatures,
        exporter: Some(&state.signer),
        exported_at: Utc::now(),
    };
    let fail = |e: fieldcheck_evidence::BundleError| ApiError::new(StatusCode::CONFLICT, "bundle", e.to_string());
    if out.extension().is_some_and(|e| e == "tar") {
        let staging = out.with_extension("bundle-tmp");
        build_bundle(&staging, &input, &originals).map_err(fail)?;
        let packed = pack_tar(&staging, out).map_err(fail);
        let _ = std::fs::remove_dir_all(&staging);
        packed?;
    } else {
        build_bundle(out, &input, &originals).map_err(fail)?;
    }
    Ok(evidence.chain.entries.len())
}
