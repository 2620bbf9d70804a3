//! Check verdicts: from what a check measured to a [`CheckResult`] (outcome,
//! figure, the sentence's [`Detail`]), and from a result to the sentence the user
//! reads ([`sentence`]). The app shows `sentence` of the result it records, and a
//! report shows `sentence` of the result its link carries: one function, so the
//! staff read what the user read. Pure, so every threshold and sentence is tested
//! natively; the app only measures.

use std::net::IpAddr;

use crate::api::{Probe, ProbeStatus, Resolved, Severity, Status, WhoAmI};
use crate::catalog::{Check, Platforms};
use crate::engine::{CheckResult, Detail};
use crate::i18n::{Msg, Tr};
use crate::model::CheckOutcome;

fn result(outcome: CheckOutcome, figure: Option<i64>, nums: Vec<u32>) -> CheckResult {
    CheckResult {
        outcome,
        figure,
        detail: Detail { nums, text: None },
    }
}

/// Longest text a result carries (an announcement is at most 500 characters).
pub const MAX_DETAIL_TEXT: usize = 2048;

/// Why a check could not run, as its result carries it (`nums[0]` of an
/// `Unknown` result; the helper's own words, if any, in the text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unrun {
    /// No reason carried (links made before reasons were).
    Unsaid,
    Offline,
    NoServerName,
    NoCanaries,
    NoAltPorts,
    NoPlatform,
    /// The helper tests only the operator's own servers.
    NotOffered,
    HelperUnreached,
    HelperTimeout,
    HelperMalformed,
    NoBrowser,
    /// The helper answered with an error: `nums[1]` its status.
    HelperStatus,
}

impl Unrun {
    const ALL: [Unrun; 12] = [
        Self::Unsaid,
        Self::Offline,
        Self::NoServerName,
        Self::NoCanaries,
        Self::NoAltPorts,
        Self::NoPlatform,
        Self::NotOffered,
        Self::HelperUnreached,
        Self::HelperTimeout,
        Self::HelperMalformed,
        Self::NoBrowser,
        Self::HelperStatus,
    ];

    fn code(self) -> u32 {
        Self::ALL.iter().position(|u| *u == self).unwrap_or(0) as u32
    }

    /// Why the check could not run, as a clause (`checks.why.*`); empty when no
    /// reason was carried.
    fn why(self, tr: Tr, detail: &Detail) -> String {
        let m = match self {
            Self::Unsaid => return String::new(),
            Self::Offline => Msg::ChecksWhyOffline,
            Self::NoServerName => Msg::ChecksWhyNoServerName,
            Self::NoCanaries => Msg::ChecksWhyNoCanaries,
            Self::NoAltPorts => Msg::ChecksWhyNoAltPorts,
            Self::NoPlatform => Msg::ChecksWhyNoPlatform,
            Self::NotOffered => Msg::ChecksWhyNotOffered,
            Self::HelperUnreached => Msg::ChecksWhyHelperUnreached,
            Self::HelperTimeout => Msg::ChecksWhyHelperTimeout,
            Self::HelperMalformed => Msg::ChecksWhyHelperMalformed,
            Self::NoBrowser => Msg::ChecksWhyNoBrowser,
            Self::HelperStatus => {
                return match (&detail.text, detail.nums.get(1)) {
                    (Some(t), _) => tr.f(Msg::ChecksWhyHelperSaid, &[("said", t.into())]),
                    // A status code is written as it is (503), not as a number.
                    (None, Some(code)) => tr.f(
                        Msg::ChecksWhyHelperStatus,
                        &[("status", (&code.to_string()).into())],
                    ),
                    (None, None) => tr.t(Msg::ChecksWhyHelperError),
                };
            }
        };
        tr.t(m)
    }
}

/// The result of a check that could not run, and why; `helper_said` is the
/// helper's own message with an error status.
pub fn could_not_run(why: Unrun, status: Option<u16>, helper_said: Option<&str>) -> CheckResult {
    let mut nums = vec![why.code()];
    nums.extend(status.map(u32::from));
    CheckResult {
        outcome: CheckOutcome::Unknown,
        figure: None,
        detail: Detail {
            nums,
            text: helper_said.map(|t| clip(t, MAX_DETAIL_TEXT).to_string()),
        },
    }
}

