//! Fieldcheck on the phone: `store` keeps a device's data in SQLite, `sync` is the client side of the
//! protocol. The rules themselves live in the shared crates, re-exported here so the FFI crate and the
//! tests reach everything through one name.

pub use fieldcheck_documents as documents;
pub use fieldcheck_domain as domain;
pub use fieldcheck_domain::checklists;
pub use fieldcheck_evidence as evidence;
pub use fieldcheck_protocol as protocol;

pub mod app;
pub mod store;
pub mod sync;
