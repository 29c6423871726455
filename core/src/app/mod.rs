//! The app core: the phone app sends [`Event`]s (taps, typing, photos, fixes, network changes) and
//! renders the [`ViewModel`] returned for each. Navigation, what is typed but not yet saved, answer
//! reading, validation messages, which photos travel with which step and when to sync are decided
//! here, once, for Android and iOS (the shape of crux: the shell renders and runs capabilities).
//! Store work happens here too; the screen data of the current route is read by the FFI crate.

pub mod answer_text;
pub mod at_rest;
pub mod capabilities;
pub mod documents;
pub mod doubles;
pub mod event;
pub mod route;
pub mod signing;
pub mod team;
pub mod wipe_report;

pub use capabilities::{
    BackgroundWork, Camera, Capabilities, Connectivity, Location, LocationReading, SecureStorage, Shot,
};
pub use documents::{DocumentRef, OpenedDocument, Printing, Share};
pub use event::{Choice, Event, PhotoTarget};
pub use route::{Navigation, Route};
pub use signing::{OrderSigning, SignerSlot, Signing};
pub use team::{Candidate, TeamPicker};

use crate::domain::answer::AnswerValue;
use crate::domain::geo::GeoFix;
use crate::domain::ids::{EvidenceId, InspectionId, TaskId};
use crate::domain::signature::{Mark, Signature, SignerRole};
use crate::domain::template::ItemRef;
use crate::domain::text::Text;
use crate::evidence::upload::Network;
use crate::evidence::{Case, FixMissing, Ingestor, PhotoSource, Provenance, SoftwareSigner, Subject};
use crate::protocol::WipeReport;
use crate::store::{Capture, NewInspection, Store, StoreError, Theme};
use answer_text::Typed;
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// Secure-storage keys.
pub const PLATFORM_URL_KEY: &str = "platform_url";
pub const TOKEN_KEY: &str = "token";
pub const DEVICE_KEY: &str = "device_key";

/// What the sign-in screen says after a remote wipe.
pub const WIPED_MESSAGE: &str =
    "指挥中心已远程擦除本机数据，请重新登录 / The command centre wiped this phone; sign in again";

/// Minutes between background syncs while signed in.
pub const PERIODIC_SYNC_MINUTES: u32 = 15;

/// A fix older than this is not put on an arrival or a photo (the officer may have driven on).
pub const MAX_FIX_AGE_SECONDS: i64 = 120;

/// A platform address and the token it gave at sign-in, as kept in secure storage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedSession {
    pub platform_url: String,
    pub token: String,
}

/// A bar across the top of every screen.
#[derive(Clone, Debug, PartialEq)]
pub enum Banner {
    /// No connection: work is kept on the phone and sent later.
    Offline,
    /// The last reading had no fix, or location is refused (photos and arrivals record that).
    Location(LocationReading),
    /// The command centre asked for photo originals: they go on the next sync unless postponed.
    OriginalsRequested { count: usize, postponed: bool },
}

impl Banner {
    /// What the banner says, Chinese first.
    pub fn text(&self) -> Text {
        match self {
            Self::Offline => Text {
                zh: "离线：记录保存在手机上，联网后自动上传".into(),
                en: "Offline: work is kept on the phone and sent when connected".into(),
            },
            Self::Location(LocationReading::PermissionRefused) => Text {
                zh: "未允许定位：照片和到场将记录为“拒绝定位”".into(),
                en: "Location refused: photos and arrivals are recorded without a fix".into(),
            },
            Self::Location(_) => Text {
                zh: "暂无定位：照片和到场将记录为“无定位”".into(),
                en: "No location fix: photos and arrivals are recorded without one".into(),
            },
            Self::OriginalsRequested { count, postponed: false } => Text {
                zh: format!("指挥中心调取 {count} 张原图，下次同步时上传"),
                en: format!("The command centre asked for {count} originals; they go with the next sync"),
            },
            Self::OriginalsRequested { count, postponed: true } => Text {
                zh: format!("指挥中心调取 {count} 张原图，已推迟（按上传设置发送）"),
                en: format!(
                    "{count} originals asked for by the command centre are postponed (sent per the upload setting)"
                ),
            },
        }
    }
}

