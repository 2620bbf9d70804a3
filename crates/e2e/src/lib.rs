//! End-to-end harness: starts `fixpath serve` and chromedriver on loopback, opens
//! headless Chromium sessions, and walks a troubleshooter through the real page.
//! Every wait is on a condition in the page (WebDriver polling), never a fixed sleep.

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type Result<T> = std::result::Result<T, Error>;

/// Longest wait for any one condition in the page.
pub const WAIT: Duration = Duration::from_secs(20);
/// How often a condition is looked at again while waiting for it.
pub const POLL: Duration = Duration::from_millis(40);

/// The demo VPN server's name, as the helper configs here know it.
pub const DEMO_SERVER: &str = "vpn.demo.fixpath.test";

/// A near miss of [`DEMO_SERVER`] (two letters swapped), as a user might type it.
pub const DEMO_SERVER_TYPO: &str = "vpn.demo.fixpath.tset";

/// A user agent of Chromium on Windows, for [`Driver::windows_browser`].
pub const WINDOWS_UA: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36";

/// Where `cargo xtask test` put the helper binary and the built app.
fn env_path(var: &str) -> Result<PathBuf> {
    std::env::var_os(var).map(PathBuf::from).ok_or_else(|| {
        format!("{var} is not set: run the end-to-end tests with `cargo xtask test`, which builds the app and the helper first").into()
    })
}

