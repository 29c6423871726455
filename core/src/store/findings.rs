//! Findings of an inspection in progress: proposed by failed items, added, edited or removed by the
//! officer before submission.

use super::Store;
use super::codec::{from_json, to_json};
use super::error::StoreError;
use super::inspections::{item_of, load, touch};
use super::session;
use crate::domain::finding::Finding;
use crate::domain::ids::{FindingId, InspectionId};
use crate::domain::template::ItemRef;
use rusqlite::{Connection, Transaction, params};

impl Store {
    /// Adds a finding the officer wrote.
    pub fn add_finding(&self, finding: &Finding) -> Result<(), StoreError> {
        self.change_finding(finding, |tx| insert_finding(tx, finding, false))
    }

    /// Replaces a finding with the officer's edit (it is no longer a mere proposal).
    pub fn edit_finding(&self, finding: &Finding) -> Result<(), StoreError> {
        self.change_finding(finding, |tx| {
            let n = tx
                .prepare_cached(
                    "UPDATE findings SET template = ?3, code = ?4, proposed = 0, body = ?5 WHERE id = ?1 AND inspection = ?2",
                )?
                .execute(params![
                    finding.id.to_string(),
                    finding.inspection.to_string(),
                    finding.item.as_ref().map(|i| &i.template),
                    finding.item.as_ref().map(|i| &i.code),
                    to_json(finding)?
                ])?;
            if n == 0 {
                return Err(StoreError::NotFound { entity: "finding", id: finding.id.to_string() });
            }
            Ok(())
        })
    }

    fn change_finding(
        &self,
        finding: &Finding,
        write: impl FnOnce(&Transaction<'_>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let now = self.now();
        self.write(|tx| {
            session::actor(tx)?;
            let inspection = load(tx, finding.inspection)?;
            inspection.require_editable("record a finding")?;
            if let Some(item) = &finding.item {
                item_of(&self.templates.installed(tx, &inspection.checklists)?, item)?;
            }
            write(tx)?;
            touch(tx, inspection.id, now)
        })
    }

    /// Removes a finding from an inspection in progress.
    pub fn remove_finding(&self, inspection: InspectionId, finding: FindingId) -> Result<(), StoreError> {
        let now = self.now();
        self.write(|tx| {
            session::actor(tx)?;
            load(tx, inspection)?.require_editable("remove a finding")?;
            let n = tx.execute(
                "DELETE FROM findings WHERE id = ?1 AND inspection = ?2",
                params![finding.to_string(), inspection.to_string()],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound { entity: "finding", id: finding.to_string() });
            }
            touch(tx, inspection, now)
        })
    }
}

pub(crate) fn insert_finding(tx: &Transaction<'_>, f: &Finding, proposed: bool) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO findings (id, inspection, template, code, proposed, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        f.id.to_string(),
        f.inspection.to_string(),
        f.item.as_ref().map(|i| &i.template),
        f.item.as_ref().map(|i| &i.code),
        proposed,
        to_json(f)?
    ])?;
    Ok(())
}

pub(crate) fn has_finding(conn: &Connection, id: InspectionId, item: &ItemRef) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM findings WHERE inspection = ?1 AND template = ?2 AND code = ?3)")?
        .query_row(params![id.to_string(), item.template, item.code], |r| r.get(0))?)
}

/// The inspection's findings, in the order they were recorded.
pub(crate) fn findings(conn: &Connection, id: InspectionId) -> Result<Vec<Finding>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT body FROM findings WHERE inspection = ?1 ORDER BY rowid")?;
    let rows = stmt.query_map([id.to_string()], |r| r.get::<_, String>(0))?;
    rows.map(|body| from_json("finding", &body?)).collect()
}
