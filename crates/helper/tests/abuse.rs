//! Abuse on real loopback sockets: clients that dribble their headers or sit idle,
//! too many connections (in all and from one client), rate limits keyed behind a
//! trusted proxy, the cap on probes in flight, sweeps across ports, banners that
//! never reach an answer, and `resolve` refusing a client-chosen record type or
//! DNS server.

mod common;

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use common::*;
use fixpath_core::api::{Endpoint, Probe, ProbeStatus, Resolved, WhoAmI};
use fixpath_helper::server;
use fixpath_helper::AppState;
use fixpath_helper::{Connect, ConnectFuture, Outcome};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// How long any wait in these tests may take before it counts as a failure.
/// A connection to the helper from a chosen loopback source (127.0.0.0/8 is all
/// ours on Linux), so one test can be several clients.
async fn connect_from(addr: SocketAddr, source: &str) -> TcpStream {
    let s = TcpSocket::new_v4().expect("socket");
    s.bind(SocketAddr::new(source.parse().expect("source"), 0))
        .expect("bind the source address");
    s.connect(addr).await.expect("connect to the helper")
}

/// A whole exchange (`Connection: close`) from a chosen loopback source.
async fn http_from(
    addr: SocketAddr,
    source: &str,
    target: &str,
    headers: &[(&str, &str)],
) -> Answer {
    let mut s = connect_from(addr, source).await;
    let mut req = format!("GET {target} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    tokio::time::timeout(BOUND, s.read_to_end(&mut raw))
        .await
        .expect("an answer in time")
        .expect("read");
    parse_response(&raw)
}

/// Reads until the helper closes the connection; how long that took.
async fn time_to_close(s: &mut tokio::net::tcp::OwnedReadHalf, started: Instant) -> Duration {
    let mut sink = Vec::new();
    let closed = tokio::time::timeout(BOUND, s.read_to_end(&mut sink)).await;
    assert!(closed.is_ok(), "the helper kept the connection open");
    started.elapsed()
}

// ---------------------------------------------------------------------------------
// 1. Slow clients.

/// A byte every 40 ms keeps the connection busy but never finishes the headers: the
/// header-read timeout (300 ms) closes it anyway, long before the idle timeout.
#[tokio::test]
async fn a_client_dribbling_its_headers_is_dropped_at_the_header_timeout() {
    let f = fixture(&loopback("[http]\nheader_read_timeout_ms = 300\n"));
    let r = serve(&f).await;
    let s = TcpStream::connect(r.addr).await.unwrap();
    let (mut read, mut write) = s.into_split();
    let sent = Arc::new(AtomicUsize::new(0));
    let counter = sent.clone();
    let started = Instant::now();
    let dribbler = tokio::spawn(async move {
        let text = b"GET / HTTP/1.1\r\nHost: t\r\nX-Slow: ";
        if write.write_all(text).await.is_err() {
            return;
        }
        let mut tick = tokio::time::interval(Duration::from_millis(40));
        loop {
            tick.tick().await;
            if write.write_all(b"a").await.is_err() {
                return;
            }
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    let took = time_to_close(&mut read, started).await;
    dribbler.abort();
    assert!(
        took >= Duration::from_millis(250),
        "closed by the header timeout, not at once ({took:?})"
    );
    assert!(
        took < Duration::from_secs(5),
        "closed by the header timeout, not by anything slower ({took:?})"
    );
    assert!(
        sent.load(Ordering::SeqCst) >= 3,
        "the client was still dribbling when it was cut off"
    );
    r.shutdown().await;
}

/// A connection that never sends a byte is closed at the header-read timeout too,
/// not left to the (far longer) idle timeout.
#[tokio::test]
async fn a_silent_connection_is_dropped_at_the_header_timeout() {
    let f = fixture(&loopback(
        "[http]\nheader_read_timeout_ms = 300\nidle_timeout_ms = 60000\n",
    ));
    let r = serve(&f).await;
    let s = TcpStream::connect(r.addr).await.unwrap();
    let started = Instant::now();
    let (mut read, _write) = s.into_split();
    let took = time_to_close(&mut read, started).await;
    assert!(took >= Duration::from_millis(250), "not at once ({took:?})");
    assert!(
        took < Duration::from_secs(5),
        "not the idle timeout ({took:?})"
    );
    r.shutdown().await;
}

/// A body larger than the limit is refused with the JSON 413: at once when its
/// length is declared, and once the limit is passed when it is streamed in chunks.
#[tokio::test]
async fn bodies_over_the_limit_are_refused_declared_or_streamed() {
    let f = fixture(&loopback("[http]\nbody_limit_bytes = 1024\n"));
    let r = serve(&f).await;
    let exchange = |head: String, body: Vec<u8>| async move {
        let mut s = TcpStream::connect(r.addr).await.unwrap();
        s.write_all(head.as_bytes()).await.unwrap();
        // The helper may answer and close before it has read all of this.
        let _ = s.write_all(&body).await;
        let mut raw = Vec::new();
        let _ = tokio::time::timeout(BOUND, s.read_to_end(&mut raw)).await;
        parse_response(&raw)
    };
    let path = Endpoint::Seal.path();
    // Declared: answered without waiting for a body that never comes.
    let a = exchange(
        format!("POST {path} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n"),
        Vec::new(),
    )
    .await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(a.code(), "body_too_large");
    // Streamed: cut off at the limit while read.
    let chunk = format!(r#"{{"digest":"{}"}}"#, "a".repeat(2000));
    let body = format!("{:x}\r\n{chunk}\r\n0\r\n\r\n", chunk.len());
    let a = exchange(
        format!("POST {path} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"),
        body.into_bytes(),
    )
    .await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(a.code(), "body_too_large");
    assert_eq!(a.header("cache-control").as_deref(), Some("no-store"));
    r.shutdown().await;
}

/// After an answer, a keep-alive connection that says nothing is closed at the idle
/// timeout (the header-read timeout is set far longer, so it is not what fires).
#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let f = fixture(&loopback(
        "[dns]\nupstream = \"none\"\ntimeout_ms = 100\n[probe]\nconnect_timeout_ms = 50\n[http]\nrequest_timeout_ms = 200\nidle_timeout_ms = 400\nheader_read_timeout_ms = 60000\n",
    ));
    let r = serve(&f).await;
    let mut s = TcpStream::connect(r.addr).await.unwrap();
    assert_eq!(ask(&mut s, Endpoint::Health.path(), &[]).await, Some(200));
    let started = Instant::now();
    let (mut read, _write) = s.into_split();
    let took = time_to_close(&mut read, started).await;
    assert!(took >= Duration::from_millis(300), "not at once ({took:?})");
    r.shutdown().await;
}

// ---------------------------------------------------------------------------------
// 2. Connection caps.

#[tokio::test]
async fn connections_are_capped_in_all_and_per_client() {
    let f = fixture(&loopback(
        "[http]\nmax_connections = 3\nmax_connections_per_client = 2\n",
    ));
    let r = serve(&f).await;
    let health = Endpoint::Health.path();
    // Two from one client: answered (and so counted by the helper).
    let mut a1 = connect_from(r.addr, "127.0.0.1").await;
    let mut a2 = connect_from(r.addr, "127.0.0.1").await;
    assert_eq!(ask(&mut a1, health, &[]).await, Some(200));
    assert_eq!(ask(&mut a2, health, &[]).await, Some(200));
    // A third from the same client: closed without an answer.
    let mut a3 = connect_from(r.addr, "127.0.0.1").await;
    assert_eq!(ask(&mut a3, health, &[]).await, None, "per-client cap");
    // Another client still gets in, up to the global cap.
    let mut b1 = connect_from(r.addr, "127.0.0.2").await;
    assert_eq!(ask(&mut b1, health, &[]).await, Some(200));
    // At the global cap, the connections idle longest make room (a1, a2).
    let mut b2 = connect_from(r.addr, "127.0.0.2").await;
    assert_eq!(ask(&mut b2, health, &[]).await, Some(200), "global cap");
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(BOUND, a1.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "the connection idle longest kept its slot");
    // A connection closed by its client gives its place back too.
    drop(a1);
    drop(a2);
    let started = Instant::now();
    loop {
        let mut again = connect_from(r.addr, "127.0.0.1").await;
        if ask(&mut again, health, &[]).await == Some(200) {
            break;
        }
        assert!(started.elapsed() < BOUND, "the slot never came back");
    }
    r.shutdown().await;
}

#[tokio::test]
async fn a_trusted_proxy_is_held_only_to_the_global_cap() {
    let f = fixture(&loopback(
        "[proxy]\ntrusted = [\"127.0.0.1\"]\n[http]\nmax_connections = 3\nmax_connections_per_client = 1\n",
    ));
    let r = serve(&f).await;
    let mut conns = Vec::new();
    for _ in 0..3 {
        let mut c = connect_from(r.addr, "127.0.0.1").await;
        assert_eq!(ask(&mut c, Endpoint::Health.path(), &[]).await, Some(200));
        conns.push(c);
    }
    // An untrusted client is held to its own cap (at the global cap, the proxy's
    // connections idle longest make room for it).
    let mut u = connect_from(r.addr, "127.0.0.2").await;
    assert_eq!(ask(&mut u, Endpoint::Health.path(), &[]).await, Some(200));
    let mut u2 = connect_from(r.addr, "127.0.0.2").await;
    assert_eq!(ask(&mut u2, Endpoint::Health.path(), &[]).await, None);
    r.shutdown().await;
}

// ---------------------------------------------------------------------------------
// 3. Rate limits keyed right.

#[tokio::test]
async fn rate_limits_key_on_the_right_most_untrusted_address_and_ipv6_per_64() {
    let f = fixture(&loopback(
        "[proxy]\ntrusted = [\"127.0.0.1\"]\n[rate_limit]\nper_second = 1\nburst = 1\n",
    ));
    let r = serve(&f).await;
    let ping = Endpoint::Ping.path();
    let via = |xff: &'static str| [("x-forwarded-for", xff)];
    // The left-most entry is the client's own writing; changing it changes nothing.
    let a = http_from(r.addr, "127.0.0.1", ping, &via("6.6.6.6, 203.0.113.1")).await;
    assert_eq!(a.status, StatusCode::OK);
    let a = http_from(r.addr, "127.0.0.1", ping, &via("7.7.7.7, 203.0.113.1")).await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(a.header("retry-after").is_some());
    assert_eq!(a.code(), "rate_limited");
    // Another client behind the same proxy has its own bucket.
    let a = http_from(r.addr, "127.0.0.1", ping, &via("203.0.113.2")).await;
    assert_eq!(a.status, StatusCode::OK);
    // IPv6 clients share a bucket per /64.
    let a = http_from(r.addr, "127.0.0.1", ping, &via("2001:db8:1:2::1")).await;
    assert_eq!(a.status, StatusCode::OK);
    let a = http_from(r.addr, "127.0.0.1", ping, &via("2001:db8:1:2:ffff::9")).await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS);
    let a = http_from(r.addr, "127.0.0.1", ping, &via("2001:db8:1:3::1")).await;
    assert_eq!(a.status, StatusCode::OK);
    // From a peer that is not a trusted proxy the header is ignored: it is the peer.
    let a = http_from(
        r.addr,
        "127.0.0.2",
        Endpoint::WhoAmI.path(),
        &via("203.0.113.77"),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(
        a.json::<WhoAmI>().address,
        "127.0.0.2".parse::<IpAddr>().unwrap()
    );
    let a = http_from(r.addr, "127.0.0.2", ping, &via("203.0.113.78")).await;
    assert_eq!(
        a.status,
        StatusCode::TOO_MANY_REQUESTS,
        "same peer, same bucket"
    );
    r.shutdown().await;
}

// ---------------------------------------------------------------------------------
// 4. Outgoing probes.

/// Holds every connect until released, and remembers how many ran at once.
#[derive(Clone)]
struct Gate {
    now: Arc<AtomicUsize>,
    most: Arc<AtomicUsize>,
    release: Arc<tokio::sync::Semaphore>,
}

impl Gate {
    fn new() -> Gate {
        Gate {
            now: Arc::default(),
            most: Arc::default(),
            release: Arc::new(tokio::sync::Semaphore::new(0)),
        }
    }
}

impl Connect for Gate {
    fn connect(&self, _addr: SocketAddr, _timeout: Duration) -> ConnectFuture {
        let g = self.clone();
        Box::pin(async move {
            let n = g.now.fetch_add(1, Ordering::SeqCst) + 1;
            g.most.fetch_max(n, Ordering::SeqCst);
            if let Ok(p) = g.release.acquire().await {
                p.forget();
            }
            g.now.fetch_sub(1, Ordering::SeqCst);
            Outcome {
                status: ProbeStatus::Open,
                connect_ms: Some(1),
            }
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_in_flight_are_capped_across_the_helper() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(
        dir.path(),
        &loopback(
            "[[servers]]\nname = \"127.0.0.1\"\nports = [1, 2, 3, 4, 5]\n[targets]\nallow_addresses = [\"127.0.0.1\"]\n[probe]\nmax_in_flight = 2\n",
        ),
    );
    let gate = Gate::new();
    let state =
        AppState::with_connector(cfg, dir.path().join("dist"), Arc::new(gate.clone())).unwrap();
    let r = server::start(state.clone(), Some(0)).await.unwrap();
    let mut tasks = Vec::new();
    for port in 1..=5u16 {
        let path = uri(
            Endpoint::Probe,
            &[("server", "127.0.0.1"), ("port", &port.to_string())],
        );
        let addr = r.addr;
        tasks.push(tokio::spawn(async move {
            http(addr, "GET", &path, &[], b"").await
        }));
    }
    // Two connect, three wait their turn.
    wait_until("two connects and three waiting", || {
        gate.now.load(Ordering::SeqCst) == 2 && state.prober().waiting() == 3
    })
    .await;
    assert_eq!(gate.most.load(Ordering::SeqCst), 2);
    gate.release.add_permits(5);
    for t in tasks {
        let a = t.await.unwrap();
        assert_eq!(a.status, StatusCode::OK, "{}", a.text());
        assert_eq!(a.json::<Probe>().status, ProbeStatus::Open);
    }
    assert_eq!(
        gate.most.load(Ordering::SeqCst),
        2,
        "never more than the cap"
    );
    assert_eq!(state.prober().connects(), 5);
    r.shutdown().await;
}

/// A target that greets every connection with a banner: the answer still carries
/// status and timing only.
#[tokio::test]
async fn a_probe_answer_never_carries_bytes_from_the_target() {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            let _ = s.write_all(b"SSH-2.0-BANNER-SECRET\r\n").await;
        }
    });
    let f = fixture(&loopback(&format!(
        "[[servers]]\nname = \"127.0.0.1\"\nports = [{port}]\n[targets]\nallow_addresses = [\"127.0.0.1\"]\n"
    )));
    let r = serve(&f).await;
    let a = http(
        r.addr,
        "GET",
        &uri(
            Endpoint::Probe,
            &[("server", "127.0.0.1"), ("port", &port.to_string())],
        ),
        &[],
        b"",
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(!a.text().contains("BANNER"), "{}", a.text());
    let v: serde_json::Value = a.json();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["cached", "connect_ms", "port", "server", "status"]);
    r.shutdown().await;
}

/// A client asking about many ports is slowed down (429 with Retry-After); ports
/// outside the list are refused and never dialled; repeats and other clients go on.
#[tokio::test]
async fn a_client_sweeping_ports_is_slowed_down() {
    let target = Counting::start().await;
    let port = target.addr.port();
    let f = fixture(&loopback(&format!(
        "[[servers]]\nname = \"127.0.0.1\"\nports = [{port}]\n[targets]\nallow_addresses = [\"127.0.0.1\"]\n[probe]\nsweep_limit = 3\nsweep_window_ms = 60000\n"
    )));
    let r = serve(&f).await;
    let probe = |p: u16| {
        uri(
            Endpoint::Probe,
            &[("server", "127.0.0.1"), ("port", &p.to_string())],
        )
    };
    let a = http_from(r.addr, "127.0.0.1", &probe(port), &[]).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    for p in [22, 25] {
        let a = http_from(r.addr, "127.0.0.1", &probe(p), &[]).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "port {p}");
        assert_eq!(a.code(), "not_allowed");
    }
    let a = http_from(r.addr, "127.0.0.1", &probe(80), &[]).await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS, "{}", a.text());
    assert_eq!(a.code(), "rate_limited");
    let secs: u64 = a.header("retry-after").unwrap().parse().unwrap();
    assert!((50..=60).contains(&secs), "until the window ends: {secs}");
    // What it already asked about stays answerable.
    let a = http_from(r.addr, "127.0.0.1", &probe(port), &[]).await;
    assert_eq!(a.status, StatusCode::OK);
    // Someone else is not slowed down.
    let a = http_from(r.addr, "127.0.0.2", &probe(443), &[]).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    // Only the configured port was ever dialled.
    assert!(f.guard.dialled().iter().all(|a| a.port() == port));
    r.shutdown().await;
}

