//! Hooks for the bindings' own tests and benchmarks: a count of live API objects (to prove the
//! foreign side releases what it creates) and a trivial call (to time the crossing itself).

use std::sync::atomic::{AtomicU64, Ordering};

static LIVE: AtomicU64 = AtomicU64::new(0);

/// Held by every object handed to the app; counts itself while alive.
#[derive(Debug)]
pub(crate) struct Live(());

impl Live {
    pub(crate) fn new() -> Self {
        LIVE.fetch_add(1, Ordering::Relaxed);
        Live(())
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, Ordering::Relaxed);
    }
}

/// How many API objects (clients, sub-clients, subscription handles) are alive right now.
#[uniffi::export]
pub fn live_objects() -> u64 {
    LIVE.load(Ordering::Relaxed)
}

/// Returns the number of characters of `text`: the cheapest read that still crosses with data, used to
/// measure per-call overhead.
#[uniffi::export]
pub fn echo_length(text: String) -> u32 {
    u32::try_from(text.chars().count()).unwrap_or(u32::MAX)
}
