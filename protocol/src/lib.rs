//! Wire types of the sync protocol, shared by the phones and the platform (see docs/sync-protocol.md).
//! Outbox entries are intents, not row copies: the server re-checks every rule before applying one.

use chrono::{DateTime, Utc};
use fieldcheck_domain::alarm::Alarm;
use fieldcheck_domain::answer::Answer;
use fieldcheck_domain::finding::Finding;
use fieldcheck_domain::geo::{FixMissing, GeoFix};
use fieldcheck_domain::ids::{AlarmId, DeviceId, EnterpriseId, EvidenceId, InspectionId, MutationId, TaskId, UserId};
use fieldcheck_domain::inspection::Inspection;
use fieldcheck_domain::notice::Notice;
use fieldcheck_domain::organisation::{Enterprise, Squadron, Township, User};
use fieldcheck_domain::rectification::{RectificationTask, TaskAction};
use fieldcheck_domain::supervision::assignment::{Assignment, Draw};
use fieldcheck_domain::supervision::grid::Grid;
use fieldcheck_domain::supervision::monitoring::MonitoringPoints;
use fieldcheck_domain::template::ChecklistTemplate;
use serde::{Deserialize, Serialize};

mod wire;
pub use wire::{SentJson, SentPage};

/// Bumped on any incompatible change; the server answers 426 "upgrade required" to older clients.
pub const PROTOCOL_VERSION: u32 = 1;

/// The bounds of the wire, in one place for both ends: the platform refuses past them, and a phone
/// sizes its requests inside them.
pub mod limits {
    /// Largest request body the platform accepts (a push, a photo chunk).
    pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
    /// Most mutations in one push.
    pub const MAX_PUSH_MUTATIONS: usize = 1000;
    /// Most changes in one pull page.
    pub const MAX_PULL_PAGE: u32 = 1000;
    /// Most bytes of stored intents a phone puts in one push: half the body limit, so the request (the
    /// intents plus each mutation's envelope) stays well under it even for large inspections.
    pub const PUSH_BODY_BUDGET: usize = MAX_BODY_BYTES / 2;
}

/// One numbered change a device asks the server to make.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Mutation {
    pub id: MutationId,
    /// Per-device sequence number, from 1, without gaps; the server applies each exactly once.
    pub seq: u64,
    /// Device clock when the user acted.
    pub made_at: DateTime<Utc>,
    pub intent: Intent,
}

/// What the user meant to do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", content = "body")]
pub enum Intent {
    /// A finished inspection with everything it produced.
    #[serde(rename = "inspection.submit")]
    InspectionSubmit(Box<SubmittedInspection>),
    /// A status change of a rectification task. `proof` is the cited photos' chain, sealed by the
    /// device (absent when it cites none).
    #[serde(rename = "task.transition")]
    TaskTransition {
        task: TaskId,
        action: TaskAction,
        note: String,
        evidence: Vec<EvidenceId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        proof: Option<Box<SubmittedEvidence>>,
        /// The enterprise's acknowledgement of its order as a signature (or a noted refusal) over the
        /// order's read-back; `proof` then carries the device seal covering it (its chain may be empty).
        /// Absent from older phones, whose acknowledgement stays unsigned.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signature: Option<fieldcheck_domain::signature::Signature>,
    },
    /// An officer arrived at a dispatched alarm's site.
    #[serde(rename = "alarm.arrive")]
    AlarmArrive {
        alarm: AlarmId,
        location: Option<GeoFix>,
        /// Why there is no fix, when the phone had none (absent from older phones).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        location_missing: Option<FixMissing>,
    },
    /// On-site feedback that closes an alarm, with its photos' sealed chain as for a task transition.
    #[serde(rename = "alarm.close")]
    AlarmClose {
        alarm: AlarmId,
        feedback: String,
        evidence: Vec<EvidenceId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        proof: Option<Box<SubmittedEvidence>>,
    },
    /// A free-text field of an enterprise edited on a device; `base` is the value the edit started
    /// from, so the server can tell a concurrent edit and keep the losing value.
    #[serde(rename = "enterprise.edit")]
    EnterpriseEdit { enterprise: EnterpriseId, field: EnterpriseField, base: String, value: String },
}

pub use fieldcheck_domain::decide::enterprise::EnterpriseField;

