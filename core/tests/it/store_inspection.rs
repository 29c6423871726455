//! A whole inspection through the store on a real SQLite file: draft, team, start, 58 answers,
//! photos, findings, submit with linked tasks and notices, and the problems a UI shows per item.

use crate::common;

use chrono::Duration;
use common::*;
use fieldcheck_core::checklists;
use fieldcheck_core::domain::DomainError;
use fieldcheck_core::domain::answer::{AnswerValue, Verdict};
use fieldcheck_core::domain::finding::Severity;
use fieldcheck_core::domain::geo::GeoFix;
use fieldcheck_core::domain::ids::EvidenceId;
use fieldcheck_core::domain::inspection::{InspectionKind, InspectionState, ProblemCode};
use fieldcheck_core::domain::rectification::TaskState;
use fieldcheck_core::domain::template::ItemRef;
use fieldcheck_core::protocol::Intent;
use fieldcheck_core::store::{NewInspection, Photo, StoreError, TaskFilter};

fn item(template: &str, code: &str) -> ItemRef {
    ItemRef { template: template.into(), code: code.into() }
}

#[test]
fn a_full_inspection_of_all_three_checklists_submits_with_its_tasks_notices_and_one_outbox_entry() {
    let f = fixture();
    let s = &f.store;
    let enterprise = &f.county.enterprises[0];
    let draft = s
        .create_inspection(&NewInspection {
            enterprise: enterprise.id,
            kind: InspectionKind::Routine,
            checklists: all_checklists(),
            origin: None,
        })
        .unwrap();
    let (inspectors, recorder) = f.county.team();
    s.set_team(draft.id, inspectors, recorder).unwrap();
    s.start_inspection(draft.id, f.clock.now(), Some(GeoFix::new(28.9, 120.03, 8.0).unwrap()), None).unwrap();

    let templates = checklists::bundled();
    let day = f.clock.now().date_naive();
    let failing = [("HW-01", AnswerValue::No), ("HW-02", AnswerValue::No), ("HW-22", AnswerValue::Number(5.2))];
    let mut answered = 0;
    for template in &templates {
        for it in &template.items {
            f.clock.advance(Duration::seconds(20));
            let value = failing
                .iter()
                .find(|(code, _)| *code == it.code)
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| valid_answer(it, day));
            let r = s.answer(draft.id, item(&template.id, &it.code), value, None).unwrap();
            let fails = failing.iter().any(|(code, _)| *code == it.code);
            assert_eq!(r.verdict == Verdict::NonCompliant, fails, "{}", it.code);
            assert_eq!(r.proposed_finding.is_some(), fails, "{}", it.code);
            answered += 1;
            s.attach_photo(
                draft.id,
                &Photo {
                    evidence: EvidenceId::new(),
                    item: Some(item(&template.id, &it.code)),
                    sha256: sha(answered),
                    taken_at: f.clock.now(),
                },
            )
            .unwrap();
        }
    }
    assert_eq!(answered, 58);
    let view = s.inspection_view(draft.id, f.clock.now()).unwrap().unwrap();
    assert_eq!(view.answers.len(), 58);
    assert_eq!(view.photos.len(), 58);
    assert_eq!(view.findings.len(), 3);
    assert!(view.problems.is_empty(), "{:?}", view.problems);
    assert_eq!(s.outbox_len().unwrap(), 0, "drafts are local until submitted");

    let submitted = s.submit_inspection(draft.id).unwrap();
    let now = f.clock.now();
    assert_eq!(submitted.inspection.state, InspectionState::Submitted);
    assert_eq!(submitted.answers.len(), 58);
    assert_eq!(submitted.findings.len(), 3);
    let needs_task = submitted.findings.iter().filter(|f| f.severity.linkage().rectification_task).count();
    assert!(needs_task >= 1);
    assert_eq!(submitted.tasks.len(), needs_task);
    assert_eq!(submitted.notices.len(), 3, "every finding notifies the enterprise and its township");
    for task in &submitted.tasks {
        let finding = submitted.findings.iter().find(|f| f.id == task.finding).unwrap();
        assert_eq!(task.deadline, now + Duration::days(i64::from(finding.deadline_days.unwrap())));
        assert_eq!(task.township, enterprise.township);
        assert_eq!(task.case_review, finding.severity == Severity::Serious);
    }

    let pending = s.pending_mutations(10).unwrap();
    assert_eq!(pending.len(), 1, "one intent carries everything");
    assert_eq!(pending[0].seq, 1);
    match &pending[0].intent {
        Intent::InspectionSubmit(body) => assert_eq!(**body, submitted),
        other => panic!("unexpected intent {other:?}"),
    }
    let tasks = s.tasks(&TaskFilter { states: vec![TaskState::Issued], enterprise: Some(enterprise.id) }, now).unwrap();
    assert_eq!(tasks.len(), needs_task, "derived tasks show at once");
    assert_eq!(s.notices(Some(enterprise.id), 10).unwrap().len(), 3, "and so do the notices");
    assert!(s.notices(Some(f.county.enterprises[1].id), 10).unwrap().is_empty());

    // Submitted is immutable; a correction is a new draft that refers to it.
    let err = s.answer(draft.id, item("hazardous_waste_storage", "HW-01"), AnswerValue::Yes, None).unwrap_err();
    assert!(matches!(err, StoreError::Domain(DomainError::WrongState { .. })), "{err}");
    let correction = s.correct_inspection(draft.id).unwrap();
    assert_eq!(correction.corrects, Some(draft.id));
    assert_eq!(correction.state, InspectionState::Draft);
    f.clock.advance(Duration::seconds(1));
    s.set_team(correction.id, vec![], None).unwrap();
    let history: Vec<_> = s.inspections_of(enterprise.id, 10).unwrap().iter().map(|i| i.id).collect();
    assert_eq!(history, vec![correction.id, draft.id], "the enterprise's history, latest first");
    assert_eq!(s.inspection(draft.id).unwrap().unwrap().state, InspectionState::Submitted);
}

