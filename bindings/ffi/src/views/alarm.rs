//! Online-monitoring alarms as the alarm list and screen show them.

use super::LocalizedText;
use crate::custom_types::Timestamp;
use crate::photos::PhotoView;
use fieldcheck_core::domain::alarm::{Alarm, AlarmAction, AlarmKind, AlarmState, Averaging, exceedance_multiple};
use fieldcheck_core::domain::finding::Severity;
use fieldcheck_core::store::PlaceNames;
use uuid::Uuid;

#[uniffi::remote(Enum)]
pub enum AlarmKind {
    Exceedance,
    DataMissing,
    ConstantOrZero,
    FacilityAbnormal,
    TotalQuota,
}

#[uniffi::remote(Enum)]
pub enum Averaging {
    Hourly,
    Daily,
}

#[uniffi::remote(Enum)]
pub enum AlarmAction {
    Dispatch,
    Arrive,
    Close,
}

#[uniffi::remote(Enum)]
pub enum AlarmState {
    Raised,
    Dispatched,
    OnSite,
    Closed,
}

/// An alarm about one pollutant at one monitoring point.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AlarmView {
    pub id: Uuid,
    pub enterprise: Uuid,
    pub kind: AlarmKind,
    pub monitoring_point: String,
    pub pollutant: String,
    pub value: f64,
    pub limit: f64,
    pub unit: String,
    pub averaging: Averaging,
    /// 超标倍数, when the value is over a positive limit.
    pub exceedance_multiple: Option<f64>,
    pub level: Severity,
    pub state: AlarmState,
    pub state_label: LocalizedText,
    pub raised_at: Timestamp,
    pub respond_by: Timestamp,
    /// The enterprise's name, when the enterprise is on this device.
    pub enterprise_name: Option<String>,
    pub township_name: Option<String>,
    /// On-site photos taken on this device, in capture order; `sent` once the close cites them.
    pub photos: Vec<PhotoView>,
    /// What the signed-in user may do now (the buttons to show), from the core's rules.
    pub actions: Vec<AlarmAction>,
}

impl AlarmView {
    pub(crate) fn new(
        a: &Alarm,
        names: Option<&PlaceNames>,
        photos: Vec<PhotoView>,
        actions: Vec<AlarmAction>,
    ) -> Self {
        Self {
            id: a.id.0,
            enterprise: a.enterprise.0,
            kind: a.kind,
            monitoring_point: a.monitoring_point.clone(),
            pollutant: a.pollutant.clone(),
            value: a.value,
            limit: a.limit,
            unit: a.unit.clone(),
            averaging: a.averaging,
            exceedance_multiple: exceedance_multiple(a.value, a.limit).filter(|m| *m > 0.0),
            level: a.level,
            state: a.state,
            state_label: (&a.state.label()).into(),
            raised_at: a.raised_at,
            respond_by: a.respond_by,
            enterprise_name: names.map(|n| n.enterprise.clone()),
            township_name: names.and_then(|n| n.township.clone()),
            photos,
            actions,
        }
    }
}
