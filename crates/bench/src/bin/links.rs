//! Findings link lengths for `cargo xtask bench`: the shortest `vpn-error-800`
//! session, the full one (its longest path), and the full one with 500
//! characters of notes; each as a payload and as a whole sealed link.

use std::net::IpAddr;

use fixpath_core::engine::{CheckResult, Session};
use fixpath_core::model::{CheckOutcome, NodeKind, Tree};
use fixpath_core::seal::SealToken;
use fixpath_core::{link, shipped};

const ORIGIN: &str = "https://support.example.com/";
const START_MS: u64 = 1_795_000_000_000;

/// Walks `tree`, at each step taking the branch whose remaining path is the
/// longest (`longest`) or the shortest, with steps a few seconds apart.
fn walk(tree: &Tree, longest: bool) -> Session {
    let mut now = START_MS;
    let mut s = Session::start(tree, now);
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
        now += 4_000;
        let node = s.current(tree);
        let done = match tree.node(node).map(|n| &n.kind) {
            Some(NodeKind::Question { .. }) => {
                let i = pick(tree.successors(node));
                s.answer(tree, i as u8, now)
            }
            Some(NodeKind::Check { .. }) => {
                let i = pick(tree.successors(node));
                let outcome = CheckOutcome::ALL[i];
                s.record_check(
                    tree,
                    CheckResult {
                        outcome,
                        figure: Some(42),
                    },
                    now,
                )
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
    s.server_name = Some("vpn.example.com".into());
    s.client_address = "203.0.113.7".parse::<IpAddr>().ok();
    s
}

fn report(name: &str, s: &Session) {
    let payload = link::encode(s);
    let seal = SealToken {
        key_id: "k1-3f9a2c1d".into(),
        time_ms: START_MS + 120_000,
        client: Some(s.client_address.unwrap_or(IpAddr::from([203, 0, 113, 7]))),
        signature: [0xab; 64],
    }
    .encode();
    let full = format!("{ORIGIN}#/r/{payload}.{seal}");
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
