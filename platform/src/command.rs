//! The monitoring side and the command centre: raise, grade (three-level linkage), dispatch and close
//! alarms; watch overdue tasks; see conflicts and the audit trail.

use crate::access::Reach;
use crate::db::{AuditRow, StoreError, Tx};
use crate::intents::{self, Actor, Failure, not_found};
use crate::records;
use chrono::{DateTime, Utc};
use fieldcheck_domain::alarm::{Alarm, ResponseLimits};
use fieldcheck_domain::capability::Action;
use fieldcheck_domain::decide::alarm as decide;
use fieldcheck_domain::finding::Severity;
use fieldcheck_domain::ids::{AlarmId, SquadronId, TownshipId};
use fieldcheck_domain::rectification::RectificationTask;
use fieldcheck_domain::supervision::monitoring::{rounded, shown, wire_number};
use fieldcheck_domain::text::Text;
use fieldcheck_protocol::{Entity, Record};
use serde::Serialize;
use std::collections::HashMap;

pub use fieldcheck_domain::decide::alarm::RaiseAlarm;

/// Raises an alarm with the suggested grade and the response deadline for the enterprise's class.
pub fn raise(tx: &mut dyn Tx, limits: &ResponseLimits, req: &RaiseAlarm, now: DateTime<Utc>) -> Result<Alarm, Failure> {
    let enterprise = records::enterprise(tx, req.enterprise)?.ok_or_else(|| not_found("enterprise"))?;
    let alarm = decide::raise(req, &enterprise, limits, now).map_err(intents::domain)?;
    records::save(tx, &Record::Alarm(alarm.clone()))?;
    tx.audit(&AuditRow {
        entity: "alarm".into(),
        id: alarm.id.to_string(),
        action: "raise".into(),
        from_state: None,
        to_state: Some(alarm.state.into()),
        user: "monitoring".into(),
        device: None,
        at: now,
        note: format!("{} {} {} (limit {})", alarm.pollutant, alarm.value, alarm.unit, alarm.limit),
    })?;
    Ok(alarm)
}

/// Grades a raised alarm and sets three-level linkage in motion: notices to the enterprise and its
/// township office; a serious alarm is dispatched at once.
pub fn grade(tx: &mut dyn Tx, actor: &Actor, id: AlarmId, level: Severity) -> Result<Alarm, Failure> {
    let alarm = intents::alarm::load_in_reach(tx, actor, id)?;
    let township =
        records::enterprise(tx, alarm.enterprise)?.map(|e| e.township).ok_or_else(|| not_found("enterprise"))?;
    let graded = decide::grade(&actor.reach.user, &alarm, township, level, actor.now).map_err(intents::domain)?;
    records::save(tx, &Record::Alarm(graded.alarm.clone()))?;
    tx.audit(&AuditRow {
        entity: "alarm".into(),
        id: alarm.id.to_string(),
        action: "grade".into(),
        from_state: Some(alarm.state.into()),
        to_state: Some(graded.alarm.state.into()),
        user: actor.reach.user.id.to_string(),
        device: actor.device.clone(),
        at: actor.now,
        note: level.as_str().into(),
    })?;
    if let Some(notice) = graded.notice {
        records::save(tx, &Record::Notice(notice))?;
    }
    if graded.dispatch {
        return intents::alarm::dispatch(tx, actor, id, None);
    }
    Ok(graded.alarm)
}

/// A grade the command centre may give, with what it sets in motion (three-level linkage).
#[derive(Serialize, utoipa::ToSchema)]
pub struct GradeOption {
    pub level: Severity,
    pub label: Text,
    pub linkage: Text,
}

fn grade_option(level: Severity) -> GradeOption {
    let linkage = level.linkage();
    let (mut zh, mut en) = (Vec::new(), Vec::new());
    if linkage.notify_enterprise || linkage.notify_township {
        zh.push("通知企业和属地");
        en.push("notify enterprise and township");
    }
    if Alarm::dispatches_on_grading(level) {
        zh.push("立即派单");
        en.push("dispatch at once");
    }
    GradeOption { level, label: level.label(), linkage: Text::new(zh.join("，"), en.join(", ")) }
}

/// An alarm as the console lists it: the record plus what the console shows but must not compute.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AlarmRow {
    #[serde(flatten)]
    pub alarm: Alarm,
    pub enterprise_name: String,
    pub township_name: String,
    pub squadron_name: Option<String>,
    pub overdue: bool,
    /// Seconds left to respond while a response is awaited; negative once overdue.
    pub seconds_left: Option<i64>,
    /// 超标倍数 (exceedance alarms only), computed in decimal and rounded to 0.01 (`0.12`).
    pub exceedance_multiple: Option<f64>,
    /// The same as shown, e.g. `"0.12"`.
    pub exceedance_shown: Option<String>,
    pub kind_label: Text,
    pub averaging_label: Text,
    pub level_label: Text,
    pub state_label: Text,
    /// What the caller may do now (`grade`, `dispatch`, `arrive`, `close`), from the capability table.
    pub actions: Vec<String>,
    /// The grades on offer when `grade` is allowed.
    pub grades: Vec<GradeOption>,
}

