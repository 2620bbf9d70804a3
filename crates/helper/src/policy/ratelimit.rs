//! Per-client rate limits (GCRA, via governor): one bucket for every request and a
//! smaller one for the requests that cost the helper real work (resolve, probe,
//! seal, status writes). Clients are keyed by address, IPv6 per /64. Also the
//! sweep limit: how many distinct server/port pairs one client may probe per window.
//!
//! Both tables are bounded. Idle entries are swept, but an attacker holding a large
//! IPv6 prefix can present more live /64s than any sweep frees; past a fixed number
//! of clients, newcomers share one overflow entry. They are still limited (together),
//! memory stays bounded, and clients already known keep their own entries. Evicting
//! instead would only hand out fresh buckets, which a client with that many addresses
//! already has.

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;
use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dashmap::DashMap;
use fixpath_core::api::Cost;
use governor::clock::{Clock, DefaultClock};
use governor::nanos::Nanos;
use governor::state::keyed::ShrinkableKeyedStateStore;
use governor::state::{InMemoryState, StateStore};
use governor::{Quota, RateLimiter};

use crate::net::forwarded::limit_key;

/// The two buckets' rates, per client (`rate_limit` in the config).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub enabled: bool,
    pub per_second: u32,
    pub burst: u32,
    pub checks_per_second: u32,
    pub checks_burst: u32,
}

/// The key the clients beyond a table's bound share: no TCP peer has the
/// unspecified address, so no real client is keyed to it.
const OVERFLOW: IpAddr = IpAddr::V6(Ipv6Addr::UNSPECIFIED);

/// How often (in requests) idle buckets are swept, so memory stays bounded.
const SWEEP_EVERY: u64 = 4_096;

/// Clients with a bucket of their own, per limiter: about 40 bytes each, so the two
/// limiters hold at most about 8 MB. Reached only when this many distinct clients
/// were active within one bucket's refill time (the default is 30 s).
pub(crate) const MAX_LIMITED_CLIENTS: usize = 100_000;

/// governor's DashMap store, shared so the limiter can ask which clients it knows.
#[derive(Clone, Default)]
struct Store(Arc<DashMap<IpAddr, InMemoryState>>);

impl StateStore for Store {
    type Key = IpAddr;

    fn measure_and_replace<T, F, E>(&self, key: &IpAddr, f: F) -> Result<T, E>
    where
        F: Fn(Option<Nanos>) -> Result<(T, Nanos), E>,
    {
        self.0.measure_and_replace(key, f)
    }
}

impl ShrinkableKeyedStateStore<IpAddr> for Store {
    fn retain_recent(&self, drop_below: Nanos) {
        self.0.retain_recent(drop_below);
    }

