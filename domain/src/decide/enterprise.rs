//! Free-text edits of an enterprise, merged per field: an edit whose `base` is still the current value
//! wins; a stale one loses and its value is kept for the command centre (the platform's conflicts list).

use crate::DomainError;
use crate::bounded;
use crate::capability::{self, Action};
use crate::limits::FIELD_CHARS;
use crate::organisation::{Enterprise, User};
use serde::{Deserialize, Serialize};

/// Free-text enterprise fields a device may edit (merged per field).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EnterpriseField {
    Address,
    LegalRepresentative,
    ContactName,
    ContactPhone,
}

impl EnterpriseField {
    /// The field's current value in `enterprise`.
    pub fn get(self, enterprise: &Enterprise) -> &str {
        match self {
            EnterpriseField::Address => &enterprise.address,
            EnterpriseField::LegalRepresentative => &enterprise.legal_representative,
            EnterpriseField::ContactName => &enterprise.contact.name,
            EnterpriseField::ContactPhone => &enterprise.contact.phone,
        }
    }

    /// Sets the field in `enterprise`.
    pub fn set(self, enterprise: &mut Enterprise, value: String) {
        let slot = match self {
            EnterpriseField::Address => &mut enterprise.address,
            EnterpriseField::LegalRepresentative => &mut enterprise.legal_representative,
            EnterpriseField::ContactName => &mut enterprise.contact.name,
            EnterpriseField::ContactPhone => &mut enterprise.contact.phone,
        };
        *slot = value;
    }

    /// The field's name, for people.
    pub fn label(self) -> crate::text::Text {
        use crate::text::Text;
        match self {
            EnterpriseField::Address => Text::new("地址", "address"),
            EnterpriseField::LegalRepresentative => Text::new("法定代表人", "legal representative"),
            EnterpriseField::ContactName => Text::new("联系人", "contact name"),
            EnterpriseField::ContactPhone => Text::new("联系电话", "contact phone"),
        }
    }
}

/// What an edit decides.
#[derive(Clone, Debug, PartialEq)]
pub enum Edit {
    /// The field already holds the value.
    Unchanged,
    /// The enterprise with the new value.
    Applied(Enterprise),
    /// `base` is stale: the current value stays, the edit's value is kept as the losing one.
    Conflict { current: String, lost: String },
}

/// Decides an edit of `field` from `base` to `value` (trimmed; both at most [`FIELD_CHARS`]).
pub fn edit(
    actor: &User,
    enterprise: &Enterprise,
    field: EnterpriseField,
    base: &str,
    value: &str,
) -> Result<Edit, DomainError> {
    capability::require(actor.role, Action::EditEnterprise)?;
    let value = bounded::text(field.label().en.as_str(), value, FIELD_CHARS)?;
    if base.chars().take(FIELD_CHARS + 1).count() > FIELD_CHARS {
        return Err(DomainError::TooLong { field: "base".into(), max: FIELD_CHARS });
    }
    let current = field.get(enterprise);
    if current == value {
        return Ok(Edit::Unchanged);
    }
    if current != base {
        return Ok(Edit::Conflict { current: current.to_string(), lost: value });
    }
    let mut edited = enterprise.clone();
    field.set(&mut edited, value);
    Ok(Edit::Applied(edited))
}
