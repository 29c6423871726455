//! Inspections as the inspection screens show them: progress per checklist, state and photos per
//! item, and the problems (from the core) that still block submission.

use super::{LocalizedText, TemplateView};
use crate::custom_types::Timestamp;
use crate::photos::PhotoView;
use fieldcheck_core::domain::answer::Verdict;
use fieldcheck_core::domain::finding::Finding;
use fieldcheck_core::domain::finding::Severity;
use fieldcheck_core::domain::inspection::{Inspection, InspectionKind, InspectionState, Problem, ProblemCode};
use fieldcheck_core::domain::template::ItemRef;
use fieldcheck_core::evidence::EvidenceRecord;
use fieldcheck_core::store::{InspectionView, PlaceNames};
use uuid::Uuid;

#[uniffi::remote(Enum)]
pub enum InspectionKind {
    Routine,
    NightSpotCheck,
    AlarmResponse,
    Complaint12369,
    DoubleRandom,
    ReInspection,
}

#[uniffi::remote(Enum)]
pub enum InspectionState {
    Draft,
    InProgress,
    Submitted,
}

#[uniffi::remote(Enum)]
pub enum ProblemCode {
    NotStarted,
    NoChecklist,
    UnknownChecklist,
    Unanswered,
    InvalidAnswer,
    PhotoMissing,
    FindingMissing,
    FindingIncomplete,
    TooFewInspectors,
    CertificateMissing,
    RecorderMissing,
    EndBeforeStart,
}

/// An inspection in a list.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct InspectionSummary {
    pub id: Uuid,
    pub enterprise: Uuid,
    pub kind: InspectionKind,
    pub state: InspectionState,
    /// Checklist ids, in the order chosen.
    pub checklists: Vec<String>,
    pub started_at: Option<Timestamp>,
    pub ended_at: Option<Timestamp>,
    pub summary: String,
    /// The submitted inspection this one corrects.
    pub corrects: Option<Uuid>,
    /// The enterprise's name, when the enterprise is on this device.
    pub enterprise_name: Option<String>,
    pub township_name: Option<String>,
    /// The latest photo's thumbnail (a small JPEG in the data folder).
    pub thumbnail_path: Option<String>,
}

impl InspectionSummary {
    pub(crate) fn new(i: &Inspection, names: Option<&PlaceNames>, thumbnail_path: Option<String>) -> Self {
        Self {
            id: i.id.0,
            enterprise: i.enterprise.0,
            kind: i.kind,
            state: i.state,
            checklists: i.checklists.iter().map(|t| t.id.clone()).collect(),
            started_at: i.started_at,
            ended_at: i.ended_at,
            summary: i.summary.clone(),
            corrects: i.corrects.map(|c| c.0),
            enterprise_name: names.map(|n| n.enterprise.clone()),
            township_name: names.and_then(|n| n.township.clone()),
            thumbnail_path,
        }
    }
}

/// Something that blocks submission, tied to an item when it has one.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ProblemView {
    pub template_id: Option<String>,
    pub item_code: Option<String>,
    pub code: ProblemCode,
    pub message: LocalizedText,
}

impl From<&Problem> for ProblemView {
    fn from(p: &Problem) -> Self {
        Self {
            template_id: p.item.as_ref().map(|i| i.template.clone()),
            item_code: p.item.as_ref().map(|i| i.code.clone()),
            code: p.code,
            message: (&p.message).into(),
        }
    }
}

/// A problem found on site.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct FindingView {
    pub id: Uuid,
    pub inspection: Uuid,
    pub template_id: Option<String>,
    pub item_code: Option<String>,
    pub severity: Severity,
    pub description: String,
    pub legal_basis: Vec<String>,
    /// Days the enterprise gets to rectify.
    pub deadline_days: Option<u32>,
    /// Photos of this finding taken on this device, in capture order (filled on `InspectionScreen`;
    /// ignored by `editFinding`).
    #[uniffi(default)]
    pub photos: Vec<PhotoView>,
}

impl From<&Finding> for FindingView {
    fn from(f: &Finding) -> Self {
        Self {
            id: f.id.0,
            inspection: f.inspection.0,
            template_id: f.item.as_ref().map(|i| i.template.clone()),
            item_code: f.item.as_ref().map(|i| i.code.clone()),
            severity: f.severity,
            description: f.description.clone(),
            legal_basis: f.legal_basis.clone(),
            deadline_days: f.deadline_days,
            photos: Vec::new(),
        }
    }
}

/// One item of a checklist on the inspection screen.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ItemProgress {
    pub code: String,
    pub verdict: Option<Verdict>,
    /// The answer picked, so the screen marks it as chosen (none for typed answers).
    #[uniffi(default)]
    pub chosen: Option<crate::app::AnswerChoice>,
    pub note: Option<String>,
    /// Photos of this item, including any known only by reference (e.g. of a pulled inspection).
    pub photo_count: u32,
    /// This item's photos taken on this device, in capture order, with their thumbnails.
    pub photos: Vec<PhotoView>,
    /// What still blocks submission on this item (from the core), ready to show under it.
    pub problems: Vec<LocalizedText>,
}

/// One checklist of an inspection, with its items' state.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ChecklistProgress {
    pub template: TemplateView,
    pub answered: u32,
    pub total: u32,
    pub items: Vec<ItemProgress>,
}

/// Everything the inspection screen shows.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct InspectionScreen {
    pub inspection: InspectionSummary,
    pub checklists: Vec<ChecklistProgress>,
    pub findings: Vec<FindingView>,
    /// Every problem that blocks submission (empty once submitted); item problems also appear on
    /// their item.
    pub problems: Vec<ProblemView>,
    pub can_submit: bool,
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl InspectionScreen {
    /// The screen of `v`; `photo` gives an evidence record's view (its thumbnail's path).
    pub(crate) fn new(
        v: &InspectionView,
        inspection: InspectionSummary,
        photo: impl Fn(&EvidenceRecord) -> PhotoView,
    ) -> Self {
        let photos = |records: Option<&Vec<EvidenceRecord>>| records.into_iter().flatten().map(&photo).collect();
        let checklists = v
            .templates
            .iter()
            .map(|t| {
                let items: Vec<ItemProgress> = t
                    .items
                    .iter()
                    .map(|item| {
                        let here = ItemRef { template: t.id.clone(), code: item.code.clone() };
                        let answer = v.answers.iter().find(|a| a.answer.item == here);
                        ItemProgress {
                            code: item.code.clone(),
                            verdict: answer.map(|a| a.verdict),
                            chosen: answer.and_then(|a| crate::app::AnswerChoice::of(&a.answer.value)),
                            note: answer.and_then(|a| a.answer.note.clone()),
                            photo_count: count(v.photos.iter().filter(|p| p.item.as_ref() == Some(&here)).count()),
                            photos: photos(v.item_evidence.get(&here)),
                            problems: v
                                .problems
                                .iter()
                                .filter(|p| p.item.as_ref() == Some(&here))
                                .map(|p| (&p.message).into())
                                .collect(),
                        }
                    })
                    .collect();
                ChecklistProgress {
                    template: t.into(),
                    answered: count(items.iter().filter(|i| i.verdict.is_some()).count()),
                    total: count(items.len()),
                    items,
                }
            })
            .collect();
        Self {
            inspection,
            checklists,
            findings: v
                .findings
                .iter()
                .map(|f| FindingView { photos: photos(v.finding_evidence.get(&f.id)), ..f.into() })
                .collect(),
            problems: v.problems.iter().map(Into::into).collect(),
            can_submit: v.inspection.state != InspectionState::Submitted && v.problems.is_empty(),
        }
    }
}
