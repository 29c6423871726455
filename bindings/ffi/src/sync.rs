//! Signing in against the platform and syncing: async calls (HTTP through the core's sync client on
//! tokio), with progress and status for the UI through a listener.

use crate::changes::{ChangeKind, Lagged, Subscription};
use crate::client::{FieldcheckClient, Shared};
use crate::custom_types::Timestamp;
use crate::error::{FieldcheckError, Result};
use crate::runtime::runtime;
use crate::views::UserView;
use chrono::Utc;
use fieldcheck_core::evidence::upload::{Network, OriginalPolicy};
use fieldcheck_core::sync::{Progress, SyncClient, SyncError, SyncOptions, UploadPolicy};
use std::sync::{Arc, Mutex, PoisonError};

/// Where a sync stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SyncState {
    /// No sync has run since the app started.
    Idle,
    Running,
    Succeeded,
    /// The last sync stopped; `error` says why and what to do. Nothing was lost.
    Failed,
}

/// Counts of one sync, updated after every request.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct SyncProgress {
    /// Changes the platform applied.
    pub applied: u64,
    /// Changes the platform refused for good (shown as "needs attention").
    pub rejected: u64,
    /// Edits that lost to a newer value on the platform (the losing value is kept).
    pub conflicts: u64,
    /// Changes still waiting to be sent.
    pub pending: u64,
    /// Changes received from the platform.
    pub pulled: u64,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    pub retries: u32,
    /// Photo files the platform confirmed in this sync.
    pub photos_uploaded: u64,
    /// Photo files left for later (upload policy, network, or their record not yet accepted).
    pub photos_waiting: u64,
    /// Photos taken on other devices and cited on task steps, fetched to show here.
    pub photos_fetched: u64,
    /// The command centre ordered this phone wiped and this sync did it: what could be sent was sent,
    /// the database and photos are erased (`AppCore` then deletes the keys and signs out).
    pub wiped: bool,
}

impl From<&Progress> for SyncProgress {
    fn from(p: &Progress) -> Self {
        let n = |x: usize| u64::try_from(x).unwrap_or(u64::MAX);
        Self {
            applied: n(p.applied),
            rejected: n(p.rejected),
            conflicts: n(p.conflicts),
            pending: n(p.pending),
            pulled: n(p.pulled),
            bytes_sent: p.bytes_sent,
            bytes_received: p.bytes_received,
            retries: p.retries,
            photos_uploaded: n(p.blobs_confirmed),
            photos_waiting: n(p.blobs_waiting),
            photos_fetched: n(p.photos_fetched),
            wiped: p.wiped.is_some(),
        }
    }
}

/// What the sync indicator shows.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SyncStatus {
    pub state: SyncState,
    pub progress: SyncProgress,
    /// Why the last sync failed, for a person.
    pub error: Option<String>,
    pub last_success_at: Option<Timestamp>,
    /// Changes on this device not yet accepted by the platform.
    pub pending_changes: u64,
    /// Changes the platform refused for good: list them with `needsAttention()`.
    pub needs_attention: u64,
    /// Server clock minus device clock in milliseconds, as measured at the last push.
    pub clock_skew_ms: Option<i64>,
    /// The device clock is off by more than the core's tolerance (5 minutes): ask the user to fix it.
    pub clock_skew_warning: bool,
}

impl Lagged for SyncStatus {
    fn lagged() -> Self {
        // Never sent as such: a status listener that fell behind gets the current status instead.
        SyncStatus {
            state: SyncState::Idle,
            progress: SyncProgress::default(),
            error: None,
            last_success_at: None,
            pending_changes: 0,
            needs_attention: 0,
            clock_skew_ms: None,
            clock_skew_warning: false,
        }
    }
}

