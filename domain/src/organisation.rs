//! Who is who: townships, squadrons, users with roles and scope, and regulated enterprises.

use super::credit_code::CreditCode;
use super::geo::GeoFix;
use super::ids::{EnterpriseId, SquadronId, TownshipId, UserId};
use serde::{Deserialize, Serialize};

/// A township or sub-district (镇/街道) with its eco office.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Township {
    pub id: TownshipId,
    /// Administrative division code, e.g. `330784001`.
    pub code: String,
    pub name: String,
}

/// An enforcement squadron (执法中队) and the townships it covers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Squadron {
    pub id: SquadronId,
    pub name: String,
    pub townships: Vec<TownshipId>,
}

/// What a user does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 执法人员: runs inspections, issues and accepts rectification.
    Officer,
    /// 乡镇/街道生态所: grid patrols, minor alarms, small follow-ups.
    Township,
    /// 企业: answers its own tasks and notices.
    Enterprise,
    /// 指挥中心: grades and dispatches alarms, watches deadlines.
    Commander,
}

/// What part of the county a user may see and act on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scope {
    /// The whole county (command centre).
    County,
    /// An officer's squadron: its townships, plus whatever is assigned to the officer.
    Squadron { squadron: SquadronId },
    /// A township office's townships.
    Townships { townships: Vec<TownshipId> },
    /// One enterprise's own records.
    Enterprise { enterprise: EnterpriseId },
}

/// A person who signs in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: UserId,
    pub login: String,
    pub name: String,
    pub role: Role,
    pub scope: Scope,
    /// 执法证号, for officers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_no: Option<String>,
}

/// Regulatory flags that change how an enterprise is treated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnterpriseFlags {
    /// 重点排污单位: shorter alarm response limits.
    pub key_discharger: bool,
    /// 危险废物产生单位.
    pub hazardous_waste_producer: bool,
    /// 危险废物重点监管单位: CCTV retention and other stricter items apply.
    pub key_hazardous_waste_unit: bool,
}

impl EnterpriseFlags {
    /// A key unit gets the short alarm-response limit.
    pub fn is_key_unit(self) -> bool {
        self.key_discharger || self.key_hazardous_waste_unit
    }
}

/// Who to reach at an enterprise.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contact {
    pub name: String,
    pub phone: String,
}

/// A regulated enterprise.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Enterprise {
    pub id: EnterpriseId,
    pub name: String,
    pub credit_code: CreditCode,
    pub township: TownshipId,
    pub address: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<GeoFix>,
    /// 法定代表人(负责人).
    #[serde(default)]
    pub legal_representative: String,
    #[serde(default)]
    pub contact: Contact,
    #[serde(default)]
    pub flags: EnterpriseFlags,
}
