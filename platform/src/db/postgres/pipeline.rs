//! One transaction on one pooled connection, its statements pipelined. A write whose answer nothing reads
//! is held and goes with the next statement that must be answered (a read, a counted write, the commit):
//! all of them in one round trip. A mutation makes about ten writes and a few reads, and with one round
//! trip each a push waited on round trips more than on the server (`docs/sync-protocol.md`).
//!
//! Order is kept: tokio-postgres sends a statement when its future is first polled, so the futures are
//! polled once each, in order, before any is awaited; the server runs them in that order. The first
//! failure in that order is the one reported: those after it fail only because the transaction aborted.
//! So a held write that the database refuses is reported by the next round trip (or [`Pipeline::flush`]).
//!
//! Once [`SEND_AHEAD`] statements or [`ROWS_AHEAD`] rows are held they are sent without waiting for their
//! answers, which the next round trip reads first: the server writes them while the platform goes on
//! deciding, instead of the two taking turns. What a rollback to the savepoint undoes is still read, its
//! failures ignored.

use super::block_on;
use super::rows::{self, Rows};
use crate::db::StoreError;
use crate::db::tables::Value;
use deadpool_postgres::Object;
use futures_util::TryStreamExt;
use futures_util::future::{MaybeDone, maybe_done};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Row, Statement};

/// An owned statement argument, so a held write outlives the call that made it.
pub type Arg = Box<dyn ToSql + Sync + Send>;

/// The owned arguments of a held write: `args![a, b]` boxes each (each must own its value).
macro_rules! args {
    ($($a:expr),* $(,)?) => { vec![$(Box::new($a) as $crate::db::postgres::pipeline::Arg),*] };
}
pub(crate) use args;

