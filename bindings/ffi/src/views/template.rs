//! Checklist templates as the checklist screen shows them.

use super::LocalizedText;
use fieldcheck_core::domain::finding::Severity;
use fieldcheck_core::domain::template::{AnswerSpec, ChecklistTemplate, MeasureKind, PhotoRule, TemplateItem};

#[uniffi::remote(Enum)]
pub enum PhotoRule {
    Always,
    IfNonCompliant,
    Never,
}

#[uniffi::remote(Enum)]
pub enum Severity {
    Minor,
    General,
    Serious,
}

/// One checklist in a list of checklists.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct TemplateSummary {
    pub id: String,
    pub version: u32,
    pub title: LocalizedText,
    pub item_count: u32,
}

/// A whole checklist, ready to render.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct TemplateView {
    pub id: String,
    pub version: u32,
    pub title: LocalizedText,
    pub items: Vec<TemplateItemView>,
}

/// One inspection point.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct TemplateItemView {
    /// Unique across all checklists, e.g. `HW-08`.
    pub code: String,
    pub text: LocalizedText,
    pub answer: AnswerType,
    pub photo: PhotoRule,
    pub required: bool,
    /// Citations, e.g. `GB 18597-2023 §6.2.2`.
    pub legal_basis: Vec<String>,
    /// False when the clause number is not confirmed: show it as unverified.
    pub clause_verified: bool,
    pub failure_severity: Severity,
    /// How to check the item, as the source states it.
    pub guidance: Option<String>,
}

/// Which input control an item needs. Pass rules stay in the core: ask it to assess an answer.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum AnswerType {
    /// 是/否
    YesNo,
    /// 是/否/不适用
    YesNoNotApplicable,
    Number {
        unit: String,
    },
    Measures {
        fields: Vec<MeasureFieldView>,
    },
    Text,
    Date,
    Choice {
        options: Vec<ChoiceOptionView>,
    },
}

/// One input of a several-value item.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct MeasureFieldView {
    pub key: String,
    pub label: LocalizedText,
    /// The unit of a number; `None` for a date.
    pub unit: Option<String>,
    pub is_date: bool,
}

/// One option of a choice item.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ChoiceOptionView {
    pub code: String,
    pub label: LocalizedText,
    pub compliant: bool,
}

impl From<&ChecklistTemplate> for TemplateSummary {
    fn from(t: &ChecklistTemplate) -> Self {
        Self {
            id: t.id.clone(),
            version: t.version,
            title: (&t.title).into(),
            item_count: u32::try_from(t.items.len()).unwrap_or(u32::MAX),
        }
    }
}

impl From<&ChecklistTemplate> for TemplateView {
    fn from(t: &ChecklistTemplate) -> Self {
        Self {
            id: t.id.clone(),
            version: t.version,
            title: (&t.title).into(),
            items: t.items.iter().map(Into::into).collect(),
        }
    }
}

impl From<&TemplateItem> for TemplateItemView {
    fn from(i: &TemplateItem) -> Self {
        Self {
            code: i.code.clone(),
            text: (&i.text).into(),
            answer: (&i.answer).into(),
            photo: i.photo,
            required: i.required,
            legal_basis: i.legal_basis.clone(),
            clause_verified: i.clause_verified,
            failure_severity: i.failure_severity,
            guidance: i.guidance.clone(),
        }
    }
}

impl From<&AnswerSpec> for AnswerType {
    fn from(a: &AnswerSpec) -> Self {
        match a {
            AnswerSpec::YesNo => Self::YesNo,
            AnswerSpec::YesNoNa => Self::YesNoNotApplicable,
            AnswerSpec::Number { unit, .. } => Self::Number { unit: unit.clone() },
            AnswerSpec::Text => Self::Text,
            AnswerSpec::Date { .. } => Self::Date,
            AnswerSpec::Measures { fields, .. } => Self::Measures {
                fields: fields
                    .iter()
                    .map(|f| MeasureFieldView {
                        key: f.key.clone(),
                        label: (&f.label).into(),
                        unit: match &f.kind {
                            MeasureKind::Number { unit } => Some(unit.clone()),
                            MeasureKind::Date => None,
                        },
                        is_date: matches!(f.kind, MeasureKind::Date),
                    })
                    .collect(),
            },
            AnswerSpec::Choice { options } => Self::Choice {
                options: options
                    .iter()
                    .map(|o| ChoiceOptionView {
                        code: o.code.clone(),
                        label: (&o.label).into(),
                        compliant: o.compliant,
                    })
                    .collect(),
            },
        }
    }
}
