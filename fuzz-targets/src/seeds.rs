//! The seed corpus: small valid inputs made from the real types, so the fuzzer starts from what the
//! product exchanges. Deterministic (fixed ids, times and keys; ECDSA signs deterministically), so
//! regenerating rewrites the same files. `cargo run -p fieldcheck-fuzz-targets --bin fuzz-seeds`.

use crate::{RuleCase, fixed_time};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use fieldcheck_domain::answer::{Answer, AnswerValue, Measure};
use fieldcheck_domain::checklists;
use fieldcheck_domain::finding::{Finding, Severity};
use fieldcheck_domain::geo::GeoFix;
use fieldcheck_domain::ids::{
    AlarmId, DeviceId, EnterpriseId, EvidenceId, FindingId, InspectionId, MutationId, TaskId, TownshipId, UserId,
};
use fieldcheck_domain::inspection::{Inspection, InspectionKind, InspectionState, Inspector, Respondent};
use fieldcheck_domain::linkage::linked_records;
use fieldcheck_domain::rectification::TaskAction;
use fieldcheck_domain::template::{AnswerSpec, ChecklistTemplate, ItemRef, MeasureKind};
use fieldcheck_evidence::{
    AuditEvent, BlobRef, BundleInput, CaptureMeta, Case, Digest, EvidenceChain, MediaType, OriginalSource, Signer,
    SoftwareSigner, Subject, build_bundle, countersign, pack_tar, seal,
};
use fieldcheck_protocol::{
    Change, ChangeOp, EnterpriseField, Entity, Intent, Mutation, MutationResult, Outcome, PROTOCOL_VERSION,
    PullResponse, PushRequest, PushResponse, Record, RejectCode, SubmittedEvidence, SubmittedInspection,
};
use std::collections::BTreeMap;
use std::path::Path;
use uuid::Uuid;

/// One seed: the target it belongs to, its file name, its bytes.
pub struct Seed {
    pub target: &'static str,
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The instant seeds are made at.
pub fn t0() -> DateTime<Utc> {
    fixed_time(2026, 11, 30)
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0000 | n)
}

fn json(value: &impl serde::Serialize) -> Vec<u8> {
    serde_json::to_vec_pretty(value).expect("a seed encodes")
}

/// Every seed of every target. `scratch` is an empty folder the bundle seeds are built in.
pub fn all(scratch: &Path) -> Vec<Seed> {
    let mut out = Vec::new();
    let mut add = |target, name: &str, bytes| out.push(Seed { target, name: name.to_owned(), bytes });

    let mutations = mutations();
    let push =
        PushRequest { protocol: PROTOCOL_VERSION, device: DeviceId(id(1)), sent_at: t0(), mutations, follows: None };
    add("push_pull", "push_all_intents.json", json(&push));
    add("push_pull", "pull_page.json", json(&pull_page()));
    let results = vec![
        MutationResult { seq: 1, outcome: Outcome::Applied },
        MutationResult {
            seq: 2,
            outcome: Outcome::Rejected { code: RejectCode::InvalidTransition, reason: "已验收 / accepted".into() },
        },
        MutationResult {
            seq: 5,
            outcome: Outcome::Conflict { current: serde_json::json!({"field": "address", "value": "永康市 1 号"}) },
        },
    ];
    add("push_pull", "push_response.json", json(&PushResponse { received_at: t0(), results, pipelining: true }));

    for m in &push.mutations {
        let kind = serde_json::to_value(&m.intent).expect("encodes")["kind"].as_str().unwrap_or("intent").to_owned();
        add("intent", &format!("{kind}.json"), json(m));
    }

    for (i, case) in rule_cases().iter().enumerate() {
        add("rule", &format!("rule_{i:02}.json"), json(case));
    }

    for (name, bytes) in images() {
        add("image_ingest", name, bytes);
    }

    for (name, bytes) in bundles(scratch) {
        add("bundle_verify", name, bytes);
    }
    out
}

fn inspector(n: u128, name: &str) -> Inspector {
    Inspector { user: UserId(id(n)), name: name.into(), certificate_no: format!("浙3307{n:04}") }
}

