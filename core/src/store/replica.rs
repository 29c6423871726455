//! Replicas of what the platform sends: applying a pull page (upserts and tombstones) and its cursor
//! in one transaction, and the reset the platform asks for when the device fell behind its window.

use super::codec::{from_json, millis, tag, to_json};
use super::error::StoreError;
use super::optimistic::Source;
use super::templates::{self, TemplateCache};
use super::{Store, alarms, enterprises, evidence_records, inspections, session, tasks};
use crate::domain::ids::EnterpriseId;
use crate::domain::notice::Notice;
use crate::domain::organisation::{Squadron, Township, User};
use crate::domain::supervision::assignment::Assignment;
use crate::protocol::{ChangeOp, Entity, PullResponse, Record, SentJson, SentPage};
use rusqlite::{Transaction, params};
use serde::de::Error as _;

/// What applying one pull page did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PullApplied {
    pub applied: usize,
    /// Records refused because they break a rule the device checks (an unusable template, a record
    /// that would overwrite local work) or a constraint, with the reason; the rest of the page applies.
    pub skipped: Vec<String>,
}

/// A pull page as the device receives it: the page, and beside each change the JSON of the submitted
/// inspection it carries as the platform sent it, which the store keeps as the platform's copy instead
/// of serialising the parsed record again (that was a seventh of a phone's time storing a page of
/// inspections). Read from a slice or a string ([`SentPage`]).
pub struct ReceivedPage {
    pub page: PullResponse,
    sent: SentJson,
}

impl<'de> serde::Deserialize<'de> for ReceivedPage {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (page, sent) = SentPage::deserialize(d)?.parts(|e| e == Entity::Inspection).map_err(D::Error::custom)?;
        Ok(ReceivedPage { page, sent })
    }
}

/// The platform's JSON of each change's record, where a page keeps it.
type Sent<'a> = &'a [Option<Box<str>>];

impl Store {
    /// Applies one page and stores its cursor in the same transaction. On `reset`, replicas are
    /// cleared first; the outbox, local drafts and rows changed by pending entries are kept.
    pub fn apply_pull(&self, page: &PullResponse) -> Result<PullApplied, StoreError> {
        self.apply_page(page, &[])
    }

    /// [`Store::apply_pull`] for a page as received, keeping the platform's JSON of its inspections.
    pub fn apply_received(&self, received: &ReceivedPage) -> Result<PullApplied, StoreError> {
        self.apply_page(&received.page, &received.sent)
    }

    fn apply_page(&self, page: &PullResponse, sent: Sent<'_>) -> Result<PullApplied, StoreError> {
        let result = self.write(|tx| {
            if page.reset {
                reset(tx)?;
            }
            // The whole page under one savepoint: a record the device refuses is rare, and a savepoint per
            // change would cost every change its own journal work. Only when one is refused is the page
            // applied again change by change, each in its own savepoint, so that record alone is skipped
            // and the rest still applies: one bad record never blocks the pull.
            tx.prepare_cached("SAVEPOINT page")?.execute([])?;
            let out = match apply_all(tx, page, sent, &self.templates) {
                Ok(applied) => PullApplied { applied, skipped: Vec::new() },
                Err(e) if refused(&e) => {
                    tx.prepare_cached("ROLLBACK TO page")?.execute([])?;
                    // Templates read inside the undone writes may be cached.
                    self.templates.clear();
                    apply_each(tx, page, sent, &self.templates)?
                }
                Err(e) => return Err(e),
            };
            tx.prepare_cached("RELEASE page")?.execute([])?;
            let cursor = i64::try_from(page.cursor).map_err(|e| StoreError::decode("pull cursor", e))?;
            tx.prepare_cached("UPDATE session SET pull_cursor = ?1 WHERE id = 1")?.execute([cursor])?;
            Ok(out)
        });
        if result.is_err() {
            // Templates read inside the rolled-back page may be cached; forget them.
            self.templates.clear();
        }
        result
    }

    /// Notices, newest first: those to one enterprise, or all on this device (a township office sees
    /// its townships' through its pull scope).
    pub fn notices(&self, enterprise: Option<EnterpriseId>, limit: usize) -> Result<Vec<Notice>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT body FROM notices WHERE ?1 IS NULL OR enterprise = ?1 ORDER BY sent_at DESC, id LIMIT ?2",
            )?;
            let rows = stmt.query_map(
                params![enterprise.map(|e| e.to_string()), i64::try_from(limit).unwrap_or(i64::MAX)],
                |r| r.get::<_, String>(0),
            )?;
            rows.map(|body| from_json("notice", &body?)).collect()
        })
    }

    /// Where the next pull starts (0 before the first).
    pub fn cursor(&self) -> Result<u64, StoreError> {
        self.read(|conn| {
            Ok(conn.query_row("SELECT pull_cursor FROM session WHERE id = 1", [], |r| r.get::<_, i64>(0))? as u64)
        })
    }
}

