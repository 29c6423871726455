//! The outbox as the sync client sees it: numbering that survives reopening, push results, entries
//! needing attention, clock skew, and each intent-writing operation appending exactly one entry.

use crate::common;

use chrono::Duration;
use common::*;
use fieldcheck_core::domain::DomainError;
use fieldcheck_core::domain::alarm::AlarmState;
use fieldcheck_core::domain::organisation::{Role, Scope};
use fieldcheck_core::domain::rectification::{TaskAction, TaskState};
use fieldcheck_core::protocol::{EnterpriseField, Intent, MutationResult, Outcome, PushResponse, Record, RejectCode};
use fieldcheck_core::store::{OutboxCounts, Store, StoreError};

fn applied(seqs: &[u64]) -> PushResponse {
    PushResponse {
        received_at: t0(),
        results: seqs.iter().map(|&seq| MutationResult { seq, outcome: Outcome::Applied }).collect(),
        pipelining: false,
    }
}

#[test]
fn each_intent_appends_one_numbered_entry_and_numbering_survives_reopening() {
    let f = fixture();
    let path = f.store.path().to_path_buf();
    let proof = task(&f, TaskState::ProofSubmitted, 10);
    let dispatched = alarm(&f, AlarmState::Dispatched);
    f.store.apply_pull(&page(100, vec![Record::Task(proof.clone()), Record::Alarm(dispatched.clone())])).unwrap();

    let accepted = f.store.transition_task(proof.id, TaskAction::Accept, "整改到位", vec![]).unwrap();
    assert_eq!(accepted.state, TaskState::Accepted, "written optimistically");
    assert_eq!(f.store.task_events(proof.id).unwrap().len(), 1, "with a local audit event");
    let on_site = f.store.alarm_arrive(dispatched.id, None, None).unwrap();
    assert_eq!(on_site.state, AlarmState::OnSite);
    let e = &f.county.enterprises[0];
    f.store.edit_enterprise(e.id, EnterpriseField::ContactPhone, "13511112222").unwrap();

    let kinds: Vec<(u64, &str)> = f
        .store
        .pending_mutations(10)
        .unwrap()
        .iter()
        .map(|m| {
            let kind = match &m.intent {
                Intent::TaskTransition { .. } => "task",
                Intent::AlarmArrive { .. } => "arrive",
                Intent::EnterpriseEdit { base, value, .. } => {
                    assert_eq!((base.as_str(), value.as_str()), ("13900000000", "13511112222"));
                    "edit"
                }
                _ => "other",
            };
            (m.seq, kind)
        })
        .collect();
    assert_eq!(kinds, vec![(1, "task"), (2, "arrive"), (3, "edit")]);

    // The server applied the first two; numbering goes on from 4 after reopening.
    f.store.record_push_results(&applied(&[1, 2])).unwrap();
    drop(f.store);
    let store = Store::open_with_clock(&path, f.clock.clock()).unwrap();
    assert_eq!(store.outbox_len().unwrap(), 1);
    store.alarm_close(dispatched.id, "现场核查：总磷超标系进水波动，已整改", vec![]).unwrap();
    let seqs: Vec<u64> = store.pending_mutations(10).unwrap().iter().map(|m| m.seq).collect();
    assert_eq!(seqs, vec![3, 4]);
    assert_eq!(store.pending_mutations(1).unwrap().len(), 1, "limit is honoured");
}

