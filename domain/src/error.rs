//! Errors of the domain rules: each says what was wrong in words a person can act on.

use super::inspection::Problem;
use super::organisation::Role;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Error)]
pub enum DomainError {
    #[error("invalid credit code {code:?}: {reason}")]
    InvalidCreditCode { code: String, reason: String },

    #[error("invalid location fix ({lat}, {lon}, ±{accuracy_m} m)")]
    InvalidLocation { lat: f64, lon: f64, accuracy_m: f64 },

    #[error("invalid {field}: {reason}")]
    Invalid { field: String, reason: String },

    #[error("answer to {item} is invalid: {reason}")]
    InvalidAnswer { item: String, reason: String },

    #[error("{item} is not an item of the inspection's checklists")]
    UnknownItem { item: String },

    #[error("{entity} cannot {action} while {state}")]
    WrongState { entity: &'static str, action: String, state: String },

    #[error("a {role:?} may not {action} a {entity}")]
    RoleMayNot { entity: &'static str, action: String, role: Role },

    #[error("the inspection cannot be submitted: {} problem(s)", problems.len())]
    NotSubmittable { problems: Vec<Problem> },
}
