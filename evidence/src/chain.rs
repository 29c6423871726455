//! The per-case (inspection, task, alarm) hash chain of evidence entries.
//!
//! Each entry commits to every one of its fields separately (so that verification can say which field
//! was altered) and to the previous entry's hash; the first entry commits to a genesis value derived
//! from the case (kind and id). The last entry's hash, with the entry count, is the chain head that the
//! device signs and the submitted inspection carries.
//!
//! Canonical form: a field's bytes are its `serde_json` serialisation (compact, struct fields in
//! declaration order, no maps), which is deterministic for these types and survives a JSON round trip.
//! Hashes are SHA-256 over length-prefixed parts with a domain tag (`Digest::of_parts`).

use super::digest::Digest;
use super::metadata::Case;
use super::metadata::{BlobRef, CaptureMeta, EvidenceRecord};
use super::problem::{Problem, list};
use serde::{Deserialize, Serialize};
use thiserror::Error;

const GENESIS_TAG: &[u8] = b"fieldcheck.evidence.genesis.v1";
const FIELD_TAG: &[u8] = b"fieldcheck.evidence.field.v1";
const ENTRY_TAG: &[u8] = b"fieldcheck.evidence.entry.v1";

/// The committed hash of one field of an entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FieldHash {
    pub name: String,
    pub sha256: Digest,
}

/// One photo's place in the chain.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChainEntry {
    /// Position, from 0.
    pub seq: u32,
    /// The original photo: hash, length, format.
    pub original: BlobRef,
    pub meta: CaptureMeta,
    /// Hash of the previous entry (the genesis value for entry 0).
    pub prev: Digest,
    /// One commitment per field, in a fixed order.
    pub fields: Vec<FieldHash>,
    /// Hash over `prev` and `fields`.
    pub hash: Digest,
}

/// What the device signs and the submitted inspection carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChainHead {
    pub case: Case,
    /// Number of entries.
    pub count: u32,
    /// Hash of the last entry, or the genesis value of an empty chain.
    pub head: Digest,
}

/// A case's evidence entries in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EvidenceChain {
    pub case: Case,
    pub entries: Vec<ChainEntry>,
}

/// Why a chain (or its signatures) did not verify.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ChainError {
    #[error("the evidence chain does not verify:{}", list(.problems))]
    Broken { problems: Vec<Problem> },
    #[error("evidence {evidence} belongs to {found}, not {expected}")]
    WrongCase { evidence: String, expected: Case, found: Case },
    #[error("{0}")]
    InvalidMetadata(String),
    #[error("evidence {0} is already in the chain")]
    Duplicate(String),
    #[error("signature: {0}")]
    Signature(#[from] super::signing::SignatureError),
}

/// The value entry 0 links to: binds the chain to its case.
pub fn genesis(case: Case) -> Digest {
    let (kind, id) = case.parts();
    Digest::of_parts(&[GENESIS_TAG, kind.as_bytes(), id.as_bytes()])
}

fn canonical<T: Serialize>(value: &T) -> Vec<u8> {
    // Serialising these plain structs cannot fail (no maps with non-string keys, no custom errors).
    serde_json::to_vec(value).unwrap_or_default()
}

/// The fields an entry commits to, by name, in commitment order, with their canonical bytes.
fn field_values(seq: u32, original: &BlobRef, meta: &CaptureMeta) -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("seq", canonical(&seq)),
        ("original", canonical(original)),
        ("meta.evidence", canonical(&meta.evidence)),
        ("meta.case", canonical(&meta.case)),
        ("meta.subject", canonical(&meta.subject)),
        ("meta.taken_at", canonical(&meta.taken_at)),
        ("meta.fix", canonical(&meta.fix)),
        ("meta.device", canonical(&meta.device)),
        ("meta.officer", canonical(&meta.officer)),
        ("meta.clock_skew_ms", canonical(&meta.clock_skew_ms)),
    ]
}

fn field_hashes(seq: u32, original: &BlobRef, meta: &CaptureMeta) -> Vec<FieldHash> {
    field_values(seq, original, meta)
        .into_iter()
        .map(|(name, bytes)| FieldHash {
            name: name.to_owned(),
            sha256: Digest::of_parts(&[FIELD_TAG, name.as_bytes(), &bytes]),
        })
        .collect()
}

fn entry_hash(prev: &Digest, fields: &[FieldHash]) -> Digest {
    let mut parts: Vec<&[u8]> = vec![ENTRY_TAG, &prev.0];
    for f in fields {
        parts.push(f.name.as_bytes());
        parts.push(&f.sha256.0);
    }
    Digest::of_parts(&parts)
}

