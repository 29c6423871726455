//! A pull page is written as the database hands its entries over (`sync::pull`): paging through the log
//! with any page size gives every entry a device may have exactly once, in cursor order, and a page ends at
//! the last entry it read even when that entry is not written (a tombstone of a record that is not a
//! device's), so a page of only such entries still moves the device on without skipping what follows.
//! SQLite, and PostgreSQL when `FIELDCHECK_TEST_POSTGRES` names a server.

use crate::common;

use chrono::{Duration, Utc};
use fieldcheck_domain::ids::{DeviceId, UserId};
use fieldcheck_domain::organisation::{Role, Scope, User};
use fieldcheck_platform::app::{App, AppState};
use fieldcheck_platform::auth::{Bearer, token_hash};
use fieldcheck_platform::db::{Db, DeviceRow, Keys};
use fieldcheck_platform::error::ApiError;
use fieldcheck_platform::records;
use fieldcheck_protocol::{Entity, PROTOCOL_VERSION, Record};

/// What the log holds after the commander's own record: which entries a page writes, in order.
#[derive(Debug, PartialEq)]
enum Entry {
    /// A notice's upsert, by its id.
    Notice(String),
    /// A tombstone of a record whose id is a UUID (written as a delete).
    Delete(String),
}

async fn seed(db: &Db) -> (String, Vec<Entry>) {
    let user = User {
        id: UserId::new(),
        login: "commander".into(),
        name: "值班员".into(),
        role: Role::Commander,
        scope: Scope::County,
        certificate_no: None,
    };
    let now = Utc::now();
    let device = DeviceRow {
        id: DeviceId::new().to_string(),
        user: user.id.to_string(),
        token_hash: token_hash("t-pages"),
        issued_at: now,
        expires_at: now + Duration::days(30),
        revoked_at: None,
        last_seen: None,
        clock_skew_ms: None,
    };
    // Notices, then a run of tombstones no device is sent (ids that are not UUIDs), longer than a page,
    // then more notices and a tombstone that is sent.
    let written = db
        .write(move |tx| {
            records::save(tx, &Record::User(user))?;
            tx.put_device(&device)?;
            let mut entries = Vec::new();
            let mut notice = |tx: &mut dyn fieldcheck_platform::db::Tx| -> Result<(), ApiError> {
                let id = uuid::Uuid::new_v4().to_string();
                tx.upsert(Entity::Notice, &id, &format!("{{\"id\":\"{id}\"}}"), &Keys::public())?;
                entries.push(Entry::Notice(id));
                Ok(())
            };
            for _ in 0..4 {
                notice(tx)?;
            }
            for i in 0..7 {
                tx.delete(Entity::Notice, &format!("not-a-device-record-{i}"), &Keys::public())?;
            }
            for _ in 0..3 {
                notice(tx)?;
            }
            let gone = uuid::Uuid::new_v4().to_string();
            tx.delete(Entity::Notice, &gone, &Keys::public())?;
            entries.push(Entry::Delete(gone));
            Ok::<_, ApiError>(entries)
        })
        .await
        .expect("seed");
    ("t-pages".into(), written)
}

/// Pages through the whole log `limit` entries at a time: the notices and deletes written, in order.
async fn pull_all(app: &App, token: &str, limit: u32) -> Vec<Entry> {
    let (mut cursor, mut seen, mut pages) = (0u64, Vec::new(), 0);
    loop {
        let page = fieldcheck_platform::sync::pull(app, Bearer(token.into()), PROTOCOL_VERSION, cursor, limit)
            .await
            .expect("pull");
        let page: serde_json::Value = serde_json::from_str(&page).expect("a page is JSON");
        let changes = page["changes"].as_array().expect("changes");
        assert!(changes.len() <= limit as usize, "limit {limit}: a page of {}", changes.len());
        for c in changes {
            assert!(c["cursor"].as_u64().expect("cursor") > cursor, "entries in cursor order");
            match (c["op"].as_str(), c["record"]["entity"].as_str(), c["entity"].as_str()) {
                (Some("upsert"), Some("notice"), _) => {
                    seen.push(Entry::Notice(c["record"]["data"]["id"].as_str().expect("id").into()))
                }
                (Some("delete"), _, Some("notice")) => seen.push(Entry::Delete(c["id"].as_str().expect("id").into())),
                _ => {}
            }
        }
        let next = page["cursor"].as_u64().expect("next cursor");
        assert!(next > cursor || !page["has_more"].as_bool().unwrap_or(false), "limit {limit}: a page moves on");
        cursor = next;
        pages += 1;
        assert!(pages < 100, "limit {limit}: paging does not end");
        if !page["has_more"].as_bool().expect("has_more") {
            return seen;
        }
    }
}

async fn every_page_size_gives_every_entry_once(db: Db) {
    let (token, expected) = seed(&db).await;
    let app = App::from(AppState::new(db, None).expect("app"));
    for limit in [1, 2, 3, 5, 7, 1000] {
        assert_eq!(pull_all(&app, &token, limit).await, expected, "page size {limit}");
    }
}

#[tokio::test]
async fn sqlite_every_page_size_gives_every_entry_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    every_page_size_gives_every_entry_once(fieldcheck_platform::open_db(dir.path(), None).expect("open")).await;
}

#[tokio::test]
async fn postgres_every_page_size_gives_every_entry_once() {
    let Some(pg) = common::FreshPostgres::create("fc_pull_pages") else { return };
    every_page_size_gives_every_entry_once(pg.open().await).await;
}
