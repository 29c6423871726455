//! The officer's phone previews and shares the record and the orders offline: `Event::OpenDocument`
//! prints one from the phone's own store (byte-identical to the platform's for the same synced record:
//! the same `fieldcheck-documents` over the same inputs, the photo index from the same thumbnails)
//! into the documents folder, the view model names the file, and `Event::ShareDocument` hands it to the
//! share capability (Android's share sheet, iOS's UIActivityViewController).

use crate::domain::ids::{InspectionId, TaskId};
use crate::evidence::{BlobStore, Digest};
use crate::store::{Store, StoreError};
use fieldcheck_documents::{DocumentError, DocumentFont, OrderInput, RecordInput, Rendered};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Which document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocumentRef {
    /// The inspection record (现场检查（勘察）笔录) of a submitted inspection.
    Record(InspectionId),
    /// The rectification order (责令改正通知书) of a task.
    Order(TaskId),
}

impl DocumentRef {
    /// The file name, as the platform names the download.
    pub fn file_name(self) -> String {
        match self {
            Self::Record(id) => format!("inspection-record-{id}.pdf"),
            Self::Order(id) => format!("rectification-order-{id}.pdf"),
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Self::Record(_) => "现场检查（勘察）笔录",
            Self::Order(_) => "责令改正通知书",
        }
    }
}

/// A document printed on the phone: the file to preview (PdfRenderer / PDFKit) and share.
#[derive(Clone, Debug, PartialEq)]
pub struct OpenedDocument {
    pub of: DocumentRef,
    pub path: PathBuf,
    pub pages: u32,
    pub bytes: u64,
}

/// Hands a file to the phone's share sheet.
pub trait Share: Send + Sync {
    fn share(&self, path: &Path, mime_type: &str, title: &str);
}

/// What the phone prints with: the app's CJK font (its system font, as for watermarks) and the folder
/// the files go to (the app's cache, which its file provider exposes to the share sheet).
#[derive(Clone)]
pub struct Printing {
    pub font: Arc<DocumentFont>,
    pub dir: PathBuf,
}

/// Why a document could not be printed.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the document could not be made: {0}")]
    Document(#[from] DocumentError),
    #[error("the document could not be written: {0}")]
    Io(#[from] std::io::Error),
}

/// Prints `of` from the phone's store; the photo index takes each photo's rendition from `blobs`.
pub fn print(store: &Store, blobs: &BlobStore, of: DocumentRef, font: &DocumentFont) -> Result<Rendered, PrintError> {
    Ok(match of {
        DocumentRef::Record(id) => {
            let p = store.record_parts(id)?;
            let pictures = pictures(&p.submitted, blobs);
            fieldcheck_documents::inspection_record(
                &RecordInput {
                    submitted: &p.submitted,
                    enterprise: &p.enterprise,
                    township: &p.township,
                    templates: &p.templates,
                    signatures: &p.submitted.signatures,
                    pictures: &pictures,
                },
                font,
            )?
        }
        DocumentRef::Order(id) => {
            let p = store.order_parts(id)?;
            let input = OrderInput {
                task: &p.task,
                enterprise: &p.enterprise,
                township: &p.township,
                bundle_root: p.root,
                signatures: &p.signatures,
            };
            fieldcheck_documents::rectification_order(&input, font)?
        }
    })
}

/// Prints `of` into `printing.dir` (replacing an earlier print of it).
pub fn print_to_file(
    store: &Store,
    blobs: &BlobStore,
    of: DocumentRef,
    printing: &Printing,
) -> Result<OpenedDocument, PrintError> {
    let rendered = print(store, blobs, of, &printing.font)?;
    std::fs::create_dir_all(&printing.dir)?;
    let path = printing.dir.join(of.file_name());
    let tmp = path.with_extension("pdf.tmp");
    std::fs::write(&tmp, &rendered.pdf)?;
    std::fs::rename(&tmp, &path)?;
    Ok(OpenedDocument { of, path, pages: rendered.pages as u32, bytes: rendered.pdf.len() as u64 })
}

/// Each photo's picture by its original's hash: the blob the platform reads too
/// (`index_picture_blobs`: the thumbnail, which the phone never frees), so the bytes are the platform's.
fn pictures(s: &crate::protocol::SubmittedInspection, blobs: &BlobStore) -> BTreeMap<Digest, Vec<u8>> {
    let Some(ev) = &s.evidence else { return BTreeMap::new() };
    fieldcheck_documents::index_picture_blobs(ev)
        .into_iter()
        .filter_map(|(original, blob)| Some((original, blobs.read_verified(&blob.sha256).ok()?)))
        .collect()
}