/// Fills in what the store knows now: outbox counts and the measured clock skew. A store error leaves
/// the previous figures (the status line is no place to fail).
fn refresh(shared: &Shared, status: &mut SyncStatus) {
    let n = |x: usize| u64::try_from(x).unwrap_or(u64::MAX);
    if let Ok(counts) = shared.store.outbox_counts() {
        status.pending_changes = n(counts.pending);
        status.needs_attention = n(counts.needs_attention);
    }
    if let Ok(skew) = shared.store.clock_skew() {
        status.clock_skew_ms = skew.map(|s| s.server_minus_device.num_milliseconds());
        status.clock_skew_warning = skew.is_some_and(|s| s.needs_warning());
    }
}

/// Implemented by the app to follow syncs.
#[uniffi::export(with_foreign)]
pub trait SyncListener: Send + Sync {
    /// Called on a background thread when a sync starts, after every request, and when it ends.
    fn on_status(&self, status: SyncStatus);
}

/// The signed-in connection to the platform, and the latest status.
pub(crate) struct SyncSession {
    client: Mutex<Option<SyncClient>>,
    /// Kept here too, so a client made at a later sign-in starts with it.
    uploads: Mutex<UploadPolicy>,
    status: Mutex<SyncStatus>,
    /// One sync at a time: a second call waits for the first, then runs its own cycle.
    running: tokio::sync::Mutex<()>,
}

impl SyncSession {
    pub(crate) fn new() -> Self {
        Self {
            client: Mutex::new(None),
            uploads: Mutex::new(UploadPolicy::default()),
            status: Mutex::new(SyncStatus::lagged()),
            running: tokio::sync::Mutex::new(()),
        }
    }

    fn client(&self) -> Option<SyncClient> {
        self.client.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn set_client(&self, client: SyncClient) {
        *self.client.lock().unwrap_or_else(PoisonError::into_inner) = Some(client);
    }

    /// Forgets the client and its token (a wipe).
    fn clear_client(&self) {
        *self.client.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }

    fn status(&self) -> SyncStatus {
        self.status.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn upload_policy(&self) -> UploadPolicy {
        *self.uploads.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Changes when originals upload and what the network costs, for this client and later ones.
    pub(crate) fn set_upload_policy(&self, originals: OriginalPolicy, network: Network) {
        let policy = {
            let mut slot = self.uploads.lock().unwrap_or_else(PoisonError::into_inner);
            slot.originals = originals;
            slot.network = network;
            *slot
        };
        if let Some(client) = self.client() {
            client.set_upload_policy(policy);
        }
    }
}

/// Records and announces a new status.
pub(crate) fn report(shared: &Shared, change: impl FnOnce(&mut SyncStatus)) {
    let status = {
        let mut status = shared.sync.status.lock().unwrap_or_else(PoisonError::into_inner);
        change(&mut status);
        refresh(shared, &mut status);
        status.clone()
    };
    shared.sync_status.publish(status);
}

impl From<SyncError> for FieldcheckError {
    fn from(e: SyncError) -> Self {
        let message = e.to_string();
        match e {
            SyncError::Offline(_) | SyncError::Throttled { .. } => Self::Network(message),
            SyncError::Unauthorized(_) => Self::SignInRequired(message),
            SyncError::UpgradeRequired(_) => Self::NotAllowed(message),
            SyncError::Refused { .. } | SyncError::Decode(_) => Self::Internal(message),
            SyncError::Store(s) => s.into(),
        }
    }
}

/// A client for the platform that uploads photo blobs from the data folder under the current policy.
fn new_client(shared: &Shared, platform_url: &str) -> Result<SyncClient> {
    let url = platform_url.trim();
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(FieldcheckError::InvalidInput(format!(
            "the platform address must start with https:// / 平台地址须以 https:// 开头: {url:?}"
        )));
    }
    let blobs = shared.ingestor.blobs().clone();
    Ok(SyncClient::new(url, SyncOptions::default())?.with_uploads(blobs, shared.sync.upload_policy()))
}

/// The session after signing in: who, and the token to keep in the platform's secure storage.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SignedIn {
    pub user: UserView,
    /// Keep it in the Keychain / Keystore and pass it to `resumeSession` after a restart.
    pub token: String,
    pub expires_at: Timestamp,
}

#[uniffi::export(async_runtime = "tokio")]
impl FieldcheckClient {
    /// Signs in against the platform at `platform_url` and claims this device's database for the user.
    pub async fn sign_in(&self, platform_url: String, login: String, password: String) -> Result<SignedIn> {
        let shared = self.shared().clone();
        let mut client = new_client(&shared, &platform_url)?;
        let response = client.login(&shared.store, &login, &password).await?;
        shared.sync.set_client(client);
        shared.changes.changed(ChangeKind::Everything, None);
        Ok(SignedIn { user: response.user.into(), token: response.token, expires_at: response.expires_at })
    }

