//! Verdict tests: every check's thresholds, table-driven, and the English
//! sentences.

mod common;

use std::net::IpAddr;

use common::en;
use fixpath_core::api::{
    Announcement, Family, Probe, ProbeStatus, Resolved, Severity, Status, WhoAmI, CANARY_BODY,
};
use fixpath_core::catalog::{Check, Platforms};
use fixpath_core::verdict::{self, detect_platform, sentence, Seen, Unrun};
use fixpath_core::CheckOutcome::{self, *};
use fixpath_core::{CheckResult, Detail};
use proptest::prelude::*;

fn o(v: &CheckResult) -> CheckOutcome {
    v.outcome
}

/// A resolve's result with the sentence the user reads for it.
struct V {
    result: CheckResult,
    message: String,
}

impl std::ops::Deref for V {
    type Target = CheckResult;
    fn deref(&self) -> &CheckResult {
        &self.result
    }
}

fn resolve_v(r: &Resolved) -> V {
    let result = verdict::resolve(r);
    let seen = Seen {
        server_name: Some(&r.name),
        client_address: None,
    };
    V {
        message: sentence(en(), Check::ServerResolve, &result, &seen),
        result,
    }
}

fn said(check: Check, r: &CheckResult) -> String {
    sentence(en(), check, r, &Seen::default())
}

#[test]
fn median_and_jitter() {
    assert_eq!(verdict::median(&[]), None);
    assert_eq!(verdict::median(&[5.0]), Some(5.0));
    assert_eq!(verdict::median(&[9.0, 1.0, 5.0]), Some(5.0));
    assert_eq!(verdict::median(&[1.0, 2.0, 3.0, 10.0]), Some(2.5));
    assert_eq!(verdict::median(&[f64::NAN, 4.0]), Some(4.0));
    assert_eq!(verdict::jitter(&[10.0]), 0.0);
    assert_eq!(verdict::jitter(&[10.0, 12.0, 8.0]), 3.0);
}

#[test]
fn online_table() {
    let cases = [
        (true, true, Pass),
        (false, true, Pass),
        (true, false, Warn),
        (false, false, Fail),
    ];
    for (nav, helper, want) in cases {
        assert_eq!(o(&verdict::online(nav, helper)), want, "{nav} {helper}");
    }
}

#[test]
fn ping_table() {
    let cases: [(&[f64], usize, CheckOutcome, Option<i64>); 5] = [
        (&[10.0, 12.0, 11.0, 13.0, 9.0], 5, Pass, Some(11)),
        (&[400.0, 420.0, 390.0, 410.0, 405.0], 5, Warn, Some(405)),
        (&[10.0, 11.0, 12.0, 13.0], 5, Warn, Some(12)),
        (&[], 5, Fail, None),
        (&[299.6, 300.0, 300.4, 300.0, 300.0], 5, Pass, Some(300)),
    ];
    for (samples, n, want, fig) in cases {
        let v = verdict::ping(samples, n, 300);
        assert_eq!((o(&v), v.figure), (want, fig), "{samples:?}");
    }
}

#[test]
fn clock_skew_table() {
    let cases = [
        (0, Pass, 0),
        (119_000, Pass, 119),
        (-120_999, Pass, -120),
        (121_000, Fail, 121),
        (-3_600_000, Fail, -3600),
    ];
    for (skew, want, fig) in cases {
        let v = verdict::clock_skew(skew, 120);
        assert_eq!((o(&v), v.figure), (want, Some(fig)), "{skew}");
    }
    let skew = Check::ClockSkew { max_skew_s: 120 };
    assert_eq!(
        said(skew, &verdict::clock_skew(-3_600_000, 120)),
        "Your device's clock is 60 minutes behind. Secure connections, VPNs included, can fail when the clock is this far off."
    );
    assert_eq!(
        said(skew, &verdict::clock_skew(4_000, 120)),
        "Your device's clock is right (off by 4 seconds)."
    );
}