/// One typed field of an item on the open inspection, kept here so rotation or a restart of the
/// activity does not lose it, with the reason it could not be read.
#[derive(Clone, Debug, PartialEq)]
pub struct Draft {
    pub item: ItemRef,
    /// `answer_text::VALUE`, a measure's key, or `NOTE`.
    pub field: String,
    pub text: String,
    pub problem: Option<Text>,
}

/// The key of an item's note among its drafts.
pub const NOTE: &str = "note";

/// What the app renders after each event.
#[derive(Clone, Debug, PartialEq)]
pub struct ViewModel {
    pub route: Route,
    /// The tab the route belongs to.
    pub tab: Route,
    pub can_go_back: bool,
    pub search_query: String,
    /// Typed fields of the open inspection.
    pub drafts: Vec<Draft>,
    pub banners: Vec<Banner>,
    /// The core's message for the last refused event, until dismissed.
    pub message: Option<String>,
    pub network: Network,
    /// The last location reading (shown on on-site screens).
    pub location: Option<LocationReading>,
    /// The open inspection's read-back text and who still has to sign, once read back.
    pub signing: Option<Signing>,
    /// The open task's order as read back to the enterprise, until it signs or refuses.
    pub order_signing: Option<OrderSigning>,
    /// The document last printed (`Event::OpenDocument`), to preview and share.
    pub document: Option<OpenedDocument>,
    /// Day, night or following the phone, as the person chose (kept by the store).
    pub theme: Theme,
    /// The open inspection's team and respondent, until it is submitted.
    pub team: Option<TeamPicker>,
}

/// The app's state, and the capabilities it runs with.
pub struct App {
    caps: Capabilities,
    nav: Navigation,
    network: Network,
    location: Option<LocationReading>,
    search_query: String,
    /// Typed text per inspection and item, then per field.
    drafts: BTreeMap<(InspectionId, ItemRef), Typed>,
    problems: BTreeMap<(InspectionId, ItemRef), BTreeMap<String, Text>>,
    message: Option<String>,
    /// Read-backs in progress, by inspection.
    signing: BTreeMap<InspectionId, Signing>,
    /// Orders read back to the enterprise and not yet signed, by task.
    order_signing: BTreeMap<TaskId, OrderSigning>,
    printing: Option<Printing>,
    share: Option<Arc<dyn Share>>,
    document: Option<OpenedDocument>,
}

impl App {
    pub fn new(caps: Capabilities) -> Self {
        let network = caps.connectivity.current();
        Self {
            caps,
            nav: Navigation::default(),
            network,
            location: None,
            search_query: String::new(),
            drafts: BTreeMap::new(),
            problems: BTreeMap::new(),
            message: None,
            signing: BTreeMap::new(),
            order_signing: BTreeMap::new(),
            printing: None,
            share: None,
            document: None,
        }
    }

    /// The font and folder documents are printed with (without them `OpenDocument` is refused).
    pub fn set_printing(&mut self, printing: Printing) {
        self.printing = Some(printing);
    }

    /// The share sheet documents go to.
    pub fn set_share(&mut self, share: Arc<dyn Share>) {
        self.share = Some(share);
    }

    /// The secure storage the core keeps its secrets in (the FFI crate delivers a kept wipe report with it).
    pub fn secure_storage(&self) -> Arc<dyn SecureStorage> {
        self.caps.secure_storage.clone()
    }

    /// The session kept by an earlier launch, if this device's database still has its user.
    pub fn saved_session(&self, store: &Store) -> Result<Option<SavedSession>, StoreError> {
        let storage = &self.caps.secure_storage;
        let text = |key| storage.load(key).and_then(|v| String::from_utf8(v).ok());
        Ok(match (store.session()?, text(PLATFORM_URL_KEY), text(TOKEN_KEY)) {
            (Some(_), Some(platform_url), Some(token)) => Some(SavedSession { platform_url, token }),
            _ => None,
        })
    }

    /// Handles one event and returns what to show. A refusal (the domain's or the store's) becomes
    /// the view model's message; nothing is half-done, since every store write is one transaction.
    pub fn handle(&mut self, store: &Store, ingestor: &Ingestor, event: Event) -> ViewModel {
        if let Err(e) = self.apply(store, ingestor, event) {
            self.message = Some(e.to_string());
        }
        self.view(store)
    }

