//! Fieldcheck core: every rule of the product, shared by the phones (through the FFI crate) and the
//! platform. `domain` is pure (no I/O); `store` keeps a device's data in SQLite; `checklists` ships the
//! bundled checklist templates.

pub mod checklists;
pub mod domain;
pub mod evidence;
pub mod protocol;
pub mod store;
pub mod sync;