#[test]
fn submitting_too_early_lists_every_problem_tied_to_its_item_and_changes_nothing() {
    let f = fixture();
    let s = &f.store;
    let hw = checklists::bundled().into_iter().find(|t| t.id == "hazardous_waste_storage").unwrap();
    let draft = s
        .create_inspection(&NewInspection {
            enterprise: f.county.enterprises[1].id,
            kind: InspectionKind::NightSpotCheck,
            checklists: vec![hw.reference()],
            origin: None,
        })
        .unwrap();
    let (mut inspectors, _) = f.county.team();
    inspectors.truncate(1);
    s.set_team(draft.id, inspectors, None).unwrap();
    s.start_inspection(draft.id, f.clock.now(), None, None).unwrap();
    // HW-01 needs a photo always; answer it without one.
    s.answer(draft.id, item(&hw.id, "HW-01"), AnswerValue::Yes, None).unwrap();
    // HW-22 fails (5 t > 3 t) and proposes a finding; remove it to see the problem.
    let proposed = s.answer(draft.id, item(&hw.id, "HW-22"), AnswerValue::Number(5.0), None).unwrap();
    s.remove_finding(draft.id, proposed.proposed_finding.unwrap().id).unwrap();

    let err = s.submit_inspection(draft.id).unwrap_err();
    let StoreError::Domain(DomainError::NotSubmittable { problems }) = err else { panic!("{err}") };
    let view = s.inspection_view(draft.id, f.clock.now()).unwrap().unwrap();
    assert_eq!(view.problems, problems, "the view shows what submit reports");

    let at = |code: &str, problem: ProblemCode| {
        problems.iter().any(|p| p.code == problem && p.item.as_ref().is_some_and(|i| i.code == code))
    };
    assert!(at("HW-01", ProblemCode::PhotoMissing));
    assert!(at("HW-22", ProblemCode::FindingMissing));
    assert!(at("HW-22", ProblemCode::PhotoMissing));
    let unanswered = problems.iter().filter(|p| p.code == ProblemCode::Unanswered).count();
    assert_eq!(unanswered, hw.items.len() - 2, "each unanswered item is listed");
    for general in [ProblemCode::TooFewInspectors, ProblemCode::RecorderMissing] {
        assert!(problems.iter().any(|p| p.code == general && p.item.is_none()), "{general:?}");
    }
    assert_eq!(s.inspection(draft.id).unwrap().unwrap().state, InspectionState::InProgress);
    assert_eq!(s.outbox_len().unwrap(), 0);
}

