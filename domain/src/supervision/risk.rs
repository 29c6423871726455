//! The risk index (风险指数) and its complement, the green index (绿色指数), on a 0–100 scale.
//!
//! The formula is data: [`TERMS`] lists each term with its weight and cap; a term contributes
//! `min(raw × weight, cap)`, the risk index is the sum of the contributions and the caps sum to 100,
//! so the index is bounded by construction. Each enterprise's index comes with every term explained
//! (raw value, weight, cap, contribution), so a person can see why an enterprise ranks where it does.

use super::class::EnterpriseClass;
use crate::alarm::Alarm;
use crate::finding::Severity;
use crate::organisation::Enterprise;
use crate::rectification::{RectificationTask, TaskState};
use crate::text::Text;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// One term of the formula.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Term {
    /// Alarms, by grade, discounted by age ([`ALARM_POINTS`], [`RECENCY`]).
    Alarms,
    /// Findings of the last year's inspections, by severity ([`FINDING_POINTS`]).
    Findings,
    /// Rectification tasks past their deadline and still owed.
    OverdueTasks,
    /// Tasks whose proof was rejected (退回整改) and not yet accepted.
    RejectedTasks,
    /// Days since the last submitted inspection ([`NEVER_INSPECTED_DAYS`] when never).
    DaysSinceInspection,
    /// The enterprise's classes ([`EnterpriseClass::risk_points`]).
    Class,
}

/// A term's row in the formula.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TermRule {
    pub term: Term,
    pub zh: &'static str,
    pub en: &'static str,
    /// What the raw value counts.
    pub unit: &'static str,
    /// Index points per unit of raw value.
    pub weight: f64,
    /// The most this term may contribute.
    pub cap: f64,
}

/// The formula. The caps sum to 100 (a test holds it to that).
pub const TERMS: &[TermRule] = &[
    TermRule {
        term: Term::Alarms,
        zh: "报警",
        en: "alarms",
        unit: "grade points, age-discounted",
        weight: 3.0,
        cap: 30.0,
    },
    TermRule {
        term: Term::Findings,
        zh: "检查发现问题",
        en: "findings",
        unit: "severity points, last 365 days",
        weight: 2.0,
        cap: 20.0,
    },
    TermRule {
        term: Term::OverdueTasks, zh: "逾期整改", en: "overdue tasks", unit: "tasks", weight: 5.0, cap: 20.0
    },
    TermRule {
        term: Term::RejectedTasks,
        zh: "整改被退回",
        en: "rejected tasks",
        unit: "tasks",
        weight: 5.0,
        cap: 10.0,
    },
    TermRule {
        term: Term::DaysSinceInspection,
        zh: "距上次检查",
        en: "days since inspection",
        unit: "days",
        weight: 0.03,
        cap: 12.0,
    },
    TermRule { term: Term::Class, zh: "监管类别", en: "class", unit: "class points", weight: 4.0, cap: 8.0 },
];

/// Grade points of an alarm (by the grade it was given, or suggested).
pub const ALARM_POINTS: &[(Severity, f64)] =
    &[(Severity::Minor, 1.0), (Severity::General, 3.0), (Severity::Serious, 6.0)];
/// Severity points of a finding.
pub const FINDING_POINTS: &[(Severity, f64)] =
    &[(Severity::Minor, 1.0), (Severity::General, 2.0), (Severity::Serious, 4.0)];
/// An alarm's weight by age: (up to this many days old, factor); older than the last row counts 0.
pub const RECENCY: &[(i64, f64)] = &[(30, 1.0), (180, 0.5), (365, 0.25)];
/// Findings older than this many days no longer count.
pub const FINDINGS_WINDOW_DAYS: i64 = 365;
/// The days counted for an enterprise never inspected (enough to reach the term's cap).
pub const NEVER_INSPECTED_DAYS: f64 = 400.0;

