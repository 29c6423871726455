//! Supervision at the size of a city's county: the demo plus generated enterprises up to 5,000 (as
//! `examples/seed_county` adds them), each with a year of alarms, a rectification task and most with an
//! inspection, then the request time of `GET /v1/risk`, `POST /v1/draws` and a 1,000-enterprise grid's
//! coverage against a live platform process (SQLite, or PostgreSQL with `FIELDCHECK_TEST_POSTGRES`).
//! Prints the figures (median of a few runs); asserts only what the answers hold, never a time.
//! `FIELDCHECK_SCALE_ENTERPRISES` changes the size. Before timing, every enterprise's index counted in SQL is
//! checked against the domain's formula over the loaded records, and the dashboard's figures counted in SQL
//! (response times from the audit, overdue tasks, open alarms) against the loaded records and audit trails;
//! the closed alarms were dispatched, met on site and closed at times that vary, each line audited.

use crate::common;

use chrono::{DateTime, Duration, Utc};
use fieldcheck_core::domain::alarm::{Alarm, AlarmAction, AlarmKind, AlarmState, Averaging};
use fieldcheck_core::domain::credit_code::CreditCode;
use fieldcheck_core::domain::finding::Severity;
use fieldcheck_core::domain::ids::{AlarmId, EnterpriseId, FindingId, InspectionId, TaskId};
use fieldcheck_core::domain::organisation::{Contact, Enterprise, EnterpriseFlags, User};
use fieldcheck_core::domain::rectification::{RectificationTask, TaskState};
use fieldcheck_e2e::{Device, Platform, Storage, fixtures};
use fieldcheck_platform::records;
use fieldcheck_protocol::{Entity, Record};
use serde_json::json;
use std::time::Instant;

const ALARMS_PER_ENTERPRISE: usize = 4;

/// A year of history for enterprise number `i`: alarms of every level and age, one task in a state
/// and deadline that vary, and an inspection for two in three (the rest never inspected).
fn history(i: usize, e: &Enterprise, by: &User, partner: &User, now: DateTime<Utc>) -> Vec<Record> {
    let mut out = Vec::new();
    let levels = [Severity::Minor, Severity::General, Severity::Serious];
    for k in 0..ALARMS_PER_ENTERPRISE {
        let raised_at = now - Duration::days(((i * 7 + k * 97) % 420) as i64) - Duration::hours(3);
        out.push(Record::Alarm(Alarm {
            id: AlarmId::new(),
            enterprise: e.id,
            kind: AlarmKind::Exceedance,
            monitoring_point: "DW001".into(),
            pollutant: "总磷".into(),
            value: 0.56,
            limit: 0.5,
            unit: "mg/L".into(),
            averaging: Averaging::Daily,
            level: levels[(i + k) % 3],
            state: if k == 0 { AlarmState::Raised } else { AlarmState::Closed },
            raised_at,
            respond_by: raised_at + Duration::hours(48),
            squadron: None,
            assignee: None,
        }));
    }
    let visited = !i.is_multiple_of(3);
    let mut sub = fixtures::inspection(e, by, partner);
    let ended = now - Duration::days((i % 200) as i64) - Duration::hours(5);
    sub.inspection.id = InspectionId::new();
    sub.inspection.started_at = Some(ended - Duration::hours(2));
    sub.inspection.ended_at = Some(ended);
    for f in &mut sub.findings {
        f.id = FindingId::new();
        f.inspection = sub.inspection.id;
    }
    let states = TaskState::ALL;
    let task = sub.tasks.first().cloned().map(|t| RectificationTask {
        id: TaskId::new(),
        inspection: sub.inspection.id,
        state: states[i % states.len()],
        deadline: now + Duration::days((i % 60) as i64 - 30) + Duration::hours(7),
        ..t
    });
    sub.tasks.clear();
    sub.notices.clear();
    if visited {
        out.push(Record::Inspection(Box::new(sub)));
    }
    out.extend(task.map(Record::Task));
    out
}

