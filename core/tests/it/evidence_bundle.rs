//! Evidence bundles verified offline: intact bundles pass; removing, reordering or altering any photo
//! or field fails and names the entry and field.

use crate::evidence_common;

use evidence_common::*;
use fieldcheck_core::domain::ids::{DeviceId, InspectionId, UserId};
use fieldcheck_core::evidence::bundle::Manifest;
use fieldcheck_core::evidence::{
    AuditEvent, BundleError, BundleInput, Case, EvidenceChain, Signer, SoftwareSigner, VerifyOptions, build_bundle,
    countersign, pack_tar, seal, verify_bundle, verify_bundle_with,
};
use serde_json::Value;
use std::path::{Path, PathBuf};

struct Built {
    _dir: tempfile::TempDir,
    bundle: PathBuf,
    device_key: SoftwareSigner,
    platform_key: SoftwareSigner,
}

fn build() -> Built {
    let dir = tempfile::tempdir().expect("tempdir");
    let ing = ingestor(&dir.path().join("blobs"));
    let (inspection, device, officer) = (InspectionId::new(), DeviceId::new(), UserId::new());
    let mut chain = EvidenceChain::new(Case::Inspection(inspection));
    for (w, h) in [(320, 240), (240, 320), (400, 300)] {
        let record = ing.ingest(&jpeg(&photo(w, h)), meta(inspection, device, officer), None).expect("ingest");
        chain.append(&record).expect("append");
    }
    let device_key = SoftwareSigner::generate().expect("key");
    let platform_key = SoftwareSigner::generate().expect("key");
    let sealed = seal(&chain, device, &device_key, t0()).expect("seal");
    let receipt = countersign(&chain, &sealed, &device_key.public_key(), &platform_key, t0()).expect("receipt");
    let audit = vec![
        AuditEvent {
            at: t0(),
            actor: "officer 0042".into(),
            action: "inspection.submit".into(),
            detail: String::new(),
        },
        AuditEvent { at: t0(), actor: "platform".into(), action: "evidence.receipt".into(), detail: "3 photos".into() },
    ];
    let bundle = dir.path().join("bundle");
    let input = BundleInput {
        chain: &chain,
        seal: &sealed,
        receipt: Some(&receipt),
        audit: &audit,
        signatures: &[],
        orders: &[],
        exporter: Some(&platform_key),
        exported_at: t0(),
    };
    build_bundle(&bundle, &input, ing.blobs()).expect("bundle");
    Built { _dir: dir, bundle, device_key, platform_key }
}

fn manifest(bundle: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(bundle.join("manifest.json")).expect("read")).expect("json")
}

fn save(bundle: &Path, value: &Value) {
    std::fs::write(bundle.join("manifest.json"), serde_json::to_vec_pretty(value).expect("json")).expect("write");
}

fn located(err: BundleError) -> Vec<(Option<u32>, Option<String>)> {
    assert!(!err.problems().is_empty(), "expected located problems, got {err}");
    err.problems().iter().map(|p| (p.entry, p.field.clone())).collect()
}

fn photo_path(bundle: &Path, entry: usize) -> PathBuf {
    let m: Manifest = serde_json::from_value(manifest(bundle)).expect("manifest");
    let e = &m.chain.entries[entry];
    bundle.join("originals").join(format!("{}.jpg", e.original.sha256))
}

#[test]
fn an_intact_bundle_verifies_offline() {
    let b = build();
    let report = verify_bundle(&b.bundle).expect("verifies");
    assert_eq!(report.photos, 3);
    assert_eq!(report.audit_events, 2);
    assert_eq!(report.received_at, Some(t0()));
    assert_eq!(report.device_key, b.device_key.public_key().fingerprint());
    assert!(report.to_string().starts_with("bundle verifies: 3 photo(s) of inspection "), "{report}");
    let trusted = VerifyOptions {
        trusted_platform_keys: vec![b.platform_key.public_key()],
        trusted_device_keys: vec![b.device_key.public_key()],
        allow_missing_receipt: false,
    };
    verify_bundle_with(&b.bundle, &trusted).expect("verifies against trusted keys");
}

