//! On `inspection.submit` (and on a task transition or alarm close that carries photos): the chain and
//! the device's seal are verified against the key the device registered at sign-in; what does not
//! verify is refused, what does is countersigned with the platform key and the receipt kept, with the
//! blobs the record now cites.
//!
//! Binding: a proof cites only photos its device took for that case. Each entry must belong to the case
//! (case and subject), and a blob another device already cited for another case is refused, so naming
//! a hash in one's own sealed record never makes someone else's photo readable. Each accepted citation
//! is noted (`blob_citations`) with the case and the sealing device; the blob read rule
//! (`blobs::visible_len`) is built on those notes.

use super::keys::{device_key, state};
use crate::db::{AuditRow, CitationRow, StoreError, Tx};
use crate::intents::{Actor, Failure, refuse};
use fieldcheck_domain::ids::EvidenceId;
use fieldcheck_evidence::{BlobRef, Case, PlatformReceipt, countersign};
use fieldcheck_protocol::{RejectCode, SubmittedEvidence, SubmittedInspection};
use std::collections::BTreeSet;

const RECEIPT: &str = "receipt";

/// Verifies the submitted evidence; returns the platform's receipt to store with the record. A device
/// that registered a key must send a sealed chain (an empty one when it took no photos).
pub fn verify(tx: &mut dyn Tx, actor: &Actor, sub: &SubmittedInspection) -> Result<Option<PlatformReceipt>, Failure> {
    let Some(evidence) = &sub.evidence else {
        let device = actor.device.clone().unwrap_or_default();
        return match device_key(tx, &device)? {
            Some(_) => Err(invalid("this device registered a key, but the submission carries no sealed chain".into())),
            None => Ok(None),
        };
    };
    verify_chain(tx, actor, Case::Inspection(sub.inspection.id), evidence).map(Some)
}

/// Verifies the photos a task transition or alarm close cites: the sealed chain holds exactly the cited
/// photos. Ids without a chain are plain references (from devices before photo proof) and get no receipt.
pub fn verify_proof(
    tx: &mut dyn Tx,
    actor: &Actor,
    case: Case,
    cited: &[EvidenceId],
    proof: Option<&SubmittedEvidence>,
) -> Result<Option<PlatformReceipt>, Failure> {
    let Some(proof) = proof else { return Ok(None) };
    let chained: BTreeSet<_> = proof.chain.entries.iter().map(|e| e.meta.evidence).collect();
    if chained != cited.iter().copied().collect() || chained.len() != proof.chain.entries.len() {
        return Err(invalid("the sealed chain does not hold exactly the cited photos".into()));
    }
    verify_chain(tx, actor, case, proof).map(Some)
}

fn invalid(reason: String) -> Failure {
    refuse(RejectCode::Invalid, format!("evidence refused: {reason}"))
}

fn verify_chain(
    tx: &mut dyn Tx,
    actor: &Actor,
    expected: Case,
    evidence: &SubmittedEvidence,
) -> Result<PlatformReceipt, Failure> {
    let device = actor.device.clone().unwrap_or_default();
    let registered = device_key(tx, &device)?;
    if evidence.chain.case != expected {
        return Err(invalid(format!("the chain is for {}, not {expected}", evidence.chain.case)));
    }
    if evidence.seal.device.to_string() != device {
        return Err(invalid(format!("the seal names device {}, not the sending device", evidence.seal.device)));
    }
    if let Some(e) = evidence.chain.entries.iter().find(|e| e.meta.device != evidence.seal.device) {
        return Err(invalid(format!("entry {} was taken on another device than the one that sealed it", e.seq)));
    }
    let chained: BTreeSet<_> = evidence.chain.entries.iter().map(|e| e.meta.evidence).collect();
    if evidence.renditions.iter().any(|r| !chained.contains(&r.evidence)) || evidence.renditions.len() > chained.len() {
        return Err(invalid("a rendition names a photo that is not in the chain".into()));
    }
    for e in &evidence.chain.entries {
        if e.meta.case != expected {
            return Err(invalid(format!("entry {} is a photo of {}, not of {expected}", e.seq, e.meta.case)));
        }
        e.meta.validate().map_err(|err| invalid(format!("entry {}: {err}", e.seq)))?;
    }
    let key = registered.ok_or_else(|| invalid("this device has no registered key; sign in again".into()))?;
    let signer = &state()?.signer;
    let receipt = countersign(&evidence.chain, &evidence.seal, &key, signer, actor.now)
        .map_err(|e| invalid(format!("the evidence chain or its seal does not verify: {e}")))?;
    check_binding(tx, expected, evidence)?;
    Ok(receipt)
}

