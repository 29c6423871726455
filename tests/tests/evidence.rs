//! Photo evidence end to end against the real platform process: a phone takes generated photos for an
//! inspection, submits it (the chain sealed with its key), the platform verifies and countersigns,
//! the blobs upload in resumable chunks (also across a cut connection and a restarted app), and the
//! exported bundle verifies offline, and fails naming the place once a photo or a field is altered.
//! Tampered chains are refused by the platform.

use chrono::Utc;
use fieldcheck_core::checklists;
use fieldcheck_core::domain::geo::GeoFix;
use fieldcheck_core::domain::ids::{EvidenceId, InspectionId, MutationId};
use fieldcheck_core::domain::inspection::{InspectionKind, Inspector};
use fieldcheck_core::domain::organisation::User;
use fieldcheck_core::domain::rectification::{TaskAction, TaskState};
use fieldcheck_core::domain::template::{ItemRef, PhotoRule};
use fieldcheck_core::evidence::upload::{Network, OriginalPolicy};
use fieldcheck_core::evidence::{BlobStore, Case, EvidenceChain, Ingestor, Limits, SoftwareSigner, Subject, seal};
use fieldcheck_core::protocol::{BlobStatus, Intent, Mutation, Outcome, PROTOCOL_VERSION, PushRequest, PushResponse};
use fieldcheck_core::store::{Capture, NewInspection, Store, TaskFilter};
use fieldcheck_core::sync::{Backoff, Progress, SyncClient, SyncOptions, UploadPolicy};
use fieldcheck_e2e::{Device, PASSWORD, Platform, Storage, World, fixtures, platform_binary};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

const TEMPLATE: &str = "emergency_preparedness";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime")
}

/// A noisy photo-like JPEG (noise does not compress, so files span several chunks), distinct per seed.
fn photo_file(dir: &Path, seed: u32, width: u32, height: u32) -> PathBuf {
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let n = (state >> 24) as u8;
        image::Rgb([(x * 255 / width) as u8 ^ (n & 0x3f), (y * 255 / height) as u8, n])
    });
    let path = dir.join(format!("photo-{seed}.jpg"));
    img.save_with_format(&path, image::ImageFormat::Jpeg).expect("write photo");
    path
}

/// A phone: its store, blob folder and sync client, all in one folder that survives a "restart".
struct Phone {
    store: Store,
    ingestor: Ingestor,
    client: SyncClient,
    dir: PathBuf,
}

fn policy() -> UploadPolicy {
    UploadPolicy {
        originals: OriginalPolicy::Immediately,
        network: Network::Unmetered,
        chunk: 16 * 1024,
        free_confirmed: true,
    }
}

impl Phone {
    /// Opens (or reopens) the phone in `dir`, talking to `url`.
    fn open(dir: &Path, url: &str, token: Option<&str>, options: SyncOptions) -> Phone {
        let store = Store::open(dir.join("device.sqlite3")).expect("store");
        let blobs = BlobStore::open(dir.join("blobs")).expect("blobs");
        let ingestor = Ingestor::new(blobs.clone(), Limits::default());
        let mut client = SyncClient::new(url, options).expect("client").with_uploads(blobs, policy());
        if let Some(token) = token {
            client = client.with_token(token);
        }
        Phone { store, ingestor, client, dir: dir.to_path_buf() }
    }

    async fn sign_in(dir: &Path, url: &str, login: &str) -> Phone {
        let mut phone = Phone::open(dir, url, None, SyncOptions::default());
        phone.client.login(&phone.store, login, PASSWORD).await.expect("login");
        phone.client.sync(&phone.store, &mut |_| {}).await.expect("first sync");
        phone
    }