    /// The view model as things stand.
    pub fn view(&self, store: &Store) -> ViewModel {
        let open = match self.nav.current() {
            Route::Inspection(id) => Some(id),
            _ => None,
        };
        let mut drafts = Vec::new();
        for ((inspection, item), typed) in &self.drafts {
            if Some(*inspection) != open {
                continue;
            }
            let problems = self.problems.get(&(*inspection, item.clone()));
            for (field, text) in typed {
                let problem = problems.and_then(|p| p.get(field)).cloned();
                drafts.push(Draft { item: item.clone(), field: field.clone(), text: text.clone(), problem });
            }
        }
        let mut banners = Vec::new();
        if self.network == Network::Offline {
            banners.push(Banner::Offline);
        }
        if self.nav.current().on_site()
            && let Some(reading @ (LocationReading::NoFix | LocationReading::PermissionRefused)) = &self.location
        {
            banners.push(Banner::Location(reading.clone()));
        }
        // A read failure here only hides the banner; the next event tries again.
        let requested = store.originals_requested().unwrap_or(0);
        if requested > 0 {
            banners.push(Banner::OriginalsRequested {
                count: requested,
                postponed: store.originals_postponed().unwrap_or(false),
            });
        }
        ViewModel {
            route: self.nav.current(),
            tab: self.nav.tab(),
            can_go_back: self.nav.can_go_back(),
            search_query: self.search_query.clone(),
            drafts,
            banners,
            message: self.message.clone(),
            network: self.network,
            location: self.location.clone(),
            signing: open.and_then(|id| self.signing.get(&id)).cloned(),
            order_signing: match self.nav.current() {
                Route::Task(id) => self.order_signing.get(&id).cloned(),
                _ => None,
            },
            document: self.document.clone(),
            // A read failure shows the phone's own theme; the next event tries again.
            theme: store.theme().unwrap_or_default(),
            // As the banners: a read failure hides the picker until the next event.
            team: open.and_then(|id| TeamPicker::of(store, id).ok().flatten()),
        }
    }

