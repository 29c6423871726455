//! Who may do what: one table of role × action. Every platform route, the `actions` each row carries and
//! the buttons the apps and the console draw are decided here. An action on a record also needs the
//! record in the caller's reach ([`crate::visibility`]): the table says *who*, visibility says *where*.
//! A state machine's steps take their roles from its transition table, so that table stays their one
//! authority.

use super::DomainError;
use super::alarm::{ALARM_TRANSITIONS, AlarmAction};
use super::organisation::Role;
use super::rectification::{TASK_TRANSITIONS, TaskAction};
use serde::{Deserialize, Serialize};

/// Something a caller may ask the platform or the phone to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Submit an inspection record (`inspection.submit`).
    SubmitInspection,
    /// A step of a rectification task.
    Task(TaskAction),
    /// A step of an alarm.
    Alarm(AlarmAction),
    /// Raise an alarm by hand (the monitoring side raises with its API key instead).
    RaiseAlarm,
    /// Grade a raised alarm (three-level linkage).
    GradeAlarm,
    /// Edit an enterprise's free-text fields.
    EditEnterprise,
    /// Move an enterprise to another township.
    MoveEnterprise,
    /// Ask a phone for the original bytes of an inspection's photos.
    RequestOriginals,
    /// Export an inspection's evidence bundle.
    ExportEvidence,
    /// Export a month's records (PDFs and bundles) as one zip: the command centre, a township office for
    /// its own township.
    ExportRecords,
    /// Create users.
    ManageUsers,
    /// List and revoke devices.
    ManageDevices,
    /// Order a lost or stolen phone wiped: it sends what it can on its next contact, then erases itself.
    WipeDevice,
    /// See and resolve conflicting edits.
    ResolveConflicts,
    /// Read any record's audit trail.
    ReadAudit,
    /// Delete a notice.
    DeleteNotice,
    /// Prune old tombstones from the change log.
    PruneTombstones,
    /// Run a double-random draw (双随机) and assign its inspections.
    DrawInspections,
    /// Read recorded draws and re-run them to verify (公开).
    ReadDraws,
    /// Read enterprises' risk and green indices, explained.
    ReadRisk,
    /// Create and change patrol grids (网格).
    ManageGrids,
    /// Read grids and their coverage.
    ReadCoverage,
    /// Set an enterprise's monitoring points and their limits.
    ManageMonitoringPoints,
}

use Role::*;

/// Actions that are not state-machine steps, with the roles that may take them.
const TABLE: &[(Action, &[Role])] = &[
    (Action::SubmitInspection, &[Officer]),
    (Action::RaiseAlarm, &[Commander]),
    (Action::GradeAlarm, &[Commander]),
    (Action::EditEnterprise, &[Officer, Township, Enterprise, Commander]),
    (Action::MoveEnterprise, &[Commander]),
    (Action::RequestOriginals, &[Commander]),
    (Action::ExportEvidence, &[Officer, Township, Commander]),
    (Action::ExportRecords, &[Township, Commander]),
    (Action::ManageUsers, &[Commander]),
    (Action::ManageDevices, &[Commander]),
    (Action::WipeDevice, &[Commander]),
    (Action::ResolveConflicts, &[Commander]),
    (Action::ReadAudit, &[Officer, Township, Commander]),
    (Action::DeleteNotice, &[Commander]),
    (Action::PruneTombstones, &[Commander]),
    (Action::DrawInspections, &[Commander]),
    (Action::ReadDraws, &[Officer, Township, Commander]),
    (Action::ReadRisk, &[Officer, Township, Commander]),
    (Action::ManageGrids, &[Commander]),
    (Action::ReadCoverage, &[Officer, Township, Commander]),
    (Action::ManageMonitoringPoints, &[Commander]),
];

/// Whether `role` may take `action` at all (reach aside).
pub fn may(role: Role, action: Action) -> bool {
    match action {
        Action::Task(step) => TASK_TRANSITIONS.iter().any(|t| t.action == step && t.roles.contains(&role)),
        Action::Alarm(step) => ALARM_TRANSITIONS.iter().any(|t| t.action == step && t.roles.contains(&role)),
        other => TABLE.iter().any(|(a, roles)| *a == other && roles.contains(&role)),
    }
}

/// [`may`], as a refusal that names the role and the action.
pub fn require(role: Role, action: Action) -> Result<(), DomainError> {
    if may(role, action) {
        Ok(())
    } else {
        Err(DomainError::RoleMayNot { entity: action.entity(), action: action.name(), role })
    }
}

impl Action {
    /// The record kind the action is about, for messages.
    pub fn entity(self) -> &'static str {
        match self {
            Action::SubmitInspection | Action::RequestOriginals | Action::ExportEvidence | Action::ExportRecords => {
                "inspection"
            }
            Action::Task(_) => "rectification task",
            Action::Alarm(_) | Action::RaiseAlarm | Action::GradeAlarm => "alarm",
            Action::EditEnterprise | Action::MoveEnterprise => "enterprise",
            Action::ManageUsers => "user",
            Action::ManageDevices | Action::WipeDevice => "device",
            Action::ResolveConflicts => "conflict",
            Action::ReadAudit => "audit trail",
            Action::DeleteNotice => "notice",
            Action::PruneTombstones => "change log",
            Action::DrawInspections | Action::ReadDraws => "draw",
            Action::ReadRisk => "enterprise",
            Action::ManageGrids | Action::ReadCoverage => "grid",
            Action::ManageMonitoringPoints => "monitoring point",
        }
    }

    /// The action's name as rows' `actions` lists carry it (`grade`, `dispatch`, `acknowledge`, …).
    pub fn name(self) -> String {
        let json = match self {
            Action::Task(step) => serde_json::to_value(step),
            Action::Alarm(step) => serde_json::to_value(step),
            Action::GradeAlarm => return "grade".into(),
            other => serde_json::to_value(other),
        };
        json.ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
    }

    /// Every action, for the capability matrix the API documents and the tests sweep.
    pub fn all() -> Vec<Action> {
        let mut out: Vec<Action> = TABLE.iter().map(|(a, _)| *a).collect();
        out.extend(TASK_TRANSITIONS.iter().map(|t| Action::Task(t.action)));
        out.extend(ALARM_TRANSITIONS.iter().map(|t| Action::Alarm(t.action)));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_centre_alone_administers() {
        for action in [
            Action::ManageUsers,
            Action::ManageDevices,
            Action::PruneTombstones,
            Action::GradeAlarm,
            Action::RaiseAlarm,
            Action::MoveEnterprise,
            Action::ResolveConflicts,
            Action::DeleteNotice,
            Action::DrawInspections,
            Action::ManageGrids,
            Action::ManageMonitoringPoints,
        ] {
            for role in [Officer, Township, Enterprise] {
                assert!(!may(role, action), "{role:?} {action:?}");
            }
            assert!(may(Commander, action));
        }
    }

    #[test]
    fn state_machine_steps_follow_their_tables() {
        assert!(may(Enterprise, Action::Task(TaskAction::SubmitProof)));
        assert!(!may(Enterprise, Action::Task(TaskAction::Accept)));
        assert!(may(Officer, Action::Alarm(AlarmAction::Arrive)));
        assert!(!may(Township, Action::Alarm(AlarmAction::Dispatch)));
    }

    #[test]
    fn every_action_has_a_name_and_a_row() {
        for action in Action::all() {
            assert!(!action.name().is_empty(), "{action:?}");
            let roles = [Officer, Township, Enterprise, Commander];
            assert!(roles.iter().any(|r| may(*r, action)), "{action:?} is allowed to nobody");
        }
    }
}
