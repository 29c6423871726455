//! Retry delays: exponential with full jitter, so a county's phones coming back online at once do not
//! hammer the platform in step.

use std::time::Duration;

/// How often and how patiently to retry a transient failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    pub attempts: u32,
    pub base: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff { attempts: 5, base: Duration::from_millis(500), max: Duration::from_secs(30) }
    }
}

impl Backoff {
    /// The pause before retry number `retry` (0-based): uniform in [0, min(max, base · 2^retry)].
    pub fn delay(&self, retry: u32) -> Duration {
        let ceiling = self.base.saturating_mul(1u32.checked_shl(retry.min(16)).unwrap_or(u32::MAX)).min(self.max);
        let mut bytes = [0u8; 8];
        // Without randomness, the full delay is still a correct (if less spread) backoff.
        let fraction = match getrandom::fill(&mut bytes) {
            Ok(()) => (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64,
            Err(_) => 1.0,
        };
        ceiling.mul_f64(fraction)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_stay_under_a_doubling_ceiling_capped_at_max() {
        let b = Backoff { attempts: 10, base: Duration::from_millis(100), max: Duration::from_secs(2) };
        for retry in 0..12 {
            let ceiling = Duration::from_millis(100 * (1 << retry.min(16))).min(Duration::from_secs(2));
            for _ in 0..50 {
                assert!(b.delay(retry) <= ceiling);
            }
        }
        // Jitter: not every delay is the same.
        let spread: std::collections::BTreeSet<_> = (0..20).map(|_| b.delay(5)).collect();
        assert!(spread.len() > 1);
    }
}
