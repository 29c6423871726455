//! The typed tables: alarms, tasks and inspections with the columns supervision, the dashboard, the map and
//! the lists query (state, township, enterprise, grade, deadline and times as indexed columns; times as RFC
//! 3339 UTC text with nanoseconds, which reads back exactly and sorts in time order on both back ends), the
//! record's change-log keys (which scope every query to the caller as its pull is) and the text a list's
//! search matches. Each record's row is derived once (`crate::tables`) and written in the record's own
//! transaction.
//!
//! The statements are written here once for both back ends (`$n` placeholders, which SQLite reads as
//! `?n`); each back end only binds and runs them ([`Tables`]), so a query cannot mean one thing on SQLite
//! and another on PostgreSQL.

use super::{Audience, Keys, StoreError, parse_time};
use chrono::{DateTime, Utc};
use fieldcheck_domain::alarm::AlarmState;
use fieldcheck_domain::finding::Severity;
use fieldcheck_domain::inspection::{InspectionKind, InspectionState};
use fieldcheck_domain::rectification::TaskState;
use fieldcheck_domain::supervision::risk::RiskTally;
use std::collections::HashMap;
use std::str::FromStr;

/// An alarm's row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlarmRow {
    pub id: String,
    pub enterprise: String,
    /// The enterprise's township when the alarm was saved.
    pub township: Option<String>,
    pub squadron: Option<String>,
    pub level: Severity,
    pub state: AlarmState,
    pub raised_at: DateTime<Utc>,
    pub respond_by: DateTime<Utc>,
    pub list: ListColumns,
}

/// A rectification task's row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskRow {
    pub id: String,
    pub enterprise: String,
    pub township: String,
    pub inspection: String,
    pub severity: Severity,
    pub state: TaskState,
    pub issued_at: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    pub list: ListColumns,
}

/// A submitted inspection's row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InspectionRow {
    pub id: String,
    pub enterprise: String,
    pub township: Option<String>,
    pub kind: InspectionKind,
    pub state: InspectionState,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    /// When the enterprise was visited: the end, or the start of one without an end.
    pub visited_at: Option<DateTime<Utc>>,
    /// Its findings by severity: minor, general, serious.
    pub findings: [u32; 3],
    pub list: ListColumns,
}

/// What every typed row carries for the lists: who may see it and what a search matches in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListColumns {
    /// The record's change-log keys.
    pub keys: Keys,
    /// Lower-case text a search matches in (names, codes, points).
    pub search: String,
}

/// A bound value.
#[derive(Clone, Debug)]
pub enum Value {
    Text(Option<String>),
    Int(i64),
}

/// One result row: its text columns, then its integer columns.
pub type Cells = (Vec<Option<String>>, Vec<i64>);

/// The typed tables' part of a transaction: the two primitives each back end runs this module's
/// statements with.
pub trait Tables {
    /// Executes `sql` (this module's, `$n` placeholders) with `args`.
    fn tables_execute(&mut self, sql: &str, args: &[Value]) -> Result<(), StoreError>;
    /// Runs `sql` with `args`; each row's first `texts` columns are read as text, the rest as integers.
    fn tables_query_values(&mut self, sql: &str, args: &[Value], texts: usize) -> Result<Vec<Cells>, StoreError>;
    /// [`Tables::tables_query_values`] with text `args`.
    fn tables_query(&mut self, sql: &str, args: &[String], texts: usize) -> Result<Vec<Cells>, StoreError> {
        let args: Vec<Value> = args.iter().map(|a| Value::Text(Some(a.clone()))).collect();
        self.tables_query_values(sql, &args, texts)
    }
}

/// Nanoseconds, always nine digits: a stored time reads back exactly and sorts in time order.
pub(crate) fn time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

/// A text value.
pub(crate) fn text(s: &str) -> Value {
    Value::Text(Some(s.to_string()))
}