/// `s` cut to at most `max` bytes on a character boundary.
fn clip(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Median of the samples (mean of the middle two for an even count).
pub fn median(samples: &[f64]) -> Option<f64> {
    let mut s: Vec<f64> = samples.iter().copied().filter(|v| v.is_finite()).collect();
    if s.is_empty() {
        return None;
    }
    s.sort_by(f64::total_cmp);
    let mid = s.len() / 2;
    Some(if s.len().is_multiple_of(2) {
        (s[mid - 1] + s[mid]) / 2.0
    } else {
        s[mid]
    })
}

/// Jitter: mean absolute difference between consecutive samples.
pub fn jitter(samples: &[f64]) -> f64 {
    if samples.len() < 2 {
        return 0.0;
    }
    let sum: f64 = samples.windows(2).map(|w| (w[1] - w[0]).abs()).sum();
    sum / (samples.len() - 1) as f64
}

/// `browser.online`: the browser's own flag plus whether the helper answered.
pub fn online(navigator_online: bool, helper_answered: bool) -> CheckResult {
    let outcome = match (navigator_online, helper_answered) {
        (_, true) => CheckOutcome::Pass,
        (false, false) => CheckOutcome::Fail,
        (true, false) => CheckOutcome::Warn,
    };
    CheckResult::new(outcome, None)
}

/// Default median round trip above which `helper.ping` warns.
pub const PING_WARN_MS: i64 = 300;

/// `helper.ping`: `samples_ms` are the round trips that answered out of `attempts`
/// (the check's `count`). Carries how many answered and the jitter.
pub fn ping(samples_ms: &[f64], attempts: usize, warn_ms: i64) -> CheckResult {
    let Some(med) = median(samples_ms) else {
        return CheckResult::new(CheckOutcome::Fail, None);
    };
    let med_i = med.round() as i64;
    let jit = jitter(samples_ms).round() as u32;
    let lost = attempts.saturating_sub(samples_ms.len());
    let outcome = if lost > 0 || med_i > warn_ms {
        CheckOutcome::Warn
    } else {
        CheckOutcome::Pass
    };
    result(outcome, Some(med_i), vec![samples_ms.len() as u32, jit])
}

/// Default largest clock difference, in seconds, before `clock.skew` fails.
pub const MAX_SKEW_S: i64 = 120;

/// `clock.skew`: `skew_ms` is browser time minus helper time, corrected by half the
/// round trip (positive: the device is ahead). The figure is the skew in seconds.
pub fn clock_skew(skew_ms: i64, max_skew_s: i64) -> CheckResult {
    let secs = skew_ms / 1000;
    let outcome = if secs.unsigned_abs() > max_skew_s.unsigned_abs() {
        CheckOutcome::Fail
    } else {
        CheckOutcome::Pass
    };
    CheckResult::new(outcome, Some(secs))
}

/// A span of time as the clock check says it: seconds under two minutes, then
/// minutes, hours, days (`checks.duration.*`).
fn human_duration(tr: Tr, secs: u64) -> String {
    let (m, n) = match secs {
        0..=119 => (Msg::ChecksDurationSeconds, secs),
        120..=7199 => (Msg::ChecksDurationMinutes, secs / 60),
        7200..=172_799 => (Msg::ChecksDurationHours, secs / 3600),
        _ => (Msg::ChecksDurationDays, secs / 86_400),
    };
    tr.f(m, &[("n", n.into())])
}

/// `captive.portal`: `body` is the canary answer (`None`: the fetch failed).
pub fn captive_portal(body: Option<&str>, navigator_online: bool) -> CheckResult {
    let outcome = match body {
        Some(b) if b == crate::api::CANARY_BODY => CheckOutcome::Pass,
        Some(_) => CheckOutcome::Fail,
        None if navigator_online => CheckOutcome::Warn,
        None => return could_not_run(Unrun::Offline, None, None),
    };
    CheckResult::new(outcome, None)
}

/// `internet.canary`: `configured` public URLs, `reached` of them answered.
/// Carries both counts.
pub fn internet_canary(configured: usize, reached: usize, fastest_ms: Option<f64>) -> CheckResult {
    if configured == 0 {
        return could_not_run(Unrun::NoCanaries, None, None);
    }
    let (outcome, fig) = if reached == configured {
        (CheckOutcome::Pass, fastest_ms.map(|m| m.round() as i64))
    } else if reached > 0 {
        (CheckOutcome::Warn, fastest_ms.map(|m| m.round() as i64))
    } else {
        (CheckOutcome::Fail, None)
    };
    result(outcome, fig, vec![configured as u32, reached as u32])
}

/// `egress.alt_ports`: each of the helper's alternate ports and whether it
/// answered. Carries how many were tried and which were blocked.
pub fn alt_ports(tried: &[(u16, bool)]) -> CheckResult {
    if tried.is_empty() {
        return could_not_run(Unrun::NoAltPorts, None, None);
    }
    let open = tried.iter().filter(|(_, ok)| *ok).count();
    let outcome = if open == tried.len() {
        CheckOutcome::Pass
    } else if open > 0 {
        CheckOutcome::Warn
    } else {
        CheckOutcome::Fail
    };
    let mut nums = vec![tried.len() as u32];
    // A link carries at most 16 numbers a result: the count and 15 ports named.
    nums.extend(
        tried
            .iter()
            .filter(|(_, ok)| !*ok)
            .map(|(p, _)| u32::from(*p))
            .take(15),
    );
    result(outcome, Some(open as i64), nums)
}

/// Detects the platform from a user agent string (one of `catalog::PLATFORMS`).
pub fn detect_platform(user_agent: &str) -> Option<&'static str> {
    let ua = user_agent.to_ascii_lowercase();
    // Order matters: iPadOS and Android UAs also mention other systems.
    if ua.contains("cros") {
        Some("chromeos")
    } else if ua.contains("android") {
        Some("android")
    } else if ua.contains("iphone") || ua.contains("ipad") || ua.contains("ipod") {
        Some("ios")
    } else if ua.contains("windows") {
        Some("windows")
    } else if ua.contains("mac os x") || ua.contains("macintosh") {
        Some("macos")
    } else if ua.contains("linux") || ua.contains("x11") {
        Some("linux")
    } else {
        None
    }
}

