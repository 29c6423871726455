//! Shared fixtures for the store tests: a real database file in a temp dir, a movable clock, an
//! officer's jurisdiction delivered through `apply_pull`, and valid answers for any checklist item.
#![allow(dead_code)]

use chrono::{DateTime, Duration, NaiveDate, Utc};
use fieldcheck_core::checklists;
use fieldcheck_core::domain::alarm::{Alarm, AlarmKind, AlarmState, Averaging};
use fieldcheck_core::domain::answer::{AnswerValue, Measure};
use fieldcheck_core::domain::credit_code::CreditCode;
use fieldcheck_core::domain::finding::Severity;
use fieldcheck_core::domain::ids::{AlarmId, FindingId, InspectionId, TaskId};
use fieldcheck_core::domain::ids::{EnterpriseId, SquadronId, TownshipId, UserId};
use fieldcheck_core::domain::inspection::Inspector;
use fieldcheck_core::domain::organisation::{
    Contact, Enterprise, EnterpriseFlags, Role, Scope, Squadron, Township, User,
};
use fieldcheck_core::domain::rectification::{RectificationTask, TaskState};
use fieldcheck_core::domain::template::{AnswerSpec, MeasureKind, TemplateItem};
use fieldcheck_core::protocol::{Change, ChangeOp, PullResponse, Record};
use fieldcheck_core::store::{Clock, Store};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use tempfile::TempDir;

/// A clock tests can move.
#[derive(Clone)]
pub struct TestClock(Arc<AtomicI64>);

impl TestClock {
    pub fn at(t: DateTime<Utc>) -> Self {
        Self(Arc::new(AtomicI64::new(t.timestamp_millis())))
    }
    pub fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.0.load(Ordering::SeqCst)).unwrap()
    }
    pub fn advance(&self, d: Duration) {
        self.0.fetch_add(d.num_milliseconds(), Ordering::SeqCst);
    }
    pub fn clock(&self) -> Clock {
        let inner = self.0.clone();
        Arc::new(move || DateTime::from_timestamp_millis(inner.load(Ordering::SeqCst)).unwrap())
    }
}

pub fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-29T01:30:00Z").unwrap().with_timezone(&Utc)
}

/// The county as the platform would send it to an officer of squadron 1.
pub struct County {
    pub townships: Vec<Township>,
    pub squadron: Squadron,
    pub other_squadron: Squadron,
    pub officer: User,
    pub colleague: User,
    pub enterprises: Vec<Enterprise>,
}

pub fn county() -> County {
    let township = |code: &str, name: &str| Township { id: TownshipId::new(), code: code.into(), name: name.into() };
    let townships =
        vec![township("330784001", "东城街道"), township("330784002", "西城街道"), township("330784101", "古山镇")];
    let squadron = Squadron {
        id: SquadronId::new(),
        name: "第一执法中队".into(),
        townships: vec![townships[0].id, townships[1].id],
    };
    let other_squadron =
        Squadron { id: SquadronId::new(), name: "第二执法中队".into(), townships: vec![townships[2].id] };
    let officer = |login: &str, name: &str, cert: &str| User {
        id: UserId::new(),
        login: login.into(),
        name: name.into(),
        role: Role::Officer,
        scope: Scope::Squadron { squadron: squadron.id },
        certificate_no: Some(cert.into()),
    };
    let enterprise = |i: usize, name: &str, address: &str, township: TownshipId| Enterprise {
        id: EnterpriseId::new(),
        name: name.into(),
        credit_code: CreditCode::complete(&format!("91330784MA2{i:06}")).unwrap(),
        township,
        address: address.into(),
        location: None,
        legal_representative: "王建国".into(),
        contact: Contact { name: "李明".into(), phone: "13900000000".into() },
        flags: EnterpriseFlags { hazardous_waste_producer: true, ..Default::default() },
    };
    let enterprises = vec![
        enterprise(1, "永康市恒达五金制品有限公司", "浙江省永康市东城街道金山西路18号", townships[0].id),
        enterprise(2, "永康市绿源电镀有限公司", "浙江省永康市西城街道工业区3号", townships[1].id),
        enterprise(3, "浙江金华古山化工有限公司", "浙江省永康市古山镇胡库村", townships[2].id),
    ];
    County {
        officer: officer("zhang.wei", "张伟", "浙330784001"),
        colleague: officer("li.na", "李娜", "浙330784002"),
        townships,
        squadron,
        other_squadron,
        enterprises,
    }
}

