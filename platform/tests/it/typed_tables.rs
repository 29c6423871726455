//! The typed tables (alarms, tasks, inspections) agree with the records after a sequence of syncs against
//! a live platform (SQLite, or PostgreSQL with `FIELDCHECK_TEST_POSTGRES`): inspections submitted, a task
//! acknowledged, proved and rejected, an alarm raised, graded, dispatched, met on site and closed, a
//! conflicting enterprise edit. Then: every row equals the one derived from its record, the risk inputs
//! counted in SQL give the same index as the domain's formula over the loaded records, and the audit holds
//! typed states.

use crate::common;

use chrono::Utc;
use fieldcheck_core::domain::finding::Severity;
use fieldcheck_core::domain::organisation::{Enterprise, Scope, User};
use fieldcheck_core::domain::rectification::{RectificationTask, TaskAction, TaskState};
use fieldcheck_core::protocol::{EnterpriseField, Intent, Outcome};
use fieldcheck_domain::alarm::Alarm;
use fieldcheck_e2e::{Device, Platform, Storage, World, fixtures};
use fieldcheck_platform::db::registers;
use fieldcheck_platform::db::tables::{self, AllRows, ListColumns};
use fieldcheck_platform::db::{Db, StoreError};
use fieldcheck_platform::records;
use fieldcheck_platform::tables::{alarm_row, enterprise_row, inspection_row, list_columns, task_row, user_row};
use fieldcheck_protocol::{Entity, Record, SubmittedInspection};
use serde_json::json;
use std::collections::HashMap;

fn step(task: fieldcheck_core::domain::ids::TaskId, action: TaskAction) -> Intent {
    Intent::TaskTransition { task, action, note: "步骤".into(), evidence: vec![], proof: None, signature: None }
}

fn applied(device: &mut Device, intents: Vec<Intent>) {
    for r in device.push_intents(intents).results {
        assert_eq!(r.outcome, Outcome::Applied, "{r:?}");
    }
}

fn open(storage: &Storage) -> Db {
    let data = storage.dir.path().to_path_buf();
    fieldcheck_platform::open_db(&data, storage.database.as_deref()).expect("open the platform's database")
}

/// The rows the records say the tables must hold.
fn derived(db: &Db) -> AllRows {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    rt.block_on(db.read(|tx| {
        let mut want = AllRows::default();
        // Each row's list columns too: the record's change-log keys and its search text.
        let list = |tx: &mut dyn fieldcheck_platform::db::Tx, r: &Record| -> Result<ListColumns, StoreError> {
            let k = records::keys(tx, r)?;
            list_columns(tx, r, &k)
        };
        for a in records::load_all::<Alarm>(tx, Entity::Alarm)? {
            let l = list(tx, &Record::Alarm(a.clone()))?;
            want.alarms.push(alarm_row(&a, l));
        }
        for t in records::load_all::<RectificationTask>(tx, Entity::Task)? {
            let l = list(tx, &Record::Task(t.clone()))?;
            want.tasks.push(task_row(&t, l));
        }
        for s in records::load_all::<SubmittedInspection>(tx, Entity::Inspection)? {
            let l = list(tx, &Record::Inspection(Box::new(s.clone())))?;
            want.inspections.push(inspection_row(&s, l));
        }
        want.alarms.sort_by(|a, b| a.id.cmp(&b.id));
        want.tasks.sort_by(|a, b| a.id.cmp(&b.id));
        want.inspections.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(want)
    }))
    .expect("derive")
}

