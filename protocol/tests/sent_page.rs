//! A pull page read with its records' JSON kept ([`SentPage`]) is the same page as one read whole, and
//! what it keeps is each chosen record's JSON exactly as sent.

use fieldcheck_domain::ids::TownshipId;
use fieldcheck_domain::organisation::Township;
use fieldcheck_protocol::{Change, ChangeOp, Entity, PullResponse, Record, SentJson, SentPage};

fn township(cursor: u64) -> Change {
    let township = Township { id: TownshipId::new(), code: "330784001".into(), name: "东城街道 \"东\"\n".into() };
    Change { cursor, op: ChangeOp::Upsert { record: Box::new(Record::Township(township)) } }
}

fn tombstone(cursor: u64) -> Change {
    Change { cursor, op: ChangeOp::Delete { entity: Entity::Task, id: uuid::Uuid::now_v7() } }
}

fn sent(json: &str, keep: Entity) -> Result<(PullResponse, SentJson), String> {
    serde_json::from_str::<SentPage>(json).map_err(|e| e.to_string())?.parts(|e| e == keep)
}

#[test]
fn a_page_reads_the_same_with_the_json_kept() {
    for (reset, wipe, has_more) in [(false, false, true), (true, false, false), (false, true, false)] {
        let page =
            PullResponse { changes: vec![township(3), tombstone(4), township(9)], cursor: 9, has_more, reset, wipe };
        let json = serde_json::to_string(&page).expect("json");
        let (read, kept) = sent(&json, Entity::Township).expect("read");
        assert_eq!(read, page, "{json}");
        assert_eq!(serde_json::from_str::<PullResponse>(&json).expect("read whole"), page);
        // The townships' JSON, byte for byte as sent; nothing for the tombstone.
        let expected: SentJson = page
            .changes
            .iter()
            .map(|c| match &c.op {
                ChangeOp::Upsert { record } => match record.as_ref() {
                    Record::Township(t) => Some(serde_json::to_string(t).expect("json").into()),
                    _ => None,
                },
                ChangeOp::Delete { .. } => None,
            })
            .collect();
        assert_eq!(kept, expected);
        assert!(json.contains(kept[0].as_deref().expect("kept")));
    }
}

#[test]
fn only_the_chosen_kinds_are_kept() {
    let page = PullResponse { changes: vec![township(1)], cursor: 1, has_more: false, reset: false, wipe: false };
    let json = serde_json::to_string(&page).expect("json");
    assert_eq!(sent(&json, Entity::Inspection).expect("read").1, vec![None]);
}

#[test]
fn a_record_is_read_whatever_the_order_of_its_keys() {
    let json = r#"{"cursor":2,"has_more":false,"changes":[{"record":{"data":{"name":"东城","code":"1","id":"0190f1a0-0000-7000-8000-000000000001"},"entity":"township"},"op":"upsert","cursor":2}]}"#;
    let (page, kept) = sent(json, Entity::Township).expect("read");
    assert_eq!(page, serde_json::from_str::<PullResponse>(json).expect("read whole"));
    assert_eq!(kept[0].as_deref(), Some(r#"{"name":"东城","code":"1","id":"0190f1a0-0000-7000-8000-000000000001"}"#));
}

#[test]
fn a_malformed_page_is_an_error_that_says_what_is_wrong() {
    let cases = [
        (r#"{"cursor":1,"op":"upsert"}"#, "record"),
        (r#"{"cursor":1,"op":"delete","entity":"task"}"#, "entity and id"),
        (r#"{"cursor":1,"op":"rename","entity":"task"}"#, "unknown variant"),
        (r#"{"cursor":1,"op":"upsert","record":{"entity":"task","data":{}}}"#, "missing field"),
        (r#"{"cursor":1,"op":"upsert","record":{"entity":"planet","data":{}}}"#, "unknown variant"),
        (r#"{"cursor":1,"op":"upsert","record":{"entity":"task","data":{"id":"#, "expected value"),
    ];
    for (change, says) in cases {
        let json = format!(r#"{{"changes":[{change}],"cursor":1,"has_more":false}}"#);
        let err = sent(&json, Entity::Task).expect_err(&json);
        assert!(err.contains(says), "{json}: {err}");
        assert!(serde_json::from_str::<PullResponse>(&json).is_err(), "{json}");
    }
}
