//! The evidence hash chain, the device seal and the platform countersignature: any reordering,
//! deletion, alteration or re-signing is detected and located.

use crate::evidence_common;

use evidence_common::*;
use fieldcheck_core::domain::ids::{DeviceId, InspectionId, UserId};
use fieldcheck_core::evidence::signing::verify;
use fieldcheck_core::evidence::{
    BlobRef, Case, ChainError, Digest, EvidenceChain, MediaType, Signer, SoftwareSigner, countersign, seal,
    verify_sealed,
};

struct Fixture {
    chain: EvidenceChain,
    device: DeviceId,
    device_key: SoftwareSigner,
    platform_key: SoftwareSigner,
}

fn fixture(photos: usize) -> Fixture {
    let (inspection, device, officer) = (InspectionId::new(), DeviceId::new(), UserId::new());
    let mut chain = EvidenceChain::new(Case::Inspection(inspection));
    for i in 0..photos {
        let bytes = format!("photo {i}").into_bytes();
        let original = BlobRef { sha256: Digest::of(&bytes), len: bytes.len() as u64, media_type: MediaType::Jpeg };
        chain.append_parts(original, meta(inspection, device, officer)).expect("append");
    }
    Fixture {
        chain,
        device,
        device_key: SoftwareSigner::generate().expect("key"),
        platform_key: SoftwareSigner::generate().expect("key"),
    }
}

fn problems(err: ChainError) -> Vec<(Option<u32>, Option<String>)> {
    match err {
        ChainError::Broken { problems } => problems.into_iter().map(|p| (p.entry, p.field)).collect(),
        other => panic!("expected a broken chain, got {other}"),
    }
}

#[test]
fn an_intact_chain_is_sealed_and_countersigned() {
    let f = fixture(4);
    let head = f.chain.verify().expect("verifies");
    assert_eq!(head.count, 4);
    let sealed = seal(&f.chain, f.device, &f.device_key, t0()).expect("seal");
    let receipt = countersign(&f.chain, &sealed, &f.device_key.public_key(), &f.platform_key, t0()).expect("receipt");
    receipt.verify(&sealed, &[f.platform_key.public_key()]).expect("receipt verifies");
    // The chain survives a JSON round trip unchanged (what the wire and bundles do).
    let json = serde_json::to_string(&f.chain).expect("json");
    let back: EvidenceChain = serde_json::from_str(&json).expect("parse");
    verify_sealed(&back, &sealed, Some(&f.device_key.public_key())).expect("still verifies");
}

#[test]
fn reordered_entries_are_detected_at_their_position() {
    let mut f = fixture(4);
    f.chain.entries.swap(1, 2);
    let found = problems(f.chain.verify().expect_err("reordered"));
    assert!(found.contains(&(Some(1), Some("seq".into()))), "{found:?}");
    assert!(found.contains(&(Some(1), Some("prev".into()))), "{found:?}");
}

#[test]
fn a_deleted_entry_is_detected_in_the_middle_and_at_the_end() {
    let f = fixture(4);
    let sealed = seal(&f.chain, f.device, &f.device_key, t0()).expect("seal");
    let mut middle = f.chain.clone();
    middle.entries.remove(1);
    let found = problems(middle.verify().expect_err("gap"));
    assert!(found.contains(&(Some(1), Some("prev".into()))), "{found:?}");

    // Dropping the last entry leaves a consistent chain, but not the one the device signed.
    let mut last = f.chain.clone();
    last.entries.pop();
    last.verify().expect("a shorter chain is self-consistent");
    let err = verify_sealed(&last, &sealed, Some(&f.device_key.public_key())).expect_err("head differs");
    assert!(err.to_string().contains("covers 4 entries but 3 are present"), "{err}");
}

#[test]
fn an_altered_field_is_named() {
    let mut f = fixture(3);
    f.chain.entries[2].meta.officer = UserId::new();
    assert_eq!(problems(f.chain.verify().expect_err("altered")), vec![(Some(2), Some("meta.officer".into()))]);

    let mut f = fixture(3);
    if let Some(fix) = f.chain.entries[0].meta.fix.as_mut() {
        fix.lat += 0.001;
    }
    f.chain.entries[1].original.len += 1;
    let found = problems(f.chain.verify().expect_err("altered"));
    assert_eq!(found, vec![(Some(0), Some("meta.fix".into())), (Some(1), Some("original".into()))]);
}

