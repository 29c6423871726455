//! Offline verification of an evidence bundle folder.

use super::bundle::{BUNDLE_FORMAT, BundleError, MANIFEST, Manifest, ORIGINALS, audit_digest, io, original_file_name};
use super::chain::ChainHead;
use super::digest::Digest;
use super::problem::Problem;
use super::signing::{PublicKey, verify};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeSet;
use std::fs;
use std::io::Read;
use std::path::Path;

/// A manifest larger than this is refused before parsing.
const MAX_MANIFEST_BYTES: u64 = 64 << 20;

/// Which keys the verifier trusts. Empty lists mean "report the keys, do not judge them".
#[derive(Clone, Debug, Default)]
pub struct VerifyOptions {
    pub trusted_platform_keys: Vec<PublicKey>,
    pub trusted_device_keys: Vec<PublicKey>,
    /// Accept a bundle without a platform countersignature (e.g. exported from a device).
    pub allow_missing_receipt: bool,
}

/// What a verified bundle shows.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub head: ChainHead,
    pub photos: usize,
    pub device: crate::domain::ids::DeviceId,
    pub device_key: Digest,
    pub signed_at: DateTime<Utc>,
    /// Platform key fingerprint and receipt time, if countersigned.
    pub platform_key: Option<Digest>,
    pub received_at: Option<DateTime<Utc>>,
    pub audit_events: usize,
    pub exporter_key: Option<Digest>,
}

/// Verifies the bundle folder at `path`, trusting whatever keys it carries (see `verify_bundle_with`).
pub fn verify_bundle(path: &Path) -> Result<Report, BundleError> {
    verify_bundle_with(path, &VerifyOptions::default())
}

/// Verifies the bundle folder at `path`: photos, chain, seal, receipt, audit trail, exporter signature.
/// Every failure found is reported, each naming its entry and field where it has one.
pub fn verify_bundle_with(path: &Path, options: &VerifyOptions) -> Result<Report, BundleError> {
    let manifest = read_manifest(path)?;
    let mut problems = Vec::new();
    if manifest.format != BUNDLE_FORMAT {
        problems.push(Problem::general(format!("unknown bundle format {:?}", manifest.format)));
    }
    let chain = &manifest.chain;
    if manifest.inspection != chain.inspection {
        problems.push(Problem::general("the manifest and its chain name different inspections"));
    }
    problems.extend(chain.problems());
    problems.extend(chain.check_head(&manifest.seal.head));
    check_originals(path, &manifest, &mut problems)?;

    let seal = &manifest.seal;
    if let Err(e) = seal.verify_signature() {
        problems.push(Problem { field: Some("seal".into()), ..Problem::general(format!("device signature: {e}")) });
    }
    if !options.trusted_device_keys.is_empty() && !options.trusted_device_keys.contains(&seal.key) {
        problems.push(Problem {
            field: Some("seal.key".into()),
            ..Problem::general(format!("device key {} is not a trusted device key", seal.key.fingerprint()))
        });
    }
    match &manifest.receipt {
        Some(receipt) => {
            if let Err(e) = verify(&receipt.key, &receipt.message(seal), &receipt.signature) {
                problems.push(Problem {
                    field: Some("receipt".into()),
                    ..Problem::general(format!("platform countersignature: {e}"))
                });
            }
            if !options.trusted_platform_keys.is_empty() && !options.trusted_platform_keys.contains(&receipt.key) {
                problems.push(Problem {
                    field: Some("receipt.key".into()),
                    ..Problem::general(format!("platform key {} is not trusted", receipt.key.fingerprint()))
                });
            }
        }
        None if !options.allow_missing_receipt => {
            problems.push(Problem { field: Some("receipt".into()), ..Problem::general("no platform countersignature") })
        }
        None => {}
    }
    if audit_digest(&manifest.audit) != manifest.audit_sha256 {
        problems.push(Problem { field: Some("audit".into()), ..Problem::general("the audit trail was altered") });
    }
    if let Some(export) = &manifest.export {
        let message = manifest.export_message(&export.exported_at, &export.key);
        if let Err(e) = verify(&export.key, &message, &export.signature) {
            problems
                .push(Problem { field: Some("export".into()), ..Problem::general(format!("exporter signature: {e}")) });
        }
        if !options.trusted_platform_keys.is_empty() && !options.trusted_platform_keys.contains(&export.key) {
            problems.push(Problem {
                field: Some("export.key".into()),
                ..Problem::general(format!("exporter key {} is not trusted", export.key.fingerprint()))
            });
        }
    }
    if !problems.is_empty() {
        return Err(BundleError::Invalid { problems });
    }
    Ok(Report {
        head: seal.head,
        photos: chain.entries.len(),
        device: seal.device,
        device_key: seal.key.fingerprint(),
        signed_at: seal.signed_at,
        platform_key: manifest.receipt.as_ref().map(|r| r.key.fingerprint()),
        received_at: manifest.receipt.as_ref().map(|r| r.received_at),
        audit_events: manifest.audit.len(),
        exporter_key: manifest.export.as_ref().map(|e| e.key.fingerprint()),
    })
}

fn read_manifest(dir: &Path) -> Result<Manifest, BundleError> {
    let path = dir.join(MANIFEST);
    let file = fs::File::open(&path).map_err(io(&path))?;
    let mut bytes = Vec::new();
    file.take(MAX_MANIFEST_BYTES + 1).read_to_end(&mut bytes).map_err(io(&path))?;
    if bytes.len() as u64 > MAX_MANIFEST_BYTES {
        return Err(BundleError::Manifest(format!("larger than {MAX_MANIFEST_BYTES} bytes")));
    }
    serde_json::from_slice(&bytes).map_err(|e| BundleError::Manifest(e.to_string()))
}

/// Each entry's photo is present with its committed length and hash; no photo is unaccounted for.
fn check_originals(dir: &Path, manifest: &Manifest, problems: &mut Vec<Problem>) -> Result<(), BundleError> {
    let folder = dir.join(ORIGINALS);
    let mut expected = BTreeSet::new();
    for (i, entry) in manifest.chain.entries.iter().enumerate() {
        let id = Some(entry.meta.evidence);
        let name = original_file_name(&entry.original.sha256, entry.original.media_type.extension());
        let path = folder.join(&name);
        expected.insert(name.clone());
        match fs::read(&path) {
            Err(_) => problems.push(Problem::at(i, id, Some("original"), format!("photo file {name} is missing"))),
            Ok(bytes) => {
                if bytes.len() as u64 != entry.original.len {
                    problems.push(Problem::at(
                        i,
                        id,
                        Some("original"),
                        format!(
                            "photo {name} is {} bytes, {} were recorded (altered)",
                            bytes.len(),
                            entry.original.len
                        ),
                    ));
                } else if Digest::of(&bytes) != entry.original.sha256 {
                    problems.push(Problem::at(
                        i,
                        id,
                        Some("original"),
                        format!("photo {name} does not match its hash (altered)"),
                    ));
                }
            }
        }
    }
    let listing = match fs::read_dir(&folder) {
        Ok(listing) => listing,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io(&folder)(e)),
    };
    for item in listing {
        let name = item.map_err(io(&folder))?.file_name().to_string_lossy().into_owned();
        if !expected.contains(&name) {
            problems.push(Problem::general(format!("photo file {name} is not part of the chain")));
        }
    }
    Ok(())
}
