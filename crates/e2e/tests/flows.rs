//! End-to-end flows: headless Chromium walks `vpn-error-800` on a real `fixpath serve`
//! with loopback demo targets (all fine, VPN port closed, a typo in the server name,
//! the server's address typed instead of its name, a stale address, the helper
//! stopped mid-flow), then opens each findings link in a fresh browser and checks the
//! report: seal badge, tree, outcome, checks and figures; plus tampered, garbage and
//! cut-short links, and a keyboard-only walk on a 360 px window that fetches nothing
//! from third parties. Every walk and every report asserts a clean browser console
//! (no page errors, no failed requests).

use std::net::{IpAddr, Ipv4Addr};

use fantoccini::Locator;
use fixpath_core::findings::{figure_text, outcome_word, Findings};
use fixpath_core::link;
use fixpath_core::seal::SealToken;
use fixpath_core::{NodeKind, Session, Tree};
use fixpath_e2e::{
    assert_clean_console, console_errors, content, en, expected_path, findings_link, helper_key_id,
    open_flow, poll, read_report, type_notes, wait_css, walk, Driver, EvidenceLine, Helper,
    Loopback, Policy, ReportPage, Result, Shared, Walk, DEMO_SERVER, DEMO_SERVER_TYPO,
};

const TREE: &str = "vpn-error-800";

/// Checks that do not need the server name.
const EARLY: [&str; 6] = ["status", "online", "portal", "internet", "clock", "where"];

fn tree() -> Result<Tree> {
    fixpath_core::shipped::trees()
        .into_iter()
        .find(|t| t.id == TREE)
        .ok_or_else(|| format!("the shipped trees have no `{TREE}`").into())
}

fn policy(server: &str) -> Policy {
    Policy {
        server_name: server.to_string(),
        ..Policy::default()
    }
}

/// Checks the walk showed exactly the steps the engine gives for what it saw,
/// and that it went through `through` (in that order) to `outcome`.
fn check_path(tree: &Tree, w: &Walk, p: &Policy, through: &[&str], outcome: &str) -> Result<()> {
    assert_eq!(
        w.nodes,
        expected_path(tree, w, p)?,
        "checks: {:?}",
        w.checks
    );
    assert_eq!(w.outcome, outcome, "path: {:?}", w.nodes);
    assert_eq!(w.nodes.last().map(String::as_str), Some(outcome));
    let mut from = 0;
    for id in through {
        match w.nodes[from..].iter().position(|n| n == id) {
            Some(i) => from += i + 1,
            None => {
                return Err(
                    format!("the walk did not go through `{id}` in order: {:?}", w.nodes).into(),
                )
            }
        }
    }
    Ok(())
}

/// What a report should say about its seal.
enum Seal<'a> {
    /// Sealed by the helper with this key id, for the browser at 127.0.0.1.
    By(&'a str),
    /// Sealed by the helper with this key id, with no address in the seal.
    ByWithoutAddress(&'a str),
    NotSealed,
}

/// The outcome node `id` of the tree: summary, cause, and the report's kicker.
fn outcome_of(tree: &Tree, id: &str) -> Result<(String, String, String)> {
    match tree.nodes.iter().find(|n| n.id == id).map(|n| &n.kind) {
        Some(NodeKind::Outcome {
            result,
            summary,
            cause,
            ..
        }) => Ok((
            summary.clone(),
            cause.clone(),
            fixpath_core::findings::result_word(en(), Some(*result)),
        )),
        _ => Err(format!("`{id}` is not an outcome of {TREE}").into()),
    }
}

/// The evidence lines the report must show for `link`, worked out natively from
/// the link itself: outcome class, "OK <check text> (<figure> <unit>)", and the
/// sentence the user read.
fn expected_evidence(tree: &Tree, link: &str) -> Result<Vec<EvidenceLine>> {
    let decoded = link::decode(link, std::slice::from_ref(tree))?;
    let findings = Findings::new(en(), tree, &decoded.session);
    Ok(findings
        .evidence
        .iter()
        .map(|e| {
            let figure = e
                .figure
                .map(|v| format!(" ({})", figure_text(en(), v, e.check)))
                .unwrap_or_default();
            EvidenceLine {
                class: e.outcome.as_str().to_string(),
                line: format!("{} {}{figure}", outcome_word(en(), e.outcome), e.text),
                said: e.said.clone(),
            }
        })
        .collect())
}

/// The evidence line of check node `node` in a report: its class and its line
/// (without the sentence).
fn evidence_of<'r>(
    tree: &Tree,
    report: &'r ReportPage,
    node: &str,
) -> Result<(&'r String, &'r String)> {
    said_of(tree, report, node).map(|e| (&e.class, &e.line))
}

/// The whole evidence line of check node `node` in a report.
fn said_of<'r>(tree: &Tree, report: &'r ReportPage, node: &str) -> Result<&'r EvidenceLine> {
    let text = match tree.nodes.iter().find(|n| n.id == node).map(|n| &n.kind) {
        Some(NodeKind::Check { text, .. }) => text,
        _ => return Err(format!("`{node}` is not a check").into()),
    };
    report
        .evidence
        .iter()
        .find(|e| e.line.contains(text.as_str()))
        .ok_or_else(|| format!("the report has no line for `{node}`: {:?}", report.evidence).into())
}