#[test]
fn recomputing_hashes_after_an_edit_does_not_pass_the_seal() {
    let f = fixture(3);
    let sealed = seal(&f.chain, f.device, &f.device_key, t0()).expect("seal");
    // A forger rebuilds a fully consistent chain with one photo swapped out.
    let mut forged = EvidenceChain::new(f.chain.case);
    for (i, e) in f.chain.entries.iter().enumerate() {
        let mut original = e.original;
        if i == 1 {
            original.sha256 = Digest::of(b"a different photo");
        }
        forged.append_parts(original, e.meta.clone()).expect("append");
    }
    forged.verify().expect("self-consistent");
    let err = verify_sealed(&forged, &sealed, Some(&f.device_key.public_key())).expect_err("seal catches it");
    assert!(err.to_string().contains("last entry's hash differs from the signed head"), "{err}");

    // Re-signing the forgery with another key: refused against the device's registered key, and the
    // platform will not countersign it.
    let other = SoftwareSigner::generate().expect("key");
    let resealed = seal(&forged, f.device, &other, t0()).expect("seal");
    resealed.verify_signature().expect("self-signed seal is internally valid");
    let err = verify_sealed(&forged, &resealed, Some(&f.device_key.public_key())).expect_err("wrong key");
    assert!(matches!(err, ChainError::Signature(_)), "{err}");
    assert!(countersign(&forged, &resealed, &f.device_key.public_key(), &f.platform_key, t0()).is_err());
}

#[test]
fn a_tampered_seal_or_receipt_fails_its_signature() {
    let f = fixture(2);
    let mut sealed = seal(&f.chain, f.device, &f.device_key, t0()).expect("seal");
    let receipt = countersign(&f.chain, &sealed, &f.device_key.public_key(), &f.platform_key, t0()).expect("receipt");
    let mut late = receipt.clone();
    late.received_at += chrono::Duration::hours(1);
    assert!(late.verify(&sealed, &[f.platform_key.public_key()]).is_err(), "receipt time is signed");
    assert!(receipt.verify(&sealed, &[f.device_key.public_key()]).is_err(), "untrusted platform key");
    sealed.signed_at += chrono::Duration::seconds(1);
    assert!(sealed.verify_signature().is_err(), "seal time is signed");
    assert!(receipt.verify(&sealed, &[f.platform_key.public_key()]).is_err(), "receipt covers the seal");
}

#[test]
fn signer_round_trip_and_wrong_inspection() {
    let key = SoftwareSigner::generate().expect("key");
    let again = SoftwareSigner::from_secret(&key.secret()).expect("restore");
    assert_eq!(key.public_key(), again.public_key());
    let sig = key.sign(b"message").expect("sign");
    verify(&key.public_key(), b"message", &sig).expect("verifies");
    assert!(verify(&key.public_key(), b"messagE", &sig).is_err());

    let mut chain = EvidenceChain::new(Case::Inspection(InspectionId::new()));
    let original = BlobRef { sha256: Digest::of(b"x"), len: 1, media_type: MediaType::Jpeg };
    let err = chain.append_parts(original, any_meta()).expect_err("other inspection");
    assert!(matches!(err, ChainError::WrongCase { .. }));
    let mut m = any_meta();
    m.case = chain.case;
    m.fix = Some(fieldcheck_core::domain::geo::GeoFix { lat: f64::NAN, lon: 0.0, accuracy_m: 1.0 });
    assert!(matches!(chain.append_parts(original, m), Err(ChainError::InvalidMetadata(_))));
}

#[test]
fn submitted_evidence_survives_the_wire() {
    use fieldcheck_core::protocol::SubmittedEvidence;
    let f = fixture(2);
    let sealed = seal(&f.chain, f.device, &f.device_key, t0()).expect("seal");
    let sent = SubmittedEvidence { chain: f.chain.clone(), seal: sealed, renditions: Vec::new() };
    let json = serde_json::to_vec(&sent).expect("json");
    let got: SubmittedEvidence = serde_json::from_slice(&json).expect("parse");
    assert_eq!(got, sent);
    countersign(&got.chain, &got.seal, &f.device_key.public_key(), &f.platform_key, t0()).expect("platform accepts");
}

#[test]
fn tasks_and_alarms_have_chains_of_their_own() {
    use fieldcheck_core::domain::ids::{AlarmId, TaskId};
    use fieldcheck_core::domain::template::ItemRef;
    use fieldcheck_core::evidence::Subject;
    let task = Case::Task(TaskId::new());
    let mut chain = EvidenceChain::new(task);
    let mut m = any_meta();
    m.case = task;
    m.subject = Subject::Overall;
    m.validate().expect("a task photo");
    let original = BlobRef { sha256: Digest::of(b"fixed"), len: 5, media_type: MediaType::Jpeg };
    chain.append_parts(original, m.clone()).expect("append");
    chain.verify().expect("verifies");
    // The same entry cannot be moved into another case's chain.
    let mut moved = chain.clone();
    moved.case = Case::Alarm(AlarmId::new());
    assert!(moved.verify().is_err());
    // Checklist items only exist within inspections.
    m.subject = Subject::Item { item: ItemRef { template: "t".into(), code: "c".into() } };
    assert!(m.validate().is_err());
}
