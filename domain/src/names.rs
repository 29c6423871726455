//! Stable stored names of the domain's enums: what databases and audit lines hold, chosen here once and
//! never the Rust spelling (`Debug`), so renaming a variant cannot silently change stored text. Each name
//! equals the enum's serde name, so SQL and JSON agree (a test holds every one to it).

/// A name that is none of the enum's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {name:?}")]
pub struct UnknownName {
    pub what: &'static str,
    pub name: String,
}

/// Gives an enum `as_str`, `FromStr` and `NAMED` (every variant, in the order written) from one table.
#[macro_export]
macro_rules! stable_names {
    ($ty:ty, $what:literal, { $($variant:path => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// Every variant, in the order its names are declared.
            pub const NAMED: &'static [$ty] = &[$($variant),+];

            /// The stable stored name.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($variant => $name),+
                }
            }
        }

        impl std::str::FromStr for $ty {
            type Err = $crate::names::UnknownName;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($name => Ok($variant),)+
                    _ => Err($crate::names::UnknownName { what: $what, name: s.to_string() }),
                }
            }
        }
    };
}

use crate::alarm::{AlarmAction, AlarmState};
use crate::finding::Severity;
use crate::inspection::{InspectionKind, InspectionState};
use crate::organisation::Role;
use crate::rectification::{TaskAction, TaskState};
use crate::supervision::class::EnterpriseClass;

stable_names!(AlarmState, "alarm state", {
    AlarmState::Raised => "raised",
    AlarmState::Dispatched => "dispatched",
    AlarmState::OnSite => "on_site",
    AlarmState::Closed => "closed",
});
stable_names!(AlarmAction, "alarm action", {
    AlarmAction::Dispatch => "dispatch",
    AlarmAction::Arrive => "arrive",
    AlarmAction::Close => "close",
});
stable_names!(TaskState, "task state", {
    TaskState::Issued => "issued",
    TaskState::Acknowledged => "acknowledged",
    TaskState::ProofSubmitted => "proof_submitted",
    TaskState::Accepted => "accepted",
    TaskState::Rejected => "rejected",
});
stable_names!(TaskAction, "task action", {
    TaskAction::Acknowledge => "acknowledge",
    TaskAction::SubmitProof => "submit_proof",
    TaskAction::Accept => "accept",
    TaskAction::Reject => "reject",
});
stable_names!(InspectionState, "inspection state", {
    InspectionState::Draft => "draft",
    InspectionState::InProgress => "in_progress",
    InspectionState::Submitted => "submitted",
});
stable_names!(InspectionKind, "inspection kind", {
    InspectionKind::Routine => "routine",
    InspectionKind::NightSpotCheck => "night_spot_check",
    InspectionKind::AlarmResponse => "alarm_response",
    InspectionKind::Complaint12369 => "complaint12369",
    InspectionKind::DoubleRandom => "double_random",
    InspectionKind::ReInspection => "re_inspection",
});
stable_names!(Severity, "severity", {
    Severity::Minor => "minor",
    Severity::General => "general",
    Severity::Serious => "serious",
});
stable_names!(Role, "role", {
    Role::Officer => "officer",
    Role::Township => "township",
    Role::Enterprise => "enterprise",
    Role::Commander => "commander",
});
stable_names!(EnterpriseClass, "enterprise class", {
    EnterpriseClass::KeyDischarger => "key_discharger",
    EnterpriseClass::KeyHazardousWasteUnit => "key_hazardous_waste_unit",
    EnterpriseClass::HazardousWasteProducer => "hazardous_waste_producer",
    EnterpriseClass::Ordinary => "ordinary",
});

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use std::str::FromStr;

    fn agree<T: Serialize + FromStr + PartialEq + std::fmt::Debug + Copy>(all: &[T], name: fn(T) -> &'static str) {
        for v in all {
            assert_eq!(serde_json::to_value(v).unwrap(), serde_json::json!(name(*v)), "{v:?}: serde and stored names");
            assert_eq!(T::from_str(name(*v)).ok(), Some(*v), "{v:?} parses back");
        }
    }

    #[test]
    fn every_stored_name_is_the_serde_name_and_parses_back() {
        agree(AlarmState::NAMED, AlarmState::as_str);
        agree(AlarmAction::NAMED, AlarmAction::as_str);
        agree(TaskState::NAMED, TaskState::as_str);
        agree(TaskAction::NAMED, TaskAction::as_str);
        agree(InspectionState::NAMED, InspectionState::as_str);
        agree(InspectionKind::NAMED, InspectionKind::as_str);
        agree(Severity::NAMED, Severity::as_str);
        agree(Role::NAMED, Role::as_str);
        agree(EnterpriseClass::NAMED, EnterpriseClass::as_str);
        assert_eq!(AlarmState::NAMED, AlarmState::ALL);
        assert_eq!(TaskState::NAMED, TaskState::ALL);
        assert!("Raised".parse::<AlarmState>().is_err(), "the Rust spelling is not a stored name");
    }
}