#[test]
fn captive_portal_table() {
    assert_eq!(o(&verdict::captive_portal(Some(CANARY_BODY), true)), Pass);
    assert_eq!(
        o(&verdict::captive_portal(
            Some("<html>Sign in to Hotel Wi-Fi</html>"),
            true
        )),
        Fail
    );
    assert_eq!(o(&verdict::captive_portal(None, true)), Warn);
    assert_eq!(o(&verdict::captive_portal(None, false)), Unknown);
}

#[test]
fn canary_and_ports_tables() {
    assert_eq!(o(&verdict::internet_canary(0, 0, None)), Unknown);
    assert_eq!(o(&verdict::internet_canary(2, 2, Some(30.4))), Pass);
    assert_eq!(verdict::internet_canary(2, 2, Some(30.4)).figure, Some(30));
    assert_eq!(o(&verdict::internet_canary(2, 1, Some(30.0))), Warn);
    assert_eq!(o(&verdict::internet_canary(2, 0, None)), Fail);
    assert_eq!(o(&verdict::alt_ports(&[])), Unknown);
    assert_eq!(o(&verdict::alt_ports(&[(8443, true), (4443, true)])), Pass);
    assert_eq!(o(&verdict::alt_ports(&[(8443, true), (4443, false)])), Warn);
    assert_eq!(
        o(&verdict::alt_ports(&[(8443, false), (4443, false)])),
        Fail
    );
}

#[test]
fn platform_detection_table() {
    let cases = [
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120",
            Some("windows"),
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 Safari/605.1.15",
            Some("macos"),
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15",
            Some("ios"),
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120 Mobile",
            Some("android"),
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120",
            Some("linux"),
        ),
        (
            "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 Chrome/120",
            Some("chromeos"),
        ),
        ("curl/8.0", None),
    ];
    for (ua, want) in cases {
        assert_eq!(detect_platform(ua), want, "{ua}");
    }
    let pass = Platforms::default().with("windows").unwrap();
    let warn = Platforms::default().with("linux").unwrap();
    assert_eq!(o(&verdict::platform(cases[0].0, pass, warn)), Pass);
    assert_eq!(o(&verdict::platform(cases[4].0, pass, warn)), Warn);
    assert_eq!(o(&verdict::platform(cases[1].0, pass, warn)), Fail);
    assert_eq!(o(&verdict::platform("curl/8.0", pass, warn)), Unknown);
}

