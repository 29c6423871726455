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
use fieldcheck_protocol::{Intent, Outcome, RejectCode};

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

/// Applies one intent in the caller's transaction.
pub fn apply(tx: &mut dyn Tx, actor: &Actor, intent: &Intent) -> Result<Outcome, Failure> {
    match intent {
        Intent::InspectionSubmit(sub) => inspection::submit(tx, actor, sub),
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
