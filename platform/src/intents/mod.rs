//! Applying a device's intents: each is authorised against the server's data, checked with the core's
//! rules and written with its audit trail. A refusal happens before anything is written.

pub mod alarm;
pub mod enterprise;
pub mod inspection;
pub mod task;

use crate::access::Reach;
use crate::db::Tx;
use crate::error::ApiError;
use chrono::{DateTime, Utc};
use fieldcheck_domain::DomainError;
use fieldcheck_protocol::{Entity, Intent, Outcome, RejectCode};

/// Who acts, from which device, at which server time.
pub struct Actor {
    pub reach: Reach,
    pub device: Option<String>,
    pub now: DateTime<Utc>,
}

/// Why an intent is refused; becomes `Outcome::Rejected`.
#[derive(Debug)]
pub struct Refusal {
    pub code: RejectCode,
    pub reason: String,
}

/// Either a refusal (nothing written) or a storage failure (the transaction rolls back).
pub enum Failure {
    Refused(Refusal),
    Store(ApiError),
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Failure::Store(e)
    }
}

impl From<crate::db::StoreError> for Failure {
    fn from(e: crate::db::StoreError) -> Self {
        Failure::Store(e.into())
    }
}

pub fn refuse(code: RejectCode, reason: impl Into<String>) -> Failure {
    Failure::Refused(Refusal { code, reason: reason.into() })
}

/// Out-of-scope records are answered as missing, so forged ids learn nothing.
pub fn not_found(what: &str) -> Failure {
    refuse(RejectCode::NotFound, format!("{what} not found"))
}

/// A refusal decided by the domain, with the code the domain gives it.
pub fn domain(e: DomainError) -> Failure {
    refuse(e.code(), e.to_string())
}

/// The records an intent names, which its decision reads first: a push claims them all at once before
/// deciding ([`Tx::claim`]), so that its decisions do not wait on one read after another.
pub fn named_records(intent: &Intent) -> Vec<(Entity, String)> {
    match intent {
        Intent::InspectionSubmit(sub) => {
            let inspection = &sub.inspection;
            let mut named = vec![
                (Entity::Enterprise, inspection.enterprise.to_string()),
                (Entity::Inspection, inspection.id.to_string()),
            ];
            named.extend(inspection.corrects.map(|c| (Entity::Inspection, c.to_string())));
            named.extend(sub.tasks.iter().map(|t| (Entity::Task, t.id.to_string())));
            named
        }
        Intent::TaskTransition { task, .. } => vec![(Entity::Task, task.to_string())],
        Intent::AlarmArrive { alarm, .. } | Intent::AlarmClose { alarm, .. } => {
            vec![(Entity::Alarm, alarm.to_string())]
        }
        Intent::EnterpriseEdit { enterprise, .. } => vec![(Entity::Enterprise, enterprise.to_string())],
    }
}

/// What a mutation's write can have made before it, off the one writer (a push makes it while the write
/// before it runs): the stored form of a submitted inspection, which is stored exactly as sent (its JSON
/// was a tenth of a large push's write).
#[derive(Default)]
pub struct Prepared {
    stored: Option<String>,
}

/// [`Prepared`] for `intent`. A record that cannot be serialised gets nothing: its write says why.
pub fn prepare(intent: &Intent) -> Prepared {
    match intent {
        Intent::InspectionSubmit(sub) => Prepared { stored: crate::records::inspection_json(sub).ok() },
        _ => Prepared::default(),
    }
}

/// Applies one intent in the caller's transaction, with what was [`prepare`]d for it.
pub fn apply(tx: &mut dyn Tx, actor: &Actor, intent: &Intent, prepared: &Prepared) -> Result<Outcome, Failure> {
    match intent {
        Intent::InspectionSubmit(sub) => inspection::submit(tx, actor, sub, prepared.stored.as_deref()),
        Intent::TaskTransition { task, action, note, evidence, proof, signature } => task::transition(
            tx,
            actor,
            task::Requested {
                task: *task,
                action: *action,
                note,
                evidence,
                proof: proof.as_deref(),
                signature: signature.as_ref(),
            },
        ),
        Intent::AlarmArrive { alarm, location, location_missing } => {
            alarm::arrive(tx, actor, *alarm, location.as_ref(), *location_missing)
        }
        Intent::AlarmClose { alarm, feedback, evidence, proof } => {
            alarm::close(tx, actor, *alarm, feedback, evidence, proof.as_deref())
        }
        Intent::EnterpriseEdit { enterprise, field, base, value } => {
            enterprise::edit(tx, actor, *enterprise, *field, base, value)
        }
    }
}