// ---------------------------------------------------------------------------------
// 5. Resolve.

#[tokio::test]
async fn resolve_asks_only_a_and_aaaa_and_refuses_a_chosen_type_or_server() {
    let dns = FakeDns::start(&[("vpn.example.com.", "198.51.100.10".parse().unwrap())]).await;
    let f = fixture(&loopback(&format!(
        "[[servers]]\nname = \"vpn.example.com\"\nports = [443]\n[dns]\nupstream = \"nameservers\"\nnameservers = [\"{}\"]\n",
        dns.addr
    )));
    let r = serve(&f).await;
    for extra in [
        ("type", "TXT"),
        ("type", "ANY"),
        ("server", "127.0.0.1"),
        ("nameserver", "127.0.0.1:53"),
    ] {
        let a = http(
            r.addr,
            "GET",
            &uri(Endpoint::Resolve, &[("name", "vpn.example.com"), extra]),
            &[],
            b"",
        )
        .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{extra:?}: {}", a.text());
        assert_eq!(a.code(), "bad_request");
    }
    assert!(dns.asked.lock().unwrap().is_empty(), "nothing was asked");
    // A name that is not allowed is not looked up at all.
    let a: Resolved = http(
        r.addr,
        "GET",
        &uri(Endpoint::Resolve, &[("name", "elsewhere.example.org")]),
        &[],
        b"",
    )
    .await
    .json();
    assert!(!a.known);
    assert!(dns.asked.lock().unwrap().is_empty(), "nothing was asked");
    // An allowed name: only A and AAAA questions, for that name.
    let a: Resolved = http(
        r.addr,
        "GET",
        &uri(Endpoint::Resolve, &[("name", "vpn.example.com")]),
        &[],
        b"",
    )
    .await
    .json();
    assert_eq!(
        a.addresses,
        vec!["198.51.100.10".parse::<IpAddr>().unwrap()]
    );
    let asked = dns.asked.lock().unwrap().clone();
    assert!(!asked.is_empty());
    for q in &asked {
        assert!(
            q == "A vpn.example.com." || q == "AAAA vpn.example.com.",
            "asked {q}"
        );
    }
    r.shutdown().await;
}
