//! On-site inspections: a draft, the team, arrival, answers, findings, and submission. Each call is
//! one durable write in the store; the core decides every rule.

use crate::changes::ChangeKind;
use crate::client::Shared;
use crate::diagnostics::Live;
use crate::error::{FieldcheckError, Result};
use crate::photos::photo_view;
use crate::rows::Rows;
use crate::views::{AnswerInput, FindingView, InspectionScreen, InspectionSummary, ProblemView, TaskView};
use fieldcheck_core::domain::DomainError;
use fieldcheck_core::domain::answer::Verdict;
use fieldcheck_core::domain::finding::Finding;
use fieldcheck_core::domain::finding::Severity;
use fieldcheck_core::domain::geo::{FixMissing, GeoFix};
use fieldcheck_core::domain::ids::{FindingId, InspectionId, UserId};
use fieldcheck_core::domain::inspection::{InspectionKind, InspectionState};
use fieldcheck_core::domain::inspection::{Inspector, Respondent};
use fieldcheck_core::domain::template::ItemRef;
use fieldcheck_core::evidence::EvidenceRecord;
use fieldcheck_core::store::{NewInspection, StoreError};
use std::sync::Arc;
use uuid::Uuid;

#[uniffi::remote(Record)]
pub struct Respondent {
    pub name: String,
    pub position: String,
    pub phone: String,
}

/// An officer on the team, with the enforcement certificate number (执法证号).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct InspectorInput {
    pub user: Uuid,
    pub name: String,
    pub certificate_no: String,
}

impl From<InspectorInput> for Inspector {
    fn from(i: InspectorInput) -> Self {
        Inspector { user: UserId(i.user), name: i.name, certificate_no: i.certificate_no }
    }
}

/// A finding the officer writes (not one proposed by a failed item).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct FindingInput {
    pub inspection: Uuid,
    pub template_id: Option<String>,
    pub item_code: Option<String>,
    pub severity: Severity,
    pub description: String,
    pub legal_basis: Vec<String>,
    pub deadline_days: Option<u32>,
}

/// The core's verdict on an answer, and the finding a failed item proposed.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AnswerOutcome {
    pub verdict: Verdict,
    pub proposed_finding: Option<FindingView>,
}

/// What submitting did.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum SubmitResult {
    /// Frozen and queued for the platform, with the rectification tasks its findings issued.
    Submitted { tasks: Vec<TaskView>, notices: u32 },
    /// Not submitted: every problem at once, each tied to its item where it has one.
    Blocked { problems: Vec<ProblemView> },
}

/// Inspections on this device.
#[derive(uniffi::Object)]
pub struct InspectionsClient {
    shared: Arc<Shared>,
    _live: Live,
}

impl InspectionsClient {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        Self { shared, _live: Live::new() }
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    fn changed(&self, id: InspectionId) {
        self.shared.changes.changed(ChangeKind::Inspection, Some(id.0));
    }

    fn summary_after(
        &self,
        id: Uuid,
        write: impl FnOnce(InspectionId) -> Result<fieldcheck_core::domain::inspection::Inspection, StoreError>,
    ) -> Result<InspectionSummary> {
        let inspection = write(InspectionId(id))?;
        self.changed(inspection.id);
        self.summary(&inspection)
    }

    fn summary(&self, inspection: &fieldcheck_core::domain::inspection::Inspection) -> Result<InspectionSummary> {
        Rows::new(&self.shared, [inspection.enterprise])?.inspection(inspection)
    }
}

fn item_ref(template_id: Option<String>, item_code: Option<String>) -> Result<Option<ItemRef>> {
    match (template_id, item_code) {
        (Some(template), Some(code)) => Ok(Some(ItemRef { template, code })),
        (None, None) => Ok(None),
        _ => Err(FieldcheckError::InvalidInput(
            "a finding's item needs both the checklist and the item code / 需同时给出检查表和检查项".into(),
        )),
    }
}

#[uniffi::export]
impl InspectionsClient {
    /// Creates a draft at an enterprise with the newest version of each chosen checklist.
    pub fn create(&self, enterprise: Uuid, kind: InspectionKind, checklists: Vec<String>) -> Result<InspectionSummary> {
        let store = &self.shared.store;
        let installed = store.latest_templates()?;
        let checklists = checklists
            .iter()
            .map(|id| {
                installed
                    .iter()
                    .find(|t| &t.id == id)
                    .map(|t| t.reference())
                    .ok_or_else(|| FieldcheckError::NotFound(format!("no checklist {id:?} / 检查表不存在")))
            })
            .collect::<Result<Vec<_>>>()?;
        let new = NewInspection {
            enterprise: fieldcheck_core::domain::ids::EnterpriseId(enterprise),
            kind,
            checklists,
            origin: None,
        };
        let inspection = store.create_inspection(&new)?;
        self.changed(inspection.id);
        self.summary(&inspection)
    }