#[test]
fn typed_tables_agree_with_the_records_after_syncs_with_a_conflict_and_a_rejected_task() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let commander = Device::login(&platform, "commander");
    let world = World::load(&commander);
    let mut officer = Device::login(&platform, "officer1");
    let partner = world.user("officer2").clone();
    let mut ent = Device::login(&platform, "enterprise1");
    let own = match &ent.user.scope {
        Scope::Enterprise { enterprise } => *enterprise,
        other => panic!("scope {other:?}"),
    };
    let firm = world.enterprises.iter().find(|e| e.id == own).expect("enterprise1's firm").clone();

    // Inspections of the officer's area, one of enterprise1's firm: each brings a general finding's task.
    let area: Vec<&Enterprise> =
        world.enterprises.iter().filter(|e| world.squadron_of("officer1").townships.contains(&e.township)).collect();
    let mut subs: Vec<SubmittedInspection> =
        area.iter().take(3).map(|e| fixtures::inspection(e, &officer.user, &partner)).collect();
    subs.push(fixtures::inspection(&firm, &officer.user, &partner));
    applied(&mut officer, subs.iter().map(|s| Intent::InspectionSubmit(Box::new(s.clone()))).collect());
    let task = subs.last().and_then(|s| s.tasks.first()).expect("the firm's task").id;

    // The firm acknowledges and sends proof; the officer rejects it (退回整改).
    applied(&mut ent, vec![step(task, TaskAction::Acknowledge), step(task, TaskAction::SubmitProof)]);
    applied(&mut officer, vec![step(task, TaskAction::Reject)]);

    // Two phones of the firm edit its contact from the same base: the second is a conflict.
    let edit = |value: &str| Intent::EnterpriseEdit {
        enterprise: own,
        field: EnterpriseField::ContactName,
        base: firm.contact.name.clone(),
        value: value.into(),
    };
    applied(&mut ent, vec![edit("王经理")]);
    let mut ent2 = Device::login(&platform, "enterprise1");
    assert!(matches!(ent2.push_intents(vec![edit("李主任")]).results[0].outcome, Outcome::Conflict { .. }));

    // An alarm through the intake, graded serious (dispatched at once), met on site, closed.
    let raised: serde_json::Value = reqwest::blocking::Client::new()
        .post(format!("{}/v1/alarms", platform.url))
        .header("x-api-key", "demo-monitoring-key")
        .json(&json!({
            "enterprise": own, "kind": "exceedance", "monitoring_point": "outlet", "pollutant": "COD",
            "value": 150.0, "limit": 50.0, "unit": "mg/L", "averaging": "hourly"
        }))
        .send()
        .and_then(|r| r.error_for_status())
        .and_then(|r| r.json())
        .expect("raise an alarm");
    let alarm = raised["id"].as_str().expect("alarm id").to_string();
    let (status, graded) = commander.post_json(&format!("/v1/alarms/{alarm}/grade"), json!({ "level": "serious" }));
    assert_eq!(status, 200, "{graded}");

    let db = open(&storage);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    // Older alarms of the firm (the intake takes none this old): copies of the new one in each of the
    // formula's age buckets and one past them, written as the platform writes records.
    let id = alarm.clone();
    rt.block_on(db.write(move |tx| {
        let base: Alarm = records::load(tx, Entity::Alarm, &id)?.expect("the raised alarm");
        for days in [45, 200, 300, 400] {
            let raised_at = Utc::now() - chrono::Duration::days(days) - chrono::Duration::hours(1);
            let old = Alarm { id: fieldcheck_domain::ids::AlarmId::new(), raised_at, ..base.clone() };
            records::save(tx, &Record::Alarm(old))?;
        }
        Ok(())
    }))
    .expect("older alarms");
    // The command centre moves an enterprise of the officer's area: its register row follows (township, keys).
    let moved = area[0].clone();
    let to = world.townships.iter().find(|t| t.id != moved.township).expect("another township").id;
    let (status, answer) =
        commander.post_json(&format!("/v1/enterprises/{}/move", moved.id), json!({ "township": to }));
    assert_eq!((status, answer["township"].clone()), (200, json!(to)), "{answer}");

    let (registered, want) = rt
        .block_on(db.read(|tx| {
            let (mut enterprises, mut users) = (Vec::new(), Vec::new());
            for e in records::load_all::<Enterprise>(tx, Entity::Enterprise)? {
                let k = records::keys(tx, &Record::Enterprise(e.clone()))?;
                enterprises.push(enterprise_row(&e, &k));
            }
            for u in records::load_all::<User>(tx, Entity::User)? {
                let k = records::keys(tx, &Record::User(u.clone()))?;
                users.push(user_row(&u, &k));
            }
            enterprises.sort_by(|a, b| a.id.cmp(&b.id));
            users.sort_by(|a, b| a.id.cmp(&b.id));
            Ok((registers::all_rows(tx)?, (enterprises, users)))
        }))
        .expect("register rows");
    assert_eq!(registered, want, "every enterprise's and user's row is its record's");
    let row = registered.0.iter().find(|e| e.id == moved.id.to_string()).expect("the moved enterprise's row");
    assert_eq!(row.township, to.to_string());

    let rows = rt.block_on(db.read(|tx| Ok(tables::all_rows(tx)?))).expect("rows");
    let want = derived(&db);
    assert_eq!(rows, want, "every typed row is its record's");
    let rejected = rows.tasks.iter().find(|t| t.id == task.to_string()).expect("the rejected task's row");
    assert_eq!(rejected.state, TaskState::Rejected);
    let a = rows.alarms.iter().find(|a| a.id == alarm).expect("the alarm's row");
    assert_eq!(a.level, Severity::Serious);
    for sub in &subs {
        let row = rows.inspections.iter().find(|i| i.id == sub.inspection.id.to_string()).expect("submitted here");
        assert_eq!(row.findings, [0, 1, 0], "one general finding");
    }

    for (e, (from_sql, from_records)) in common::risk_both_ways(&db) {
        assert_eq!(from_sql, from_records, "enterprise {e}: the SQL counts give the formula's index");
    }
    let (_, risk) = commander.get_json(&format!("/v1/enterprises/{own}/risk"));
    let terms: HashMap<&str, f64> = risk["terms"]
        .as_array()
        .expect("terms")
        .iter()
        .filter_map(|t| Some((t["term"].as_str()?, t["raw"].as_f64()?)))
        .collect();
    assert_eq!(terms.get("rejected_tasks"), Some(&1.0), "{risk}");
    assert!(terms.get("alarms").is_some_and(|p| *p >= 6.0), "a serious alarm today: {risk}");

    // The audit's states are typed: stable names, never the Rust spelling; values that are not states
    // (the conflict's) are in the note.
    let (_, trail) = commander.get_json(&format!("/v1/audit/task/{task}"));
    let steps: Vec<(String, String, String)> = trail
        .as_array()
        .expect("trail")
        .iter()
        .map(|l| {
            let s = |k: &str| l[k].as_str().unwrap_or("").to_string();
            (s("action"), s("from_state"), s("to_state"))
        })
        .collect();
    let want: Vec<(String, String, String)> = [
        ("issue", "", "issued"),
        ("acknowledge", "issued", "acknowledged"),
        ("submit_proof", "acknowledged", "proof_submitted"),
        ("reject", "proof_submitted", "rejected"),
    ]
    .iter()
    .map(|(a, f, t)| (a.to_string(), f.to_string(), t.to_string()))
    .collect();
    assert_eq!(steps, want);
    let (_, trail) = commander.get_json(&format!("/v1/audit/alarm/{alarm}"));
    let labels: Vec<&str> = trail.as_array().expect("trail").iter().filter_map(|l| l["to_state"].as_str()).collect();
    assert_eq!(labels.first(), Some(&"raised"), "{trail}");
    assert_eq!(labels.last(), Some(&"dispatched"), "{trail}");
}

