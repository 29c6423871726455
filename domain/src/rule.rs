//! Pass rules for measured answers: a comparison between two small arithmetic expressions over the
//! answer's values. Dates count as day numbers, so "drill within 365 days" is a subtraction.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// A pass rule. `AtLeast`/`AtMost`/`Between` apply to a single-number item's value; `Compare` covers
/// everything else (rules over several numbers or dates).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    AtLeast(f64),
    AtMost(f64),
    Between([f64; 2]),
    Compare { left: Expr, cmp: Cmp, right: Expr },
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Cmp {
    Ge,
    Gt,
    Le,
    Lt,
}

/// An expression evaluated to a number.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expr {
    /// The item's own value (a number, or a date as a day number).
    Value,
    /// A named measure of a `Measures` item.
    Field(String),
    Const(f64),
    /// The inspection's date as a day number.
    InspectionDay,
    Max(Vec<Expr>),
    Min(Vec<Expr>),
    Add(Box<Expr>, Box<Expr>),
    Sub(Box<Expr>, Box<Expr>),
    Mul(Box<Expr>, f64),
    Abs(Box<Expr>),
    /// Working days (Monday to Friday; public holidays are not modelled) after the first date up to
    /// and including the second.
    WorkingDaysBetween(Box<Expr>, Box<Expr>),
}

// A recursive tree the generated document states as one JSON value (utoipa cannot derive it).
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Expr {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::SchemaType::AnyValue)
            .description(Some("An expression: `\"value\"`, `{\"field\": name}`, `{\"add\": [a, b]}`, …"))
            .into()
    }
}
#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Expr {}

/// What an expression can look up while it is evaluated.
pub trait Values {
    /// The item's own value, if the item has a single one.
    fn value(&self) -> Option<f64>;
    /// A named measure.
    fn field(&self, key: &str) -> Option<f64>;
    /// The inspection's date.
    fn inspection_day(&self) -> f64;
}

/// Why a rule could not be evaluated: the answer lacks an input the rule needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissingInput(pub String);

impl Rule {
    /// True when the answer passes.
    pub fn holds(&self, values: &dyn Values) -> Result<bool, MissingInput> {
        let value = || values.value().ok_or_else(|| MissingInput("value".into()));
        Ok(match self {
            Rule::AtLeast(min) => value()? >= *min,
            Rule::AtMost(max) => value()? <= *max,
            Rule::Between([min, max]) => (*min..=*max).contains(&value()?),
            Rule::Compare { left, cmp, right } => {
                let (l, r) = (left.eval(values)?, right.eval(values)?);
                match cmp {
                    Cmp::Ge => l >= r,
                    Cmp::Gt => l > r,
                    Cmp::Le => l <= r,
                    Cmp::Lt => l < r,
                }
            }
        })
    }

    /// Field keys the rule reads, so a template can be checked against its fields when loaded.
    pub fn fields(&self) -> Vec<&str> {
        let mut out = Vec::new();
        if let Rule::Compare { left, right, .. } = self {
            left.collect_fields(&mut out);
            right.collect_fields(&mut out);
        }
        out
    }
}

impl Expr {
    pub fn eval(&self, values: &dyn Values) -> Result<f64, MissingInput> {
        Ok(match self {
            Expr::Value => values.value().ok_or_else(|| MissingInput("value".into()))?,
            Expr::Field(key) => values.field(key).ok_or_else(|| MissingInput(key.clone()))?,
            Expr::Const(c) => *c,
            Expr::InspectionDay => values.inspection_day(),
            Expr::Max(list) => fold(list, values, f64::max)?,
            Expr::Min(list) => fold(list, values, f64::min)?,
            Expr::Add(a, b) => a.eval(values)? + b.eval(values)?,
            Expr::Sub(a, b) => a.eval(values)? - b.eval(values)?,
            Expr::Mul(a, k) => a.eval(values)? * k,
            Expr::Abs(a) => a.eval(values)?.abs(),
            Expr::WorkingDaysBetween(a, b) => working_days_between(a.eval(values)?, b.eval(values)?),
        })
    }

    fn collect_fields<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Expr::Field(key) => out.push(key),
            Expr::Max(list) | Expr::Min(list) => list.iter().for_each(|e| e.collect_fields(out)),
            Expr::Add(a, b) | Expr::Sub(a, b) | Expr::WorkingDaysBetween(a, b) => {
                a.collect_fields(out);
                b.collect_fields(out);
            }
            Expr::Mul(a, _) | Expr::Abs(a) => a.collect_fields(out),
            Expr::Value | Expr::Const(_) | Expr::InspectionDay => {}
        }
    }
}

fn fold(list: &[Expr], values: &dyn Values, f: fn(f64, f64) -> f64) -> Result<f64, MissingInput> {
    let mut acc: Option<f64> = None;
    for e in list {
        let v = e.eval(values)?;
        acc = Some(acc.map_or(v, |a| f(a, v)));
    }
    acc.ok_or_else(|| MissingInput("empty list".into()))
}

/// Day number of a date (days since 1970-01-01), the unit dates have inside rules.
pub fn day_number(date: NaiveDate) -> f64 {
    f64::from(date.num_days_from_ce() - EPOCH_DAYS_FROM_CE)
}

