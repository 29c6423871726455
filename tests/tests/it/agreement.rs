//! Phone and platform agree, by test. Generated sequences of intents by several roles, with hostile
//! values at and past every limit, are acted on real phone stores first: each store decides with the
//! domain's decision function and so predicts the outcome (applied, or refused with a code). An
//! accepted intent is then synced and must be applied by the live platform; a refused one is pushed
//! as the same raw intent by a device of the same user and must be rejected with the same code.

use crate::phone;

use chrono::{NaiveDate, Utc};
use fieldcheck_core::domain::answer::{AnswerValue, Measure};
use fieldcheck_core::domain::error::RejectCode;
use fieldcheck_core::domain::ids::EvidenceId;
use fieldcheck_core::domain::limits;
use fieldcheck_core::domain::rectification::TaskAction;
use fieldcheck_core::domain::template::AnswerSpec;
use fieldcheck_core::protocol::{EnterpriseField, Intent, Outcome};
use fieldcheck_core::store::{StoreError, TaskFilter};
use fieldcheck_e2e::{Device, Platform, fixtures};
use phone::{Phone, Scene, runtime};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use std::time::{Duration, Instant};

/// Text lengths at and around every text limit, padded or not.
fn hostile_text() -> impl Strategy<Value = String> {
    let lengths = prop_oneof![
        Just(0usize),
        Just(1),
        Just(limits::LABEL_CHARS + 1),
        Just(limits::FIELD_CHARS),
        Just(limits::FIELD_CHARS + 1),
        Just(limits::TEXT_CHARS),
        Just(limits::TEXT_CHARS + 1),
    ];
    (lengths, any::<bool>()).prop_map(|(n, padded)| {
        let body = "字".repeat(n);
        if padded { format!("  {body}\n") } else { body }
    })
}

/// Photo lists: none, one cited twice, or one past the limit.
fn hostile_photos() -> impl Strategy<Value = Vec<EvidenceId>> {
    prop_oneof![Just(0usize), Just(1), Just(limits::STEP_PHOTOS + 1)].prop_map(|n| match n {
        0 => Vec::new(),
        1 => {
            let id = EvidenceId::new();
            vec![id, id]
        }
        n => (0..n).map(|_| EvidenceId::new()).collect(),
    })
}

/// Ways an inspection record goes past a limit.
#[derive(Clone, Copy, Debug)]
enum BadRecord {
    SameChecklistTwenty,
    DateAtEndOfCalendar,
    DateBefore1950,
    SummaryTooLong,
}

#[derive(Clone, Debug)]
enum Step {
    Edit { who: usize, field: EnterpriseField, value: String },
    Task { who: usize, action: TaskAction, note: String, photos: Vec<EvidenceId> },
    Arrive { who: usize },
    Close { who: usize, feedback: String, photos: Vec<EvidenceId> },
    Submit(BadRecord),
}

/// The phones: officer1, enterprise1, the 东城 township office, the command centre.
const LOGINS: [&str; 4] = ["officer1", "enterprise1", "dongcheng", "commander"];

fn step() -> impl Strategy<Value = Step> {
    let who = 0..LOGINS.len();
    let field = prop_oneof![
        Just(EnterpriseField::Address),
        Just(EnterpriseField::LegalRepresentative),
        Just(EnterpriseField::ContactName),
        Just(EnterpriseField::ContactPhone),
    ];
    let action = prop_oneof![
        Just(TaskAction::Acknowledge),
        Just(TaskAction::SubmitProof),
        Just(TaskAction::Accept),
        Just(TaskAction::Reject)
    ];
    let bad = prop_oneof![
        Just(BadRecord::SameChecklistTwenty),
        Just(BadRecord::DateAtEndOfCalendar),
        Just(BadRecord::DateBefore1950),
        Just(BadRecord::SummaryTooLong),
    ];
    prop_oneof![
        3 => (who.clone(), field, hostile_text()).prop_map(|(who, field, value)| Step::Edit { who, field, value }),
        3 => (who.clone(), action, hostile_text(), hostile_photos())
            .prop_map(|(who, action, note, photos)| Step::Task { who, action, note, photos }),
        1 => who.clone().prop_map(|who| Step::Arrive { who }),
        2 => (who, hostile_text(), hostile_photos()).prop_map(|(who, feedback, photos)| Step::Close { who, feedback, photos }),
        1 => bad.prop_map(Step::Submit),
    ]
}

