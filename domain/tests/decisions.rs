//! The decision functions at and past every limit: each hostile value is refused with a reason, fast,
//! and nothing panics. These are the cases an outside probe found on the phone and the platform.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use fieldcheck_domain::DomainError;
use fieldcheck_domain::alarm::{Alarm, AlarmKind, AlarmState, Averaging, ResponseLimits};
use fieldcheck_domain::answer::{Answer, AnswerValue, assess};
use fieldcheck_domain::checklists;
use fieldcheck_domain::credit_code::CreditCode;
use fieldcheck_domain::decide::{alarm, enterprise, inspection, task};
use fieldcheck_domain::error::RejectCode;
use fieldcheck_domain::finding::{Finding, Severity};
use fieldcheck_domain::ids::{EnterpriseId, EvidenceId, FindingId, InspectionId, TaskId, TownshipId, UserId};
use fieldcheck_domain::inspection::{Inspection, InspectionKind, Inspector};
use fieldcheck_domain::limits;
use fieldcheck_domain::organisation::{Enterprise, Role, Scope, User};
use fieldcheck_domain::rectification::{RectificationTask, TaskAction, TaskState};
use fieldcheck_domain::template::{AnswerSpec, ChecklistTemplate, ItemRef};

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-03T02:00:00Z").unwrap().with_timezone(&Utc)
}

fn user(role: Role) -> User {
    let scope = match role {
        Role::Commander => Scope::County,
        Role::Officer => Scope::Squadron { squadron: Default::default() },
        Role::Township => Scope::Townships { townships: vec![] },
        Role::Enterprise => Scope::Enterprise { enterprise: EnterpriseId::new() },
    };
    User {
        id: UserId::new(),
        login: "u".into(),
        name: "王五".into(),
        role,
        scope,
        certificate_no: Some("330784001".into()),
    }
}

fn company() -> Enterprise {
    Enterprise {
        id: EnterpriseId::new(),
        name: "永康市东城五金厂".into(),
        credit_code: CreditCode::complete("91330784MA2A00001").unwrap(),
        township: TownshipId::new(),
        address: "东城街道".into(),
        location: None,
        legal_representative: String::new(),
        contact: Default::default(),
        flags: Default::default(),
    }
}

#[test]
fn one_limit_for_an_enterprise_field_on_phone_and_platform() {
    let e = company();
    let officer = user(Role::Officer);
    let edit = |value: &str| enterprise::edit(&officer, &e, enterprise::EnterpriseField::Address, &e.address, value);
    let at_limit = "址".repeat(limits::FIELD_CHARS);
    assert!(matches!(edit(&format!("  {at_limit}  ")), Ok(enterprise::Edit::Applied(_))), "trimmed to the limit");
    let past = edit(&"址".repeat(limits::FIELD_CHARS + 1)).unwrap_err();
    assert_eq!(past.code(), RejectCode::Invalid);
    // A huge base is refused, not stored in a conflict.
    let huge = "x".repeat(4 << 20);
    let err = enterprise::edit(&officer, &e, enterprise::EnterpriseField::Address, &huge, "新地址").unwrap_err();
    assert_eq!(err, DomainError::TooLong { field: "base".into(), max: limits::FIELD_CHARS });
    // A stale base conflicts and keeps the losing value.
    let stale = enterprise::edit(&officer, &e, enterprise::EnterpriseField::Address, "旧", "新").unwrap();
    assert_eq!(stale, enterprise::Edit::Conflict { current: e.address.clone(), lost: "新".into() });
}

#[test]
fn dates_at_the_ends_of_the_calendar_are_refused_not_a_panic() {
    let template = emergency();
    let dated = template.items.iter().find(|i| matches!(i.answer, AnswerSpec::Date { .. })).expect("a date item");
    let day = now().date_naive();
    for bad in [NaiveDate::MAX, NaiveDate::MIN, NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()] {
        assert!(assess(dated, &AnswerValue::Date(bad), day).is_err(), "{bad}");
        // The inspection itself on the last day of the calendar.
        assert!(assess(dated, &AnswerValue::Date(day), NaiveDate::MAX).is_ok());
    }
}

#[test]
fn the_same_checklist_twice_is_refused_before_any_rule_runs() {
    let (officer, partner, e) = (user(Role::Officer), user(Role::Officer), company());
    let template = emergency();
    let mut record = started(&e, &officer, &partner, &template);
    record.checklists = vec![template.reference(); 3];
    let err = decide(&officer, &e, &template, &record, &[], &[]).unwrap_err();
    assert_eq!(err, DomainError::Duplicate { what: "checklists".into() });
    for n in [20, 100_000] {
        record.checklists = vec![template.reference(); n];
        let err = decide(&officer, &e, &template, &record, &[], &[]).unwrap_err();
        assert_eq!(err, DomainError::TooMany { what: "checklists".into(), max: limits::CHECKLISTS });
    }
}

