//! The FFI crate's tests through its exported API, one binary (one link, not one per file). Run one
//! file with `cargo test -p fieldcheck-ffi --test it inspection_workflow::`.

mod app_core;
mod case_photos;
mod inspection_photos;
mod inspection_workflow;