/// Every blob the proof cites (originals and renditions): not one another device already cited for
/// another case, and with the length it was cited with before. Takes the citation writers' lock, so the
/// check still holds when the citations are written.
fn check_binding(tx: &mut dyn Tx, case: Case, evidence: &SubmittedEvidence) -> Result<(), Failure> {
    let (kind, id) = case.parts();
    let id = id.to_string();
    let device = evidence.seal.device.to_string();
    for (photo, blob) in cited_blobs(evidence) {
        for c in tx.blob_citations(&blob.sha256.to_hex(), true)? {
            if c.device != device && (c.case_kind != kind || c.case_id != id) {
                return Err(refuse(
                    RejectCode::Forbidden,
                    format!(
                        "evidence refused: photo {photo} cites blob {} that another device took as evidence of \
                         another case; a proof may cite only photos this device took for {case}. Take the \
                         photo again for this case.",
                        blob.sha256
                    ),
                ));
            }
            if c.len != blob.len {
                return Err(invalid(format!(
                    "photo {photo} gives blob {} a length of {} bytes; it was cited with {} bytes",
                    blob.sha256, blob.len, c.len
                )));
            }
        }
    }
    Ok(())
}

/// The blobs a proof cites, each with its photo: every original, then every listed rendition and
/// thumbnail.
fn cited_blobs(evidence: &SubmittedEvidence) -> impl Iterator<Item = (EvidenceId, BlobRef)> + '_ {
    let originals = evidence.chain.entries.iter().map(|e| (e.meta.evidence, e.original));
    let derived =
        evidence.renditions.iter().flat_map(|r| std::iter::once(r.blob).chain(r.thumbnail).map(|b| (r.evidence, b)));
    originals.chain(derived)
}

/// Keeps the receipt, notes the blobs the record now cites, and writes the audit line.
pub fn record(
    tx: &mut dyn Tx,
    actor: &Actor,
    sub: &SubmittedInspection,
    receipt: &PlatformReceipt,
) -> Result<(), StoreError> {
    match &sub.evidence {
        Some(evidence) => record_case(tx, actor, Case::Inspection(sub.inspection.id), evidence, receipt),
        None => Ok(()),
    }
}

/// Keeps the receipt of a case's sealed photos (an inspection's under its id, a task's or alarm's per
/// sealed head), notes the blobs they cite (with the sealing device), and writes the audit line.
pub fn record_case(
    tx: &mut dyn Tx,
    actor: &Actor,
    case: Case,
    evidence: &SubmittedEvidence,
    receipt: &PlatformReceipt,
) -> Result<(), StoreError> {
    let (kind, id) = case.parts();
    let id = id.to_string();
    let receipt_key = match case {
        Case::Inspection(_) => id.clone(),
        Case::Task(_) | Case::Alarm(_) => format!("{kind}:{id}:{}", evidence.seal.head.head),
    };
    let json = serde_json::to_string(receipt).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    tx.evidence_put(RECEIPT, &receipt_key, &json)?;
    let device = evidence.seal.device.to_string();
    for (_, blob) in cited_blobs(evidence) {
        tx.cite_blob(&CitationRow {
            sha256: blob.sha256.to_hex(),
            len: blob.len,
            case_kind: kind.into(),
            case_id: id.clone(),
            device: device.clone(),
            user: actor.reach.user.id.to_string(),
            at: actor.now,
        })?;
    }
    tx.audit(&AuditRow {
        entity: kind.into(),
        id,
        action: "evidence.countersign".into(),
        from_state: None,
        to_state: None,
        user: actor.reach.user.id.to_string(),
        device: actor.device.clone(),
        at: actor.now,
        note: format!(
            "{} photo(s), head {} · platform key {}",
            evidence.seal.head.count,
            evidence.seal.head.head,
            receipt.key.fingerprint()
        ),
    })?;
    Ok(())
}

/// The stored receipt of an inspection.
pub fn receipt(tx: &mut dyn Tx, inspection: &str) -> Result<Option<PlatformReceipt>, StoreError> {
    tx.evidence_get(RECEIPT, inspection)?
        .map(|s| serde_json::from_str(&s).map_err(|e| StoreError::Corrupt(e.to_string())))
        .transpose()
}
