//! Errors of the domain rules: each says what was wrong in words a person can act on, and carries the
//! code the platform answers a refused intent with (`code`), so phone and platform name it alike.

use super::inspection::Problem;
use super::organisation::Role;
use serde::{Deserialize, Serialize};
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Error)]
pub enum DomainError {
    #[error("invalid credit code {code:?}: {reason}")]
    InvalidCreditCode { code: String, reason: String },

    #[error("invalid location fix ({lat}, {lon}, ±{accuracy_m} m)")]
    InvalidLocation { lat: f64, lon: f64, accuracy_m: f64 },

    #[error("invalid {field}: {reason}")]
    Invalid { field: String, reason: String },

    #[error("{field} is longer than {max} characters / {field} 超过 {max} 字")]
    TooLong { field: String, max: usize },

    #[error("{field} must not be blank / {field} 不能为空")]
    Blank { field: String },

    #[error("more than {max} {what} / {what} 超过 {max} 项")]
    TooMany { what: String, max: usize },

    #[error("{what} named twice / {what} 重复")]
    Duplicate { what: String },

    #[error("answer to {item} is invalid: {reason}")]
    InvalidAnswer { item: String, reason: String },

    #[error("{item} is not an item of the inspection's checklists")]
    UnknownItem { item: String },

    #[error("{entity} {key} exists already; creating never changes it / {key} 已存在")]
    AlreadyExists { entity: &'static str, key: String },

    #[error("{entity} not found")]
    NotFound { entity: &'static str },

    #[error("{reason}")]
    Forbidden { reason: String },

    #[error("{entity} cannot {action} while {state}")]
    WrongState { entity: &'static str, action: String, state: String },

    #[error("a {role:?} may not {action} a {entity}")]
    RoleMayNot { entity: &'static str, action: String, role: Role },

    #[error("the inspection cannot be submitted: {}", describe(problems))]
    NotSubmittable { problems: Vec<Problem> },
}

/// Why an intent is refused, as the protocol names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RejectCode {
    Forbidden,
    NotFound,
    InvalidTransition,
    Invalid,
}

impl DomainError {
    /// The one mapping from a refusal to its code.
    pub fn code(&self) -> RejectCode {
        match self {
            DomainError::RoleMayNot { .. } | DomainError::Forbidden { .. } => RejectCode::Forbidden,
            DomainError::WrongState { .. } => RejectCode::InvalidTransition,
            DomainError::NotFound { .. } => RejectCode::NotFound,
            _ => RejectCode::Invalid,
        }
    }
}

fn describe(problems: &[Problem]) -> String {
    let first: Vec<String> = problems
        .iter()
        .take(5)
        .map(|p| match &p.item {
            Some(item) => format!("{} {}", item.code, p.message.both()),
            None => p.message.both(),
        })
        .collect();
    let more = problems.len().saturating_sub(first.len());
    if more > 0 { format!("{}; and {more} more", first.join("; ")) } else { first.join("; ") }
}
