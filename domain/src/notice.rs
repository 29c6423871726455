//! Notices (通知): the minor end of three-level linkage, sent to an enterprise and its township office.

use super::ids::{AlarmId, EnterpriseId, FindingId, NoticeId, TownshipId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What a notice is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum NoticeSubject {
    Finding(FindingId),
    Alarm(AlarmId),
}

/// A notice to an enterprise, copied to its township office.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notice {
    pub id: NoticeId,
    pub enterprise: EnterpriseId,
    pub township: TownshipId,
    pub subject: NoticeSubject,
    pub message: String,
    pub sent_at: DateTime<Utc>,
    /// Set when the enterprise has read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_at: Option<DateTime<Utc>>,
}
