//! Findings link lengths for `cargo xtask bench`: the shortest `vpn-error-800`
//! session, the full one (its longest path), and the full one with 500
//! characters of notes; each as a payload and as a whole sealed link. Each check
//! records what the verdict makes of a realistic measurement for the outcome the
//! walk takes (so its detail is the one a real walk carries), and the seal is the
//! one the app writes (format 3, as the helper signs it: whole seconds).

use std::net::IpAddr;

use fixpath_core::api::{
    Announcement, Probe, ProbeStatus, Resolved, Severity, Status, WhoAmI, CANARY_BODY,
};
use fixpath_core::catalog::Check;
use fixpath_core::engine::{CheckResult, Session};
use fixpath_core::model::{CheckOutcome, NodeKind, Tree};
use fixpath_core::seal::{SealForm, SealToken};
use fixpath_core::verdict::{self, Unrun};
use fixpath_core::{link, shipped};

const ORIGIN: &str = "https://support.example.com/";
const START_MS: u64 = 1_795_000_000_000;
/// A key id as the helper makes one: the first 8 bytes of SHA-256 of the key, hex.
const KEY_ID: &str = "3f9a2c1d5e6b7a80";
/// What the user typed, one letter off the helper's suggestion.
const TYPED: &str = "vpn.exmaple.com";
const SERVER: &str = "vpn.example.com";
const CLIENT: [u8; 4] = [203, 0, 113, 7];

/// The result a real walk records for `check` when it comes out `want`: what the
/// verdict makes of a measurement that comes out so.
fn result_for(check: Check, want: CheckOutcome) -> CheckResult {
    use CheckOutcome::*;
    if want == Unknown {
        return verdict::could_not_run(Unrun::HelperTimeout, None, None);
    }
    let r = match check {
        Check::BrowserOnline => verdict::online(want != Fail, want == Pass),
        Check::HelperPing { count, warn_ms } => {
            let n = usize::from(count);
            match want {
                Pass => verdict::ping(&[41.0, 38.5, 44.2, 40.1, 39.7][..n.min(5)], n, warn_ms),
                Warn => verdict::ping(&[412.0, 388.3, 455.9, 401.2], n, warn_ms),
                _ => verdict::ping(&[], n, warn_ms),
            }
        }
        Check::ClockSkew { max_skew_s } => match want {
            Fail => verdict::clock_skew(-3_725_000, max_skew_s),
            _ => verdict::clock_skew(1_400, max_skew_s),
        },
        Check::CaptivePortal => match want {
            Pass => verdict::captive_portal(Some(CANARY_BODY), true),
            Fail => verdict::captive_portal(Some("<html>Hotel Wi-Fi sign-in</html>"), true),
            _ => verdict::captive_portal(None, true),
        },
        Check::InternetCanary => match want {
            Pass => verdict::internet_canary(3, 3, Some(38.4)),
            Warn => verdict::internet_canary(3, 2, Some(61.0)),
            _ => verdict::internet_canary(3, 0, None),
        },
        Check::EgressAltPorts => match want {
            Pass => verdict::alt_ports(&[(8443, true), (1194, true), (4500, true)]),
            Warn => verdict::alt_ports(&[(8443, true), (1194, false), (4500, false)]),
            _ => verdict::alt_ports(&[(8443, false), (1194, false), (4500, false)]),
        },
        Check::Platform { pass, warn } => {
            let ua = |p: &str| match p {
                "windows" => "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
                "macos" => "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)",
                "ios" => "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)",
                "android" => "Mozilla/5.0 (Linux; Android 14)",
                "linux" => "Mozilla/5.0 (X11; Linux x86_64)",
                _ => "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0)",
            };
            let found = fixpath_core::catalog::PLATFORMS
                .iter()
                .find(|p| match want {
                    Pass => pass.contains(p),
                    Warn => warn.contains(p),
                    _ => !pass.contains(p) && !warn.contains(p),
                });
            verdict::platform(ua(found.copied().unwrap_or("windows")), pass, warn)
        }
        Check::ClientAddress => verdict::client_address(&WhoAmI {
            address: IpAddr::from(CLIENT),
            family: fixpath_core::api::Family::Ipv4,
            in_office: want == Warn,
        }),
        Check::ServerResolve => {
            let ours: IpAddr = IpAddr::from([198, 51, 100, 20]);
            verdict::resolve(&match want {
                Pass => Resolved {
                    name: SERVER.into(),
                    known: true,
                    addresses: vec![ours],
                    matches_expected: Some(true),
                    did_you_mean: Vec::new(),
                    current_address: None,
                    probe_target: Some(SERVER.into()),
                    probe_ports: vec![1723, 443],
                },
                Warn => Resolved {
                    name: "198.51.100.99".into(),
                    known: false,
                    addresses: Vec::new(),
                    matches_expected: None,
                    did_you_mean: vec![SERVER.into()],
                    current_address: Some(false),
                    probe_target: None,
                    probe_ports: Vec::new(),
                },
                _ => Resolved {
                    name: TYPED.into(),
                    known: false,
                    addresses: Vec::new(),
                    matches_expected: None,
                    did_you_mean: vec![SERVER.into()],
                    current_address: None,
                    probe_target: None,
                    probe_ports: Vec::new(),
                },
            })
        }
        Check::ServerProbe { port } => verdict::probe(&Probe {
            server: SERVER.into(),
            port,
            status: match want {
                Pass => ProbeStatus::Open,
                _ => ProbeStatus::Timeout,
            },
            connect_ms: (want == Pass).then_some(23),
            cached: false,
        }),
        Check::OperatorStatus => verdict::operator_status(&Status {
            announcement: (want != Pass).then(|| Announcement {
                message: "VPN maintenance tonight from 22:00 to 23:00.".into(),
                severity: if want == Fail {
                    Severity::Outage
                } else {
                    Severity::Warning
                },
                since_ms: START_MS - 3_600_000,
            }),
        }),
    };
    // A measurement that comes out otherwise would make the walk another one.
    assert_eq!(r.outcome, want, "{check:?}");
    r
}

