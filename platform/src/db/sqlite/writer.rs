//! The one writer connection, on a thread of its own, committing the writes queued while it was busy
//! together (group commit).
//!
//! Under a crowd of small pushes, each was its own transaction: its own commit, its own WAL frames for the
//! pages every push touches (the change log's end, the devices, the mutations), and after each commit
//! every reader's page cache emptied (SQLite drops a connection's cache when it sees another's commit).
//! Here the writes that queued while one group ran make the next group: run one after the other in one
//! transaction, each under its own savepoint so that one that fails is undone alone, and committed once.
//! Each caller is answered after the commit, so what it is told was kept is kept. A write alone is its
//! own transaction, as before. A write whose caller stopped waiting before its turn is not run.

use super::super::{StoreError, Tx, traced};
use super::SqliteTx;
use super::checkpointer::Checkpointer;
use crate::error::ApiError;
use rusqlite::{Connection, TransactionBehavior};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Instant;
use tokio::sync::oneshot;

/// The most writes committed together: a group's first caller waits for all of them.
const MAX_GROUP: usize = 64;

/// One caller's write, waiting for its turn and then for its group's commit.
trait Write: Send {
    /// Whether the caller has stopped waiting (its request was dropped): then it is not run.
    fn abandoned(&self) -> bool;
    /// Runs the write in the group's transaction; whether it is to be kept.
    fn run(&mut self, tx: &mut dyn Tx) -> bool;
    /// Answers the caller once the group's fate is known: its own result, or why the group was not kept.
    fn answer(self: Box<Self>, group: Result<(), &StoreError>);
}

struct Pending<F, R> {
    write: Option<F>,
    result: Option<Result<R, ApiError>>,
    caller: oneshot::Sender<Result<R, ApiError>>,
    /// The request's span, so the write logs under the request's id on this thread too.
    span: tracing::Span,
}

impl<F, R> Write for Pending<F, R>
where
    F: FnOnce(&mut dyn Tx) -> Result<R, ApiError> + Send,
    R: Send,
{
    fn abandoned(&self) -> bool {
        self.caller.is_closed()
    }

    fn run(&mut self, tx: &mut dyn Tx) -> bool {
        let Some(write) = self.write.take() else { return false };
        let result = self.span.in_scope(|| {
            traced("write", || {
                // A panic undoes this write alone; the thread and the other writes go on.
                catch_unwind(AssertUnwindSafe(|| write(tx))).unwrap_or_else(|panic| {
                    let message = crate::error::panic_message(panic.as_ref());
                    tracing::error!("a write panicked: {message}");
                    Err(StoreError::Join(format!("the write panicked: {message}")).into())
                })
            })
        });
        let kept = result.is_ok();
        self.result = Some(result);
        kept
    }

    fn answer(self: Box<Self>, group: Result<(), &StoreError>) {
        let answer = match (self.result, group) {
            (Some(Err(e)), _) => Err(e),
            (Some(Ok(r)), Ok(())) => Ok(r),
            (_, Err(e)) => Err(again(e).into()),
            (None, Ok(())) => Err(StoreError::Join("the write was not run".into()).into()),
        };
        // A caller that stopped waiting is simply not told.
        let _ = self.caller.send(answer);
    }
}

/// The same failure once more, for each write of a failed group (a `StoreError` cannot be cloned); a
/// busy or full database keeps its code, so each caller is answered as it would have been alone.
fn again(e: &StoreError) -> StoreError {
    match e {
        StoreError::Sqlite(rusqlite::Error::SqliteFailure(code, message)) => {
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(*code, message.clone()))
        }
        other => StoreError::Join(other.to_string()),
    }
}

struct Queued {
    at: Instant,
    write: Box<dyn Write>,
}

/// The writer thread of one database; drained, stopped and joined when dropped.
pub struct Writer {
    queue: Option<mpsc::Sender<Queued>>,
    thread: Option<JoinHandle<()>>,
    /// Writes queued and not yet started (for `/metrics`).
    waiting: Arc<AtomicUsize>,
    busy: Arc<AtomicBool>,
}