    /// A complete, compliant inspection with a generated photo for every item that needs one.
    fn inspect(&self, enterprise: &fieldcheck_core::domain::organisation::Enterprise, team: &[&User]) -> InspectionId {
        let template = checklists::bundled().into_iter().find(|t| t.id == TEMPLATE).expect("template");
        let s = &self.store;
        let draft = s
            .create_inspection(&NewInspection {
                enterprise: enterprise.id,
                kind: InspectionKind::Routine,
                checklists: vec![template.reference()],
                origin: None,
            })
            .expect("draft");
        let who = |u: &User| Inspector {
            user: u.id,
            name: u.name.clone(),
            certificate_no: u.certificate_no.clone().unwrap_or_else(|| "33078400001".into()),
        };
        s.set_team(draft.id, team.iter().map(|u| who(u)).collect(), Some(who(team[1]))).expect("team");
        let fix = GeoFix::new(28.9, 120.03, 8.0).expect("fix");
        s.start_inspection(draft.id, Utc::now(), Some(fix)).expect("start");
        let day = Utc::now().date_naive();
        for (n, item) in template.items.iter().enumerate() {
            let r = ItemRef { template: template.id.clone(), code: item.code.clone() };
            s.answer(draft.id, r.clone(), fixtures::compliant(item, day), None).expect("answer");
            if item.photo == PhotoRule::Always || n < 3 {
                let file = photo_file(&self.dir, n as u32 + 1, 480, 360);
                let capture = Capture {
                    case: Case::Inspection(draft.id),
                    subject: Subject::Item { item: r },
                    taken_at: Utc::now(),
                    fix: Some(fix),
                };
                s.capture_photo(&self.ingestor, capture, &file, None).expect("photo");
            }
        }
        s.submit_inspection(draft.id).expect("submit");
        draft.id
    }
}

fn team(world: &World) -> (User, User) {
    let by = world.user("officer1").clone();
    let partner = world.users.iter().find(|u| u.scope == by.scope && u.id != by.id).expect("partner").clone();
    (by, partner)
}

fn platform_cmd(storage: &Storage, args: &[&str]) -> (bool, String) {
    let mut cmd = Command::new(platform_binary());
    cmd.args(args);
    if args[0] == "export-bundle" {
        cmd.arg("--data").arg(storage.dir.path());
        if let Some(db) = &storage.database {
            cmd.args(["--database", db]);
        }
    }
    let out = cmd.output().expect("run platform command");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

fn blob_file(storage: &Storage, sha: &str) -> PathBuf {
    storage.dir.path().join("evidence/blobs/sha256").join(&sha[..2]).join(sha)
}

#[test]
fn a_full_inspection_with_photos_is_countersigned_uploaded_exported_and_verifiable() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let commander = Device::login(&platform, "commander");
    let world = World::load(&commander);
    let (by, partner) = team(&world);
    let enterprise = world.enterprise_for("officer1", true).clone();
    let home = tempfile::tempdir().expect("phone dir");
    let rt = runtime();
    let id = rt.block_on(async {
        let phone = Phone::sign_in(home.path(), &platform.url, "officer1").await;
        let id = phone.inspect(&enterprise, &[&by, &partner]);
        let records = phone.store.evidence_records(id).expect("records");
        assert!(records.len() >= 3, "photos were recorded");
        let progress = phone.client.sync(&phone.store, &mut |_| {}).await.expect("sync with uploads");
        assert_eq!(progress.applied, 1, "the platform accepted the sealed inspection");
        assert!(phone.store.pending_blobs().expect("pending").is_empty(), "every rendition and original confirmed");
        for r in &records {
            for blob in [&r.original, &r.rendition] {
                let sha = blob.sha256.to_hex();
                let held = std::fs::metadata(blob_file(&storage, &sha)).expect("the platform holds the blob").len();
                assert_eq!(held, blob.len, "stored once, whole");
                assert!(!phone.ingestor.blobs().path(&blob.sha256).exists(), "a confirmed blob is freed");
            }
            assert!(phone.ingestor.blobs().path(&r.thumbnail.sha256).exists(), "thumbnails stay on the phone");
        }
        id
    });
    // The platform countersigned: its audit trail says so.
    let (status, audit) = commander.get_json(&format!("/v1/audit/inspection/{id}"));
    assert_eq!(status, 200);
    assert!(audit.to_string().contains("evidence.countersign"), "{audit}");

    // Export, verify offline.
    let out = tempfile::tempdir().expect("out");
    let bundle = out.path().join("bundle");
    let id_text = id.to_string();
    let (ok, text) =
        platform_cmd(&storage, &["export-bundle", "--inspection", &id_text, "--out", bundle.to_str().expect("path")]);
    assert!(ok, "{text}");
    let (ok, text) = platform_cmd(&storage, &["verify-bundle", bundle.to_str().expect("path")]);
    assert!(ok, "{text}");
    assert!(text.contains("bundle verifies") && text.contains("countersigned"), "{text}");
    let tar = out.path().join("bundle.tar");
    let (ok, text) =
        platform_cmd(&storage, &["export-bundle", "--inspection", &id_text, "--out", tar.to_str().expect("path")]);
    assert!(ok, "{text}");
    assert!(platform_cmd(&storage, &["verify-bundle", tar.to_str().expect("path")]).0, "the tar verifies too");

    // A photo altered by one byte: refused, naming the entry.
    let photos: Vec<_> = std::fs::read_dir(bundle.join("originals")).expect("originals").flatten().collect();
    let victim = photos[1].path();
    let mut bytes = std::fs::read(&victim).expect("photo");
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    std::fs::write(&victim, &bytes).expect("tamper photo");
    let (ok, text) = platform_cmd(&storage, &["verify-bundle", bundle.to_str().expect("path")]);
    assert!(!ok, "an altered photo fails: {text}");
    assert!(text.contains("entry"), "names the entry: {text}");
    bytes[mid] ^= 0x01;
    std::fs::write(&victim, &bytes).expect("restore photo");
    assert!(platform_cmd(&storage, &["verify-bundle", bundle.to_str().expect("path")]).0, "restored, it verifies");

    // A field altered in the manifest: refused, naming entry and field.
    let manifest_path = bundle.join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest_path).expect("manifest")).expect("json");
    manifest["chain"]["entries"][1]["meta"]["taken_at"] = serde_json::json!("2020-01-01T00:00:00Z");
    std::fs::write(&manifest_path, serde_json::to_vec_pretty(&manifest).expect("json")).expect("tamper field");
    let (ok, text) = platform_cmd(&storage, &["verify-bundle", bundle.to_str().expect("path")]);
    assert!(!ok, "an altered field fails: {text}");
    assert!(text.contains("entry 1") && text.contains("meta.taken_at"), "names entry and field: {text}");
}

