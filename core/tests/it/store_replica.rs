//! Replicas and the queries a phone needs: pull pages with tombstones and reset, Chinese enterprise
//! search, today's work for an officer, and tasks overdue first.

use crate::common;

use chrono::Duration;
use common::*;
use fieldcheck_core::domain::alarm::{Alarm, AlarmKind, AlarmState, Averaging};
use fieldcheck_core::domain::finding::Severity;
use fieldcheck_core::domain::ids::{AlarmId, FindingId, InspectionId, TaskId, UserId};
use fieldcheck_core::domain::inspection::InspectionKind;
use fieldcheck_core::domain::rectification::{RectificationTask, TaskAction, TaskState};
use fieldcheck_core::protocol::{Change, ChangeOp, EnterpriseField, Entity, PullResponse, Record, SubmittedInspection};
use fieldcheck_core::store::{NewInspection, ReceivedPage, TaskFilter};

fn task(f: &Fixture, enterprise: usize, state: TaskState, deadline_in: Duration) -> RectificationTask {
    let e = &f.county.enterprises[enterprise];
    RectificationTask {
        id: TaskId::new(),
        enterprise: e.id,
        township: e.township,
        inspection: InspectionId::new(),
        finding: FindingId::new(),
        severity: Severity::General,
        requirement: "整改".into(),
        issued_by: f.county.colleague.id,
        issued_at: f.clock.now() - Duration::days(30),
        deadline: f.clock.now() + deadline_in,
        state,
        case_review: false,
        legal_basis: Vec::new(),
    }
}

fn alarm(f: &Fixture, state: AlarmState, squadron: bool, assignee: Option<UserId>) -> Alarm {
    Alarm {
        id: AlarmId::new(),
        enterprise: f.county.enterprises[0].id,
        kind: AlarmKind::Exceedance,
        monitoring_point: "DW001".into(),
        pollutant: "COD".into(),
        value: 120.0,
        limit: 50.0,
        unit: "mg/L".into(),
        averaging: Averaging::Hourly,
        level: Severity::Serious,
        state,
        raised_at: f.clock.now(),
        respond_by: f.clock.now() + Duration::hours(4),
        squadron: squadron.then_some(f.county.squadron.id),
        assignee,
    }
}

fn tombstone(cursor: u64, entity: Entity, id: uuid::Uuid) -> Change {
    Change { cursor, op: ChangeOp::Delete { entity, id } }
}

#[test]
fn pull_pages_upsert_and_delete_and_keep_their_cursor() {
    let f = fixture();
    let s = &f.store;
    assert_eq!(s.cursor().unwrap(), 1 + f.county.page(1).changes.len() as u64);
    let mut renamed = f.county.enterprises[0].clone();
    renamed.name = "永康市恒达五金科技有限公司".into();
    let t = task(&f, 0, TaskState::Issued, Duration::days(3));
    let mut first = page(20, vec![Record::Enterprise(renamed.clone()), Record::Task(t.clone())]);
    first.changes.push(tombstone(22, Entity::Enterprise, f.county.enterprises[2].id.0));
    first.cursor = 23;
    let applied = s.apply_pull(&first).unwrap();
    assert_eq!((applied.applied, applied.skipped.len()), (3, 0));
    assert_eq!(s.cursor().unwrap(), 23);
    assert_eq!(s.enterprise(renamed.id).unwrap(), Some(renamed.clone()));
    assert_eq!(s.enterprise(f.county.enterprises[2].id).unwrap(), None);
    assert_eq!(s.search_enterprises("恒达五金科技", 10).unwrap(), vec![renamed.clone()], "the index follows updates");
    assert!(s.search_enterprises("古山化工", 10).unwrap().is_empty(), "and deletions");

    // A template that breaks the rules is skipped, the rest of the page still applies.
    let mut bad = fieldcheck_core::checklists::bundled().remove(0);
    bad.version = 2;
    bad.items.clear();
    let applied = s.apply_pull(&page(30, vec![Record::Template(bad), Record::Task(t.clone())])).unwrap();
    assert_eq!((applied.applied, applied.skipped.len()), (1, 1));

    let tombstones = PullResponse {
        changes: vec![tombstone(40, Entity::Task, t.id.0)],
        cursor: 41,
        has_more: false,
        reset: false,
        wipe: false,
    };
    s.apply_pull(&tombstones).unwrap();
    assert_eq!(s.task(t.id).unwrap(), None);
    assert_eq!(s.cursor().unwrap(), 41);
}

