//! Cold first step for `cargo xtask bench`: loads a page in a fresh headless
//! Chromium profile (nothing cached) and reads, through the Element Timing API,
//! when the troubleshooter list (`elementtiming="tree-list"`) was painted,
//! in milliseconds since navigation start.
//! Usage: cold <chromedriver-url> <runs> <page-url>...
//! Prints one line per page: `cold <url> runs=N ms=a,b,c,...`.

use fantoccini::ClientBuilder;

/// Resolves with the render time of the first `tree-list` element, however long
/// ago it was painted (`buffered`), or when it is.
const PAINTED: &str = r#"
const done = arguments[arguments.length - 1];
new PerformanceObserver((list, obs) => {
  const e = list.getEntries().find((e) => e.identifier === "tree-list");
  if (e) { obs.disconnect(); done(e.renderTime || e.loadTime); }
}).observe({ type: "element", buffered: true });
"#;

async fn one(driver: &str, url: &str) -> Result<f64, Box<dyn std::error::Error>> {
    let caps = serde_json::json!({
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                "--window-size=1024,900"
            ]
        }
    });
    let serde_json::Value::Object(caps) = caps else {
        return Err("capabilities".into());
    };
    let mut builder = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
    builder.capabilities(caps);
    let c = builder.connect(driver).await?;
    let result = async {
        c.goto(url).await?;
        let v = c.execute_async(PAINTED, vec![]).await?;
        v.as_f64().ok_or_else(|| "no paint time".into())
    }
    .await;
    let _ = c.close().await;
    result
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(driver), Some(runs)) = (
        args.get(1),
        args.get(2).and_then(|r| r.parse::<usize>().ok()),
    ) else {
        eprintln!("usage: cold <chromedriver-url> <runs> <page-url>...");
        std::process::exit(2);
    };
    let pages = &args[3..];
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); pages.len()];
    // Interleave the pages, so drift in the machine's load touches both alike.
    for _ in 0..runs {
        for (i, page) in pages.iter().enumerate() {
            match one(driver, page).await {
                Ok(ms) => times[i].push(ms),
                Err(e) => {
                    eprintln!("cold: {page}: {e}");
                    std::process::exit(1);
                }
            }
        }
    }
    for (page, t) in pages.iter().zip(times) {
        let list: Vec<String> = t.iter().map(|v| format!("{v:.1}")).collect();
        println!("cold {page} runs={runs} ms={}", list.join(","));
    }
}