/// What the phone predicted.
#[derive(Debug, PartialEq)]
enum Predicted {
    Applied,
    Rejected(RejectCode),
    /// Nothing to act on from this phone (no task or alarm in its reach).
    Nothing,
}

fn predicted(result: Result<(), StoreError>) -> Predicted {
    match result {
        Ok(()) => Predicted::Applied,
        Err(StoreError::Domain(e)) => Predicted::Rejected(e.code()),
        Err(StoreError::NotFound { .. }) => Predicted::Rejected(RejectCode::NotFound),
        Err(other) => panic!("the phone failed, not decided: {other}"),
    }
}

struct Party {
    phone: Phone,
    raw: Device,
}

struct Run<'a> {
    scene: &'a Scene,
    parties: Vec<Party>,
    rt: tokio::runtime::Runtime,
    checked: usize,
    worst: Duration,
}

impl Run<'_> {
    fn sync(&self, who: usize) {
        let p = &self.parties[who].phone;
        self.rt.block_on(p.client.sync(&p.store, &mut |_| {})).expect("sync");
    }

    /// Acts on the phone, then checks the platform agrees.
    fn check(&mut self, step: &Step) {
        let (who, predicted, raw) = self.act(step);
        if predicted == Predicted::Nothing {
            return;
        }
        self.checked += 1;
        match predicted {
            Predicted::Applied => {
                let store = &self.parties[who].phone.store;
                let before = store.needs_attention().expect("attention").len();
                self.sync(who);
                let after = store.needs_attention().expect("attention");
                assert_eq!(
                    after.len(),
                    before,
                    "{step:?}: the phone applied it, the platform refused: {:?}",
                    after.last()
                );
                assert_eq!(store.outbox_len().expect("outbox"), 0, "{step:?}: still pending after sync");
            }
            Predicted::Rejected(code) => {
                let raw = raw.expect("the raw intent of a refused step");
                let device = &mut self.parties[who].raw;
                let started = Instant::now();
                let answer = device.push_intents(vec![raw]);
                self.worst = self.worst.max(started.elapsed());
                match &answer.results[0].outcome {
                    Outcome::Rejected { code: got, reason } => {
                        assert_eq!(*got, code, "{step:?}: phone said {code:?}, platform {got:?} ({reason})")
                    }
                    other => panic!("{step:?}: the phone refused it ({code:?}), the platform answered {other:?}"),
                }
            }
            Predicted::Nothing => {}
        }
    }

    /// The phone's prediction and, for a refusal, the same intent as a raw device would send it.
    fn act(&mut self, step: &Step) -> (usize, Predicted, Option<Intent>) {
        let world = &self.scene.world;
        match step {
            Step::Edit { who, field, value } => {
                self.sync(*who);
                let store = &self.parties[*who].phone.store;
                let Some(e) = world.enterprises.iter().find_map(|e| store.enterprise(e.id).ok().flatten()) else {
                    return (*who, Predicted::Nothing, None);
                };
                let base = field.get(&e).to_string();
                let raw = Intent::EnterpriseEdit { enterprise: e.id, field: *field, base, value: value.clone() };
                (*who, predicted(store.edit_enterprise(e.id, *field, value).map(drop)), Some(raw))
            }
            Step::Task { who, action, note, photos } => {
                self.sync(*who);
                let store = &self.parties[*who].phone.store;
                let tasks = store.tasks(&TaskFilter::default(), Utc::now()).expect("tasks");
                let Some(task) = tasks.first().map(|t| t.task.clone()) else { return (*who, Predicted::Nothing, None) };
                let raw = Intent::TaskTransition {
                    task: task.id,
                    action: *action,
                    note: note.clone(),
                    evidence: photos.clone(),
                    proof: None,
                    signature: None,
                };
                let result = store.transition_task(task.id, *action, note, photos.clone()).map(drop);
                (*who, predicted(result), Some(raw))
            }
            Step::Arrive { who } | Step::Close { who, .. } => {
                self.sync(*who);
                let store = &self.parties[*who].phone.store;
                let Some(alarm) = world.alarms.iter().find_map(|a| store.alarm(a.id).ok().flatten()) else {
                    return (*who, Predicted::Nothing, None);
                };
                match step {
                    Step::Close { feedback, photos, .. } => {
                        let raw = Intent::AlarmClose {
                            alarm: alarm.id,
                            feedback: feedback.clone(),
                            evidence: photos.clone(),
                            proof: None,
                        };
                        (*who, predicted(store.alarm_close(alarm.id, feedback, photos.clone()).map(drop)), Some(raw))
                    }
                    _ => {
                        let raw = Intent::AlarmArrive { alarm: alarm.id, location: None, location_missing: None };
                        (*who, predicted(store.alarm_arrive(alarm.id, None, None).map(drop)), Some(raw))
                    }
                }
            }
            Step::Submit(bad) => (0, self.submit_bad(*bad), Some(raw_bad_record(self.scene, *bad))),
        }
    }

    /// Officer1's phone tries the bad record the way an app would; every one is refused somewhere.
    fn submit_bad(&self, bad: BadRecord) -> Predicted {
        let sample = raw_bad_record(self.scene, BadRecord::SummaryTooLong);
        let Intent::InspectionSubmit(sub) = sample else { unreachable!() };
        let store = &self.parties[0].phone.store;
        let mut checklists = sub.inspection.checklists.clone();
        if let BadRecord::SameChecklistTwenty = bad {
            checklists = vec![checklists[0].clone(); 20];
        }
        let new = fieldcheck_core::store::NewInspection {
            enterprise: sub.inspection.enterprise,
            kind: sub.inspection.kind,
            checklists,
            origin: None,
        };
        let attempt = || -> Result<(), StoreError> {
            let draft = store.create_inspection(&new)?;
            store.set_team(draft.id, sub.inspection.inspectors.clone(), sub.inspection.recorder.clone())?;
            store.start_inspection(draft.id, Utc::now(), None, None)?;
            if let BadRecord::SummaryTooLong = bad {
                store.set_record(draft.id, None, &"字".repeat(limits::TEXT_CHARS + 1))?;
            }
            for answer in &sub.answers {
                let value = match bad {
                    BadRecord::DateAtEndOfCalendar => with_date(&answer.value, NaiveDate::MAX),
                    BadRecord::DateBefore1950 => with_date(&answer.value, NaiveDate::from_ymd_opt(1900, 1, 1).unwrap()),
                    _ => answer.value.clone(),
                };
                store.answer(draft.id, answer.item.clone(), value, None)?;
            }
            store.submit_inspection(draft.id).map(drop)
        };
        predicted(attempt())
    }
}

