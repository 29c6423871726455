//! Alarms on the device: an officer reports arrival on site and closes with feedback, each checked by
//! the domain's alarm state machine and sent as an intent.

use super::codec::{from_json, millis, tag, to_json};
use super::error::StoreError;
use super::optimistic::{self, Source};
use super::{Store, case_evidence, outbox, session};
use crate::domain::alarm::Alarm;
use crate::domain::decide::alarm as decide;
use crate::domain::geo::{FixMissing, GeoFix};
use crate::domain::ids::{AlarmId, EvidenceId};
use crate::evidence::Case;
use crate::protocol::Intent;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

impl Store {
    /// One alarm, if on this device.
    pub fn alarm(&self, id: AlarmId) -> Result<Option<Alarm>, StoreError> {
        self.read(|conn| find(conn, id))
    }

    /// The signed-in officer arrived at the alarm's site.
    /// Arrival on site, with the fix or why there is none.
    pub fn alarm_arrive(
        &self,
        id: AlarmId,
        location: Option<GeoFix>,
        location_missing: Option<FixMissing>,
    ) -> Result<Alarm, StoreError> {
        let now = self.now();
        self.write(|tx| {
            let actor = session::actor(tx)?;
            let alarm = find(tx, id)?.ok_or(StoreError::NotFound { entity: "alarm", id: id.to_string() })?;
            let alarm = decide::arrive(&actor, &alarm, location.as_ref())?;
            let mutation = outbox::append(tx, now, Intent::AlarmArrive { alarm: id, location, location_missing })?;
            upsert(tx, &alarm, Source::Local(outbox::seq_param(&mutation)))?;
            Ok(alarm)
        })
    }

    /// Closes the alarm with on-site feedback (text, and the ids of its photos taken here, which travel
    /// as a chain sealed by the device).
    pub fn alarm_close(&self, id: AlarmId, feedback: &str, evidence: Vec<EvidenceId>) -> Result<Alarm, StoreError> {
        let now = self.now();
        let signer = if evidence.is_empty() { None } else { Some(self.signer()?) };
        self.write(|tx| {
            let actor = session::actor(tx)?;
            let alarm = find(tx, id)?.ok_or(StoreError::NotFound { entity: "alarm", id: id.to_string() })?;
            let decide::Closed { alarm, feedback, evidence, .. } = decide::close(&actor, &alarm, feedback, &evidence)?;
            let proof = case_evidence::proof(tx, Case::Alarm(id), &evidence, signer.as_deref(), now)?;
            let intent = Intent::AlarmClose { alarm: id, feedback, evidence: evidence.clone(), proof };
            let mutation = outbox::append(tx, now, intent)?;
            case_evidence::cite(tx, &evidence, outbox::seq_param(&mutation))?;
            upsert(tx, &alarm, Source::Local(outbox::seq_param(&mutation)))?;
            Ok(alarm)
        })
    }
}

pub(crate) fn find(conn: &Connection, id: AlarmId) -> Result<Option<Alarm>, StoreError> {
    let body: Option<String> = conn
        .prepare_cached("SELECT body FROM alarms WHERE id = ?1")?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?;
    body.map(|b| from_json("alarm", &b)).transpose()
}

/// Inserts or updates an alarm, from the platform or as a local change (see [`optimistic`]).
pub(crate) fn upsert(tx: &Transaction<'_>, a: &Alarm, source: Source) -> Result<(), StoreError> {
    let body = to_json(a)?;
    if source == Source::Pulled && optimistic::hold(tx, "alarms", &a.id.to_string(), &body)? {
        return Ok(());
    }
    tx.prepare_cached(&format!(
        "INSERT INTO alarms (id, enterprise, state, squadron, assignee, respond_by, body, pending_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (id) DO UPDATE SET enterprise = excluded.enterprise, state = excluded.state,
             squadron = excluded.squadron, assignee = excluded.assignee, respond_by = excluded.respond_by,
             body = excluded.body, {}",
        optimistic::on_conflict_keep_server("alarms")
    ))?
    .execute(params![
        a.id.to_string(),
        a.enterprise.to_string(),
        tag(&a.state)?,
        a.squadron.map(|s| s.to_string()),
        a.assignee.map(|u| u.to_string()),
        millis(a.respond_by),
        body,
        source.pending_seq()
    ])?;
    Ok(())
}
