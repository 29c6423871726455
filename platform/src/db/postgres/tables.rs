//! PostgreSQL's typed tables (`db::tables`): binds and runs that module's statements.

use super::PgTx;
use super::pipeline::Arg;
use crate::db::StoreError;
use crate::db::tables::{Cells, Tables, Value};
use tokio_postgres::types::ToSql;

impl Tables for PgTx {
    fn tables_execute(&mut self, sql: &str, args: &[Value]) -> Result<(), StoreError> {
        self.hold_row(sql, args.to_vec());
        Ok(())
    }

    fn tables_query_values(&mut self, sql: &str, args: &[Value], texts: usize) -> Result<Vec<Cells>, StoreError> {
        let args = bound(args);
        let refs: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a.as_ref() as _).collect();
        let mut out = Vec::new();
        for r in self.query(sql, &refs)? {
            let t = (0..texts).map(|i| r.try_get::<_, Option<String>>(i)).collect::<Result<Vec<_>, _>>()?;
            let i = (texts..r.len()).map(|i| r.try_get::<_, i64>(i)).collect::<Result<Vec<_>, _>>()?;
            out.push((t, i));
        }
        Ok(out)
    }
}

fn bound(args: &[Value]) -> Vec<Arg> {
    args.iter()
        .map(|a| -> Arg {
            match a {
                Value::Text(t) => Box::new(t.clone()),
                Value::Int(i) => Box::new(*i),
            }
        })
        .collect()
}