/// A text value or NULL.
pub(crate) fn opt(s: Option<&str>) -> Value {
    Value::Text(s.map(str::to_string))
}

fn at(t: Option<&DateTime<Utc>>) -> Value {
    Value::Text(t.map(time))
}

/// The change-log key columns, as every typed and register row carries them (in the order of [`keys`]).
pub(crate) const KEY_COLUMNS: &str = "audience, k_enterprise, k_township, k_squadron, k_assignee";
/// The same columns, replaced on a conflict.
pub(crate) const KEY_UPDATES: &str = "audience = excluded.audience, k_enterprise = excluded.k_enterprise, \
     k_township = excluded.k_township, k_squadron = excluded.k_squadron, k_assignee = excluded.k_assignee";

/// The change-log keys' five values, in the order of [`KEY_COLUMNS`].
pub(crate) fn keys(k: &Keys) -> [Value; 5] {
    [
        text(k.audience.as_str()),
        opt(k.enterprise.as_deref()),
        opt(k.township.as_deref()),
        opt(k.squadron.as_deref()),
        opt(k.assignee.as_deref()),
    ]
}

/// Reads the five [`KEY_COLUMNS`] from a row's text cells.
pub(crate) fn read_keys(t: &mut dyn Iterator<Item = Option<String>>) -> Result<Keys, StoreError> {
    let audience = t.next().flatten().unwrap_or_default();
    Ok(Keys {
        audience: [Audience::Public, Audience::Shared, Audience::Internal]
            .into_iter()
            .find(|a| a.as_str() == audience)
            .ok_or_else(|| StoreError::Corrupt(format!("audience {audience}")))?,
        enterprise: t.next().flatten(),
        township: t.next().flatten(),
        squadron: t.next().flatten(),
        assignee: t.next().flatten(),
    })
}

/// The list columns of a typed table, after its own (in the order of [`ListColumns::values`]).
const LIST_COLUMNS: &str = "search, audience, k_enterprise, k_township, k_squadron, k_assignee";

impl ListColumns {
    /// A typed row's values: its own columns', then those of [`LIST_COLUMNS`].
    fn after<const N: usize>(&self, own: [Value; N]) -> Vec<Value> {
        own.into_iter().chain(std::iter::once(text(&self.search))).chain(keys(&self.keys)).collect()
    }
}

pub fn put_alarm(tx: &mut (impl Tables + ?Sized), r: &AlarmRow) -> Result<(), StoreError> {
    tx.tables_execute(
        &format!(
            "INSERT INTO alarms (id, enterprise, township, squadron, level, state, raised_at, respond_by, {LIST_COLUMNS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
             ON CONFLICT (id) DO UPDATE SET enterprise = excluded.enterprise, township = excluded.township,
                 squadron = excluded.squadron, level = excluded.level, state = excluded.state,
                 raised_at = excluded.raised_at, respond_by = excluded.respond_by, search = excluded.search,
                 {KEY_UPDATES}"
        ),
        &r.list.after([
            text(&r.id),
            text(&r.enterprise),
            opt(r.township.as_deref()),
            opt(r.squadron.as_deref()),
            text(r.level.as_str()),
            text(r.state.as_str()),
            at(Some(&r.raised_at)),
            at(Some(&r.respond_by)),
        ]),
    )
}

pub fn put_task(tx: &mut (impl Tables + ?Sized), r: &TaskRow) -> Result<(), StoreError> {
    tx.tables_execute(
        &format!(
            "INSERT INTO tasks (id, enterprise, township, inspection, severity, state, issued_at, deadline, {LIST_COLUMNS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
             ON CONFLICT (id) DO UPDATE SET enterprise = excluded.enterprise, township = excluded.township,
                 inspection = excluded.inspection, severity = excluded.severity, state = excluded.state,
                 issued_at = excluded.issued_at, deadline = excluded.deadline, search = excluded.search,
                 {KEY_UPDATES}"
        ),
        &r.list.after([
            text(&r.id),
            text(&r.enterprise),
            text(&r.township),
            text(&r.inspection),
            text(r.severity.as_str()),
            text(r.state.as_str()),
            at(Some(&r.issued_at)),
            at(Some(&r.deadline)),
        ]),
    )
}

