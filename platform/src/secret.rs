//! Comparing secrets: the one place the platform checks a presented secret (the monitoring API key)
//! against a configured one, in constant time, so response timing reveals nothing about how much of a
//! guess was right. Device tokens are never compared: they are looked up by their SHA-256.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Whether `presented` equals `expected`. Both are hashed first, so neither the content nor the length
/// of the expected secret shows in the time taken.
pub fn matches(presented: &[u8], expected: &[u8]) -> bool {
    let (a, b) = (Sha256::digest(presented), Sha256::digest(expected));
    a.as_slice().ct_eq(b.as_slice()).into()
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn equal_secrets_match_and_others_do_not() {
        assert!(matches(b"demo-monitoring-key", b"demo-monitoring-key"));
        assert!(!matches(b"demo-monitoring-kez", b"demo-monitoring-key"));
        assert!(!matches(b"demo", b"demo-monitoring-key"));
        assert!(!matches(b"", b"demo-monitoring-key"));
    }
}