#[test]
fn a_submission_derives_its_tasks_and_the_platform_adopts_only_the_same() {
    let (officer, partner, e) = (user(Role::Officer), user(Role::Officer), company());
    let template = emergency();
    let record = started(&e, &officer, &partner, &template);
    let (answers, findings) = answers_with_one_failure(&record, &template);
    let at = now();
    let decided = decide(&officer, &e, &template, &record, &answers, &findings).expect("submittable");
    assert_eq!(decided.linked.tasks.len(), 1);
    assert_eq!(decided.linked.tasks[0].deadline - at, Duration::days(10));

    // The platform re-decides from the frozen record and adopts the phone's ids.
    let (open, ended) = inspection::unfrozen(&decided.inspection, &answers, &findings).unwrap();
    let again = decide_at(&officer, &e, &template, &open, &answers, &findings, ended).unwrap();
    let mut phone = decided.linked.clone();
    phone.tasks[0].id = TaskId::new();
    let adopted = inspection::adopt_ids(again.linked.clone(), &phone.tasks, &phone.notices).unwrap();
    assert_eq!(adopted, phone);
    // Any other deadline, severity or extra task is refused.
    let mut longer = phone.clone();
    longer.tasks[0].deadline += Duration::days(1);
    assert!(inspection::adopt_ids(again.linked.clone(), &longer.tasks, &longer.notices).is_err());
    let mut extra = phone.clone();
    extra.tasks.push(RectificationTask { id: TaskId::new(), ..phone.tasks[0].clone() });
    assert!(inspection::adopt_ids(again.linked.clone(), &extra.tasks, &extra.notices).is_err());
    assert!(inspection::adopt_ids(again.linked, &[], &phone.notices).is_err());
}

#[test]
fn device_times_far_from_the_deciders_clock_are_refused() {
    let (officer, partner, e) = (user(Role::Officer), user(Role::Officer), company());
    let template = emergency();
    let record = started(&e, &officer, &partner, &template);
    let (answers, findings) = answers_with_one_failure(&record, &template);
    let future = now() + Duration::days(3);
    assert!(decide_at(&officer, &e, &template, &record, &answers, &findings, future).is_err());
}

#[test]
fn closing_an_alarm_always_needs_feedback_and_arriving_names_the_assignee() {
    let officer = user(Role::Officer);
    let mut a = sample_alarm();
    a.state = AlarmState::OnSite;
    for blank in ["", "   "] {
        assert_eq!(
            alarm::close(&officer, &a, blank, &[]).unwrap_err(),
            DomainError::Blank { field: "feedback".into() }
        );
    }
    let long = "长".repeat(limits::TEXT_CHARS + 1);
    assert!(alarm::close(&officer, &a, &long, &[]).is_err());
    let photo = EvidenceId::new();
    assert!(alarm::close(&officer, &a, "已恢复", &[photo, photo]).is_err(), "a photo cited twice");
    assert_eq!(alarm::close(&officer, &a, " 已恢复 ", &[]).unwrap().feedback, "已恢复");

    a.state = AlarmState::Dispatched;
    let arrived = alarm::arrive(&officer, &a, None).unwrap();
    assert_eq!((arrived.state, arrived.assignee), (AlarmState::OnSite, Some(officer.id)));
}

#[test]
fn raising_refuses_values_out_of_range_and_only_the_command_centre_grades() {
    let e = company();
    let req = |value: f64, limit: f64| alarm::RaiseAlarm {
        enterprise: e.id,
        kind: AlarmKind::Exceedance,
        monitoring_point: "DW001".into(),
        pollutant: "总磷".into(),
        value,
        limit,
        unit: "mg/L".into(),
        averaging: Averaging::Daily,
        raised_at: None,
    };
    let limits = ResponseLimits::default();
    for (v, l) in [(f64::NAN, 0.5), (0.56, 0.0), (0.56, f64::INFINITY), (-1.0, 0.5), (1e300, 0.5)] {
        assert!(alarm::raise(&req(v, l), &e, &limits, now()).is_err(), "{v} / {l}");
    }
    let raised = alarm::raise(&req(0.56, 0.5), &e, &limits, now()).unwrap();
    for role in [Role::Officer, Role::Township, Role::Enterprise] {
        let err = alarm::grade(&user(role), &raised, e.township, Severity::General, now()).unwrap_err();
        assert_eq!(err.code(), RejectCode::Forbidden);
    }
    let graded = alarm::grade(&user(Role::Commander), &raised, e.township, Severity::Serious, now()).unwrap();
    assert!(graded.dispatch && graded.notice.is_some());
    assert_eq!(alarm::actions(&raised, Role::Commander), ["grade", "dispatch", "close"]);
}