pub fn put_inspection(tx: &mut (impl Tables + ?Sized), r: &InspectionRow) -> Result<(), StoreError> {
    let [minor, general, serious] = r.findings.map(i64::from);
    tx.tables_execute(
        &format!(
            "INSERT INTO inspections (id, enterprise, township, kind, state, started_at, ended_at, visited_at,
                 minor_findings, general_findings, serious_findings, {LIST_COLUMNS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
             ON CONFLICT (id) DO UPDATE SET enterprise = excluded.enterprise, township = excluded.township,
                 kind = excluded.kind, state = excluded.state, started_at = excluded.started_at,
                 ended_at = excluded.ended_at, visited_at = excluded.visited_at,
                 minor_findings = excluded.minor_findings, general_findings = excluded.general_findings,
                 serious_findings = excluded.serious_findings, search = excluded.search, {KEY_UPDATES}"
        ),
        &r.list.after([
            text(&r.id),
            text(&r.enterprise),
            opt(r.township.as_deref()),
            text(r.kind.as_str()),
            text(r.state.as_str()),
            at(r.started_at.as_ref()),
            at(r.ended_at.as_ref()),
            at(r.visited_at.as_ref()),
            Value::Int(minor),
            Value::Int(general),
            Value::Int(serious),
        ]),
    )
}

fn parse<T: FromStr>(s: Option<String>) -> Result<T, StoreError>
where
    T::Err: std::fmt::Display,
{
    s.unwrap_or_default().parse().map_err(|e: T::Err| StoreError::Corrupt(e.to_string()))
}

fn opt_time(s: Option<String>) -> Result<Option<DateTime<Utc>>, StoreError> {
    s.as_deref().map(parse_time).transpose()
}

fn count(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

/// What the risk formula reads, per enterprise id (all, or only `enterprise`), counted as of `now`:
/// three aggregate queries (alarms by level and age bucket, tasks owed past their deadline and rejected,
/// inspections' last visit and recent findings), never a record loaded.
pub fn risk_tallies(
    tx: &mut (impl Tables + ?Sized),
    now: DateTime<Utc>,
    enterprise: Option<&str>,
) -> Result<HashMap<String, RiskTally>, StoreError> {
    let mut out: HashMap<String, RiskTally> = HashMap::new();
    let only = |n: usize| match enterprise {
        Some(_) => format!(" AND enterprise = ${n}"),
        None => String::new(),
    };
    let with = |mut args: Vec<String>| {
        args.extend(enterprise.map(str::to_string));
        args
    };

    // Alarms by level and age, one row per enterprise: column (level l, cut-off i) counts the alarms of
    // level l raised after cut-off i, so bucket i is column i minus column i − 1.
    let cutoffs: Vec<String> = RiskTally::alarm_cutoffs(now).iter().map(time).collect();
    let n = cutoffs.len();
    let levels = Severity::NAMED;
    let mut columns = Vec::new();
    for l in 0..levels.len() {
        for i in 0..n {
            let (level, cutoff) = (n + l + 1, i + 1);
            columns.push(format!(
                "CAST(SUM(CASE WHEN level = ${level} AND raised_at > ${cutoff} THEN 1 ELSE 0 END) AS BIGINT)"
            ));
        }
    }
    let sql = format!(
        "SELECT enterprise, {} FROM alarms WHERE raised_at > ${n}{} GROUP BY enterprise",
        columns.join(", "),
        only(n + levels.len() + 1)
    );
    let mut args = cutoffs;
    args.extend(levels.iter().map(|l| l.as_str().to_string()));
    for (t, counts) in tx.tables_query(&sql, &with(args), 1)? {
        let tally = out.entry(t.into_iter().next().flatten().unwrap_or_default()).or_default();
        for (l, level) in levels.iter().enumerate() {
            let cumulative = &counts[l * n..(l + 1) * n];
            for (bucket, pair) in cumulative.iter().enumerate() {
                let newer = if bucket == 0 { 0 } else { cumulative[bucket - 1] };
                if *pair > newer {
                    tally.add_alarms(*level, bucket, count(pair - newer));
                }
            }
        }
    }

    // Tasks the enterprise owes past their deadline, and tasks sent back.
    let owed: Vec<String> = TaskState::OWED.iter().map(|s| s.as_str().to_string()).collect();
    let places: Vec<String> = (0..owed.len()).map(|i| format!("${}", i + 3)).collect();
    let sql = format!(
        "SELECT enterprise, CAST(SUM(CASE WHEN deadline < $1 AND state IN ({list}) THEN 1 ELSE 0 END) AS BIGINT),
             CAST(SUM(CASE WHEN state = $2 THEN 1 ELSE 0 END) AS BIGINT)
         FROM tasks WHERE (state IN ({list}) OR state = $2){} GROUP BY enterprise",
        only(owed.len() + 3),
        list = places.join(", ")
    );
    let mut args = vec![time(&now), TaskState::Rejected.as_str().to_string()];
    args.extend(owed);
    for (t, i) in tx.tables_query(&sql, &with(args), 1)? {
        let tally = out.entry(t.into_iter().next().flatten().unwrap_or_default()).or_default();
        tally.overdue_tasks = count(i.first().copied().unwrap_or(0));
        tally.rejected_tasks = count(i.get(1).copied().unwrap_or(0));
    }

    // The last visit, and the findings of the visits within the window.
    let recent = |column: &str| format!("CAST(SUM(CASE WHEN visited_at > $1 THEN {column} ELSE 0 END) AS BIGINT)");
    let sql = format!(
        "SELECT enterprise, MAX(visited_at), {}, {}, {} FROM inspections WHERE visited_at IS NOT NULL{}
         GROUP BY enterprise",
        recent("minor_findings"),
        recent("general_findings"),
        recent("serious_findings"),
        only(2)
    );
    for (t, i) in tx.tables_query(&sql, &with(vec![time(&RiskTally::findings_since(now))]), 2)? {
        let mut t = t.into_iter();
        let tally = out.entry(t.next().flatten().unwrap_or_default()).or_default();
        tally.last_inspection = opt_time(t.next().flatten())?;
        for (severity, n) in Severity::NAMED.iter().zip(i) {
            if n > 0 {
                tally.add_findings(*severity, count(n));
            }
        }
    }
    Ok(out)
}

/// When each of `enterprises` was last visited (an enterprise never visited is absent).
pub fn last_visits(
    tx: &mut (impl Tables + ?Sized),
    enterprises: &[String],
) -> Result<HashMap<String, DateTime<Utc>>, StoreError> {
    let mut out = HashMap::new();
    // A few hundred ids per statement keeps within every back end's limit on bound values.
    for chunk in enterprises.chunks(500) {
        let places: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT enterprise, MAX(visited_at) FROM inspections
             WHERE enterprise IN ({}) AND visited_at IS NOT NULL GROUP BY enterprise",
            places.join(", ")
        );
        for (t, _) in tx.tables_query(&sql, chunk, 2)? {
            let mut t = t.into_iter();
            let e = t.next().flatten().unwrap_or_default();
            if let Some(at) = opt_time(t.next().flatten())? {
                out.insert(e, at);
            }
        }
    }
    Ok(out)
}

/// Every row of the three tables, each ordered by id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AllRows {
    pub alarms: Vec<AlarmRow>,
    pub tasks: Vec<TaskRow>,
    pub inspections: Vec<InspectionRow>,
}

