//! The console's list endpoints (`/v1/lists/*`): filters and paging done in the database give the same
//! rows, with the same `actions`, as the whole lists; each caller sees exactly what its scope allows; and
//! the live event stream (`/v1/events`) delivers a change made through the API. Runs on SQLite, and on
//! PostgreSQL when `FIELDCHECK_TEST_POSTGRES` is set (scripts/test.sh runs both).

use fieldcheck_e2e::{Device, Platform, Storage};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};

/// A client whose requests (an event stream's body included) give up after 30 s, so a missing event
/// fails the test instead of hanging it.
fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder().timeout(std::time::Duration::from_secs(30)).build().expect("client")
}

fn get(device: &Device, path: &str) -> Value {
    let (status, body) = device.get_json(path);
    assert_eq!(status, 200, "{path}: {body}");
    body
}

fn rows(page: &Value) -> Vec<Value> {
    page["rows"].as_array().cloned().unwrap_or_else(|| panic!("no rows: {page}"))
}

fn ids(rows: &[Value]) -> Vec<String> {
    rows.iter().map(|r| r["id"].as_str().expect("id").to_string()).collect()
}

/// Every row of a list, page by page.
fn all(device: &Device, path: &str, per_page: u32) -> (u64, Vec<Value>) {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut out = Vec::new();
    loop {
        let page = get(device, &format!("{path}{sep}limit={per_page}&offset={}", out.len()));
        let got = rows(&page);
        let total = page["total"].as_u64().expect("total");
        assert!(got.len() <= per_page as usize);
        out.extend(got.clone());
        if got.is_empty() || out.len() as u64 >= total {
            assert_eq!(out.len() as u64, total, "{path}: pages add up to the total");
            return (total, out);
        }
    }
}

