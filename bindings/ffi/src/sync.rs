//! Signing in against the platform and syncing: async calls (HTTP through the core's sync client on
//! tokio), with progress and status for the UI through a listener.

use crate::changes::{ChangeKind, Lagged, Subscription};
use crate::client::{FieldcheckClient, Shared};
use crate::custom_types::Timestamp;
use crate::error::{FieldcheckError, Result};
use crate::runtime::runtime;
use crate::views::UserView;
use chrono::Utc;
use fieldcheck_core::sync::{Progress, SyncClient, SyncError, SyncOptions};
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
}

impl Lagged for SyncStatus {
    fn lagged() -> Self {
        // Never sent as such: a status listener that fell behind gets the current status instead.
        SyncStatus { state: SyncState::Idle, progress: SyncProgress::default(), error: None, last_success_at: None }
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
    status: Mutex<SyncStatus>,
    /// One sync at a time: a second call waits for the first, then runs its own cycle.
    running: tokio::sync::Mutex<()>,
}

impl SyncSession {
    pub(crate) fn new() -> Self {
        Self {
            client: Mutex::new(None),
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

    fn status(&self) -> SyncStatus {
        self.status.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

/// Records and announces a new status.
fn report(shared: &Shared, change: impl FnOnce(&mut SyncStatus)) {
    let status = {
        let mut status = shared.sync.status.lock().unwrap_or_else(PoisonError::into_inner);
        change(&mut status);
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

fn new_client(platform_url: &str) -> Result<SyncClient> {
    let url = platform_url.trim();
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(FieldcheckError::InvalidInput(format!(
            "the platform address must start with https:// / 平台地址须以 https:// 开头: {url:?}"
        )));
    }
    Ok(SyncClient::new(url, SyncOptions::default())?)
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
        let mut client = new_client(&platform_url)?;
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
        self.shared().sync.set_client(new_client(&platform_url)?.with_token(token));
        Ok(())
    }

    /// The latest sync status.
    pub fn sync_status(&self) -> SyncStatus {
        self.shared().sync.status()
    }

    /// Calls `listener` with every sync status from now on, until the handle is cancelled or released.
    pub fn observe_sync(&self, listener: Arc<dyn SyncListener>) -> Result<Arc<Subscription>> {
        let sync = Arc::downgrade(self.shared());
        self.shared().sync_status.subscribe(Arc::new(move |status: SyncStatus| {
            // A lagged listener is sent the real current status, not the placeholder.
            let status = match (&status.state, sync.upgrade()) {
                (SyncState::Idle, Some(shared)) => shared.sync.status(),
                _ => status,
            };
            listener.on_status(status);
        }))
    }
}
