//! Notifications to the app: it registers a listener and gets back a handle that stops it. Writes
//! made through this client publish what they changed, and a sync publishes its progress; each
//! listener is called on a background thread, in order, and released as soon as it is cancelled.

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
    /// Many records may have changed (a sync applied the platform's changes, or the listener fell
    /// behind): reload everything shown.
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

/// What a hub sends when a listener fell so far behind that notifications were dropped.
pub(crate) trait Lagged {
    fn lagged() -> Self;
}

impl Lagged for Change {
    fn lagged() -> Self {
        Change { kind: ChangeKind::Everything, id: None }
    }
}

type Deliver<T> = Arc<dyn Fn(T) + Send + Sync>;

/// The app's listener while Rust holds it, counted as a live object: the bindings' tests see it released
/// without looking at the generated code's process-wide handle maps.
struct Held<T> {
    deliver: Deliver<T>,
    _live: Live,
}

/// Where events of one kind are published; cheap to clone.
#[derive(Clone)]
pub(crate) struct Hub<T> {
    sender: broadcast::Sender<T>,
}

/// Notifications a slow listener may fall behind by before it is told it missed some.
const BACKLOG: usize = 256;

impl<T: Clone + Lagged + Send + 'static> Hub<T> {
    pub(crate) fn new() -> Self {
        Self { sender: broadcast::channel(BACKLOG).0 }
    }

    /// Tells every current listener; nobody listening is fine.
    pub(crate) fn publish(&self, event: T) {
        let _ = self.sender.send(event);
    }

    /// Starts calling `deliver` for every event from now on.
    pub(crate) fn subscribe(&self, deliver: Deliver<T>) -> Result<Arc<Subscription>> {
        let slot: Arc<Mutex<Option<Arc<Held<T>>>>> =
            Arc::new(Mutex::new(Some(Arc::new(Held { deliver, _live: Live::new() }))));
        let mut receiver = self.sender.subscribe();
        let task_slot = slot.clone();
        let task = runtime()?.spawn(async move {
            loop {
                let event = match receiver.recv().await {
                    Ok(event) => event,
                    Err(broadcast::error::RecvError::Lagged(_)) => T::lagged(),
                    Err(broadcast::error::RecvError::Closed) => return,
                };
                // Clone out of the lock: the app's callback must not run while we hold it.
                let deliver = task_slot.lock().unwrap_or_else(PoisonError::into_inner).clone();
                match deliver {
                    Some(held) => (held.deliver)(event),
                    None => return,
                }
            }
        });
        let release = Box::new(move || {
            slot.lock().unwrap_or_else(PoisonError::into_inner).take();
        });
        Ok(Arc::new(Subscription {
            release: Mutex::new(Some(release)),
            task: Mutex::new(Some(task)),
            _live: Live::new(),
        }))
    }
}

impl Hub<Change> {
    /// Publishes a change of one record (or a whole kind).
    pub(crate) fn changed(&self, kind: ChangeKind, id: Option<Uuid>) {
        self.publish(Change { kind, id });
    }
}

/// A running listener. Cancel it (or let it be released) to stop the calls.
#[derive(uniffi::Object)]
pub struct Subscription {
    /// Drops the app's listener.
    release: Mutex<Option<Box<dyn FnOnce() + Send>>>,
    task: Mutex<Option<JoinHandle<()>>>,
    _live: Live,
}

#[uniffi::export]
impl Subscription {
    /// Stops the listener now: it is released at once and no new call starts (one already under way
    /// may finish). Calling twice is fine.
    pub fn cancel(&self) {
        // Dropping the listener here (not when the task next runs) releases the app's object now.
        if let Some(release) = self.release.lock().unwrap_or_else(PoisonError::into_inner).take() {
            release();
        }
        if let Some(task) = self.task.lock().unwrap_or_else(PoisonError::into_inner).take() {
            task.abort();
        }
    }

    /// False once cancelled.
    pub fn is_active(&self) -> bool {
        self.release.lock().unwrap_or_else(PoisonError::into_inner).is_some()
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// Stands for the app's listener: notes when Rust lets it go.
    struct Listener(Arc<AtomicBool>);

    impl Drop for Listener {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    #[test]
    fn cancelling_a_subscription_lets_its_listener_go_at_once() {
        let _alone = crate::diagnostics::MAKES_OBJECTS.lock().unwrap_or_else(PoisonError::into_inner);
        let hub: Hub<Change> = Hub::new();
        let released = Arc::new(AtomicBool::new(false));
        let listener = Listener(released.clone());
        let sub = hub
            .subscribe(Arc::new(move |_| {
                let _held = &listener;
            }))
            .expect("subscribe");
        assert!(!released.load(Ordering::SeqCst));
        sub.cancel();
        assert!(released.load(Ordering::SeqCst), "the listener (and its live-object count) is released");
        assert!(!sub.is_active());
    }
}
