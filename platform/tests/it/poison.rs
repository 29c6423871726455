//! A mutation the platform cannot apply for a lasting reason is undone alone: `sync::guarded` runs each
//! decision in a savepoint, so one that panics after writing, or whose value the database refuses for
//! good, is rolled back and answered `rejected` while the ones before and after it stay (the whole push
//! is one transaction). And a handler that panics
//! is answered in the JSON error contract instead of dropping the connection.

use crate::common;

use fieldcheck_core::protocol::{Entity, Outcome, RejectCode};
use fieldcheck_platform::db::{Db, Keys};
use fieldcheck_platform::intents::Failure;
use fieldcheck_platform::sync::guarded;

#[derive(Clone, Copy)]
enum Step {
    Write,
    WriteThenPanic,
    WriteThenUnstorable,
}

async fn one_poisoned_step_is_undone_alone(db: Db) {
    let steps = vec![
        (1u64, Step::Write),
        (2, Step::WriteThenPanic),
        (3, Step::Write),
        (4, Step::WriteThenUnstorable),
        (5, Step::Write),
    ];
    let postgres = db.backend() == fieldcheck_platform::db::Backend::Postgres;
    let outcomes = db
        .write(move |tx| {
            let mut outcomes = Vec::new();
            for (seq, step) in steps {
                outcomes.push(guarded(tx, seq, |tx| {
                    let id = uuid::Uuid::now_v7().to_string();
                    tx.upsert(Entity::Notice, &format!("step-{seq}"), &format!("{{\"seq\":{seq}}}"), &Keys::public())?;
                    match step {
                        Step::Write => {}
                        Step::WriteThenPanic => panic!("a decision that panics after writing (test)"),
                        Step::WriteThenUnstorable => {
                            // A NUL character: PostgreSQL refuses it in a text for good, when the held write is
                            // sent at the end of the decision (or at once); SQLite stores it, so the refusal is
                            // simulated there with the same error code.
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
                })?);
            }
            Ok(outcomes)
        })
        .await
        .expect("the push is not failed by a poisoned mutation");
    assert_eq!(outcomes[0], Outcome::Applied);
    assert!(
        matches!(&outcomes[1], Outcome::Rejected { code: RejectCode::Invalid, reason } if reason.contains("internal error"))
    );
    assert_eq!(outcomes[2], Outcome::Applied);
    assert!(matches!(&outcomes[3], Outcome::Rejected { code: RejectCode::Invalid, .. }), "{:?}", outcomes[3]);
    assert_eq!(outcomes[4], Outcome::Applied);
    let kept = db
        .read(|tx| {
            let mut kept = Vec::new();
            for seq in 1..=5 {
                kept.push(tx.get(Entity::Notice, &format!("step-{seq}"))?.is_some());
            }
            Ok(kept)
        })
        .await
        .expect("read");
    assert_eq!(kept, vec![true, false, true, false, true], "the poisoned steps' writes were undone, no others");
    // The change log is still writable afterwards (on PostgreSQL the change-log lock is taken again).
    db.write(|tx| Ok(tx.upsert(Entity::Notice, "after", "{}", &Keys::public())?)).await.expect("a later write");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_poisoned_mutation_is_undone_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = fieldcheck_platform::open_db(dir.path(), None).expect("open");
    one_poisoned_step_is_undone_alone(db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_poisoned_mutation_is_undone_alone() {
    let Some(pg) = common::FreshPostgres::create("fc_poison") else { return };
    let db = pg.open().await;
    one_poisoned_step_is_undone_alone(db).await;
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