/// Borrowed arguments of a statement answered now.
pub type Params<'p> = &'p [&'p (dyn ToSql + Sync)];

enum Held {
    /// A statement of the extended protocol, prepared once per connection.
    Statement { sql: String, args: Vec<Arg> },
    /// Transaction control (BEGIN, SAVEPOINT, COMMIT, ...), sent as a simple query.
    Control(&'static str),
}

/// What a statement answered: its rows and how many rows it affected.
type Answer = (Vec<Row>, u64);
type Sent<'a> = MaybeDone<Pin<Box<dyn Future<Output = Result<Answer, tokio_postgres::Error>> + 'a>>>;
/// A statement sent ahead, its answer read later.
type Flying = MaybeDone<Pin<Box<dyn Future<Output = Result<Answer, tokio_postgres::Error>> + Send>>>;

/// How many held writes are sent ahead of their answers.
const SEND_AHEAD: usize = 16;
/// How many held rows are sent ahead, as their statements, of their answers.
const ROWS_AHEAD: usize = 256;

pub struct Pipeline {
    conn: Arc<Object>,
    held: Vec<Held>,
    /// Sent ahead, in order, their answers not read yet.
    flying: Vec<Flying>,
    /// Sent ahead and then undone by a rollback to the savepoint: read, their failures ignored.
    undone: Vec<Flying>,
    /// Single-row inserts held as rows, sent before anything held after them ([`super::rows`]).
    rows: Rows,
    /// Whether BEGIN may have reached the server without COMMIT or ROLLBACK after it.
    open: bool,
}

impl Pipeline {
    /// A transaction that starts with `begin` (held, like everything until the first answer).
    pub fn begin(conn: Object, begin: &'static str) -> Self {
        Pipeline {
            conn: Arc::new(conn),
            held: vec![Held::Control(begin)],
            flying: Vec::new(),
            undone: Vec::new(),
            rows: Rows::default(),
            open: false,
        }
    }

    /// Holds a write until the next round trip, or until enough are held to send them ahead.
    pub fn hold(&mut self, sql: &str, args: Vec<Arg>) {
        self.hold_rows();
        self.held.push(Held::Statement { sql: sql.to_string(), args });
        if self.held.len() >= SEND_AHEAD {
            self.send_ahead();
        }
    }

    /// Sends what is held without waiting for the answers, which the next round trip reads. Should a
    /// statement fail to prepare, nothing is sent: what is held stays held for the next round trip,
    /// which reports it.
    fn send_ahead(&mut self) {
        let Ok(statements) = block_on(prepare(&self.conn, &self.held)) else {
            return;
        };
        let first = self.flying.len();
        let sending = sending(&self.conn, std::mem::take(&mut self.held), statements);
        self.flying.extend(sending.map(maybe_done));
        self.open = true;
        // The first poll of each sends it, in order.
        let sending = &mut self.flying[first..];
        block_on(std::future::poll_fn(|cx| {
            for s in sending.iter_mut() {
                let _ = Pin::new(s).poll(cx);
            }
            Poll::Ready(())
        }));
    }

    /// Reads the answers of what was sent ahead, in order: the first failure of what was not undone.
    fn land(&mut self) -> Result<(), StoreError> {
        // Most round trips have nothing in flight: no trip through the runtime for them.
        if self.flying.is_empty() && self.undone.is_empty() {
            return Ok(());
        }
        let (undone, flying) = (std::mem::take(&mut self.undone), std::mem::take(&mut self.flying));
        block_on(async {
            for mut s in undone {
                (&mut s).await;
            }
            let mut first = Ok(());
            for mut s in flying {
                (&mut s).await;
                if let Some(Err(e)) = Pin::new(&mut s).take_output()
                    && first.is_ok()
                {
                    first = Err(e);
                }
            }
            first
        })
        .map_err(StoreError::from)
    }

    /// Holds a single-row insert until the next round trip, to go with the other rows of its statement
    /// in one ([`super::rows`]).
    pub fn hold_row(&mut self, sql: &str, row: Vec<Value>) {
        if let Err(row) = self.rows.hold(sql, row) {
            self.hold(sql, row.into_iter().map(rows::arg).collect());
        } else if self.rows.len() >= ROWS_AHEAD {
            self.hold_rows();
            self.send_ahead();
        }
    }

    /// Moves the rows held into statements held, in order before whatever is held next.
    fn hold_rows(&mut self) {
        for (sql, args) in self.rows.take() {
            self.held.push(Held::Statement { sql, args });
        }
    }

    /// Holds a transaction-control statement until the next round trip.
    pub fn control(&mut self, sql: &'static str) {
        self.hold_rows();
        self.held.push(Held::Control(sql));
    }

    /// Drops what was held since the last `marker` control, and the marker, when it is still held (so
    /// nothing after it was sent: `true`); else everything held, all of it made since the marker was sent
    /// (`false`). What is to be undone is never sent: a held write the database would refuse must not fail
    /// the round trip after its rollback.
    pub fn discard_since(&mut self, marker: &'static str) -> bool {
        // Rows are held after every statement held (anything held sends them first).
        self.rows.clear();
        match self.held.iter().rposition(|h| matches!(h, Held::Control(c) if *c == marker)) {
            Some(at) => {
                self.held.truncate(at);
                true
            }
            None => {
                self.held.clear();
                // Sent ahead since the last round trip, so after the marker (every savepoint ends with a
                // flush): undone with it, what they answer no longer counts. (Anything sent with them before
                // the marker that failed left no savepoint to roll back to, which the rollback reports.)
                let flying = std::mem::take(&mut self.flying);
                self.undone.extend(flying);
                false
            }
        }
    }

    /// The rows of `sql`, sent after what is held, in one round trip.
    pub fn query(&mut self, sql: &str, params: Params) -> Result<Vec<Row>, StoreError> {
        Ok(self.round_trip(Some((sql, params)))?.0)
    }

    /// How many rows `sql` affected, sent after what is held, in one round trip.
    pub fn execute(&mut self, sql: &str, params: Params) -> Result<u64, StoreError> {
        Ok(self.round_trip(Some((sql, params)))?.1)
    }

    /// Sends what is held now, so that a failure of it is known here.
    pub fn flush(&mut self) -> Result<(), StoreError> {
        self.round_trip(None).map(drop)
    }

    /// Sends what is held and then `end` (COMMIT or ROLLBACK).
    pub fn finish(mut self, end: &'static str) -> Result<(), StoreError> {
        self.control(end);
        let sent = self.round_trip(None);
        // Sent, it ended the transaction either way (COMMIT in an aborted transaction is a rollback, and the
        // failure before it is the one reported); not sent, it is rolled back when dropped.
        self.open = sent.is_err();
        sent.map(drop)
    }

    fn round_trip(&mut self, last: Option<(&str, Params)>) -> Result<Answer, StoreError> {
        self.hold_rows();
        // What was sent ahead answers first; a failure there is the first in order.
        let landed = self.land();
        if self.held.is_empty() && last.is_none() {
            return landed.map(|()| (Vec::new(), 0));
        }
        let answer = self.send(last);
        landed.and(answer)
    }

    /// Sends what is held and then `last`, and reads their answers.
    fn send(&mut self, last: Option<(&str, Params)>) -> Result<Answer, StoreError> {
        // Prepared before anything is sent (a cached statement costs nothing, a new one a round trip of its
        // own, once per connection, which must not come between the statements sent). Should one fail,
        // nothing was sent and what is held stays held.
        let conn = &*self.conn;
        let (statements, last) = block_on(async {
            let statements = prepare(conn, &self.held).await?;
            let last = match last {
                Some((sql, params)) => Some((conn.prepare_cached(sql).await?, params)),
                None => None,
            };
            Ok::<_, tokio_postgres::Error>((statements, last))
        })?;
        let held = sending(&self.conn, std::mem::take(&mut self.held), statements);
        self.open = true;
        block_on(async {
            let mut sent: Vec<Sent> = held.map(|s| maybe_done(s as Pin<Box<dyn Future<Output = _>>>)).collect();
            if let Some((statement, params)) = &last {
                sent.push(maybe_done(Box::pin(async move {
                    let rows = conn.query_raw(statement, params.iter().copied()).await?;
                    let mut rows = std::pin::pin!(rows);
                    let mut out = Vec::new();
                    while let Some(row) = rows.try_next().await? {
                        out.push(row);
                    }
                    Ok((out, rows.rows_affected().unwrap_or(0)))
                })));
            }
            // The first poll of each sends it: in order, before any answer is awaited.
            std::future::poll_fn(|cx| {
                for s in sent.iter_mut() {
                    let _ = Pin::new(s).poll(cx);
                }
                Poll::Ready(())
            })
            .await;
            let mut answer = (Vec::new(), 0);
            for s in sent.iter_mut() {
                Pin::new(&mut *s).await;
                answer = Pin::new(s).take_output().expect("an answer once awaited")?;
            }
            Ok(answer)
        })
    }
}

/// The held statements prepared, in order (a cached one costs nothing, a new one a round trip of its own).
async fn prepare(conn: &Object, held: &[Held]) -> Result<Vec<Statement>, tokio_postgres::Error> {
    let mut statements = Vec::with_capacity(held.len());
    for h in held {
        if let Held::Statement { sql, .. } = h {
            statements.push(conn.prepare_cached(sql).await?);
        }
    }
    Ok(statements)
}

/// Each of `held` as a future that sends it when first polled, its statement among `statements` (prepared
/// by [`prepare`] from the same list).
fn sending(
    conn: &Arc<Object>,
    held: Vec<Held>,
    statements: Vec<Statement>,
) -> impl Iterator<Item = Pin<Box<dyn Future<Output = Result<Answer, tokio_postgres::Error>> + Send>>> {
    let mut statements = statements.into_iter();
    held.into_iter().map(move |h| -> Pin<Box<dyn Future<Output = _> + Send>> {
        let conn = conn.clone();
        match h {
            Held::Statement { args, .. } => {
                let statement = statements.next().expect("one prepared per held statement");
                Box::pin(async move {
                    let args = args.iter().map(|a| a.as_ref() as &(dyn ToSql + Sync));
                    conn.execute_raw(&statement, args).await.map(|n| (Vec::new(), n))
                })
            }
            Held::Control(sql) => Box::pin(async move { conn.batch_execute(sql).await.map(|_| (Vec::new(), 0)) }),
        }
    })
}

impl Drop for Pipeline {
    /// A transaction left without COMMIT (an error, a panic) is rolled back before its connection
    /// goes back to the pool.
    fn drop(&mut self) {
        if self.open {
            self.held.clear();
            // What was sent ahead is answered (and dropped) before the ROLLBACK sent after it.
            let _ = self.land();
            let _ = block_on(self.conn.batch_execute("ROLLBACK"));
        }
    }
}
