//! Photo evidence end to end against the real platform process: a phone takes generated photos for an
//! inspection, submits it (the chain sealed with its key), the platform verifies and countersigns,
//! the blobs upload in resumable chunks (also across a connection cut mid-chunk, continuing from the
//! exact byte the platform kept, and across a restarted app), and the
//! exported bundle verifies offline, and fails naming the place once a photo or a field is altered.
//! Tampered chains are refused by the platform.

use crate::phone;

use chrono::Utc;
use fieldcheck_core::domain::ids::{EvidenceId, InspectionId, MutationId};
use fieldcheck_core::domain::rectification::{TaskAction, TaskState};
use fieldcheck_core::evidence::{Case, EvidenceChain, SoftwareSigner, Subject, seal};
use fieldcheck_core::protocol::{Intent, Mutation, Outcome, PROTOCOL_VERSION, PushRequest, PushResponse};
use fieldcheck_core::store::{Capture, TaskFilter};
use fieldcheck_core::sync::{Backoff, Progress, SyncOptions};
use fieldcheck_e2e::{Device, Platform, Storage, World};
use phone::{Phone, Scene, blob_status, held_blob, photo_file, platform_cmd, policy, runtime};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

#[test]
fn a_full_inspection_with_photos_is_countersigned_uploaded_exported_and_verifiable() {
    let Scene { storage, platform, commander, by, partner, enterprise, home, .. } = Scene::start();
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
                let held = held_blob(&storage, &sha).expect("the platform holds the blob").len() as u64;
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
    let req =
        PushRequest { protocol: PROTOCOL_VERSION, device, sent_at: Utc::now(), mutations: vec![m], follows: None };
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
    let Scene { storage: _storage, platform, by, partner, enterprise, home, .. } = Scene::start();
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

/// A loopback proxy that lets the first `allowed` blob PUTs through and cuts the next `cut_limit` ones
/// after `cut_after` bytes of their request (mid-chunk); everything else passes untouched. It notes
/// the `Content-Range` of every PUT.
///
/// A cut is made the way a dying network makes it: the platform's side goes first, and the phone
/// notices only after the platform has kept the bytes that arrived (asked as `token`'s caller). Else
/// the phone's retry could race the cut chunk's own request for the upload, and which of the two
/// appends is not what these tests are about.
struct PutCutter {
    url: String,
    cuts: Arc<AtomicUsize>,
    ranges: Arc<Mutex<Vec<String>>>,
}

impl PutCutter {
    fn start(upstream: &str, token: &str, allowed: usize, cut_limit: usize, cut_after: usize) -> PutCutter {
        let (upstream, token) = (upstream.to_string(), token.to_string());
        let target = upstream.trim_start_matches("http://").to_string();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let puts = Arc::new(Mutex::new(0usize));
        let cuts = Arc::new(AtomicUsize::new(0));
        let ranges = Arc::new(Mutex::new(Vec::new()));
        let (done, seen) = (cuts.clone(), ranges.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect(&target) else { continue };
                let (puts, done, seen) = (puts.clone(), done.clone(), seen.clone());
                let (upstream, token) = (upstream.clone(), token.clone());
                // Set while this connection is being cut: the phone's side is then closed by the cut
                // alone, not as soon as the platform's side ends.
                let cutting = Arc::new(std::sync::atomic::AtomicBool::new(false));
                let cut_here = cutting.clone();
                let (mut c_in, mut s_out) = (client.try_clone().expect("clone"), server.try_clone().expect("clone"));
                let (client_b, server_b) = (client.try_clone().expect("clone"), server.try_clone().expect("clone"));
                std::thread::spawn(move || {
                    let mut buf = [0u8; 8 * 1024];
                    // Bytes of the current request still allowed through; None: not cutting it.
                    let mut budget: Option<usize> = None;
                    let mut chunk = None;
                    while let Ok(n) = c_in.read(&mut buf) {
                        if n == 0 {
                            break;
                        }
                        if buf[..n].starts_with(b"PUT /v1/blobs/") {
                            let head = String::from_utf8_lossy(&buf[..n]).to_lowercase();
                            if let Some(range) = head.lines().find_map(|l| l.strip_prefix("content-range: ")) {
                                seen.lock().unwrap_or_else(|p| p.into_inner()).push(range.trim().to_string());
                            }
                            chunk = put_chunk(&head);
                            let mut count = puts.lock().unwrap_or_else(|p| p.into_inner());
                            *count += 1;
                            budget =
                                (*count > allowed && *count <= allowed.saturating_add(cut_limit)).then_some(cut_after);
                        }
                        if let Some(left) = budget {
                            let _ = s_out.write_all(&buf[..n.min(left)]);
                            if n >= left {
                                done.fetch_add(1, Ordering::SeqCst);
                                cut_here.store(true, Ordering::SeqCst);
                                let _ = server_b.shutdown(Shutdown::Both);
                                if let Some((sha, first, total)) = &chunk {
                                    await_kept(&upstream, &token, sha, *first, *total);
                                }
                                let _ = client_b.shutdown(Shutdown::Both);
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
                    if !cutting.load(Ordering::SeqCst) {
                        let _ = c_out.shutdown(Shutdown::Write);
                    }
                });
            }
        });
        PutCutter { url, cuts, ranges }
    }
}

/// The blob, first byte and length of a chunk PUT, from its request head (lower-cased).
fn put_chunk(head: &str) -> Option<(String, u64, u64)> {
    let sha = head.strip_prefix("put /v1/blobs/")?.split([' ', '?']).next()?.to_string();
    let range = head.lines().find_map(|l| l.strip_prefix("content-range: bytes "))?;
    let (first, total) = range.trim().split_once('/')?;
    Some((sha, first.split('-').next()?.parse().ok()?, total.parse().ok()?))
}

/// Waits (a bounded while) until the platform holds bytes of the chunk that starts at `first`.
fn await_kept(url: &str, token: &str, sha: &str, first: u64, total: u64) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while blob_status(url, token, sha, total).received <= first && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// officer1 signs in and submits an inspection with photos straight to the platform (no proxy); its
/// token and the inspection, whose blobs are still to upload.
fn submitted_directly(rt: &tokio::runtime::Runtime, scene: &Scene) -> (String, InspectionId) {
    rt.block_on(async {
        let phone = Phone::sign_in(scene.home.path(), &scene.platform.url, "officer1").await;
        let id = phone.inspect(&scene.enterprise, &[&scene.by, &scene.partner]);
        phone.client.push_all(&phone.store, &mut Progress::default(), &mut |_| {}).await.expect("push");
        (phone.client.token().expect("token").to_string(), id)
    })
}

#[test]
fn an_upload_cut_mid_chunk_and_a_restarted_app_resume_from_the_servers_offset() {
    let scene = Scene::start();
    let rt = runtime();
    // Sign in and submit directly; blob PUTs then go through the cutting proxy.
    let (token, id) = submitted_directly(&rt, &scene);
    let Scene { storage, platform, home, .. } = scene;
    let proxy = PutCutter::start(&platform.url, &token, 3, usize::MAX, 6_000);
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
    let mut kept_mid_chunk = false;
    for p in &pending {
        let s = blob_status(&platform.url, &token, &p.blob.sha256.to_hex(), p.blob.len);
        assert!(!s.confirmed);
        // The bytes of a chunk cut in transit are kept: the offset is exact, not a chunk boundary.
        kept_mid_chunk |= !s.received.is_multiple_of(policy().chunk);
        missing += p.blob.len - s.received;
    }
    assert!(kept_mid_chunk, "the platform kept the bytes of a chunk cut mid-way");
    let report = rt.block_on(phone.client.upload_blobs(&phone.store, &mut Progress::default())).expect("resume");
    assert_eq!(report.bytes, missing, "only the bytes the platform lacked were sent");
    assert_eq!(report.confirmed, pending.len());
    assert!(phone.store.pending_blobs().expect("pending").is_empty());
    for r in phone.store.evidence_records(id).expect("records") {
        for blob in [&r.original, &r.rendition] {
            let held = held_blob(&storage, &blob.sha256.to_hex()).expect("held").len() as u64;
            assert_eq!(held, blob.len, "no byte duplicated");
        }
    }
    assert_eq!(storage.parts_left(), 0, "no part of an unfinished upload left");
}

#[test]
fn a_chunk_cut_mid_way_is_continued_from_the_exact_byte_in_the_same_sync() {
    let scene = Scene::start();
    let rt = runtime();
    let (token, id) = submitted_directly(&rt, &scene);
    let Scene { storage, platform, home, .. } = scene;
    // The second PUT is cut after 9,000 bytes of its request: mid-way through its 16 KiB chunk.
    let proxy = PutCutter::start(&platform.url, &token, 1, 1, 9_000);
    let quick = SyncOptions {
        backoff: Backoff { base: std::time::Duration::from_millis(5), ..Backoff::default() },
        ..SyncOptions::default()
    };
    let phone = Phone::open(home.path(), &proxy.url, Some(&token), quick);
    let mut progress = Progress::default();
    let report = rt.block_on(phone.client.upload_blobs(&phone.store, &mut progress)).expect("uploads despite the cut");
    assert_eq!(proxy.cuts.load(Ordering::SeqCst), 1, "one PUT was cut mid-chunk");
    assert!(progress.retries >= 1, "the cut was retried");
    assert!(phone.store.pending_blobs().expect("pending").is_empty(), "every blob confirmed");
    // After the cut the device asked where the platform stood and went on from that byte, which is
    // not where any chunk starts.
    let ranges = proxy.ranges.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let starts: Vec<u64> =
        ranges.iter().filter_map(|r| r.strip_prefix("bytes ")?.split('-').next()?.parse().ok()).collect();
    assert_eq!(starts.len(), ranges.len(), "every PUT carried a Content-Range: {ranges:?}");
    assert!(
        starts.iter().any(|s| !s.is_multiple_of(policy().chunk)),
        "a PUT continued from the exact byte the platform kept: {ranges:?}"
    );
    assert!(report.confirmed >= 2);
    for r in phone.store.evidence_records(id).expect("records") {
        for blob in [&r.original, &r.rendition] {
            let bytes = held_blob(&storage, &blob.sha256.to_hex()).expect("held");
            assert_eq!(bytes.len() as u64, blob.len, "no byte lost or duplicated");
            assert_eq!(fieldcheck_core::evidence::Digest::of(&bytes), blob.sha256);
        }
    }
}

/// A blob PUT on a raw connection whose body is sent in two parts, so a test can hold it open mid-chunk.
struct OpenPut {
    stream: TcpStream,
    rest: Vec<u8>,
}

impl OpenPut {
    /// Sends the head and the first `sent` bytes of `body` (the chunk at `first` of a `total`-byte blob).
    fn start(url: &str, token: &str, sha: &str, first: u64, body: &[u8], total: u64, sent: usize) -> OpenPut {
        let addr = url.trim_start_matches("http://");
        let mut stream = TcpStream::connect(addr).expect("connect");
        let last = first + body.len() as u64 - 1;
        let head = format!(
            "PUT /v1/blobs/{sha} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
             Content-Range: bytes {first}-{last}/{total}\r\nContent-Length: {}\r\n\
             Content-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).expect("head");
        stream.write_all(&body[..sent]).expect("first part");
        stream.flush().expect("flush");
        OpenPut { stream, rest: body[sent..].to_vec() }
    }

    /// Sends the rest of the body and reads the platform's answer.
    fn finish(mut self) -> fieldcheck_core::protocol::BlobStatus {
        // The platform may answer without reading the rest (a chunk not where its held bytes end).
        let _ = self.stream.write_all(&self.rest);
        let mut answer = Vec::new();
        self.stream.read_to_end(&mut answer).expect("answer");
        let text = String::from_utf8_lossy(&answer);
        let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP answer");
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        serde_json::from_str(body).expect("blob status")
    }
}

/// Uploads a whole blob chunk by chunk, each from where the platform says it stands. While another
/// device owns the unfinished upload (409), waits for that device to finish it.
fn upload_whole(http: &reqwest::blocking::Client, url: &str, token: &str, bytes: &[u8], chunk: usize) {
    let sha = fieldcheck_core::evidence::Digest::of(bytes).to_hex();
    let len = bytes.len();
    for _ in 0..len / chunk + 400 {
        let status = blob_status(url, token, &sha, len as u64);
        if status.confirmed {
            return;
        }
        let from = status.received as usize;
        let to = (from + chunk).min(len);
        let resp = http
            .put(format!("{url}/v1/blobs/{sha}"))
            .bearer_auth(token)
            .header("content-range", format!("bytes {from}-{}/{len}", to - 1))
            .body(bytes[from..to].to_vec())
            .send()
            .expect("chunk");
        if resp.status() == 409 {
            std::thread::sleep(std::time::Duration::from_millis(50));
            continue;
        }
        assert_eq!(resp.status(), 200, "{:?}", resp.text());
    }
    panic!("blob {sha} was not confirmed");
}

#[test]
fn two_devices_upload_different_blobs_and_the_same_blob_at_once_without_corruption() {
    let Scene { storage, platform, by, partner, enterprise, home, .. } = Scene::start();
    let rt = runtime();
    let phone = rt.block_on(Phone::sign_in(home.path(), &platform.url, "officer1"));
    let id = phone.inspect(&enterprise, &[&by, &partner]);
    rt.block_on(phone.client.push_all(&phone.store, &mut Progress::default(), &mut |_| {})).expect("push");
    let records = phone.store.evidence_records(id).expect("records");
    assert!(records.len() >= 3);
    let read = |n: usize| phone.ingestor.blobs().read_verified(&records[n].original.sha256).expect("original");
    let (x, y, z) = (read(0), read(1), read(2));
    let w = phone.ingestor.blobs().read_verified(&records[0].rendition.sha256).expect("rendition");
    let chunk = 16 * 1024;
    assert!(x.len() > chunk && z.len() > 2 * chunk, "the photos span several chunks");
    // Device A is the phone; device B the partner officer of the same squadron, who may see the record.
    let a = phone.client.token().expect("token").to_string();
    let b = Device::login(&platform, &partner.login).token;
    let url = platform.url.clone();
    // A client that gives up long before a stalled chunk would time out on the platform (30 s):
    // if uploads of different blobs waited for each other, device B would fail here.
    let http = reqwest::blocking::Client::builder().timeout(std::time::Duration::from_secs(20)).build().expect("http");

    // Different blobs: A holds a chunk of X open mid-body while B uploads Y whole.
    let x_sha = records[0].original.sha256.to_hex();
    let open = OpenPut::start(&url, &a, &x_sha, 0, &x[..chunk], x.len() as u64, 1_000);
    upload_whole(&http, &url, &b, &y, chunk);
    let status = open.finish();
    assert_eq!((status.received, status.confirmed), (chunk as u64, false), "A's chunk went in whole after all");
    upload_whole(&http, &url, &a, &x, chunk);

    // The same blob from both devices at once, each following the platform's status: the device that
    // starts it owns it (the other is answered 409 and waits), and the photo's own device takes over from
    // the partner, who did not take the photo.
    std::thread::scope(|s| {
        for token in [&a, &b] {
            let (http, url, z) = (&http, &url, &z);
            s.spawn(move || upload_whole(http, url, token, z, chunk));
        }
    });

    // The same chunk of one blob from both devices, one of them held open mid-body: appended once, by
    // the device that started it, which then finishes it.
    let w_sha = records[0].rendition.sha256.to_hex();
    let first_part = w.len().min(chunk) / 2;
    let open = OpenPut::start(&url, &a, &w_sha, 0, &w[..w.len().min(chunk)], w.len() as u64, first_part);
    std::thread::scope(|s| {
        let other = s.spawn(|| upload_whole(&http, &url, &b, &w, chunk));
        // B's chunk at the same offset waits for A's; A then completes it.
        std::thread::sleep(std::time::Duration::from_millis(200));
        let status = open.finish();
        assert!(status.received >= w.len().min(chunk) as u64 || status.confirmed, "{status:?}");
        upload_whole(&http, &url, &a, &w, chunk);
        other.join().expect("device B");
    });

    for (blob, bytes) in [(&records[0].original, &x), (&records[1].original, &y), (&records[2].original, &z)]
        .into_iter()
        .chain([(&records[0].rendition, &w)])
    {
        let held = held_blob(&storage, &blob.sha256.to_hex()).expect("held");
        assert_eq!(&held, bytes, "stored once, byte for byte");
        assert!(blob_status(&url, &a, &blob.sha256.to_hex(), blob.len).confirmed);
    }
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
        let photo = s.capture_photo(&phone.ingestor, capture, &photo_file(&phone.dir, 7, 480, 360)).expect("photo");
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
                signature: None,
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
            let held = held_blob(&storage, &blob.sha256.to_hex()).expect("held").len() as u64;
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
