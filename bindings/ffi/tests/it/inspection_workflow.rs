//! The FFI crate's API used from Rust, on a real SQLite file: wrappers convert faithfully, errors map
//! to the public error, and changes reach listeners.

use fieldcheck_core::domain::answer::Verdict;
use fieldcheck_core::domain::geo::GeoFix;
use fieldcheck_core::domain::inspection::{InspectionKind, InspectionState, ProblemCode};
use fieldcheck_ffi::testing::{DemoUser, seed_demo_county};
use fieldcheck_ffi::*;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

struct Forward(Mutex<mpsc::Sender<Change>>);

impl ChangeListener for Forward {
    fn on_change(&self, change: Change) {
        let _ = self.0.lock().unwrap().send(change);
    }
}

#[test]
fn an_inspection_is_drafted_answered_and_blocked_with_per_item_problems() {
    let dir = tempfile::tempdir().unwrap();
    let client = FieldcheckClient::open(dir.path().display().to_string()).unwrap();
    let county = seed_demo_county(client.clone(), DemoUser::Officer).unwrap();
    assert_eq!(client.current_user().unwrap().unwrap().name, "张伟");
    let officers: Vec<String> = client.officers().unwrap().into_iter().map(|u| u.name).collect();
    assert_eq!(officers, vec!["张伟", "李娜"], "the team picker lists the squadron's officers by name");

    let (tx, rx) = mpsc::channel();
    let subscription = client.observe_changes(Arc::new(Forward(Mutex::new(tx)))).unwrap();

    let found = client.enterprises().search("恒达".into(), 10).unwrap();
    assert_eq!(found.iter().map(|e| e.id).collect::<Vec<_>>(), vec![county.enterprises[0]]);

    let inspections = client.inspections();
    let draft = inspections
        .create(county.enterprises[0], InspectionKind::Routine, vec!["emergency_preparedness".into()])
        .unwrap();
    assert_eq!(draft.state, InspectionState::Draft);
    let change = rx.recv_timeout(Duration::from_secs(10)).expect("the listener hears the new draft");
    assert_eq!(change, Change { kind: ChangeKind::Inspection, id: Some(draft.id) });

    // Answering before arrival is refused by the core, as a NotAllowed the app can show.
    let early = inspections.answer(draft.id, "emergency_preparedness".into(), "EM-03".into(), AnswerInput::Yes, None);
    assert!(matches!(early, Err(FieldcheckError::NotAllowed(_))), "{early:?}");

    inspections.start(draft.id, Some(GeoFix { lat: 28.9, lon: 120.03, accuracy_m: 8.0 })).unwrap();
    let outcome =
        inspections.answer(draft.id, "emergency_preparedness".into(), "EM-03".into(), AnswerInput::No, None).unwrap();
    assert_eq!(outcome.verdict, Verdict::NonCompliant);
    assert!(outcome.proposed_finding.is_some(), "a failed item proposes a finding");

    let blocked = inspections.submit(draft.id).unwrap();
    let SubmitResult::Blocked { problems } = blocked else { panic!("submitted without a team: {blocked:?}") };
    assert!(problems.iter().any(|p| p.code == ProblemCode::TooFewInspectors));
    assert!(problems.iter().any(|p| p.item_code.as_deref() == Some("EM-01") && p.code == ProblemCode::Unanswered));

    let screen = inspections.screen(draft.id).unwrap();
    let checklist = &screen.checklists[0];
    assert_eq!((checklist.answered, checklist.total), (1, 15));
    assert!(!screen.can_submit);
    assert!(!checklist.items[0].problems.is_empty(), "item problems are shown on the item");

    subscription.cancel();
    assert!(!subscription.is_active());
}

#[test]
fn bad_input_is_a_typed_error_never_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(FieldcheckClient::open("  ".into()), Err(FieldcheckError::InvalidInput(_))));
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"not a folder").unwrap();
    assert!(matches!(FieldcheckClient::open(file.display().to_string()), Err(FieldcheckError::Storage(_))));

    let client = FieldcheckClient::open(dir.path().join("data").display().to_string()).unwrap();
    let not_signed_in = client.inspections().create(uuid::Uuid::now_v7(), InspectionKind::Routine, vec![]);
    assert!(matches!(not_signed_in, Err(FieldcheckError::NotAllowed(_))), "{not_signed_in:?}");
    seed_demo_county(client.clone(), DemoUser::Officer).unwrap();
    let unknown = client.enterprises().get(uuid::Uuid::now_v7());
    assert!(matches!(unknown, Err(FieldcheckError::NotFound(_))));
    assert_eq!(client.today().unwrap().alarms.len(), 1, "the dispatched alarm is on today's list");
}
