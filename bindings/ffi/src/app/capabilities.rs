//! The phone's capabilities as callback interfaces the app implements (Kotlin or Swift), adapted to
//! the core's traits (`fieldcheck_core::app::capabilities`). A foreign call that throws is a bug of
//! the adapter; uniffi turns it into a panic the core never sees as data.

use crate::custom_types::Timestamp;
use fieldcheck_core::app::{Capabilities, capabilities as cap};
use fieldcheck_core::domain::geo::GeoFix;
use fieldcheck_core::evidence::upload::Network;
use std::path::PathBuf;
use std::sync::Arc;

/// What the location capability knows now.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum LocationReading {
    /// A fix with its accuracy and the time it was taken.
    Fix { fix: GeoFix, at: Timestamp },
    /// Location allowed but no fix came.
    NoFix,
    /// The person refused location permission.
    PermissionRefused,
}

impl From<LocationReading> for cap::LocationReading {
    fn from(r: LocationReading) -> Self {
        match r {
            LocationReading::Fix { fix, at } => Self::Fix { fix, at },
            LocationReading::NoFix => Self::NoFix,
            LocationReading::PermissionRefused => Self::PermissionRefused,
        }
    }
}

impl From<cap::LocationReading> for LocationReading {
    fn from(r: cap::LocationReading) -> Self {
        match r {
            cap::LocationReading::Fix { fix, at } => Self::Fix { fix, at },
            cap::LocationReading::NoFix => Self::NoFix,
            cap::LocationReading::PermissionRefused => Self::PermissionRefused,
        }
    }
}

/// A photo file the in-app camera wrote.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Shot {
    pub path: String,
    pub taken_at: Timestamp,
}

/// FusedLocationProvider / CoreLocation: the freshest reading at once; updates on while `watch(true)`.
#[uniffi::export(with_foreign)]
pub trait LocationProvider: Send + Sync {
    fn current(&self) -> LocationReading;
    fn watch(&self, on: bool);
}

/// CameraX / AVFoundation: takes a picture with the in-app camera (torch on if asked), or `null` if
/// the person cancelled. Called off the UI thread.
#[uniffi::export(with_foreign)]
pub trait CameraDevice: Send + Sync {
    fn capture(&self, torch: bool) -> Option<Shot>;
}

/// Android Keystore / iOS Keychain: the platform token and the device signing key.
#[uniffi::export(with_foreign)]
pub trait SecureStore: Send + Sync {
    fn load(&self, key: String) -> Option<Vec<u8>>;
    fn save(&self, key: String, value: Vec<u8>);
    fn delete(&self, key: String);
}

/// WorkManager / BGTaskScheduler: the worker it runs calls `AppCore.sync()`.
#[uniffi::export(with_foreign)]
pub trait BackgroundScheduler: Send + Sync {
    fn schedule_periodic_sync(&self, minutes: u32);
    fn sync_soon(&self);
    fn cancel_all(&self);
}

/// ConnectivityManager / NWPathMonitor: the connection now (changes come as `NetworkChanged` events).
#[uniffi::export(with_foreign)]
pub trait ConnectivityMonitor: Send + Sync {
    fn current(&self) -> Network;
}

struct Location(Arc<dyn LocationProvider>);
struct Camera(Arc<dyn CameraDevice>);
pub(crate) struct Secure(pub(crate) Arc<dyn SecureStore>);
struct Background(Arc<dyn BackgroundScheduler>);
struct Connectivity(Arc<dyn ConnectivityMonitor>);

impl cap::Location for Location {
    fn current(&self) -> cap::LocationReading {
        self.0.current().into()
    }
    fn watch(&self, on: bool) {
        self.0.watch(on);
    }
}

impl cap::Camera for Camera {
    fn capture(&self, torch: bool) -> Option<cap::Shot> {
        self.0.capture(torch).map(|s| cap::Shot { path: PathBuf::from(s.path), taken_at: s.taken_at })
    }
}

impl cap::SecureStorage for Secure {
    fn load(&self, key: &str) -> Option<Vec<u8>> {
        self.0.load(key.to_string())
    }
    fn save(&self, key: &str, value: &[u8]) {
        self.0.save(key.to_string(), value.to_vec());
    }
    fn delete(&self, key: &str) {
        self.0.delete(key.to_string());
    }
}

impl cap::BackgroundWork for Background {
    fn schedule_periodic_sync(&self, minutes: u32) {
        self.0.schedule_periodic_sync(minutes);
    }
    fn sync_soon(&self) {
        self.0.sync_soon();
    }
    fn cancel_all(&self) {
        self.0.cancel_all();
    }
}

impl cap::Connectivity for Connectivity {
    fn current(&self) -> Network {
        self.0.current()
    }
}

/// The core's capabilities over the app's implementations.
pub(crate) fn capabilities(
    location: Arc<dyn LocationProvider>,
    camera: Arc<dyn CameraDevice>,
    secure_store: Arc<dyn SecureStore>,
    background: Arc<dyn BackgroundScheduler>,
    connectivity: Arc<dyn ConnectivityMonitor>,
) -> Capabilities {
    Capabilities {
        location: Arc::new(Location(location)),
        camera: Arc::new(Camera(camera)),
        secure_storage: Arc::new(Secure(secure_store)),
        background: Arc::new(Background(background)),
        connectivity: Arc::new(Connectivity(connectivity)),
    }
}
