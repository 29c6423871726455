//! Response time against the limit: for the alarms raised in the dashboard's range, how long it took from
//! raised to dispatched, to an officer's arrival and to closure (median, 90th percentile, worst), per level
//! and per township, and how many were answered on site within the limit their enterprise's class gives
//! (`ResponseLimits`, kept on each alarm as `respond_by`). The times come from the audit trail, read in SQL
//! (`super::sql::response_times`).

use chrono::{DateTime, Utc};
use fieldcheck_domain::finding::Severity;
use fieldcheck_domain::text::Text;
use serde::Serialize;
use std::collections::BTreeMap;

/// Minutes from raised to one stage, over the alarms that reached it.
#[derive(Debug, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Stat {
    pub count: usize,
    pub median_minutes: Option<f64>,
    pub p90_minutes: Option<f64>,
    pub worst_minutes: Option<f64>,
}

impl Stat {
    /// Nearest-rank percentiles (the 50th and 90th) and the maximum.
    pub fn of(mut minutes: Vec<f64>) -> Stat {
        minutes.sort_by(f64::total_cmp);
        let rank = |p: f64| {
            let n = minutes.len();
            (n > 0).then(|| minutes[((p * n as f64).ceil() as usize).clamp(1, n) - 1])
        };
        Stat {
            count: minutes.len(),
            median_minutes: rank(0.5),
            p90_minutes: rank(0.9),
            worst_minutes: minutes.last().copied(),
        }
    }
}

/// One group's figures (a level, or a township).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Group {
    pub key: String,
    pub label: Text,
    pub alarms: usize,
    /// The limits the group's alarms were given, in hours (4 for key units, 48 otherwise by default).
    pub limit_hours: Vec<f64>,
    pub dispatched: Stat,
    pub arrived: Stat,
    pub closed: Stat,
    /// Answered on site (arrived, or closed) by the limit; past it (late, or still waiting after it).
    pub within_limit: usize,
    pub past_limit: usize,
}

/// One alarm's times: when it was raised and is due, and the first dispatch, arrival and closure in its audit.
#[derive(Clone, Debug, PartialEq)]
pub struct Timed {
    pub level: Severity,
    /// Its enterprise's township (id).
    pub township: Option<String>,
    pub raised_at: DateTime<Utc>,
    pub respond_by: DateTime<Utc>,
    pub dispatched: Option<DateTime<Utc>>,
    pub arrived: Option<DateTime<Utc>>,
    pub closed: Option<DateTime<Utc>>,
}

impl Timed {
    /// When the alarm was answered on site: an officer arrived, or it was closed (a minor one is closed
    /// from the desk).
    fn answered(&self) -> Option<DateTime<Utc>> {
        self.arrived.or(self.closed)
    }
}

fn minutes(from: DateTime<Utc>, to: Option<DateTime<Utc>>) -> Option<f64> {
    to.map(|t| (t - from).num_seconds() as f64 / 60.0)
}

/// The figures of `alarms` grouped by `key` (with its label), in key order.
pub fn groups(alarms: &[Timed], now: DateTime<Utc>, key: impl Fn(&Timed) -> (String, Text)) -> Vec<Group> {
    let mut by: BTreeMap<String, (Text, Vec<&Timed>)> = BTreeMap::new();
    for t in alarms {
        let (k, label) = key(t);
        by.entry(k).or_insert_with(|| (label, Vec::new())).1.push(t);
    }
    by.into_iter()
        .map(|(key, (label, ts))| {
            let stat = |f: &dyn Fn(&Timed) -> Option<DateTime<Utc>>| {
                Stat::of(ts.iter().filter_map(|t| minutes(t.raised_at, f(t))).collect())
            };
            let mut limit_hours: Vec<f64> = Vec::new();
            for t in &ts {
                let h = (t.respond_by - t.raised_at).num_minutes() as f64 / 60.0;
                if !limit_hours.contains(&h) {
                    limit_hours.push(h);
                }
            }
            limit_hours.sort_by(f64::total_cmp);
            let within = ts.iter().filter(|t| t.answered().is_some_and(|at| at <= t.respond_by)).count();
            let past = ts
                .iter()
                .filter(|t| match t.answered() {
                    Some(at) => at > t.respond_by,
                    None => t.respond_by < now,
                })
                .count();
            Group {
                key,
                label,
                alarms: ts.len(),
                limit_hours,
                dispatched: stat(&|t| t.dispatched),
                arrived: stat(&|t| t.arrived),
                closed: stat(&|t| t.closed),
                within_limit: within,
                past_limit: past,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        assert_eq!(Stat::of(vec![]), Stat::default());
        let s = Stat::of((1..=10).rev().map(f64::from).collect());
        assert_eq!((s.count, s.median_minutes, s.p90_minutes, s.worst_minutes), (10, Some(5.0), Some(9.0), Some(10.0)));
        let one = Stat::of(vec![42.0]);
        assert_eq!((one.median_minutes, one.p90_minutes, one.worst_minutes), (Some(42.0), Some(42.0), Some(42.0)));
    }
}
