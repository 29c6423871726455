//! Both documents made from a fixed record, read back with poppler (`pdftotext`, `pdftoppm`) and checked
//! with `qpdf --check` and veraPDF as PDF/A-2u (`scripts/verapdf.sh`). Under `CI=true` a missing tool or font fails the test; elsewhere it skips.

use chrono::{DateTime, Duration, Utc};
use fieldcheck_documents::{
    DocumentFont, Kind, OrderInput, Payload, RecordInput, inspection_record, rectification_order,
    verify_against_bundle, verify_against_facts,
};
use fieldcheck_domain::answer::{Answer, AnswerValue, Verdict, assess};
use fieldcheck_domain::credit_code::CreditCode;
use fieldcheck_domain::finding::{Finding, Severity};
use fieldcheck_domain::geo::GeoFix;
use fieldcheck_domain::ids::{DeviceId, EnterpriseId, EvidenceId, FindingId, InspectionId, TaskId, TownshipId, UserId};
use fieldcheck_domain::inspection::{Inspection, InspectionKind, InspectionState, Inspector, Respondent};
use fieldcheck_domain::organisation::{Contact, Enterprise, EnterpriseFlags};
use fieldcheck_domain::rectification::{RectificationTask, TaskState};
use fieldcheck_domain::signature::{Mark, Signature, SignerRole, Stroke, StrokePoint, Witness};
use fieldcheck_domain::template::{ChecklistTemplate, ItemRef};
use fieldcheck_evidence::{
    BlobRef, BundleInput, CaptureMeta, Case, Digest, EvidenceChain, MediaType, OrderSheet, OriginalSource,
    SealedSignature, SoftwareSigner, Subject, VerifyOptions, build_bundle, pack_tar, seal, seal_signed,
};
use fieldcheck_protocol::{SubmittedEvidence, SubmittedInspection};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use uuid::Uuid;

const FONT: &str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";

fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// The font, or `None` (skip) outside CI when it is not installed.
fn font() -> Option<DocumentFont> {
    match std::fs::read(FONT) {
        Ok(bytes) => Some(DocumentFont::new(bytes).expect("the font reads")),
        Err(e) if ci() => panic!("{FONT}: {e} (scripts/test.sh installs fonts-wqy-microhei)"),
        Err(_) => {
            eprintln!("skipping: {FONT} is not installed");
            None
        }
    }
}

/// Whether `tool` runs; under CI its absence fails the test.
fn have(tool: &str) -> bool {
    let ok = Command::new(tool).arg("-v").output().is_ok() || Command::new(tool).arg("--version").output().is_ok();
    if !ok && ci() {
        panic!("{tool} is missing (scripts/test.sh installs poppler-utils and qpdf)");
    }
    if !ok {
        eprintln!("skipping: {tool} is not installed");
    }
    ok
}

fn id<T>(n: u128, f: fn(Uuid) -> T) -> T {
    f(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + n))
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

struct Fixture {
    submitted: SubmittedInspection,
    enterprise: Enterprise,
    templates: Vec<ChecklistTemplate>,
    originals: BTreeMap<Digest, Vec<u8>>,
    /// A rendition-sized JPEG (2048 × 1536) of each photo, as the platform holds.
    pictures: BTreeMap<Digest, Vec<u8>>,
    task: RectificationTask,
}

/// A 2048 × 1536 JPEG in colours of its own, as big as the platform's renditions.
fn rendition(n: u32) -> Vec<u8> {
    let img =
        image::RgbImage::from_fn(2048, 1536, |x, y| image::Rgb([(x / 8) as u8, (y / 6) as u8, (n * 40 % 256) as u8]));
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85).encode_image(&img).unwrap();
    out
}

impl OriginalSource for Fixture {
    fn original(&self, sha256: &Digest) -> Option<Vec<u8>> {
        self.originals.get(sha256).cloned()
    }
}

