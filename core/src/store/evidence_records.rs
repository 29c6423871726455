//! The full evidence record of each photo (what the inspection's hash chain commits to), kept in
//! capture order, and the upload state of its blobs. The `Photo` link (photos.rs) stays the photo's
//! tie to its item; a record is written in the same transaction as that link.

use super::codec::{from_json, from_tag, parse_id, tag, to_json};
use super::error::StoreError;
use super::findings;
use super::photos::Photo;
use super::{Store, case_evidence, inspections};
use crate::domain::ids::{EvidenceId, InspectionId};
use crate::domain::inspection::InspectionState;
use crate::evidence::upload::BlobRole;
use crate::evidence::{BlobRef, Case, EvidenceChain, EvidenceRecord, Subject};
use crate::protocol::{OriginalRequest, RenditionRef};
use rusqlite::{Connection, Transaction, params};

/// A blob waiting for upload, with what `upload::decide` needs to know about its photo.
#[derive(Clone, Debug, PartialEq)]
pub struct PendingBlob {
    pub blob: BlobRef,
    pub role: BlobRole,
    pub evidence: EvidenceId,
    /// The inspection, task or alarm the photo belongs to.
    pub case: Case,
    /// The platform asked for this original (policy "on request").
    pub requested: bool,
    /// The record that sends the photo (the inspection's submission, or the task or alarm transition
    /// citing it) was accepted by the platform.
    pub record_synced: bool,
    /// The photo's rendition is confirmed by the platform.
    pub rendition_confirmed: bool,
}

impl Store {
    /// Records an ingested photo against its case: for an inspection the item/finding link and the full
    /// record; for a task or alarm the record (`case_evidence`). Queues its rendition, original and (an
    /// inspection's, for the printed record's photo index) thumbnail for upload. One transaction.
    pub fn record_evidence(&self, record: &EvidenceRecord) -> Result<(), StoreError> {
        let Case::Inspection(id) = record.meta.case else {
            return self.write(|tx| case_evidence::record(tx, record));
        };
        let item = match &record.meta.subject {
            Subject::Item { item } => Some(item.clone()),
            Subject::Finding { .. } | Subject::Overall => None,
        };
        let photo = Photo {
            evidence: record.meta.evidence,
            item,
            sha256: record.original.sha256.to_hex(),
            taken_at: record.meta.taken_at,
        };
        let now = self.now();
        self.write(|tx| {
            if let Subject::Finding { finding } = &record.meta.subject
                && !findings::findings(tx, id)?.iter().any(|f| f.id == *finding)
            {
                return Err(StoreError::NotFound { entity: "finding", id: finding.to_string() });
            }
            self.insert_photo(tx, id, &photo, now)?;
            tx.prepare_cached("INSERT INTO evidence_records (id, inspection, body) VALUES (?1, ?2, ?3)")?
                .execute(params![record.meta.evidence.to_string(), id.to_string(), to_json(record)?])?;
            queue(tx, record, id, BlobRole::Rendition, &record.rendition)?;
            queue(tx, record, id, BlobRole::Thumbnail, &record.thumbnail)?;
            queue(tx, record, id, BlobRole::Original, &record.original)
        })
    }

    /// The inspection's evidence records, in capture order.
    pub fn evidence_records(&self, id: InspectionId) -> Result<Vec<EvidenceRecord>, StoreError> {
        self.read(|conn| records(conn, id))
    }

