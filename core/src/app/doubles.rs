//! Test doubles of the phone's capabilities: what the core's tests (and the FFI crate's, and the
//! night-check flow against a live platform) run the app core with. Each one records what the core
//! asked of it.

use super::capabilities::{
    BackgroundWork, Camera, Capabilities, Connectivity, Location, LocationReading, SecureStorage, Shot,
};
use crate::evidence::upload::Network;
use chrono::Utc;
use image::{ImageFormat, Rgb, RgbImage};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A location that answers with whatever the test set.
pub struct FakeLocation {
    pub reading: Mutex<LocationReading>,
    pub watching: AtomicBool,
}

impl Location for FakeLocation {
    fn current(&self) -> LocationReading {
        lock(&self.reading).clone()
    }
    fn watch(&self, on: bool) {
        self.watching.store(on, Ordering::SeqCst);
    }
}

/// A camera that "takes" a generated JPEG into `folder` at each press (or is cancelled once).
pub struct FakeCamera {
    pub folder: PathBuf,
    pub taken: AtomicUsize,
    pub cancel_next: AtomicBool,
    pub torch_asked: AtomicBool,
}

impl Camera for FakeCamera {
    fn capture(&self, torch: bool) -> Option<Shot> {
        self.torch_asked.fetch_or(torch, Ordering::SeqCst);
        if self.cancel_next.swap(false, Ordering::SeqCst) {
            return None;
        }
        let n = self.taken.fetch_add(1, Ordering::SeqCst);
        let path = self.folder.join(format!("shot-{n}.jpg"));
        // A different picture each time and on every phone (the platform refuses one blob cited as
        // evidence of two cases): the first row carries a fresh random id.
        let salt = uuid::Uuid::now_v7().into_bytes();
        let shade = u8::try_from(n % 200).unwrap_or(0);
        let image = RgbImage::from_fn(320, 240, |x, y| {
            let mark = if y < 8 { salt[(x / 20) as usize % 16] } else { shade };
            Rgb([(x % 256) as u8, (y % 256) as u8, mark])
        });
        image.save_with_format(&path, ImageFormat::Jpeg).ok()?;
        Some(Shot { path, taken_at: Utc::now() })
    }
}

/// Secure storage in memory (survives "restarts" of the core within a test when shared).
#[derive(Default)]
pub struct MemorySecureStorage {
    pub values: Mutex<HashMap<String, Vec<u8>>>,
}

impl SecureStorage for MemorySecureStorage {
    fn load(&self, key: &str) -> Option<Vec<u8>> {
        lock(&self.values).get(key).cloned()
    }
    fn save(&self, key: &str, value: &[u8]) {
        lock(&self.values).insert(key.to_string(), value.to_vec());
    }
    fn delete(&self, key: &str) {
        lock(&self.values).remove(key);
    }
}

/// Background work that only counts what was asked.
#[derive(Default)]
pub struct RecordingBackground {
    pub periodic_minutes: Mutex<Option<u32>>,
    pub syncs_asked: AtomicUsize,
    pub cancelled: AtomicBool,
}

impl BackgroundWork for RecordingBackground {
    fn schedule_periodic_sync(&self, minutes: u32) {
        *lock(&self.periodic_minutes) = Some(minutes);
        self.cancelled.store(false, Ordering::SeqCst);
    }
    fn sync_soon(&self) {
        self.syncs_asked.fetch_add(1, Ordering::SeqCst);
    }
    fn cancel_all(&self) {
        *lock(&self.periodic_minutes) = None;
        self.cancelled.store(true, Ordering::SeqCst);
    }
}

/// A connection the test switches.
pub struct FakeConnectivity {
    pub network: Mutex<Network>,
}

impl Connectivity for FakeConnectivity {
    fn current(&self) -> Network {
        *lock(&self.network)
    }
}

/// One of each, kept by the test to look at and steer.
pub struct Doubles {
    pub location: Arc<FakeLocation>,
    pub camera: Arc<FakeCamera>,
    pub secure_storage: Arc<MemorySecureStorage>,
    pub background: Arc<RecordingBackground>,
    pub connectivity: Arc<FakeConnectivity>,
}

impl Doubles {
    /// A phone with no fix yet, online on mobile data, whose camera writes into `camera_folder`.
    pub fn new(camera_folder: impl Into<PathBuf>) -> Self {
        Self {
            location: Arc::new(FakeLocation {
                reading: Mutex::new(LocationReading::NoFix),
                watching: AtomicBool::new(false),
            }),
            camera: Arc::new(FakeCamera {
                folder: camera_folder.into(),
                taken: AtomicUsize::new(0),
                cancel_next: AtomicBool::new(false),
                torch_asked: AtomicBool::new(false),
            }),
            secure_storage: Arc::new(MemorySecureStorage::default()),
            background: Arc::new(RecordingBackground::default()),
            connectivity: Arc::new(FakeConnectivity { network: Mutex::new(Network::Metered) }),
        }
    }

    pub fn capabilities(&self) -> Capabilities {
        Capabilities {
            location: self.location.clone(),
            camera: self.camera.clone(),
            secure_storage: self.secure_storage.clone(),
            background: self.background.clone(),
            connectivity: self.connectivity.clone(),
        }
    }

    pub fn set_location(&self, reading: LocationReading) {
        *lock(&self.location.reading) = reading;
    }

    pub fn set_network(&self, network: Network) {
        *lock(&self.connectivity.network) = network;
    }

    pub fn syncs_asked(&self) -> usize {
        self.background.syncs_asked.load(Ordering::SeqCst)
    }
}
