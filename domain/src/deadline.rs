//! Deadlines: a time plus a span, computed without overflow. A deadline past the end of the calendar
//! (chrono's last representable instant) is that instant, not a panic: the inputs come from devices
//! and the monitoring feed, and a decision refuses absurd times itself.

use chrono::{DateTime, Duration, Utc};

/// `start` plus `span`, saturating at the ends of the calendar.
pub fn after(start: DateTime<Utc>, span: Duration) -> DateTime<Utc> {
    start.checked_add_signed(span).unwrap_or(if span < Duration::zero() {
        DateTime::<Utc>::MIN_UTC
    } else {
        DateTime::<Utc>::MAX_UTC
    })
}

/// `start` plus whole `days`.
pub fn after_days(start: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    // Any u32 of days (about 11.8 million years) is a valid `Duration`.
    after(start, Duration::days(i64::from(days)))
}

/// `start` plus whole `hours`.
pub fn after_hours(start: DateTime<Utc>, hours: u32) -> DateTime<Utc> {
    after(start, Duration::hours(i64::from(hours)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn deadlines_saturate_at_the_end_of_the_calendar_instead_of_overflowing() {
        let t = Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap();
        assert_eq!(after_days(t, 30) - t, Duration::days(30));
        assert_eq!(after_hours(t, 4) - t, Duration::hours(4));
        for start in [t, DateTime::<Utc>::MAX_UTC, DateTime::<Utc>::MAX_UTC - Duration::hours(1)] {
            assert_eq!(after_days(start, u32::MAX), DateTime::<Utc>::MAX_UTC);
            assert_eq!(after_hours(DateTime::<Utc>::MAX_UTC, u32::MAX), DateTime::<Utc>::MAX_UTC);
        }
        assert_eq!(after(DateTime::<Utc>::MIN_UTC, Duration::days(-1)), DateTime::<Utc>::MIN_UTC);
    }
}