    /// Blobs not yet confirmed by the platform, renditions first, then thumbnails, oldest photo first (inspection photos
    /// before task and alarm photos).
    pub fn pending_blobs(&self) -> Result<Vec<PendingBlob>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT sha256, role, evidence, kind, case_id, len, media_type, requested, rendition_confirmed FROM (
                   SELECT b.sha256, b.role, b.evidence, 'inspection' AS kind, b.inspection AS case_id, b.len,
                          b.media_type, b.requested, 0 AS source, e.seq,
                          EXISTS (SELECT 1 FROM blob_uploads r WHERE r.evidence = b.evidence
                                  AND r.role = 'rendition' AND r.confirmed = 1) AS rendition_confirmed
                   FROM blob_uploads b JOIN evidence_records e ON e.id = b.evidence WHERE b.confirmed = 0
                   UNION ALL
                   SELECT b.sha256, b.role, b.evidence, c.case_kind, c.case_id, b.len, b.media_type, b.requested,
                          1, c.seq,
                          EXISTS (SELECT 1 FROM case_blob_uploads r WHERE r.evidence = b.evidence
                                  AND r.role = 'rendition' AND r.confirmed = 1)
                   FROM case_blob_uploads b JOIN case_evidence c ON c.id = b.evidence WHERE b.confirmed = 0)
                 ORDER BY role = 'original', role = 'thumbnail', source, seq",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    (r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?),
                    (r.get::<_, String>(3)?, r.get::<_, String>(4)?),
                    (r.get::<_, i64>(5)?, r.get::<_, String>(6)?),
                    (r.get::<_, bool>(7)?, r.get::<_, bool>(8)?),
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let ((sha, role, evidence), (kind, case_id), (len, media), (requested, rendition_confirmed)) = row?;
                let evidence: EvidenceId = parse_id("evidence id", &evidence)?;
                let (case, record_synced) = if kind == "inspection" {
                    let inspection: InspectionId = parse_id("inspection id", &case_id)?;
                    (Case::Inspection(inspection), record_synced(conn, inspection)?)
                } else {
                    (case_evidence::parse_case(&kind, &case_id)?, case_evidence::record_synced(conn, evidence)?)
                };
                out.push(PendingBlob {
                    blob: BlobRef {
                        sha256: sha.parse().map_err(|e| StoreError::decode("blob sha256", e))?,
                        len: u64::try_from(len).map_err(|e| StoreError::decode("blob length", e))?,
                        media_type: from_tag("media type", &media)?,
                    },
                    role: from_tag("blob role", &role)?,
                    evidence,
                    case,
                    requested,
                    record_synced,
                    rendition_confirmed,
                });
            }
            Ok(out)
        })
    }

    /// Notes that the platform confirmed `sha256` (checked length and hash): it may now be freed.
    pub fn confirm_blob(&self, sha256: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.prepare_cached("UPDATE blob_uploads SET confirmed = 1 WHERE sha256 = ?1")?.execute([sha256])?;
            tx.prepare_cached("UPDATE case_blob_uploads SET confirmed = 1 WHERE sha256 = ?1")?.execute([sha256])?;
            Ok(())
        })
    }

    /// The platform asked for a photo's original (policy "on request"); the next upload pass sends it.
    pub fn request_original(&self, evidence: EvidenceId) -> Result<(), StoreError> {
        self.write(|tx| mark_requested(tx, evidence, None))
    }

    /// Whether the platform asked for this photo's original (and it is not yet confirmed).
    pub fn original_requested(&self, evidence: EvidenceId) -> Result<bool, StoreError> {
        self.read(|conn| {
            let mut asked = false;
            for table in ["blob_uploads", "case_blob_uploads"] {
                asked |= conn
                    .prepare_cached(&format!(
                        "SELECT EXISTS (SELECT 1 FROM {table} WHERE evidence = ?1 AND role = 'original'
                         AND requested = 1 AND confirmed = 0)"
                    ))?
                    .query_row([evidence.to_string()], |r| r.get::<_, bool>(0))?;
            }
            Ok(asked)
        })
    }

    /// Notes that the local copy of a confirmed blob was deleted.
    pub fn mark_blob_freed(&self, sha256: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            for table in ["blob_uploads", "case_blob_uploads"] {
                tx.prepare_cached(&format!("UPDATE {table} SET freed = 1 WHERE sha256 = ?1 AND confirmed = 1"))?
                    .execute([sha256])?;
            }
            Ok(())
        })
    }
}

