//! Rectification task steps, decided by the domain (`decide::task::transition`), with an audit line and a
//! timeline event the enterprise and enforcement both see.

use super::{Actor, Failure, domain, not_found};
use crate::db::{AuditRow, Tx};
use crate::evidence::receipt;
use crate::records;
use fieldcheck_domain::decide::task::{self as decide, Step};
use fieldcheck_domain::ids::{EvidenceId, TaskId};
use fieldcheck_domain::rectification::{RectificationTask, TaskAction};
use fieldcheck_evidence::Case;
use fieldcheck_protocol::{Entity, Outcome, Record, SubmittedEvidence, TaskEvent};

pub fn transition(
    tx: &mut dyn Tx,
    actor: &Actor,
    id: TaskId,
    action: TaskAction,
    note: &str,
    evidence: &[EvidenceId],
    proof: Option<&SubmittedEvidence>,
) -> Result<Outcome, Failure> {
    let task: RectificationTask = records::load(tx, Entity::Task, &id.to_string())?
        .filter(|t| actor.reach.covers_task(t))
        .ok_or_else(|| not_found("task"))?;
    let Step { task, from, note, evidence } =
        decide::transition(&actor.reach.user, &task, action, note, evidence).map_err(domain)?;
    // Photos cited with a sealed chain are verified before anything is written.
    let receipt = receipt::verify_proof(tx, actor, Case::Task(id), &evidence, proof)?;
    records::save(tx, &Record::Task(task.clone()))?;
    if let (Some(proof), Some(receipt)) = (proof, &receipt) {
        receipt::record_case(tx, actor, Case::Task(id), proof, receipt)?;
    }
    let event = TaskEvent {
        id: uuid::Uuid::now_v7(),
        task: id,
        action,
        by: actor.reach.user.id,
        by_name: actor.reach.user.name.clone(),
        note: note.clone(),
        evidence,
        at: actor.now,
        photos: proof.map(|p| p.step_photos()).unwrap_or_default(),
    };
    records::save(tx, &Record::TaskEvent(event))?;
    tx.audit(&AuditRow {
        entity: "task".into(),
        id: id.to_string(),
        action: action.as_str().into(),
        from_state: Some(from.into()),
        to_state: Some(task.state.into()),
        user: actor.reach.user.id.to_string(),
        device: actor.device.clone(),
        at: actor.now,
        note,
    })?;
    Ok(Outcome::Applied)
}
