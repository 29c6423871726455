//! The demo's one submitted inspection with photo evidence, so the console shows photos whose originals
//! the command centre can ask for. The chain is built and sealed as a phone would (by a demo device
//! key); the photos' bytes never existed, so every original starts `missing`.

use crate::db::StoreError;
use crate::db::Tx;
use crate::records;
use chrono::{DateTime, Duration, Utc};
use fieldcheck_core::domain::ids::{DeviceId, EvidenceId, InspectionId};
use fieldcheck_core::domain::inspection::{Inspection, InspectionKind, InspectionState, Inspector};
use fieldcheck_core::domain::organisation::{Enterprise, User};
use fieldcheck_core::evidence::{
    BlobRef, CaptureMeta, Case, Digest, EvidenceChain, MediaType, SoftwareSigner, Subject, seal,
};
use fieldcheck_core::protocol::{Record, RenditionRef, SubmittedEvidence, SubmittedInspection};

/// Photos in the demo inspection.
const PHOTOS: u64 = 3;

/// Saves a routine inspection of `enterprise` by `officer`, submitted a day before `now`, with photos.
pub fn seed(tx: &mut dyn Tx, enterprise: &Enterprise, officer: &User, now: DateTime<Utc>) -> Result<(), StoreError> {
    let corrupt = |e: &dyn std::fmt::Display| StoreError::Corrupt(format!("demo inspection: {e}"));
    let id = InspectionId::new();
    let device = DeviceId::new();
    let taken = now - Duration::days(1);
    let mut chain = EvidenceChain::new(Case::Inspection(id));
    let mut renditions = Vec::new();
    for n in 0..PHOTOS {
        let evidence = EvidenceId::new();
        // Stand-ins for the photo's bytes: distinct hashes and plausible lengths.
        let blob = |tag: &str, len: u64| BlobRef {
            sha256: Digest::of(format!("{id}/{n}/{tag}").as_bytes()),
            len,
            media_type: MediaType::Jpeg,
        };
        let meta = CaptureMeta {
            evidence,
            case: Case::Inspection(id),
            subject: Subject::Overall,
            taken_at: taken + Duration::minutes(n as i64 * 4),
            fix: None,
            device,
            officer: officer.id,
            clock_skew_ms: Some(0),
        };
        chain.append_parts(blob("original", 3_400_000 + n * 170_000), meta).map_err(|e| corrupt(&e))?;
        renditions.push(RenditionRef { evidence, blob: blob("rendition", 410_000 + n * 9_000) });
    }
    let signer = SoftwareSigner::generate().map_err(|e| corrupt(&e))?;
    let seal = seal(&chain, device, &signer, taken + Duration::minutes(30)).map_err(|e| corrupt(&e))?;
    let inspection = Inspection {
        id,
        enterprise: enterprise.id,
        kind: InspectionKind::Routine,
        checklists: Vec::new(),
        inspectors: vec![Inspector {
            user: officer.id,
            name: officer.name.clone(),
            certificate_no: officer.certificate_no.clone().unwrap_or_default(),
        }],
        recorder: None,
        respondent: None,
        started_at: Some(taken - Duration::minutes(10)),
        ended_at: Some(taken + Duration::minutes(25)),
        location: None,
        summary:
            "现场检查危险废物贮存库及废水处理设施，拍照取证 / hazardous-waste store and treatment plant, photographed"
                .into(),
        state: InspectionState::Submitted,
        origin: None,
        corrects: None,
        created_by: officer.id,
    };
    let submitted = SubmittedInspection {
        inspection,
        answers: Vec::new(),
        findings: Vec::new(),
        tasks: Vec::new(),
        notices: Vec::new(),
        evidence: Some(SubmittedEvidence { chain, seal, renditions }),
    };
    records::save(tx, &Record::Inspection(Box::new(submitted)))?;
    Ok(())
}
