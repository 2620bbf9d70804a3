//! Every `/api/v1` endpoint and every refusal, through `oneshot` (no socket).

mod common;

use std::net::IpAddr;

use axum::body::Body;
use axum::http::StatusCode;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::*;
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use fixpath_core::api::{
    seal_message, Endpoint, Family, Health, Keys, Ping, Probe, ProbeStatus, Resolved, Seal,
    Severity, Status, WhoAmI, CANARY_BODY,
};

const DEMO: &str = "vpn.demo.fixpath.test";
const TOKEN: &str = "test-admin-token-0123456789";

fn demo_servers(port: u16) -> String {
    format!(
        "[[servers]]\nname = \"{DEMO}\"\nexpected = [\"127.0.0.1\"]\nports = [1723, 443]\nport_map = {{ 1723 = {port}, 443 = {port} }}\n\n[[servers]]\nname = \"vpn.example.com\"\nexpected = [\"192.0.2.10\"]\nports = [443]\n"
    )
}

fn demo_tables() -> &'static str {
    "[dns]\nupstream = \"none\"\n[dns.static]\n\"vpn.demo.fixpath.test\" = [\"127.0.0.1\"]\n\"vpn.example.com\" = [\"192.0.2.10\"]\n\"intranet.corp.example.com\" = [\"10.1.2.3\"]\n[targets]\nallow_addresses = [\"127.0.0.1\"]\n"
}

#[tokio::test]
async fn health_says_ok_and_the_version() {
    let f = fixture("");
    let a = send(&f.app, get(Endpoint::Health.path())).await;
    assert_eq!(a.status, StatusCode::OK);
    let h: Health = a.json();
    assert_eq!(h.status, "ok");
    assert_eq!(h.version, env!("CARGO_PKG_VERSION"));
    assert_eq!(a.header("cache-control").as_deref(), Some("no-store"));
}

