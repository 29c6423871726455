//! The client side of the sync protocol (see docs/sync-protocol.md): sign in once, then push the outbox
//! and pull the change log, with retries, backoff and progress for the UI.
//!
//! Safe to kill at any instant: an outbox entry leaves the device only when the platform's answer for
//! it is recorded (and the platform answers a re-sent entry with its stored outcome), and a pull page
//! commits together with its cursor. Pending pushes never block pulls.

mod backoff;
mod blobs;
mod error;
mod photos;

pub use backoff::Backoff;
pub use blobs::{UploadPolicy, UploadReport};
pub use error::SyncError;

use crate::domain::ids::DeviceId;
use crate::domain::organisation::User;
use crate::evidence::upload::{BlobRole, OriginalPolicy};
use crate::protocol::{Outcome, PROTOCOL_VERSION, PushRequest, PushResponse, WipeCounts, WipeReport};
use crate::store::{ReceivedPage, Store};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Tunables of a sync client.
#[derive(Clone, Debug)]
pub struct SyncOptions {
    /// Most mutations per push request (at most the protocol's `MAX_PUSH_MUTATIONS`; a push also stays
    /// within [`PUSH_BODY_BUDGET`]).
    pub push_batch: usize,
    /// Changes per pull page (at most the protocol's `MAX_PULL_PAGE`, the default: each page costs a round
    /// trip, long on a mobile network; a page cut off is pulled again whole, a few MB at most).
    pub pull_page: u32,
    pub backoff: Backoff,
    /// Per request, including the body.
    pub timeout: Duration,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            push_batch: 500,
            pull_page: limits::MAX_PULL_PAGE,
            backoff: Backoff::default(),
            timeout: Duration::from_secs(60),
        }
    }
}

use crate::protocol::limits;
pub use crate::protocol::limits::PUSH_BODY_BUDGET;

/// Counts for the UI, updated after every request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Mutations the platform applied.
    pub applied: usize,
    /// Mutations refused for good (now "needs attention").
    pub rejected: usize,
    /// Edits that lost to a newer value on the platform.
    pub conflicts: usize,
    /// Mutations still waiting in the outbox.
    pub pending: usize,
    /// Changes received and applied.
    pub pulled: usize,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    /// Requests retried after a transient failure.
    pub retries: u32,
    /// Photo blobs the platform confirmed in this cycle.
    pub blobs_confirmed: usize,
    /// Photo blobs left for later (upload policy, network, record not yet accepted).
    pub blobs_waiting: usize,
    /// Photos other devices cited on task steps, fetched in this cycle.
    pub photos_fetched: usize,
    /// The command centre ordered this device wiped (seen on the pull).
    pub wipe_ordered: bool,
    /// This cycle wiped the device: what it sent first and what was lost. The database and photo folder
    /// are erased; the app deletes its keys and shows the sign-in screen.
    pub wiped: Option<WipeReport>,
    /// Whether the platform received that report (after the bounded retries of every request); one it
    /// did not is kept by the app core (`app::wipe_report`) and sent on the next contact.
    pub wipe_reported: bool,
}

/// What `POST /v1/login` answers.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LoginResponse {
    /// Keep it in the platform's secure storage; it works for weeks, offline included.
    pub token: String,
    pub user: User,
    pub device: DeviceId,
    pub expires_at: DateTime<Utc>,
    pub server_time: DateTime<Utc>,
    pub protocol: u32,
}

/// A request sent ahead on a task of its own (the next pull page, a pipelined push) with the counts it
/// made; dropped unanswered (and its request cancelled) when the one before it fails.
struct Ahead<T>(tokio::task::JoinHandle<(Result<T, SyncError>, Progress)>);

impl<T> Ahead<T> {
    /// Its answer, once it comes, with its counts added to `progress`.
    async fn answer(mut self, progress: &mut Progress) -> Result<T, SyncError> {
        let (answer, counted) = match (&mut self.0).await {
            Ok(done) => done,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => return Err(SyncError::Offline(e.to_string())),
        };
        progress.bytes_sent += counted.bytes_sent;
        progress.bytes_received += counted.bytes_received;
        progress.retries += counted.retries;
        answer
    }
}

