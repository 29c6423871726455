//! Evidence bound to its case, end to end against the real platform process: a device that names
//! another case's photo (by its SHA-256) in a proof it sealed itself is refused and cannot read the
//! photo (an enterprise naming an inspection photo, an officer of another squadron naming one), and an
//! unfinished upload belongs to the device that started it (another caller's append gets 409, and the
//! owner's upload then completes and verifies). The legitimate flows around them still pass.

use crate::phone;

use chrono::Utc;
use fieldcheck_core::domain::ids::{DeviceId, MutationId};
use fieldcheck_core::domain::organisation::Role;
use fieldcheck_core::domain::rectification::{TaskAction, TaskState};
use fieldcheck_core::evidence::{BlobRef, Case, Digest, EvidenceChain, Signer, Subject, seal};
use fieldcheck_core::protocol::{
    Intent, Mutation, Outcome, PROTOCOL_VERSION, PushRequest, PushResponse, RejectCode, SubmittedEvidence,
};
use fieldcheck_core::store::{Capture, TaskFilter};
use fieldcheck_core::sync::Progress;
use fieldcheck_e2e::Device;
use phone::{Phone, Scene, blob_status, held_blob, photo_file, runtime};

fn push_raw(url: &str, token: &str, device: DeviceId, m: Mutation) -> Outcome {
    let req =
        PushRequest { protocol: PROTOCOL_VERSION, device, sent_at: Utc::now(), mutations: vec![m], follows: None };
    let resp = reqwest::blocking::Client::new()
        .post(format!("{url}/v1/sync/push"))
        .bearer_auth(token)
        .json(&req)
        .send()
        .expect("push");
    assert_eq!(resp.status(), 200, "a refused proof is an answer, never a server error");
    let body: PushResponse = resp.json().expect("push response");
    body.results.into_iter().next().expect("one result").outcome
}

/// `GET /v1/blobs/{sha}/content`: the status and the bytes.
fn content(url: &str, token: &str, sha: &str) -> (u16, Vec<u8>) {
    let resp = reqwest::blocking::Client::new()
        .get(format!("{url}/v1/blobs/{sha}/content"))
        .bearer_auth(token)
        .send()
        .expect("content");
    let status = resp.status().as_u16();
    (status, resp.bytes().expect("body").to_vec())
}

/// `GET /v1/blobs/{sha}?len=N`: the status code only.
fn status_code(url: &str, token: &str, blob: &BlobRef) -> u16 {
    let resp = reqwest::blocking::Client::new()
        .get(format!("{url}/v1/blobs/{}?len={}", blob.sha256.to_hex(), blob.len))
        .bearer_auth(token)
        .send()
        .expect("status");
    resp.status().as_u16()
}

/// `PUT /v1/blobs/{sha}` of `bytes` at `first` of a `total`-byte blob: the status code and the body.
fn put(url: &str, token: &str, sha: &str, first: u64, bytes: &[u8], total: u64) -> (u16, serde_json::Value) {
    let resp = reqwest::blocking::Client::new()
        .put(format!("{url}/v1/blobs/{sha}"))
        .bearer_auth(token)
        .header("content-range", format!("bytes {first}-{}/{total}", first + bytes.len() as u64 - 1))
        .body(bytes.to_vec())
        .send()
        .expect("put");
    let status = resp.status().as_u16();
    (status, resp.json().unwrap_or(serde_json::Value::Null))
}

/// The genuine proof with its first photo's original replaced by `victim`, consistently rebuilt and
/// sealed with the device's own registered key: a proof the device could really send.
fn forge(genuine: &SubmittedEvidence, victim: BlobRef, device: DeviceId, signer: &dyn Signer) -> SubmittedEvidence {
    let mut chain = EvidenceChain::new(genuine.chain.case);
    for (n, entry) in genuine.chain.entries.iter().enumerate() {
        let original = if n == 0 { victim } else { entry.original };
        chain.append_parts(original, entry.meta.clone()).expect("append");
    }
    let seal = seal(&chain, device, signer, Utc::now()).expect("seal");
    SubmittedEvidence { chain, seal, renditions: genuine.renditions.clone() }
}