impl EvidenceChain {
    /// An empty chain for a case.
    pub fn new(case: Case) -> Self {
        Self { case, entries: Vec::new() }
    }

    /// Appends a photo; it must belong to this case and not be in the chain yet.
    pub fn append(&mut self, record: &EvidenceRecord) -> Result<&ChainEntry, ChainError> {
        self.append_parts(record.original, record.meta.clone())
    }

    /// Appends an entry from its original's reference and metadata.
    pub fn append_parts(&mut self, original: BlobRef, meta: CaptureMeta) -> Result<&ChainEntry, ChainError> {
        if meta.case != self.case {
            return Err(ChainError::WrongCase {
                evidence: meta.evidence.to_string(),
                expected: self.case,
                found: meta.case,
            });
        }
        // A non-finite coordinate would not survive the JSON round trip the chain is checked after.
        meta.validate().map_err(|e| ChainError::InvalidMetadata(e.to_string()))?;
        if self.entries.iter().any(|e| e.meta.evidence == meta.evidence) {
            return Err(ChainError::Duplicate(meta.evidence.to_string()));
        }
        let seq = self.entries.len() as u32;
        let prev = self.entries.last().map(|e| e.hash).unwrap_or_else(|| genesis(self.case));
        let fields = field_hashes(seq, &original, &meta);
        let hash = entry_hash(&prev, &fields);
        self.entries.push(ChainEntry { seq, original, meta, prev, fields, hash });
        Ok(&self.entries[self.entries.len() - 1])
    }

    /// The head as recorded (call `verify` to check it against the entries).
    pub fn head(&self) -> ChainHead {
        ChainHead {
            case: self.case,
            count: self.entries.len() as u32,
            head: self.entries.last().map(|e| e.hash).unwrap_or_else(|| genesis(self.case)),
        }
    }

    /// Recomputes every commitment and link; lists every problem found, located by entry and field.
    pub fn verify(&self) -> Result<ChainHead, ChainError> {
        let problems = self.problems();
        if problems.is_empty() { Ok(self.head()) } else { Err(ChainError::Broken { problems }) }
    }

    /// Every inconsistency in the chain (empty if it verifies).
    pub fn problems(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut expected_prev = genesis(self.case);
        for (i, entry) in self.entries.iter().enumerate() {
            let id = Some(entry.meta.evidence);
            if entry.seq as usize != i {
                problems.push(Problem::at(
                    i,
                    id,
                    Some("seq"),
                    format!("entry is at position {i} but says it is number {} (reordered?)", entry.seq),
                ));
            }
            if entry.meta.case != self.case {
                problems.push(Problem::at(i, id, Some("meta.case"), "belongs to another case"));
            }
            let recomputed = field_hashes(entry.seq, &entry.original, &entry.meta);
            let names_match = recomputed.len() == entry.fields.len()
                && recomputed.iter().zip(&entry.fields).all(|(a, b)| a.name == b.name);
            if !names_match {
                problems.push(Problem::at(i, id, Some("fields"), "the list of committed fields was changed"));
            } else {
                for (want, got) in recomputed.iter().zip(&entry.fields) {
                    if want.sha256 != got.sha256 {
                        problems.push(Problem::at(
                            i,
                            id,
                            Some(&want.name),
                            "value does not match its committed hash (altered)",
                        ));
                    }
                }
            }
            if entry.prev != expected_prev {
                let reason = if i == 0 {
                    "does not start the chain (an earlier entry was removed, or the chain was reordered)".to_owned()
                } else {
                    format!("does not link to entry {} (an entry was removed, inserted or reordered)", i - 1)
                };
                problems.push(Problem::at(i, id, Some("prev"), reason));
            }
            if entry_hash(&entry.prev, &entry.fields) != entry.hash {
                problems.push(Problem::at(i, id, Some("hash"), "entry hash does not match its contents"));
            }
            expected_prev = entry.hash;
        }
        problems
    }

    /// Checks that `head` (e.g. from a signed seal) is this chain's head, saying how it differs.
    pub fn check_head(&self, head: &ChainHead) -> Vec<Problem> {
        let mine = self.head();
        let mut problems = Vec::new();
        if head.case != mine.case {
            problems
                .push(Problem::general(format!("the signed head is for {}, the chain for {}", head.case, mine.case)));
        }
        if head.count != mine.count {
            problems.push(Problem::general(format!(
                "the signed head covers {} entries but {} are present (entries removed or added)",
                head.count, mine.count
            )));
        } else if head.head != mine.head {
            problems.push(Problem::general("the last entry's hash differs from the signed head"));
        }
        problems
    }
}
