//! The fuzz targets' bodies, as plain functions over bytes.
//!
//! `fuzz/` (cargo-fuzz, libFuzzer) runs each of them under the fuzzer, and `tests/replay.rs` runs every
//! file of `fuzz/corpus/<target>/` through the same function with plain `cargo test`, so the fuzzer and
//! the test suite cannot drift apart. A target asserts only that nothing panics, plus real invariants
//! (a value that decodes re-encodes to the same value; what verifies once verifies again).
//!
//! `seeds` makes the seed corpus from real values (`cargo run -p fieldcheck-fuzz-targets --bin
//! fuzz-seeds`).

pub mod seeds;

use arbitrary::{Arbitrary, Unstructured};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use fieldcheck_domain::DomainError;
use fieldcheck_domain::alarm::{Alarm, AlarmKind, AlarmState, Averaging};
use fieldcheck_domain::answer::{AnswerValue, Measure, assess};
use fieldcheck_domain::checklists;
use fieldcheck_domain::credit_code::CreditCode;
use fieldcheck_domain::decide;
use fieldcheck_domain::finding::Severity;
use fieldcheck_domain::ids::{AlarmId, EnterpriseId, FindingId, InspectionId, TaskId, TownshipId, UserId};
use fieldcheck_domain::organisation::{Enterprise, Role, Scope, User};
use fieldcheck_domain::rectification::{RectificationTask, TaskState};
use fieldcheck_domain::rule::{Cmp, Expr, MissingInput, Rule, Values};
use fieldcheck_domain::template::{
    AnswerSpec, ChecklistTemplate, ItemRef, MeasureField, MeasureKind, PhotoRule, TemplateItem,
};
use fieldcheck_domain::text::Text;
use fieldcheck_evidence::format::sniff;
use fieldcheck_evidence::rendition::RENDITION_LONG_EDGE;
use fieldcheck_evidence::{
    Digest, Limits, VerifyOptions, Watermark, derive, verify_bundle, verify_bundle_with, verify_sealed,
};
use fieldcheck_protocol::{
    ChangeOp, Intent, Mutation, PullResponse, PushRequest, PushResponse, Record, SentPage, SubmittedEvidence,
    SubmittedInspection,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::sync::OnceLock;

/// A target's body.
pub type Target = fn(&[u8]);

/// Every target: its name (the cargo-fuzz target and its corpus folder `fuzz/corpus/<name>/`) and body.
pub const TARGETS: &[(&str, Target)] = &[
    ("push_pull", push_pull),
    ("intent", intent),
    ("rule", rule),
    ("image_ingest", image_ingest),
    ("bundle_verify", bundle_verify),
];

// ---------------------------------------------------------------------------------------------------
// 1. Push and pull decoding.

/// The sync wire types as the platform (push) and the phone (push answer, pull page) decode them: any
/// bytes either fail to decode or round-trip.
pub fn push_pull(data: &[u8]) {
    round_trip::<PushRequest>(data);
    round_trip::<PushResponse>(data);
    let whole = round_trip::<PullResponse>(data);
    sent_page(data, whole);
}

/// A pull page as the phone reads it, its records' JSON kept ([`SentPage`]): when `whole` (the page read
/// as one) reads too, the same page; and each record's kept JSON reads back as that record.
fn sent_page(data: &[u8], whole: Option<PullResponse>) {
    let Some((page, kept)) = serde_json::from_slice::<SentPage>(data).ok().and_then(|p| p.parts(|_| true).ok()) else {
        return;
    };
    if let Some(whole) = whole {
        assert_eq!(page, whole, "a page read with its JSON kept differs from the page read whole");
    }
    for (change, json) in page.changes.iter().zip(&kept) {
        if let (ChangeOp::Upsert { record }, Some(json)) = (&change.op, json) {
            let tagged = serde_json::to_value(record).expect("a record encodes");
            let entity = serde_json::from_value(tagged["entity"].clone()).expect("a record names its kind");
            let again = Record::from_parts(entity, json).expect("a kept record's JSON reads again");
            assert_eq!(&again, record.as_ref(), "a kept record's JSON reads as another record");
        }
    }
}

/// Decodes `data` as `T`; what decodes must encode, decode again to an equal value, and encode to the
/// same bytes.
fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(data: &[u8]) -> Option<T> {
    let first: T = serde_json::from_slice(data).ok()?;
    let encoded = serde_json::to_vec(&first).expect("a decoded value encodes");
    let second: T = serde_json::from_slice(&encoded).unwrap_or_else(|e| {
        panic!("re-decoding {} failed: {e}\n{}", std::any::type_name::<T>(), String::from_utf8_lossy(&encoded))
    });
    assert_eq!(first, second, "decode -> encode -> decode changed the {}", std::any::type_name::<T>());
    let again = serde_json::to_vec(&second).expect("encodes");
    assert_eq!(encoded, again, "encoding {} is not stable", std::any::type_name::<T>());
    Some(first)
}

// ---------------------------------------------------------------------------------------------------
// 2. Intent decoding and the domain checks of its decision.

/// A pushed mutation (or a bare intent) decoded, round-tripped, and put through the domain checks the
/// platform's decision runs on it.
pub fn intent(data: &[u8]) {
    let intent = match round_trip::<Mutation>(data) {
        Some(mutation) => mutation.intent,
        None => match round_trip::<Intent>(data) {
            Some(intent) => intent,
            None => return,
        },
    };
    decide(&intent);
}

const ROLES: [Role; 4] = [Role::Officer, Role::Township, Role::Enterprise, Role::Commander];

/// The decision the phone and the platform take on `intent` (`fieldcheck_domain::decide`), with the
/// bundled checklists and made-up stored records (actor of every role, enterprise, task, alarm) as its
/// inputs: any intent is decided, accepted or refused, never a panic.
fn decide(intent: &Intent) {
    let stored = Stored::new();
    for actor in &stored.actors {
        match intent {
            Intent::InspectionSubmit(sub) => submit(actor, &stored, sub),
            Intent::TaskTransition { action, note, evidence, proof, .. } => {
                for state in TaskState::ALL {
                    let task = RectificationTask { state, ..stored.task.clone() };
                    let _ = decide::task::transition(actor, &task, *action, note, evidence);
                }
                if let Some(proof) = proof {
                    sealed(proof);
                }
            }
            Intent::AlarmArrive { location, .. } => {
                for state in AlarmState::ALL {
                    let alarm = Alarm { state, ..stored.alarm.clone() };
                    let _ = decide::alarm::arrive(actor, &alarm, location.as_ref());
                }
            }
            Intent::AlarmClose { feedback, evidence, proof, .. } => {
                for state in AlarmState::ALL {
                    let alarm = Alarm { state, ..stored.alarm.clone() };
                    let _ = decide::alarm::close(actor, &alarm, feedback, evidence);
                }
                if let Some(proof) = proof {
                    sealed(proof);
                }
            }
            Intent::EnterpriseEdit { field, base, value, .. } => {
                let _ = decide::enterprise::edit(actor, &stored.enterprise, *field, base, value);
            }
        }
    }
}

/// Made-up stored records a decision reads.
struct Stored {
    actors: Vec<User>,
    enterprise: Enterprise,
    task: RectificationTask,
    alarm: Alarm,
}

impl Stored {
    fn new() -> Stored {
        let t0 = seeds::t0();
        let enterprise = Enterprise {
            id: EnterpriseId(uuid::Uuid::nil()),
            name: "永康市东城五金厂".into(),
            credit_code: CreditCode::complete("91330784MA2A00001").expect("a valid code"),
            township: TownshipId(uuid::Uuid::nil()),
            address: "东城街道".into(),
            location: None,
            legal_representative: String::new(),
            contact: Default::default(),
            flags: Default::default(),
        };
        let actors = ROLES
            .iter()
            .map(|role| User {
                id: UserId(uuid::Uuid::nil()),
                login: "fuzz".into(),
                name: "王五".into(),
                role: *role,
                scope: Scope::County,
                certificate_no: Some("330784001".into()),
            })
            .collect();
        let task = RectificationTask {
            id: TaskId(uuid::Uuid::nil()),
            enterprise: enterprise.id,
            township: enterprise.township,
            inspection: InspectionId(uuid::Uuid::nil()),
            finding: FindingId(uuid::Uuid::nil()),
            severity: Severity::General,
            requirement: "整改".into(),
            issued_by: UserId(uuid::Uuid::nil()),
            issued_at: t0,
            deadline: t0,
            state: TaskState::Issued,
            case_review: false,
            legal_basis: Vec::new(),
        };
        let alarm = Alarm {
            id: AlarmId(uuid::Uuid::nil()),
            enterprise: enterprise.id,
            kind: AlarmKind::Exceedance,
            monitoring_point: "DW001".into(),
            pollutant: "总磷".into(),
            value: 0.56,
            limit: 0.5,
            unit: "mg/L".into(),
            averaging: Averaging::Daily,
            level: Severity::Minor,
            state: AlarmState::Raised,
            raised_at: t0,
            respond_by: t0,
            squadron: None,
            assignee: None,
        };
        Stored { actors, enterprise, task, alarm }
    }
}

fn bundled() -> &'static [ChecklistTemplate] {
    static BUNDLED: OnceLock<Vec<ChecklistTemplate>> = OnceLock::new();
    BUNDLED.get_or_init(checklists::bundled)
}

