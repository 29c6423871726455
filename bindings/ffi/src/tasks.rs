//! Rectification tasks: the list, the task screen with its timeline, and the user's transitions.

use crate::changes::ChangeKind;
use crate::client::Shared;
use crate::diagnostics::Live;
use crate::error::{FieldcheckError, Result};
use crate::rows::{Rows, task_photos};
use crate::views::{TaskScreen, TaskView};
use fieldcheck_core::domain::ids::{EnterpriseId, EvidenceId, TaskId};
use fieldcheck_core::domain::rectification::{TaskAction, TaskState};
use fieldcheck_core::store::TaskFilter;
use std::sync::Arc;
use uuid::Uuid;

/// Rectification tasks on this device.
#[derive(uniffi::Object)]
pub struct TasksClient {
    shared: Arc<Shared>,
    _live: Live,
}

impl TasksClient {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        Self { shared, _live: Live::new() }
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }
}

#[uniffi::export]
impl TasksClient {
    /// Tasks in the given states (all when empty), optionally of one enterprise; overdue first.
    pub fn list(&self, states: Vec<TaskState>, enterprise: Option<Uuid>) -> Result<Vec<TaskView>> {
        let store = &self.shared.store;
        let filter = TaskFilter { states, enterprise: enterprise.map(EnterpriseId) };
        let items = store.tasks(&filter, store.now())?;
        let rows = Rows::new(&self.shared, items.iter().map(|i| i.task.enterprise))?;
        items.iter().map(|i| rows.task(&i.task, i.overdue)).collect()
    }

    /// One task with its timeline, the actions the user may take and this device's photos of it.
    pub fn screen(&self, id: Uuid) -> Result<TaskScreen> {
        let store = &self.shared.store;
        let task = store
            .task(TaskId(id))?
            .ok_or_else(|| FieldcheckError::NotFound(format!("task {id} is not on this device / 整改任务不存在")))?;
        let timeline = store.task_events(TaskId(id))?.iter().map(Into::into).collect();
        let actions = match store.session()? {
            Some(session) => task.state.actions_for(session.user.role),
            None => Vec::new(),
        };
        let rows = Rows::new(&self.shared, [task.enterprise])?;
        Ok(TaskScreen {
            task: rows.task(&task, task.is_overdue(store.now()))?,
            timeline,
            actions,
            photos: task_photos(&self.shared, TaskId(id))?,
        })
    }

    /// Moves a task (acknowledge, submit proof, accept, reject) as the signed-in user; the core
    /// checks the state machine and the user's role. `evidence`: ids of photos of this task taken here
    /// (`attachProofPhoto`), sent sealed with the transition.
    pub fn transition(&self, id: Uuid, action: TaskAction, note: String, evidence: Vec<Uuid>) -> Result<TaskView> {
        let store = &self.shared.store;
        let evidence = evidence.into_iter().map(EvidenceId).collect();
        let task = store.transition_task(TaskId(id), action, &note, evidence)?;
        self.shared.changes.changed(ChangeKind::Task, Some(id));
        Rows::new(&self.shared, [task.enterprise])?.task(&task, task.is_overdue(store.now()))
    }
}