#[test]
fn helper_answers_table() {
    let addr: IpAddr = "203.0.113.9".parse().unwrap();
    let who = |in_office| WhoAmI {
        address: addr,
        family: Family::Ipv4,
        in_office,
    };
    assert_eq!(o(&verdict::client_address(&who(false))), Pass);
    assert_eq!(o(&verdict::client_address(&who(true))), Warn);

    let resolved = |known, addresses: Vec<IpAddr>, matches, dym: Vec<&str>| Resolved {
        name: "vpn.example.com".into(),
        known,
        addresses,
        matches_expected: matches,
        did_you_mean: dym.into_iter().map(String::from).collect(),
        current_address: None,
        probe_target: None,
        probe_ports: vec![],
    };
    assert_eq!(
        o(&resolve_v(&resolved(true, vec![addr], Some(true), vec![]))),
        Pass
    );
    assert_eq!(
        o(&resolve_v(&resolved(true, vec![addr], None, vec![]))),
        Pass
    );
    // The name is right; an unexpected address behind it is not the user's to fix.
    assert_eq!(
        o(&resolve_v(&resolved(true, vec![addr], Some(false), vec![]))),
        Pass
    );
    // A typed address: ours passes with the name as the safer choice, named only
    // when the helper gives it; anyone else's is the stale-address branch.
    let typed = |current, addresses: Vec<IpAddr>, dym: Vec<&str>| Resolved {
        name: "203.0.113.9".into(),
        current_address: Some(current),
        ..resolved(current, addresses, current.then_some(true), dym)
    };
    let ours = resolve_v(&typed(true, vec![addr], vec!["vpn.example.com"]));
    assert_eq!(o(&ours), Pass);
    assert_eq!(ours.figure, Some(1));
    assert_eq!(
        ours.message,
        "“203.0.113.9” is our VPN server's address. Its name (vpn.example.com) is safer: an address can change."
    );
    assert_eq!(
        resolve_v(&typed(true, vec![addr], vec![])).message,
        "“203.0.113.9” is our VPN server's address. Its name is safer: an address can change."
    );
    let stale = resolve_v(&typed(false, vec![], vec!["vpn.example.com"]));
    assert_eq!(o(&stale), Warn);
    assert_eq!(stale.figure, Some(0));
    assert_eq!(
        stale.message,
        "“203.0.113.9” is not our VPN server's address: a saved address may be out of date. Use its name (vpn.example.com) instead."
    );
    // Several servers the address might have been: each is named.
    let stale_of_several = resolve_v(&typed(
        false,
        vec![],
        vec!["vpn.example.com", "vpn2.example.com"],
    ));
    assert_eq!(
        stale_of_several.message,
        "“203.0.113.9” is not our VPN server's address: a saved address may be out of date. Use its name (vpn.example.com or vpn2.example.com) instead."
    );
    let stale_unnamed = resolve_v(&typed(false, vec![], vec![]));
    assert_eq!(o(&stale_unnamed), Warn);
    assert_eq!(
        stale_unnamed.message,
        "“203.0.113.9” is not our VPN server's address: a saved address may be out of date. Use its name instead."
    );
    assert_eq!(o(&verdict::probe_not_offered()), Unknown);

    let typo = resolve_v(&resolved(false, vec![], None, vec!["vpn.example.com"]));
    assert_eq!(o(&typo), Fail);
    assert!(typo.message.contains("Did you mean vpn.example.com?"));

    let probe = |status, ms| Probe {
        server: "vpn.example.com".into(),
        port: 1723,
        status,
        connect_ms: ms,
        cached: false,
    };
    assert_eq!(
        verdict::probe(&probe(ProbeStatus::Open, Some(4))).figure,
        Some(4)
    );
    assert_eq!(o(&verdict::probe(&probe(ProbeStatus::Open, Some(4)))), Pass);
    assert_eq!(
        o(&verdict::probe(&probe(ProbeStatus::Refused, Some(1)))),
        Fail
    );
    assert_eq!(o(&verdict::probe(&probe(ProbeStatus::Timeout, None))), Fail);

    let status = |sev: Option<Severity>| Status {
        announcement: sev.map(|severity| Announcement {
            message: "The VPN is down since 09:12; we are on it".into(),
            severity,
            since_ms: 0,
        }),
    };
    assert_eq!(o(&verdict::operator_status(&status(None))), Pass);
    assert_eq!(
        o(&verdict::operator_status(&status(Some(Severity::Info)))),
        Warn
    );
    assert_eq!(
        o(&verdict::operator_status(&status(Some(Severity::Outage)))),
        Fail
    );
}