    fn apply(&mut self, store: &Store, ingestor: &Ingestor, event: Event) -> Result<(), AppError> {
        match event {
            Event::Started => self.started(store)?,
            Event::SignedIn { platform_url, token } => {
                let storage = &self.caps.secure_storage;
                storage.save(PLATFORM_URL_KEY, platform_url.as_bytes());
                storage.save(TOKEN_KEY, token.as_bytes());
                self.nav.open(Route::Today);
                self.caps.background.schedule_periodic_sync(PERIODIC_SYNC_MINUTES);
                self.caps.background.sync_soon();
            }
            Event::SignedOut => {
                self.caps.secure_storage.delete(TOKEN_KEY);
                self.caps.background.cancel_all();
                self.nav.open(Route::SignIn);
            }
            Event::Wiped { unsent_report } => self.wiped(store, ingestor, unsent_report)?,
            Event::Open(route) => self.open(route),
            Event::Back => {
                self.nav.back();
                self.caps.location.watch(self.nav.current().on_site());
            }
            Event::SearchTyped(query) => self.search_query = query,
            Event::CreateInspection { enterprise, kind, checklists, origin } => {
                let installed = store.latest_templates()?;
                let checklists = checklists
                    .iter()
                    .map(|id| installed.iter().find(|t| &t.id == id).map(|t| t.reference()))
                    .collect::<Option<Vec<_>>>()
                    .ok_or(AppError::Invalid("unknown checklist / 检查表不存在"))?;
                let draft = store.create_inspection(&NewInspection { enterprise, kind, checklists, origin })?;
                self.nav.replace(Route::Inspection(draft.id));
                self.caps.location.watch(true);
            }
            Event::StartInspection(id) => {
                let (fix, missing) = self.fix(store.now());
                store.start_inspection(id, store.now(), fix, missing)?;
            }
            Event::AnswerChosen { inspection, item, choice } => {
                let value = match choice {
                    Choice::Yes => AnswerValue::Yes,
                    Choice::No => AnswerValue::No,
                    Choice::NotApplicable => AnswerValue::NotApplicable,
                    Choice::Option(code) => AnswerValue::Choice(code),
                };
                self.answer(store, inspection, item, value)?;
            }
            Event::AnswerTyped { inspection, item, field, text } => {
                let key = (inspection, item);
                if let Some(p) = self.problems.get_mut(&key) {
                    p.remove(&field);
                }
                self.drafts.entry(key).or_default().insert(field, text);
            }
            Event::NoteTyped { inspection, item, text } => {
                self.drafts.entry((inspection, item)).or_default().insert(NOTE.into(), text);
            }
            Event::AnswerSaved { inspection, item } => {
                let key = (inspection, item.clone());
                let typed = self.drafts.get(&key).cloned().unwrap_or_default();
                let spec = store
                    .inspection_item(inspection, &item)?
                    .ok_or(AppError::Invalid("unknown item / 检查项不存在"))?
                    .answer;
                match answer_text::parse(&spec, &typed) {
                    Ok(value) => self.answer(store, inspection, item, value)?,
                    Err(problems) => {
                        self.problems.insert(key, problems);
                    }
                }
            }
            Event::TakePhoto { target, torch } => {
                // Cancelled: nothing to take in.
                if let Some(shot) = self.caps.camera.capture(torch) {
                    self.take_in(store, ingestor, &target, &shot.path, shot.taken_at, PhotoSource::Camera)?;
                }
            }
            Event::PhotoImported { target, path, taken_at } => {
                self.take_in(store, ingestor, &target, &path, taken_at, PhotoSource::Imported)?;
            }
            Event::LocationFixed(reading) => self.location = Some(reading),
            Event::NetworkChanged(network) => {
                let regained = self.network == Network::Offline && network != Network::Offline;
                self.network = network;
                if regained && store.session()?.is_some() {
                    self.caps.background.sync_soon();
                }
            }
            Event::Resumed | Event::SyncRequested => {
                self.network = self.caps.connectivity.current();
                if store.session()?.is_some() {
                    self.caps.background.sync_soon();
                }
            }
            Event::ReadBack(id) => {
                let read_back = store.read_back(id)?;
                self.signing.insert(id, Signing { read_back, signatures: Vec::new() });
            }
            Event::Signed { inspection, role, signer, width, height, strokes } => {
                let mark = Mark::Drawn { width, height, strokes };
                self.sign(store, inspection, role, signer, mark)?;
            }
            Event::RefusedToSign { inspection, role, signer, reason, witness } => {
                self.sign(store, inspection, role, signer, Mark::Refused { reason, witness })?;
            }
            Event::Submit(id) => match match self.signing.get(&id) {
                Some(s) => store.submit_signed(id, s.read_back.at, s.signatures.clone()),
                None => store.submit_inspection(id),
            } {
                Ok(_) => {
                    self.signing.remove(&id);
                    self.drafts.retain(|(i, _), _| *i != id);
                    self.problems.retain(|(i, _), _| *i != id);
                    self.nav.back();
                    self.caps.background.sync_soon();
                }
                // The inspection screen lists the problems (the FFI reads them with the screen).
                Err(StoreError::Domain(crate::domain::error::DomainError::NotSubmittable { .. })) => {}
                Err(e) => return Err(e.into()),
            },
            Event::ReadOrderBack(task) => {
                let read_back = store.order_read_back(task)?;
                let signers = store.order_signers(task)?;
                self.order_signing.insert(task, OrderSigning { task, read_back, signers });
            }
            Event::AcknowledgedOrder { task, signer, width, height, strokes } => {
                self.acknowledge(store, task, signer, Mark::Drawn { width, height, strokes })?;
            }
            Event::RefusedToAcknowledge { task, signer, reason, witness } => {
                self.acknowledge(store, task, signer, Mark::Refused { reason, witness })?;
            }
            Event::OpenDocument(of) => {
                let printing = self.printing.as_ref().ok_or(AppError::Invalid("no document font / 未设置文书字体"))?;
                self.document = Some(documents::print_to_file(store, ingestor.blobs(), of, printing)?);
            }
            Event::ShareDocument => {
                let document =
                    self.document.as_ref().ok_or(AppError::Invalid("open a document first / 请先打开文书"))?;
                let share = self.share.as_ref().ok_or(AppError::Invalid("sharing is not available / 无法分享"))?;
                share.share(&document.path, "application/pdf", document.of.title());
            }
            Event::TaskStep { task, action, note } => {
                let unsent = travelling(store, Case::Task(task))?;
                store.transition_task(task, action, &note, unsent)?;
                self.caps.background.sync_soon();
            }
            Event::ArriveAtAlarm(alarm) => {
                self.caps.location.watch(true);
                let (fix, missing) = self.fix(store.now());
                store.alarm_arrive(alarm, fix, missing)?;
            }
            Event::CloseAlarm { alarm, feedback } => {
                let unsent = travelling(store, Case::Alarm(alarm))?;
                store.alarm_close(alarm, &feedback, unsent)?;
                self.caps.background.sync_soon();
            }
            Event::PostponeOriginals(postponed) => store.set_originals_postponed(postponed)?,
            Event::ThemeChosen(theme) => store.set_theme(theme)?,
            Event::InspectorToggled { inspection, user } => team::toggle_inspector(store, inspection, user)?,
            Event::RecorderChosen { inspection, user } => team::choose_recorder(store, inspection, user)?,
            Event::RespondentChosen { inspection, respondent } => {
                team::choose_respondent(store, inspection, respondent)?
            }
            Event::DismissMessage => self.message = None,
        }
        Ok(())
    }

