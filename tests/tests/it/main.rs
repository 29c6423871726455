//! The end-to-end tests, one binary (one link, not one per file): each module drives simulated
//! devices against a live platform process on loopback. Run one file with
//! `cargo test -p fieldcheck-e2e --test it evidence::`.

mod phone;

mod abuse;
mod acknowledgement;
mod agreement;
mod app_night_check;
mod capabilities;
mod conflicts;
mod console_api;
mod devices;
mod documents;
mod evidence;
mod evidence_binding;
mod evidence_originals;
mod hardening;
mod lists;
mod nodes;
mod protocol;
mod record_pages;
mod scope;
mod scope_change;
mod security;
mod signatures;
mod supervision;
mod wipe;
