//! Submitting an inspection: the record is bounded, checked with every rule, frozen, and the tasks and
//! notices its findings ask for are derived (three-level linkage). The phone decides this when the
//! officer submits; the platform decides it again from the same inputs and takes the submission only
//! when the phone's derived records are exactly its own (`adopt_ids`).

use crate::DomainError;
use crate::answer::Answer;
use crate::bounded;
use crate::capability::{self, Action};
use crate::finding::Finding;
use crate::inspection::{Inspection, InspectionState, Inspector, ProblemCode};
use crate::limits::{self, LABEL_CHARS};
use crate::linkage::{Linked, linked_records};
use crate::notice::NoticeSubject;
use crate::organisation::{Enterprise, User};
use crate::rectification::RectificationTask;
use crate::signature::{self, Signature, Signers};
use crate::template::{ChecklistTemplate, ItemRef};
use chrono::{DateTime, Duration, NaiveTime, Utc};
use std::collections::{BTreeMap, BTreeSet};

/// What the decider knows besides the record.
pub struct Context<'a> {
    pub actor: &'a User,
    /// The inspected enterprise (in the actor's reach).
    pub enterprise: &'a Enterprise,
    /// The checklist versions the record pins that exist here.
    pub templates: &'a [ChecklistTemplate],
    /// Items with at least one photo; `None` where photos travel separately (the platform).
    pub photos: Option<&'a BTreeSet<ItemRef>>,
    /// Whether the record a correction names is known here.
    pub corrected_known: bool,
    /// The decider's clock: a device time far ahead of it is refused.
    pub now: DateTime<Utc>,
}

/// The frozen record and what it sets in motion.
#[derive(Clone, Debug, PartialEq)]
pub struct Submission {
    pub inspection: Inspection,
    pub linked: Linked,
}

/// Decides the submission of `inspection` (in progress) at `at`.
pub fn submit(
    ctx: &Context<'_>,
    inspection: &Inspection,
    answers: &[Answer],
    findings: &[Finding],
    at: DateTime<Utc>,
) -> Result<Submission, DomainError> {
    capability::require(ctx.actor.role, Action::SubmitInspection)?;
    let me = ctx.actor.id;
    if inspection.created_by != me && !inspection.inspectors.iter().any(|i| i.user == me) {
        return Err(DomainError::Forbidden {
            reason: "only a member of the inspection team submits it / 仅检查组成员可提交".into(),
        });
    }
    if inspection.enterprise != ctx.enterprise.id {
        return Err(DomainError::NotFound { entity: "enterprise" });
    }
    bounds(inspection, answers, findings)?;
    times(inspection, at, ctx.now)?;
    if inspection.corrects.is_some() && !ctx.corrected_known {
        let reason = "the record it corrects is not known here / 被更正的记录不存在".into();
        return Err(DomainError::Invalid { field: "corrects".into(), reason });
    }
    if inspection.state != InspectionState::InProgress {
        let state = format!("{:?}", inspection.state);
        return Err(DomainError::WrongState { entity: "inspection", action: "submit".into(), state });
    }
    let no_photos = BTreeSet::new();
    let mut problems = inspection.problems(ctx.templates, answers, ctx.photos.unwrap_or(&no_photos), findings, at);
    if ctx.photos.is_none() {
        problems.retain(|p| p.code != ProblemCode::PhotoMissing);
    }
    if !problems.is_empty() {
        return Err(DomainError::NotSubmittable { problems });
    }
    let mut frozen = inspection.clone();
    frozen.ended_at = Some(at);
    frozen.state = InspectionState::Submitted;
    let linked = linked_records(&frozen, findings, ctx.enterprise.township, me, at);
    Ok(Submission { inspection: frozen, linked })
}

/// The signatures a submitted record carries, or the first refusal (`signature::check_set`): each
/// bounded, each by one of the frozen record's inspectors, its recorder or its respondent (once per
/// role), each over `read_back_sha256`, the hash of the text the record reads back.
pub fn signatures(
    frozen: &Inspection,
    signatures: Vec<Signature>,
    read_back_sha256: &str,
) -> Result<Vec<Signature>, DomainError> {
    let inspectors: Vec<String> = frozen.inspectors.iter().map(|i| i.name.trim().to_string()).collect();
    let signers = Signers {
        inspectors: &inspectors,
        recorder: frozen.recorder.as_ref().map(|r| r.name.trim()),
        respondent: frozen.respondent.as_ref().map(|r| r.name.trim()),
    };
    signature::check_set(signatures, &signers, read_back_sha256)
}

/// The record as it was before the phone froze it, so the platform decides from the same inputs. The
/// bounds are checked first, so an oversized record is refused before it is copied.
pub fn unfrozen(
    submitted: &Inspection,
    answers: &[Answer],
    findings: &[Finding],
) -> Result<(Inspection, DateTime<Utc>), DomainError> {
    bounds(submitted, answers, findings)?;
    let at = submitted.ended_at.ok_or_else(|| DomainError::Invalid {
        field: "ended_at".into(),
        reason: "a submitted inspection has an end time / 已提交的检查须有结束时间".into(),
    })?;
    if submitted.state != InspectionState::Submitted {
        let reason = "the inspection is not marked submitted / 检查未标记为已提交".into();
        return Err(DomainError::Invalid { field: "state".into(), reason });
    }
    let mut open = submitted.clone();
    open.ended_at = None;
    open.state = InspectionState::InProgress;
    Ok((open, at))
}

