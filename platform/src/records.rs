//! Typed access to stored records: every record is stored as its wire JSON, and every save appends to
//! the change log with the keys that scope who may pull it.

use crate::db::{Audience, Keys, StoreError, Tx};
use fieldcheck_domain::alarm::Alarm;
use fieldcheck_domain::ids::EnterpriseId;
use fieldcheck_domain::organisation::{Enterprise, Scope, Squadron, Township, User};
use fieldcheck_domain::rectification::RectificationTask;
use fieldcheck_domain::template::ChecklistTemplate;
use fieldcheck_protocol::{Entity, Record};
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Reads one record of `entity` by id.
pub fn load<T: DeserializeOwned>(tx: &mut dyn Tx, entity: Entity, id: &str) -> Result<Option<T>, StoreError> {
    tx.get(entity, id)?.map(|json| decode(&json)).transpose()
}

/// Reads every record of `entity` (small sets only: townships, squadrons, templates, or a console list).
pub fn load_all<T: DeserializeOwned>(tx: &mut dyn Tx, entity: Entity) -> Result<Vec<T>, StoreError> {
    tx.list(entity)?.iter().map(|json| decode(json)).collect()
}

fn decode<T: DeserializeOwned>(json: &str) -> Result<T, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub fn enterprise(tx: &mut dyn Tx, id: EnterpriseId) -> Result<Option<Enterprise>, StoreError> {
    load(tx, Entity::Enterprise, &id.to_string())
}

/// One template version. A published version never changes, so parsed ones are kept in memory.
pub fn template(tx: &mut dyn Tx, id: &str, version: u32) -> Result<Option<Arc<ChecklistTemplate>>, StoreError> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<ChecklistTemplate>>>> = OnceLock::new();
    let key = format!("{id}@{version}");
    let cache = CACHE.get_or_init(Default::default);
    if let Some(t) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return Ok(Some(t.clone()));
    }
    let Some(t) = load::<ChecklistTemplate>(tx, Entity::Template, &key)? else { return Ok(None) };
    let t = Arc::new(t);
    cache.lock().unwrap_or_else(|p| p.into_inner()).insert(key, t.clone());
    Ok(Some(t))
}

pub fn squadrons(tx: &mut dyn Tx) -> Result<Vec<Squadron>, StoreError> {
    load_all(tx, Entity::Squadron)
}

/// The record's kind and the id it is stored under (templates: `id@version`).
pub fn identity(record: &Record) -> (Entity, String) {
    match record {
        Record::Township(t) => (Entity::Township, t.id.to_string()),
        Record::Squadron(s) => (Entity::Squadron, s.id.to_string()),
        Record::User(u) => (Entity::User, u.id.to_string()),
        Record::Enterprise(e) => (Entity::Enterprise, e.id.to_string()),
        Record::Template(t) => (Entity::Template, format!("{}@{}", t.id, t.version)),
        Record::Inspection(i) => (Entity::Inspection, i.inspection.id.to_string()),
        Record::Task(t) => (Entity::Task, t.id.to_string()),
        Record::TaskEvent(e) => (Entity::TaskEvent, e.id.to_string()),
        Record::Alarm(a) => (Entity::Alarm, a.id.to_string()),
        Record::Notice(n) => (Entity::Notice, n.id.to_string()),
        Record::OriginalRequest(r) => (Entity::OriginalRequest, r.evidence.to_string()),
    }
}

/// Stores a record and appends it to the change log; returns its cursor.
pub fn save(tx: &mut dyn Tx, record: &Record) -> Result<u64, StoreError> {
    let (entity, id) = identity(record);
    let keys = keys(tx, record)?;
    // The stored form is the record's own JSON, the same as `Record`'s `data`.
    let data = match record {
        Record::Township(r) => serde_json::to_string(r),
        Record::Squadron(r) => serde_json::to_string(r),
        Record::User(r) => serde_json::to_string(r),
        Record::Enterprise(r) => serde_json::to_string(r),
        Record::Template(r) => serde_json::to_string(r),
        Record::Inspection(r) => serde_json::to_string(r),
        Record::Task(r) => serde_json::to_string(r),
        Record::TaskEvent(r) => serde_json::to_string(r),
        Record::Alarm(r) => serde_json::to_string(r),
        Record::Notice(r) => serde_json::to_string(r),
        Record::OriginalRequest(r) => serde_json::to_string(r),
    }
    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    tx.upsert(entity, &id, &data, &keys)
}

