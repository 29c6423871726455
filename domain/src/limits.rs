//! Every limit on what a person or a device may send, in one place. The decisions refuse a value past
//! a limit with a reason a person can act on; the OpenAPI document states them (`ALL`).

use chrono::NaiveDate;

/// Free text: answers, remarks, notes, feedback, an inspection's narrative, a task's requirement.
pub const TEXT_CHARS: usize = 4000;
/// One of an enterprise's free-text fields (address, legal representative, contact).
pub const FIELD_CHARS: usize = 500;
/// A short label: monitoring point, pollutant, unit, a name, a certificate number, a legal clause.
pub const LABEL_CHARS: usize = 200;
/// Shortest password a new user may be given.
pub const PASSWORD_MIN_CHARS: usize = 8;
/// Longest password, at user creation and at login (hashing cost is bounded by its length). A login
/// is a label (`LABEL_CHARS`) in both places too.
pub const PASSWORD_MAX_CHARS: usize = 256;
/// Checklists one inspection runs.
pub const CHECKLISTS: usize = 10;
/// Answers one inspection carries (the bundled checklists have 58 items in all).
pub const ANSWERS: usize = 1000;
/// Findings one inspection records (each may become a task and a notice).
pub const FINDINGS: usize = 500;
/// Inspectors on one team.
pub const INSPECTORS: usize = 20;
/// Legal clauses one finding cites.
pub const LEGAL_BASIS: usize = 20;
/// Photos one task or alarm step cites.
pub const STEP_PHOTOS: usize = 100;
/// Days an enterprise may be given to rectify.
pub const DEADLINE_DAYS: std::ops::RangeInclusive<u32> = 1..=365;
/// Largest measured number (a concentration, a volume, a count).
pub const MEASURE_MAX: f64 = 1e12;
/// Earliest date an answer may name.
pub const EARLIEST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(1950, 1, 1) {
    Some(d) => d,
    None => panic!("a valid date"),
};
/// How far a device's clock may run ahead of the platform's when it names a time.
pub const CLOCK_AHEAD_HOURS: i64 = 24;
/// Longest tombstone window the command centre may prune with, in seconds (100 years).
pub const PRUNE_SECONDS_MAX: u64 = 100 * 366 * 24 * 3600;

/// Strokes in one signature.
pub const SIGNATURE_STROKES: usize = 200;
/// Points in one signature, all strokes together.
pub const SIGNATURE_POINTS: usize = 20_000;
/// Width and height of a signature's drawing box, in its own units (points are within 0..=this).
pub const SIGNATURE_EXTENT: f32 = 10_000.0;
/// Rows one page of a console list may ask for (`limit` of `/v1/lists/*`).
pub const LIST_PAGE_ROWS: u32 = 200;

/// Enterprises one double-random draw may pick per squadron (N).
pub const DRAW_PER_SQUADRON_MAX: usize = 200;
/// Squadrons one draw covers.
pub const DRAW_SQUADRONS_MAX: usize = 100;
/// Certified officers in one squadron's pool.
pub const DRAW_OFFICERS_MAX: usize = 1000;
/// Largest weight of a draw candidate (1 + a risk index of at most 100 is 101).
pub const DRAW_WEIGHT_MAX: u32 = 1000;
/// Days the drawn inspections may be given.
pub const DRAW_DUE_DAYS: std::ops::RangeInclusive<u32> = 1..=366;
/// Enterprises in one patrol grid.
pub const GRID_ENTERPRISES: usize = 5000;
/// A coverage interval: a grid enterprise not visited for longer is overdue.
pub const COVERAGE_INTERVAL_DAYS: std::ops::RangeInclusive<u32> = 1..=3660;
/// Monitoring points of one enterprise.
pub const MONITORING_POINTS: usize = 100;
/// Pollutants with a limit at one monitoring point.
pub const POINT_POLLUTANTS: usize = 50;
/// Inspections in one `records.zip` export (a month of one township, or of the county).
pub const EXPORT_RECORDS: usize = 500;

/// One limit as the API documents it.
pub struct Limit {
    pub name: &'static str,
    pub value: f64,
    pub applies_to: &'static str,
}