/// The audit lines of a closed alarm: dispatched, met on site (some past the limit) and closed, at minutes
/// after raising that vary with `i`; one in five closed from the desk without an arrival.
fn handled(
    tx: &mut dyn fieldcheck_platform::db::Tx,
    a: &Alarm,
    i: usize,
    by: &User,
) -> Result<(), fieldcheck_platform::db::StoreError> {
    let minutes = [
        (AlarmAction::Dispatch, 5 + i % 40),
        (AlarmAction::Arrive, 30 + (i * 37) % 3000),
        (AlarmAction::Close, 3100 + i % 500),
    ];
    for (action, after) in minutes {
        if action == AlarmAction::Arrive && i.is_multiple_of(5) {
            continue;
        }
        tx.audit(&fieldcheck_platform::db::AuditRow {
            entity: "alarm".into(),
            id: a.id.to_string(),
            action: action.as_str().into(),
            from_state: None,
            to_state: None,
            user: by.id.to_string(),
            device: None,
            at: a.raised_at + Duration::minutes(after as i64),
            note: String::new(),
        })?;
    }
    Ok(())
}

fn seed(storage: &Storage, enterprises: usize, by: User, partner: User) {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let data = storage.dir.path().to_path_buf();
        let url = storage.database.clone();
        let db = tokio::task::spawn_blocking(move || fieldcheck_platform::open_db(&data, url.as_deref()))
            .await
            .expect("join")
            .expect("open the database");
        db.write(move |tx| {
            let townships = records::townships(tx)?;
            let existing: Vec<Enterprise> = records::load_all(tx, Entity::Enterprise)?;
            let now = Utc::now();
            let mut all = existing.clone();
            for i in existing.len()..enterprises {
                let township = &townships[i % townships.len()];
                let e = Enterprise {
                    id: EnterpriseId::new(),
                    name: format!("永康市生成{i:05}号五金制品有限公司"),
                    credit_code: CreditCode::complete(&format!("91330784MB{:07}", 1_000_000 + i)).expect("code"),
                    township: township.id,
                    address: format!("浙江省金华市永康市{}生成园区{}号", township.name, i),
                    location: None,
                    legal_representative: "测试".into(),
                    contact: Contact { name: "安环负责人".into(), phone: format!("1390000{:04}", i % 10_000) },
                    flags: EnterpriseFlags { key_discharger: i % 7 == 0, ..EnterpriseFlags::default() },
                };
                records::save(tx, &Record::Enterprise(e.clone()))?;
                all.push(e);
            }
            for (i, e) in all.iter().enumerate() {
                for r in history(i, e, &by, &partner, now) {
                    if let Record::Alarm(a) = &r
                        && a.state == AlarmState::Closed
                    {
                        handled(tx, a, i, &by)?;
                    }
                    records::save(tx, &r)?;
                }
            }
            Ok(())
        })
        .await
        .expect("seed");
    });
}

