//! Login throttling per client address, beside the per-login lockout in `auth`: a password-spraying
//! attacker who tries one password on many logins never trips a per-login lockout, but all those
//! failures come from one address. Kept in memory per process (a restart forgives), bounded in size.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failed logins an address may make before it is slowed down (an office behind one NAT shares it);
/// the last of them starts a 1 s lock.
pub const FREE_FAILURES: u32 = 10;
/// An address's failures are forgotten this long after its last one.
const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);
/// Addresses tracked at most; beyond it the quiet ones are dropped first.
const MAX_TRACKED: usize = 100_000;

#[derive(Clone, Copy, Debug)]
struct Entry {
    failures: u32,
    last: Instant,
    locked_until: Option<Instant>,
}

/// Failed logins by client address.
#[derive(Debug, Default)]
pub struct IpThrottle {
    by_address: Mutex<HashMap<IpAddr, Entry>>,
}

/// The key of an address: IPv6 hosts get a whole /64, so one attacker cannot rotate through it.
fn key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        v4 => v4,
    }
}

impl IpThrottle {
    /// `Err(wait)` while `ip` is locked out.
    pub fn check(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        let map = self.by_address.lock().unwrap_or_else(|p| p.into_inner());
        match map.get(&key(ip)).and_then(|e| e.locked_until) {
            Some(until) if until > now => Err(until - now),
            _ => Ok(()),
        }
    }

    /// Counts a failed login from `ip`; locks it once past the free failures, doubling each time.
    pub fn failed(&self, ip: IpAddr, now: Instant) {
        let mut map = self.by_address.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_TRACKED {
            map.retain(|_, e| now.duration_since(e.last) < FORGET_AFTER);
        }
        let entry = map.entry(key(ip)).or_insert(Entry { failures: 0, last: now, locked_until: None });
        if now.duration_since(entry.last) >= FORGET_AFTER {
            *entry = Entry { failures: 0, last: now, locked_until: None };
        }
        entry.failures = entry.failures.saturating_add(1);
        entry.last = now;
        entry.locked_until =
            crate::auth::delay_after(entry.failures, FREE_FAILURES).and_then(|d| d.to_std().ok()).map(|d| now + d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_locked_after_its_free_failures_and_forgiven_later() {
        let t = IpThrottle::default();
        let ip: IpAddr = "192.0.2.7".parse().expect("ip");
        let now = Instant::now();
        for _ in 0..FREE_FAILURES {
            assert!(t.check(ip, now).is_ok(), "the free failures are answered normally");
            t.failed(ip, now);
        }
        assert_eq!(t.check(ip, now), Err(Duration::from_secs(1)), "then a lock of 1 s, doubling");
        t.failed(ip, now);
        assert_eq!(t.check(ip, now), Err(Duration::from_secs(2)));
        assert!(t.check("192.0.2.8".parse().expect("ip"), now).is_ok(), "other addresses are not affected");
        // Long after the last failure, the slate is clean.
        let later = now + FORGET_AFTER + Duration::from_secs(1);
        assert!(t.check(ip, later).is_ok());
        t.failed(ip, later);
        assert!(t.check(ip, later).is_ok());
    }

    #[test]
    fn ipv6_hosts_of_one_64_share_a_count() {
        let a: IpAddr = "2001:db8:1:2::1".parse().expect("ip");
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().expect("ip");
        assert_eq!(key(a), key(b));
        assert_ne!(key(a), key("2001:db8:1:3::1".parse().expect("ip")));
    }
}
