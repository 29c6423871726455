//! Findings and the three-level linkage (局、镇、企) their severity drives.

use super::ids::{FindingId, InspectionId};
use super::template::{ItemRef, TemplateItem};
use serde::{Deserialize, Serialize};

/// How serious a problem is; decides who is told and what follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// 轻微: notice to the enterprise and its township office.
    Minor,
    /// 一般: a rectification task with a deadline.
    General,
    /// 严重: a rectification task, and the case goes to review for filing (立案).
    Serious,
}

/// What a severity sets in motion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Linkage {
    pub notify_enterprise: bool,
    pub notify_township: bool,
    pub rectification_task: bool,
    pub case_review: bool,
    /// Deadline proposed for the rectification task, in days.
    pub default_deadline_days: Option<u32>,
}

impl Severity {
    /// The one place the three-level linkage is decided.
    pub fn linkage(self) -> Linkage {
        match self {
            Severity::Minor => Linkage {
                notify_enterprise: true,
                notify_township: true,
                rectification_task: false,
                case_review: false,
                default_deadline_days: None,
            },
            Severity::General => Linkage {
                notify_enterprise: true,
                notify_township: true,
                rectification_task: true,
                case_review: false,
                default_deadline_days: Some(30),
            },
            Severity::Serious => Linkage {
                notify_enterprise: true,
                notify_township: true,
                rectification_task: true,
                case_review: true,
                default_deadline_days: Some(15),
            },
        }
    }

    pub fn label(self) -> super::text::Text {
        match self {
            Severity::Minor => super::text::Text::new("轻微", "minor"),
            Severity::General => super::text::Text::new("一般", "general"),
            Severity::Serious => super::text::Text::new("严重", "serious"),
        }
    }
}

/// A problem recorded during an inspection, usually proposed by a failed checklist item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Finding {
    pub id: FindingId,
    pub inspection: InspectionId,
    /// The checklist item that failed, if the finding came from one.
    pub item: Option<ItemRef>,
    pub severity: Severity,
    pub description: String,
    pub legal_basis: Vec<String>,
    /// Days the enterprise gets to rectify; required when the severity asks for a task.
    pub deadline_days: Option<u32>,
}

impl Finding {
    /// The description a failed item proposes for its finding (and so the requirement of its task).
    pub fn proposed_description(item: &TemplateItem) -> String {
        format!("{}：不符合 / non-compliant: {}", item.text.zh, item.text.en)
    }

    /// The finding a failed item proposes; the officer may edit it before submitting.
    pub fn proposed(inspection: InspectionId, template_id: &str, item: &TemplateItem) -> Self {
        let severity = item.failure_severity;
        Finding {
            id: FindingId::new(),
            inspection,
            item: Some(ItemRef { template: template_id.to_string(), code: item.code.clone() }),
            severity,
            description: Self::proposed_description(item),
            legal_basis: item.legal_basis.clone(),
            deadline_days: severity.linkage().default_deadline_days,
        }
    }
}