fn assert_refused_as_foreign(outcome: Outcome) {
    match outcome {
        Outcome::Rejected { code, reason } => {
            assert_eq!(code, RejectCode::Forbidden, "{reason}");
            assert!(reason.contains("evidence refused") && reason.contains("another device"), "{reason}");
        }
        other => panic!("a proof naming another case's photo was not refused: {other:?}"),
    }
}

#[test]
fn an_enterprise_naming_an_inspection_photo_in_its_own_proof_is_refused_and_cannot_read_it() {
    let Scene { storage: _storage, platform, by, partner, enterprise, home, .. } = Scene::start();
    let url = platform.url.clone();
    let folder = |name: &str| {
        let dir = home.path().join(name);
        std::fs::create_dir_all(&dir).expect("phone folder");
        dir
    };
    let rt = runtime();
    // The officer's inspection with photos, uploaded whole.
    let officer = rt.block_on(Phone::sign_in(&folder("officer"), &url, "officer1"));
    let id = officer.inspect(&enterprise, &[&by, &partner]);
    let progress = rt.block_on(officer.client.sync(&officer.store, &mut |_| {})).expect("sync");
    assert_eq!((progress.applied, progress.rejected), (1, 0));
    let victim = officer.store.evidence_records(id).expect("records").remove(0);
    let officer_token = officer.client.token().expect("token").to_string();
    let (status, bytes) = content(&url, &officer_token, &victim.original.sha256.to_hex());
    assert_eq!(status, 200, "the officer reads the inspection's photo");
    assert_eq!(Digest::of(&bytes), victim.original.sha256);

    // The enterprise takes a photo for its own task and cites it in a proof step.
    let firm = rt.block_on(Phone::sign_in(&folder("enterprise"), &url, "enterprise1"));
    let s = &firm.store;
    let task = s
        .tasks(&TaskFilter::default(), Utc::now())
        .expect("tasks")
        .into_iter()
        .find(|t| t.task.state == TaskState::Issued)
        .expect("an issued task of the enterprise")
        .task;
    s.transition_task(task.id, TaskAction::Acknowledge, "收到", vec![]).expect("acknowledge");
    rt.block_on(firm.client.sync(s, &mut |_| {})).expect("the acknowledgement reaches the platform");
    let capture = Capture { case: Case::Task(task.id), subject: Subject::Overall, taken_at: Utc::now(), fix: None };
    let photo = s.capture_photo(&firm.ingestor, capture, &photo_file(&firm.dir, 41, 480, 360)).expect("photo");
    s.transition_task(task.id, TaskAction::SubmitProof, "已整改", vec![photo.meta.evidence]).expect("proof");
    let genuine = s.pending_mutations(10).expect("outbox").pop().expect("the proof step");
    let Intent::TaskTransition { proof: Some(proof), .. } = &genuine.intent else { panic!("{genuine:?}") };
    let device = s.device_id().expect("device");
    let firm_token = firm.client.token().expect("token").to_string();

    // Its forged proof names the inspection photo's hash, sealed with its own registered key: refused.
    let forged = forge(proof, victim.original, device, &*s.signer().expect("signer"));
    let intent = Intent::TaskTransition {
        task: task.id,
        action: TaskAction::SubmitProof,
        note: "已整改".into(),
        evidence: vec![photo.meta.evidence],
        proof: Some(Box::new(forged)),
        signature: None,
    };
    let m = Mutation { id: MutationId::new(), seq: 1000, made_at: Utc::now(), intent };
    assert_refused_as_foreign(push_raw(&url, &firm_token, device, m));
    // …and the photo stays out of its reach.
    let sha = victim.original.sha256.to_hex();
    assert_eq!(content(&url, &firm_token, &sha).0, 404, "the enterprise cannot read the inspection photo");
    assert_eq!(status_code(&url, &firm_token, &victim.original), 404);
    assert_eq!(content(&url, &firm_token, &victim.rendition.sha256.to_hex()).0, 404);

    // The genuine proof goes through, its photos upload, and the officer reads what the enterprise sent.
    let progress = rt.block_on(firm.client.sync(s, &mut |_| {})).expect("sync");
    assert_eq!((progress.applied, progress.rejected, progress.blobs_confirmed), (1, 0, 2), "{progress:?}");
    for blob in [&photo.original, &photo.rendition] {
        for token in [&officer_token, &firm_token] {
            let (status, bytes) = content(&url, token, &blob.sha256.to_hex());
            assert_eq!(status, 200, "the task's own proof photo is readable to those who reach the task");
            assert_eq!(Digest::of(&bytes), blob.sha256);
        }
    }
}

