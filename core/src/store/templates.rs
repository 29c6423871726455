//! Checklist templates on the device: the bundled ones (installed on open) and versions the platform
//! publishes. A version never changes once published, so templates survive a reset.

use super::Store;
use super::codec::{from_json, to_json};
use super::error::StoreError;
use crate::checklists;
use crate::domain::template::{ChecklistTemplate, TemplateRef};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// Parsed template versions, so answering an item does not re-read its checklist's JSON. A version's
/// content never changes; the cache is still dropped whenever a pull stores a template.
#[derive(Default)]
pub(crate) struct TemplateCache(Mutex<HashMap<TemplateRef, Arc<ChecklistTemplate>>>);

impl TemplateCache {
    /// The installed templates among `references`; missing ones are left out (submission reports them).
    pub(crate) fn installed(
        &self,
        conn: &Connection,
        references: &[TemplateRef],
    ) -> Result<Vec<Arc<ChecklistTemplate>>, StoreError> {
        let mut out = Vec::with_capacity(references.len());
        for reference in references {
            let cached = self.0.lock().unwrap_or_else(PoisonError::into_inner).get(reference).cloned();
            let found = match cached {
                Some(t) => Some(t),
                None => template(conn, reference)?.map(Arc::new),
            };
            if let Some(t) = found {
                self.0.lock().unwrap_or_else(PoisonError::into_inner).insert(reference.clone(), t.clone());
                out.push(t);
            }
        }
        Ok(out)
    }

    pub(crate) fn clear(&self) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).clear();
    }
}

/// Owned copies for the domain functions that take a slice of templates.
pub(crate) fn owned(templates: &[Arc<ChecklistTemplate>]) -> Vec<ChecklistTemplate> {
    templates.iter().map(|t| (**t).clone()).collect()
}

impl Store {
    /// One template version, if installed.
    pub fn template(&self, reference: &TemplateRef) -> Result<Option<ChecklistTemplate>, StoreError> {
        self.read(|conn| template(conn, reference))
    }

    /// The newest installed version of each template, by id.
    pub fn latest_templates(&self) -> Result<Vec<ChecklistTemplate>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT body FROM templates t
                 WHERE version = (SELECT max(version) FROM templates WHERE id = t.id) ORDER BY id",
            )?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            rows.map(|body| from_json("checklist template", &body?)).collect()
        })
    }
}

/// Installs the bundled templates that are not there yet (first open, or an app update shipping a
/// new version).
pub(crate) fn install_bundled(tx: &Transaction<'_>) -> Result<(), StoreError> {
    for template in checklists::bundled() {
        tx.execute(
            "INSERT OR IGNORE INTO templates (id, version, bundled, body) VALUES (?1, ?2, 1, ?3)",
            params![template.id, template.version, to_json(&template)?],
        )?;
    }
    Ok(())
}

/// Stores a template version the platform sent, after checking it; an unusable one is refused.
pub(crate) fn upsert(tx: &Transaction<'_>, template: &ChecklistTemplate) -> Result<(), StoreError> {
    checklists::check(template)?;
    tx.execute(
        "INSERT INTO templates (id, version, bundled, body) VALUES (?1, ?2, 0, ?3)
         ON CONFLICT (id, version) DO UPDATE SET body = excluded.body",
        params![template.id, template.version, to_json(template)?],
    )?;
    Ok(())
}

pub(crate) fn template(conn: &Connection, reference: &TemplateRef) -> Result<Option<ChecklistTemplate>, StoreError> {
    let body: Option<String> = conn
        .prepare_cached("SELECT body FROM templates WHERE id = ?1 AND version = ?2")?
        .query_row(params![reference.id, reference.version], |r| r.get(0))
        .optional()?;
    body.map(|b| from_json("checklist template", &b)).transpose()
}