impl County {
    /// The whole county as one pull page.
    pub fn page(&self, first_cursor: u64) -> PullResponse {
        let mut records: Vec<Record> = Vec::new();
        records.extend(self.townships.iter().cloned().map(Record::Township));
        records.push(Record::Squadron(self.squadron.clone()));
        records.push(Record::Squadron(self.other_squadron.clone()));
        records.push(Record::User(self.officer.clone()));
        records.push(Record::User(self.colleague.clone()));
        records.extend(self.enterprises.iter().cloned().map(Record::Enterprise));
        page(first_cursor, records)
    }

    pub fn team(&self) -> (Vec<Inspector>, Option<Inspector>) {
        let inspector = |u: &User| Inspector {
            user: u.id,
            name: u.name.clone(),
            certificate_no: u.certificate_no.clone().unwrap(),
        };
        (vec![inspector(&self.officer), inspector(&self.colleague)], Some(inspector(&self.colleague)))
    }
}

/// A page of upserts with consecutive cursors from `first_cursor`.
pub fn page(first_cursor: u64, records: Vec<Record>) -> PullResponse {
    let n = records.len() as u64;
    let changes = records
        .into_iter()
        .enumerate()
        .map(|(i, record)| Change {
            cursor: first_cursor + i as u64,
            op: ChangeOp::Upsert { record: Box::new(record) },
        })
        .collect();
    PullResponse { changes, cursor: first_cursor + n, has_more: false, reset: false, wipe: false }
}

/// A store on a fresh file with the county pulled and the officer signed in.
pub struct Fixture {
    pub dir: TempDir,
    pub store: Store,
    pub clock: TestClock,
    pub county: County,
}

pub fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let clock = TestClock::at(t0());
    let store = Store::open_with_clock(dir.path().join("user.db"), clock.clock()).unwrap();
    let county = county();
    store.apply_pull(&county.page(1)).unwrap();
    store.sign_in(&county.officer).unwrap();
    Fixture { dir, store, clock, county }
}

/// A valid answer for any item of the bundled checklists (compliant for every rule they have).
pub fn valid_answer(item: &TemplateItem, day: NaiveDate) -> AnswerValue {
    let past = day - chrono::Days::new(30);
    match &item.answer {
        AnswerSpec::YesNo | AnswerSpec::YesNoNa => AnswerValue::Yes,
        AnswerSpec::Number { rule, .. } => AnswerValue::Number(match rule {
            Some(fieldcheck_core::domain::rule::Rule::AtLeast(min)) => *min,
            Some(fieldcheck_core::domain::rule::Rule::AtMost(max)) => *max,
            Some(fieldcheck_core::domain::rule::Rule::Between([min, _])) => *min,
            _ => 1.0,
        }),
        AnswerSpec::Text => AnswerValue::Text("环评批复 金环建〔2024〕18号".into()),
        AnswerSpec::Date { .. } => AnswerValue::Date(past),
        AnswerSpec::Choice { options } => {
            AnswerValue::Choice(options.iter().find(|o| o.compliant).unwrap().code.clone())
        }
        AnswerSpec::Measures { fields, .. } => AnswerValue::Measures(
            fields
                .iter()
                .map(|f| {
                    let m = match f.kind {
                        MeasureKind::Number { .. } => Measure::Number(1.0),
                        MeasureKind::Date => Measure::Date(past),
                    };
                    (f.key.clone(), m)
                })
                .collect(),
        ),
    }
}

/// A made-up SHA-256 in lower-case hex.
pub fn sha(n: usize) -> String {
    format!("{n:064x}")
}

