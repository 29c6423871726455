//! On-site inspections (现场检查): a record that starts as a draft, is filled in on site and, once
//! submitted, never changes; a correction is a new record that refers to it.

use super::DomainError;
use super::answer::{Answer, Verdict, assess};
use super::finding::Finding;
use super::geo::{FixMissing, GeoFix};
use super::ids::{AlarmId, EnterpriseId, InspectionId, TaskId, UserId};
use super::organisation::Enterprise;
use super::template::{ChecklistTemplate, ItemRef, PhotoRule, TemplateRef};
use super::text::Text;
use super::{bounded, limits};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Why the inspection takes place.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InspectionKind {
    /// 日常检查
    Routine,
    /// 夜间突查
    NightSpotCheck,
    /// 报警核查
    AlarmResponse,
    /// 12369 投诉
    Complaint12369,
    /// 双随机
    DoubleRandom,
    /// 复查
    ReInspection,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InspectionState {
    Draft,
    InProgress,
    Submitted,
}

/// An officer on the inspection team, with the enforcement certificate that makes the record lawful.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Inspector {
    pub user: UserId,
    pub name: String,
    /// 执法证号
    pub certificate_no: String,
}

/// The person at the enterprise who answered (被检查人).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Respondent {
    pub name: String,
    pub position: String,
    pub phone: String,
}

impl Respondent {
    /// A respondent as typed or picked: a name is required; each field is a bounded label.
    pub fn new(name: &str, position: &str, phone: &str) -> Result<Self, DomainError> {
        Ok(Self {
            name: bounded::required_text("respondent name", name, limits::LABEL_CHARS)?,
            position: bounded::text("respondent position", position, limits::LABEL_CHARS)?,
            phone: bounded::text("respondent phone", phone, limits::LABEL_CHARS)?,
        })
    }

    /// Who the enterprise's records offer as the respondent, in order: its legal representative
    /// (负责人), then its contact (the same person once, with the contact's phone).
    pub fn offered(enterprise: &Enterprise) -> Vec<Self> {
        let mut out: Vec<Self> = Vec::new();
        let legal = enterprise.legal_representative.trim();
        let contact = &enterprise.contact;
        if !legal.is_empty() {
            let phone = if contact.name.trim() == legal { contact.phone.trim() } else { "" };
            out.push(Self {
                name: legal.into(), position: "法定代表人（负责人）".into(), phone: phone.into()
            });
        }
        if !contact.name.trim().is_empty() && contact.name.trim() != legal {
            out.push(Self {
                name: contact.name.trim().into(),
                position: "联系人".into(),
                phone: contact.phone.trim().into(),
            });
        }
        out
    }
}

/// What led to the inspection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Origin {
    Alarm(AlarmId),
    Task(TaskId),
}

/// The inspection record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Inspection {
    pub id: InspectionId,
    pub enterprise: EnterpriseId,
    pub kind: InspectionKind,
    pub checklists: Vec<TemplateRef>,
    pub inspectors: Vec<Inspector>,
    pub recorder: Option<Inspector>,
    pub respondent: Option<Respondent>,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub location: Option<GeoFix>,
    /// Why the start carries no fix, when the phone had none (absent on records from older phones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_missing: Option<FixMissing>,
    /// 检查记录正文: the officer's narrative.
    pub summary: String,
    pub state: InspectionState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
    /// The submitted inspection this record corrects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corrects: Option<InspectionId>,
    pub created_by: UserId,
}

/// Something that stops an inspection from being submitted, tied to its item when there is one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<ItemRef>,
    pub code: ProblemCode,
    pub message: Text,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
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

/// Inspections need at least two certified inspectors (行政执法 两人以上).
pub const MIN_INSPECTORS: usize = 2;

