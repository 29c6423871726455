//! An enterprise moving to another township (a command-centre edit). Who may see a record follows the
//! enterprise's township, so the move re-scopes the enterprise and everything of it that is scoped by
//! township: its inspections, tasks and their events, alarms and notices. Devices of the township it
//! left get a tombstone for each (`Tx::depart`, keyed by the old scope only) and devices of the new one
//! get the records, both on their next pull. Access kept by other keys (the enterprise itself, the
//! officer who issued a task, the squadron an alarm was dispatched to) is untouched.

use crate::db::{AuditRow, Keys, Tx};
use crate::intents::{Actor, Failure, domain, not_found, refuse};
use crate::records;
use fieldcheck_domain::alarm::Alarm;
use fieldcheck_domain::capability::{self, Action};
use fieldcheck_domain::ids::{EnterpriseId, TownshipId};
use fieldcheck_domain::notice::Notice;
use fieldcheck_domain::organisation::Enterprise;
use fieldcheck_domain::rectification::RectificationTask;
use fieldcheck_protocol::{Entity, Record, RejectCode, SubmittedInspection, TaskEvent};
use std::collections::HashSet;

/// The records of `enterprise` whose scope follows its township, parents before children.
fn related(tx: &mut dyn Tx, enterprise: EnterpriseId) -> Result<Vec<Record>, Failure> {
    let mut out = Vec::new();
    for i in records::load_all::<SubmittedInspection>(tx, Entity::Inspection)? {
        if i.inspection.enterprise == enterprise {
            out.push(Record::Inspection(Box::new(i)));
        }
    }
    let tasks: Vec<RectificationTask> = records::load_all::<RectificationTask>(tx, Entity::Task)?
        .into_iter()
        .filter(|t| t.enterprise == enterprise)
        .collect();
    let ids: HashSet<_> = tasks.iter().map(|t| t.id).collect();
    out.extend(tasks.into_iter().map(Record::Task));
    for e in records::load_all::<TaskEvent>(tx, Entity::TaskEvent)? {
        if ids.contains(&e.task) {
            out.push(Record::TaskEvent(e));
        }
    }
    for a in records::load_all::<Alarm>(tx, Entity::Alarm)? {
        if a.enterprise == enterprise {
            out.push(Record::Alarm(a));
        }
    }
    for n in records::load_all::<Notice>(tx, Entity::Notice)? {
        if n.enterprise == enterprise {
            out.push(Record::Notice(n));
        }
    }
    Ok(out)
}

/// The scope a record leaves: its old township only. The enterprise, an assignee or a squadron still
/// reach it after the move, so they get no tombstone.
fn leaving(keys: Keys) -> Option<Keys> {
    keys.township.is_some().then_some(Keys { enterprise: None, squadron: None, assignee: None, ..keys })
}

/// Moves `id` to township `to`, as the command centre; returns the enterprise as stored now.
pub fn move_enterprise(
    tx: &mut dyn Tx,
    actor: &Actor,
    id: EnterpriseId,
    to: TownshipId,
) -> Result<Enterprise, Failure> {
    capability::require(actor.reach.role, Action::MoveEnterprise).map_err(domain)?;
    let mut enterprise = records::enterprise(tx, id)?
        .filter(|e| actor.reach.covers_enterprise(e))
        .ok_or_else(|| not_found("enterprise"))?;
    let townships = records::townships(tx)?;
    let name_of = |t: TownshipId| townships.iter().find(|x| x.id == t).map(|x| x.name.clone());
    let Some(to_name) = name_of(to) else {
        return Err(refuse(RejectCode::Invalid, "no such township"));
    };
    let from = enterprise.township;
    if from == to {
        return Ok(enterprise);
    }
    let mut moving = vec![Record::Enterprise(enterprise.clone())];
    moving.extend(related(tx, id)?);
    // Tombstones for the old scope first, so a device that sees both scopes ends with the record.
    for record in &moving {
        let (entity, record_id) = records::identity(record);
        if let Some(keys) = leaving(records::keys(tx, record)?) {
            tx.depart(entity, &record_id, &keys)?;
        }
    }
    enterprise.township = to;
    records::save(tx, &Record::Enterprise(enterprise.clone()))?;
    for mut record in moving.into_iter().skip(1) {
        match &mut record {
            Record::Task(t) => t.township = to,
            Record::Notice(n) => n.township = to,
            _ => {}
        }
        // Saved again with keys computed from the new township: devices there pull it.
        records::save(tx, &record)?;
    }
    tx.audit(&AuditRow {
        entity: "enterprise".into(),
        id: id.to_string(),
        action: "enterprise.move".into(),
        from_state: None,
        to_state: None,
        user: actor.reach.user.id.to_string(),
        device: actor.device.clone(),
        at: actor.now,
        note: format!("{from} → {to} · {} → {to_name}", name_of(from).unwrap_or_default()),
    })?;
    Ok(enterprise)
}
