//! Originals "on request", end to end against the real platform process: a phone with the "on request"
//! policy uploads only renditions; the command centre sees each original as missing, asks for them
//! (audited), the request reaches the phone through pull, the phone uploads the originals on its next
//! sync, the platform verifies and holds them, and the exported bundle includes and verifies them.

use crate::phone;

use fieldcheck_core::evidence::Digest;
use fieldcheck_core::evidence::upload::{BlobRole, Network, OriginalPolicy};
use fieldcheck_core::sync::UploadPolicy;
use fieldcheck_e2e::Device;
use phone::{Phone, Scene, held_blob, platform_cmd, runtime};

fn on_request() -> UploadPolicy {
    UploadPolicy {
        originals: OriginalPolicy::OnRequest,
        network: Network::Unmetered,
        chunk: 16 * 1024,
        free_confirmed: false,
    }
}

fn states(photos: &serde_json::Value) -> Vec<String> {
    photos
        .as_array()
        .expect("a list of photos")
        .iter()
        .map(|p| p["original_state"].as_str().expect("state").to_string())
        .collect()
}

#[test]
fn originals_kept_on_the_phone_arrive_once_the_commander_asks() {
    let Scene { storage, platform, commander, by, partner, enterprise, home, .. } = Scene::start();
    let rt = runtime();

    // The phone syncs: the inspection and its renditions go up, the originals stay.
    let phone = rt.block_on(Phone::sign_in_with(home.path(), &platform.url, "officer1", on_request()));
    let id = phone.inspect(&enterprise, &[&by, &partner]);
    let progress = rt.block_on(phone.client.sync(&phone.store, &mut |_| {})).expect("sync");
    assert_eq!(progress.applied, 1);
    let records = phone.store.evidence_records(id).expect("records");
    assert!(records.len() >= 3);
    let pending = phone.store.pending_blobs().expect("pending");
    assert_eq!(pending.len(), records.len(), "one original per photo waits");
    assert!(pending.iter().all(|p| p.role == BlobRole::Original && !p.requested));
    for r in &records {
        assert!(held_blob(&storage, &r.rendition.sha256.to_hex()).is_some(), "renditions uploaded");
        assert!(held_blob(&storage, &r.original.sha256.to_hex()).is_none(), "originals kept on the phone");
    }

    let photos_path = format!("/v1/inspections/{id}/photos");
    let (status, photos) = commander.get_json(&photos_path);
    assert_eq!(status, 200, "{photos}");
    assert_eq!(states(&photos), vec!["missing"; records.len()]);
    assert!(photos.as_array().expect("list").iter().all(|p| p["rendition_held"] == true));

    // Without the originals the bundle cannot be made.
    let out = tempfile::tempdir().expect("out");
    let bundle = out.path().join("bundle");
    let bundle_arg = bundle.to_str().expect("path");
    let id_text = id.to_string();
    let (ok, text) = platform_cmd(&storage, &["export-bundle", "--inspection", &id_text, "--out", bundle_arg]);
    assert!(!ok && text.contains("missing"), "{text}");
    let _ = std::fs::remove_dir_all(&bundle);

    // Only the command centre asks, and only for photos of that inspection; nobody else sees them.
    let officer = Device::login(&platform, "officer1");
    let request_path = format!("/v1/inspections/{id}/originals/request");
    let (status, _) = officer.post_json(&request_path, serde_json::json!({}));
    assert_eq!(status, 403, "an officer may not ask for originals");
    let (status, _) = Device::login(&platform, "enterprise1").get_json(&photos_path);
    assert_eq!(status, 404, "an enterprise never sees an inspection's photos");
    let stray = fieldcheck_core::domain::ids::EvidenceId::new();
    let (status, _) = commander.post_json(&request_path, serde_json::json!({ "evidence": [stray] }));
    assert_eq!(status, 404, "a photo of another inspection is not asked for");
    let (status, _) = commander
        .post_json(&format!("/v1/inspections/{}/originals/request", uuid::Uuid::now_v7()), serde_json::json!({}));
    assert_eq!(status, 404);

    // The commander asks for one photo, then for all.
    let first = records[0].meta.evidence;
    let (status, photos) = commander.post_json(&request_path, serde_json::json!({ "evidence": [first] }));
    assert_eq!(status, 200, "{photos}");
    let mut expected = vec!["missing"; records.len()];
    expected[0] = "requested";
    assert_eq!(states(&photos), expected);
    let (status, photos) = commander.post_json(&request_path, serde_json::json!({}));
    assert_eq!(status, 200, "{photos}");
    assert_eq!(states(&photos), vec!["requested"; records.len()]);
    assert!(photos[0]["requested_by"] == serde_json::json!(commander.user.id));
    let (_, audit) = commander.get_json(&format!("/v1/audit/inspection/{id}"));
    let asked = audit.as_array().expect("audit").iter().filter(|a| a["action"] == "evidence.request_original").count();
    assert_eq!(asked, records.len() + 1, "every request is audited: {audit}");

    // The next sync pulls the requests and uploads the originals.
    let progress = rt.block_on(phone.client.sync(&phone.store, &mut |_| {})).expect("sync again");
    assert!(progress.pulled >= records.len(), "the requests came with the pull");
    assert!(phone.store.pending_blobs().expect("pending").is_empty(), "every original confirmed");
    for r in &records {
        let held = held_blob(&storage, &r.original.sha256.to_hex()).expect("original held");
        assert_eq!(held.len() as u64, r.original.len, "length checked");
        assert_eq!(Digest::of(&held), r.original.sha256, "hash checked");
        let local = phone.ingestor.blobs().read_verified(&r.original.sha256).expect("phone copy");
        assert_eq!(held, local, "byte for byte what the phone took");
    }
    let (_, photos) = commander.get_json(&photos_path);
    assert_eq!(states(&photos), vec!["held"; records.len()]);

    // The bundle now carries every original and verifies offline.
    let (ok, text) = platform_cmd(&storage, &["export-bundle", "--inspection", &id_text, "--out", bundle_arg]);
    assert!(ok, "{text}");
    let originals = std::fs::read_dir(bundle.join("originals")).expect("originals").count();
    assert_eq!(originals, records.len());
    let (ok, text) = platform_cmd(&storage, &["verify-bundle", bundle_arg]);
    assert!(ok && text.contains("bundle verifies"), "{text}");
    let manifest = std::fs::read_to_string(bundle.join("manifest.json")).expect("manifest");
    assert!(manifest.contains("evidence.request_original"), "the requests are in the bundle's audit trail");
}

