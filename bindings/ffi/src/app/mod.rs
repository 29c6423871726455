//! `AppCore`: the app core (`fieldcheck_core::app`) for the phone apps. The app sends `AppEvent`s and
//! renders the `AppViewModel` each returns: the route with the data of its screen, banners, the last
//! message, the sync status. Navigation, typed answers, photos and when to sync are the core's; this
//! module converts and reads the current screen's data through the sub-clients.

pub(crate) mod capabilities;
mod documents;
mod event;
mod signing;
mod team;
mod view;

pub use capabilities::{
    BackgroundScheduler, CameraDevice, ConnectivityMonitor, LocationProvider, LocationReading, SecureStore, Shot,
};
pub use documents::{DocumentKind, DocumentSharer, DocumentView, OrderSigningView};
pub use event::{AnswerChoice, AppEvent, AppRoute, InspectionOrigin, PhotoFor};
pub use signing::{PadPoint, PadStroke, Signer, SignerSlotView, SigningView};
pub use team::{CandidateView, TeamPickerView};
pub use view::{AppViewModel, BannerKind, BannerView, DraftView, ScreenData};

use crate::changes::ChangeKind;
use crate::client::FieldcheckClient;
use crate::error::Result;
use fieldcheck_core::app::{App, Event};
use std::sync::{Arc, Mutex, PoisonError};

/// The app core over one client and the phone's capabilities. Calls block while the core works (a
/// photo is decoded and hashed): make them off the UI thread.
#[derive(uniffi::Object)]
pub struct AppCore {
    client: Arc<FieldcheckClient>,
    app: Mutex<App>,
}

#[uniffi::export(async_runtime = "tokio")]
impl AppCore {
    #[uniffi::constructor]
    pub fn new(
        client: Arc<FieldcheckClient>,
        location: Arc<dyn LocationProvider>,
        camera: Arc<dyn CameraDevice>,
        secure_store: Arc<dyn SecureStore>,
        background: Arc<dyn BackgroundScheduler>,
        connectivity: Arc<dyn ConnectivityMonitor>,
    ) -> Arc<Self> {
        let caps = capabilities::capabilities(location, camera, secure_store, background, connectivity);
        Arc::new(Self { client, app: Mutex::new(App::new(caps)) })
    }

    /// At launch: the device key and the session come back from secure storage (no sign-in after a
    /// restart), and background sync is scheduled.
    pub fn start(&self) -> Result<AppViewModel> {
        let shared = self.client.shared();
        let saved = self.lock().saved_session(&shared.store)?;
        if let Some(saved) = saved {
            self.client.resume_session(saved.platform_url, saved.token)?;
        }
        Ok(self.send(Event::Started))
    }

    /// Handles one event and returns what to show.
    pub fn handle(&self, event: AppEvent) -> AppViewModel {
        if let Some(vm) = self.after_wipe() {
            return vm;
        }
        if let AppEvent::NetworkChanged { network } = &event {
            // The upload policy follows the connection (a failure only leaves the old network in place).
            let originals = self.client.shared().store.originals_policy();
            if let Ok(originals) = originals {
                let _ = self.client.set_upload_policy(originals, *network);
            }
        }
        self.send(event.into())
    }

    /// What to show now (e.g. after the background sync changed data, or wiped the phone).
    pub fn view(&self) -> AppViewModel {
        if let Some(vm) = self.after_wipe() {
            return vm;
        }
        view::build(&self.client, &self.lock().view(&self.client.shared().store))
    }

    /// Signs in; the token goes to secure storage and a first sync is asked of the background work.
    pub async fn sign_in(&self, platform_url: String, login: String, password: String) -> Result<AppViewModel> {
        self.deliver_wipe_report().await;
        let signed_in = self.client.sign_in(platform_url.clone(), login, password).await?;
        Ok(self.send(Event::SignedIn { platform_url, token: signed_in.token }))
    }

    /// The font records and orders are printed with (the system CJK font, e.g.
    /// `/system/fonts/NotoSansCJK-Regular.ttc`, `face` its index in a collection) and the folder the
    /// files go to (the app's cache, exposed to the share sheet by its file provider).
    pub fn set_document_printing(&self, font_path: String, face: u32, dir: String) -> Result<()> {
        let bytes = std::fs::read(&font_path)
            .map_err(|e| crate::error::FieldcheckError::InvalidInput(format!("document font {font_path}: {e}")))?;
        let font = fieldcheck_core::documents::DocumentFont::with_index(bytes, face)
            .map_err(|e| crate::error::FieldcheckError::InvalidInput(e.to_string()))?;
        self.lock().set_printing(fieldcheck_core::app::Printing { font: Arc::new(font), dir: dir.into() });
        Ok(())
    }

    /// The share sheet `AppEvent.ShareDocument` hands the document to.
    pub fn set_document_sharer(&self, sharer: Arc<dyn DocumentSharer>) {
        self.lock().set_share(Arc::new(documents::Sharer(sharer)));
    }

    /// Syncs now (the background worker's call, and the sync button's through `SyncRequested`); a
    /// failure is in the view model's sync status, with nothing lost.
    pub async fn sync(&self) -> AppViewModel {
        self.deliver_wipe_report().await;
        let _ = self.client.sync().await;
        self.view()
    }
}

impl AppCore {
    /// Once after a sync carried out a wipe order (whoever called the sync): keys deleted, signed out.
    fn after_wipe(&self) -> Option<AppViewModel> {
        let wiped = self.client.shared().wiped.lock().unwrap_or_else(PoisonError::into_inner).take();
        wiped.map(|unsent_report| self.send(Event::Wiped { unsent_report }))
    }

    /// A wipe report the platform missed goes on the next contact (a failure keeps it for the one after).
    async fn deliver_wipe_report(&self) {
        let storage = self.lock().secure_storage();
        let _ = fieldcheck_core::app::wipe_report::deliver(storage.as_ref()).await;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, App> {
        self.app.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn send(&self, event: Event) -> AppViewModel {
        let shared = self.client.shared();
        let writes = event.writes();
        let vm = self.lock().handle(&shared.store, &shared.ingestor, event);
        // Listeners of the client (other screens, widgets) reload too.
        if writes {
            shared.changes.changed(ChangeKind::Everything, None);
        }
        view::build(&self.client, &vm)
    }
}