impl<T> Drop for Ahead<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A push sent and not yet answered.
struct SentPush {
    task: Ahead<PushResponse>,
    /// Its last sequence number, which the push sent behind it follows.
    last: u64,
    sent_at: DateTime<Utc>,
    /// It names the push before it.
    follows: bool,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    message: String,
}

/// Talks to one platform for one device.
#[derive(Clone)]
pub struct SyncClient {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
    options: SyncOptions,
    uploads: Option<blobs::Uploads>,
}

impl SyncClient {
    /// A client for the platform at `base_url` (e.g. `https://platform.example/`).
    pub fn new(base_url: &str, options: SyncOptions) -> Result<Self, SyncError> {
        let http = reqwest::Client::builder()
            .timeout(options.timeout)
            .build()
            .map_err(|e| SyncError::Offline(e.to_string()))?;
        Ok(SyncClient { http, base: base_url.trim_end_matches('/').to_string(), token: None, options, uploads: None })
    }

    /// Uses a token from an earlier sign-in.
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// Signs in with this database's device id and claims the database for the user.
    pub async fn login(&mut self, store: &Store, login: &str, password: &str) -> Result<LoginResponse, SyncError> {
        let device = store.device_id()?;
        // The device's public key lets the platform verify the evidence seals this device makes.
        let key = store.device_public_key()?;
        let body = serde_json::json!({ "login": login, "password": password, "device": device, "device_key": key });
        let mut progress = Progress::default();
        let response: LoginResponse =
            self.send(&mut progress, |http, base| http.post(format!("{base}/v1/login")).json(&body), 0).await?;
        store.sign_in(&response.user)?;
        self.token = Some(response.token.clone());
        Ok(response)
    }

    /// One full cycle: push the whole outbox, pull every page, then upload photo blobs and fetch the
    /// photos other devices cited on task steps (both if configured with [`SyncClient::with_uploads`]). The pull runs even when the push could not finish, and
    /// uploads come after it (pending pushes and uploads never block pulls); errors are returned afterwards.
    pub async fn sync(&self, store: &Store, on_progress: &mut dyn FnMut(&Progress)) -> Result<Progress, SyncError> {
        let mut progress = Progress { pending: store.outbox_len()?, ..Progress::default() };
        on_progress(&progress);
        let pushed = self.push_all(store, &mut progress, on_progress).await;
        if let Err(e @ SyncError::UpgradeRequired(_)) = pushed {
            return Err(e);
        }
        // Pulled even when the push was refused as unauthorised: the platform answers a wipe ordered for
        // this phone even after its token was revoked, so a lost phone revoked first still erases itself.
        let pulled = self.pull_all(store, &mut progress, on_progress).await;
        if progress.wipe_ordered {
            return self.wipe(store, progress, on_progress).await;
        }
        pushed?;
        pulled?;
        let uploaded = self.upload_blobs(store, &mut progress).await?;
        progress.blobs_confirmed = uploaded.confirmed;
        progress.blobs_waiting = uploaded.waiting;
        progress.photos_fetched = self.fetch_photos(store, &mut progress).await?;
        on_progress(&progress);
        Ok(progress)
    }

    /// Pushes the outbox in batches until it is empty (entries needing attention stay, unsent). Once the
    /// platform has said it keeps pipelined pushes in order ([`PushResponse::pipelining`]), the next batch
    /// is sent while the one before it is applied, naming it (`follows`): the platform applies it after,
    /// whichever arrives first. Answers are recorded in order; when a push fails, the one sent behind it
    /// is cancelled and its entries stay in the outbox.
    pub async fn push_all(
        &self,
        store: &Store,
        progress: &mut Progress,
        on_progress: &mut dyn FnMut(&Progress),
    ) -> Result<(), SyncError> {
        let (mut ahead, mut pipelining): (Option<SentPush>, bool) = (None, false);
        loop {
            let current = match ahead.take() {
                Some(sent) => sent,
                None => match self.start_push(store, None)? {
                    Some(sent) => sent,
                    None => return Ok(()),
                },
            };
            if pipelining {
                ahead = self.start_push(store, Some(current.last))?;
            }
            let response = match current.task.answer(progress).await {
                Ok(response) => response,
                // It followed a push the platform took too long over: the outbox goes again, in order.
                Err(SyncError::Refused { status: 409, .. }) if current.follows => {
                    (ahead, pipelining) = (None, false);
                    continue;
                }
                Err(e) => return Err(e),
            };
            pipelining = response.pipelining;
            // The answer is recorded before anything else: from here the entries are safe to drop.
            store.record_push_results(&response)?;
            store.record_clock_skew(current.sent_at, response.received_at)?;
            for r in &response.results {
                match r.outcome {
                    Outcome::Applied => progress.applied += 1,
                    Outcome::Rejected { .. } => progress.rejected += 1,
                    Outcome::Conflict { .. } => progress.conflicts += 1,
                }
            }
            progress.pending = store.outbox_len()?;
            on_progress(progress);
            if response.results.is_empty() {
                return Err(SyncError::Decode("the platform answered a push with no results".into()));
            }
        }
    }

