//! The outbox: intents waiting to be pushed, numbered per device from 1 without gaps. Only the store's
//! own write functions append, each in the same transaction as the change it reports.

use super::codec::{from_json, from_millis, from_tag, millis, parse_id, tag};
use super::error::StoreError;
use super::{Store, case_evidence, optimistic};
use crate::domain::ids::MutationId;
use crate::protocol::{Intent, Mutation, Outcome, PushResponse, RejectCode};
use chrono::{DateTime, Duration, Utc};
use rusqlite::{Row, Transaction, params};

/// A mutation the platform refused for good: kept for the user to see, no longer sent.
#[derive(Clone, Debug, PartialEq)]
pub struct NeedsAttention {
    pub mutation: Mutation,
    pub code: RejectCode,
    pub reason: String,
    /// Device time the rejection was recorded.
    pub at: DateTime<Utc>,
}

/// The server's clock minus the device's, as last measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClockSkew {
    pub server_minus_device: Duration,
    /// Server time of the measurement.
    pub measured_at: DateTime<Utc>,
}

impl ClockSkew {
    /// Beyond this the user is told to fix the device clock: photo times and deadlines would mislead.
    pub const WARN_BEYOND: Duration = Duration::minutes(5);

    /// Whether the device clock is off by more than [`ClockSkew::WARN_BEYOND`] either way.
    pub fn needs_warning(&self) -> bool {
        self.server_minus_device.abs() > Self::WARN_BEYOND
    }
}

/// How many outbox entries wait to be sent and how many the platform refused.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    pub pending: usize,
    pub needs_attention: usize,
}

