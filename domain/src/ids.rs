//! Record identifiers: UUIDv7 made on the device, never renamed by the server.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh time-ordered id (UUIDv7).
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    )*};
}

id_type! {
    /// A township or sub-district (镇/街道).
    TownshipId;
    /// An enforcement squadron (执法中队).
    SquadronId;
    /// A person who signs in.
    UserId;
    /// A regulated enterprise.
    EnterpriseId;
    /// One on-site inspection record.
    InspectionId;
    /// A problem found during an inspection.
    FindingId;
    /// A rectification task issued to an enterprise.
    TaskId;
    /// An online-monitoring alarm.
    AlarmId;
    /// A notice sent to an enterprise or township office.
    NoticeId;
    /// A piece of photo evidence.
    EvidenceId;
    /// A device (one installation of the app).
    DeviceId;
    /// One mutation in a device's outbox.
    MutationId;
    /// A double-random draw (双随机).
    DrawId;
    /// One officer's inspection assignment from a draw.
    AssignmentId;
    /// A patrol grid (网格).
    GridId;
}
