//! The demo's one submitted inspection with photo evidence, so the console shows photos whose originals
//! the command centre can ask for. The chain is built and sealed as a phone would (by a demo device
//! key) and received as the platform receives one (countersigned, receipt kept, blobs referenced). The
//! photos' bytes are short stand-ins (`stand_in`) that no phone uploaded, so every original starts
//! `missing`.

use crate::access::Reach;
use crate::db::{StoreError, Tx};
use crate::evidence::keys::state;
use crate::evidence::receipt;
use crate::intents::Actor;
use crate::records;
use chrono::{DateTime, Duration, Utc};
use fieldcheck_domain::ids::{DeviceId, EvidenceId, InspectionId};
use fieldcheck_domain::inspection::{Inspection, InspectionKind, InspectionState, Inspector};
use fieldcheck_domain::organisation::{Enterprise, User};
use fieldcheck_evidence::{
    BlobRef, CaptureMeta, Case, Digest, EvidenceChain, MediaType, Signer, SoftwareSigner, Subject, countersign, seal,
};
use fieldcheck_protocol::{Record, RenditionRef, SubmittedEvidence, SubmittedInspection};

/// Photos in the demo inspection.
const PHOTOS: u64 = 3;

/// The bytes standing in for photo `n`'s `tag` ("original" or "rendition") of the demo inspection `id`.
pub fn stand_in(id: InspectionId, n: u64, tag: &str) -> Vec<u8> {
    format!("fieldcheck demo photo {id} {n} {tag}").into_bytes()
}

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
        // Stand-ins for the photo's bytes, which a test can rebuild and upload (see `stand_in`).
        let blob = |tag: &str| {
            let bytes = stand_in(id, n, tag);
            BlobRef { sha256: Digest::of(&bytes), len: bytes.len() as u64, media_type: MediaType::Jpeg }
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
            provenance: Default::default(),
        };
        chain.append_parts(blob("original"), meta).map_err(|e| corrupt(&e))?;
        renditions.push(RenditionRef { evidence, blob: blob("rendition") });
    }
    let signer = SoftwareSigner::generate().map_err(|e| corrupt(&e))?;
    let seal = seal(&chain, device, &signer, taken + Duration::minutes(30)).map_err(|e| corrupt(&e))?;
    let received = taken + Duration::hours(1);
    let receipt =
        countersign(&chain, &seal, &signer.public_key(), &state()?.signer, received).map_err(|e| corrupt(&e))?;
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
        location_missing: None,
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
        signatures: Vec::new(),
    };
    // Received as a phone's submission would be: countersigned by the platform key, the receipt kept and
    // audited, and the blobs noted as referenced (so the officer's phone may upload them).
    records::save(tx, &Record::Inspection(Box::new(submitted.clone())))?;
    let actor = Actor { reach: Reach::of(tx, officer)?, device: Some(device.to_string()), now: received };
    receipt::record(tx, &actor, &submitted, &receipt)
}