/// The alarms `reach` covers, newest first; `open_only` leaves out closed ones.
pub fn alarms(tx: &mut dyn Tx, reach: &Reach, now: DateTime<Utc>, open_only: bool) -> Result<Vec<AlarmRow>, Failure> {
    let names = Names::load(tx)?;
    let mut out = Vec::new();
    for alarm in records::load_all::<Alarm>(tx, Entity::Alarm)? {
        if open_only && !alarm.state.is_open() {
            continue;
        }
        if let Some(row) = alarm_row(tx, reach, now, &names, alarm)? {
            out.push(row);
        }
    }
    out.sort_by_key(|r| std::cmp::Reverse(r.alarm.raised_at));
    Ok(out)
}

/// Townships' and squadrons' names, for rows that show them.
pub struct Names {
    pub townships: HashMap<TownshipId, String>,
    pub squadrons: HashMap<SquadronId, String>,
}

impl Names {
    pub fn load(tx: &mut dyn Tx) -> Result<Names, StoreError> {
        Ok(Names {
            townships: records::townships(tx)?.into_iter().map(|t| (t.id, t.name)).collect(),
            squadrons: records::squadrons(tx)?.into_iter().map(|s| (s.id, s.name)).collect(),
        })
    }
}

/// An alarm's row, or `None` when its enterprise is unknown or `reach` does not cover it.
pub fn alarm_row(
    tx: &mut dyn Tx,
    reach: &Reach,
    now: DateTime<Utc>,
    names: &Names,
    alarm: Alarm,
) -> Result<Option<AlarmRow>, Failure> {
    let Some(e) = records::enterprise(tx, alarm.enterprise)? else { return Ok(None) };
    if !reach.covers_alarm(&alarm, e.township) {
        return Ok(None);
    }
    let actions = decide::actions(&alarm, reach.role);
    let grades = if decide::may_grade(&alarm, reach.role) {
        [Severity::Minor, Severity::General, Severity::Serious].into_iter().map(grade_option).collect()
    } else {
        Vec::new()
    };
    Ok(Some(AlarmRow {
        enterprise_name: e.name,
        township_name: names.townships.get(&e.township).cloned().unwrap_or_default(),
        squadron_name: alarm.squadron.and_then(|s| names.squadrons.get(&s).cloned()),
        overdue: alarm.is_overdue(now),
        seconds_left: alarm.time_left(now).map(|d| d.num_seconds()),
        exceedance_multiple: alarm.exact_multiple().map(|m| wire_number(rounded(m))),
        exceedance_shown: alarm.exact_multiple().map(shown),
        kind_label: alarm.kind.label(),
        averaging_label: alarm.averaging.label(),
        level_label: alarm.level.label(),
        state_label: alarm.state.label(),
        actions,
        grades,
        alarm,
    }))
}

/// A task as the console lists it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TaskRow {
    #[serde(flatten)]
    pub task: RectificationTask,
    pub enterprise_name: String,
    pub overdue: bool,
    /// Seconds left while the enterprise owes an answer; negative once overdue.
    pub seconds_left: Option<i64>,
    pub state_label: Text,
    pub severity_label: Text,
    /// What the caller may do now (`acknowledge`, `submit_proof`, `accept`, `reject`), from the
    /// capability table and the task's state machine.
    pub actions: Vec<String>,
}

/// The tasks `reach` covers that `keep` selects: overdue first, then by deadline.
pub fn tasks(
    tx: &mut dyn Tx,
    reach: &Reach,
    now: DateTime<Utc>,
    keep: impl Fn(&RectificationTask) -> bool,
) -> Result<Vec<TaskRow>, Failure> {
    let mut out = Vec::new();
    for task in records::load_all::<RectificationTask>(tx, Entity::Task)? {
        if keep(&task) && reach.covers_task(&task) {
            out.push(task_row(tx, reach, now, task)?);
        }
    }
    out.sort_by_key(|r| (!r.overdue, r.task.deadline));
    Ok(out)
}

/// A task's row (the caller checked `reach` covers it).
pub fn task_row(
    tx: &mut dyn Tx,
    reach: &Reach,
    now: DateTime<Utc>,
    task: RectificationTask,
) -> Result<TaskRow, Failure> {
    let name = records::enterprise(tx, task.enterprise)?.map(|e| e.name).unwrap_or_default();
    Ok(TaskRow {
        enterprise_name: name,
        overdue: task.is_overdue(now),
        seconds_left: task.time_left(now).map(|d| d.num_seconds()),
        state_label: task.state.label(),
        severity_label: task.severity.label(),
        actions: task.state.actions_for(reach.role).into_iter().map(|a| Action::Task(a).name()).collect(),
        task,
    })
}

pub fn overdue_tasks(tx: &mut dyn Tx, reach: &Reach, now: DateTime<Utc>) -> Result<Vec<TaskRow>, Failure> {
    tasks(tx, reach, now, |t| t.is_overdue(now))
}
