//! The list index: one row per listed record (alarms, tasks, inspections, enterprises, users) with the
//! columns the console filters, sorts and pages by, and the record's change-log keys so a list is scoped
//! to the caller exactly as a pull is. Kept in step with the records by `records::save` (and rebuilt from
//! them once, after the migration that adds it: `crate::lists`). Devices are paged from their own table.
//!
//! The query is built here once for both back ends (plain SQL both speak; only the placeholder differs),
//! so a filter cannot mean one thing on SQLite and another on PostgreSQL; each back end binds and runs it.

use super::{DeviceRow, Filter, Keys, StoreError};
use chrono::{DateTime, Utc};

/// One listed record as the index holds it.
#[derive(Clone, Debug)]
pub struct ListingRow {
    /// `alarm`, `task`, `inspection`, `enterprise` or `user` (the stored entity names).
    pub entity: &'static str,
    pub id: String,
    pub keys: Keys,
    pub township: Option<String>,
    pub squadron: Option<String>,
    pub enterprise: Option<String>,
    pub state: String,
    /// An alarm's level, a task's severity, a user's role.
    pub grade: Option<String>,
    /// The time the date range selects on (raised, deadline, inspected).
    pub at: Option<DateTime<Utc>>,
    /// What the list is ordered by (a time as RFC 3339, or a name).
    pub sort: String,
    /// Lower-case text a search matches in (names, codes, points).
    pub search: String,
}

/// One page of one list.
#[derive(Clone, Debug, Default)]
pub struct ListQuery {
    pub entity: &'static str,
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

pub(crate) fn time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// Who may see what, over a table's change-log key columns (`audience`, `k_enterprise`, `k_township`,
/// `k_squadron`, `k_assignee`): the same rule as the change log's (`Tx::changes`). `bind` binds a text and
/// answers its placeholder; `None` when everything is visible.
pub fn visible(visibility: &Filter, bind: &mut dyn FnMut(String) -> String) -> Option<String> {
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
            format!("(audience = 'public' OR (audience = 'shared' AND k_enterprise = {e}))")
        }
        Filter::Townships { townships } => format!("(audience = 'public' OR k_township IN ({}))", list(townships)),
        Filter::Officer { townships, squadron, user } => {
            let towns = list(townships);
            let (s, u) = (list(std::slice::from_ref(squadron)), list(std::slice::from_ref(user)));
            format!("(audience = 'public' OR k_township IN ({towns}) OR k_squadron = {s} OR k_assignee = {u})")
        }
    })
}

/// Builds the count and page statements; `p(n)` writes the n-th placeholder (1-based).
pub fn build(q: &ListQuery, visibility: &Filter, p: fn(usize) -> String) -> Built {
    let mut args: Vec<Arg> = Vec::new();
    let bind = |args: &mut Vec<Arg>, a: Arg| {
        args.push(a);
        p(args.len())
    };
    let mut wheres = vec![format!("entity = {}", bind(&mut args, Arg::Text(q.entity.into())))];
    let list = |args: &mut Vec<Arg>, ids: &[String]| -> String {
        if ids.is_empty() {
            return "NULL".into();
        }
        ids.iter().map(|t| bind(args, Arg::Text(t.clone()))).collect::<Vec<_>>().join(",")
    };
    wheres.extend(visible(visibility, &mut |v| bind(&mut args, Arg::Text(v))));
    for (column, value) in
        [("township", &q.township), ("squadron", &q.squadron), ("enterprise", &q.enterprise), ("grade", &q.grade)]
    {
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
    if let Some(from) = &q.from {
        wheres.push(format!("at >= {}", bind(&mut args, Arg::Text(time(from)))));
    }
    if let Some(to) = &q.to {
        wheres.push(format!("at < {}", bind(&mut args, Arg::Text(time(to)))));
    }
    if let Some(text) = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let escaped = text.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        wheres.push(format!("search LIKE {} ESCAPE '\\'", bind(&mut args, Arg::Text(format!("%{escaped}%")))));
    }
    let filter = wheres.join(" AND ");
    let order = if q.newest_first { "sort DESC, id DESC" } else { "sort ASC, id ASC" };
    let count = format!("SELECT COUNT(*) FROM listing WHERE {filter}");
    let limit = p(args.len() + 1);
    let offset = p(args.len() + 2);
    let page = format!("SELECT id FROM listing WHERE {filter} ORDER BY {order} LIMIT {limit} OFFSET {offset}");
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
    /// The day of `at` (UTC, `YYYY-MM-DD`).
    Day,
}

impl Group {
    fn sql(self) -> &'static str {
        match self {
            Group::Township => "township",
            Group::Squadron => "squadron",
            Group::Enterprise => "enterprise",
            Group::State => "state",
            Group::Grade => "grade",
            Group::Day => "substr(at, 1, 10)",
        }
    }
}

/// Builds a count of the rows `q` selects (its page ignored) grouped by `groups`: one row per group with
/// the group's values, then the count.
pub fn build_counts(q: &ListQuery, visibility: &Filter, groups: &[Group], p: fn(usize) -> String) -> Built {
    let built = build(q, visibility, p);
    let columns: Vec<&str> = groups.iter().map(|g| g.sql()).collect();
    let filter = built.count.trim_start_matches("SELECT COUNT(*) FROM listing WHERE ");
    let list = columns.join(", ");
    let count = format!("SELECT {list}, COUNT(*) FROM listing WHERE {filter} GROUP BY {list} ORDER BY {list}");
    Built { count, page: String::new(), args: built.args }
}

/// One group's values (in the order asked) and how many rows it has.
pub type Count = (Vec<Option<String>>, u64);

/// The list index's part of a transaction (each back end: `db/<backend>/listing.rs`).
pub trait Listing {
    /// Stores (or replaces) a record's row.
    fn put_listing(&mut self, row: &ListingRow) -> Result<(), StoreError>;
    fn drop_listing(&mut self, entity: &str, id: &str) -> Result<(), StoreError>;
    fn list_page(&mut self, query: &ListQuery, visibility: &Filter) -> Result<ListPage, StoreError>;
    /// Whether the index was built from the records (after the migration that added it).
    fn listing_built(&mut self) -> Result<bool, StoreError>;
    fn set_listing_built(&mut self) -> Result<(), StoreError>;
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
