//! Location fixes as a phone reports them.

use super::DomainError;
use super::text::Text;
use serde::{Deserialize, Serialize};

/// Why a photo, an arrival or an inspection's start carries no fix: recorded as such, never a silent blank.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FixMissing {
    /// Location was allowed but no fix came.
    NoFix,
    /// The person refused location permission.
    PermissionRefused,
}

impl FixMissing {
    /// Why `fix` is absent when the caller gave no reason: no fix came. (Only a caller that reads the
    /// permission, the app core, can say it was refused.)
    pub fn when_absent(fix: &Option<GeoFix>) -> Option<Self> {
        fix.is_none().then_some(Self::NoFix)
    }

    /// How a record says it, Chinese first.
    pub fn text(self) -> Text {
        match self {
            Self::NoFix => Text::new("无定位", "no fix"),
            Self::PermissionRefused => Text::new("拒绝定位", "location permission refused"),
        }
    }
}

/// A GPS fix: WGS-84 degrees plus the horizontal accuracy the receiver claims.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GeoFix {
    pub lat: f64,
    pub lon: f64,
    /// Radius of 68% confidence, in metres.
    pub accuracy_m: f64,
}

impl GeoFix {
    /// Checks ranges so a garbled fix is refused instead of stored.
    pub fn new(lat: f64, lon: f64, accuracy_m: f64) -> Result<Self, DomainError> {
        let fix = Self { lat, lon, accuracy_m };
        fix.validate()?;
        Ok(fix)
    }

    pub fn validate(&self) -> Result<(), DomainError> {
        let ok = self.lat.is_finite()
            && self.lon.is_finite()
            && self.accuracy_m.is_finite()
            && (-90.0..=90.0).contains(&self.lat)
            && (-180.0..=180.0).contains(&self.lon)
            && self.accuracy_m >= 0.0;
        if ok {
            Ok(())
        } else {
            Err(DomainError::InvalidLocation { lat: self.lat, lon: self.lon, accuracy_m: self.accuracy_m })
        }
    }
}
