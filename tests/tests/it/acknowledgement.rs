//! The enterprise signs for its rectification order on its phone, and the officer's phone prints the
//! record and the order offline, through real phone stores and a live platform:
//! - the enterprise's app core reads its order back (`Event::ReadOrderBack`), the person signs
//!   (`Event::AcknowledgedOrder`); the device seals the signature, sync carries it, the platform decides
//!   it with the same function (`decide::task::acknowledgement`) and draws it in `order.pdf` (签收, the
//!   signer, more ink than before); a stranger's signature is refused with the same code on both ends,
//!   and a stroke changed against the seal is refused; `verify-document` passes the signed order;
//! - a task stored on the enterprise's phone before tasks carried the legal basis (old-shaped) reads
//!   back with the basis of the checklist item its finding came from (`cited_legal_basis`), and its
//!   signature is accepted;
//! - `verify-document` fails the signed order once its stored acknowledgement changed after printing;
//!   the exported bundle holds each order with its sealed acknowledgement, `verify-document --bundle`
//!   passes the signed orders and the record against it and fails once one byte of it changed;
//! - the officer's phone uploads under the `free_confirmed` policy (its renditions and originals freed,
//!   its thumbnails kept and uploaded), and its app core prints the record (20 photos, the index from
//!   the thumbnails) and the signed order from its own store (`Event::OpenDocument`) into files
//!   byte-identical to the platform's, and hands them to the share capability; the time to print the
//!   record on the phone is printed.
//!
//! Under `CI=true` a missing font or poppler fails the test.

use crate::phone;

use chrono::Utc;
use fieldcheck_core::app::doubles::Doubles;
use fieldcheck_core::app::{App, DocumentRef, Event, Printing, Route};
use fieldcheck_core::domain::finding::{Finding, Severity};
use fieldcheck_core::domain::ids::{FindingId, TaskId};
use fieldcheck_core::domain::organisation::{Role, Scope, User};
use fieldcheck_core::domain::rectification::TaskAction;
use fieldcheck_core::domain::signature::{Mark, Signature, SignerRole, Stroke, StrokePoint};
use fieldcheck_core::evidence::Subject;
use fieldcheck_core::protocol::{Intent, Outcome, PullResponse, Record, RejectCode, TaskEvent};
use fieldcheck_core::store::{Capture, StoreError};
use fieldcheck_e2e::{Device, Platform, Storage, World, platform_command};
use phone::{Phone, photo_file, runtime};
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};

const FONT: &str = fieldcheck_e2e::DOCUMENT_FONT;

fn zigzag() -> Vec<Stroke> {
    (0..12u32)
        .map(|s| Stroke {
            points: (0..40u32)
                .map(|i| StrokePoint {
                    x: (i * 7) as f32,
                    y: if i % 2 == 0 { 5.0 + s as f32 * 7.0 } else { 95.0 - s as f32 * 3.0 },
                    t: s * 1000 + i * 10,
                })
                .collect(),
        })
        .collect()
}

fn get(device: &Device, path: &str) -> Vec<u8> {
    let resp = device.http.get(format!("{}{path}", device.url)).bearer_auth(&device.token).send().expect("get");
    assert_eq!(resp.status().as_u16(), 200, "{path}");
    resp.bytes().expect("body").to_vec()
}