/// `value` with every date in it replaced by `day`.
fn with_date(value: &AnswerValue, day: NaiveDate) -> AnswerValue {
    match value {
        AnswerValue::Date(_) => AnswerValue::Date(day),
        AnswerValue::Measures(m) => AnswerValue::Measures(
            m.iter()
                .map(|(k, v)| (k.clone(), if let Measure::Date(_) = v { Measure::Date(day) } else { v.clone() }))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The bad record as a raw `inspection.submit`, otherwise complete and consistent.
fn raw_bad_record(scene: &Scene, bad: BadRecord) -> Intent {
    let mut sub = fixtures::inspection(&scene.enterprise, &scene.by, &scene.partner);
    match bad {
        BadRecord::SameChecklistTwenty => sub.inspection.checklists = vec![sub.inspection.checklists[0].clone(); 20],
        BadRecord::SummaryTooLong => sub.inspection.summary = "字".repeat(limits::TEXT_CHARS + 1),
        BadRecord::DateAtEndOfCalendar | BadRecord::DateBefore1950 => {
            let day = match bad {
                BadRecord::DateAtEndOfCalendar => NaiveDate::MAX,
                _ => NaiveDate::from_ymd_opt(1900, 1, 1).unwrap(),
            };
            let template = fieldcheck_core::checklists::bundled();
            for answer in &mut sub.answers {
                let dated = template
                    .iter()
                    .flat_map(|t| &t.items)
                    .find(|i| i.code == answer.item.code)
                    .is_some_and(|i| matches!(i.answer, AnswerSpec::Date { .. } | AnswerSpec::Measures { .. }));
                if dated {
                    answer.value = with_date(&answer.value, day);
                }
            }
        }
    }
    Intent::InspectionSubmit(Box::new(sub))
}

#[test]
fn every_outcome_the_phone_predicts_is_the_platforms() {
    let scene = Scene::start();
    let rt = runtime();
    let parties = LOGINS
        .iter()
        .enumerate()
        .map(|(n, login)| {
            let dir = scene.home.path().join(login);
            std::fs::create_dir_all(&dir).expect("phone dir");
            let phone = rt.block_on(Phone::sign_in(&dir, &scene.platform.url, login));
            let _ = n;
            Party { phone, raw: Device::login(&scene.platform, login) }
        })
        .collect();
    let mut run = Run { scene: &scene, parties, rt, checked: 0, worst: Duration::ZERO };
    let cases = std::env::var("AGREEMENT_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(12);
    let mut runner = TestRunner::new(Config { cases, ..Config::default() });
    let sequence = proptest::collection::vec(step(), 1..8);
    let sequences: Vec<Vec<Step>> =
        (0..cases).map(|_| sequence.new_tree(&mut runner).expect("generate").current()).collect();
    for steps in &sequences {
        for step in steps {
            run.check(step);
        }
    }
    assert!(run.checked >= sequences.len(), "too few steps had something to act on: {}", run.checked);
    println!(
        "agreement: {} sequences, {} steps checked against the platform; slowest refused push {:?}",
        sequences.len(),
        run.checked,
        run.worst
    );
    let _: &Platform = &scene.platform;
}

/// The worst inputs a push can carry within its size limit, each refused before it can hold the only
/// writer: the round trip of each refused push is printed (an upper bound of its writer time; tests do
/// not assert on wall time), and a login from elsewhere right after each one still answers.
#[test]
fn worst_cases_are_refused_and_bounded() {
    let scene = Scene::start();
    let mut officer = Device::login(&scene.platform, "officer1");
    let e = &scene.enterprise;
    let base = || fixtures::inspection(e, &scene.by, &scene.partner);
    let mut worst: Vec<(&str, Intent)> = Vec::new();
    let mut same_checklist = base();
    // As many copies of one checklist as fit in a push (each ~60 bytes of JSON).
    same_checklist.inspection.checklists = vec![same_checklist.inspection.checklists[0].clone(); 100_000];
    worst.push(("100,000 copies of one checklist", Intent::InspectionSubmit(Box::new(same_checklist))));
    let mut far_past = base();
    for answer in &mut far_past.answers {
        answer.value = with_date(&answer.value, NaiveDate::MIN);
    }
    worst.push(("every date at the start of the calendar", Intent::InspectionSubmit(Box::new(far_past))));
    let mut far_future = base();
    for answer in &mut far_future.answers {
        answer.value = with_date(&answer.value, NaiveDate::MAX);
    }
    worst.push(("every date at the end of the calendar", Intent::InspectionSubmit(Box::new(far_future))));
    let mut many_findings = base();
    let finding = many_findings.findings[0].clone();
    many_findings.findings = (0..20_000)
        .map(|_| fieldcheck_core::domain::finding::Finding { id: Default::default(), ..finding.clone() })
        .collect();
    worst.push(("20,000 findings", Intent::InspectionSubmit(Box::new(many_findings))));
    let huge = "x".repeat(4 << 20);
    worst.push((
        "a 4 MiB base of an enterprise edit",
        Intent::EnterpriseEdit {
            enterprise: e.id,
            field: EnterpriseField::Address,
            base: huge.clone(),
            value: "x".into(),
        },
    ));
    worst.push((
        "a 4 MiB value of an enterprise edit",
        Intent::EnterpriseEdit {
            enterprise: e.id,
            field: EnterpriseField::Address,
            base: e.address.clone(),
            value: huge,
        },
    ));
    let mut slowest = Duration::ZERO;
    for (what, intent) in worst {
        let started = Instant::now();
        let answer = officer.push_intents(vec![intent]);
        let took = started.elapsed();
        slowest = slowest.max(took);
        assert!(
            matches!(answer.results[0].outcome, Outcome::Rejected { code: RejectCode::Invalid, .. }),
            "{what}: {:?}",
            answer.results[0].outcome
        );
        println!("worst case: {what}: refused, round trip {took:?}");
        // The writer is free again: another caller signs in at once.
        Device::login(&scene.platform, "commander");
    }
    println!("worst case: slowest refused push {slowest:?}");
    // Nothing the conflicts list returns is larger than the field limit.
    let (status, conflicts) = scene.commander.get_json("/v1/conflicts");
    assert_eq!(status, 200);
    assert!(conflicts.to_string().len() < 64 * 1024, "the conflicts list stays small");
}
