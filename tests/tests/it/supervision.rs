//! Risk-based supervision against a live platform (SQLite, or PostgreSQL when `FIELDCHECK_TEST_POSTGRES`
//! is set): a double-random draw reaches the drawn officers' phones and re-runs from its record to the
//! same result; the intake takes credit codes and point codes with exact exceedance; risk indices are
//! explained; grids show coverage; the demo tells the bureau's story.
use crate::phone;

use chrono::Utc;
use fieldcheck_core::domain::ids::{EnterpriseId, UserId};
use fieldcheck_core::domain::supervision::draw::{self, DrawInput, SquadronResult};
use fieldcheck_e2e::{Device, Platform, Storage, World};
use phone::{Phone, runtime};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

fn raise(platform: &Platform, body: Value) -> (u16, Value) {
    let resp = reqwest::blocking::Client::new()
        .post(format!("{}/v1/alarms", platform.url))
        .header("x-api-key", "demo-monitoring-key")
        .json(&body)
        .send()
        .expect("raise");
    let status = resp.status().as_u16();
    (status, resp.json().unwrap_or(Value::Null))
}

#[test]
fn a_draw_reaches_the_drawn_officers_phones_and_re_runs_to_the_same_result() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let commander = Device::login(&platform, "commander");
    let world = World::load(&commander);
    let seed = "5a".repeat(32);

    // Only the command centre draws.
    let officer = Device::login(&platform, "officer1");
    assert_eq!(officer.post_json("/v1/draws", json!({ "per_squadron": 2 })).0, 403);
    assert_eq!(commander.post_json("/v1/draws", json!({ "per_squadron": 0 })).0, 422);
    assert_eq!(commander.post_json("/v1/draws", json!({ "per_squadron": 2, "seed": "xyz" })).0, 422);

    let (status, drawn) = commander.post_json("/v1/draws", json!({ "per_squadron": 3, "seed": seed, "due_days": 14 }));
    assert_eq!(status, 201, "{drawn}");
    let id = drawn["id"].as_str().expect("id").to_string();
    let input: DrawInput = serde_json::from_value(drawn["input"].clone()).expect("input");
    let result: Vec<SquadronResult> = serde_json::from_value(drawn["result"].clone()).expect("result");
    assert_eq!(input.seed, seed, "the seed is recorded");
    assert_eq!(input.squadrons.len(), world.squadrons.len(), "every squadron drawn for");
    for (s, r) in input.squadrons.iter().zip(&result) {
        assert_eq!(r.picks.len(), 3);
        assert!(s.officers.len() >= 2 && s.officers.iter().all(|o| !o.certificate_no.is_empty()));
        assert!(s.candidates.iter().all(|c| c.weight >= 1), "weights are recorded");
    }

    // Anyone holding the record gets the same result: the platform's re-run, and this test's own.
    let (status, verified) = commander.post_json(&format!("/v1/draws/{id}/verify"), json!({}));
    assert_eq!((status, &verified["matches"]), (200, &json!(true)), "{verified}");
    assert_eq!(draw::draw(&input).expect("re-run"), result);
    let (status, stored) = officer.get_json(&format!("/v1/draws/{id}"));
    assert_eq!(status, 200, "officers read draws (公开)");
    assert_eq!(stored["input"], drawn["input"]);
    let (_, listed) = commander.get_json("/v1/draws");
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    let trail = commander.get_json(&format!("/v1/audit/draw/{id}")).1;
    assert!(trail[0]["note"].as_str().is_some_and(|n| n.contains(&seed)), "{trail}");

    // Every officer's phone pulls exactly its own assignments onto its today list.
    let mut expected: BTreeMap<UserId, BTreeSet<EnterpriseId>> = BTreeMap::new();
    for pick in result.iter().flat_map(|s| &s.picks) {
        for o in &pick.officers {
            expected.entry(*o).or_default().insert(pick.enterprise);
        }
    }
    let rt = runtime();
    let home = tempfile::tempdir().expect("phones");
    for n in 1..=8 {
        let login = format!("officer{n}");
        let user = world.user(&login);
        let dir = home.path().join(&login);
        std::fs::create_dir_all(&dir).expect("phone dir");
        let phone = rt.block_on(Phone::sign_in(&dir, &platform.url, &login));
        let today = phone.store.today(Utc::now()).expect("today");
        let got: BTreeSet<EnterpriseId> = today.assignments.iter().map(|a| a.enterprise).collect();
        assert_eq!(got, expected.get(&user.id).cloned().unwrap_or_default(), "{login}'s today list");
        assert!(
            today.assignments.iter().all(|a| a.officer == user.id && a.team.len() == 2 && a.team.contains(&user.id))
        );
        if n == 1 && !got.is_empty() {
            // Inspecting an assigned enterprise takes it off the list.
            let a = today.assignments[0].clone();
            let enterprise = world.enterprises.iter().find(|e| e.id == a.enterprise).expect("enterprise");
            let team: Vec<_> =
                a.team.iter().map(|id| world.users.iter().find(|u| u.id == *id).expect("user")).collect();
            phone.inspect(enterprise, &team);
            let after = phone.store.today(Utc::now()).expect("today");
            assert!(after.assignments.iter().all(|x| x.enterprise != a.enterprise), "still listed after inspecting");
        }
    }
    // Enterprises never hear of a random inspection.
    let ent = Device::login(&platform, "enterprise1");
    let (records, _) = ent.pull_all(0);
    assert!(records.iter().all(|r| !matches!(r, fieldcheck_core::protocol::Record::Assignment(_))));
    assert_eq!(ent.get_json(&format!("/v1/draws/{id}")).0, 403);
}

