//! Evidence bundles: everything needed to check an inspection's photos offline, in one folder.
//!
//! Layout (`pack_tar` makes one tar file of the folder for transport; `verify_bundle` reads either):
//!
//! ```text
//! <bundle>/manifest.json          format, chain (entries with metadata and hashes), device seal,
//!                                 platform receipt, audit trail, the record's signatures, its
//!                                 rectification orders as printed with the enterprise's sealed
//!                                 acknowledgement, and an optional exporter signature
//! <bundle>/originals/<sha256>.<ext>   each original photo, byte for byte
//! <bundle>/README.txt             how to verify
//! ```
//!
//! Verify with the platform's `verify-bundle <folder or .tar>` command, which calls [`verify_bundle`]: it
//! checks every photo against its hash, every entry's fields and links, the device's signature over the
//! chain head, the platform's countersignature, the audit trail's hash and the exporter's signature,
//! and names the entry and field of every failure.

use super::blobs::BlobStore;
use super::chain::EvidenceChain;
use super::digest::Digest;
use super::metadata::Case;
use super::problem::{Problem, list};
use super::seal::{DeviceSeal, PlatformReceipt};
use super::signing::{PublicKey, Signature, SignatureError, Signer};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Format tag of the manifest; bumped on incompatible changes.
pub const BUNDLE_FORMAT: &str = "fieldcheck-evidence-bundle/1";
pub(crate) const MANIFEST: &str = "manifest.json";
pub(crate) const ORIGINALS: &str = "originals";
pub(crate) const EXPORT_TAG: &[u8] = b"fieldcheck.evidence.bundle-export.v1\n";

/// One line of the inspection's audit trail, as the caller (the platform) recorded it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AuditEvent {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    #[serde(default)]
    pub detail: String,
}

/// The exporter's signature over the whole manifest (minus this field).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ExportSeal {
    pub exported_at: DateTime<Utc>,
    pub key: PublicKey,
    pub signature: Signature,
}

/// One fact a document prints: its key, its Chinese label and the value exactly as printed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PrintedFact {
    pub key: String,
    pub label: String,
    pub value: String,
}

/// A rectification order (责令改正通知书) the inspection issued, as it was printed when the bundle was
/// exported: every fact it prints and the enterprise's acknowledgement (its signature over the order's
/// read-back, with the seal its phone made). A printed order is checked against it offline
/// (`verify-document ORDER.pdf --bundle`): the same facts, and a receipt that holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OrderSheet {
    pub task: fieldcheck_domain::ids::TaskId,
    pub facts: Vec<PrintedFact>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledgement: Option<super::seal::SealedSignature>,
}

impl OrderSheet {
    /// The order's read-back (the domain's rule over its facts): what the enterprise signed.
    pub fn read_back(&self) -> fieldcheck_domain::signature::ReadBack {
        fieldcheck_domain::signature::ReadBack::of(
            self.facts.iter().map(|f| (f.key.as_str(), f.label.as_str(), f.value.as_str())),
        )
    }
}

/// The bundle's `manifest.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: String,
    pub case: Case,
    pub chain: EvidenceChain,
    pub seal: DeviceSeal,
    pub receipt: Option<PlatformReceipt>,
    pub audit: Vec<AuditEvent>,
    /// SHA-256 of the canonical audit trail.
    pub audit_sha256: Digest,
    /// The record's signatures, which the seal covers (`seal.signatures`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signatures: Vec<fieldcheck_domain::signature::Signature>,
    /// The inspection's rectification orders with their acknowledgements (absent from older bundles).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub orders: Vec<OrderSheet>,
    pub export: Option<ExportSeal>,
}

/// Why a bundle could not be built or did not verify.
#[derive(Debug, Error)]
pub enum BundleError {
    #[error("file error on {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("the manifest cannot be read: {0}")]
    Manifest(String),
    #[error("original {sha256} is missing from the blob storage or damaged")]
    MissingOriginal { sha256: Digest },
    #[error("the bundle does not verify:{}", list(.problems))]
    Invalid { problems: Vec<Problem> },
    #[error("signing: {0}")]
    Signing(#[from] SignatureError),
}

impl BundleError {
    /// The located problems, if verification failed.
    pub fn problems(&self) -> &[Problem] {
        match self {
            Self::Invalid { problems } => problems,
            _ => &[],
        }
    }
}

pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BundleError + '_ {
    move |source| BundleError::Io { path: path.to_path_buf(), source }
}

/// File name of an entry's original inside `originals/`.
pub fn original_file_name(sha256: &Digest, ext: &str) -> String {
    format!("{sha256}.{ext}")
}

