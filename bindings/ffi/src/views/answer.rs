//! Answers as the app sends them, and the core's verdict on them.

use crate::custom_types::LocalDate;
use fieldcheck_core::domain::answer::{AnswerValue, Measure, Verdict};
use std::collections::HashMap;

#[uniffi::remote(Enum)]
pub enum Verdict {
    Compliant,
    NonCompliant,
    NotApplicable,
    Recorded,
}

/// The value given for an item, shaped like the item's `AnswerType`.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum AnswerInput {
    Yes,
    No,
    NotApplicable,
    Number { value: f64 },
    Text { value: String },
    Date { value: LocalDate },
    Choice { code: String },
    Measures { values: HashMap<String, MeasureInput> },
}

/// One named input of a several-value item.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum MeasureInput {
    Number { value: f64 },
    Date { value: LocalDate },
}

impl From<AnswerInput> for AnswerValue {
    fn from(a: AnswerInput) -> Self {
        match a {
            AnswerInput::Yes => Self::Yes,
            AnswerInput::No => Self::No,
            AnswerInput::NotApplicable => Self::NotApplicable,
            AnswerInput::Number { value } => Self::Number(value),
            AnswerInput::Text { value } => Self::Text(value),
            AnswerInput::Date { value } => Self::Date(value),
            AnswerInput::Choice { code } => Self::Choice(code),
            AnswerInput::Measures { values } => Self::Measures(
                values
                    .into_iter()
                    .map(|(k, m)| {
                        let m = match m {
                            MeasureInput::Number { value } => Measure::Number(value),
                            MeasureInput::Date { value } => Measure::Date(value),
                        };
                        (k, m)
                    })
                    .collect(),
            ),
        }
    }
}