/// Opens `link` on `helper` in a fresh browser session and checks the report
/// against the tree, the walk that made it, and the link's own content.
async fn check_report(
    driver: &Driver,
    helper: &Helper,
    link: &str,
    walked: &Walk,
    seal: Seal<'_>,
    notes: &str,
) -> Result<ReportPage> {
    let tree = tree()?;
    let c = driver.browser().await?;
    c.goto(&helper.here(link)).await?;
    let report = read_report(&c).await?;
    assert_clean_console(&c, "the report").await?;
    c.close().await?;

    match seal {
        Seal::By(key_id) | Seal::ByWithoutAddress(key_id) => {
            let address = match seal {
                Seal::By(_) => ", for a client it saw at 127.0.0.1 (key ",
                _ => ", with no address in the seal (key ",
            };
            // Exactly what a seal proves: unchanged since then, and who asked.
            assert_eq!(report.badge_class, "sealed", "badge: {}", report.badge);
            assert!(
                report
                    .badge
                    .starts_with("Unchanged since our helper sealed it at ")
                    && report.badge.ends_with(&format!("{address}{key_id})."))
                    && !report.badge.contains("edited"),
                "badge: {}",
                report.badge
            );
        }
        Seal::NotSealed => {
            assert_eq!(report.badge_class, "unsealed", "badge: {}", report.badge);
            assert!(
                report.badge.starts_with("Not sealed"),
                "badge: {}",
                report.badge
            );
        }
    }
    assert_eq!(
        report.tree,
        format!("{} (version {})", tree.title, tree.version)
    );
    assert!(
        report.tree.starts_with("VPN error 800 (version "),
        "{}",
        report.tree
    );
    assert_eq!(report.warning, None, "the link fits the tree as it is");

    let (summary, cause, kicker) = outcome_of(&tree, &walked.outcome)?;
    assert_eq!(report.summary, summary);
    assert_eq!(report.cause, cause);
    assert_eq!(report.kicker, kicker);

    // Every check the walk ran, in its order, with the class it showed…
    let ran: Vec<(String, String)> = walked
        .nodes
        .iter()
        .filter_map(|n| {
            walked
                .checks
                .get(n)
                .map(|(class, _)| (n.clone(), class.clone()))
        })
        .collect();
    let classes: Vec<&str> = report.evidence.iter().map(|e| e.class.as_str()).collect();
    let walked_classes: Vec<&str> = ran.iter().map(|(_, c)| c.as_str()).collect();
    assert_eq!(
        classes, walked_classes,
        "report {:?} vs walk {ran:?}",
        report.evidence
    );
    // …and each line exactly as the link's findings put it, figures included…
    assert_eq!(report.evidence, expected_evidence(&tree, link)?);
    // …each with the very sentence the user read in the walk's checklist; but for
    // the address, which findings shared without it no longer name.
    let shared_address = link::decode_session(link)?.client_address;
    assert_eq!(ran.len(), report.evidence.len());
    for ((node, _), e) in ran.iter().zip(&report.evidence) {
        let (_, read) = walked.check(node)?;
        let is_address = matches!(
            tree.nodes.iter().find(|n| &n.id == node).map(|n| &n.kind),
            Some(NodeKind::Check {
                check: fixpath_core::Check::ClientAddress,
                ..
            })
        );
        if is_address && shared_address.is_none() {
            assert!(
                !e.said.contains("127.0.0.1") && e.said.starts_with("You are connecting from "),
                "{node}: {}",
                e.said
            );
        } else {
            assert_eq!(
                &e.said, read,
                "{node}: the report's sentence against the walk's"
            );
        }
    }

    if notes.is_empty() {
        assert_eq!(report.notes, None);
    } else {
        assert_eq!(report.notes.as_deref(), Some(notes));
    }
    Ok(report)
}