/// An inspection as submitted, with what the device derived from it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubmittedInspection {
    pub inspection: Inspection,
    pub answers: Vec<Answer>,
    pub findings: Vec<Finding>,
    /// Rectification tasks the findings ask for, with device-made ids.
    pub tasks: Vec<RectificationTask>,
    /// Notices the findings ask for.
    pub notices: Vec<Notice>,
    /// The inspection's photo evidence chain and the device's signature over its head; the platform
    /// verifies both (`evidence::countersign`) before accepting the inspection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<SubmittedEvidence>,
    /// Signatures (or noted refusals) given on the read-back of this record; an old phone sends none
    /// (the record is then signed on paper). Checked with `decide::inspection::signatures`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signatures: Vec<fieldcheck_domain::signature::Signature>,
}

/// Photo evidence as submitted: every entry's metadata and hashes (no pixels; blobs follow separately)
/// and the device's seal over the chain head.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubmittedEvidence {
    pub chain: fieldcheck_evidence::EvidenceChain,
    pub seal: fieldcheck_evidence::DeviceSeal,
    /// Each photo's upload rendition and thumbnail (not evidence, so not in the chain): the blobs the
    /// platform accepts for this record besides the originals.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub renditions: Vec<RenditionRef>,
}

/// The upload rendition of one evidence entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RenditionRef {
    pub evidence: EvidenceId,
    pub blob: fieldcheck_evidence::BlobRef,
    /// The photo's thumbnail (an inspection's, uploaded too: the printed record's photo index is made
    /// from it, on the phone and on the platform; absent from older records and from task proofs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<fieldcheck_evidence::BlobRef>,
}

/// POST /v1/sync/push
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushRequest {
    pub protocol: u32,
    pub device: DeviceId,
    /// Device clock when the request was sent, to measure skew.
    pub sent_at: DateTime<Utc>,
    pub mutations: Vec<Mutation>,
    /// The last sequence number of the device's push still unanswered when this one was sent (pushes
    /// pipelined, two in flight): the platform applies this push only once that mutation's outcome is
    /// stored, so the device's mutations apply in order whichever request arrives first. Below every
    /// sequence number of this push. Sent only to a platform that answered [`PushResponse::pipelining`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follows: Option<u64>,
}

impl PushRequest {
    /// Why `follows` is out of place, if it is: it must come before every mutation of the push (sequence
    /// numbers grow on a device).
    pub fn misplaced_follows(&self) -> Option<String> {
        let (follows, first) = (self.follows?, self.mutations.iter().map(|m| m.seq).min()?);
        (follows >= first)
            .then(|| format!("follows ({follows}) must be below the push's sequence numbers (the first is {first})"))
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResponse {
    /// Server clock when the request arrived.
    pub received_at: DateTime<Utc>,
    /// One result per mutation, in request order.
    pub results: Vec<MutationResult>,
    /// This platform honours [`PushRequest::follows`]: the device may send its next push before this
    /// one is answered. Absent (false) from platforms older than pipelined pushes.
    #[serde(default)]
    pub pipelining: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MutationResult {
    pub seq: u64,
    pub outcome: Outcome,
}

/// What became of a mutation. Applied and rejected are final; a device drops the entry from its
/// queue only on one of these answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    Applied,
    /// Permanently refused; the device shows it as "needs attention" and moves on.
    Rejected {
        code: RejectCode,
        reason: String,
    },
    /// Not applied: the value changed on the server since the device read it (`base` is stale). The
    /// server keeps its value (`current`, with the field) and keeps the device's value in its
    /// conflicts list for the command centre; the device takes `current` and shows the clash.
    Conflict {
        current: serde_json::Value,
    },
}

pub use fieldcheck_domain::error::RejectCode;

/// GET /v1/sync/pull?cursor=N&limit=M
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PullResponse {
    pub changes: Vec<Change>,
    /// Where the next page starts; the device stores it in the same transaction as the page.
    pub cursor: u64,
    pub has_more: bool,
    /// The device's cursor is older than the tombstone window: drop local replicas and pull from 0
    /// (after pushing what is pending).
    #[serde(default)]
    pub reset: bool,
    /// The command centre ordered this device wiped: the page carries no changes (a lost phone is sent
    /// nothing more); the device sends what it can, erases itself and reports with [`WipeReport`].
    /// Absent unless ordered, so older apps read the page as they always did.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub wipe: bool,
}

/// POST /v1/sync/wiped: what a device ordered wiped sent before erasing itself, and what it could not.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WipeReport {
    pub sent: WipeCounts,
    pub lost: WipeCounts,
}

/// Changes (outbox entries) and photo files (renditions, originals).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WipeCounts {
    pub changes: u64,
    pub photos: u64,
}

