//! Rectification tasks on the device: transitions by the signed-in user (checked by the domain's
//! state machine, written optimistically with a local audit event, sent as `task.transition`), and
//! the list a phone shows, overdue first.

use super::codec::{from_json, millis, tag, to_json};
use super::error::StoreError;
use super::optimistic::{self, Source};
use super::{Store, case_evidence, enterprises, outbox, session};
use crate::domain::decide::task as decide;
use crate::domain::ids::{EnterpriseId, EvidenceId, TaskId};
use crate::domain::rectification::{RectificationTask, TaskAction, TaskState};
use crate::domain::signature::{ReadBack, Signature};
use crate::evidence::Case;
use crate::protocol::{Intent, SealedSignature, TaskEvent};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

/// Which tasks to list.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TaskFilter {
    /// Only these states (all when empty).
    pub states: Vec<TaskState>,
    pub enterprise: Option<EnterpriseId>,
}

/// A task as a list shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskListItem {
    pub task: RectificationTask,
    pub overdue: bool,
}

impl Store {
    /// One task, if on this device.
    pub fn task(&self, id: TaskId) -> Result<Option<RectificationTask>, StoreError> {
        self.read(|conn| find(conn, id))
    }

    /// Tasks matching `filter`: overdue ones first, then by deadline, soonest first.
    pub fn tasks(&self, filter: &TaskFilter, now: DateTime<Utc>) -> Result<Vec<TaskListItem>, StoreError> {
        let states: Vec<String> = filter.states.iter().map(tag).collect::<Result<_, _>>()?;
        let states_json = serde_json::Value::from(states).to_string();
        let mut items = self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT body FROM tasks
                 WHERE (?1 = '[]' OR state IN (SELECT value FROM json_each(?1)))
                   AND (?2 IS NULL OR enterprise = ?2)
                 ORDER BY deadline, id",
            )?;
            let rows = stmt
                .query_map(params![states_json, filter.enterprise.map(|e| e.to_string())], |r| r.get::<_, String>(0))?;
            rows.map(|body| {
                let task: RectificationTask = from_json("task", &body?)?;
                Ok(TaskListItem { overdue: task.is_overdue(now), task })
            })
            .collect::<Result<Vec<_>, StoreError>>()
        })?;
        // Stable: within each group the deadline order from SQL stays.
        items.sort_by_key(|i| !i.overdue);
        Ok(items)
    }

    /// A task's timeline, oldest first (the platform's events plus unconfirmed local ones).
    pub fn task_events(&self, task: TaskId) -> Result<Vec<TaskEvent>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached("SELECT body FROM task_events WHERE task = ?1 ORDER BY at, id")?;
            let rows = stmt.query_map([task.to_string()], |r| r.get::<_, String>(0))?;
            rows.map(|body| from_json("task event", &body?)).collect()
        })
    }

    /// The signed-in user moves a task (e.g. an officer accepts the proof). The role check is the
    /// domain's; the new state is written at once and confirmed or corrected by the next pull. Cited
    /// `evidence` must be photos of this task taken here; they travel as a chain sealed by the device.
    pub fn transition_task(
        &self,
        id: TaskId,
        action: TaskAction,
        note: &str,
        evidence: Vec<EvidenceId>,
    ) -> Result<RectificationTask, StoreError> {
        self.step(id, action, note, evidence, None)
    }

    /// The order of a task as it is read back to the enterprise before it signs for it (the text the
    /// platform's order prints, without the signature).
    pub fn order_read_back(&self, id: TaskId) -> Result<ReadBack, StoreError> {
        self.read(|conn| order_read_back(conn, id))
    }

    /// Who may sign for the order of task `id` on this phone, its legal representative first: the rule
    /// the acknowledgement is decided by (`decide::task::acknowledgement_signers`).
    pub fn order_signers(&self, id: TaskId) -> Result<Vec<String>, StoreError> {
        self.read(|conn| {
            let actor = session::actor(conn)?;
            let task = find(conn, id)?.ok_or(StoreError::NotFound { entity: "task", id: id.to_string() })?;
            let enterprise = enterprises::find(conn, task.enterprise)?
                .ok_or(StoreError::NotFound { entity: "enterprise", id: task.enterprise.to_string() })?;
            Ok(decide::acknowledgement_signers(&actor, &enterprise))
        })
    }

    /// The enterprise acknowledges its order with a signature (or a refusal noted with its witness) over
    /// [`Store::order_read_back`]: decided as the platform decides it (`decide::task::acknowledgement`),
    /// sealed by the device with the cited photos (an empty chain when none), kept with the step.
    pub fn acknowledge_signed(
        &self,
        id: TaskId,
        note: &str,
        evidence: Vec<EvidenceId>,
        signature: Signature,
    ) -> Result<RectificationTask, StoreError> {
        self.step(id, TaskAction::Acknowledge, note, evidence, Some(signature))
    }

    fn step(
        &self,
        id: TaskId,
        action: TaskAction,
        note: &str,
        evidence: Vec<EvidenceId>,
        signature: Option<Signature>,
    ) -> Result<RectificationTask, StoreError> {
        let now = self.now();
        let signer = if evidence.is_empty() && signature.is_none() { None } else { Some(self.signer()?) };
        self.write(|tx| {
            let actor = session::actor(tx)?;
            let before = find(tx, id)?.ok_or(StoreError::NotFound { entity: "task", id: id.to_string() })?;
            let decide::Step { task, note, evidence, .. } =
                decide::transition(&actor, &before, action, note, &evidence)?;
            let (proof, signature) = match signature {
                None => (case_evidence::proof(tx, Case::Task(id), &evidence, signer.as_deref(), now)?, None),
                Some(s) => {
                    let enterprise = enterprises::find(tx, before.enterprise)?
                        .ok_or(StoreError::NotFound { entity: "enterprise", id: before.enterprise.to_string() })?;
                    let read_back = order_read_back(tx, id)?.sha256;
                    let s = decide::acknowledgement(&actor, &before, action, &enterprise, s, &read_back)?;
                    let sealed = case_evidence::sealed(
                        tx,
                        Case::Task(id),
                        &evidence,
                        signer.as_deref(),
                        now,
                        std::slice::from_ref(&s),
                    )?;
                    let seal = sealed.seal.clone();
                    (Some(sealed), Some(Box::new(SealedSignature { signature: s, seal })))
                }
            };
            let photos = proof.as_ref().map(|p| p.step_photos()).unwrap_or_default();
            let intent = Intent::TaskTransition {
                task: id,
                action,
                note: note.clone(),
                evidence: evidence.clone(),
                proof,
                signature: signature.as_ref().map(|s| s.signature.clone()),
            };
            let mutation = outbox::append(tx, now, intent)?;
            let seq = outbox::seq_param(&mutation);
            case_evidence::cite(tx, &evidence, seq)?;
            upsert(tx, &task, Source::Local(seq))?;
            let event = TaskEvent {
                id: uuid::Uuid::now_v7(),
                task: id,
                action,
                by: actor.id,
                by_name: actor.name,
                note,
                evidence,
                at: now,
                photos,
                signature,
            };
            upsert_event(tx, &event, Some(seq))?;
            Ok(task)
        })
    }
}