/// A copy of `shared`'s link with one character of its payload changed, still
/// decodable and still fitting the tree (so the report shows the findings, under a
/// seal that no longer matches), with the session's notes as they now read.
/// Prefers a change inside the payload itself that alters only the notes; if no
/// such character exists, changes one character of the notes and encodes again.
fn tampered(tree: &Tree, shared: &Shared) -> Result<(String, String)> {
    let payload = shared.payload();
    let seal = shared
        .seal()
        .ok_or("the link has no seal to tamper under")?;
    let original = link::decode(payload, std::slice::from_ref(tree))?.session;
    let base = &shared.link[..shared.link.find("#/r/").ok_or("not a findings link")?];
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for i in 0..payload.len() {
        for &alt in ALPHABET {
            if payload.as_bytes()[i] == alt {
                continue;
            }
            let mut p = payload.as_bytes().to_vec();
            p[i] = alt;
            let p = String::from_utf8(p)?;
            let Ok(d) = link::decode(&p, std::slice::from_ref(tree)) else {
                continue;
            };
            let only_notes = Session {
                notes: original.notes.clone(),
                ..d.session.clone()
            } == original;
            // One letter or digit in place of another: plain to see in the report.
            let a: Vec<char> = original.notes.chars().collect();
            let b: Vec<char> = d.session.notes.chars().collect();
            let readable = a.len() == b.len()
                && a.iter().zip(&b).filter(|(x, y)| x != y).count() == 1
                && b.iter().all(|c| c.is_ascii_graphic() || *c == ' ')
                && a.iter()
                    .zip(&b)
                    .all(|(x, y)| x == y || y.is_ascii_alphanumeric());
            if d.fits.is_ok()
                && !d.tree_changed
                && only_notes
                && readable
                && d.session.notes != original.notes
            {
                return Ok((format!("{base}#/r/{p}.{seal}"), d.session.notes));
            }
        }
    }
    let mut s = original.clone();
    let first = s.notes.chars().next().ok_or("no notes to change")?;
    let swapped = if first == 'X' { 'Y' } else { 'X' };
    s.notes
        .replace_range(..first.len_utf8(), &swapped.to_string());
    let notes = s.notes.clone();
    Ok((format!("{base}#/r/{}.{seal}", link::encode(&s)), notes))
}

/// The key id in the outcome step's "Sealed by our helper (key …)" sentence.
fn key_in(seal_text: &str) -> Result<String> {
    let rest = seal_text
        .split_once("(key ")
        .map(|(_, r)| r)
        .ok_or_else(|| format!("no key id in: {seal_text}"))?;
    let id: String = rest.chars().take_while(|c| *c != ')').collect();
    if id.is_empty() {
        return Err(format!("empty key id in: {seal_text}").into());
    }
    Ok(id)
}

/// Checks a sealed link's seal part and the outcome step's sentence agree on the key.
fn sealed_key(shared: &Shared) -> Result<String> {
    assert!(shared.sealed, "not sealed: {}", shared.seal_text);
    let key_id = key_in(&shared.seal_text)?;
    let token = SealToken::decode(shared.seal().ok_or("a sealed link without a seal")?)
        .map_err(|e| format!("the link's seal does not decode: {e}"))?;
    // The shortest seal (format 3) names no key; a longer one names the sentence's.
    if let Some(named) = token.key_id() {
        assert_eq!(named, key_id);
    }
    // It signed the address the helper saw: carried in it, or the findings' own.
    let findings_address = link::decode_session(&shared.link)?.client_address;
    assert_eq!(token.client(findings_address), Some(LOOPBACK));
    assert!(
        shared.seal_text.ends_with("), with the address it saw."),
        "{}",
        shared.seal_text
    );
    Ok(key_id)
}