#[test]
fn a_removed_photo_file_is_named() {
    let b = build();
    std::fs::remove_file(photo_path(&b.bundle, 1)).expect("remove");
    assert_eq!(located(verify_bundle(&b.bundle).expect_err("missing")), vec![(Some(1), Some("original".into()))]);
}

#[test]
fn an_altered_photo_is_named() {
    let b = build();
    let path = photo_path(&b.bundle, 2);
    let mut bytes = std::fs::read(&path).expect("read");
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    std::fs::write(&path, bytes).expect("write");
    assert_eq!(located(verify_bundle(&b.bundle).expect_err("altered")), vec![(Some(2), Some("original".into()))]);
}

#[test]
fn an_extra_photo_is_reported() {
    let b = build();
    std::fs::write(b.bundle.join("originals").join("planted.jpg"), jpeg(&photo(16, 16))).expect("write");
    let err = verify_bundle(&b.bundle).expect_err("extra file");
    assert!(err.to_string().contains("planted.jpg is not part of the chain"), "{err}");
}

#[test]
fn reordered_entries_are_named() {
    let b = build();
    let mut m = manifest(&b.bundle);
    m["chain"]["entries"].as_array_mut().expect("entries").swap(0, 1);
    save(&b.bundle, &m);
    let found = located(verify_bundle(&b.bundle).expect_err("reordered"));
    assert!(found.contains(&(Some(0), Some("seq".into()))), "{found:?}");
    assert!(found.contains(&(Some(1), Some("seq".into()))), "{found:?}");
}

#[test]
fn removed_entries_are_named() {
    let b = build();
    let mut m = manifest(&b.bundle);
    m["chain"]["entries"].as_array_mut().expect("entries").remove(1);
    save(&b.bundle, &m);
    let found = located(verify_bundle(&b.bundle).expect_err("removed"));
    assert!(found.contains(&(Some(1), Some("prev".into()))), "{found:?}");
    let err = verify_bundle(&b.bundle).expect_err("removed");
    assert!(err.to_string().contains("is not part of the chain"), "the orphaned photo is reported: {err}");

    let b = build();
    let mut m = manifest(&b.bundle);
    m["chain"]["entries"].as_array_mut().expect("entries").pop();
    save(&b.bundle, &m);
    let err = verify_bundle(&b.bundle).expect_err("removed last");
    assert!(err.to_string().contains("covers 3 entries but 2 are present"), "{err}");
}

#[test]
fn an_altered_field_is_named() {
    let b = build();
    let mut m = manifest(&b.bundle);
    m["chain"]["entries"][2]["meta"]["officer"] = Value::String(UserId::new().to_string());
    m["chain"]["entries"][0]["meta"]["taken_at"] = Value::String("2026-11-28T20:00:00Z".into());
    save(&b.bundle, &m);
    let found = located(verify_bundle(&b.bundle).expect_err("altered"));
    assert!(found.contains(&(Some(2), Some("meta.officer".into()))), "{found:?}");
    assert!(found.contains(&(Some(0), Some("meta.taken_at".into()))), "{found:?}");
}

#[test]
fn a_chain_resigned_with_another_key_is_refused() {
    let b = build();
    let m: Manifest = serde_json::from_value(manifest(&b.bundle)).expect("manifest");
    // Drop the second photo, rebuild a consistent chain and seal it with a key of the forger's.
    let mut forged = EvidenceChain::new(m.chain.case);
    for (i, e) in m.chain.entries.iter().enumerate() {
        if i != 1 {
            forged.append_parts(e.original, e.meta.clone()).expect("append");
        }
    }
    let forger = SoftwareSigner::generate().expect("key");
    let resealed = seal(&forged, m.seal.device, &forger, t0()).expect("seal");
    std::fs::remove_file(photo_path(&b.bundle, 1)).expect("remove");
    let mut v = manifest(&b.bundle);
    v["chain"] = serde_json::to_value(&forged).expect("json");
    v["seal"] = serde_json::to_value(&resealed).expect("json");
    save(&b.bundle, &v);
    let found = located(verify_bundle(&b.bundle).expect_err("receipt no longer matches"));
    assert!(found.contains(&(None, Some("receipt".into()))), "{found:?}");

    // Without the receipt, a verifier that knows the device key still refuses it.
    v["receipt"] = Value::Null;
    v["export"] = Value::Null;
    save(&b.bundle, &v);
    let found = located(verify_bundle(&b.bundle).expect_err("no receipt"));
    assert_eq!(found, vec![(None, Some("receipt".into()))]);
    let options = VerifyOptions {
        trusted_device_keys: vec![b.device_key.public_key()],
        allow_missing_receipt: true,
        ..VerifyOptions::default()
    };
    let found = located(verify_bundle_with(&b.bundle, &options).expect_err("untrusted device key"));
    assert_eq!(found, vec![(None, Some("seal.key".into()))]);
}

