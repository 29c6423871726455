//! Row writes sent as one statement per table. A push of a hundred inspections writes a hundred records,
//! list rows, typed rows, audit rows and outcomes; sent one statement each, PostgreSQL spent its time on
//! statements (each bound, planned, run and answered) more than on rows. So a single-row
//! `INSERT INTO t (c1, …, cn) VALUES ($1, …, $n) [ON CONFLICT (k…) DO …]` is kept as a row, and the rows of
//! one statement go together as `INSERT … SELECT … FROM unnest($1::text[], …) … [ON CONFLICT …]`.
//!
//! What keeps this the same as running the rows one by one:
//! - rows are sent before anything else that is sent after them ([`super::pipeline`] sends them first),
//!   and the tables written this way have no triggers or foreign keys, so rows of different tables need no
//!   order between them; the rows of one table are written by one statement, in the order they were made;
//! - a row whose conflict key repeats an earlier row's replaces it: only a statement that sets every other
//!   column from `excluded` on conflict is batched ([`parse`] checks), so the last row is what one-by-one
//!   upserts would leave (and PostgreSQL refuses one statement that updates a row twice).

use super::pipeline::Arg;
use crate::db::tables::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// A single-row statement's batch form: its columns' positions that make the conflict key.
struct Shape {
    /// The statement over one array per column: `$i` is column i's values.
    over_arrays: String,
    /// The conflict target's column positions; empty: every row is kept.
    key: Vec<usize>,
}

/// The rows held for one statement, in the order made.
struct Group {
    sql: String,
    /// Its rows' column types (a column's array has one type).
    types: Types,
    shape: Arc<Shape>,
    rows: Vec<Vec<Value>>,
    /// Row index by conflict key.
    by_key: HashMap<Vec<String>, usize>,
}

/// A row's column types: whether each is text (else an integer).
type Types = Vec<bool>;

fn types(row: &[Value]) -> Types {
    row.iter().map(|v| matches!(v, Value::Text(_))).collect()
}

/// Rows held until the next statement that is sent.
#[derive(Default)]
pub struct Rows {
    groups: Vec<Group>,
}

impl Rows {
    /// Holds one row of `sql`; `Err` gives the row back when `sql` is not a single-row insert of its
    /// parameters in order (it is then sent as a statement of its own).
    pub fn hold(&mut self, sql: &str, row: Vec<Value>) -> Result<(), Vec<Value>> {
        let types = types(&row);
        let Some(shape) = shape(sql, &types) else { return Err(row) };
        let at = match self.groups.iter().position(|g| g.sql == sql && g.types == types) {
            Some(at) => at,
            None => {
                let group = Group { sql: sql.to_string(), types, shape, rows: Vec::new(), by_key: HashMap::new() };
                self.groups.push(group);
                self.groups.len() - 1
            }
        };
        let group = &mut self.groups[at];
        let key: Option<Vec<String>> = group.shape.key.iter().map(|&i| cell_text(&row[i])).collect();
        // No conflict target, or a NULL in it (which conflicts with nothing): the row is kept as it is.
        let Some(key) = key.filter(|_| !group.shape.key.is_empty()) else {
            group.rows.push(row);
            return Ok(());
        };
        match group.by_key.get(&key) {
            Some(&earlier) => group.rows[earlier] = row,
            None => {
                group.by_key.insert(key, group.rows.len());
                group.rows.push(row);
            }
        }
        Ok(())
    }

    /// The held rows as statements with their arguments, one per group; nothing is held after.
    pub fn take(&mut self) -> Vec<(String, Vec<Arg>)> {
        std::mem::take(&mut self.groups)
            .into_iter()
            .map(|g| {
                if g.rows.len() == 1 {
                    let row = g.rows.into_iter().next().expect("one row");
                    (g.sql, row.into_iter().map(arg).collect())
                } else {
                    (g.shape.over_arrays.clone(), columns(&g.rows))
                }
            })
            .collect()
    }

    /// How many rows are held.
    pub fn len(&self) -> usize {
        self.groups.iter().map(|g| g.rows.len()).sum()
    }

