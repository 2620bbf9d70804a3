//! Verdict tests: every check's thresholds, table-driven.

use std::net::IpAddr;

use fixpath_core::api::{
    Announcement, Family, Probe, ProbeStatus, Resolved, Severity, Status, WhoAmI, CANARY_BODY,
};
use fixpath_core::catalog::Platforms;
use fixpath_core::verdict::{self, detect_platform};
use fixpath_core::CheckOutcome::{self, *};

fn o(v: &verdict::Verdict) -> CheckOutcome {
    v.result.outcome
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
        assert_eq!((o(&v), v.result.figure), (want, fig), "{samples:?}");
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
        assert_eq!((o(&v), v.result.figure), (want, Some(fig)), "{skew}");
    }
    assert!(verdict::clock_skew(-3_600_000, 120)
        .message
        .contains("behind"));
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
    assert_eq!(
        verdict::internet_canary(2, 2, Some(30.4)).result.figure,
        Some(30)
    );
    assert_eq!(o(&verdict::internet_canary(2, 1, Some(30.0))), Warn);
    assert_eq!(o(&verdict::internet_canary(2, 0, None)), Fail);
    assert_eq!(o(&verdict::alt_ports(0, 0)), Unknown);
    assert_eq!(o(&verdict::alt_ports(2, 2)), Pass);
    assert_eq!(o(&verdict::alt_ports(2, 1)), Warn);
    assert_eq!(o(&verdict::alt_ports(2, 0)), Fail);
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
        o(&verdict::resolve(&resolved(
            true,
            vec![addr],
            Some(true),
            vec![]
        ))),
        Pass
    );
    assert_eq!(
        o(&verdict::resolve(&resolved(true, vec![addr], None, vec![]))),
        Pass
    );
    // The name is right; an unexpected address behind it is not the user's to fix.
    assert_eq!(
        o(&verdict::resolve(&resolved(
            true,
            vec![addr],
            Some(false),
            vec![]
        ))),
        Pass
    );
    // A typed address: ours passes with the name as the safer choice, named only
    // when the helper gives it; anyone else's is the stale-address branch.
    let typed = |current, addresses: Vec<IpAddr>, dym: Vec<&str>| Resolved {
        name: "203.0.113.9".into(),
        current_address: Some(current),
        ..resolved(current, addresses, current.then_some(true), dym)
    };
    let ours = verdict::resolve(&typed(true, vec![addr], vec!["vpn.example.com"]));
    assert_eq!(o(&ours), Pass);
    assert_eq!(ours.result.figure, Some(1));
    assert_eq!(
        ours.message,
        "“203.0.113.9” is our VPN server's address. Its name (vpn.example.com) is safer: an address can change."
    );
    assert_eq!(
        verdict::resolve(&typed(true, vec![addr], vec![])).message,
        "“203.0.113.9” is our VPN server's address. Its name is safer: an address can change."
    );
    let stale = verdict::resolve(&typed(false, vec![], vec!["vpn.example.com"]));
    assert_eq!(o(&stale), Warn);
    assert_eq!(stale.result.figure, Some(0));
    assert_eq!(
        stale.message,
        "“203.0.113.9” is not our VPN server's address: a saved address may be out of date. Use its name (vpn.example.com) instead."
    );
    // Several servers the address might have been: each is named.
    let stale_of_several = verdict::resolve(&typed(
        false,
        vec![],
        vec!["vpn.example.com", "vpn2.example.com"],
    ));
    assert_eq!(
        stale_of_several.message,
        "“203.0.113.9” is not our VPN server's address: a saved address may be out of date. Use its name (vpn.example.com or vpn2.example.com) instead."
    );
    let stale_unnamed = verdict::resolve(&typed(false, vec![], vec![]));
    assert_eq!(o(&stale_unnamed), Warn);
    assert_eq!(
        stale_unnamed.message,
        "“203.0.113.9” is not our VPN server's address: a saved address may be out of date. Use its name instead."
    );
    assert_eq!(o(&verdict::probe_not_offered()), Unknown);

    let typo = verdict::resolve(&resolved(false, vec![], None, vec!["vpn.example.com"]));
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
        verdict::probe(&probe(ProbeStatus::Open, Some(4)))
            .result
            .figure,
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
