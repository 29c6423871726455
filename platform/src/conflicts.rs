//! Conflicts of free-text edits, for the command centre. An edit whose `base` was stale loses to the
//! stored value, and its value is kept here (`intents::enterprise::edit`). The command centre lists them
//! with the record's present value and resolves each once: take the kept value (it becomes a new change
//! of the record, which syncs to the devices in scope) or dismiss it. Either is written to the audit log.

use crate::db::{AuditRow, ConflictRow, StoreError, Tx};
use crate::intents::{Actor, Failure, domain, not_found, refuse};
use crate::records;
use fieldcheck_domain::capability::{self, Action};
use fieldcheck_domain::organisation::User;
use fieldcheck_domain::text::Text;
use fieldcheck_protocol::{EnterpriseField, Entity, Record, RejectCode};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// How the command centre settled a conflict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// The kept value became the record's value.
    Taken,
    /// The record's value stays; the kept value is set aside.
    Dismissed,
}

impl Resolution {
    fn as_str(self) -> &'static str {
        match self {
            Resolution::Taken => "taken",
            Resolution::Dismissed => "dismissed",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [Resolution::Taken, Resolution::Dismissed].into_iter().find(|r| r.as_str() == s)
    }

    /// The resolution in words.
    pub fn label(self) -> Text {
        match self {
            Resolution::Taken => Text::new("已采用该值", "value taken"),
            Resolution::Dismissed => Text::new("已保留现值", "current value kept"),
        }
    }
}

/// A resolve request: the resolution, and optionally the record's value the command centre saw (when
/// it has changed since, the request is refused so nobody overwrites a value they have not seen).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct Resolve {
    pub resolution: Resolution,
    #[serde(default)]
    pub current: Option<String>,
}

/// A kept losing value with the names a person reads and what may be done with it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ConflictView {
    #[serde(flatten)]
    pub conflict: ConflictRow,
    pub record_name: String,
    pub field_label: Option<Text>,
    pub user_name: String,
    /// The record's value now (it may have moved on since the conflict).
    pub current: Option<String>,
    /// Open, or how it was resolved.
    pub state_label: Text,
    pub resolved_by_name: Option<String>,
    /// `take` and `dismiss` while open; nothing once resolved.
    pub actions: Vec<&'static str>,
}

fn field_of(c: &ConflictRow) -> Option<EnterpriseField> {
    serde_json::from_value(c.field.clone().into()).ok()
}

/// Conflicts, newest first; only the open ones when `open_only`.
pub fn list(tx: &mut dyn Tx, open_only: bool) -> Result<Vec<ConflictView>, StoreError> {
    let users: HashMap<String, User> =
        records::load_all::<User>(tx, Entity::User)?.into_iter().map(|u| (u.id.to_string(), u)).collect();
    let name_of = |id: &str| users.get(id).map_or_else(|| id.to_string(), |u| u.name.clone());
    let mut out = Vec::new();
    for conflict in tx.conflicts()? {
        if open_only && conflict.resolution.is_some() {
            continue;
        }
        let field = field_of(&conflict);
        let enterprise = match (conflict.entity.as_str(), conflict.id.parse()) {
            ("enterprise", Ok(id)) => records::enterprise(tx, id)?,
            _ => None,
        };
        let resolution = conflict.resolution.as_deref().and_then(Resolution::parse);
        out.push(ConflictView {
            record_name: enterprise.as_ref().map(|e| e.name.clone()).unwrap_or_default(),
            current: enterprise.as_ref().zip(field).map(|(e, f)| f.get(e).to_string()),
            field_label: field.map(EnterpriseField::label),
            user_name: name_of(&conflict.user),
            state_label: resolution.map_or_else(|| Text::new("待处理", "open"), Resolution::label),
            resolved_by_name: conflict.resolved_by.as_deref().map(name_of),
            actions: if conflict.resolution.is_none() { vec!["take", "dismiss"] } else { Vec::new() },
            conflict,
        });
    }
    out.sort_by_key(|c| std::cmp::Reverse((c.conflict.at, c.conflict.number)));
    Ok(out)
}

/// Resolves conflict `number` once, as `actor` (the command centre); returns it as stored now.
pub fn resolve(tx: &mut dyn Tx, actor: &Actor, number: u64, req: &Resolve) -> Result<ConflictRow, Failure> {
    capability::require(actor.reach.role, Action::ResolveConflicts).map_err(domain)?;
    let conflict = tx.conflict_by_number(number)?.ok_or_else(|| not_found("conflict"))?;
    if conflict.resolution.is_some() {
        return Err(refuse(RejectCode::InvalidTransition, "this conflict is already resolved"));
    }
    let (Some(field), "enterprise", Ok(id)) = (field_of(&conflict), conflict.entity.as_str(), conflict.id.parse())
    else {
        return Err(refuse(RejectCode::Invalid, format!("cannot resolve a conflict on {}", conflict.entity)));
    };
    let mut enterprise = records::enterprise(tx, id)?
        .filter(|e| actor.reach.covers_enterprise(e))
        .ok_or_else(|| not_found("enterprise"))?;
    let current = field.get(&enterprise).to_string();
    if req.current.as_ref().is_some_and(|seen| *seen != current) {
        return Err(refuse(
            RejectCode::InvalidTransition,
            "the record's value changed since it was shown; reload / 该值已被修改，请刷新",
        ));
    }
    let to = match req.resolution {
        Resolution::Taken => conflict.lost.clone(),
        Resolution::Dismissed => current.clone(),
    };
    if to != current {
        // A new change of the record: devices in scope pull it like any other edit.
        field.set(&mut enterprise, to.clone());
        records::save(tx, &Record::Enterprise(enterprise))?;
    }
    let user = actor.reach.user.id.to_string();
    tx.audit(&AuditRow {
        entity: "enterprise".into(),
        id: conflict.id.clone(),
        action: format!("conflict.{}", req.resolution.as_str()),
        from_state: None,
        to_state: None,
        user: user.clone(),
        device: actor.device.clone(),
        at: actor.now,
        note: format!(
            "{current} → {to} · conflict #{number}, field {}: value kept from {}'s edit",
            conflict.field, conflict.user
        ),
    })?;
    if !tx.resolve_conflict(number, req.resolution.as_str(), &user, actor.now)? {
        return Err(refuse(RejectCode::InvalidTransition, "this conflict is already resolved"));
    }
    tx.conflict_by_number(number)?.ok_or_else(|| not_found("conflict"))
}