/// A platform's name for people (`checks.platform.system.*`).
pub fn platform_name(tr: Tr, p: &str) -> String {
    tr.t(match p {
        "windows" => Msg::ChecksPlatformSystemWindows,
        "macos" => Msg::ChecksPlatformSystemMacos,
        "ios" => Msg::ChecksPlatformSystemIos,
        "android" => Msg::ChecksPlatformSystemAndroid,
        "linux" => Msg::ChecksPlatformSystemLinux,
        "chromeos" => Msg::ChecksPlatformSystemChromeos,
        _ => Msg::ChecksPlatformSystemUnknown,
    })
}

/// `platform`: pass/warn sets from the tree's parameters; any other detected
/// platform fails. The figure is the platform's index in `catalog::PLATFORMS`.
pub fn platform(user_agent: &str, pass: Platforms, warn: Platforms) -> CheckResult {
    let Some(p) = detect_platform(user_agent) else {
        return could_not_run(Unrun::NoPlatform, None, None);
    };
    let idx = crate::catalog::PLATFORMS
        .iter()
        .position(|x| *x == p)
        .map(|i| i as i64);
    let outcome = if pass.contains(p) {
        CheckOutcome::Pass
    } else if warn.contains(p) {
        CheckOutcome::Warn
    } else {
        CheckOutcome::Fail
    };
    CheckResult::new(outcome, idx)
}

/// `client.address`: warn inside the office network. The address itself is the
/// session's (shared only when the user chooses).
pub fn client_address(who: &WhoAmI) -> CheckResult {
    let outcome = if who.in_office {
        CheckOutcome::Warn
    } else {
        CheckOutcome::Pass
    };
    CheckResult::new(outcome, None)
}

/// What `server.resolve` found, as its result carries it (`nums[0]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Found {
    RightName,
    OurAddress,
    StaleAddress,
    Unknown,
    NoAddress,
}

impl Found {
    const ALL: [Found; 5] = [
        Self::RightName,
        Self::OurAddress,
        Self::StaleAddress,
        Self::Unknown,
        Self::NoAddress,
    ];
}

