//! The command centre resolves kept losing values: it lists them with the record's present value, takes
//! one (a new change that reaches the devices in scope on their next pull, and a line in the audit log)
//! or dismisses one; each is resolved once, and a value that moved on since it was shown is not
//! overwritten blindly.

use fieldcheck_core::domain::ids::EnterpriseId;
use fieldcheck_core::domain::organisation::{Enterprise, Scope};
use fieldcheck_core::protocol::{EnterpriseField, Intent, Outcome, Record};
use fieldcheck_e2e::{Device, Platform, Storage, World};

fn own_enterprise(d: &Device) -> EnterpriseId {
    match &d.user.scope {
        Scope::Enterprise { enterprise } => *enterprise,
        other => panic!("scope {other:?}"),
    }
}

fn edit(id: EnterpriseId, field: EnterpriseField, base: &str, value: &str) -> Intent {
    Intent::EnterpriseEdit { enterprise: id, field, base: base.into(), value: value.into() }
}

/// The enterprise as the device sees it after pulling everything from 0.
fn pulled(d: &Device, id: EnterpriseId) -> Enterprise {
    let (records, _) = d.pull_all(0);
    records
        .into_iter()
        .rev()
        .find_map(|r| match r {
            Record::Enterprise(e) if e.id == id => Some(e),
            _ => None,
        })
        .expect("enterprise pulled")
}

#[test]
fn the_command_centre_takes_or_dismisses_a_kept_value_once() {
    let storage = Storage::new();
    let platform = Platform::start(&storage);
    let commander = Device::login(&platform, "commander");
    let world = World::load(&commander);
    let mut ent = Device::login(&platform, "enterprise1");
    let own = own_enterprise(&ent);
    let e = world.enterprises.iter().find(|e| e.id == own).expect("enterprise").clone();
    // The township office of the enterprise's township sees its record too.
    let township = Device::login(&platform, "dongcheng");
    assert!(matches!(&township.user.scope, Scope::Townships { townships } if townships.contains(&e.township)));

    // The enterprise's phone edits the contact; its second phone, offline, edited from the old base.
    let field = EnterpriseField::ContactName;
    assert_eq!(
        ent.push_intents(vec![edit(own, field, &e.contact.name, "王经理")]).results[0].outcome,
        Outcome::Applied
    );
    let mut ent2 = Device::login(&platform, "enterprise1");
    assert!(matches!(
        ent2.push_intents(vec![edit(own, field, &e.contact.name, "李主任")]).results[0].outcome,
        Outcome::Conflict { .. }
    ));
    let (status, open) = commander.get_json("/v1/conflicts?open=true");
    assert_eq!(status, 200);
    let c = &open[0];
    assert_eq!(
        (c["kept"].as_str(), c["lost"].as_str(), c["current"].as_str()),
        (Some("王经理"), Some("李主任"), Some("王经理"))
    );
    assert_eq!(c["actions"], serde_json::json!(["take", "dismiss"]));
    assert_eq!(c["state_label"]["en"], "open");
    let number = c["number"].as_u64().expect("number");
    let (_, cursor_before) = ent.pull_all(0);

    // Only the command centre resolves.
    let (status, _) =
        ent.post_json(&format!("/v1/conflicts/{number}/resolve"), serde_json::json!({ "resolution": "taken" }));
    assert_eq!(status, 403);
    // A value that moved on since it was shown is not overwritten.
    let (status, _) = commander.post_json(
        &format!("/v1/conflicts/{number}/resolve"),
        serde_json::json!({ "resolution": "taken", "current": "something else" }),
    );
    assert_eq!(status, 409);
    // Taken: the kept value becomes the record's, as a new change.
    let (status, resolved) = commander.post_json(
        &format!("/v1/conflicts/{number}/resolve"),
        serde_json::json!({ "resolution": "taken", "current": "王经理" }),
    );
    assert_eq!(status, 200, "{resolved}");
    assert_eq!(resolved["resolution"], "taken");
    assert_eq!(
        commander
            .post_json(&format!("/v1/conflicts/{number}/resolve"), serde_json::json!({ "resolution": "dismissed" }))
            .0,
        409,
        "resolved once"
    );

    // Every device in scope pulls the new value after its cursor; the losing phone sees its value win.
    let (records, _) = ent.pull_all(cursor_before);
    assert!(
        records.iter().any(|r| matches!(r, Record::Enterprise(x) if x.id == own && x.contact.name == "李主任")),
        "the change reached the enterprise's phone after its cursor"
    );
    assert_eq!(pulled(&ent2, own).contact.name, "李主任");
    assert_eq!(pulled(&township, own).contact.name, "李主任");
    // Later edits build on it.
    assert_eq!(
        ent.push_intents(vec![edit(own, field, "李主任", "李主任（办公室）")]).results[0].outcome,
        Outcome::Applied
    );

    // The audit log has who took what.
    let (_, audit) = commander.get_json(&format!("/v1/audit/enterprise/{own}"));
    let line = audit.as_array().and_then(|a| a.iter().find(|l| l["action"] == "conflict.taken")).expect("audit line");
    // A contact is not a lifecycle state: the values are in the note, the states empty.
    assert!(line["note"].as_str().is_some_and(|n| n.starts_with("王经理 → 李主任")), "{line}");
    assert_eq!((&line["from_state"], &line["to_state"]), (&serde_json::Value::Null, &serde_json::Value::Null));
    assert_eq!(line["user"], serde_json::json!(commander.user.id));

    // Dismissed: the record keeps its value, and nothing new is sent to devices.
    let address = EnterpriseField::Address;
    assert_eq!(
        ent.push_intents(vec![edit(own, address, &e.address, "新地址 1 号")]).results[0].outcome,
        Outcome::Applied
    );
    assert!(matches!(
        ent2.push_intents(vec![edit(own, address, &e.address, "新地址 2 号")]).results[0].outcome,
        Outcome::Conflict { .. }
    ));
    let (_, open) = commander.get_json("/v1/conflicts?open=true");
    assert_eq!(open.as_array().map(Vec::len), Some(1));
    let n = open[0]["number"].as_u64().expect("number");
    let (_, cursor) = ent.pull_all(0);
    let (status, _) =
        commander.post_json(&format!("/v1/conflicts/{n}/resolve"), serde_json::json!({ "resolution": "dismissed" }));
    assert_eq!(status, 200);
    assert!(ent.pull_all(cursor).0.is_empty(), "dismissing changes no record");
    assert_eq!(pulled(&ent2, own).address, "新地址 1 号");
    let (_, audit) = commander.get_json(&format!("/v1/audit/enterprise/{own}"));
    assert!(audit.as_array().is_some_and(|a| a.iter().any(|l| l["action"] == "conflict.dismissed")));

    let (_, open) = commander.get_json("/v1/conflicts?open=true");
    assert_eq!(open.as_array().map(Vec::len), Some(0), "nothing left open");
    let (_, all) = commander.get_json("/v1/conflicts");
    let labels: Vec<_> = all.as_array().expect("list").iter().map(|c| c["state_label"]["en"].clone()).collect();
    assert_eq!(labels, ["current value kept", "value taken"], "newest first, each with its resolution");
    assert_eq!(
        commander.post_json("/v1/conflicts/999999/resolve", serde_json::json!({ "resolution": "taken" })).0,
        404
    );
}