    /// A launch: the device key from secure storage, the session restored, background sync scheduled.
    fn started(&mut self, store: &Store) -> Result<(), AppError> {
        self.network = self.caps.connectivity.current();
        let storage = &self.caps.secure_storage;
        match storage.load(DEVICE_KEY) {
            // The app's hardware key (`set_signer`) wins.
            _ if store.has_signer() => {}
            Some(secret) => store.set_signer(Arc::new(SoftwareSigner::from_secret(&secret)?)),
            // A new installation keeps its key in secure storage; one already signed in keeps the key
            // the platform registered.
            None if store.session()?.is_none() => {
                let signer = SoftwareSigner::generate()?;
                storage.save(DEVICE_KEY, &signer.secret());
                store.set_signer(Arc::new(signer));
            }
            None => {}
        }
        if self.saved_session(store)?.is_some() {
            if self.nav.current() == Route::SignIn {
                self.nav.open(Route::Today);
            }
            self.caps.background.schedule_periodic_sync(PERIODIC_SYNC_MINUTES);
        } else {
            self.nav.open(Route::SignIn);
        }
        Ok(())
    }

    /// After a wipe: every key in secure storage is deleted (token, platform address, device signing key,
    /// the keys the erased data was encrypted with) and new ones are made for whatever comes next, as on
    /// a new installation; the phone shows the sign-in screen with the reason, and its typed drafts are gone.
    fn wiped(&mut self, store: &Store, ingestor: &Ingestor, unsent: Option<WipeReport>) -> Result<(), AppError> {
        let storage = &self.caps.secure_storage;
        // Kept before the token goes: only the counts, the address and the token to send them with.
        let text = |key| storage.load(key).and_then(|v| String::from_utf8(v).ok());
        if let (Some(report), Some(platform_url), Some(token)) = (unsent, text(PLATFORM_URL_KEY), text(TOKEN_KEY)) {
            wipe_report::PendingWipeReport { platform_url, token, report }.save(storage.as_ref());
        }
        for key in [TOKEN_KEY, PLATFORM_URL_KEY, DEVICE_KEY] {
            storage.delete(key);
        }
        at_rest::AtRestKeys::forget(storage.as_ref());
        if store.is_encrypted() || ingestor.blobs().is_sealed() {
            let keys = at_rest::AtRestKeys::load_or_create(storage.as_ref())?;
            if store.is_encrypted() {
                store.rekey(&keys.database)?;
            }
            if ingestor.blobs().is_sealed() {
                ingestor.blobs().rekey(keys.photos);
            }
        }
        let signer = SoftwareSigner::generate()?;
        storage.save(DEVICE_KEY, &signer.secret());
        store.set_signer(Arc::new(signer));
        self.caps.background.cancel_all();
        self.drafts.clear();
        self.problems.clear();
        self.signing.clear();
        self.nav = Navigation::default();
        self.nav.open(Route::SignIn);
        self.message = Some(WIPED_MESSAGE.into());
        Ok(())
    }

    /// Keeps a signature on the read-back shown (checked alone now, as a set on submission).
    fn sign(
        &mut self,
        store: &Store,
        inspection: InspectionId,
        role: SignerRole,
        signer: String,
        mark: Mark,
    ) -> Result<(), AppError> {
        let signing =
            self.signing.get_mut(&inspection).ok_or(AppError::Invalid("read the record back first / 请先宣读笔录"))?;
        let signature =
            Signature { role, signer, shown_text_sha256: signing.read_back.sha256.clone(), at: store.now(), mark };
        signing.add(signature.bounded().map_err(StoreError::from)?);
        Ok(())
    }

