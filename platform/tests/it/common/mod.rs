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

/// The dashboard's per-alarm and per-task figures for `user` as of one moment, two ways: as the platform
/// answers them (`dashboard::figures`, SQL over the typed tables and the audit), and computed here the way it
/// used to be, from every loaded alarm and task and each alarm's audit trail. Each is the JSON of
/// `[response_by_level, response_by_township, overdue_tasks, overdue ids, open_alarms, alarms_past_limit]`.
pub fn dashboard_both_ways(
    db: &Db,
    user: &fieldcheck_domain::organisation::User,
) -> (serde_json::Value, serde_json::Value) {
    use fieldcheck_domain::alarm::AlarmState;
    use fieldcheck_domain::text::Text;
    use fieldcheck_platform::dashboard::{figures, response};
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let user = user.clone();
    rt.block_on(db.read(move |tx| {
        let now = Utc::now();
        let to = now.date_naive();
        let from = to - chrono::Duration::days(60);
        let reach = fieldcheck_platform::access::Reach::of(tx, &user)?;
        let asked = serde_json::to_value(figures(tx, &reach, now, from, to)?).expect("json");
        let answered = serde_json::json!([
            asked["response_by_level"],
            asked["response_by_township"],
            asked["overdue_tasks"],
            asked["overdue_task_list"].as_array().expect("list").iter().map(|t| t["id"].clone()).collect::<Vec<_>>(),
            asked["open_alarms"],
            asked["alarms_past_limit"],
        ]);

        let towns: HashMap<_, _> = records::townships(tx)?.into_iter().map(|t| (t.id, t.name)).collect();
        let (start, end) = (
            from.and_hms_opt(0, 0, 0).expect("midnight").and_utc(),
            (to + chrono::Duration::days(1)).and_hms_opt(0, 0, 0).expect("midnight").and_utc(),
        );
        let mut timed = Vec::new();
        let (mut open, mut past) = (0u64, 0u64);
        for a in records::load_all::<Alarm>(tx, Entity::Alarm)? {
            let township = records::enterprise(tx, a.enterprise)?.map(|e| e.township);
            if !township.is_some_and(|t| reach.covers_alarm(&a, t)) {
                continue;
            }
            if a.state != AlarmState::Closed {
                open += 1;
                past += u64::from(a.is_overdue(now));
            }
            if a.raised_at < start || a.raised_at >= end {
                continue;
            }
            let audit = tx.audits("alarm", &a.id.to_string())?;
            let first = |action: &str| audit.iter().filter(|r| r.action == action).map(|r| r.at).min();
            timed.push(response::Timed {
                level: a.level,
                township: township.map(|t| t.to_string()),
                raised_at: a.raised_at,
                respond_by: a.respond_by,
                dispatched: first("dispatch"),
                arrived: first("arrive"),
                closed: first("close"),
            });
        }
        let by_level = response::groups(&timed, now, |t| (t.level.as_str().to_string(), t.level.label()));
        let by_township = response::groups(&timed, now, |t| {
            let name = t.township.as_deref().and_then(|id| id.parse().ok()).and_then(|id| towns.get(&id).cloned());
            let name = name.unwrap_or_default();
            (t.township.clone().unwrap_or_default(), Text::new(name.clone(), name))
        });
        let mut overdue: Vec<RectificationTask> = records::load_all::<RectificationTask>(tx, Entity::Task)?
            .into_iter()
            .filter(|t| reach.covers_task(t) && t.is_overdue(now))
            .collect();
        overdue.sort_by(|a, b| a.deadline.cmp(&b.deadline).then_with(|| a.id.to_string().cmp(&b.id.to_string())));
        let listed: Vec<String> = overdue.iter().take(20).map(|t| t.id.to_string()).collect();
        let computed = serde_json::json!([by_level, by_township, overdue.len(), listed, open, past]);
        Ok::<_, fieldcheck_platform::error::ApiError>((answered, computed))
    }))
    .expect("figures both ways")
}