#[test]
fn a_rejected_entry_needs_attention_and_no_longer_blocks_the_queue() {
    let f = fixture();
    let a = alarm(&f, AlarmState::Dispatched);
    let b = alarm(&f, AlarmState::Dispatched);
    f.store.apply_pull(&page(100, vec![Record::Alarm(a.clone()), Record::Alarm(b.clone())])).unwrap();
    f.store.alarm_arrive(a.id, None, None).unwrap();
    f.store.alarm_arrive(b.id, None, None).unwrap();
    let response = PushResponse {
        received_at: f.clock.now(),
        results: vec![
            MutationResult {
                seq: 1,
                outcome: Outcome::Rejected { code: RejectCode::Forbidden, reason: "not your squadron".into() },
            },
            MutationResult { seq: 2, outcome: Outcome::Conflict { current: serde_json::json!({"state": "on_site"}) } },
        ],
        pipelining: false,
    };
    f.store.record_push_results(&response).unwrap();
    f.store.record_push_results(&response).unwrap(); // a repeated answer is harmless
    assert!(f.store.pending_mutations(10).unwrap().is_empty());
    assert_eq!(f.store.outbox_counts().unwrap(), OutboxCounts { pending: 0, needs_attention: 1 });
    let attention = f.store.needs_attention().unwrap();
    assert_eq!(attention.len(), 1);
    assert_eq!((attention[0].mutation.seq, attention[0].code), (1, RejectCode::Forbidden));
    assert_eq!(attention[0].reason, "not your squadron");
    assert_eq!(f.store.outbox_len().unwrap(), 1);
    assert!(!f.store.dismiss_attention(2).unwrap(), "only a rejected entry can be dismissed");
    assert!(f.store.dismiss_attention(1).unwrap());
    assert!(!f.store.dismiss_attention(1).unwrap(), "dismissing twice is harmless");
    assert_eq!(f.store.outbox_len().unwrap(), 0);
    assert_eq!(f.store.outbox_counts().unwrap(), OutboxCounts::default());
}

#[test]
fn role_rules_refuse_transitions_before_anything_is_written() {
    let f = fixture();
    let issued = task(&f, TaskState::Issued, 10);
    f.store.apply_pull(&page(100, vec![Record::Task(issued.clone())])).unwrap();
    let err = f.store.transition_task(issued.id, TaskAction::Acknowledge, "", vec![]).unwrap_err();
    assert!(matches!(err, StoreError::Domain(DomainError::RoleMayNot { role: Role::Officer, .. })), "{err}");
    let raised = alarm(&f, AlarmState::Raised);
    f.store.apply_pull(&page(101, vec![Record::Alarm(raised.clone())])).unwrap();
    assert!(f.store.alarm_arrive(raised.id, None, None).is_err(), "arrival needs a dispatch");
    assert!(f.store.alarm_close(raised.id, "  ", vec![]).is_err(), "feedback may not be blank");
    assert_eq!(f.store.outbox_len().unwrap(), 0);
    assert_eq!(f.store.task(issued.id).unwrap().unwrap().state, TaskState::Issued);
}

#[test]
fn writes_need_a_signed_in_user_and_the_database_belongs_to_one() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("a.db")).unwrap();
    let county = county();
    store.apply_pull(&county.page(1)).unwrap();
    let e = &county.enterprises[0];
    let err = store.edit_enterprise(e.id, EnterpriseField::Address, "新地址").unwrap_err();
    assert!(matches!(err, StoreError::NotSignedIn));
    let session = store.sign_in(&county.officer).unwrap();
    assert_eq!(session.device, store.device_id().unwrap());
    assert!(matches!(store.sign_in(&county.colleague), Err(StoreError::OtherUser { .. })));
    // A newer record of the signed-in user from the platform refreshes the session.
    let mut renamed = county.officer.clone();
    renamed.scope = Scope::County;
    store.apply_pull(&page(50, vec![Record::User(renamed.clone())])).unwrap();
    assert_eq!(store.session().unwrap().unwrap().user, renamed);
}

#[test]
fn clock_skew_is_measured_from_a_push() {
    let f = fixture();
    assert_eq!(f.store.clock_skew().unwrap(), None);
    let sent = f.clock.now();
    f.store.record_clock_skew(sent, sent + Duration::seconds(95)).unwrap();
    let skew = f.store.clock_skew().unwrap().unwrap();
    assert_eq!(skew.server_minus_device, Duration::seconds(95));
    assert_eq!(skew.measured_at, sent + Duration::seconds(95));
    assert!(!skew.needs_warning(), "95 s is within the tolerance");
    f.store.record_clock_skew(sent, sent - Duration::minutes(6)).unwrap();
    assert!(f.store.clock_skew().unwrap().unwrap().needs_warning(), "a device 6 min fast is warned about");
}

fn answer(seq: u64, outcome: Outcome) -> PushResponse {
    PushResponse { received_at: t0(), results: vec![MutationResult { seq, outcome }], pipelining: false }
}

