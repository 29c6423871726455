//! Applying a push's mutations in order in one write transaction (a push that runs past its write's turn
//! goes on in another, `sync::push`), each exactly once and each undone alone when it fails for a lasting
//! reason.
//!
//! A savepoint per mutation makes the database copy every page a mutation touches before it writes
//! there (7% of a large push's time). Most pushes apply whole, so mutations run in runs under one
//! savepoint; only when one of them fails is its run undone, the mutations before it made again under
//! one savepoint, and the failing one made alone under its own ([`guarded`]); when it was the run's first,
//! the run's rollback already undid exactly its writes, and it is answered at once. The result is what a
//! savepoint per mutation gives: the same outcomes and the same writes.

use crate::access::Reach;
use crate::db::{StoreError, Turn, Tx};
use crate::error::{ApiError, UNSTORABLE};
use crate::intents::{self, Actor, Failure, Prepared, Refusal};
use chrono::Utc;
use fieldcheck_protocol::{Mutation, MutationResult, Outcome, RejectCode};
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// The outcomes stored for a push's sequence numbers: (mutation id, outcome JSON) by number.
type Answered = HashMap<u64, (String, String)>;

/// Applies `mutations` exactly once per (device, seq), in order: a re-sent one gets its stored outcome,
/// a new one is decided (with what was `prepared` for it, at the same index) and its outcome stored. The outcomes stored for the push's numbers are read once,
/// and gain each one applied here (a number used twice in one push). Once its `turn` is over (counted
/// from the first decision, so that each write gets through its share whatever its reads before took),
/// it stops after the mutation it is at: the results are those of the first mutations (never none).
pub fn exactly_once(
    tx: &mut dyn Tx,
    reach: &Reach,
    device: &str,
    mutations: &[Mutation],
    prepared: &[Prepared],
    turn: &Turn,
) -> Result<Vec<MutationResult>, ApiError> {
    let seqs: Vec<u64> = mutations.iter().map(|m| m.seq).collect();
    let mut answered: Answered = tx.outcomes(device, &seqs)?;
    // The records the new mutations name, claimed and read in one go rather than one by one.
    let named: Vec<_> = mutations
        .iter()
        .filter(|m| !answered.contains_key(&m.seq))
        .flat_map(|m| intents::named_records(&m.intent))
        .collect();
    tx.claim(&named)?;
    let decide = |tx: &mut dyn Tx, answered: &mut Answered, i: usize| -> Result<Outcome, Failure> {
        let mutation = &mutations[i];
        if let Some((stored_id, outcome)) = answered.get(&mutation.seq) {
            if *stored_id != mutation.id.to_string() {
                return Ok(Outcome::Rejected {
                    code: RejectCode::Invalid,
                    reason: format!("sequence number {} was already used by another mutation", mutation.seq),
                });
            }
            return serde_json::from_str(outcome).map_err(|e| StoreError::Corrupt(e.to_string()).into());
        }
        let actor = Actor { reach: reach.clone(), device: Some(device.to_string()), now: Utc::now() };
        let none = Prepared::default();
        intents::apply(tx, &actor, &mutation.intent, prepared.get(i).unwrap_or(&none))
    };
    let keep = |tx: &mut dyn Tx, answered: &mut Answered, i: usize, outcome: &Outcome| -> Result<(), StoreError> {
        let mutation = &mutations[i];
        if answered.contains_key(&mutation.seq) {
            return Ok(());
        }
        let (id, json) =
            (mutation.id.to_string(), serde_json::to_string(outcome).map_err(|e| StoreError::Corrupt(e.to_string()))?);
        tx.put_outcome(device, mutation.seq, &id, &json, Utc::now())?;
        answered.insert(mutation.seq, (id, json));
        Ok(())
    };
    let outcomes = apply_in_order(tx, &mut answered, &seqs, &turn.start(), decide, keep)?;
    Ok(seqs.into_iter().zip(outcomes).map(|(seq, outcome)| MutationResult { seq, outcome }).collect())
}

/// Why a run of decisions stopped.
enum Stop {
    /// The decision at this index was refused (`Ok`) or panicked (`Err`, its message).
    At(usize, Result<Refusal, String>),
    /// The database refused a write for good, and which decision made it is not known (PostgreSQL sends
    /// held writes with a later statement).
    Unplaced,
    /// A failure of the database itself: the push fails, to be sent again.
    Transient(ApiError),
}