impl Writer {
    /// Starts the thread on `conn`, the database's one writer connection; `checkpointer` is told of each
    /// commit.
    pub fn start(conn: Connection, checkpointer: Checkpointer) -> std::io::Result<Self> {
        let (queue, queued) = mpsc::channel::<Queued>();
        let (waiting, busy) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicBool::new(false)));
        let (counted, working) = (waiting.clone(), busy.clone());
        let thread = std::thread::Builder::new().name("sqlite-writer".into()).spawn(move || {
            let mut conn = conn;
            while let Ok(first) = queued.recv() {
                working.store(true, Ordering::Relaxed);
                let mut group = vec![first];
                while group.len() < MAX_GROUP {
                    match queued.try_recv() {
                        Ok(next) => group.push(next),
                        Err(_) => break,
                    }
                }
                counted.fetch_sub(group.len(), Ordering::Relaxed);
                let writes: Vec<Box<dyn Write>> = group
                    .into_iter()
                    .map(|q| {
                        crate::ops::metrics::db_wait(q.at.elapsed(), true);
                        q.write
                    })
                    .collect();
                commit_group(&mut conn, writes);
                checkpointer.nudge();
                working.store(false, Ordering::Relaxed);
            }
        })?;
        Ok(Writer { queue: Some(queue), thread: Some(thread), waiting, busy })
    }

    /// Runs `write` in a write transaction, shared with the writes queued beside it, and answers once it
    /// is committed (or why not).
    pub async fn write<F, R>(&self, write: F) -> Result<R, ApiError>
    where
        F: FnOnce(&mut dyn Tx) -> Result<R, ApiError> + Send + 'static,
        R: Send + 'static,
    {
        let (caller, answer) = oneshot::channel();
        let pending = Pending { write: Some(write), result: None, caller, span: tracing::Span::current() };
        let stopped = || ApiError::from(StoreError::Join("the database's writer has stopped".into()));
        let queue = self.queue.as_ref().ok_or_else(stopped)?;
        self.waiting.fetch_add(1, Ordering::Relaxed);
        if queue.send(Queued { at: Instant::now(), write: Box::new(pending) }).is_err() {
            self.waiting.fetch_sub(1, Ordering::Relaxed);
            return Err(stopped());
        }
        answer.await.map_err(|_| stopped())?
    }

    /// Writes waiting for the writer, and whether it is busy now.
    pub fn state(&self) -> (usize, bool) {
        (self.waiting.load(Ordering::Relaxed), self.busy.load(Ordering::Relaxed))
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        // The thread runs what is queued, then finds the queue closed.
        self.queue.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Runs `writes` in one transaction and answers each.
fn commit_group(conn: &mut Connection, mut writes: Vec<Box<dyn Write>>) {
    writes.retain(|w| !w.abandoned());
    if writes.is_empty() {
        return;
    }
    match run_group(conn, &mut writes) {
        Ok(()) => writes.into_iter().for_each(|w| w.answer(Ok(()))),
        Err(e) => writes.into_iter().for_each(|w| w.answer(Err(&e))),
    }
}

/// Runs each write under a savepoint of its own (a write alone needs none: it is the transaction), undoing
/// those that fail, and commits. An error means nothing of the group was kept.
fn run_group(conn: &mut Connection, writes: &mut [Box<dyn Write>]) -> Result<(), StoreError> {
    let alone = writes.len() == 1;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut kept_any = false;
    for write in writes.iter_mut() {
        if !alone {
            tx.execute_batch("SAVEPOINT write")?;
        }
        let kept = write.run(&mut SqliteTx(&tx));
        // Some failures (a full disk, an I/O error) make SQLite roll the whole transaction back: the writes
        // before this one are gone too.
        if tx.is_autocommit() {
            return Err(StoreError::Join("the database rolled the transaction back after an error".into()));
        }
        match (alone, kept) {
            (true, _) => {}
            (false, true) => tx.execute_batch("RELEASE write")?,
            (false, false) => tx.execute_batch("ROLLBACK TO write; RELEASE write")?,
        }
        kept_any |= kept;
    }
    if kept_any {
        tx.commit()?;
    }
    // Otherwise the transaction is rolled back as it is dropped.
    Ok(())
}
