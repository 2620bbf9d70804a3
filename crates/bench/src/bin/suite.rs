//! The check suite for `cargo xtask bench`: walks `vpn-error-800` in headless
//! Chromium against `fixpath serve` on loopback and reads how long the app's
//! automatic checks took (the `fixpath-checks` performance measures the app
//! records per batch: on entering the flow, and once the server name is typed).
//! Run with everything answering, and with the public canary URL hanging (a
//! loopback listener that accepts and never answers), to show timeouts bound it.
//! Usage: suite <runs>  (FIXPATH_BIN, FIXPATH_DIST and CHROMEDRIVER as for e2e).
//! Prints one line per scenario: `suite <name> runs=N ms=a,b,...`.

use fixpath_e2e::{open_flow, walk, Driver, Helper, Loopback, Policy, Walk, DEMO_SERVER};

/// Sums the durations of every `fixpath-checks` measure on the page.
const SUITE_MS: &str = r#"
return performance.getEntriesByName("fixpath-checks").reduce((t, e) => t + e.duration, 0);
"#;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// A loopback port that accepts connections and never answers: a hanging site.
async fn hanging_port() -> Result<u16> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        // Bounded: a benchmark run opens a few dozen connections at most.
        while held.len() < 10_000 {
            match listener.accept().await {
                Ok((sock, _)) => held.push(sock),
                Err(_) => break,
            }
        }
    });
    Ok(port)
}

async fn scenario(name: &str, config: &str, runs: usize, driver: &Driver) -> Result<()> {
    let helper = Helper::start(Some(config)).await?;
    let policy = Policy {
        server_name: DEMO_SERVER.into(),
        ..Policy::default()
    };
    let mut times = Vec::new();
    for _ in 0..runs {
        let c = driver.browser().await?;
        let outcome = async {
            open_flow(&c, &helper, "vpn-error-800").await?;
            let mut w = Walk::default();
            walk(&c, &policy, &mut w).await?;
            let ms = c.execute(SUITE_MS, vec![]).await?;
            ms.as_f64()
                .ok_or_else(|| "no fixpath-checks measure".into())
        };
        let outcome: Result<f64> = outcome.await;
        let _ = c.close().await;
        times.push(outcome?);
    }
    let list: Vec<String> = times.iter().map(|v| format!("{v:.0}")).collect();
    println!("suite {name} runs={runs} ms={}", list.join(","));
    Ok(())
}

#[tokio::main]
async fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|r| r.parse().ok())
        .unwrap_or(10);
    let result = async {
        let driver = Driver::start().await?;
        let fine = Loopback::new()?.toml();
        scenario("everything_answers", &fine, runs, &driver).await?;
        let hang = hanging_port().await?;
        let hanging = Loopback::new()?.toml();
        let hanging = hanging
            .lines()
            .map(|l| {
                if l.starts_with("canary_urls") {
                    format!("canary_urls = [\"http://127.0.0.1:{hang}/\"]")
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        scenario("canary_hanging", &hanging, runs, &driver).await
    }
    .await;
    if let Err(e) = result {
        eprintln!("suite: {e}");
        std::process::exit(1);
    }
}