    /// Forgets the held rows (their savepoint was rolled back to).
    pub fn clear(&mut self) {
        self.groups.clear();
    }
}

fn cell_text(v: &Value) -> Option<String> {
    match v {
        Value::Text(t) => t.clone(),
        Value::Int(i) => Some(i.to_string()),
    }
}

/// A value as the argument of a single-row statement.
pub fn arg(v: Value) -> Arg {
    match v {
        Value::Text(t) => Box::new(t),
        Value::Int(i) => Box::new(i),
    }
}

/// One array argument per column (a group's rows have one type per column).
fn columns(rows: &[Vec<Value>]) -> Vec<Arg> {
    (0..rows[0].len())
        .map(|i| -> Arg {
            match rows[0][i] {
                Value::Text(_) => Box::new(rows.iter().map(|r| cell_text(&r[i])).collect::<Vec<_>>()),
                Value::Int(_) => {
                    let int = |r: &Vec<Value>| match r[i] {
                        Value::Int(n) => n,
                        Value::Text(_) => unreachable!("a group's rows have one type per column"),
                    };
                    Box::new(rows.iter().map(int).collect::<Vec<i64>>())
                }
            }
        })
        .collect()
}

/// The batch form of `sql` for rows of `types`, parsed once per statement and types.
fn shape(sql: &str, types: &Types) -> Option<Arc<Shape>> {
    /// Parsed shapes (`None`: not a batchable statement) by statement and types.
    type Shapes = HashMap<(String, Types), Option<Arc<Shape>>>;
    static SHAPES: OnceLock<Mutex<Shapes>> = OnceLock::new();
    let mut shapes = SHAPES.get_or_init(Default::default).lock().unwrap_or_else(|p| p.into_inner());
    let key = (sql.to_string(), types.clone());
    if let Some(known) = shapes.get(&key) {
        return known.clone();
    }
    let parsed = parse(sql, types).map(Arc::new);
    shapes.insert(key, parsed.clone());
    parsed
}

