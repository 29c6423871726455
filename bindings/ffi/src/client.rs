//! The entry point the app holds for its whole life: one per data folder.

use crate::alarms::AlarmsClient;
use crate::app::capabilities::{Secure, SecureStore};
use crate::changes::{Change, ChangeListener, Hub, Subscription};
use crate::diagnostics::Live;
use crate::enterprises::EnterprisesClient;
use crate::error::{FieldcheckError, Result};
use crate::inspections::InspectionsClient;
use crate::rows::Rows;
use crate::sync::{SyncSession, SyncStatus};
use crate::tasks::TasksClient;
use crate::templates::TemplatesClient;
use crate::views::{TodayView, UserView};
use fieldcheck_core::app::at_rest::{self, DATABASE_FILE, PHOTO_FOLDER};
use fieldcheck_core::evidence::upload::Network;
use fieldcheck_core::evidence::{BlobStore, Digest, Ingestor, Limits};
use fieldcheck_core::store::Store;
use std::path::PathBuf;
use std::sync::Arc;
use uuid::Uuid;

/// What every sub-client shares: the store, the photo ingestor and where changes are announced.
pub(crate) struct Shared {
    pub(crate) store: Store,
    pub(crate) ingestor: Ingestor,
    pub(crate) changes: Hub<Change>,
    pub(crate) sync: SyncSession,
    pub(crate) sync_status: Hub<SyncStatus>,
    /// A sync carried out a wipe order; the app core deletes the keys and signs out on its next call
    /// (keeping the report when the platform did not receive it: the inner value).
    pub(crate) wiped: std::sync::Mutex<Option<Option<fieldcheck_core::protocol::WipeReport>>>,
}

/// Fieldcheck on this device: opens the data folder and hands out one sub-client per area.
#[derive(uniffi::Object)]
pub struct FieldcheckClient {
    data_dir: PathBuf,
    shared: Arc<Shared>,
    _live: Live,
}

#[uniffi::export]
impl FieldcheckClient {
    /// Opens (creating and migrating if needed) the app's data folder, e.g. `context.filesDir`, kept in
    /// clear (tools and tests; the apps use `open_encrypted`).
    #[uniffi::constructor]
    pub fn open(data_dir: String) -> Result<Arc<Self>> {
        let data_dir = folder(data_dir)?;
        let store = Store::open(data_dir.join(DATABASE_FILE))?;
        let ingestor = Ingestor::new(BlobStore::open(data_dir.join(PHOTO_FOLDER))?, Limits::default());
        Self::with(data_dir, store, ingestor)
    }

    /// Opens the app's data folder with the database (SQLCipher) and every photo file (XChaCha20-Poly1305)
    /// encrypted at rest, under keys kept by `secure_store` (Keystore / Keychain): made on the first
    /// launch; data an earlier version kept in clear is encrypted in place.
    #[uniffi::constructor]
    pub fn open_encrypted(data_dir: String, secure_store: Arc<dyn SecureStore>) -> Result<Arc<Self>> {
        let data_dir = folder(data_dir)?;
        let (store, ingestor) = at_rest::open_device(&data_dir, &Secure(secure_store))?;
        Self::with(data_dir, store, ingestor)
    }

    /// The bytes of a photo file this client keeps (a view's `thumbnail_path`), opened if sealed: the
    /// apps decode these, since the file itself is encrypted.
    pub fn photo_bytes(&self, path: String) -> Result<Vec<u8>> {
        let blobs = self.shared.ingestor.blobs();
        let path = PathBuf::from(path);
        let digest = path.file_name().and_then(|n| n.to_str()).and_then(|n| n.parse::<Digest>().ok());
        match digest {
            Some(digest) if blobs.path(&digest) == path => Ok(blobs.read_verified(&digest)?),
            _ => Err(FieldcheckError::InvalidInput(format!(
                "not a photo of this app / 非本应用照片: {}",
                path.display()
            ))),
        }
    }
}

