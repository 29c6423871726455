//! Photo evidence on the platform: the platform's signing key, device keys registered at sign-in,
//! verification and countersignature of each submitted chain (`receipt`), resumable content-addressed
//! blob upload (`blobs`), originals asked for by the command centre (`originals`), and
//! offline-verifiable bundles (`export`).
//!
//! Blobs live in an object store (`store`): by default the data folder's `evidence/blobs/`, or S3; an
//! unfinished upload's state is in the database, so several platform processes serve one deployment. One
//! platform deployment serves one bureau, its tenant: blobs are deduplicated within it, and a caller
//! learns of a blob only through a record it may see.

pub mod blobs;
pub mod export;
pub mod keys;
pub mod originals;
pub mod receipt;
pub mod store;

pub use keys::{init, state};
pub use store::{BlobStoreConfig, EvidenceConfig};