/// `INSERT INTO t (c1, …, cn) VALUES ($1, …, $n) rest` → `INSERT INTO t (c1, …, cn) SELECT … FROM
/// unnest($1::type[], …) WITH ORDINALITY … ORDER BY n rest`, with the conflict key's positions.
fn parse(sql: &str, types: &[bool]) -> Option<Shape> {
    let flat = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    let rest = flat.strip_prefix("INSERT INTO ")?;
    let (target, rest) = rest.split_once(" (")?;
    let (column_list, rest) = rest.split_once(") VALUES (")?;
    let (values, tail) = rest.split_once(')')?;
    let columns: Vec<&str> = column_list.split(',').map(str::trim).collect();
    let in_order = (1..=columns.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
    // A literal is not rewritten (the whitespace above is collapsed).
    if columns.len() != types.len() || values.trim() != in_order || tail.contains("RETURNING") || tail.contains('\'') {
        return None;
    }
    let key = match tail.trim().strip_prefix("ON CONFLICT (") {
        Some(conflict) => {
            let (names, action) = conflict.split_once(')')?;
            let key =
                names.split(',').map(|n| columns.iter().position(|c| *c == n.trim())).collect::<Option<Vec<_>>>()?;
            // Last row wins only if the update overwrites the whole row (not DO NOTHING, not some columns).
            let action = action.to_lowercase();
            let assignments: Vec<&str> =
                action.trim().strip_prefix("do update set ")?.split(',').map(str::trim).collect();
            let sets_all = (0..columns.len()).filter(|i| !key.contains(i)).all(|i| {
                let column = columns[i].to_lowercase();
                assignments.contains(&format!("{column} = excluded.{column}").as_str())
            });
            if !sets_all {
                return None;
            }
            key
        }
        None if tail.trim().is_empty() => Vec::new(),
        None => return None,
    };
    let arrays = types
        .iter()
        .enumerate()
        .map(|(i, text)| format!("${}::{}[]", i + 1, if *text { "text" } else { "int8" }))
        .collect::<Vec<_>>()
        .join(", ");
    let names = (1..=columns.len()).map(|i| format!("a{i}")).collect::<Vec<_>>().join(", ");
    Some(Shape {
        over_arrays: format!(
            "INSERT INTO {target} ({column_list}) SELECT {names} FROM unnest({arrays}) WITH ORDINALITY AS u({names}, n) \
             ORDER BY n{tail}"
        ),
        key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Value {
        Value::Text(Some(s.into()))
    }

    #[test]
    fn a_single_row_insert_becomes_one_over_arrays_keyed_by_its_conflict_target() {
        let shape = parse(
            "INSERT INTO records (entity, id, data)\n VALUES ($1, $2, $3)\n ON CONFLICT (entity, id) DO UPDATE SET data = EXCLUDED.data",
            &[true, true, true],
        )
        .expect("a shape");
        assert_eq!(shape.key, vec![0, 1]);
        assert_eq!(
            shape.over_arrays,
            "INSERT INTO records (entity, id, data) SELECT a1, a2, a3 FROM unnest($1::text[], $2::text[], $3::text[]) \
             WITH ORDINALITY AS u(a1, a2, a3, n) ORDER BY n ON CONFLICT (entity, id) DO UPDATE SET data = EXCLUDED.data"
        );
        let plain = parse("INSERT INTO mutations (device, seq) VALUES ($1, $2)", &[true, false]).expect("shape");
        assert!(plain.key.is_empty());
        assert!(plain.over_arrays.contains("unnest($1::text[], $2::int8[])"));
    }

    #[test]
    fn other_statements_are_sent_as_they_are() {
        for sql in [
            "UPDATE accounts SET failures = $2 WHERE login = $1",
            "INSERT INTO meta (key, value) VALUES ('a', $1)",
            "INSERT INTO t (a, b) VALUES ($2, $1)",
            "INSERT INTO t (a, b) VALUES ($1, $2) RETURNING a",
            "INSERT INTO t (a, b) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            "INSERT INTO t (a, b) VALUES ($1, $2) ON CONFLICT (a) DO NOTHING",
            "INSERT INTO t (a, b, c) VALUES ($1, $2, $3) ON CONFLICT (a) DO UPDATE SET b = excluded.b",
        ] {
            let types = vec![true; sql.matches('$').count()];
            assert!(parse(sql, &types).is_none(), "{sql}");
        }
    }

    #[test]
    fn a_repeated_key_keeps_the_last_row_in_the_first_place() {
        let sql = "INSERT INTO records (entity, id, data) VALUES ($1, $2, $3) ON CONFLICT (entity, id) DO UPDATE SET data = EXCLUDED.data";
        let mut rows = Rows::default();
        for (id, data) in [("1", "old"), ("2", "two"), ("1", "new")] {
            rows.hold(sql, vec![t("inspection"), t(id), t(data)]).expect("held");
        }
        let group = &rows.groups[0];
        let data: Vec<_> = group.rows.iter().map(|r| cell_text(&r[2])).collect();
        assert_eq!(data, vec![Some("new".into()), Some("two".into())]);
        assert_eq!(rows.take().len(), 1);
        assert!(rows.take().is_empty());
    }

    #[test]
    fn rows_of_other_types_or_with_a_null_key_are_not_merged() {
        let sql = "INSERT INTO t (id, n) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET n = excluded.n";
        let mut rows = Rows::default();
        rows.hold(sql, vec![t("a"), Value::Int(1)]).expect("held");
        rows.hold(sql, vec![t("a"), t("one")]).expect("held");
        rows.hold(sql, vec![Value::Text(None), Value::Int(2)]).expect("held");
        rows.hold(sql, vec![Value::Text(None), Value::Int(3)]).expect("held");
        assert_eq!(rows.groups[0].rows.len(), 3, "a NULL key conflicts with nothing");
        let sent = rows.take();
        assert_eq!(sent.len(), 2, "one statement per column types");
        assert!(sent[0].0.contains("unnest($1::text[], $2::int8[])"), "{}", sent[0].0);
        assert_eq!(sent[1].0, sql, "a lone row goes as the statement it is");
    }
}