fn text(pdf: &Path) -> String {
    let out = Command::new("pdftotext").args(["-layout"]).arg(pdf).arg("-").output().expect("pdftotext");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Non-white pixels over every page rendered at 50 dpi.
fn ink(pdf: &Path) -> usize {
    let dir = tempfile::tempdir().expect("dir");
    let ok = Command::new("pdftoppm")
        .args(["-r", "50", "-png"])
        .arg(pdf)
        .arg(dir.path().join("page"))
        .status()
        .expect("pdftoppm");
    assert!(ok.success());
    std::fs::read_dir(dir.path())
        .expect("pages")
        .map(|e| image::open(e.expect("page").path()).expect("png").to_luma8())
        .map(|img| img.pixels().filter(|p| p.0[0] < 200).count())
        .sum()
}

/// `verify-document PDF [--bundle B]` against the platform's data: (matches, report).
fn verify_document(storage: &Storage, pdf: &Path, bundle: Option<&Path>) -> (bool, String) {
    let mut cmd = platform_command();
    cmd.arg("verify-document").arg(pdf).arg("--data").arg(storage.dir.path());
    cmd.args(storage.database.iter().flat_map(|db| ["--database", db.as_str()]));
    if let Some(bundle) = bundle {
        cmd.arg("--bundle").arg(bundle);
    }
    let out = cmd.output().expect("verify-document");
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

/// The acknowledgement the platform keeps for `task` (JSON), read or replaced in its database behind its
/// back: PostgreSQL through the client, SQLite through Python's sqlite3 (as the at-rest tests do).
fn kept_acknowledgement(storage: &Storage, task: TaskId, replace: Option<&str>) -> String {
    let key = task.to_string();
    if let Some(url) = &storage.database {
        let mut db = postgres::Client::connect(url, postgres::NoTls).expect("connect");
        if let Some(value) = replace {
            db.execute(
                "UPDATE evidence_kv SET value = $1 WHERE kind = 'acknowledgement' AND key = $2",
                &[&value, &key],
            )
            .expect("update");
        }
        let row = db
            .query_one("SELECT value FROM evidence_kv WHERE kind = 'acknowledgement' AND key = $1", &[&key])
            .expect("the kept acknowledgement");
        return row.get(0);
    }
    let script = "import sqlite3, sys\n\
        db = sqlite3.connect(sys.argv[1], timeout=30)\n\
        if len(sys.argv) > 3:\n    \
            db.execute(\"UPDATE evidence_kv SET value = ? WHERE kind = 'acknowledgement' AND key = ?\", (sys.argv[3], sys.argv[2]))\n    \
            db.commit()\n\
        print(db.execute(\"SELECT value FROM evidence_kv WHERE kind = 'acknowledgement' AND key = ?\", (sys.argv[2],)).fetchone()[0])\n";
    let mut cmd = Command::new("python3");
    cmd.arg("-c").arg(script).arg(storage.dir.path().join("platform.sqlite3")).arg(&key);
    cmd.args(replace);
    let out = cmd.output().expect("python3");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8").trim().to_string()
}

/// Stores `task` on the phone as a pull would, without its legal basis: as a phone holds a task it
/// pulled before tasks carried one.
fn make_old_shaped(store: &fieldcheck_core::store::Store, task: TaskId) {
    let mut old = store.task(task).expect("read").expect("the task on the phone");
    old.legal_basis.clear();
    let cursor = store.cursor().expect("cursor");
    let page: PullResponse = serde_json::from_value(serde_json::json!({
        "changes": [{ "cursor": cursor, "op": "upsert", "record": Record::Task(old) }],
        "cursor": cursor,
        "has_more": false,
    }))
    .expect("page");
    let applied = store.apply_pull(&page).expect("apply");
    assert_eq!(applied.applied, 1, "{:?}", applied.skipped);
    assert!(store.task(task).expect("read").expect("task").legal_basis.is_empty(), "old-shaped on the phone");
}

/// The share sheet as a test double: it keeps what it was handed.
#[derive(Default)]
struct SharedFiles(Mutex<Vec<(std::path::PathBuf, String)>>);

impl fieldcheck_core::app::Share for SharedFiles {
    fn share(&self, path: &Path, mime_type: &str, _title: &str) {
        self.0.lock().expect("lock").push((path.to_path_buf(), mime_type.into()));
    }
}

struct AppPhone {
    phone: Phone,
    app: App,
    _doubles: Doubles,
}

impl AppPhone {
    fn new(phone: Phone, dir: &Path, url: &str) -> AppPhone {
        let doubles = Doubles::new(dir.join("camera"));
        let mut app = App::new(doubles.capabilities());
        let token = phone.client.token().expect("token").to_string();
        app.handle(&phone.store, &phone.ingestor, Event::SignedIn { platform_url: url.into(), token });
        AppPhone { phone, app, _doubles: doubles }
    }

    fn send(&mut self, event: Event) -> fieldcheck_core::app::ViewModel {
        self.app.handle(&self.phone.store, &self.phone.ingestor, event)
    }

    fn sync(&self, rt: &tokio::runtime::Runtime) -> fieldcheck_core::sync::Progress {
        rt.block_on(self.phone.client.sync(&self.phone.store, &mut |_| {})).expect("sync")
    }
}

#[test]
fn the_enterprise_signs_its_order_and_the_officers_phone_prints_the_platforms_bytes() {
    if !fieldcheck_e2e::document_font_installed() {
        return;
    }
    let storage = Storage::new();
    let platform = Platform::start_with(&storage, &["--document-font", FONT]);
    let commander = Device::login(&platform, "commander");
    let world = World::load(&commander);
    let firm_user = world.user("enterprise1").clone();
    let Scope::Enterprise { enterprise } = firm_user.scope else { panic!("{firm_user:?}") };
    let site = world.enterprises.iter().find(|e| e.id == enterprise).expect("enterprise").clone();
    let squadron = world.squadrons.iter().find(|s| s.townships.contains(&site.township)).expect("squadron");
    let officers: Vec<User> = world
        .users
        .iter()
        .filter(|u| u.role == Role::Officer && u.scope == Scope::Squadron { squadron: squadron.id })
        .cloned()
        .collect();
    let home = tempfile::tempdir().expect("phones");
    let out = tempfile::tempdir().expect("out");
    let rt = runtime();

    // The officer: an inspection with 20 photos and a finding that asks for a rectification task.
    let officer_dir = home.path().join("officer");
    std::fs::create_dir_all(&officer_dir).expect("dir");
    // The phone frees what the platform confirmed (renditions, originals) and keeps its thumbnails, from
    // which the record's photo index is made on both sides.
    let frees = fieldcheck_core::sync::UploadPolicy { free_confirmed: true, ..phone::policy() };
    let officer_phone = rt.block_on(Phone::sign_in_with(&officer_dir, &platform.url, &officers[0].login, frees));
    let id = officer_phone.draft_with_photos(&site, &[&officers[0], &officers[1]], 1);
    let s = &officer_phone.store;
    let have = s.evidence_records(id).expect("photos").len();
    for n in have..20 {
        let file = photo_file(&officer_dir, 100 + n as u32, 1600, 1200);
        let capture = Capture {
            case: fieldcheck_core::evidence::Case::Inspection(id),
            subject: Subject::Overall,
            taken_at: Utc::now(),
            fix: None,
        };
        s.capture_photo(&officer_phone.ingestor, capture, &file).expect("photo");
    }
    s.add_finding(&Finding {
        id: FindingId::new(),
        inspection: id,
        item: None,
        severity: Severity::General,
        description: "危险废物贮存间地面破损，未采取防渗措施".into(),
        legal_basis: vec!["《中华人民共和国固体废物污染环境防治法》第七十九条".into()],
        deadline_days: Some(30),
    })
    .expect("finding");
    // A second finding as a failed checklist item proposes it: its task's requirement names the item.
    let item = fieldcheck_core::checklists::bundled()
        .into_iter()
        .flat_map(|t| t.items)
        .find(|i| !i.legal_basis.is_empty())
        .expect("an item with a legal basis");
    let proposed = Finding {
        item: None,
        severity: Severity::General,
        deadline_days: Some(30),
        ..Finding::proposed(id, phone::TEMPLATE, &item)
    };
    s.add_finding(&proposed).expect("finding");
    let submitted = s.submit_inspection(id).expect("submit");
    let task = submitted.tasks.iter().find(|t| t.finding != proposed.id).expect("a rectification task").id;
    let old_task = submitted.tasks.iter().find(|t| t.finding == proposed.id).expect("the item's task").id;
    let mut officer = AppPhone::new(officer_phone, &officer_dir, &platform.url);
    assert_eq!(officer.sync(&rt).rejected, 0);
    let records = officer.phone.store.evidence_records(id).expect("records");
    let blobs = officer.phone.ingestor.blobs();
    for r in &records {
        assert!(!blobs.contains(&r.rendition.sha256, r.rendition.len), "free_confirmed freed the rendition");
        assert!(blobs.contains(&r.thumbnail.sha256, r.thumbnail.len), "the thumbnail stays");
        assert!(storage.blob(&r.thumbnail.sha256.to_hex()).is_some(), "the thumbnail went up");
    }
    let unsigned_order = out.path().join("order-unsigned.pdf");
    std::fs::write(&unsigned_order, get(&commander, &format!("/v1/tasks/{task}/order.pdf"))).expect("write");

    // The enterprise's phone shows its order as read back.
    let firm_dir = home.path().join("firm");
    std::fs::create_dir_all(&firm_dir).expect("dir");
    let firm_phone = rt.block_on(Phone::sign_in(&firm_dir, &platform.url, "enterprise1"));
    let mut firm = AppPhone::new(firm_phone, &firm_dir, &platform.url);
    firm.send(Event::Open(Route::Task(task)));
    let vm = firm.send(Event::ReadOrderBack(task));
    let order = vm.order_signing.expect("the order as read back");
    assert!(order.read_back.text.contains("危险废物贮存间地面破损"), "{}", order.read_back.text);
    assert!(order.read_back.text.contains("第七十九条"), "the legal basis reaches the enterprise's phone");
    assert_eq!(order.signers.first(), Some(&site.legal_representative), "the legal representative is offered first");

    // A stranger's signature: refused on the phone and, pushed as it is, on the platform, same code.
    let stranger = Signature {
        role: SignerRole::Respondent,
        signer: "孙八".into(),
        shown_text_sha256: order.read_back.sha256.clone(),
        at: Utc::now(),
        mark: Mark::Drawn { width: 300.0, height: 100.0, strokes: zigzag() },
    };
    let phone_code = match firm.phone.store.acknowledge_signed(task, "", vec![], stranger.clone()) {
        Err(StoreError::Domain(e)) => e.code(),
        other => panic!("the phone took a stranger's signature: {other:?}"),
    };
    let mut firm_device = Device::login(&platform, "enterprise1");
    let stranger_intent = Intent::TaskTransition {
        task,
        action: TaskAction::Acknowledge,
        note: String::new(),
        evidence: vec![],
        proof: None,
        signature: Some(stranger),
    };
    match &firm_device.push_intents(vec![stranger_intent]).results[0].outcome {
        Outcome::Rejected { code, reason } => {
            assert_eq!((*code, phone_code), (RejectCode::Invalid, RejectCode::Invalid), "{reason}");
            assert!(reason.contains("签收人"), "{reason}");
        }
        other => panic!("the platform took a stranger's signature: {other:?}"),
    }

    // The legal representative signs with a finger; the step is sealed and synced.
    let signer = site.legal_representative.clone();
    let vm = firm.send(Event::AcknowledgedOrder {
        task,
        signer: signer.clone(),
        width: 300.0,
        height: 100.0,
        strokes: zigzag(),
    });
    assert_eq!(vm.message, None);
    assert_eq!(vm.order_signing, None, "signed: the read-back is done");
    let sent = firm.phone.store.pending_mutations(10).expect("outbox");
    let Some(Intent::TaskTransition { proof: Some(proof), signature: Some(sig), .. }) = sent.last().map(|m| &m.intent)
    else {
        panic!("the acknowledgement went without its seal: {sent:?}")
    };
    // A stroke changed against the device's seal is refused by the platform.
    let mut changed = sig.clone();
    if let Mark::Drawn { strokes, .. } = &mut changed.mark {
        strokes[0].points[1].x += 1.0;
    }
    let forged = Intent::TaskTransition {
        task,
        action: TaskAction::Acknowledge,
        note: String::new(),
        evidence: vec![],
        proof: Some(proof.clone()),
        signature: Some(changed),
    };
    let resp = firm_device.push_intents(vec![forged]);
    assert!(
        matches!(&resp.results[0].outcome, Outcome::Rejected { reason, .. } if reason.contains("sealed")),
        "{:?}",
        resp.results[0]
    );
    let progress = firm.sync(&rt);
    assert_eq!((progress.applied, progress.rejected), (1, 0), "{progress:?}");

    // The platform keeps it on the step, sealed; the order draws it.
    let (records, _) = commander.pull_all(0);
    let event: TaskEvent = records
        .iter()
        .find_map(|r| match r {
            Record::TaskEvent(e) if e.task == task && e.action == TaskAction::Acknowledge => Some(e.clone()),
            _ => None,
        })
        .expect("the acknowledgement");
    let mut sealed = event.signature.expect("the step carries the signature");
    assert!(sealed.holds() && sealed.signature.signer == signer);
    if let Mark::Drawn { strokes, .. } = &mut sealed.signature.mark {
        strokes[0].points[0].y += 1.0;
    }
    assert!(!sealed.holds(), "a changed stroke no longer matches the seal");
    let signed_order = out.path().join("order-signed.pdf");
    std::fs::write(&signed_order, get(&commander, &format!("/v1/tasks/{task}/order.pdf"))).expect("write");
    let printed = text(&signed_order);
    let squeezed: String = printed.split_whitespace().collect();
    assert!(squeezed.contains("签收") && squeezed.contains(&format!("{signer}日期")), "{printed}");
    assert!(printed.contains("宣读文本一致") && printed.contains("已签名"), "{printed}");
    let (signed_ink, unsigned_ink) = (ink(&signed_order), ink(&unsigned_order));
    eprintln!("order ink at 50 dpi: signed {signed_ink}, unsigned {unsigned_ink}");
    assert!(signed_ink > unsigned_ink + 1000, "the strokes are drawn: {signed_ink} vs {unsigned_ink}");
    let (matches, report) = verify_document(&storage, &signed_order, None);
    assert!(matches, "{report}");

    // The acknowledgement the platform keeps, changed after printing (one stroke point): the printed
    // order no longer matches the sealed record; put back, it does again.
    let kept = kept_acknowledgement(&storage, task, None);
    let mut changed: serde_json::Value = serde_json::from_str(&kept).expect("json");
    let x = &mut changed["signature"]["mark"]["strokes"][0]["points"][2]["x"];
    *x = serde_json::json!(x.as_f64().expect("x") + 3.0);
    kept_acknowledgement(&storage, task, Some(&changed.to_string()));
    let (matches, report) = verify_document(&storage, &signed_order, None);
    assert!(!matches && report.contains("acknowledgement"), "a changed acknowledgement must fail: {report}");
    kept_acknowledgement(&storage, task, Some(&kept));
    assert!(verify_document(&storage, &signed_order, None).0);

    // The task the enterprise's phone holds from before tasks carried the legal basis: read back with
    // its checklist item's basis (the domain's rule), signed, and accepted by the platform.
    make_old_shaped(&firm.phone.store, old_task);
    firm.send(Event::Open(Route::Task(old_task)));
    let vm = firm.send(Event::ReadOrderBack(old_task));
    let read_back = vm.order_signing.expect("the old task's order as read back").read_back;
    assert!(read_back.text.contains(&item.legal_basis[0]), "{}", read_back.text);
    let vm = firm.send(Event::AcknowledgedOrder {
        task: old_task,
        signer: signer.clone(),
        width: 300.0,
        height: 100.0,
        strokes: zigzag(),
    });
    assert_eq!(vm.message, None);
    let progress = firm.sync(&rt);
    assert_eq!((progress.applied, progress.rejected), (1, 0), "the platform accepts it: {progress:?}");
    let old_order = out.path().join("order-old-task.pdf");
    std::fs::write(&old_order, get(&commander, &format!("/v1/tasks/{old_task}/order.pdf"))).expect("write");
    let printed = text(&old_order);
    assert!(printed.contains("宣读文本一致") && !printed.contains("宣读文本不一致"), "{printed}");
    assert!(verify_document(&storage, &old_order, None).0);

    // The case's bundle holds both orders with their acknowledgements: the printed orders and the
    // record check against it offline; one changed byte of an acknowledgement in it fails them.
    let record_pdf = out.path().join("record.pdf");
    std::fs::write(&record_pdf, get(&commander, &format!("/v1/inspections/{id}/record.pdf"))).expect("write");
    let bundle = out.path().join("bundle.tar");
    let (ok, said) = phone::platform_cmd(
        &storage,
        &["export-bundle", "--inspection", &id.to_string(), "--out", bundle.to_str().expect("path")],
    );
    assert!(ok, "{said}");
    for pdf in [&signed_order, &old_order, &record_pdf] {
        let (matches, report) = verify_document(&storage, pdf, Some(&bundle));
        assert!(matches, "{}: {report}", pdf.display());
    }
    let (matches, report) = verify_document(&storage, &unsigned_order, Some(&bundle));
    assert!(!matches && report.contains("not the order the bundle holds"), "{report}");
    let mut tar = std::fs::read(&bundle).expect("bundle");
    let orders = tar.windows(10).position(|w| w == b"\"orders\": ").expect("the bundle's orders");
    let stroke = orders + tar[orders..].windows(6).position(|w| w == b"\"x\": 1").expect("a stroke point");
    tar[stroke + 5] = b'2';
    let changed_bundle = out.path().join("changed.tar");
    std::fs::write(&changed_bundle, &tar).expect("write");
    let (matches, report) = verify_document(&storage, &signed_order, Some(&changed_bundle));
    assert!(!matches && report.contains("does not verify"), "one changed byte must fail: {report}");

    // The officer's phone, synced, prints the record and the signed order offline: the platform's bytes.
    assert_eq!(officer.sync(&rt).rejected, 0);
    let font = fieldcheck_core::documents::DocumentFont::new(std::fs::read(FONT).expect("font")).expect("font");
    let shared = Arc::new(SharedFiles::default());
    officer.app.set_printing(Printing { font: Arc::new(font.clone()), dir: officer_dir.join("documents") });
    officer.app.set_share(shared.clone());
    let started = std::time::Instant::now();
    let rendered = fieldcheck_core::app::documents::print(
        &officer.phone.store,
        officer.phone.ingestor.blobs(),
        DocumentRef::Record(id),
        &font,
    )
    .expect("print");
    let took = started.elapsed();
    eprintln!(
        "record with 20 photos printed on the phone's core in {:.2} s ({} pages, {} bytes)",
        took.as_secs_f64(),
        rendered.pages,
        rendered.pdf.len()
    );
    for (of, path) in [
        (DocumentRef::Record(id), format!("/v1/inspections/{id}/record.pdf")),
        (DocumentRef::Order(task), format!("/v1/tasks/{task}/order.pdf")),
    ] {
        let vm = officer.send(Event::OpenDocument(of));
        assert_eq!(vm.message, None);
        let opened = vm.document.expect("the document the view names");
        let on_phone = std::fs::read(&opened.path).expect("the printed file");
        assert!(on_phone == get(&commander, &path), "{of:?}: the phone's bytes are the platform's");
        officer.send(Event::ShareDocument);
        assert_eq!(shared.0.lock().expect("lock").last(), Some(&(opened.path.clone(), "application/pdf".into())));
    }
    assert_eq!(
        rendered.pdf,
        std::fs::read(officer_dir.join("documents").join(DocumentRef::Record(id).file_name())).expect("file")
    );
}