/// The raw facts the formula reads, per term.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RiskFacts {
    pub alarm_points: f64,
    pub finding_points: f64,
    pub overdue_tasks: u32,
    pub rejected_tasks: u32,
    /// `None`: never inspected.
    pub days_since_inspection: Option<f64>,
    pub class_points: f64,
}

impl RiskFacts {
    /// The raw value of `term`.
    pub fn raw(&self, term: Term) -> f64 {
        match term {
            Term::Alarms => self.alarm_points,
            Term::Findings => self.finding_points,
            Term::OverdueTasks => f64::from(self.overdue_tasks),
            Term::RejectedTasks => f64::from(self.rejected_tasks),
            Term::DaysSinceInspection => self.days_since_inspection.unwrap_or(NEVER_INSPECTED_DAYS),
            Term::Class => self.class_points,
        }
    }

    /// Gathers the facts about `enterprise` as of `now` from its alarms, the findings of its
    /// inspections (with when each inspection was submitted), its tasks and its last inspection: counts
    /// them into a [`RiskTally`] as a store's query would, then reads the tally.
    pub fn gather<'a>(
        enterprise: &Enterprise,
        alarms: impl IntoIterator<Item = &'a Alarm>,
        findings: impl IntoIterator<Item = (DateTime<Utc>, Severity)>,
        tasks: impl IntoIterator<Item = &'a RectificationTask>,
        last_inspection: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> RiskFacts {
        let mut tally = RiskTally { last_inspection, ..RiskTally::default() };
        let days = |at: DateTime<Utc>| (now - at).num_days().max(0);
        for a in alarms.into_iter().filter(|a| a.enterprise == enterprise.id) {
            if let Some(bucket) = RECENCY.iter().position(|(up_to, _)| days(a.raised_at) <= *up_to) {
                tally.add_alarms(a.level, bucket, 1);
            }
        }
        for (_, s) in findings.into_iter().filter(|(at, _)| days(*at) <= FINDINGS_WINDOW_DAYS) {
            tally.add_findings(s, 1);
        }
        for t in tasks.into_iter().filter(|t| t.enterprise == enterprise.id) {
            tally.overdue_tasks += u32::from(t.is_overdue(now));
            tally.rejected_tasks += u32::from(t.state == TaskState::Rejected);
        }
        RiskFacts::of_tally(enterprise, &tally, now)
    }

    /// The facts about `enterprise` from what a store counted ([`RiskTally`]), as of `now`: each
    /// alarm counts its level's [`ALARM_POINTS`] times its age bucket's [`RECENCY`] factor; each recent
    /// finding its severity's [`FINDING_POINTS`]; tasks and the last visit as counted; the class from
    /// the enterprise's flags.
    pub fn of_tally(enterprise: &Enterprise, tally: &RiskTally, now: DateTime<Utc>) -> RiskFacts {
        let alarm_points = tally
            .alarms
            .iter()
            .filter_map(|&(level, bucket, n)| Some(points(ALARM_POINTS, level) * RECENCY.get(bucket)?.1 * f64::from(n)))
            .sum();
        let finding_points = tally.findings.iter().map(|&(s, n)| points(FINDING_POINTS, s) * f64::from(n)).sum();
        RiskFacts {
            alarm_points,
            finding_points,
            overdue_tasks: tally.overdue_tasks,
            rejected_tasks: tally.rejected_tasks,
            days_since_inspection: tally.last_inspection.map(|at| (now - at).num_days().max(0) as f64),
            class_points: EnterpriseClass::of(enterprise.flags).iter().map(|c| c.risk_points()).sum(),
        }
    }
}

/// What the formula reads about one enterprise, counted by a store (in SQL, without loading records):
/// alarms by level and age bucket, recent findings by severity, overdue and rejected tasks, the last
/// visit. The buckets' bounds come from the formula ([`RiskTally::alarm_cutoffs`],
/// [`RiskTally::findings_since`]); the points and weights stay here.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RiskTally {
    /// (level, age bucket, how many): bucket `i` holds alarms at most `RECENCY[i].0` days old and older
    /// than the bucket before; older alarms count nothing and need not be counted.
    pub alarms: Vec<(Severity, usize, u32)>,
    /// (severity, how many) of findings of inspections within [`FINDINGS_WINDOW_DAYS`].
    pub findings: Vec<(Severity, u32)>,
    /// Tasks in an owed state ([`TaskState::OWED`]) past their deadline.
    pub overdue_tasks: u32,
    /// Tasks in [`TaskState::Rejected`].
    pub rejected_tasks: u32,
    /// When its last inspection was submitted (or started, without an end).
    pub last_inspection: Option<DateTime<Utc>>,
}

