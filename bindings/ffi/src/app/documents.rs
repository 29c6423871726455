//! Documents on the phone: the record and the orders printed offline by the core
//! (`AppEvent::OpenDocument`), previewed from the file the view model names and shared through the
//! app's share sheet (`DocumentSharer`); the enterprise's order read back before it signs for it.

use fieldcheck_core::app::{DocumentRef, OpenedDocument, OrderSigning, Share};
use fieldcheck_core::domain::ids::{InspectionId, TaskId};
use std::path::Path;
use std::sync::Arc;
use uuid::Uuid;

/// Which document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum DocumentKind {
    /// The inspection record of a submitted inspection.
    Record { inspection: Uuid },
    /// The rectification order of a task.
    Order { task: Uuid },
}

impl From<DocumentKind> for DocumentRef {
    fn from(k: DocumentKind) -> Self {
        match k {
            DocumentKind::Record { inspection } => Self::Record(InspectionId(inspection)),
            DocumentKind::Order { task } => Self::Order(TaskId(task)),
        }
    }
}

impl From<DocumentRef> for DocumentKind {
    fn from(r: DocumentRef) -> Self {
        match r {
            DocumentRef::Record(id) => Self::Record { inspection: id.0 },
            DocumentRef::Order(id) => Self::Order { task: id.0 },
        }
    }
}

/// The document last printed: preview it (PdfRenderer / PDFKit) from `path`.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DocumentView {
    pub kind: DocumentKind,
    pub path: String,
    pub pages: u32,
    pub bytes: u64,
}

impl From<&OpenedDocument> for DocumentView {
    fn from(d: &OpenedDocument) -> Self {
        DocumentView { kind: d.of.into(), path: d.path.display().to_string(), pages: d.pages, bytes: d.bytes }
    }
}

/// The order as read back to the enterprise: show `text`, then the pad.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct OrderSigningView {
    pub task: Uuid,
    pub text: String,
    pub sha256: String,
    /// Who may sign for the enterprise (legal representative, contact, the account holder); offer the
    /// first, let the person pick another.
    pub signers: Vec<String>,
}

impl From<&OrderSigning> for OrderSigningView {
    fn from(s: &OrderSigning) -> Self {
        OrderSigningView {
            task: s.task.0,
            text: s.read_back.text.clone(),
            sha256: s.read_back.sha256.clone(),
            signers: s.signers.clone(),
        }
    }
}

/// Android's share sheet (a FileProvider URI of `path`) / iOS's UIActivityViewController.
#[uniffi::export(with_foreign)]
pub trait DocumentSharer: Send + Sync {
    fn share(&self, path: String, mime_type: String, title: String);
}

pub(super) struct Sharer(pub Arc<dyn DocumentSharer>);

impl Share for Sharer {
    fn share(&self, path: &Path, mime_type: &str, title: &str) {
        self.0.share(path.display().to_string(), mime_type.into(), title.into());
    }
}