    /// Sends the next batch of the outbox (after the push `follows` ended at, if given, naming it) on a
    /// task of its own; `None` when nothing is left to send.
    fn start_push(&self, store: &Store, follows: Option<u64>) -> Result<Option<SentPush>, SyncError> {
        let limit = self.options.push_batch.clamp(1, limits::MAX_PUSH_MUTATIONS);
        let mutations = store.pending_batch(follows.unwrap_or(0), limit, PUSH_BODY_BUDGET)?;
        let Some(last) = mutations.last().map(|m| m.seq) else { return Ok(None) };
        let sent_at = Utc::now();
        let request =
            PushRequest { protocol: PROTOCOL_VERSION, device: store.device_id()?, sent_at, mutations, follows };
        let body = serde_json::to_vec(&request).map_err(|e| SyncError::Decode(e.to_string()))?;
        let client = self.clone();
        let task = Ahead(tokio::spawn(async move {
            let (mut counted, sent) = (Progress::default(), body.len() as u64);
            let response = client
                .send(
                    &mut counted,
                    |http, base| {
                        http.post(format!("{base}/v1/sync/push"))
                            .header(reqwest::header::CONTENT_TYPE, "application/json")
                            .body(body.clone())
                    },
                    sent,
                )
                .await;
            (response, counted)
        }));
        Ok(Some(SentPush { task, last, sent_at, follows: follows.is_some() }))
    }

    /// Pulls pages until the platform has no more; each page commits with its cursor. The next page is
    /// asked for (and parsed) while the current one is written: it starts at the current page's cursor,
    /// which is exactly the cursor the store holds once that page is committed. If the page cannot be
    /// written, the next one is dropped unread and the store's cursor is unchanged.
    pub async fn pull_all(
        &self,
        store: &Store,
        progress: &mut Progress,
        on_progress: &mut dyn FnMut(&Progress),
    ) -> Result<(), SyncError> {
        let mut received = self.pull_page(store.cursor()?, progress).await?;
        loop {
            let page = &received.page;
            if page.wipe {
                progress.wipe_ordered = true;
                on_progress(progress);
                return Ok(());
            }
            let next = page.has_more.then(|| {
                let (client, cursor) = (self.clone(), page.cursor);
                Ahead(tokio::spawn(async move {
                    let mut counted = Progress::default();
                    let page = client.pull_page(cursor, &mut counted).await;
                    (page, counted)
                }))
            });
            store.apply_received(&received)?;
            progress.pulled += page.changes.len();
            on_progress(progress);
            let Some(next) = next else { return Ok(()) };
            received = next.answer(progress).await?;
        }
    }

    /// One pull page after `cursor`, retried like any request.
    async fn pull_page(&self, cursor: u64, progress: &mut Progress) -> Result<ReceivedPage, SyncError> {
        let limit = self.options.pull_page.clamp(1, limits::MAX_PULL_PAGE);
        self.send(
            progress,
            |http, base| {
                http.get(format!("{base}/v1/sync/pull")).query(&[
                    ("cursor", cursor),
                    ("limit", u64::from(limit)),
                    ("protocol", u64::from(PROTOCOL_VERSION)),
                ])
            },
            0,
        )
        .await
    }

