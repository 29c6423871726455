//! The lists of alarms, tasks and inspections, paged in SQL over their typed tables (`db::tables`), which
//! carry besides their typed columns the record's change-log keys (so a list is scoped to the caller exactly
//! as a pull is) and the text a search matches: one projection of a record for lists, counts, the map and
//! the dashboard, written in the record's own transaction (`crate::tables`). Devices are paged from their
//! own table.
//!
//! The query is built here once for both back ends (plain SQL both speak; only the placeholder differs),
//! so a filter cannot mean one thing on SQLite and another on PostgreSQL; each back end binds and runs it.

use super::tables::time;
use super::{DeviceRow, Filter, StoreError};
use chrono::{DateTime, Utc};

/// A kind of record with a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Listed {
    Alarm,
    Task,
    Inspection,
}

/// A column a kind's table does not have: typed, so PostgreSQL takes it where it refuses a bare `NULL`
/// (`GROUP BY NULL`); it equals nothing and groups as one.
const NONE: &str = "CAST(NULL AS TEXT)";

/// Where a listed kind's rows are, and what the list's generic columns are in its table.
struct Source {
    table: &'static str,
    /// An alarm's level, a task's severity (an inspection has none).
    grade: &'static str,
    /// The time a date range selects on: raised, deadline, inspected (started, or ended without a start).
    at: &'static str,
    /// What the list is ordered by: `at`, never NULL (a NULL sorts first on SQLite, last on PostgreSQL).
    sort: &'static str,
    /// A squadron the rows carry (alarms); the others are in a squadron's area by township.
    squadron: &'static str,
}

impl Listed {
    fn source(self) -> Source {
        match self {
            Listed::Alarm => {
                Source { table: "alarms", grade: "level", at: "raised_at", sort: "raised_at", squadron: "squadron" }
            }
            Listed::Task => {
                Source { table: "tasks", grade: "severity", at: "deadline", sort: "deadline", squadron: NONE }
            }
            Listed::Inspection => Source {
                table: "inspections",
                grade: NONE,
                at: "COALESCE(started_at, ended_at)",
                // The expression of the index `inspections_by_listed`, written the same.
                sort: "COALESCE(started_at, ended_at, '')",
                squadron: NONE,
            },
        }
    }
}

/// One page of one list: the filters (each applied when given) and the page.
#[derive(Clone, Debug)]
pub struct ListQuery {
    pub listed: Listed,
    pub newest_first: bool,
    pub township: Option<String>,
    /// Rows whose township is one of these (a squadron's area), when set.
    pub townships: Option<Vec<String>>,
    pub squadron: Option<String>,
    pub enterprise: Option<String>,
    pub states: Vec<String>,
    pub grade: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub text: Option<String>,
    pub limit: u32,
    pub offset: u64,
}

impl ListQuery {
    /// Every row of `listed` the caller may see, oldest first, one row.
    pub fn of(listed: Listed) -> Self {
        ListQuery {
            listed,
            newest_first: false,
            township: None,
            townships: None,
            squadron: None,
            enterprise: None,
            states: Vec::new(),
            grade: None,
            from: None,
            to: None,
            text: None,
            limit: 1,
            offset: 0,
        }
    }
}

/// The ids of one page, in order, and how many rows match in all.
#[derive(Clone, Debug, Default)]
pub struct ListPage {
    pub total: u64,
    pub ids: Vec<String>,
}

/// A bound value of a built query.
#[derive(Clone, Debug)]
pub enum Arg {
    Text(String),
    Int(i64),
}

/// The two statements of a page: the count and the page itself, sharing the first `args`.
pub struct Built {
    pub count: String,
    pub page: String,
    pub args: Vec<Arg>,
}

/// Who may see what, over a table's change-log key columns (`audience`, `k_enterprise`, `k_township`,
/// `k_squadron`, `k_assignee`, each after `prefix`: a table's alias and a dot, or nothing): the same rule as
/// the change log's (`Tx::changes`). `bind` binds a text and answers its placeholder; `None` when everything
/// is visible.
pub fn visible(visibility: &Filter, prefix: &str, bind: &mut dyn FnMut(String) -> String) -> Option<String> {
    let mut list = |ids: &[String]| -> String {
        if ids.is_empty() {
            return "NULL".into();
        }
        ids.iter().map(|t| bind(t.clone())).collect::<Vec<_>>().join(",")
    };
    Some(match visibility {
        Filter::All => return None,
        Filter::Enterprise { enterprise } => {
            let e = list(std::slice::from_ref(enterprise));
            format!("({prefix}audience = 'public' OR ({prefix}audience = 'shared' AND {prefix}k_enterprise = {e}))")
        }
        Filter::Townships { townships } => {
            format!("({prefix}audience = 'public' OR {prefix}k_township IN ({}))", list(townships))
        }
        Filter::Officer { townships, squadron, user } => {
            let towns = list(townships);
            let (s, u) = (list(std::slice::from_ref(squadron)), list(std::slice::from_ref(user)));
            format!(
                "({prefix}audience = 'public' OR {prefix}k_township IN ({towns}) OR {prefix}k_squadron = {s} \
                 OR {prefix}k_assignee = {u})"
            )
        }
    })
}

