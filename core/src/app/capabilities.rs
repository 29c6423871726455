//! What the app core asks of the phone: each capability is a trait the app implements with the
//! platform's own API (Android: FusedLocationProvider, CameraX, Keystore, WorkManager,
//! ConnectivityManager; iOS: CoreLocation, AVFoundation, Keychain, BGTaskScheduler, NWPathMonitor).
//! The FFI crate exposes them as callback interfaces; `doubles` has one test double for each.

use crate::domain::geo::GeoFix;
use crate::evidence::upload::Network;
use chrono::{DateTime, Utc};
use std::path::PathBuf;
use std::sync::Arc;

/// What the location capability knows right now. A missing fix is a fact worth recording too.
#[derive(Clone, Debug, PartialEq)]
pub enum LocationReading {
    Fix {
        fix: GeoFix,
        at: DateTime<Utc>,
    },
    /// Permission is given but no fix came (indoors, cold start).
    NoFix,
    /// The person refused location permission.
    PermissionRefused,
}

/// Where the device is. `current` answers at once with the freshest reading the app holds; `watch`
/// turns updates on while an on-site screen is open (the battery matters on a night shift).
pub trait Location: Send + Sync {
    fn current(&self) -> LocationReading;
    fn watch(&self, on: bool);
}

/// A photo file the in-app camera wrote.
#[derive(Clone, Debug, PartialEq)]
pub struct Shot {
    pub path: PathBuf,
    pub taken_at: DateTime<Utc>,
}

/// The in-app camera (evidence comes from it, never from the photo library). `capture` takes a picture
/// with the camera the app shows and returns its file, or `None` if the person cancelled.
pub trait Camera: Send + Sync {
    fn capture(&self, torch: bool) -> Option<Shot>;
}

/// Small secrets kept by the phone's secure hardware (Keystore, Keychain): the platform token and the
/// device's signing key, so a restart resumes by itself.
pub trait SecureStorage: Send + Sync {
    fn load(&self, key: &str) -> Option<Vec<u8>>;
    fn save(&self, key: &str, value: &[u8]);
    fn delete(&self, key: &str);
}

/// Work the OS runs for the app when it is not on screen.
pub trait BackgroundWork: Send + Sync {
    /// Sync every `minutes` while signed in (WorkManager periodic work / BGAppRefreshTask).
    fn schedule_periodic_sync(&self, minutes: u32);
    /// Sync as soon as a network is available (expedited, network-constrained work).
    fn sync_soon(&self);
    /// Nothing to run any more (signed out).
    fn cancel_all(&self);
}

/// The phone's connection as it is now (changes arrive as `Event::NetworkChanged`).
pub trait Connectivity: Send + Sync {
    fn current(&self) -> Network;
}

/// The capabilities the core runs with.
#[derive(Clone)]
pub struct Capabilities {
    pub location: Arc<dyn Location>,
    pub camera: Arc<dyn Camera>,
    pub secure_storage: Arc<dyn SecureStorage>,
    pub background: Arc<dyn BackgroundWork>,
    pub connectivity: Arc<dyn Connectivity>,
}
