//! What a draw becomes: a recorded draw, and one inspection assignment per drawn officer, which the
//! officer's phone pulls (addressed to that officer alone) and shows on its today list.

use super::draw::{DrawInput, SquadronResult};
use crate::ids::{AssignmentId, DrawId, EnterpriseId, SquadronId, UserId};
use crate::inspection::InspectionKind;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A draw as recorded: who drew when, everything it read, and what it gave.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Draw {
    pub id: DrawId,
    pub drawn_by: UserId,
    pub drawn_at: DateTime<Utc>,
    /// When the drawn inspections are due.
    pub due_by: DateTime<Utc>,
    pub input: DrawInput,
    pub result: Vec<SquadronResult>,
}

/// One officer's inspection from a draw.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Assignment {
    pub id: AssignmentId,
    pub draw: DrawId,
    /// Whose today list it is on.
    pub officer: UserId,
    /// The whole drawn team, this officer included.
    pub team: Vec<UserId>,
    pub enterprise: EnterpriseId,
    pub squadron: SquadronId,
    /// Always [`InspectionKind::DoubleRandom`]; the inspection the officer starts takes it.
    pub kind: InspectionKind,
    pub assigned_at: DateTime<Utc>,
    pub due_by: DateTime<Utc>,
}

impl Draw {
    /// One assignment per officer per pick.
    pub fn assignments(&self) -> Vec<Assignment> {
        let mut out = Vec::new();
        for s in &self.result {
            for pick in &s.picks {
                for officer in &pick.officers {
                    out.push(Assignment {
                        id: AssignmentId::new(),
                        draw: self.id,
                        officer: *officer,
                        team: pick.officers.clone(),
                        enterprise: pick.enterprise,
                        squadron: s.squadron,
                        kind: InspectionKind::DoubleRandom,
                        assigned_at: self.drawn_at,
                        due_by: self.due_by,
                    });
                }
            }
        }
        out
    }
}
