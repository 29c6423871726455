//! Every list's page is read in its order from an index of its typed table, never sorted whole, and a time
//! range is searched in that index: a page of the newest rows costs the same with ten rows or a million.
//! Checked on SQLite's plans over a freshly migrated database, for each kind, each order, each range and
//! each visibility.

use crate::migrations::sqlite_file;
use fieldcheck_platform::db::Filter;
use fieldcheck_platform::db::listing::{self, Group, ListQuery, Listed};
use fieldcheck_platform::db::sqlite::SqliteDb;
use rusqlite::Connection;
use rusqlite::types::Value;

#[test]
fn every_list_page_is_read_in_order_from_an_index() {
    let dir = tempfile::tempdir().expect("temp dir");
    drop(SqliteDb::open(dir.path()).expect("fresh"));
    let conn = Connection::open(sqlite_file(dir.path())).expect("open");
    let visibilities = [
        Filter::All,
        Filter::Enterprise { enterprise: "e".into() },
        Filter::Townships { townships: vec!["t1".into(), "t2".into()] },
        Filter::Officer { townships: vec!["t1".into()], squadron: "s".into(), user: "u".into() },
    ];
    let now = chrono::Utc::now();
    let ranges = [(None, None), (Some(now - chrono::Duration::days(7)), Some(now)), (None, Some(now))];
    for listed in [Listed::Alarm, Listed::Task, Listed::Inspection] {
        for (newest_first, (from, to)) in [true, false].into_iter().flat_map(|n| ranges.map(|r| (n, r))) {
            for visibility in &visibilities {
                let query = ListQuery { newest_first, limit: 50, from, to, ..ListQuery::of(listed) };
                let built = listing::build(&query, visibility, |_| "?".to_string());
                let mut args: Vec<Value> = built
                    .args
                    .iter()
                    .map(|a| match a {
                        listing::Arg::Text(t) => Value::Text(t.clone()),
                        listing::Arg::Int(i) => Value::Integer(*i),
                    })
                    .collect();
                args.extend([Value::Integer(50), Value::Integer(0)]);
                let plan: Vec<String> = conn
                    .prepare(&format!("EXPLAIN QUERY PLAN {}", built.page))
                    .expect("plan")
                    .query_map(rusqlite::params_from_iter(args), |r| r.get(3))
                    .expect("query")
                    .collect::<Result<_, _>>()
                    .expect("rows");
                let plan = plan.join("; ");
                assert!(
                    plan.contains(" INDEX ") && !plan.contains("TEMP B-TREE"),
                    "{listed:?} (newest first: {newest_first}, {visibility:?}) is sorted, not read in order: {plan}\n{}",
                    built.page
                );
                // A time range is searched in that index, not filtered over all of it.
                if from.is_some() || to.is_some() {
                    assert!(plan.contains("SEARCH"), "{listed:?} ({from:?}..{to:?}, {visibility:?}): {plan}");
                }
            }
        }
    }
}

/// Every count by every group, and every page, of every kind is a statement each back end runs: a kind's
/// table lacks some of the list's columns (a task's squadron, an inspection's grade), and PostgreSQL refuses
/// some spellings of an absent column that SQLite takes (`GROUP BY NULL`).
#[tokio::test(flavor = "multi_thread")]
async fn every_list_and_count_runs_on_both_back_ends() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut dbs = vec![fieldcheck_platform::open_db(dir.path(), None).expect("SQLite")];
    let postgres = crate::common::FreshPostgres::create("list_plans");
    if let Some(pg) = &postgres {
        dbs.push(pg.open().await);
    }
    let groups = [Group::Township, Group::Squadron, Group::Enterprise, Group::State, Group::Grade, Group::Day];
    for db in dbs {
        let backend = db.backend_name();
        db.read(move |tx| {
            for listed in [Listed::Alarm, Listed::Task, Listed::Inspection] {
                let query = ListQuery {
                    township: Some("t".into()),
                    squadron: Some("s".into()),
                    grade: Some("general".into()),
                    text: Some("化工 50%_".into()),
                    limit: 10,
                    ..ListQuery::of(listed)
                };
                let visibility =
                    Filter::Officer { townships: vec!["t".into()], squadron: "s".into(), user: "u".into() };
                assert_eq!(tx.list_page(&query, &visibility)?.total, 0, "{backend} {listed:?}");
                for group in groups {
                    let counts = tx.list_counts(&ListQuery::of(listed), &Filter::All, &[group])?;
                    assert!(counts.is_empty(), "{backend} {listed:?} by {group:?}: {counts:?}");
                }
            }
            Ok(())
        })
        .await
        .unwrap_or_else(|e| panic!("{backend}: {}", e.message));
    }
}
