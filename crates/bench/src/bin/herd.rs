//! The herd: N concurrent identical requests, each on its own connection, all
//! released at once; prints how many got which status and the slowest answer.
//! Usage: herd <host:port> <path-and-query> <n>

use std::sync::Arc;
use std::time::Instant;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Barrier;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(addr), Some(path), Some(n)) = (
        args.get(1),
        args.get(2),
        args.get(3).and_then(|n| n.parse::<usize>().ok()),
    ) else {
        eprintln!("usage: herd <host:port> <path-and-query> <n>");
        std::process::exit(2);
    };
    let barrier = Arc::new(Barrier::new(n));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(n);
    for _ in 0..n {
        let barrier = barrier.clone();
        let addr = addr.clone();
        let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        tasks.push(tokio::spawn(async move {
            let stream = TcpStream::connect(&addr).await;
            // Everyone connected (or failed) before anyone sends: a true herd.
            barrier.wait().await;
            let mut stream = stream.ok()?;
            let t = Instant::now();
            stream.write_all(req.as_bytes()).await.ok()?;
            let mut buf = Vec::new();
            stream.read_to_end(&mut buf).await.ok()?;
            let status = std::str::from_utf8(buf.get(9..12)?).ok()?.to_string();
            Some((status, t.elapsed().as_secs_f64() * 1000.0))
        }));
    }
    let mut by_status = std::collections::BTreeMap::new();
    let mut slowest: f64 = 0.0;
    let mut failed = 0usize;
    for t in tasks {
        match t.await.ok().flatten() {
            Some((s, ms)) => {
                *by_status.entry(s).or_insert(0usize) += 1;
                slowest = slowest.max(ms);
            }
            None => failed += 1,
        }
    }
    let statuses: Vec<String> = by_status.iter().map(|(s, c)| format!("{s}={c}")).collect();
    println!(
        "herd n={n} statuses {} failed={failed} slowest_ms={slowest:.1} total_ms={:.1}",
        statuses.join(","),
        started.elapsed().as_secs_f64() * 1000.0
    );
}