impl Store {
    /// Up to `limit` mutations to push, oldest first; entries needing attention are not sent again.
    pub fn pending_mutations(&self, limit: usize) -> Result<Vec<Mutation>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT seq, id, made_at, intent FROM outbox WHERE attention_code IS NULL ORDER BY seq LIMIT ?1",
            )?;
            let rows = stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], raw_mutation)?;
            rows.map(|r| r?.decode()).collect()
        })
    }

    /// The next push: up to `limit` mutations numbered after `after` (0: from the first), oldest first,
    /// whose stored intents add up to at most `max_bytes` (the first one always, whatever its size);
    /// entries needing attention are not sent again.
    pub fn pending_batch(&self, after: u64, limit: usize, max_bytes: usize) -> Result<Vec<Mutation>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT seq, id, made_at, intent FROM outbox WHERE attention_code IS NULL AND seq > ?2
                 ORDER BY seq LIMIT ?1",
            )?;
            let mut rows = stmt
                .query(params![i64::try_from(limit).unwrap_or(i64::MAX), i64::try_from(after).unwrap_or(i64::MAX)])?;
            let (mut batch, mut bytes) = (Vec::new(), 0usize);
            while let Some(row) = rows.next()? {
                let raw = raw_mutation(row)?;
                bytes += raw.intent.len();
                if bytes > max_bytes && !batch.is_empty() {
                    break;
                }
                batch.push(raw.decode()?);
            }
            Ok(batch)
        })
    }

    /// Records what the platform answered: applied and conflict entries leave the outbox (the pull
    /// brings the server's version); rejected ones stay, marked as needing attention, and the local
    /// change they made is undone. Answers for entries already settled are ignored, so a repeated
    /// response is harmless.
    pub fn record_push_results(&self, response: &PushResponse) -> Result<(), StoreError> {
        let now = self.now();
        self.write(|tx| {
            for result in &response.results {
                let seq = i64::try_from(result.seq).map_err(|e| StoreError::decode("push result seq", e))?;
                match &result.outcome {
                    Outcome::Applied | Outcome::Conflict { .. } => {
                        if tx.prepare_cached("DELETE FROM outbox WHERE seq = ?1")?.execute([seq])? > 0 {
                            optimistic::settle(tx, seq, false)?;
                        }
                    }
                    Outcome::Rejected { code, reason } => {
                        let marked = tx.execute(
                            "UPDATE outbox SET attention_code = ?2, attention_reason = ?3, attention_at = ?4
                             WHERE seq = ?1 AND attention_code IS NULL",
                            params![seq, tag(code)?, reason, millis(now)],
                        )?;
                        if marked > 0 {
                            optimistic::settle(tx, seq, true)?;
                            case_evidence::uncite(tx, seq)?;
                        }
                    }
                }
            }
            Ok(())
        })
    }

    /// Mutations the platform rejected, oldest first.
    pub fn needs_attention(&self) -> Result<Vec<NeedsAttention>, StoreError> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT seq, id, made_at, intent, attention_code, attention_reason, attention_at
                 FROM outbox WHERE attention_code IS NOT NULL ORDER BY seq",
            )?;
            let rows = stmt.query_map([], |row| {
                Ok((raw_mutation(row)?, row.get::<_, String>(4)?, row.get::<_, String>(5)?, row.get::<_, i64>(6)?))
            })?;
            rows.map(|r| {
                let (raw, code, reason, at) = r?;
                Ok(NeedsAttention {
                    mutation: raw.decode()?,
                    code: from_tag("reject code", &code)?,
                    reason,
                    at: from_millis(at)?,
                })
            })
            .collect()
        })
    }

    /// Removes a rejected entry once the user has seen it.
    pub fn dismiss_attention(&self, seq: u64) -> Result<bool, StoreError> {
        let seq = i64::try_from(seq).map_err(|e| StoreError::decode("seq", e))?;
        self.write(|tx| Ok(tx.execute("DELETE FROM outbox WHERE seq = ?1 AND attention_code IS NOT NULL", [seq])? > 0))
    }

    /// Entries waiting to be sent, and entries needing attention, counted apart.
    pub fn outbox_counts(&self) -> Result<OutboxCounts, StoreError> {
        self.read(|conn| {
            let (pending, attention): (i64, i64) = conn.query_row(
                "SELECT count(*) FILTER (WHERE attention_code IS NULL), count(*) FILTER (WHERE attention_code IS NOT NULL)
                 FROM outbox",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let n = |x: i64| usize::try_from(x).unwrap_or(0);
            Ok(OutboxCounts { pending: n(pending), needs_attention: n(attention) })
        })
    }

    /// Entries in the outbox, pending and needing attention.
    pub fn outbox_len(&self) -> Result<usize, StoreError> {
        self.read(|conn| Ok(conn.query_row("SELECT count(*) FROM outbox", [], |r| r.get::<_, i64>(0))? as usize))
    }

    /// Records a skew measurement from one push: when the device sent it and when the server got it.
    pub fn record_clock_skew(
        &self,
        device_sent_at: DateTime<Utc>,
        server_received_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let skew = (server_received_at - device_sent_at).num_milliseconds();
        self.write(|tx| {
            tx.execute(
                "UPDATE session SET skew_ms = ?1, skew_measured_at = ?2 WHERE id = 1",
                params![skew, millis(server_received_at)],
            )?;
            Ok(())
        })
    }

    /// The last measured clock skew, if any.
    pub fn clock_skew(&self) -> Result<Option<ClockSkew>, StoreError> {
        self.read(|conn| {
            let (skew, at): (Option<i64>, Option<i64>) =
                conn.query_row("SELECT skew_ms, skew_measured_at FROM session WHERE id = 1", [], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
            match (skew, at) {
                (Some(skew), Some(at)) => Ok(Some(ClockSkew {
                    server_minus_device: Duration::milliseconds(skew),
                    measured_at: from_millis(at)?,
                })),
                _ => Ok(None),
            }
        })
    }
}

/// Appends `intent` as the next numbered mutation. Callers pass their own transaction so the change
/// and its entry commit together.
pub(crate) fn append(tx: &Transaction<'_>, made_at: DateTime<Utc>, intent: Intent) -> Result<Mutation, StoreError> {
    let seq: i64 =
        tx.query_row("UPDATE session SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq", [], |r| r.get(0))?;
    let mutation = Mutation { id: MutationId::new(), seq: seq as u64, made_at, intent };
    // Serialized once; the wire name of the intent (`inspection.submit` ...) is kept as its kind.
    let body = serde_json::to_value(&mutation.intent).map_err(|e| StoreError::decode("intent", e))?;
    let kind = body.get("kind").and_then(|k| k.as_str()).unwrap_or("unknown").to_string();
    tx.execute(
        "INSERT INTO outbox (seq, id, kind, made_at, intent) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![seq, mutation.id.to_string(), kind, millis(made_at), body.to_string()],
    )?;
    Ok(mutation)
}

/// The seq of the entry just appended, for marking rows it changed (see `pending_seq`).
pub(crate) fn seq_param(mutation: &Mutation) -> i64 {
    mutation.seq as i64
}

struct RawMutation {
    seq: i64,
    id: String,
    made_at: i64,
    intent: String,
}

fn raw_mutation(row: &Row<'_>) -> rusqlite::Result<RawMutation> {
    Ok(RawMutation { seq: row.get(0)?, id: row.get(1)?, made_at: row.get(2)?, intent: row.get(3)? })
}

impl RawMutation {
    fn decode(self) -> Result<Mutation, StoreError> {
        Ok(Mutation {
            id: parse_id("mutation id", &self.id)?,
            seq: self.seq as u64,
            made_at: from_millis(self.made_at)?,
            intent: from_json("outbox intent", &self.intent)?,
        })
    }
}
