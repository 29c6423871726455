//! The events and routes as the apps send them, converted to the core's.

use super::capabilities::LocationReading;
use super::documents::DocumentKind;
use super::signing::{self, PadStroke, Signer};
use crate::custom_types::Timestamp;
use fieldcheck_core::app::{Choice, Event, PhotoTarget, Route};
use fieldcheck_core::domain::ids::{AlarmId, EnterpriseId, FindingId, InspectionId, TaskId, UserId};
use fieldcheck_core::domain::inspection::{InspectionKind, Origin, Respondent};
use fieldcheck_core::domain::rectification::TaskAction;
use fieldcheck_core::domain::template::ItemRef;
use fieldcheck_core::evidence::upload::Network;
use fieldcheck_core::store::Theme;
use std::path::PathBuf;
use uuid::Uuid;

/// A screen of the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum AppRoute {
    SignIn,
    Today,
    Search,
    Tasks,
    Settings,
    Inspection { id: Uuid },
    Task { id: Uuid },
    Alarm { id: Uuid },
}

impl From<AppRoute> for Route {
    fn from(r: AppRoute) -> Self {
        match r {
            AppRoute::SignIn => Self::SignIn,
            AppRoute::Today => Self::Today,
            AppRoute::Search => Self::Search,
            AppRoute::Tasks => Self::Tasks,
            AppRoute::Settings => Self::Settings,
            AppRoute::Inspection { id } => Self::Inspection(InspectionId(id)),
            AppRoute::Task { id } => Self::Task(TaskId(id)),
            AppRoute::Alarm { id } => Self::Alarm(AlarmId(id)),
        }
    }
}

impl From<Route> for AppRoute {
    fn from(r: Route) -> Self {
        match r {
            Route::SignIn => Self::SignIn,
            Route::Today => Self::Today,
            Route::Search => Self::Search,
            Route::Tasks => Self::Tasks,
            Route::Settings => Self::Settings,
            Route::Inspection(id) => Self::Inspection { id: id.0 },
            Route::Task(id) => Self::Task { id: id.0 },
            Route::Alarm(id) => Self::Alarm { id: id.0 },
        }
    }
}

/// The alarm or task that prompted an inspection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum InspectionOrigin {
    Alarm { id: Uuid },
    Task { id: Uuid },
}

/// An answer picked rather than typed.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum AnswerChoice {
    Yes,
    No,
    NotApplicable,
    Option { code: String },
}

impl AnswerChoice {
    /// The pick an answer shows as chosen (none for a typed answer).
    pub fn of(value: &fieldcheck_core::domain::answer::AnswerValue) -> Option<Self> {
        use fieldcheck_core::domain::answer::AnswerValue;
        match value {
            AnswerValue::Yes => Some(Self::Yes),
            AnswerValue::No => Some(Self::No),
            AnswerValue::NotApplicable => Some(Self::NotApplicable),
            AnswerValue::Choice(code) => Some(Self::Option { code: code.clone() }),
            _ => None,
        }
    }
}

/// What a photo is evidence of.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum PhotoFor {
    Item { inspection: Uuid, template_id: String, item_code: String },
    Finding { inspection: Uuid, finding: Uuid },
    Task { id: Uuid },
    Alarm { id: Uuid },
}