fn fixture(photos: u32) -> Fixture {
    let inspection_id = id(1, InspectionId);
    let enterprise = Enterprise {
        id: id(2, EnterpriseId),
        name: "永康市华润五金制品有限公司".into(),
        credit_code: CreditCode::complete("91330784MA2E8XYW1").unwrap(),
        township: id(3, TownshipId),
        address: "浙江省永康市经济开发区金城路 188 号".into(),
        location: None,
        legal_representative: "陈国强".into(),
        contact: Contact { name: "李明".into(), phone: "13905791234".into() },
        flags: EnterpriseFlags::default(),
    };
    let templates = fieldcheck_domain::checklists::bundled();
    let hw = templates.iter().find(|t| t.id == "hazardous_waste_storage").unwrap();
    let started = at("2026-03-05T01:30:00Z");
    // Every yes/no item that "No" fails, the first four of them failing, the rest compliant.
    let mut answers = Vec::new();
    let mut failed = Vec::new();
    for item in &hw.items {
        if assess(item, &AnswerValue::No, started.date_naive()).ok() == Some(Verdict::NonCompliant) {
            let fail = failed.len() < 4;
            let value = if fail { AnswerValue::No } else { AnswerValue::Yes };
            if fail {
                failed.push(item.clone());
            }
            answers.push(Answer {
                item: ItemRef { template: hw.id.clone(), code: item.code.clone() },
                value,
                note: fail.then(|| "现场发现贮存间地面有渗漏痕迹".to_string()),
                answered_at: started + Duration::minutes(5),
            });
        }
    }
    let officer = |n: u128, name: &str, cert: &str| Inspector {
        user: id(n, UserId),
        name: name.into(),
        certificate_no: cert.into(),
    };
    let inspection = Inspection {
        id: inspection_id,
        enterprise: enterprise.id,
        kind: InspectionKind::Routine,
        checklists: vec![hw.reference()],
        inspectors: vec![officer(10, "张伟", "33070001234"), officer(11, "王芳", "33070005678")],
        recorder: Some(officer(11, "王芳", "33070005678")),
        respondent: Some(Respondent {
            name: "李明".into(),
            position: "安全环保科科长".into(),
            phone: "13905791234".into(),
        }),
        started_at: Some(started),
        ended_at: Some(started + Duration::minutes(95)),
        location: Some(GeoFix { lat: 28.901234, lon: 120.045678, accuracy_m: 6.0 }),
        location_missing: None,
        summary: "检查人员对该公司危险废物贮存设施及管理台账进行了现场检查。".into(),
        state: InspectionState::Submitted,
        origin: None,
        corrects: None,
        created_by: id(10, UserId),
    };
    let finding = Finding {
        id: id(20, FindingId),
        inspection: inspection_id,
        item: Some(ItemRef { template: hw.id.clone(), code: failed[0].code.clone() }),
        severity: Severity::General,
        description: format!("{}：{}", failed[0].code, failed[0].text.zh),
        legal_basis: failed[0].legal_basis.clone(),
        deadline_days: Some(30),
    };
    let task = RectificationTask {
        id: id(30, TaskId),
        enterprise: enterprise.id,
        township: enterprise.township,
        inspection: inspection_id,
        finding: finding.id,
        severity: Severity::General,
        requirement: "立即清理渗漏物，修复贮存间防渗地面，完善危险废物管理台账。".into(),
        issued_by: id(10, UserId),
        issued_at: started + Duration::minutes(100),
        deadline: started + Duration::days(30),
        state: TaskState::Issued,
        case_review: false,
        legal_basis: failed[0].legal_basis.clone(),
    };
    let mut chain = EvidenceChain::new(Case::Inspection(inspection_id));
    let device = id(40, DeviceId);
    let mut originals = BTreeMap::new();
    let mut pictures = BTreeMap::new();
    for n in 0..photos {
        let bytes = format!("fixture photo {n} of {inspection_id}").into_bytes();
        let sha256 = Digest::of(&bytes);
        originals.insert(sha256, bytes.clone());
        pictures.insert(sha256, rendition(n));
        let meta = CaptureMeta {
            evidence: id(100 + n as u128, EvidenceId),
            case: Case::Inspection(inspection_id),
            subject: Subject::Overall,
            taken_at: started + Duration::minutes(10 + n as i64 * 3),
            // Short decimals, as a GPS receiver reports them.
            fix: Some(GeoFix { lat: format!("28.90{:02}", n).parse().unwrap(), lon: 120.045678, accuracy_m: 5.0 }),
            device,
            officer: id(10, UserId),
            clock_skew_ms: Some(0),
            provenance: Default::default(),
        };
        chain.append_parts(BlobRef { sha256, len: bytes.len() as u64, media_type: MediaType::Jpeg }, meta).unwrap();
    }
    let signer = SoftwareSigner::from_secret(&[7; 32]).unwrap();
    let seal = seal(&chain, device, &signer, started + Duration::minutes(96)).unwrap();
    let submitted = SubmittedInspection {
        inspection,
        answers,
        findings: vec![finding],
        tasks: vec![task.clone()],
        notices: vec![],
        evidence: Some(SubmittedEvidence { chain, seal, renditions: vec![] }),
        signatures: Vec::new(),
    };
    Fixture { submitted, enterprise, templates, originals, pictures, task }
}

