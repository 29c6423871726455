//! Values that cross the boundary as a foreign platform's own types: `Uuid` as `java.util.UUID` /
//! Foundation `UUID`, `DateTime<Utc>` as `java.time.Instant` / `Date`, and calendar dates as
//! `java.time.LocalDate` (an ISO `YYYY-MM-DD` string in Swift). See `uniffi.toml`.

use chrono::{DateTime, NaiveDate, Utc};
use std::time::SystemTime;
use uuid::Uuid;

/// A point in time, UTC.
pub type Timestamp = DateTime<Utc>;
/// A calendar date without a time zone.
pub type LocalDate = NaiveDate;

uniffi::custom_type!(Uuid, String, {
    remote,
    lower: |id| id.to_string(),
    try_lift: |s| Ok(Uuid::parse_str(&s)?),
});

uniffi::custom_type!(Timestamp, SystemTime, {
    remote,
    lower: |t| t.into(),
    try_lift: |t| Ok(Timestamp::from(t)),
});

uniffi::custom_type!(LocalDate, String, {
    remote,
    lower: |d| d.format("%Y-%m-%d").to_string(),
    try_lift: |s| Ok(NaiveDate::parse_from_str(&s, "%Y-%m-%d")?),
});