/// `inspection.submit` decided as the platform decides it (the record as it was before it was frozen,
/// with the bundled checklists, then the phone's derived records compared), and the phone's way (with
/// photos on every answered item): the two agree on whether there is a problem, and each answer is
/// assessed on its own too.
fn submit(actor: &User, stored: &Stored, sub: &SubmittedInspection) {
    let templates = bundled();
    let inspection = &sub.inspection;
    let enterprise = Enterprise { id: inspection.enterprise, ..stored.enterprise.clone() };
    let photos: BTreeSet<ItemRef> = sub.answers.iter().map(|a| a.item.clone()).collect();
    let now = inspection.ended_at.or(inspection.started_at).unwrap_or_else(seeds::t0);
    let context = |photos| decide::inspection::Context {
        actor,
        enterprise: &enterprise,
        templates,
        photos,
        corrected_known: true,
        now,
    };
    if let Ok((open, at)) = decide::inspection::unfrozen(inspection, &sub.answers, &sub.findings) {
        if let Ok(decided) = decide::inspection::submit(&context(None), &open, &sub.answers, &sub.findings, at) {
            let _ = decide::inspection::adopt_ids(decided.linked, &sub.tasks, &sub.notices);
        }
        let on_phone = decide::inspection::submit(&context(Some(&photos)), &open, &sub.answers, &sub.findings, at);
        let problems = open.problems(templates, &sub.answers, &photos, &sub.findings, at);
        if let Err(DomainError::NotSubmittable { problems: reported }) = &on_phone {
            assert_eq!(*reported, problems, "the decision reports the record's problems");
        }
    }
    let day = inspection.date(now.date_naive());
    for answer in &sub.answers {
        let item = templates.iter().filter(|t| t.id == answer.item.template).find_map(|t| t.item(&answer.item.code));
        if let Some(item) = item {
            let _ = assess(item, &answer.value, day);
        }
    }
    if let Some(evidence) = &sub.evidence {
        sealed(evidence);
    }
}