/// The address the browser reaches the helper from.
const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// Whether `needle` occurs anywhere in `hay`.
fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Every layer of bytes in a sealed link, decoded here as support's side would:
/// the fragment as text (the link's host is the helper's own loopback address), the
/// payload, its body (inflated when deflated), the seal.
fn layers_of(link: &str) -> Result<[(&'static str, Vec<u8>); 4]> {
    let fragment = link
        .split_once("#/r/")
        .map(|(_, f)| f)
        .ok_or("not a findings link")?;
    let payload = fixpath_core::b64::decode(link::payload_of(link).as_bytes())
        .map_err(|e| format!("the payload is not base64url: {e:?}"))?;
    let body = match payload.get(..2) {
        // Format 2's modes: 2 raw, 3 deflated.
        Some([link::VERSION, 2]) => payload[2..].to_vec(),
        Some([link::VERSION, 3]) => miniz_oxide::inflate::decompress_to_vec(&payload[2..])
            .map_err(|e| format!("the body does not inflate: {e:?}"))?,
        other => return Err(format!("not a format-{} payload: {other:?}", link::VERSION).into()),
    };
    let seal = fixpath_core::seal::seal_of(link).ok_or("the link has no seal")?;
    let seal = fixpath_core::b64::decode(seal.as_bytes())
        .map_err(|e| format!("the seal is not base64url: {e:?}"))?;
    Ok([
        ("fragment", fragment.as_bytes().to_vec()),
        ("payload", payload),
        ("body", body),
        ("seal", seal),
    ])
}

#[tokio::test]
async fn everything_fine_ends_blocked_and_the_sealed_link_reads_back() -> Result<()> {
    let tree = tree()?;
    let helper = Helper::start(Some(&Loopback::new()?.toml())).await?;
    let driver = Driver::start().await?;
    let c = driver.browser().await?;
    open_flow(&c, &helper, TREE).await?;
    let mut w = Walk::default();
    let p = policy(DEMO_SERVER);
    walk(&c, &p, &mut w).await?;

    check_path(
        &tree,
        &w,
        &p,
        &[
            "status",
            "resolve",
            "probe_pptp",
            "ports",
            "platform",
            "other_device",
        ],
        "blocked",
    )?;
    assert!(!w.nodes.iter().any(|n| n == "probe_sstp"), "{:?}", w.nodes);
    for node in EARLY.iter().chain(&["resolve", "probe_pptp", "ports"]) {
        assert_eq!(w.check(node)?.0, "pass", "{node}: {}", w.check(node)?.1);
    }
    // Headless Chromium here says Linux, which the tree only warns about.
    assert_eq!(
        w.check("platform")?,
        &("warn".into(), "You are using Linux.".into())
    );
    assert_eq!(
        w.check("resolve")?.1,
        format!("“{DEMO_SERVER}” is the right server name and can be found.")
    );
    assert_eq!(
        w.check("probe_pptp")?.1,
        "The VPN server answers on port 1723 from the internet."
    );
    assert_eq!(
        w.check("ports")?.1,
        "Your network lets traffic through on unusual ports."
    );
    // The walk moved on by itself through every check that passed, and waited for
    // the name, the warning, and each question and advice.
    assert_eq!(
        w.stops,
        [
            "resolve",
            "platform",
            "other_device",
            "device_firewall",
            "passthrough",
            "router_before",
            "blocked"
        ]
    );
    assert_eq!(w.actions, 6, "{:?}", w.stops);

    let notes = "Tried from home and from the office; error 800 both times.";
    type_notes(&c, notes).await?;
    let shared = findings_link(&c, Some(notes)).await?;
    let key_id = sealed_key(&shared)?;
    assert!(
        shared.link.starts_with(&format!("{}#/r/", helper.url)),
        "{}",
        shared.link
    );
    assert_clean_console(&c, "the walk").await?;
    c.close().await?;

    // The helper lists the key that sealed it.
    let k = driver.browser().await?;
    assert_eq!(helper_key_id(&k, &helper).await?, key_id);
    k.close().await?;

    let report = check_report(&driver, &helper, &shared.link, &w, Seal::By(&key_id), notes).await?;
    assert_eq!(report.server.as_deref(), Some(DEMO_SERVER));
    let (class, line) = evidence_of(&tree, &report, "resolve")?;
    assert_eq!(class, "pass");
    assert!(
        line.starts_with("OK ") && line.ends_with(" (1 address)"),
        "{line}"
    );
    let (class, line) = evidence_of(&tree, &report, "probe_pptp")?;
    assert_eq!(class, "pass");
    assert!(line.starts_with("OK ") && line.ends_with(" ms)"), "{line}");
    let (_, line) = evidence_of(&tree, &report, "ports")?;
    assert!(line.ends_with(" (2 ports open)"), "{line}");

    // One character changed: the report still reads, under a seal that no longer fits.
    let (edited, edited_notes) = tampered(&tree, &shared)?;
    assert_ne!(edited, shared.link);
    let t = driver.browser().await?;
    t.goto(&helper.here(&edited)).await?;
    let bad = read_report(&t).await?;
    assert_clean_console(&t, "the tampered report").await?;
    t.close().await?;
    assert_eq!(bad.badge_class, "mismatch", "badge: {}", bad.badge);
    assert!(
        bad.badge.starts_with("Seal does not match"),
        "badge: {}",
        bad.badge
    );
    assert_eq!(bad.notes.as_deref(), Some(edited_notes.as_str()));
    assert_eq!(bad.summary, report.summary);
    Ok(())
}

/// The switch on the outcome page leaves the address out of the whole link: the
/// shared link, decoded byte for byte, carries it neither in the payload nor in the
/// seal, and the report says the seal has none; with the switch on, the payload
/// carries it and the seal signed it.
/// Findings sealed by a client at another address are flagged on the report.
#[tokio::test]
async fn leaving_the_address_out_leaves_it_out_of_payload_and_seal() -> Result<()> {
    let tree = tree()?;
    let helper = Helper::start(Some(&Loopback::new()?.toml())).await?;
    let driver = Driver::start().await?;
    let c = driver.browser().await?;
    open_flow(&c, &helper, TREE).await?;
    let mut w = Walk::default();
    let p = policy(DEMO_SERVER);
    walk(&c, &p, &mut w).await?;
    // Through `where`, the check that learns the address the helper sees.
    check_path(&tree, &w, &p, &["where"], "blocked")?;
    let [text, octets] = [b"127.0.0.1".to_vec(), vec![127, 0, 0, 1]];

    // The switch is on at first: the findings and the seal carry the address.
    let with = findings_link(&c, None).await?;
    let key_id = sealed_key(&with)?;
    assert_eq!(
        link::decode_session(&with.link)?.client_address,
        Some(LOOPBACK)
    );
    let [_, _, (_, body), (_, seal)] = layers_of(&with.link)?;
    assert!(contains(&body, &octets), "{}", with.link);
    // The seal signed it: carried in the seal (format 1), or, in the shortest seal
    // (format 3), the findings' own, which the seal then need not repeat.
    let token = SealToken::decode(with.seal().ok_or("no seal")?)?;
    assert_eq!(token.client(Some(LOOPBACK)), Some(LOOPBACK));
    assert_eq!(
        contains(&seal, &octets),
        token.key_id().is_some(),
        "{}",
        with.link
    );

    let switch = c
        .find(Locator::XPath(
            "//div[@class='switches']//label[contains(., 'Include my network address (127.0.0.1)')]/input",
        ))
        .await?;
    switch.click().await?;
    let without = poll("a link sealed without the address", || async {
        let s = findings_link(&c, None).await?;
        let d = link::decode_session(&s.link)?;
        Ok((d.client_address.is_none() && s.sealed).then_some(s))
    })
    .await?;
    assert_eq!(key_in(&without.seal_text)?, key_id);
    assert!(
        without
            .seal_text
            .ends_with("), without your network address."),
        "{}",
        without.seal_text
    );
    let token = SealToken::decode(without.seal().ok_or("no seal")?)?;
    assert!(
        token.key_id().is_none_or(|k| k == key_id),
        "{:?}",
        token.key_id()
    );
    assert_eq!(token.client(None), None);
    for (layer, bytes) in layers_of(&without.link)? {
        for form in [&text, &octets] {
            assert!(
                !contains(&bytes, form),
                "{form:?} in the {layer}: {}",
                without.link
            );
        }
    }
    assert_clean_console(&c, "the walk").await?;
    c.close().await?;

    // Support's side: each report says what its seal carries.
    let report = check_report(&driver, &helper, &with.link, &w, Seal::By(&key_id), "").await?;
    assert_eq!(report.warning, None);
    check_report(
        &driver,
        &helper,
        &without.link,
        &w,
        Seal::ByWithoutAddress(&key_id),
        "",
    )
    .await?;

    // Findings that name another address, sealed by the browser at 127.0.0.1.
    let mut other = link::decode_session(&with.link)?;
    let elsewhere = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
    other.client_address = Some(elsewhere);
    let payload = link::encode(&other);
    let s = driver.browser().await?;
    s.goto(&helper.url).await?;
    let answer = s
        .execute_async(
            "const [payload, path, done] = arguments;
             crypto.subtle.digest('SHA-256', new TextEncoder().encode(payload))
               .then((d) => Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, '0')).join(''))
               .then((digest) => fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' },
                                               body: JSON.stringify({ digest, include_client: true }) }))
               .then((r) => r.text()).then(done, (e) => done(String(e)));",
            vec![payload.clone().into(), fixpath_core::api::Endpoint::Seal.path().into()],
        )
        .await?;
    let answer: fixpath_core::api::Seal =
        serde_json::from_str(answer.as_str().ok_or("no answer from the seal")?)?;
    assert_eq!(answer.client, Some(LOOPBACK));
    let token = SealToken::from_api(&answer)?;
    s.goto(&format!("{}#/r/{payload}.{}", helper.url, token.encode()))
        .await?;
    let flagged = read_report(&s).await?;
    assert_eq!(flagged.badge_class, "sealed", "badge: {}", flagged.badge);
    let warning = content(&wait_css(&s, ".report .warning.seal-address").await?).await?;
    assert_eq!(
        Some(warning),
        fixpath_core::seal::address_warning(en(), Some(elsewhere), Some(LOOPBACK))
    );
    assert_clean_console(&s, "the flagged report").await?;
    s.close().await?;
    Ok(())
}

