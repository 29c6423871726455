//! Rectification tasks as lists and the task screen (with its timeline) show them.

use super::LocalizedText;
use crate::custom_types::Timestamp;
use crate::photos::PhotoView;
use fieldcheck_core::domain::finding::Severity;
use fieldcheck_core::domain::rectification::{RectificationTask, TaskAction, TaskState};
use fieldcheck_core::protocol::TaskEvent;
use fieldcheck_core::store::PlaceNames;
use uuid::Uuid;

#[uniffi::remote(Enum)]
pub enum TaskState {
    Issued,
    Acknowledged,
    ProofSubmitted,
    Accepted,
    Rejected,
}

#[uniffi::remote(Enum)]
pub enum TaskAction {
    Acknowledge,
    SubmitProof,
    Accept,
    Reject,
}

/// A rectification task.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct TaskView {
    pub id: Uuid,
    pub enterprise: Uuid,
    pub inspection: Uuid,
    pub finding: Uuid,
    pub severity: Severity,
    pub requirement: String,
    pub issued_at: Timestamp,
    pub deadline: Timestamp,
    pub state: TaskState,
    pub state_label: LocalizedText,
    pub case_review: bool,
    pub overdue: bool,
    /// The enterprise's name, when the enterprise is on this device.
    pub enterprise_name: Option<String>,
    pub township_name: Option<String>,
    /// The latest photo of this task taken on this device (a small JPEG in the data folder).
    pub thumbnail_path: Option<String>,
}

impl TaskView {
    pub(crate) fn new(
        task: &RectificationTask,
        overdue: bool,
        names: Option<&PlaceNames>,
        thumbnail_path: Option<String>,
    ) -> Self {
        Self {
            id: task.id.0,
            enterprise: task.enterprise.0,
            inspection: task.inspection.0,
            finding: task.finding.0,
            severity: task.severity,
            requirement: task.requirement.clone(),
            issued_at: task.issued_at,
            deadline: task.deadline,
            state: task.state,
            state_label: (&task.state.label()).into(),
            case_review: task.case_review,
            overdue,
            enterprise_name: names.map(|n| n.enterprise.clone()),
            township_name: names.and_then(|n| n.township.clone()),
            thumbnail_path,
        }
    }
}

/// One line of a task's timeline.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct TaskEventView {
    pub action: TaskAction,
    pub by_name: String,
    pub note: String,
    pub evidence: Vec<Uuid>,
    pub at: Timestamp,
}

impl From<&TaskEvent> for TaskEventView {
    fn from(e: &TaskEvent) -> Self {
        Self {
            action: e.action,
            by_name: e.by_name.clone(),
            note: e.note.clone(),
            evidence: e.evidence.iter().map(|id| id.0).collect(),
            at: e.at,
        }
    }
}

/// The task screen: the task and its timeline, oldest first.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct TaskScreen {
    pub task: TaskView,
    pub timeline: Vec<TaskEventView>,
    /// What the signed-in user may do now (the buttons to show), from the core's state machine.
    pub actions: Vec<TaskAction>,
    /// Photos of this task: those taken on this device (the enterprise's proof, an officer's
    /// re-inspection) in capture order, `sent` once a transition cites them; then those taken on another
    /// device and fetched from the platform at sync (e.g. the enterprise's proof on the officer's phone).
    pub photos: Vec<PhotoView>,
}