/// `server.resolve`. A typed address that is our server's passes (the name is
/// safer); one that is no server's warns: the tree's stale-address branch.
/// Carries what was found and the names offered instead (space-separated: for an
/// unknown name the closest one, for an address the servers it might be).
pub fn resolve(r: &Resolved) -> CheckResult {
    let n = Some(r.addresses.len() as i64);
    let (outcome, figure, found, names) = match r.current_address {
        Some(true) => (
            CheckOutcome::Pass,
            n,
            Found::OurAddress,
            &r.did_you_mean[..],
        ),
        Some(false) => (
            CheckOutcome::Warn,
            Some(0),
            Found::StaleAddress,
            &r.did_you_mean[..],
        ),
        None if !r.known => (
            CheckOutcome::Fail,
            Some(0),
            Found::Unknown,
            r.did_you_mean.get(..1).unwrap_or_default(),
        ),
        None if r.addresses.is_empty() => (CheckOutcome::Fail, Some(0), Found::NoAddress, &[][..]),
        // An address we did not expect behind a right name is not the user's to
        // fix: the name passes, and the probe shows whether the server answers.
        None => (CheckOutcome::Pass, n, Found::RightName, &[][..]),
    };
    let code = Found::ALL.iter().position(|f| *f == found).unwrap_or(0) as u32;
    CheckResult {
        outcome,
        figure,
        detail: Detail {
            nums: vec![code],
            text: (!names.is_empty()).then(|| clip(&names.join(" "), MAX_DETAIL_TEXT).to_string()),
        },
    }
}

/// `server.probe` when the resolve answer offers no probe of what was typed: the
/// helper would refuse, so the app does not ask.
pub fn probe_not_offered() -> CheckResult {
    could_not_run(Unrun::NotOffered, None, None)
}

/// `server.probe`: open passes; refused (with a connect time) and no answer
/// (without) fail. The figure is the connect time.
pub fn probe(p: &Probe) -> CheckResult {
    match p.status {
        ProbeStatus::Open => CheckResult::new(CheckOutcome::Pass, p.connect_ms.map(|m| m as i64)),
        // A refusal always has a connect time (0 at the least), so the sentence
        // tells it from silence.
        ProbeStatus::Refused => {
            CheckResult::new(CheckOutcome::Fail, Some(p.connect_ms.unwrap_or(0) as i64))
        }
        ProbeStatus::Timeout => CheckResult::new(CheckOutcome::Fail, None),
    }
}

/// `operator.status`: the announcement's words are carried, as the user read them.
pub fn operator_status(s: &Status) -> CheckResult {
    match &s.announcement {
        None => CheckResult::new(CheckOutcome::Pass, None),
        Some(a) => CheckResult {
            outcome: match a.severity {
                Severity::Info | Severity::Warning => CheckOutcome::Warn,
                Severity::Outage => CheckOutcome::Fail,
            },
            figure: None,
            detail: Detail {
                nums: Vec::new(),
                text: Some(clip(&a.message, MAX_DETAIL_TEXT).to_string()),
            },
        },
    }
}

/// What the sentence of a result may name beyond the result itself: what the
/// user typed and the address the helper saw, as the walk (or the shared
/// findings) hold them. Left out, the sentence says less, never something else.
#[derive(Debug, Clone, Copy, Default)]
pub struct Seen<'a> {
    pub server_name: Option<&'a str>,
    pub client_address: Option<IpAddr>,
}

/// A server name as the helper shows it back: trimmed, lowercase, no final dot.
fn shown_name(typed: &str) -> String {
    typed.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// "a", "a and b", "a, b and c" (`checks.list.*`).
fn and_list(tr: Tr, items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => {
            let mut head = init.iter();
            let first = head.next().cloned().unwrap_or_default();
            let init = head.fold(first, |a, b| {
                tr.f(Msg::ChecksListComma, &[("a", (&a).into()), ("b", b.into())])
            });
            tr.f(
                Msg::ChecksListAnd,
                &[("a", (&init).into()), ("b", last.into())],
            )
        }
    }
}

/// "a", "a or b", "a or b or c" (`checks.list.or`).
fn or_list(tr: Tr, items: &[&str]) -> String {
    let mut it = items.iter();
    let first = it.next().map(|s| (*s).to_string()).unwrap_or_default();
    it.fold(first, |a, b| {
        tr.f(Msg::ChecksListOr, &[("a", (&a).into()), ("b", (*b).into())])
    })
}