    /// The enterprise signs (or refuses) for its order as read back; the step goes with this device's
    /// unsent photos of the task.
    fn acknowledge(&mut self, store: &Store, task: TaskId, signer: String, mark: Mark) -> Result<(), AppError> {
        let signing =
            self.order_signing.get(&task).ok_or(AppError::Invalid("read the order back first / 请先宣读通知书"))?;
        let signature = Signature {
            role: SignerRole::Respondent,
            signer,
            shown_text_sha256: signing.read_back.sha256.clone(),
            at: store.now(),
            mark,
        };
        let unsent = travelling(store, Case::Task(task))?;
        store.acknowledge_signed(task, "", unsent, signature)?;
        self.order_signing.remove(&task);
        self.caps.background.sync_soon();
        Ok(())
    }

    fn open(&mut self, route: Route) {
        self.nav.open(route);
        self.caps.location.watch(route.on_site());
    }

    fn answer(
        &mut self,
        store: &Store,
        inspection: InspectionId,
        item: ItemRef,
        value: AnswerValue,
    ) -> Result<(), AppError> {
        let key = (inspection, item.clone());
        let note = self.drafts.get(&key).and_then(|d| d.get(NOTE)).map(|n| n.trim().to_string());
        store.answer(inspection, item, value, note.filter(|n| !n.is_empty()))?;
        // Saved: the typed values are now the record's; the note stays on screen.
        if let Some(d) = self.drafts.get_mut(&key) {
            d.retain(|field, _| field == NOTE);
        }
        self.problems.remove(&key);
        Ok(())
    }

    /// The fix to record now, or why there is none.
    fn fix(&mut self, now: DateTime<Utc>) -> (Option<GeoFix>, Option<FixMissing>) {
        let reading = self.caps.location.current();
        self.location = Some(reading.clone());
        fix_of(&reading, now)
    }

    fn take_in(
        &mut self,
        store: &Store,
        ingestor: &Ingestor,
        target: &PhotoTarget,
        path: &Path,
        taken_at: DateTime<Utc>,
        source: PhotoSource,
    ) -> Result<EvidenceId, AppError> {
        // An imported photo was not taken here and now: the phone's fix says nothing about it.
        let (fix, fix_missing) = match source {
            PhotoSource::Camera => self.fix(store.now()),
            PhotoSource::Imported => (None, None),
        };
        let (case, subject) = match target.clone() {
            PhotoTarget::Item { inspection, item } => (Case::Inspection(inspection), Subject::Item { item }),
            PhotoTarget::Finding { inspection, finding } => {
                (Case::Inspection(inspection), Subject::Finding { finding })
            }
            PhotoTarget::Task(task) => (Case::Task(task), Subject::Overall),
            PhotoTarget::Alarm(alarm) => (Case::Alarm(alarm), Subject::Overall),
        };
        let capture = Capture { case, subject, taken_at, fix };
        let record = store
            .capture_photo_from(ingestor, capture, Provenance { source, fix_missing }, path)
            .map_err(|e| AppError::Photo(e.to_string()))?;
        // The core keeps its own copy; the camera's file is not evidence any more.
        if source == PhotoSource::Camera {
            let _ = std::fs::remove_file(path);
        }
        Ok(record.meta.evidence)
    }
}

/// The photos of a task or alarm taken on this device and not yet cited by a step: they go with the
/// next one.
pub fn travelling(store: &Store, case: Case) -> Result<Vec<EvidenceId>, StoreError> {
    Ok(store.case_photos(case)?.into_iter().filter(|p| !p.cited).map(|p| p.record.meta.evidence).collect())
}

/// A reading as it is recorded: a fresh fix, or why there is none (a stale fix counts as none).
pub fn fix_of(reading: &LocationReading, now: DateTime<Utc>) -> (Option<GeoFix>, Option<FixMissing>) {
    match reading {
        LocationReading::Fix { fix, at } if now - *at <= Duration::seconds(MAX_FIX_AGE_SECONDS) => (Some(*fix), None),
        LocationReading::Fix { .. } | LocationReading::NoFix => (None, Some(FixMissing::NoFix)),
        LocationReading::PermissionRefused => (None, Some(FixMissing::PermissionRefused)),
    }
}

/// Why an event was refused.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Photo(String),
    #[error("{0}")]
    Invalid(&'static str),
    #[error("the device key in secure storage is unusable: {0}")]
    Key(#[from] crate::evidence::SignatureError),
    #[error(transparent)]
    Print(#[from] documents::PrintError),
}
