//! Photos of a rectification task or an alarm (the enterprise's proof, an officer's on-site feedback).
//! Recorded per case on this device; the transition that cites them (`task.transition`,
//! `alarm.close`) carries them as a chain sealed by the device key, and their blobs upload once the
//! platform has accepted that transition.

use super::Store;
use super::codec::{from_json, parse_id, tag, to_json};
use super::error::StoreError;
use super::{alarms, session, tasks};
use crate::domain::ids::EvidenceId;
use crate::evidence::upload::BlobRole;
use crate::evidence::{BlobRef, Case, EvidenceChain, EvidenceRecord, Signer};
use crate::protocol::{RenditionRef, SubmittedEvidence};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use std::collections::BTreeSet;

/// A task or alarm photo on this device, and whether a transition has sent it yet.
#[derive(Clone, Debug, PartialEq)]
pub struct CasePhoto {
    pub record: EvidenceRecord,
    /// A transition cites it (sent, or waiting in the outbox).
    pub cited: bool,
}

impl Store {
    /// The photos of a task or alarm taken on this device, in capture order.
    pub fn case_photos(&self, case: Case) -> Result<Vec<CasePhoto>, StoreError> {
        self.read(|conn| case_photos(conn, case))
    }

    /// The thumbnail of a case's latest photo on this device (any case kind), for a list row.
    pub fn latest_thumbnail(&self, case: Case) -> Result<Option<BlobRef>, StoreError> {
        let (kind, id) = case.parts();
        let sql = match case {
            Case::Inspection(_) => {
                "SELECT body FROM evidence_records WHERE inspection = ?2 AND ?1 = ?1 ORDER BY seq DESC LIMIT 1"
            }
            Case::Task(_) | Case::Alarm(_) => {
                "SELECT body FROM case_evidence WHERE case_kind = ?1 AND case_id = ?2 ORDER BY seq DESC LIMIT 1"
            }
        };
        self.read(|conn| {
            let body: Option<String> =
                conn.prepare_cached(sql)?.query_row(params![kind, id.to_string()], |r| r.get(0)).optional()?;
            Ok(body.map(|b| from_json::<EvidenceRecord>("evidence record", &b)).transpose()?.map(|r| r.thumbnail))
        })
    }
}

/// Records an ingested task or alarm photo (the case must be on this device) and queues its rendition
/// and original for upload. Runs in the caller's transaction.
pub(crate) fn record(tx: &Transaction<'_>, record: &EvidenceRecord) -> Result<(), StoreError> {
    session::actor(tx)?;
    let (kind, id) = record.meta.case.parts();
    let known = match record.meta.case {
        Case::Task(task) => tasks::find(tx, task)?.is_some(),
        Case::Alarm(alarm) => alarms::find(tx, alarm)?.is_some(),
        Case::Inspection(_) => false,
    };
    if !known {
        return Err(StoreError::NotFound { entity: kind, id: id.to_string() });
    }
    tx.prepare_cached("INSERT INTO case_evidence (id, case_kind, case_id, body) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![record.meta.evidence.to_string(), kind, id.to_string(), to_json(record)?])?;
    queue(tx, record, BlobRole::Rendition, &record.rendition)?;
    queue(tx, record, BlobRole::Original, &record.original)
}

fn queue(tx: &Transaction<'_>, record: &EvidenceRecord, role: BlobRole, blob: &BlobRef) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT OR IGNORE INTO case_blob_uploads (sha256, role, evidence, len, media_type) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        blob.sha256.to_hex(),
        tag(&role)?,
        record.meta.evidence.to_string(),
        i64::try_from(blob.len).map_err(|e| StoreError::decode("blob length", e))?,
        tag(&blob.media_type)?
    ])?;
    Ok(())
}

pub(crate) fn case_photos(conn: &Connection, case: Case) -> Result<Vec<CasePhoto>, StoreError> {
    let (kind, id) = case.parts();
    let mut stmt = conn.prepare_cached(
        "SELECT body, cited_seq IS NOT NULL FROM case_evidence WHERE case_kind = ?1 AND case_id = ?2 ORDER BY seq",
    )?;
    let rows = stmt.query_map(params![kind, id.to_string()], |r| Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?)))?;
    rows.map(|row| {
        let (body, cited) = row?;
        Ok(CasePhoto { record: from_json("case evidence record", &body)?, cited })
    })
    .collect()
}