#[test]
fn reset_clears_replicas_but_keeps_the_outbox_local_drafts_and_unsent_changes() {
    let f = fixture();
    let s = &f.store;
    let draft = s
        .create_inspection(&NewInspection {
            enterprise: f.county.enterprises[0].id,
            kind: InspectionKind::Complaint12369,
            checklists: all_checklists(),
            origin: None,
        })
        .unwrap();
    let proof = task(&f, 0, TaskState::ProofSubmitted, Duration::days(3));
    let other = task(&f, 1, TaskState::Issued, Duration::days(3));
    s.apply_pull(&page(50, vec![Record::Task(proof.clone()), Record::Task(other.clone())])).unwrap();
    s.transition_task(proof.id, TaskAction::Reject, "照片不清晰", vec![]).unwrap();
    let edited = f.county.enterprises[1].id;
    s.edit_enterprise(edited, EnterpriseField::Address, "浙江省永康市西城街道工业区5号").unwrap();
    assert_eq!(s.outbox_len().unwrap(), 2);

    let reset = PullResponse { changes: vec![], cursor: 0, has_more: true, reset: true, wipe: false };
    s.apply_pull(&reset).unwrap();
    assert_eq!(s.cursor().unwrap(), 0);
    assert_eq!(s.outbox_len().unwrap(), 2);
    assert!(s.inspection(draft.id).unwrap().is_some(), "local drafts stay");
    assert_eq!(s.task(proof.id).unwrap().unwrap().state, TaskState::Rejected, "unsent change stays");
    assert_eq!(s.task(other.id).unwrap(), None, "replicas go");
    assert!(s.enterprise(edited).unwrap().is_some(), "an enterprise with an unsent edit stays");
    assert_eq!(s.enterprise(f.county.enterprises[0].id).unwrap(), None);
    assert!(s.session().unwrap().is_some(), "still signed in");
    assert_eq!(s.latest_templates().unwrap().len(), 3, "template versions stay");

    // Pulling from 0 brings the rest back.
    s.apply_pull(&f.county.page(1)).unwrap();
    assert_eq!(s.search_enterprises("永康", 10).unwrap().len(), 3);
}

#[test]
fn enterprise_search_finds_chinese_substrings_short_and_long_and_credit_codes() {
    let f = fixture();
    let s = &f.store;
    let [hengda, lvyuan, gushan] = [0, 1, 2].map(|i| f.county.enterprises[i].clone());

    // Two characters: too short for trigrams, found by LIKE; name hits before address-only hits.
    let found = s.search_enterprises("永康", 10).unwrap();
    assert_eq!(found.len(), 3);
    assert_eq!(found.last().unwrap().id, gushan.id, "古山 only has 永康 in its address");
    assert_eq!(s.search_enterprises("电镀", 10).unwrap(), vec![lvyuan.clone()]);
    assert_eq!(s.search_enterprises("镀", 10).unwrap(), vec![lvyuan.clone()]);

    // Three and more: the trigram index, in any field.
    assert_eq!(s.search_enterprises("恒达五金", 10).unwrap(), vec![hengda.clone()]);
    assert_eq!(s.search_enterprises("胡库村", 10).unwrap(), vec![gushan.clone()]);
    assert_eq!(s.search_enterprises("金山西路", 10).unwrap(), vec![hengda.clone()]);
    let code = lvyuan.credit_code.as_str().to_ascii_lowercase();
    assert_eq!(s.search_enterprises(&code, 10).unwrap(), vec![lvyuan.clone()], "codes, any case");
    assert_eq!(s.search_enterprises(&code[11..], 10).unwrap(), vec![lvyuan.clone()]);
    // Several terms must all match; mixed lengths fall back to the scan.
    assert_eq!(s.search_enterprises("永康 电镀", 10).unwrap(), vec![lvyuan.clone()]);
    assert_eq!(s.search_enterprises("东城街道 五金制品", 10).unwrap(), vec![hengda]);
    assert_eq!(s.search_enterprises("永康", 1).unwrap().len(), 1, "limited");
    assert!(s.search_enterprises("  ", 10).unwrap().is_empty());
    assert!(s.search_enterprises("\"%_ OR *", 10).unwrap().is_empty(), "query syntax is not interpreted");
    assert!(s.search_enterprises("不存在的公司", 10).unwrap().is_empty());
}

