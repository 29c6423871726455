//! SQLite's lists (`db::listing`).

use super::{DEVICE_COLUMNS, SqliteTx, device_row, finish_device};
use crate::db::listing::{self, Arg, Count, Group, ListPage, ListQuery, Listing};
use crate::db::{DeviceRow, Filter, StoreError};
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, params, params_from_iter};

fn values(args: &[Arg]) -> Vec<Value> {
    args.iter()
        .map(|a| match a {
            Arg::Text(t) => Value::Text(t.clone()),
            Arg::Int(i) => Value::Integer(*i),
        })
        .collect()
}

impl Listing for SqliteTx<'_> {
    fn list_page(&mut self, query: &ListQuery, visibility: &Filter) -> Result<ListPage, StoreError> {
        let built = listing::build(query, visibility, |_| "?".to_string());
        let mut args = values(&built.args);
        let total: i64 = self.0.prepare_cached(&built.count)?.query_row(params_from_iter(args.iter()), |r| r.get(0))?;
        args.push(Value::Integer(i64::from(query.limit)));
        args.push(Value::Integer(query.offset.min(i64::MAX as u64) as i64));
        let mut stmt = self.0.prepare_cached(&built.page)?;
        let ids = stmt.query_map(params_from_iter(args), |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
        Ok(ListPage { total: total as u64, ids })
    }

    fn list_counts(
        &mut self,
        query: &ListQuery,
        visibility: &Filter,
        groups: &[Group],
    ) -> Result<Vec<Count>, StoreError> {
        let built = listing::build_counts(query, visibility, groups, |_| "?".to_string());
        let mut stmt = self.0.prepare_cached(&built.count)?;
        let n = groups.len();
        let rows = stmt.query_map(params_from_iter(values(&built.args)), |r| {
            let keys = (0..n).map(|i| r.get::<_, Option<String>>(i)).collect::<Result<Vec<_>, _>>()?;
            Ok((keys, r.get::<_, i64>(n)? as u64))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn rows_built(&mut self) -> Result<bool, StoreError> {
        let v: Option<String> =
            self.row("SELECT value FROM meta WHERE key = 'listing_built'", [], |r| r.get(0)).optional()?;
        Ok(v.is_some())
    }

    fn set_rows_built(&mut self) -> Result<(), StoreError> {
        self.exec("INSERT INTO meta (key, value) VALUES ('listing_built', '1') ON CONFLICT (key) DO NOTHING", [])?;
        Ok(())
    }

    fn device_page(&mut self, limit: u32, offset: u64) -> Result<(u64, Vec<DeviceRow>), StoreError> {
        let total: i64 = self.row("SELECT COUNT(*) FROM devices", [], |r| r.get(0))?;
        let sql = format!("SELECT {DEVICE_COLUMNS} ORDER BY last_seen IS NULL, last_seen DESC, id LIMIT ?1 OFFSET ?2");
        let mut stmt = self.0.prepare_cached(&sql)?;
        let raw = stmt
            .query_map(params![i64::from(limit), offset.min(i64::MAX as u64) as i64], device_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok((total as u64, raw.into_iter().map(finish_device).collect::<Result<_, _>>()?))
    }
}
