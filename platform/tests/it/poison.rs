//! A mutation the platform cannot apply for a lasting reason is undone alone: `sync::guarded` runs each
//! decision in a savepoint, so one that panics after writing, is refused after writing, or whose value the
//! database refuses for good, is rolled back and answered `rejected` while the ones before and after it
//! stay. `sync::apply_in_order`, which a push uses, runs decisions in runs under one savepoint and gives
//! the same outcomes, writes and carried state, wherever the poisoned ones fall, also when it stops past a
//! write's turn and the rest is made in writes of their own (a large push on SQLite). And a handler that panics is answered in the JSON error contract instead of dropping the
//! connection.

use crate::common;

use fieldcheck_core::protocol::{Entity, Outcome, RejectCode};
use fieldcheck_platform::db::{Db, Keys, Tx};
use fieldcheck_platform::intents::{Failure, Refusal};
use fieldcheck_platform::sync::{apply_in_order, guarded};

#[derive(Clone, Copy, Debug)]
enum Step {
    Write,
    WriteThenPanic,
    WriteThenRefuse,
    WriteThenUnstorable,
}

/// One step's decision: it writes its notice, then fails as `step` says.
fn decide(tx: &mut dyn Tx, seq: u64, step: Step, postgres: bool) -> Result<Outcome, Failure> {
    let id = uuid::Uuid::now_v7().to_string();
    tx.upsert(Entity::Notice, &format!("step-{seq}"), &format!("{{\"seq\":{seq}}}"), &Keys::public())?;
    // More rows of the same table, batched with it, and in the second half of a long sequence a statement
    // of its own too: a long run holds enough of either to be sent ahead on PostgreSQL.
    for k in 0..FILL {
        tx.upsert(Entity::Notice, &format!("fill-{seq}-{k}"), "{}", &Keys::public())?;
    }
    if seq as usize > LONGEST / 2 {
        tx.delete(Entity::Notice, &format!("never-{seq}"), &Keys::public())?;
    }
    match step {
        Step::Write => {}
        Step::WriteThenPanic => panic!("a decision that panics after writing (test)"),
        Step::WriteThenRefuse => {
            return Err(Failure::Refused(Refusal {
                code: RejectCode::InvalidTransition,
                reason: "refused (test)".into(),
            }));
        }
        Step::WriteThenUnstorable => {
            // A NUL character: PostgreSQL refuses it in a text for good, when the held write is sent (at the
            // end of the decision, or of a run); SQLite stores it, so the refusal is simulated there with the
            // same error code.
            let nul = tx.upsert(Entity::Notice, &id, "{\"text\":\"a\u{0}b\"}", &Keys::public());
            if nul.is_ok() && !postgres {
                return Err(Failure::Store(fieldcheck_platform::error::ApiError::new(
                    axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                    fieldcheck_platform::error::UNSTORABLE,
                    "simulated",
                )));
            }
            nul?;
        }
    }
    Ok(Outcome::Applied)
}

/// The outcome a poisoned step is answered with.
fn rejected(step: Step, outcome: &Outcome) -> bool {
    match (step, outcome) {
        (Step::WriteThenPanic, Outcome::Rejected { code: RejectCode::Invalid, reason }) => {
            reason.contains("internal error")
        }
        (Step::WriteThenRefuse, Outcome::Rejected { code: RejectCode::InvalidTransition, .. }) => true,
        (Step::WriteThenUnstorable, Outcome::Rejected { code: RejectCode::Invalid, .. }) => true,
        _ => false,
    }
}

/// How a sequence of steps is made.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    /// In one write transaction, each under its own savepoint (`guarded`).
    Guarded,
    /// In one write transaction, in runs (`apply_in_order`, which also carries the applied steps' numbers
    /// as its state).
    Runs,
    /// In runs with a turn that is already over: a write per step, as a push past its write's turn goes
    /// on in writes of its own, the state carried from one write to the next.
    Turns,
}