    /// Pushes every waiting change, then pulls the platform's changes; returns the counts. Progress
    /// reaches `observe_sync` listeners as it goes.
    pub async fn sync(&self) -> Result<SyncProgress> {
        let shared = self.shared().clone();
        let client = shared
            .sync
            .client()
            .ok_or_else(|| FieldcheckError::SignInRequired("sign in before syncing / 请先登录".into()))?;
        let _one_at_a_time = shared.sync.running.lock().await;
        report(&shared, |s| {
            s.state = SyncState::Running;
            s.error = None;
        });
        // The core's sync future borrows a progress callback and so is not `Send`: it runs to the end on
        // one of the runtime's blocking threads, and this call awaits that thread.
        let runtime = runtime()?;
        let handle = runtime.handle().clone();
        let worker = shared.clone();
        let outcome = runtime
            .spawn_blocking(move || {
                let mut on_progress = |p: &Progress| report(&worker, |s| s.progress = p.into());
                handle.block_on(client.sync(&worker.store, &mut on_progress))
            })
            .await
            .map_err(|e| FieldcheckError::Internal(format!("sync stopped: {e}")))?;
        // Whatever happened, pulled pages are committed: screens should reload.
        shared.changes.changed(ChangeKind::Everything, None);
        match outcome {
            Ok(progress) => {
                if let Some(report) = &progress.wiped {
                    shared.sync.clear_client();
                    let unsent = (!progress.wipe_reported).then(|| report.clone());
                    *shared.wiped.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(unsent);
                }
                let progress = SyncProgress::from(&progress);
                report(&shared, |s| {
                    s.state = SyncState::Succeeded;
                    s.progress = progress.clone();
                    s.last_success_at = Some(Utc::now());
                });
                Ok(progress)
            }
            Err(e) => {
                let error = FieldcheckError::from(e);
                report(&shared, |s| {
                    s.state = SyncState::Failed;
                    s.error = Some(error.to_string());
                });
                Err(error)
            }
        }
    }
}

#[uniffi::export]
impl FieldcheckClient {
    /// Uses a token from an earlier sign-in (kept by the app in secure storage) after a restart.
    pub fn resume_session(&self, platform_url: String, token: String) -> Result<()> {
        if self.shared().store.session()?.is_none() {
            return Err(FieldcheckError::SignInRequired("no user has signed in on this device / 请先登录".into()));
        }
        self.shared().sync.set_client(new_client(self.shared(), &platform_url)?.with_token(token));
        Ok(())
    }

    /// The latest sync status, with the outbox counts and clock skew as they are now.
    pub fn sync_status(&self) -> SyncStatus {
        let mut status = self.shared().sync.status();
        refresh(self.shared(), &mut status);
        status
    }

    /// Calls `listener` with every sync status from now on, until the handle is cancelled or released.
    pub fn observe_sync(&self, listener: Arc<dyn SyncListener>) -> Result<Arc<Subscription>> {
        let sync = Arc::downgrade(self.shared());
        self.shared().sync_status.subscribe(Arc::new(move |status: SyncStatus| {
            // A lagged listener is sent the real current status, not the placeholder.
            let status = match (&status.state, sync.upgrade()) {
                (SyncState::Idle, Some(shared)) => {
                    let mut status = shared.sync.status();
                    refresh(&shared, &mut status);
                    status
                }
                _ => status,
            };
            listener.on_status(status);
        }))
    }
}
