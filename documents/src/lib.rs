//! Lawful paperwork as A4 PDFs in Chinese (English beside where it helps): the on-site inspection record
//! (现场检查（勘察）笔录) from a submitted inspection, and the rectification order (责令改正通知书) from a
//! rectification task. Laid out like the official templates, with the CJK font subset embedded (the
//! caller passes the font's bytes: a .ttf, .otf or a .ttc collection), signatures drawn as vector paths,
//! a photo index (time, place, SHA-256) and a QR code carrying the evidence bundle's root hash.
//!
//! The same inputs give the same bytes: nothing reads a clock; the document number, metadata dates and
//! document id are taken from the record.
//!
//! Every fact a document prints is also listed as data ([`Fact`]); the QR code and the PDF's metadata
//! carry a [`Payload`] with the record id, the bundle root and the SHA-256 of those facts, so
//! `verify-document` can check a printed document against the sealed record without the font.

mod content;
mod layout;
mod scan;

pub use content::{OrderInput, RecordInput, order_facts, record_facts};
use fieldcheck_domain::signature::ReadBack;
use fieldcheck_evidence::{Digest, PrintedFact};
use krilla::text::Font;
pub use scan::payload_from_image;
use sha2::{Digest as _, Sha256};
use std::fmt;
use std::sync::Arc;
use thiserror::Error;

/// Why a document could not be made.
#[derive(Debug, Error)]
pub enum DocumentError {
    #[error("the document font cannot be read (face {index} of {len} bytes)")]
    Font { index: u32, len: usize },
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
    #[error("the QR code could not be made: {0}")]
    Qr(String),
}

/// The CJK font documents are set in.
#[derive(Clone)]
pub struct DocumentFont {
    font: Font,
}

impl DocumentFont {
    /// The first face of `bytes` (a .ttf/.otf, or face 0 of a .ttc collection).
    pub fn new(bytes: Vec<u8>) -> Result<Self, DocumentError> {
        Self::with_index(bytes, 0)
    }

    /// Face `index` of a collection.
    pub fn with_index(bytes: Vec<u8>, index: u32) -> Result<Self, DocumentError> {
        let len = bytes.len();
        let font = Font::new(Arc::new(bytes).into(), index).ok_or(DocumentError::Font { index, len })?;
        Ok(DocumentFont { font })
    }
}

/// What kind of document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// 现场检查（勘察）笔录, for an inspection.
    Record,
    /// 责令改正通知书, for a rectification task.
    Order,
}

impl Kind {
    fn tag(self) -> &'static str {
        match self {
            Kind::Record => "record",
            Kind::Order => "order",
        }
    }
}

/// One fact a document prints: its key (from `inspection_record_fields` where it is one of them), its
/// Chinese label and the value exactly as printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fact {
    pub key: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub value: String,
}

/// The text a document reads back to its signers and its hash: the domain's rule
/// ([`ReadBack::of`]) over the facts it prints, so the phone and the platform cannot disagree.
pub fn read_back(facts: &[Fact]) -> ReadBack {
    ReadBack::of(facts.iter().map(|f| (f.key, f.zh, f.value.as_str())))
}

/// What the inspection record reads back to its signers.
pub fn record_read_back(input: &RecordInput<'_>) -> ReadBack {
    read_back(&record_facts(input))
}

/// The picture the photo index shows for each photo, by its original's SHA-256: its thumbnail, which the
/// phone always keeps (the `free_confirmed` upload policy frees renditions and originals, never
/// thumbnails) and uploads with the record; a record from before thumbnails were uploaded lists none,
/// and then its rendition. The phone and the platform both read these blobs, so they print the same
/// bytes.
pub fn index_picture_blobs(
    evidence: &fieldcheck_protocol::SubmittedEvidence,
) -> Vec<(Digest, fieldcheck_evidence::BlobRef)> {
    evidence
        .chain
        .entries
        .iter()
        .filter_map(|e| {
            let listed = evidence.renditions.iter().find(|r| r.evidence == e.meta.evidence)?;
            Some((e.original.sha256, listed.thumbnail.unwrap_or(listed.blob)))
        })
        .collect()
}