#[test]
fn task_steps_bound_their_note_and_photos() {
    let t = RectificationTask {
        id: TaskId::new(),
        enterprise: EnterpriseId::new(),
        township: TownshipId::new(),
        inspection: InspectionId::new(),
        finding: FindingId::new(),
        severity: Severity::General,
        requirement: "整改".into(),
        issued_by: UserId::new(),
        issued_at: now(),
        deadline: now() + Duration::days(30),
        state: TaskState::Issued,
        case_review: false,
        legal_basis: Vec::new(),
    };
    let firm = user(Role::Enterprise);
    let long = "x".repeat(limits::TEXT_CHARS + 1);
    assert!(task::transition(&firm, &t, TaskAction::Acknowledge, &long, &[]).is_err());
    let many: Vec<EvidenceId> = (0..=limits::STEP_PHOTOS).map(|_| EvidenceId::new()).collect();
    assert!(task::transition(&firm, &t, TaskAction::Acknowledge, "", &many).is_err());
    let err = task::transition(&firm, &t, TaskAction::Accept, "", &[]).unwrap_err();
    assert_eq!(err.code(), RejectCode::Forbidden);
    assert_eq!(
        task::transition(&firm, &t, TaskAction::Acknowledge, "收到", &[]).unwrap().task.state,
        TaskState::Acknowledged
    );
}

// ---- fixtures ------------------------------------------------------------------------------------

fn emergency() -> ChecklistTemplate {
    checklists::bundled().into_iter().find(|t| t.id == "emergency_preparedness").unwrap()
}

fn started(e: &Enterprise, by: &User, partner: &User, template: &ChecklistTemplate) -> Inspection {
    let who = |u: &User| Inspector { user: u.id, name: u.name.clone(), certificate_no: "330784001".into() };
    let mut record = Inspection::draft(e.id, InspectionKind::NightSpotCheck, vec![template.reference()], by.id);
    record.inspectors = vec![who(by), who(partner)];
    record.recorder = Some(who(partner));
    record.start(now() - Duration::hours(1), None, None).unwrap();
    record
}

fn answers_with_one_failure(record: &Inspection, template: &ChecklistTemplate) -> (Vec<Answer>, Vec<Finding>) {
    let day = now().date_naive() - Duration::days(30);
    let failed = template.items.iter().find(|i| matches!(i.answer, AnswerSpec::YesNo)).unwrap();
    let answers = template
        .items
        .iter()
        .map(|item| Answer {
            item: ItemRef { template: template.id.clone(), code: item.code.clone() },
            value: if item.code == failed.code { AnswerValue::No } else { fixture_answer(&item.answer, day) },
            note: None,
            answered_at: now(),
        })
        .collect();
    let finding = Finding {
        id: FindingId::new(),
        inspection: record.id,
        item: Some(ItemRef { template: template.id.clone(), code: failed.code.clone() }),
        severity: Severity::General,
        description: "应急物资不足".into(),
        legal_basis: vec![],
        deadline_days: Some(10),
    };
    (answers, vec![finding])
}

fn fixture_answer(spec: &AnswerSpec, day: NaiveDate) -> AnswerValue {
    use fieldcheck_domain::answer::Measure;
    use fieldcheck_domain::template::MeasureKind;
    match spec {
        AnswerSpec::YesNo | AnswerSpec::YesNoNa => AnswerValue::Yes,
        AnswerSpec::Number { .. } => AnswerValue::Number(0.0),
        AnswerSpec::Text => AnswerValue::Text("备案号 330784".into()),
        AnswerSpec::Date { .. } => AnswerValue::Date(day),
        AnswerSpec::Choice { options } => AnswerValue::Choice(options[0].code.clone()),
        AnswerSpec::Measures { fields, .. } => AnswerValue::Measures(
            fields
                .iter()
                .map(|f| {
                    let m = match f.kind {
                        MeasureKind::Date => Measure::Date(day),
                        MeasureKind::Number { .. } => Measure::Number(1.0),
                    };
                    (f.key.clone(), m)
                })
                .collect(),
        ),
    }
}

fn decide(
    actor: &User,
    e: &Enterprise,
    template: &ChecklistTemplate,
    record: &Inspection,
    answers: &[Answer],
    findings: &[Finding],
) -> Result<inspection::Submission, DomainError> {
    decide_at(actor, e, template, record, answers, findings, now())
}

fn decide_at(
    actor: &User,
    e: &Enterprise,
    template: &ChecklistTemplate,
    record: &Inspection,
    answers: &[Answer],
    findings: &[Finding],
    at: DateTime<Utc>,
) -> Result<inspection::Submission, DomainError> {
    let ctx = inspection::Context {
        actor,
        enterprise: e,
        templates: std::slice::from_ref(template),
        photos: None,
        corrected_known: true,
        now: now(),
    };
    inspection::submit(&ctx, record, answers, findings, at)
}

fn sample_alarm() -> Alarm {
    Alarm {
        id: Default::default(),
        enterprise: EnterpriseId::new(),
        kind: AlarmKind::Exceedance,
        monitoring_point: "DW001".into(),
        pollutant: "总磷".into(),
        value: 0.56,
        limit: 0.5,
        unit: "mg/L".into(),
        averaging: Averaging::Daily,
        level: Severity::Minor,
        state: AlarmState::Raised,
        raised_at: now(),
        respond_by: now() + Duration::hours(48),
        squadron: None,
        assignee: None,
    }
}