/// The sentences the user reads, rebuilt from nothing but the result (what a link
/// carries) and what the walk holds.
#[test]
fn sentences_say_what_was_measured() {
    let ping = Check::HelperPing {
        count: 5,
        warn_ms: 300,
    };
    assert_eq!(
        said(ping, &verdict::ping(&[10.0, 12.0, 11.0, 13.0, 9.0], 5, 300)),
        "The connection to our helper is fine. 5 of 5 answered; typical round trip 11 ms, varying by about 2 ms."
    );
    assert_eq!(
        said(ping, &verdict::ping(&[], 5, 300)),
        "None of our 5 timing requests got an answer."
    );
    assert_eq!(
        said(
            Check::InternetCanary,
            &verdict::internet_canary(3, 1, Some(40.0))
        ),
        "Only 1 of 3 public test sites could be reached."
    );
    let ports = Check::EgressAltPorts;
    assert_eq!(
        said(ports, &verdict::alt_ports(&[(8443, true), (4443, false), (1194, true)])),
        "Only 2 of 3 unusual ports got through: your network filters some ports (port 4443 was blocked)."
    );
    assert_eq!(
        said(ports, &verdict::alt_ports(&[(8443, false), (4443, false), (1194, false)])),
        "Your network blocks traffic on unusual ports (ports 8443, 4443 and 1194 were blocked). A firewall here may also block the VPN."
    );
    let typo = verdict::resolve(&Resolved {
        name: "vpn.example.con".into(),
        known: false,
        addresses: vec![],
        matches_expected: None,
        did_you_mean: vec!["vpn.example.com".into(), "vpn2.example.com".into()],
        current_address: None,
        probe_target: None,
        probe_ports: vec![],
    });
    let seen = Seen {
        server_name: Some(" VPN.example.con. "),
        client_address: None,
    };
    assert_eq!(
        sentence(en(), Check::ServerResolve, &typo, &seen),
        "“vpn.example.con” is not one of our VPN servers. Did you mean vpn.example.com?"
    );
    // Left out of the findings, the name is not in the report's sentence either.
    assert_eq!(
        said(Check::ServerResolve, &typo),
        "The server name is not one of our VPN servers. Did you mean vpn.example.com?"
    );
    let who = verdict::client_address(&WhoAmI {
        address: "203.0.113.9".parse().unwrap(),
        family: Family::Ipv4,
        in_office: true,
    });
    let with = Seen {
        server_name: None,
        client_address: "203.0.113.9".parse().ok(),
    };
    assert_eq!(
        sentence(en(), Check::ClientAddress, &who, &with),
        "You are connecting from 203.0.113.9, inside the office network."
    );
    assert_eq!(
        said(Check::ClientAddress, &who),
        "You are connecting from inside the office network."
    );
    let status = verdict::operator_status(&Status {
        announcement: Some(Announcement {
            message: "The VPN is down since 09:12; we are on it".into(),
            severity: Severity::Outage,
            since_ms: 0,
        }),
    });
    assert_eq!(
        said(Check::OperatorStatus, &status),
        "Message from support: The VPN is down since 09:12; we are on it"
    );
    let probe = Check::ServerProbe { port: 1723 };
    let refused = verdict::probe(&Probe {
        server: "vpn.example.com".into(),
        port: 1723,
        status: ProbeStatus::Refused,
        connect_ms: None,
        cached: false,
    });
    assert!(said(probe, &refused).contains("refused a connection on port 1723"));
}

#[test]
fn a_check_that_could_not_run_says_why() {
    let c = Check::OperatorStatus;
    assert_eq!(
        said(c, &verdict::could_not_run(Unrun::HelperTimeout, None, None)),
        "We could not run this check: our helper did not answer (it did not answer in time)."
    );
    assert_eq!(
        said(
            c,
            &verdict::could_not_run(Unrun::HelperStatus, Some(429), Some("too many requests"))
        ),
        "We could not run this check: our helper could not do it (too many requests)."
    );
    assert_eq!(
        said(c, &verdict::could_not_run(Unrun::HelperStatus, Some(503), None)),
        "We could not run this check: our helper could not do it (it answered with an error (503))."
    );
    assert_eq!(
        said(c, &verdict::probe_not_offered()),
        "We could not run this check: our helper tests only our own VPN servers."
    );
    // A link from before reasons were carried.
    assert_eq!(
        said(c, &CheckResult::new(Unknown, None)),
        "We could not run this check."
    );
}