/// What the platform checks of sealed evidence before countersigning it.
fn sealed(evidence: &SubmittedEvidence) {
    let _ = verify_sealed(&evidence.chain, &evidence.seal, None);
    let _ = evidence.step_photos();
}

// ---------------------------------------------------------------------------------------------------
// 3. Pass rules.

/// A rule and the values it is evaluated over. The fuzzer's bytes are read as this in JSON (the seeds,
/// including every bundled checklist's rule), or else built with `arbitrary`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RuleCase {
    pub rule: Rule,
    #[serde(default)]
    pub value: Option<f64>,
    #[serde(default)]
    pub fields: BTreeMap<String, f64>,
    #[serde(default)]
    pub inspection_day: f64,
}

impl Values for RuleCase {
    fn value(&self) -> Option<f64> {
        self.value
    }
    fn field(&self, key: &str) -> Option<f64> {
        self.fields.get(key).copied()
    }
    fn inspection_day(&self) -> f64 {
        self.inspection_day
    }
}

/// Field names the built rules read: a few, so rules and values meet.
const FIELD_NAMES: [&str; 4] = ["volume", "largest", "issued", "filed"];

fn build_f64(u: &mut Unstructured<'_>) -> arbitrary::Result<f64> {
    // Mostly plain numbers and day numbers, sometimes any bit pattern (NaN, infinities, extremes).
    Ok(match u.int_in_range(0..=3)? {
        0 => f64::arbitrary(u)?,
        1 => f64::from(i32::arbitrary(u)?),
        _ => f64::from(i16::arbitrary(u)?) / 4.0,
    })
}