    /// The command centre ordered this device wiped: push what is left and upload every photo file the
    /// network allows (originals whatever the upload policy: they would be lost otherwise), report what
    /// was sent and what was lost, then erase the database and the photo folder. The report goes before
    /// the erase, which happens even when the report could not be sent (the order stands).
    async fn wipe(
        &self,
        store: &Store,
        mut progress: Progress,
        on_progress: &mut dyn FnMut(&Progress),
    ) -> Result<Progress, SyncError> {
        let _ = self.push_all(store, &mut progress, on_progress).await;
        if let Ok(uploaded) = self.upload_pass(store, &mut progress, Some(OriginalPolicy::Immediately)).await {
            progress.blobs_confirmed = uploaded.confirmed;
        }
        let count = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
        let photos_left = store.pending_blobs()?.iter().filter(|p| p.role != BlobRole::Thumbnail).count();
        let report = WipeReport {
            sent: WipeCounts {
                changes: count(progress.applied + progress.rejected + progress.conflicts),
                photos: count(progress.blobs_confirmed),
            },
            lost: WipeCounts { changes: count(store.outbox_len()?), photos: count(photos_left) },
        };
        // The order stands whether or not the report goes (retried with backoff like every request): this
        // phone erases itself all the same, and the app core keeps an unsent report for the next contact.
        progress.wipe_reported = self.report_wipe(&report, &mut progress).await.is_ok();
        store.erase()?;
        if let Some(uploads) = &self.uploads {
            uploads.blobs.erase_all().map_err(|e| SyncError::Store(crate::store::StoreError::decode("photos", e)))?;
        }
        progress.pending = 0;
        progress.wiped = Some(report);
        on_progress(&progress);
        Ok(progress)
    }

    /// Reports a wipe to the platform (`POST /v1/sync/wiped`), with the usual retries. The platform takes
    /// it once, even from a device revoked meanwhile; sending it again is answered the same.
    pub async fn report_wipe(&self, report: &WipeReport, progress: &mut Progress) -> Result<(), SyncError> {
        let _: serde_json::Value =
            self.send(progress, |http, base| http.post(format!("{base}/v1/sync/wiped")).json(report), 0).await?;
        Ok(())
    }

    /// Sends a request (rebuilt for each attempt), retrying transient failures with backoff.
    async fn send<T: DeserializeOwned>(
        &self,
        progress: &mut Progress,
        build: impl Fn(&reqwest::Client, &str) -> reqwest::RequestBuilder,
        body_len: u64,
    ) -> Result<T, SyncError> {
        let mut retry = 0;
        loop {
            let mut request = build(&self.http, &self.base);
            if let Some(token) = &self.token {
                request = request.bearer_auth(token);
            }
            progress.bytes_sent += body_len;
            match self.attempt(request, progress).await {
                Err(e) if e.is_transient() && retry + 1 < self.options.backoff.attempts => {
                    tokio::time::sleep(self.options.backoff.delay(retry)).await;
                    retry += 1;
                    progress.retries += 1;
                }
                other => return other,
            }
        }
    }

    /// Sends a request once, without retrying: the caller decides how to go on after a failure.
    async fn send_once<T: DeserializeOwned>(
        &self,
        progress: &mut Progress,
        request: reqwest::RequestBuilder,
        body_len: u64,
    ) -> Result<T, SyncError> {
        let request = match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        };
        progress.bytes_sent += body_len;
        self.attempt(request, progress).await
    }

    async fn attempt<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
        progress: &mut Progress,
    ) -> Result<T, SyncError> {
        let response = request.send().await.map_err(|e| SyncError::Offline(e.to_string()))?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        // A connection cut mid-body is transient like any other network failure.
        let bytes = response.bytes().await.map_err(|e| SyncError::Offline(e.to_string()))?;
        progress.bytes_received += bytes.len() as u64;
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(|e| SyncError::Decode(e.to_string()));
        }
        let message = serde_json::from_slice::<ErrorBody>(&bytes).map(|b| b.message).unwrap_or_default();
        Err(match status.as_u16() {
            401 => SyncError::Unauthorized(message),
            426 => SyncError::UpgradeRequired(message),
            429 => SyncError::Throttled { retry_after_secs: retry_after.unwrap_or(60) },
            500..=599 | 408 => SyncError::Offline(format!("{status}: {message}")),
            code => SyncError::Refused { status: code, message },
        })
    }
}
