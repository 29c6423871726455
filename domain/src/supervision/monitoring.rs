//! Monitoring points (监测点位) and exact exceedance: an enterprise's outlets as the monitoring side names
//! them (code, name, the limit of each pollutant), and the exceedance multiple computed in decimal, so
//! 0.56 over 0.5 is exactly 0.12, never 0.1200000000000001.

use crate::DomainError;
use crate::alarm::Averaging;
use crate::bounded;
use crate::ids::EnterpriseId;
use crate::limits::{LABEL_CHARS, MONITORING_POINTS, POINT_POLLUTANTS};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::str::FromStr;

/// Decimal places an exceedance multiple is shown with.
pub const SHOWN_PLACES: u32 = 2;

/// The limit one pollutant has at a point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PollutantLimit {
    /// As the monitoring side names it, e.g. `总磷` or `TP`.
    pub pollutant: String,
    /// Exact, e.g. `"0.5"`.
    pub limit: Decimal,
    pub unit: String,
    pub averaging: Averaging,
}

/// An enterprise's monitoring point (排放口).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonitoringPoint {
    /// The monitoring side's code, unique within the enterprise, e.g. `DW001`.
    pub code: String,
    pub name: String,
    pub limits: Vec<PollutantLimit>,
}

/// An enterprise's points, as stored and replaced together.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonitoringPoints {
    pub enterprise: EnterpriseId,
    pub points: Vec<MonitoringPoint>,
}

impl MonitoringPoints {
    /// Checks raw points: bounded labels, distinct codes, distinct pollutants per point, limits above zero.
    pub fn new(enterprise: EnterpriseId, points: Vec<MonitoringPoint>) -> Result<Self, DomainError> {
        bounded::count("monitoring points", points.len(), MONITORING_POINTS)?;
        let mut codes = HashSet::new();
        let mut out = Vec::with_capacity(points.len());
        for p in points {
            let code = bounded::required_text("code", &p.code, LABEL_CHARS)?;
            if !codes.insert(code.clone()) {
                return Err(DomainError::Duplicate { what: format!("monitoring point {code}") });
            }
            bounded::count("pollutant limits", p.limits.len(), POINT_POLLUTANTS)?;
            let mut pollutants = HashSet::new();
            let mut limits = Vec::with_capacity(p.limits.len());
            for l in p.limits {
                let pollutant = bounded::required_text("pollutant", &l.pollutant, LABEL_CHARS)?;
                if !pollutants.insert(pollutant.clone()) {
                    return Err(DomainError::Duplicate { what: format!("pollutant {pollutant} at {code}") });
                }
                if l.limit <= Decimal::ZERO {
                    return Err(DomainError::Invalid {
                        field: "limit".into(),
                        reason: "must be above zero / 限值须大于零".into(),
                    });
                }
                limits.push(PollutantLimit {
                    pollutant,
                    limit: l.limit,
                    unit: bounded::text("unit", &l.unit, LABEL_CHARS)?,
                    averaging: l.averaging,
                });
            }
            out.push(MonitoringPoint { code, name: bounded::text("name", &p.name, LABEL_CHARS)?, limits });
        }
        Ok(MonitoringPoints { enterprise, points: out })
    }

    /// The point with `code`.
    pub fn point(&self, code: &str) -> Option<&MonitoringPoint> {
        self.points.iter().find(|p| p.code == code.trim())
    }
}

impl MonitoringPoint {
    /// The limit of `pollutant` here.
    pub fn limit(&self, pollutant: &str) -> Option<&PollutantLimit> {
        self.limits.iter().find(|l| l.pollutant == pollutant.trim())
    }
}

/// A wire number as the decimal it was written as: serde_json writes and reads an f64 in its shortest
/// round-trip form, so `0.56` is the decimal 0.56, not the binary fraction nearest to it.
pub fn decimal_of(x: f64) -> Option<Decimal> {
    if !x.is_finite() {
        return None;
    }
    Decimal::from_str(&x.to_string()).or_else(|_| Decimal::from_scientific(&format!("{x:e}"))).ok()
}

/// A decimal as the wire's f64: the nearest binary value, whose shortest form is the decimal's digits
/// (up to 15 significant digits), so [`decimal_of`] gives it back.
pub fn wire_number(d: Decimal) -> f64 {
    d.to_string().parse().unwrap_or(f64::NAN)
}