fn push_raw(url: &str, token: &str, device: fieldcheck_core::domain::ids::DeviceId, m: Mutation) -> Outcome {
    let req = PushRequest { protocol: PROTOCOL_VERSION, device, sent_at: Utc::now(), mutations: vec![m] };
    let resp = reqwest::blocking::Client::new()
        .post(format!("{url}/v1/sync/push"))
        .bearer_auth(token)
        .json(&req)
        .send()
        .expect("push");
    assert_eq!(resp.status(), 200);
    let body: PushResponse = resp.json().expect("push response");
    body.results.into_iter().next().expect("one result").outcome
}

#[test]
fn tampered_chains_are_refused_by_the_platform() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let commander = Device::login(&platform, "commander");
    let world = World::load(&commander);
    let (by, partner) = team(&world);
    let enterprise = world.enterprise_for("officer1", true).clone();
    let home = tempfile::tempdir().expect("phone dir");
    let rt = runtime();
    let phone = rt.block_on(Phone::sign_in(home.path(), &platform.url, "officer1"));
    phone.inspect(&enterprise, &[&by, &partner]);
    let genuine = phone.store.pending_mutations(1).expect("outbox").remove(0);
    let Intent::InspectionSubmit(sub) = &genuine.intent else { panic!("not a submission") };
    let evidence = sub.evidence.clone().expect("sealed evidence");
    assert!(evidence.chain.entries.len() >= 3);
    let device = phone.store.device_id().expect("device");
    let token = phone.client.token().expect("token").to_string();

    let mut variants = Vec::new();
    let mut reordered = evidence.clone();
    reordered.chain.entries.swap(0, 1);
    variants.push(("reordered", reordered));
    let mut deleted = evidence.clone();
    deleted.chain.entries.pop();
    variants.push(("deleted", deleted));
    let mut modified = evidence.clone();
    modified.chain.entries[1].meta.taken_at -= chrono::Duration::hours(3);
    variants.push(("modified", modified));
    // Rebuilt consistently after the change and sealed with a key the platform never registered.
    let mut resigned = evidence.clone();
    let mut chain = EvidenceChain::new(evidence.chain.case);
    for (n, entry) in evidence.chain.entries.iter().enumerate() {
        let mut meta = entry.meta.clone();
        if n == 1 {
            meta.taken_at -= chrono::Duration::hours(3);
        }
        chain.append_parts(entry.original, meta).expect("append");
    }
    let forger = SoftwareSigner::generate().expect("key");
    resigned.seal = seal(&chain, device, &forger, Utc::now()).expect("seal");
    resigned.chain = chain;
    variants.push(("re-signed with another key", resigned));

    for (n, (what, evidence)) in variants.into_iter().enumerate() {
        let mut sub = (**sub).clone();
        sub.evidence = Some(evidence);
        let m = Mutation {
            id: MutationId::new(),
            seq: 1000 + n as u64,
            made_at: Utc::now(),
            intent: Intent::InspectionSubmit(Box::new(sub)),
        };
        match push_raw(&platform.url, &token, device, m) {
            Outcome::Rejected { reason, .. } => assert!(reason.contains("evidence refused"), "{what}: {reason}"),
            other => panic!("{what} chain was not refused: {other:?}"),
        }
    }
    // Without any chain, from a device with a registered key: refused too.
    let mut bare = (**sub).clone();
    bare.evidence = None;
    let m = Mutation {
        id: MutationId::new(),
        seq: 1100,
        made_at: Utc::now(),
        intent: Intent::InspectionSubmit(Box::new(bare)),
    };
    assert!(
        matches!(push_raw(&platform.url, &token, device, m), Outcome::Rejected { .. }),
        "a missing chain is refused"
    );

    // The genuine one is applied.
    let progress = rt.block_on(phone.client.sync(&phone.store, &mut |_| {})).expect("sync");
    assert_eq!(progress.applied, 1);
    assert_eq!(progress.rejected, 0);
}