/// An answer to each item of `template`, of the item's type, mostly compliant.
fn answers(template: &ChecklistTemplate, day: NaiveDate) -> Vec<Answer> {
    template
        .items
        .iter()
        .map(|item| {
            let value = match &item.answer {
                AnswerSpec::YesNo | AnswerSpec::YesNoNa => AnswerValue::Yes,
                AnswerSpec::Number { .. } => AnswerValue::Number(120.0),
                AnswerSpec::Text => AnswerValue::Text("备案号 330784-2026-017".into()),
                AnswerSpec::Date { .. } => AnswerValue::Date(day - chrono::Days::new(30)),
                AnswerSpec::Choice { options } => AnswerValue::Choice(options[0].code.clone()),
                AnswerSpec::Measures { fields, .. } => AnswerValue::Measures(
                    fields
                        .iter()
                        .map(|f| {
                            let m = match f.kind {
                                MeasureKind::Number { .. } => Measure::Number(12.5),
                                MeasureKind::Date => Measure::Date(day - chrono::Days::new(10)),
                            };
                            (f.key.clone(), m)
                        })
                        .collect(),
                ),
            };
            Answer {
                item: ItemRef { template: template.id.clone(), code: item.code.clone() },
                value,
                note: None,
                answered_at: t0(),
            }
        })
        .collect()
}

/// A sealed chain of `photos` (original bytes) for `case`.
fn sealed_chain(case: Case, photos: &[Vec<u8>], signer: &SoftwareSigner) -> SubmittedEvidence {
    let device = DeviceId(id(1));
    let mut chain = EvidenceChain::new(case);
    for (i, bytes) in photos.iter().enumerate() {
        let original = BlobRef { sha256: Digest::of(bytes), len: bytes.len() as u64, media_type: MediaType::Jpeg };
        let meta = CaptureMeta {
            evidence: EvidenceId(id(100 + i as u128)),
            case,
            subject: Subject::Overall,
            taken_at: t0(),
            fix: GeoFix::new(28.9, 120.05, 8.0).ok(),
            device,
            officer: UserId(id(2)),
            clock_skew_ms: Some(-1200),
            provenance: Default::default(),
        };
        chain.append_parts(original, meta).expect("append");
    }
    let seal = seal(&chain, device, signer, t0()).expect("seal");
    SubmittedEvidence { chain, seal, renditions: Vec::new() }
}

fn device_key() -> SoftwareSigner {
    SoftwareSigner::from_secret(&[7; 32]).expect("a valid secret")
}

fn platform_key() -> SoftwareSigner {
    SoftwareSigner::from_secret(&[9; 32]).expect("a valid secret")
}

/// A submitted inspection over the first bundled checklist, with one failed item, its finding, and the
/// task and notice the finding sets in motion.
fn submission() -> SubmittedInspection {
    let template = checklists::bundled().remove(0);
    let mut inspection =
        Inspection::draft(EnterpriseId(id(10)), InspectionKind::Routine, vec![template.reference()], UserId(id(2)));
    inspection.id = InspectionId(id(11));
    inspection.inspectors = vec![inspector(2, "王建国"), inspector(3, "李敏")];
    inspection.recorder = Some(inspector(3, "李敏"));
    inspection.respondent =
        Some(Respondent { name: "陈华".into(), position: "环保专员".into(), phone: "13800000000".into() });
    inspection.started_at = Some(t0() - Duration::hours(2));
    inspection.ended_at = Some(t0());
    inspection.location = GeoFix::new(28.9, 120.05, 8.0).ok();
    inspection.summary = "现场检查危废贮存库 / hazardous-waste store inspected".into();
    inspection.state = InspectionState::Submitted;
    let mut answers = answers(&template, t0().date_naive());
    answers[0].value = AnswerValue::No;
    let finding = Finding {
        id: FindingId(id(12)),
        inspection: inspection.id,
        item: Some(answers[0].item.clone()),
        severity: Severity::General,
        description: "贮存库未设置标识 / no sign at the store".into(),
        legal_basis: vec!["GB 18597-2023 §6.1".into()],
        deadline_days: Some(30),
    };
    let mut linked =
        linked_records(&inspection, std::slice::from_ref(&finding), TownshipId(id(13)), UserId(id(2)), t0());
    // Fixed ids, so the seeds are the same each time they are made.
    for (i, task) in linked.tasks.iter_mut().enumerate() {
        task.id = TaskId(id(40 + i as u128));
    }
    for (i, notice) in linked.notices.iter_mut().enumerate() {
        notice.id = fieldcheck_domain::ids::NoticeId(id(50 + i as u128));
    }
    let photo = tiny_jpeg(8, 6);
    let evidence = sealed_chain(Case::Inspection(inspection.id), &[photo], &device_key());
    SubmittedInspection {
        inspection,
        answers,
        findings: vec![finding],
        tasks: linked.tasks,
        notices: linked.notices,
        evidence: Some(evidence),
        signatures: Vec::new(),
    }
}