/// Rebuilds a wire record from its stored JSON.
pub fn record(entity: Entity, data: &str) -> Result<Record, StoreError> {
    let wrapped = serde_json::json!({ "entity": entity, "data": serde_json::from_str::<serde_json::Value>(data)
        .map_err(|e| StoreError::Corrupt(e.to_string()))? });
    serde_json::from_value(wrapped).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn township_of(tx: &mut dyn Tx, enterprise: EnterpriseId) -> Result<Option<String>, StoreError> {
    Ok(self::enterprise(tx, enterprise)?.map(|e| e.township.to_string()))
}

/// Who may pull a record: the one place that decides it. Inspections (with the officers' findings and
/// narrative) and users are internal; an enterprise sees only what is addressed to it.
pub fn keys(tx: &mut dyn Tx, record: &Record) -> Result<Keys, StoreError> {
    let shared = |enterprise: String, township: Option<String>| Keys {
        audience: Audience::Shared,
        enterprise: Some(enterprise),
        township,
        squadron: None,
        assignee: None,
    };
    Ok(match record {
        Record::Township(_) | Record::Squadron(_) | Record::Template(_) => Keys::public(),
        Record::User(User { id, scope, .. }) => match scope {
            Scope::Enterprise { enterprise } => {
                Keys { assignee: Some(id.to_string()), ..shared(enterprise.to_string(), None) }
            }
            Scope::Squadron { squadron } => Keys {
                audience: Audience::Internal,
                enterprise: None,
                township: None,
                squadron: Some(squadron.to_string()),
                assignee: Some(id.to_string()),
            },
            Scope::Townships { .. } | Scope::County => Keys {
                audience: Audience::Internal,
                enterprise: None,
                township: None,
                squadron: None,
                assignee: Some(id.to_string()),
            },
        },
        Record::Enterprise(e) => shared(e.id.to_string(), Some(e.township.to_string())),
        Record::Inspection(i) => Keys {
            audience: Audience::Internal,
            enterprise: Some(i.inspection.enterprise.to_string()),
            township: township_of(tx, i.inspection.enterprise)?,
            squadron: None,
            assignee: Some(i.inspection.created_by.to_string()),
        },
        Record::Task(t) => task_keys(t),
        Record::TaskEvent(e) => match load::<RectificationTask>(tx, Entity::Task, &e.task.to_string())? {
            Some(task) => task_keys(&task),
            None => Keys { audience: Audience::Internal, ..Keys::public() },
        },
        Record::Alarm(a) => alarm_keys(tx, a)?,
        Record::Notice(n) => shared(n.enterprise.to_string(), Some(n.township.to_string())),
        // Only the officer who took the photo (whose device holds the original) and the command centre.
        Record::OriginalRequest(r) => Keys {
            audience: Audience::Internal,
            enterprise: None,
            township: None,
            squadron: None,
            assignee: Some(r.officer.to_string()),
        },
    })
}

fn task_keys(t: &RectificationTask) -> Keys {
    Keys {
        audience: Audience::Shared,
        enterprise: Some(t.enterprise.to_string()),
        township: Some(t.township.to_string()),
        squadron: None,
        assignee: Some(t.issued_by.to_string()),
    }
}

fn alarm_keys(tx: &mut dyn Tx, a: &Alarm) -> Result<Keys, StoreError> {
    Ok(Keys {
        audience: Audience::Shared,
        enterprise: Some(a.enterprise.to_string()),
        township: township_of(tx, a.enterprise)?,
        squadron: a.squadron.map(|s| s.to_string()),
        assignee: a.assignee.map(|u| u.to_string()),
    })
}

/// All townships, for the demo and the console.
pub fn townships(tx: &mut dyn Tx) -> Result<Vec<Township>, StoreError> {
    load_all(tx, Entity::Township)
}
