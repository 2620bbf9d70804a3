//! Slow-mobile cold load for `cargo xtask bench`: a fresh headless Chromium
//! profile throttled through the DevTools protocol (chromedriver's
//! `goog/cdp/execute`) to 1.6 Mbps down, 750 kbps up and 150 ms latency, with
//! the cache disabled; the time from navigation start to the running app
//! answering a keystroke in the home page's filter box (a letter no
//! troubleshooter has, typed through WebDriver; answered when the app shows its
//! "no troubleshooter matches" line), in milliseconds on the page's clock.
//! Usage: mobile <chromedriver-url> <runs> <page-url>
//! Prints `mobile <url> runs=N down_bps=.. up_bps=.. latency_ms=.. ms=a,b,...
//! bytes=a,b,... api_bytes=a,b,... resources=a,b,...`: the throttle, then per run the encoded body bytes the page received (page
//! and files; the API's answers apart), as the browser's Resource Timing counts.

use std::time::Duration;

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{ClientBuilder, Locator};
use serde_json::{json, Value};

/// The throttle: bits per second down and up, latency per request (printed with
/// the figures, so the floor is computed from the same numbers).
const DOWN_BITS: f64 = 1_600_000.0;
const UP_BITS: f64 = 750_000.0;
const LATENCY_MS: f64 = 150.0;

/// One DevTools command through chromedriver.
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({ "cmd": self.cmd, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}

/// Picks a letter no listed troubleshooter contains (so the list empties), and
/// records on the page's clock when the app says nothing matches.
const ARM: &str = r#"
const text = [...document.querySelectorAll('.tree-card')]
  .map((e) => e.textContent.toLowerCase()).join(' ');
const key = [...'qxzjkwy'].find((c) => !text.includes(c));
window.__fixpathAnswered = null;
new MutationObserver((_, obs) => {
  if (document.querySelector('.home p.empty')) {
    window.__fixpathAnswered = performance.now();
    obs.disconnect();
  }
}).observe(document.body, { childList: true, subtree: true });
return key ?? null;
"#;

/// Resolves, once the answer is recorded, with its time and what the page received.
const ANSWERED: &str = r#"
const done = arguments[arguments.length - 1];
const check = () => {
  if (window.__fixpathAnswered === null) { setTimeout(check, 1); return; }
  const entries = [...performance.getEntriesByType('navigation'),
                   ...performance.getEntriesByType('resource')];
  done({
    ms: window.__fixpathAnswered,
    entries: entries.map((e) => [e.name, e.encodedBodySize]),
  });
};
check();
"#;

struct Run {
    ms: f64,
    bytes: u64,
    api_bytes: u64,
    resources: usize,
}

async fn one(driver: &str, url: &str) -> Result<Run, Box<dyn std::error::Error>> {
    let caps = json!({
        "pageLoadStrategy": "none",
        "timeouts": { "script": 120000, "pageLoad": 120000 },
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                "--window-size=412,900"
            ]
        }
    });
    let Value::Object(caps) = caps else {
        return Err("capabilities".into());
    };
    let mut builder = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
    builder.capabilities(caps);
    let c = builder.connect(driver).await?;
    let result = async {
        for (cmd, params) in [
            ("Network.enable", json!({})),
            ("Network.setCacheDisabled", json!({ "cacheDisabled": true })),
            (
                "Network.emulateNetworkConditions",
                json!({
                    "offline": false,
                    "latency": LATENCY_MS,
                    "downloadThroughput": DOWN_BITS / 8.0,
                    "uploadThroughput": UP_BITS / 8.0,
                }),
            ),
        ] {
            c.issue_cmd(Cdp { cmd, params }).await?;
        }
        // Returns as the navigation starts (page load strategy "none").
        c.goto(url).await?;
        let filter = c
            .wait()
            .every(Duration::from_millis(5))
            .at_most(Duration::from_secs(120))
            .for_element(Locator::Id("filter"))
            .await?;
        let key = c.execute(ARM, vec![]).await?;
        let key = key
            .as_str()
            .ok_or("every letter is in some troubleshooter")?;
        filter.send_keys(key).await?;
        let v = c.execute_async(ANSWERED, vec![]).await?;
        let ms = v["ms"].as_f64().ok_or("no answer time")?;
        let entries = v["entries"].as_array().ok_or("no entries")?;
        let (mut bytes, mut api_bytes) = (0, 0);
        for e in entries {
            let size = e[1].as_u64().unwrap_or(0);
            if e[0].as_str().unwrap_or_default().contains("/api/") {
                api_bytes += size;
            } else {
                bytes += size;
            }
        }
        Ok::<_, Box<dyn std::error::Error>>(Run {
            ms,
            bytes,
            api_bytes,
            resources: entries.len(),
        })
    }
    .await;
    let _ = c.close().await;
    result
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(driver), Some(runs), Some(url)) = (
        args.get(1),
        args.get(2).and_then(|r| r.parse::<usize>().ok()),
        args.get(3),
    ) else {
        eprintln!("usage: mobile <chromedriver-url> <runs> <page-url>");
        std::process::exit(2);
    };
    let mut done = Vec::new();
    for _ in 0..runs {
        match one(driver, url).await {
            Ok(r) => done.push(r),
            Err(e) => {
                eprintln!("mobile: {url}: {e}");
                std::process::exit(1);
            }
        }
    }
    let list = |f: &dyn Fn(&Run) -> String| done.iter().map(f).collect::<Vec<_>>().join(",");
    println!(
        "mobile {url} runs={runs} down_bps={DOWN_BITS} up_bps={UP_BITS} latency_ms={LATENCY_MS} ms={} bytes={} api_bytes={} resources={}",
        list(&|r| format!("{:.1}", r.ms)),
        list(&|r| r.bytes.to_string()),
        list(&|r| r.api_bytes.to_string()),
        list(&|r| r.resources.to_string()),
    );
}
