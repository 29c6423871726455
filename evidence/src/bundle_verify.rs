//! Offline verification of an evidence bundle (a folder, or a tar file of one).

use super::bundle::{BUNDLE_FORMAT, BundleError, audit_digest, original_file_name};
use super::bundle_files::{BundleContents, read_bundle};
use super::chain::ChainHead;
use super::digest::Digest;
use super::problem::Problem;
use super::signing::{PublicKey, verify};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::Path;

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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Report {
    pub head: ChainHead,
    pub photos: usize,
    pub device: fieldcheck_domain::ids::DeviceId,
    pub device_key: Digest,
    pub signed_at: DateTime<Utc>,
    /// Platform key fingerprint and receipt time, if countersigned.
    pub platform_key: Option<Digest>,
    pub received_at: Option<DateTime<Utc>>,
    pub audit_events: usize,
    pub exporter_key: Option<Digest>,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "bundle verifies: {} photo(s) of {}", self.photos, self.head.case)?;
        writeln!(f, "chain head {} ({} entries)", self.head.head, self.head.count)?;
        writeln!(f, "signed by device {} (key {}) at {} device time", self.device, self.device_key, self.signed_at)?;
        match (&self.platform_key, &self.received_at) {
            (Some(key), Some(at)) => writeln!(f, "received and countersigned by platform key {key} at {at}")?,
            _ => writeln!(f, "no platform countersignature")?,
        }
        if let Some(key) = &self.exporter_key {
            writeln!(f, "exported under key {key}")?;
        }
        write!(f, "audit trail: {} event(s)", self.audit_events)
    }
}

/// Verifies the bundle (folder or tar) at `path`, trusting whatever keys it carries (see `verify_bundle_with`).
pub fn verify_bundle(path: &Path) -> Result<Report, BundleError> {
    verify_bundle_with(path, &VerifyOptions::default())
}

/// Verifies the bundle (folder or tar) at `path`: photos, chain, seal, receipt, audit trail, exporter
/// signature.
/// Every failure found is reported, each naming its entry and field where it has one.
pub fn verify_bundle_with(path: &Path, options: &VerifyOptions) -> Result<Report, BundleError> {
    let contents = read_bundle(path)?;
    let manifest = &contents.manifest;
    let mut problems = Vec::new();
    if manifest.format != BUNDLE_FORMAT {
        problems.push(Problem::general(format!("unknown bundle format {:?}", manifest.format)));
    }
    let chain = &manifest.chain;
    if manifest.case != chain.case {
        problems.push(Problem::general("the manifest and its chain name different cases"));
    }
    problems.extend(chain.problems());
    problems.extend(chain.check_head(&manifest.seal.head));
    if crate::seal::signatures_digest(&manifest.signatures) != manifest.seal.signatures {
        let reason = "the signatures are not the ones the device sealed";
        problems.push(Problem { field: Some("signatures".into()), ..Problem::general(reason) });
    }
    check_originals(&contents, &mut problems);
    check_orders(&manifest.orders, options, &mut problems);

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

/// Each order's acknowledgement: its seal covers exactly it and holds, its key is trusted (when keys
/// are given), and it was signed over the order's read-back as the bundle holds it.
fn check_orders(orders: &[super::bundle::OrderSheet], options: &VerifyOptions, problems: &mut Vec<Problem>) {
    let mut seen = BTreeSet::new();
    for order in orders {
        let at =
            |reason: String| Problem { field: Some(format!("orders[{}]", order.task)), ..Problem::general(reason) };
        if !seen.insert(order.task) {
            problems.push(at("the order appears twice".into()));
        }
        let Some(ack) = &order.acknowledgement else { continue };
        if !ack.holds() {
            problems.push(at("the acknowledgement is not the one its device sealed (a stroke changed?)".into()));
        }
        if !options.trusted_device_keys.is_empty() && !options.trusted_device_keys.contains(&ack.seal.key) {
            problems.push(at(format!("device key {} is not a trusted device key", ack.seal.key.fingerprint())));
        }
        if ack.signature.shown_text_sha256 != order.read_back().sha256 {
            problems.push(at("the acknowledgement was signed over other text than the order's".into()));
        }
    }
}

/// Each entry's photo is present with its committed length and hash; no file is unaccounted for.
fn check_originals(contents: &BundleContents, problems: &mut Vec<Problem>) {
    let mut expected = BTreeSet::new();
    for (i, entry) in contents.manifest.chain.entries.iter().enumerate() {
        let id = Some(entry.meta.evidence);
        let name = original_file_name(&entry.original.sha256, entry.original.media_type.extension());
        let at = |reason: String| Problem::at(i, id, Some("original"), reason);
        match contents.originals.get(&name) {
            None => problems.push(at(format!("photo file {name} is missing"))),
            Some((len, _)) if *len != entry.original.len => problems
                .push(at(format!("photo {name} is {len} bytes, {} were recorded (altered)", entry.original.len))),
            Some((_, digest)) if *digest != entry.original.sha256 => {
                problems.push(at(format!("photo {name} does not match its hash (altered)")))
            }
            Some(_) => {}
        }
        expected.insert(name);
    }
    for name in contents.originals.keys().filter(|n| !expected.contains(*n)) {
        problems.push(Problem::general(format!("photo file {name} is not part of the chain")));
    }
    for name in &contents.stray {
        problems.push(Problem::general(format!("unexpected file {name} in the bundle")));
    }
}