pub fn all_checklists() -> Vec<fieldcheck_core::domain::template::TemplateRef> {
    checklists::bundled().iter().map(|t| t.reference()).collect()
}

/// The hazardous-waste storage checklist and a started inspection of enterprise 0 using it, with a
/// certified team: the state every submit test starts from.
pub fn start_hazardous_waste_inspection(
    f: &Fixture,
) -> (fieldcheck_core::domain::template::ChecklistTemplate, fieldcheck_core::domain::ids::InspectionId) {
    use fieldcheck_core::domain::inspection::InspectionKind;
    use fieldcheck_core::store::NewInspection;
    let hw = checklists::bundled().into_iter().find(|t| t.id == "hazardous_waste_storage").unwrap();
    let s = &f.store;
    let draft = s
        .create_inspection(&NewInspection {
            enterprise: f.county.enterprises[0].id,
            kind: InspectionKind::Routine,
            checklists: vec![hw.reference()],
            origin: None,
        })
        .unwrap();
    let (inspectors, recorder) = f.county.team();
    s.set_team(draft.id, inspectors, recorder).unwrap();
    s.start_inspection(draft.id, f.clock.now(), None, None).unwrap();
    (hw, draft.id)
}

/// Runs a complete hazardous-waste storage inspection at enterprise 0 with HW-01 failing (a general
/// finding: a task and a notice) and submits it.
pub fn submit_small_inspection(f: &Fixture) -> fieldcheck_core::protocol::SubmittedInspection {
    let draft = fill_small_inspection(f);
    f.store.submit_inspection(draft).unwrap()
}

/// As [`submit_small_inspection`], not submitted.
pub fn fill_small_inspection(f: &Fixture) -> InspectionId {
    use fieldcheck_core::domain::ids::EvidenceId;
    use fieldcheck_core::domain::template::ItemRef;
    use fieldcheck_core::store::Photo;
    let (hw, draft) = start_hazardous_waste_inspection(f);
    let s = &f.store;
    let day = f.clock.now().date_naive();
    for (n, it) in hw.items.iter().enumerate() {
        let item = ItemRef { template: hw.id.clone(), code: it.code.clone() };
        let value = if it.code == "HW-01" { AnswerValue::No } else { valid_answer(it, day) };
        s.answer(draft, item.clone(), value, None).unwrap();
        let photo = Photo { evidence: EvidenceId::new(), item: Some(item), sha256: sha(n), taken_at: f.clock.now() };
        s.attach_photo(draft, &photo).unwrap();
    }
    draft
}

/// A task of enterprise 0 issued by the colleague, in `state`.
pub fn task(f: &Fixture, state: TaskState, deadline_days: i64) -> RectificationTask {
    let e = &f.county.enterprises[0];
    RectificationTask {
        id: TaskId::new(),
        enterprise: e.id,
        township: e.township,
        inspection: InspectionId::new(),
        finding: FindingId::new(),
        severity: Severity::General,
        requirement: "危废标签补齐".into(),
        issued_by: f.county.colleague.id,
        issued_at: f.clock.now(),
        deadline: f.clock.now() + Duration::days(deadline_days),
        state,
        case_review: false,
        legal_basis: Vec::new(),
    }
}

/// An alarm at enterprise 1 for the officer's squadron, in `state`.
pub fn alarm(f: &Fixture, state: AlarmState) -> Alarm {
    Alarm {
        id: AlarmId::new(),
        enterprise: f.county.enterprises[1].id,
        kind: AlarmKind::Exceedance,
        monitoring_point: "DW001 总排口".into(),
        pollutant: "总磷".into(),
        value: 0.56,
        limit: 0.5,
        unit: "mg/L".into(),
        averaging: Averaging::Daily,
        level: Severity::Minor,
        state,
        raised_at: f.clock.now(),
        respond_by: f.clock.now() + Duration::hours(48),
        squadron: Some(f.county.squadron.id),
        assignee: None,
    }
}
