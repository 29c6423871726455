//! Reading changes off the wire: each change one flat object parsed in one pass, and a pull page that
//! keeps the JSON of the records a reader chooses as it was sent.

use crate::{Change, ChangeOp, Entity, PullResponse, Record};
use serde::Deserialize;
use serde_json::value::RawValue;

/// A change as it is read, its record `R` as read: parsed, or as sent ([`SentRecord`]). (Derived,
/// `flatten` over an internally tagged enum buffers every record into serde's intermediate tree and
/// parses it a second time, which was most of a phone's time reading a pull page.)
#[derive(Deserialize)]
pub(crate) struct WireChange<R> {
    cursor: u64,
    op: WireOp,
    record: Option<R>,
    entity: Option<Entity>,
    id: Option<uuid::Uuid>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum WireOp {
    Upsert,
    Delete,
}

impl<R> WireChange<R> {
    /// The change, its record made by `parse`.
    fn change(self, parse: impl FnOnce(R) -> Result<Box<Record>, String>) -> Result<Change, String> {
        let op = match (self.op, self.record, self.entity, self.id) {
            (WireOp::Upsert, Some(record), ..) => ChangeOp::Upsert { record: parse(record)? },
            (WireOp::Upsert, None, ..) => return Err("an upsert carries its record".into()),
            (WireOp::Delete, _, Some(entity), Some(id)) => ChangeOp::Delete { entity, id },
            (WireOp::Delete, ..) => return Err("a delete names its entity and id".into()),
        };
        Ok(Change { cursor: self.cursor, op })
    }
}

impl TryFrom<WireChange<Box<Record>>> for Change {
    type Error = String;

    fn try_from(w: WireChange<Box<Record>>) -> Result<Self, Self::Error> {
        w.change(Ok)
    }
}

/// A record as sent: its kind, and its JSON not parsed yet.
#[derive(Deserialize)]
struct SentRecord<'a> {
    entity: Entity,
    #[serde(borrow)]
    data: &'a RawValue,
}

/// A pull page ([`PullResponse`]) as sent, its records not parsed yet: for a reader that stores some
/// records whole and keeps the platform's JSON of them instead of serialising them again. Read from a
/// slice or a string (the records' JSON is borrowed from it).
#[derive(Deserialize)]
pub struct SentPage<'a> {
    #[serde(borrow)]
    changes: Vec<WireChange<SentRecord<'a>>>,
    cursor: u64,
    has_more: bool,
    #[serde(default)]
    reset: bool,
    #[serde(default)]
    wipe: bool,
}

/// For each change of a page, its record's JSON as sent, where it was kept.
pub type SentJson = Vec<Option<Box<str>>>;

impl SentPage<'_> {
    /// The page, and for each of its changes the JSON of its record as sent when `keep` chooses the
    /// record's kind.
    pub fn parts(self, keep: impl Fn(Entity) -> bool) -> Result<(PullResponse, SentJson), String> {
        let mut changes = Vec::with_capacity(self.changes.len());
        let mut sent = Vec::with_capacity(self.changes.len());
        for wire in self.changes {
            let mut json = None;
            changes.push(wire.change(|r| {
                json = keep(r.entity).then(|| Box::from(r.data.get()));
                Record::from_parts(r.entity, r.data.get()).map(Box::new).map_err(|e| e.to_string())
            })?);
            sent.push(json);
        }
        let page =
            PullResponse { changes, cursor: self.cursor, has_more: self.has_more, reset: self.reset, wipe: self.wipe };
        Ok((page, sent))
    }
}

impl Record {
    /// A record from its kind and its JSON: the wire form's `entity` and `data`.
    pub fn from_parts(entity: Entity, data: &str) -> serde_json::Result<Record> {
        use serde_json::from_str as parse;
        Ok(match entity {
            Entity::Township => Record::Township(parse(data)?),
            Entity::Squadron => Record::Squadron(parse(data)?),
            Entity::User => Record::User(parse(data)?),
            Entity::Enterprise => Record::Enterprise(parse(data)?),
            Entity::Template => Record::Template(parse(data)?),
            Entity::Inspection => Record::Inspection(parse(data)?),
            Entity::Task => Record::Task(parse(data)?),
            Entity::TaskEvent => Record::TaskEvent(parse(data)?),
            Entity::Alarm => Record::Alarm(parse(data)?),
            Entity::Notice => Record::Notice(parse(data)?),
            Entity::OriginalRequest => Record::OriginalRequest(parse(data)?),
            Entity::Draw => Record::Draw(parse(data)?),
            Entity::Assignment => Record::Assignment(parse(data)?),
            Entity::Grid => Record::Grid(parse(data)?),
            Entity::MonitoringPoints => Record::MonitoringPoints(parse(data)?),
        })
    }
}