/// Makes decisions `0..seqs.len()` in order in the caller's transaction, each followed by `keep` with its
/// outcome, with the result of a savepoint per decision ([`guarded`]). `state` is what the decisions and
/// `keep` carry from one to the next; it is restored with the writes when a run is undone, and a decision
/// may be made again after it: it must depend on the transaction and `state` alone. Once `over` (the
/// write's turn, `db::Turn`) it stops after the decision it is at, so the outcomes may be those of the
/// first decisions only (never none).
pub fn apply_in_order<S, D, K>(
    tx: &mut dyn Tx,
    state: &mut S,
    seqs: &[u64],
    over: &dyn Fn() -> bool,
    mut decide: D,
    mut keep: K,
) -> Result<Vec<Outcome>, ApiError>
where
    S: Clone,
    D: FnMut(&mut dyn Tx, &mut S, usize) -> Result<Outcome, Failure>,
    K: FnMut(&mut dyn Tx, &mut S, usize, &Outcome) -> Result<(), StoreError>,
{
    let n = seqs.len();
    let mut outcomes = Vec::with_capacity(n);
    // The run being tried is `start..end`; after a failure at `k` it is tried again as `start..k`.
    let (mut start, mut end) = (0, n);
    let alone = |tx: &mut dyn Tx, state: &mut S, i: usize, decide: &mut D, keep: &mut K| {
        let outcome = guarded(tx, seqs[i], |tx| decide(tx, state, i))?;
        keep(tx, state, i, &outcome)?;
        Ok::<Outcome, ApiError>(outcome)
    };
    while start < n {
        if start > 0 && over() {
            break;
        }
        if start == end {
            // The decision that stopped the run before: alone, under its own savepoint.
            outcomes.push(alone(tx, state, start, &mut decide, &mut keep)?);
            (start, end) = (start + 1, n);
            continue;
        }
        let before = state.clone();
        tx.savepoint()?;
        match run(tx, state, start..end, over, &mut decide, &mut keep) {
            Ok(done) => {
                tx.release_savepoint()?;
                (start, end) = (start + done.len(), n);
                outcomes.extend(done);
            }
            Err(stop) => {
                tx.rollback_to_savepoint()?;
                *state = before;
                match stop {
                    // The run's first decision: the rollback undid exactly its writes, as its own savepoint
                    // would have, so it is answered without being made again alone.
                    Stop::At(k, failed) if k == start => {
                        let outcome = failed.map_or_else(|message| panicked(seqs[k], &message), refused);
                        keep(tx, state, k, &outcome)?;
                        outcomes.push(outcome);
                        (start, end) = (k + 1, n);
                    }
                    Stop::At(k, _) => end = k,
                    // Which decision made the refused write is not known: the run's, each alone.
                    Stop::Unplaced => {
                        let mut i = start;
                        while i < end && !(i > start && over()) {
                            outcomes.push(alone(tx, state, i, &mut decide, &mut keep)?);
                            i += 1;
                        }
                        (start, end) = (i, n);
                    }
                    Stop::Transient(e) => return Err(e),
                }
            }
        }
    }
    Ok(outcomes)
}

/// Makes the decisions of `range` one after the other with nothing between them, stopping at the first
/// that is not applied as decided, or after one once the write's turn is `over`.
fn run<S>(
    tx: &mut dyn Tx,
    state: &mut S,
    range: std::ops::Range<usize>,
    over: &dyn Fn() -> bool,
    decide: &mut impl FnMut(&mut dyn Tx, &mut S, usize) -> Result<Outcome, Failure>,
    keep: &mut impl FnMut(&mut dyn Tx, &mut S, usize, &Outcome) -> Result<(), StoreError>,
) -> Result<Vec<Outcome>, Stop> {
    let stored = |e: ApiError| if e.code == UNSTORABLE { Stop::Unplaced } else { Stop::Transient(e) };
    let mut done = Vec::with_capacity(range.len());
    for i in range {
        // A panic stops the run like a refusal.
        match catch_unwind(AssertUnwindSafe(|| decide(&mut *tx, &mut *state, i))) {
            Ok(Ok(outcome)) => {
                keep(tx, state, i, &outcome).map_err(|e| stored(e.into()))?;
                done.push(outcome);
                if over() {
                    break;
                }
            }
            Ok(Err(Failure::Refused(r))) => return Err(Stop::At(i, Ok(r))),
            Err(panic) => return Err(Stop::At(i, Err(crate::error::panic_message(panic.as_ref()).to_string()))),
            Ok(Err(Failure::Store(e))) => return Err(stored(e)),
        }
    }
    tx.flush().map_err(|e| stored(e.into()))?;
    Ok(done)
}

/// Runs one mutation's decision and writes inside a savepoint, so that a mutation the platform cannot
/// apply for a lasting reason is undone alone and answered `rejected` (the device moves on and shows it as
/// needing attention) while the mutations before and after it are applied: a refusal; a decision that
/// panics (caught here and logged); a value the database refuses for good. Only a transient failure
/// (a busy database, a lost connection) fails the push, to be sent again.
pub fn guarded(
    tx: &mut dyn Tx,
    seq: u64,
    decide: impl FnOnce(&mut dyn Tx) -> Result<Outcome, Failure>,
) -> Result<Outcome, ApiError> {
    tx.savepoint()?;
    // The transaction is not left half-way by a panic in the decision: the savepoint undoes its writes.
    // The decision's writes are sent before it counts as applied, so one the database refuses is this
    // mutation's.
    let decided = catch_unwind(AssertUnwindSafe(|| {
        let outcome = decide(&mut *tx)?;
        tx.flush()?;
        Ok(outcome)
    }));
    let outcome = match decided {
        Ok(Ok(outcome)) => {
            tx.release_savepoint()?;
            return Ok(outcome);
        }
        Ok(Err(Failure::Refused(r))) => refused(r),
        Ok(Err(Failure::Store(e))) if e.code == UNSTORABLE => {
            Outcome::Rejected { code: RejectCode::Invalid, reason: e.message }
        }
        Ok(Err(Failure::Store(e))) => return Err(e),
        Err(panic) => panicked(seq, crate::error::panic_message(panic.as_ref())),
    };
    tx.rollback_to_savepoint()?;
    Ok(outcome)
}

fn refused(r: Refusal) -> Outcome {
    Outcome::Rejected { code: r.code, reason: r.reason }
}

/// The answer to a decision that panicked; the panic is logged.
fn panicked(seq: u64, message: &str) -> Outcome {
    tracing::error!("mutation {seq}: the decision panicked: {message}");
    Outcome::Rejected {
        code: RejectCode::Invalid,
        reason: "the platform could not check this change (an internal error, logged); it was not applied \
                 / 平台无法处理此变更，未予采用"
            .into(),
    }
}
