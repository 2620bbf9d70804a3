//! Per-client rate limits (GCRA, via governor): one bucket for every request and a
//! smaller one for the requests that cost the helper real work (resolve, probe,
//! seal, status writes). Clients are keyed by address, IPv6 per /64.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::client::limit_key;
use crate::config::RateLimit;

/// Which bucket a request draws from besides the general one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    General,
    Checks,
}

/// How often (in requests) idle buckets are swept, so memory stays bounded.
const SWEEP_EVERY: u64 = 4_096;

pub struct Limiters {
    enabled: bool,
    general: DefaultKeyedRateLimiter<IpAddr>,
    checks: DefaultKeyedRateLimiter<IpAddr>,
    clock: DefaultClock,
    seen: AtomicU64,
}

fn quota(per_second: u32, burst: u32) -> Quota {
    // Validation guarantees both are at least 1; MIN is only a fallback.
    let rate = NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    Quota::per_second(rate).allow_burst(burst)
}

impl Limiters {
    pub fn new(cfg: &RateLimit) -> Limiters {
        let clock = DefaultClock::default();
        Limiters {
            enabled: cfg.enabled,
            general: RateLimiter::dashmap_with_clock(
                quota(cfg.per_second, cfg.burst),
                clock.clone(),
            ),
            checks: RateLimiter::dashmap_with_clock(
                quota(cfg.checks_per_second, cfg.checks_burst),
                clock.clone(),
            ),
            clock,
            seen: AtomicU64::new(0),
        }
    }

    /// Takes one request from the client's buckets, or says how long to wait.
    pub fn check(&self, client: IpAddr, class: Class) -> Result<(), Duration> {
        if !self.enabled {
            return Ok(());
        }
        if self.seen.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.general.retain_recent();
            self.checks.retain_recent();
            self.general.shrink_to_fit();
            self.checks.shrink_to_fit();
        }
        let key = limit_key(client);
        self.general
            .check_key(&key)
            .map_err(|nu| nu.wait_time_from(self.clock.now()))?;
        if class == Class::Checks {
            self.checks
                .check_key(&key)
                .map_err(|nu| nu.wait_time_from(self.clock.now()))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(burst: u32) -> RateLimit {
        RateLimit {
            enabled: true,
            per_second: 1,
            burst,
            checks_per_second: 1,
            checks_burst: 1,
        }
    }

    #[test]
    fn a_burst_then_a_wait() {
        let l = Limiters::new(&cfg(3));
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..3 {
            assert!(l.check(a, Class::General).is_ok());
        }
        let wait = l.check(a, Class::General).unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(1));
        // Another client is not affected.
        assert!(l
            .check("192.0.2.2".parse().unwrap(), Class::General)
            .is_ok());
    }

    #[test]
    fn ipv6_neighbours_in_one_64_share_a_bucket() {
        let l = Limiters::new(&cfg(1));
        assert!(l
            .check("2001:db8::1".parse().unwrap(), Class::General)
            .is_ok());
        assert!(l
            .check("2001:db8::2".parse().unwrap(), Class::General)
            .is_err());
        assert!(l
            .check("2001:db8:0:1::1".parse().unwrap(), Class::General)
            .is_ok());
    }

    #[test]
    fn checks_have_their_own_smaller_bucket() {
        let l = Limiters::new(&cfg(10));
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        assert!(l.check(a, Class::Checks).is_ok());
        assert!(l.check(a, Class::Checks).is_err());
        assert!(l.check(a, Class::General).is_ok());
    }

    #[test]
    fn disabled_means_unlimited() {
        let mut c = cfg(1);
        c.enabled = false;
        let l = Limiters::new(&c);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..100 {
            assert!(l.check(a, Class::Checks).is_ok());
        }
    }
}
