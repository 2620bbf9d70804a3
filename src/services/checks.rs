//! Running checks: measures in the browser and through the helper, then lets
//! `fixpath_core::verdict` turn the measurement into a result (its sentence is
//! `verdict::sentence` of it, the same words a report rebuilds from the link).
//! Every check has a timeout and an honest "couldn't run".

use std::cell::{Cell, RefCell};
use std::net::IpAddr;
use std::rc::Rc;

use fixpath_core::api::{Endpoint, Ping, Probe, PublicConfig, Resolved, Status, WhoAmI};
use fixpath_core::catalog::Check;
use fixpath_core::verdict::{self, Unrun};
use fixpath_core::{CheckOutcome, CheckResult, NodeKind, Tree};
use futures_util::future::{join_all, LocalBoxFuture, Shared};
use futures_util::FutureExt;

use super::http::{self, HttpError};

/// Time allowed for one request to the helper.
pub const HELPER_TIMEOUT_MS: u32 = 3_000;
/// Time allowed for a probe: the helper's own connect timeout plus a margin.
pub const PROBE_TIMEOUT_MS: u32 = 6_000;
/// Time allowed for one public canary URL.
pub const CANARY_TIMEOUT_MS: u32 = 4_000;

/// A check's result, with what the walk learns from it besides.
#[derive(Debug, Clone)]
pub struct CheckReport {
    pub result: CheckResult,
    /// The client address the helper saw (from `client.address`).
    pub client_address: Option<IpAddr>,
    /// The ports the helper offers to probe on what was typed (from
    /// `server.resolve`; none when it would refuse any probe of it).
    pub probe_ports: Vec<u16>,
}

impl From<CheckResult> for CheckReport {
    fn from(result: CheckResult) -> Self {
        CheckReport {
            result,
            client_address: None,
            probe_ports: Vec::new(),
        }
    }
}

fn navigator_online() -> bool {
    web_sys::window()
        .map(|w| w.navigator().on_line())
        .unwrap_or(false)
}

/// The check could not run because of the helper: it was not reached, or it
/// answered with an error (then its own message says why).
fn helper_unreachable(e: &HttpError) -> CheckResult {
    let (why, status, said) = match e {
        HttpError::Status(code, body) => (
            Unrun::HelperStatus,
            Some(*code),
            body.as_ref().map(|b| b.error.message.as_str()),
        ),
        HttpError::Network => (Unrun::HelperUnreached, None, None),
        HttpError::Timeout => (Unrun::HelperTimeout, None, None),
        HttpError::Malformed => (Unrun::HelperMalformed, None, None),
        HttpError::NoBrowser => (Unrun::NoBrowser, None, None),
    };
    verdict::could_not_run(why, status, said)
}

/// Runs one check; `server_name` is what the user typed, for the checks that need it.
async fn run(check: Check, server_name: Option<&str>) -> CheckReport {
    match check {
        Check::BrowserOnline => {
            let answered = http::get_json::<Ping>(Endpoint::Ping, &[], HELPER_TIMEOUT_MS)
                .await
                .is_ok();
            verdict::online(navigator_online(), answered).into()
        }
        Check::HelperPing { count, warn_ms } => ping(count, warn_ms).await.into(),
        Check::ClockSkew { max_skew_s } => clock_skew(max_skew_s).await.into(),
        Check::CaptivePortal => captive_portal().await.into(),
        Check::InternetCanary => internet_canary().await.into(),
        Check::EgressAltPorts => alt_ports().await.into(),
        Check::Platform { pass, warn } => {
            let ua = web_sys::window()
                .and_then(|w| w.navigator().user_agent().ok())
                .unwrap_or_default();
            verdict::platform(&ua, pass, warn).into()
        }
        Check::ClientAddress => {
            match http::get_json::<WhoAmI>(Endpoint::WhoAmI, &[], HELPER_TIMEOUT_MS).await {
                Ok((who, _)) => {
                    let mut r: CheckReport = verdict::client_address(&who).into();
                    r.client_address = Some(who.address);
                    r
                }
                Err(e) => helper_unreachable(&e).into(),
            }
        }
        Check::ServerResolve => {
            let Some(name) = server_name else {
                return verdict::could_not_run(Unrun::NoServerName, None, None).into();
            };
            match http::get_json::<Resolved>(
                Endpoint::Resolve,
                &[("name", name)],
                HELPER_TIMEOUT_MS,
            )
            .await
            {
                Ok((r, _)) => {
                    let mut report: CheckReport = verdict::resolve(&r).into();
                    report.probe_ports = r.probe_ports;
                    report
                }
                Err(e) => helper_unreachable(&e).into(),
            }
        }
        // Started by `CheckCache::start` only on what the resolve offered.
        Check::ServerProbe { port } => {
            let Some(name) = server_name else {
                return verdict::could_not_run(Unrun::NoServerName, None, None).into();
            };
            let port = port.to_string();
            match http::get_json::<Probe>(
                Endpoint::Probe,
                &[("server", name), ("port", &port)],
                PROBE_TIMEOUT_MS,
            )
            .await
            {
                Ok((p, _)) => verdict::probe(&p).into(),
                Err(e) => helper_unreachable(&e).into(),
            }
        }
        Check::OperatorStatus => {
            match http::get_json::<Status>(Endpoint::Status, &[], HELPER_TIMEOUT_MS).await {
                Ok((s, _)) => verdict::operator_status(&s).into(),
                Err(e) => helper_unreachable(&e).into(),
            }
        }
    }
}