/// A loopback proxy that lets the first `allowed` blob PUTs through and cuts every later one after
/// `cut_after` bytes of its request (mid-chunk); everything else passes untouched.
struct PutCutter {
    url: String,
    cuts: Arc<AtomicUsize>,
}

impl PutCutter {
    fn start(upstream: &str, allowed: usize, cut_after: usize) -> PutCutter {
        let target = upstream.trim_start_matches("http://").to_string();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let puts = Arc::new(Mutex::new(0usize));
        let cuts = Arc::new(AtomicUsize::new(0));
        let done = cuts.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect(&target) else { continue };
                let (puts, done) = (puts.clone(), done.clone());
                let (mut c_in, mut s_out) = (client.try_clone().expect("clone"), server.try_clone().expect("clone"));
                let (client_b, server_b) = (client.try_clone().expect("clone"), server.try_clone().expect("clone"));
                std::thread::spawn(move || {
                    let mut buf = [0u8; 8 * 1024];
                    // Bytes of the current request still allowed through; None: not cutting it.
                    let mut budget: Option<usize> = None;
                    while let Ok(n) = c_in.read(&mut buf) {
                        if n == 0 {
                            break;
                        }
                        if buf[..n].starts_with(b"PUT /v1/blobs/") {
                            let mut count = puts.lock().unwrap_or_else(|p| p.into_inner());
                            *count += 1;
                            budget = (*count > allowed).then_some(cut_after);
                        }
                        if let Some(left) = budget {
                            let _ = s_out.write_all(&buf[..n.min(left)]);
                            if n >= left {
                                done.fetch_add(1, Ordering::SeqCst);
                                let _ = client_b.shutdown(Shutdown::Both);
                                let _ = server_b.shutdown(Shutdown::Both);
                                break;
                            }
                            budget = Some(left - n);
                            continue;
                        }
                        if s_out.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = s_out.shutdown(Shutdown::Write);
                });
                let (mut s_in, mut c_out) = (server, client);
                std::thread::spawn(move || {
                    let mut buf = [0u8; 8 * 1024];
                    while let Ok(n) = s_in.read(&mut buf) {
                        if n == 0 || c_out.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = c_out.shutdown(Shutdown::Write);
                });
            }
        });
        PutCutter { url, cuts }
    }
}

fn blob_status(url: &str, token: &str, sha: &str, len: u64) -> BlobStatus {
    let resp = reqwest::blocking::Client::new()
        .get(format!("{url}/v1/blobs/{sha}?len={len}"))
        .bearer_auth(token)
        .send()
        .expect("status");
    assert_eq!(resp.status(), 200);
    resp.json().expect("blob status")
}