/// What the rectification order reads back to the enterprise before it signs for it.
pub fn order_read_back(input: &OrderInput<'_>) -> ReadBack {
    read_back(&order_facts(input))
}

fn facts_sha256(facts: &[Fact]) -> String {
    sha256_of_pairs(facts.iter().map(|f| (f.key, f.value.as_str())))
}

fn sha256_of_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut h = Sha256::new();
    for (key, value) in pairs {
        h.update(key.as_bytes());
        h.update([0]);
        h.update(value.as_bytes());
        h.update([0]);
    }
    hex::encode(h.finalize())
}

/// The facts as an evidence bundle keeps them (`OrderSheet::facts`).
pub fn printed_facts(facts: &[Fact]) -> Vec<PrintedFact> {
    facts
        .iter()
        .map(|f| PrintedFact { key: f.key.to_string(), label: f.zh.to_string(), value: f.value.clone() })
        .collect()
}

/// What the QR code and the PDF's metadata carry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payload {
    pub kind: Kind,
    /// The inspection's id (record) or the task's id (order).
    pub id: String,
    /// The evidence bundle's root hash (the chain head), if the record has photos.
    pub root: Option<Digest>,
    /// SHA-256 of the facts the document prints.
    pub facts: String,
}

const PAYLOAD_TAG: &str = "FIELDCHECK-DOC/1";

impl fmt::Display for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let root = self.root.map(|d| d.to_hex()).unwrap_or_else(|| "-".into());
        write!(f, "{PAYLOAD_TAG};kind={};id={};root={root};facts={}", self.kind.tag(), self.id, self.facts)
    }
}

impl Payload {
    /// Parses the text [`Display`](fmt::Display) writes.
    pub fn parse(text: &str) -> Option<Payload> {
        let mut parts = text.trim().split(';');
        if parts.next()? != PAYLOAD_TAG {
            return None;
        }
        let (mut kind, mut id, mut root, mut facts) = (None, None, None, None);
        for part in parts {
            let (k, v) = part.split_once('=')?;
            match k {
                "kind" => {
                    kind = Some(if v == "record" {
                        Kind::Record
                    } else if v == "order" {
                        Kind::Order
                    } else {
                        return None;
                    })
                }
                "id" => id = Some(v.to_string()),
                "root" => root = Some(if v == "-" { None } else { Some(v.parse().ok()?) }),
                "facts" => facts = Some(v.to_string()),
                _ => return None,
            }
        }
        Some(Payload { kind: kind?, id: id?, root: root?, facts: facts? })
    }

    /// The payload embedded in a PDF made here (it is in the document's metadata as plain text).
    pub fn find_in_pdf(pdf: &[u8]) -> Option<Payload> {
        let tag = PAYLOAD_TAG.as_bytes();
        let start = pdf.windows(tag.len()).position(|w| w == tag)?;
        let rest = &pdf[start..];
        let end =
            rest.iter().position(|&b| !(b.is_ascii_alphanumeric() || b"/;=-_".contains(&b))).unwrap_or(rest.len());
        Payload::parse(std::str::from_utf8(&rest[..end]).ok()?)
    }

    /// Whether `facts` are the ones this payload was made from.
    pub fn matches_facts(&self, facts: &[Fact]) -> bool {
        self.facts == facts_sha256(facts)
    }
}

/// A generated document.
#[derive(Clone, Debug)]
pub struct Rendered {
    pub pdf: Vec<u8>,
    pub payload: Payload,
    pub facts: Vec<Fact>,
    pub pages: usize,
}

/// The inspection record (现场检查（勘察）笔录).
pub fn inspection_record(input: &RecordInput<'_>, font: &DocumentFont) -> Result<Rendered, DocumentError> {
    content::record(input, font)
}

/// The rectification order (责令改正通知书).
pub fn rectification_order(input: &OrderInput<'_>, font: &DocumentFont) -> Result<Rendered, DocumentError> {
    content::order(input, font)
}

fn payload(kind: Kind, id: String, root: Option<Digest>, facts: &[Fact]) -> Payload {
    Payload { kind, id, root, facts: facts_sha256(facts) }
}

