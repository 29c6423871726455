//! The entry point the app holds for its whole life: one per data folder.

use crate::changes::{ChangeHub, ChangeListener, Subscription};
use crate::diagnostics::Live;
use crate::error::{FieldcheckError, Result};
use crate::templates::TemplatesClient;
use fieldcheck_core::checklists;
use fieldcheck_core::domain::template::ChecklistTemplate;
use std::path::PathBuf;
use std::sync::Arc;

/// Fieldcheck on this device: opens the data folder and hands out one sub-client per area.
#[derive(uniffi::Object)]
pub struct FieldcheckClient {
    data_dir: PathBuf,
    templates: Arc<Vec<ChecklistTemplate>>,
    changes: ChangeHub,
    _live: Live,
}

#[uniffi::export]
impl FieldcheckClient {
    /// Opens (creating if needed) the app's data folder, e.g. `context.filesDir` on Android.
    #[uniffi::constructor]
    pub fn open(data_dir: String) -> Result<Arc<Self>> {
        if data_dir.trim().is_empty() {
            return Err(FieldcheckError::InvalidInput("the data folder path is empty / 数据目录为空".into()));
        }
        let data_dir = PathBuf::from(data_dir);
        std::fs::create_dir_all(&data_dir)?;
        if !std::fs::metadata(&data_dir)?.is_dir() {
            return Err(FieldcheckError::Storage(format!("{} is not a folder / 不是目录", data_dir.display())));
        }
        Ok(Arc::new(Self {
            data_dir,
            templates: Arc::new(checklists::bundled()),
            changes: ChangeHub::new(),
            _live: Live::new(),
        }))
    }

    /// The folder this client keeps its data in.
    pub fn data_dir(&self) -> String {
        self.data_dir.display().to_string()
    }

    /// Checklist templates: listing, rendering and assessing answers.
    pub fn templates(&self) -> Arc<TemplatesClient> {
        Arc::new(TemplatesClient::new(self.templates.clone()))
    }

    /// Calls `listener` for every change made on this device from now on, until the returned
    /// handle is cancelled or released.
    pub fn observe_changes(&self, listener: Arc<dyn ChangeListener>) -> Result<Arc<Subscription>> {
        self.changes.subscribe(listener)
    }
}
