//! What a submitted inspection sets in motion (三级联动): the rectification tasks and notices its
//! findings' severities ask for. Made on the device with device ids; the platform re-derives and checks.

use super::finding::Finding;
use super::ids::{NoticeId, TaskId, TownshipId, UserId};
use super::inspection::Inspection;
use super::notice::{Notice, NoticeSubject};
use super::rectification::{RectificationTask, TaskState};
use chrono::{DateTime, Utc};

/// Deadline used when a finding that needs a task carries none (submission refuses that case).
const FALLBACK_DEADLINE_DAYS: u32 = 30;

/// Tasks and notices derived from one submitted inspection.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Linked {
    pub tasks: Vec<RectificationTask>,
    pub notices: Vec<Notice>,
}

/// Derives, for each finding, the task and notice its severity's [`Linkage`](super::finding::Linkage)
/// asks for. `township` is the enterprise's township; deadlines count from `now`.
pub fn linked_records(
    inspection: &Inspection,
    findings: &[Finding],
    township: TownshipId,
    issued_by: UserId,
    now: DateTime<Utc>,
) -> Linked {
    let mut out = Linked::default();
    for finding in findings {
        let linkage = finding.severity.linkage();
        if linkage.rectification_task {
            let days = finding.deadline_days.or(linkage.default_deadline_days).unwrap_or(FALLBACK_DEADLINE_DAYS);
            out.tasks.push(RectificationTask {
                id: TaskId::new(),
                enterprise: inspection.enterprise,
                township,
                inspection: inspection.id,
                finding: finding.id,
                severity: finding.severity,
                requirement: finding.description.clone(),
                issued_by,
                issued_at: now,
                deadline: super::deadline::after_days(now, days),
                state: TaskState::Issued,
                case_review: linkage.case_review,
                legal_basis: finding.legal_basis.clone(),
            });
        }
        if linkage.notify_enterprise || linkage.notify_township {
            out.notices.push(Notice {
                id: NoticeId::new(),
                enterprise: inspection.enterprise,
                township,
                subject: NoticeSubject::Finding(finding.id),
                message: format!("{}（{}）", finding.description, finding.severity.label().zh),
                sent_at: now,
                read_at: None,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;
    use crate::ids::{EnterpriseId, FindingId};
    use crate::inspection::InspectionKind;
    use chrono::Duration;

    #[test]
    fn severity_decides_tasks_notices_and_case_review() {
        let inspection = Inspection::draft(EnterpriseId::new(), InspectionKind::Routine, vec![], UserId::new());
        let finding = |severity, deadline_days| Finding {
            id: FindingId::new(),
            inspection: inspection.id,
            item: None,
            severity,
            description: "问题".into(),
            legal_basis: vec![],
            deadline_days,
        };
        let findings =
            [finding(Severity::Minor, None), finding(Severity::General, Some(10)), finding(Severity::Serious, None)];
        let now = DateTime::parse_from_rfc3339("2026-11-29T01:00:00Z").unwrap().with_timezone(&Utc);
        let linked = linked_records(&inspection, &findings, TownshipId::new(), UserId::new(), now);
        assert_eq!(linked.notices.len(), 3, "every severity notifies the enterprise and its township");
        assert_eq!(linked.tasks.len(), 2);
        assert_eq!(linked.tasks[0].deadline - now, Duration::days(10));
        assert!(!linked.tasks[0].case_review);
        assert_eq!(linked.tasks[1].deadline - now, Duration::days(15), "serious falls back to its default");
        assert!(linked.tasks[1].case_review);
    }

    #[test]
    fn deadlines_past_the_end_of_the_calendar_saturate_instead_of_panicking() {
        // A finding with deadline_days 4e9 overflowed `now + days` (input: fuzz/corpus/intent/crash-*).
        let inspection = Inspection::draft(EnterpriseId::new(), InspectionKind::Routine, vec![], UserId::new());
        let finding = Finding {
            id: FindingId::new(),
            inspection: inspection.id,
            item: None,
            severity: Severity::General,
            description: "问题".into(),
            legal_basis: vec![],
            deadline_days: Some(u32::MAX),
        };
        for now in [
            DateTime::parse_from_rfc3339("2026-11-29T01:00:00Z").unwrap().with_timezone(&Utc),
            DateTime::<Utc>::MAX_UTC,
        ] {
            let linked =
                linked_records(&inspection, std::slice::from_ref(&finding), TownshipId::new(), UserId::new(), now);
            assert_eq!(linked.tasks[0].deadline, DateTime::<Utc>::MAX_UTC);
        }
    }
}
