//! Typed access to stored records: every record is stored as its wire JSON, and every save appends to
//! the change log with the keys that scope who may pull it.

use crate::db::{Keys, StoreError, Tx};
use fieldcheck_domain::ids::{EnterpriseId, TownshipId};
use fieldcheck_domain::organisation::{Enterprise, Squadron, Township};
use fieldcheck_domain::rectification::RectificationTask;
use fieldcheck_domain::template::{ChecklistTemplate, TemplateRef};
use fieldcheck_domain::visibility::ScopeKeys;
use fieldcheck_protocol::{Entity, Record, SubmittedInspection};
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

/// Parses a stored record's JSON.
pub fn decode<T: DeserializeOwned>(json: &str) -> Result<T, StoreError> {
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

/// The versions among `pinned` that exist here, in the order given. A record pins the same few sets
/// again and again: a set found whole is kept (a published version never changes), so a push does not
/// copy every template's items for each inspection it checks.
pub fn templates<'a>(
    tx: &mut dyn Tx,
    pinned: impl IntoIterator<Item = &'a TemplateRef>,
) -> Result<Arc<[ChecklistTemplate]>, StoreError> {
    /// Sets kept at most; past it the memory starts again (sets are few: a county has a dozen templates).
    const MAX_SETS: usize = 256;
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<[ChecklistTemplate]>>>> = OnceLock::new();
    let pinned: Vec<&TemplateRef> = pinned.into_iter().collect();
    let key = pinned.iter().map(|r| format!("{}@{}", r.id, r.version)).collect::<Vec<_>>().join("\n");
    let cache = CACHE.get_or_init(Default::default);
    if let Some(set) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return Ok(set.clone());
    }
    let mut found = Vec::with_capacity(pinned.len());
    for r in &pinned {
        if let Some(t) = template(tx, &r.id, r.version)? {
            found.push((*t).clone());
        }
    }
    let set: Arc<[ChecklistTemplate]> = found.into();
    // A missing version may yet be published: only a whole set is kept.
    if set.len() == pinned.len() {
        let mut cache = cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= MAX_SETS {
            cache.clear();
        }
        cache.insert(key, set.clone());
    }
    Ok(set)
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
        Record::Draw(d) => (Entity::Draw, d.id.to_string()),
        Record::Assignment(a) => (Entity::Assignment, a.id.to_string()),
        Record::Grid(g) => (Entity::Grid, g.id.to_string()),
        Record::MonitoringPoints(m) => (Entity::MonitoringPoints, m.enterprise.to_string()),
    }
}

/// Stores a record and appends it to the change log.
pub fn save(tx: &mut dyn Tx, record: &Record) -> Result<(), StoreError> {
    save_as(tx, record, &json(record)?)
}

/// [`save`], with the record's stored form made already ([`json`]; `intents::Prepared`).
pub fn save_as(tx: &mut dyn Tx, record: &Record, data: &str) -> Result<(), StoreError> {
    let (entity, id) = identity(record);
    let keys = keys(tx, record)?;
    tx.upsert(entity, &id, data, &keys)?;
    crate::tables::index(tx, record, &keys)
}

