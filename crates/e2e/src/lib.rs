//! End-to-end harness: starts `fixpath serve` and chromedriver on loopback, opens
//! headless Chromium sessions, and walks a troubleshooter through the real page.
//! Every wait is on a condition in the page (WebDriver polling), never a fixed sleep.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type Result<T> = std::result::Result<T, Error>;

/// Longest wait for any one condition in the page.
pub const WAIT: Duration = Duration::from_secs(20);

/// Where `cargo xtask test` put the helper binary and the built app.
fn env_path(var: &str) -> Result<PathBuf> {
    std::env::var_os(var).map(PathBuf::from).ok_or_else(|| {
        format!("{var} is not set: run the end-to-end tests with `cargo xtask test`, which builds the app and the helper first").into()
    })
}

/// A running `fixpath serve`.
pub struct Helper {
    child: Child,
    /// e.g. `http://127.0.0.1:40123/`
    pub url: String,
}

impl Helper {
    /// Starts the helper on a free loopback port, with `config` (TOML text) or the
    /// embedded default, and waits until it says where it listens.
    pub async fn start(config: Option<&str>) -> Result<Helper> {
        let bin = env_path("FIXPATH_BIN")?;
        let dist = env_path("FIXPATH_DIST")?;
        let mut cmd = Command::new(bin);
        cmd.arg("serve")
            .arg("--port")
            .arg("0")
            .arg("--dist")
            .arg(dist)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        let dir = std::env::temp_dir().join(format!(
            "fixpath-e2e-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir)?;
        cmd.current_dir(&dir);
        if let Some(cfg) = config {
            let path = dir.join("fixpath.toml");
            std::fs::write(&path, cfg)?;
            cmd.arg("--config").arg(path);
        }
        let mut child = cmd.spawn()?;
        let stdout = child.stdout.take().ok_or("no stdout from the helper")?;
        let mut lines = BufReader::new(stdout).lines();
        let url = tokio::time::timeout(WAIT, async {
            while let Some(line) = lines.next_line().await? {
                if let Some(at) = line.find("http://") {
                    let url: String = line[at..]
                        .chars()
                        .take_while(|c| !c.is_whitespace())
                        .collect();
                    return Ok::<_, Error>(url);
                }
            }
            Err("the helper exited before printing its address".into())
        })
        .await
        .map_err(|_| "the helper did not print its address in time")??;
        // Keep draining stdout so the helper never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let url = if url.ends_with('/') {
            url
        } else {
            format!("{url}/")
        };
        Ok(Helper { child, url })
    }

    /// Stops the helper (SIGKILL) and waits for it to go.
    pub async fn stop(&mut self) -> Result<()> {
        self.child.kill().await?;
        Ok(())
    }
}

static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A running chromedriver.
pub struct Driver {
    _child: Child,
    pub url: String,
}

impl Driver {
    pub async fn start() -> Result<Driver> {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0")?;
            l.local_addr()?.port()
        };
        let bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let child = Command::new(bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()?;
        let url = format!("http://127.0.0.1:{port}");
        // Ready when it accepts connections.
        tokio::time::timeout(WAIT, async {
            while tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_err()
            {
                tokio::task::yield_now().await;
            }
        })
        .await
        .map_err(|_| "chromedriver did not start")?;
        Ok(Driver { _child: child, url })
    }

    /// A fresh headless Chromium session (new profile: nothing shared between sessions).
    pub async fn browser(&self) -> Result<Client> {
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
        let caps = match caps {
            serde_json::Value::Object(m) => m,
            _ => unreachable!("a JSON object literal"),
        };
        let mut builder =
            ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
        builder.capabilities(caps);
        Ok(builder.connect(&self.url).await?)
    }
}

/// How to answer each step, by node id; anything not named takes the first
/// choice, and advice "Didn't help".
#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub choices: HashMap<String, String>,
    pub fixed: Vec<String>,
    pub server_name: String,
    /// Called with the node id before acting on it; returning true stops the walk
    /// there (to stop the helper mid-flow, say).
    pub stop_at: Option<String>,
}