#[test]
fn answers_are_validated_and_findings_follow_them() {
    let f = fixture();
    let s = &f.store;
    let draft = s
        .create_inspection(&NewInspection {
            enterprise: f.county.enterprises[0].id,
            kind: InspectionKind::Routine,
            checklists: all_checklists(),
            origin: None,
        })
        .unwrap();
    let hw22 = item("hazardous_waste_storage", "HW-22");
    let early = s.answer(draft.id, hw22.clone(), AnswerValue::Number(1.0), None).unwrap_err();
    assert!(matches!(early, StoreError::Domain(DomainError::WrongState { .. })), "answers wait for the start");
    s.start_inspection(draft.id, f.clock.now(), None, None).unwrap();

    let invalid = s.answer(draft.id, hw22.clone(), AnswerValue::Number(-1.0), None).unwrap_err();
    assert!(matches!(invalid, StoreError::Domain(DomainError::InvalidAnswer { .. })), "{invalid}");
    let wrong_type = s.answer(draft.id, hw22.clone(), AnswerValue::Yes, None).unwrap_err();
    assert!(matches!(wrong_type, StoreError::Domain(DomainError::InvalidAnswer { .. })));
    let unknown = s.answer(draft.id, item("hazardous_waste_storage", "XX-99"), AnswerValue::Yes, None).unwrap_err();
    assert!(matches!(unknown, StoreError::Domain(DomainError::UnknownItem { .. })));
    assert!(s.inspection_view(draft.id, f.clock.now()).unwrap().unwrap().answers.is_empty());

    // A failure proposes a finding once; fixing the answer withdraws the untouched proposal.
    let first = s.answer(draft.id, hw22.clone(), AnswerValue::Number(4.0), None).unwrap();
    assert!(first.proposed_finding.is_some());
    let again = s.answer(draft.id, hw22.clone(), AnswerValue::Number(6.0), Some("仓库外堆放".into())).unwrap();
    assert!(again.proposed_finding.is_none(), "one finding per item");
    s.answer(draft.id, hw22.clone(), AnswerValue::Number(2.0), None).unwrap();
    assert!(s.inspection_view(draft.id, f.clock.now()).unwrap().unwrap().findings.is_empty());

    // An edited finding is the officer's and stays.
    let mut finding =
        s.answer(draft.id, hw22.clone(), AnswerValue::Number(4.0), None).unwrap().proposed_finding.unwrap();
    finding.description = "危废贮存量4吨，超过3吨上限".into();
    finding.severity = Severity::Serious;
    finding.deadline_days = Some(7);
    s.edit_finding(&finding).unwrap();
    s.answer(draft.id, hw22, AnswerValue::Number(2.0), None).unwrap();
    let view = s.inspection_view(draft.id, f.clock.now()).unwrap().unwrap();
    assert_eq!(view.findings, vec![finding]);

    let bad_hash = Photo { evidence: EvidenceId::new(), item: None, sha256: "ABC".into(), taken_at: f.clock.now() };
    assert!(s.attach_photo(draft.id, &bad_hash).is_err());
}
