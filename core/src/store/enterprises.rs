//! Enterprises on the device: search by name, credit code or address (Chinese substrings), and
//! free-text edits that go out as `enterprise.edit` with the value they started from.

use super::codec::{from_json, parse_id, to_json};
use super::error::StoreError;
use super::optimistic::{self, Source};
use super::{Store, outbox, session};
use crate::domain::decide::enterprise as decide;
use crate::domain::ids::EnterpriseId;
use crate::domain::organisation::Enterprise;
use crate::protocol::{EnterpriseField, Intent};
use rusqlite::{Connection, OptionalExtension, Transaction, params, params_from_iter};
use std::collections::{BTreeMap, BTreeSet};

/// What a list row shows instead of an enterprise id: its name and, where known, its township's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlaceNames {
    pub enterprise: String,
    pub township: Option<String>,
}

/// Shortest term the trigram index can find; shorter ones (e.g. 永康) are matched with LIKE.
const TRIGRAM: usize = 3;

impl Store {
    /// One enterprise, if on this device.
    pub fn enterprise(&self, id: EnterpriseId) -> Result<Option<Enterprise>, StoreError> {
        self.read(|conn| find(conn, id))
    }

    /// Names of the given enterprises (and their townships) that are on this device, in one query.
    pub fn place_names(
        &self,
        ids: impl IntoIterator<Item = EnterpriseId>,
    ) -> Result<BTreeMap<EnterpriseId, PlaceNames>, StoreError> {
        let ids: BTreeSet<String> = ids.into_iter().map(|id| id.to_string()).collect();
        if ids.is_empty() {
            return Ok(BTreeMap::new());
        }
        let json = serde_json::Value::from(ids.into_iter().collect::<Vec<_>>()).to_string();
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT e.id, e.name, t.name FROM enterprises e LEFT JOIN townships t ON t.id = e.township
                 WHERE e.id IN (SELECT value FROM json_each(?1))",
            )?;
            let rows = stmt.query_map([json], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<String>>(2)?))
            })?;
            rows.map(|row| {
                let (id, enterprise, township) = row?;
                Ok((parse_id("enterprise id", &id)?, PlaceNames { enterprise, township }))
            })
            .collect()
        })
    }

    /// Enterprises whose name, credit code or address contains every whitespace-separated term of
    /// `query`, best matches first, at most `limit`.
    pub fn search_enterprises(&self, query: &str, limit: usize) -> Result<Vec<Enterprise>, StoreError> {
        let terms: Vec<&str> = query.split_whitespace().collect();
        if terms.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read(|conn| {
            let bodies = if terms.iter().all(|t| t.chars().count() >= TRIGRAM) {
                search_indexed(conn, &terms, limit)?
            } else {
                search_scan(conn, &terms, limit)?
            };
            bodies.iter().map(|b| from_json("enterprise", b)).collect()
        })
    }

    /// Edits a free-text field; the outbox entry carries the value the edit started from so the
    /// platform can tell a concurrent edit and keep the losing value.
    pub fn edit_enterprise(
        &self,
        id: EnterpriseId,
        field: EnterpriseField,
        value: &str,
    ) -> Result<Enterprise, StoreError> {
        let now = self.now();
        self.write(|tx| {
            let actor = session::actor(tx)?;
            let enterprise = find(tx, id)?.ok_or(StoreError::NotFound { entity: "enterprise", id: id.to_string() })?;
            let base = field.get(&enterprise).to_string();
            let enterprise = match decide::edit(&actor, &enterprise, field, &base, value)? {
                decide::Edit::Applied(edited) => edited,
                // The base is the current value here, so an edit never conflicts on its own device.
                decide::Edit::Unchanged | decide::Edit::Conflict { .. } => return Ok(enterprise),
            };
            let value = field.get(&enterprise).to_string();
            let intent = Intent::EnterpriseEdit { enterprise: id, field, base, value };
            let mutation = outbox::append(tx, now, intent)?;
            upsert(tx, &enterprise, Source::Local(outbox::seq_param(&mutation)))?;
            Ok(enterprise)
        })
    }
}

/// Trigram full-text search, ranked by bm25 with the name weighing most.
fn search_indexed(conn: &Connection, terms: &[&str], limit: i64) -> Result<Vec<String>, StoreError> {
    let phrase = |t: &&str| format!("\"{}\"", t.replace('"', "\"\""));
    let expr = terms.iter().map(phrase).collect::<Vec<_>>().join(" AND ");
    let mut stmt = conn.prepare_cached(
        "SELECT e.body FROM (
             SELECT rowid, bm25(enterprise_search, 10.0, 5.0, 1.0) AS score FROM enterprise_search
             WHERE enterprise_search MATCH ?1 ORDER BY score LIMIT ?2
         ) AS hit JOIN enterprises e ON e.seq = hit.rowid ORDER BY hit.score",
    )?;
    let rows = stmt.query_map(params![expr, limit], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Substring scan for terms too short for trigrams: name hits first, earlier and shorter names first.
/// `instr` is a plain substring test (no pattern syntax to escape, faster than LIKE); credit codes are
/// stored upper-case, so the term is upper-cased for them.
fn search_scan(conn: &Connection, terms: &[&str], limit: i64) -> Result<Vec<String>, StoreError> {
    let conditions: Vec<String> = (1..=terms.len())
        .map(|p| format!("(instr(name, ?{p}) > 0 OR instr(address, ?{p}) > 0 OR instr(credit_code, upper(?{p})) > 0)"))
        .collect();
    let limit_param = terms.len() + 1;
    // Rank on the narrow text index first; fetch whole rows only for the hits kept.
    let sql = format!(
        "SELECT e.body FROM (
             SELECT seq, instr(name, ?1) AS at, length(name) AS len, name FROM enterprises INDEXED BY enterprises_text
             WHERE {} ORDER BY at = 0, at, len, name LIMIT ?{limit_param}
         ) AS hit JOIN enterprises e ON e.seq = hit.seq ORDER BY hit.at = 0, hit.at, hit.len, hit.name",
        conditions.join(" AND ")
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut params: Vec<rusqlite::types::Value> = terms.iter().map(|t| t.to_string().into()).collect();
    params.push(limit.into());
    let rows = stmt.query_map(params_from_iter(params), |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(crate) fn find(conn: &Connection, id: EnterpriseId) -> Result<Option<Enterprise>, StoreError> {
    let body: Option<String> = conn
        .prepare_cached("SELECT body FROM enterprises WHERE id = ?1")?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?;
    body.map(|b| from_json("enterprise", &b)).transpose()
}

/// Inserts or updates an enterprise, from the platform or as a local edit (see [`optimistic`]).
pub(crate) fn upsert(tx: &Transaction<'_>, e: &Enterprise, source: Source) -> Result<(), StoreError> {
    let body = to_json(e)?;
    if source == Source::Pulled && optimistic::hold(tx, "enterprises", &e.id.to_string(), &body)? {
        return Ok(());
    }
    tx.prepare_cached(&format!(
        "INSERT INTO enterprises (id, name, credit_code, township, address, body, pending_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, credit_code = excluded.credit_code,
             township = excluded.township, address = excluded.address, body = excluded.body, {}",
        optimistic::on_conflict_keep_server("enterprises")
    ))?
    .execute(params![
        e.id.to_string(),
        e.name,
        e.credit_code.as_str(),
        e.township.to_string(),
        e.address,
        body,
        source.pending_seq()
    ])?;
    Ok(())
}