fn scribble(role: SignerRole, signer: &str, shown: &str, at: DateTime<Utc>, seed: f32) -> Signature {
    // A few looping strokes, as a finger would draw a name.
    let strokes = (0..3)
        .map(|s| Stroke {
            points: (0..40)
                .map(|i| {
                    let t = i as f32 / 39.0;
                    StrokePoint {
                        x: 20.0 + s as f32 * 90.0 + t * 80.0,
                        y: 50.0 + (t * 12.0 + seed + s as f32).sin() * 30.0,
                        t: (s * 1000 + i * 20) as u32,
                    }
                })
                .collect(),
        })
        .collect();
    Signature {
        role,
        signer: signer.into(),
        shown_text_sha256: shown.into(),
        at,
        mark: Mark::Drawn { width: 300.0, height: 100.0, strokes },
    }
    .bounded()
    .unwrap()
}

/// The record of `f` before anyone signs it.
fn unsigned_record(f: &Fixture) -> RecordInput<'_> {
    RecordInput {
        submitted: &f.submitted,
        enterprise: &f.enterprise,
        township: "经济开发区",
        templates: &f.templates,
        signatures: &[],
        pictures: &f.pictures,
    }
}

/// The first page of `pdf` as a 200 dpi PNG scan (`area`: pdftoppm's crop options, if any), made at
/// `stem` (.pdf, .png).
fn scan(pdf: &[u8], stem: &Path, area: &[&str]) -> Vec<u8> {
    std::fs::write(stem.with_extension("pdf"), pdf).unwrap();
    let status = Command::new("pdftoppm")
        .args(["-r", "200", "-f", "1", "-l", "1", "-singlefile", "-png"])
        .args(area)
        .arg(stem.with_extension("pdf"))
        .arg(stem)
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::read(stem.with_extension("png")).unwrap()
}

fn out_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../build/documents");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn text_of(pdf: &Path) -> String {
    let out = Command::new("pdftotext").args(["-layout", "-enc", "UTF-8"]).arg(pdf).arg("-").output().unwrap();
    assert!(out.status.success(), "pdftotext: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Text without whitespace, so a value wrapped over lines or spaced by layout still matches.
fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The PDF's text squashed, without the small English labels that sit beside wrapped values.
fn body_text(pdf: &Path, facts: &[fieldcheck_documents::Fact]) -> String {
    let mut text = squash(&text_of(pdf));
    for fact in facts {
        text = text.replace(&squash(fact.en), "");
    }
    text
}

/// Renders every page to PNG under build/documents/ and returns (path, non-white pixels) per page.
fn render_pages(pdf: &Path, stem: &str) -> Vec<(PathBuf, usize)> {
    let prefix = out_dir().join(stem);
    let status = Command::new("pdftoppm").args(["-r", "100", "-png"]).arg(pdf).arg(&prefix).status().unwrap();
    assert!(status.success());
    let mut pages: Vec<PathBuf> = std::fs::read_dir(out_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            name.starts_with(&format!("{stem}-")) && name.ends_with(".png")
        })
        .collect();
    pages.sort();
    pages
        .into_iter()
        .map(|p| {
            let img = image::open(&p).unwrap().to_luma8();
            let inked = img.pixels().filter(|px| px.0[0] < 200).count();
            (p, inked)
        })
        .collect()
}