/// Waits until `probe` gives a value, looking again every [`POLL`] for at most
/// [`WAIT`]; `what` names the condition in the error.
pub async fn poll<T, F, Fut>(what: &str, mut probe: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = probe().await? {
            return Ok(v);
        }
        if start.elapsed() > WAIT {
            return Err(format!("gave up after {WAIT:?} waiting for {what}").into());
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Waits for an element matching `css`.
pub async fn wait_css(c: &Client, css: &str) -> Result<Element> {
    c.wait()
        .at_most(WAIT)
        .every(POLL)
        .for_element(Locator::Css(css))
        .await
        .map_err(|e| format!("waiting for `{css}`: {e}").into())
}

/// Whether anything matches `css` right now.
pub async fn exists(c: &Client, css: &str) -> Result<bool> {
    Ok(!c.find_all(Locator::Css(css)).await?.is_empty())
}

/// An element's text as the DOM holds it (`textContent`, runs of white space made
/// one space), independent of CSS such as `text-transform`.
pub async fn content(e: &Element) -> Result<String> {
    let text = e.prop("textContent").await?.unwrap_or_default();
    Ok(text.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// The text of the first element matching `css` right now, if there is one.
pub async fn text_of(c: &Client, css: &str) -> Result<Option<String>> {
    match c.find_all(Locator::Css(css)).await?.first() {
        Some(e) => Ok(Some(content(e).await?)),
        None => Ok(None),
    }
}

/// `N` distinct loopback ports nothing listens on right now (bound to
/// 127.0.0.1:0 together, then released for the helper to take).
pub fn free_ports<const N: usize>() -> Result<[u16; N]> {
    // Held together so the N ports differ.
    let mut held = Vec::with_capacity(N);
    let mut ports = [0u16; N];
    for p in &mut ports {
        let l = std::net::TcpListener::bind("127.0.0.1:0")?;
        *p = l.local_addr()?.port();
        held.push(l);
    }
    Ok(ports)
}

/// A helper configuration with every target on loopback, on ports picked free for
/// this test only (so helpers of tests running side by side never share a port):
/// the demo VPN server `vpn.demo.fixpath.test` → 127.0.0.1 with its 1723 and 443
/// mapped to demo listeners, two alternate ping ports, and a canary URL on the
/// first of them.
#[derive(Debug, Clone)]
pub struct Loopback {
    /// Where probes of port 1723 connect.
    pub pptp: u16,
    /// Where probes of port 443 connect.
    pub sstp: u16,
    /// Alternate ping ports.
    pub alt: [u16; 2],
    /// Whether a demo listener answers on `pptp` (false: the probe is refused).
    pub pptp_open: bool,
}

impl Loopback {
    pub fn new() -> Result<Loopback> {
        let [pptp, sstp, a, b] = free_ports::<4>()?;
        Ok(Loopback {
            pptp,
            sstp,
            alt: [a, b],
            pptp_open: true,
        })
    }

    /// The same, with nothing listening where probes of 1723 go.
    pub fn pptp_closed(mut self) -> Loopback {
        self.pptp_open = false;
        self
    }

    pub fn toml(&self) -> String {
        let Loopback {
            pptp,
            sstp,
            alt: [a, b],
            ..
        } = self;
        let mut listeners = vec![format!("\"127.0.0.1:{sstp}\"")];
        if self.pptp_open {
            listeners.push(format!("\"127.0.0.1:{pptp}\""));
        }
        format!(
            r#"# Written by the end-to-end tests: everything on loopback.
canary_urls = ["http://127.0.0.1:{a}/api/v1/ping"]

[[servers]]
name = "{DEMO_SERVER}"
expected = ["127.0.0.1"]
ports = [1723, 443]
port_map = {{ 1723 = {pptp}, 443 = {sstp} }}

[listen]
address = "127.0.0.1"
alt_ports = [{a}, {b}]

[dns]
upstream = "none"

[dns.static]
"{DEMO_SERVER}" = ["127.0.0.1"]

[targets]
allow_addresses = ["127.0.0.1"]

[probe]
connect_timeout_ms = 2000

[demo]
listeners = [{}]
"#,
            listeners.join(", ")
        )
    }
}

/// A running `fixpath serve`.
pub struct Helper {
    child: Child,
    /// e.g. `http://127.0.0.1:40123/`
    pub url: String,
    /// Its working directory (state files, config, `helper.log`).
    pub dir: PathBuf,
}

impl Helper {
    /// Starts the helper on a free loopback port, with `config` (TOML text) or the
    /// embedded default, and waits until it says where it listens. Its log goes to
    /// `helper.log` in its own directory.
    pub async fn start(config: Option<&str>) -> Result<Helper> {
        Self::start_with(config, &[]).await
    }

    /// The same, with more arguments for `serve` (`--content DIR`, say).
    pub async fn start_with(config: Option<&str>, args: &[&std::ffi::OsStr]) -> Result<Helper> {
        let bin = env_path("FIXPATH_BIN")?;
        let dist = env_path("FIXPATH_DIST")?;
        let dir = std::env::temp_dir().join(format!(
            "fixpath-e2e-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir)?;
        let log = std::fs::File::create(dir.join("helper.log"))?;
        let mut cmd = Command::new(bin);
        cmd.arg("serve")
            .arg("--port")
            .arg("0")
            .arg("--dist")
            .arg(dist)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .kill_on_drop(true)
            .current_dir(&dir);
        if let Some(cfg) = config {
            let path = dir.join("fixpath.toml");
            std::fs::write(&path, cfg)?;
            cmd.arg("--config").arg(path);
        }
        let mut child = cmd.spawn()?;
        let stdout = child.stdout.take().ok_or("no stdout from the helper")?;
        let mut lines = BufReader::new(stdout).lines();
        let found = tokio::time::timeout(WAIT, async {
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
        .await;
        let url = match found {
            Ok(Ok(url)) => url,
            Ok(Err(e)) => return Err(with_log(&dir, &e.to_string())),
            Err(_) => {
                return Err(with_log(
                    &dir,
                    "the helper did not print its address in time",
                ))
            }
        };
        // Keep draining stdout so the helper never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let url = if url.ends_with('/') {
            url
        } else {
            format!("{url}/")
        };
        Ok(Helper { child, url, dir })
    }

    /// Stops the helper at once (SIGKILL, as if it crashed) and waits for it to go.
    pub async fn stop(&mut self) -> Result<()> {
        self.child.kill().await?;
        Ok(())
    }

    /// `fixpath decode LINK` with this helper's config, in its directory: the
    /// text it prints, or its exit status and error output.
    pub async fn decode(&self, link: &str) -> Result<String> {
        let bin = env_path("FIXPATH_BIN")?;
        let mut cmd = Command::new(bin);
        cmd.arg("decode").arg(link).current_dir(&self.dir);
        let config = self.dir.join("fixpath.toml");
        if config.is_file() {
            cmd.arg("--config").arg(config);
        }
        let out = cmd.output().await?;
        if !out.status.success() {
            return Err(format!(
                "fixpath decode failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )
            .into());
        }
        Ok(String::from_utf8(out.stdout)?)
    }

    /// `link` (made on any helper) pointed at this helper: same fragment, this origin.
    pub fn here(&self, link: &str) -> String {
        match link.find('#') {
            Some(at) => format!("{}{}", self.url, &link[at..]),
            None => format!("{}{link}", self.url),
        }
    }
}

fn with_log(dir: &std::path::Path, why: &str) -> Error {
    let log = std::fs::read_to_string(dir.join("helper.log")).unwrap_or_default();
    format!("{why}; its log:\n{log}").into()
}

impl Drop for Helper {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
        if std::thread::panicking() {
            // Kept for the failure report.
            eprintln!("helper log in {}", self.dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A running chromedriver, in its own process group with every Chromium it starts:
/// dropping it kills the whole group, so no browser outlives a test.
pub struct Driver {
    child: Child,
    pub url: String,
}

impl Driver {
    pub async fn start() -> Result<Driver> {
        let [port] = free_ports::<1>()?;
        let bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let mut child = Command::new(bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .kill_on_drop(true)
            .spawn()?;
        let url = format!("http://127.0.0.1:{port}");
        // Ready when it accepts connections.
        let start = Instant::now();
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            if let Some(status) = child.try_wait()? {
                return Err(format!("chromedriver exited ({status})").into());
            }
            if start.elapsed() > WAIT {
                return Err("chromedriver did not start".into());
            }
            tokio::time::sleep(POLL).await;
        }
        Ok(Driver { child, url })
    }

    /// A fresh headless Chromium session (new profile: nothing shared between sessions).
    pub async fn browser(&self) -> Result<Client> {
        self.browser_as(None).await
    }

    /// The same, saying it runs on Windows ([`WINDOWS_UA`]), where the shipped VPN
    /// tree's platform check passes (headless Chromium here says Linux, which it
    /// only warns about).
    pub async fn windows_browser(&self) -> Result<Client> {
        self.browser_as(Some(WINDOWS_UA)).await
    }

    /// A fresh session with `user_agent` in place of Chromium's own, when given.
    pub async fn browser_as(&self, user_agent: Option<&str>) -> Result<Client> {
        self.browser_with(user_agent, None, (1024, 900)).await
    }

    /// A fresh session whose browser speaks `lang` (its UI language and
    /// `navigator.languages`, the `Accept-Language` it sends), in a window of
    /// `size` CSS pixels.
    pub async fn browser_in(&self, lang: &str, size: (u32, u32)) -> Result<Client> {
        self.browser_with(Some(WINDOWS_UA), Some(lang), size).await
    }

    async fn browser_with(
        &self,
        user_agent: Option<&str>,
        lang: Option<&str>,
        (width, height): (u32, u32),
    ) -> Result<Client> {
        let mut args: Vec<String> = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-dev-shm-usage",
        ]
        .map(String::from)
        .to_vec();
        args.push(format!("--window-size={width},{height}"));
        if let Some(ua) = user_agent {
            args.push(format!("--user-agent={ua}"));
        }
        let lang = lang.unwrap_or("en-US");
        args.push(format!("--lang={lang}"));
        let mut options = serde_json::json!({
            "binary": "/usr/bin/chromium",
            "args": args,
            // What `navigator.languages` and `Accept-Language` say.
            "prefs": { "intl.accept_languages": lang }
        });
        if width < 500 {
            // A desktop window cannot be this narrow: a phone's viewport, emulated.
            options["mobileEmulation"] = serde_json::json!({
                "deviceMetrics": { "width": width, "height": height, "pixelRatio": 2.0 }
            });
        }
        let caps = serde_json::json!({
            "goog:chromeOptions": options,
            // Everything the console shows, kept for `console_errors`.
            "goog:loggingPrefs": { "browser": "ALL" }
        });
        let serde_json::Value::Object(caps) = caps else {
            return Err("capabilities are not a JSON object".into());
        };
        let mut builder =
            ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
        builder.capabilities(caps);
        Ok(builder.connect(&self.url).await?)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The group is chromedriver's pid (process_group(0)); Chromium's processes
        // inherit it. Killing chromedriver alone would leave them running.
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{pid}")])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.child.start_kill();
    }
}

/// chromedriver's log of the browser console (`POST /session/{id}/se/log`), which
/// W3C WebDriver has no command for.
#[derive(Debug)]
struct BrowserLog;

impl fantoccini::wd::WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> std::result::Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(r#"{"type":"browser"}"#.into()))
    }
}

/// The errors the browser console showed since the last call: the page's own
/// (`console.error`, uncaught exceptions, a Rust panic) and every request the
/// browser logged as failed (a 4xx or 5xx answer, a refused connection).
pub async fn console_errors(c: &Client) -> Result<Vec<String>> {
    let log = c.issue_cmd(BrowserLog).await?;
    let entries = log
        .as_array()
        .ok_or_else(|| format!("the browser log is not a list: {log}"))?;
    Ok(entries
        .iter()
        .filter(|e| e["level"] == "SEVERE")
        .map(|e| e["message"].as_str().unwrap_or_default().to_string())
        .collect())
}

/// Fails when the browser console showed any error since the last look; `during`
/// says what the page was doing, for the message.
pub async fn assert_clean_console(c: &Client, during: &str) -> Result<()> {
    let errors = console_errors(c).await?;
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("the browser console showed errors during {during}: {errors:#?}").into())
    }
}

/// Opens troubleshooter `tree` on `helper` and waits for its first step.
pub async fn open_flow(c: &Client, helper: &Helper, tree: &str) -> Result<()> {
    c.goto(&format!("{}#/t/{tree}", helper.url)).await?;
    wait_css(c, ".step[data-node]").await?;
    Ok(())
}

/// How to answer each step, by node id; anything not named takes the first
/// choice, and advice "Didn't help".
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Question node id → choice id.
    pub choices: HashMap<String, String>,
    /// Advice node ids answered "That fixed it".
    pub fixed: Vec<String>,
    /// Typed when a check asks for the server name.
    pub server_name: String,
    /// Stop the walk where it first waits for the user at this node, before acting
    /// on it (to stop the helper mid-flow, say); walking again carries on from there.
    pub stop_at: Option<String>,
    /// Keyboard only: every step that waits for the user must take focus on its
    /// heading, every answer is reached with Tab from there and taken with Enter
    /// (no clicks), and every result is in the screen reader's log.
    pub keyboard: bool,
}

/// What a walk saw.
#[derive(Debug, Clone, Default)]
pub struct Walk {
    /// Node ids in the order the walk went through them: the steps that waited for
    /// the user and, between them, the checks the walk moved on through by itself
    /// (as the checklist lists them).
    pub nodes: Vec<String>,
    /// The nodes where the walk waited for the user, in order (a check asking for
    /// the server name, then stopping at its result, is there twice).
    pub stops: Vec<String>,
    /// The outcome node id (empty until one is reached).
    pub outcome: String,
    /// Check node id -> the result class (`pass`, `warn`, `fail`, `unknown`) and the
    /// sentence the checklist gave it.
    pub checks: HashMap<String, (String, String)>,
    /// The user's actions: each choice, advice button and Continue taken, each
    /// server name submitted, and the click that opened the troubleshooter from the
    /// home page ([`open_from_home`]).
    pub actions: usize,
    /// Checklist lines already taken into `nodes`.
    listed: usize,
}

impl Walk {
    /// The result class and sentence a check node showed.
    pub fn check(&self, node: &str) -> Result<&(String, String)> {
        self.checks
            .get(node)
            .ok_or_else(|| format!("the walk did not run check `{node}`: {:?}", self.nodes).into())
    }
}

/// The home page, then a click on `tree` in its list (counted in `walk.actions`),
/// until the walk's first step is on screen.
pub async fn open_from_home(
    c: &Client,
    helper: &Helper,
    tree: &str,
    walk: &mut Walk,
) -> Result<()> {
    c.goto(&helper.url).await?;
    // The running app's list (the shell's links work too, but the app's is the
    // page a user clicks once it has started).
    wait_css(c, "input[type=search]").await?;
    let link = wait_css(c, &format!("ul.trees a.tree-card[href=\"#/t/{tree}\"]")).await?;
    link.click().await?;
    walk.actions += 1;
    wait_css(c, ".step[data-node]").await?;
    Ok(())
}

/// The id of the step on screen.
pub async fn current_node(c: &Client) -> Result<String> {
    let step = wait_css(c, ".step[data-node]").await?;
    Ok(step.attr("data-node").await?.unwrap_or_default())
}

/// What waits for the user at a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopKind {
    Question,
    Advice,
    /// A check asking for the server name.
    ServerName,
    /// A check whose result (a warning or a problem) waits for Continue.
    Stopped,
    Outcome,
}

/// One look at the page: the step, what (if anything) it waits for, the
/// checklist's finished lines and the screen reader's log, read in one script so
/// they belong to the same render.
#[derive(Debug, Clone)]
struct Look {
    node: String,
    stop: Option<StopKind>,
    /// (node, outcome class, sentence) of each checklist line that has a result.
    lines: Vec<(String, String, String)>,
    /// Each line of `#check-log`.
    log: Vec<String>,
    /// The stopped check's own result sentence, at a `Stopped` step.
    result: Option<String>,
}

const LOOK: &str = r#"
const step = document.querySelector('.step[data-node]');
if (!step) return null;
const has = (css) => step.querySelector(css) !== null;
let stop = null;
if (has('.outcome')) stop = 'outcome';
else if (has('.question .choice[data-choice]')) stop = 'question';
else if (has('.advice .choice')) stop = 'advice';
else if (has('.check #server-name')) stop = 'name';
else if (has('.check .result.warn, .check .result.fail') && has('.check .choice')) stop = 'stopped';
const outcomes = ['pass', 'warn', 'fail', 'unknown'];
const lines = Array.from(document.querySelectorAll('ol.checklist li.cl[data-node]:not(.running)'))
  .map((li) => {
    const t = li.querySelector('.cl-text');
    return [li.getAttribute('data-node'), outcomes.find((o) => li.classList.contains(o)) || '',
            t ? t.textContent : ''];
  });
const log = Array.from(document.querySelectorAll('#check-log[role=log][aria-live=polite] p'))
  .map((p) => p.textContent);
const result = step.querySelector('.check .result');
return { node: step.getAttribute('data-node') || '', stop, lines, log,
         result: result ? result.textContent : null };
"#;

/// Runs of white space made one space, ends trimmed (as [`content`] gives text).
fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

async fn look(c: &Client) -> Result<Option<Look>> {
    let v = c.execute(LOOK, vec![]).await?;
    if v.is_null() {
        return Ok(None);
    }
    let text = |v: &serde_json::Value| squash(v.as_str().unwrap_or_default());
    let stop = match v["stop"].as_str() {
        None => None,
        Some("outcome") => Some(StopKind::Outcome),
        Some("question") => Some(StopKind::Question),
        Some("advice") => Some(StopKind::Advice),
        Some("name") => Some(StopKind::ServerName),
        Some("stopped") => Some(StopKind::Stopped),
        Some(other) => return Err(format!("unknown stop `{other}`").into()),
    };
    let list = |key: &str| v[key].as_array().cloned().unwrap_or_default();
    Ok(Some(Look {
        node: text(&v["node"]),
        stop,
        lines: list("lines")
            .iter()
            .map(|l| (text(&l[0]), text(&l[1]), text(&l[2])))
            .collect(),
        log: list("log").iter().map(text).collect(),
        result: v["result"].as_str().map(squash),
    }))
}

/// Waits until the walk waits for the user (it moves on by itself through every
/// check that passed or could not run).
async fn next_stop(c: &Client) -> Result<Look> {
    poll("the walk to wait for the user", || async {
        Ok(look(c).await?.filter(|l| l.stop.is_some()))
    })
    .await
}

/// Clicks the first element matching `css`.
async fn click(c: &Client, css: &str) -> Result<()> {
    find(c, css).await?.click().await?;
    Ok(())
}

/// The first element matching `css`.
async fn find(c: &Client, css: &str) -> Result<Element> {
    Ok(c.find(Locator::Css(css))
        .await
        .map_err(|e| format!("finding `{css}`: {e}"))?)
}

/// Presses and releases one key, sent to whatever has focus (as a keyboard would).
pub async fn press(c: &Client, key: Key) -> Result<()> {
    let k = char::from(key);
    let keys = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: k })
        .then(KeyAction::Up { value: k });
    c.perform_actions(keys).await?;
    Ok(())
}

/// Whether `e` has the focus.
pub async fn focused(c: &Client, e: &Element) -> Result<bool> {
    let v = c
        .execute(
            "return document.activeElement === arguments[0];",
            vec![serde_json::to_value(e)?],
        )
        .await?;
    Ok(v == serde_json::Value::Bool(true))
}

/// Most Tab presses from a step's heading to any of its controls.
const MAX_TABS: usize = 12;

/// Moves the focus forward with Tab until `e` has it: proves `e` is reachable by
/// keyboard, after the focus's current place in the tab order.
pub async fn tab_to(c: &Client, e: &Element, what: &str) -> Result<()> {
    for _ in 0..MAX_TABS {
        if focused(c, e).await? {
            return Ok(());
        }
        press(c, Key::Tab).await?;
    }
    Err(format!("{what} is not reached with {MAX_TABS} presses of Tab").into())
}

/// Takes `e` (a button): Tab to it and Enter in keyboard mode, else a click.
async fn activate(c: &Client, e: Element, keyboard: bool, what: &str) -> Result<()> {
    if keyboard {
        tab_to(c, &e, what).await?;
        press(c, Key::Enter).await
    } else {
        e.click().await?;
        Ok(())
    }
}

/// Whether the page is wider than the window (it would scroll sideways).
pub async fn scrolls_sideways(c: &Client) -> Result<bool> {
    let v = c
        .execute(
            "const d = document.documentElement; return d.scrollWidth > d.clientWidth;",
            vec![],
        )
        .await?;
    Ok(v == serde_json::Value::Bool(true))
}

/// Walks from the current step until an outcome (or `policy.stop_at`). The walk
/// moves on by itself through checks that pass or could not run; this acts only
/// where it waits for the user (a question, an advice, the server name, a check
/// that found something, the outcome), counting each action in `walk.actions`, and
/// at each of those stops takes every check the checklist lists, with its
/// sentence, into `walk.checks` and `walk.nodes`.
pub async fn walk(c: &Client, policy: &Policy, walk: &mut Walk) -> Result<()> {
    for _ in 0..200 {
        let seen = next_stop(c).await?;
        let node = seen.node.clone();
        let stop = seen.stop.ok_or("a stop without its kind")?;
        // The checks the walk went through since the last stop, in order.
        for (at, (id, class, said)) in seen.lines.iter().enumerate() {
            if class.is_empty() {
                return Err(format!("checklist line of `{id}` without an outcome class").into());
            }
            walk.checks
                .insert(id.clone(), (class.clone(), said.clone()));
            if at >= walk.listed && walk.nodes.last() != Some(id) {
                walk.nodes.push(id.clone());
            }
        }
        walk.listed = walk.listed.max(seen.lines.len());
        if walk.nodes.last() != Some(&node) {
            walk.nodes.push(node.clone());
        }
        if policy.stop_at.as_deref() == Some(node.as_str()) {
            return Ok(());
        }
        walk.stops.push(node.clone());
        let here = format!(".step[data-node=\"{node}\"]");
        if scrolls_sideways(c).await? {
            return Err(format!("step {node}: the page is wider than the window").into());
        }
        if stop == StopKind::Stopped {
            // The step says what its checklist line says.
            let listed = seen.lines.iter().rfind(|l| l.0 == node).map(|l| &l.2);
            if listed != seen.result.as_ref() {
                return Err(format!(
                    "step {node} says {:?}, its checklist line {listed:?}",
                    seen.result
                )
                .into());
            }
        }
        let kb = policy.keyboard;
        if kb {
            let heading = find(c, &format!("{here} h1")).await?;
            poll(&format!("the focus on step {node}'s heading"), || async {
                Ok(focused(c, &heading).await?.then_some(()))
            })
            .await?;
            // Every result, once, in the screen reader's log.
            let said: Vec<&String> = seen.lines.iter().map(|l| &l.2).collect();
            if seen.log.iter().collect::<Vec<_>>() != said {
                return Err(format!(
                    "step {node}: the check log {:?} is not the checklist's results {said:?}",
                    seen.log
                )
                .into());
            }
        }
        match stop {
            StopKind::Outcome => {
                walk.outcome = node;
                return Ok(());
            }
            StopKind::Question => {
                let sel = match policy.choices.get(&node) {
                    Some(choice) => format!("{here} .question .choice[data-choice=\"{choice}\"]"),
                    None => format!("{here} .question .choice[data-choice]"),
                };
                activate(c, find(c, &sel).await?, kb, &sel).await?;
            }
            StopKind::ServerName => {
                if policy.server_name.is_empty() {
                    return Err(format!(
                        "step {node} asks for a server name, and the policy has none"
                    )
                    .into());
                }
                let input = find(c, &format!("{here} #server-name")).await?;
                if kb {
                    // Typed into the field, then Enter submits its form.
                    tab_to(c, &input, "the server name field").await?;
                    input.send_keys(&policy.server_name).await?;
                    press(c, Key::Enter).await?;
                } else {
                    input.send_keys(&policy.server_name).await?;
                    click(c, &format!("{here} form.server-name button[type=submit]")).await?;
                }
            }
            StopKind::Stopped => {
                // Continue (Retry is `.secondary`).
                let sel = format!("{here} .check .choice");
                activate(c, find(c, &sel).await?, kb, &sel).await?;
            }
            StopKind::Advice => {
                let idx = if policy.fixed.contains(&node) { 0 } else { 1 };
                let buttons = c
                    .find_all(Locator::Css(&format!("{here} .advice .choice")))
                    .await?;
                let button = buttons
                    .get(idx)
                    .ok_or("advice without its two buttons")?
                    .clone();
                activate(c, button, kb, &format!("{here}'s advice button {idx}")).await?;
            }
        }
        walk.actions += 1;
        // The page must leave this stop before we look again.
        poll(&format!("the walk to leave step {node}"), || async {
            Ok(look(c)
                .await?
                .filter(|l| l.node != node || l.stop != Some(stop))
                .map(|_| ()))
        })
        .await?;
    }
    Err("the walk did not reach an outcome in 200 stops".into())
}

/// Types `notes` into the outcome step's note for support.
pub async fn type_notes(c: &Client, notes: &str) -> Result<()> {
    let area = wait_css(c, ".outcome textarea#notes").await?;
    area.send_keys(notes).await?;
    Ok(())
}

/// The outcome step's link once its seal attempt has finished.
#[derive(Debug, Clone)]
pub struct Shared {
    /// The findings link as the page offers it.
    pub link: String,
    /// Whether the page says the helper sealed it.
    pub sealed: bool,
    /// The sentence about the seal.
    pub seal_text: String,
}

impl Shared {
    /// The payload in the link (no seal).
    pub fn payload(&self) -> &str {
        fixpath_core::link::payload_of(&self.link)
    }

    /// The seal part of the link, if any.
    pub fn seal(&self) -> Option<&str> {
        fixpath_core::seal::seal_of(&self.link)
    }
}

/// Waits until the outcome's seal attempt has finished for the findings as they
/// stand (with `notes`, when given: each keystroke changes the payload and starts a
/// new seal), then returns the link. Reads the sentence and the link together, in
/// one script, so they belong to the same render.
pub async fn findings_link(c: &Client, notes: Option<&str>) -> Result<Shared> {
    const READ: &str = "const s = document.querySelector('.outcome .seal-state');
        const l = document.querySelector('.outcome .findings-link');
        return (s && l) ? [s.className, s.textContent, l.value] : null;";
    poll("the findings link and its seal", || async move {
        let v = c.execute(READ, vec![]).await?;
        let Some([class, text, link]) = v.as_array().and_then(|a| {
            let s = |i: usize| a.get(i).and_then(|x| x.as_str()).map(str::to_string);
            Some([s(0)?, s(1)?, s(2)?])
        }) else {
            return Ok(None);
        };
        if class.split_whitespace().any(|w| w == "sealing") || !link.contains("#/r/") {
            return Ok(None);
        }
        if let Some(want) = notes {
            match fixpath_core::link::decode_session(&link) {
                Ok(s) if s.notes == want => {}
                _ => return Ok(None),
            }
        }
        let sealed = class.split_whitespace().any(|w| w == "sealed");
        // A link with a seal is only offered beside "Sealed by our helper".
        if sealed != fixpath_core::seal::seal_of(&link).is_some() {
            return Ok(None);
        }
        Ok(Some(Shared {
            link,
            sealed,
            seal_text: text,
        }))
    })
    .await
}

/// What a findings report page shows.
#[derive(Debug, Clone, Default)]
pub struct ReportPage {
    /// `sealed`, `unsealed` or `mismatch`.
    pub badge_class: String,
    pub badge: String,
    /// "VPN error 800 (version 1)".
    pub tree: String,
    /// "Fixed" or "Needs support".
    pub kicker: String,
    /// The outcome's summary.
    pub summary: String,
    pub cause: String,
    /// Each evidence line, in order.
    pub evidence: Vec<EvidenceLine>,
    pub notes: Option<String>,
    /// The VPN server name as typed, when the link carries it.
    pub server: Option<String>,
    /// Any "this link was made with version …" warning.
    pub warning: Option<String>,
}

/// One line of "What we checked" in findings (a report's, or the outcome step's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceLine {
    /// `pass`, `warn`, `fail` or `unknown`.
    pub class: String,
    /// "OK <check text> (<figure> <unit>)": the line without its sentence.
    pub line: String,
    /// The sentence the user read for the result (`<span class="said">`).
    pub said: String,
}

/// The evidence lines under `scope` (`.report`, `.outcome`), read in one script.
pub async fn evidence_lines(c: &Client, scope: &str) -> Result<Vec<EvidenceLine>> {
    const READ: &str =
        "return Array.from(document.querySelectorAll(arguments[0] + ' ul.evidence li.ev'))
        .map((li) => {
            const copy = li.cloneNode(true);
            const said = copy.querySelector('.said');
            if (said) said.remove();
            return [li.className, copy.textContent, said ? said.textContent : null];
        });";
    let v = c.execute(READ, vec![scope.into()]).await?;
    let rows = v.as_array().ok_or("the evidence lines are not a list")?;
    rows.iter()
        .map(|r| {
            let text = |i: usize| r[i].as_str().map(squash);
            let class = text(0).unwrap_or_default();
            Ok(EvidenceLine {
                class: class
                    .split_whitespace()
                    .find(|w| *w != "ev")
                    .unwrap_or_default()
                    .to_string(),
                line: text(1).unwrap_or_default(),
                said: text(2)
                    .ok_or_else(|| format!("an evidence line without its sentence: {r}"))?,
            })
        })
        .collect()
}

/// Waits until the report on screen has checked its seal, then reads it.
pub async fn read_report(c: &Client) -> Result<ReportPage> {
    let badge = wait_css(c, ".report .badge:not(.checking)").await?;
    let class = badge.attr("class").await?.unwrap_or_default();
    let badge_class = class
        .split_whitespace()
        .find(|w| *w != "badge")
        .unwrap_or_default()
        .to_string();
    let evidence = evidence_lines(c, ".report").await?;
    let need = |v: Option<String>, what: &str| -> Result<String> {
        v.ok_or_else(|| format!("the report shows no {what}").into())
    };
    Ok(ReportPage {
        badge_class,
        badge: content(&badge).await?,
        tree: need(text_of(c, ".report .report-tree").await?, "tree line")?,
        kicker: need(text_of(c, ".report .findings .kicker").await?, "kicker")?,
        summary: need(text_of(c, ".report .findings h1").await?, "summary")?,
        cause: need(text_of(c, ".report .findings .cause code").await?, "cause")?,
        evidence,
        notes: text_of(c, ".report .findings .notes").await?,
        server: match c
            .find_all(Locator::XPath(
                "//article[contains(@class,'findings')]/p[starts-with(normalize-space(.),'VPN server as typed')]/code",
            ))
            .await?
            .first()
        {
            Some(e) => Some(content(e).await?),
            None => None,
        },
        warning: text_of(c, ".report .warning").await?,
    })
}

/// The helper's own key id, from `GET /api/v1/keys` (navigates `c` there).
pub async fn helper_key_id(c: &Client, helper: &Helper) -> Result<String> {
    c.goto(&format!("{}api/v1/keys", helper.url)).await?;
    let body = wait_css(c, "body").await?.text().await?;
    let v: serde_json::Value = serde_json::from_str(&body)
        .map_err(|e| format!("/api/v1/keys did not answer JSON ({e}): {body}"))?;
    v["keys"][0]["key_id"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("/api/v1/keys lists no key: {body}").into())
}

/// The nodes the core engine shows for `tree` when every check gives the result
/// the walk saw and every question and advice is answered as `policy` says, skips
/// (`answered_by`) made by the engine.
fn engine_path(
    tree: &fixpath_core::Tree,
    walked: &Walk,
    policy: &Policy,
) -> Result<Vec<fixpath_core::NodeIdx>> {
    use fixpath_core::{CheckOutcome, CheckResult, NodeKind, Session};
    let mut session = Session::start(tree, 0);
    let mut shown = Vec::new();
    for at in 1..=200u64 {
        let idx = session.current(tree);
        let node = tree.node(idx).ok_or("the engine points at no node")?;
        shown.push(idx);
        match &node.kind {
            NodeKind::Outcome { .. } => return Ok(shown),
            NodeKind::Check { .. } => {
                let (class, _) = walked.check(&node.id)?;
                let outcome = CheckOutcome::ALL
                    .into_iter()
                    .find(|o| o.as_str() == class)
                    .ok_or_else(|| format!("`{class}` is not a check outcome"))?;
                session.record_check(tree, CheckResult::new(outcome, None), at)?;
            }
            NodeKind::Question { choices, .. } => {
                let index = match policy.choices.get(&node.id) {
                    Some(id) => choices
                        .iter()
                        .position(|c| &c.id == id)
                        .ok_or_else(|| format!("`{}` has no choice `{id}`", node.id))?,
                    None => 0,
                };
                session.answer(tree, u8::try_from(index)?, at)?;
            }
            NodeKind::Advice { .. } => {
                session.advise(tree, policy.fixed.contains(&node.id), at)?;
            }
        }
    }
    Err("the engine did not reach an outcome in 200 steps".into())
}

/// The steps the core engine shows for `tree` when every check gives the result
/// the walk saw and every question and advice is answered as `policy` says: what
/// the walk must have gone through, skips (`answered_by`) left out.
pub fn expected_path(
    tree: &fixpath_core::Tree,
    walked: &Walk,
    policy: &Policy,
) -> Result<Vec<String>> {
    Ok(engine_path(tree, walked, policy)?
        .into_iter()
        .filter_map(|i| tree.node(i).map(|n| n.id.clone()))
        .collect())
}

/// The fewest actions the user can take along the path the walk took, as the
/// tree needs them: each question the engine did not answer by itself, each
/// advice, and the server name typed once when a check on the path needs it.
/// (Checks ask nothing when they pass or could not run; a warning or a problem
/// waits for Continue, which is not in this minimum. Opening the troubleshooter
/// from the home page is not either.)
pub fn minimum_actions(tree: &fixpath_core::Tree, walked: &Walk, policy: &Policy) -> Result<usize> {
    use fixpath_core::NodeKind;
    let mut needed = 0;
    let mut named = false;
    for idx in engine_path(tree, walked, policy)? {
        match tree.node(idx).map(|n| &n.kind) {
            Some(NodeKind::Question { .. } | NodeKind::Advice { .. }) => needed += 1,
            Some(NodeKind::Check { check, .. }) if check.name().needs_server_name() => named = true,
            _ => {}
        }
    }
    Ok(needed + usize::from(named))
}

/// How the everything-passes walk answers: every question's first choice, every
/// advice "Didn't help" (the longest way to an outcome the answers allow), and
/// the demo server's name when a check asks for it.
pub fn everything_passes() -> Policy {
    Policy {
        server_name: DEMO_SERVER.into(),
        ..Policy::default()
    }
}

/// A walk of `tree` from the home page to an outcome, with the user's actions
/// counted (the click that opens it included), beside the fewest the tree needs
/// from there: one to open it, plus [`minimum_actions`] along the same path.
#[derive(Debug, Clone)]
pub struct FromHome {
    pub walk: Walk,
    /// The fewest actions from the home page to the same outcome.
    pub minimum: usize,
}

/// Opens `tree` from the home page in `c` and walks it with `policy` to an outcome.
pub async fn walk_from_home(
    c: &Client,
    helper: &Helper,
    tree: &fixpath_core::Tree,
    policy: &Policy,
) -> Result<FromHome> {
    let mut w = Walk::default();
    open_from_home(c, helper, &tree.id, &mut w).await?;
    walk(c, policy, &mut w).await?;
    let minimum = 1 + minimum_actions(tree, &w, policy)?;
    Ok(FromHome { walk: w, minimum })
}

/// English's plural rule, with plain digits.
struct English;

impl fixpath_core::i18n::Locale for English {
    fn plural(&self, n: f64) -> fixpath_core::i18n::Plural {
        if n == 1.0 {
            fixpath_core::i18n::Plural::One
        } else {
            fixpath_core::i18n::Plural::Other
        }
    }
    fn number(&self, n: f64) -> String {
        format!("{n}")
    }
}

/// The shipped English catalog with English's plural rule: the words an English
/// page and `fixpath decode` write, to compare with.
pub fn en() -> fixpath_core::i18n::Tr<'static> {
    static CATALOG: std::sync::OnceLock<fixpath_core::i18n::Catalog> = std::sync::OnceLock::new();
    fixpath_core::i18n::Tr {
        catalog: CATALOG.get_or_init(|| fixpath_core::i18n::Catalog::shipped().remove(0)),
        locale: &English,
    }
}
