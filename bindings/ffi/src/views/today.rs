//! The home screen.

use super::{AlarmView, InspectionSummary, TaskView};

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