#[test]
fn lists_filter_and_page_in_the_database_with_actions_and_scope() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let commander = Device::login(&platform, "commander");

    // Alarms: the same rows, in the same order, with the same actions as the whole list.
    let whole = get(&commander, "/v1/alarms");
    let whole = whole.as_array().expect("alarms");
    let (total, paged) = all(&commander, "/v1/lists/alarms", 2);
    assert_eq!(total as usize, whole.len());
    assert_eq!(ids(&paged), ids(whole), "newest first, like /v1/alarms");
    for (a, b) in paged.iter().zip(whole) {
        assert_eq!(a["actions"], b["actions"]);
    }

    // Filters: state, grade, text, township, date range.
    let raised = rows(&get(&commander, "/v1/lists/alarms?state=raised&limit=200"));
    assert!(!raised.is_empty() && raised.iter().all(|a| a["state"] == "raised"));
    let two = rows(&get(&commander, "/v1/lists/alarms?state=raised,dispatched&limit=200"));
    assert_eq!(two.len(), whole.iter().filter(|a| a["state"] == "raised" || a["state"] == "dispatched").count());
    let serious = rows(&get(&commander, "/v1/lists/alarms?grade=serious&limit=200"));
    assert!(serious.iter().all(|a| a["level"] == "serious"));
    assert_eq!(serious.len(), whole.iter().filter(|a| a["level"] == "serious").count());
    let tp = rows(&get(&commander, "/v1/lists/alarms?q=%E6%80%BB%E7%A3%B7")); // 总磷
    assert!(!tp.is_empty() && tp.iter().all(|a| a["pollutant"].as_str().unwrap_or("").contains("总磷")), "{tp:?}");
    let none = get(&commander, "/v1/lists/alarms?from=2999-01-01");
    assert_eq!(none["total"], 0);
    let past = get(&commander, "/v1/lists/alarms?to=2000-01-01");
    assert_eq!(past["total"], 0);
    let everything = get(&commander, "/v1/lists/alarms?from=2000-01-01&to=2999-01-01");
    assert_eq!(everything["total"].as_u64(), Some(total));

    let enterprises = all(&commander, "/v1/lists/enterprises", 40).1;
    assert_eq!(enterprises.len(), 150, "the demo county's enterprises");
    let names: Vec<&str> = enterprises.iter().map(|e| e["name"].as_str().expect("name")).collect();
    assert!(names.windows(2).all(|w| w[0].as_bytes() <= w[1].as_bytes()), "by name");
    assert!(enterprises[0]["actions"].as_array().expect("actions").contains(&json!("move_enterprise")));
    let town = enterprises[0]["township"].as_str().expect("township").to_string();
    let in_town = all(&commander, &format!("/v1/lists/enterprises?township={town}"), 50).1;
    assert_eq!(in_town.len(), enterprises.iter().filter(|e| e["township"] == town.as_str()).count());
    let code = enterprises[3]["credit_code"].as_str().expect("code");
    let by_code = rows(&get(&commander, &format!("/v1/lists/enterprises?q={}", code.to_lowercase())));
    assert_eq!(ids(&by_code), vec![enterprises[3]["id"].as_str().unwrap().to_string()]);

    let tasks = all(&commander, "/v1/lists/tasks", 3).1;
    let whole_tasks = get(&commander, "/v1/tasks");
    assert_eq!(tasks.len(), whole_tasks.as_array().expect("tasks").len());
    let deadlines: Vec<&str> = tasks.iter().map(|t| t["deadline"].as_str().expect("deadline")).collect();
    assert!(deadlines.windows(2).all(|w| w[0] <= w[1]), "by deadline");
    let inspections = rows(&get(&commander, "/v1/lists/inspections"));
    assert!(!inspections.is_empty(), "the demo's submitted inspection");
    assert!(inspections[0]["actions"].as_array().expect("actions").contains(&json!("request_originals")));
    let users = all(&commander, "/v1/lists/users", 10).1;
    assert!(users.iter().any(|u| u["login"] == "officer1"));
    let officers = rows(&get(&commander, "/v1/lists/users?grade=officer&limit=200"));
    assert!(!officers.is_empty() && officers.iter().all(|u| u["role"] == "officer"));
    let devices = get(&commander, "/v1/lists/devices");
    assert!(devices["total"].as_u64().expect("total") >= 1);
    assert_eq!(rows(&devices)[0]["actions"], json!(["revoke", "wipe"]));
    assert_eq!(rows(&devices)[0]["state"], "signed_in");
    assert_eq!(rows(&devices)[0]["user_login"], "commander", "the latest sign-in first, its user joined");

    // The typed registers' own filters: class, exact credit code, role; devices by state.
    let is = |e: &Value, flag: &str| e["flags"][flag].as_bool().unwrap_or(false);
    for (class, expected) in [
        ("key_discharger", enterprises.iter().filter(|e| is(e, "key_discharger")).count()),
        ("hazardous_waste_producer", enterprises.iter().filter(|e| is(e, "hazardous_waste_producer")).count()),
        (
            "ordinary",
            enterprises
                .iter()
                .filter(|e| {
                    !["key_discharger", "key_hazardous_waste_unit", "hazardous_waste_producer"].iter().any(|f| is(e, f))
                })
                .count(),
        ),
    ] {
        let listed = all(&commander, &format!("/v1/lists/enterprises?class={class}"), 200).1;
        assert_eq!(listed.len(), expected, "class {class}");
        assert!(expected > 0, "the demo has enterprises of class {class}");
    }
    let key = all(&commander, "/v1/lists/enterprises?grade=key", 200).1;
    let normal = all(&commander, "/v1/lists/enterprises?grade=normal", 200).1;
    assert_eq!(key.len() + normal.len(), 150);
    assert!(key.iter().all(|e| is(e, "key_discharger") || is(e, "key_hazardous_waste_unit")));
    assert_eq!(get(&commander, "/v1/lists/enterprises?grade=&class=")["total"], 150, "an empty filter is none");
    let exact = rows(&get(&commander, &format!("/v1/lists/enterprises?credit_code={code}")));
    assert_eq!(ids(&exact), vec![enterprises[3]["id"].as_str().unwrap().to_string()]);
    let commanders = rows(&get(&commander, "/v1/lists/users?grade=commander"));
    assert!(!commanders.is_empty() && commanders.iter().all(|u| u["role"] == "commander"));
    assert_eq!(get(&commander, "/v1/lists/devices?state=revoked")["total"], 0);
    assert_eq!(get(&commander, "/v1/lists/devices?state=signed_in")["total"], devices["total"]);

    // A squadron filter: its townships' enterprises.
    let officer = Device::login(&platform, "officer1");
    let squadron = match &officer.user.scope {
        fieldcheck_core::domain::organisation::Scope::Squadron { squadron } => squadron.to_string(),
        other => panic!("officer1 is in a squadron, not {other:?}"),
    };
    let area = all(&commander, &format!("/v1/lists/enterprises?squadron={squadron}"), 100).1;
    assert!(!area.is_empty() && area.len() < 150);

    // Scope: each caller lists exactly what it reaches (its whole lists say the same).
    for login in ["officer1", "dongcheng", "enterprise1"] {
        let caller = Device::login(&platform, login);
        let listed: BTreeSet<String> = ids(&all(&caller, "/v1/lists/alarms", 5).1).into_iter().collect();
        let whole: BTreeSet<String> = ids(get(&caller, "/v1/alarms").as_array().expect("alarms")).into_iter().collect();
        assert_eq!(listed, whole, "{login}: alarms");
        let listed: BTreeSet<String> = ids(&all(&caller, "/v1/lists/tasks", 5).1).into_iter().collect();
        let whole: BTreeSet<String> = ids(get(&caller, "/v1/tasks").as_array().expect("tasks")).into_iter().collect();
        assert_eq!(listed, whole, "{login}: tasks");
    }
    let officer_area = all(&officer, "/v1/lists/enterprises", 100).1;
    assert_eq!(ids(&officer_area), ids(&area), "an officer lists its squadron's enterprises");
    let ent = Device::login(&platform, "enterprise1");
    let own = all(&ent, "/v1/lists/enterprises", 10).1;
    assert_eq!(own.len(), 1, "an enterprise lists itself only");
    assert_eq!(own[0]["actions"], json!(["edit_enterprise"]));
    assert_eq!(get(&ent, "/v1/lists/inspections")["total"], 0, "inspection records are internal");
    let town_office = Device::login(&platform, "dongcheng");
    let towns = all(&town_office, "/v1/lists/enterprises", 50).1;
    assert!(!towns.is_empty());
    let dongcheng = towns[0]["township"].clone();
    assert!(towns.iter().all(|e| e["township"] == dongcheng));

    // Users in reach: an officer lists those of its squadron's area as its pull has them.
    let listed: BTreeSet<String> = ids(&all(&officer, "/v1/lists/users", 50).1).into_iter().collect();
    let (pulled, _) = officer.pull_all(0);
    let pulled: BTreeSet<String> = pulled
        .iter()
        .filter_map(|r| match r {
            fieldcheck_core::protocol::Record::User(u) => Some(u.id.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(listed, pulled, "officer1: users listed = users pulled");

    // Refusals: a clear 400 or 403 in the error contract.
    for path in [
        "/v1/lists/alarms?limit=0",
        "/v1/lists/alarms?limit=201",
        "/v1/lists/alarms?from=yesterday",
        "/v1/lists/enterprises?class=huge",
        "/v1/lists/enterprises?grade=officer",
        "/v1/lists/users?grade=mayor",
        "/v1/lists/devices?state=asleep",
    ] {
        let (status, body) = commander.get_json(path);
        assert_eq!(status, 400, "{path}: {body}");
        assert!(body["message"].is_string(), "{body}");
    }
    assert_eq!(officer.get_json("/v1/lists/devices").0, 403);
    assert_eq!(reqwest::blocking::get(format!("{}/v1/lists/alarms", platform.url)).expect("get").status(), 401);
}

#[test]
fn live_events_deliver_a_raised_alarm_to_a_ticket_holder_only_in_scope() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let commander = Device::login(&platform, "commander");
    let (status, ticket) = commander.post_json("/v1/events/ticket", json!({}));
    assert_eq!(status, 200, "{ticket}");
    let ticket = ticket["ticket"].as_str().expect("ticket").to_string();

    // No ticket, a forged one, a bearer token instead: refused.
    let http = client();
    for bad in ["", "x.1.2", &format!("{}.{}", &ticket[..ticket.rfind('.').unwrap()], "0".repeat(64)), &commander.token]
    {
        let status = http.get(format!("{}/v1/events?ticket={bad}", platform.url)).send().expect("get").status();
        assert_eq!(status, 401, "ticket {bad:?}");
    }

    let resp = http.get(format!("{}/v1/events?ticket={ticket}", platform.url)).send().expect("events");
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    let enterprise = rows(&get(&commander, "/v1/lists/enterprises?limit=1"))[0]["id"].clone();
    let id = raise(&platform.url, &enterprise, "DW001", "COD", 150.0, 50.0);
    let event = event_for(resp, &id);
    assert_eq!(event["entity"], "alarm");
    assert_eq!(event["op"], "upsert");

    // Revoking the device kills its tickets.
    let (status, _) = commander.post_json(&format!("/v1/devices/{}/revoke", commander.id), json!({}));
    assert_eq!(status, 204);
    let status = http.get(format!("{}/v1/events?ticket={ticket}", platform.url)).send().expect("get").status();
    assert_eq!(status, 401);
}

#[test]
fn live_events_come_from_the_change_log_whichever_process_wrote() {
    // Two platform processes on one database: a console on the first hears an alarm raised on the second.
    let storage = Storage::new();
    let first = Platform::start(&storage);
    let second = Platform::start(&storage);
    let commander = Device::login(&first, "commander");
    let (_, ticket) = commander.post_json("/v1/events/ticket", json!({}));
    let ticket = ticket["ticket"].as_str().expect("ticket").to_string();
    let http = client();
    let resp = http.get(format!("{}/v1/events?ticket={ticket}", first.url)).send().expect("events");
    assert_eq!(resp.status(), 200);
    let enterprise = rows(&get(&commander, "/v1/lists/enterprises?limit=1"))[0]["id"].clone();
    let id = raise(&second.url, &enterprise, "DW002", "氨氮", 9.0, 5.0);
    event_for(resp, &id);
}

/// Raises an exceedance alarm through the monitoring intake at `base`; its id.
fn raise(base: &str, enterprise: &Value, point: &str, pollutant: &str, value: f64, limit: f64) -> String {
    let raised: Value = client()
        .post(format!("{base}/v1/alarms"))
        .header("x-api-key", "demo-monitoring-key")
        .json(&json!({
            "enterprise": enterprise, "kind": "exceedance", "monitoring_point": point,
            "pollutant": pollutant, "value": value, "limit": limit, "unit": "mg/L", "averaging": "hourly"
        }))
        .send()
        .expect("raise")
        .json()
        .expect("alarm");
    raised["id"].as_str().expect("id").to_string()
}

/// Reads the event stream until the change of record `id`; the stream ends only when dropped, and each
/// `data:` line is one change.
fn event_for(stream: reqwest::blocking::Response, id: &str) -> Value {
    let mut lines = BufReader::new(stream).lines();
    loop {
        let line = lines.next().expect("the stream stays open").expect("read");
        if let Some(data) = line.strip_prefix("data:") {
            let change: Value = serde_json::from_str(data.trim()).expect("json");
            if change["id"] == id {
                return change;
            }
        }
    }
}

#[test]
fn an_inspections_record_has_its_checklists_answers_findings_and_audit() {
    use fieldcheck_core::protocol::{Intent, Outcome};
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let commander = Device::login(&platform, "commander");
    let world = fieldcheck_e2e::World::load(&commander);
    let (by, partner) = (world.user("officer1").clone(), world.user("officer2").clone());
    let enterprise = world.enterprise_for("officer1", true).clone();
    let mut officer = Device::login(&platform, "officer1");
    let sub = fieldcheck_e2e::fixtures::inspection(&enterprise, &by, &partner);
    let resp = officer.push_intents(vec![Intent::InspectionSubmit(Box::new(sub.clone()))]);
    assert!(matches!(resp.results[0].outcome, Outcome::Applied), "{:?}", resp.results[0].outcome);

    let path = format!("/v1/inspections/{}/record", sub.inspection.id);
    let record = get(&commander, &path);
    let items: Vec<Value> = record["checklists"]
        .as_array()
        .expect("checklists")
        .iter()
        .flat_map(|c| c["items"].as_array().cloned().unwrap_or_default())
        .collect();
    assert_eq!(
        items.iter().filter(|i| !i["answer"].is_null()).count(),
        sub.answers.len(),
        "every answer under its item"
    );
    assert!(items.iter().all(|i| i["text"]["zh"].is_string() && i["legal_basis"].is_array()));
    assert!(items.iter().any(|i| !i["legal_basis"].as_array().expect("basis").is_empty()));
    let findings = record["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), sub.findings.len());
    assert_eq!(findings[0]["legal_basis"], json!(sub.findings[0].legal_basis));
    assert!(findings[0]["severity_label"]["zh"].is_string());
    assert_eq!(record["tasks"].as_array().map(Vec::len), Some(sub.tasks.len()));
    assert!(record["audit"].is_array(), "the command centre reads the audit trail");
    assert_eq!(record["enterprise_name"], json!(enterprise.name));

    // Scoped like the inspection: an enterprise never sees inspection records.
    let ent = Device::login(&platform, "enterprise1");
    assert_eq!(ent.get_json(&path).0, 404);
    assert_eq!(commander.get_json(&format!("/v1/inspections/{}/record", uuid::Uuid::now_v7())).0, 404);
}
