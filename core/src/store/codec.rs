//! How values are written to and read from columns: JSON bodies, enum tags, millisecond times, ids.

use super::error::StoreError;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::str::FromStr;

/// A record as its JSON body.
pub fn to_json<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::decode(std::any::type_name::<T>(), e))
}

/// A JSON body back into its record.
pub fn from_json<T: DeserializeOwned>(what: &str, json: &str) -> Result<T, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::decode(what, e))
}

/// The serde name of a unit enum variant (e.g. `TaskState::ProofSubmitted` -> `proof_submitted`), the
/// form status columns hold, so SQL and JSON agree.
pub fn tag<T: Serialize>(value: &T) -> Result<String, StoreError> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        Ok(other) => Err(StoreError::decode("status tag", format!("{other} is not a plain name"))),
        Err(e) => Err(StoreError::decode("status tag", e)),
    }
}

/// Reads a status column back.
pub fn from_tag<T: DeserializeOwned>(what: &str, tag: &str) -> Result<T, StoreError> {
    serde_json::from_value(serde_json::Value::String(tag.to_string())).map_err(|e| StoreError::decode(what, e))
}

/// A time as milliseconds since the epoch.
pub fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// Milliseconds since the epoch back to a time.
pub fn from_millis(ms: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| StoreError::decode("time", format!("{ms} ms is out of range")))
}

/// An id column back into its id type.
pub fn parse_id<T: FromStr>(what: &str, s: &str) -> Result<T, StoreError>
where
    T::Err: std::fmt::Display,
{
    s.parse().map_err(|e| StoreError::decode(what, e))
}