#[test]
fn todays_work_lists_my_alarms_due_reinspections_and_unfinished_inspections() {
    let f = fixture();
    let s = &f.store;
    let me = f.county.officer.id;
    let to_squadron = alarm(&f, AlarmState::Dispatched, true, None);
    let to_me = alarm(&f, AlarmState::OnSite, false, Some(me));
    let closed = alarm(&f, AlarmState::Closed, true, Some(me));
    let raised = alarm(&f, AlarmState::Raised, true, None);
    let elsewhere = alarm(&f, AlarmState::Dispatched, false, Some(f.county.colleague.id));

    let proof = task(&f, 0, TaskState::ProofSubmitted, Duration::days(5));
    let overdue = task(&f, 1, TaskState::Acknowledged, -Duration::days(2));
    let not_due = task(&f, 0, TaskState::Issued, Duration::days(5));
    let overdue_other_squadron = task(&f, 2, TaskState::Issued, -Duration::days(2));
    let accepted_late = task(&f, 0, TaskState::Accepted, -Duration::days(9));
    let records = [&to_squadron, &to_me, &closed, &raised, &elsewhere]
        .into_iter()
        .map(|a| Record::Alarm(a.clone()))
        .chain([&proof, &overdue, &not_due, &overdue_other_squadron, &accepted_late].map(|t| Record::Task(t.clone())))
        .collect();
    s.apply_pull(&page(100, records)).unwrap();
    let mine = s
        .create_inspection(&NewInspection {
            enterprise: f.county.enterprises[0].id,
            kind: InspectionKind::ReInspection,
            checklists: all_checklists(),
            origin: None,
        })
        .unwrap();

    let today = s.today(f.clock.now()).unwrap();
    let alarm_ids: Vec<AlarmId> = today.alarms.iter().map(|a| a.id).collect();
    assert_eq!(alarm_ids.len(), 2);
    assert!(alarm_ids.contains(&to_squadron.id) && alarm_ids.contains(&to_me.id));
    let due: Vec<(TaskId, bool)> = today.reinspections.iter().map(|i| (i.task.id, i.overdue)).collect();
    assert_eq!(due, vec![(overdue.id, true), (proof.id, false)], "overdue first; other squadrons' towns left out");
    assert_eq!(today.inspections.iter().map(|i| i.id).collect::<Vec<_>>(), vec![mine.id]);

    // Time moves: the not-yet-due task becomes overdue.
    let later = f.clock.now() + Duration::days(6);
    let ids: Vec<TaskId> = s.today(later).unwrap().reinspections.iter().map(|i| i.task.id).collect();
    assert!(ids.contains(&not_due.id));
}

#[test]
fn tasks_list_overdue_first_then_by_deadline_and_filters_by_state() {
    let f = fixture();
    let s = &f.store;
    let d = Duration::days;
    let soon = task(&f, 0, TaskState::Issued, d(2));
    let late = task(&f, 0, TaskState::Acknowledged, d(20));
    let long_overdue = task(&f, 1, TaskState::Rejected, -d(10));
    let just_overdue = task(&f, 1, TaskState::Issued, -d(1));
    let waiting = task(&f, 0, TaskState::ProofSubmitted, -d(3)); // has answered: never overdue
    let records = [&late, &waiting, &just_overdue, &soon, &long_overdue].map(|t| Record::Task(t.clone())).to_vec();
    s.apply_pull(&page(10, records)).unwrap();

    let list = s.tasks(&TaskFilter::default(), f.clock.now()).unwrap();
    let order: Vec<TaskId> = list.iter().map(|i| i.task.id).collect();
    assert_eq!(order, vec![long_overdue.id, just_overdue.id, waiting.id, soon.id, late.id]);
    assert_eq!(list.iter().filter(|i| i.overdue).count(), 2);

    let open = TaskFilter { states: vec![TaskState::Issued, TaskState::Rejected], enterprise: None };
    let order: Vec<TaskId> = s.tasks(&open, f.clock.now()).unwrap().iter().map(|i| i.task.id).collect();
    assert_eq!(order, vec![long_overdue.id, just_overdue.id, soon.id]);
    let of_one = TaskFilter { states: vec![], enterprise: Some(f.county.enterprises[1].id) };
    assert_eq!(s.tasks(&of_one, f.clock.now()).unwrap().len(), 2);
}

/// A colleague's inspection of the same enterprise as `ours`, as the platform sends it.
fn colleagues_copy(f: &Fixture, ours: &SubmittedInspection) -> SubmittedInspection {
    let mut theirs = ours.clone();
    theirs.inspection.id = InspectionId::new();
    theirs.inspection.created_by = f.county.colleague.id;
    for finding in &mut theirs.findings {
        finding.id = FindingId::new();
        finding.inspection = theirs.inspection.id;
    }
    theirs
}