/// What the person did or the phone noticed. Sign-in and sync are `AppCore` calls of their own (they
/// wait for the network).
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum AppEvent {
    SignedOut,
    Open {
        route: AppRoute,
    },
    Back,
    SearchTyped {
        query: String,
    },
    CreateInspection {
        enterprise: Uuid,
        kind: InspectionKind,
        checklists: Vec<String>,
        origin: Option<InspectionOrigin>,
    },
    /// The picker: an officer on or off the team.
    InspectorToggled {
        inspection: Uuid,
        user: Uuid,
    },
    RecorderChosen {
        inspection: Uuid,
        user: Uuid,
    },
    RespondentChosen {
        inspection: Uuid,
        respondent: Respondent,
    },
    StartInspection {
        id: Uuid,
    },
    AnswerChosen {
        inspection: Uuid,
        template_id: String,
        item_code: String,
        choice: AnswerChoice,
    },
    /// `field` is "value" for an item's single value, or a measure's key.
    AnswerTyped {
        inspection: Uuid,
        template_id: String,
        item_code: String,
        field: String,
        text: String,
    },
    NoteTyped {
        inspection: Uuid,
        template_id: String,
        item_code: String,
        text: String,
    },
    AnswerSaved {
        inspection: Uuid,
        template_id: String,
        item_code: String,
    },
    TakePhoto {
        target: PhotoFor,
        torch: bool,
    },
    PhotoImported {
        target: PhotoFor,
        path: String,
        taken_at: Timestamp,
    },
    LocationFixed {
        reading: LocationReading,
    },
    NetworkChanged {
        network: Network,
    },
    Resumed,
    SyncRequested,
    /// Reads the record back before it is signed.
    ReadBack {
        id: Uuid,
    },
    /// A person signed the read-back on the pad (`width` × `height` units).
    Signed {
        inspection: Uuid,
        role: Signer,
        signer: String,
        width: f32,
        height: f32,
        strokes: Vec<PadStroke>,
    },
    /// A person refused to sign; noted with the reason and a witness.
    RefusedToSign {
        inspection: Uuid,
        role: Signer,
        signer: String,
        reason: String,
        witness_name: String,
        witness_position: String,
    },
    Submit {
        id: Uuid,
    },
    /// The enterprise's phone shows its order as read back before it signs for it.
    ReadOrderBack {
        task: Uuid,
    },
    /// The person receiving the order signed for it on the pad: the task's acknowledgement.
    AcknowledgedOrder {
        task: Uuid,
        signer: String,
        width: f32,
        height: f32,
        strokes: Vec<PadStroke>,
    },
    /// The person receiving the order refused to sign; noted with the reason and a witness.
    RefusedToAcknowledge {
        task: Uuid,
        signer: String,
        reason: String,
        witness_name: String,
        witness_position: String,
    },
    /// Prints a record or an order on the phone, offline; the view model names the file.
    OpenDocument {
        document: DocumentKind,
    },
    /// Hands the document last opened to the share sheet.
    ShareDocument,
    TaskStep {
        task: Uuid,
        action: TaskAction,
        note: String,
    },
    ArriveAtAlarm {
        id: Uuid,
    },
    CloseAlarm {
        id: Uuid,
        feedback: String,
    },
    PostponeOriginals {
        postponed: bool,
    },
    ThemeChosen {
        theme: Theme,
    },
    DismissMessage,
}

fn item(template: String, code: String) -> ItemRef {
    ItemRef { template, code }
}

impl From<PhotoFor> for PhotoTarget {
    fn from(t: PhotoFor) -> Self {
        match t {
            PhotoFor::Item { inspection, template_id, item_code } => {
                Self::Item { inspection: InspectionId(inspection), item: item(template_id, item_code) }
            }
            PhotoFor::Finding { inspection, finding } => {
                Self::Finding { inspection: InspectionId(inspection), finding: FindingId(finding) }
            }
            PhotoFor::Task { id } => Self::Task(TaskId(id)),
            PhotoFor::Alarm { id } => Self::Alarm(AlarmId(id)),
        }
    }
}