#[test]
fn an_upload_cut_mid_chunk_and_a_restarted_app_resume_from_the_servers_offset() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let commander = Device::login(&platform, "commander");
    let world = World::load(&commander);
    let (by, partner) = team(&world);
    let enterprise = world.enterprise_for("officer1", true).clone();
    let home = tempfile::tempdir().expect("phone dir");
    let rt = runtime();
    // Sign in and submit directly; blob PUTs then go through the cutting proxy.
    let (token, id) = rt.block_on(async {
        let phone = Phone::sign_in(home.path(), &platform.url, "officer1").await;
        let id = phone.inspect(&enterprise, &[&by, &partner]);
        phone.client.push_all(&phone.store, &mut Progress::default(), &mut |_| {}).await.expect("push");
        (phone.client.token().expect("token").to_string(), id)
    });
    let proxy = PutCutter::start(&platform.url, 3, 6_000);
    let no_retry = SyncOptions { backoff: Backoff { attempts: 1, ..Backoff::default() }, ..SyncOptions::default() };
    {
        let phone = Phone::open(home.path(), &proxy.url, Some(&token), no_retry);
        let err = rt.block_on(phone.client.upload_blobs(&phone.store, &mut Progress::default()));
        assert!(err.is_err(), "the cut connection surfaces as an error");
        assert!(proxy.cuts.load(Ordering::SeqCst) >= 1, "a PUT was cut mid-chunk");
        // Nothing unconfirmed was freed.
        for p in phone.store.pending_blobs().expect("pending") {
            assert!(phone.ingestor.blobs().path(&p.blob.sha256).exists(), "an unconfirmed blob stays on the phone");
        }
        // The "app" dies here: store and client dropped without any shutdown.
    }
    let phone = Phone::open(home.path(), &platform.url, Some(&token), SyncOptions::default());
    let pending = phone.store.pending_blobs().expect("pending");
    assert!(!pending.is_empty(), "blobs still wait after the cut");
    let mut missing = 0;
    let mut resumed_mid_blob = false;
    for p in &pending {
        let s = blob_status(&platform.url, &token, &p.blob.sha256.to_hex(), p.blob.len);
        assert!(!s.confirmed);
        assert_eq!(s.received % policy().chunk, 0, "a cut chunk is never half-kept");
        resumed_mid_blob |= s.received > 0;
        missing += p.blob.len - s.received;
    }
    assert!(resumed_mid_blob, "the platform held part of a blob when the app restarted");
    let report = rt.block_on(phone.client.upload_blobs(&phone.store, &mut Progress::default())).expect("resume");
    assert_eq!(report.bytes, missing, "only the bytes the platform lacked were sent");
    assert_eq!(report.confirmed, pending.len());
    assert!(phone.store.pending_blobs().expect("pending").is_empty());
    for r in phone.store.evidence_records(id).expect("records") {
        for blob in [&r.original, &r.rendition] {
            let held = std::fs::metadata(blob_file(&storage, &blob.sha256.to_hex())).expect("held").len();
            assert_eq!(held, blob.len, "no byte duplicated");
        }
    }
    let partial = storage.dir.path().join("evidence/blobs/partial");
    assert_eq!(std::fs::read_dir(&partial).map(|d| d.count()).unwrap_or(0), 0, "no partial upload left");
}

