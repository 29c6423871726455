//! Queries of the typed tables (`db::tables`) scoped to a caller exactly as a list is: each row carries its
//! record's change-log keys, tested by the visibility rule (`listing::visible`). The map and the dashboard
//! build their statements with these; each back end runs them through `Tables::tables_query` (`$n`
//! placeholders).

use super::Filter;
use super::listing::{Arg, visible};
use super::tables::Tables;
use super::{StoreError, tables::Cells};
use chrono::{DateTime, Utc};

fn placeholder(n: usize) -> String {
    format!("${n}")
}

/// A statement's text arguments, bound in order.
#[derive(Clone, Default)]
pub struct Args(Vec<Arg>);

impl Args {
    /// Binds `value` and answers its placeholder.
    pub fn bind(&mut self, value: impl Into<String>) -> String {
        self.0.push(Arg::Text(value.into()));
        placeholder(self.0.len())
    }

    /// Binds a time as the typed tables store it.
    pub fn time(&mut self, t: &DateTime<Utc>) -> String {
        self.bind(super::tables::time(t))
    }

    /// Binds each of `values` and answers the list of placeholders (`NULL` for none, which matches nothing).
    pub fn list<S: AsRef<str>>(&mut self, values: &[S]) -> String {
        if values.is_empty() {
            return "NULL".into();
        }
        values.iter().map(|v| self.bind(v.as_ref())).collect::<Vec<_>>().join(", ")
    }

    /// The condition that the row of the typed table aliased `alias` is one the caller may see, bound here.
    pub fn scope(&mut self, alias: &str, visibility: &Filter) -> String {
        visible(visibility, &format!("{alias}."), &mut |v| self.bind(v)).unwrap_or_else(|| "TRUE".into())
    }

    /// Runs `sql` with these arguments; each row's first `texts` columns as text, the rest as integers.
    pub fn query(self, tx: &mut (impl Tables + ?Sized), sql: &str, texts: usize) -> Result<Vec<Cells>, StoreError> {
        tx.tables_query(sql, &self.texts(), texts)
    }

    /// The arguments as bound: each as text.
    pub fn texts(&self) -> Vec<String> {
        self.0
            .iter()
            .map(|a| match a {
                Arg::Text(s) => s.clone(),
                Arg::Int(i) => i.to_string(),
            })
            .collect()
    }
}

/// The check that a scoped statement reads through an index for every kind of caller, on SQLite's plans.
#[cfg(test)]
pub mod plans {
    use super::{Args, Filter};

    /// One caller of each kind of visibility.
    fn visibilities() -> [Filter; 4] {
        [
            Filter::All,
            Filter::Enterprise { enterprise: "e".into() },
            Filter::Townships { townships: vec!["t1".into(), "t2".into()] },
            Filter::Officer { townships: vec!["t1".into()], squadron: "s".into(), user: "u".into() },
        ]
    }

    /// Panics, naming the statement and its plan, when one of `statements` for some visibility scans a
    /// whole table or index (`SCAN`) instead of searching an index, on a database of the current schema.
    pub fn assert_no_scan(statements: impl Fn(&Filter) -> Vec<(String, Args)>) {
        let dir = tempfile::tempdir().expect("temp dir");
        drop(crate::db::sqlite::SqliteDb::open(dir.path()).expect("fresh"));
        let conn = rusqlite::Connection::open(dir.path().join("platform.sqlite3")).expect("open");
        for visibility in visibilities() {
            for (sql, args) in statements(&visibility) {
                let plan: Vec<String> = conn
                    .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                    .expect("plan")
                    .query_map(rusqlite::params_from_iter(args.texts()), |r| r.get(3))
                    .expect("explain")
                    .collect::<Result<_, _>>()
                    .expect("rows");
                assert!(plan.iter().all(|step| !step.starts_with("SCAN")), "{visibility:?}: {sql}\n{plan:#?}");
            }
        }
    }
}
