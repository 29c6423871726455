//! Login throttling (governor's keyed GCRA limiters), checked and counted atomically BEFORE the
//! password is hashed, so parallel attempts cannot slip past a check that a slow hash has not yet
//! updated. Three limits, each answered the same `429 locked` whatever the login (known or not):
//! - per client address (IPv6 by /64): a sprayer trying one password on many logins;
//! - per (login, address), strict: guessing one login's password from one place;
//! - per login, much looser: a guesser spread over many addresses. It is loose so that failures from
//!   one address (stopped by the strict limit first) never lock the owner out from another one.
//!
//! Every attempt counts, right or wrong (the outcome is unknown until after the hash). Kept in memory
//! per process (a restart forgives; several nodes each keep their own).

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

/// One limit: `burst` attempts at once, then one more every `every`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    pub burst: u32,
    pub every: Duration,
}

impl Rate {
    /// `BURST/SECONDS`, as the command line takes it (e.g. `30/10`: 30 at once, then one every 10 s).
    pub fn parse(s: &str) -> Result<Rate, String> {
        let bad = || format!("{s:?}: expected BURST/SECONDS, e.g. 30/10");
        let (burst, secs) = s.split_once('/').ok_or_else(bad)?;
        let burst: u32 = burst.trim().parse().map_err(|_| bad())?;
        let secs: f64 = secs.trim().parse().map_err(|_| bad())?;
        if burst == 0 || !(secs > 0.0 && secs < 86_400.0) {
            return Err(bad());
        }
        Ok(Rate { burst, every: Duration::from_secs_f64(secs) })
    }

    fn quota(self) -> Quota {
        let burst = NonZeroU32::new(self.burst).unwrap_or(NonZeroU32::MIN);
        Quota::with_period(self.every).unwrap_or(Quota::per_second(NonZeroU32::MIN)).allow_burst(burst)
    }
}

impl std::fmt::Display for Rate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.burst, self.every.as_secs_f64())
    }
}

/// The three limits (defaults in `docs/operations.md`).
#[derive(Clone, Copy, Debug)]
pub struct LoginRates {
    pub per_address: Rate,
    pub per_login_address: Rate,
    pub per_login: Rate,
}

impl Default for LoginRates {
    fn default() -> Self {
        LoginRates {
            // An office behind one NAT signs in its people in the morning; tokens last weeks.
            per_address: Rate { burst: 30, every: Duration::from_secs(10) },
            // A person with a phone, a tablet and a few typos; then one try a minute.
            per_login_address: Rate { burst: 10, every: Duration::from_secs(60) },
            per_login: Rate { burst: 60, every: Duration::from_secs(2) },
        }
    }
}

/// Login attempts by address, by (login, address) and by login.
pub struct LoginThrottle {
    per_address: DefaultKeyedRateLimiter<IpAddr>,
    per_login_address: DefaultKeyedRateLimiter<(Box<str>, IpAddr)>,
    per_login: DefaultKeyedRateLimiter<Box<str>>,
    clock: DefaultClock,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self::new(LoginRates::default())
    }
}

/// The key of an address: IPv6 hosts get a whole /64, so one attacker cannot rotate through it.
pub fn key(ip: IpAddr) -> IpAddr {
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

impl LoginThrottle {
    pub fn new(rates: LoginRates) -> Self {
        LoginThrottle {
            per_address: DefaultKeyedRateLimiter::keyed(rates.per_address.quota()),
            per_login_address: DefaultKeyedRateLimiter::keyed(rates.per_login_address.quota()),
            per_login: DefaultKeyedRateLimiter::keyed(rates.per_login.quota()),
            clock: DefaultClock::default(),
        }
    }

    /// Counts one attempt of `login` from `ip`, or `Err(wait)` when a limit is reached (then the
    /// attempt is not hashed). Checked from the attacker's own budget outwards, so an attempt refused by
    /// its address or its (login, address) limit never spends the login's shared budget.
    pub fn attempt(&self, login: &str, ip: IpAddr) -> Result<(), Duration> {
        let ip = key(ip);
        let login: Box<str> = login.into();
        let now = self.clock.now();
        self.per_address.check_key(&ip).map_err(|e| e.wait_time_from(now))?;
        self.per_login_address.check_key(&(login.clone(), ip)).map_err(|e| e.wait_time_from(now))?;
        self.per_login.check_key(&login).map_err(|e| e.wait_time_from(now))
    }

    /// Forgets keys whose limits are back to full (bounds memory against invented logins).
    pub fn forget_idle(&self) {
        self.per_address.retain_recent();
        self.per_login_address.retain_recent();
        self.per_login.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rates() -> LoginRates {
        let hour = Duration::from_secs(3600);
        LoginRates {
            per_address: Rate { burst: 10, every: hour },
            per_login_address: Rate { burst: 3, every: hour },
            per_login: Rate { burst: 6, every: hour },
        }
    }

    #[test]
    fn one_address_is_stopped_on_one_login_before_it_spends_the_logins_budget() {
        let t = LoginThrottle::new(rates());
        let attacker: IpAddr = "192.0.2.7".parse().expect("ip");
        for _ in 0..3 {
            assert!(t.attempt("owner", attacker).is_ok());
        }
        for _ in 0..5 {
            assert!(t.attempt("owner", attacker).is_err(), "the strict (login, address) limit");
        }
        // The owner from elsewhere still has the login's budget (3 of 6 spent).
        assert!(t.attempt("owner", "198.51.100.1".parse().expect("ip")).is_ok());
    }

    #[test]
    fn a_sprayer_is_stopped_by_address_and_other_addresses_are_not() {
        let t = LoginThrottle::new(rates());
        let sprayer: IpAddr = "192.0.2.7".parse().expect("ip");
        for i in 0..10 {
            assert!(t.attempt(&format!("user{i}"), sprayer).is_ok());
        }
        let wait = t.attempt("user99", sprayer).expect_err("locked by address");
        assert!(wait > Duration::from_secs(3000), "{wait:?}");
        assert!(t.attempt("user99", "192.0.2.8".parse().expect("ip")).is_ok());
    }

    #[test]
    fn many_addresses_on_one_login_meet_the_loose_login_limit() {
        let t = LoginThrottle::new(rates());
        for i in 1..=6u8 {
            assert!(t.attempt("owner", IpAddr::from([192, 0, 2, i])).is_ok());
        }
        assert!(t.attempt("owner", IpAddr::from([192, 0, 2, 7])).is_err());
    }

    #[test]
    fn ipv6_hosts_of_one_64_share_a_count() {
        let a: IpAddr = "2001:db8:1:2::1".parse().expect("ip");
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().expect("ip");
        assert_eq!(key(a), key(b));
        assert_ne!(key(a), key("2001:db8:1:3::1".parse().expect("ip")));
    }

    #[test]
    fn rates_parse_from_the_command_line() {
        assert_eq!(Rate::parse("30/10"), Ok(Rate { burst: 30, every: Duration::from_secs(10) }));
        for bad in ["", "30", "0/10", "30/0", "x/1", "5/-1"] {
            assert!(Rate::parse(bad).is_err(), "{bad}");
        }
    }
}