/// Round trips to the helper, one after another so they do not queue behind each other.
async fn ping(count: u8, warn_ms: i64) -> CheckResult {
    let count = usize::from(count);
    let mut samples = Vec::with_capacity(count);
    for _ in 0..count {
        if let Ok((_, f)) = http::get_json::<Ping>(Endpoint::Ping, &[], HELPER_TIMEOUT_MS).await {
            samples.push(http::resource_timing_ms(&f.url).unwrap_or(f.elapsed_ms));
        }
    }
    verdict::ping(&samples, count, warn_ms)
}

/// The browser's clock against the helper's, corrected by half the round trip.
async fn clock_skew(max_skew_s: i64) -> CheckResult {
    let before = js_sys::Date::now();
    match http::get_json::<Ping>(Endpoint::Ping, &[], HELPER_TIMEOUT_MS).await {
        Ok((p, _)) => {
            let after = js_sys::Date::now();
            let midpoint = (before + after) / 2.0;
            let skew = (midpoint - p.time_ms as f64).round() as i64;
            verdict::clock_skew(skew, max_skew_s)
        }
        Err(e) => helper_unreachable(&e),
    }
}

async fn captive_portal() -> CheckResult {
    let body = match http::endpoint_url(Endpoint::Canary, &[]) {
        Some(url) => http::fetch(&url, false, HELPER_TIMEOUT_MS)
            .await
            .ok()
            .filter(|f| f.status == 200)
            .map(|f| f.body),
        None => None,
    };
    verdict::captive_portal(body.as_deref(), navigator_online())
}

/// The operator's public settings (canary URLs, alternate ports).
pub async fn public_config() -> Result<PublicConfig, HttpError> {
    http::get_json::<PublicConfig>(Endpoint::Config, &[], HELPER_TIMEOUT_MS)
        .await
        .map(|(c, _)| c)
}

async fn internet_canary() -> CheckResult {
    let cfg = match public_config().await {
        Ok(c) => c,
        Err(e) => return helper_unreachable(&e),
    };
    let attempts = cfg
        .canary_urls
        .iter()
        .map(|u| http::fetch(u, true, CANARY_TIMEOUT_MS));
    let results = join_all(attempts).await;
    let reached: Vec<f64> = results
        .into_iter()
        .filter_map(Result::ok)
        .map(|f| f.elapsed_ms)
        .collect();
    let fastest = reached.iter().copied().reduce(f64::min);
    verdict::internet_canary(cfg.canary_urls.len(), reached.len(), fastest)
}

async fn alt_ports() -> CheckResult {
    let cfg = match public_config().await {
        Ok(c) => c,
        Err(e) => return helper_unreachable(&e),
    };
    let attempts = cfg.alt_ports.iter().map(|port| async move {
        let open = match http::endpoint_url_on_port(Endpoint::Ping, *port) {
            // no-cors: another port is another origin; an opaque answer still proves
            // the port let us through.
            Some(url) => http::fetch(&url, true, HELPER_TIMEOUT_MS).await.is_ok(),
            None => false,
        };
        (*port, open)
    });
    verdict::alt_ports(&join_all(attempts).await)
}

/// A check run that several steps (and the prefetch) can wait on together.
pub type SharedRun = Shared<LocalBoxFuture<'static, CheckReport>>;

/// Check runs of one walk, keyed by check and server name, so each runs once: the
/// flow starts every independent check at once, and a step later waits on its run.
/// A walk has a dozen checks at most, so a list searched in order is enough.
///
/// A handle: clones share the runs, and compare equal when they do (one cache per
/// walk, passed to each step as a property).
#[derive(Clone, Default)]
pub struct CheckCache(Rc<Runs>);

