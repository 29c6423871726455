//! Times as the apps show them: the bureau's legal zone, the one the documents print (`legal_time`).

use crate::custom_types::Timestamp;
use fieldcheck_core::domain::legal_time;

/// `at` as a screen shows it (`2026-11-28 23:05`), in China Standard Time, naming the zone when the
/// phone's own offset (`device_offset_seconds`, e.g. `TimeZone.getDefault().getOffset(now) / 1000`)
/// differs.
#[uniffi::export]
pub fn shown_time(at: Timestamp, device_offset_seconds: i32) -> String {
    legal_time::shown(&at, device_offset_seconds)
}