/// Runs `steps` as `mode` says; checks the outcomes, the writes kept and the state.
async fn poisoned_steps_are_undone_alone(db: &Db, steps: &[Step], mode: Mode) {
    let postgres = db.backend() == fieldcheck_platform::db::Backend::Postgres;
    let (mut outcomes, mut carried, mut seen) = (Vec::new(), Vec::new(), None);
    while outcomes.len() < steps.len() {
        let (given, from, state) = (steps.to_vec(), outcomes.len(), carried.clone());
        let (more, state, read_back) = db
            .write(move |tx| {
                let seqs: Vec<u64> = (from as u64 + 1..=given.len() as u64).collect();
                let step = |i: usize| given[from + i];
                let mut carried: Vec<u64> = state;
                let outcomes = if mode == Mode::Guarded {
                    let mut outcomes = Vec::new();
                    for (i, &seq) in seqs.iter().enumerate() {
                        outcomes.push(guarded(tx, seq, |tx| decide(tx, seq, step(i), postgres))?);
                    }
                    outcomes
                } else {
                    let over = || mode == Mode::Turns;
                    apply_in_order(
                        tx,
                        &mut carried,
                        &seqs,
                        &over,
                        |tx, _, i| decide(tx, seqs[i], step(i), postgres),
                        |_, carried, i, outcome| {
                            if *outcome == Outcome::Applied {
                                carried.push(seqs[i]);
                            }
                            Ok(())
                        },
                    )?
                };
                // Read back in the same transaction: what a back end remembers of its reads and writes
                // forgets the undone ones too.
                let mut seen = Vec::new();
                for seq in 1..=given.len() as u64 {
                    if tx.get(Entity::Notice, &format!("step-{seq}"))?.is_some() {
                        seen.push(seq);
                    }
                }
                Ok((outcomes, carried, seen))
            })
            .await
            .expect("the push is not failed by a poisoned mutation");
        match mode {
            Mode::Turns => assert_eq!(more.len(), 1, "a write past its turn makes one step: {steps:?}"),
            _ => assert_eq!(more.len(), steps.len(), "one write makes every step: {steps:?}"),
        }
        (carried, seen) = (state, Some(read_back));
        outcomes.extend(more);
    }
    let seen = seen.unwrap_or_default();
    let applied: Vec<u64> =
        (1..=steps.len() as u64).filter(|s| matches!(steps[*s as usize - 1], Step::Write)).collect();
    assert_eq!(seen, applied, "read in the same transaction, the poisoned steps' writes are gone: {steps:?}");
    for (step, outcome) in steps.iter().zip(&outcomes) {
        match step {
            Step::Write => assert_eq!(*outcome, Outcome::Applied, "{steps:?}"),
            _ => assert!(rejected(*step, outcome), "{step:?} answered {outcome:?} in {steps:?}"),
        }
    }
    if mode != Mode::Guarded {
        assert_eq!(carried, applied, "the carried state is the applied steps', in order: {steps:?}");
    }
    let n = steps.len() as u64;
    let kept = db
        .read(move |tx| {
            let mut kept = Vec::new();
            for seq in 1..=n {
                if tx.get(Entity::Notice, &format!("step-{seq}"))?.is_some() {
                    kept.push(seq);
                }
            }
            Ok(kept)
        })
        .await
        .expect("read");
    assert_eq!(kept, applied, "the poisoned steps' writes were undone, no others: {steps:?}");
    // The change log is still writable afterwards (on PostgreSQL the change-log lock is taken again).
    db.write(|tx| Ok(tx.upsert(Entity::Notice, "after", "{}", &Keys::public())?)).await.expect("a later write");
}

/// Sequences with poisoned steps first, last, side by side, alone, and none; and long runs, whose writes
/// PostgreSQL is sent ahead of their answers (`db::postgres::pipeline`), poisoned after some were sent.
fn sequences() -> Vec<Vec<Step>> {
    use Step::*;
    let long = |poisons: &[(usize, Step)]| {
        let mut steps = vec![Write; LONGEST];
        for &(at, step) in poisons {
            steps[at] = step;
        }
        steps
    };
    vec![
        vec![Write, WriteThenPanic, Write, WriteThenUnstorable, Write],
        vec![WriteThenRefuse, Write, Write, WriteThenRefuse],
        vec![Write, WriteThenUnstorable, WriteThenPanic, WriteThenRefuse, Write, Write],
        vec![WriteThenRefuse],
        vec![Write, Write, Write],
        long(&[(37, WriteThenUnstorable)]),
        long(&[(22, WriteThenUnstorable), (33, WriteThenRefuse), (45, WriteThenPanic)]),
        long(&[
            (21, WriteThenRefuse),
            (23, WriteThenUnstorable),
            (24, WriteThenUnstorable),
            (LONGEST - 1, WriteThenRefuse),
        ]),
        long(&[]),
    ]
}

/// The longest sequence: several times the writes a PostgreSQL transaction holds before sending them ahead
/// (`db::postgres::pipeline`: 256 rows in the first half, 16 statements in the second).
const LONGEST: usize = 48;
/// Rows a step writes beside its own.
const FILL: usize = 12;

async fn every_sequence(db: Db) {
    for mode in [Mode::Guarded, Mode::Runs, Mode::Turns] {
        for steps in sequences() {
            // Each sequence on fresh notices: the previous one's are removed first.
            db.write(|tx| {
                for seq in 1..=LONGEST {
                    tx.delete(Entity::Notice, &format!("step-{seq}"), &Keys::public())?;
                }
                Ok(())
            })
            .await
            .expect("clear");
            poisoned_steps_are_undone_alone(&db, &steps, mode).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_poisoned_mutation_is_undone_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = fieldcheck_platform::open_db(dir.path(), None).expect("open");
    every_sequence(db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_poisoned_mutation_is_undone_alone() {
    let Some(pg) = common::FreshPostgres::create("fc_poison") else { return };
    let db = pg.open().await;
    every_sequence(db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_handler_is_answered_as_json_and_the_connection_serves_on() {
    async fn boom() -> &'static str {
        panic!("a handler that panics (test)")
    }
    async fn fine() -> &'static str {
        "fine"
    }
    let router = fieldcheck_platform::error::contract(
        axum::Router::new().route("/boom", axum::routing::get(boom)).route("/fine", axum::routing::get(fine)),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    // One connection for both requests: the panic must not cut it.
    let http = reqwest::Client::builder().pool_max_idle_per_host(1).build().expect("client");
    let resp = http.get(format!("{url}/boom")).send().await.expect("answered, not dropped");
    assert_eq!(resp.status(), 500);
    assert_eq!(resp.headers()["content-type"], "application/json");
    let body: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(body["error"], "internal", "{body}");
    assert!(body["message"].is_string(), "{body}");
    let resp = http.get(format!("{url}/fine")).send().await.expect("the server serves on");
    assert_eq!(resp.status(), 200);
}