/// Marks a photo's original as asked for; with `sha256`, only if this device's original has that hash.
fn mark_requested(tx: &Transaction<'_>, evidence: EvidenceId, sha256: Option<&str>) -> Result<(), StoreError> {
    for table in ["blob_uploads", "case_blob_uploads"] {
        tx.prepare_cached(&format!(
            "UPDATE {table} SET requested = 1
             WHERE evidence = ?1 AND role = 'original' AND (?2 IS NULL OR sha256 = ?2)"
        ))?
        .execute(params![evidence.to_string(), sha256])?;
    }
    Ok(())
}

/// A pulled request for an original: marks it for upload if this device holds that photo (the
/// request names the hash, so a photo recorded differently here is not sent by mistake); on any
/// other device of the officer it changes nothing.
pub(crate) fn original_requested(tx: &Transaction<'_>, r: &OriginalRequest) -> Result<(), StoreError> {
    mark_requested(tx, r.evidence, Some(&r.original.sha256.to_hex()))
}

fn queue(
    tx: &Transaction<'_>,
    record: &EvidenceRecord,
    id: InspectionId,
    role: BlobRole,
    blob: &BlobRef,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT OR IGNORE INTO blob_uploads (sha256, role, evidence, inspection, len, media_type)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        blob.sha256.to_hex(),
        tag(&role)?,
        record.meta.evidence.to_string(),
        id.to_string(),
        i64::try_from(blob.len).map_err(|e| StoreError::decode("blob length", e))?,
        tag(&blob.media_type)?
    ])?;
    Ok(())
}

/// The inspection's records in capture order.
pub(crate) fn records(conn: &Connection, id: InspectionId) -> Result<Vec<EvidenceRecord>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT body FROM evidence_records WHERE inspection = ?1 ORDER BY seq")?;
    let rows = stmt.query_map([id.to_string()], |r| r.get::<_, String>(0))?;
    rows.map(|body| from_json("evidence record", &body?)).collect()
}

/// The inspection's chain (in capture order) and its renditions, for the submitted record.
pub(crate) fn chain(conn: &Connection, id: InspectionId) -> Result<(EvidenceChain, Vec<RenditionRef>), StoreError> {
    let mut chain = EvidenceChain::new(Case::Inspection(id));
    let mut renditions = Vec::new();
    for record in records(conn, id)? {
        chain.append(&record).map_err(|e| StoreError::decode("evidence chain", e))?;
        // Listed only when queued for upload (a photo taken before thumbnails went up has none queued).
        let thumbnail = thumbnail_queued(conn, &record)?.then_some(record.thumbnail);
        renditions.push(RenditionRef { evidence: record.meta.evidence, blob: record.rendition, thumbnail });
    }
    Ok((chain, renditions))
}

fn thumbnail_queued(conn: &Connection, record: &EvidenceRecord) -> Result<bool, StoreError> {
    let found = conn
        .prepare_cached("SELECT 1 FROM blob_uploads WHERE sha256 = ?1 AND role = 'thumbnail' AND evidence = ?2")?
        .exists([record.thumbnail.sha256.to_hex(), record.meta.evidence.to_string()])?;
    Ok(found)
}

/// Whether the platform accepted the inspection: submitted here, and its intent no longer (or never,
/// for a pulled one) waits in the outbox. A rejected intent stays in the outbox, so it counts as unsynced.
fn record_synced(conn: &Connection, id: InspectionId) -> Result<bool, StoreError> {
    let Some(inspection) = inspections::find(conn, id)? else { return Ok(false) };
    if inspection.state != InspectionState::Submitted {
        return Ok(false);
    }
    let waiting: bool = conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM outbox WHERE kind = 'inspection.submit' AND instr(intent, ?1) > 0)",
        )?
        .query_row([id.to_string()], |r| r.get(0))?;
    Ok(!waiting)
}
