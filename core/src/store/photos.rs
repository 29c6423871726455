//! Photos recorded against an inspection and its items. The evidence module owns the image itself
//! (bytes, rendition, hash chain); the store records that it exists, its hash and when it was taken.

use super::Store;
use super::codec::{from_millis, millis, parse_id};
use super::error::StoreError;
use super::inspections::{item_of, load, touch};
use super::session;
use crate::domain::DomainError;
use crate::domain::ids::{EvidenceId, InspectionId};
use crate::domain::template::ItemRef;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, Transaction, params};
use std::collections::BTreeSet;

/// A photo attached to an inspection, usually to one of its items.
#[derive(Clone, Debug, PartialEq)]
pub struct Photo {
    pub evidence: EvidenceId,
    pub item: Option<ItemRef>,
    /// SHA-256 of the original bytes, lower-case hex.
    pub sha256: String,
    /// Device time the photo was taken.
    pub taken_at: DateTime<Utc>,
}

impl Store {
    /// Records that a photo was taken for the inspection (and the item, if any).
    pub fn attach_photo(&self, id: InspectionId, photo: &Photo) -> Result<(), StoreError> {
        let hex = |s: &str| s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if !hex(&photo.sha256) {
            let reason = "must be 64 lower-case hex digits".into();
            return Err(DomainError::Invalid { field: "photo sha256".into(), reason }.into());
        }
        let now = self.now();
        self.write(|tx| self.insert_photo(tx, id, photo, now))
    }

    /// Checks and records a photo inside the caller's transaction (shared with evidence capture).
    pub(crate) fn insert_photo(
        &self,
        tx: &Transaction<'_>,
        id: InspectionId,
        photo: &Photo,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        session::actor(tx)?;
        let inspection = load(tx, id)?;
        inspection.require_editable("attach a photo")?;
        if let Some(item) = &photo.item {
            item_of(&self.templates.installed(tx, &inspection.checklists)?, item)?;
        }
        tx.prepare_cached(
            "INSERT INTO evidence (id, inspection, template, code, sha256, taken_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            photo.evidence.to_string(),
            id.to_string(),
            photo.item.as_ref().map(|i| &i.template),
            photo.item.as_ref().map(|i| &i.code),
            photo.sha256,
            millis(photo.taken_at)
        ])?;
        touch(tx, id, now)
    }
}

/// The inspection's photos, oldest first.
pub(crate) fn photos(conn: &Connection, id: InspectionId) -> Result<Vec<Photo>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, template, code, sha256, taken_at FROM evidence WHERE inspection = ?1 ORDER BY taken_at, id",
    )?;
    let rows = stmt.query_map([id.to_string()], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, i64>(4)?,
        ))
    })?;
    rows.map(|row| {
        let (evidence, template, code, sha256, taken_at) = row?;
        let item = template.zip(code).map(|(template, code)| ItemRef { template, code });
        Ok(Photo { evidence: parse_id("evidence id", &evidence)?, item, sha256, taken_at: from_millis(taken_at)? })
    })
    .collect()
}

/// Items with at least one photo.
pub(crate) fn photo_items(conn: &Connection, id: InspectionId) -> Result<BTreeSet<ItemRef>, StoreError> {
    Ok(photos(conn, id)?.into_iter().filter_map(|p| p.item).collect())
}