fn folder(data_dir: String) -> Result<PathBuf> {
    if data_dir.trim().is_empty() {
        return Err(FieldcheckError::InvalidInput("the data folder path is empty / 数据目录为空".into()));
    }
    let data_dir = PathBuf::from(data_dir);
    std::fs::create_dir_all(&data_dir)?;
    Ok(data_dir)
}

impl FieldcheckClient {
    fn with(data_dir: PathBuf, store: Store, ingestor: Ingestor) -> Result<Arc<Self>> {
        let sync = SyncSession::new();
        // The user's upload choice from an earlier launch; the network is unknown until the app says.
        sync.set_upload_policy(store.originals_policy()?, Network::Metered);
        Ok(Arc::new(Self {
            data_dir,
            shared: Arc::new(Shared {
                store,
                ingestor,
                changes: Hub::new(),
                sync,
                sync_status: Hub::new(),
                wiped: std::sync::Mutex::new(None),
            }),
            _live: Live::new(),
        }))
    }
}

#[uniffi::export]
impl FieldcheckClient {
    /// The folder this client keeps its data in.
    pub fn data_dir(&self) -> String {
        self.data_dir.display().to_string()
    }

    /// This installation's device id (numbers its outbox; never changes).
    pub fn device_id(&self) -> Result<Uuid> {
        Ok(self.shared.store.device_id()?.0)
    }

    /// The signed-in user, if any.
    pub fn current_user(&self) -> Result<Option<UserView>> {
        Ok(self.shared.store.session()?.map(|s| s.user.into()))
    }

    /// Officers an inspection team can be picked from (those of the user's jurisdiction), by name.
    pub fn officers(&self) -> Result<Vec<UserView>> {
        Ok(self.shared.store.officers()?.into_iter().map(Into::into).collect())
    }

    /// The home screen: alarms to answer, re-inspections due, unfinished inspections.
    pub fn today(&self) -> Result<TodayView> {
        let store = &self.shared.store;
        let today = store.today(store.now())?;
        let enterprises = today.alarms.iter().map(|a| a.enterprise);
        let enterprises = enterprises.chain(today.reinspections.iter().map(|t| t.task.enterprise));
        let rows = Rows::new(&self.shared, enterprises.chain(today.inspections.iter().map(|i| i.enterprise)))?;
        Ok(TodayView {
            alarms: today.alarms.iter().map(|a| rows.alarm(a)).collect::<Result<_>>()?,
            reinspections: today.reinspections.iter().map(|t| rows.task(&t.task, t.overdue)).collect::<Result<_>>()?,
            inspections: today.inspections.iter().map(|i| rows.inspection(i)).collect::<Result<_>>()?,
        })
    }

    /// Changes not yet sent to the platform.
    pub fn pending_changes(&self) -> Result<u64> {
        Ok(u64::try_from(self.shared.store.outbox_len()?).unwrap_or(u64::MAX))
    }

    /// Checklist templates: listing, rendering and assessing answers.
    pub fn templates(&self) -> Arc<TemplatesClient> {
        Arc::new(TemplatesClient::new(self.shared.clone()))
    }

    /// Enterprises in the user's jurisdiction.
    pub fn enterprises(&self) -> Arc<EnterprisesClient> {
        Arc::new(EnterprisesClient::new(self.shared.clone()))
    }

    /// On-site inspections: start, answer, record findings, submit.
    pub fn inspections(&self) -> Arc<InspectionsClient> {
        Arc::new(InspectionsClient::new(self.shared.clone()))
    }

    /// Rectification tasks: list, timeline, transitions.
    pub fn tasks(&self) -> Arc<TasksClient> {
        Arc::new(TasksClient::new(self.shared.clone()))
    }

    /// Alarms assigned to the user: arrival and on-site feedback.
    pub fn alarms(&self) -> Arc<AlarmsClient> {
        Arc::new(AlarmsClient::new(self.shared.clone()))
    }

    /// Calls `listener` for every change made through this client from now on, until the returned
    /// handle is cancelled or released.
    pub fn observe_changes(&self, listener: Arc<dyn ChangeListener>) -> Result<Arc<Subscription>> {
        self.shared.changes.subscribe(Arc::new(move |change| listener.on_change(change)))
    }
}

impl FieldcheckClient {
    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }
}