impl RiskTally {
    /// The bounds of the alarm age buckets as of `now`, newest first: an alarm raised after `cutoffs[i]`
    /// (and not after `cutoffs[i - 1]`) is in bucket `i`. Whole days, as the formula counts age:
    /// at most `d` days old is raised after `now − (d + 1) days`.
    pub fn alarm_cutoffs(now: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        RECENCY.iter().map(|(up_to, _)| now - Duration::days(up_to + 1)).collect()
    }

    /// Findings of inspections submitted after this count.
    pub fn findings_since(now: DateTime<Utc>) -> DateTime<Utc> {
        now - Duration::days(FINDINGS_WINDOW_DAYS + 1)
    }

    pub fn add_alarms(&mut self, level: Severity, bucket: usize, n: u32) {
        match self.alarms.iter_mut().find(|(l, b, _)| (*l, *b) == (level, bucket)) {
            Some(row) => row.2 += n,
            None => self.alarms.push((level, bucket, n)),
        }
    }

    pub fn add_findings(&mut self, severity: Severity, n: u32) {
        match self.findings.iter_mut().find(|(s, _)| *s == severity) {
            Some(row) => row.1 += n,
            None => self.findings.push((severity, n)),
        }
    }
}

fn points(table: &[(Severity, f64)], s: Severity) -> f64 {
    table.iter().find(|(k, _)| *k == s).map_or(0.0, |(_, p)| *p)
}

/// One term of an enterprise's index, explained.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Explained {
    pub term: Term,
    pub label: Text,
    pub unit: &'static str,
    pub raw: f64,
    pub weight: f64,
    pub cap: f64,
    /// `min(raw × weight, cap)`, to 0.01.
    pub contribution: f64,
}

/// An enterprise's index: risk and green (= 100 − risk), each 0–100, with every term explained.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RiskIndex {
    pub risk: f64,
    pub green: f64,
    pub terms: Vec<Explained>,
}

impl RiskIndex {
    /// The index of `facts` by the formula [`TERMS`].
    pub fn of(facts: &RiskFacts) -> RiskIndex {
        let terms: Vec<Explained> = TERMS
            .iter()
            .map(|rule| {
                // A raw value that is not a finite non-negative number counts as nothing.
                let raw = Some(facts.raw(rule.term)).filter(|r| r.is_finite() && *r > 0.0).unwrap_or(0.0);
                Explained {
                    term: rule.term,
                    label: Text::new(rule.zh, rule.en),
                    unit: rule.unit,
                    raw: hundredths(raw),
                    weight: rule.weight,
                    cap: rule.cap,
                    contribution: hundredths((raw * rule.weight).min(rule.cap)),
                }
            })
            .collect();
        let risk = hundredths(terms.iter().map(|t| t.contribution).sum::<f64>()).clamp(0.0, 100.0);
        RiskIndex { risk, green: hundredths(100.0 - risk), terms }
    }

    /// The weight this enterprise gets in a double-random draw: 1 + the risk index rounded, so an
    /// enterprise with no risk can still be drawn and the riskiest is about a hundred times likelier.
    pub fn draw_weight(&self) -> u32 {
        1 + self.risk.round() as u32
    }
}