#[test]
fn a_request_reaches_only_the_officer_who_took_the_photo() {
    let Scene { storage: _storage, platform, commander, by, partner, enterprise, home, .. } = Scene::start();
    let rt = runtime();
    let phone = rt.block_on(Phone::sign_in_with(home.path(), &platform.url, "officer1", on_request()));
    let id = phone.inspect(&enterprise, &[&by, &partner]);
    rt.block_on(phone.client.sync(&phone.store, &mut |_| {})).expect("sync");

    let partner_device = Device::login(&platform, &partner.login);
    let (_, before) = partner_device.pull_all(0);
    let (status, _) = commander.post_json(&format!("/v1/inspections/{id}/originals/request"), serde_json::json!({}));
    assert_eq!(status, 200);
    let is_request =
        |r: &fieldcheck_core::protocol::Record| matches!(r, fieldcheck_core::protocol::Record::OriginalRequest(_));
    let (records, _) = partner_device.pull_all(before);
    assert!(!records.iter().any(is_request), "another officer of the squadron does not receive the request");
    let taker = Device::login(&platform, "officer1");
    let (records, _) = taker.pull_all(0);
    let requests: Vec<_> = records.iter().filter(|r| is_request(r)).collect();
    assert_eq!(requests.len(), phone.store.evidence_records(id).expect("records").len());
}
