//! Alarms: raised by the monitoring side, graded and dispatched by the command centre, answered on site
//! and closed with feedback. Each step is decided here, for the phone and the platform alike.

use crate::DomainError;
use crate::alarm::{Alarm, AlarmAction, AlarmKind, AlarmState, Averaging, ResponseLimits, suggested_level};
use crate::bounded;
use crate::capability::{self, Action};
use crate::finding::Severity;
use crate::geo::GeoFix;
use crate::ids::{AlarmId, EvidenceId, NoticeId, TownshipId};
use crate::limits::{LABEL_CHARS, STEP_PHOTOS, TEXT_CHARS};
use crate::notice::{Notice, NoticeSubject};
use crate::organisation::{Enterprise, Role, Scope, Squadron, User};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// How far back the monitoring side may date an alarm.
const BACKDATE_DAYS: i64 = 366;

/// What the monitoring platform reports.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RaiseAlarm {
    pub enterprise: crate::ids::EnterpriseId,
    pub kind: AlarmKind,
    pub monitoring_point: String,
    pub pollutant: String,
    pub value: f64,
    pub limit: f64,
    pub unit: String,
    pub averaging: Averaging,
    /// When the monitoring side saw it; defaults to now.
    #[serde(default)]
    pub raised_at: Option<DateTime<Utc>>,
}

/// Raises an alarm with the suggested grade and the response deadline for the enterprise's class.
pub fn raise(
    req: &RaiseAlarm,
    enterprise: &Enterprise,
    limits: &ResponseLimits,
    now: DateTime<Utc>,
) -> Result<Alarm, DomainError> {
    let value = bounded::measure("value", req.value)?;
    let limit = bounded::measure("limit", req.limit)?;
    if limit <= 0.0 {
        return Err(DomainError::Invalid {
            field: "limit".into(), reason: "must be above zero / 限值须大于零".into()
        });
    }
    let raised_at = req.raised_at.unwrap_or(now).min(now);
    if raised_at < now - Duration::days(BACKDATE_DAYS) {
        let reason = format!("more than {BACKDATE_DAYS} days ago / 早于{BACKDATE_DAYS}天前");
        return Err(DomainError::Invalid { field: "raised_at".into(), reason });
    }
    Ok(Alarm {
        id: AlarmId::new(),
        enterprise: enterprise.id,
        kind: req.kind,
        monitoring_point: bounded::required_text("monitoring_point", &req.monitoring_point, LABEL_CHARS)?,
        pollutant: bounded::required_text("pollutant", &req.pollutant, LABEL_CHARS)?,
        value,
        limit,
        unit: bounded::text("unit", &req.unit, LABEL_CHARS)?,
        averaging: req.averaging,
        level: suggested_level(req.kind, value, limit),
        state: AlarmState::Raised,
        raised_at,
        respond_by: limits.deadline(raised_at, enterprise.flags),
        squadron: None,
        assignee: None,
    })
}

/// What grading decides: the graded alarm, the notice three-level linkage sends, and whether the
/// alarm is dispatched at once.
#[derive(Clone, Debug, PartialEq)]
pub struct Graded {
    pub alarm: Alarm,
    pub notice: Option<Notice>,
    pub dispatch: bool,
}

/// Grades a raised alarm: notices to the enterprise and its township office; serious ones are
/// dispatched at once ([`Alarm::dispatches_on_grading`]).
pub fn grade(
    actor: &User,
    alarm: &Alarm,
    township: TownshipId,
    level: Severity,
    now: DateTime<Utc>,
) -> Result<Graded, DomainError> {
    capability::require(actor.role, Action::GradeAlarm)?;
    if !may_grade(alarm, actor.role) {
        return Err(DomainError::WrongState {
            entity: "alarm",
            action: "grade".into(),
            state: format!("{:?}", alarm.state),
        });
    }
    let mut graded = alarm.clone();
    graded.level = level;
    let linkage = level.linkage();
    let notice = (linkage.notify_enterprise || linkage.notify_township).then(|| Notice {
        id: NoticeId::new(),
        enterprise: alarm.enterprise,
        township,
        subject: NoticeSubject::Alarm(alarm.id),
        message: notice_text(&graded),
        sent_at: now,
        read_at: None,
    });
    Ok(Graded { alarm: graded, notice, dispatch: Alarm::dispatches_on_grading(level) })
}