/// 超标倍数, exactly: (measured − limit) / limit; `None` when the limit is not above zero.
pub fn exceedance(value: Decimal, limit: Decimal) -> Option<Decimal> {
    (limit > Decimal::ZERO).then(|| (value - limit).checked_div(limit)).flatten().map(|m| m.normalize())
}

/// The multiple rounded half away from zero to [`SHOWN_PLACES`], trailing zeros dropped.
pub fn rounded(multiple: Decimal) -> Decimal {
    multiple.round_dp_with_strategy(SHOWN_PLACES, rust_decimal::RoundingStrategy::MidpointAwayFromZero).normalize()
}

/// The multiple as shown: [`rounded`], as text ("0.12", "1.5").
pub fn shown(multiple: Decimal) -> String {
    rounded(multiple).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn total_phosphorus_is_exactly_0_12() {
        let m = exceedance(decimal_of(0.56).unwrap(), decimal_of(0.5).unwrap()).unwrap();
        assert_eq!(m, d("0.12"));
        assert_eq!(shown(m), "0.12");
        assert_eq!(serde_json::to_string(&m).unwrap(), "\"0.12\"");
        assert_eq!(shown(exceedance(d("0.6"), d("0.5")).unwrap()), "0.2");
        assert_eq!(shown(exceedance(d("1"), d("3")).unwrap()), "-0.67");
        assert_eq!(exceedance(d("1"), Decimal::ZERO), None);
        assert_eq!(decimal_of(1e-7), Some(d("0.0000001")));
        assert_eq!(decimal_of(f64::NAN), None);
        assert_eq!(decimal_of(wire_number(d("0.5"))), Some(d("0.5")));
    }

    #[test]
    fn limits_read_from_strings_and_numbers_and_write_as_strings() {
        let s: PollutantLimit =
            serde_json::from_str(r#"{"pollutant":"COD","limit":"40","unit":"mg/L","averaging":"daily"}"#).unwrap();
        let n: PollutantLimit =
            serde_json::from_str(r#"{"pollutant":"COD","limit":0.5,"unit":"mg/L","averaging":"daily"}"#).unwrap();
        assert_eq!((s.limit, n.limit), (d("40"), d("0.5")));
        assert_eq!(serde_json::to_value(&n).unwrap()["limit"], "0.5");
    }

    #[test]
    fn points_are_checked() {
        let e = EnterpriseId::new();
        let limit = |p: &str| PollutantLimit {
            pollutant: p.into(),
            limit: d("0.5"),
            unit: "mg/L".into(),
            averaging: Averaging::Daily,
        };
        let point = |code: &str, limits| MonitoringPoint { code: code.into(), name: "总排口".into(), limits };
        let ok = MonitoringPoints::new(e, vec![point("DW001", vec![limit("总磷"), limit("COD")])]).unwrap();
        assert_eq!(ok.point(" DW001").and_then(|p| p.limit("总磷")).map(|l| l.limit), Some(d("0.5")));
        assert!(MonitoringPoints::new(e, vec![point("DW001", vec![]), point("DW001", vec![])]).is_err());
        assert!(MonitoringPoints::new(e, vec![point("DW001", vec![limit("TP"), limit("TP")])]).is_err());
        let zero = PollutantLimit { limit: Decimal::ZERO, ..limit("TP") };
        assert!(MonitoringPoints::new(e, vec![point("DW001", vec![zero])]).is_err());
    }

    proptest! {
        #[test]
        fn wire_numbers_read_back_as_written(cents in 0i64..10_000_000, limit_cents in 1i64..1_000_000) {
            // A value typed with two decimals comes out of the f64 as exactly those digits.
            let v = Decimal::new(cents, 2);
            let x: f64 = v.to_string().parse().unwrap();
            prop_assert_eq!(decimal_of(x).unwrap(), v.normalize());
            let l = Decimal::new(limit_cents, 2);
            let m = exceedance(v, l).unwrap();
            prop_assert!((m * l + l - v).abs() < Decimal::new(1, 20), "{m} × {l} + {l} ≠ {v}");
        }
    }
}