/// Counts read as plural messages, numbers as the locale writes them, ports and
/// lists as written.
#[test]
fn counts_and_lists_in_sentences() {
    let skew = Check::ClockSkew { max_skew_s: 120 };
    assert_eq!(
        said(skew, &verdict::clock_skew(1_000, 120)),
        "Your device's clock is right (off by 1 second)."
    );
    assert_eq!(
        said(skew, &verdict::clock_skew(-200_000_000, 120)),
        "Your device's clock is 2 days behind. Secure connections, VPNs included, can fail when the clock is this far off."
    );
    let ports = Check::EgressAltPorts;
    assert_eq!(
        said(ports, &verdict::alt_ports(&[(8443, false), (4443, false)])),
        "Your network blocks traffic on unusual ports (ports 8443 and 4443 were blocked). A firewall here may also block the VPN."
    );
    assert_eq!(
        said(ports, &verdict::alt_ports(&[(8443, true), (4443, true)])),
        "Your network lets traffic through on unusual ports."
    );
    // A link from before the ports were carried: the count alone.
    assert_eq!(
        said(ports, &CheckResult::new(Warn, Some(1))),
        "Only 1 unusual port got through: your network filters some ports."
    );
    assert_eq!(
        said(ports, &CheckResult::new(Fail, Some(0))),
        "Your network blocks traffic on unusual ports. A firewall here may also block the VPN."
    );
    let ping = Check::HelperPing {
        count: 1,
        warn_ms: 300,
    };
    assert_eq!(
        said(ping, &verdict::ping(&[], 1, 300)),
        "Our 1 timing request got no answer."
    );
    assert_eq!(
        said(ping, &CheckResult::new(Warn, Some(1234))),
        "The connection to our helper is slow or losing requests. Typical round trip 1234 ms."
    );
    let pass = Platforms::default().with("ios").unwrap();
    let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15";
    assert_eq!(
        said(
            Check::Platform {
                pass,
                warn: Platforms::default()
            },
            &verdict::platform(iphone, pass, Platforms::default())
        ),
        "You are using iPhone or iPad."
    );
    assert_eq!(
        said(
            Check::Platform { pass, warn: pass },
            &CheckResult::new(Pass, Some(99))
        ),
        "You are using an unknown system."
    );
    assert_eq!(
        said(
            Check::ServerProbe { port: 1723 },
            &CheckResult::new(Pass, Some(5))
        ),
        "The VPN server answers on port 1723 from the internet."
    );
    assert_eq!(
        said(Check::ClientAddress, &CheckResult::new(Pass, None)),
        "You are connecting from outside the office network."
    );
    assert_eq!(
        said(Check::OperatorStatus, &CheckResult::new(Warn, None)),
        "Support has posted a message about the VPN."
    );
    let no_address = verdict::resolve(&Resolved {
        name: "vpn.example.com".into(),
        known: true,
        addresses: vec![],
        matches_expected: None,
        did_you_mean: vec![],
        current_address: None,
        probe_target: None,
        probe_ports: vec![],
    });
    assert_eq!(
        sentence(
            en(),
            Check::ServerResolve,
            &no_address,
            &Seen {
                server_name: Some("vpn.example.com"),
                client_address: None
            }
        ),
        "The name “vpn.example.com” does not lead to any address right now."
    );
    assert_eq!(
        said(Check::ServerResolve, &no_address),
        "The server name does not lead to any address right now."
    );
}

fn any_check() -> impl Strategy<Value = Check> {
    prop_oneof![
        Just(Check::BrowserOnline),
        (0u8..30, any::<i64>()).prop_map(|(count, warn_ms)| Check::HelperPing { count, warn_ms }),
        any::<i64>().prop_map(|max_skew_s| Check::ClockSkew { max_skew_s }),
        Just(Check::CaptivePortal),
        Just(Check::InternetCanary),
        Just(Check::EgressAltPorts),
        Just(Check::Platform {
            pass: Platforms::default(),
            warn: Platforms::default()
        }),
        Just(Check::ClientAddress),
        Just(Check::ServerResolve),
        any::<u16>().prop_map(|port| Check::ServerProbe { port }),
        Just(Check::OperatorStatus),
    ]
}

proptest! {
    /// A result a damaged or made-up link carries never makes `sentence` panic.
    #[test]
    fn any_result_has_a_sentence(
        check in any_check(),
        outcome in 0usize..4,
        figure in proptest::option::of(any::<i64>()),
        nums in proptest::collection::vec(any::<u32>(), 0..6),
        text in proptest::option::of(".{0,40}"),
        name in proptest::option::of(".{0,20}"),
    ) {
        let r = CheckResult {
            outcome: CheckOutcome::ALL[outcome],
            figure,
            detail: Detail { nums, text },
        };
        let seen = Seen { server_name: name.as_deref(), client_address: None };
        prop_assert!(!sentence(en(), check, &r, &seen).is_empty());
    }
}
