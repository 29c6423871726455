//! Checklist templates: versioned, bilingual lists of inspection points. Templates are data (see
//! `domain/checklists/`); the platform can publish new versions.

use super::finding::Severity;
use super::rule::Rule;
use super::text::Text;
use serde::{Deserialize, Serialize};

/// One version of a checklist (e.g. hazardous-waste storage v1).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChecklistTemplate {
    /// Stable key, e.g. `hazardous_waste_storage`.
    pub id: String,
    /// Increases with every published change; inspections pin the version they used.
    pub version: u32,
    pub title: Text,
    pub items: Vec<TemplateItem>,
}

/// Names a template version.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TemplateRef {
    pub id: String,
    pub version: u32,
}

/// One inspection point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TemplateItem {
    /// Unique across all templates, e.g. `HW-08`.
    pub code: String,
    pub text: Text,
    pub answer: AnswerSpec,
    pub photo: PhotoRule,
    /// Whether submitting needs an answer to this item.
    #[serde(default = "yes")]
    pub required: bool,
    /// Citations, e.g. `GB 18597-2023 §6.2.2`.
    pub legal_basis: Vec<String>,
    /// False when the clause number was not confirmed against the official text: a UI must not
    /// present it as verified.
    pub clause_verified: bool,
    /// Severity proposed for a finding when this item fails.
    #[serde(default = "general")]
    pub failure_severity: Severity,
    /// Guidance for the officer (how to check, what the rule means), as the source states it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guidance: Option<String>,
}

fn yes() -> bool {
    true
}

fn general() -> Severity {
    Severity::General
}

/// What kind of answer an item takes, and the rule that decides compliance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AnswerSpec {
    /// 是/否: yes is compliant.
    YesNo,
    /// 是/否/不适用: yes or not applicable is compliant.
    YesNoNa,
    /// One number with a unit; compliant when the rule holds (recorded only, without a rule).
    Number {
        unit: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rule: Option<Rule>,
    },
    /// Several named numbers or dates taken together (e.g. pool volume vs required volume).
    Measures {
        fields: Vec<MeasureField>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rule: Option<Rule>,
    },
    /// Free text (e.g. a filing number); recorded only.
    Text,
    /// A calendar date; compliant when the rule holds (recorded only, without a rule).
    Date {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rule: Option<Rule>,
    },
    /// One of a fixed set of options, each marked compliant or not.
    Choice { options: Vec<ChoiceOption> },
}

/// One named input of a `Measures` item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeasureField {
    pub key: String,
    pub label: Text,
    pub kind: MeasureKind,
}

/// A measure is a number with a unit, or a date.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MeasureKind {
    Number { unit: String },
    Date,
}

/// One option of a `Choice` item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChoiceOption {
    pub code: String,
    pub label: Text,
    pub compliant: bool,
}

/// When a photo must be attached to an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PhotoRule {
    Always,
    IfNonCompliant,
    Never,
}

/// Names one item of one template.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemRef {
    pub template: String,
    pub code: String,
}

impl ChecklistTemplate {
    pub fn reference(&self) -> TemplateRef {
        TemplateRef { id: self.id.clone(), version: self.version }
    }

    pub fn item(&self, code: &str) -> Option<&TemplateItem> {
        self.items.iter().find(|i| i.code == code)
    }
}