/// The sentence the user reads for `result` of `check`, in `tr`'s language: the
/// one function the walk and every report use. Never panics on a result a link
/// made up.
pub fn sentence(tr: Tr, check: Check, r: &CheckResult, seen: &Seen) -> String {
    use CheckOutcome::*;
    let d = &r.detail;
    let num = |i: usize| d.nums.get(i).copied();
    if r.outcome == Unknown {
        let why = num(0)
            .and_then(|c| Unrun::ALL.get(c as usize))
            .copied()
            .unwrap_or(Unrun::Unsaid)
            .why(tr, d);
        return if why.is_empty() {
            tr.t(Msg::ChecksCouldNotRun)
        } else {
            tr.f(Msg::ChecksCouldNotRunBecause, &[("why", (&why).into())])
        };
    }
    let fig = r.figure;
    match check {
        Check::BrowserOnline => tr.t(match r.outcome {
            Fail => Msg::ChecksBrowserOnlineFail,
            Warn => Msg::ChecksBrowserOnlineWarn,
            _ => Msg::ChecksBrowserOnlinePass,
        }),
        Check::HelperPing { count, .. } => {
            let Some(med) = fig else {
                return tr.f(Msg::ChecksHelperPingNoneAnswered, &[("n", count.into())]);
            };
            let pass = r.outcome == Pass;
            match (num(0), num(1)) {
                (Some(answered), Some(jit)) => tr.f(
                    if pass {
                        Msg::ChecksHelperPingPass
                    } else {
                        Msg::ChecksHelperPingWarn
                    },
                    &[
                        ("n", answered.into()),
                        ("count", count.into()),
                        ("ms", med.into()),
                        ("jitter", jit.into()),
                    ],
                ),
                _ => tr.f(
                    if pass {
                        Msg::ChecksHelperPingPassShort
                    } else {
                        Msg::ChecksHelperPingWarnShort
                    },
                    &[("ms", med.into())],
                ),
            }
        }
        Check::ClockSkew { .. } => {
            let Some(secs) = fig else {
                return tr.t(Msg::ChecksClockSkewCompared);
            };
            let off = human_duration(tr, secs.unsigned_abs());
            let m = match (r.outcome == Fail, secs >= 0) {
                (false, _) => Msg::ChecksClockSkewPass,
                (true, true) => Msg::ChecksClockSkewFailAhead,
                (true, false) => Msg::ChecksClockSkewFailBehind,
            };
            tr.f(m, &[("off", (&off).into())])
        }
        Check::CaptivePortal => tr.t(match r.outcome {
            Pass => Msg::ChecksCaptivePortalPass,
            Fail => Msg::ChecksCaptivePortalFail,
            _ => Msg::ChecksCaptivePortalWarn,
        }),
        Check::InternetCanary => match (r.outcome, num(0), num(1)) {
            (Pass, ..) => tr.t(Msg::ChecksInternetCanaryPass),
            (Warn, Some(configured), Some(reached)) => tr.f(
                Msg::ChecksInternetCanaryWarnCounted,
                &[("n", reached.into()), ("count", configured.into())],
            ),
            (Warn, ..) => tr.t(Msg::ChecksInternetCanaryWarn),
            _ => tr.t(Msg::ChecksInternetCanaryFail),
        },
        Check::EgressAltPorts => {
            // Port numbers as written (8443), never as formatted numbers.
            let blocked: Vec<String> = d.nums.iter().skip(1).map(|p| p.to_string()).collect();
            let which = (!blocked.is_empty()).then(|| {
                let ports = and_list(tr, &blocked);
                tr.f(
                    Msg::ChecksEgressAltPortsBlocked,
                    &[("n", blocked.len().into()), ("ports", (&ports).into())],
                )
            });
            match r.outcome {
                Pass => tr.t(Msg::ChecksEgressAltPortsPass),
                Warn => {
                    let open = fig.unwrap_or(0);
                    match (num(0), &which) {
                        (Some(tried), Some(which)) => tr.f(
                            Msg::ChecksEgressAltPortsWarnBlocked,
                            &[
                                ("n", open.into()),
                                ("count", tried.into()),
                                ("blocked", which.into()),
                            ],
                        ),
                        (Some(tried), None) => tr.f(
                            Msg::ChecksEgressAltPortsWarnCounted,
                            &[("n", open.into()), ("count", tried.into())],
                        ),
                        (None, _) => tr.f(Msg::ChecksEgressAltPortsWarn, &[("n", open.into())]),
                    }
                }
                _ => match &which {
                    Some(which) => tr.f(
                        Msg::ChecksEgressAltPortsFailBlocked,
                        &[("blocked", which.into())],
                    ),
                    None => tr.t(Msg::ChecksEgressAltPortsFail),
                },
            }
        }
        Check::Platform { .. } => {
            let p = fig
                .and_then(|i| usize::try_from(i).ok())
                .and_then(|i| crate::catalog::PLATFORMS.get(i))
                .copied()
                .unwrap_or_default();
            let name = platform_name(tr, p);
            tr.f(Msg::ChecksPlatformUsing, &[("system", (&name).into())])
        }
        Check::ClientAddress => {
            let inside = r.outcome == Warn;
            match seen.client_address {
                Some(a) => tr.f(
                    if inside {
                        Msg::ChecksClientAddressInside
                    } else {
                        Msg::ChecksClientAddressOutside
                    },
                    &[("address", (&a.to_string()).into())],
                ),
                None => tr.t(if inside {
                    Msg::ChecksClientAddressInsideUnshared
                } else {
                    Msg::ChecksClientAddressOutsideUnshared
                }),
            }
        }
        Check::ServerResolve => {
            let typed = seen.server_name.map(shown_name);
            let subject = match &typed {
                Some(n) => tr.f(Msg::ChecksServerResolveTyped, &[("name", n.into())]),
                None => tr.t(Msg::ChecksServerResolveUntyped),
            };
            let names: Vec<&str> = d
                .text
                .as_deref()
                .unwrap_or_default()
                .split(' ')
                .filter(|n| !n.is_empty())
                .collect();
            let named = or_list(tr, &names);
            let found = num(0).and_then(|c| Found::ALL.get(c as usize)).copied();
            let said = |plain: Msg, with_names: Msg| {
                if names.is_empty() {
                    tr.f(plain, &[("subject", (&subject).into())])
                } else {
                    tr.f(
                        with_names,
                        &[("subject", (&subject).into()), ("names", (&named).into())],
                    )
                }
            };
            match (r.outcome, found) {
                (Pass, Some(Found::OurAddress)) => said(
                    Msg::ChecksServerResolveOurAddress,
                    Msg::ChecksServerResolveOurAddressNamed,
                ),
                (Warn, _) => said(
                    Msg::ChecksServerResolveStale,
                    Msg::ChecksServerResolveStaleNamed,
                ),
                (Fail, Some(Found::NoAddress)) => match &typed {
                    Some(n) => tr.f(
                        Msg::ChecksServerResolveNoAddressTyped,
                        &[("name", n.into())],
                    ),
                    None => tr.t(Msg::ChecksServerResolveNoAddress),
                },
                (Fail, _) => match names.first() {
                    Some(s) => tr.f(
                        Msg::ChecksServerResolveUnknownHint,
                        &[("subject", (&subject).into()), ("suggestion", (*s).into())],
                    ),
                    None => tr.f(
                        Msg::ChecksServerResolveUnknown,
                        &[("subject", (&subject).into())],
                    ),
                },
                _ => tr.f(
                    Msg::ChecksServerResolveFound,
                    &[("subject", (&subject).into())],
                ),
            }
        }
        Check::ServerProbe { port } => {
            let m = match (r.outcome, fig) {
                (Pass, _) => Msg::ChecksServerProbePass,
                (_, Some(_)) => Msg::ChecksServerProbeRefused,
                _ => Msg::ChecksServerProbeSilent,
            };
            // A port as written (1723), never as a formatted number.
            tr.f(m, &[("port", (&port.to_string()).into())])
        }
        Check::OperatorStatus => match &d.text {
            Some(message) if r.outcome != Pass => tr.f(
                Msg::ChecksOperatorStatusMessage,
                &[("message", message.into())],
            ),
            None if r.outcome != Pass => tr.t(Msg::ChecksOperatorStatusPosted),
            _ => tr.t(Msg::ChecksOperatorStatusNone),
        },
    }
}