#[tokio::test]
async fn closed_vpn_port_is_refused_and_ends_pptp_down() -> Result<()> {
    let tree = tree()?;
    let helper = Helper::start(Some(&Loopback::new()?.pptp_closed().toml())).await?;
    let driver = Driver::start().await?;
    let c = driver.browser().await?;
    open_flow(&c, &helper, TREE).await?;
    let mut w = Walk::default();
    let p = policy(DEMO_SERVER);
    walk(&c, &p, &mut w).await?;

    check_path(
        &tree,
        &w,
        &p,
        &["resolve", "probe_pptp", "probe_sstp"],
        "pptp_down",
    )?;
    assert_eq!(w.check("resolve")?.0, "pass");
    assert_eq!(
        w.check("probe_pptp")?,
        &(
            "fail".into(),
            "The VPN server refused a connection on port 1723: the service is not running there."
                .into()
        )
    );
    assert_eq!(
        w.check("probe_sstp")?.0,
        "pass",
        "{}",
        w.check("probe_sstp")?.1
    );

    let shared = findings_link(&c, None).await?;
    let key_id = sealed_key(&shared)?;
    assert_clean_console(&c, "the walk").await?;
    c.close().await?;

    let report = check_report(&driver, &helper, &shared.link, &w, Seal::By(&key_id), "").await?;
    let (class, line) = evidence_of(&tree, &report, "probe_pptp")?;
    assert_eq!(class, "fail");
    assert!(line.starts_with("Problem "), "{line}");
    let (class, line) = evidence_of(&tree, &report, "probe_sstp")?;
    assert_eq!(class, "pass");
    assert!(line.starts_with("OK ") && line.ends_with(" ms)"), "{line}");
    Ok(())
}