/// One mutation of each intent kind.
fn mutations() -> Vec<Mutation> {
    let task = TaskId(id(20));
    let alarm = AlarmId(id(21));
    let proof = |case| Box::new(sealed_chain(case, &[tiny_jpeg(4, 4)], &device_key()));
    let intents = vec![
        Intent::InspectionSubmit(Box::new(submission())),
        Intent::TaskTransition {
            task,
            action: TaskAction::SubmitProof,
            note: "已整改，标识已张贴 / sign put up".into(),
            evidence: vec![EvidenceId(id(100))],
            proof: Some(proof(Case::Task(task))),
            signature: None,
        },
        Intent::AlarmArrive { alarm, location: GeoFix::new(28.91, 120.04, 12.0).ok(), location_missing: None },
        Intent::AlarmClose {
            alarm,
            feedback: "现场核查：设备故障已修复 / analyser repaired".into(),
            evidence: vec![EvidenceId(id(100))],
            proof: Some(proof(Case::Alarm(alarm))),
        },
        Intent::EnterpriseEdit {
            enterprise: EnterpriseId(id(10)),
            field: EnterpriseField::Address,
            base: "永康市经济开发区 1 号".into(),
            value: "永康市经济开发区 8 号".into(),
        },
    ];
    intents
        .into_iter()
        .enumerate()
        .map(|(i, intent)| Mutation { id: MutationId(id(30 + i as u128)), seq: i as u64 + 1, made_at: t0(), intent })
        .collect()
}

fn pull_page() -> PullResponse {
    let template = checklists::bundled().remove(1);
    let changes = vec![
        Change { cursor: 41, op: ChangeOp::Upsert { record: Box::new(Record::Template(template)) } },
        Change { cursor: 42, op: ChangeOp::Upsert { record: Box::new(Record::Inspection(Box::new(submission()))) } },
        Change { cursor: 43, op: ChangeOp::Delete { entity: Entity::Task, id: id(20) } },
    ];
    PullResponse { changes, cursor: 43, has_more: true, reset: false, wipe: false }
}

/// Every bundled checklist's rule with values that meet it, plus a few built by hand.
fn rule_cases() -> Vec<RuleCase> {
    let mut out = Vec::new();
    let day = fieldcheck_domain::rule::day_number(t0().date_naive());
    for template in checklists::bundled() {
        for item in template.items {
            let (rule, keys) = match item.answer {
                AnswerSpec::Number { rule: Some(rule), .. } => (rule, Vec::new()),
                AnswerSpec::Date { rule: Some(rule) } => (rule, Vec::new()),
                AnswerSpec::Measures { rule: Some(rule), fields } => {
                    (rule, fields.into_iter().map(|f| (f.key, f.kind)).collect())
                }
                _ => continue,
            };
            let fields: BTreeMap<String, f64> = keys
                .into_iter()
                .enumerate()
                .map(|(i, (key, kind))| match kind {
                    MeasureKind::Date => (key, day - 10.0 * (i as f64 + 1.0)),
                    MeasureKind::Number { .. } => (key, 10.0 * (i as f64 + 1.0)),
                })
                .collect();
            out.push(RuleCase { rule, value: Some(100.0), fields, inspection_day: day });
        }
    }
    use fieldcheck_domain::rule::{Cmp, Expr, Rule};
    out.push(RuleCase {
        rule: Rule::Compare {
            left: Expr::WorkingDaysBetween(Box::new(Expr::Field("issued".into())), Box::new(Expr::InspectionDay)),
            cmp: Cmp::Le,
            right: Expr::Abs(Box::new(Expr::Add(Box::new(Expr::Const(-20.0)), Box::new(Expr::Min(vec![]))))),
        },
        value: None,
        fields: BTreeMap::from([("issued".into(), day - 40.0)]),
        inspection_day: day,
    });
    out.push(RuleCase {
        rule: Rule::Between([6.0, 9.0]),
        value: Some(7.5),
        fields: BTreeMap::new(),
        inspection_day: day,
    });
    out
}

/// A small photo-like RGB image.
fn pixels(w: u32, h: u32) -> image::RgbImage {
    image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 255 / w.max(1)) as u8, (y * 255 / h.max(1)) as u8, 90]))
}

fn encoded(image: image::DynamicImage, format: image::ImageFormat) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, format).expect("encode a seed image");
    out.into_inner()
}

/// A tiny JPEG.
pub fn tiny_jpeg(w: u32, h: u32) -> Vec<u8> {
    encoded(image::DynamicImage::ImageRgb8(pixels(w, h)), image::ImageFormat::Jpeg)
}

