//! Checkpoints the WAL on a thread of its own. SQLite's automatic checkpoint runs inside the commit that
//! crosses its threshold, so one request in every few hundred paid for copying the whole log into the
//! database (6% of a large push, and a latency spike under a crowd of small ones). Here the writer only
//! nudges after each commit; the thread copies what is new while the next transactions run, at most one
//! pass per [`PAUSE`], so that the commits of a crowd of small requests are copied together (a pass per
//! commit costs more than the inline checkpoint did: each pass syncs the database file).

use rusqlite::Connection;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// The writer's own automatic checkpoint, kept as a backstop in case the thread falls behind (a reader
/// holding an old snapshot, a slow disk): past this many pages in the log, a commit checkpoints inline.
pub const BACKSTOP_PAGES: i64 = 8 * 1024;

/// The least time between two passes.
const PAUSE: Duration = Duration::from_millis(100);

#[derive(Default)]
struct Signal {
    /// A commit happened since the last pass.
    pending: bool,
    closing: bool,
}

/// The checkpointing thread of one database; stopped and joined when dropped.
pub struct Checkpointer {
    signal: Arc<(Mutex<Signal>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts the thread on `conn`, a connection of its own to the database.
    pub fn start(conn: Connection) -> std::io::Result<Self> {
        let signal: Arc<(Mutex<Signal>, Condvar)> = Arc::default();
        let shared = signal.clone();
        let thread = std::thread::Builder::new().name("sqlite-checkpoint".into()).spawn(move || {
            let (lock, wake) = &*shared;
            loop {
                {
                    let mut s = lock.lock().unwrap_or_else(|p| p.into_inner());
                    while !s.pending && !s.closing {
                        s = wake.wait(s).unwrap_or_else(|p| p.into_inner());
                    }
                    if s.closing {
                        return;
                    }
                    s.pending = false;
                }
                // PASSIVE: copies what no reader still needs, never waits for one and never blocks the
                // writer. A failure (busy, I/O) is left to the next pass and, failing that, the backstop.
                if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                    tracing::warn!(error = %e, "background WAL checkpoint failed; the next commit retries it");
                }
                // The pause, cut short when the database closes.
                let s = lock.lock().unwrap_or_else(|p| p.into_inner());
                drop(wake.wait_timeout_while(s, PAUSE, |s| !s.closing).unwrap_or_else(|p| p.into_inner()));
            }
        })?;
        Ok(Checkpointer { signal, thread: Some(thread) })
    }

    /// Tells the thread a commit added to the log.
    pub fn nudge(&self) {
        let (lock, wake) = &*self.signal;
        lock.lock().unwrap_or_else(|p| p.into_inner()).pending = true;
        wake.notify_one();
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        let (lock, wake) = &*self.signal;
        lock.lock().unwrap_or_else(|p| p.into_inner()).closing = true;
        wake.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
