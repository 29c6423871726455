//! What an audit line records of a record's lifecycle: the state before and after, typed. Stored and
//! served by the states' stable names (`names`), which are distinct across the three kinds.

use crate::alarm::AlarmState;
use crate::inspection::InspectionState;
use crate::names::UnknownName;
use crate::rectification::TaskState;
use crate::text::Text;
use serde::Serialize;

/// A lifecycle state of an alarm, a rectification task or an inspection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum RecordState {
    Alarm(AlarmState),
    Task(TaskState),
    Inspection(InspectionState),
}

impl RecordState {
    /// The stable stored name (`raised`, `proof_submitted`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            RecordState::Alarm(s) => s.as_str(),
            RecordState::Task(s) => s.as_str(),
            RecordState::Inspection(s) => s.as_str(),
        }
    }

    /// The state named `name` of a record of kind `entity` (`alarm`, `task`, `inspection`).
    pub fn parse(entity: &str, name: &str) -> Result<RecordState, UnknownName> {
        match entity {
            "alarm" => name.parse().map(RecordState::Alarm),
            "task" => name.parse().map(RecordState::Task),
            "inspection" => name.parse().map(RecordState::Inspection),
            _ => Err(UnknownName { what: "record kind with states", name: entity.to_string() }),
        }
    }

    /// The state in words, for a timeline.
    pub fn label(self) -> Text {
        match self {
            RecordState::Alarm(s) => s.label(),
            RecordState::Task(s) => s.label(),
            RecordState::Inspection(InspectionState::Draft) => Text::new("草稿", "draft"),
            RecordState::Inspection(InspectionState::InProgress) => Text::new("检查中", "in progress"),
            RecordState::Inspection(InspectionState::Submitted) => Text::new("已提交", "submitted"),
        }
    }
}

impl From<AlarmState> for RecordState {
    fn from(s: AlarmState) -> Self {
        RecordState::Alarm(s)
    }
}

impl From<TaskState> for RecordState {
    fn from(s: TaskState) -> Self {
        RecordState::Task(s)
    }
}

impl From<InspectionState> for RecordState {
    fn from(s: InspectionState) -> Self {
        RecordState::Inspection(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_round_trips_through_its_kind_and_serves_as_its_name() {
        let all = AlarmState::NAMED
            .iter()
            .map(|s| ("alarm", RecordState::from(*s)))
            .chain(TaskState::NAMED.iter().map(|s| ("task", RecordState::from(*s))))
            .chain(InspectionState::NAMED.iter().map(|s| ("inspection", RecordState::from(*s))));
        for (entity, state) in all {
            assert_eq!(RecordState::parse(entity, state.as_str()), Ok(state));
            assert_eq!(serde_json::to_value(state).unwrap(), serde_json::json!(state.as_str()));
        }
        assert!(RecordState::parse("task", "raised").is_err(), "a state of another kind");
        assert!(RecordState::parse("grid", "raised").is_err());
    }
}
