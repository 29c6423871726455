//! Today's work for the signed-in officer: alarms dispatched to them or their squadron and not yet
//! closed, re-inspections due in their jurisdiction, their unfinished inspections, and the inspections
//! drawn for them (双随机).

use super::codec::{from_json, millis, tag};
use super::error::StoreError;
use super::{Store, TaskListItem, session};
use crate::domain::alarm::{Alarm, AlarmState};
use crate::domain::inspection::{Inspection, InspectionState};
use crate::domain::organisation::Scope;
use crate::domain::rectification::{RectificationTask, TaskState};
use crate::domain::supervision::assignment::Assignment;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

/// What the home screen shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TodayWork {
    /// Dispatched or on-site alarms, most urgent response first.
    pub alarms: Vec<Alarm>,
    /// Tasks awaiting acceptance (proof submitted) or past their deadline, overdue first.
    pub reinspections: Vec<TaskListItem>,
    /// The user's drafts and inspections in progress, most recently touched first.
    pub inspections: Vec<Inspection>,
    /// Inspections drawn for the user (双随机) whose enterprise has no inspection submitted since the
    /// draw, soonest due first.
    pub assignments: Vec<Assignment>,
}

impl Store {
    /// Today's work for the signed-in user as of `now`.
    pub fn today(&self, now: DateTime<Utc>) -> Result<TodayWork, StoreError> {
        self.read(|conn| {
            let user = session::actor(conn)?;
            let me = user.id.to_string();
            let (squadron, townships) = match &user.scope {
                Scope::Squadron { squadron } => {
                    (Some(squadron.to_string()), squadron_townships(conn, &squadron.to_string())?)
                }
                Scope::Townships { townships } => (None, Some(townships.iter().map(|t| t.to_string()).collect())),
                Scope::County => (None, None),
                Scope::Enterprise { .. } => (None, Some(Vec::new())),
            };
            let county = matches!(user.scope, Scope::County);
            Ok(TodayWork {
                alarms: alarms(conn, &me, squadron.as_deref(), county)?,
                reinspections: reinspections(conn, townships, now)?,
                inspections: unfinished(conn, &me)?,
                assignments: assignments(conn, &me)?,
            })
        })
    }
}

fn squadron_townships(conn: &Connection, squadron: &str) -> Result<Option<Vec<String>>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT township FROM squadron_townships WHERE squadron = ?1")?;
    let rows = stmt.query_map([squadron], |r| r.get::<_, String>(0))?;
    Ok(Some(rows.collect::<Result<_, _>>()?))
}

fn alarms(conn: &Connection, me: &str, squadron: Option<&str>, county: bool) -> Result<Vec<Alarm>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT body FROM alarms
         WHERE state IN (?1, ?2) AND (?5 OR assignee = ?3 OR (?4 IS NOT NULL AND squadron = ?4))
         ORDER BY respond_by, id",
    )?;
    let rows = stmt
        .query_map(params![tag(&AlarmState::Dispatched)?, tag(&AlarmState::OnSite)?, me, squadron, county], |r| {
            r.get::<_, String>(0)
        })?;
    rows.map(|body| from_json("alarm", &body?)).collect()
}

/// `townships` None means the whole county.
fn reinspections(
    conn: &Connection,
    townships: Option<Vec<String>>,
    now: DateTime<Utc>,
) -> Result<Vec<TaskListItem>, StoreError> {
    let all = townships.is_none();
    let townships = serde_json::Value::from(townships.unwrap_or_default()).to_string();
    // SQL narrows to candidates; the domain decides what is overdue.
    let mut stmt = conn.prepare_cached(
        "SELECT body FROM tasks
         WHERE (?1 OR township IN (SELECT value FROM json_each(?2)))
           AND (state = ?3 OR (deadline < ?4 AND state <> ?5))
         ORDER BY deadline, id",
    )?;
    let rows = stmt.query_map(
        params![all, townships, tag(&TaskState::ProofSubmitted)?, millis(now), tag(&TaskState::Accepted)?],
        |r| r.get::<_, String>(0),
    )?;
    let mut items = Vec::new();
    for body in rows {
        let task: RectificationTask = from_json("task", &body?)?;
        let overdue = task.is_overdue(now);
        if overdue || task.state == TaskState::ProofSubmitted {
            items.push(TaskListItem { task, overdue });
        }
    }
    items.sort_by_key(|i| !i.overdue);
    Ok(items)
}

fn assignments(conn: &Connection, me: &str) -> Result<Vec<Assignment>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.body FROM assignments a WHERE a.officer = ?1 AND NOT EXISTS (
             SELECT 1 FROM inspections i WHERE i.enterprise = a.enterprise AND i.state = ?2
                 AND i.updated_at >= a.assigned_at)
         ORDER BY a.due_by, a.id",
    )?;
    let rows = stmt.query_map(params![me, tag(&InspectionState::Submitted)?], |r| r.get::<_, String>(0))?;
    rows.map(|body| from_json("assignment", &body?)).collect()
}

fn unfinished(conn: &Connection, me: &str) -> Result<Vec<Inspection>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT body FROM inspections WHERE created_by = ?1 AND state IN (?2, ?3) ORDER BY updated_at DESC, id",
    )?;
    let rows = stmt.query_map(params![me, tag(&InspectionState::Draft)?, tag(&InspectionState::InProgress)?], |r| {
        r.get::<_, String>(0)
    })?;
    rows.map(|body| from_json("inspection", &body?)).collect()
}
