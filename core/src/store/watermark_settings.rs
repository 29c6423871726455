//! Whether photos taken on this device carry a watermark on their upload rendition (time, place,
//! enterprise, who took it, as enforcement photo apps do; never on the original), kept with the
//! device's data; and the watermark a capture gets, composed from what the store knows of its case.

use super::Store;
use super::capture::Capture;
use super::error::StoreError;
use crate::evidence::{Case, Watermark};
use fieldcheck_domain::legal_time;
use rusqlite::OptionalExtension;

impl Store {
    /// Turns watermarks on or off. Their time is always in the legal zone (`legal_time`), as the record
    /// and the order print it, whatever zone the phone is set to.
    pub fn set_watermark(&self, on: bool) -> Result<(), StoreError> {
        // The column (schema 6) held the offset the phone chose; any value now means "on".
        let minutes = on.then_some(legal_time::OFFSET_SECONDS / 60);
        self.write(|tx| {
            tx.execute("UPDATE session SET watermark_offset_minutes = ?1 WHERE id = 1", [minutes])?;
            Ok(())
        })
    }

    /// Whether photos get a watermark (off by default).
    pub fn watermarks_on(&self) -> Result<bool, StoreError> {
        let minutes: Option<i32> = self.read(|conn| {
            Ok(conn.query_row("SELECT watermark_offset_minutes FROM session WHERE id = 1", [], |r| r.get(0))?)
        })?;
        Ok(minutes.is_some())
    }

    /// The watermark for a photo taken now by `taker`, or `None` when watermarks are off.
    pub(super) fn watermark_for(&self, capture: &Capture, taker: &str) -> Result<Option<Watermark>, StoreError> {
        if !self.watermarks_on()? {
            return Ok(None);
        }
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
            time: legal_time::local(&capture.taken_at),
            fix: capture.fix,
            place,
            enterprise,
            officer: taker.to_string(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::Subject;
    use chrono::{DateTime, Utc};

    #[test]
    fn a_watermark_shows_the_legal_zones_time_whatever_the_phone_is_set_to() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("device.sqlite3")).unwrap();
        let taken_at: DateTime<Utc> = "2026-11-28T16:05:09Z".parse().unwrap();
        let capture = Capture {
            case: Case::Task(crate::domain::ids::TaskId::new()),
            subject: Subject::Overall,
            taken_at,
            fix: None,
        };
        assert!(!store.watermarks_on().unwrap());
        assert!(store.watermark_for(&capture, "王").unwrap().is_none(), "off until turned on");

        store.set_watermark(true).unwrap();
        let mark = store.watermark_for(&capture, "王").unwrap().expect("on");
        assert_eq!(mark.lines()[0], "2026-11-29 00:05:09 +08:00");
        store.set_watermark(false).unwrap();
        assert!(!store.watermarks_on().unwrap());
    }
}