#[test]
fn risk_draws_and_coverage_at_five_thousand_enterprises() {
    let enterprises: usize =
        std::env::var("FIELDCHECK_SCALE_ENTERPRISES").ok().and_then(|s| s.parse().ok()).unwrap_or(5_000);
    let storage = Storage::new();
    let (by, partner) = {
        let platform = Platform::start(&storage);
        let commander = Device::login(&platform, "commander");
        let world = fieldcheck_e2e::World::load(&commander);
        (world.user("officer1").clone(), world.user("officer2").clone())
    };
    let started = Instant::now();
    seed(&storage, enterprises, by.clone(), partner);
    let seeding = started.elapsed().as_secs_f64();
    {
        let data = storage.dir.path().to_path_buf();
        let db = fieldcheck_platform::open_db(&data, storage.database.as_deref()).expect("open");
        let both = common::risk_both_ways(&db);
        assert_eq!(both.len(), enterprises);
        for (e, (from_sql, from_records)) in both {
            assert_eq!(from_sql, from_records, "enterprise {e}: the SQL counts give the formula's index");
        }
        let (sql, records) = common::dashboard_both_ways(&db, &by);
        assert_eq!(sql, records, "an officer's dashboard: the SQL figures differ from the records'");
    }

    let platform = Platform::start_node(&storage, storage.dir.path(), false, &[], &[]);
    let commander = Device::login(&platform, "commander");
    let backend = if storage.database.is_some() { "postgres" } else { "sqlite" };
    println!(
        "supervision at {enterprises} enterprises ({backend}; {} alarms, ~{} inspections, {enterprises} tasks; seeded \
         in {seeding:.1} s); request times to the last byte, median:",
        enterprises * ALARMS_PER_ENTERPRISE,
        enterprises * 2 / 3
    );
    // A request's time from sending to its last byte (the answer is parsed afterwards, untimed).
    let timed = |method: &str, path: &str, body: Option<serde_json::Value>| -> (f64, u16, serde_json::Value) {
        let url = format!("{}{path}", platform.url);
        let req = match method {
            "POST" => commander.http.post(url).json(&body.unwrap_or(json!({}))),
            _ => commander.http.get(url),
        };
        let started = Instant::now();
        let resp = req.bearer_auth(&commander.token).send().expect("request");
        let status = resp.status().as_u16();
        let bytes = resp.bytes().expect("body");
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        (ms, status, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null))
    };
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };

    let mut times = Vec::new();
    for _ in 0..5 {
        let (ms, status, page) = timed("GET", "/v1/risk?limit=50", None);
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["total"].as_u64(), Some(enterprises as u64), "every enterprise has its index");
        times.push(ms);
    }
    println!("  GET /v1/risk?limit=50 (a page): {:.0} ms", median(times));
    let mut members: Vec<String> = Vec::new();
    for offset in (0..1000).step_by(200) {
        let (_, status, page) = timed("GET", &format!("/v1/risk?limit=200&offset={offset}"), None);
        assert_eq!(status, 200, "{page}");
        let rows = page["rows"].as_array().cloned().unwrap_or_default();
        members.extend(rows.iter().filter_map(|r| r["enterprise"].as_str().map(str::to_string)));
    }
    assert_eq!(members.len(), 1000.min(enterprises));
    let mut times = Vec::new();
    for _ in 0..5 {
        let from = Utc::now().date_naive() - Duration::days(365);
        let (ms, status, d) = timed("GET", &format!("/v1/dashboard?from={from}"), None);
        assert_eq!(status, 200, "{d}");
        times.push(ms);
    }
    println!("  GET /v1/dashboard (a year): {:.0} ms", median(times));

    let mut times = Vec::new();
    for n in 1..=3u8 {
        let seed = format!("{n:02x}").repeat(32);
        let (ms, status, d) = timed("POST", "/v1/draws", Some(json!({ "per_squadron": 5, "seed": seed })));
        assert_eq!(status, 201, "{d}");
        times.push(ms);
    }
    println!("  POST /v1/draws (5 per squadron): {:.0} ms", median(times));

    let (status, grid) =
        commander.post_json("/v1/grids", json!({ "name": "规模测试网格", "owner": by.id, "enterprises": members }));
    assert_eq!(status, 201, "{grid}");
    let grid = grid["id"].as_str().expect("grid id").to_string();
    let mut times = Vec::new();
    for _ in 0..5 {
        let (ms, status, c) = timed("GET", &format!("/v1/grids/{grid}/coverage"), None);
        assert_eq!(status, 200, "{c}");
        assert_eq!(c["enterprises"].as_array().map(Vec::len), Some(members.len()));
        times.push(ms);
    }
    println!("  GET /v1/grids/{{id}}/coverage ({} enterprises): {:.0} ms", members.len(), median(times));
}