impl PartialEq for CheckCache {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

#[derive(Default)]
struct Runs {
    runs: RefCell<Vec<(RunKey, SharedRun)>>,
    /// Prefetch batches started, to name each batch's performance mark.
    batches: Cell<u32>,
}

/// What makes two check runs the same run.
#[derive(PartialEq)]
struct RunKey {
    check: Check,
    server_name: Option<String>,
}

impl CheckCache {
    /// The server name is part of the key only for the checks that use it: typing
    /// the name must not start every other check a second time.
    fn key(check: Check, server_name: Option<&str>) -> RunKey {
        RunKey {
            check,
            server_name: server_name
                .filter(|_| check.name().needs_server_name())
                .map(str::to_string),
        }
    }

    /// Remembers `run` under `key`, replacing an earlier run of the same key.
    fn remember(&self, key: RunKey, run: &SharedRun) {
        let mut runs = self.0.runs.borrow_mut();
        match runs.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = run.clone(),
            None => runs.push((key, run.clone())),
        }
    }

    /// The run for this check and server name, started now if there is none yet.
    pub fn get(&self, check: Check, server_name: Option<&str>) -> SharedRun {
        let key = Self::key(check, server_name);
        if let Some((_, run)) = self.0.runs.borrow().iter().find(|(k, _)| *k == key) {
            return run.clone();
        }
        let run = self.start(check, key.server_name.clone());
        self.remember(key, &run);
        run
    }

    /// A fresh run (Retry), replacing the remembered one.
    pub fn rerun(&self, check: Check, server_name: Option<&str>) -> SharedRun {
        let key = Self::key(check, server_name);
        let run = self.start(check, key.server_name.clone());
        self.remember(key, &run);
        run
    }

    /// Starts, in parallel, every check of the tree that can run with what is known
    /// now (checks needing a server name wait until one is given).
    ///
    /// Each batch is timed as a `fixpath-checks` performance measure, so the
    /// benchmark can read how long the automatic suite took in a real browser.
    pub fn prefetch(&self, tree: &Tree, server_name: Option<&str>) {
        let mut batch = Vec::new();
        for node in &tree.nodes {
            if let NodeKind::Check { check, .. } = &node.kind {
                if check.name().needs_server_name() && server_name.is_none() {
                    continue;
                }
                batch.push(self.get(*check, server_name));
            }
        }
        let performance = web_sys::window().and_then(|w| w.performance());
        let batches = &self.0.batches;
        let start = format!("fixpath-checks-{}", batches.get());
        batches.set(batches.get() + 1);
        if let Some(p) = &performance {
            let _ = p.mark(&start);
        }
        wasm_bindgen_futures::spawn_local(async move {
            join_all(batch).await;
            if let Some(p) = performance {
                let _ = p.measure_with_start_mark("fixpath-checks", &start);
            }
        });
    }

    /// Starts a run. A probe waits for the resolve of the same server name and asks
    /// the helper only what that answer offers: a request the helper would refuse
    /// would show as an error in the browser's console.
    fn start(&self, check: Check, server_name: Option<String>) -> SharedRun {
        #[cfg(feature = "stand-in")]
        if let Some(run) = stand_in::run(check) {
            return run.shared();
        }
        let resolve = match check {
            Check::ServerProbe { port } => {
                Some((port, self.get(Check::ServerResolve, server_name.as_deref())))
            }
            _ => None,
        };
        async move {
            if let Some((port, resolve)) = resolve {
                let resolved = resolve.await;
                if !resolved.probe_ports.contains(&port) {
                    // Not reached: the same reason holds for the probe.
                    return if resolved.result.outcome == CheckOutcome::Unknown {
                        resolved
                    } else {
                        verdict::probe_not_offered().into()
                    };
                }
            }
            run(check, server_name.as_deref()).await
        }
        .boxed_local()
        .shared()
    }
}

/// Browser tests' seam (feature `stand-in`, never in a release build): a test
/// says what a check answers, or that it hangs, without a helper.
#[cfg(feature = "stand-in")]
pub mod stand_in {
    use std::cell::RefCell;
    use std::rc::Rc;

    use fixpath_core::catalog::Check;
    use futures_util::future::LocalBoxFuture;

    use super::CheckReport;

    type Runner = Rc<dyn Fn(Check) -> Option<LocalBoxFuture<'static, CheckReport>>>;

    thread_local! {
        static RUNNER: RefCell<Option<Runner>> = const { RefCell::new(None) };
    }

    /// From now on, every check `runner` answers for (`Some`) runs as it says;
    /// the rest run for real.
    pub fn set(runner: impl Fn(Check) -> Option<LocalBoxFuture<'static, CheckReport>> + 'static) {
        RUNNER.with(|r| *r.borrow_mut() = Some(Rc::new(runner)));
    }

    /// Back to running every check for real.
    pub fn clear() {
        RUNNER.with(|r| *r.borrow_mut() = None);
    }

    pub(super) fn run(check: Check) -> Option<LocalBoxFuture<'static, CheckReport>> {
        let runner = RUNNER.with(|r| r.borrow().clone())?;
        runner(check)
    }
}