/// Walks `tree`, at each step taking the branch whose remaining path is the
/// longest (`longest`) or the shortest, with steps a few seconds apart. The
/// server name is what the user typed where the walk finds it wrong.
fn walk(tree: &Tree, longest: bool) -> Session {
    let mut now = START_MS;
    let mut s = Session::start(tree, now);
    let mut typed = SERVER;
    let pick = |nexts: Vec<u16>| -> usize {
        let lens: Vec<usize> = nexts.iter().map(|n| tree.longest_remaining(*n)).collect();
        let best = if longest {
            lens.iter().max()
        } else {
            lens.iter().min()
        };
        lens.iter().position(|l| Some(l) == best).unwrap_or(0)
    };
    while !s.is_finished(tree) {
        now += 4_321;
        let node = s.current(tree);
        let done = match tree.node(node).map(|n| &n.kind) {
            Some(NodeKind::Question { .. }) => {
                let i = pick(tree.successors(node));
                s.answer(tree, i as u8, now)
            }
            Some(NodeKind::Check { check, .. }) => {
                let i = pick(tree.successors(node));
                let outcome = CheckOutcome::ALL[i];
                if matches!(check, Check::ServerResolve) && outcome == CheckOutcome::Fail {
                    typed = TYPED;
                }
                s.record_check(tree, result_for(*check, outcome), now)
            }
            Some(NodeKind::Advice { .. }) => {
                let i = pick(tree.successors(node));
                s.advise(tree, i == 0, now)
            }
            _ => break,
        };
        if done.is_err() {
            break;
        }
    }
    s.server_name = Some(typed.into());
    s.client_address = Some(IpAddr::from(CLIENT));
    s
}

fn report(name: &str, s: &Session) {
    let payload = link::encode(s);
    // As the helper answers (whole seconds) and the app writes it (format 3).
    let seal = SealToken {
        time_ms: (s.entries.last().map_or(s.started_ms, |e| e.at_ms) + 2_500) / 1000 * 1000,
        signature: [0xab; 64],
        form: SealForm::Full {
            key_id: KEY_ID.into(),
            client: s.client_address,
        },
    }
    .shortest_for(s.client_address);
    assert_eq!(seal.format(), 3);
    let full = format!("{ORIGIN}#/r/{payload}.{}", seal.encode());
    // It reads back whole: the same walk, to the second.
    let mut kept = s.clone();
    kept.started_ms -= kept.started_ms % 1000;
    for e in &mut kept.entries {
        e.at_ms -= e.at_ms % 1000;
    }
    assert_eq!(link::decode_session(&full), Ok(kept));
    println!(
        "link {name} steps={} payload_chars={} sealed_link_chars={}",
        s.entries.len(),
        payload.len(),
        full.len()
    );
}

fn main() {
    let Some(tree) = shipped::trees()
        .into_iter()
        .find(|t| t.id == "vpn-error-800")
    else {
        eprintln!("links: the vpn-error-800 tree is missing");
        std::process::exit(1);
    };
    report("shortest", &walk(&tree, false));
    let full = walk(&tree, true);
    report("full", &full);
    let mut noted = full.clone();
    noted.notes = "The VPN worked yesterday at home; today it fails at the café. "
        .repeat(10)
        .chars()
        .take(500)
        .collect();
    report("full_with_500_chars_of_notes", &noted);
}
