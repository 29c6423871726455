//! Alarm transitions by enforcement and the command centre: arrive on site, close with feedback,
//! dispatch. Every one goes through the core's state machine and into the audit log.

use super::{Actor, Failure, check_len, domain, not_found, refuse};
use crate::db::{AuditRow, Tx};
use crate::evidence::receipt;
use crate::records;
use fieldcheck_domain::alarm::{Alarm, AlarmAction, AlarmState};
use fieldcheck_domain::answer::{MAX_TEXT_CHARS, check_text};
use fieldcheck_domain::geo::GeoFix;
use fieldcheck_domain::ids::{AlarmId, EvidenceId, UserId};
use fieldcheck_domain::organisation::{Role, Scope, User};
use fieldcheck_evidence::Case;
use fieldcheck_protocol::{Entity, Outcome, Record, RejectCode, SubmittedEvidence};

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
        from_state: format!("{from:?}"),
        to_state: format!("{:?}", alarm.state),
        user: actor.reach.user.id.to_string(),
        device: actor.device.clone(),
        at: actor.now,
        note: note.into(),
    })?;
    Ok(())
}

pub fn arrive(tx: &mut dyn Tx, actor: &Actor, id: AlarmId, location: Option<&GeoFix>) -> Result<Outcome, Failure> {
    if let Some(fix) = location {
        fix.validate().map_err(domain)?;
    }
    let mut alarm = load_in_reach(tx, actor, id)?;
    let from = alarm.state;
    alarm.state = from.after(AlarmAction::Arrive, actor.reach.role).map_err(domain)?;
    alarm.assignee.get_or_insert(actor.reach.user.id);
    let note = location.map(|f| format!("at {:.6},{:.6} ±{:.0} m", f.lat, f.lon, f.accuracy_m)).unwrap_or_default();
    write(tx, actor, &alarm, "arrive", from, &note)?;
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
    check_len("feedback", feedback, MAX_TEXT_CHARS)?;
    let mut alarm = load_in_reach(tx, actor, id)?;
    let from = alarm.state;
    alarm.check_close(actor.reach.role).map_err(domain)?;
    alarm.state = from.after(AlarmAction::Close, actor.reach.role).map_err(domain)?;
    if from == AlarmState::OnSite {
        check_text(feedback).map_err(|e| refuse(RejectCode::Invalid, format!("on-site feedback is required: {e}")))?;
    }
    let evidence_ids = evidence;
    let evidence: Vec<String> = evidence.iter().map(|e| e.to_string()).collect();
    let note = if evidence.is_empty() {
        feedback.to_string()
    } else {
        format!("{feedback}\n[evidence: {}]", evidence.join(", "))
    };
    let receipt = receipt::verify_proof(tx, actor, Case::Alarm(id), evidence_ids, proof)?;
    write(tx, actor, &alarm, "close", from, &note)?;
    if let (Some(proof), Some(receipt)) = (proof, &receipt) {
        receipt::record_case(tx, actor, Case::Alarm(id), proof, receipt)?;
    }
    Ok(Outcome::Applied)
}

/// Dispatches an alarm to the squadron covering its enterprise's township, optionally to one officer.
pub fn dispatch(tx: &mut dyn Tx, actor: &Actor, id: AlarmId, assignee: Option<UserId>) -> Result<Alarm, Failure> {
    let mut alarm = load_in_reach(tx, actor, id)?;
    let from = alarm.state;
    alarm.state = from.after(AlarmAction::Dispatch, actor.reach.role).map_err(domain)?;
    let township =
        records::enterprise(tx, alarm.enterprise)?.map(|e| e.township).ok_or_else(|| not_found("enterprise"))?;
    let squadron = records::squadrons(tx)?
        .into_iter()
        .find(|s| s.townships.contains(&township))
        .ok_or_else(|| refuse(RejectCode::Invalid, "no squadron covers this enterprise's township"))?;
    if let Some(officer) = assignee {
        let user: Option<User> = records::load(tx, Entity::User, &officer.to_string())?;
        let in_squadron =
            user.is_some_and(|u| u.role == Role::Officer && u.scope == Scope::Squadron { squadron: squadron.id });
        if !in_squadron {
            return Err(refuse(RejectCode::Invalid, "the assignee is not an officer of the covering squadron"));
        }
    }
    alarm.squadron = Some(squadron.id);
    alarm.assignee = assignee;
    write(tx, actor, &alarm, "dispatch", from, &format!("to {}", squadron.name))?;
    Ok(alarm)
}