/// The order's read-back from what this device holds: the task, its enterprise and township name.
fn order_read_back(conn: &Connection, id: TaskId) -> Result<ReadBack, StoreError> {
    let task = find(conn, id)?.ok_or(StoreError::NotFound { entity: "task", id: id.to_string() })?;
    let enterprise = enterprises::find(conn, task.enterprise)?
        .ok_or(StoreError::NotFound { entity: "enterprise", id: task.enterprise.to_string() })?;
    let township = super::inspections::township_name(conn, &enterprise)?;
    let input = fieldcheck_documents::OrderInput {
        task: &task,
        enterprise: &enterprise,
        township: &township,
        bundle_root: None,
        signatures: &[],
    };
    Ok(fieldcheck_documents::order_read_back(&input))
}

pub(crate) fn find(conn: &Connection, id: TaskId) -> Result<Option<RectificationTask>, StoreError> {
    let body: Option<String> = conn
        .prepare_cached("SELECT body FROM tasks WHERE id = ?1")?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?;
    body.map(|b| from_json("task", &b)).transpose()
}

/// Inserts or updates a task, from the platform or as a local change (see [`optimistic`]).
pub(crate) fn upsert(tx: &Transaction<'_>, t: &RectificationTask, source: Source) -> Result<(), StoreError> {
    let body = to_json(t)?;
    if source == Source::Pulled && optimistic::hold(tx, "tasks", &t.id.to_string(), &body)? {
        return Ok(());
    }
    tx.prepare_cached(&format!(
        "INSERT INTO tasks (id, enterprise, township, inspection, state, deadline, body, pending_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (id) DO UPDATE SET enterprise = excluded.enterprise, township = excluded.township,
             inspection = excluded.inspection, state = excluded.state, deadline = excluded.deadline,
             body = excluded.body, {}",
        optimistic::on_conflict_keep_server("tasks")
    ))?
    .execute(params![
        t.id.to_string(),
        t.enterprise.to_string(),
        t.township.to_string(),
        t.inspection.to_string(),
        tag(&t.state)?,
        millis(t.deadline),
        body,
        source.pending_seq()
    ])?;
    Ok(())
}

pub(crate) fn upsert_event(tx: &Transaction<'_>, e: &TaskEvent, pending_seq: Option<i64>) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO task_events (id, task, at, body, pending_seq) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET task = excluded.task, at = excluded.at, body = excluded.body,
             pending_seq = excluded.pending_seq",
    )?
    .execute(params![e.id.to_string(), e.task.to_string(), millis(e.at), to_json(e)?, pending_seq])?;
    Ok(())
}
