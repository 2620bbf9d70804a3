//! Per-client rate limits (GCRA, via governor): one bucket for every request and a
//! smaller one for the requests that cost the helper real work (resolve, probe,
//! seal, status writes). Clients are keyed by address, IPv6 per /64. Also the
//! sweep limit: how many distinct server/port pairs one client may probe per window.

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

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

/// One client's current sweep window.
struct Window {
    started: Instant,
    /// Hashes of the pairs, not the names: a client's entry stays a few hundred
    /// bytes whatever it typed.
    pairs: HashSet<u64>,
}

/// Slows down a client that probes many targets or ports in a short time: within a
/// window it may ask about `limit` distinct server/port pairs (repeats are free),
/// then it is told to wait until the window ends. Fixed windows, keyed like the
/// rate limits; a token bucket would let a scanner trickle on forever.
pub struct Sweeps {
    limit: usize,
    window: Duration,
    clients: Mutex<HashMap<IpAddr, Window>>,
    /// Randomly keyed, so a client cannot pick names that collide on purpose.
    hasher: std::collections::hash_map::RandomState,
}

/// Clients remembered before expired windows are swept.
const SWEEPS_SWEEP_AT: usize = 10_000;

impl Sweeps {
    pub fn new(limit: usize, window: Duration) -> Sweeps {
        Sweeps {
            limit,
            window,
            clients: Mutex::new(HashMap::new()),
            hasher: std::collections::hash_map::RandomState::new(),
        }
    }

    /// Notes that `client` asks about `target:port`, or says how long to wait.
    pub fn check(&self, client: IpAddr, target: &str, port: u16) -> Result<(), Duration> {
        let now = Instant::now();
        let mut map = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= SWEEPS_SWEEP_AT {
            map.retain(|_, w| now.duration_since(w.started) < self.window);
        }
        let w = map.entry(limit_key(client)).or_insert_with(|| Window {
            started: now,
            pairs: HashSet::new(),
        });
        let age = now.duration_since(w.started);
        if age >= self.window {
            w.started = now;
            w.pairs.clear();
        }
        let pair = self.hasher.hash_one((target, port));
        if w.pairs.contains(&pair) {
            return Ok(());
        }
        if w.pairs.len() >= self.limit {
            return Err(self.window.saturating_sub(now.duration_since(w.started)));
        }
        w.pairs.insert(pair);
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

    #[test]
    fn a_sweep_is_stopped_but_repeats_stay_free() {
        let s = Sweeps::new(2, Duration::from_secs(60));
        let a: IpAddr = "2001:db8::1".parse().unwrap();
        assert!(s.check(a, "v.example.com", 443).is_ok());
        assert!(s.check(a, "v.example.com", 1723).is_ok());
        let wait = s.check(a, "v.example.com", 22).unwrap_err();
        assert!(wait > Duration::from_secs(50) && wait <= Duration::from_secs(60));
        // A neighbour in the same /64 is the same client.
        assert!(s
            .check("2001:db8::2".parse().unwrap(), "w.example.com", 1)
            .is_err());
        assert!(s.check(a, "v.example.com", 443).is_ok());
        assert!(s
            .check("192.0.2.1".parse().unwrap(), "w.example.com", 1)
            .is_ok());
    }
}
