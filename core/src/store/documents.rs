//! What the phone prints its documents from. Each submitted inspection is kept exactly as submitted (or
//! as the platform last sent it), so the record and its orders made here are the platform's, byte for
//! byte (`fieldcheck-documents` with the same inputs).

use super::codec::{from_json, to_json};
use super::error::StoreError;
use super::inspections::township_name;
use super::{Store, enterprises, tasks, templates};
use crate::domain::ids::{InspectionId, TaskId};
use crate::domain::organisation::Enterprise;
use crate::domain::rectification::{RectificationTask, TaskAction};
use crate::domain::signature::Signature;
use crate::domain::template::ChecklistTemplate;
use crate::evidence::Digest;
use crate::protocol::{SubmittedInspection, TaskEvent};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

/// What an inspection record is printed from.
pub struct RecordParts {
    pub submitted: SubmittedInspection,
    pub enterprise: Enterprise,
    pub township: String,
    pub templates: Vec<ChecklistTemplate>,
}

/// What a rectification order is printed from.
pub struct OrderParts {
    pub task: RectificationTask,
    pub enterprise: Enterprise,
    pub township: String,
    /// The issuing inspection's bundle root (unknown on the enterprise's phone).
    pub root: Option<Digest>,
    /// The enterprise's acknowledgement, if it signed.
    pub signatures: Vec<Signature>,
}

impl Store {
    /// The submitted inspection `id` and what its record needs.
    pub fn record_parts(&self, id: InspectionId) -> Result<RecordParts, StoreError> {
        self.read(|conn| {
            let submitted = submitted(conn, id)?
                .ok_or(StoreError::NotFound { entity: "submitted inspection", id: id.to_string() })?;
            let enterprise = enterprises::find(conn, submitted.inspection.enterprise)?.ok_or(StoreError::NotFound {
                entity: "enterprise",
                id: submitted.inspection.enterprise.to_string(),
            })?;
            let township = township_name(conn, &enterprise)?;
            let templates = templates::owned(&self.templates.installed(conn, &submitted.inspection.checklists)?);
            Ok(RecordParts { submitted, enterprise, township, templates })
        })
    }

    /// The task `id` and what its order needs (as the platform's `order_parts`).
    pub fn order_parts(&self, id: TaskId) -> Result<OrderParts, StoreError> {
        self.read(|conn| {
            let task = tasks::find(conn, id)?.ok_or(StoreError::NotFound { entity: "task", id: id.to_string() })?;
            let enterprise = enterprises::find(conn, task.enterprise)?
                .ok_or(StoreError::NotFound { entity: "enterprise", id: task.enterprise.to_string() })?;
            let township = township_name(conn, &enterprise)?;
            let issuing = submitted(conn, task.inspection)?;
            let root = issuing.and_then(|s| s.evidence.map(|ev| ev.chain.head().head));
            Ok(OrderParts {
                signatures: acknowledgement(conn, id)?.into_iter().collect(),
                task,
                enterprise,
                township,
                root,
            })
        })
    }
}

/// The latest signed acknowledgement among the task's events.
fn acknowledgement(conn: &Connection, task: TaskId) -> Result<Option<Signature>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT body FROM task_events WHERE task = ?1 ORDER BY at DESC, id DESC")?;
    let rows = stmt.query_map([task.to_string()], |r| r.get::<_, String>(0))?;
    for body in rows {
        let event: TaskEvent = from_json("task event", &body?)?;
        if let (TaskAction::Acknowledge, Some(sealed)) = (event.action, event.signature) {
            return Ok(Some(sealed.signature));
        }
    }
    Ok(None)
}

pub(crate) fn submitted(conn: &Connection, id: InspectionId) -> Result<Option<SubmittedInspection>, StoreError> {
    let body: Option<String> = conn
        .prepare_cached("SELECT body FROM submitted_records WHERE inspection = ?1")?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?;
    body.map(|b| from_json("submitted inspection", &b)).transpose()
}

/// Keeps `s` as submitted (the platform's copy replaces the phone's when pulled): `json`, its JSON as the
/// platform sent it, or else its own serialisation.
pub(crate) fn keep_submitted(
    tx: &Transaction<'_>,
    s: &SubmittedInspection,
    json: Option<&str>,
) -> Result<(), StoreError> {
    let body = match json {
        Some(json) => std::borrow::Cow::Borrowed(json),
        None => std::borrow::Cow::Owned(to_json(s)?),
    };
    tx.prepare_cached(
        "INSERT INTO submitted_records (inspection, body) VALUES (?1, ?2)
         ON CONFLICT (inspection) DO UPDATE SET body = excluded.body",
    )?
    .execute(params![s.inspection.id.to_string(), body])?;
    Ok(())
}
