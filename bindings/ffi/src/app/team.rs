//! The team and respondent picker as the apps render it (the core's `TeamPicker`).

use crate::views::ProblemView;
use fieldcheck_core::app::{Candidate, TeamPicker};
use fieldcheck_core::domain::inspection::Respondent;
use uuid::Uuid;

/// An officer the team may be picked from.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CandidateView {
    pub user: Uuid,
    pub name: String,
    /// 执法证号; an officer without one cannot be picked (the core refuses with a message).
    pub certificate_no: Option<String>,
    pub inspector: bool,
    pub recorder: bool,
}

/// The open inspection's team and respondent, with what is still wrong with the team.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct TeamPickerView {
    pub inspection: Uuid,
    pub candidates: Vec<CandidateView>,
    /// Empty once the team may be submitted.
    pub problems: Vec<ProblemView>,
    pub respondent: Option<Respondent>,
    /// The enterprise's legal representative, then its contact.
    pub offered: Vec<Respondent>,
}

impl From<&Candidate> for CandidateView {
    fn from(c: &Candidate) -> Self {
        Self {
            user: c.user.0,
            name: c.name.clone(),
            certificate_no: c.certificate_no.clone(),
            inspector: c.inspector,
            recorder: c.recorder,
        }
    }
}

impl From<&TeamPicker> for TeamPickerView {
    fn from(t: &TeamPicker) -> Self {
        Self {
            inspection: t.inspection.0,
            candidates: t.candidates.iter().map(Into::into).collect(),
            problems: t.problems.iter().map(Into::into).collect(),
            respondent: t.respondent.clone(),
            offered: t.offered.clone(),
        }
    }
}
