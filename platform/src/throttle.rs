//! Login throttling, checked and counted atomically BEFORE the password is hashed, so parallel attempts
//! cannot slip past a check that a slow hash has not yet updated. Three limits, each answered the same
//! `429 locked` whatever the login (known or not):
//! - per client address (IPv6 by /64): a sprayer trying one password on many logins;
//! - per (login, address), strict: guessing one login's password from one place;
//! - per login, much looser: a guesser spread over many addresses. It is loose so that failures from
//!   one address (stopped by the strict limit first) never lock the owner out from another one.
//!
//! The counts live in the database (`db::throttle`, one GCRA cell per key, updated by one atomic upsert),
//! so every platform process on one database shares them. Each attempt is charged before the hash (its
//! outcome is unknown until after it); a successful sign-in gives back what it was charged to its login,
//! so in the end only failures count against a login. In front of the database, each process keeps the
//! per-address limit in memory too (governor): a flood from one address is refused without a write.

use crate::db::{StoreError, Tx, throttle};
use chrono::{DateTime, Utc};
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

    /// The rate as the database's GCRA cell reads it.
    fn cell(self) -> throttle::Cell {
        let every = i64::try_from(self.every.as_millis()).unwrap_or(i64::MAX).max(1);
        throttle::Cell { every_ms: every, burst: i64::from(self.burst.max(1)) }
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
    rates: LoginRates,
    /// This process's own per-address limit, asked before the database (the fast path).
    per_address: DefaultKeyedRateLimiter<IpAddr>,
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

/// The database keys of one attempt: its address, its login at that address, its login.
fn keys(login: &str, ip: IpAddr) -> [String; 3] {
    let ip = key(ip);
    [format!("a {ip}"), format!("la {ip} {login}"), format!("l {login}")]
}

impl LoginThrottle {
    pub fn new(rates: LoginRates) -> Self {
        LoginThrottle {
            rates,
            per_address: DefaultKeyedRateLimiter::keyed(rates.per_address.quota()),
            clock: DefaultClock::default(),
        }
    }

    /// This process's per-address limit alone: `Err(wait)` when one address floods this process (then
    /// the database is not asked).
    pub fn fast_path(&self, ip: IpAddr) -> Result<(), Duration> {
        let now = self.clock.now();
        self.per_address.check_key(&key(ip)).map_err(|e| e.wait_time_from(now))
    }

    /// Charges one attempt of `login` from `ip` at `now` to the three shared limits, or `Err(wait)` when
    /// one is reached (then the attempt is not hashed). Checked from the attacker's own budget outwards,
    /// so an attempt refused by its address or its (login, address) limit never spends the login's
    /// shared budget.
    pub fn attempt(
        &self,
        tx: &mut dyn Tx,
        login: &str,
        ip: IpAddr,
        now: DateTime<Utc>,
    ) -> Result<Result<(), Duration>, StoreError> {
        let rates = [self.rates.per_address, self.rates.per_login_address, self.rates.per_login];
        for (key, rate) in keys(login, ip).iter().zip(rates) {
            if let Err(wait) = throttle::take(tx, key, rate.cell(), now)? {
                return Ok(Err(wait));
            }
        }
        Ok(Ok(()))
    }

    /// Gives back what a successful sign-in of `login` from `ip` was charged to its login (alone and at
    /// that address): the owner's own sign-ins never use up its budget.
    pub fn succeeded(&self, tx: &mut dyn Tx, login: &str, ip: IpAddr) -> Result<(), StoreError> {
        let [_, at_address, alone] = keys(login, ip);
        throttle::give_back(tx, &at_address, self.rates.per_login_address.cell())?;
        throttle::give_back(tx, &alone, self.rates.per_login.cell())
    }

    /// Forgets this process's addresses whose limit is back to full (bounds memory against many
    /// addresses); the database's cells are forgotten by [`throttle::forget_full`].
    pub fn forget_idle(&self) {
        self.per_address.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
