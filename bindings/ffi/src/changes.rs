//! Change notifications: the app registers a listener and gets back a handle that stops it. Writes
//! made through this client publish what they changed; each listener is called on a background
//! thread, in order, and never after its handle was cancelled or released.

use crate::diagnostics::Live;
use crate::error::Result;
use crate::runtime::runtime;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::broadcast;
use tokio::task::JoinHandle;
use uuid::Uuid;

/// Which kind of record changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ChangeKind {
    Enterprise,
    Inspection,
    Task,
    Alarm,
    Template,
    /// Notifications were missed (the listener fell behind): reload everything shown.
    Everything,
}

/// One change: a record of a kind, or a whole kind when `id` is absent.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Change {
    pub kind: ChangeKind,
    pub id: Option<Uuid>,
}

/// Implemented by the app to hear about changes.
#[uniffi::export(with_foreign)]
pub trait ChangeListener: Send + Sync {
    /// Called on a background thread for each change, in order.
    fn on_change(&self, change: Change);
}

/// Where writes publish their changes; cheap to clone.
#[derive(Clone)]
pub(crate) struct ChangeHub {
    sender: broadcast::Sender<Change>,
}

/// Notifications a slow listener may fall behind by before it is told to reload everything.
const BACKLOG: usize = 256;

impl ChangeHub {
    pub(crate) fn new() -> Self {
        Self { sender: broadcast::channel(BACKLOG).0 }
    }

    /// Tells every current listener; nobody listening is fine.
    pub(crate) fn publish(&self, kind: ChangeKind, id: Option<Uuid>) {
        let _ = self.sender.send(Change { kind, id });
    }

    /// Starts calling `listener` for every change from now on.
    pub(crate) fn subscribe(&self, listener: Arc<dyn ChangeListener>) -> Result<Arc<Subscription>> {
        let slot = Arc::new(Mutex::new(Some(listener)));
        let mut receiver = self.sender.subscribe();
        let task_slot = slot.clone();
        let task = runtime()?.spawn(async move {
            loop {
                let change = match receiver.recv().await {
                    Ok(change) => change,
                    Err(broadcast::error::RecvError::Lagged(_)) => Change { kind: ChangeKind::Everything, id: None },
                    Err(broadcast::error::RecvError::Closed) => return,
                };
                // Clone out of the lock: the app's callback must not run while we hold it.
                let listener = task_slot.lock().unwrap_or_else(PoisonError::into_inner).clone();
                match listener {
                    Some(listener) => listener.on_change(change),
                    None => return,
                }
            }
        });
        Ok(Arc::new(Subscription { slot, task: Mutex::new(Some(task)), _live: Live::new() }))
    }
}

/// A running listener. Cancel it (or let it be released) to stop the calls.
#[derive(uniffi::Object)]
pub struct Subscription {
    slot: Arc<Mutex<Option<Arc<dyn ChangeListener>>>>,
    task: Mutex<Option<JoinHandle<()>>>,
    _live: Live,
}

#[uniffi::export]
impl Subscription {
    /// Stops the listener now; it is released at once and not called again. Calling twice is fine.
    pub fn cancel(&self) {
        // Dropping the listener here (not when the task next runs) releases the app's object now.
        self.slot.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(task) = self.task.lock().unwrap_or_else(PoisonError::into_inner).take() {
            task.abort();
        }
    }

    /// False once cancelled.
    pub fn is_active(&self) -> bool {
        self.slot.lock().unwrap_or_else(PoisonError::into_inner).is_some()
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.cancel();
    }
}
