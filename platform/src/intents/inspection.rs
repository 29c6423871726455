//! A submitted inspection: re-checked with the core's rules against the server's templates, then stored
//! (frozen) with the tasks and notices its findings ask for.

use super::{Actor, Failure, not_found, refuse};
use crate::db::{AuditRow, Tx};
use crate::records;
use chrono::Duration;
use fieldcheck_domain::inspection::{InspectionState, ProblemCode};
use fieldcheck_domain::notice::NoticeSubject;
use fieldcheck_domain::organisation::Role;
use fieldcheck_domain::rectification::TaskState;
use fieldcheck_protocol::{Entity, Outcome, Record, RejectCode, SubmittedInspection};
use std::collections::{BTreeMap, BTreeSet};

/// Most findings (and so tasks and notices) one inspection may carry.
const MAX_FINDINGS: usize = 500;

pub fn submit(tx: &mut dyn Tx, actor: &Actor, sub: &SubmittedInspection) -> Result<Outcome, Failure> {
    let invalid = |reason: String| refuse(RejectCode::Invalid, reason);
    if actor.reach.role != Role::Officer {
        return Err(refuse(RejectCode::Forbidden, "only enforcement officers submit inspections"));
    }
    let inspection = &sub.inspection;
    let enterprise = records::enterprise(tx, inspection.enterprise)?
        .filter(|e| actor.reach.covers_enterprise(e))
        .ok_or_else(|| not_found("enterprise"))?;
    // Submitted records never change: a second submission of the same record is answered as applied
    // only when it is the same record (another device of the team sent it first).
    if let Some(stored) = records::load::<SubmittedInspection>(tx, Entity::Inspection, &inspection.id.to_string())? {
        return if stored == *sub {
            Ok(Outcome::Applied)
        } else {
            Err(invalid("this inspection was already submitted; a correction is a new record".into()))
        };
    }
    let me = actor.reach.user.id;
    if inspection.created_by != me && !inspection.inspectors.iter().any(|i| i.user == me) {
        return Err(refuse(RejectCode::Forbidden, "only a member of the inspection team submits it"));
    }
    if inspection.state != InspectionState::Submitted {
        return Err(invalid("the inspection is not marked submitted".into()));
    }
    let ended_at = inspection.ended_at.ok_or_else(|| invalid("the inspection has no end time".into()))?;
    if sub.findings.len() > MAX_FINDINGS || sub.tasks.len() > MAX_FINDINGS || sub.notices.len() > 2 * MAX_FINDINGS {
        return Err(invalid(format!("more than {MAX_FINDINGS} findings")));
    }
    if let Some(corrected) = inspection.corrects
        && tx.get(Entity::Inspection, &corrected.to_string())?.is_none()
    {
        return Err(invalid("the record it corrects is not on the platform".into()));
    }
    // Only the versions the inspection pinned (a missing one is reported by `problems`).
    let mut templates = Vec::new();
    for r in &inspection.checklists {
        if let Some(t) = records::template(tx, &r.id, r.version)? {
            templates.push((*t).clone());
        }
    }
    // Photos travel separately (blob upload), so the photo rule is checked on the device; every other
    // rule is checked again here with the same code.
    let problems: Vec<_> = inspection
        .problems(&templates, &sub.answers, &BTreeSet::new(), &sub.findings, ended_at)
        .into_iter()
        .filter(|p| p.code != ProblemCode::PhotoMissing)
        .collect();
    if !problems.is_empty() {
        let list: Vec<String> =
            problems.iter().map(|p| format!("{:?} {}", p.code, p.item.as_ref().map_or("", |i| &i.code))).collect();
        return Err(invalid(format!("the inspection cannot be submitted: {}", list.join("; "))));
    }

    let findings: BTreeMap<_, _> = sub.findings.iter().map(|f| (f.id, f)).collect();
    if findings.len() != sub.findings.len() || sub.findings.iter().any(|f| f.inspection != inspection.id) {
        return Err(invalid("findings must be unique and belong to this inspection".into()));
    }
    let mut tasked = BTreeSet::new();
    for task in &sub.tasks {
        let finding =
            findings.get(&task.finding).ok_or_else(|| invalid("a task refers to an unknown finding".into()))?;
        let linkage = finding.severity.linkage();
        let days = i64::from(finding.deadline_days.unwrap_or(0));
        let consistent = linkage.rectification_task
            && task.inspection == inspection.id
            && task.enterprise == enterprise.id
            && task.township == enterprise.township
            && task.severity == finding.severity
            && task.case_review == linkage.case_review
            && task.state == TaskState::Issued
            && task.issued_by == me
            && task.deadline > task.issued_at
            && task.deadline <= task.issued_at + Duration::days(days.max(1)) + Duration::days(1)
            && fieldcheck_domain::answer::check_text(&task.requirement).is_ok();
        if !consistent || !tasked.insert(task.finding) {
            return Err(invalid(format!("task {} does not match its finding", task.id)));
        }
        if tx.get(Entity::Task, &task.id.to_string())?.is_some() {
            return Err(invalid(format!("task {} already exists", task.id)));
        }
    }
    if let Some(missing) =
        sub.findings.iter().find(|f| f.severity.linkage().rectification_task && !tasked.contains(&f.id))
    {
        return Err(invalid(format!("finding {} needs a rectification task", missing.id)));
    }
    for notice in &sub.notices {
        let about_finding = matches!(notice.subject, NoticeSubject::Finding(f) if findings.contains_key(&f));
        if !about_finding || notice.enterprise != enterprise.id || notice.township != enterprise.township {
            return Err(invalid(format!("notice {} does not match a finding of this inspection", notice.id)));
        }
        fieldcheck_domain::answer::check_text(&notice.message)
            .map_err(|e| invalid(format!("notice {}: {e}", notice.id)))?;
    }

    let receipt = crate::evidence::receipt::verify(tx, actor, sub)?;

    // Everything checked: write.
    records::save(tx, &Record::Inspection(Box::new(sub.clone())))?;
    if let Some(receipt) = &receipt {
        crate::evidence::receipt::record(tx, actor, sub, receipt)?;
    }
    for task in &sub.tasks {
        records::save(tx, &Record::Task(task.clone()))?;
        tx.audit(&AuditRow {
            entity: "task".into(),
            id: task.id.to_string(),
            action: "issue".into(),
            from_state: String::new(),
            to_state: format!("{:?}", task.state),
            user: me.to_string(),
            device: actor.device.clone(),
            at: actor.now,
            note: task.requirement.clone(),
        })?;
    }
    for notice in &sub.notices {
        records::save(tx, &Record::Notice(notice.clone()))?;
    }
    Ok(Outcome::Applied)
}
