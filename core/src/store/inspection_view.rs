//! An inspection as a screen shows it: its checklists, answers with verdicts, findings, photos (with
//! their evidence records grouped by item and finding) and the problems that still block submission,
//! each tied to its item.

use super::error::StoreError;
use super::photos::{self, Photo};
use super::{Store, templates};
use super::{evidence_records, findings, inspections};
use crate::domain::answer::{Answer, Verdict};
use crate::domain::finding::Finding;
use crate::domain::ids::{FindingId, InspectionId};
use crate::domain::inspection::{Inspection, InspectionState, Problem};
use crate::domain::template::{ChecklistTemplate, ItemRef};
use crate::evidence::{EvidenceRecord, Subject};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};

/// An answer and what it says about compliance.
#[derive(Clone, Debug, PartialEq)]
pub struct AnsweredItem {
    pub answer: Answer,
    pub verdict: Verdict,
}

/// Everything a screen needs to show one inspection.
#[derive(Clone, Debug, PartialEq)]
pub struct InspectionView {
    pub inspection: Inspection,
    pub templates: Vec<ChecklistTemplate>,
    pub answers: Vec<AnsweredItem>,
    pub findings: Vec<Finding>,
    pub photos: Vec<Photo>,
    /// The evidence records of photos taken on this device for each item, in capture order (a photo
    /// known only by its `Photo` link, e.g. of a pulled inspection, has none: it counts in `photos`).
    pub item_evidence: BTreeMap<ItemRef, Vec<EvidenceRecord>>,
    /// The same for each finding.
    pub finding_evidence: BTreeMap<FindingId, Vec<EvidenceRecord>>,
    /// What still blocks submission (empty once submitted).
    pub problems: Vec<Problem>,
}

impl Store {
    /// The inspection with all it holds; problems are computed as of `now`.
    pub fn inspection_view(&self, id: InspectionId, now: DateTime<Utc>) -> Result<Option<InspectionView>, StoreError> {
        self.read(|conn| {
            let Some(inspection) = inspections::find(conn, id)? else { return Ok(None) };
            let templates = templates::owned(&self.templates.installed(conn, &inspection.checklists)?);
            let answers: Vec<AnsweredItem> = inspections::answers_of(conn, &self.templates, &inspection)?
                .into_iter()
                .map(|(answer, verdict)| AnsweredItem { answer, verdict })
                .collect();
            let findings = findings::findings(conn, id)?;
            let photos = photos::photos(conn, id)?;
            // One query for the whole screen, then grouped by what each photo shows.
            let mut item_evidence: BTreeMap<ItemRef, Vec<EvidenceRecord>> = BTreeMap::new();
            let mut finding_evidence: BTreeMap<FindingId, Vec<EvidenceRecord>> = BTreeMap::new();
            for record in evidence_records::records(conn, id)? {
                match &record.meta.subject {
                    Subject::Item { item } => item_evidence.entry(item.clone()).or_default().push(record),
                    Subject::Finding { finding } => finding_evidence.entry(*finding).or_default().push(record),
                    Subject::Overall => {}
                }
            }
            let problems = if inspection.state == InspectionState::Submitted {
                Vec::new()
            } else {
                let given: Vec<Answer> = answers.iter().map(|a| a.answer.clone()).collect();
                let with_photo: BTreeSet<_> = photos.iter().filter_map(|p| p.item.clone()).collect();
                inspection.problems(&templates, &given, &with_photo, &findings, now)
            };
            Ok(Some(InspectionView {
                inspection,
                templates,
                answers,
                findings,
                photos,
                item_evidence,
                finding_evidence,
                problems,
            }))
        })
    }
}