#[test]
fn an_officer_of_another_squadron_naming_a_photo_in_its_own_inspection_is_refused_and_cannot_read_it() {
    let Scene { storage: _storage, platform, world, by, partner, enterprise, home, .. } = Scene::start();
    let url = platform.url.clone();
    let folder = |name: &str| {
        let dir = home.path().join(name);
        std::fs::create_dir_all(&dir).expect("phone folder");
        dir
    };
    let rt = runtime();
    let officer = rt.block_on(Phone::sign_in(&folder("officer"), &url, "officer1"));
    let id = officer.inspect(&enterprise, &[&by, &partner]);
    let progress = rt.block_on(officer.client.sync(&officer.store, &mut |_| {})).expect("sync");
    assert_eq!((progress.applied, progress.rejected), (1, 0));
    let victim = officer.store.evidence_records(id).expect("records").remove(0);
    let sha = victim.original.sha256.to_hex();

    // An officer of another squadron, with a partner of their own and an enterprise in their area.
    let stranger =
        world.users.iter().find(|u| u.role == Role::Officer && u.scope != by.scope).expect("another squadron").clone();
    let stranger_partner =
        world.users.iter().find(|u| u.scope == stranger.scope && u.id != stranger.id).expect("partner").clone();
    let their_enterprise = world.enterprise_for(&stranger.login, true).clone();
    let other = rt.block_on(Phone::sign_in(&folder("stranger"), &url, &stranger.login));
    let token = other.client.token().expect("token").to_string();
    assert_eq!(content(&url, &token, &sha).0, 404, "another squadron does not see the inspection");
    other.inspect_with_photos(&their_enterprise, &[&stranger, &stranger_partner], 101);
    let genuine = other.store.pending_mutations(1).expect("outbox").remove(0);
    let Intent::InspectionSubmit(sub) = &genuine.intent else { panic!("not a submission") };
    let device = other.store.device_id().expect("device");

    // Its own inspection, sealed with its own key, naming the other squadron's photo: refused.
    let mut forged = (**sub).clone();
    let evidence = sub.evidence.as_ref().expect("sealed evidence");
    forged.evidence = Some(forge(evidence, victim.original, device, &*other.store.signer().expect("signer")));
    let m = Mutation {
        id: MutationId::new(),
        seq: 1000,
        made_at: Utc::now(),
        intent: Intent::InspectionSubmit(Box::new(forged)),
    };
    assert_refused_as_foreign(push_raw(&url, &token, device, m));
    assert_eq!(content(&url, &token, &sha).0, 404, "the photo stays out of the other squadron's reach");
    assert_eq!(status_code(&url, &token, &victim.original), 404);

    // Its genuine inspection goes through and uploads; the first officer still reads its own photo.
    let progress = rt.block_on(other.client.sync(&other.store, &mut |_| {})).expect("sync");
    assert_eq!((progress.applied, progress.rejected), (1, 0), "{progress:?}");
    assert!(other.store.pending_blobs().expect("pending").is_empty(), "its own photos uploaded");
    let officer_token = officer.client.token().expect("token").to_string();
    let (status, bytes) = content(&url, &officer_token, &sha);
    assert_eq!(status, 200);
    assert_eq!(Digest::of(&bytes), victim.original.sha256);
}