/// The order `payload` names, as the bundle holds it: present, and printing the same facts.
fn order_in_bundle(payload: &Payload, bundle: &std::path::Path) -> Problems {
    let manifest = match fieldcheck_evidence::bundle_files::read_bundle(bundle) {
        Ok(contents) => contents.manifest,
        Err(e) => return vec![format!("the bundle cannot be read: {e}")],
    };
    let Some(sheet) = manifest.orders.iter().find(|o| o.task.to_string() == payload.id) else {
        return vec![format!(
            "the bundle holds no rectification order {} (exported before the order was issued, or another \
             inspection's bundle): export it again",
            payload.id
        )];
    };
    if sha256_of_pairs(sheet.facts.iter().map(|f| (f.key.as_str(), f.value.as_str()))) != payload.facts {
        let signed = |s: &fieldcheck_evidence::OrderSheet| s.acknowledgement.is_some();
        return vec![format!(
            "the document's text is not the order the bundle holds{}",
            if signed(sheet) { "" } else { " (the bundle was exported before the enterprise signed: export it again)" }
        )];
    }
    Vec::new()
}

/// What checking a printed document found: empty when it matches.
pub type Problems = Vec<String>;

/// The payload of a document as a file: embedded in a PDF made here, or read from the QR code of a
/// scanned page (PNG or JPEG). A PDF without an embedded payload (e.g. a scan saved as PDF) must be
/// rendered to an image first (`pdftoppm`), then read with [`payload_from_image`].
pub fn read_payload(bytes: &[u8]) -> Result<Payload, String> {
    if let Some(payload) = Payload::find_in_pdf(bytes) {
        return Ok(payload);
    }
    if bytes.starts_with(b"%PDF-") {
        return Err(
            "the PDF carries no embedded Fieldcheck payload: render its first page to an image to read the QR code"
                .into(),
        );
    }
    payload_from_image(bytes)
}

/// Checks a document's payload against the facts of the sealed record (as the platform rebuilds them)
/// and its root.
pub fn verify_against_facts(payload: &Payload, kind: Kind, id: &str, facts: &[Fact], root: Option<Digest>) -> Problems {
    let mut problems = Vec::new();
    if payload.kind != kind || payload.id != id {
        problems.push(format!("the document is for {:?} {}, not {:?} {id}", payload.kind, payload.id, kind));
    }
    if payload.root != root {
        problems.push(format!(
            "bundle root hash differs: document {}, sealed record {}",
            payload.root.map(|d| d.to_hex()).unwrap_or_else(|| "-".into()),
            root.map(|d| d.to_hex()).unwrap_or_else(|| "-".into())
        ));
    }
    if !payload.matches_facts(facts) {
        problems.push("the document's text does not match the sealed record (facts hash differs)".into());
    }
    problems
}

/// Checks a document's payload against an evidence bundle (folder or tar): the bundle must verify (every
/// photo, the chain, the seals, each order's acknowledgement), end in the root hash the document
/// carries, and be the bundle of the document's record; for an order, the bundle must hold that order
/// (`OrderSheet`) with exactly the facts the document prints, so its acknowledgement, sealed by the
/// enterprise's phone over the order's read-back, is the one on the paper.
pub fn verify_against_bundle(
    payload: &Payload,
    bundle: &std::path::Path,
    options: &fieldcheck_evidence::VerifyOptions,
) -> Problems {
    let mut problems = Vec::new();
    match fieldcheck_evidence::verify_bundle_with(bundle, options) {
        Ok(report) => {
            if payload.root != Some(report.head.head) {
                problems.push(format!(
                    "bundle root hash {} is not the document's {}",
                    report.head.head,
                    payload.root.map(|d| d.to_hex()).unwrap_or_else(|| "-".into())
                ));
            }
            if payload.kind == Kind::Record {
                let (_, uuid) = report.head.case.parts();
                if uuid.to_string() != payload.id {
                    problems.push(format!(
                        "the bundle is of {}, the document of inspection {}",
                        report.head.case, payload.id
                    ));
                }
            } else {
                problems.extend(order_in_bundle(payload, bundle));
            }
        }
        Err(e) => problems.push(format!("the bundle does not verify: {e}")),
    }
    problems
}