impl Inspection {
    /// A fresh draft.
    pub fn draft(
        enterprise: EnterpriseId,
        kind: InspectionKind,
        checklists: Vec<TemplateRef>,
        created_by: UserId,
    ) -> Self {
        Inspection {
            id: InspectionId::new(),
            enterprise,
            kind,
            checklists,
            inspectors: Vec::new(),
            recorder: None,
            respondent: None,
            started_at: None,
            ended_at: None,
            location: None,
            location_missing: None,
            summary: String::new(),
            state: InspectionState::Draft,
            origin: None,
            corrects: None,
            created_by,
        }
    }

    /// A new draft that corrects `original`, which must be submitted; the original never changes.
    pub fn correction(original: &Inspection, created_by: UserId) -> Result<Self, DomainError> {
        original.require_state(InspectionState::Submitted, "be corrected")?;
        let mut draft = Self::draft(original.enterprise, original.kind, original.checklists.clone(), created_by);
        draft.inspectors = original.inspectors.clone();
        draft.recorder = original.recorder.clone();
        draft.origin = original.origin;
        draft.corrects = Some(original.id);
        Ok(draft)
    }

    /// Arrival on site: records the start time and the fix (or why there is none: a fix wins over a
    /// reason given with it), and opens the record for answers.
    pub fn start(
        &mut self,
        at: DateTime<Utc>,
        location: Option<GeoFix>,
        missing: Option<FixMissing>,
    ) -> Result<(), DomainError> {
        self.require_state(InspectionState::Draft, "start")?;
        if let Some(fix) = &location {
            fix.validate()?;
        }
        self.started_at = Some(at);
        self.location_missing = if location.is_some() { None } else { missing };
        self.location = location;
        self.state = InspectionState::InProgress;
        Ok(())
    }

    /// Names the team. Allowed before arrival and on site, never after submission.
    pub fn set_team(&mut self, inspectors: Vec<Inspector>, recorder: Option<Inspector>) -> Result<(), DomainError> {
        if self.state == InspectionState::Submitted {
            return self.require_state(InspectionState::InProgress, "change the team");
        }
        self.inspectors = inspectors;
        self.recorder = recorder;
        Ok(())
    }

    /// Answers, findings and photos are allowed only while in progress.
    pub fn require_editable(&self, action: &str) -> Result<(), DomainError> {
        self.require_state(InspectionState::InProgress, action)
    }

    fn require_state(&self, state: InspectionState, action: &str) -> Result<(), DomainError> {
        if self.state == state {
            Ok(())
        } else {
            Err(DomainError::WrongState {
                entity: "inspection",
                action: action.into(),
                state: format!("{:?}", self.state),
            })
        }
    }

    /// The date rules are anchored to: the day the inspection started (or `today` before that).
    pub fn date(&self, today: NaiveDate) -> NaiveDate {
        self.started_at.map_or(today, |t| t.date_naive())
    }

