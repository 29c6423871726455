//! The domain: pure types and rules with no I/O, reused unchanged by the platform.

pub mod alarm;
pub mod answer;
pub mod audit;
pub mod bounded;
pub mod capability;
pub mod checklists;
pub mod credit_code;
pub mod deadline;
pub mod decide;
pub mod error;
pub mod finding;
pub mod geo;
pub mod ids;
pub mod inspection;
pub mod legal_time;
pub mod limits;
pub mod linkage;
pub mod names;
pub mod notice;
#[cfg(feature = "openapi")]
mod openapi;
pub mod organisation;
pub mod rectification;
pub mod rule;
pub mod signature;
pub mod supervision;
pub mod template;
pub mod text;
pub mod transition;
pub mod visibility;

pub use error::DomainError;