/// `jpeg` with an EXIF APP1 segment right after SOI giving `orientation`.
fn with_exif_orientation(jpeg: &[u8], orientation: u8) -> Vec<u8> {
    // "Exif\0\0", then a little-endian TIFF header and one IFD with one entry: 0x0112 SHORT 1 = orientation.
    let mut tiff = b"II*\0\x08\0\0\0".to_vec();
    tiff.extend([1, 0]); // one entry
    tiff.extend([0x12, 0x01, 3, 0, 1, 0, 0, 0, orientation, 0, 0, 0]);
    tiff.extend([0, 0, 0, 0]); // no next IFD
    let mut body = b"Exif\0\0".to_vec();
    body.extend(tiff);
    let len = (body.len() + 2) as u16;
    let mut out = jpeg[..2].to_vec();
    out.extend([0xFF, 0xE1]);
    out.extend(len.to_be_bytes());
    out.extend(body);
    out.extend(&jpeg[2..]);
    out
}

fn images() -> Vec<(&'static str, Vec<u8>)> {
    let rgba =
        image::RgbaImage::from_fn(12, 9, |x, y| image::Rgba([200, (x * 20) as u8, (y * 28) as u8, (x * y) as u8]));
    let grey = image::GrayImage::from_fn(10, 10, |x, y| image::Luma([((x + y) * 12) as u8]));
    vec![
        ("rgb_16x12.jpg", tiny_jpeg(16, 12)),
        ("grey_10x10.jpg", encoded(image::DynamicImage::ImageLuma8(grey), image::ImageFormat::Jpeg)),
        ("exif_rotated_6.jpg", with_exif_orientation(&tiny_jpeg(12, 8), 6)),
        ("rgba_12x9.png", encoded(image::DynamicImage::ImageRgba8(rgba), image::ImageFormat::Png)),
        ("rgb_16x12.png", encoded(image::DynamicImage::ImageRgb8(pixels(16, 12)), image::ImageFormat::Png)),
        ("lossless_8x8.webp", encoded(image::DynamicImage::ImageRgb8(pixels(8, 8)), image::ImageFormat::WebP)),
        ("wide_300x1.png", encoded(image::DynamicImage::ImageRgb8(pixels(300, 1)), image::ImageFormat::Png)),
    ]
}

/// Sets every file's modification time to `t0`, so the tar (which records it) is the same each time.
fn fix_times(dir: &Path) {
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(t0().timestamp() as u64);
    for entry in std::fs::read_dir(dir).expect("list") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            fix_times(&path);
        }
        std::fs::File::open(&path).and_then(|f| f.set_modified(at)).expect("set the time");
    }
}

struct Originals(BTreeMap<Digest, Vec<u8>>);

impl OriginalSource for Originals {
    fn original(&self, sha256: &Digest) -> Option<Vec<u8>> {
        self.0.get(sha256).cloned()
    }
}

/// Bundle tars: one complete (receipt, audit trail, exporter signature), one device-only.
fn bundles(scratch: &Path) -> Vec<(&'static str, Vec<u8>)> {
    let photos = [tiny_jpeg(6, 4), tiny_jpeg(4, 6)];
    let originals = Originals(photos.iter().map(|b| (Digest::of(b), b.clone())).collect());
    let evidence = sealed_chain(Case::Inspection(InspectionId(id(11))), &photos, &device_key());
    let platform = platform_key();
    let receipt =
        countersign(&evidence.chain, &evidence.seal, &device_key().public_key(), &platform, t0()).expect("receipt");
    let audit = [AuditEvent {
        at: t0(),
        actor: "officer 0042".into(),
        action: "inspection.submit".into(),
        detail: String::new(),
    }];
    let full = BundleInput {
        chain: &evidence.chain,
        seal: &evidence.seal,
        receipt: Some(&receipt),
        audit: &audit,
        signatures: &[],
        orders: &[],
        exporter: Some(&platform),
        exported_at: t0(),
    };
    let bare = BundleInput { receipt: None, audit: &[], exporter: None, ..full };
    [("countersigned.tar", full), ("device_only.tar", bare)]
        .into_iter()
        .map(|(name, input)| {
            let dir = scratch.join(name.trim_end_matches(".tar"));
            build_bundle(&dir, &input, &originals).expect("build a seed bundle");
            fix_times(&dir);
            let tar = scratch.join(name);
            pack_tar(&dir, &tar).expect("pack");
            (name, std::fs::read(&tar).expect("read the tar"))
        })
        .collect()
}
