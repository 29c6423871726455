//! Free-text edits of an enterprise, decided by the domain (`decide::enterprise::edit`): an edit whose
//! `base` is still the stored value wins; a stale one loses, and its value is kept in the conflicts
//! list for the command centre.

use super::{Actor, Failure, domain, not_found};
use crate::db::{ConflictRow, Tx};
use crate::records;
use fieldcheck_domain::decide::enterprise::{self as decide, Edit, EnterpriseField};
use fieldcheck_domain::ids::EnterpriseId;
use fieldcheck_protocol::{Outcome, Record};

pub fn edit(
    tx: &mut dyn Tx,
    actor: &Actor,
    id: EnterpriseId,
    field: EnterpriseField,
    base: &str,
    value: &str,
) -> Result<Outcome, Failure> {
    let enterprise = records::enterprise(tx, id)?
        .filter(|e| actor.reach.covers_enterprise(e))
        .ok_or_else(|| not_found("enterprise"))?;
    match decide::edit(&actor.reach.user, &enterprise, field, base, value).map_err(domain)? {
        Edit::Unchanged => Ok(Outcome::Applied),
        Edit::Applied(edited) => {
            records::save(tx, &Record::Enterprise(edited))?;
            Ok(Outcome::Applied)
        }
        Edit::Conflict { current, lost } => {
            tx.conflict(&ConflictRow {
                number: 0,
                entity: "enterprise".into(),
                id: id.to_string(),
                field: serde_json::to_value(field)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                base: base.to_string(),
                kept: current.clone(),
                lost,
                user: actor.reach.user.id.to_string(),
                device: actor.device.clone().unwrap_or_default(),
                at: actor.now,
                resolution: None,
                resolved_by: None,
                resolved_at: None,
            })?;
            Ok(Outcome::Conflict { current: serde_json::json!({ "field": field, "value": current }) })
        }
    }
}