/// A record's stored form: its own JSON, the same as `Record`'s `data`.
pub fn json(record: &Record) -> Result<String, StoreError> {
    match record {
        Record::Township(r) => serde_json::to_string(r),
        Record::Squadron(r) => serde_json::to_string(r),
        Record::User(r) => serde_json::to_string(r),
        Record::Enterprise(r) => serde_json::to_string(r),
        Record::Template(r) => serde_json::to_string(r),
        Record::Inspection(r) => return inspection_json(r),
        Record::Task(r) => serde_json::to_string(r),
        Record::TaskEvent(r) => serde_json::to_string(r),
        Record::Alarm(r) => serde_json::to_string(r),
        Record::Notice(r) => serde_json::to_string(r),
        Record::OriginalRequest(r) => serde_json::to_string(r),
        Record::Draw(r) => serde_json::to_string(r),
        Record::Assignment(r) => serde_json::to_string(r),
        Record::Grid(r) => serde_json::to_string(r),
        Record::MonitoringPoints(r) => serde_json::to_string(r),
    }
    .map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// A submitted inspection's stored form ([`json`]), which a push makes before its write.
pub fn inspection_json(sub: &SubmittedInspection) -> Result<String, StoreError> {
    serde_json::to_string(sub).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Rebuilds a wire record from its stored JSON.
pub fn record(entity: Entity, data: &str) -> Result<Record, StoreError> {
    Record::from_parts(entity, data).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// What other records' rows show of an enterprise, and the township that scopes them.
#[derive(serde::Deserialize)]
pub struct EnterpriseNames {
    pub name: String,
    pub credit_code: String,
    pub township: TownshipId,
}

/// An enterprise's [`EnterpriseNames`], parsed from its record without the rest of it (a push reads them
/// for every inspection, task and alarm it saves). Read through [`Tx::get`], so PostgreSQL reads (and
/// locks) the record once a transaction, as for the whole enterprise.
pub fn enterprise_names(tx: &mut dyn Tx, id: EnterpriseId) -> Result<Option<EnterpriseNames>, StoreError> {
    load(tx, Entity::Enterprise, &id.to_string())
}

fn township_of(tx: &mut dyn Tx, enterprise: EnterpriseId) -> Result<Option<TownshipId>, StoreError> {
    Ok(enterprise_names(tx, enterprise)?.map(|e| e.township))
}

/// Who may pull a record: its keys as the domain defines them (`fieldcheck_domain::visibility`), with the
/// facts a record does not carry itself (an inspection's or alarm's township is its enterprise's, a task
/// event's keys are its task's) read from the store.
pub fn scope_keys(tx: &mut dyn Tx, record: &Record) -> Result<ScopeKeys, StoreError> {
    Ok(match record {
        Record::Township(_) | Record::Squadron(_) | Record::Template(_) => ScopeKeys::public(),
        Record::User(u) => ScopeKeys::user(u),
        Record::Enterprise(e) => ScopeKeys::enterprise(e),
        Record::Inspection(i) => ScopeKeys::inspection(&i.inspection, township_of(tx, i.inspection.enterprise)?),
        Record::Task(t) => ScopeKeys::task(t),
        Record::TaskEvent(e) => {
            ScopeKeys::task_event(load::<RectificationTask>(tx, Entity::Task, &e.task.to_string())?.as_ref())
        }
        Record::Alarm(a) => ScopeKeys::alarm(a, township_of(tx, a.enterprise)?),
        Record::Notice(n) => ScopeKeys::notice(n),
        // Only the officer who took the photo (whose device holds the original) and the command centre.
        Record::OriginalRequest(r) => ScopeKeys::addressed_to(r.officer),
        Record::Draw(_) | Record::MonitoringPoints(_) => ScopeKeys::command_centre_only(),
        Record::Assignment(a) => ScopeKeys::assignment(a),
        Record::Grid(g) => ScopeKeys::grid(g),
    })
}

/// The change-log keys of a record: [`scope_keys`] as stored.
pub fn keys(tx: &mut dyn Tx, record: &Record) -> Result<Keys, StoreError> {
    Ok(scope_keys(tx, record)?.into())
}

/// All townships, for the demo and the console.
pub fn townships(tx: &mut dyn Tx) -> Result<Vec<Township>, StoreError> {
    load_all(tx, Entity::Township)
}

/// Reads the records of `entity` among `ids` in a few statements (absent ones are left out), by id.
pub fn load_many<T: DeserializeOwned>(
    tx: &mut dyn Tx,
    entity: Entity,
    ids: &[String],
) -> Result<Vec<(String, T)>, StoreError> {
    let stored = crate::db::tables::stored(tx, crate::db::entity_name(entity), ids)?;
    stored.into_iter().map(|(id, json)| Ok((id, decode(&json)?))).collect()
}
