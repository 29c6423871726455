//! Photo evidence: ingest (limits, orientation, rendition, thumbnail, content-addressed originals), the
//! per-case (inspection, task, alarm) hash chain, device and platform signatures, offline-verifiable bundles, and the
//! device-side rules of blob upload.
//!
//! Files only: the device store and the platform persist the plain structs returned here.
//! Accepted formats are JPEG, PNG and WebP; the iOS app converts HEIC captures to JPEG first.

pub mod blobs;
pub mod bundle;
pub mod bundle_files;
pub mod bundle_verify;
pub mod chain;
pub mod decode;
pub mod digest;
pub mod error;
pub mod font;
pub mod format;
pub mod ingest;
pub mod limits;
pub mod metadata;
pub mod orientation;
pub mod pixels;
pub mod problem;
pub mod rendition;
pub mod seal;
pub mod sealed;
pub mod signing;
pub mod upload;
pub mod watermark;
pub mod watermark_font;

pub use blobs::BlobStore;
pub use bundle::{
    AuditEvent, BundleError, BundleInput, Manifest, OrderSheet, OriginalSource, PrintedFact, build_bundle,
};
pub use bundle_files::pack_tar;
pub use bundle_verify::{Report, VerifyOptions, verify_bundle, verify_bundle_with};
pub use chain::{ChainEntry, ChainError, ChainHead, EvidenceChain};
pub use digest::Digest;
pub use error::EvidenceError;
pub use ingest::{Derived, Ingestor, derive, derive_with};
pub use limits::Limits;
pub use metadata::{
    BlobRef, CaptureMeta, Case, EvidenceRecord, FixMissing, MediaType, PhotoSource, Provenance, Subject,
};
pub use problem::Problem;
pub use seal::{
    DeviceSeal, PlatformReceipt, SealedSignature, countersign, seal, seal_signed, signatures_digest, verify_sealed,
};
pub use sealed::FileKey;
pub use signing::{PublicKey, Signature, SignatureError, Signer, SoftwareSigner};
pub use upload::BlobStatus;
pub use watermark::{Watermark, WatermarkGaps};
pub use watermark_font::WatermarkFont;
