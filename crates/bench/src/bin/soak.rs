//! The soak load for `cargo xtask soak`: well-behaved clients walking the
//! `vpn-error-800` API sequence, slow clients dribbling headers, and one
//! flooding address, all at once against a helper on loopback, for a bounded
//! time. Prints one summary line of `key=value` fields.
//! Usage: soak <127.x.x.x:port> <seconds> <server-name> <clients> <slow-clients>

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use fixpath_core::api::Endpoint;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::task::JoinSet;

/// Longest any one request may take before it counts as a transport error.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// A person reading the screen between walks: keeps a well-behaved client far
/// below the default per-client rate limits, as a real one is.
const THINK: Duration = Duration::from_millis(500);
/// Upper bounds on loop counts, so every loop stops even if the clock misbehaves.
const MAX_WALKS: u64 = 100_000;
const MAX_FLOOD: u64 = 50_000_000;
const MAX_SLOW_CONNECTS: u64 = 100_000;
/// Connections the flooding address keeps busy at once.
const FLOOD_CONNECTIONS: usize = 2;
/// The time a slow client waits between header bytes; the whole request takes
/// far longer than the helper's header-read timeout (5 s by default).
const SLOW_BYTE: Duration = Duration::from_millis(400);
/// Largest answer read; the helper's answers are a few hundred bytes.
const MAX_ANSWER: usize = 1 << 20;

/// The loopback source address of well-behaved client `i` (127.0.1.x..).
fn client_addr(i: usize) -> Ipv4Addr {
    Ipv4Addr::new(127, 0, 1 + (i / 250) as u8, 1 + (i % 250) as u8)
}

/// The loopback source address of slow client `i` (127.0.3.x..).
fn slow_addr(i: usize) -> Ipv4Addr {
    Ipv4Addr::new(127, 0, 3 + (i / 250) as u8, 1 + (i % 250) as u8)
}

/// The flooding address.
const FLOOD_ADDR: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 66);

/// A connection to `to` from loopback source address `from` (port chosen by the
/// kernel): bound first, so the helper sees `from` as the client.
async fn connect(from: Ipv4Addr, to: SocketAddr) -> std::io::Result<TcpStream> {
    let sock = TcpSocket::new_v4()?;
    sock.bind(SocketAddr::new(IpAddr::V4(from), 0))?;
    sock.set_nodelay(true)?;
    sock.connect(to).await
}