    fn shrink_to_fit(&self) {
        ShrinkableKeyedStateStore::shrink_to_fit(&*self.0);
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One keyed limiter and its store.
struct Keyed {
    limiter: RateLimiter<IpAddr, Store, DefaultClock>,
    store: Store,
}

impl Keyed {
    fn new(quota: Quota, clock: &DefaultClock) -> Keyed {
        let store = Store::default();
        Keyed {
            limiter: RateLimiter::new(quota, store.clone(), clock.clone()),
            store,
        }
    }

    fn sweep(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }
}

pub(crate) struct Limiters {
    enabled: bool,
    general: Keyed,
    checks: Keyed,
    clock: DefaultClock,
    seen: AtomicU64,
    max_clients: usize,
}

fn quota(per_second: u32, burst: u32) -> Quota {
    // Validation guarantees both are at least 1; MIN is only a fallback.
    let rate = NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    Quota::per_second(rate).allow_burst(burst)
}

impl Limiters {
    pub(crate) fn new(cfg: &RateLimit) -> Limiters {
        Limiters::bounded(cfg, MAX_LIMITED_CLIENTS)
    }

    /// Limiters keeping own buckets for at most `max_clients` clients each.
    pub(crate) fn bounded(cfg: &RateLimit, max_clients: usize) -> Limiters {
        let clock = DefaultClock::default();
        Limiters {
            enabled: cfg.enabled,
            general: Keyed::new(quota(cfg.per_second, cfg.burst), &clock),
            checks: Keyed::new(quota(cfg.checks_per_second, cfg.checks_burst), &clock),
            clock,
            seen: AtomicU64::new(0),
            max_clients,
        }
    }

    /// Takes one request from the client's buckets, or says how long to wait.
    pub(crate) fn check(&self, client: IpAddr, cost: Cost) -> Result<(), Duration> {
        if !self.enabled {
            return Ok(());
        }
        if self.seen.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.general.sweep();
            self.checks.sweep();
        }
        let key = limit_key(client);
        self.take(&self.general, key)?;
        if cost == Cost::Checks {
            self.take(&self.checks, key)?;
        }
        Ok(())
    }

    fn take(&self, keyed: &Keyed, key: IpAddr) -> Result<(), Duration> {
        // Racing inserts can pass the bound by a few entries, never by many.
        let key = if keyed.store.0.len() >= self.max_clients && !keyed.store.0.contains_key(&key) {
            OVERFLOW
        } else {
            key
        };
        keyed
            .limiter
            .check_key(&key)
            .map_err(|nu| nu.wait_time_from(self.clock.now()))
    }

    /// Clients with a bucket of their own in the general limiter (for tests).
    #[cfg(test)]
    pub(crate) fn clients(&self) -> usize {
        self.general.store.0.len()
    }
}

/// One client's current sweep window.
struct Window {
    started: Instant,
    /// Hashes of the pairs, not the names: a client's entry stays a few hundred
    /// bytes whatever it typed.
    pairs: HashSet<u64>,
}

/// Clients with a sweep window of their own: each holds up to `sweep_limit` pair
/// hashes (about 16 bytes each), so with the default limit of 32 at most about 10 MB.
pub(crate) const MAX_SWEEP_CLIENTS: usize = 16_384;

/// Clients remembered before expired windows are swept.
const SWEEPS_SWEEP_AT: usize = 4_096;

/// Sweeping walks the whole table under its lock: at most once per this long.
const SWEEPS_SWEEP_PAUSE: Duration = Duration::from_secs(1);

struct Table {
    clients: HashMap<IpAddr, Window>,
    next_sweep: Instant,
}

/// Slows down a client that probes many targets or ports in a short time: within a
/// window it may ask about `limit` distinct server/port pairs (repeats are free),
/// then it is told to wait until the window ends. Fixed windows, keyed like the
/// rate limits; a token bucket would let a scanner trickle on forever.
pub(crate) struct Sweeps {
    limit: usize,
    window: Duration,
    max_clients: usize,
    table: Mutex<Table>,
    /// Randomly keyed, so a client cannot pick names that collide on purpose.
    hasher: std::collections::hash_map::RandomState,
}

impl Sweeps {
    pub(crate) fn new(limit: usize, window: Duration) -> Sweeps {
        Sweeps::bounded(limit, window, MAX_SWEEP_CLIENTS)
    }

    /// A tracker keeping own windows for at most `max_clients` clients.
    pub(crate) fn bounded(limit: usize, window: Duration, max_clients: usize) -> Sweeps {
        Sweeps {
            limit,
            window,
            max_clients,
            table: Mutex::new(Table {
                clients: HashMap::new(),
                next_sweep: Instant::now(),
            }),
            hasher: std::collections::hash_map::RandomState::new(),
        }
    }

