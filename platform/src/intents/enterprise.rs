//! Free-text edits of an enterprise, merged per field: an edit whose `base` is still the stored value
//! wins; a stale one loses, and its value is kept in the conflicts list for the command centre.

use super::{Actor, Failure, check_len, not_found};
use crate::db::{ConflictRow, Tx};
use crate::records;
use fieldcheck_domain::ids::EnterpriseId;
use fieldcheck_protocol::{EnterpriseField, Outcome, Record};

/// Longest value of an enterprise's free-text field.
const MAX_FIELD_CHARS: usize = 500;

pub fn edit(
    tx: &mut dyn Tx,
    actor: &Actor,
    id: EnterpriseId,
    field: EnterpriseField,
    base: &str,
    value: &str,
) -> Result<Outcome, Failure> {
    check_len("value", value, MAX_FIELD_CHARS)?;
    let mut enterprise = records::enterprise(tx, id)?
        .filter(|e| actor.reach.covers_enterprise(e))
        .ok_or_else(|| not_found("enterprise"))?;
    let current = field.get(&enterprise).to_string();
    if current == value {
        return Ok(Outcome::Applied);
    }
    if current != base {
        tx.conflict(&ConflictRow {
            number: 0,
            entity: "enterprise".into(),
            id: id.to_string(),
            field: serde_json::to_value(field).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default(),
            base: base.to_string(),
            kept: current.clone(),
            lost: value.to_string(),
            user: actor.reach.user.id.to_string(),
            device: actor.device.clone().unwrap_or_default(),
            at: actor.now,
            resolution: None,
            resolved_by: None,
            resolved_at: None,
        })?;
        return Ok(Outcome::Conflict { current: serde_json::json!({ "field": field, "value": current }) });
    }
    field.set(&mut enterprise, value.to_string());
    records::save(tx, &Record::Enterprise(enterprise))?;
    Ok(Outcome::Applied)
}