/// One HTTP/1.1 request on a keep-alive connection: the status and whether the
/// server will keep the connection open. Errors are transport errors.
async fn request(
    stream: &mut TcpStream,
    req: &[u8],
    buf: &mut Vec<u8>,
) -> Result<(u16, bool), String> {
    stream.write_all(req).await.map_err(|e| e.to_string())?;
    buf.clear();
    let mut chunk = [0u8; 4096];
    // Read until the end of the headers.
    let head_end = loop {
        if let Some(p) = find(buf, b"\r\n\r\n") {
            break p + 4;
        }
        if buf.len() > MAX_ANSWER {
            return Err("headers too long".into());
        }
        let n = stream.read(&mut chunk).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("connection closed before an answer".into());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = std::str::from_utf8(&buf[..head_end]).map_err(|_| "headers not UTF-8")?;
    let status: u16 = head
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .ok_or("no status line")?;
    let mut length = None;
    let mut chunked = false;
    let mut keep = true;
    for line in head.lines().skip(1) {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let v = v.trim();
        if k.eq_ignore_ascii_case("content-length") {
            length = Some(v.parse::<usize>().map_err(|_| "bad content-length")?);
        } else if k.eq_ignore_ascii_case("transfer-encoding") {
            chunked = v.eq_ignore_ascii_case("chunked");
        } else if k.eq_ignore_ascii_case("connection") {
            keep = !v.eq_ignore_ascii_case("close");
        }
    }
    if chunked {
        // Rare for the helper's answers; read to the terminating chunk.
        while find(&buf[head_end..], b"0\r\n\r\n").is_none() {
            if buf.len() > MAX_ANSWER {
                return Err("answer too long".into());
            }
            let n = stream.read(&mut chunk).await.map_err(|e| e.to_string())?;
            if n == 0 {
                return Err("connection closed in a chunked answer".into());
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        return Ok((status, keep));
    }
    let length = length.ok_or("answer without a length")?;
    if length > MAX_ANSWER {
        return Err("answer too long".into());
    }
    while buf.len() < head_end + length {
        let n = stream.read(&mut chunk).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("connection closed in the body".into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok((status, keep))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn get(path: &str, host: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\n\r\n").into_bytes()
}

/// The calls the app makes for `vpn-error-800`, in its order.
fn walk_requests(host: &str, server: &str, walk: u64, client: usize) -> Vec<Vec<u8>> {
    let mut reqs = vec![get(Endpoint::Status.path(), host)];
    for _ in 0..5 {
        reqs.push(get(Endpoint::Ping.path(), host));
    }
    reqs.push(get(Endpoint::WhoAmI.path(), host));
    reqs.push(get(Endpoint::Canary.path(), host));
    reqs.push(get(Endpoint::Config.path(), host));
    reqs.push(get(
        &format!("{}?name={server}", Endpoint::Resolve.path()),
        host,
    ));
    for port in [1723, 443] {
        reqs.push(get(
            &format!("{}?server={server}&port={port}", Endpoint::Probe.path()),
            host,
        ));
    }
    // A distinct 64-hex digest per walk, as each findings payload differs.
    let digest = format!("{:032x}{:032x}", client as u128 + 1, walk as u128 + 1);
    let body = format!("{{\"digest\":\"{digest}\"}}");
    reqs.push(
        format!(
            "POST {} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            Endpoint::Seal.path(),
            body.len()
        )
        .into_bytes(),
    );
    reqs
}

/// What one well-behaved client saw.
#[derive(Default)]
struct Seen {
    walks: u64,
    ok: u64,
    limited: u64,
    other_status: u64,
    transport: u64,
    latencies_us: Vec<u32>,
    first_error: Option<String>,
}

async fn well_behaved(i: usize, to: SocketAddr, server: String, deadline: Instant) -> Seen {
    let host = to.to_string();
    let from = client_addr(i);
    let mut seen = Seen::default();
    let mut buf = Vec::with_capacity(4096);
    let mut conn: Option<TcpStream> = None;
    // Spread the clients' starts over the first think time, as people arrive.
    tokio::time::sleep(THINK * (i as u32 % 16) / 16).await;
    while Instant::now() < deadline && seen.walks < MAX_WALKS {
        for req in walk_requests(&host, &server, seen.walks, i) {
            if Instant::now() >= deadline {
                break;
            }
            let t = Instant::now();
            let result = tokio::time::timeout(REQUEST_TIMEOUT, async {
                if conn.is_none() {
                    conn = Some(
                        connect(from, to)
                            .await
                            .map_err(|e| format!("connect: {e}"))?,
                    );
                }
                let stream = conn.as_mut().ok_or("no connection")?;
                request(stream, &req, &mut buf).await
            })
            .await
            .unwrap_or_else(|_| Err("timed out".into()));
            seen.latencies_us
                .push(t.elapsed().as_micros().min(u32::MAX as u128) as u32);
            match result {
                Ok((status, keep)) => {
                    match status {
                        200..=299 => seen.ok += 1,
                        429 => seen.limited += 1,
                        s => {
                            seen.other_status += 1;
                            seen.first_error.get_or_insert(format!("status {s}"));
                        }
                    }
                    if !keep {
                        conn = None;
                    }
                }
                Err(e) => {
                    seen.transport += 1;
                    seen.first_error.get_or_insert(e);
                    conn = None;
                }
            }
        }
        seen.walks += 1;
        // Never past the deadline, so the run lasts what was asked.
        tokio::time::sleep(THINK.min(deadline.saturating_duration_since(Instant::now()))).await;
    }
    seen
}

/// What the flooding address saw.
#[derive(Default)]
struct Flood {
    requests: u64,
    ok: u64,
    limited: u64,
    other: u64,
}

async fn flood(to: SocketAddr, deadline: Instant) -> Flood {
    let req = get(Endpoint::Ping.path(), &to.to_string());
    let mut f = Flood::default();
    let mut buf = Vec::with_capacity(4096);
    let mut conn: Option<TcpStream> = None;
    while Instant::now() < deadline && f.requests < MAX_FLOOD {
        f.requests += 1;
        let result = tokio::time::timeout(REQUEST_TIMEOUT, async {
            if conn.is_none() {
                conn = Some(connect(FLOOD_ADDR, to).await.map_err(|e| e.to_string())?);
            }
            let stream = conn.as_mut().ok_or("no connection")?;
            request(stream, &req, &mut buf).await
        })
        .await
        .unwrap_or_else(|_| Err("timed out".into()));
        match result {
            Ok((status, keep)) => {
                match status {
                    200..=299 => f.ok += 1,
                    429 => f.limited += 1,
                    _ => f.other += 1,
                }
                if !keep {
                    conn = None;
                }
            }
            Err(_) => {
                f.other += 1;
                conn = None;
                // A refused connect would otherwise spin; back off a little.
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
    f
}

/// What one slow client saw.
#[derive(Default)]
struct Slow {
    connects: u64,
    dropped: u64,
    answered: u64,
}

async fn slow(i: usize, to: SocketAddr, deadline: Instant) -> Slow {
    let req = get(Endpoint::Ping.path(), &to.to_string());
    let from = slow_addr(i);
    let mut s = Slow::default();
    tokio::time::sleep(SLOW_BYTE * (i as u32 % 8) / 8).await;
    while Instant::now() < deadline && s.connects < MAX_SLOW_CONNECTS {
        s.connects += 1;
        let Ok(mut stream) = connect(from, to).await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        let mut sent = 0;
        let mut scratch = [0u8; 1024];
        // One byte per SLOW_BYTE, watching for the helper closing the connection.
        loop {
            if Instant::now() >= deadline {
                return s;
            }
            if sent < req.len() {
                if stream.write_all(&req[sent..sent + 1]).await.is_err() {
                    s.dropped += 1;
                    break;
                }
                sent += 1;
            }
            let wait = deadline
                .saturating_duration_since(Instant::now())
                .min(SLOW_BYTE);
            match tokio::time::timeout(wait, stream.read(&mut scratch)).await {
                Err(_) => {} // Nothing from the helper yet: send the next byte.
                Ok(Ok(0)) | Ok(Err(_)) => {
                    s.dropped += 1;
                    break;
                }
                Ok(Ok(n)) => {
                    // A 408 or similar before closing counts as a drop; a real
                    // answer would mean the slow request got through.
                    if scratch[..n].starts_with(b"HTTP/1.1 2") {
                        s.answered += 1;
                    }
                    s.dropped += 1;
                    break;
                }
            }
        }
    }
    s
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)] as f64 / 1000.0
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(to), Some(seconds), Some(server), Some(clients), Some(slow_clients)) = (
        args.get(1).and_then(|a| a.parse::<SocketAddr>().ok()),
        args.get(2).and_then(|s| s.parse::<u64>().ok()),
        args.get(3).cloned(),
        args.get(4).and_then(|n| n.parse::<usize>().ok()),
        args.get(5).and_then(|n| n.parse::<usize>().ok()),
    ) else {
        eprintln!("usage: soak <127.x.x.x:port> <seconds> <server-name> <clients> <slow-clients>");
        std::process::exit(2);
    };
    // Loopback only: this is load, and must never leave the machine.
    if !to.ip().is_loopback() || !to.is_ipv4() {
        eprintln!("soak: {to} is not an IPv4 loopback address; refusing");
        std::process::exit(2);
    }
    if clients > 250 * 2 || slow_clients > 250 * 2 {
        eprintln!("soak: at most 500 clients of each kind (their addresses are 127.0.1-4.x)");
        std::process::exit(2);
    }
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);

    let mut good = JoinSet::new();
    for i in 0..clients {
        good.spawn(well_behaved(i, to, server.clone(), deadline));
    }
    let mut slows = JoinSet::new();
    for i in 0..slow_clients {
        slows.spawn(slow(i, to, deadline));
    }
    let mut floods = JoinSet::new();
    for _ in 0..FLOOD_CONNECTIONS {
        floods.spawn(flood(to, deadline));
    }

    let mut all = Seen::default();
    let mut first_error = None;
    while let Some(r) = good.join_next().await {
        let Ok(s) = r else { continue };
        all.walks += s.walks;
        all.ok += s.ok;
        all.limited += s.limited;
        all.other_status += s.other_status;
        all.transport += s.transport;
        all.latencies_us.extend(s.latencies_us);
        if first_error.is_none() {
            first_error = s.first_error;
        }
    }
    let mut f = Flood::default();
    while let Some(r) = floods.join_next().await {
        let Ok(x) = r else { continue };
        f.requests += x.requests;
        f.ok += x.ok;
        f.limited += x.limited;
        f.other += x.other;
    }
    let mut sl = Slow::default();
    while let Some(r) = slows.join_next().await {
        let Ok(x) = r else { continue };
        sl.connects += x.connects;
        sl.dropped += x.dropped;
        sl.answered += x.answered;
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.latencies_us.sort_unstable();
    let lat = &all.latencies_us;
    println!(
        "soak seconds={elapsed:.1} clients={clients} walks={} requests={} ok={} limited={} other_status={} transport={} p50_ms={:.2} p99_ms={:.2} max_ms={:.2} flood_requests={} flood_ok={} flood_limited={} flood_other={} slow_clients={slow_clients} slow_connects={} slow_dropped={} slow_answered={}",
        all.walks,
        lat.len(),
        all.ok,
        all.limited,
        all.other_status,
        all.transport,
        percentile(lat, 0.50),
        percentile(lat, 0.99),
        percentile(lat, 1.0),
        f.requests,
        f.ok,
        f.limited,
        f.other,
        sl.connects,
        sl.dropped,
        sl.answered,
    );
    if let Some(e) = first_error {
        println!("soak first_error: {e}");
    }
}
