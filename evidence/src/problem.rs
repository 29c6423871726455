//! Where verification failed: which entry, which field, and why.

use fieldcheck_domain::ids::EvidenceId;
use serde::{Deserialize, Serialize};
use std::fmt;

/// One verification failure, located as precisely as the evidence allows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = EvidenceProblem))]
pub struct Problem {
    /// Position in the chain (0-based), if the problem concerns one entry.
    pub entry: Option<u32>,
    pub evidence: Option<EvidenceId>,
    /// Dotted field name (`meta.officer`, `original`, `prev`), if known.
    pub field: Option<String>,
    pub reason: String,
}

impl Problem {
    /// A problem with the whole chain or bundle.
    pub fn general(reason: impl Into<String>) -> Self {
        Self { entry: None, evidence: None, field: None, reason: reason.into() }
    }

    /// A problem with one entry, optionally one of its fields.
    pub fn at(entry: usize, evidence: Option<EvidenceId>, field: Option<&str>, reason: impl Into<String>) -> Self {
        Self { entry: Some(entry as u32), evidence, field: field.map(str::to_owned), reason: reason.into() }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(entry) = self.entry {
            write!(f, "entry {entry}")?;
            if let Some(id) = &self.evidence {
                write!(f, " (evidence {id})")?;
            }
            if let Some(field) = &self.field {
                write!(f, ", field {field}")?;
            }
            write!(f, ": ")?;
        } else if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        f.write_str(&self.reason)
    }
}

/// Joins problems into one line each, for error messages.
pub fn list(problems: &[Problem]) -> String {
    problems.iter().map(|p| format!("\n  - {p}")).collect()
}
