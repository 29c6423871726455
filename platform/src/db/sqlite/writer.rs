//! The one writer connection, on a thread of its own, committing the writes queued while it was busy
//! together (group commit).
//!
//! Under a crowd of small pushes, each was its own transaction: its own commit, its own WAL frames for the
//! pages every push touches (the change log's end, the devices, the mutations), and after each commit
//! every reader's page cache emptied (SQLite drops a connection's cache when it sees another's commit).
//! Here a group takes the writes queued meanwhile, one after the other in one transaction, each under its
//! own savepoint so that one that fails is undone alone (the first needs none: failing, it leaves nothing
//! to keep), until none is waiting, or it holds [`MAX_GROUP`] writes or has run a [`TURN`]; then
//! one commit. Each caller is answered after the commit, so what it is told was kept is kept, and waits
//! at most a group's time longer than alone. A write whose caller stopped waiting before its turn is not
//! run.

use super::super::{StoreError, TURN, Tx, traced};
use super::SqliteTx;
use super::checkpointer::Checkpointer;
use crate::error::ApiError;
use rusqlite::{Connection, Transaction, TransactionBehavior};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Instant;
use tokio::sync::oneshot;

/// The most writes committed together: the group's first caller waits for all of them.
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
            let conn = conn;
            // The next write queued, counted as started and its wait measured.
            let take = |queued: Queued| {
                counted.fetch_sub(1, Ordering::Relaxed);
                crate::ops::metrics::db_wait(queued.at.elapsed(), true);
                queued.write
            };
            while let Ok(first) = queued.recv() {
                working.store(true, Ordering::Relaxed);
                commit_group(&conn, take(first), || queued.try_recv().ok().map(take));
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

    /// The count of writes queued and not yet started.
    pub fn waiting(&self) -> Arc<AtomicUsize> {
        self.waiting.clone()
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

/// Runs `first` and the writes `next` gives, while the group may grow, in one transaction, and answers
/// each: one that failed at once, one kept after the commit.
fn commit_group(conn: &Connection, first: Box<dyn Write>, mut next: impl FnMut() -> Option<Box<dyn Write>>) {
    let started = Instant::now();
    let mut tx: Option<Transaction<'_>> = None;
    // Run, and to be kept if the transaction commits.
    let mut kept: Vec<Box<dyn Write>> = Vec::new();
    let mut write = Some(first);
    while let Some(mut w) = write.take() {
        if !w.abandoned() {
            match run_one(conn, &mut tx, !kept.is_empty(), w.as_mut()) {
                Ok(true) => kept.push(w),
                Ok(false) => w.answer(Ok(())),
                // The transaction is gone, with what it held.
                Err(e) => {
                    tx = None;
                    w.answer(Err(&e));
                    kept.drain(..).for_each(|k| k.answer(Err(&e)));
                }
            }
        }
        if kept.len() < MAX_GROUP && started.elapsed() < TURN {
            write = next();
        }
    }
    let committed = match tx {
        Some(tx) if !kept.is_empty() => tx.commit().map_err(StoreError::from),
        _ => Ok(()),
    };
    kept.into_iter().for_each(|k| k.answer(committed.as_ref().map(|_| ())));
}

/// Runs one write in the group's transaction, begun if need be: whether it is kept. A write after others
/// that are kept runs under its own savepoint, undone alone when it fails; the first fails with the whole
/// transaction, which holds nothing else. An error means the transaction is lost.
fn run_one<'c>(
    conn: &'c Connection,
    tx: &mut Option<Transaction<'c>>,
    after_others: bool,
    write: &mut dyn Write,
) -> Result<bool, StoreError> {
    let t: &Transaction<'c> = match tx {
        Some(t) => t,
        None => tx.insert(Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?),
    };
    if after_others {
        t.execute_batch("SAVEPOINT write")?;
    }
    let kept = write.run(&mut SqliteTx(t));
    // Some failures (a full disk, an I/O error) make SQLite roll the whole transaction back: the writes
    // before this one are gone too.
    if t.is_autocommit() {
        return Err(StoreError::Join("the database rolled the transaction back after an error".into()));
    }
    match (after_others, kept) {
        (true, true) => t.execute_batch("RELEASE write")?,
        (true, false) => t.execute_batch("ROLLBACK TO write; RELEASE write")?,
        // Rolled back as it is dropped; the next write begins anew.
        (false, false) => *tx = None,
        (false, true) => {}
    }
    Ok(kept)
}