fn qpdf_check(pdf: &Path) {
    let out = Command::new("qpdf").arg("--check").arg(pdf).output().unwrap();
    assert!(
        out.status.success(),
        "qpdf --check {}: {}{}",
        pdf.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// veraPDF (scripts/verapdf.sh) passes `pdf` as the PDF/A-2u it claims; skipped outside CI without Java.
fn pdfa_check(pdf: &Path) {
    if !have("java") || !have("mvn") {
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/verapdf.sh");
    let out = Command::new("bash").arg(script).arg(pdf).output().unwrap();
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && report.contains("PASS 2u"), "veraPDF {}: {report}", pdf.display());
}

#[test]
fn the_inspection_record_prints_every_field_and_reads_back() {
    let Some(font) = font() else { return };
    let f = fixture(20);
    let base = unsigned_record(&f);
    let shown = fieldcheck_documents::record_read_back(&base).sha256;
    let end = f.submitted.inspection.ended_at.unwrap();
    let signatures = vec![
        Signature {
            role: SignerRole::Respondent,
            signer: "李明".into(),
            shown_text_sha256: shown.clone(),
            at: end,
            mark: Mark::Refused {
                reason: "对检查结论有异议".into(),
                witness: Witness { name: "周建华".into(), position: "园区管委会工作人员".into() },
            },
        }
        .bounded()
        .unwrap(),
        scribble(SignerRole::Inspector, "张伟", &shown, end, 0.0),
        scribble(SignerRole::Inspector, "王芳", &shown, end, 1.3),
        scribble(SignerRole::Recorder, "王芳", &shown, end, 2.1),
    ];
    let input = RecordInput { signatures: &signatures, ..base };

    let started = Instant::now();
    let doc = inspection_record(&input, &font).unwrap();
    println!(
        "inspection record with 20 photos (thumbnails from 2048 px renditions): {:?}, {} pages, {} bytes",
        started.elapsed(),
        doc.pages,
        doc.pdf.len()
    );
    // The same inputs, the same bytes.
    assert_eq!(inspection_record(&input, &font).unwrap().pdf, doc.pdf);

    let root = f.submitted.evidence.as_ref().unwrap().chain.head().head;
    assert_eq!(Payload::find_in_pdf(&doc.pdf), Some(doc.payload.clone()));
    assert_eq!(doc.payload.root, Some(root));
    let id = f.submitted.inspection.id.to_string();
    assert!(verify_against_facts(&doc.payload, Kind::Record, &id, &doc.facts, Some(root)).is_empty());
    let mut other = doc.facts.clone();
    other[4].value.push('X');
    assert!(!verify_against_facts(&doc.payload, Kind::Record, &id, &other, Some(root)).is_empty());

    let path = out_dir().join("inspection-record.pdf");
    std::fs::write(&path, &doc.pdf).unwrap();
    if !(have("pdftotext") && have("pdftoppm") && have("qpdf")) {
        return;
    }
    qpdf_check(&path);
    pdfa_check(&path);
    let text = body_text(&path, &doc.facts);
    for fact in &doc.facts {
        for line in fact.value.split('\n') {
            assert!(text.contains(&squash(line)), "{} ({}) not in the PDF's text: {line}", fact.key, fact.zh);
        }
        assert!(text.contains(&squash(fact.zh)), "label {} not in the PDF's text", fact.zh);
    }
    for entry in &f.submitted.evidence.as_ref().unwrap().chain.entries {
        let hash = entry.original.sha256.to_hex();
        assert!(text.contains(&hash[..32]) && text.contains(&hash[32..]), "photo {} hash missing", entry.seq);
    }
    // Each photo's thumbnail is in the index: one image per photo.
    let listed = Command::new("pdfimages").arg("-list").arg(&path).output().unwrap();
    let images = String::from_utf8_lossy(&listed.stdout).lines().filter(|l| l.contains(" image ")).count();
    assert_eq!(images, 20, "{}", String::from_utf8_lossy(&listed.stdout));
    for item in ["现场检查（勘察）笔录", "照片索引", "被检查人", "见证人", "宣读文本一致"] {
        assert!(text.contains(item), "{item}");
    }
    assert!(!text.contains("宣读文本不一致"), "every signer saw the printed text");
    // Signatures are drawn paths: the page with the boxes has ink inside them beyond the text.
    let pages = render_pages(&path, "inspection-record");
    assert_eq!(pages.len(), doc.pages);
    for (p, inked) in &pages {
        assert!(*inked > 2000, "{} looks blank ({inked} inked pixels)", p.display());
    }
    let unsigned = inspection_record(&RecordInput { signatures: &[], ..input }, &font).unwrap();
    let unsigned_path = out_dir().join("unsigned-inspection-record.pdf");
    std::fs::write(&unsigned_path, &unsigned.pdf).unwrap();
    let unsigned_pages = render_pages(&unsigned_path, "unsigned-inspection-record");
    let ink = |pages: &[(PathBuf, usize)]| pages.last().unwrap().1;
    assert!(ink(&pages) > ink(&unsigned_pages) + 1000, "the drawn signatures add ink");
}

#[test]
fn the_rectification_order_prints_every_field() {
    let Some(font) = font() else { return };
    let f = fixture(3);
    let root = f.submitted.evidence.as_ref().unwrap().chain.head().head;
    let base = OrderInput {
        task: &f.task,
        enterprise: &f.enterprise,
        township: "经济开发区",
        bundle_root: Some(root),
        signatures: &[],
    };
    let shown = fieldcheck_documents::order_read_back(&base).sha256;
    let ack = [scribble(SignerRole::Respondent, "李明", &shown, f.task.issued_at, 0.7)];
    let input = OrderInput { signatures: &ack, ..base };
    let doc = rectification_order(&input, &font).unwrap();
    assert_eq!(rectification_order(&input, &font).unwrap().pdf, doc.pdf);
    assert_eq!(doc.payload.kind, Kind::Order);
    let path = out_dir().join("rectification-order.pdf");
    std::fs::write(&path, &doc.pdf).unwrap();
    if !(have("pdftotext") && have("pdftoppm") && have("qpdf")) {
        return;
    }
    qpdf_check(&path);
    pdfa_check(&path);
    let text = body_text(&path, &doc.facts);
    for fact in &doc.facts {
        for line in fact.value.split('\n') {
            assert!(text.contains(&squash(line)), "{} ({}) not in the PDF's text: {line}", fact.key, fact.zh);
        }
    }
    assert!(text.contains("责令改正通知书"));
    for (p, inked) in render_pages(&path, "rectification-order") {
        assert!(inked > 2000, "{} looks blank", p.display());
    }
}

#[test]
fn a_bundle_with_one_changed_byte_fails_verification() {
    let Some(font) = font() else { return };
    let f = fixture(4);
    let input = unsigned_record(&f);
    let doc = inspection_record(&input, &font).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ev = f.submitted.evidence.as_ref().unwrap();
    let bundle_input = BundleInput {
        chain: &ev.chain,
        seal: &ev.seal,
        receipt: None,
        audit: &[],
        signatures: &[],
        orders: &[],
        exporter: None,
        exported_at: at("2026-03-06T00:00:00Z"),
    };
    build_bundle(&dir.path().join("bundle"), &bundle_input, &f).unwrap();
    let tar = dir.path().join("bundle.tar");
    pack_tar(&dir.path().join("bundle"), &tar).unwrap();
    let options = VerifyOptions { allow_missing_receipt: true, ..VerifyOptions::default() };
    let payload = fieldcheck_documents::read_payload(&doc.pdf).unwrap();
    assert_eq!(payload, doc.payload);
    let problems = verify_against_bundle(&payload, &tar, &options);
    assert!(problems.is_empty(), "{problems:?}");

    // One byte of one original photo changed inside the tar.
    let mut bytes = std::fs::read(&tar).unwrap();
    let needle = b"fixture photo 2 of";
    let at = bytes.windows(needle.len()).position(|w| w == needle).unwrap();
    bytes[at] ^= 1;
    let bad = dir.path().join("bad.tar");
    std::fs::write(&bad, &bytes).unwrap();
    let problems = verify_against_bundle(&payload, &bad, &options);
    assert!(!problems.is_empty(), "a changed byte must fail");

    // Paper: the first page rendered as a scan would be (PNG at 200 dpi, and a JPEG of it), its QR code
    // read back, gives the same payload; against the changed bundle it fails the same way.
    if have("pdftoppm") {
        let png = scan(&doc.pdf, &dir.path().join("record"), &[]);
        let mut jpeg = Vec::new();
        image::load_from_memory(&png)
            .unwrap()
            .to_rgb8()
            .write_to(&mut std::io::Cursor::new(&mut jpeg), image::ImageFormat::Jpeg)
            .unwrap();
        for picture in [&png, &jpeg] {
            let scanned = fieldcheck_documents::read_payload(picture).unwrap();
            assert_eq!(scanned, doc.payload);
            assert!(verify_against_bundle(&scanned, &tar, &options).is_empty());
            assert!(!verify_against_bundle(&scanned, &bad, &options).is_empty());
        }
        let blank = image::RgbImage::from_pixel(400, 300, image::Rgb([255, 255, 255]));
        let mut blank_png = Vec::new();
        blank.write_to(&mut std::io::Cursor::new(&mut blank_png), image::ImageFormat::Png).unwrap();
        assert!(fieldcheck_documents::read_payload(&blank_png).unwrap_err().contains("no QR code"));
        assert!(fieldcheck_documents::read_payload(b"not an image").is_err());
    }

    // The bundle of another record does not match this document either.
    let other = fixture(5);
    let other_dir = dir.path().join("other");
    let ev2 = other.submitted.evidence.as_ref().unwrap();
    build_bundle(&other_dir, &BundleInput { chain: &ev2.chain, seal: &ev2.seal, ..bundle_input }, &other).unwrap();
    let problems = verify_against_bundle(&payload, &other_dir, &options);
    assert!(!problems.is_empty());
}

#[test]
fn a_printed_order_checks_against_the_bundle_that_holds_its_acknowledgement() {
    let Some(font) = font() else { return };
    let f = fixture(2);
    let ev = f.submitted.evidence.as_ref().unwrap();
    let base = OrderInput {
        task: &f.task,
        enterprise: &f.enterprise,
        township: "经济开发区",
        bundle_root: Some(ev.chain.head().head),
        signatures: &[],
    };
    // The enterprise's phone seals its signature over the order's read-back (an empty step chain).
    let shown = fieldcheck_documents::order_read_back(&OrderInput { bundle_root: None, ..base }).sha256;
    let ack = scribble(SignerRole::Respondent, "陈国强", &shown, f.task.issued_at, 0.4);
    let phone = SoftwareSigner::from_secret(&[9; 32]).unwrap();
    let step = EvidenceChain::new(Case::Task(f.task.id));
    let sealed = SealedSignature {
        seal: seal_signed(&step, std::slice::from_ref(&ack), id(41, DeviceId), &phone, f.task.issued_at).unwrap(),
        signature: ack.clone(),
    };
    assert!(sealed.holds());
    let signed = OrderInput { signatures: std::slice::from_ref(&ack), ..base };
    let doc = rectification_order(&signed, &font).unwrap();
    let sheet = |input: &OrderInput<'_>, acknowledgement: Option<SealedSignature>| OrderSheet {
        task: f.task.id,
        facts: fieldcheck_documents::printed_facts(&fieldcheck_documents::order_facts(input)),
        acknowledgement,
    };

    let dir = tempfile::tempdir().unwrap();
    let exporter = SoftwareSigner::from_secret(&[3; 32]).unwrap();
    let bundle = |name: &str, orders: &[OrderSheet]| {
        let folder = dir.path().join(name);
        let input = BundleInput {
            chain: &ev.chain,
            seal: &ev.seal,
            receipt: None,
            audit: &[],
            signatures: &[],
            orders,
            exporter: Some(&exporter),
            exported_at: at("2026-03-06T00:00:00Z"),
        };
        build_bundle(&folder, &input, &f).unwrap();
        let tar = dir.path().join(format!("{name}.tar"));
        pack_tar(&folder, &tar).unwrap();
        tar
    };
    let options = VerifyOptions { allow_missing_receipt: true, ..VerifyOptions::default() };
    let payload = fieldcheck_documents::read_payload(&doc.pdf).unwrap();

    // The case's bundle with the signed order: the paper matches it.
    let good = bundle("good", &[sheet(&signed, Some(sealed.clone()))]);
    let problems = verify_against_bundle(&payload, &good, &options);
    assert!(problems.is_empty(), "{problems:?}");

    // One changed byte of the acknowledgement's strokes in the bundle: its seal no longer covers it.
    let mut bytes = std::fs::read(&good).unwrap();
    let orders = bytes.windows(10).position(|w| w == b"\"orders\": ").unwrap();
    let x = orders + bytes[orders..].windows(6).position(|w| w == b"\"x\": 2").unwrap();
    bytes[x + 5] = b'3';
    let changed = dir.path().join("changed.tar");
    std::fs::write(&changed, &bytes).unwrap();
    let problems = verify_against_bundle(&payload, &changed, &options);
    assert!(problems.iter().any(|p| p.contains("does not verify")), "{problems:?}");

    // A signature whose seal does not cover it, or over other text, fails the bundle; so does a bundle
    // exported before the enterprise signed (its order prints no receipt), and one without the order.
    let mut forged = sealed.clone();
    forged.signature.signer = "孙八".into();
    let problems = verify_against_bundle(&payload, &bundle("forged", &[sheet(&signed, Some(forged))]), &options);
    assert!(problems.iter().any(|p| p.contains("not the one its device sealed")), "{problems:?}");
    let mut other_text = sheet(&signed, Some(sealed.clone()));
    other_text.facts[1].value.push('X');
    let problems = verify_against_bundle(&payload, &bundle("other-text", &[other_text]), &options);
    assert!(problems.iter().any(|p| p.contains("other text")), "{problems:?}");
    let problems = verify_against_bundle(&payload, &bundle("before", &[sheet(&base, None)]), &options);
    assert!(problems.iter().any(|p| p.contains("exported before the enterprise signed")), "{problems:?}");
    let problems = verify_against_bundle(&payload, &bundle("none", &[]), &options);
    assert!(problems.iter().any(|p| p.contains("holds no rectification order")), "{problems:?}");
}

/// Every printed code reads back from a 200 dpi scan, whatever its payload: each id gives another code
/// (another module pattern), and a pattern the decoder misreads would fail here, not at random in use.
#[test]
fn every_printed_code_reads_back_from_a_scan() {
    let Some(font) = font() else { return };
    if !have("pdftoppm") {
        return;
    }
    let mut f = fixture(0);
    let dir = tempfile::tempdir().unwrap();
    const PAYLOADS: u128 = 40;
    let mut failures = Vec::new();
    for n in 0..PAYLOADS {
        f.submitted.inspection.id = InspectionId(Uuid::from_u128(
            0x0193_8f2a_1c00_7000_8000_0000_0000_0000 ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c834),
        ));
        let doc = inspection_record(&unsigned_record(&f), &font).unwrap();
        // The page's upper half (the code's corner and the title beside it), as a scan would show it.
        let png = scan(&doc.pdf, &dir.path().join(n.to_string()), &["-x", "0", "-y", "0", "-W", "1654", "-H", "1170"]);
        match fieldcheck_documents::read_payload(&png) {
            Ok(p) => assert_eq!(p, doc.payload),
            Err(e) => failures.push(format!("{}: {e}", f.submitted.inspection.id.0)),
        }
    }
    assert!(failures.is_empty(), "{} of {PAYLOADS} scans did not read back: {failures:#?}", failures.len());
}
