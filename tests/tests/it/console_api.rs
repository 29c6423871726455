//! What the command centre's console reads: alarm rows carry what the page shows (exceedance multiple,
//! time left, labels, the caller's allowed actions), tasks come overdue first, and timelines are scoped
//! like the records they belong to.

use fieldcheck_e2e::{Device, Platform, Storage};
use serde_json::{Value, json};

fn list(device: &Device, path: &str) -> Vec<Value> {
    let (status, body) = device.get_json(path);
    assert_eq!(status, 200, "{path}: {body}");
    body.as_array().cloned().unwrap_or_else(|| panic!("{path} is not a list: {body}"))
}

#[test]
fn console_rows_carry_what_the_page_shows_and_timelines_are_scoped() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let commander = Device::login(&platform, "commander");

    let alarms = list(&commander, "/v1/alarms?open=true");
    let tp = alarms.iter().find(|a| a["pollutant"].as_str().is_some_and(|p| p.contains("总磷"))).expect("TP alarm");
    // TP daily mean 0.56 mg/L over a 0.5 limit: 0.12 times over, dispatched and waiting for an officer.
    assert_eq!(tp["exceedance_multiple"].to_string(), "0.12", "{tp}");
    assert_eq!(tp["exceedance_shown"], "0.12");
    assert_eq!(tp["averaging_label"], json!({ "zh": "日均值", "en": "daily mean" }));
    assert!(tp["seconds_left"].is_i64(), "{tp}");
    assert_eq!(tp["state"], "dispatched");
    assert_eq!(tp["actions"], json!([]), "the command centre waits for the officer");

    let nh3 = alarms.iter().find(|a| a["pollutant"] == "氨氮").expect("ammonia alarm");
    assert_eq!(nh3["actions"], json!(["grade", "dispatch", "close"]));
    assert_eq!(nh3["grades"].as_array().map(Vec::len), Some(3));

    let missing = alarms.iter().find(|a| a["kind"] == "data_missing").expect("data-missing alarm");
    assert!(missing["exceedance_multiple"].is_null(), "only an exceedance has a multiple");
    assert_eq!(missing["overdue"], true);
    assert!(missing["seconds_left"].as_i64().expect("seconds left") < 0);

    let dispatched = alarms.iter().find(|a| a["level"] == "serious").expect("the serious COD alarm");
    assert!(dispatched["squadron_name"].as_str().is_some_and(|s| s.contains("中队")), "{dispatched}");
    assert!(!dispatched["actions"].as_array().expect("actions").contains(&json!("dispatch")));

    let tasks = list(&commander, "/v1/tasks");
    let overdue: Vec<bool> = tasks.iter().map(|t| t["overdue"] == true).collect();
    assert!(overdue[0] && overdue.windows(2).all(|w| w[0] >= w[1]), "overdue first: {overdue:?}");
    let acked = list(&commander, "/v1/tasks?state=acknowledged");
    assert_eq!(acked.len(), 1);
    // Rows carry what the caller may do: nothing for the command centre while the enterprise owes proof.
    assert_eq!(acked[0]["actions"], json!([]));
    let task = acked[0]["id"].as_str().expect("id").to_string();
    let trail = list(&commander, &format!("/v1/tasks/{task}/timeline"));
    let labels: Vec<&Value> = trail.iter().map(|e| &e["to_label"]["zh"]).collect();
    assert_eq!(labels, [&json!("已下发"), &json!("已签收")]);

    // Enterprises see their own timelines only, and no command-centre actions.
    let ent1 = Device::login(&platform, "enterprise1");
    let ent2 = Device::login(&platform, "enterprise2");
    assert_eq!(ent1.get_json(&format!("/v1/tasks/{task}/timeline")).0, 404);
    let nh3_timeline = format!("/v1/alarms/{}/timeline", nh3["id"].as_str().expect("id"));
    assert_eq!(ent1.get_json(&nh3_timeline).0, 404);
    assert_eq!(list(&ent2, &nh3_timeline)[0]["action"], "raise");
    let tp_timeline = format!("/v1/alarms/{}/timeline", tp["id"].as_str().expect("id"));
    let steps: Vec<Value> = list(&commander, &tp_timeline).iter().map(|e| e["action"].clone()).collect();
    assert_eq!(steps, [json!("raise"), json!("grade"), json!("dispatch")]);
    let own = list(&ent2, "/v1/alarms");
    assert!(!own.is_empty() && own.iter().all(|a| a["actions"] == json!([]) && a["grades"] == json!([])));
}
