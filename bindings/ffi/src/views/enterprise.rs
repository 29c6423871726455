//! Enterprises and users as lists and headers show them.

use fieldcheck_core::domain::geo::GeoFix;
use fieldcheck_core::domain::organisation::{Enterprise, Role, Scope, User};
use uuid::Uuid;

#[uniffi::remote(Record)]
pub struct GeoFix {
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: f64,
}

#[uniffi::remote(Enum)]
pub enum Role {
    Officer,
    Township,
    Enterprise,
    Commander,
}

/// A regulated enterprise.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct EnterpriseView {
    pub id: Uuid,
    pub name: String,
    /// 统一社会信用代码
    pub credit_code: String,
    pub township: Uuid,
    pub address: String,
    pub location: Option<GeoFix>,
    pub legal_representative: String,
    pub contact_name: String,
    pub contact_phone: String,
    /// A key unit (重点排污单位 or 危废重点监管单位): shorter response limits apply.
    pub key_unit: bool,
    pub hazardous_waste_producer: bool,
}

impl From<Enterprise> for EnterpriseView {
    fn from(e: Enterprise) -> Self {
        Self {
            id: e.id.0,
            name: e.name,
            credit_code: e.credit_code.to_string(),
            township: e.township.0,
            address: e.address,
            location: e.location,
            legal_representative: e.legal_representative,
            contact_name: e.contact.name,
            contact_phone: e.contact.phone,
            key_unit: e.flags.is_key_unit(),
            hazardous_waste_producer: e.flags.hazardous_waste_producer,
        }
    }
}

/// The signed-in user.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct UserView {
    pub id: Uuid,
    pub login: String,
    pub name: String,
    pub role: Role,
    /// 执法证号, for officers.
    pub certificate_no: Option<String>,
    /// The enterprise an enterprise account speaks for.
    pub enterprise: Option<Uuid>,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        let enterprise = match u.scope {
            Scope::Enterprise { enterprise } => Some(enterprise.0),
            Scope::County | Scope::Squadron { .. } | Scope::Townships { .. } => None,
        };
        Self { id: u.id.0, login: u.login, name: u.name, role: u.role, certificate_no: u.certificate_no, enterprise }
    }
}