#[test]
fn an_altered_audit_trail_is_detected() {
    let b = build();
    let mut m = manifest(&b.bundle);
    m["audit"][0]["actor"] = Value::String("someone else".into());
    save(&b.bundle, &m);
    let found = located(verify_bundle(&b.bundle).expect_err("audit"));
    assert!(found.contains(&(None, Some("audit".into()))), "{found:?}");
    assert!(found.contains(&(None, Some("export".into()))), "{found:?}");
}

#[test]
fn a_damaged_manifest_is_a_clear_error() {
    let b = build();
    std::fs::write(b.bundle.join("manifest.json"), b"{ not json").expect("write");
    assert!(matches!(verify_bundle(&b.bundle), Err(BundleError::Manifest(_))));
    assert!(matches!(verify_bundle(&b.bundle.join("nowhere")), Err(BundleError::Io { .. })));
}

#[test]
fn a_bundle_is_not_built_without_every_original() {
    let dir = tempfile::tempdir().expect("tempdir");
    let blobs = fieldcheck_core::evidence::BlobStore::open(dir.path().join("blobs")).expect("blobs");
    let ing = fieldcheck_core::evidence::Ingestor::new(blobs.clone(), Default::default());
    let inspection = InspectionId::new();
    let mut chain = EvidenceChain::new(Case::Inspection(inspection));
    let record = ing.ingest(&jpeg(&photo(64, 48)), meta(inspection, DeviceId::new(), UserId::new()), None).expect("in");
    chain.append(&record).expect("append");
    std::fs::write(blobs.path(&record.original.sha256), b"bit rot").expect("damage");
    let key = SoftwareSigner::generate().expect("key");
    let sealed = seal(&chain, DeviceId::new(), &key, t0()).expect("seal");
    let input = BundleInput {
        chain: &chain,
        seal: &sealed,
        receipt: None,
        audit: &[],
        signatures: &[],
        orders: &[],
        exporter: None,
        exported_at: t0(),
    };
    let err = build_bundle(&dir.path().join("bundle"), &input, &blobs).expect_err("damaged original");
    assert!(matches!(err, BundleError::MissingOriginal { .. }), "{err}");
}

#[test]
fn a_tar_of_the_bundle_verifies_and_tampering_inside_it_is_named() {
    let b = build();
    let tar = b.bundle.with_extension("tar");
    pack_tar(&b.bundle, &tar).expect("pack");
    let report = verify_bundle(&tar).expect("tar verifies");
    assert_eq!(report.photos, 3);

    let path = photo_path(&b.bundle, 0);
    let mut bytes = std::fs::read(&path).expect("read");
    bytes.push(0);
    std::fs::write(&path, bytes).expect("write");
    std::fs::write(b.bundle.join("notes.txt"), b"added later").expect("write");
    let tampered = b.bundle.with_extension("tampered.tar");
    pack_tar(&b.bundle, &tampered).expect("pack");
    let err = verify_bundle(&tampered).expect_err("altered photo");
    assert!(located(err).contains(&(Some(0), Some("original".into()))));
    let err = verify_bundle(&b.bundle).expect_err("stray file in the folder");
    assert!(err.to_string().contains("unexpected file notes.txt"), "{err}");

    std::fs::write(&tar, b"not a tar file at all").expect("write");
    assert!(verify_bundle(&tar).is_err());
}
