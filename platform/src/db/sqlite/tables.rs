//! SQLite's typed tables (`db::tables`): binds and runs that module's statements.

use super::SqliteTx;
use crate::db::StoreError;
use crate::db::tables::{Cells, Tables, Value};
use rusqlite::params_from_iter;
use rusqlite::types::Value as Sql;

/// The shared statements number their placeholders `$n`; SQLite's numbered form is `?n`.
fn sqlite(sql: &str) -> String {
    sql.replace('$', "?")
}

impl Tables for SqliteTx<'_> {
    fn tables_execute(&mut self, sql: &str, args: &[Value]) -> Result<(), StoreError> {
        self.exec(&sqlite(sql), params_from_iter(args.iter().map(bound)))?;
        Ok(())
    }

    fn tables_query_values(&mut self, sql: &str, args: &[Value], texts: usize) -> Result<Vec<Cells>, StoreError> {
        let mut stmt = self.0.prepare_cached(&sqlite(sql))?;
        let n = stmt.column_count();
        let rows = stmt.query_map(params_from_iter(args.iter().map(bound)), |r| {
            let t = (0..texts).map(|i| r.get::<_, Option<String>>(i)).collect::<Result<Vec<_>, _>>()?;
            let i = (texts..n).map(|i| r.get::<_, i64>(i)).collect::<Result<Vec<_>, _>>()?;
            Ok((t, i))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

fn bound(a: &Value) -> Sql {
    match a {
        Value::Text(Some(t)) => Sql::Text(t.clone()),
        Value::Text(None) => Sql::Null,
        Value::Int(i) => Sql::Integer(*i),
    }
}
