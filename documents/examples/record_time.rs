//! How long the inspection record takes to make with 20 photos, as the phone and the platform make it:
//! each photo's index picture from its 320 px thumbnail (made by the evidence pipeline from a 1600 × 1200
//! photo), a signed read-back, the CJK font subset. Prints each run and the median; writes the last
//! record to `build/documents/record-20-photos.pdf`.
//!
//!     cargo run --release -p fieldcheck-documents --example record_time -- [FONT] [RUNS]
//!
//! FONT defaults to WenQuanYi Micro Hei (`fonts-wqy-microhei`), RUNS to 9.

use chrono::{DateTime, Duration, Utc};
use fieldcheck_documents::{DocumentFont, RecordInput, inspection_record};
use fieldcheck_domain::credit_code::CreditCode;
use fieldcheck_domain::geo::GeoFix;
use fieldcheck_domain::ids::{DeviceId, EnterpriseId, EvidenceId, InspectionId, TownshipId, UserId};
use fieldcheck_domain::inspection::{Inspection, InspectionKind, InspectionState, Inspector, Respondent};
use fieldcheck_domain::organisation::{Contact, Enterprise, EnterpriseFlags};
use fieldcheck_domain::signature::{Mark, Signature, SignerRole, Stroke, StrokePoint};
use fieldcheck_evidence::{
    BlobRef, CaptureMeta, Case, Digest, EvidenceChain, Limits, MediaType, SoftwareSigner, Subject, derive, seal,
};
use fieldcheck_protocol::{SubmittedEvidence, SubmittedInspection};
use std::collections::BTreeMap;
use std::time::Instant;

const PHOTOS: u32 = 20;

/// A noisy 1600 × 1200 JPEG, distinct per seed (noise, so it compresses like a photo, not a flat image).
fn photo(seed: u32) -> Vec<u8> {
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    let img = image::RgbImage::from_fn(1600, 1200, |x, y| {
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let n = (state >> 24) as u8;
        image::Rgb([(x * 255 / 1600) as u8 ^ (n & 0x3f), (y * 255 / 1200) as u8, n])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90).encode_image(&img).expect("jpeg");
    out
}

fn officer(name: &str, cert: &str) -> Inspector {
    Inspector { user: UserId::new(), name: name.into(), certificate_no: cert.into() }
}

fn signature(role: SignerRole, signer: &str, shown: &str, at: DateTime<Utc>) -> Signature {
    let strokes = (0..3)
        .map(|s| Stroke {
            points: (0..40)
                .map(|i| StrokePoint {
                    x: 20.0 + s as f32 * 90.0 + i as f32 * 2.0,
                    y: 50.0 + ((i as f32 / 3.0) + s as f32).sin() * 30.0,
                    t: s * 1000 + i * 20,
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
}

fn main() {
    let mut args = std::env::args().skip(1);
    let font_path = args.next().unwrap_or_else(|| "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc".into());
    let runs: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(9);
    let font = DocumentFont::new(std::fs::read(&font_path).expect("the font")).expect("a font");

    let id = InspectionId::new();
    let started: DateTime<Utc> = "2026-03-05T01:30:00Z".parse().expect("time");
    let enterprise = Enterprise {
        id: EnterpriseId::new(),
        name: "永康市华润五金制品有限公司".into(),
        credit_code: CreditCode::complete("91330784MA2E8XYW1").expect("code"),
        township: TownshipId::new(),
        address: "浙江省永康市经济开发区金城路 188 号".into(),
        location: None,
        legal_representative: "陈国强".into(),
        contact: Contact { name: "李明".into(), phone: "13905791234".into() },
        flags: EnterpriseFlags::default(),
    };
    let templates = fieldcheck_domain::checklists::bundled();
    let (zhang, wang) = (officer("张伟", "33070001234"), officer("王芳", "33070005678"));
    let inspection = Inspection {
        id,
        enterprise: enterprise.id,
        kind: InspectionKind::Routine,
        checklists: vec![templates[0].reference()],
        inspectors: vec![zhang.clone(), wang.clone()],
        recorder: Some(wang.clone()),
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
        created_by: zhang.user,
    };

    // The photos through the evidence pipeline: the thumbnail is what the photo index is made from.
    let device = DeviceId::new();
    let mut chain = EvidenceChain::new(Case::Inspection(id));
    let mut pictures = BTreeMap::new();
    for n in 0..PHOTOS {
        let bytes = photo(n);
        let derived = derive(&bytes, &Limits::default(), None).expect("derive");
        let sha256 = Digest::of(&bytes);
        pictures.insert(sha256, derived.thumbnail);
        let meta = CaptureMeta {
            evidence: EvidenceId::new(),
            case: Case::Inspection(id),
            subject: Subject::Overall,
            taken_at: started + Duration::minutes(10 + n as i64 * 3),
            fix: Some(GeoFix { lat: 28.9 + n as f64 / 1e4, lon: 120.045678, accuracy_m: 5.0 }),
            device,
            officer: zhang.user,
            clock_skew_ms: Some(0),
            provenance: Default::default(),
        };
        chain
            .append_parts(BlobRef { sha256, len: bytes.len() as u64, media_type: MediaType::Jpeg }, meta)
            .expect("chain");
    }
    let key = SoftwareSigner::from_secret(&[7; 32]).expect("key");
    let sealed = seal(&chain, device, &key, started + Duration::minutes(96)).expect("seal");
    let submitted = SubmittedInspection {
        inspection,
        answers: vec![],
        findings: vec![],
        tasks: vec![],
        notices: vec![],
        evidence: Some(SubmittedEvidence { chain, seal: sealed, renditions: vec![] }),
        signatures: vec![],
    };
    let base = RecordInput {
        submitted: &submitted,
        enterprise: &enterprise,
        township: "经济开发区",
        templates: &templates,
        signatures: &[],
        pictures: &pictures,
    };
    let shown = fieldcheck_documents::record_read_back(&base).sha256;
    let end = started + Duration::minutes(95);
    let signatures = vec![
        signature(SignerRole::Respondent, "李明", &shown, end),
        signature(SignerRole::Inspector, "张伟", &shown, end),
        signature(SignerRole::Inspector, "王芳", &shown, end),
        signature(SignerRole::Recorder, "王芳", &shown, end),
    ];
    let input = RecordInput { signatures: &signatures, ..base };

    let mut times = Vec::new();
    let mut last = None;
    for run in 1..=runs {
        let started = Instant::now();
        let doc = inspection_record(&input, &font).expect("the record");
        let took = started.elapsed().as_secs_f64() * 1000.0;
        println!("run {run}: {took:.1} ms ({} pages, {} bytes)", doc.pages, doc.pdf.len());
        times.push(took);
        last = Some(doc);
    }
    times.sort_by(f64::total_cmp);
    let p50 = times[times.len() / 2];
    println!(
        "record with {PHOTOS} photos: p50 {p50:.1} ms over {runs} runs (min {:.1}, max {:.1})",
        times[0],
        times[times.len() - 1]
    );
    if let Some(doc) = last {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../build/documents");
        std::fs::create_dir_all(&dir).expect("build/documents");
        std::fs::write(dir.join("record-20-photos.pdf"), &doc.pdf).expect("write");
    }
}
