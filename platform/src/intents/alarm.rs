//! Alarm transitions by enforcement and the command centre: arrive on site, close with feedback,
//! dispatch. Every one is decided by the domain (`decide::alarm`) and goes into the audit log.

use super::{Actor, Failure, domain, not_found};
use crate::db::{AuditRow, StoreError, Tx};
use crate::evidence::receipt;
use crate::records;
use fieldcheck_domain::alarm::{Alarm, AlarmState};
use fieldcheck_domain::decide::alarm as decide;
use fieldcheck_domain::geo::{FixMissing, GeoFix};
use fieldcheck_domain::ids::{AlarmId, EvidenceId, UserId};
use fieldcheck_domain::organisation::User;
use fieldcheck_evidence::Case;
use fieldcheck_protocol::{Entity, Outcome, Record, SubmittedEvidence};

/// The alarm, if it exists and the actor reaches it.
pub fn load_in_reach(tx: &mut dyn Tx, actor: &Actor, id: AlarmId) -> Result<Alarm, Failure> {
    let alarm: Alarm = records::load(tx, Entity::Alarm, &id.to_string())?.ok_or_else(|| not_found("alarm"))?;
    let township = records::enterprise(tx, alarm.enterprise)?.map(|e| e.township).ok_or_else(|| not_found("alarm"))?;
    if !actor.reach.covers_alarm(&alarm, township) {
        return Err(not_found("alarm"));
    }
    Ok(alarm)
}

fn write(
    tx: &mut dyn Tx,
    actor: &Actor,
    alarm: &Alarm,
    action: &str,
    from: AlarmState,
    note: &str,
) -> Result<(), Failure> {
    records::save(tx, &Record::Alarm(alarm.clone()))?;
    tx.audit(&AuditRow {
        entity: "alarm".into(),
        id: alarm.id.to_string(),
        action: action.into(),
        from_state: Some(from.into()),
        to_state: Some(alarm.state.into()),
        user: actor.reach.user.id.to_string(),
        device: actor.device.clone(),
        at: actor.now,
        note: note.into(),
    })?;
    Ok(())
}

/// An arrival; the audit note says where, or why the phone had no fix (nothing from older phones).
pub fn arrive(
    tx: &mut dyn Tx,
    actor: &Actor,
    id: AlarmId,
    location: Option<&GeoFix>,
    missing: Option<FixMissing>,
) -> Result<Outcome, Failure> {
    let alarm = load_in_reach(tx, actor, id)?;
    let arrived = decide::arrive(&actor.reach.user, &alarm, location).map_err(domain)?;
    let note = match (location, missing) {
        (Some(f), _) => format!("at {:.6},{:.6} ±{:.0} m", f.lat, f.lon, f.accuracy_m),
        (None, Some(missing)) => missing.text().both(),
        (None, None) => String::new(),
    };
    write(tx, actor, &arrived, "arrive", alarm.state, &note)?;
    Ok(Outcome::Applied)
}

/// Closes an alarm; on-site feedback (text + evidence ids) is archived in the audit log.
pub fn close(
    tx: &mut dyn Tx,
    actor: &Actor,
    id: AlarmId,
    feedback: &str,
    evidence: &[EvidenceId],
    proof: Option<&SubmittedEvidence>,
) -> Result<Outcome, Failure> {
    let alarm = load_in_reach(tx, actor, id)?;
    let decide::Closed { alarm, from, feedback, evidence } =
        decide::close(&actor.reach.user, &alarm, feedback, evidence).map_err(domain)?;
    let note = if evidence.is_empty() {
        feedback
    } else {
        let ids: Vec<String> = evidence.iter().map(|e| e.to_string()).collect();
        format!("{feedback}\n[evidence: {}]", ids.join(", "))
    };
    let receipt = receipt::verify_proof(tx, actor, Case::Alarm(id), &evidence, proof)?;
    write(tx, actor, &alarm, "close", from, &note)?;
    if let (Some(proof), Some(receipt)) = (proof, &receipt) {
        receipt::record_case(tx, actor, Case::Alarm(id), proof, receipt)?;
        // The feedback's photos with their renditions, for the alarm's record page (`crate::record`).
        let photos = serde_json::to_string(&proof.step_photos()).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        tx.evidence_put(crate::record::ALARM_PHOTOS, &id.to_string(), &photos)?;
    }
    Ok(Outcome::Applied)
}

/// Dispatches an alarm to the squadron covering its enterprise's township, optionally to one officer.
pub fn dispatch(tx: &mut dyn Tx, actor: &Actor, id: AlarmId, assignee: Option<UserId>) -> Result<Alarm, Failure> {
    let alarm = load_in_reach(tx, actor, id)?;
    let township =
        records::enterprise(tx, alarm.enterprise)?.map(|e| e.township).ok_or_else(|| not_found("enterprise"))?;
    let squadrons = records::squadrons(tx)?;
    let named: Option<User> = match assignee {
        Some(officer) => records::load(tx, Entity::User, &officer.to_string())?,
        None => None,
    };
    let dispatched =
        decide::dispatch(&actor.reach.user, &alarm, township, &squadrons, assignee.map(|id| (id, named.as_ref())))
            .map_err(domain)?;
    let squadron =
        squadrons.iter().find(|s| Some(s.id) == dispatched.squadron).map(|s| s.name.clone()).unwrap_or_default();
    write(tx, actor, &dispatched, "dispatch", alarm.state, &format!("to {squadron}"))?;
    Ok(dispatched)
}