/// Rounded to 0.01 (so shown figures carry no float noise).
fn hundredths(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_caps_sum_to_one_hundred_and_every_term_has_one_row() {
        assert_eq!(TERMS.iter().map(|t| t.cap).sum::<f64>(), 100.0);
        for term in [
            Term::Alarms,
            Term::Findings,
            Term::OverdueTasks,
            Term::RejectedTasks,
            Term::DaysSinceInspection,
            Term::Class,
        ] {
            assert_eq!(TERMS.iter().filter(|t| t.term == term).count(), 1, "{term:?}");
        }
    }

    #[test]
    fn a_clean_recently_inspected_ordinary_enterprise_is_green() {
        let facts = RiskFacts { days_since_inspection: Some(0.0), ..Default::default() };
        let index = RiskIndex::of(&facts);
        assert_eq!((index.risk, index.green), (0.0, 100.0));
        assert_eq!(index.draw_weight(), 1);
    }

    #[test]
    fn each_term_is_explained() {
        let facts = RiskFacts {
            alarm_points: 3.5,
            finding_points: 4.0,
            overdue_tasks: 1,
            rejected_tasks: 0,
            days_since_inspection: Some(100.0),
            class_points: 2.0,
        };
        let index = RiskIndex::of(&facts);
        let c: Vec<f64> = index.terms.iter().map(|t| t.contribution).collect();
        assert_eq!(c, vec![10.5, 8.0, 5.0, 0.0, 3.0, 8.0]);
        assert_eq!(index.risk, 34.5);
        assert_eq!(index.green, 65.5);
        let never = RiskIndex::of(&RiskFacts::default());
        assert_eq!(never.terms[4].contribution, 12.0, "never inspected reaches the cap");
    }

    fn facts() -> impl Strategy<Value = RiskFacts> {
        (0.0..200.0f64, 0.0..200.0f64, 0..50u32, 0..50u32, proptest::option::of(0.0..2000.0f64), 0.0..6.0f64).prop_map(
            |(a, f, o, r, d, c)| RiskFacts {
                alarm_points: a,
                finding_points: f,
                overdue_tasks: o,
                rejected_tasks: r,
                days_since_inspection: d,
                class_points: c,
            },
        )
    }

    proptest! {
        #[test]
        fn bounded_and_complementary(f in facts()) {
            let i = RiskIndex::of(&f);
            prop_assert!((0.0..=100.0).contains(&i.risk));
            prop_assert!((i.risk + i.green - 100.0).abs() < 1e-9);
            prop_assert!((1..=101).contains(&i.draw_weight()));
        }

        /// A store that buckets by the cut-off times puts every alarm where the formula's day count does.
        #[test]
        fn cutoffs_bucket_as_the_day_count(age_s in -86_400i64..500 * 86_400) {
            let now = DateTime::parse_from_rfc3339("2026-12-03T10:00:00Z").unwrap().with_timezone(&Utc);
            let raised = now - Duration::seconds(age_s);
            let days = (now - raised).num_days().max(0);
            let by_days = RECENCY.iter().position(|(up_to, _)| days <= *up_to);
            let by_cutoff = RiskTally::alarm_cutoffs(now).iter().position(|c| raised > *c);
            prop_assert_eq!(by_days, by_cutoff);
            let recent = raised > RiskTally::findings_since(now);
            prop_assert_eq!(recent, days <= FINDINGS_WINDOW_DAYS);
        }

        #[test]
        fn monotone_in_each_bad_term(f in facts(), more in 0.0..100.0f64, n in 0..20u32) {
            let base = RiskIndex::of(&f).risk;
            let worse = [
                RiskFacts { alarm_points: f.alarm_points + more, ..f },
                RiskFacts { finding_points: f.finding_points + more, ..f },
                RiskFacts { overdue_tasks: f.overdue_tasks + n, ..f },
                RiskFacts { rejected_tasks: f.rejected_tasks + n, ..f },
                RiskFacts { days_since_inspection: f.days_since_inspection.map(|d| d + more), ..f },
                RiskFacts { days_since_inspection: None, ..f },
                RiskFacts { class_points: f.class_points + more, ..f },
            ];
            for w in worse {
                prop_assert!(RiskIndex::of(&w).risk >= base, "{w:?}");
            }
        }
    }
}
