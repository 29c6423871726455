//! The view model as the apps render it: the core's view model plus the data of the current screen,
//! read through the sub-clients (the same screen records the rest of the API returns).

use super::capabilities::LocationReading;
use super::documents::{DocumentView, OrderSigningView};
use super::event::AppRoute;
use super::signing::SigningView;
use super::team::TeamPickerView;
use crate::alarms::AlarmsClient;
use crate::attention::AttentionItem;
use crate::client::FieldcheckClient;
use crate::enterprises::EnterprisesClient;
use crate::error::Result;
use crate::inspections::InspectionsClient;
use crate::sync::SyncStatus;
use crate::tasks::TasksClient;
use crate::templates::TemplatesClient;
use crate::views::{
    AlarmView, EnterpriseView, InspectionScreen, LocalizedText, TaskScreen, TaskView, TemplateSummary, TodayView,
    UserView,
};
use fieldcheck_core::app::{Banner, Route, ViewModel};
use fieldcheck_core::evidence::upload::{Network, OriginalPolicy};
use fieldcheck_core::store::Theme;

/// Search results shown at most.
const SEARCH_LIMIT: u32 = 50;

/// The data of the current screen.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum ScreenData {
    SignIn,
    Today {
        today: TodayView,
    },
    Search {
        results: Vec<EnterpriseView>,
        templates: Vec<TemplateSummary>,
    },
    Tasks {
        tasks: Vec<TaskView>,
    },
    Settings {
        originals: OriginalPolicy,
        watermark: bool,
    },
    Inspection {
        screen: InspectionScreen,
    },
    Task {
        screen: TaskScreen,
    },
    Alarm {
        alarm: AlarmView,
    },
    /// The screen's record could not be read (the message says why).
    Unavailable,
}

/// A typed field of the open inspection, with why it could not be read.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DraftView {
    pub template_id: String,
    pub item_code: String,
    /// "value", a measure's key, or "note".
    pub field: String,
    pub text: String,
    pub problem: Option<LocalizedText>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum BannerKind {
    Offline,
    NoLocationFix,
    LocationRefused,
    OriginalsRequested,
    OriginalsPostponed,
}

/// A bar across the top of the screen, in the core's words.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct BannerView {
    pub kind: BannerKind,
    pub text: LocalizedText,
    /// Originals asked for by the command centre (0 for other banners).
    pub count: u32,
}

/// Everything the app renders.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AppViewModel {
    pub route: AppRoute,
    /// The tab the route belongs to (highlighted in the navigation bar).
    pub tab: AppRoute,
    pub can_go_back: bool,
    pub screen: ScreenData,
    pub search_query: String,
    pub drafts: Vec<DraftView>,
    pub banners: Vec<BannerView>,
    /// The core's message for the last refused event, until `DismissMessage`.
    pub message: Option<String>,
    pub sync: SyncStatus,
    /// Changes the platform refused, with its reasons, until dismissed (`dismissAttention`).
    pub attention: Vec<AttentionItem>,
    pub user: Option<UserView>,
    pub network: Network,
    pub location: Option<LocationReading>,
    /// The open inspection's read-back and who still has to sign, once read back.
    pub signing: Option<SigningView>,
    /// The open task's order as read back to the enterprise, until it signs or refuses.
    pub order_signing: Option<OrderSigningView>,
    /// The document last printed, to preview and share.
    pub document: Option<DocumentView>,
    /// Day, night or following the phone, as the person chose.
    pub theme: Theme,
    /// The open inspection's team and respondent picker, until it is submitted.
    pub team: Option<TeamPickerView>,
}

pub(super) fn build(client: &FieldcheckClient, vm: &ViewModel) -> AppViewModel {
    let mut message = vm.message.clone();
    let screen = screen(client, vm).unwrap_or_else(|e| {
        message.get_or_insert(e.to_string());
        ScreenData::Unavailable
    });
    AppViewModel {
        route: vm.route.into(),
        tab: vm.tab.into(),
        can_go_back: vm.can_go_back,
        screen,
        search_query: vm.search_query.clone(),
        drafts: vm
            .drafts
            .iter()
            .map(|d| DraftView {
                template_id: d.item.template.clone(),
                item_code: d.item.code.clone(),
                field: d.field.clone(),
                text: d.text.clone(),
                problem: d.problem.as_ref().map(Into::into),
            })
            .collect(),
        banners: vm.banners.iter().map(banner).collect(),
        message,
        sync: client.sync_status(),
        attention: client.needs_attention().unwrap_or_default(),
        user: client.current_user().ok().flatten(),
        network: vm.network,
        location: vm.location.clone().map(Into::into),
        signing: vm.signing.as_ref().map(Into::into),
        order_signing: vm.order_signing.as_ref().map(Into::into),
        document: vm.document.as_ref().map(Into::into),
        theme: vm.theme,
        team: vm.team.as_ref().map(Into::into),
    }
}

fn banner(b: &Banner) -> BannerView {
    let (kind, count) = match b {
        Banner::Offline => (BannerKind::Offline, 0),
        Banner::Location(fieldcheck_core::app::LocationReading::PermissionRefused) => (BannerKind::LocationRefused, 0),
        Banner::Location(_) => (BannerKind::NoLocationFix, 0),
        Banner::OriginalsRequested { count, postponed: false } => (BannerKind::OriginalsRequested, *count),
        Banner::OriginalsRequested { count, postponed: true } => (BannerKind::OriginalsPostponed, *count),
    };
    BannerView { kind, text: (&b.text()).into(), count: u32::try_from(count).unwrap_or(u32::MAX) }
}

fn screen(client: &FieldcheckClient, vm: &ViewModel) -> Result<ScreenData> {
    let shared = client.shared().clone();
    Ok(match vm.route {
        Route::SignIn => ScreenData::SignIn,
        Route::Today => ScreenData::Today { today: client.today()? },
        Route::Search => {
            let query = vm.search_query.trim();
            let results = if query.is_empty() {
                Vec::new()
            } else {
                EnterprisesClient::new(shared.clone()).search(query.to_string(), SEARCH_LIMIT)?
            };
            ScreenData::Search { results, templates: TemplatesClient::new(shared).list()? }
        }
        Route::Tasks => {
            let enterprise = client.current_user()?.and_then(|u| u.enterprise);
            ScreenData::Tasks { tasks: TasksClient::new(shared).list(Vec::new(), enterprise)? }
        }
        Route::Settings => {
            ScreenData::Settings { originals: client.originals_policy()?, watermark: client.watermarks_on()? }
        }
        Route::Inspection(id) => ScreenData::Inspection { screen: InspectionsClient::new(shared).screen(id.0)? },
        Route::Task(id) => ScreenData::Task { screen: TasksClient::new(shared).screen(id.0)? },
        Route::Alarm(id) => ScreenData::Alarm { alarm: AlarmsClient::new(shared).get(id.0)? },
    })
}