    /// Notes that `client` asks about `target:port`, or says how long to wait.
    pub(crate) fn check(&self, client: IpAddr, target: &str, port: u16) -> Result<(), Duration> {
        let now = Instant::now();
        let mut table = self.table.lock().unwrap_or_else(|p| p.into_inner());
        let Table {
            clients,
            next_sweep,
        } = &mut *table;
        let mut key = limit_key(client);
        if clients.len() >= SWEEPS_SWEEP_AT.min(self.max_clients) && !clients.contains_key(&key) {
            if now >= *next_sweep {
                clients.retain(|_, w| now.duration_since(w.started) < self.window);
                *next_sweep = now + SWEEPS_SWEEP_PAUSE;
            }
            if clients.len() >= self.max_clients {
                key = OVERFLOW;
            }
        }
        let w = clients.entry(key).or_insert_with(|| Window {
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

    /// Clients with a window in the table (for tests).
    #[cfg(test)]
    pub(crate) fn clients(&self) -> usize {
        self.table
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clients
            .len()
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
            assert!(l.check(a, Cost::General).is_ok());
        }
        let wait = l.check(a, Cost::General).unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(1));
        // Another client is not affected.
        assert!(l.check("192.0.2.2".parse().unwrap(), Cost::General).is_ok());
    }

    #[test]
    fn ipv6_neighbours_in_one_64_share_a_bucket() {
        let l = Limiters::new(&cfg(1));
        assert!(l
            .check("2001:db8::1".parse().unwrap(), Cost::General)
            .is_ok());
        assert!(l
            .check("2001:db8::2".parse().unwrap(), Cost::General)
            .is_err());
        assert!(l
            .check("2001:db8:0:1::1".parse().unwrap(), Cost::General)
            .is_ok());
    }

    #[test]
    fn checks_have_their_own_smaller_bucket() {
        let l = Limiters::new(&cfg(10));
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        assert!(l.check(a, Cost::Checks).is_ok());
        assert!(l.check(a, Cost::Checks).is_err());
        assert!(l.check(a, Cost::General).is_ok());
    }

    #[test]
    fn disabled_means_unlimited() {
        let mut c = cfg(1);
        c.enabled = false;
        let l = Limiters::new(&c);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..100 {
            assert!(l.check(a, Cost::Checks).is_ok());
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

    #[test]
    fn past_the_bound_newcomers_share_one_bucket_and_known_clients_keep_theirs() {
        let l = Limiters::bounded(&cfg(1), 2);
        let known: [IpAddr; 2] = ["192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap()];
        for a in known {
            assert!(l.check(a, Cost::General).is_ok());
        }
        // An attacker with a large IPv6 prefix: every /64 a new client.
        let mut served = 0;
        for i in 0..1_000u128 {
            let a = IpAddr::V6(Ipv6Addr::from((0x2001_0db8_u128 << 96) | (i << 64) | 1));
            served += usize::from(l.check(a, Cost::General).is_ok());
        }
        assert_eq!(served, 1, "the newcomers share one bucket of burst 1");
        assert!(l.clients() <= 3, "{} clients kept", l.clients());
        // The known clients still have their own (now empty) buckets.
        for a in known {
            assert!(l.check(a, Cost::General).is_err());
        }
    }

    #[test]
    fn the_sweep_table_is_bounded_and_the_overflow_is_still_limited() {
        let s = Sweeps::bounded(2, Duration::from_secs(60), 3);
        let known: IpAddr = "192.0.2.1".parse().unwrap();
        assert!(s.check(known, "v.example.com", 443).is_ok());
        let mut allowed = 0;
        for i in 0..1_000u128 {
            let a = IpAddr::V6(Ipv6Addr::from((0x2001_0db8_u128 << 96) | (i << 64) | 1));
            allowed += usize::from(s.check(a, "v.example.com", 1_000 + (i as u16)).is_ok());
        }
        // Two newcomers got windows of their own, then the overflow's window took two pairs.
        assert_eq!(allowed, 4);
        assert!(s.clients() <= 4, "{} clients kept", s.clients());
        // Repeats stay free in the overflow, and the known client keeps its window.
        let late = IpAddr::V6(Ipv6Addr::from((0x2001_0db9_u128 << 96) | 1));
        assert!(s.check(late, "v.example.com", 1_002).is_ok());
        assert!(s.check(known, "v.example.com", 443).is_ok());
        assert!(s.check(known, "v.example.com", 1723).is_ok());
        assert!(s.check(known, "v.example.com", 22).is_err());
    }
}
