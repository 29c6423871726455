//! The home screen.

use super::{AlarmView, InspectionSummary, TaskView};
use fieldcheck_core::store::TodayWork;

/// Today's work for the signed-in user.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct TodayView {
    /// Dispatched or on-site alarms, most urgent first.
    pub alarms: Vec<AlarmView>,
    /// Tasks awaiting acceptance or past their deadline, overdue first.
    pub reinspections: Vec<TaskView>,
    /// Drafts and inspections in progress, most recently touched first.
    pub inspections: Vec<InspectionSummary>,
}

impl From<&TodayWork> for TodayView {
    fn from(t: &TodayWork) -> Self {
        Self {
            alarms: t.alarms.iter().map(Into::into).collect(),
            reinspections: t.reinspections.iter().map(Into::into).collect(),
            inspections: t.inspections.iter().map(Into::into).collect(),
        }
    }
}