    /// Names the inspectors (at least two, with certificate numbers) and the recorder.
    pub fn set_team(
        &self,
        id: Uuid,
        inspectors: Vec<InspectorInput>,
        recorder: Option<InspectorInput>,
    ) -> Result<InspectionSummary> {
        let inspectors = inspectors.into_iter().map(Into::into).collect();
        self.summary_after(id, |id| self.shared.store.set_team(id, inspectors, recorder.map(Into::into)))
    }

    /// Arrival on site: records the time now and the location fix (none is recorded as no fix, 无定位),
    /// and opens the record for answers.
    pub fn start(&self, id: Uuid, location: Option<GeoFix>) -> Result<InspectionSummary> {
        let store = &self.shared.store;
        let missing = FixMissing::when_absent(&location);
        self.summary_after(id, |id| store.start_inspection(id, store.now(), location, missing))
    }

    /// Records who answered for the enterprise and the officer's narrative (检查记录).
    pub fn set_record(&self, id: Uuid, respondent: Option<Respondent>, summary: String) -> Result<InspectionSummary> {
        self.summary_after(id, |id| self.shared.store.set_record(id, respondent, &summary))
    }

    /// Answers an item; the core validates and judges it, and a failed item proposes a finding.
    pub fn answer(
        &self,
        id: Uuid,
        template_id: String,
        item_code: String,
        answer: AnswerInput,
        note: Option<String>,
    ) -> Result<AnswerOutcome> {
        let item = ItemRef { template: template_id, code: item_code };
        let answered = self.shared.store.answer(InspectionId(id), item, answer.into(), note)?;
        self.changed(InspectionId(id));
        Ok(AnswerOutcome {
            verdict: answered.verdict,
            proposed_finding: answered.proposed_finding.as_ref().map(Into::into),
        })
    }

    /// Adds a finding the officer wrote.
    pub fn add_finding(&self, finding: FindingInput) -> Result<FindingView> {
        let finding = Finding {
            id: FindingId::new(),
            inspection: InspectionId(finding.inspection),
            item: item_ref(finding.template_id, finding.item_code)?,
            severity: finding.severity,
            description: finding.description,
            legal_basis: finding.legal_basis,
            deadline_days: finding.deadline_days,
        };
        self.shared.store.add_finding(&finding)?;
        self.changed(finding.inspection);
        Ok((&finding).into())
    }

    /// Replaces a finding with the officer's edit.
    pub fn edit_finding(&self, finding: FindingView) -> Result<()> {
        let finding = Finding {
            id: FindingId(finding.id),
            inspection: InspectionId(finding.inspection),
            item: item_ref(finding.template_id, finding.item_code)?,
            severity: finding.severity,
            description: finding.description,
            legal_basis: finding.legal_basis,
            deadline_days: finding.deadline_days,
        };
        self.shared.store.edit_finding(&finding)?;
        self.changed(finding.inspection);
        Ok(())
    }

    /// Removes a finding from an inspection in progress.
    pub fn remove_finding(&self, inspection: Uuid, finding: Uuid) -> Result<()> {
        self.shared.store.remove_finding(InspectionId(inspection), FindingId(finding))?;
        self.changed(InspectionId(inspection));
        Ok(())
    }

    /// Submits: either frozen and queued with its tasks, or blocked with every problem listed.
    pub fn submit(&self, id: Uuid) -> Result<SubmitResult> {
        match self.shared.store.submit_inspection(InspectionId(id)) {
            Ok(submitted) => {
                self.changed(InspectionId(id));
                self.shared.changes.changed(ChangeKind::Task, None);
                let now = self.shared.store.now();
                let rows = Rows::new(&self.shared, submitted.tasks.iter().map(|t| t.enterprise))?;
                Ok(SubmitResult::Submitted {
                    tasks: submitted.tasks.iter().map(|t| rows.task(t, t.is_overdue(now))).collect::<Result<_>>()?,
                    notices: u32::try_from(submitted.notices.len()).unwrap_or(u32::MAX),
                })
            }
            Err(StoreError::Domain(DomainError::NotSubmittable { problems })) => {
                Ok(SubmitResult::Blocked { problems: problems.iter().map(Into::into).collect() })
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Starts a correction of a submitted inspection: a new draft that refers to it.
    pub fn correct(&self, id: Uuid) -> Result<InspectionSummary> {
        self.summary_after(id, |id| self.shared.store.correct_inspection(id))
    }

    /// The inspection screen: checklists with progress, per-item state, photos and problems, findings
    /// with their photos.
    pub fn screen(&self, id: Uuid) -> Result<InspectionScreen> {
        let store = &self.shared.store;
        let view = store.inspection_view(InspectionId(id), store.now())?.ok_or_else(|| {
            FieldcheckError::NotFound(format!("inspection {id} is not on this device / 检查记录不存在"))
        })?;
        // Inspection photos go with the submission: sent (or queued) once it is submitted.
        let sent = view.inspection.state == InspectionState::Submitted;
        let photo = |record: &EvidenceRecord| photo_view(&self.shared, record, sent);
        Ok(InspectionScreen::new(&view, self.summary(&view.inspection)?, photo))
    }
}