fn build_key(u: &mut Unstructured<'_>) -> arbitrary::Result<String> {
    Ok(match u.int_in_range(0..=7usize)? {
        7 => String::arbitrary(u)?,
        i => FIELD_NAMES[i % FIELD_NAMES.len()].to_owned(),
    })
}

fn build_expr(u: &mut Unstructured<'_>, depth: u32) -> arbitrary::Result<Expr> {
    let leaf = depth >= 12 || u.is_empty();
    let choice = if leaf { u.int_in_range(0..=3)? } else { u.int_in_range(0..=10)? };
    let sub = |u: &mut Unstructured<'_>| build_expr(u, depth + 1).map(Box::new);
    Ok(match choice {
        0 => Expr::Value,
        1 => Expr::Field(build_key(u)?),
        2 => Expr::Const(build_f64(u)?),
        3 => Expr::InspectionDay,
        4 | 5 => {
            let n = u.int_in_range(0..=4)?;
            let list = (0..n).map(|_| build_expr(u, depth + 1)).collect::<arbitrary::Result<_>>()?;
            if choice == 4 { Expr::Max(list) } else { Expr::Min(list) }
        }
        6 => Expr::Add(sub(u)?, sub(u)?),
        7 => Expr::Sub(sub(u)?, sub(u)?),
        8 => Expr::Mul(sub(u)?, build_f64(u)?),
        9 => Expr::Abs(sub(u)?),
        _ => Expr::WorkingDaysBetween(sub(u)?, sub(u)?),
    })
}

fn build_case(data: &[u8]) -> arbitrary::Result<RuleCase> {
    let mut u = Unstructured::new(data);
    let rule = match u.int_in_range(0..=5)? {
        0 => Rule::AtLeast(build_f64(&mut u)?),
        1 => Rule::AtMost(build_f64(&mut u)?),
        2 => Rule::Between([build_f64(&mut u)?, build_f64(&mut u)?]),
        _ => {
            let cmp = *u.choose(&[Cmp::Ge, Cmp::Gt, Cmp::Le, Cmp::Lt])?;
            Rule::Compare { left: build_expr(&mut u, 0)?, cmp, right: build_expr(&mut u, 0)? }
        }
    };
    let value = if bool::arbitrary(&mut u)? { Some(build_f64(&mut u)?) } else { None };
    let mut fields = BTreeMap::new();
    for _ in 0..u.int_in_range(0..=4)? {
        fields.insert(build_key(&mut u)?, build_f64(&mut u)?);
    }
    Ok(RuleCase { rule, value, fields, inspection_day: build_f64(&mut u)? })
}

