//! The platform's integration tests, one binary (one link, not one per file). Run one file with
//! `cargo test -p fieldcheck-platform --test it visibility::`.

mod common;

mod blob_store;
mod change_log;
mod checkpoint;
mod contention;
mod dashboard_sql;
mod group_commit;
mod list_plans;
mod logs;
mod migrations;
mod openapi;
mod operations;
mod poison;
mod postgres_tls;
mod pull_pages;
mod supervision_scale;
mod throttle;
mod tokens;
mod typed_tables;
mod visibility;
mod writer_time;
