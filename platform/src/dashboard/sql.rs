//! The dashboard's per-alarm and per-task figures in SQL over the typed tables and the audit, scoped to
//! the caller as its lists are (`db::scoped`): each alarm's first dispatch, arrival and closure come from
//! its audit lines in the same statement, so no alarm, task or audit trail is loaded record by record.

use super::response::Timed;
use crate::db::scoped::Args;
use crate::db::{Filter, StoreError, Tx, parse_time};
use chrono::{DateTime, Utc};
use fieldcheck_domain::alarm::{AlarmAction, AlarmState};
use fieldcheck_domain::rectification::TaskState;

/// The alarms raised in `from..to` with the times of their first dispatch, arrival and closure.
pub fn response_times(
    tx: &mut dyn Tx,
    visibility: &Filter,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Timed>, StoreError> {
    let (sql, args) = response_times_statement(visibility, from, to);
    let mut out = Vec::new();
    for (t, _) in args.query(tx, &sql, 7)? {
        let mut t = t.into_iter();
        let mut next = || t.next().flatten();
        let level = next().unwrap_or_default();
        out.push(Timed {
            level: level
                .parse()
                .map_err(|e: fieldcheck_domain::names::UnknownName| StoreError::Corrupt(e.to_string()))?,
            township: next(),
            raised_at: parse_time(&next().unwrap_or_default())?,
            respond_by: parse_time(&next().unwrap_or_default())?,
            dispatched: next().as_deref().map(parse_time).transpose()?,
            arrived: next().as_deref().map(parse_time).transpose()?,
            closed: next().as_deref().map(parse_time).transpose()?,
        });
    }
    Ok(out)
}

/// How many alarms are open, and how many of them are past their response limit at `now`.
pub fn open_alarms(tx: &mut dyn Tx, visibility: &Filter, now: DateTime<Utc>) -> Result<(u64, u64), StoreError> {
    let (sql, args) = open_alarms_statement(visibility, now);
    let row = args.query(tx, &sql, 0)?.into_iter().next().map(|(_, i)| i).unwrap_or_default();
    let n = |k: usize| u64::try_from(row.get(k).copied().unwrap_or(0)).unwrap_or(0);
    Ok((n(0), n(1)))
}

/// How many tasks are overdue at `now` (owed past their deadline), and the ids of the `listed` longest
/// overdue (earliest deadline first).
pub fn overdue_tasks(
    tx: &mut dyn Tx,
    visibility: &Filter,
    now: DateTime<Utc>,
    listed: u32,
) -> Result<(u64, Vec<String>), StoreError> {
    let [(ids, args), (count, _)] = overdue_statements(visibility, now, listed);
    let ids = args.clone().query(tx, &ids, 1)?;
    let count = args.query(tx, &count, 0)?;
    let total = count.into_iter().next().and_then(|(_, i)| i.first().copied()).unwrap_or(0);
    Ok((
        u64::try_from(total).unwrap_or(0),
        ids.into_iter().filter_map(|(t, _)| t.into_iter().next().flatten()).collect(),
    ))
}

// Each statement selects on a column its table indexes (a time range, open or owed states), so that it reads
// the recent or open rows only, not every alarm or task ever kept.

fn response_times_statement(visibility: &Filter, from: DateTime<Utc>, to: DateTime<Utc>) -> (String, Args) {
    let mut args = Args::default();
    let scope = args.scope("a", visibility);
    let (from, to) = (args.time(&from), args.time(&to));
    let entity = args.bind("alarm");
    let mut first = |action: AlarmAction| {
        let action = args.bind(action.as_str());
        format!("(SELECT MIN(u.at) FROM audit u WHERE u.entity = {entity} AND u.id = a.id AND u.action = {action})")
    };
    let (dispatched, arrived, closed) =
        (first(AlarmAction::Dispatch), first(AlarmAction::Arrive), first(AlarmAction::Close));
    let sql = format!(
        "SELECT a.level, a.township, a.raised_at, a.respond_by, {dispatched}, {arrived}, {closed}
         FROM alarms a WHERE {scope} AND a.raised_at >= {from} AND a.raised_at < {to}"
    );
    (sql, args)
}

fn open_alarms_statement(visibility: &Filter, now: DateTime<Utc>) -> (String, Args) {
    let mut args = Args::default();
    let scope = args.scope("a", visibility);
    // Selected by their open states (an index), not as every alarm but the closed ones.
    let open: Vec<&str> = AlarmState::ALL.iter().filter(|s| s.is_open()).map(|s| s.as_str()).collect();
    let open = args.list(&open);
    let awaiting: Vec<&str> = AlarmState::ALL.iter().filter(|s| s.awaits_response()).map(|s| s.as_str()).collect();
    let awaiting = args.list(&awaiting);
    let now = args.time(&now);
    let sql = format!(
        "SELECT CAST(COUNT(*) AS BIGINT),
             CAST(COALESCE(SUM(CASE WHEN a.state IN ({awaiting}) AND a.respond_by < {now} THEN 1 ELSE 0 END), 0) AS BIGINT)
         FROM alarms a WHERE {scope} AND a.state IN ({open})"
    );
    (sql, args)
}

/// The `listed` longest overdue tasks' ids, and the count of all overdue, over the same arguments.
fn overdue_statements(visibility: &Filter, now: DateTime<Utc>, listed: u32) -> [(String, Args); 2] {
    let mut args = Args::default();
    let scope = args.scope("t", visibility);
    let owed: Vec<&str> = TaskState::OWED.iter().map(|s| s.as_str()).collect();
    let owed = args.list(&owed);
    let now = args.time(&now);
    let filter = format!("FROM tasks t WHERE {scope} AND t.state IN ({owed}) AND t.deadline < {now}");
    [
        (format!("SELECT t.id {filter} ORDER BY t.deadline, t.id LIMIT {listed}"), args.clone()),
        (format!("SELECT CAST(COUNT(*) AS BIGINT) {filter}"), args),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every figure reads through an index on SQLite, for every visibility: never a whole table scanned.
    #[test]
    fn each_figure_searches_an_index_and_scans_no_table() {
        let now = Utc::now();
        crate::db::scoped::plans::assert_no_scan(|visibility| {
            let [ids, count] = overdue_statements(visibility, now, 10);
            vec![
                response_times_statement(visibility, now - chrono::Duration::days(30), now),
                open_alarms_statement(visibility, now),
                ids,
                count,
            ]
        });
    }
}