/// A rule evaluated over values, then as the pass rule of a number, a date and a measures item.
pub fn rule(data: &[u8]) {
    let Some(case) = serde_json::from_slice::<RuleCase>(data).ok().or_else(|| build_case(data).ok()) else {
        return;
    };
    let result = case.rule.holds(&case);
    if let Err(MissingInput(key)) = &result {
        let genuine = (key == "value" && case.value.is_none()) || key == "empty list" || !case.fields.contains_key(key);
        assert!(genuine, "{key} reported missing but it was given");
    }
    let read = case.rule.fields();
    if case.value.is_some() && read.iter().all(|k| case.fields.contains_key(*k)) {
        assert!(
            matches!(&result, Ok(_) | Err(MissingInput(_)))
                && !matches!(&result, Err(MissingInput(k)) if k != "empty list"),
            "every input was given, yet {result:?}"
        );
    }

    // Rules are data on the wire (templates): one that encodes decodes to itself, and only non-finite
    // constants (written as null) fail to decode.
    let json = serde_json::to_vec(&case.rule).expect("a rule encodes");
    match serde_json::from_slice::<Rule>(&json) {
        Ok(back) => {
            assert_eq!(back, case.rule, "rule changed in a JSON round trip: {}", String::from_utf8_lossy(&json))
        }
        Err(e) => assert!(!finite_rule(&case.rule), "a finite rule failed to decode: {e}"),
    }

    as_item_rule(&case);
}

fn finite_rule(rule: &Rule) -> bool {
    fn expr(e: &Expr) -> bool {
        match e {
            Expr::Value | Expr::Field(_) | Expr::InspectionDay => true,
            Expr::Const(c) => c.is_finite(),
            Expr::Max(list) | Expr::Min(list) => list.iter().all(expr),
            Expr::Add(a, b) | Expr::Sub(a, b) | Expr::WorkingDaysBetween(a, b) => expr(a) && expr(b),
            Expr::Mul(a, k) => expr(a) && k.is_finite(),
            Expr::Abs(a) => expr(a),
        }
    }
    match rule {
        Rule::AtLeast(x) | Rule::AtMost(x) => x.is_finite(),
        Rule::Between([a, b]) => a.is_finite() && b.is_finite(),
        Rule::Compare { left, right, .. } => expr(left) && expr(right),
    }
}

/// A day number as a date, if it names one.
fn date_of(day: f64) -> Option<NaiveDate> {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1)?;
    if !day.is_finite() || day.abs() > 1e9 {
        return None;
    }
    epoch.checked_add_signed(chrono::Duration::try_days(day as i64)?)
}

/// The rule as an item's pass rule, judged by `answer::assess` with the case's values as the answer.
fn as_item_rule(case: &RuleCase) {
    let inspection_date = date_of(case.inspection_day).unwrap_or_else(|| seeds::t0().date_naive());
    let item = |answer| TemplateItem {
        code: "FZ-01".into(),
        text: Text::new("模糊测试", "fuzz"),
        answer,
        photo: PhotoRule::Never,
        required: true,
        legal_basis: Vec::new(),
        clause_verified: false,
        failure_severity: fieldcheck_domain::finding::Severity::General,
        guidance: None,
    };
    let rule = Some(case.rule.clone());
    if let Some(x) = case.value {
        let number = item(AnswerSpec::Number { unit: "t".into(), rule: rule.clone() });
        let _ = assess(&number, &AnswerValue::Number(x), inspection_date);
        if let Some(d) = date_of(x) {
            let date = item(AnswerSpec::Date { rule: rule.clone() });
            let _ = assess(&date, &AnswerValue::Date(d), inspection_date);
        }
    }
    let fields = case
        .fields
        .keys()
        .enumerate()
        .map(|(i, key)| MeasureField {
            key: key.clone(),
            label: Text::new(key, key),
            kind: if i % 2 == 0 { MeasureKind::Number { unit: "m3".into() } } else { MeasureKind::Date },
        })
        .collect::<Vec<_>>();
    let given = case
        .fields
        .iter()
        .zip(&fields)
        .map(|((key, x), field)| {
            let measure = match (&field.kind, date_of(*x)) {
                (MeasureKind::Date, Some(d)) => Measure::Date(d),
                _ => Measure::Number(*x),
            };
            (key.clone(), measure)
        })
        .collect();
    let measures = item(AnswerSpec::Measures { fields, rule });
    let _ = assess(&measures, &AnswerValue::Measures(given), inspection_date);
}