/// `FROM <table> WHERE <the query's filters and the caller's visibility>`, with its arguments.
fn selection(q: &ListQuery, visibility: &Filter, p: fn(usize) -> String) -> (String, Vec<Arg>) {
    let source = q.listed.source();
    let mut args: Vec<Arg> = Vec::new();
    let bind = |args: &mut Vec<Arg>, a: Arg| {
        args.push(a);
        p(args.len())
    };
    let list = |args: &mut Vec<Arg>, ids: &[String]| -> String {
        if ids.is_empty() {
            return "NULL".into();
        }
        ids.iter().map(|t| bind(args, Arg::Text(t.clone()))).collect::<Vec<_>>().join(",")
    };
    let mut wheres: Vec<String> = visible(visibility, "", &mut |v| bind(&mut args, Arg::Text(v))).into_iter().collect();
    for (column, value) in [
        ("township", &q.township),
        (source.squadron, &q.squadron),
        ("enterprise", &q.enterprise),
        (source.grade, &q.grade),
    ] {
        if let Some(v) = value {
            wheres.push(format!("{column} = {}", bind(&mut args, Arg::Text(v.clone()))));
        }
    }
    if let Some(towns) = &q.townships {
        wheres.push(format!("township IN ({})", list(&mut args, towns)));
    }
    if !q.states.is_empty() {
        wheres.push(format!("state IN ({})", list(&mut args, &q.states)));
    }
    // Times are compared as the typed tables store them (`tables::time`), on the list's order (`sort`): a
    // range is read from the index the list is ordered by. A row without a time sorts as '' and is in no
    // range.
    if let Some(from) = &q.from {
        wheres.push(format!("{} >= {}", source.sort, bind(&mut args, Arg::Text(time(from)))));
    }
    if let Some(to) = &q.to {
        wheres.push(format!("{} < {}", source.sort, bind(&mut args, Arg::Text(time(to)))));
        if q.from.is_none() {
            wheres.push(format!("{} > ''", source.sort));
        }
    }
    if let Some(text) = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let escaped = text.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        wheres.push(format!("search LIKE {} ESCAPE '\\'", bind(&mut args, Arg::Text(format!("%{escaped}%")))));
    }
    let filter = if wheres.is_empty() { "TRUE".to_string() } else { wheres.join(" AND ") };
    (format!("FROM {} WHERE {filter}", source.table), args)
}

/// Builds the count and page statements; `p(n)` writes the n-th placeholder (1-based).
pub fn build(q: &ListQuery, visibility: &Filter, p: fn(usize) -> String) -> Built {
    let (from, args) = selection(q, visibility, p);
    let sort = q.listed.source().sort;
    let order = if q.newest_first { format!("{sort} DESC, id DESC") } else { format!("{sort} ASC, id ASC") };
    let count = format!("SELECT COUNT(*) {from}");
    let (limit, offset) = (p(args.len() + 1), p(args.len() + 2));
    let page = format!("SELECT id {from} ORDER BY {order} LIMIT {limit} OFFSET {offset}");
    Built { count, page, args }
}

/// What rows are counted by (a fixed set: never text from a request).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    Township,
    Squadron,
    Enterprise,
    State,
    Grade,
    /// The day of the list's time (UTC, `YYYY-MM-DD`).
    Day,
}

impl Group {
    fn sql(self, listed: Listed) -> String {
        let source = listed.source();
        match self {
            Group::Township => "township".into(),
            Group::Squadron => source.squadron.into(),
            Group::Enterprise => "enterprise".into(),
            Group::State => "state".into(),
            Group::Grade => source.grade.into(),
            Group::Day => format!("substr({}, 1, 10)", source.at),
        }
    }
}

/// Builds a count of the rows `q` selects (its page ignored) grouped by `groups`: one row per group with
/// the group's values, then the count.
pub fn build_counts(q: &ListQuery, visibility: &Filter, groups: &[Group], p: fn(usize) -> String) -> Built {
    let (from, args) = selection(q, visibility, p);
    let list = groups.iter().map(|g| g.sql(q.listed)).collect::<Vec<_>>().join(", ");
    let count = format!("SELECT {list}, COUNT(*) {from} GROUP BY {list} ORDER BY {list}");
    Built { count, page: String::new(), args }
}

/// One group's values (in the order asked) and how many rows it has.
pub type Count = (Vec<Option<String>>, u64);

/// The lists' part of a transaction (each back end: `db/<backend>/listing.rs`).
pub trait Listing {
    fn list_page(&mut self, query: &ListQuery, visibility: &Filter) -> Result<ListPage, StoreError>;
    /// Whether the typed tables were filled from the records (after a migration that adds or changes them;
    /// stored as meta key `listing_built`, the name it had when a list index was filled this way).
    fn rows_built(&mut self) -> Result<bool, StoreError>;
    fn set_rows_built(&mut self) -> Result<(), StoreError>;
    /// How many rows `query` selects (its page ignored), by `groups`.
    fn list_counts(
        &mut self,
        query: &ListQuery,
        visibility: &Filter,
        groups: &[Group],
    ) -> Result<Vec<Count>, StoreError>;
    /// Devices, the most recently seen first: one page and the total.
    fn device_page(&mut self, limit: u32, offset: u64) -> Result<(u64, Vec<DeviceRow>), StoreError>;
}
