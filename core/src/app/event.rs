//! What the app tells the core: the person's taps and typing, and what the phone noticed.

use super::capabilities::LocationReading;
use super::documents::DocumentRef;
use super::route::Route;
use crate::domain::ids::{AlarmId, EnterpriseId, FindingId, InspectionId, TaskId, UserId};
use crate::domain::inspection::{InspectionKind, Origin, Respondent};
use crate::domain::rectification::TaskAction;
use crate::domain::signature::{SignerRole, Stroke, Witness};
use crate::domain::template::ItemRef;
use crate::evidence::upload::Network;
use crate::protocol::WipeReport;
use crate::store::Theme;
use chrono::{DateTime, Utc};
use std::path::PathBuf;

/// An answer picked rather than typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Choice {
    Yes,
    No,
    NotApplicable,
    /// One of a choice item's options, by code.
    Option(String),
}

/// What a photo is evidence of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PhotoTarget {
    Item {
        inspection: InspectionId,
        item: ItemRef,
    },
    Finding {
        inspection: InspectionId,
        finding: FindingId,
    },
    /// A rectification task's proof (it goes with the person's next step on the task).
    Task(TaskId),
    /// An alarm's on-site photo (it goes with the close).
    Alarm(AlarmId),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// The app was launched: the session and the device key come back from secure storage.
    Started,
    /// The platform accepted a sign-in (the shell ran it): the token is kept in secure storage.
    SignedIn {
        platform_url: String,
        token: String,
    },
    SignedOut,
    /// A sync carried out the command centre's wipe order (the store and photos are erased): the keys
    /// go, and the phone is signed out. Sent by the FFI crate after such a sync, never by the app; with
    /// the report when the platform did not receive it (kept to send on the next contact).
    Wiped {
        unsent_report: Option<WipeReport>,
    },
    /// A tab, a row or a card was tapped.
    Open(Route),
    Back,
    SearchTyped(String),
    /// A new inspection at an enterprise, perhaps prompted by an alarm or a task.
    CreateInspection {
        enterprise: EnterpriseId,
        kind: InspectionKind,
        checklists: Vec<String>,
        origin: Option<Origin>,
    },
    /// The picker: puts a synced officer on the team, or takes them off (certified officers only).
    InspectorToggled {
        inspection: InspectionId,
        user: UserId,
    },
    /// The picker: names the recorder (记录人), a certified officer.
    RecorderChosen {
        inspection: InspectionId,
        user: UserId,
    },
    /// The picker: who answers for the enterprise, picked from those offered or typed.
    RespondentChosen {
        inspection: InspectionId,
        respondent: Respondent,
    },
    /// Arrived on site: the inspection opens for answers (with a fix).
    StartInspection(InspectionId),
    AnswerChosen {
        inspection: InspectionId,
        item: ItemRef,
        choice: Choice,
    },
    /// A key stroke in an item's value field (`field` is `answer_text::VALUE` or a measure's key).
    AnswerTyped {
        inspection: InspectionId,
        item: ItemRef,
        field: String,
        text: String,
    },
    NoteTyped {
        inspection: InspectionId,
        item: ItemRef,
        text: String,
    },
    /// "Save" on a typed answer: the core reads the typed fields and answers, or names what it could not read.
    AnswerSaved {
        inspection: InspectionId,
        item: ItemRef,
    },
    /// The shutter of the in-app camera: the core takes the picture through the camera capability.
    TakePhoto {
        target: PhotoTarget,
        torch: bool,
    },
    /// A photo picked from the phone's library: kept as imported evidence, never as captured.
    PhotoImported {
        target: PhotoTarget,
        path: PathBuf,
        taken_at: DateTime<Utc>,
    },
    LocationFixed(LocationReading),
    NetworkChanged(Network),
    /// The app came back to the foreground.
    Resumed,
    SyncRequested,
    /// Reads the record back before it is signed: the text (and its hash) is what the signers sign.
    ReadBack(InspectionId),
    /// A person signed the read-back with a finger: strokes in a `width` × `height` box.
    Signed {
        inspection: InspectionId,
        role: SignerRole,
        signer: String,
        width: f32,
        height: f32,
        strokes: Vec<Stroke>,
    },
    /// A person refused to sign the read-back; the refusal is noted with the reason and a witness.
    RefusedToSign {
        inspection: InspectionId,
        role: SignerRole,
        signer: String,
        reason: String,
        witness: Witness,
    },
    /// Submits the record (as read back, with its signatures, if it was read back).
    Submit(InspectionId),
    /// The enterprise's phone shows its order as read back before it signs for it.
    ReadOrderBack(TaskId),
    /// The person receiving the order signed for it with a finger: the task's acknowledgement.
    AcknowledgedOrder {
        task: TaskId,
        signer: String,
        width: f32,
        height: f32,
        strokes: Vec<Stroke>,
    },
    /// The person receiving the order refused to sign; noted with the reason and a witness.
    RefusedToAcknowledge {
        task: TaskId,
        signer: String,
        reason: String,
        witness: Witness,
    },
    /// Prints a record or an order on the phone (offline) into a file the view model names.
    OpenDocument(DocumentRef),
    /// Hands the document last opened to the share sheet.
    ShareDocument,
    /// A step on a task; this device's unsent photos of the task go with it.
    TaskStep {
        task: TaskId,
        action: TaskAction,
        note: String,
    },
    ArriveAtAlarm(AlarmId),
    /// Closes an alarm with on-site feedback and its unsent photos.
    CloseAlarm {
        alarm: AlarmId,
        feedback: String,
    },
    /// Day, night or following the phone, from the settings (kept across restarts).
    ThemeChosen(Theme),
    /// The person postpones (or resumes) the command centre's requests for originals.
    PostponeOriginals(bool),
    DismissMessage,
}

impl Event {
    /// Whether the event may change stored records (so lists shown elsewhere reload); typing and
    /// moving between screens do not.
    pub fn writes(&self) -> bool {
        !matches!(
            self,
            Self::Open(_)
                | Self::Back
                | Self::SearchTyped(_)
                | Self::AnswerTyped { .. }
                | Self::NoteTyped { .. }
                | Self::LocationFixed(_)
                | Self::NetworkChanged(_)
                | Self::DismissMessage
                | Self::ReadOrderBack(_)
                | Self::OpenDocument(_)
                | Self::ShareDocument
                | Self::ThemeChosen(_)
        )
    }
}
