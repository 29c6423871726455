//! The login throttle's shared counts (`crate::throttle`): one GCRA cell per key (an address, a login at
//! an address, a login) in table `login_throttle`, holding its theoretical arrival time (`tat`, epoch
//! milliseconds). An attempt at `now` fits when `tat − now ≤ (burst − 1) × every`; it then moves `tat` to
//! `max(tat, now) + every`. The check and the charge are one upsert whose answer says which happened, so
//! two platform processes on one database can never both take the last attempt.
//!
//! Written once for both back ends, like `db::tables` (`$n` placeholders, run through [`Tables`]).

use super::StoreError;
use super::tables::{Tables, Value};
use chrono::{DateTime, Utc};
use std::time::Duration;

/// One limit as a GCRA cell: `burst` attempts at once, then one more every `every_ms`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cell {
    pub every_ms: i64,
    pub burst: i64,
}

impl Cell {
    fn tolerance_ms(self) -> i64 {
        self.every_ms.saturating_mul(self.burst - 1)
    }
}

/// Charges one attempt to `key` at `now`, or `Err(wait)` (nothing charged) when its limit is reached.
pub fn take(
    tx: &mut (impl Tables + ?Sized),
    key: &str,
    cell: Cell,
    now: DateTime<Utc>,
) -> Result<Result<(), Duration>, StoreError> {
    let now = now.timestamp_millis();
    // Both SET expressions read the row as it was: `allowed` says whether this attempt fitted.
    let sql = "INSERT INTO login_throttle (key, tat, allowed) VALUES ($1, CAST($2 AS BIGINT) + CAST($3 AS BIGINT), 1)
         ON CONFLICT (key) DO UPDATE SET
             allowed = CASE WHEN login_throttle.tat - CAST($2 AS BIGINT) <= CAST($4 AS BIGINT) THEN 1 ELSE 0 END,
             tat = CASE WHEN login_throttle.tat - CAST($2 AS BIGINT) <= CAST($4 AS BIGINT)
                 THEN (CASE WHEN login_throttle.tat > CAST($2 AS BIGINT) THEN login_throttle.tat
                     ELSE CAST($2 AS BIGINT) END) + CAST($3 AS BIGINT)
                 ELSE login_throttle.tat END
         RETURNING allowed, tat";
    let args = [
        Value::Text(Some(key.to_string())),
        Value::Int(now),
        Value::Int(cell.every_ms),
        Value::Int(cell.tolerance_ms()),
    ];
    let row = tx.tables_query_values(sql, &args, 0)?;
    let (allowed, tat) = match row.first().map(|(_, i)| (i.first().copied(), i.get(1).copied())) {
        Some((Some(allowed), Some(tat))) => (allowed == 1, tat),
        _ => return Err(StoreError::Corrupt("the throttle's upsert answered no row".into())),
    };
    if allowed {
        return Ok(Ok(()));
    }
    let wait = tat.saturating_sub(now).saturating_sub(cell.tolerance_ms()).max(0);
    Ok(Err(Duration::from_millis(u64::try_from(wait).unwrap_or(0))))
}

/// Gives back one attempt charged to `key` (a sign-in that succeeded).
pub fn give_back(tx: &mut (impl Tables + ?Sized), key: &str, cell: Cell) -> Result<(), StoreError> {
    tx.tables_execute(
        "UPDATE login_throttle SET tat = tat - CAST($2 AS BIGINT) WHERE key = $1",
        &[Value::Text(Some(key.to_string())), Value::Int(cell.every_ms)],
    )
}

/// Forgets the cells back at a full budget at `now` (bounds the table against invented logins).
pub fn forget_full(tx: &mut (impl Tables + ?Sized), now: DateTime<Utc>) -> Result<(), StoreError> {
    tx.tables_execute(
        "DELETE FROM login_throttle WHERE tat <= CAST($1 AS BIGINT)",
        &[Value::Int(now.timestamp_millis())],
    )
}
