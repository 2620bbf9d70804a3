//! Check verdicts: from what a check measured to an outcome, a figure and a plain
//! sentence. Pure, so every threshold is tested natively; the app only measures.

use crate::api::{Probe, ProbeStatus, Resolved, Severity, Status, WhoAmI};
use crate::catalog::Platforms;
use crate::engine::CheckResult;
use crate::model::CheckOutcome;

/// An outcome with its figure and the sentence the user reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub result: CheckResult,
    pub message: String,
}

fn verdict(outcome: CheckOutcome, figure: Option<i64>, message: impl Into<String>) -> Verdict {
    Verdict {
        result: CheckResult { outcome, figure },
        message: message.into(),
    }
}

/// The verdict for a check that could not run, with the reason.
pub fn could_not_run(why: &str) -> Verdict {
    verdict(
        CheckOutcome::Unknown,
        None,
        format!("We could not run this check: {why}."),
    )
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
pub fn online(navigator_online: bool, helper_answered: bool) -> Verdict {
    match (navigator_online, helper_answered) {
        (_, true) => verdict(
            CheckOutcome::Pass,
            None,
            "Your device is online and reached our helper.",
        ),
        (false, false) => verdict(
            CheckOutcome::Fail,
            None,
            "Your browser says this device is offline: it has no network connection right now.",
        ),
        (true, false) => verdict(
            CheckOutcome::Warn,
            None,
            "Your device has a network, but it could not reach our helper.",
        ),
    }
}

/// Default median round trip above which `helper.ping` warns.
pub const PING_WARN_MS: i64 = 300;

/// `helper.ping`: `samples_ms` are the round trips that answered out of `attempts`.
pub fn ping(samples_ms: &[f64], attempts: usize, warn_ms: i64) -> Verdict {
    let Some(med) = median(samples_ms) else {
        return verdict(
            CheckOutcome::Fail,
            None,
            format!("None of our {attempts} timing requests got an answer."),
        );
    };
    let med_i = med.round() as i64;
    let jit = jitter(samples_ms).round() as i64;
    let lost = attempts.saturating_sub(samples_ms.len());
    let detail = format!(
        "{} of {attempts} answered; typical round trip {med_i} ms, varying by about {jit} ms.",
        samples_ms.len()
    );
    if lost > 0 || med_i > warn_ms {
        verdict(
            CheckOutcome::Warn,
            Some(med_i),
            format!("The connection to our helper is slow or losing requests. {detail}"),
        )
    } else {
        verdict(
            CheckOutcome::Pass,
            Some(med_i),
            format!("The connection to our helper is fine. {detail}"),
        )
    }
}

/// Default largest clock difference, in seconds, before `clock.skew` fails.
pub const MAX_SKEW_S: i64 = 120;

/// `clock.skew`: `skew_ms` is browser time minus helper time, corrected by half the
/// round trip (positive: the device is ahead).
pub fn clock_skew(skew_ms: i64, max_skew_s: i64) -> Verdict {
    let secs = skew_ms / 1000;
    let abs = secs.unsigned_abs();
    let dir = if secs >= 0 { "ahead" } else { "behind" };
    if abs as i64 > max_skew_s {
        verdict(
            CheckOutcome::Fail,
            Some(secs),
            format!(
                "Your device's clock is {} {dir}. Secure connections, VPNs included, can fail when the clock is this far off.",
                human_duration(abs)
            ),
        )
    } else {
        verdict(
            CheckOutcome::Pass,
            Some(secs),
            format!(
                "Your device's clock is right (off by {}).",
                human_duration(abs)
            ),
        )
    }
}

fn human_duration(secs: u64) -> String {
    match secs {
        0..=119 => format!("{secs} seconds"),
        120..=7199 => format!("{} minutes", secs / 60),
        7200..=172_799 => format!("{} hours", secs / 3600),
        _ => format!("{} days", secs / 86_400),
    }
}

/// `captive.portal`: `body` is the canary answer (`None`: the fetch failed).
pub fn captive_portal(body: Option<&str>, navigator_online: bool) -> Verdict {
    match body {
        Some(b) if b == crate::api::CANARY_BODY => verdict(
            CheckOutcome::Pass,
            None,
            "Nothing between you and our helper changed its answer: no sign-in page or proxy is in the way.",
        ),
        Some(_) => verdict(
            CheckOutcome::Fail,
            None,
            "Something between you and our helper changed its answer. This usually means a Wi-Fi sign-in page (hotel, airport, café) or a filtering proxy.",
        ),
        None if navigator_online => verdict(
            CheckOutcome::Warn,
            None,
            "Your browser says it is online, but our helper could not be reached. A Wi-Fi sign-in page or a firewall may be in the way.",
        ),
        None => could_not_run("your device is offline"),
    }
}

/// `internet.canary`: `configured` public URLs, `reached` of them answered.
pub fn internet_canary(configured: usize, reached: usize, fastest_ms: Option<f64>) -> Verdict {
    let fig = fastest_ms.map(|m| m.round() as i64);
    if configured == 0 {
        return could_not_run("no public test sites are configured");
    }
    if reached == configured {
        verdict(
            CheckOutcome::Pass,
            fig,
            "Public websites are reachable from your device.",
        )
    } else if reached > 0 {
        verdict(
            CheckOutcome::Warn,
            fig,
            format!("Only {reached} of {configured} public test sites could be reached."),
        )
    } else {
        verdict(
            CheckOutcome::Fail,
            None,
            "No public website could be reached: your network does not reach the internet.",
        )
    }
}

/// `egress.alt_ports`: how many of the helper's alternate ports answered.
pub fn alt_ports(configured: usize, open: usize) -> Verdict {
    let fig = Some(open as i64);
    if configured == 0 {
        return could_not_run("no alternate ports are configured");
    }
    if open == configured {
        verdict(
            CheckOutcome::Pass,
            fig,
            "Your network lets traffic through on unusual ports.",
        )
    } else if open > 0 {
        verdict(
            CheckOutcome::Warn,
            fig,
            format!("Only {open} of {configured} unusual ports got through: your network filters some ports."),
        )
    } else {
        verdict(
            CheckOutcome::Fail,
            fig,
            "Your network blocks traffic on unusual ports. A firewall here may also block the VPN.",
        )
    }
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

/// A platform's name for people.
pub fn platform_name(p: &str) -> &'static str {
    match p {
        "windows" => "Windows",
        "macos" => "macOS",
        "ios" => "iPhone or iPad",
        "android" => "Android",
        "linux" => "Linux",
        "chromeos" => "ChromeOS",
        _ => "an unknown system",
    }
}

/// `platform`: pass/warn sets from the tree's parameters; any other detected
/// platform fails.
pub fn platform(user_agent: &str, pass: Platforms, warn: Platforms) -> Verdict {
    let Some(p) = detect_platform(user_agent) else {
        return could_not_run("your browser does not say which system it runs on");
    };
    let name = platform_name(p);
    let idx = crate::catalog::PLATFORMS
        .iter()
        .position(|x| *x == p)
        .map(|i| i as i64);
    if pass.contains(p) {
        verdict(CheckOutcome::Pass, idx, format!("You are using {name}."))
    } else if warn.contains(p) {
        verdict(CheckOutcome::Warn, idx, format!("You are using {name}."))
    } else {
        verdict(CheckOutcome::Fail, idx, format!("You are using {name}."))
    }
}

/// `client.address`.
pub fn client_address(who: &WhoAmI) -> Verdict {
    if who.in_office {
        verdict(
            CheckOutcome::Warn,
            None,
            format!(
                "You are connecting from {}, which is inside the office network.",
                who.address
            ),
        )
    } else {
        verdict(
            CheckOutcome::Pass,
            None,
            format!(
                "You are connecting from {}, outside the office network.",
                who.address
            ),
        )
    }
}

/// `server.resolve`. A typed address that is our server's passes (the name is
/// safer); one that is no server's warns: the tree's stale-address branch.
pub fn resolve(r: &Resolved) -> Verdict {
    let n = Some(r.addresses.len() as i64);
    let name = &r.name;
    // The names the helper may show: one is the server's, several are the
    // servers it might be.
    let named = match r.did_you_mean.as_slice() {
        [] => String::new(),
        names => format!(" ({})", names.join(" or ")),
    };
    if let Some(ours) = r.current_address {
        let (outcome, figure, says, then) = if ours {
            (
                CheckOutcome::Pass,
                n,
                "is our VPN server's address. Its name",
                " is safer: an address can change.",
            )
        } else {
            (
                CheckOutcome::Warn,
                Some(0),
                "is not our VPN server's address: a saved address may be out of date. Use its name",
                " instead.",
            )
        };
        return verdict(outcome, figure, format!("“{name}” {says}{named}{then}"));
    }
    if !r.known {
        let hint = match r.did_you_mean.first() {
            Some(s) => format!(" Did you mean {s}?"),
            None => String::new(),
        };
        return verdict(
            CheckOutcome::Fail,
            Some(0),
            format!("“{}” is not one of our VPN servers.{hint}", r.name),
        );
    }
    if r.addresses.is_empty() {
        return verdict(
            CheckOutcome::Fail,
            Some(0),
            format!(
                "The name “{}” does not lead to any address right now.",
                r.name
            ),
        );
    }
    // An address we did not expect behind a right name is not the user's to fix:
    // the name passes, and the probe shows whether the server answers.
    verdict(
        CheckOutcome::Pass,
        n,
        format!("“{name}” is the right server name and can be found."),
    )
}

/// `server.probe` when the resolve answer offers no probe of what was typed: the
/// helper would refuse, so the app does not ask.
pub fn probe_not_offered() -> Verdict {
    could_not_run("our helper tests only our own VPN servers")
}

/// `server.probe`.
pub fn probe(p: &Probe) -> Verdict {
    let fig = p.connect_ms.map(|m| m as i64);
    match p.status {
        ProbeStatus::Open => verdict(
            CheckOutcome::Pass,
            fig,
            format!(
                "The VPN server answers on port {} from the internet.",
                p.port
            ),
        ),
        ProbeStatus::Refused => verdict(
            CheckOutcome::Fail,
            fig,
            format!(
                "The VPN server refused a connection on port {}: the service is not running there.",
                p.port
            ),
        ),
        ProbeStatus::Timeout => verdict(
            CheckOutcome::Fail,
            None,
            format!(
                "The VPN server did not answer on port {}: it may be down or blocked.",
                p.port
            ),
        ),
    }
}

/// `operator.status`.
pub fn operator_status(s: &Status) -> Verdict {
    match &s.announcement {
        None => verdict(
            CheckOutcome::Pass,
            None,
            "There is no known problem on our side right now.",
        ),
        Some(a) => {
            let o = match a.severity {
                Severity::Info | Severity::Warning => CheckOutcome::Warn,
                Severity::Outage => CheckOutcome::Fail,
            };
            verdict(o, None, format!("Message from support: {}", a.message))
        }
    }
}