#[test]
fn the_intake_takes_credit_codes_and_point_codes_with_exact_exceedance() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let commander = Device::login(&platform, "commander");
    let world = World::load(&commander);

    // The demo's story: a 东城街道 company's TP daily mean 0.56 over 0.5, dispatched to the squadron
    // covering 东城街道 and waiting for an officer.
    let (_, alarms) = commander.get_json("/v1/alarms?open=true");
    let tp = alarms.as_array().expect("alarms").iter().find(|a| a["pollutant"] == "总磷").expect("TP alarm").clone();
    assert_eq!((tp["value"].as_f64(), tp["limit"].as_f64()), (Some(0.56), Some(0.5)));
    assert_eq!(tp["exceedance_shown"], "0.12");
    assert_eq!(tp["exceedance_multiple"].to_string(), "0.12", "no float noise");
    assert_eq!(
        (&tp["township_name"], &tp["state"], &tp["monitoring_point"]),
        (&json!("东城街道"), &json!("dispatched"), &json!("DW001"))
    );
    let dongcheng = world.townships.iter().find(|t| t.name == "东城街道").expect("东城街道");
    let covering = world.squadrons.iter().find(|s| s.townships.contains(&dongcheng.id)).expect("squadron");
    assert_eq!(tp["squadron"], covering.id.to_string());

    // The monitoring side names the enterprise by credit code and the point by code; the limit comes
    // from the point's registration; 0.6 over 0.5 is exactly 0.2 times over, so general, not minor.
    let e = &world.enterprises[40];
    let report = |code: &str, point: &str, pollutant: &str| json!({ "credit_code": code, "kind": "exceedance", "monitoring_point": point, "pollutant": pollutant, "value": 0.6 });
    let (status, alarm) = raise(&platform, report(e.credit_code.as_str(), "DW001", "总磷"));
    assert_eq!(status, 201, "{alarm}");
    assert_eq!((alarm["enterprise"].as_str(), alarm["limit"].as_f64()), (Some(e.id.to_string().as_str()), Some(0.5)));
    assert_eq!(
        (&alarm["unit"], &alarm["averaging"], &alarm["level"]),
        (&json!("mg/L"), &json!("daily"), &json!("general"))
    );
    let lower = e.credit_code.as_str().to_ascii_lowercase();
    assert_eq!(raise(&platform, report(&format!(" {lower} "), "DW001", "总磷")).0, 201, "case and spaces");

    // Refusals are typed.
    let code = e.credit_code.as_str();
    let wrong_check = format!("{}{}", &code[..17], if code.ends_with('0') { '1' } else { '0' });
    let error = |body| raise(&platform, body).1["error"].clone();
    assert_eq!(error(report(&wrong_check, "DW001", "总磷")), "invalid_credit_code");
    let other = fieldcheck_core::domain::credit_code::CreditCode::complete("91330784MA2YYYYYY").expect("valid");
    assert_eq!(error(report(other.as_str(), "DW001", "总磷")), "unknown_credit_code");
    assert_eq!(error(report(code, "DW999", "总磷")), "unknown_monitoring_point");
    assert_eq!(error(report(code, "DW001", "镉")), "unknown_pollutant");
    assert_eq!(raise(&platform, report(code, "DW001", "总磷")).0, 201);
    // The platform's own id still works, with a free-text point and an explicit limit.
    let (status, _) = raise(
        &platform,
        json!({ "enterprise": e.id, "kind": "exceedance", "monitoring_point": "outlet", "pollutant": "COD",
                "value": 150.0, "limit": 50.0, "unit": "mg/L", "averaging": "hourly" }),
    );
    assert_eq!(status, 201);

    // Points are read by enforcement and set by the command centre only.
    let path = format!("/v1/enterprises/{}/monitoring-points", e.id);
    let (status, points) = commander.get_json(&path);
    assert_eq!((status, &points[0]["code"], &points[0]["limits"][0]["limit"]), (200, &json!("DW001"), &json!("0.5")));
    let officer = Device::login(&platform, "officer1");
    let put = |d: &Device, body: Value| {
        let resp = reqwest::blocking::Client::new()
            .put(format!("{}{path}", platform.url))
            .bearer_auth(&d.token)
            .json(&body)
            .send()
            .expect("put");
        let status = resp.status().as_u16();
        (status, resp.text().unwrap_or_default())
    };
    let points = json!({ "points": [{ "code": "DW002", "name": "雨水排口",
        "limits": [{ "pollutant": "COD", "limit": "40", "unit": "mg/L", "averaging": "daily" }] }] });
    let (status, body) = put(&officer, points.clone());
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        put(
            &commander,
            json!({ "points": [{ "code": "A", "name": "", "limits": [] }, { "code": "A", "name": "", "limits": [] }] })
        )
        .0,
        422
    );
    let (status, body) = put(&commander, points);
    assert_eq!(status, 200, "{body}");
    assert_eq!(error(report(code, "DW001", "总磷")), "unknown_monitoring_point", "replaced");
}

