//! The dashboard's response times, overdue tasks and open alarms, counted in SQL over the typed tables and
//! the audit, equal what loading every alarm and task and reading each alarm's audit trail gives, on the
//! demo county (with its handled alarm and after an alarm handled here), for the command centre, an officer
//! and a township office. On SQLite, or PostgreSQL with `FIELDCHECK_TEST_POSTGRES` (the suite runs both);
//! the generated county's comparison is in `supervision_scale.rs`.

use crate::common;

use fieldcheck_core::protocol::{Intent, Outcome};
use fieldcheck_e2e::{Device, Platform, Storage, World};

#[test]
fn the_dashboard_counted_in_sql_equals_the_records_and_their_audit() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let commander = Device::login(&platform, "commander");
    let world = World::load(&commander);
    // One more alarm met on site, so an arrival is counted beside the demo's handled one.
    let alarm = world.alarms.iter().find(|a| a.pollutant == "总磷").expect("the demo's dispatched TP alarm");
    let squadron = alarm.squadron.expect("dispatched");
    let officer = world
        .users
        .iter()
        .find(|u| u.scope == fieldcheck_core::domain::organisation::Scope::Squadron { squadron })
        .expect("an officer of its squadron")
        .clone();
    let mut phone = Device::login(&platform, &officer.login);
    let arrived =
        phone.push_intents(vec![Intent::AlarmArrive { alarm: alarm.id, location: None, location_missing: None }]);
    assert_eq!(arrived.results[0].outcome, Outcome::Applied);

    let db = fieldcheck_platform::open_db(storage.dir.path(), storage.database.as_deref()).expect("open");
    for login in ["commander", officer.login.as_str(), "dongcheng"] {
        let user = world.user(login).clone();
        let (sql, records) = common::dashboard_both_ways(&db, &user);
        assert_eq!(sql, records, "{login}: the SQL figures differ from the records'");
        if login == "commander" {
            let arrivals: u64 =
                sql[0].as_array().expect("levels").iter().map(|g| g["arrived"]["count"].as_u64().unwrap_or(0)).sum();
            assert_eq!(arrivals, 2, "the demo's handled alarm and this one: {sql}");
            assert!(sql[2].as_u64() >= Some(2), "the demo's overdue tasks: {sql}");
        }
    }
}
