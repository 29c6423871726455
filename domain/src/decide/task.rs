//! A step of a rectification task: acknowledge, submit proof, accept, reject.

use crate::DomainError;
use crate::bounded;
use crate::capability::{self, Action};
use crate::ids::EvidenceId;
use crate::limits::STEP_PHOTOS;
use crate::organisation::User;
use crate::rectification::{RectificationTask, TaskAction, TaskState};

/// What a step decides: the task after it, and the note and photos it records.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub task: RectificationTask,
    pub from: TaskState,
    pub note: String,
    pub evidence: Vec<EvidenceId>,
}

/// Decides `action` on `task` by `actor`, with a note (at most the free-text limit) and the photos it
/// cites (distinct, at most [`STEP_PHOTOS`]).
pub fn transition(
    actor: &User,
    task: &RectificationTask,
    action: TaskAction,
    note: &str,
    evidence: &[EvidenceId],
) -> Result<Step, DomainError> {
    let note = bounded::free_text("note", note)?;
    bounded::distinct("photos", evidence.iter(), STEP_PHOTOS)?;
    capability::require(actor.role, Action::Task(action))?;
    let mut next = task.clone();
    next.state = task.state.after(action, actor.role)?;
    Ok(Step { task: next, from: task.state, note, evidence: evidence.to_vec() })
}
