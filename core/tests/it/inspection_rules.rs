//! The inspection workflow's rules, end to end over the three shipped checklists (no storage).

use chrono::{DateTime, NaiveDate, Utc};
use fieldcheck_core::checklists;
use fieldcheck_core::domain::DomainError;
use fieldcheck_core::domain::answer::{Answer, AnswerValue, Measure, Verdict, assess};
use fieldcheck_core::domain::finding::{Finding, Severity};
use fieldcheck_core::domain::ids::{EnterpriseId, UserId};
use fieldcheck_core::domain::inspection::{Inspection, InspectionKind, InspectionState, Inspector, ProblemCode};
use fieldcheck_core::domain::template::{AnswerSpec, ChecklistTemplate, ItemRef, PhotoRule};
use std::collections::{BTreeMap, BTreeSet};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn inspector(name: &str, cert: &str) -> Inspector {
    Inspector { user: UserId::new(), name: name.into(), certificate_no: cert.into() }
}

/// A compliant answer for any item, so tests can then break one thing at a time.
fn compliant_answer(item: &fieldcheck_core::domain::template::TemplateItem) -> AnswerValue {
    let date = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
    match &item.answer {
        AnswerSpec::YesNo | AnswerSpec::YesNoNa => AnswerValue::Yes,
        AnswerSpec::Number { .. } => AnswerValue::Number(match item.code.as_str() {
            "HW-15" => 120.0,
            "PC-12" => 850.0,
            "EM-07" => 0.0,
            _ => 1.0,
        }),
        AnswerSpec::Text => AnswerValue::Text("330784-2026-012-L".into()),
        AnswerSpec::Date { .. } => AnswerValue::Date(date),
        AnswerSpec::Choice { options } => AnswerValue::Choice(options[0].code.clone()),
        AnswerSpec::Measures { fields, .. } => AnswerValue::Measures(
            fields
                .iter()
                .map(|f| {
                    let m = match &f.kind {
                        fieldcheck_core::domain::template::MeasureKind::Date => Measure::Date(date),
                        fieldcheck_core::domain::template::MeasureKind::Number { .. } => {
                            Measure::Number(if f.key == "effective_volume" { 100.0 } else { 5.0 })
                        }
                    };
                    (f.key.clone(), m)
                })
                .collect(),
        ),
    }
}

struct Run {
    templates: Vec<ChecklistTemplate>,
    inspection: Inspection,
    answers: Vec<Answer>,
    photos: BTreeSet<ItemRef>,
    findings: Vec<Finding>,
}

fn full_run() -> Run {
    let templates = checklists::bundled();
    let mut inspection = Inspection::draft(
        EnterpriseId::new(),
        InspectionKind::NightSpotCheck,
        templates.iter().map(|t| t.reference()).collect(),
        UserId::new(),
    );
    inspection.inspectors = vec![inspector("王强", "33070012345"), inspector("李娜", "33070012346")];
    inspection.recorder = Some(inspection.inspectors[1].clone());
    inspection.start(at("2026-11-28T16:05:00Z"), None, None).unwrap();
    let mut answers = Vec::new();
    let mut photos = BTreeSet::new();
    for t in &templates {
        for item in &t.items {
            let item_ref = ItemRef { template: t.id.clone(), code: item.code.clone() };
            answers.push(Answer {
                item: item_ref.clone(),
                value: compliant_answer(item),
                note: None,
                answered_at: at("2026-11-28T16:10:00Z"),
            });
            if item.photo == PhotoRule::Always {
                photos.insert(item_ref);
            }
        }
    }
    Run { templates, inspection, answers, photos, findings: Vec::new() }
}

impl Run {
    fn problems(&self) -> Vec<(Option<String>, ProblemCode)> {
        self.inspection
            .problems(&self.templates, &self.answers, &self.photos, &self.findings, at("2026-11-28T17:00:00Z"))
            .into_iter()
            .map(|p| (p.item.map(|i| i.code), p.code))
            .collect()
    }