/// A near miss of the server's name: the check says it is not ours and suggests the
/// right one; the report of its findings link, in a fresh browser, says the same
/// sentence word for word (the link carries what it needs), and so does `fixpath
/// decode` of that link.
#[tokio::test]
async fn typo_in_server_name_suggests_the_demo_server() -> Result<()> {
    let tree = tree()?;
    let typo = DEMO_SERVER_TYPO;
    let helper = Helper::start(Some(&Loopback::new()?.toml())).await?;
    let driver = Driver::start().await?;
    let c = driver.browser().await?;
    open_flow(&c, &helper, TREE).await?;
    let mut w = Walk::default();
    let p = policy(typo);
    walk(&c, &p, &mut w).await?;

    check_path(&tree, &w, &p, &["resolve", "fix_name"], "wrong_name")?;
    // The helper said the name is not ours: nothing was probed (a refused probe
    // would be an error in the console, which `assert_clean_console` holds to none).
    let fetched = c
        .execute(
            "return performance.getEntriesByType('resource').map((e) => e.name);",
            vec![],
        )
        .await?;
    let fetched: Vec<String> = serde_json::from_value(fetched)?;
    assert!(
        !fetched.iter().any(|u| u.contains("/api/v1/probe")),
        "{fetched:?}"
    );
    assert_eq!(
        w.check("resolve")?,
        &(
            "fail".into(),
            format!("“{typo}” is not one of our VPN servers. Did you mean {DEMO_SERVER}?")
        )
    );

    let shared = findings_link(&c, None).await?;
    let key_id = sealed_key(&shared)?;
    assert_clean_console(&c, "the walk").await?;
    c.close().await?;

    let report = check_report(&driver, &helper, &shared.link, &w, Seal::By(&key_id), "").await?;
    assert_eq!(report.server.as_deref(), Some(typo));
    let (class, line) = evidence_of(&tree, &report, "resolve")?;
    assert_eq!(class, "fail");
    assert!(
        line.starts_with("Problem ") && line.ends_with(" (0 addresses)"),
        "{line}"
    );
    // The did-you-mean, in the report's sentence as the user read it…
    let suggested = format!("“{typo}” is not one of our VPN servers. Did you mean {DEMO_SERVER}?");
    assert_eq!(said_of(&tree, &report, "resolve")?.said, suggested);
    // …and in `fixpath decode` of the same link, with the helper's config.
    let text = helper.decode(&shared.link).await?;
    assert!(
        text.lines().any(|l| l.trim() == suggested),
        "`fixpath decode` does not say {suggested:?}:\n{text}"
    );
    assert_eq!(w.stops, ["resolve", "resolve", "fix_name", "wrong_name"]);
    // The name typed, Continue past the problem, "Didn't help".
    assert_eq!(w.actions, 3, "{:?}", w.stops);
    Ok(())
}

/// The demo server's address typed instead of its name: it counts as the server, the
/// check says the name is safer (without naming it: the demo does not let names be
/// shown), and the probe runs on the address.
#[tokio::test]
async fn the_servers_address_typed_counts_as_the_server_and_is_probed() -> Result<()> {
    let tree = tree()?;
    let typed = "127.0.0.1";
    let helper = Helper::start(Some(&Loopback::new()?.toml())).await?;
    let driver = Driver::start().await?;
    let c = driver.browser().await?;
    open_flow(&c, &helper, TREE).await?;
    let mut w = Walk::default();
    let p = policy(typed);
    walk(&c, &p, &mut w).await?;

    check_path(
        &tree,
        &w,
        &p,
        &["resolve", "probe_pptp", "ports", "platform"],
        "blocked",
    )?;
    assert_eq!(
        w.check("resolve")?,
        &(
            "pass".into(),
            format!(
                "“{typed}” is our VPN server's address. Its name is safer: an address can change."
            )
        )
    );
    assert_eq!(
        w.check("probe_pptp")?,
        &(
            "pass".into(),
            "The VPN server answers on port 1723 from the internet.".into()
        )
    );
    let fetched = c
        .execute(
            "return performance.getEntriesByType('resource').map((e) => e.name);",
            vec![],
        )
        .await?;
    let fetched: Vec<String> = serde_json::from_value(fetched)?;
    assert!(
        fetched
            .iter()
            .any(|u| u.contains("/api/v1/probe?server=127.0.0.1&port=1723")),
        "the probe ran on the typed address: {fetched:?}"
    );

    let shared = findings_link(&c, None).await?;
    let key_id = sealed_key(&shared)?;
    assert_clean_console(&c, "the walk").await?;
    c.close().await?;
    let report = check_report(&driver, &helper, &shared.link, &w, Seal::By(&key_id), "").await?;
    assert_eq!(report.server.as_deref(), Some(typed));
    Ok(())
}

