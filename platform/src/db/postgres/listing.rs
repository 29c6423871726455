//! PostgreSQL's lists (`db::listing`).

use super::pipeline::args;
use super::{DEVICE_COLUMNS, PgTx, device};
use crate::db::listing::{self, Arg, Built, Count, Group, ListPage, ListQuery, Listing};
use crate::db::{DeviceRow, Filter, StoreError};
use tokio_postgres::types::ToSql;

impl Listing for PgTx {
    fn list_page(&mut self, query: &ListQuery, visibility: &Filter) -> Result<ListPage, StoreError> {
        let built = listing::build(query, visibility, |n| format!("${n}"));
        let mut args = boxed(&built);
        let refs: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a.as_ref()).collect();
        let total: i64 = self.query_one(&built.count, &refs)?.try_get(0)?;
        args.push(Box::new(i64::from(query.limit)));
        args.push(Box::new(query.offset.min(i64::MAX as u64) as i64));
        let refs: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a.as_ref()).collect();
        let ids = self.query(&built.page, &refs)?.iter().map(|r| r.try_get(0)).collect::<Result<Vec<String>, _>>()?;
        Ok(ListPage { total: total as u64, ids })
    }

    fn list_counts(
        &mut self,
        query: &ListQuery,
        visibility: &Filter,
        groups: &[Group],
    ) -> Result<Vec<Count>, StoreError> {
        let built = listing::build_counts(query, visibility, groups, |n| format!("${n}"));
        let args = boxed(&built);
        let refs: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a.as_ref()).collect();
        let n = groups.len();
        let mut out = Vec::new();
        for r in self.query(&built.count, &refs)? {
            let keys = (0..n).map(|i| r.try_get::<_, Option<String>>(i)).collect::<Result<Vec<_>, _>>()?;
            out.push((keys, r.try_get::<_, i64>(n)? as u64));
        }
        Ok(out)
    }

    fn rows_built(&mut self) -> Result<bool, StoreError> {
        Ok(self.query_opt("SELECT value FROM meta WHERE key = 'listing_built'", &[])?.is_some())
    }

    fn set_rows_built(&mut self) -> Result<(), StoreError> {
        self.hold("INSERT INTO meta (key, value) VALUES ('listing_built', '1') ON CONFLICT (key) DO NOTHING", args![]);
        Ok(())
    }

    fn device_page(&mut self, limit: u32, offset: u64) -> Result<(u64, Vec<DeviceRow>), StoreError> {
        let total: i64 = self.query_one("SELECT COUNT(*) FROM devices", &[])?.try_get(0)?;
        let sql = format!("SELECT {DEVICE_COLUMNS} ORDER BY last_seen DESC NULLS LAST, id LIMIT $1 OFFSET $2");
        let offset = offset.min(i64::MAX as u64) as i64;
        let rows = self.query(&sql, &[&i64::from(limit), &offset])?;
        Ok((total as u64, rows.iter().map(device).collect::<Result<_, _>>()?))
    }
}

fn boxed(built: &Built) -> Vec<Box<dyn ToSql + Sync>> {
    built
        .args
        .iter()
        .map(|a| -> Box<dyn ToSql + Sync> {
            match a {
                Arg::Text(t) => Box::new(t.clone()),
                Arg::Int(i) => Box::new(*i),
            }
        })
        .collect()
}
