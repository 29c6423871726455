//! Changes the platform refused for good ("needs attention"): what they were, why they were refused,
//! and dismissing one once the user has seen it.

use crate::client::FieldcheckClient;
use crate::custom_types::Timestamp;
use crate::error::Result;
use fieldcheck_core::protocol::{Intent, RejectCode};
use fieldcheck_core::store::NeedsAttention;
use uuid::Uuid;

#[uniffi::remote(Enum)]
pub enum RejectCode {
    Forbidden,
    NotFound,
    InvalidTransition,
    Invalid,
}

/// Which kind of change was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ChangeAction {
    InspectionSubmit,
    TaskTransition,
    AlarmArrive,
    AlarmClose,
    EnterpriseEdit,
}

/// A change the platform refused, kept on the device until dismissed.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AttentionItem {
    /// Pass to `dismissAttention`.
    pub seq: u64,
    pub action: ChangeAction,
    /// The inspection, task, alarm or enterprise it was about.
    pub record: Uuid,
    pub code: RejectCode,
    /// The platform's reason, for the person.
    pub reason: String,
    /// When the user made the change (device clock).
    pub made_at: Timestamp,
    /// When the refusal arrived (device clock).
    pub rejected_at: Timestamp,
}

impl From<&NeedsAttention> for AttentionItem {
    fn from(n: &NeedsAttention) -> Self {
        let (action, record) = match &n.mutation.intent {
            Intent::InspectionSubmit(sub) => (ChangeAction::InspectionSubmit, sub.inspection.id.0),
            Intent::TaskTransition { task, .. } => (ChangeAction::TaskTransition, task.0),
            Intent::AlarmArrive { alarm, .. } => (ChangeAction::AlarmArrive, alarm.0),
            Intent::AlarmClose { alarm, .. } => (ChangeAction::AlarmClose, alarm.0),
            Intent::EnterpriseEdit { enterprise, .. } => (ChangeAction::EnterpriseEdit, enterprise.0),
        };
        Self {
            seq: n.mutation.seq,
            action,
            record,
            code: n.code,
            reason: n.reason.clone(),
            made_at: n.mutation.made_at,
            rejected_at: n.at,
        }
    }
}

#[uniffi::export]
impl FieldcheckClient {
    /// Changes the platform refused, oldest first (the local change was already undone).
    pub fn needs_attention(&self) -> Result<Vec<AttentionItem>> {
        Ok(self.shared().store.needs_attention()?.iter().map(Into::into).collect())
    }

    /// Removes a refused change from the list once the user has seen it; false if there was none.
    pub fn dismiss_attention(&self, seq: u64) -> Result<bool> {
        let removed = self.shared().store.dismiss_attention(seq)?;
        if removed {
            // The sync line's counts changed.
            crate::sync::report(self.shared(), |_| {});
        }
        Ok(removed)
    }
}