/// An address that is no server's (a saved one gone stale) takes the stale-address
/// branch, is never probed, and, where the operator lets names be shown, the check
/// gives the name to type instead.
#[tokio::test]
async fn a_stale_address_takes_the_stale_branch_and_is_not_probed() -> Result<()> {
    let tree = tree()?;
    let typed = "127.0.0.2";
    let config = format!("list_server_names = true\n{}", Loopback::new()?.toml());
    let helper = Helper::start(Some(&config)).await?;
    let driver = Driver::start().await?;
    let c = driver.browser().await?;
    open_flow(&c, &helper, TREE).await?;
    let mut w = Walk::default();
    let p = policy(typed);
    walk(&c, &p, &mut w).await?;

    check_path(&tree, &w, &p, &["resolve", "stale_address"], "wrong_name")?;
    assert_eq!(
        w.check("resolve")?,
        &(
            "warn".into(),
            format!("“{typed}” is not our VPN server's address: a saved address may be out of date. Use its name ({DEMO_SERVER}) instead.")
        )
    );
    assert!(!w.checks.contains_key("probe_pptp"), "{:?}", w.nodes);
    let fetched = c
        .execute(
            "return performance.getEntriesByType('resource').map((e) => e.name);",
            vec![],
        )
        .await?;
    let fetched: Vec<String> = serde_json::from_value(fetched)?;
    assert!(
        fetched.iter().any(|u| u.contains("/api/v1/resolve"))
            && !fetched.iter().any(|u| u.contains("/api/v1/probe")),
        "resolved, and nothing probed: {fetched:?}"
    );

    let shared = findings_link(&c, None).await?;
    let key_id = sealed_key(&shared)?;
    assert_clean_console(&c, "the walk").await?;
    c.close().await?;
    let report = check_report(&driver, &helper, &shared.link, &w, Seal::By(&key_id), "").await?;
    let (class, line) = evidence_of(&tree, &report, "resolve")?;
    assert_eq!(class, "warn");
    assert!(line.ends_with(" (0 addresses)"), "{line}");
    Ok(())
}

#[tokio::test]
async fn helper_stopped_mid_flow_still_gives_an_unsealed_link() -> Result<()> {
    let tree = tree()?;
    let mut helper = Helper::start(Some(&Loopback::new()?.toml())).await?;
    let driver = Driver::start().await?;
    let c = driver.browser().await?;
    open_flow(&c, &helper, TREE).await?;
    let mut w = Walk::default();
    let mut p = policy(DEMO_SERVER);
    p.stop_at = Some("resolve".into());
    walk(&c, &p, &mut w).await?;
    assert_eq!(w.nodes.last().map(String::as_str), Some("resolve"));
    assert_eq!(w.outcome, "", "stopped before any outcome");
    assert_clean_console(&c, "the walk while the helper was up").await?;

    helper.stop().await?;
    p.stop_at = None;
    walk(&c, &p, &mut w).await?;

    check_path(
        &tree,
        &w,
        &p,
        &["resolve", "probe_pptp", "probe_sstp", "ports", "platform"],
        "blocked",
    )?;
    // Checked while the helper was still up.
    for node in EARLY.iter().chain(&["ports"]) {
        assert_eq!(w.check(node)?.0, "pass", "{node}: {}", w.check(node)?.1);
    }
    for node in ["resolve", "probe_pptp", "probe_sstp"] {
        let (class, message) = w.check(node)?;
        assert_eq!(class, "unknown", "{node}: {message}");
        assert_eq!(
            message,
            "We could not run this check: our helper did not answer (we could not reach it at all).",
            "{node}"
        );
    }
    // The findings on the outcome step say so too.
    let could_not_run = c
        .find_all(Locator::Css(".outcome ul.evidence li.ev.unknown"))
        .await?;
    let mut lines = Vec::new();
    for li in could_not_run {
        lines.push(content(&li).await?);
    }
    assert_eq!(lines.len(), 3, "{lines:?}");
    for line in &lines {
        assert!(line.starts_with("Could not run "), "{line}");
    }

    let notes = "The helper went away halfway.";
    type_notes(&c, notes).await?;
    let shared = findings_link(&c, Some(notes)).await?;
    assert!(!shared.sealed);
    assert_eq!(shared.seal(), None, "{}", shared.link);
    assert_eq!(
        shared.seal_text,
        "Not sealed (we could not reach it at all). The link still works; support will see it as not sealed."
    );
    // With the helper gone, the browser logs each request the app still had to try
    // (the resolve and the seal), and nothing else: no probe follows a resolve that
    // got no answer.
    let errors = console_errors(&c).await?;
    let refused = |e: &&String| {
        e.starts_with(helper.url.as_str()) && e.contains("net::ERR_CONNECTION_REFUSED")
    };
    assert!(
        !errors.is_empty() && errors.iter().all(|e| refused(&e)),
        "{errors:#?}"
    );
    assert!(
        errors.iter().any(|e| e.contains("/api/v1/resolve"))
            && !errors.iter().any(|e| e.contains("/api/v1/probe")),
        "{errors:#?}"
    );
    // The link is whole: it decodes to the walk's outcome.
    let decoded = link::decode(&shared.link, std::slice::from_ref(&tree))?;
    assert!(decoded.fits.is_ok());
    assert_eq!(decoded.session.notes, notes);
    c.close().await?;

    // Support opens it on a helper that is running.
    let support = Helper::start(Some(&Loopback::new()?.toml())).await?;
    let report = check_report(&driver, &support, &shared.link, &w, Seal::NotSealed, notes).await?;
    for node in ["resolve", "probe_pptp", "probe_sstp"] {
        let (class, line) = evidence_of(&tree, &report, node)?;
        assert_eq!(class, "unknown");
        assert!(line.starts_with("Could not run "), "{line}");
    }
    Ok(())
}

