//! Rectification task steps, decided by the domain (`decide::task::transition`), with an audit line and a
//! timeline event the enterprise and enforcement both see. An acknowledgement may carry the enterprise's
//! signature over the order's read-back (`decide::task::acknowledgement`, as on the phone), sealed by the
//! device in the step's proof; it is kept with the event and under the task for its order.

use super::{Actor, Failure, domain, not_found, refuse};
use crate::db::{AuditRow, Tx};
use crate::evidence::receipt;
use crate::records;
use fieldcheck_domain::decide::task::{self as decide, Step};
use fieldcheck_domain::ids::{EvidenceId, TaskId};
use fieldcheck_domain::rectification::{RectificationTask, TaskAction};
use fieldcheck_domain::signature::Signature;
use fieldcheck_evidence::Case;
use fieldcheck_protocol::{Entity, Outcome, Record, RejectCode, SealedSignature, SubmittedEvidence, TaskEvent};

/// A step as a device asked for it.
pub struct Requested<'a> {
    pub task: TaskId,
    pub action: TaskAction,
    pub note: &'a str,
    pub evidence: &'a [EvidenceId],
    pub proof: Option<&'a SubmittedEvidence>,
    pub signature: Option<&'a Signature>,
}

pub fn transition(tx: &mut dyn Tx, actor: &Actor, step: Requested<'_>) -> Result<Outcome, Failure> {
    let id = step.task;
    let action = step.action;
    let before: RectificationTask = records::load(tx, Entity::Task, &id.to_string())?
        .filter(|t| actor.reach.covers_task(t))
        .ok_or_else(|| not_found("task"))?;
    let Step { task, from, note, evidence } =
        decide::transition(&actor.reach.user, &before, action, step.note, step.evidence).map_err(domain)?;
    let signature = match step.signature {
        Some(s) => Some(Box::new(acknowledgement(tx, actor, &before, action, s, step.proof)?)),
        None => None,
    };
    // Photos cited with a sealed chain are verified before anything is written.
    let receipt = receipt::verify_proof(tx, actor, Case::Task(id), &evidence, step.proof)?;
    records::save(tx, &Record::Task(task.clone()))?;
    if let (Some(proof), Some(receipt)) = (step.proof, &receipt) {
        receipt::record_case(tx, actor, Case::Task(id), proof, receipt)?;
    }
    if let Some(sealed) = &signature {
        crate::documents::keep_acknowledgement(tx, id, sealed)?;
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
        photos: step.proof.map(|p| p.step_photos()).unwrap_or_default(),
        signature,
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

/// The signature on an acknowledgement, decided as the phone decided it (over the order's read-back as
/// the platform prints it), and the device seal in the proof must cover exactly it.
fn acknowledgement(
    tx: &mut dyn Tx,
    actor: &Actor,
    task: &RectificationTask,
    action: TaskAction,
    signature: &Signature,
    proof: Option<&SubmittedEvidence>,
) -> Result<SealedSignature, Failure> {
    let parts = crate::documents::order_parts(tx, task.clone()).map_err(|e| match e.status.as_u16() {
        404 => refuse(RejectCode::NotFound, e.message),
        _ => Failure::Store(e),
    })?;
    let read_back = fieldcheck_documents::order_read_back(&parts.input()).sha256;
    let signature = decide::acknowledgement(
        &actor.reach.user,
        &parts.task,
        action,
        &parts.enterprise,
        signature.clone(),
        &read_back,
    )
    .map_err(domain)?;
    let seal = proof.map(|p| p.seal.clone()).ok_or_else(|| {
        refuse(RejectCode::Invalid, "a signed acknowledgement carries the device seal over it (proof)")
    })?;
    let sealed = SealedSignature { signature, seal };
    if !sealed.holds() {
        return Err(refuse(
            RejectCode::Invalid,
            "the signature is not the one the device sealed / 签名与设备封存的不一致",
        ));
    }
    Ok(sealed)
}
