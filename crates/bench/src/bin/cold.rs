//! Cold first step for `cargo xtask bench`: loads a page in a fresh headless
//! Chromium profile (nothing cached) and reads, through the Element Timing API,
//! when elements were painted, in milliseconds since navigation start: the
//! troubleshooter list (`elementtiming="tree-list"`, in the page shell) and, on
//! the app, the list the running app rendered (`tree-list-app`).
//! Usage: cold <chromedriver-url> <runs> <page-url>[|<measure>,...]...
//! A measure is one identifier or several joined by `+`: the first paint of any
//! of them (the app replaces the shell's list with its own, sometimes before the
//! browser painted the shell at all). Measures default to `tree-list`.
//! Prints one line per page: `cold <url> runs=N <measure>=a,b,c,... ...`.

use fantoccini::ClientBuilder;

/// Resolves with the earliest render time of the elements whose identifier is
/// one of the script's argument (`a+b`), however long ago they were painted
/// (`buffered`: the first callback holds every earlier entry), or when one is.
const PAINTED: &str = r#"
const [measure, done] = arguments;
const ids = measure.split("+");
new PerformanceObserver((list, obs) => {
  const times = list.getEntries()
    .filter((e) => ids.includes(e.identifier))
    .map((e) => e.renderTime || e.loadTime);
  if (times.length) { obs.disconnect(); done(Math.min(...times)); }
}).observe({ type: "element", buffered: true });
"#;

/// One cold load of `url`: the paint time of each identifier, in order.
async fn one(
    driver: &str,
    url: &str,
    identifiers: &[&str],
) -> Result<Vec<f64>, Box<dyn std::error::Error>> {
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
        let mut times = Vec::new();
        for id in identifiers {
            let v = c.execute_async(PAINTED, vec![(*id).into()]).await?;
            times.push(v.as_f64().ok_or("no paint time")?);
        }
        Ok::<_, Box<dyn std::error::Error>>(times)
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
    let pages: Vec<(&str, Vec<&str>)> = args[3..]
        .iter()
        .map(|p| match p.split_once('|') {
            Some((url, ids)) => (url, ids.split(',').collect()),
            None => (p.as_str(), vec!["tree-list"]),
        })
        .collect();
    // times[page][identifier][run]
    let mut times: Vec<Vec<Vec<f64>>> = pages
        .iter()
        .map(|(_, ids)| vec![Vec::new(); ids.len()])
        .collect();
    // Interleave the pages, so drift in the machine's load touches both alike.
    for _ in 0..runs {
        for (i, (url, ids)) in pages.iter().enumerate() {
            match one(driver, url, ids).await {
                Ok(ms) => {
                    for (series, v) in times[i].iter_mut().zip(ms) {
                        series.push(v);
                    }
                }
                Err(e) => {
                    eprintln!("cold: {url}: {e}");
                    std::process::exit(1);
                }
            }
        }
    }
    for ((url, ids), t) in pages.iter().zip(times) {
        let fields: Vec<String> = ids
            .iter()
            .zip(t)
            .map(|(id, series)| {
                let list: Vec<String> = series.iter().map(|v| format!("{v:.1}")).collect();
                format!("{id}={}", list.join(","))
            })
            .collect();
        println!("cold {url} runs={runs} {}", fields.join(" "));
    }
}
