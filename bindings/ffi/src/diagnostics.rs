//! Hooks for the bindings' own tests and benchmarks: counts of live API objects (to prove the
//! foreign side releases what it creates) and a trivial call (to time the crossing itself).

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

static LIVE: AtomicU64 = AtomicU64::new(0);
/// The creation number of the next object.
static CREATED: AtomicU64 = AtomicU64::new(0);
/// The creation numbers of the objects alive now: a test counts only those made after its mark, so an
/// object another test left to the garbage collector, freed meanwhile, does not change its count.
static ALIVE: Mutex<BTreeSet<u64>> = Mutex::new(BTreeSet::new());

/// Held by every object handed to the app; counts itself while alive.
#[derive(Debug)]
pub(crate) struct Live(u64);

impl Live {
    pub(crate) fn new() -> Self {
        LIVE.fetch_add(1, Ordering::Relaxed);
        let number = CREATED.fetch_add(1, Ordering::Relaxed);
        alive().insert(number);
        Live(number)
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        alive().remove(&self.0);
        LIVE.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Taken by every unit test here that makes API objects: the counts are process-wide, so a test counting
/// from a mark must not run beside another that makes objects meanwhile.
#[cfg(test)]
pub(crate) static MAKES_OBJECTS: Mutex<()> = Mutex::new(());

fn alive() -> std::sync::MutexGuard<'static, BTreeSet<u64>> {
    // A set of numbers cannot be left half-changed by a panic: a poisoned lock is still sound.
    ALIVE.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// How many API objects (clients, sub-clients, subscription handles, and the app's listeners Rust still
/// holds) are alive right now, in the whole process.
#[uniffi::export]
pub fn live_objects() -> u64 {
    LIVE.load(Ordering::Relaxed)
}

/// A mark to count from: [`live_objects_since`] counts only objects created after it.
#[uniffi::export]
pub fn object_mark() -> u64 {
    CREATED.load(Ordering::Relaxed)
}

/// How many API objects created since `mark` (from [`object_mark`]) are still alive.
#[uniffi::export]
pub fn live_objects_since(mark: u64) -> u64 {
    alive().range(mark..).count() as u64
}

/// Returns the number of characters of `text`: the cheapest read that still crosses with data, used to
/// measure per-call overhead.
#[uniffi::export]
pub fn echo_length(text: String) -> u32 {
    u32::try_from(text.chars().count()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mark_counts_only_the_objects_created_after_it() {
        let _alone = MAKES_OBJECTS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let older = Live::new();
        let mark = object_mark();
        let newer = Live::new();
        assert_eq!(live_objects_since(mark), 1);
        // An object from before the mark going away does not change the count.
        drop(older);
        assert_eq!(live_objects_since(mark), 1);
        drop(newer);
        assert_eq!(live_objects_since(mark), 0);
    }
}
