//! What rows and screens show beside a record's ids: the enterprise's and township's names, photos
//! with their thumbnails. Read from the store (names in one query per list), then converted.

use crate::client::Shared;
use crate::error::Result;
use crate::photos::PhotoView;
use crate::photos::photo_view;
use crate::views::{AlarmView, InspectionSummary, TaskView};
use fieldcheck_core::domain::alarm::Alarm;
use fieldcheck_core::domain::ids::{EnterpriseId, TaskId};
use fieldcheck_core::domain::inspection::Inspection;
use fieldcheck_core::domain::organisation::Role;
use fieldcheck_core::domain::rectification::RectificationTask;
use fieldcheck_core::evidence::Case;
use fieldcheck_core::store::PlaceNames;
use std::collections::BTreeMap;

/// Names of the enterprises a list refers to, loaded once for the whole list.
pub(crate) struct Rows<'a> {
    shared: &'a Shared,
    names: BTreeMap<EnterpriseId, PlaceNames>,
    /// The signed-in user's role, for the actions an alarm offers.
    role: Option<Role>,
}

impl<'a> Rows<'a> {
    /// Loads the names of `enterprises` (those on this device).
    pub(crate) fn new(shared: &'a Shared, enterprises: impl IntoIterator<Item = EnterpriseId>) -> Result<Self> {
        let role = shared.store.session()?.map(|s| s.user.role);
        Ok(Self { shared, names: shared.store.place_names(enterprises)?, role })
    }

    fn names(&self, id: EnterpriseId) -> Option<&PlaceNames> {
        self.names.get(&id)
    }

    fn thumbnail(&self, case: Case) -> Result<Option<String>> {
        let blobs = self.shared.ingestor.blobs();
        Ok(self.shared.store.latest_thumbnail(case)?.map(|t| blobs.path(&t.sha256).display().to_string()))
    }

    /// A task row: names, and the thumbnail of its latest photo on this device.
    pub(crate) fn task(&self, task: &RectificationTask, overdue: bool) -> Result<TaskView> {
        let thumbnail = self.thumbnail(Case::Task(task.id))?;
        Ok(TaskView::new(task, overdue, self.names(task.enterprise), thumbnail))
    }

    /// An alarm with its on-site photos taken on this device and what the user may do with it now.
    pub(crate) fn alarm(&self, alarm: &Alarm) -> Result<AlarmView> {
        let photos = case_photos(self.shared, Case::Alarm(alarm.id))?;
        let actions = self.role.map(|role| alarm.actions_for(role)).unwrap_or_default();
        Ok(AlarmView::new(alarm, self.names(alarm.enterprise), photos, actions))
    }

    /// An inspection row: names, and the thumbnail of its latest photo.
    pub(crate) fn inspection(&self, inspection: &Inspection) -> Result<InspectionSummary> {
        let thumbnail = self.thumbnail(Case::Inspection(inspection.id))?;
        Ok(InspectionSummary::new(inspection, self.names(inspection.enterprise), thumbnail))
    }
}

/// The photos of a task or alarm taken on this device, in capture order.
pub(crate) fn case_photos(shared: &Shared, case: Case) -> Result<Vec<PhotoView>> {
    Ok(shared.store.case_photos(case)?.iter().map(|p| photo_view(shared, &p.record, p.cited)).collect())
}

/// A task's photos: those taken here, then those fetched from the platform (taken on another device).
pub(crate) fn task_photos(shared: &Shared, task: TaskId) -> Result<Vec<PhotoView>> {
    let mut photos = case_photos(shared, Case::Task(task))?;
    let blobs = shared.ingestor.blobs();
    photos.extend(shared.store.fetched_photos(task)?.into_iter().map(|f| PhotoView {
        evidence: f.photo.evidence.0,
        sha256: f.photo.original.to_hex(),
        width: f.width,
        height: f.height,
        thumbnail_path: blobs.path(&f.thumbnail).display().to_string(),
        taken_at: f.photo.taken_at,
        watermark_missing_glyphs: String::new(),
        sent: true,
        // A step names its photos without their source; the platform's record keeps it.
        imported: false,
    }));
    Ok(photos)
}