#[test]
fn a_tasks_proof_photos_are_verified_countersigned_and_uploaded_only_for_those_who_reach_the_task() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let home = tempfile::tempdir().expect("phone dir");
    let folder = |name: &str| {
        let dir = home.path().join(name);
        std::fs::create_dir_all(&dir).expect("phone folder");
        dir
    };
    let rt = runtime();
    rt.block_on(async {
        let phone = Phone::sign_in(&folder("enterprise"), &platform.url, "enterprise1").await;
        let s = &phone.store;
        let task = s
            .tasks(&TaskFilter::default(), Utc::now())
            .expect("tasks")
            .into_iter()
            .find(|t| t.task.state == TaskState::Issued)
            .expect("an issued task of the enterprise")
            .task;
        s.transition_task(task.id, TaskAction::Acknowledge, "收到", vec![]).expect("acknowledge");
        phone.client.sync(s, &mut |_| {}).await.expect("the acknowledgement reaches the platform");
        let capture = Capture { case: Case::Task(task.id), subject: Subject::Overall, taken_at: Utc::now(), fix: None };
        let photo =
            s.capture_photo(&phone.ingestor, capture, &photo_file(&phone.dir, 7, 480, 360), None).expect("photo");
        s.transition_task(task.id, TaskAction::SubmitProof, "标识已设置", vec![photo.meta.evidence]).expect("proof");
        let genuine = s.pending_mutations(10).expect("outbox").pop().expect("the proof step");
        let Intent::TaskTransition { proof: Some(proof), .. } = &genuine.intent else { panic!("{genuine:?}") };
        let device = s.device_id().expect("device");
        let token = phone.client.token().expect("token").to_string();

        // Forged variants (each under its own sequence number) are refused before anything is written.
        let mut other_case = (**proof).clone();
        other_case.chain.case = Case::Task(fieldcheck_core::domain::ids::TaskId::new());
        let mut altered = (**proof).clone();
        altered.chain.entries[0].meta.taken_at -= chrono::Duration::hours(3);
        let variants = [
            ("a photo cited but not in the chain", vec![photo.meta.evidence, EvidenceId::new()], (**proof).clone()),
            ("a chain for another task", vec![photo.meta.evidence], other_case),
            ("an altered entry", vec![photo.meta.evidence], altered),
        ];
        for (n, (what, evidence, forged)) in variants.into_iter().enumerate() {
            let intent = Intent::TaskTransition {
                task: task.id,
                action: TaskAction::SubmitProof,
                note: String::new(),
                evidence,
                proof: Some(Box::new(forged)),
            };
            let m = Mutation { id: MutationId::new(), seq: 1000 + n as u64, made_at: Utc::now(), intent };
            let url = platform.url.clone();
            let token = token.clone();
            let outcome = tokio::task::spawn_blocking(move || push_raw(&url, &token, device, m)).await.expect("push");
            match outcome {
                Outcome::Rejected { reason, .. } => assert!(reason.contains("evidence refused"), "{what}: {reason}"),
                other => panic!("{what} was not refused: {other:?}"),
            }
        }

        // The genuine step is applied, countersigned, and its photo's blobs go up.
        let progress = phone.client.sync(s, &mut |_| {}).await.expect("sync");
        assert_eq!((progress.rejected, progress.blobs_confirmed), (0, 2), "{progress:?}");
        assert!(s.pending_blobs().expect("pending").is_empty());
        for blob in [&photo.original, &photo.rendition] {
            let held = std::fs::metadata(blob_file(&storage, &blob.sha256.to_hex())).expect("held").len();
            assert_eq!(held, blob.len);
        }
        // The officers reach the task and may fetch the blob's status; the other enterprise may not.
        let (url, sha, len) = (platform.url.clone(), photo.original.sha256.to_hex(), photo.original.len);
        let officer = Phone::sign_in(&folder("officer"), &platform.url, "officer1").await;
        let officer_token = officer.client.token().expect("token").to_string();
        let other = Phone::sign_in(&folder("other"), &platform.url, "enterprise2").await;
        let other_token = other.client.token().expect("token").to_string();
        tokio::task::spawn_blocking(move || {
            assert!(blob_status(&url, &officer_token, &sha, len).confirmed);
            let resp = reqwest::blocking::Client::new()
                .get(format!("{url}/v1/blobs/{sha}?len={len}"))
                .bearer_auth(other_token)
                .send()
                .expect("status");
            assert_eq!(resp.status(), 404, "another enterprise does not see this task's photos");
        })
        .await
        .expect("checks");
        let events = officer.store.task_events(task.id).expect("timeline");
        let step =
            events.iter().find(|e| e.action == TaskAction::SubmitProof).expect("the proof step reached the officer");
        assert_eq!(step.evidence, vec![photo.meta.evidence]);
    });
    let commander = Device::login(&platform, "commander");
    let world = World::load(&commander);
    let task = world.tasks.iter().find(|t| t.state == TaskState::ProofSubmitted).expect("the task moved on");
    let (status, audit) = commander.get_json(&format!("/v1/audit/task/{}", task.id));
    assert_eq!(status, 200);
    assert!(audit.to_string().contains("evidence.countersign"), "the platform countersigned the proof: {audit}");
}
