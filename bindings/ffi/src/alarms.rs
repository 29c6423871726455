//! Alarms dispatched to the user: arrival on site and closing with feedback.

use crate::changes::ChangeKind;
use crate::client::Shared;
use crate::diagnostics::Live;
use crate::error::{FieldcheckError, Result};
use crate::rows::Rows;
use crate::views::AlarmView;
use fieldcheck_core::domain::alarm::Alarm;
use fieldcheck_core::domain::geo::{FixMissing, GeoFix};
use fieldcheck_core::domain::ids::{AlarmId, EvidenceId};
use std::sync::Arc;
use uuid::Uuid;

/// Alarms on this device.
#[derive(uniffi::Object)]
pub struct AlarmsClient {
    shared: Arc<Shared>,
    _live: Live,
}

impl AlarmsClient {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        Self { shared, _live: Live::new() }
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    fn view(&self, alarm: &Alarm) -> Result<AlarmView> {
        Rows::new(&self.shared, [alarm.enterprise])?.alarm(alarm)
    }
}

#[uniffi::export]
impl AlarmsClient {
    /// One alarm, with its on-site photos taken on this device.
    pub fn get(&self, id: Uuid) -> Result<AlarmView> {
        let alarm = self
            .shared
            .store
            .alarm(AlarmId(id))?
            .ok_or_else(|| FieldcheckError::NotFound(format!("alarm {id} is not on this device / 报警不存在")))?;
        self.view(&alarm)
    }

    /// The signed-in officer arrived at the alarm's site; no `location` is recorded as no fix (无定位).
    pub fn arrive(&self, id: Uuid, location: Option<GeoFix>) -> Result<AlarmView> {
        let missing = FixMissing::when_absent(&location);
        let alarm = self.shared.store.alarm_arrive(AlarmId(id), location, missing)?;
        self.shared.changes.changed(ChangeKind::Alarm, Some(id));
        self.view(&alarm)
    }

    /// Closes the alarm with on-site feedback: text, and the ids of photos taken here (`attachPhoto`),
    /// sent sealed with the close.
    pub fn close(&self, id: Uuid, feedback: String, evidence: Vec<Uuid>) -> Result<AlarmView> {
        let evidence = evidence.into_iter().map(EvidenceId).collect();
        let alarm = self.shared.store.alarm_close(AlarmId(id), &feedback, evidence)?;
        self.shared.changes.changed(ChangeKind::Alarm, Some(id));
        self.view(&alarm)
    }
}
