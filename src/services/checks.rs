//! Running checks: measures in the browser and through the helper, then lets
//! `fixpath_core::verdict` turn the measurement into an outcome and a sentence.
//! Every check has a timeout and an honest "couldn't run".

use std::cell::{Cell, RefCell};
use std::net::IpAddr;

use fixpath_core::api::{Endpoint, Ping, Probe, PublicConfig, Resolved, Status, WhoAmI};
use fixpath_core::model::{ParamValue, Params};
use fixpath_core::verdict::{self, Verdict};
use fixpath_core::{CheckName, CheckOutcome, CheckResult, NodeKind, Tree};
use futures_util::future::{join_all, LocalBoxFuture, Shared};
use futures_util::FutureExt;

use super::http::{self, HttpError};

/// Time allowed for one request to the helper.
pub const HELPER_TIMEOUT_MS: u32 = 3_000;
/// Time allowed for a probe: the helper's own connect timeout plus a margin.
pub const PROBE_TIMEOUT_MS: u32 = 6_000;
/// Time allowed for one public canary URL.
pub const CANARY_TIMEOUT_MS: u32 = 4_000;

/// A check's result with the sentence the user reads.
#[derive(Debug, Clone)]
pub struct CheckReport {
    pub result: CheckResult,
    pub message: String,
    /// The client address the helper saw (from `client.address`).
    pub client_address: Option<IpAddr>,
    /// The ports the helper offers to probe on what was typed (from
    /// `server.resolve`; none when it would refuse any probe of it).
    pub probe_ports: Vec<u16>,
}

impl From<Verdict> for CheckReport {
    fn from(v: Verdict) -> Self {
        CheckReport {
            result: v.result,
            message: v.message,
            client_address: None,
            probe_ports: Vec::new(),
        }
    }
}

/// What a check needs besides its name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CheckInput {
    pub params: Params,
    pub server_name: Option<String>,
}

fn int_param(p: &Params, key: &str) -> Option<i64> {
    match p.get(key) {
        Some(ParamValue::Int(v)) => Some(*v),
        _ => None,
    }
}

fn list_param(p: &Params, key: &str) -> Vec<String> {
    match p.get(key) {
        Some(ParamValue::List(v)) => v.clone(),
        _ => Vec::new(),
    }
}

fn navigator_online() -> bool {
    web_sys::window()
        .map(|w| w.navigator().on_line())
        .unwrap_or(false)
}

/// The check could not run because of the helper: it was not reached, or it
/// answered with an error (then its own message says why).
fn helper_unreachable(e: &HttpError) -> Verdict {
    let why = match e {
        HttpError::Status(..) => format!("our helper could not do it ({})", e.explain()),
        _ => format!("our helper did not answer ({})", e.explain()),
    };
    verdict::could_not_run(&why)
}

