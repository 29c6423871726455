//! Whether photos taken on this device carry a watermark on their upload rendition (time, place,
//! enterprise, who took it, as enforcement photo apps do; never on the original), kept with the
//! device's data; and the watermark a capture gets, composed from what the store knows of its case.

use super::Store;
use super::capture::Capture;
use super::error::StoreError;
use crate::evidence::{Case, Watermark};
use chrono::FixedOffset;
use rusqlite::OptionalExtension;

impl Store {
    /// Turns watermarks on, with times shown at `offset` (e.g. +08:00), or off (`None`).
    pub fn set_watermark(&self, offset: Option<FixedOffset>) -> Result<(), StoreError> {
        let minutes = offset.map(|o| o.local_minus_utc() / 60);
        self.write(|tx| {
            tx.execute("UPDATE session SET watermark_offset_minutes = ?1 WHERE id = 1", [minutes])?;
            Ok(())
        })
    }

    /// The offset watermark times are shown at, or `None` when photos get no watermark (the default).
    pub fn watermark_offset(&self) -> Result<Option<FixedOffset>, StoreError> {
        let minutes: Option<i32> = self.read(|conn| {
            Ok(conn.query_row("SELECT watermark_offset_minutes FROM session WHERE id = 1", [], |r| r.get(0))?)
        })?;
        Ok(minutes.and_then(|m| FixedOffset::east_opt(m * 60)))
    }

    /// The watermark for a photo taken now by `taker`, or `None` when watermarks are off.
    pub(super) fn watermark_for(&self, capture: &Capture, taker: &str) -> Result<Option<Watermark>, StoreError> {
        let Some(offset) = self.watermark_offset()? else { return Ok(None) };
        let (table, id) = match capture.case {
            Case::Inspection(id) => ("inspections", id.to_string()),
            Case::Task(id) => ("tasks", id.to_string()),
            Case::Alarm(id) => ("alarms", id.to_string()),
        };
        // A case whose enterprise this device does not hold is refused when the photo is recorded; the
        // watermark then simply has no enterprise line.
        let (enterprise, place) = self.read(|conn| {
            let sql = format!(
                "SELECT e.name, e.address FROM {table} c JOIN enterprises e ON e.id = c.enterprise WHERE c.id = ?1"
            );
            Ok(conn
                .query_row(&sql, [id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
                .optional()?
                .unwrap_or_default())
        })?;
        Ok(Some(Watermark {
            time: capture.taken_at.with_timezone(&offset),
            fix: capture.fix,
            place,
            enterprise,
            officer: taker.to_string(),
        }))
    }
}
