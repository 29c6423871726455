//! The demo's submitted inspections: those with photo evidence, so the console shows photos whose
//! originals the command centre can ask for, and the earlier ones whose findings issued the demo's
//! rectification tasks, so their orders print. The chain is built and sealed as a phone would (by a demo
//! device key) and received as the platform receives one (countersigned, receipt kept, blobs
//! referenced). The photos' bytes are short stand-ins (`stand_in`) that no phone uploaded, so every
//! original starts `missing`.

use crate::access::Reach;
use crate::db::{StoreError, Tx};
use crate::evidence::keys::state;
use crate::evidence::receipt;
use crate::intents::Actor;
use crate::records;
use chrono::{DateTime, Duration, Utc};
use fieldcheck_domain::finding::Finding;
use fieldcheck_domain::ids::{DeviceId, EvidenceId, InspectionId};
use fieldcheck_domain::inspection::{Inspection, InspectionKind, InspectionState, Inspector};
use fieldcheck_domain::organisation::{Enterprise, User};
use fieldcheck_evidence::{
    BlobRef, CaptureMeta, Case, Digest, EvidenceChain, MediaType, PublicKey, Signer, SoftwareSigner, Subject,
    countersign, seal,
};
use fieldcheck_protocol::{Record, RenditionRef, SubmittedEvidence, SubmittedInspection};

/// The bytes standing in for photo `n`'s `tag` ("original" or "rendition") of the demo inspection `id`.
pub fn stand_in(id: InspectionId, n: u64, tag: &str) -> Vec<u8> {
    format!("fieldcheck demo photo {id} {n} {tag}").into_bytes()
}

/// One demo inspection: whose, when its photos were taken, what it found and how many photos.
pub struct Visit<'a> {
    pub id: InspectionId,
    pub enterprise: &'a Enterprise,
    pub officer: &'a User,
    /// Started 10 minutes before, ended 25 minutes after, received 35 minutes after.
    pub taken: DateTime<Utc>,
    pub summary: &'a str,
    /// The findings recorded, each issuing a task (saved by the caller).
    pub findings: Vec<Finding>,
    /// Photos of the whole site; with none, the record carries no evidence.
    pub photos: u64,
}

/// Saves a routine inspection as `visit` says, submitted with photos and countersigned on receipt.
pub fn seed(tx: &mut dyn Tx, visit: Visit) -> Result<(), StoreError> {
    let Visit { id, enterprise, officer, taken, summary, findings, photos } = visit;
    let device = DeviceId::new();
    let sealed = if photos == 0 { None } else { Some(sealed_photos(id, officer, device, taken, photos)?) };
    let (evidence, device_key) = sealed.unzip();
    let received = taken + Duration::minutes(35);
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
        summary: summary.into(),
        state: InspectionState::Submitted,
        origin: None,
        corrects: None,
        created_by: officer.id,
    };
    let submitted = SubmittedInspection {
        inspection,
        answers: Vec::new(),
        findings,
        tasks: Vec::new(),
        notices: Vec::new(),
        evidence,
        signatures: Vec::new(),
    };
    // Received as a phone's submission would be: countersigned by the platform key, the receipt kept and
    // audited, and the blobs noted as referenced (so the officer's phone may upload them).
    records::save(tx, &Record::Inspection(Box::new(submitted.clone())))?;
    let (Some(evidence), Some(device_key)) = (&submitted.evidence, device_key) else { return Ok(()) };
    let receipt = countersign(&evidence.chain, &evidence.seal, &device_key, &state()?.signer, received)
        .map_err(|e| corrupt(&e))?;
    let actor = Actor { reach: Reach::of(tx, officer)?, device: Some(device.to_string()), now: received };
    receipt::record(tx, &actor, &submitted, &receipt)
}

fn corrupt(e: &dyn std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("demo inspection: {e}"))
}

/// `photos` photos of the site taken from `taken` on, sealed by a demo device key half an hour later.
fn sealed_photos(
    id: InspectionId,
    officer: &User,
    device: DeviceId,
    taken: DateTime<Utc>,
    photos: u64,
) -> Result<(SubmittedEvidence, PublicKey), StoreError> {
    let mut chain = EvidenceChain::new(Case::Inspection(id));
    let mut renditions = Vec::new();
    for n in 0..photos {
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
        renditions.push(RenditionRef { evidence, blob: blob("rendition"), thumbnail: None });
    }
    let signer = SoftwareSigner::generate().map_err(|e| corrupt(&e))?;
    let seal = seal(&chain, device, &signer, taken + Duration::minutes(30)).map_err(|e| corrupt(&e))?;
    Ok((SubmittedEvidence { chain, seal, renditions }, signer.public_key()))
}