const EPOCH_DAYS_FROM_CE: i32 = 719_163;

/// Counted in closed form (whole weeks plus the rest), so any two day numbers cost the same.
fn working_days_between(from: f64, to: f64) -> f64 {
    // Saturating casts: NaN becomes 0 and infinities the ends of i64; i128 keeps the sums exact.
    let (from, to) = (i128::from(from as i64), i128::from(to as i64));
    let sign = if to >= from { 1.0 } else { -1.0 };
    let (lo, hi) = (from.min(to), from.max(to));
    sign * (weekdays_before(hi + 1) - weekdays_before(lo + 1)) as f64
}

/// Weekdays among the day numbers below `day` counted from an arbitrary Monday (differences only).
fn weekdays_before(day: i128) -> i128 {
    // Day 0 (1970-01-01) was a Thursday, so day + 3 counts from a Monday.
    let shifted = day + 3;
    5 * shifted.div_euclid(7) + shifted.rem_euclid(7).min(5)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    struct V(Option<f64>, BTreeMap<&'static str, f64>, f64);
    impl Values for V {
        fn value(&self) -> Option<f64> {
            self.0
        }
        fn field(&self, key: &str) -> Option<f64> {
            self.1.get(key).copied()
        }
        fn inspection_day(&self) -> f64 {
            self.2
        }
    }

    fn date(s: &str) -> f64 {
        day_number(NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap())
    }

    #[test]
    fn containment_volume_rule_over_two_inputs() {
        // HW-08: volume ≥ max(largest container, total liquid / 10).
        let rule = Rule::Compare {
            left: Expr::Field("volume".into()),
            cmp: Cmp::Ge,
            right: Expr::Max(vec![
                Expr::Field("largest".into()),
                Expr::Mul(Box::new(Expr::Field("total".into())), 0.1),
            ]),
        };
        let v = |volume, largest, total| {
            V(None, BTreeMap::from([("volume", volume), ("largest", largest), ("total", total)]), 0.0)
        };
        assert!(rule.holds(&v(2.0, 1.0, 20.0)).unwrap());
        assert!(!rule.holds(&v(1.5, 1.0, 20.0)).unwrap());
        assert!(!rule.holds(&v(0.9, 1.0, 5.0)).unwrap());
        assert_eq!(rule.fields(), vec!["volume", "largest", "total"]);
        let missing = V(None, BTreeMap::from([("volume", 1.0)]), 0.0);
        assert_eq!(rule.holds(&missing), Err(MissingInput("largest".into())));
    }

    #[test]
    fn single_value_rules() {
        let v = |x| V(Some(x), BTreeMap::new(), 0.0);
        assert!(Rule::AtLeast(90.0).holds(&v(90.0)).unwrap());
        assert!(!Rule::AtLeast(90.0).holds(&v(89.0)).unwrap());
        assert!(Rule::AtMost(3.0).holds(&v(3.0)).unwrap());
        assert!(!Rule::AtMost(3.0).holds(&v(3.1)).unwrap());
        assert!(Rule::Between([6.0, 9.0]).holds(&v(7.0)).unwrap());
        assert!(!Rule::Between([6.0, 9.0]).holds(&v(9.5)).unwrap());
    }

    #[test]
    fn working_days_skip_weekends() {
        // Friday 2026-11-27 to Monday 2026-11-30: one working day after the Friday.
        assert_eq!(working_days_between(date("2026-11-27"), date("2026-11-30")), 1.0);
        assert_eq!(working_days_between(date("2026-11-02"), date("2026-11-30")), 20.0);
        assert_eq!(working_days_between(date("2026-11-30"), date("2026-11-02")), -20.0);
    }

    #[test]
    fn working_days_in_closed_form_match_a_day_by_day_count() {
        use chrono::Weekday;
        let walk = |from: i64, to: i64| {
            let (lo, hi) = (from.min(to), from.max(to));
            let n = (lo + 1..=hi)
                .filter(|d| {
                    let date =
                        NaiveDate::from_num_days_from_ce_opt((*d + i64::from(EPOCH_DAYS_FROM_CE)) as i32).unwrap();
                    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
                })
                .count() as f64;
            if to >= from { n } else { -n }
        };
        for from in -30..30 {
            for to in -30..30 {
                assert_eq!(working_days_between(from as f64, to as f64), walk(from, to), "{from} → {to}");
            }
        }
        // The ends of the number line cost nothing and do not overflow.
        assert!(working_days_between(f64::MIN, f64::MAX) > 0.0);
        assert_eq!(working_days_between(f64::NAN, 0.0), 0.0);
    }

    #[test]
    fn rules_round_trip_as_json() {
        let rule = Rule::Compare {
            left: Expr::WorkingDaysBetween(
                Box::new(Expr::Field("issued".into())),
                Box::new(Expr::Field("filed".into())),
            ),
            cmp: Cmp::Le,
            right: Expr::Const(20.0),
        };
        let json = serde_json::to_string(&rule).unwrap();
        assert_eq!(serde_json::from_str::<Rule>(&json).unwrap(), rule);
        let short: Rule = serde_json::from_str(r#"{"at_least":90}"#).unwrap();
        assert_eq!(short, Rule::AtLeast(90.0));
    }
}