    /// What is wrong with the team as named (the picker shows it as it changes; submission is refused
    /// for it): at least two distinct inspectors, each and the recorder with a certificate number.
    pub fn team_problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        let mut general = |code, zh: &str, en: &str| out.push(Problem { item: None, code, message: Text::new(zh, en) });
        let distinct: BTreeSet<_> = self.inspectors.iter().map(|i| i.user).collect();
        if distinct.len() < MIN_INSPECTORS {
            general(ProblemCode::TooFewInspectors, "检查人员不少于两人", "at least two inspectors are required");
        }
        if self.inspectors.iter().chain(&self.recorder).any(|i| i.certificate_no.trim().is_empty()) {
            general(
                ProblemCode::CertificateMissing,
                "检查人、记录人须填写执法证号",
                "every inspector and the recorder need a certificate number",
            );
        }
        if self.recorder.is_none() {
            general(ProblemCode::RecorderMissing, "未指定记录人", "no recorder named");
        }
        out
    }

    /// Every problem that blocks submission, all at once, each tied to its item where it has one.
    /// `photos` lists the items that have at least one photo attached.
    pub fn problems(
        &self,
        templates: &[ChecklistTemplate],
        answers: &[Answer],
        photos: &BTreeSet<ItemRef>,
        findings: &[Finding],
        ended_at: DateTime<Utc>,
    ) -> Vec<Problem> {
        let mut out = Vec::new();
        let mut general = |code, zh: &str, en: &str| out.push(Problem { item: None, code, message: Text::new(zh, en) });
        if self.started_at.is_none() {
            general(ProblemCode::NotStarted, "检查尚未开始", "the inspection has not been started");
        }
        if self.started_at.is_some_and(|s| ended_at < s) {
            general(ProblemCode::EndBeforeStart, "结束时间早于开始时间", "the end time is before the start time");
        }
        if self.checklists.is_empty() {
            general(ProblemCode::NoChecklist, "未选择检查表", "no checklist chosen");
        }
        out.extend(self.team_problems());

        let day = self.date(ended_at.date_naive());
        let answers: BTreeMap<&ItemRef, &Answer> = answers.iter().map(|a| (&a.item, a)).collect();
        let with_findings: BTreeSet<&ItemRef> = findings.iter().filter_map(|f| f.item.as_ref()).collect();
        for reference in &self.checklists {
            let Some(template) = templates.iter().find(|t| t.reference() == *reference) else {
                out.push(problem(
                    None,
                    ProblemCode::UnknownChecklist,
                    "检查表版本不存在",
                    &format!("checklist {} v{} is not installed", reference.id, reference.version),
                ));
                continue;
            };
            for item in &template.items {
                let item_ref = ItemRef { template: template.id.clone(), code: item.code.clone() };
                let here = |code, zh: &str, en: &str| problem(Some(item_ref.clone()), code, zh, en);
                let verdict = match answers.get(&item_ref) {
                    None if item.required => {
                        out.push(here(ProblemCode::Unanswered, "未作答", "not answered"));
                        continue;
                    }
                    None => continue,
                    Some(answer) => match assess(item, &answer.value, day) {
                        Ok(v) => v,
                        Err(e) => {
                            out.push(here(ProblemCode::InvalidAnswer, "答案无效", &e.to_string()));
                            continue;
                        }
                    },
                };
                let needs_photo = match item.photo {
                    PhotoRule::Always => verdict != Verdict::NotApplicable,
                    PhotoRule::IfNonCompliant => verdict == Verdict::NonCompliant,
                    PhotoRule::Never => false,
                };
                if needs_photo && !photos.contains(&item_ref) {
                    out.push(here(ProblemCode::PhotoMissing, "须拍照取证", "a photo is required"));
                }
                if verdict == Verdict::NonCompliant && !with_findings.contains(&item_ref) {
                    out.push(here(
                        ProblemCode::FindingMissing,
                        "不符合项须记录问题",
                        "a non-compliant item needs a finding",
                    ));
                }
            }
        }
        for finding in findings {
            let needs_deadline = finding.severity.linkage().rectification_task;
            let deadline_ok = finding.deadline_days.is_some_and(|d| super::limits::DEADLINE_DAYS.contains(&d));
            if finding.description.trim().is_empty() || (needs_deadline && !deadline_ok) {
                out.push(problem(
                    finding.item.clone(),
                    ProblemCode::FindingIncomplete,
                    "问题描述或整改期限(1-365天)缺失",
                    "a finding needs a description and, for a rectification task, a deadline of 1-365 days",
                ));
            }
        }
        out
    }

    /// Submits: checks everything, then freezes the record.
    pub fn submit(
        &mut self,
        templates: &[ChecklistTemplate],
        answers: &[Answer],
        photos: &BTreeSet<ItemRef>,
        findings: &[Finding],
        ended_at: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        self.require_editable("submit")?;
        let problems = self.problems(templates, answers, photos, findings, ended_at);
        if !problems.is_empty() {
            return Err(DomainError::NotSubmittable { problems });
        }
        self.ended_at = Some(ended_at);
        self.state = InspectionState::Submitted;
        Ok(())
    }
}

fn problem(item: Option<ItemRef>, code: ProblemCode, zh: &str, en: &str) -> Problem {
    Problem { item, code, message: Text::new(zh, en) }
}