/// Checks the phone's derived tasks and notices against `derived` (the same function's result here) and
/// returns them with the phone's ids: ids are the device's, everything else must be equal.
pub fn adopt_ids(
    derived: Linked,
    tasks: &[RectificationTask],
    notices: &[crate::notice::Notice],
) -> Result<Linked, DomainError> {
    let mismatch = |what: &str| DomainError::Invalid {
        field: what.into(),
        reason: "does not match what the findings ask for / 与问题的联动结果不符".into(),
    };
    bounded::distinct("tasks", tasks.iter().map(|t| t.id), limits::FINDINGS)?;
    bounded::distinct("notices", notices.iter().map(|n| n.id), limits::FINDINGS)?;
    let by_finding: BTreeMap<_, _> = tasks.iter().map(|t| (t.finding, t)).collect();
    let by_subject: BTreeMap<_, _> = notices.iter().map(|n| (subject_key(&n.subject), n)).collect();
    if by_finding.len() != derived.tasks.len() || tasks.len() != derived.tasks.len() {
        return Err(mismatch("tasks"));
    }
    if by_subject.len() != derived.notices.len() || notices.len() != derived.notices.len() {
        return Err(mismatch("notices"));
    }
    let mut out = Linked::default();
    for mut task in derived.tasks {
        let claimed = by_finding.get(&task.finding).ok_or_else(|| mismatch("tasks"))?;
        task.id = claimed.id;
        // A phone from before tasks carried the legal basis sends none; the derived one is kept.
        let as_claimed = RectificationTask { legal_basis: task.legal_basis.clone(), ..(**claimed).clone() };
        let same_basis = claimed.legal_basis.is_empty() || claimed.legal_basis == task.legal_basis;
        if !same_basis || task != as_claimed {
            return Err(mismatch("tasks"));
        }
        out.tasks.push(task);
    }
    for mut notice in derived.notices {
        let claimed = by_subject.get(&subject_key(&notice.subject)).ok_or_else(|| mismatch("notices"))?;
        notice.id = claimed.id;
        if notice != **claimed {
            return Err(mismatch("notices"));
        }
        out.notices.push(notice);
    }
    Ok(out)
}

fn subject_key(subject: &NoticeSubject) -> String {
    match subject {
        NoticeSubject::Finding(f) => format!("finding:{f}"),
        NoticeSubject::Alarm(a) => format!("alarm:{a}"),
    }
}

/// Every count and length of the record, checked before any rule runs (so the rules' cost is bounded).
fn bounds(inspection: &Inspection, answers: &[Answer], findings: &[Finding]) -> Result<(), DomainError> {
    bounded::distinct("checklists", inspection.checklists.iter().map(|c| &c.id), limits::CHECKLISTS)?;
    bounded::count("inspectors", inspection.inspectors.len(), limits::INSPECTORS)?;
    for person in inspection.inspectors.iter().chain(&inspection.recorder) {
        inspector(person)?;
    }
    if let Some(r) = &inspection.respondent {
        for (field, value) in
            [("respondent name", &r.name), ("respondent position", &r.position), ("respondent phone", &r.phone)]
        {
            bounded::text(field, value, LABEL_CHARS)?;
        }
    }
    if let Some(fix) = &inspection.location {
        fix.validate()?;
    }
    bounded::free_text("summary", &inspection.summary)?;
    bounded::distinct("answers", answers.iter().map(|a| &a.item), limits::ANSWERS)?;
    for answer in answers {
        if let Some(note) = &answer.note {
            bounded::free_text("remark", note)?;
        }
        if !inspection.checklists.iter().any(|c| c.id == answer.item.template) {
            return Err(DomainError::UnknownItem { item: answer.item.code.chars().take(LABEL_CHARS).collect() });
        }
    }
    bounded::distinct("findings", findings.iter().map(|f| f.id), limits::FINDINGS)?;
    for finding in findings {
        if finding.inspection != inspection.id {
            let reason = "belongs to another inspection / 属于其他检查".into();
            return Err(DomainError::Invalid { field: "finding".into(), reason });
        }
        bounded::free_text("finding description", &finding.description)?;
        bounded::count("legal basis", finding.legal_basis.len(), limits::LEGAL_BASIS)?;
        for clause in &finding.legal_basis {
            bounded::text("legal basis", clause, LABEL_CHARS)?;
        }
    }
    Ok(())
}

fn inspector(person: &Inspector) -> Result<(), DomainError> {
    bounded::text("inspector name", &person.name, LABEL_CHARS)?;
    bounded::text("certificate number", &person.certificate_no, LABEL_CHARS)?;
    Ok(())
}

/// Device times within reason: not before the earliest date, not far ahead of the decider's clock.
fn times(inspection: &Inspection, at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), DomainError> {
    let earliest = limits::EARLIEST_DATE.and_time(NaiveTime::MIN).and_utc();
    let latest = now + Duration::hours(limits::CLOCK_AHEAD_HOURS);
    for (field, t) in [("started_at", inspection.started_at), ("ended_at", Some(at))] {
        if t.is_some_and(|t| t < earliest || t > latest) {
            let reason = "outside the accepted time range (device clock wrong?) / 时间超出范围(设备时钟有误?)".into();
            return Err(DomainError::Invalid { field: field.into(), reason });
        }
    }
    Ok(())
}
