//! The login throttle's limits as the database keeps them (`db::throttle`), on both back ends: an address
//! hammering one login is stopped before it spends the login's shared budget, a sprayer is stopped by its
//! address and other addresses are not, many addresses on one login meet the loose login limit, a
//! successful sign-in gives back what it was charged to its login, full cells are forgotten, and parallel
//! attempts never take more than the limit allows (one atomic upsert per check).

use crate::common;

use chrono::{DateTime, Duration as Span, Utc};
use fieldcheck_platform::db::{Db, throttle};
use fieldcheck_platform::throttle::{LoginRates, LoginThrottle, Rate};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

fn rates() -> LoginRates {
    let hour = Duration::from_secs(3600);
    LoginRates {
        per_address: Rate { burst: 10, every: hour },
        per_login_address: Rate { burst: 3, every: hour },
        per_login: Rate { burst: 6, every: hour },
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("ip")
}

async fn attempt(
    db: &Db,
    t: &Arc<LoginThrottle>,
    login: &str,
    from: IpAddr,
    now: DateTime<Utc>,
) -> Result<(), Duration> {
    let (t, login) = (t.clone(), login.to_string());
    db.write(move |tx| Ok(t.attempt(tx, &login, from, now)?)).await.expect("throttle transaction")
}

async fn limits_hold(db: Db) {
    let t = Arc::new(LoginThrottle::new(rates()));
    let now = Utc::now();

    // One address on one login: the strict limit first, the login's budget kept for its owner.
    let attacker = ip("192.0.2.7");
    for _ in 0..3 {
        assert!(attempt(&db, &t, "owner", attacker, now).await.is_ok());
    }
    for _ in 0..5 {
        let wait = attempt(&db, &t, "owner", attacker, now).await.expect_err("the strict (login, address) limit");
        assert!(wait > Duration::from_secs(3000), "{wait:?}");
    }
    assert!(attempt(&db, &t, "owner", ip("198.51.100.1"), now).await.is_ok(), "the owner from elsewhere");

    // A sprayer: stopped by its address; another address is not.
    let sprayer = ip("192.0.2.8");
    for i in 0..10 {
        assert!(attempt(&db, &t, &format!("user{i}"), sprayer, now).await.is_ok());
    }
    assert!(attempt(&db, &t, "user99", sprayer, now).await.is_err(), "locked by address");
    assert!(attempt(&db, &t, "user99", ip("192.0.2.9"), now).await.is_ok());

    // Many addresses on one login meet the loose login limit.
    for i in 1..=6u8 {
        assert!(attempt(&db, &t, "shared", IpAddr::from([203, 0, 113, i]), now).await.is_ok());
    }
    assert!(attempt(&db, &t, "shared", IpAddr::from([203, 0, 113, 7]), now).await.is_err());

    // A successful sign-in gives back its charge: the owner's own sign-ins never use up the budget.
    let owner = ip("198.51.100.9");
    for _ in 0..10 {
        assert!(attempt(&db, &t, "busy-owner", owner, now).await.is_ok(), "right passwords are given back");
        let t = t.clone();
        db.write(move |tx| Ok(t.succeeded(tx, "busy-owner", owner)?)).await.expect("give back");
    }

    // Time passes: one more attempt an hour later, and every cell is full again after a day and forgotten.
    assert!(attempt(&db, &t, "owner", attacker, now + Span::minutes(61)).await.is_ok());
    let later = now + Span::days(1);
    db.write(move |tx| Ok(throttle::forget_full(tx, later)?)).await.expect("forget");
    let left = db.read(|tx| Ok(tx.tables_query("SELECT COUNT(*) FROM login_throttle", &[], 0)?)).await.expect("count");
    assert_eq!(left[0].1[0], 0, "full cells are forgotten");
}

/// Parallel attempts on one (login, address): exactly the burst gets through, whatever the interleaving.
async fn parallel_attempts_take_exactly_the_burst(db: Db) {
    let t = Arc::new(LoginThrottle::new(rates()));
    let now = Utc::now();
    let tries: Vec<_> = (0..24)
        .map(|_| {
            let (db, t) = (db.clone(), t.clone());
            tokio::spawn(async move { attempt(&db, &t, "raced", ip("192.0.2.50"), now).await.is_ok() })
        })
        .collect();
    let mut passed = 0;
    for t in tries {
        passed += usize::from(t.await.expect("join"));
    }
    assert_eq!(passed, 3, "the (login, address) burst, not more");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_keeps_the_login_limits() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = fieldcheck_platform::open_db(dir.path(), None).expect("open");
    limits_hold(db.clone()).await;
    parallel_attempts_take_exactly_the_burst(db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_keeps_the_login_limits() {
    let Some(pg) = common::FreshPostgres::create("fc_throttle") else { return };
    let db = pg.open().await;
    limits_hold(db.clone()).await;
    parallel_attempts_take_exactly_the_burst(db).await;
}