    fn answer(&mut self, code: &str, value: AnswerValue) {
        let a = self.answers.iter_mut().find(|a| a.item.code == code).unwrap();
        a.value = value;
    }
}

#[test]
fn a_fully_compliant_inspection_of_all_58_items_submits_and_freezes() {
    let mut run = full_run();
    assert_eq!(run.answers.len(), 58);
    assert_eq!(run.problems(), vec![]);
    let Run { templates, mut inspection, answers, photos, findings } = run;
    inspection.submit(&templates, &answers, &photos, &findings, at("2026-11-28T17:00:00Z")).unwrap();
    assert_eq!(inspection.state, InspectionState::Submitted);
    assert!(inspection.require_editable("answer").is_err(), "a submitted inspection is immutable");
    run = Run { templates, inspection, answers, photos, findings };
    assert!(run.inspection.start(at("2026-11-28T18:00:00Z"), None, None).is_err());
}

#[test]
fn every_problem_is_reported_at_once_and_tied_to_its_item() {
    let mut run = full_run();
    run.inspection.inspectors.truncate(1);
    run.inspection.recorder = None;
    run.answers.retain(|a| a.item.code != "HW-03");
    run.photos.remove(&ItemRef { template: "hazardous_waste_storage".into(), code: "HW-01".into() });
    run.answer("HW-22", AnswerValue::Number(3.5)); // storage spot over 3 t; HW-22 needs a photo (kept) and a finding.
    run.answer("HW-12", AnswerValue::No); // non-compliant, photo only if non-compliant: now missing.
    let problems = run.problems();
    let expect = [
        (None, ProblemCode::TooFewInspectors),
        (None, ProblemCode::RecorderMissing),
        (Some("HW-03".to_string()), ProblemCode::Unanswered),
        (Some("HW-01".to_string()), ProblemCode::PhotoMissing),
        (Some("HW-22".to_string()), ProblemCode::FindingMissing),
        (Some("HW-12".to_string()), ProblemCode::PhotoMissing),
        (Some("HW-12".to_string()), ProblemCode::FindingMissing),
    ];
    for e in &expect {
        assert!(problems.contains(e), "missing {e:?} in {problems:?}");
    }
    assert_eq!(problems.len(), expect.len(), "{problems:?}");

    let Run { templates, mut inspection, answers, photos, findings } = run;
    let err = inspection.submit(&templates, &answers, &photos, &findings, at("2026-11-28T17:00:00Z")).unwrap_err();
    assert!(matches!(err, DomainError::NotSubmittable { problems } if problems.len() == expect.len()));
    assert_eq!(inspection.state, InspectionState::InProgress, "a refused submit changes nothing");
}

#[test]
fn a_failed_item_proposes_a_finding_that_satisfies_submission() {
    let mut run = full_run();
    run.answer("PC-02", AnswerValue::No); // bypass found: serious.
    let template = run.templates.iter().find(|t| t.id == "pollution_control_operation").unwrap();
    let item = template.item("PC-02").unwrap();
    let finding = Finding::proposed(run.inspection.id, &template.id, item);
    assert_eq!(finding.severity, Severity::Serious);
    assert!(finding.severity.linkage().case_review);
    assert_eq!(finding.deadline_days, Some(15));
    run.findings.push(finding);
    run.photos.insert(ItemRef { template: template.id.clone(), code: "PC-02".into() });
    assert_eq!(run.problems(), vec![]);
}