#[tokio::test]
async fn every_typed_endpoint_is_routed() {
    let f = fixture("");
    for ep in Endpoint::ALL {
        let method = if ep == Endpoint::Seal { "POST" } else { "GET" };
        let a = send(
            &f.app,
            request(method, ep.path(), "198.51.100.7")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_ne!(a.status, StatusCode::NOT_FOUND, "{ep:?} is not routed");
    }
}

#[tokio::test]
async fn ping_carries_the_helpers_clock_and_timing_allow_origin_for_allowed_origins() {
    let f = fixture("[http]\ncors_origins = [\"https://support.example.com\"]\n");
    let before = now();
    let a = send(&f.app, get(Endpoint::Ping.path())).await;
    let after = now();
    assert_eq!(a.status, StatusCode::OK);
    let p: Ping = a.json();
    assert!(p.time_ms >= before && p.time_ms <= after);
    assert_eq!(a.header("timing-allow-origin"), None);

    let allowed = request("GET", Endpoint::Ping.path(), "198.51.100.7")
        .header("origin", "https://support.example.com")
        .body(Body::empty())
        .unwrap();
    let a = send(&f.app, allowed).await;
    assert_eq!(
        a.header("timing-allow-origin").as_deref(),
        Some("https://support.example.com")
    );
    assert_eq!(
        a.header("access-control-allow-origin").as_deref(),
        Some("https://support.example.com")
    );

    let other = request("GET", Endpoint::Ping.path(), "198.51.100.7")
        .header("origin", "https://evil.example")
        .body(Body::empty())
        .unwrap();
    let a = send(&f.app, other).await;
    assert_eq!(a.header("timing-allow-origin"), None);
    assert_eq!(a.header("access-control-allow-origin"), None);
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

#[tokio::test]
async fn cors_preflight_only_for_configured_origins() {
    let f = fixture("[http]\ncors_origins = [\"https://support.example.com\"]\n");
    let pre = |origin: &str| {
        request("OPTIONS", Endpoint::Seal.path(), "198.51.100.7")
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .body(Body::empty())
            .unwrap()
    };
    let a = send(&f.app, pre("https://support.example.com")).await;
    assert_eq!(
        a.header("access-control-allow-origin").as_deref(),
        Some("https://support.example.com")
    );
    let a = send(&f.app, pre("https://evil.example")).await;
    assert_eq!(a.header("access-control-allow-origin"), None);

    // Without configured origins there are no CORS headers at all.
    let f = fixture("");
    let a = send(&f.app, pre("https://support.example.com")).await;
    assert_eq!(a.header("access-control-allow-origin"), None);
}

#[tokio::test]
async fn whoami_reports_address_family_and_office() {
    let f = fixture("office_ranges = [\"198.51.100.0/24\", \"2001:db8:1::/48\"]\n");
    let a = send(&f.app, get_from(Endpoint::WhoAmI.path(), "198.51.100.7")).await;
    let w: WhoAmI = a.json();
    assert_eq!(w.address, "198.51.100.7".parse::<IpAddr>().unwrap());
    assert_eq!(w.family, Family::Ipv4);
    assert!(w.in_office);

    let w: WhoAmI = send(&f.app, get_from(Endpoint::WhoAmI.path(), "203.0.113.9"))
        .await
        .json();
    assert!(!w.in_office);

    let w: WhoAmI = send(&f.app, get_from(Endpoint::WhoAmI.path(), "2001:db8:1::5"))
        .await
        .json();
    assert_eq!(w.family, Family::Ipv6);
    assert!(w.in_office);

    // A dual-stack socket reports IPv4 peers as mapped; the helper shows IPv4.
    let w: WhoAmI = send(
        &f.app,
        get_from(Endpoint::WhoAmI.path(), "::ffff:203.0.113.9"),
    )
    .await
    .json();
    assert_eq!(w.address, "203.0.113.9".parse::<IpAddr>().unwrap());
    assert_eq!(w.family, Family::Ipv4);
}

#[tokio::test]
async fn forwarded_for_is_believed_only_from_trusted_proxies() {
    let f = fixture("office_ranges = [\"198.51.100.0/24\"]\n[proxy]\ntrusted = [\"10.0.0.0/8\"]\n");
    let via = |peer: &str, xff: &str| {
        request("GET", Endpoint::WhoAmI.path(), peer)
            .header("x-forwarded-for", xff)
            .body(Body::empty())
            .unwrap()
    };
    // From the proxy: the right-most address that is not a proxy, not the
    // left-most, which the client wrote itself.
    let w: WhoAmI = send(
        &f.app,
        via("10.0.0.1", "198.51.100.66, 203.0.113.5, 10.0.0.2"),
    )
    .await
    .json();
    assert_eq!(w.address, "203.0.113.5".parse::<IpAddr>().unwrap());
    assert!(!w.in_office, "a forged office address does not count");
    // From anyone else the header is ignored.
    let w: WhoAmI = send(&f.app, via("203.0.113.9", "198.51.100.66"))
        .await
        .json();
    assert_eq!(w.address, "203.0.113.9".parse::<IpAddr>().unwrap());
}

#[tokio::test]
async fn canary_is_the_fixed_body_untransformed() {
    let f = fixture("");
    let a = send(&f.app, get(Endpoint::Canary.path())).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.text(), CANARY_BODY);
    assert_eq!(
        a.header("content-type").as_deref(),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(
        a.header("cache-control").as_deref(),
        Some("no-store, no-transform")
    );
}

#[tokio::test]
async fn resolve_answers_known_names_with_expectations() {
    let f = fixture(&format!(
        "allowed_suffixes = [\"corp.example.com\"]\n{}{}",
        demo_servers(1),
        demo_tables()
    ));
    let r: Resolved = send(
        &f.app,
        get(&uri(
            Endpoint::Resolve,
            &[("name", "VPN.Demo.Fixpath.Test.")],
        )),
    )
    .await
    .json();
    assert_eq!(r.name, DEMO);
    assert!(r.known);
    assert_eq!(r.addresses, vec!["127.0.0.1".parse::<IpAddr>().unwrap()]);
    assert_eq!(r.matches_expected, Some(true));
    assert!(r.did_you_mean.is_empty());

    // Under an allowed suffix: known, no expectation.
    let r: Resolved = send(
        &f.app,
        get(&uri(
            Endpoint::Resolve,
            &[("name", "intranet.corp.example.com")],
        )),
    )
    .await
    .json();
    assert!(r.known);
    assert_eq!(r.matches_expected, None);
    assert_eq!(r.addresses.len(), 1);

    // Allowed, but no entry and no upstream: no addresses.
    let r: Resolved = send(
        &f.app,
        get(&uri(
            Endpoint::Resolve,
            &[("name", "nothing.corp.example.com")],
        )),
    )
    .await
    .json();
    assert!(r.known);
    assert!(r.addresses.is_empty());
}

#[tokio::test]
async fn resolve_flags_unexpected_addresses() {
    let f = fixture(
        "[[servers]]\nname = \"vpn.example.com\"\nexpected = [\"192.0.2.10\"]\nports = [443]\n[dns]\nupstream = \"none\"\n[dns.static]\n\"vpn.example.com\" = [\"192.0.2.99\"]\n",
    );
    let r: Resolved = send(
        &f.app,
        get(&uri(Endpoint::Resolve, &[("name", "vpn.example.com")])),
    )
    .await
    .json();
    assert_eq!(r.matches_expected, Some(false));
}

#[tokio::test]
async fn resolve_suggests_close_names_for_unknown_ones() {
    let f = fixture(&format!("{}{}", demo_servers(1), demo_tables()));
    let a = send(
        &f.app,
        get(&uri(Endpoint::Resolve, &[("name", "vpn.exmaple.com")])),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    let r: Resolved = a.json();
    assert!(!r.known);
    assert!(r.addresses.is_empty());
    assert_eq!(
        r.did_you_mean.first().map(String::as_str),
        Some("vpn.example.com")
    );
    // A name far from every known one gets no suggestion (and no lookup).
    let r: Resolved = send(
        &f.app,
        get(&uri(Endpoint::Resolve, &[("name", "google.com")])),
    )
    .await
    .json();
    assert!(!r.known && r.did_you_mean.is_empty());
}

async fn resolved(f: &Fixture, name: &str) -> Resolved {
    let a = send(&f.app, get(&uri(Endpoint::Resolve, &[("name", name)]))).await;
    assert_eq!(a.status, StatusCode::OK, "{name}: {}", a.text());
    a.json()
}

fn lo() -> IpAddr {
    "127.0.0.1".parse().unwrap()
}

/// An address typed instead of the name: a server's current address counts as the
/// server (and is probed there); any other address is no server's, and names the
/// servers only where the operator lets names be shown.
#[tokio::test]
async fn resolve_counts_a_servers_current_address_as_that_server() {
    let target = Counting::start().await;
    for list in [false, true] {
        let f = fixture(&format!(
            "list_server_names = {list}\n{}{}",
            demo_servers(target.addr.port()),
            demo_tables()
        ));
        let r = resolved(&f, " 127.0.0.1 ").await;
        assert_eq!(r.name, "127.0.0.1");
        assert!(r.known);
        assert_eq!(r.current_address, Some(true));
        assert_eq!(r.addresses, vec![lo()]);
        assert_eq!(r.matches_expected, Some(true));
        assert_eq!(r.probe_target.as_deref(), Some("127.0.0.1"));
        assert_eq!(r.probe_ports, vec![1723, 443]);
        let named: Vec<String> = if list { vec![DEMO.into()] } else { vec![] };
        assert_eq!(r.did_you_mean, named, "list_server_names = {list}");

        // The probe the answer offers is answered, at that address.
        let before = target.count();
        let a = send(
            &f.app,
            get(&uri(
                Endpoint::Probe,
                &[("server", "127.0.0.1"), ("port", "1723")],
            )),
        )
        .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text());
        let p: Probe = a.json();
        assert_eq!(p.status, ProbeStatus::Open);
        assert_eq!(p.server, "127.0.0.1");
        target
            .wait_for(before + 1, std::time::Duration::from_secs(5))
            .await;
        assert!(f.guard.dialled().iter().all(|d| d.ip() == lo()));

        // Another server's expected address counts as it, but its range is refused:
        // no probe is offered (the probe would answer 403).
        let r = resolved(&f, "192.0.2.10").await;
        assert_eq!(r.current_address, Some(true));
        assert_eq!(r.probe_target, None);
        assert!(r.probe_ports.is_empty());

        // An address that is no server's: stale, named only when names may be shown.
        let dialled = f.guard.dialled().len();
        let r = resolved(&f, "203.0.113.7").await;
        assert!(!r.known);
        assert_eq!(r.current_address, Some(false));
        assert!(r.addresses.is_empty());
        assert_eq!(r.probe_target, None);
        let all: Vec<String> = if list {
            vec![DEMO.into(), "vpn.example.com".into()]
        } else {
            vec![]
        };
        assert_eq!(r.did_you_mean, all, "list_server_names = {list}");
        let a = send(
            &f.app,
            get(&uri(
                Endpoint::Probe,
                &[("server", "203.0.113.7"), ("port", "1723")],
            )),
        )
        .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN);
        assert_eq!(f.guard.dialled().len(), dialled, "nothing dialled");

        // Looser forms mean 127.0.0.1 to the system resolver, but a VPN client may
        // take them for names: they are names here, answered in the words typed, and
        // neither counted as the server nor probed at the address.
        for loose in ["127.1", "2130706433", "0x7f000001", "[::1]"] {
            let r = resolved(&f, loose).await;
            assert_eq!(r.name, loose.to_ascii_lowercase());
            assert!(!r.known, "{loose}");
            assert_eq!(r.current_address, None, "{loose}");
            assert_eq!(r.probe_target, None, "{loose}");
            let a = send(
                &f.app,
                get(&uri(
                    Endpoint::Probe,
                    &[("server", loose), ("port", "1723")],
                )),
            )
            .await;
            assert_eq!(a.status, StatusCode::FORBIDDEN, "{loose}: {}", a.text());
        }
    }
}

/// What resolve offers to probe is exactly what the probe would do: a listed
/// server whose every address the range table allows, on its ports.
#[tokio::test]
async fn resolve_offers_a_probe_only_where_the_probe_would_answer() {
    let f = fixture(&format!(
        "allowed_suffixes = [\"corp.example.com\"]\n{}{}",
        demo_servers(1),
        demo_tables()
    ));
    let r = resolved(&f, DEMO).await;
    assert_eq!(r.probe_target.as_deref(), Some(DEMO));
    assert_eq!(r.probe_ports, vec![1723, 443]);
    assert_eq!(r.current_address, None);
    // Listed, but it leads to a documentation range the table refuses.
    let r = resolved(&f, "vpn.example.com").await;
    assert!(r.known);
    assert_eq!(r.probe_target, None);
    let a = send(
        &f.app,
        get(&uri(
            Endpoint::Probe,
            &[("server", "vpn.example.com"), ("port", "443")],
        )),
    )
    .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text());
    // Allowed to resolve, not to probe; unknown; and no address at all.
    for name in [
        "intranet.corp.example.com",
        "nothing.corp.example.com",
        "vpn.exmaple.com",
    ] {
        let r = resolved(&f, name).await;
        assert_eq!(r.probe_target, None, "{name}");
        assert!(r.probe_ports.is_empty(), "{name}");
    }
    assert!(f.guard.dialled().is_empty());
}