#[test]
fn a_received_page_keeps_the_platforms_json_of_a_submitted_inspection() {
    let f = fixture();
    let s = &f.store;
    let ours = submit_small_inspection(&f);
    let theirs = colleagues_copy(&f, &ours);
    let json = serde_json::to_string(&page(200, vec![Record::Inspection(Box::new(theirs.clone()))])).unwrap();
    // The platform's JSON need not be this build's: its keys in another order, a field from a later version.
    let ours_json = serde_json::to_string(&theirs).unwrap();
    let serde_json::Value::Object(fields) = serde_json::from_str(&ours_json).unwrap() else { panic!() };
    let mut fields: serde_json::Map<_, _> = fields.into_iter().rev().collect();
    fields.insert("from_a_later_version".into(), serde_json::json!({"新": 1}));
    let sent = serde_json::to_string(&fields).unwrap();
    let json = json.replace(&ours_json, &sent);
    assert!(json.contains(&sent));

    let received: ReceivedPage = serde_json::from_str(&json).unwrap();
    assert_eq!(received.page, page(200, vec![Record::Inspection(Box::new(theirs.clone()))]));
    assert_eq!(s.apply_received(&received).unwrap().applied, 1);
    let stored: String = s
        .read(|c| {
            Ok(c.query_row(
                "SELECT body FROM submitted_records WHERE inspection = ?1",
                [theirs.inspection.id.to_string()],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(stored, sent, "kept as sent");
    let view = s.inspection_view(theirs.inspection.id, f.clock.now()).unwrap().unwrap();
    assert_eq!((view.answers.len(), &view.findings), (26, &theirs.findings), "and read back as the record");
}

#[test]
fn submitted_inspections_from_the_platform_are_replicas_but_our_own_are_kept() {
    let f = fixture();
    let s = &f.store;
    let ours = submit_small_inspection(&f);
    let theirs = colleagues_copy(&f, &ours);
    let records = vec![Record::Inspection(Box::new(ours.clone())), Record::Inspection(Box::new(theirs.clone()))];
    let applied = s.apply_pull(&page(200, records)).unwrap();
    assert_eq!(applied.applied, 2);

    let view = s.inspection_view(theirs.inspection.id, f.clock.now()).unwrap().unwrap();
    assert_eq!(view.answers.len(), 26);
    assert_eq!(view.findings, theirs.findings);
    assert!(view.problems.is_empty(), "a submitted record has no problems left");
    let failed: Vec<&str> = view
        .answers
        .iter()
        .filter(|a| a.verdict == fieldcheck_core::domain::answer::Verdict::NonCompliant)
        .map(|a| a.answer.item.code.as_str())
        .collect();
    assert_eq!(failed, vec!["HW-01"], "verdicts are recomputed from the template");
    let ours_view = s.inspection_view(ours.inspection.id, f.clock.now()).unwrap().unwrap();
    assert_eq!(ours_view.photos.len(), 26);
    let answers = |v: &fieldcheck_core::store::InspectionView| {
        v.answers.iter().map(|a| (a.answer.clone(), a.verdict)).collect::<Vec<_>>()
    };
    assert_eq!(answers(&view), answers(&ours_view), "the same answers and verdicts, from a record or from rows");
    let rows = |id: InspectionId| {
        s.read(|c| {
            Ok(c.query_row("SELECT COUNT(*) FROM answers WHERE inspection = ?1", [id.to_string()], |r| {
                r.get::<_, i64>(0)
            })?)
        })
        .unwrap()
    };
    assert_eq!(
        (rows(ours.inspection.id), rows(theirs.inspection.id)),
        (26, 0),
        "a colleague's answers stay in its record"
    );

    // A platform record may never overwrite local work in progress.
    let draft = s
        .create_inspection(&NewInspection {
            enterprise: f.county.enterprises[0].id,
            kind: InspectionKind::Routine,
            checklists: all_checklists(),
            origin: None,
        })
        .unwrap();
    let mut clash = theirs.clone();
    clash.inspection.id = draft.id;
    // And a record that breaks a constraint (a finding id taken by another record) is skipped alone.
    let mut dup = theirs.clone();
    dup.inspection.id = InspectionId::new();
    let town = f.county.townships[0].clone();
    let records = vec![Record::Inspection(Box::new(clash)), Record::Inspection(Box::new(dup)), Record::Township(town)];
    let applied = s.apply_pull(&page(300, records)).unwrap();
    assert_eq!((applied.applied, applied.skipped.len()), (1, 2), "{:?}", applied.skipped);
    assert_eq!(s.cursor().unwrap(), 303, "the page still counts as pulled");
    assert_eq!(s.inspection(draft.id).unwrap().unwrap(), draft);

    s.apply_pull(&PullResponse { changes: vec![], cursor: 0, has_more: true, reset: true, wipe: false }).unwrap();
    assert!(s.inspection(theirs.inspection.id).unwrap().is_none(), "replicas go");
    let kept = s.inspection_view(ours.inspection.id, f.clock.now()).unwrap().unwrap();
    assert_eq!(kept.photos.len(), 26, "our own record and its photos stay");
}