/// Every limit, for the OpenAPI document and the apps.
pub const ALL: &[Limit] = &[
    Limit {
        name: "text_chars",
        value: TEXT_CHARS as f64,
        applies_to: "answer text, remark, note, feedback, summary, requirement",
    },
    Limit { name: "field_chars", value: FIELD_CHARS as f64, applies_to: "an enterprise's edited field and its base" },
    Limit {
        name: "label_chars",
        value: LABEL_CHARS as f64,
        applies_to: "monitoring point, pollutant, unit, names, certificate numbers, legal clauses",
    },
    Limit { name: "password_min_chars", value: PASSWORD_MIN_CHARS as f64, applies_to: "a new user's password" },
    Limit {
        name: "password_max_chars",
        value: PASSWORD_MAX_CHARS as f64,
        applies_to: "a password, at user creation and at login",
    },
    Limit { name: "checklists", value: CHECKLISTS as f64, applies_to: "distinct checklists of one inspection" },
    Limit { name: "answers", value: ANSWERS as f64, applies_to: "answers of one inspection, one per item" },
    Limit { name: "findings", value: FINDINGS as f64, applies_to: "findings of one inspection" },
    Limit { name: "inspectors", value: INSPECTORS as f64, applies_to: "inspectors of one inspection" },
    Limit { name: "legal_basis", value: LEGAL_BASIS as f64, applies_to: "legal clauses of one finding" },
    Limit { name: "step_photos", value: STEP_PHOTOS as f64, applies_to: "photos one task or alarm step cites" },
    Limit {
        name: "deadline_days_max",
        value: *DEADLINE_DAYS.end() as f64,
        applies_to: "a finding's rectification deadline (from 1)",
    },
    Limit { name: "measure_max", value: MEASURE_MAX, applies_to: "a measured number or an alarm's value and limit" },
    Limit {
        name: "clock_ahead_hours",
        value: CLOCK_AHEAD_HOURS as f64,
        applies_to: "a device time ahead of the platform's",
    },
    Limit { name: "signature_strokes", value: SIGNATURE_STROKES as f64, applies_to: "strokes of one signature" },
    Limit {
        name: "signature_points",
        value: SIGNATURE_POINTS as f64,
        applies_to: "points of one signature, all strokes together",
    },
    Limit {
        name: "signature_extent",
        value: SIGNATURE_EXTENT as f64,
        applies_to: "a signature point's x and y (from 0)",
    },
    Limit { name: "export_records", value: EXPORT_RECORDS as f64, applies_to: "inspections in one records.zip" },
    Limit {
        name: "prune_seconds_max",
        value: PRUNE_SECONDS_MAX as f64,
        applies_to: "older_than_seconds of prune-tombstones",
    },
    Limit {
        name: "draw_per_squadron_max",
        value: DRAW_PER_SQUADRON_MAX as f64,
        applies_to: "enterprises one draw picks per squadron (N)",
    },
    Limit { name: "draw_squadrons_max", value: DRAW_SQUADRONS_MAX as f64, applies_to: "squadrons of one draw" },
    Limit {
        name: "draw_officers_max",
        value: DRAW_OFFICERS_MAX as f64,
        applies_to: "certified officers of one squadron's pool",
    },
    Limit { name: "draw_weight_max", value: DRAW_WEIGHT_MAX as f64, applies_to: "a draw candidate's weight (from 1)" },
    Limit {
        name: "draw_due_days_max",
        value: *DRAW_DUE_DAYS.end() as f64,
        applies_to: "days a draw's inspections are given (from 1)",
    },
    Limit { name: "grid_enterprises", value: GRID_ENTERPRISES as f64, applies_to: "enterprises of one patrol grid" },
    Limit {
        name: "coverage_interval_days_max",
        value: *COVERAGE_INTERVAL_DAYS.end() as f64,
        applies_to: "a grid's visit interval in days (from 1)",
    },
    Limit {
        name: "monitoring_points",
        value: MONITORING_POINTS as f64,
        applies_to: "monitoring points of one enterprise",
    },
    Limit {
        name: "point_pollutants",
        value: POINT_POLLUTANTS as f64,
        applies_to: "pollutant limits of one monitoring point",
    },
    Limit { name: "list_page_rows", value: LIST_PAGE_ROWS as f64, applies_to: "rows of one page of a console list" },
];