#[test]
fn the_demo_countys_enterprises_are_told_apart_by_name_and_credit_code() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let world = World::load(&Device::login(&platform, "commander"));
    let names: BTreeSet<_> = world.enterprises.iter().map(|e| e.name.as_str()).collect();
    let codes: BTreeSet<_> = world.enterprises.iter().map(|e| e.credit_code.to_string()).collect();
    assert_eq!(world.enterprises.len(), 150);
    assert_eq!((names.len(), codes.len()), (150, 150), "a draw or a risk row naming one firm twice misleads");
}

#[test]
fn risk_is_explained_and_grids_show_coverage() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let commander = Device::login(&platform, "commander");
    let world = World::load(&commander);

    // Paged: every enterprise once over the pages, the formula's labels once per page.
    let (status, formula) = commander.get_json("/v1/risk/formula");
    assert_eq!((status, formula.as_array().map(Vec::len)), (200, Some(6)));
    let mut rows = Vec::new();
    let mut offset = 0;
    loop {
        let (status, page) = commander.get_json(&format!("/v1/risk?limit=40&offset={offset}"));
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["total"].as_u64(), Some(world.enterprises.len() as u64));
        assert_eq!(page["formula"], formula, "the formula once per page");
        let got = page["rows"].as_array().expect("rows").clone();
        assert!(got.iter().all(|r| r["terms"].as_array().is_some_and(|t| t.len() == 6 && t[0].get("label").is_none())));
        offset += got.len();
        let done = got.len() < 40;
        rows.extend(got);
        if done {
            break;
        }
    }
    assert_eq!(rows.len(), world.enterprises.len());
    let ids: BTreeSet<String> = rows.iter().map(|r| r["enterprise"].to_string()).collect();
    assert_eq!(ids.len(), rows.len(), "no enterprise on two pages");
    let mut distinct = BTreeSet::new();
    for r in &rows {
        let (risk, green) = (r["risk"].as_f64().expect("risk"), r["green"].as_f64().expect("green"));
        assert!((0.0..=100.0).contains(&risk) && (risk + green - 100.0).abs() < 1e-9, "{r}");
        let sum: f64 =
            r["terms"].as_array().expect("terms").iter().map(|t| t["contribution"].as_f64().expect("c")).sum();
        assert!((sum - risk).abs() < 0.011, "terms explain the index: {r}");
        distinct.insert(r["risk"].to_string());
    }
    assert!(distinct.len() >= 3, "risk indices differ: {distinct:?}");
    let risks: Vec<f64> = rows.iter().map(|r| r["risk"].as_f64().unwrap_or_default()).collect();
    assert!(risks.windows(2).all(|w| w[0] >= w[1]), "riskiest first, across pages");
    // Filters: a class, a township; a bad class or limit is a 400.
    let (_, plating) = commander.get_json("/v1/risk?class=key_hazardous_waste_unit&limit=200");
    let plating = plating["rows"].as_array().expect("rows").clone();
    assert!(!plating.is_empty() && plating.len() < rows.len());
    assert!(
        plating.iter().all(|r| r["classes"].as_array().is_some_and(|c| c.contains(&"key_hazardous_waste_unit".into())))
    );
    let town = &rows[0]["township"];
    let (_, one) = commander.get_json(&format!("/v1/risk?township={}&limit=200", town.as_str().expect("id")));
    assert!(one["rows"].as_array().is_some_and(|r| !r.is_empty() && r.iter().all(|x| &x["township"] == town)));
    assert_eq!(commander.get_json("/v1/risk?class=nuclear").0, 400);
    assert_eq!(commander.get_json("/v1/risk?limit=0").0, 400);
    assert_eq!(commander.get_json("/v1/risk?township=nowhere").0, 400);
    let ent = Device::login(&platform, "enterprise1");
    assert_eq!(ent.get_json("/v1/risk").0, 403);
    let township = Device::login(&platform, "dongcheng");
    let (_, own) = township.get_json("/v1/risk?limit=200");
    assert!(
        own["rows"].as_array().is_some_and(|r| !r.is_empty() && r.iter().all(|x| x["township_name"] == "东城街道"))
    );

    // The demo's grids: the 东城街道 office's covers its sub-district; enterprise1 (inspected yesterday)
    // is visited, the others are overdue.
    let (_, grids) = commander.get_json("/v1/grids");
    assert_eq!(grids.as_array().map(Vec::len), Some(2));
    let (_, mine) = township.get_json("/v1/grids");
    let grid = mine.as_array().filter(|g| g.len() == 1).map(|g| g[0].clone()).expect("the office's own grid");
    let (status, cov) =
        township.get_json(&format!("/v1/grids/{}/coverage?interval_days=30", grid["id"].as_str().expect("id")));
    assert_eq!(status, 200, "{cov}");
    let fieldcheck_core::domain::organisation::Scope::Enterprise { enterprise: first } =
        world.user("enterprise1").scope
    else {
        panic!("enterprise1 is an enterprise user")
    };
    let rows = cov["enterprises"].as_array().expect("rows");
    let visited = rows.iter().find(|r| r["enterprise"] == first.to_string()).expect("enterprise1 in the grid");
    assert_eq!(visited["overdue"], false, "{visited}");
    assert!(visited["days_since"].as_i64().is_some_and(|d| d <= 1), "{visited}");
    assert_eq!(cov["overdue"].as_u64(), Some(rows.len() as u64 - 1));
    assert_eq!(
        township.get_json(&format!("/v1/grids/{}/coverage?interval_days=0", grid["id"].as_str().unwrap_or_default())).0,
        422
    );
    let officer3 = Device::login(&platform, "officer3");
    assert_eq!(officer3.get_json(&format!("/v1/grids/{}/coverage", grid["id"].as_str().unwrap_or_default())).0, 404);

    // The command centre makes a grid; nobody else may.
    let body = json!({ "name": "第三中队网格", "owner": world.user("officer3").id, "enterprises": [world.enterprises[2].id, world.enterprises[3].id] });
    assert_eq!(officer3.post_json("/v1/grids", body.clone()).0, 403);
    let (status, made) = commander.post_json("/v1/grids", body);
    assert_eq!(status, 201, "{made}");
    let (_, theirs) = officer3.get_json("/v1/grids");
    assert_eq!(theirs.as_array().map(Vec::len), Some(1));
    let bad = json!({ "name": "x", "owner": world.user("enterprise1").id, "enterprises": [] });
    assert_eq!(commander.post_json("/v1/grids", bad).0, 422);
}