/// A server listed without `expected` addresses: what its name leads to now is its
/// current address.
#[tokio::test]
async fn without_expected_addresses_the_name_says_what_is_current() {
    let f = fixture(
        "[[servers]]\nname = \"vpn.example.com\"\nports = [443]\n[dns]\nupstream = \"none\"\n[dns.static]\n\"vpn.example.com\" = [\"127.0.0.1\"]\n[targets]\nallow_addresses = [\"127.0.0.1\"]\n",
    );
    let r = resolved(&f, "127.0.0.1").await;
    assert_eq!(r.current_address, Some(true));
    assert_eq!(r.matches_expected, None);
    assert_eq!(r.probe_target.as_deref(), Some("127.0.0.1"));
    assert_eq!(r.probe_ports, vec![443]);
    assert_eq!(resolved(&f, "127.0.0.2").await.current_address, Some(false));
}

#[tokio::test]
async fn resolve_refuses_bad_input_with_json() {
    let f = fixture("");
    let a = send(&f.app, get(Endpoint::Resolve.path())).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(a.code(), "bad_request");
    assert!(a.message().contains("name"));
    let a = send(
        &f.app,
        get(&uri(Endpoint::Resolve, &[("name", "not a name!")])),
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(a.code(), "bad_request");
}

#[tokio::test]
async fn resolve_uses_the_real_resolver_against_a_loopback_dns_server() {
    let dns = FakeDns::start(&[("vpn.example.com.", "192.0.2.10".parse().unwrap())]).await;
    let f = fixture(&format!(
        "allowed_suffixes = [\"example.com\"]\n[[servers]]\nname = \"vpn.example.com\"\nexpected = [\"192.0.2.10\"]\nports = [443]\n[dns]\nupstream = \"nameservers\"\nnameservers = [\"{}\"]\ntimeout_ms = 3000\n",
        dns.addr
    ));
    let r: Resolved = send(
        &f.app,
        get(&uri(Endpoint::Resolve, &[("name", "vpn.example.com")])),
    )
    .await
    .json();
    assert_eq!(r.addresses, vec!["192.0.2.10".parse::<IpAddr>().unwrap()]);
    assert_eq!(r.matches_expected, Some(true));
    // A name that does not exist is an answer (no addresses), not an error.
    let a = send(
        &f.app,
        get(&uri(Endpoint::Resolve, &[("name", "gone.example.com")])),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let r: Resolved = a.json();
    assert!(r.known && r.addresses.is_empty());
    assert!(dns.queries.load(std::sync::atomic::Ordering::SeqCst) >= 2);
}

#[tokio::test]
async fn resolve_reports_a_dead_dns_server_as_a_gateway_error() {
    // A loopback UDP port with nobody behind it: queries go unanswered.
    let silent = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let f = fixture(&format!(
        "[[servers]]\nname = \"vpn.example.com\"\nports = [443]\n[dns]\nupstream = \"nameservers\"\nnameservers = [\"{}\"]\ntimeout_ms = 300\n",
        silent.local_addr().unwrap()
    ));
    let a = send(
        &f.app,
        get(&uri(Endpoint::Resolve, &[("name", "vpn.example.com")])),
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_GATEWAY);
    assert_eq!(a.code(), "dns_failed");
}

#[tokio::test]
async fn probe_refuses_targets_the_operator_did_not_configure() {
    let f = fixture(&format!("{}{}", demo_servers(1), demo_tables()));
    let a = send(
        &f.app,
        get(&uri(
            Endpoint::Probe,
            &[("server", "vpn.exmaple.com"), ("port", "443")],
        )),
    )
    .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert_eq!(a.code(), "not_allowed");
    assert!(
        a.message().contains("Did you mean vpn.example.com?"),
        "{}",
        a.message()
    );

    let a = send(
        &f.app,
        get(&uri(Endpoint::Probe, &[("server", DEMO), ("port", "22")])),
    )
    .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert_eq!(a.code(), "not_allowed");
    assert!(a.message().contains("1723, 443"), "{}", a.message());

    for bad in ["0", "65536", "x", "-1"] {
        let a = send(
            &f.app,
            get(&uri(Endpoint::Probe, &[("server", DEMO), ("port", bad)])),
        )
        .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "port {bad}");
        assert_eq!(a.code(), "bad_request");
    }
    let a = send(&f.app, get(&uri(Endpoint::Probe, &[("server", DEMO)]))).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(f.guard.dialled().is_empty());
}

/// Every form of a refused address, each configured as a server (by address, or by
/// a name whose static entry is that address): refused, and nothing dialled.
#[tokio::test]
async fn probe_refuses_every_range_in_the_table_form_by_form() {
    let forms = [
        "127.0.0.1",
        "127.1",
        "2130706433",
        "0x7f000001",
        "017700000001",
        "::ffff:127.0.0.1",
        "::127.0.0.1",
        "[::1]",
        "0.0.0.0",
        "0",
        "::",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "::ffff:169.254.169.254",
        "100.64.0.1",
        "224.0.0.1",
        "255.255.255.255",
        "240.0.0.1",
        "192.0.2.1",
        "198.51.100.1",
        "203.0.113.1",
        "2001:db8::1",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "64:ff9b::a9fe:a9fe",
        "2002:a00:1::",
    ];
    let statics = "[dns]\nupstream = \"none\"\n[dns.static]\n\"sneaky.example.com\" = [\"127.0.0.1\"]\n\"mixed.example.com\" = [\"8.8.8.8\", \"169.254.169.254\"]\n";
    for form in forms
        .iter()
        .copied()
        .chain(["sneaky.example.com", "mixed.example.com"])
    {
        // One helper per form: several forms are the same address, which a config
        // may list only once.
        let f = fixture(&format!(
            "[[servers]]\nname = \"{form}\"\nports = [443]\n{statics}"
        ));
        let a = send(
            &f.app,
            get(&uri(Endpoint::Probe, &[("server", form), ("port", "443")])),
        )
        .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{form}: {}", a.text());
        assert_eq!(a.code(), "target_refused", "{form}");
        assert!(
            a.message().contains("targets.allow_addresses"),
            "the message says how to allow it: {}",
            a.message()
        );
        assert!(
            f.guard.dialled().is_empty(),
            "{form}: dialled {:?}",
            f.guard.dialled()
        );
    }
}

#[tokio::test]
async fn probe_connects_to_an_exactly_allowed_loopback_address() {
    let target = Counting::start().await;
    let f = fixture(&format!(
        "{}{}",
        demo_servers(target.addr.port()),
        demo_tables()
    ));
    let a = send(
        &f.app,
        get(&uri(Endpoint::Probe, &[("server", DEMO), ("port", "1723")])),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let p: Probe = a.json();
    assert_eq!(p.status, ProbeStatus::Open);
    assert_eq!(p.port, 1723);
    assert_eq!(p.server, DEMO);
    assert!(p.connect_ms.is_some());
    assert!(!p.cached);
    // The port map sent it to the stand-in, at the address that was judged.
    assert_eq!(f.guard.dialled(), vec![target.addr]);
    // Within the TTL the answer is cached.
    let p: Probe = send(
        &f.app,
        get(&uri(Endpoint::Probe, &[("server", DEMO), ("port", "1723")])),
    )
    .await
    .json();
    assert!(p.cached);
    assert_eq!(f.guard.dialled().len(), 1);
    // Answers carry status and timing only.
    let v: serde_json::Value = send(
        &f.app,
        get(&uri(Endpoint::Probe, &[("server", DEMO), ("port", "443")])),
    )
    .await
    .json();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["cached", "connect_ms", "port", "server", "status"]);
}

#[tokio::test]
async fn status_is_public_to_read_and_needs_the_token_to_change() {
    let f = fixture(&format!("[admin]\ntoken = \"{TOKEN}\"\n"));
    let s: Status = send(&f.app, get(Endpoint::Status.path())).await.json();
    assert_eq!(s.announcement, None);

    let body = r#"{"message":"The VPN is down since 09:12; we are on it","severity":"outage"}"#;
    let put = |auth: Option<&str>| {
        let mut b = json_request("PUT", Endpoint::Status.path());
        if let Some(a) = auth {
            b = b.header("authorization", a);
        }
        b.body(Body::from(body)).unwrap()
    };
    for auth in [
        None,
        Some("Bearer wrong-token-0123456789"),
        Some("Basic abc"),
        Some(TOKEN),
    ] {
        let a = send(&f.app, put(auth)).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{auth:?}");
        assert_eq!(a.code(), "unauthorized");
        assert!(a.header("www-authenticate").unwrap().starts_with("Bearer"));
    }
    let a = send(&f.app, put(Some(&format!("Bearer {TOKEN}")))).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let s: Status = send(&f.app, get(Endpoint::Status.path())).await.json();
    let ann = s.announcement.unwrap();
    assert_eq!(ann.message, "The VPN is down since 09:12; we are on it");
    assert_eq!(ann.severity, Severity::Outage);
    assert!(ann.since_ms > 0);

    let del = |auth: &str| {
        request("DELETE", Endpoint::Status.path(), "198.51.100.7")
            .header("authorization", auth)
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(
        send(&f.app, del("Bearer nope")).await.status,
        StatusCode::UNAUTHORIZED
    );
    let a = send(&f.app, del(&format!("bearer {TOKEN}"))).await;
    assert_eq!(a.status, StatusCode::OK);
    let s: Status = send(&f.app, get(Endpoint::Status.path())).await.json();
    assert_eq!(s.announcement, None);
}

/// The token is checked before the body is read: a caller without it learns nothing
/// about what a good body looks like.
#[tokio::test]
async fn status_changes_authenticate_before_reading_the_body() {
    let f = fixture(&format!("[admin]\ntoken = \"{TOKEN}\"\n"));
    let good = format!("Bearer {TOKEN}");
    let bodies: [(&str, &str, StatusCode); 3] = [
        (
            r#"{"message":"x","severity":"apocalypse"}"#,
            "application/json",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            r#"{"message":"x""#,
            "application/json",
            StatusCode::BAD_REQUEST,
        ),
        (
            r#"{"message":"x","severity":"info"}"#,
            "text/plain",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
    ];
    for (body, ct, with_token) in bodies {
        for auth in [
            None,
            Some("Bearer wrong-token-0123456789"),
            Some(good.as_str()),
        ] {
            let mut b =
                request("PUT", Endpoint::Status.path(), "198.51.100.7").header("content-type", ct);
            if let Some(a) = auth {
                b = b.header("authorization", a);
            }
            let a = send(&f.app, b.body(Body::from(body)).unwrap()).await;
            let want = if auth == Some(good.as_str()) {
                with_token
            } else {
                StatusCode::UNAUTHORIZED
            };
            assert_eq!(a.status, want, "{auth:?} {body}: {}", a.text());
        }
    }
    // DELETE takes no body, but the same extractor.
    let a = send(
        &f.app,
        request("DELETE", Endpoint::Status.path(), "198.51.100.7")
            .body(Body::from("garbage"))
            .unwrap(),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    // Without a configured token, a bad body is refused as unauthorized too.
    let f = fixture("");
    let a = send(
        &f.app,
        json_request("PUT", Endpoint::Status.path())
            .header("authorization", "Bearer anything-at-all-here")
            .body(Body::from("{not json"))
            .unwrap(),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{}", a.text());
}

#[tokio::test]
async fn status_changes_are_refused_when_no_token_is_configured() {
    let f = fixture("");
    let a = send(
        &f.app,
        json_request("PUT", Endpoint::Status.path())
            .header("authorization", "Bearer anything-at-all-here")
            .body(Body::from(r#"{"message":"x","severity":"info"}"#))
            .unwrap(),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert!(a.message().contains("admin.token"), "{}", a.message());
}

#[tokio::test]
async fn status_bodies_are_checked() {
    let f = fixture(&format!("[admin]\ntoken = \"{TOKEN}\"\n"));
    let auth = format!("Bearer {TOKEN}");
    let cases: [(&str, Option<&str>, StatusCode); 5] = [
        (
            r#"{"message":"","severity":"info"}"#,
            Some("application/json"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            r#"{"message":"x","severity":"apocalypse"}"#,
            Some("application/json"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            r#"{"message":"x""#,
            Some("application/json"),
            StatusCode::BAD_REQUEST,
        ),
        (
            r#"{"message":"x","severity":"info"}"#,
            None,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "{\"message\":\"aaaa\",\"severity\":\"info\"}",
            Some("text/plain"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
    ];
    for (body, ct, expected) in cases {
        let mut b =
            request("PUT", Endpoint::Status.path(), "198.51.100.7").header("authorization", &auth);
        if let Some(ct) = ct {
            b = b.header("content-type", ct);
        }
        let a = send(&f.app, b.body(Body::from(body)).unwrap()).await;
        assert_eq!(a.status, expected, "{body}: {}", a.text());
        assert!(!a.code().is_empty());
    }
    let long = format!(r#"{{"message":"{}","severity":"info"}}"#, "x".repeat(501));
    let a = send(
        &f.app,
        json_request("PUT", Endpoint::Status.path())
            .header("authorization", &auth)
            .body(Body::from(long))
            .unwrap(),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a.message().contains("500"));
}

#[tokio::test]
async fn seal_signs_digest_time_and_client_and_verifies_with_the_listed_key() {
    let f = fixture("");
    let digest = "3f".repeat(32);
    let seen: IpAddr = "203.0.113.77".parse().unwrap();
    let keys: Keys = send(&f.app, get(Endpoint::Keys.path())).await.json();
    // No `include_client` (an older app), `true`, and `false`: the user left the
    // address out, so the seal carries none and signs the format-2 message.
    for (field, client) in [
        ("", Some(seen)),
        (r#","include_client":true"#, Some(seen)),
        (r#","include_client":false"#, None),
    ] {
        let a = send(
            &f.app,
            request("POST", Endpoint::Seal.path(), "203.0.113.77")
                .header("content-type", "application/json")
                .body(Body::from(format!(r#"{{"digest":"{digest}"{field}}}"#)))
                .unwrap(),
        )
        .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text());
        let seal: Seal = a.json();
        assert_eq!(seal.client, client, "{field}");
        // Whole seconds, so the shortest token (format 3) names the signed time.
        assert_eq!(seal.time_ms % 1000, 0, "{field}");
        if client.is_none() {
            assert!(a.text().contains(r#""client":null"#), "{}", a.text());
            assert!(!a.text().contains("203.0.113.77"), "{}", a.text());
        }

        let key = keys
            .keys
            .iter()
            .find(|k| k.key_id == seal.key_id)
            .expect("the seal's key is listed");
        let public: [u8; 32] = URL_SAFE_NO_PAD
            .decode(&key.public_key)
            .unwrap()
            .try_into()
            .unwrap();
        let vk = VerifyingKey::from_bytes(&public).unwrap();
        let sig: [u8; 64] = URL_SAFE_NO_PAD
            .decode(&seal.signature)
            .unwrap()
            .try_into()
            .unwrap();
        let sig = Signature::from_bytes(&sig);
        let message = seal_message(&digest, seal.time_ms, client);
        assert!(vk.verify(&message, &sig).is_ok(), "{field}");
        // One byte changed anywhere (digest, time, client) and it no longer verifies.
        for i in 0..message.len() {
            let mut changed = message.clone();
            changed[i] ^= 0x01;
            assert!(vk.verify(&changed, &sig).is_err(), "byte {i}");
        }
        // Nor does it pass for the other kind of seal (address added or removed).
        let other = seal_message(&digest, seal.time_ms, client.xor(Some(seen)));
        assert!(vk.verify(&other, &sig).is_err(), "{field}");
        // The core's token carries it through a link unchanged, in the format for
        // its address, with the address's bytes only when it has one.
        let token = fixpath_core::seal::SealToken::from_api(&seal).unwrap();
        assert_eq!(token.message(&digest, None), message);
        let encoded = token.encode();
        let bytes = URL_SAFE_NO_PAD.decode(&encoded).unwrap();
        assert_eq!(bytes[0], if client.is_some() { 1 } else { 2 });
        let has_octets = bytes.windows(4).any(|w| w == [203, 0, 113, 77]);
        assert_eq!(has_octets, client.is_some(), "{encoded}");
        assert_eq!(
            fixpath_core::seal::SealToken::decode(&encoded).as_ref(),
            Ok(&token)
        );
        // As the app writes it for findings that carry the same address: format 3,
        // no key id, no address, the same message signed.
        let short = token.shortest_for(client);
        let encoded = short.encode();
        let bytes = URL_SAFE_NO_PAD.decode(&encoded).unwrap();
        assert_eq!((bytes[0], bytes.len()), (3, 69), "{field}");
        assert!(
            !bytes.windows(4).any(|w| w == [203, 0, 113, 77]),
            "{encoded}"
        );
        assert_eq!(short.message(&digest, client), message);
        assert!(vk.verify(&short.message(&digest, client), &sig).is_ok());
    }
}

/// What the app does with a seal: the one key it names, or for a format-3 seal
/// (none named) every key the helper lists; the id of the key it verifies with.
fn verified_by(
    keys: &Keys,
    token: &fixpath_core::seal::SealToken,
    digest: &str,
    findings: Option<IpAddr>,
) -> Option<String> {
    let sig = Signature::from_bytes(&token.signature);
    let message = token.message(digest, findings);
    keys.keys
        .iter()
        .filter(|k| token.key_id().is_none_or(|id| id == k.key_id))
        .find(|k| {
            let public: Option<[u8; 32]> = URL_SAFE_NO_PAD
                .decode(&k.public_key)
                .ok()
                .and_then(|b| b.try_into().ok());
            public
                .and_then(|p| VerifyingKey::from_bytes(&p).ok())
                .is_some_and(|vk| vk.verify(&message, &sig).is_ok())
        })
        .map(|k| k.key_id.clone())
}

fn sha256_hex(text: &str) -> String {
    use sha2::{Digest, Sha256};
    fixpath_core::seal::hex(&Sha256::digest(text.as_bytes()))
}

/// A sealed link as the app makes it (format 3) verifies from the link alone
/// against the keys the helper lists, whichever of them made it: this helper's
/// own, or a trusted one's (another replica's); and changed findings do not.
#[tokio::test]
async fn a_format_3_seal_verifies_end_to_end_with_whichever_listed_key_made_it() {
    use fixpath_core::seal::{address_warning, seal_of, SealToken};
    use fixpath_core::{link, shipped, Session};
    let other = fixture("");
    let other_keys: Keys = send(&other.app, get(Endpoint::Keys.path())).await.json();
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("k.pem");
    let f = fixture_in(
        dir,
        &format!(
            "[seal]\ntrusted_keys = [\"{}\"]\nkey_file = '{}'\n",
            other_keys.keys[0].public_key,
            key_file.display()
        ),
    );
    let keys: Keys = send(&f.app, get(Endpoint::Keys.path())).await.json();
    assert_eq!(keys.keys.len(), 2);
    let tree = shipped::trees()
        .into_iter()
        .find(|t| t.id == "vpn-error-800")
        .expect("the VPN tree");
    let seen: IpAddr = "203.0.113.77".parse().unwrap();
    let elsewhere: IpAddr = "198.51.100.9".parse().unwrap();
    for (sealer, key) in [(&f.app, 0), (&other.app, 1)] {
        for address in [Some(seen), None] {
            let mut s = Session::start(&tree, 1_795_000_000_123);
            s.client_address = address;
            let payload = link::encode(&s);
            let a = send(
                sealer,
                request("POST", Endpoint::Seal.path(), "203.0.113.77")
                    .header("content-type", "application/json")
                    .body(Body::from(format!(
                        r#"{{"digest":"{}","include_client":{}}}"#,
                        sha256_hex(&payload),
                        address.is_some()
                    )))
                    .unwrap(),
            )
            .await;
            assert_eq!(a.status, StatusCode::OK, "{}", a.text());
            let seal: Seal = a.json();
            assert_eq!(seal.client, address);
            let token = SealToken::from_api(&seal).unwrap().shortest_for(address);
            assert_eq!(token.format(), 3);
            let url = format!(
                "https://support.example.com/#/r/{payload}.{}",
                token.encode()
            );

            // Support's side, from the link alone.
            let findings = link::decode_session(&url).unwrap().client_address;
            assert_eq!(findings, address);
            let read = SealToken::decode(seal_of(&url).unwrap()).unwrap();
            assert_eq!(read, token);
            assert_eq!(read.time_ms, seal.time_ms);
            let digest = sha256_hex(link::payload_of(&url));
            assert_eq!(
                verified_by(&keys, &read, &digest, findings).as_deref(),
                Some(keys.keys[key].key_id.as_str()),
                "sealed by key {key}, address {address:?}"
            );
            let en = fixpath_helper::cli::Words::english();
            assert_eq!(
                address_warning(en.tr(), findings, read.client(findings)),
                None
            );

            // Findings with another address (or one added or left out) than the
            // helper signed: another payload, and nothing verifies.
            for changed in [Some(elsewhere), address.xor(Some(seen))] {
                let mut moved = s.clone();
                moved.client_address = changed;
                let digest = sha256_hex(&link::encode(&moved));
                assert_eq!(verified_by(&keys, &read, &digest, changed), None);
            }
            // Nor the same payload read as if it named another address.
            assert_eq!(verified_by(&keys, &read, &digest, Some(elsewhere)), None);
        }
    }
}

#[tokio::test]
async fn seal_refuses_what_is_not_a_digest() {
    let f = fixture("");
    for (body, expected) in [
        (r#"{"digest":"abc"}"#, StatusCode::UNPROCESSABLE_ENTITY),
        (r#"{"digest":"ZZ"}"#, StatusCode::UNPROCESSABLE_ENTITY),
        (r#"{"nope":1}"#, StatusCode::UNPROCESSABLE_ENTITY),
        ("not json", StatusCode::BAD_REQUEST),
    ] {
        let a = send(
            &f.app,
            json_request("POST", Endpoint::Seal.path())
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
        assert_eq!(a.status, expected, "{body}");
        assert!(!a.code().is_empty());
    }
    // A findings payload is not a digest: the helper never takes one.
    let payload = "A".repeat(64 * 1024);
    let a = send(
        &f.app,
        json_request("POST", Endpoint::Seal.path())
            .body(Body::from(format!(r#"{{"digest":"{payload}"}}"#)))
            .unwrap(),
    )
    .await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(a.code(), "body_too_large");
}

#[tokio::test]
async fn keys_lists_our_key_first_then_trusted_ones() {
    let other = ed25519_dalek::SigningKey::from_bytes(&[5; 32]).verifying_key();
    let other_b64 = URL_SAFE_NO_PAD.encode(other.to_bytes());
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("k.pem");
    let f = fixture_in(
        dir,
        &format!(
            "[seal]\ntrusted_keys = [\"{other_b64}\"]\nkey_file = '{}'\n",
            key_file.display()
        ),
    );
    let keys: Keys = send(&f.app, get(Endpoint::Keys.path())).await.json();
    assert_eq!(keys.keys.len(), 2);
    assert_eq!(keys.keys[1].public_key, other_b64);
    assert_eq!(keys.keys[0].key_id.len(), 16);
}

#[tokio::test]
async fn public_config_tells_the_app_only_public_things() {
    let f = fixture(&format!(
        "canary_urls = [\"https://www.example.com/favicon.ico\"]\n{}[listen]\nalt_ports = [8081, 8443]\n[admin]\ntoken = \"{TOKEN}\"\n",
        demo_servers(1)
    ));
    let a = send(&f.app, get(Endpoint::Config.path())).await;
    let v: serde_json::Value = a.json();
    assert_eq!(v["canary_urls"][0], "https://www.example.com/favicon.ico");
    assert_eq!(v["alt_ports"], serde_json::json!([8081, 8443]));
    assert_eq!(v["known_servers"], 2);
    assert!(v.get("server_names").is_none());
    assert!(!a.text().contains(TOKEN));
    assert!(!a.text().contains("vpn.example.com"));
    // The app's own type reads it.
    let _: fixpath_core::api::PublicConfig = a.json();

    let f = fixture(&format!("list_server_names = true\n{}", demo_servers(1)));
    let v: serde_json::Value = send(&f.app, get(Endpoint::Config.path())).await.json();
    assert_eq!(
        v["server_names"],
        serde_json::json!([DEMO, "vpn.example.com"])
    );
}

#[tokio::test]
async fn unknown_api_paths_and_methods_are_json_errors() {
    let f = fixture("");
    for path in ["/api/v1/nope", "/api", "/api/v2/ping", "/api/v1/ping/extra"] {
        let a = send(&f.app, get(path)).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(a.code(), "not_found");
        assert_eq!(a.header("cache-control").as_deref(), Some("no-store"));
    }
    let a = send(
        &f.app,
        request("DELETE", Endpoint::Ping.path(), "198.51.100.7")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(a.code(), "method_not_allowed");
    assert!(a.message().contains("GET"), "{}", a.message());
    assert!(a.header("allow").is_some());
}

#[tokio::test]
async fn every_answer_has_the_security_headers() {
    let f = fixture("");
    for path in [Endpoint::Ping.path(), "/api/v1/nope", "/", "/some/page"] {
        let a = send(&f.app, get(path)).await;
        assert_eq!(
            a.header("x-content-type-options").as_deref(),
            Some("nosniff"),
            "{path}"
        );
        let csp = a.header("content-security-policy").unwrap_or_default();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(
            a.header("x-frame-options").as_deref(),
            Some("DENY"),
            "{path}"
        );
        let api = path.starts_with("/api/");
        if api {
            // JSON is fetched, never rendered: nothing may run if it is opened.
            assert_eq!(csp, "default-src 'none'; frame-ancestors 'none'", "{path}");
            assert_eq!(a.header("cache-control").as_deref(), Some("no-store"));
        }
        // Document-only policies: on the page and its files, not on JSON.
        for name in [
            "referrer-policy",
            "cross-origin-opener-policy",
            "permissions-policy",
        ] {
            assert_eq!(a.header(name).is_some(), !api, "{path}: {name}");
        }
        if !api {
            assert_eq!(a.header("referrer-policy").as_deref(), Some("no-referrer"));
        }
    }
}

#[tokio::test]
async fn rate_limits_answer_429_with_retry_after_per_client() {
    let f = fixture(
        "[rate_limit]\nper_second = 1\nburst = 3\nchecks_per_second = 1\nchecks_burst = 1\n",
    );
    for _ in 0..3 {
        assert_eq!(
            send(&f.app, get_from(Endpoint::Ping.path(), "203.0.113.1"))
                .await
                .status,
            StatusCode::OK
        );
    }
    let a = send(&f.app, get_from(Endpoint::Ping.path(), "203.0.113.1")).await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(a.code(), "rate_limited");
    let secs: u64 = a.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=2).contains(&secs));
    assert_eq!(a.header("cache-control").as_deref(), Some("no-store"));
    // Someone else is not affected.
    assert_eq!(
        send(&f.app, get_from(Endpoint::Ping.path(), "203.0.113.2"))
            .await
            .status,
        StatusCode::OK
    );
    // IPv6 neighbours in one /64 share a bucket; the next /64 does not.
    for _ in 0..3 {
        send(&f.app, get_from(Endpoint::Ping.path(), "2001:db8:0:1::1")).await;
    }
    assert_eq!(
        send(
            &f.app,
            get_from(Endpoint::Ping.path(), "2001:db8:0:1::ffff")
        )
        .await
        .status,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        send(&f.app, get_from(Endpoint::Ping.path(), "2001:db8:0:2::1"))
            .await
            .status,
        StatusCode::OK
    );
    // Costly endpoints have a smaller bucket of their own.
    let probe = uri(
        Endpoint::Probe,
        &[("server", "x.example.com"), ("port", "1")],
    );
    assert_eq!(
        send(&f.app, get_from(&probe, "203.0.113.3")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        send(&f.app, get_from(&probe, "203.0.113.3")).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn clients_behind_a_trusted_proxy_have_their_own_buckets() {
    let f = fixture("[proxy]\ntrusted = [\"10.0.0.1\"]\n[rate_limit]\nper_second = 1\nburst = 1\n");
    let via = |xff: &str| {
        request("GET", Endpoint::Ping.path(), "10.0.0.1")
            .header("x-forwarded-for", xff)
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(
        send(&f.app, via("203.0.113.1")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        send(&f.app, via("203.0.113.2")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        send(&f.app, via("203.0.113.1")).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}
