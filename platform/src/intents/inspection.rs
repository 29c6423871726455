//! A submitted inspection, decided by the domain from the same inputs as on the phone
//! (`decide::inspection::submit`): the tasks and notices the phone derived must be exactly the ones
//! the same function derives here. Then stored (frozen) with its audit.

use super::{Actor, Failure, domain, not_found, refuse};
use crate::db::{AuditRow, Tx};
use crate::records;
use fieldcheck_domain::decide::inspection as decide;
use fieldcheck_domain::limits;
use fieldcheck_protocol::{Entity, Outcome, Record, RejectCode, SubmittedInspection};
use std::collections::BTreeSet;

/// `stored`: the record's stored form when the push made it already (`super::Prepared`).
pub fn submit(
    tx: &mut dyn Tx,
    actor: &Actor,
    sub: &SubmittedInspection,
    stored: Option<&str>,
) -> Result<Outcome, Failure> {
    let inspection = &sub.inspection;
    let enterprise = records::enterprise(tx, inspection.enterprise)?
        .filter(|e| actor.reach.covers_enterprise(e))
        .ok_or_else(|| not_found("enterprise"))?;
    // Submitted records never change: a second submission of the same record is answered as applied
    // only when it is the same record (another device of the team sent it first).
    if let Some(stored) = records::load::<SubmittedInspection>(tx, Entity::Inspection, &inspection.id.to_string())? {
        return if stored == *sub {
            Ok(Outcome::Applied)
        } else {
            Err(refuse(RejectCode::Invalid, "this inspection was already submitted; a correction is a new record"))
        };
    }
    let (open, at) = decide::unfrozen(inspection, &sub.answers, &sub.findings).map_err(domain)?;
    // Only the distinct versions the inspection pinned, and no more than the decision accepts (it
    // refuses duplicates and excess itself; a missing version is one of its problems).
    let pinned: BTreeSet<_> = inspection.checklists.iter().take(limits::CHECKLISTS + 1).collect();
    let templates = records::templates(tx, pinned)?;
    let corrected_known = match inspection.corrects {
        Some(corrected) => tx.get(Entity::Inspection, &corrected.to_string())?.is_some(),
        None => true,
    };
    let context = decide::Context {
        actor: &actor.reach.user,
        enterprise: &enterprise,
        templates: &templates,
        // Photos travel separately (blob upload): the photo rule is the device's to check.
        photos: None,
        corrected_known,
        now: actor.now,
    };
    let submission = decide::submit(&context, &open, &sub.answers, &sub.findings, at).map_err(domain)?;
    // The device derived its tasks and notices with the same function: they must be exactly these.
    let linked = decide::adopt_ids(submission.linked, &sub.tasks, &sub.notices).map_err(domain)?;
    // Signatures are over the text the record reads back, made here as on the phone.
    if !sub.signatures.is_empty() {
        let read_back = crate::documents::read_back_sha256(tx, sub, &enterprise, &templates)?;
        decide::signatures(inspection, sub.signatures.clone(), &read_back).map_err(domain)?;
    }
    // The device sealed them with its photo chain: these are the ones it sealed.
    if let Some(ev) = &sub.evidence
        && ev.seal.signatures != fieldcheck_evidence::signatures_digest(&sub.signatures)
    {
        return Err(refuse(RejectCode::Invalid, "the signatures are not the ones the device sealed"));
    }
    for task in &linked.tasks {
        if tx.get(Entity::Task, &task.id.to_string())?.is_some() {
            return Err(refuse(RejectCode::Invalid, format!("task {} already exists", task.id)));
        }
    }

    let receipt = crate::evidence::receipt::verify(tx, actor, sub)?;

    // Everything checked: write.
    let record = Record::Inspection(Box::new(sub.clone()));
    match stored {
        Some(data) => records::save_as(tx, &record, data)?,
        None => records::save(tx, &record)?,
    }
    if let Some(receipt) = &receipt {
        crate::evidence::receipt::record(tx, actor, sub, receipt)?;
    }
    for task in &linked.tasks {
        records::save(tx, &Record::Task(task.clone()))?;
        tx.audit(&AuditRow {
            entity: "task".into(),
            id: task.id.to_string(),
            action: "issue".into(),
            from_state: None,
            to_state: Some(task.state.into()),
            user: actor.reach.user.id.to_string(),
            device: actor.device.clone(),
            at: actor.now,
            note: task.requirement.clone(),
        })?;
    }
    for notice in &linked.notices {
        records::save(tx, &Record::Notice(notice.clone()))?;
    }
    Ok(Outcome::Applied)
}
