//! An inspection's evidence bundle: originals from the blob store, the chain, the device seal, the
//! platform's receipt, the audit trail, the record's signatures and its rectification orders as printed
//! with the enterprise's sealed acknowledgement (so a clerk checks a printed order against the case's
//! one bundle), signed by the platform key as exporter. Verified offline with
//! `fieldcheck-platform verify-bundle`; a printed document with `verify-document FILE --bundle`.

use super::blobs::FetchedOriginals;
use super::keys::state;
use super::receipt::receipt;
use crate::db::Db;
use crate::error::ApiError;
use crate::records;
use axum::http::StatusCode;
use chrono::Utc;
use fieldcheck_domain::rectification::RectificationTask;
use fieldcheck_evidence::{AuditEvent, BundleInput, OrderSheet, build_bundle, pack_tar};
use fieldcheck_protocol::{Entity, SubmittedInspection};
use std::path::Path;

/// Writes the bundle of `inspection` to `out`: a folder, or a tar file when `out` ends in `.tar`.
pub async fn export(db: &Db, inspection: uuid::Uuid, out: &Path) -> Result<usize, ApiError> {
    let id = inspection.to_string();
    let (sub, receipt, audit, orders) = db
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
            let orders = order_sheets(tx, &sub)?;
            Ok((sub, receipt, audit, orders))
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
        orders: &orders,
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

/// The inspection's rectification orders as the platform prints them now, each with the enterprise's
/// sealed acknowledgement if it signed.
fn order_sheets(tx: &mut dyn crate::db::Tx, sub: &SubmittedInspection) -> Result<Vec<OrderSheet>, ApiError> {
    let tasks: Vec<RectificationTask> = records::load_all(tx, Entity::Task)?;
    let mut sheets = Vec::new();
    for task in tasks.into_iter().filter(|t| t.inspection == sub.inspection.id) {
        let parts = crate::documents::order_parts(tx, task)?;
        let facts = fieldcheck_documents::order_facts(&parts.input());
        sheets.push(OrderSheet {
            task: parts.task.id,
            facts: fieldcheck_documents::printed_facts(&facts),
            acknowledgement: parts.acknowledgement.clone(),
        });
    }
    sheets.sort_by_key(|s| s.task);
    Ok(sheets)
}