/// What a walk saw.
#[derive(Debug, Clone, Default)]
pub struct Walk {
    /// Node ids in the order they were shown.
    pub nodes: Vec<String>,
    /// The outcome node id.
    pub outcome: String,
    /// Check node id -> the result class (`pass`, `warn`, `fail`, `unknown`) and message.
    pub checks: HashMap<String, (String, String)>,
}

async fn exists(c: &Client, css: &str) -> Result<bool> {
    Ok(!c.find_all(Locator::Css(css)).await?.is_empty())
}

/// The id of the step on screen.
pub async fn current_node(c: &Client) -> Result<String> {
    let step = c
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(".step[data-node]"))
        .await?;
    Ok(step.attr("data-node").await?.unwrap_or_default())
}

/// Walks from the current step until an outcome (or `policy.stop_at`).
pub async fn walk(c: &Client, policy: &Policy, walk: &mut Walk) -> Result<()> {
    for _ in 0..200 {
        let node = current_node(c).await?;
        if walk.nodes.last() != Some(&node) {
            walk.nodes.push(node.clone());
        }
        if policy.stop_at.as_deref() == Some(node.as_str()) {
            return Ok(());
        }
        let here = format!(".step[data-node=\"{node}\"]");
        if exists(c, &format!("{here} .outcome")).await? {
            walk.outcome = node;
            return Ok(());
        } else if exists(c, &format!("{here} .question")).await? {
            let sel = match policy.choices.get(&node) {
                Some(choice) => format!("{here} [data-choice=\"{choice}\"]"),
                None => format!("{here} .choice"),
            };
            c.find(Locator::Css(&sel)).await?.click().await?;
        } else if exists(c, &format!("{here} .check")).await? {
            if exists(c, "#server-name").await? {
                let input = c.find(Locator::Id("server-name")).await?;
                input.send_keys(&policy.server_name).await?;
                c.find(Locator::Css("form.server-name button"))
                    .await?
                    .click()
                    .await?;
            }
            let result = c
                .wait()
                .at_most(WAIT)
                .for_element(Locator::Css(&format!("{here} .result")))
                .await?;
            let class = result.attr("class").await?.unwrap_or_default();
            let outcome = ["pass", "warn", "fail", "unknown"]
                .into_iter()
                .find(|o| class.split_whitespace().any(|w| w == *o))
                .unwrap_or("")
                .to_string();
            walk.checks
                .insert(node.clone(), (outcome, result.text().await?));
            c.find(Locator::Css(&format!("{here} .choice")))
                .await?
                .click()
                .await?;
        } else if exists(c, &format!("{here} .advice")).await? {
            let idx = if policy.fixed.contains(&node) { 0 } else { 1 };
            let buttons = c.find_all(Locator::Css(&format!("{here} .choice"))).await?;
            buttons
                .get(idx)
                .ok_or("advice without its two buttons")?
                .clone()
                .click()
                .await?;
        } else {
            return Err(format!("step {node} shows nothing we know how to answer").into());
        }
        // The step must change before we look again.
        c.wait()
            .at_most(WAIT)
            .for_element(Locator::Css(&format!(
                ".step[data-node]:not([data-node=\"{node}\"])"
            )))
            .await?;
    }
    Err("the walk did not reach an outcome in 200 steps".into())
}

/// Waits until the outcome's seal attempt has finished, then returns the link.
pub async fn findings_link(c: &Client) -> Result<(String, bool)> {
    c.wait()
        .at_most(WAIT)
        .for_element(Locator::Css(".seal-state:not(:empty)"))
        .await?;
    // "Sealing…" is replaced by either the sealed or the not-sealed sentence.
    let state = c
        .wait()
        .at_most(WAIT)
        .for_element(Locator::XPath(
            "//p[contains(@class,'seal-state') and not(contains(., 'Sealing'))]",
        ))
        .await?;
    let sealed = state
        .attr("class")
        .await?
        .unwrap_or_default()
        .contains("sealed");
    let link = c
        .find(Locator::Css(".findings-link"))
        .await?
        .prop("value")
        .await?
        .unwrap_or_default();
    Ok((link, sealed))
}