#[test]
fn numeric_and_composite_rules_from_the_standards() {
    let templates = checklists::bundled();
    let item = |code: &str| templates.iter().find_map(|t| t.item(code)).unwrap();
    let day = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
    let measures = |pairs: &[(&str, Measure)]| {
        AnswerValue::Measures(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect::<BTreeMap<_, _>>())
    };
    // CCTV retention ≥ 90 days.
    assert_eq!(assess(item("HW-15"), &AnswerValue::Number(90.0), day), Ok(Verdict::Compliant));
    assert_eq!(assess(item("HW-15"), &AnswerValue::Number(30.0), day), Ok(Verdict::NonCompliant));
    // Storage spot ≤ 3 t.
    assert_eq!(assess(item("HW-22"), &AnswerValue::Number(3.0), day), Ok(Verdict::Compliant));
    // Emergency pond occupancy ≤ 1/3.
    assert_eq!(assess(item("EM-07"), &AnswerValue::Number(40.0), day), Ok(Verdict::NonCompliant));
    // Containment ≥ max(largest container, 10% of total liquid).
    let hw08 = |v: f64, largest: f64, total: f64| {
        measures(&[
            ("effective_volume", Measure::Number(v)),
            ("largest_container", Measure::Number(largest)),
            ("total_liquid", Measure::Number(total)),
        ])
    };
    assert_eq!(assess(item("HW-08"), &hw08(2.0, 1.0, 15.0), day), Ok(Verdict::Compliant));
    assert_eq!(assess(item("HW-08"), &hw08(1.2, 1.0, 15.0), day), Ok(Verdict::NonCompliant));
    // Plan filed within 20 working days of issue.
    let d = |s: &str| Measure::Date(NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap());
    let em02 = |issued, filed| measures(&[("issued", d(issued)), ("filed", d(filed))]);
    assert_eq!(assess(item("EM-02"), &em02("2026-03-02", "2026-03-27"), day), Ok(Verdict::Compliant));
    assert_eq!(assess(item("EM-02"), &em02("2026-03-02", "2026-04-10"), day), Ok(Verdict::NonCompliant));
    // Risk level is a choice, recorded compliant whichever it is; unknown options are refused.
    assert_eq!(assess(item("EM-04"), &AnswerValue::Choice("major".into()), day), Ok(Verdict::Compliant));
    assert!(assess(item("EM-04"), &AnswerValue::Choice("huge".into()), day).is_err());
}

#[test]
fn bad_answers_get_typed_errors() {
    let templates = checklists::bundled();
    let item = |code: &str| templates.iter().find_map(|t| t.item(code)).unwrap();
    let day = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
    let bad = [
        ("HW-15", AnswerValue::Number(f64::NAN)),
        ("HW-15", AnswerValue::Number(-1.0)),
        ("HW-15", AnswerValue::Yes),
        ("HW-01", AnswerValue::NotApplicable),
        ("HW-01", AnswerValue::Number(1.0)),
        ("EM-01", AnswerValue::Text("   ".into())),
        ("EM-13", AnswerValue::Date(NaiveDate::from_ymd_opt(2027, 1, 1).unwrap())),
        ("HW-08", AnswerValue::Measures(BTreeMap::from([("effective_volume".to_string(), Measure::Number(1.0))]))),
        ("HW-08", AnswerValue::Measures(BTreeMap::from([("bogus".to_string(), Measure::Number(1.0))]))),
    ];
    for (code, value) in bad {
        let err = assess(item(code), &value, day).unwrap_err();
        assert!(matches!(&err, DomainError::InvalidAnswer { item, .. } if item == code), "{code}: {err}");
    }
    assert_eq!(assess(item("HW-09"), &AnswerValue::NotApplicable, day), Ok(Verdict::NotApplicable));
}

#[test]
fn a_certificate_is_required_of_every_team_member() {
    let mut run = full_run();
    run.inspection.inspectors[0].certificate_no = " ".into();
    assert_eq!(run.problems(), vec![(None, ProblemCode::CertificateMissing)]);
    // The same officer twice is still one inspector.
    let mut run = full_run();
    run.inspection.inspectors[1] = run.inspection.inspectors[0].clone();
    assert_eq!(run.problems(), vec![(None, ProblemCode::TooFewInspectors)]);
}