/// Runs one check.
pub async fn run(check: CheckName, input: &CheckInput) -> CheckReport {
    match check {
        CheckName::BrowserOnline => {
            let answered = http::get_json::<Ping>(Endpoint::Ping, &[], HELPER_TIMEOUT_MS)
                .await
                .is_ok();
            verdict::online(navigator_online(), answered).into()
        }
        CheckName::HelperPing => ping(input).await.into(),
        CheckName::ClockSkew => clock_skew(input).await.into(),
        CheckName::CaptivePortal => captive_portal().await.into(),
        CheckName::InternetCanary => internet_canary().await.into(),
        CheckName::EgressAltPorts => alt_ports().await.into(),
        CheckName::Platform => {
            let ua = web_sys::window()
                .and_then(|w| w.navigator().user_agent().ok())
                .unwrap_or_default();
            verdict::platform(
                &ua,
                &list_param(&input.params, "pass"),
                &list_param(&input.params, "warn"),
            )
            .into()
        }
        CheckName::ClientAddress => {
            match http::get_json::<WhoAmI>(Endpoint::WhoAmI, &[], HELPER_TIMEOUT_MS).await {
                Ok((who, _)) => {
                    let mut r: CheckReport = verdict::client_address(&who).into();
                    r.client_address = Some(who.address);
                    r
                }
                Err(e) => helper_unreachable(&e).into(),
            }
        }
        CheckName::ServerResolve => {
            let Some(name) = input.server_name.as_deref() else {
                return verdict::could_not_run("no server name was given").into();
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
        CheckName::ServerProbe => {
            let Some(name) = input.server_name.as_deref() else {
                return verdict::could_not_run("no server name was given").into();
            };
            let port = probe_port(&input.params).to_string();
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
        CheckName::OperatorStatus => {
            match http::get_json::<Status>(Endpoint::Status, &[], HELPER_TIMEOUT_MS).await {
                Ok((s, _)) => verdict::operator_status(&s).into(),
                Err(e) => helper_unreachable(&e).into(),
            }
        }
    }
}

/// The port a `server.probe` node asks about.
fn probe_port(params: &Params) -> i64 {
    int_param(params, "port").unwrap_or(1723)
}

/// Round trips to the helper, one after another so they do not queue behind each other.
async fn ping(input: &CheckInput) -> Verdict {
    let count = int_param(&input.params, "count").unwrap_or(5).clamp(5, 20) as usize;
    let warn_ms = int_param(&input.params, "warn_ms").unwrap_or(verdict::PING_WARN_MS);
    let mut samples = Vec::with_capacity(count);
    for _ in 0..count {
        if let Ok((_, f)) = http::get_json::<Ping>(Endpoint::Ping, &[], HELPER_TIMEOUT_MS).await {
            samples.push(http::resource_timing_ms(&f.url).unwrap_or(f.elapsed_ms));
        }
    }
    verdict::ping(&samples, count, warn_ms)
}

/// The browser's clock against the helper's, corrected by half the round trip.
async fn clock_skew(input: &CheckInput) -> Verdict {
    let max = int_param(&input.params, "max_skew_s").unwrap_or(verdict::MAX_SKEW_S);
    let before = js_sys::Date::now();
    match http::get_json::<Ping>(Endpoint::Ping, &[], HELPER_TIMEOUT_MS).await {
        Ok((p, _)) => {
            let after = js_sys::Date::now();
            let midpoint = (before + after) / 2.0;
            let skew = (midpoint - p.time_ms as f64).round() as i64;
            verdict::clock_skew(skew, max)
        }
        Err(e) => helper_unreachable(&e),
    }
}

async fn captive_portal() -> Verdict {
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

async fn internet_canary() -> Verdict {
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

async fn alt_ports() -> Verdict {
    let cfg = match public_config().await {
        Ok(c) => c,
        Err(e) => return helper_unreachable(&e),
    };
    let attempts = cfg.alt_ports.iter().map(|port| async move {
        match http::endpoint_url_on_port(Endpoint::Ping, *port) {
            // no-cors: another port is another origin; an opaque answer still proves
            // the port let us through.
            Some(url) => http::fetch(&url, true, HELPER_TIMEOUT_MS).await.is_ok(),
            None => false,
        }
    });
    let open = join_all(attempts)
        .await
        .into_iter()
        .filter(|ok| *ok)
        .count();
    verdict::alt_ports(cfg.alt_ports.len(), open)
}

/// A check run that several steps (and the prefetch) can wait on together.
pub type SharedRun = Shared<LocalBoxFuture<'static, CheckReport>>;

/// Check runs of one walk, keyed by check and input, so each runs once: the flow
/// starts every independent check at once, and a step later waits on its run.
/// A walk has a dozen checks at most, so a list searched in order is enough.
#[derive(Default)]
pub struct CheckCache {
    runs: RefCell<Vec<(RunKey, SharedRun)>>,
    /// Prefetch batches started, to name each batch's performance mark.
    batches: Cell<u32>,
}

/// What makes two check runs the same run.
#[derive(PartialEq)]
struct RunKey {
    check: CheckName,
    input: CheckInput,
}

impl CheckCache {
    /// The server name is part of the key only for the checks that use it: typing
    /// the name must not start every other check a second time.
    fn key(check: CheckName, input: &CheckInput) -> RunKey {
        RunKey {
            check,
            input: CheckInput {
                params: input.params.clone(),
                server_name: input
                    .server_name
                    .clone()
                    .filter(|_| check.needs_server_name()),
            },
        }
    }

    /// Remembers `run` under `key`, replacing an earlier run of the same key.
    fn remember(&self, key: RunKey, run: &SharedRun) {
        let mut runs = self.runs.borrow_mut();
        match runs.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = run.clone(),
            None => runs.push((key, run.clone())),
        }
    }

    /// The run for this check and input, started now if there is none yet.
    pub fn get(&self, check: CheckName, input: &CheckInput) -> SharedRun {
        let key = Self::key(check, input);
        if let Some((_, run)) = self.runs.borrow().iter().find(|(k, _)| *k == key) {
            return run.clone();
        }
        let run = self.start(check, input.clone());
        self.remember(key, &run);
        run
    }

    /// A fresh run (Retry), replacing the remembered one.
    pub fn rerun(&self, check: CheckName, input: &CheckInput) -> SharedRun {
        let run = self.start(check, input.clone());
        self.remember(Self::key(check, input), &run);
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
            if let NodeKind::Check { check, params, .. } = &node.kind {
                if check.needs_server_name() && server_name.is_none() {
                    continue;
                }
                let input = CheckInput {
                    params: params.clone(),
                    server_name: server_name.map(str::to_string),
                };
                batch.push(self.get(*check, &input));
            }
        }
        let performance = web_sys::window().and_then(|w| w.performance());
        let start = format!("fixpath-checks-{}", self.batches.get());
        self.batches.set(self.batches.get() + 1);
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
    fn start(&self, check: CheckName, input: CheckInput) -> SharedRun {
        let resolve = (check == CheckName::ServerProbe).then(|| {
            let of = CheckInput {
                params: Params::default(),
                server_name: input.server_name.clone(),
            };
            self.get(CheckName::ServerResolve, &of)
        });
        async move {
            if let Some(resolve) = resolve {
                let resolved = resolve.await;
                let offered = u16::try_from(probe_port(&input.params))
                    .is_ok_and(|p| resolved.probe_ports.contains(&p));
                if !offered {
                    // Not reached: the same reason holds for the probe.
                    return if resolved.result.outcome == CheckOutcome::Unknown {
                        resolved
                    } else {
                        verdict::probe_not_offered().into()
                    };
                }
            }
            run(check, &input).await
        }
        .boxed_local()
        .shared()
    }
}
