//! Optimistic local changes meeting the platform's word. A task, alarm or enterprise changed on the
//! device shows the change at once; the platform's version is kept beside it until the change is
//! settled: a rejected change is undone from it, and a version pulled meanwhile is not lost.

use super::codec::from_json;
use super::error::StoreError;
use super::{alarms, enterprises, tasks};
use rusqlite::{Transaction, params};

/// Where a record being written comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// The platform sent it (pull): its truth, unless a local change is in flight.
    Pulled,
    /// A local change made by the outbox entry with this seq.
    Local(i64),
}

impl Source {
    pub(crate) fn pending_seq(self) -> Option<i64> {
        match self {
            Source::Pulled => None,
            Source::Local(seq) => Some(seq),
        }
    }
}

/// Tables whose rows take optimistic changes.
const TABLES: [&str; 3] = ["tasks", "alarms", "enterprises"];

/// SQL tail of an upsert into `table` that keeps the platform's version beside a local change.
pub(crate) fn on_conflict_keep_server(table: &str) -> String {
    format!(
        "pending_seq = excluded.pending_seq,
         server_body = CASE WHEN excluded.pending_seq IS NULL THEN NULL ELSE coalesce({table}.server_body, {table}.body) END,
         server_fresh = CASE WHEN excluded.pending_seq IS NULL THEN 0 ELSE {table}.server_fresh END"
    )
}

/// For a pulled record: when the row has a local change still in flight, only remember the platform's
/// version. Returns true if it did (the caller then leaves the row as it is).
pub(crate) fn hold(tx: &Transaction<'_>, table: &str, id: &str, body: &str) -> Result<bool, StoreError> {
    debug_assert!(TABLES.contains(&table));
    let held = tx
        .prepare_cached(&format!(
            "UPDATE {table} SET server_body = ?2, server_fresh = 1
             WHERE id = ?1 AND pending_seq IN (SELECT seq FROM outbox WHERE attention_code IS NULL)"
        ))?
        .execute(params![id, body])?;
    Ok(held > 0)
}

/// Settles the rows changed by outbox entry `seq` once the platform answered (the entry has already
/// left the outbox or been marked for attention). Rejected: undo from the platform's version, or drop
/// rows that exist only because of the change (tasks and notices of a refused submission). Applied: keep
/// the change until the pull brings the platform's version, or take the one already pulled.
pub(crate) fn settle(tx: &Transaction<'_>, seq: i64, rejected: bool) -> Result<(), StoreError> {
    for table in TABLES {
        let rows: Vec<(String, Option<String>, bool)> = {
            let mut stmt = tx
                .prepare_cached(&format!("SELECT id, server_body, server_fresh FROM {table} WHERE pending_seq = ?1"))?;
            let rows = stmt.query_map([seq], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        for (id, server_body, fresh) in rows {
            match server_body {
                Some(body) if rejected || fresh => restore(tx, table, &body)?,
                None if rejected => {
                    tx.prepare_cached(&format!("DELETE FROM {table} WHERE id = ?1"))?.execute([&id])?;
                }
                _ => {
                    tx.prepare_cached(&format!(
                        "UPDATE {table} SET pending_seq = NULL, server_body = NULL, server_fresh = 0 WHERE id = ?1"
                    ))?
                    .execute([&id])?;
                }
            }
        }
    }
    if rejected {
        tx.prepare_cached("DELETE FROM notices WHERE pending_seq = ?1")?.execute([seq])?;
    } else {
        tx.prepare_cached("UPDATE notices SET pending_seq = NULL WHERE pending_seq = ?1")?.execute([seq])?;
    }
    // The platform's audit trail replaces (or, when rejected, never had) the local event.
    tx.prepare_cached("DELETE FROM task_events WHERE pending_seq = ?1")?.execute([seq])?;
    Ok(())
}

fn restore(tx: &Transaction<'_>, table: &str, body: &str) -> Result<(), StoreError> {
    match table {
        "tasks" => tasks::upsert(tx, &from_json("task", body)?, Source::Pulled),
        "alarms" => alarms::upsert(tx, &from_json("alarm", body)?, Source::Pulled),
        _ => enterprises::upsert(tx, &from_json("enterprise", body)?, Source::Pulled),
    }
}