/// Applies every change of `page`, stopping at the first error.
fn apply_all(
    tx: &Transaction<'_>,
    page: &PullResponse,
    sent: Sent<'_>,
    cache: &TemplateCache,
) -> Result<usize, StoreError> {
    for (i, change) in page.changes.iter().enumerate() {
        apply(tx, &change.op, sent_json(sent, i), cache)?;
    }
    Ok(page.changes.len())
}

/// Applies each change of `page` in its own savepoint, skipping the ones the device refuses.
fn apply_each(
    tx: &Transaction<'_>,
    page: &PullResponse,
    sent: Sent<'_>,
    cache: &TemplateCache,
) -> Result<PullApplied, StoreError> {
    let mut out = PullApplied::default();
    for (i, change) in page.changes.iter().enumerate() {
        tx.prepare_cached("SAVEPOINT change")?.execute([])?;
        match apply(tx, &change.op, sent_json(sent, i), cache) {
            Ok(()) => out.applied += 1,
            Err(e) if refused(&e) => {
                tx.prepare_cached("ROLLBACK TO change")?.execute([])?;
                out.skipped.push(format!("change {}: {e}", change.cursor));
            }
            Err(e) => return Err(e),
        }
        tx.prepare_cached("RELEASE change")?.execute([])?;
    }
    Ok(out)
}

fn sent_json(sent: Sent<'_>, i: usize) -> Option<&str> {
    sent.get(i).and_then(Option::as_deref)
}

/// Applies one change; `sent` is its record's JSON as the platform sent it, when the page kept it.
fn apply(tx: &Transaction<'_>, op: &ChangeOp, sent: Option<&str>, cache: &TemplateCache) -> Result<(), StoreError> {
    match op {
        ChangeOp::Upsert { record } => upsert(tx, record, sent, cache),
        ChangeOp::Delete { entity, id } => delete(tx, *entity, &id.to_string()),
    }
}

/// A record the device refuses (it breaks a rule or a constraint), as opposed to a failure of the
/// device itself (disk full, I/O), which aborts the whole page.
fn refused(e: &StoreError) -> bool {
    match e {
        StoreError::Domain(_) => true,
        StoreError::Sqlite(e) => e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation),
        _ => false,
    }
}

fn upsert(tx: &Transaction<'_>, record: &Record, sent: Option<&str>, cache: &TemplateCache) -> Result<(), StoreError> {
    match record {
        Record::Township(t) => upsert_township(tx, t),
        Record::Squadron(s) => upsert_squadron(tx, s),
        Record::User(u) => {
            upsert_user(tx, u)?;
            session::refresh_user(tx, u)
        }
        Record::Enterprise(e) => enterprises::upsert(tx, e, Source::Pulled),
        Record::Template(t) => {
            cache.clear();
            templates::upsert(tx, t)
        }
        Record::Inspection(i) => inspections::upsert_submitted(tx, i, sent, cache),
        Record::Task(t) => tasks::upsert(tx, t, Source::Pulled),
        Record::TaskEvent(e) => tasks::upsert_event(tx, e, None),
        Record::Alarm(a) => alarms::upsert(tx, a, Source::Pulled),
        Record::Notice(n) => upsert_notice(tx, n, None),
        Record::OriginalRequest(r) => evidence_records::original_requested(tx, r),
        Record::Assignment(a) => upsert_assignment(tx, a),
        // The command centre's records; a phone has no use for them.
        Record::Draw(_) | Record::Grid(_) | Record::MonitoringPoints(_) => Ok(()),
    }
}

