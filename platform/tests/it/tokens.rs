//! A bearer token resolves to its device and user in one statement, and every way a token can be refused
//! is refused alike on both back ends: unknown, revoked, expired, or its user gone. Also the change log's
//! bounds a pull reads with it. SQLite, and PostgreSQL when `FIELDCHECK_TEST_POSTGRES` names a server.

use crate::common;

use chrono::{Duration, Utc};
use fieldcheck_domain::ids::{DeviceId, UserId};
use fieldcheck_domain::organisation::{Role, Scope, User};
use fieldcheck_platform::auth::{caller_for_token, token_hash};
use fieldcheck_platform::db::{Db, DeviceRow, Keys, LogBounds};
use fieldcheck_platform::error::ApiError;
use fieldcheck_platform::records;
use fieldcheck_platform::wipe::ORDER_KIND;
use fieldcheck_protocol::{Entity, Record};

fn device(token: &str, user: &User) -> DeviceRow {
    let now = Utc::now();
    DeviceRow {
        id: DeviceId::new().to_string(),
        user: user.id.to_string(),
        token_hash: token_hash(token),
        issued_at: now,
        expires_at: now + Duration::days(30),
        revoked_at: None,
        last_seen: None,
        clock_skew_ms: None,
    }
}

async fn every_refusal_is_unauthorised(db: Db) {
    let user = User {
        id: UserId::new(),
        login: "commander".into(),
        name: "值班员".into(),
        role: Role::Commander,
        scope: Scope::County,
        certificate_no: None,
    };
    let (valid, revoked, expired, orphan) =
        (device("t-valid", &user), device("t-revoked", &user), device("t-expired", &user), {
            let gone = User { id: UserId::new(), login: "gone".into(), ..user.clone() };
            device("t-orphan", &gone)
        });
    let saved = user.clone();
    db.write(move |tx| {
        records::save(tx, &Record::User(saved))?;
        tx.put_device(&valid)?;
        tx.put_device(&DeviceRow { revoked_at: Some(Utc::now()), ..revoked })?;
        tx.put_device(&DeviceRow { expires_at: Utc::now() - Duration::seconds(1), ..expired })?;
        tx.put_device(&orphan)?;
        Ok::<_, ApiError>(())
    })
    .await
    .expect("seed");

    let resolve = async |token: &'static str| db.read(move |tx| caller_for_token(tx, token, Utc::now())).await;
    let caller = resolve("t-valid").await.expect("a valid token resolves");
    assert_eq!(caller.user, user, "to its user, read whole");
    for (token, says) in
        [("t-unknown", "unknown token"), ("t-revoked", "signed out"), ("t-expired", "expired"), ("t-orphan", "no user")]
    {
        let refused = resolve(token).await.expect_err(token);
        assert_eq!(refused.status.as_u16(), 401, "{token}: {refused:?}");
        assert!(refused.message.contains(says), "{token}: {}", refused.message);
    }

    // A pull opens with one statement: the same holder, the device's wipe order and the log's bounds as
    // the separate reads give, for every kind of token.
    let ordered = caller.device.expect("device").to_string();
    db.write(move |tx| Ok::<_, ApiError>(tx.evidence_put(ORDER_KIND, &ordered, "{\"order\":\"test\"}")?))
        .await
        .expect("a wipe order");
    for token in ["t-valid", "t-revoked", "t-expired", "t-orphan", "t-unknown"] {
        let (opening, holder, order, bounds) = db
            .read(move |tx| {
                let opening = tx.open_pull(&token_hash(token))?;
                let holder = tx.device_and_user_by_token(&token_hash(token))?;
                let order = match &holder {
                    Some((device, _)) => tx.evidence_get(ORDER_KIND, &device.id)?,
                    None => None,
                };
                Ok::<_, ApiError>((opening, holder, order, tx.log_bounds()?))
            })
            .await
            .expect("open a pull");
        assert_eq!(format!("{:?}", opening.holder), format!("{holder:?}"), "{token}");
        assert_eq!(opening.wipe_order, order, "{token}");
        assert_eq!(opening.bounds, bounds, "{token}");
    }
}

async fn log_bounds_follow_writes_and_pruning(db: Db) {
    // Read alone, and as a pull opens (for a token of no one).
    let bounds = async || {
        let (alone, opening) =
            db.read(|tx| Ok::<_, ApiError>((tx.log_bounds()?, tx.open_pull("no such token")?))).await.expect("bounds");
        assert_eq!(opening.bounds, alone);
        assert!(opening.holder.is_none() && opening.wipe_order.is_none());
        alone
    };
    assert_eq!(bounds().await, LogBounds { floor: 0, end: 0 }, "a new log");
    db.write(|tx| {
        for id in ["a", "b", "c"] {
            tx.upsert(Entity::Notice, id, "{}", &Keys::public())?;
        }
        tx.delete(Entity::Notice, "a", &Keys::public())?;
        Ok::<_, ApiError>(())
    })
    .await
    .expect("write");
    let written = bounds().await;
    assert_eq!(written.floor, 0);
    assert!(written.end >= 3, "{written:?}");
    assert_eq!(written.end, db.read(|tx| Ok::<_, ApiError>(tx.last_cursor()?)).await.expect("last"));
    let floor =
        db.write(|tx| Ok::<_, ApiError>(tx.prune_tombstones(Utc::now() + Duration::seconds(1))?)).await.expect("prune");
    let pruned = bounds().await;
    assert_eq!(pruned.floor, floor, "the floor is the pruned tombstone's cursor");
    assert!(pruned.floor > 0 && pruned.floor <= pruned.end, "{pruned:?}");
    assert_eq!(pruned.end, written.end, "pruning gives no new cursor");
}

#[tokio::test]
async fn sqlite_every_refusal_is_unauthorised() {
    let dir = tempfile::tempdir().expect("temp dir");
    every_refusal_is_unauthorised(fieldcheck_platform::open_db(dir.path(), None).expect("open")).await;
}

#[tokio::test]
async fn postgres_every_refusal_is_unauthorised() {
    let Some(pg) = common::FreshPostgres::create("fc_tokens") else { return };
    every_refusal_is_unauthorised(pg.open().await).await;
}

#[tokio::test]
async fn sqlite_log_bounds_follow_writes_and_pruning() {
    let dir = tempfile::tempdir().expect("temp dir");
    log_bounds_follow_writes_and_pruning(fieldcheck_platform::open_db(dir.path(), None).expect("open")).await;
}

#[tokio::test]
async fn postgres_log_bounds_follow_writes_and_pruning() {
    let Some(pg) = common::FreshPostgres::create("fc_bounds") else { return };
    log_bounds_follow_writes_and_pruning(pg.open().await).await;
}
