//! A stand-in VPN server port for benchmarks: accepts TCP connections on loopback
//! and prints one line per connect, so the bench can count what the helper sent.
//! Usage: target <port|0>

use tokio::io::AsyncWriteExt;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let mut out = tokio::io::stdout();
    out.write_all(format!("target listening on {}\n", listener.local_addr()?).as_bytes())
        .await?;
    out.flush().await?;
    let mut count = 0u64;
    loop {
        let (sock, _) = listener.accept().await?;
        drop(sock);
        count += 1;
        out.write_all(format!("connect {count}\n").as_bytes())
            .await?;
        out.flush().await?;
    }
}
