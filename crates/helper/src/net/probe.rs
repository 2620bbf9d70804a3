//! TCP probes of the operator's VPN servers: resolve once, judge every address
//! against the range table, connect to the address that was judged. Results live
//! for a short TTL, and concurrent identical probes share one attempt (one flight
//! per server and port), so a thousand clients cause one outgoing connect. At most
//! `probe.max_in_flight` connects run at once across the helper; the rest wait.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fixpath_core::api::ProbeStatus;
use tokio::sync::{OnceCell, Semaphore};

use crate::net::dns::{DnsError, Resolver};
use crate::net::names::Target;
use crate::net::ranges::{self, Refusal};
use crate::net::servers::Server;

/// What one connect found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub status: ProbeStatus,
    /// Milliseconds to the answer (open or refused); `None` on timeout.
    pub connect_ms: Option<u64>,
}

/// Why a probe did not connect at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeError {
    /// The name led to an address the range table refuses.
    Refused { address: IpAddr, why: Refusal },
    /// The name has no address.
    NoAddress,
    /// DNS failed.
    Dns(DnsError),
}

pub(crate) type ProbeResult = Result<Outcome, ProbeError>;

/// Boxed future of a connect.
pub type ConnectFuture = Pin<Box<dyn Future<Output = Outcome> + Send>>;

/// Makes the outgoing connection. The real one is [`TcpConnect`]; tests may wrap it
/// to count or to guard what is dialled.
pub trait Connect: Send + Sync + 'static {
    fn connect(&self, addr: SocketAddr, timeout: Duration) -> ConnectFuture;
}

/// A plain TCP connect with a timeout; the stream is closed at once (no bytes are
/// read or written: answers carry status and timing only).
#[derive(Debug, Clone, Copy, Default)]
pub struct TcpConnect;

impl Connect for TcpConnect {
    fn connect(&self, addr: SocketAddr, timeout: Duration) -> ConnectFuture {
        Box::pin(async move {
            let started = Instant::now();
            let attempt = tokio::time::timeout(timeout, tokio::net::TcpStream::connect(addr)).await;
            let ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            match attempt {
                Ok(Ok(stream)) => {
                    drop(stream);
                    Outcome {
                        status: ProbeStatus::Open,
                        connect_ms: Some(ms),
                    }
                }
                Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => Outcome {
                    status: ProbeStatus::Refused,
                    connect_ms: Some(ms),
                },
                Ok(Err(e)) => {
                    // Unreachable networks and hosts: nothing answered, which is what
                    // a person needs to know; the detail is for the log.
                    tracing::debug!(error = %e, "probe connect failed");
                    Outcome {
                        status: ProbeStatus::Timeout,
                        connect_ms: None,
                    }
                }
                Err(_) => Outcome {
                    status: ProbeStatus::Timeout,
                    connect_ms: None,
                },
            }
        })
    }
}

type Key = (Target, u16);

struct Flight {
    cell: OnceCell<(ProbeResult, Instant)>,
}

/// Probes with a short-lived cache and one flight per target.
pub struct Prober {
    connector: Arc<dyn Connect>,
    connect_timeout: Duration,
    ttl: Duration,
    allow: Vec<IpAddr>,
    flights: Mutex<HashMap<Key, Arc<Flight>>>,
    connects: AtomicU64,
    /// One permit per outgoing connect allowed at once.
    permits: Semaphore,
    max_in_flight: usize,
    /// Attempts waiting for a permit (for tests and the log).
    waiting: AtomicUsize,
}

/// Counts an attempt as waiting until dropped, so a request that times out while
/// waiting does not leave the count high.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn new(n: &'a AtomicUsize) -> Self {
        n.fetch_add(1, Ordering::SeqCst);
        Waiting(n)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Entries kept before expired ones are swept (bounded by configured targets anyway).
const SWEEP_AT: usize = 256;

impl Prober {
    pub fn new(
        connector: Arc<dyn Connect>,
        connect_timeout: Duration,
        ttl: Duration,
        allow: Vec<IpAddr>,
        max_in_flight: usize,
    ) -> Prober {
        let max_in_flight = max_in_flight.clamp(1, Semaphore::MAX_PERMITS);
        Prober {
            connector,
            connect_timeout,
            ttl,
            allow,
            flights: Mutex::new(HashMap::new()),
            connects: AtomicU64::new(0),
            permits: Semaphore::new(max_in_flight),
            max_in_flight,
            waiting: AtomicUsize::new(0),
        }
    }

    /// Outgoing connects running now.
    pub fn in_flight(&self) -> usize {
        self.max_in_flight - self.permits.available_permits()
    }

    /// Attempts waiting for their turn to connect.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::SeqCst)
    }

    /// Outgoing connects made so far (for tests and the log).
    pub fn connects(&self) -> u64 {
        self.connects.load(Ordering::Relaxed)
    }

    fn flight(&self, key: &Key) -> Arc<Flight> {
        // A poisoned lock only means another request panicked mid-insert; the map
        // itself is still consistent, so keep going.
        let mut map = self.flights.lock().unwrap_or_else(|p| p.into_inner());
        let fresh = |f: &Flight| match f.cell.get() {
            None => true,
            Some((_, done)) => done.elapsed() < self.ttl,
        };
        if let Some(f) = map.get(key) {
            if fresh(f) {
                return f.clone();
            }
        }
        if map.len() >= SWEEP_AT {
            map.retain(|_, f| fresh(f));
        }
        let f = Arc::new(Flight {
            cell: OnceCell::new(),
        });
        map.insert(key.clone(), f.clone());
        f
    }

    /// Probes `port` of a configured server. Returns the result and whether it came
    /// from an attempt another request started (in flight or cached).
    pub async fn probe(
        &self,
        resolver: &Resolver,
        server: &Server,
        port: u16,
    ) -> (ProbeResult, bool) {
        let key = (server.target.clone(), port);
        let flight = self.flight(&key);
        let ran = AtomicBool::new(false);
        let ran_ref = &ran;
        let (result, _) = flight
            .cell
            .get_or_init(|| async move {
                ran_ref.store(true, Ordering::Relaxed);
                // Boxed: one request of the flight runs it, and every request
                // waiting for it would otherwise hold room for all its state.
                let attempt = Box::pin(self.attempt(resolver, server, port));
                (attempt.await, Instant::now())
            })
            .await;
        (result.clone(), !ran.load(Ordering::Relaxed))
    }

    /// One real attempt: resolve once, judge every address, connect to the first.
    async fn attempt(&self, resolver: &Resolver, server: &Server, port: u16) -> ProbeResult {
        let addrs = resolver
            .resolve(&server.target)
            .await
            .map_err(ProbeError::Dns)?;
        // Every address is judged, not just the one dialled: a name that also leads
        // somewhere internal is not one to trust.
        for a in &addrs {
            ranges::judge(*a, &self.allow)
                .map_err(|why| ProbeError::Refused { address: *a, why })?;
        }
        let first = *addrs.first().ok_or(ProbeError::NoAddress)?;
        let target = SocketAddr::new(first, server.connect_port(port));
        // The helper must not become a scanner with many hands: a global cap on
        // connects at once, whatever the number of clients and targets.
        let permit = {
            let _waiting = Waiting::new(&self.waiting);
            self.permits.acquire().await
        };
        // The semaphore is never closed, so the permit is always there.
        let _permit = permit.ok();
        self.connects.fetch_add(1, Ordering::Relaxed);
        Ok(self.connector.connect(target, self.connect_timeout).await)
    }
}