/// Whether `role` may grade `alarm` now: the capability, and only while raised.
pub fn may_grade(alarm: &Alarm, role: Role) -> bool {
    capability::may(role, Action::GradeAlarm) && alarm.state == AlarmState::Raised
}

fn notice_text(a: &Alarm) -> String {
    let averaging = a.averaging.label().both();
    format!(
        "在线监测报警：{point} {pollutant} {averaging} {value} {unit}，限值 {limit} {unit}。请立即核查并整改。\
         / Online-monitoring alarm at {point}: {pollutant} {value} {unit} over the {limit} {unit} limit.",
        point = a.monitoring_point,
        pollutant = a.pollutant,
        value = a.value,
        unit = a.unit,
        limit = a.limit,
    )
}

/// Dispatches to the squadron covering the enterprise's `township`, optionally to one of its officers
/// (`assignee`, with the stored user it names if there is one).
pub fn dispatch(
    actor: &User,
    alarm: &Alarm,
    township: TownshipId,
    squadrons: &[Squadron],
    assignee: Option<(crate::ids::UserId, Option<&User>)>,
) -> Result<Alarm, DomainError> {
    let mut next = alarm.clone();
    next.state = step(actor, alarm, AlarmAction::Dispatch)?;
    let squadron = squadrons.iter().find(|s| s.townships.contains(&township)).ok_or_else(|| DomainError::Invalid {
        field: "township".into(),
        reason: "no squadron covers this enterprise's township / 无执法中队负责该乡镇".into(),
    })?;
    if let Some((id, user)) = assignee {
        let in_squadron = user.is_some_and(|u| {
            u.id == id && u.role == Role::Officer && u.scope == Scope::Squadron { squadron: squadron.id }
        });
        if !in_squadron {
            let reason = "not an officer of the covering squadron / 不是负责中队的执法人员".into();
            return Err(DomainError::Invalid { field: "assignee".into(), reason });
        }
    }
    next.squadron = Some(squadron.id);
    next.assignee = assignee.map(|(id, _)| id);
    Ok(next)
}

/// An officer arrives on site; the first to arrive becomes the assignee if none was named.
pub fn arrive(actor: &User, alarm: &Alarm, location: Option<&GeoFix>) -> Result<Alarm, DomainError> {
    if let Some(fix) = location {
        fix.validate()?;
    }
    let mut next = alarm.clone();
    next.state = step(actor, alarm, AlarmAction::Arrive)?;
    next.assignee.get_or_insert(actor.id);
    Ok(next)
}

/// What closing decides: the closed alarm, the feedback and the photos it archives.
#[derive(Clone, Debug, PartialEq)]
pub struct Closed {
    pub alarm: Alarm,
    pub from: AlarmState,
    pub feedback: String,
    pub evidence: Vec<EvidenceId>,
}

/// Closes with feedback, always required (an archived closure says why), and the photos it cites.
pub fn close(actor: &User, alarm: &Alarm, feedback: &str, evidence: &[EvidenceId]) -> Result<Closed, DomainError> {
    let feedback = bounded::required_text("feedback", feedback, TEXT_CHARS)?;
    bounded::distinct("photos", evidence.iter(), STEP_PHOTOS)?;
    alarm.check_close(actor.role)?;
    let mut next = alarm.clone();
    next.state = step(actor, alarm, AlarmAction::Close)?;
    Ok(Closed { alarm: next, from: alarm.state, feedback, evidence: evidence.to_vec() })
}

fn step(actor: &User, alarm: &Alarm, action: AlarmAction) -> Result<AlarmState, DomainError> {
    capability::require(actor.role, Action::Alarm(action))?;
    alarm.state.after(action, actor.role)
}

/// The actions `role` may take on `alarm` now, by name, as rows and buttons carry them.
pub fn actions(alarm: &Alarm, role: Role) -> Vec<String> {
    let mut out = Vec::new();
    if may_grade(alarm, role) {
        out.push(Action::GradeAlarm.name());
    }
    out.extend(alarm.actions_for(role).into_iter().map(|a| Action::Alarm(a).name()));
    out
}