/// The sealed chain of the photos a transition cites (in capture order), or `None` when it cites none.
/// Every cited id must be a photo of this case taken on this device.
pub(crate) fn proof(
    tx: &Transaction<'_>,
    case: Case,
    cited: &[EvidenceId],
    signer: Option<&dyn Signer>,
    now: DateTime<Utc>,
) -> Result<Option<Box<SubmittedEvidence>>, StoreError> {
    if cited.is_empty() {
        return Ok(None);
    }
    sealed(tx, case, cited, signer, now, &[]).map(Some)
}

/// The cited photos' chain (perhaps empty) sealed by the device, the seal covering `signatures` too.
pub(crate) fn sealed(
    tx: &Transaction<'_>,
    case: Case,
    cited: &[EvidenceId],
    signer: Option<&dyn Signer>,
    now: DateTime<Utc>,
    signatures: &[crate::domain::signature::Signature],
) -> Result<Box<SubmittedEvidence>, StoreError> {
    let wanted: BTreeSet<EvidenceId> = cited.iter().copied().collect();
    let records: Vec<EvidenceRecord> =
        case_photos(tx, case)?.into_iter().map(|p| p.record).filter(|r| wanted.contains(&r.meta.evidence)).collect();
    if let Some(missing) = wanted.iter().find(|id| !records.iter().any(|r| r.meta.evidence == **id)) {
        return Err(StoreError::NotFound { entity: "photo of this case", id: missing.to_string() });
    }
    let signer = signer.ok_or_else(|| StoreError::decode("evidence seal", "no device key to seal the photos"))?;
    let mut chain = EvidenceChain::new(case);
    let mut renditions = Vec::new();
    for record in &records {
        chain.append(record).map_err(|e| StoreError::decode("evidence chain", e))?;
        renditions.push(RenditionRef { evidence: record.meta.evidence, blob: record.rendition, thumbnail: None });
    }
    let seal = crate::evidence::seal_signed(&chain, signatures, session::device_id(tx)?, signer, now)
        .map_err(|e| StoreError::decode("evidence seal", e))?;
    Ok(Box::new(SubmittedEvidence { chain, seal, renditions }))
}

/// Notes that the outbox entry `seq` sends these photos (the latest citing entry wins).
pub(crate) fn cite(tx: &Transaction<'_>, cited: &[EvidenceId], seq: i64) -> Result<(), StoreError> {
    let mut stmt = tx.prepare_cached("UPDATE case_evidence SET cited_seq = ?2 WHERE id = ?1")?;
    for id in cited {
        stmt.execute(params![id.to_string(), seq])?;
    }
    Ok(())
}

/// The platform refused the step `seq`: its photos are unsent again (the step was undone), so the
/// user can cite them in a new step and they never upload for a step the platform does not have.
pub(crate) fn uncite(tx: &Transaction<'_>, seq: i64) -> Result<(), StoreError> {
    tx.prepare_cached("UPDATE case_evidence SET cited_seq = NULL WHERE cited_seq = ?1")?.execute([seq])?;
    Ok(())
}

/// Whether the platform accepted the transition that sent the photo: cited, and its entry no longer
/// waits in the outbox (a rejected entry stays there, so it counts as unsynced).
pub(crate) fn record_synced(conn: &Connection, evidence: EvidenceId) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM case_evidence c WHERE c.id = ?1 AND c.cited_seq IS NOT NULL
                 AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.seq = c.cited_seq))",
        )?
        .query_row([evidence.to_string()], |r| r.get(0))?)
}

/// The case a photo record belongs to, from its table row.
pub(crate) fn parse_case(kind: &str, id: &str) -> Result<Case, StoreError> {
    match kind {
        "task" => Ok(Case::Task(parse_id("task id", id)?)),
        "alarm" => Ok(Case::Alarm(parse_id("alarm id", id)?)),
        other => Err(StoreError::decode("photo case", format!("unknown case kind {other:?}"))),
    }
}