fn delete(tx: &Transaction<'_>, entity: Entity, id: &str) -> Result<(), StoreError> {
    let sql = match entity {
        Entity::Township => "DELETE FROM townships WHERE id = ?1",
        Entity::Squadron => "DELETE FROM squadrons WHERE id = ?1",
        Entity::User => "DELETE FROM users WHERE id = ?1",
        Entity::Enterprise => "DELETE FROM enterprises WHERE id = ?1",
        // Template versions are immutable and pinned by inspections; they are never removed.
        Entity::Template => return Ok(()),
        // Only the platform's copies; a device never loses its own unsent work to a tombstone.
        Entity::Inspection => "DELETE FROM inspections WHERE id = ?1 AND from_platform = 1",
        Entity::Task => "DELETE FROM tasks WHERE id = ?1",
        Entity::TaskEvent => "DELETE FROM task_events WHERE id = ?1",
        Entity::Alarm => "DELETE FROM alarms WHERE id = ?1",
        Entity::Notice => "DELETE FROM notices WHERE id = ?1",
        // A request is not withdrawn by a tombstone: an original once asked for is still sent.
        Entity::OriginalRequest => return Ok(()),
        Entity::Assignment => "DELETE FROM assignments WHERE id = ?1",
        Entity::Draw | Entity::Grid | Entity::MonitoringPoints => return Ok(()),
    };
    tx.prepare_cached(sql)?.execute([id])?;
    Ok(())
}

/// Clears replicas before pulling from 0 again. Kept: the outbox, local inspections, rows changed by
/// entries still in the outbox, templates (immutable versions) and the session.
fn reset(tx: &Transaction<'_>) -> Result<(), StoreError> {
    tx.execute_batch(
        "DELETE FROM townships;
         DELETE FROM squadrons;
         DELETE FROM users;
         DELETE FROM enterprises WHERE pending_seq IS NULL OR pending_seq NOT IN (SELECT seq FROM outbox);
         DELETE FROM tasks WHERE pending_seq IS NULL OR pending_seq NOT IN (SELECT seq FROM outbox);
         DELETE FROM task_events WHERE pending_seq IS NULL OR pending_seq NOT IN (SELECT seq FROM outbox);
         DELETE FROM alarms WHERE pending_seq IS NULL OR pending_seq NOT IN (SELECT seq FROM outbox);
         DELETE FROM notices WHERE pending_seq IS NULL OR pending_seq NOT IN (SELECT seq FROM outbox);
         DELETE FROM inspections WHERE from_platform = 1;
         DELETE FROM assignments;
         UPDATE session SET pull_cursor = 0 WHERE id = 1;",
    )?;
    Ok(())
}

fn upsert_township(tx: &Transaction<'_>, t: &Township) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO townships (id, code, name) VALUES (?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET code = excluded.code, name = excluded.name",
    )?
    .execute(params![t.id.to_string(), t.code, t.name])?;
    Ok(())
}

fn upsert_squadron(tx: &Transaction<'_>, s: &Squadron) -> Result<(), StoreError> {
    let id = s.id.to_string();
    tx.prepare_cached(
        "INSERT INTO squadrons (id, name, body) VALUES (?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, body = excluded.body",
    )?
    .execute(params![id, s.name, to_json(s)?])?;
    tx.execute("DELETE FROM squadron_townships WHERE squadron = ?1", [&id])?;
    let mut insert =
        tx.prepare_cached("INSERT OR IGNORE INTO squadron_townships (squadron, township) VALUES (?1, ?2)")?;
    for township in &s.townships {
        insert.execute(params![id, township.to_string()])?;
    }
    Ok(())
}

pub(crate) fn upsert_user(tx: &Transaction<'_>, u: &User) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO users (id, role, body) VALUES (?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET role = excluded.role, body = excluded.body",
    )?
    .execute(params![u.id.to_string(), tag(&u.role)?, to_json(u)?])?;
    Ok(())
}

fn upsert_assignment(tx: &Transaction<'_>, a: &Assignment) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO assignments (id, officer, enterprise, assigned_at, due_by, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET officer = excluded.officer, enterprise = excluded.enterprise,
             assigned_at = excluded.assigned_at, due_by = excluded.due_by, body = excluded.body",
    )?
    .execute(params![
        a.id.to_string(),
        a.officer.to_string(),
        a.enterprise.to_string(),
        millis(a.assigned_at),
        millis(a.due_by),
        to_json(a)?
    ])?;
    Ok(())
}

pub(crate) fn upsert_notice(tx: &Transaction<'_>, n: &Notice, pending_seq: Option<i64>) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO notices (id, enterprise, sent_at, body, pending_seq) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET enterprise = excluded.enterprise, sent_at = excluded.sent_at,
             body = excluded.body, pending_seq = excluded.pending_seq",
    )?
    .execute(params![n.id.to_string(), n.enterprise.to_string(), millis(n.sent_at), to_json(n)?, pending_seq])?;
    Ok(())
}
