//! Numbered schema migrations, one ordered list per SQL dialect. Migration N takes a database from
//! version N-1 to N; each is applied in one transaction together with its row in `schema_version`, so an
//! interrupted upgrade leaves the previous version intact. A database newer than this build is refused
//! and left untouched ([`StoreError::NewerSchema`](super::StoreError::NewerSchema)).
//!
//! To change the schema, append a file to both lists (never edit an applied one): the two dialects keep
//! the same numbers and names, which a test checks.

/// One schema step.
#[derive(Clone, Copy, Debug)]
pub struct Migration {
    pub version: u32,
    pub name: &'static str,
    pub sql: &'static str,
}

/// SQLite's migrations, in order.
pub const SQLITE: &[Migration] = &[
    Migration { version: 1, name: "initial", sql: include_str!("migrations/sqlite/001_initial.sql") },
    Migration {
        version: 2,
        name: "conflict_resolution",
        sql: include_str!("migrations/sqlite/002_conflict_resolution.sql"),
    },
    Migration { version: 3, name: "scope_departures", sql: include_str!("migrations/sqlite/003_scope_departures.sql") },
    Migration { version: 4, name: "evidence_binding", sql: include_str!("migrations/sqlite/004_evidence_binding.sql") },
    Migration { version: 5, name: "listing", sql: include_str!("migrations/sqlite/005_listing.sql") },
    Migration { version: 6, name: "blob_uploads", sql: include_str!("migrations/sqlite/006_blob_uploads.sql") },
    Migration { version: 7, name: "typed_tables", sql: include_str!("migrations/sqlite/007_typed_tables.sql") },
    Migration { version: 8, name: "login_throttle", sql: include_str!("migrations/sqlite/008_login_throttle.sql") },
    Migration { version: 9, name: "registers", sql: include_str!("migrations/sqlite/009_registers.sql") },
    Migration {
        version: 10,
        name: "record_compression",
        sql: include_str!("migrations/sqlite/010_record_compression.sql"),
    },
    Migration {
        version: 11,
        name: "checks_without_lists",
        sql: include_str!("migrations/sqlite/011_checks_without_lists.sql"),
    },
    Migration { version: 12, name: "one_projection", sql: include_str!("migrations/sqlite/012_one_projection.sql") },
    Migration { version: 13, name: "no_visit_index", sql: include_str!("migrations/sqlite/013_no_visit_index.sql") },
];

/// PostgreSQL's migrations, in order.
pub const POSTGRES: &[Migration] = &[
    Migration { version: 1, name: "initial", sql: include_str!("migrations/postgres/001_initial.sql") },
    Migration {
        version: 2,
        name: "conflict_resolution",
        sql: include_str!("migrations/postgres/002_conflict_resolution.sql"),
    },
    Migration {
        version: 3,
        name: "scope_departures",
        sql: include_str!("migrations/postgres/003_scope_departures.sql"),
    },
    Migration {
        version: 4,
        name: "evidence_binding",
        sql: include_str!("migrations/postgres/004_evidence_binding.sql"),
    },
    Migration { version: 5, name: "listing", sql: include_str!("migrations/postgres/005_listing.sql") },
    Migration { version: 6, name: "blob_uploads", sql: include_str!("migrations/postgres/006_blob_uploads.sql") },
    Migration { version: 7, name: "typed_tables", sql: include_str!("migrations/postgres/007_typed_tables.sql") },
    Migration { version: 8, name: "login_throttle", sql: include_str!("migrations/postgres/008_login_throttle.sql") },
    Migration { version: 9, name: "registers", sql: include_str!("migrations/postgres/009_registers.sql") },
    Migration {
        version: 10,
        name: "record_compression",
        sql: include_str!("migrations/postgres/010_record_compression.sql"),
    },
    Migration {
        version: 11,
        name: "checks_without_lists",
        sql: include_str!("migrations/postgres/011_checks_without_lists.sql"),
    },
    Migration { version: 12, name: "one_projection", sql: include_str!("migrations/postgres/012_one_projection.sql") },
    Migration { version: 13, name: "no_visit_index", sql: include_str!("migrations/postgres/013_no_visit_index.sql") },
];

/// The schema version this build writes.
pub const LATEST: u32 = SQLITE.len() as u32;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_dialects_number_the_same_steps_from_one() {
        assert_eq!(SQLITE.len(), POSTGRES.len(), "each migration exists for both back ends");
        for (i, (s, p)) in SQLITE.iter().zip(POSTGRES).enumerate() {
            assert_eq!(s.version, i as u32 + 1, "versions are 1, 2, 3… without gaps");
            assert_eq!((s.version, s.name), (p.version, p.name));
        }
        assert_eq!(LATEST, POSTGRES.len() as u32);
    }
}
