//! Set-up shared by the platform's integration tests: the PostgreSQL server they use, and a fresh,
//! uniquely named database on it for one test.
#![allow(dead_code)]

use chrono::Utc;
use fieldcheck_domain::alarm::Alarm;
use fieldcheck_domain::ids::EnterpriseId;
use fieldcheck_domain::organisation::Enterprise;
use fieldcheck_domain::rectification::RectificationTask;
use fieldcheck_domain::supervision::risk::{RiskFacts, RiskIndex};
use fieldcheck_platform::db::{Db, tables};
use fieldcheck_platform::records;
use fieldcheck_protocol::{Entity, SubmittedInspection};
use std::collections::HashMap;

/// The PostgreSQL server named by `FIELDCHECK_TEST_POSTGRES` (`postgres://user:password@host:port`, no
/// database). Without one the PostgreSQL half of a test is skipped, said on stderr; under `CI=true` a
/// missing server fails the test instead (`scripts/test.sh` starts one).
pub fn postgres_server() -> Option<String> {
    match std::env::var("FIELDCHECK_TEST_POSTGRES").ok().filter(|s| !s.is_empty()) {
        Some(base) => Some(base.trim_end_matches('/').to_string()),
        None if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true and FIELDCHECK_TEST_POSTGRES is not set: the PostgreSQL tests must run (scripts/test.sh)")
        }
        None => {
            eprintln!("FIELDCHECK_TEST_POSTGRES not set: PostgreSQL part skipped (scripts/test.sh sets it)");
            None
        }
    }
}

/// A fresh PostgreSQL database, `PREFIX_<uuid>`, dropped (with its connections) when this is dropped.
pub struct FreshPostgres {
    base: String,
    pub name: String,
}

impl FreshPostgres {
    /// `None` when there is no server (see [`postgres_server`]).
    pub fn create(prefix: &str) -> Option<FreshPostgres> {
        let base = postgres_server()?;
        let name = format!("{prefix}_{}", uuid::Uuid::now_v7().simple());
        admin(&base, &format!("CREATE DATABASE {name}")).expect("create the test database");
        Some(FreshPostgres { base, name })
    }

    pub fn url(&self) -> String {
        format!("{}/{}", self.base, self.name)
    }

    /// The platform's store on this database, its schema brought up to date.
    pub async fn open(&self) -> Db {
        let url = self.url();
        tokio::task::spawn_blocking(move || fieldcheck_platform::open_db(std::path::Path::new("."), Some(&url)))
            .await
            .expect("join")
            .expect("open the database")
    }

    /// Runs `sql` in this database with a client of the test's own.
    pub fn execute(&self, sql: &str) {
        run(&self.url(), sql).expect("test SQL");
    }
}

impl Drop for FreshPostgres {
    fn drop(&mut self) {
        let _ = admin(&self.base, &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
    }
}

fn admin(base: &str, sql: &str) -> Result<(), postgres::Error> {
    run(&format!("{base}/postgres"), sql)
}

/// On a thread of its own: the synchronous client cannot run on a thread of the test's runtime.
fn run(url: &str, sql: &str) -> Result<(), postgres::Error> {
    let (url, sql) = (url.to_string(), sql.to_string());
    std::thread::spawn(move || postgres::Client::connect(&url, postgres::NoTls)?.batch_execute(&sql))
        .join()
        .expect("test SQL thread")
}

/// Every enterprise's risk index computed two ways, as of one moment: from what the typed tables count in
/// SQL (`tables::risk_tallies`), and by the domain's formula over the loaded records (`RiskFacts::gather`).
pub type Indices = HashMap<EnterpriseId, (RiskIndex, RiskIndex)>;

pub fn risk_both_ways(db: &Db) -> Indices {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    rt.block_on(db.read(|tx| {
        let now = Utc::now();
        let tallies = tables::risk_tallies(tx, now, None)?;
        let alarms: Vec<Alarm> = records::load_all(tx, Entity::Alarm)?;
        let tasks: Vec<RectificationTask> = records::load_all(tx, Entity::Task)?;
        let subs: Vec<SubmittedInspection> = records::load_all(tx, Entity::Inspection)?;
        let mut out = HashMap::new();
        for e in records::load_all::<Enterprise>(tx, Entity::Enterprise)? {
            let visits: Vec<_> = subs
                .iter()
                .filter(|s| s.inspection.enterprise == e.id)
                .filter_map(|s| Some((s.inspection.ended_at.or(s.inspection.started_at)?, s)))
                .collect();
            let findings = visits.iter().flat_map(|(at, s)| s.findings.iter().map(|f| (*at, f.severity)));
            let last = visits.iter().map(|(at, _)| *at).max();
            let from_records = RiskIndex::of(&RiskFacts::gather(&e, &alarms, findings, &tasks, last, now));
            let tally = tallies.get(&e.id.to_string()).cloned().unwrap_or_default();
            let from_sql = RiskIndex::of(&RiskFacts::of_tally(&e, &tally, now));
            out.insert(e.id, (from_sql, from_records));
        }
        Ok(out)
    }))
    .expect("indices")
}
