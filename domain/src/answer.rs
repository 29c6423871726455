//! Answers to checklist items: validated against the item's answer type, then judged by its rule.

use super::DomainError;
use super::limits;
use super::rule::{self, Values};
use super::template::{AnswerSpec, ItemRef, MeasureKind, TemplateItem};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Longest free text an answer may carry, in characters.
pub const MAX_TEXT_CHARS: usize = super::limits::TEXT_CHARS;

/// The value given for an item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum AnswerValue {
    Yes,
    No,
    NotApplicable,
    Number(f64),
    Text(String),
    Date(NaiveDate),
    Choice(String),
    Measures(BTreeMap<String, Measure>),
}

/// One named measure: a number or a date.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum Measure {
    Number(f64),
    Date(NaiveDate),
}

/// An answer recorded on site.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Answer {
    pub item: ItemRef,
    pub value: AnswerValue,
    /// Officer's remark on this item (现场情况说明).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Device time the answer was given.
    pub answered_at: DateTime<Utc>,
}

/// What an answer says about compliance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Compliant,
    NonCompliant,
    NotApplicable,
    /// Recorded for the file; the item has no pass rule.
    Recorded,
}

/// Checks `value` against `item`'s answer type and judges it. `inspection_date` anchors date rules
/// and refuses dates in the future.
pub fn assess(item: &TemplateItem, value: &AnswerValue, inspection_date: NaiveDate) -> Result<Verdict, DomainError> {
    let invalid = |reason: &str| DomainError::InvalidAnswer { item: item.code.clone(), reason: reason.into() };
    let judged = |rule: &Option<rule::Rule>, values: &dyn Values| match rule {
        None => Ok(Verdict::Recorded),
        Some(rule) => match rule.holds(values) {
            Ok(true) => Ok(Verdict::Compliant),
            Ok(false) => Ok(Verdict::NonCompliant),
            Err(missing) => Err(invalid(&format!("missing input {} / 缺少输入项", missing.0))),
        },
    };
    let day = rule::day_number(inspection_date);
    match (&item.answer, value) {
        (AnswerSpec::YesNo | AnswerSpec::YesNoNa, AnswerValue::Yes) => Ok(Verdict::Compliant),
        (AnswerSpec::YesNo | AnswerSpec::YesNoNa, AnswerValue::No) => Ok(Verdict::NonCompliant),
        (AnswerSpec::YesNoNa, AnswerValue::NotApplicable) => Ok(Verdict::NotApplicable),
        (AnswerSpec::Number { rule, .. }, AnswerValue::Number(x)) => {
            check_number(*x).map_err(&invalid)?;
            judged(rule, &Single { value: *x, day })
        }
        (AnswerSpec::Date { rule }, AnswerValue::Date(d)) => {
            check_date(*d, inspection_date).map_err(&invalid)?;
            judged(rule, &Single { value: rule::day_number(*d), day })
        }
        (AnswerSpec::Text, AnswerValue::Text(t)) => {
            check_text(t).map_err(&invalid)?;
            Ok(Verdict::Recorded)
        }
        (AnswerSpec::Choice { options }, AnswerValue::Choice(code)) => match options.iter().find(|o| &o.code == code) {
            Some(o) if o.compliant => Ok(Verdict::Compliant),
            Some(_) => Ok(Verdict::NonCompliant),
            None => Err(invalid(&format!("{code:?} is not one of the options / 不是可选项"))),
        },
        (AnswerSpec::Measures { fields, rule }, AnswerValue::Measures(given)) => {
            if let Some(extra) = given.keys().find(|k| !fields.iter().any(|f| &f.key == *k)) {
                return Err(invalid(&format!("unknown measure {extra:?} / 未知输入项")));
            }
            let mut numbers = BTreeMap::new();
            for field in fields {
                let measure = given
                    .get(&field.key)
                    .ok_or_else(|| invalid(&format!("missing {} / 缺少{}", field.label.en, field.label.zh)))?;
                let n = match (&field.kind, measure) {
                    (MeasureKind::Number { .. }, Measure::Number(x)) => check_number(*x).map(|_| *x),
                    (MeasureKind::Date, Measure::Date(d)) => {
                        check_date(*d, inspection_date).map(|_| rule::day_number(*d))
                    }
                    (MeasureKind::Number { .. }, Measure::Date(_)) => Err("expected a number / 应为数值"),
                    (MeasureKind::Date, Measure::Number(_)) => Err("expected a date / 应为日期"),
                }
                .map_err(|r| invalid(&format!("{}: {r}", field.key)))?;
                numbers.insert(field.key.as_str(), n);
            }
            judged(rule, &Fields { numbers, day })
        }
        (_, AnswerValue::NotApplicable) => {
            Err(invalid("this item cannot be answered 'not applicable' / 本项不可选不适用"))
        }
        _ => Err(invalid("the answer does not match the item's answer type / 答案类型不符")),
    }
}

fn check_number(x: f64) -> Result<(), &'static str> {
    if !x.is_finite() {
        Err("not a finite number / 数值无效")
    } else if x < 0.0 {
        Err("must not be negative / 不能为负数")
    } else if x > limits::MEASURE_MAX {
        Err("number too large / 数值过大")
    } else {
        Ok(())
    }
}

/// A date from [`limits::EARLIEST_DATE`] to the day after the inspection (checked arithmetic: a date at
/// the end of the calendar is refused, not a panic).
fn check_date(d: NaiveDate, inspection_date: NaiveDate) -> Result<(), &'static str> {
    let latest = inspection_date.succ_opt().unwrap_or(inspection_date);
    if d > latest {
        Err("date is after the inspection / 日期晚于检查日期")
    } else if d < limits::EARLIEST_DATE {
        Err("date is before 1950 / 日期早于1950年")
    } else {
        Ok(())
    }
}

/// Checks free text: not blank, not too long.
pub fn check_text(t: &str) -> Result<(), &'static str> {
    if t.trim().is_empty() {
        Err("must not be blank / 不能为空")
    } else if t.chars().take(MAX_TEXT_CHARS + 1).count() > MAX_TEXT_CHARS {
        Err("text too long / 文字过长")
    } else {
        Ok(())
    }
}

struct Single {
    value: f64,
    day: f64,
}

impl Values for Single {
    fn value(&self) -> Option<f64> {
        Some(self.value)
    }
    fn field(&self, _: &str) -> Option<f64> {
        None
    }
    fn inspection_day(&self) -> f64 {
        self.day
    }
}

struct Fields<'a> {
    numbers: BTreeMap<&'a str, f64>,
    day: f64,
}

impl Values for Fields<'_> {
    fn value(&self) -> Option<f64> {
        None
    }
    fn field(&self, key: &str) -> Option<f64> {
        self.numbers.get(key).copied()
    }
    fn inspection_day(&self) -> f64 {
        self.day
    }
}