pub(crate) fn audit_digest(audit: &[AuditEvent]) -> Digest {
    Digest::of(&serde_json::to_vec(audit).unwrap_or_default())
}

impl Manifest {
    /// The bytes the exporter signs: the manifest with `export` cleared, plus the export time and key.
    pub fn export_message(&self, exported_at: &DateTime<Utc>, key: &PublicKey) -> Vec<u8> {
        let mut body = self.clone();
        body.export = None;
        let mut out = EXPORT_TAG.to_vec();
        out.extend(serde_json::to_vec(&(&body, exported_at, key)).unwrap_or_default());
        out
    }
}

/// What goes into a bundle.
pub struct BundleInput<'a> {
    pub chain: &'a EvidenceChain,
    pub seal: &'a DeviceSeal,
    pub receipt: Option<&'a PlatformReceipt>,
    pub audit: &'a [AuditEvent],
    /// The record's signatures (the seal covers them).
    pub signatures: &'a [fieldcheck_domain::signature::Signature],
    /// The inspection's rectification orders as printed, with their acknowledgements.
    pub orders: &'a [OrderSheet],
    /// Signs the manifest (the platform's key), if given.
    pub exporter: Option<&'a dyn Signer>,
    pub exported_at: DateTime<Utc>,
}

/// Where a bundle's originals come from: the device's blob folder, or the platform's blob storage.
pub trait OriginalSource {
    /// The original's bytes, already checked against `sha256`; `None` if absent or damaged.
    fn original(&self, sha256: &Digest) -> Option<Vec<u8>>;
}

impl OriginalSource for BlobStore {
    fn original(&self, sha256: &Digest) -> Option<Vec<u8>> {
        self.read_verified(sha256).ok()
    }
}

/// Writes a bundle folder at `dir` (which must not exist yet), copying originals from `source`.
pub fn build_bundle(dir: &Path, input: &BundleInput<'_>, source: &dyn OriginalSource) -> Result<Manifest, BundleError> {
    // A fresh folder, so that nothing left from elsewhere ends up looking like part of the bundle.
    if let Some(parent) = dir.parent() {
        fs::create_dir_all(parent).map_err(io(parent))?;
    }
    fs::create_dir(dir).map_err(io(dir))?;
    let originals = dir.join(ORIGINALS);
    fs::create_dir(&originals).map_err(io(&originals))?;
    for entry in &input.chain.entries {
        let sha256 = entry.original.sha256;
        let bytes = source.original(&sha256).ok_or(BundleError::MissingOriginal { sha256 })?;
        // A source that returns other bytes than asked for must not slip them into a bundle.
        if Digest::of(&bytes) != sha256 {
            return Err(BundleError::MissingOriginal { sha256 });
        }
        let path = originals.join(original_file_name(&sha256, entry.original.media_type.extension()));
        fs::write(&path, &bytes).map_err(io(&path))?;
    }
    let mut manifest = Manifest {
        format: BUNDLE_FORMAT.to_owned(),
        case: input.chain.case,
        chain: input.chain.clone(),
        seal: input.seal.clone(),
        receipt: input.receipt.cloned(),
        audit: input.audit.to_vec(),
        audit_sha256: audit_digest(input.audit),
        signatures: input.signatures.to_vec(),
        orders: input.orders.to_vec(),
        export: None,
    };
    if let Some(signer) = input.exporter {
        let key = signer.public_key();
        let signature = signer.sign(&manifest.export_message(&input.exported_at, &key))?;
        manifest.export = Some(ExportSeal { exported_at: input.exported_at, key, signature });
    }
    let path = dir.join(MANIFEST);
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| BundleError::Manifest(e.to_string()))?;
    let mut file = fs::File::create(&path).map_err(io(&path))?;
    file.write_all(&json).and_then(|_| file.sync_all()).map_err(io(&path))?;
    let readme = dir.join("README.txt");
    fs::write(&readme, README).map_err(io(&readme))?;
    Ok(manifest)
}

const README: &str = "Fieldcheck evidence bundle\n\n\
manifest.json holds the case's evidence chain (one entry per photo: hashes and metadata), the\n\
device's signature over the chain head, the platform's countersignature with its receipt time, and the\n\
audit trail, the record's signatures, and each rectification order as printed with the enterprise's\n\
acknowledgement sealed by its phone. originals/ holds each photo exactly as taken, named by its SHA-256.\n\n\
Verify offline with:  fieldcheck-platform verify-bundle <this folder, or a tar file of it>\n\
Any removed, reordered or altered photo or field makes verification fail and names the entry and field.\n";