#[test]
fn a_foreign_append_to_an_unfinished_upload_gets_409_and_the_owners_upload_completes() {
    let Scene { storage, platform, by, partner, enterprise, home, .. } = Scene::start();
    let url = platform.url.clone();
    let rt = runtime();
    let phone = rt.block_on(Phone::sign_in(home.path(), &url, "officer1"));
    let id = phone.inspect(&enterprise, &[&by, &partner]);
    rt.block_on(phone.client.push_all(&phone.store, &mut Progress::default(), &mut |_| {})).expect("push");
    let records = phone.store.evidence_records(id).expect("records");
    assert!(records.len() >= 2);
    let owner = phone.client.token().expect("token").to_string();
    // The partner officer sees the inspection (and so its blobs), but did not take its photos.
    let foreign = Device::login(&platform, &partner.login).token;

    // The officer's device starts uploading X.
    let x = &records[0].original;
    let x_bytes = phone.ingestor.blobs().read_verified(&x.sha256).expect("original");
    let x_sha = x.sha256.to_hex();
    let chunk = 16 * 1024;
    assert!(x_bytes.len() > chunk, "the photo spans several chunks");
    let (status, _) = put(&url, &owner, &x_sha, 0, &x_bytes[..chunk], x.len);
    assert_eq!(status, 200);

    // Another caller in scope may not append to it, where the held bytes end or anywhere else.
    for first in [chunk as u64, 0] {
        let (status, body) = put(&url, &foreign, &x_sha, first, b"junk!", x.len);
        assert_eq!(status, 409, "a foreign append at {first} is refused: {body}");
        assert_eq!(body["error"], "upload_in_progress", "{body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
    }
    let held = blob_status(&url, &owner, &x_sha, x.len);
    assert_eq!((held.received, held.confirmed), (chunk as u64, false), "nothing foreign was appended");
    // The owner's re-sent chunk is still answered with the status (resume).
    let (status, body) = put(&url, &owner, &x_sha, 0, &x_bytes[..chunk], x.len);
    assert_eq!((status, body["received"].as_u64()), (200, Some(chunk as u64)), "{body}");

    // A caller in scope that starts an upload first does not lock out the device that took the photo.
    let y = &records[1].original;
    let (status, _) = put(&url, &foreign, &y.sha256.to_hex(), 0, b"junk!", y.len);
    assert_eq!(status, 200, "nobody was uploading Y yet");

    // The owner's device uploads everything; each blob is whole and verifies.
    let report = rt.block_on(phone.client.upload_blobs(&phone.store, &mut Progress::default())).expect("uploads");
    assert!(report.confirmed >= 2 * records.len(), "{report:?}");
    assert!(phone.store.pending_blobs().expect("pending").is_empty(), "every blob confirmed");
    for r in &records {
        for blob in [&r.original, &r.rendition] {
            let held = held_blob(&storage, &blob.sha256.to_hex()).expect("held");
            assert_eq!((held.len() as u64, Digest::of(&held)), (blob.len, blob.sha256), "whole and verified");
        }
    }
    // Confirmed, the blob is deduplicated: a caller who may see it gets its status, and a PUT changes nothing.
    assert!(blob_status(&url, &foreign, &x_sha, x.len).confirmed);
    let (status, body) = put(&url, &foreign, &x_sha, 0, b"junk!", x.len);
    assert_eq!((status, body["confirmed"].as_bool()), (200, Some(true)), "{body}");
    let (status, bytes) = content(&url, &foreign, &x_sha);
    assert_eq!((status, Digest::of(&bytes)), (200, x.sha256), "the partner reads the inspection's photo");
}

#[test]
fn a_device_citing_its_own_photos_again_finds_them_held_and_sends_nothing() {
    let Scene { storage: _storage, platform, by, partner, enterprise, home, .. } = Scene::start();
    let rt = runtime();
    let phone = rt.block_on(Phone::sign_in(home.path(), &platform.url, "officer1"));
    let first = phone.inspect(&enterprise, &[&by, &partner]);
    let progress = rt.block_on(phone.client.sync(&phone.store, &mut |_| {})).expect("sync");
    assert_eq!((progress.applied, progress.rejected), (1, 0));
    assert!(phone.store.pending_blobs().expect("pending").is_empty());
    // A second inspection on the same device whose photos are the same bytes (same generated images):
    // its own photos, cited again in its own sealed record for another case.
    let second = phone.inspect(&enterprise, &[&by, &partner]);
    let (a, b) =
        (phone.store.evidence_records(first).expect("records"), phone.store.evidence_records(second).expect("records"));
    assert_eq!(a[0].original.sha256, b[0].original.sha256, "the same bytes");
    let mut progress = Progress::default();
    rt.block_on(phone.client.push_all(&phone.store, &mut progress, &mut |_| {})).expect("push");
    assert_eq!((progress.applied, progress.rejected), (1, 0), "its own photos may be cited again: {progress:?}");
    let report = rt.block_on(phone.client.upload_blobs(&phone.store, &mut Progress::default())).expect("uploads");
    assert_eq!(report.bytes, 0, "every blob was already held: nothing sent again");
    assert!(phone.store.pending_blobs().expect("pending").is_empty(), "each is confirmed");
}
