//! The team and respondent picker of an open inspection: the officer picks the inspectors and the
//! recorder from the officers the phone has synced, and the enterprise's respondent (its legal
//! representative or contact offered first). Each pick is saved at once; what is still wrong with the
//! team is the domain's own rule (`Inspection::team_problems`), the one submission is refused by.

use super::AppError;
use crate::domain::ids::{InspectionId, UserId};
use crate::domain::inspection::{Inspection, InspectionState, Inspector, Problem, Respondent};
use crate::domain::organisation::User;
use crate::store::{Store, StoreError};

/// An officer the team may be picked from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub user: UserId,
    pub name: String,
    /// 执法证号; an officer without one cannot be picked.
    pub certificate_no: Option<String>,
    pub inspector: bool,
    pub recorder: bool,
}

/// What the picker shows for the open inspection.
#[derive(Clone, Debug, PartialEq)]
pub struct TeamPicker {
    pub inspection: InspectionId,
    pub candidates: Vec<Candidate>,
    /// What is still wrong with the team, Chinese first (empty when it may be submitted).
    pub problems: Vec<Problem>,
    pub respondent: Option<Respondent>,
    /// The enterprise's legal representative, then its contact.
    pub offered: Vec<Respondent>,
}

impl TeamPicker {
    /// The picker of an inspection still open for changes (none once submitted).
    pub fn of(store: &Store, id: InspectionId) -> Result<Option<Self>, StoreError> {
        let Some(inspection) = store.inspection(id)? else { return Ok(None) };
        if inspection.state == InspectionState::Submitted {
            return Ok(None);
        }
        let candidates = store
            .officers()?
            .into_iter()
            .map(|u| Candidate {
                inspector: inspection.inspectors.iter().any(|i| i.user == u.id),
                recorder: inspection.recorder.as_ref().is_some_and(|r| r.user == u.id),
                user: u.id,
                name: u.name,
                certificate_no: u.certificate_no.filter(|c| !c.trim().is_empty()),
            })
            .collect();
        let offered = store.enterprise(inspection.enterprise)?.map(|e| Respondent::offered(&e)).unwrap_or_default();
        Ok(Some(Self {
            inspection: id,
            candidates,
            problems: inspection.team_problems(),
            respondent: inspection.respondent.clone(),
            offered,
        }))
    }
}

/// Adds the officer to the team, or takes them off it.
pub fn toggle_inspector(store: &Store, id: InspectionId, user: UserId) -> Result<(), AppError> {
    let inspection = open(store, id)?;
    let mut inspectors = inspection.inspectors.clone();
    if inspectors.iter().any(|i| i.user == user) {
        inspectors.retain(|i| i.user != user);
    } else {
        inspectors.push(certified(store, user)?);
    }
    store.set_team(id, inspectors, inspection.recorder)?;
    Ok(())
}

/// Names the recorder (记录人).
pub fn choose_recorder(store: &Store, id: InspectionId, user: UserId) -> Result<(), AppError> {
    let inspection = open(store, id)?;
    let recorder = certified(store, user)?;
    store.set_team(id, inspection.inspectors, Some(recorder))?;
    Ok(())
}

/// Names who answers for the enterprise, keeping the narrative as it is.
pub fn choose_respondent(store: &Store, id: InspectionId, respondent: Respondent) -> Result<(), AppError> {
    let inspection = open(store, id)?;
    let respondent =
        Respondent::new(&respondent.name, &respondent.position, &respondent.phone).map_err(StoreError::from)?;
    store.set_record(id, Some(respondent), &inspection.summary)?;
    Ok(())
}

fn open(store: &Store, id: InspectionId) -> Result<Inspection, AppError> {
    store.inspection(id)?.ok_or(AppError::Invalid("unknown inspection / 检查记录不存在"))
}

/// The synced officer as a team member: only with an enforcement certificate number.
fn certified(store: &Store, user: UserId) -> Result<Inspector, AppError> {
    let officer: User = store
        .officers()?
        .into_iter()
        .find(|u| u.id == user)
        .ok_or(AppError::Invalid("not an officer on this phone / 本机无此执法人员"))?;
    match officer.certificate_no.filter(|c| !c.trim().is_empty()) {
        Some(certificate_no) => Ok(Inspector { user: officer.id, name: officer.name, certificate_no }),
        None => Err(AppError::Invalid(
            "no enforcement certificate number: cannot inspect or record / 无执法证号，不能担任检查人或记录人",
        )),
    }
}