/// What other rows show of an enterprise (its names, and the township that scopes an inspection or alarm
/// of it) is parsed from its record without the rest: the same values as the whole record's.
#[tokio::test]
async fn an_enterprise_s_names_are_its_record_s() {
    use fieldcheck_domain::credit_code::CreditCode;
    use fieldcheck_domain::ids::{EnterpriseId, TownshipId};
    let dir = tempfile::tempdir().expect("temp dir");
    let db = fieldcheck_platform::open_db(dir.path(), None).expect("open");
    let enterprise = Enterprise {
        id: EnterpriseId::new(),
        name: "永康市东城五金厂".into(),
        credit_code: CreditCode::complete("91330784MA2A00001").expect("code"),
        township: TownshipId::new(),
        address: "东城街道".into(),
        location: None,
        legal_representative: String::new(),
        contact: Default::default(),
        flags: Default::default(),
    };
    let expected = (enterprise.name.clone(), enterprise.credit_code.to_string(), enterprise.township);
    let (id, record) = (enterprise.id, Record::Enterprise(enterprise));
    db.write(move |tx| Ok(records::save(tx, &record)?)).await.expect("save");
    let names = db
        .read(move |tx| {
            let n = records::enterprise_names(tx, id)?.expect("the enterprise is known");
            Ok((n.name, n.credit_code, n.township))
        })
        .await
        .expect("read");
    assert_eq!(names, expected);
}