fn rejected() -> Outcome {
    Outcome::Rejected { code: RejectCode::InvalidTransition, reason: "already accepted by a colleague".into() }
}

#[test]
fn a_rejected_change_is_undone_and_a_pull_in_flight_does_not_hide_the_local_change() {
    let f = fixture();
    let s = &f.store;
    let proof = task(&f, TaskState::ProofSubmitted, 10);
    s.apply_pull(&page(100, vec![Record::Task(proof.clone())])).unwrap();
    s.transition_task(proof.id, TaskAction::Accept, "", vec![]).unwrap();

    // A pull before the push still carries the old version: the local change stays visible.
    let mut newer = proof.clone();
    newer.requirement = "危废标签补齐，并提交台账".into();
    s.apply_pull(&page(101, vec![Record::Task(newer.clone())])).unwrap();
    assert_eq!(s.task(proof.id).unwrap().unwrap().state, TaskState::Accepted);

    // Rejected: the platform's latest version comes back, the local event goes.
    s.record_push_results(&answer(1, rejected())).unwrap();
    assert_eq!(s.task(proof.id).unwrap().unwrap(), newer);
    assert!(s.task_events(proof.id).unwrap().is_empty());
    assert_eq!(s.needs_attention().unwrap().len(), 1);
    let listed = s.tasks(&Default::default(), f.clock.now()).unwrap();
    assert_eq!(listed[0].task.state, TaskState::ProofSubmitted, "indexed columns follow the restore");
}

#[test]
fn an_applied_change_stays_until_the_pull_or_takes_the_version_pulled_meanwhile() {
    let f = fixture();
    let s = &f.store;
    let dispatched = alarm(&f, AlarmState::Dispatched);
    s.apply_pull(&page(100, vec![Record::Alarm(dispatched.clone())])).unwrap();
    s.alarm_arrive(dispatched.id, None, None).unwrap();
    s.record_push_results(&applied(&[1])).unwrap();
    assert_eq!(s.alarm(dispatched.id).unwrap().unwrap().state, AlarmState::OnSite, "kept until the pull");
    let mut on_site = dispatched.clone();
    on_site.state = AlarmState::OnSite;
    on_site.assignee = Some(f.county.officer.id);
    s.apply_pull(&page(101, vec![Record::Alarm(on_site.clone())])).unwrap();
    assert_eq!(s.alarm(dispatched.id).unwrap().unwrap(), on_site, "then the platform's version");

    // The push's answer was lost, the pull brought the applied version, the retry says applied.
    let e = f.county.enterprises[0].clone();
    s.edit_enterprise(e.id, EnterpriseField::Address, "浙江省永康市东城街道金山西路20号").unwrap();
    let mut server = e.clone();
    server.address = "浙江省永康市东城街道金山西路20号".into();
    server.legal_representative = "王建军".into();
    s.apply_pull(&page(102, vec![Record::Enterprise(server.clone())])).unwrap();
    assert_eq!(s.enterprise(e.id).unwrap().unwrap().legal_representative, e.legal_representative);
    s.record_push_results(&applied(&[2])).unwrap();
    assert_eq!(s.enterprise(e.id).unwrap().unwrap(), server);
}

#[test]
fn a_refused_submission_drops_the_tasks_and_notices_it_made_but_keeps_the_record() {
    let f = fixture();
    let submitted = submit_small_inspection(&f);
    assert_eq!(submitted.tasks.len(), 1);
    let task = submitted.tasks[0].id;
    assert!(f.store.task(task).unwrap().is_some());
    f.store.record_push_results(&answer(1, rejected())).unwrap();
    assert_eq!(f.store.task(task).unwrap(), None, "the platform never issued it");
    assert!(f.store.inspection(submitted.inspection.id).unwrap().is_some(), "the record is never lost");
    assert_eq!(f.store.needs_attention().unwrap()[0].mutation.seq, 1);

    let g = fixture();
    let submitted = submit_small_inspection(&g);
    g.store.record_push_results(&applied(&[1])).unwrap();
    assert!(g.store.task(submitted.tasks[0].id).unwrap().is_some(), "applied: it stays");
}