#[tokio::test]
async fn garbage_and_cut_links_show_a_clear_error() -> Result<()> {
    let tree = tree()?;
    let helper = Helper::start(Some(&Loopback::new()?.toml())).await?;
    let driver = Driver::start().await?;

    // A real payload, cut in half as a careless copy would.
    let mut session = Session::start(&tree, 1_700_000_000_000);
    session.notes = "A note long enough to make the payload worth cutting.".into();
    let whole = link::encode(&session);
    let cut = &whole[..whole.len() / 2];

    for (payload, says) in [
        ("this~is~not~a~findings~link", "the link is damaged"),
        (cut, "the link is cut short"),
    ] {
        let expected = match link::decode(payload, std::slice::from_ref(&tree)) {
            Err(e) => e.to_string(),
            Ok(_) => return Err(format!("`{payload}` decodes, so it is no test").into()),
        };
        assert!(expected.starts_with(says), "{expected}");
        let c = driver.browser().await?;
        c.goto(&format!("{}#/r/{payload}", helper.url)).await?;
        let heading = wait_css(&c, ".report .error[role=alert] h1").await?;
        assert_eq!(
            content(&heading).await?,
            "This findings link cannot be read"
        );
        let why = content(&c.find(Locator::Css(".report .error[role=alert] p")).await?).await?;
        assert_eq!(why, expected, "{payload}");
        assert!(
            c.find_all(Locator::Css(".report .badge")).await?.is_empty(),
            "no seal verdict for a link that cannot be read"
        );
        assert_clean_console(&c, "a link that cannot be read").await?;
        c.close().await?;
    }
    Ok(())
}

/// Keyboard only, on a phone-sized window: every step takes the focus on its
/// heading, every answer is reached with Tab and taken with Enter, check results
/// land in a live region, nothing scrolls sideways, and the page asks nothing of any
/// address but the helper's own and those its config names (no fonts, scripts or
/// analytics from anywhere else).
#[tokio::test]
async fn keyboard_only_on_a_360px_window_and_nothing_asked_of_third_parties() -> Result<()> {
    let lo = Loopback::new()?;
    let helper = Helper::start(Some(&lo.toml())).await?;
    let driver = Driver::start().await?;
    let c = driver.browser().await?;
    c.set_window_size(360, 740).await?;
    open_flow(&c, &helper, TREE).await?;
    let width = c.execute("return window.innerWidth;", vec![]).await?;
    assert!(
        width.as_u64().is_some_and(|w| w <= 360),
        "the window is {width} px wide"
    );
    c.execute(
        "window.__violations = []; document.addEventListener('securitypolicyviolation', \
         (e) => window.__violations.push(e.blockedURI));",
        vec![],
    )
    .await?;
    let mut p = policy(DEMO_SERVER);
    p.keyboard = true;
    let mut w = Walk::default();
    walk(&c, &p, &mut w).await?;
    assert_eq!(w.outcome, "blocked", "{:?}", w.nodes);
    assert!(w.checks.len() >= 5, "{:?}", w.checks);

    // Every address the page fetched from, the page itself included.
    let fetched = c
        .execute(
            "return [location.href].concat(performance.getEntriesByType('resource').map((e) => e.name));",
            vec![],
        )
        .await?;
    let fetched: Vec<String> = serde_json::from_value(fetched)?;
    let origin = helper.url.trim_end_matches('/');
    let allowed = [
        origin.to_string(),
        format!("http://127.0.0.1:{}", lo.alt[0]),
        format!("http://127.0.0.1:{}", lo.alt[1]),
    ];
    let origin_of = |url: &str| -> String {
        let rest = url.split_once("://").map_or("", |(_, r)| r);
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        format!("{}://{host}", url.split("://").next().unwrap_or(""))
    };
    for url in &fetched {
        assert!(
            allowed.contains(&origin_of(url)),
            "the page fetched {url}, which is not the helper's nor named by its config"
        );
    }
    // Not vacuous: the app's files and the helper's API were among them.
    for part in ["_bg.wasm", "/api/v1/probe", "/api/v1/resolve"] {
        assert!(
            fetched.iter().any(|u| u.contains(part)),
            "no {part} among {fetched:?}"
        );
    }
    let violations = c.execute("return window.__violations;", vec![]).await?;
    assert_eq!(violations, serde_json::json!([]), "CSP violations");
    assert_clean_console(&c, "the keyboard walk").await?;
    c.close().await?;
    Ok(())
}
