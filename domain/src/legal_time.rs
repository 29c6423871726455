//! The bureau's legal time zone, the one rule for every time a person reads: documents, read-back,
//! exports, "today" on the map, and the phone's own screens. China Standard Time (IANA
//! `Asia/Shanghai`, UTC+8, no daylight saving since 1991), so a fixed offset is exact.

use chrono::{DateTime, FixedOffset, Utc};

/// The zone's IANA name.
pub const ZONE: &str = "Asia/Shanghai";
/// Its offset from UTC, in seconds.
pub const OFFSET_SECONDS: i32 = 8 * 3600;

/// The legal zone's offset.
pub fn offset() -> FixedOffset {
    FixedOffset::east_opt(OFFSET_SECONDS).expect("UTC+8 is a valid offset")
}

/// `t` as the bureau's clocks show it.
pub fn local(t: &DateTime<Utc>) -> DateTime<FixedOffset> {
    t.with_timezone(&offset())
}

/// A time as the phone's screens show it (`2026-11-28 23:05`): in the legal zone, with the zone named
/// (北京时间 / CST) when the phone's own offset differs, so a phone set to another zone never shows a
/// time that disagrees with the record it prints.
pub fn shown(t: &DateTime<Utc>, device_offset_seconds: i32) -> String {
    let text = local(t).format("%Y-%m-%d %H:%M").to_string();
    if device_offset_seconds == OFFSET_SECONDS { text } else { format!("{text} 北京时间 / CST") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_in_the_legal_zone_and_say_so_where_the_phone_differs() {
        let t: DateTime<Utc> = "2026-11-28T16:05:00Z".parse().unwrap();
        assert_eq!(local(&t).format("%Y年%m月%d日%H时%M分").to_string(), "2026年11月29日00时05分");
        assert_eq!(shown(&t, 8 * 3600), "2026-11-29 00:05");
        assert_eq!(shown(&t, 0), "2026-11-29 00:05 北京时间 / CST");
    }
}