impl From<AppEvent> for Event {
    fn from(e: AppEvent) -> Self {
        match e {
            AppEvent::SignedOut => Self::SignedOut,
            AppEvent::Open { route } => Self::Open(route.into()),
            AppEvent::Back => Self::Back,
            AppEvent::SearchTyped { query } => Self::SearchTyped(query),
            AppEvent::CreateInspection { enterprise, kind, checklists, origin } => Self::CreateInspection {
                enterprise: EnterpriseId(enterprise),
                kind,
                checklists,
                origin: origin.map(|o| match o {
                    InspectionOrigin::Alarm { id } => Origin::Alarm(AlarmId(id)),
                    InspectionOrigin::Task { id } => Origin::Task(TaskId(id)),
                }),
            },
            AppEvent::InspectorToggled { inspection, user } => {
                Self::InspectorToggled { inspection: InspectionId(inspection), user: UserId(user) }
            }
            AppEvent::RecorderChosen { inspection, user } => {
                Self::RecorderChosen { inspection: InspectionId(inspection), user: UserId(user) }
            }
            AppEvent::RespondentChosen { inspection, respondent } => {
                Self::RespondentChosen { inspection: InspectionId(inspection), respondent }
            }
            AppEvent::StartInspection { id } => Self::StartInspection(InspectionId(id)),
            AppEvent::AnswerChosen { inspection, template_id, item_code, choice } => Self::AnswerChosen {
                inspection: InspectionId(inspection),
                item: item(template_id, item_code),
                choice: match choice {
                    AnswerChoice::Yes => Choice::Yes,
                    AnswerChoice::No => Choice::No,
                    AnswerChoice::NotApplicable => Choice::NotApplicable,
                    AnswerChoice::Option { code } => Choice::Option(code),
                },
            },
            AppEvent::AnswerTyped { inspection, template_id, item_code, field, text } => Self::AnswerTyped {
                inspection: InspectionId(inspection),
                item: item(template_id, item_code),
                field,
                text,
            },
            AppEvent::NoteTyped { inspection, template_id, item_code, text } => {
                Self::NoteTyped { inspection: InspectionId(inspection), item: item(template_id, item_code), text }
            }
            AppEvent::AnswerSaved { inspection, template_id, item_code } => {
                Self::AnswerSaved { inspection: InspectionId(inspection), item: item(template_id, item_code) }
            }
            AppEvent::TakePhoto { target, torch } => Self::TakePhoto { target: target.into(), torch },
            AppEvent::PhotoImported { target, path, taken_at } => {
                Self::PhotoImported { target: target.into(), path: PathBuf::from(path), taken_at }
            }
            AppEvent::LocationFixed { reading } => Self::LocationFixed(reading.into()),
            AppEvent::NetworkChanged { network } => Self::NetworkChanged(network),
            AppEvent::Resumed => Self::Resumed,
            AppEvent::SyncRequested => Self::SyncRequested,
            AppEvent::ReadBack { id } => Self::ReadBack(InspectionId(id)),
            AppEvent::Signed { inspection, role, signer, width, height, strokes } => Self::Signed {
                inspection: InspectionId(inspection),
                role: role.into(),
                signer,
                width,
                height,
                strokes: signing::strokes(strokes),
            },
            AppEvent::RefusedToSign { inspection, role, signer, reason, witness_name, witness_position } => {
                Self::RefusedToSign {
                    inspection: InspectionId(inspection),
                    role: role.into(),
                    signer,
                    reason,
                    witness: signing::witness(witness_name, witness_position),
                }
            }
            AppEvent::Submit { id } => Self::Submit(InspectionId(id)),
            AppEvent::ReadOrderBack { task } => Self::ReadOrderBack(TaskId(task)),
            AppEvent::AcknowledgedOrder { task, signer, width, height, strokes } => Self::AcknowledgedOrder {
                task: TaskId(task),
                signer,
                width,
                height,
                strokes: signing::strokes(strokes),
            },
            AppEvent::RefusedToAcknowledge { task, signer, reason, witness_name, witness_position } => {
                Self::RefusedToAcknowledge {
                    task: TaskId(task),
                    signer,
                    reason,
                    witness: signing::witness(witness_name, witness_position),
                }
            }
            AppEvent::OpenDocument { document } => Self::OpenDocument(document.into()),
            AppEvent::ShareDocument => Self::ShareDocument,
            AppEvent::TaskStep { task, action, note } => Self::TaskStep { task: TaskId(task), action, note },
            AppEvent::ArriveAtAlarm { id } => Self::ArriveAtAlarm(AlarmId(id)),
            AppEvent::CloseAlarm { id, feedback } => Self::CloseAlarm { alarm: AlarmId(id), feedback },
            AppEvent::PostponeOriginals { postponed } => Self::PostponeOriginals(postponed),
            AppEvent::ThemeChosen { theme } => Self::ThemeChosen(theme),
            AppEvent::DismissMessage => Self::DismissMessage,
        }
    }
}
