//! The core's integration tests, one binary (one link, not one per file). Run one file with
//! `cargo test -p fieldcheck-core --test it store_outbox::`.

mod common;
mod evidence_common;

mod app_core;
mod at_rest;
mod evidence_bundle;
mod evidence_chain;
mod evidence_fuzz;
mod evidence_ingest;
mod evidence_upload;
mod evidence_watermark;
mod inspection_rules;
mod store_concurrency;
mod store_evidence;
mod store_files;
mod store_inspection;
mod store_outbox;
mod store_outbox_model;
mod store_replica;
mod store_users;