fn read_list(t: &mut dyn Iterator<Item = Option<String>>) -> Result<ListColumns, StoreError> {
    let search = t.next().flatten().unwrap_or_default();
    Ok(ListColumns { search, keys: read_keys(t)? })
}

/// Every row of the three tables (for checking them against the records).
pub fn all_rows(tx: &mut (impl Tables + ?Sized)) -> Result<AllRows, StoreError> {
    let mut alarms = Vec::new();
    let sql = format!(
        "SELECT id, enterprise, township, squadron, level, state, raised_at, respond_by, {LIST_COLUMNS}
         FROM alarms ORDER BY id"
    );
    for (t, _) in tx.tables_query(&sql, &[], 14)? {
        let mut t = t.into_iter();
        let mut next = || t.next().flatten();
        alarms.push(AlarmRow {
            id: next().unwrap_or_default(),
            enterprise: next().unwrap_or_default(),
            township: next(),
            squadron: next(),
            level: parse(next())?,
            state: parse(next())?,
            raised_at: parse_time(&next().unwrap_or_default())?,
            respond_by: parse_time(&next().unwrap_or_default())?,
            list: read_list(&mut t)?,
        });
    }
    let mut tasks = Vec::new();
    let sql = format!(
        "SELECT id, enterprise, township, inspection, severity, state, issued_at, deadline, {LIST_COLUMNS}
         FROM tasks ORDER BY id"
    );
    for (t, _) in tx.tables_query(&sql, &[], 14)? {
        let mut t = t.into_iter();
        let mut next = || t.next().flatten();
        tasks.push(TaskRow {
            id: next().unwrap_or_default(),
            enterprise: next().unwrap_or_default(),
            township: next().unwrap_or_default(),
            inspection: next().unwrap_or_default(),
            severity: parse(next())?,
            state: parse(next())?,
            issued_at: parse_time(&next().unwrap_or_default())?,
            deadline: parse_time(&next().unwrap_or_default())?,
            list: read_list(&mut t)?,
        });
    }
    let mut inspections = Vec::new();
    let sql = format!(
        "SELECT id, enterprise, township, kind, state, started_at, ended_at, visited_at, {LIST_COLUMNS},
             minor_findings, general_findings, serious_findings FROM inspections ORDER BY id"
    );
    for (t, i) in tx.tables_query(&sql, &[], 14)? {
        let mut t = t.into_iter();
        let mut next = || t.next().flatten();
        inspections.push(InspectionRow {
            id: next().unwrap_or_default(),
            enterprise: next().unwrap_or_default(),
            township: next(),
            kind: parse(next())?,
            state: parse(next())?,
            started_at: opt_time(next())?,
            ended_at: opt_time(next())?,
            visited_at: opt_time(next())?,
            findings: [0, 1, 2].map(|k| count(i.get(k).copied().unwrap_or(0))),
            list: read_list(&mut t)?,
        });
    }
    Ok(AllRows { alarms, tasks, inspections })
}

/// The stored JSON of the records of kind `entity` (its stored name) among `ids`, by id; absent ones are
/// left out. One statement per few hundred ids instead of one per record.
pub fn stored(
    tx: &mut (impl Tables + ?Sized),
    entity: &str,
    ids: &[String],
) -> Result<Vec<(String, String)>, StoreError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let places: Vec<String> = (2..chunk.len() + 2).map(|i| format!("${i}")).collect();
        let sql = format!("SELECT id, data FROM records WHERE entity = $1 AND id IN ({})", places.join(", "));
        let mut args = vec![entity.to_string()];
        args.extend(chunk.iter().cloned());
        for (t, _) in tx.tables_query(&sql, &args, 2)? {
            let mut t = t.into_iter();
            if let (Some(Some(id)), Some(Some(data))) = (t.next(), t.next()) {
                out.push((id, data));
            }
        }
    }
    Ok(out)
}