// ---------------------------------------------------------------------------------------------------
// 4. Image ingest.

/// The limits the fuzzer runs ingest with: the product's byte limit, fewer pixels and less decoder
/// memory than a phone allows (4 MP, 64 MiB), so that one input costs milliseconds, not seconds.
pub const FUZZ_LIMITS: Limits = Limits { max_bytes: 50 << 20, max_pixels: 4_000_000, max_decode_bytes: 64 << 20 };

fn watermark() -> Watermark {
    Watermark {
        time: chrono::FixedOffset::east_opt(8 * 3600).expect("offset").from_utc_datetime(&seeds::t0().naive_utc()),
        fix: fieldcheck_domain::geo::GeoFix::new(29.1, 120.0, 5.0).ok(),
        place: "Yongkang industrial park, gate 3".into(),
        enterprise: "Example Plating Co.".into(),
        officer: "Officer 0042".into(),
    }
}

/// Any bytes through `derive` (what `Ingestor::ingest` runs before it stores anything): a typed
/// `EvidenceError` or a rendition; a rendition is a JPEG that derives again to its own size.
pub fn image_ingest(data: &[u8]) {
    let Ok(derived) = derive(data, &FUZZ_LIMITS, None) else {
        return;
    };
    assert_eq!(derived.original_sha256, Digest::of(data));
    assert_eq!(Some(derived.original_media_type), sniff(data));
    let long = derived.rendition_width.max(derived.rendition_height);
    assert!((1..=RENDITION_LONG_EDGE).contains(&long), "rendition long edge {long}");
    assert!(!derived.thumbnail.is_empty());
    let again = derive(&derived.rendition, &Limits::default(), None).expect("our own rendition derives");
    assert_eq!((again.width, again.height), (derived.rendition_width, derived.rendition_height));
    // The watermark is drawn on whatever size and shape the photo has.
    let marked = derive(data, &FUZZ_LIMITS, Some(&watermark())).expect("a photo that derives takes a watermark");
    assert_eq!((marked.rendition_width, marked.rendition_height), (derived.rendition_width, derived.rendition_height));
}

// ---------------------------------------------------------------------------------------------------
// 5. Bundle verification.

/// Any bytes as a bundle tar file through `verify_bundle`: a report or a `BundleError`. Verified again
/// allowing a missing receipt (what a device's own export is checked with): whatever verifies strictly
/// verifies so too, with the same report.
pub fn bundle_verify(data: &[u8]) {
    let path = std::env::temp_dir().join(format!(
        "fieldcheck-fuzz-bundle-{}-{:?}.tar",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::write(&path, data).expect("write the scratch bundle");
    let strict = verify_bundle(&path);
    let relaxed = VerifyOptions { allow_missing_receipt: true, ..VerifyOptions::default() };
    let lenient = verify_bundle_with(&path, &relaxed);
    let _ = std::fs::remove_file(&path);
    if let Ok(report) = &strict {
        assert_eq!(lenient.as_ref().ok(), Some(report), "verified strictly but not when a receipt may be missing");
    }
}

/// A fixed instant the seeds and the targets use where a time is needed.
pub fn fixed_time(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 9, 0, 0).single().expect("a valid time")
}