/// One entry of the change log the caller may see.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "wire::WireChange<Box<Record>>")]
pub struct Change {
    pub cursor: u64,
    #[serde(flatten)]
    pub op: ChangeOp,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum ChangeOp {
    Upsert {
        record: Box<Record>,
    },
    /// A tombstone.
    Delete {
        entity: Entity,
        id: uuid::Uuid,
    },
}

/// Kinds of record that replicate to devices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    Township,
    Squadron,
    User,
    Enterprise,
    Template,
    Inspection,
    Task,
    TaskEvent,
    Alarm,
    Notice,
    OriginalRequest,
    /// A double-random draw as recorded (command centre only).
    Draw,
    /// One officer's drawn inspection (addressed to that officer).
    Assignment,
    /// A patrol grid (addressed to its owner).
    Grid,
    /// An enterprise's monitoring points (command centre only), stored under the enterprise's id.
    MonitoringPoints,
}

/// A replicated record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "entity", content = "data", rename_all = "snake_case")]
pub enum Record {
    Township(Township),
    Squadron(Squadron),
    User(User),
    Enterprise(Enterprise),
    Template(ChecklistTemplate),
    Inspection(Box<SubmittedInspection>),
    Task(RectificationTask),
    TaskEvent(TaskEvent),
    Alarm(Alarm),
    Notice(Notice),
    OriginalRequest(OriginalRequest),
    Draw(Box<Draw>),
    Assignment(Assignment),
    Grid(Grid),
    MonitoringPoints(MonitoringPoints),
}

/// The command centre asks for a photo's original (devices with the "on request" policy keep it until
/// asked). Pulled only by the officer who took the photo; the device that holds it uploads it on its
/// next sync. One per photo (its id is the evidence id); asking again re-sends it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OriginalRequest {
    pub evidence: EvidenceId,
    pub inspection: InspectionId,
    /// The original as the chain names it (hash and length).
    pub original: fieldcheck_evidence::BlobRef,
    /// The device that took the photo, and its officer.
    pub device: DeviceId,
    pub officer: UserId,
    pub requested_by: UserId,
    /// Server time of the request.
    pub requested_at: DateTime<Utc>,
}

/// One line of a task's audit trail / timeline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskEvent {
    pub id: uuid::Uuid,
    pub task: TaskId,
    pub action: TaskAction,
    pub by: UserId,
    pub by_name: String,
    pub note: String,
    pub evidence: Vec<EvidenceId>,
    /// Server time the transition was applied.
    pub at: DateTime<Utc>,
    /// The cited photos that came with a sealed chain, so the other side can fetch and show them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<StepPhoto>,
    /// The signature given on the step (the enterprise's acknowledgement of its order) with the device
    /// seal over it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<Box<SealedSignature>>,
}

/// A signature and the device seal that covers it (moved to `fieldcheck-evidence`, whose bundles carry it).
pub use fieldcheck_evidence::SealedSignature;

/// A photo a task step cites: its original's hash (what the chain commits to) and the rendition to fetch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StepPhoto {
    pub evidence: EvidenceId,
    pub original: fieldcheck_evidence::Digest,
    pub rendition: fieldcheck_evidence::BlobRef,
    /// Device time the photo was taken.
    pub taken_at: DateTime<Utc>,
}

impl SubmittedEvidence {
    /// The photos of the chain with their renditions, in chain order (those without a rendition left out).
    pub fn step_photos(&self) -> Vec<StepPhoto> {
        self.chain
            .entries
            .iter()
            .filter_map(|e| {
                let rendition = self.renditions.iter().find(|r| r.evidence == e.meta.evidence)?;
                Some(StepPhoto {
                    evidence: e.meta.evidence,
                    original: e.original.sha256,
                    rendition: rendition.blob,
                    taken_at: e.meta.taken_at,
                })
            })
            .collect()
    }
}

// ---- Evidence blobs ----------------------------------------------------------------------------
// Photos are uploaded after the record they belong to, content-addressed and resumable:
//   GET  /v1/blobs/{sha256}?len=N   -> BlobStatus (how much the server holds; deduplicated per tenant)
//   PUT  /v1/blobs/{sha256}         body = one chunk, header `Content-Range: bytes {first}-{last}/{len}`
//                                   -> BlobStatus; once all bytes are in, the server checks length and
//                                   hash and only then sets `confirmed`.

pub use fieldcheck_evidence::BlobStatus;
