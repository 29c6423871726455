//! Photo evidence on the platform: the platform's signing key, device keys registered at sign-in,
//! verification and countersignature of each submitted chain (`receipt`), resumable content-addressed
//! blob upload (`blobs`), originals asked for by the command centre (`originals`), and
//! offline-verifiable bundles (`export`).
//!
//! Files live in the platform's data folder (also with PostgreSQL): `evidence/platform.key`,
//! `evidence/blobs/sha256/<2 hex>/<64 hex>` and partial uploads in `evidence/blobs/partial/`. One
//! platform deployment serves one bureau, its tenant: blobs are deduplicated within it, and a caller
//! learns of a blob only through a record it may see.

pub mod blobs;
pub mod export;
pub mod keys;
pub mod originals;
pub mod receipt;

pub use keys::{init, state};
