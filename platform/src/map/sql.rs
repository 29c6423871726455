//! The map's records, read from the typed tables in SQL (never a record loaded), scoped to the caller as
//! its lists are: open alarms, open tasks and the inspections visited in a time range.

use crate::db::scoped::Args;
use crate::db::{Filter, StoreError, Tx, parse_time};
use chrono::{DateTime, Utc};
use fieldcheck_domain::alarm::AlarmState;
use fieldcheck_domain::rectification::TaskState;

/// One record the map places at its enterprise.
#[derive(Clone, Debug, PartialEq)]
pub struct Placed {
    pub id: String,
    pub enterprise: String,
    /// Its state's stable name.
    pub state: String,
    /// An alarm's level, a task's severity, an inspection's kind (stable names).
    pub grade: String,
    /// Raised (alarm), deadline (task), started or ended (inspection).
    pub at: DateTime<Utc>,
    /// An alarm past its response limit, a task past its deadline.
    pub overdue: bool,
}

fn rows(
    args: Args,
    tx: &mut dyn Tx,
    sql: &str,
    overdue: impl Fn(&str, DateTime<Utc>) -> bool,
) -> Result<Vec<Placed>, StoreError> {
    let mut out = Vec::new();
    for (t, _) in args.query(tx, sql, 5)? {
        let mut t = t.into_iter().map(Option::unwrap_or_default);
        let mut next = || t.next().unwrap_or_default();
        let (id, enterprise, state, grade, at) = (next(), next(), next(), next(), parse_time(&next())?);
        out.push(Placed { overdue: overdue(&state, at), id, enterprise, state, grade, at });
    }
    Ok(out)
}

/// Alarms not closed; overdue when past their response limit at `now`.
pub fn open_alarms(tx: &mut dyn Tx, visibility: &Filter, now: DateTime<Utc>) -> Result<Vec<Placed>, StoreError> {
    let (sql, args) = open_alarms_statement(visibility);
    let mut out = Vec::new();
    for (t, _) in args.query(tx, &sql, 6)? {
        let mut t = t.into_iter().map(Option::unwrap_or_default);
        let mut next = || t.next().unwrap_or_default();
        let (id, enterprise, state, grade) = (next(), next(), next(), next());
        let (at, respond_by) = (parse_time(&next())?, parse_time(&next())?);
        let overdue = state.parse::<AlarmState>().is_ok_and(|s| s.past_limit(respond_by, now));
        out.push(Placed { id, enterprise, state, grade, at, overdue });
    }
    Ok(out)
}

/// Tasks not yet accepted, by deadline; overdue when the enterprise owes an answer past it at `now`.
pub fn open_tasks(tx: &mut dyn Tx, visibility: &Filter, now: DateTime<Utc>) -> Result<Vec<Placed>, StoreError> {
    let (sql, args) = open_tasks_statement(visibility);
    rows(args, tx, &sql, |state, deadline| state.parse::<TaskState>().is_ok_and(|s| s.overdue(deadline, now)))
}

/// Inspections started (or, without a start, ended) in `from..to`, the latest first.
pub fn inspections_between(
    tx: &mut dyn Tx,
    visibility: &Filter,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Placed>, StoreError> {
    let (sql, args) = inspections_statement(visibility, from, to);
    rows(args, tx, &sql, |_, _| false)
}

// Each layer's statement selects on a column its table indexes (an open state, a time range), so that it
// reads the open or recent rows only, not every alarm or inspection ever kept.

fn open_alarms_statement(visibility: &Filter) -> (String, Args) {
    let mut args = Args::default();
    let scope = args.scope("a", visibility);
    let open: Vec<&str> = AlarmState::ALL.iter().filter(|s| s.is_open()).map(|s| s.as_str()).collect();
    let open = args.list(&open);
    let sql = format!(
        "SELECT a.id, a.enterprise, a.state, a.level, a.raised_at, a.respond_by FROM alarms a
         WHERE {scope} AND a.state IN ({open}) ORDER BY a.raised_at DESC, a.id"
    );
    (sql, args)
}

fn open_tasks_statement(visibility: &Filter) -> (String, Args) {
    let mut args = Args::default();
    let scope = args.scope("t", visibility);
    let open: Vec<&str> = TaskState::ALL.iter().filter(|s| !s.is_final()).map(|s| s.as_str()).collect();
    let open = args.list(&open);
    let sql = format!(
        "SELECT t.id, t.enterprise, t.state, t.severity, t.deadline FROM tasks t
         WHERE {scope} AND t.state IN ({open}) ORDER BY t.deadline, t.id"
    );
    (sql, args)
}

fn inspections_statement(visibility: &Filter, from: DateTime<Utc>, to: DateTime<Utc>) -> (String, Args) {
    let mut args = Args::default();
    let scope = args.scope("i", visibility);
    let (from, to) = (args.time(&from), args.time(&to));
    // The range is on the expression of the index `inspections_by_listed`, written the same (`db::listing`).
    let listed = "COALESCE(i.started_at, i.ended_at, '')";
    let sql = format!(
        "SELECT i.id, i.enterprise, i.state, i.kind, COALESCE(i.started_at, i.ended_at) AS at FROM inspections i
         WHERE {scope} AND {listed} >= {from} AND {listed} < {to} ORDER BY at DESC, i.id"
    );
    (sql, args)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every layer reads through an index on SQLite, for every visibility: never a whole table scanned.
    #[test]
    fn each_layer_searches_an_index_and_scans_no_table() {
        let now = Utc::now();
        crate::db::scoped::plans::assert_no_scan(|visibility| {
            vec![
                open_alarms_statement(visibility),
                open_tasks_statement(visibility),
                inspections_statement(visibility, now - chrono::Duration::days(1), now),
            ]
        });
    }
}
