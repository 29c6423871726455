//! A pull page's changes read back as they were written, whatever the order of their keys, and a
//! malformed one is a clear error (not a panic, not a silently different change).

use fieldcheck_domain::ids::TownshipId;
use fieldcheck_domain::organisation::Township;
use fieldcheck_protocol::{Change, ChangeOp, Entity, Record};

fn upsert() -> Change {
    let township = Township { id: TownshipId::new(), code: "330784001".into(), name: "东城街道".into() };
    Change { cursor: 7, op: ChangeOp::Upsert { record: Box::new(Record::Township(township)) } }
}

fn delete() -> Change {
    Change { cursor: 8, op: ChangeOp::Delete { entity: Entity::Task, id: uuid::Uuid::now_v7() } }
}

#[test]
fn every_kind_of_change_round_trips() {
    for change in [upsert(), delete()] {
        let json = serde_json::to_string(&change).expect("json");
        assert_eq!(serde_json::from_str::<Change>(&json).expect("read back"), change, "{json}");
    }
}

#[test]
fn keys_are_read_in_any_order() {
    for change in [upsert(), delete()] {
        let serde_json::Value::Object(map) = serde_json::to_value(&change).expect("value") else { panic!() };
        let reversed: serde_json::Map<_, _> = map.into_iter().rev().collect();
        let json = serde_json::to_string(&reversed).expect("json");
        assert_eq!(serde_json::from_str::<Change>(&json).expect("read back"), change, "{json}");
    }
}

#[test]
fn a_malformed_change_is_an_error_that_says_what_is_missing() {
    let cases = [
        (r#"{"cursor":1,"op":"upsert"}"#, "record"),
        (r#"{"cursor":1,"op":"delete","entity":"task"}"#, "entity and id"),
        (r#"{"cursor":1,"op":"rename","entity":"task"}"#, "unknown variant"),
        (r#"{"op":"delete","entity":"task","id":"9b2e2f4e-8a4c-4f55-9a53-0d8f7bb0b1a1"}"#, "cursor"),
        (r#"{"cursor":1,"op":"upsert","record":{"entity":"task","data":{}}}"#, "missing field"),
    ];
    for (json, says) in cases {
        let err = serde_json::from_str::<Change>(json).expect_err(json).to_string();
        assert!(err.contains(says), "{json}: {err}");
    }
}
