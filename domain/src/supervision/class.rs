//! Enterprise classes (分类监管). The classes are the enterprise's regulatory flags
//! ([`EnterpriseFlags`], stored with every enterprise since the first schema, defaulted when absent),
//! named: one source, so a class cannot disagree with the response limit or the checklists it drives.

use crate::organisation::EnterpriseFlags;
use crate::text::Text;
use serde::{Deserialize, Serialize};

/// A supervision class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EnterpriseClass {
    /// 重点排污单位
    KeyDischarger,
    /// 危险废物重点监管单位
    KeyHazardousWasteUnit,
    /// 危险废物产生单位
    HazardousWasteProducer,
    /// 一般企业: none of the above.
    Ordinary,
}

impl EnterpriseClass {
    /// Every class, most demanding first.
    pub const ALL: [EnterpriseClass; 4] = [
        EnterpriseClass::KeyDischarger,
        EnterpriseClass::KeyHazardousWasteUnit,
        EnterpriseClass::HazardousWasteProducer,
        EnterpriseClass::Ordinary,
    ];

    /// The classes an enterprise with `flags` belongs to, most demanding first; `Ordinary` alone when
    /// no flag is set.
    pub fn of(flags: EnterpriseFlags) -> Vec<EnterpriseClass> {
        let mut out = Vec::new();
        if flags.key_discharger {
            out.push(EnterpriseClass::KeyDischarger);
        }
        if flags.key_hazardous_waste_unit {
            out.push(EnterpriseClass::KeyHazardousWasteUnit);
        }
        if flags.hazardous_waste_producer {
            out.push(EnterpriseClass::HazardousWasteProducer);
        }
        if out.is_empty() {
            out.push(EnterpriseClass::Ordinary);
        }
        out
    }

    pub fn label(self) -> Text {
        match self {
            EnterpriseClass::KeyDischarger => Text::new("重点排污单位", "key pollutant discharger"),
            EnterpriseClass::KeyHazardousWasteUnit => Text::new("危险废物重点监管单位", "key hazardous-waste unit"),
            EnterpriseClass::HazardousWasteProducer => Text::new("危险废物产生单位", "hazardous-waste producer"),
            EnterpriseClass::Ordinary => Text::new("一般企业", "ordinary"),
        }
    }

    /// Points this class adds to the risk index's class term.
    pub fn risk_points(self) -> f64 {
        match self {
            EnterpriseClass::KeyDischarger | EnterpriseClass::KeyHazardousWasteUnit => 2.0,
            EnterpriseClass::HazardousWasteProducer => 1.0,
            EnterpriseClass::Ordinary => 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_flag_is_ordinary_and_flags_name_their_classes() {
        assert_eq!(EnterpriseClass::of(EnterpriseFlags::default()), vec![EnterpriseClass::Ordinary]);
        let flags = EnterpriseFlags { key_discharger: true, hazardous_waste_producer: true, ..Default::default() };
        assert_eq!(
            EnterpriseClass::of(flags),
            vec![EnterpriseClass::KeyDischarger, EnterpriseClass::HazardousWasteProducer]
        );
    }

    #[test]
    fn records_without_flags_still_read() {
        // An enterprise stored before flags existed decodes as ordinary.
        let code = crate::credit_code::CreditCode::complete("91330784MA2E8NNP5").expect("code");
        let json = serde_json::json!({"id": "0190b7a0-0000-7000-8000-000000000001", "name": "x",
            "credit_code": code.as_str(), "township": "0190b7a0-0000-7000-8000-000000000002", "address": ""});
        let e: crate::organisation::Enterprise = serde_json::from_value(json).expect("an old record reads");
        assert_eq!(EnterpriseClass::of(e.flags), vec![EnterpriseClass::Ordinary]);
    }
}
