//! Browser tests of the walk that moves by itself (wasm-bindgen-test in headless
//! Chromium, feature `stand-in`): the walk goes on through every check that
//! passes or could not run and stops where the user must act (a question, an
//! advice, a check that found something, the server-name form); the checklist
//! lists every check so far and the live region says each result once; focus
//! moves only where the user has something to do; Back undoes the user's last
//! step with the automatic checks after it; Retry runs a check again.
//!
//! No helper: the `stand-in` seam says what each check answers (or that it
//! hangs), and counts the runs. The app is mounted on the shipped trees with a
//! store seeded with them, on `vpn-error-800`. Every wait is on a condition.
#![cfg(feature = "stand-in")]
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::net::{IpAddr, Ipv4Addr};
use std::rc::Rc;

use fixpath_core::api::{Family, Probe, ProbeStatus, Resolved, WhoAmI, CANARY_BODY};
use fixpath_core::content::{Brand, Listing, Site};
use fixpath_core::findings::outcome_word;
use fixpath_core::verdict::{self, sentence, Seen};
use fixpath_core::{Check, CheckOutcome, CheckResult, NodeKind, Tree};
use fixpath_web::app::{App, AppProps};
use fixpath_web::services::checks::{stand_in, CheckReport};
use fixpath_web::services::content::{Content, TreeStore};
use futures_util::future::{self, FutureExt};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

const TREE: &str = "vpn-error-800";
/// The address the stand-in's `client.address` says the helper saw.
const FROM: IpAddr = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 7));
/// The server name the tests type.
const NAME: &str = "vpn.example.com";

/// The checks an all-pass walk runs by itself before it asks for the server
/// name (the question `other_sites` is answered by `internet`).
const BEFORE_NAME: [&str; 6] = ["status", "online", "internet", "portal", "clock", "where"];
/// The checks an all-pass walk runs by itself once the name is typed, up to the
/// question `other_device`.
const AFTER_NAME: [&str; 4] = ["resolve", "probe_pptp", "ports", "platform"];

// --- Mounting (as tests/web.rs does) -----------------------------------------

/// A mounted app in its own element; destroyed (and the hash reset) on drop, so
/// tests do not see each other's apps.
struct Mounted {
    root: Element,
    app: Option<yew::AppHandle<App>>,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        if let Some(app) = self.app.take() {
            app.destroy();
        }
        self.root.remove();
        let _ = window().location().set_hash("/");
    }
}

fn window() -> web_sys::Window {
    web_sys::window().expect("a window")
}

fn tree() -> Tree {
    fixpath_core::shipped::trees()
        .into_iter()
        .find(|t| t.id == TREE)
        .unwrap_or_else(|| panic!("the shipped tree {TREE}"))
}

/// Mounts the app on the walk of the VPN tree, with the shipped trees and
/// Fixpath's own brand and the English words, after clearing this tab's storage.
async fn mount() -> Mounted {
    let words = Rc::new(fixpath_web::i18n::Words::new(
        fixpath_core::i18n::Catalog::shipped().remove(0),
    ));
    fixpath_web::i18n::set(Rc::clone(&words));
    let trees = fixpath_core::shipped::trees();
    let site = Site {
        brand: Brand::default(),
        trees: trees.iter().map(Listing::of).collect(),
        languages: Vec::new(),
    };
    let store = TreeStore::seeded(trees);
    if let Ok(Some(s)) = window().session_storage() {
        let _ = s.clear();
    }
    let _ = window().location().set_hash(&format!("#/t/{TREE}"));
    let document = window().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    let props = AppProps {
        content: Content::new(site, store),
        words,
    };
    let app = yew::Renderer::<App>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;
    Mounted {
        root,
        app: Some(app),
    }
}

/// One turn of the browser's event loop (lets popstate and answers deliver).
async fn tick() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = window().set_timeout_with_callback(&resolve);
    });
    let _ = JsFuture::from(promise).await;
    yew::scheduler::flush().await;
}

/// Waits until `cond` holds, turning the event loop; fails with `what` if it never does.
async fn until(what: &str, mut cond: impl FnMut() -> bool) {
    for _ in 0..500 {
        if cond() {
            return;
        }
        tick().await;
    }
    panic!("timed out waiting for: {what}");
}

fn texts(root: &Element, selector: &str) -> Vec<String> {
    let list = root.query_selector_all(selector).unwrap();
    (0..list.length())
        .filter_map(|i| list.item(i))
        .map(|n| n.text_content().unwrap_or_default())
        .collect()
}

fn click(root: &Element, selector: &str, index: u32) {
    let list = root.query_selector_all(selector).unwrap();
    let el = list
        .item(index)
        .unwrap_or_else(|| panic!("no {selector} #{index}"))
        .dyn_into::<HtmlElement>()
        .unwrap();
    el.click();
}

fn element(root: &Element, selector: &str) -> Element {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector}"))
}

fn exists(root: &Element, selector: &str) -> bool {
    root.query_selector(selector).unwrap().is_some()
}

/// Types `value` into the input as a user would (the `input` event).
fn type_into(input: &HtmlInputElement, value: &str) {
    input.set_value(value);
    let ev = web_sys::Event::new("input").unwrap();
    input.dispatch_event(&ev).unwrap();
}

// --- The stand-in ---------------------------------------------------------------

/// The stand-in answering for every check while it lives (cleared on drop), and
/// the checks it was asked to run, in order.
struct StandIn {
    calls: Rc<RefCell<Vec<Check>>>,
}

impl StandIn {
    /// How many times `check` was run.
    fn runs(&self, check: Check) -> usize {
        self.calls.borrow().iter().filter(|c| **c == check).count()
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        stand_in::clear();
    }
}

/// What the stand-in does for one run of a check.
enum Reply {
    /// Answers this at once.
    Is(CheckReport),
    /// Never answers.
    Hangs,
    /// Runs the check for real (a probe then waits on the resolve's answer).
    Real,
}

impl From<CheckReport> for Reply {
    fn from(report: CheckReport) -> Self {
        Reply::Is(report)
    }
}

impl From<CheckResult> for Reply {
    fn from(result: CheckResult) -> Self {
        Reply::Is(result.into())
    }
}

/// Every check's `n`th run (0 first) does what `reply(check, n)` says.
fn stand_in(reply: impl Fn(Check, usize) -> Reply + 'static) -> StandIn {
    let calls = Rc::new(RefCell::new(Vec::new()));
    let seen = Rc::clone(&calls);
    stand_in::set(move |check| {
        let n = seen.borrow().iter().filter(|c| **c == check).count();
        seen.borrow_mut().push(check);
        match reply(check, n) {
            Reply::Is(report) => Some(future::ready(report).boxed_local()),
            Reply::Hangs => Some(future::pending().boxed_local()),
            Reply::Real => None,
        }
    });
    StandIn { calls }
}

/// What each check answers when all is well, as the app's checks would build it.
fn passing(check: Check) -> CheckReport {
    match check {
        Check::OperatorStatus => CheckResult::new(CheckOutcome::Pass, None).into(),
        Check::BrowserOnline => verdict::online(true, true).into(),
        Check::HelperPing { count, warn_ms } => {
            let samples = vec![20.0; usize::from(count)];
            verdict::ping(&samples, samples.len(), warn_ms).into()
        }
        Check::ClockSkew { max_skew_s } => verdict::clock_skew(1_500, max_skew_s).into(),
        Check::CaptivePortal => verdict::captive_portal(Some(CANARY_BODY), true).into(),
        Check::InternetCanary => verdict::internet_canary(2, 2, Some(42.0)).into(),
        Check::EgressAltPorts => verdict::alt_ports(&[(8443, true), (2083, true)]).into(),
        // Windows, the first of `catalog::PLATFORMS`.
        Check::Platform { .. } => CheckResult::new(CheckOutcome::Pass, Some(0)).into(),
        Check::ClientAddress => CheckReport {
            result: verdict::client_address(&WhoAmI {
                address: FROM,
                family: Family::Ipv4,
                in_office: false,
            }),
            client_address: Some(FROM),
            probe_ports: Vec::new(),
        },
        Check::ServerResolve => CheckReport {
            result: verdict::resolve(&Resolved {
                name: NAME.into(),
                known: true,
                addresses: vec![IpAddr::V4(Ipv4Addr::new(198, 51, 100, 20))],
                matches_expected: Some(true),
                did_you_mean: Vec::new(),
                current_address: None,
                probe_target: Some(NAME.into()),
                probe_ports: vec![1723, 443],
            }),
            client_address: None,
            probe_ports: vec![1723, 443],
        },
        Check::ServerProbe { port } => verdict::probe(&Probe {
            server: NAME.into(),
            port,
            status: ProbeStatus::Open,
            connect_ms: Some(31),
            cached: false,
        })
        .into(),
    }
}

/// The clock 60 minutes behind: fails the tree's `max_skew_s = 120`.
fn clock_behind() -> CheckResult {
    verdict::clock_skew(-3_600_000, 120)
}

// --- Reading the walk -------------------------------------------------------------

/// One checklist line: its state (class), node, state word and sentence.
type Line = (String, String, String, String);

/// The checklist as shown.
fn lines(root: &Element) -> Vec<Line> {
    let list = root.query_selector_all("ol.checklist li.cl").unwrap();
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<Element>().ok())
        .map(|li| {
            let class = li.get_attribute("class").unwrap_or_default();
            let state = class
                .split_whitespace()
                .find(|c| *c != "cl")
                .unwrap_or_default()
                .to_string();
            let part = |sel: &str| {
                li.query_selector(sel)
                    .unwrap()
                    .and_then(|e| e.text_content())
                    .unwrap_or_default()
            };
            (
                state,
                li.get_attribute("data-node").unwrap_or_default(),
                part(".cl-state"),
                part(".cl-text"),
            )
        })
        .collect()
}

/// The lines of the live region, in order.
fn log(root: &Element) -> Vec<String> {
    texts(root, "#check-log[role=log][aria-live=polite].sr-only p")
}

fn check_of(tree: &Tree, id: &str) -> Check {
    tree.nodes
        .iter()
        .find(|n| n.id == id)
        .and_then(|n| match &n.kind {
            NodeKind::Check { check, .. } => Some(*check),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no check {id} in {}", tree.id))
}

/// The heading of the node `id`.
fn heading(tree: &Tree, id: &str) -> String {
    match tree.nodes.iter().find(|n| n.id == id).map(|n| &n.kind) {
        Some(
            NodeKind::Question { text, .. }
            | NodeKind::Advice { text, .. }
            | NodeKind::Check { text, .. },
        ) => text.clone(),
        Some(NodeKind::Outcome { summary, .. }) => summary.clone(),
        None => panic!("no node {id}"),
    }
}

/// Runs `f` with the page's words: the English `mount` gives the app (set here
/// too when no test has mounted yet), to say what the page should say.
fn en<R>(f: impl FnOnce(fixpath_core::i18n::Tr) -> R) -> R {
    if fixpath_web::i18n::current().is_none() {
        fixpath_web::i18n::set(Rc::new(fixpath_web::i18n::Words::new(
            fixpath_core::i18n::Catalog::shipped().remove(0),
        )));
    }
    fixpath_web::i18n::with(f)
}

/// The sentence the walk shows for `result` at the check `id`, with the address
/// the stand-in gave and the name typed (if any).
fn said(tree: &Tree, id: &str, result: &CheckResult, name: Option<&str>) -> String {
    let seen = Seen {
        server_name: name,
        client_address: Some(FROM),
    };
    en(|tr| sentence(tr, check_of(tree, id), result, &seen))
}

/// The checklist line of `result` at the check `id`.
fn line(tree: &Tree, id: &str, result: &CheckResult, name: Option<&str>) -> Line {
    (
        result.outcome.as_str().to_string(),
        id.to_string(),
        en(|tr| outcome_word(tr, result.outcome)),
        said(tree, id, result, name),
    )
}

/// The lines of the checks `ids`, each passing.
fn passed(tree: &Tree, ids: &[&str], name: Option<&str>) -> Vec<Line> {
    ids.iter()
        .map(|id| line(tree, id, &passing(check_of(tree, id)).result, name))
        .collect()
}

fn sentences(lines: &[Line]) -> Vec<String> {
    lines.iter().map(|l| l.3.clone()).collect()
}

/// Whether the walk shows the step of the node `id`.
fn at(root: &Element, id: &str) -> bool {
    exists(root, &format!(".step[data-node=\"{id}\"]"))
}

/// Whether the walk shows the server-name form (at `resolve`).
fn asks_name(root: &Element) -> bool {
    at(root, "resolve") && exists(root, ".step form.server-name #server-name")
}

fn back_disabled(root: &Element) -> bool {
    element(root, ".flow-nav button").has_attribute("disabled")
}

/// Whether the focused element is the step's heading.
fn heading_focused(root: &Element) -> bool {
    let active = window().document().unwrap().active_element();
    let h1 = root.query_selector(".step h1").unwrap();
    matches!((active, h1), (Some(a), Some(h)) if a.is_same_node(Some(&h)))
}

/// Types the server name and submits the form as a user would.
fn submit_name(root: &Element, name: &str) {
    let input: HtmlInputElement = element(root, ".step #server-name").dyn_into().unwrap();
    type_into(&input, name);
    click(root, ".step form.server-name button[type=submit]", 0);
}

// --- Tests ----------------------------------------------------------------------

#[wasm_bindgen_test]
async fn the_walk_moves_on_by_itself_through_passing_checks() {
    let tree = tree();
    let _checks = stand_in(|check, _| passing(check).into());
    let m = mount().await;
    until("the server-name form", || asks_name(&m.root)).await;

    let before = passed(&tree, &BEFORE_NAME, None);
    assert_eq!(
        lines(&m.root),
        before,
        "every check before the form, passed"
    );
    assert_eq!(log(&m.root), sentences(&before), "one log line per result");
    assert!(
        lines(&m.root)[5].3.contains("203.0.113.7"),
        "the address the helper saw is said"
    );
    assert!(back_disabled(&m.root), "the user has done nothing yet");
    assert!(texts(&m.root, ".step .choice").is_empty(), "no Continue");
    until("focus on the form's heading", || heading_focused(&m.root)).await;

    submit_name(&m.root, NAME);
    until("the question after the checks", || {
        at(&m.root, "other_device")
    })
    .await;
    assert_eq!(
        texts(&m.root, ".step h1"),
        vec![heading(&tree, "other_device")]
    );
    let mut all = before;
    all.extend(passed(&tree, &AFTER_NAME, Some(NAME)));
    assert_eq!(lines(&m.root), all, "the checks after the name too");
    assert_eq!(log(&m.root), sentences(&all));
    assert!(
        all[6].3.contains(NAME),
        "the resolve names what was typed: {}",
        all[6].3
    );
    assert!(!back_disabled(&m.root), "typing the name was a step");
    until("focus on the question", || heading_focused(&m.root)).await;
}

#[wasm_bindgen_test]
async fn a_failing_check_stops_the_walk_and_is_heard_once() {
    let tree = tree();
    let _checks = stand_in(|check, _| match check {
        Check::ClockSkew { .. } => clock_behind().into(),
        _ => passing(check).into(),
    });
    let m = mount().await;
    until("the clock's result", || {
        at(&m.root, "clock") && exists(&m.root, ".step .check .result.fail")
    })
    .await;
    let fail = said(&tree, "clock", &clock_behind(), None);
    assert!(fail.contains("60 minutes behind"), "{fail}");
    assert_eq!(
        texts(&m.root, ".step .check .result.fail"),
        vec![fail.clone()]
    );
    assert_eq!(
        texts(&m.root, ".step .choice"),
        vec!["Continue".to_string()]
    );
    assert_eq!(
        texts(&m.root, ".step .secondary"),
        vec!["Retry".to_string()]
    );
    until("focus on the check", || heading_focused(&m.root)).await;
    assert_eq!(texts(&m.root, ".step h1"), vec![heading(&tree, "clock")]);

    let mut expected = passed(&tree, &BEFORE_NAME[..4], None);
    expected.push(line(&tree, "clock", &clock_behind(), None));
    assert_eq!(lines(&m.root), expected);
    let heard = |root: &Element| log(root).iter().filter(|p| **p == fail).count();
    assert_eq!(heard(&m.root), 1, "{:?}", log(&m.root));
    assert_eq!(log(&m.root), sentences(&expected));
    let said_before = m
        .root
        .query_selector_all("#check-log p")
        .unwrap()
        .item(4)
        .expect("the clock's log line");

    click(&m.root, ".step .choice", 0);
    until("the advice", || at(&m.root, "set_clock")).await;
    assert_eq!(
        texts(&m.root, ".step h1"),
        vec![heading(&tree, "set_clock")]
    );
    assert_eq!(lines(&m.root), expected, "the line stays as it was");
    assert_eq!(heard(&m.root), 1, "heard once: {:?}", log(&m.root));
    assert_eq!(log(&m.root), sentences(&expected));
    let said_after = m
        .root
        .query_selector_all("#check-log p")
        .unwrap()
        .item(4)
        .expect("the clock's log line");
    assert!(
        said_before.is_same_node(Some(&said_after)),
        "the same log line, not a new one announced again"
    );
    assert!(!back_disabled(&m.root), "Continue was a step");
    until("focus on the advice", || heading_focused(&m.root)).await;
}

#[wasm_bindgen_test]
async fn a_hanging_check_holds_the_walk_without_taking_focus() {
    let tree = tree();
    let _checks = stand_in(|check, _| match check {
        Check::CaptivePortal => Reply::Hangs,
        _ => passing(check).into(),
    });
    let m = mount().await;
    let mut expected = passed(&tree, &BEFORE_NAME[..3], None);
    expected.push((
        "running".into(),
        "portal".into(),
        "Checking…".into(),
        heading(&tree, "portal"),
    ));
    until("the checks before the portal", || {
        lines(&m.root) == expected
    })
    .await;
    // A few turns of the event loop: the other checks have long answered.
    let mut turns = 0;
    until("some turns of the event loop", || {
        turns += 1;
        turns > 20
    })
    .await;
    assert_eq!(lines(&m.root), expected, "still at the portal");
    assert!(at(&m.root, "portal"));
    assert!(exists(&m.root, ".step .running"), "the step is running");
    assert!(texts(&m.root, ".step .choice").is_empty(), "no Continue");
    assert_eq!(
        log(&m.root),
        sentences(&expected[..3]),
        "no line while running"
    );
    assert!(!heading_focused(&m.root), "focus stays where it was");
    assert!(back_disabled(&m.root));
}

#[wasm_bindgen_test]
async fn back_undoes_the_name_and_the_checks_after_it() {
    let tree = tree();
    let _checks = stand_in(|check, _| passing(check).into());
    let m = mount().await;
    until("the server-name form", || asks_name(&m.root)).await;
    submit_name(&m.root, NAME);
    until("the question after the checks", || {
        at(&m.root, "other_device")
    })
    .await;
    assert_eq!(lines(&m.root).len(), BEFORE_NAME.len() + AFTER_NAME.len());

    click(&m.root, ".flow-nav button", 0);
    until("the server-name form again", || asks_name(&m.root)).await;
    let before = passed(&tree, &BEFORE_NAME, None);
    until("the lines before the name", || lines(&m.root) == before).await;
    assert_eq!(log(&m.root), sentences(&before));
    assert!(back_disabled(&m.root), "typing the name was the only step");

    // Forward again: the name typed anew runs its checks anew.
    submit_name(&m.root, "vpn2.example.com");
    until("the question again", || at(&m.root, "other_device")).await;
    let mut all = before;
    all.extend(passed(&tree, &AFTER_NAME, Some("vpn2.example.com")));
    assert_eq!(lines(&m.root), all);
}

#[wasm_bindgen_test]
async fn back_from_a_question_takes_the_checks_after_it() {
    let tree = tree();
    // The internet check could not run: the question it answers is asked.
    let unknown = verdict::could_not_run(verdict::Unrun::HelperUnreached, None, None);
    let internet = unknown.clone();
    let _checks = stand_in(move |check, _| match check {
        Check::InternetCanary => internet.clone().into(),
        _ => passing(check).into(),
    });
    let m = mount().await;
    until("the question", || at(&m.root, "other_sites")).await;
    let mut asked = passed(&tree, &BEFORE_NAME[..2], None);
    asked.push(line(&tree, "internet", &unknown, None));
    asked.extend(passed(&tree, &BEFORE_NAME[3..4], None));
    assert_eq!(lines(&m.root), asked, "an unknown moves on by itself");
    assert!(back_disabled(&m.root));
    until("focus on the question", || heading_focused(&m.root)).await;

    click(&m.root, ".step .choice[data-choice=yes]", 0);
    until("the server-name form", || asks_name(&m.root)).await;
    let mut named = asked.clone();
    named.extend(passed(&tree, &BEFORE_NAME[4..], None));
    assert_eq!(lines(&m.root), named, "clock and where ran by themselves");
    assert!(!back_disabled(&m.root), "the answer was a step");

    submit_name(&m.root, NAME);
    until("the next question", || at(&m.root, "other_device")).await;

    click(&m.root, ".flow-nav button", 0);
    until("the server-name form again", || asks_name(&m.root)).await;
    until("the lines before the name", || lines(&m.root) == named).await;
    assert!(!back_disabled(&m.root), "the answer is still there");

    click(&m.root, ".flow-nav button", 0);
    until("the question again", || at(&m.root, "other_sites")).await;
    assert_eq!(
        texts(&m.root, ".step h1"),
        vec![heading(&tree, "other_sites")]
    );
    until("the lines before the question", || lines(&m.root) == asked).await;
    assert_eq!(log(&m.root), sentences(&asked));
    assert!(back_disabled(&m.root), "nothing left to undo");
}

#[wasm_bindgen_test]
async fn retry_runs_the_check_again_and_the_walk_moves_on() {
    let tree = tree();
    let checks = stand_in(|check, n| match check {
        Check::ClockSkew { .. } if n == 0 => clock_behind().into(),
        _ => passing(check).into(),
    });
    let clock = check_of(&tree, "clock");
    let m = mount().await;
    until("the clock's problem", || {
        at(&m.root, "clock") && exists(&m.root, ".step .check .result.fail")
    })
    .await;
    assert_eq!(checks.runs(clock), 1, "the clock ran once");

    click(&m.root, ".step .secondary", 0);
    until("the server-name form", || asks_name(&m.root)).await;
    assert_eq!(checks.runs(clock), 2, "Retry ran the clock again");
    let expected = passed(&tree, &BEFORE_NAME, None);
    assert_eq!(
        lines(&m.root),
        expected,
        "the clock's line is the new result"
    );
    assert_eq!(log(&m.root), sentences(&expected));
    let fail = said(&tree, "clock", &clock_behind(), None);
    assert!(!log(&m.root).contains(&fail), "{:?}", log(&m.root));
    assert!(back_disabled(&m.root), "Retry is no step of the walk");
    for id in BEFORE_NAME.iter().filter(|id| **id != "clock") {
        assert_eq!(checks.runs(check_of(&tree, id)), 1, "{id} ran once");
    }
}

/// Back to a check the user retried shows its last result: Back runs nothing.
#[wasm_bindgen_test]
async fn back_to_a_retried_check_runs_it_no_more() {
    let tree = tree();
    let checks = stand_in(|check, _| match check {
        Check::ClockSkew { .. } => clock_behind().into(),
        _ => passing(check).into(),
    });
    let clock = check_of(&tree, "clock");
    let m = mount().await;
    until("the clock's problem", || {
        at(&m.root, "clock") && exists(&m.root, ".step .check .result.fail")
    })
    .await;
    click(&m.root, ".step .secondary", 0);
    until("the second run", || checks.runs(clock) == 2).await;
    until("the clock's problem again", || {
        exists(&m.root, ".step .check .result.fail")
    })
    .await;
    click(&m.root, ".step .choice", 0);
    until("the advice after the clock", || at(&m.root, "set_clock")).await;
    click(&m.root, ".flow-nav button", 0);
    until("the clock's problem after Back", || {
        at(&m.root, "clock") && exists(&m.root, ".step .check .result.fail")
    })
    .await;
    // A few turns of the event loop: a run started by Back would have landed.
    for _ in 0..5 {
        tick().await;
    }
    assert_eq!(checks.runs(clock), 2, "Back ran the clock again");
    assert!(at(&m.root, "clock"));
}

#[wasm_bindgen_test]
async fn a_probe_the_resolve_does_not_offer_is_not_asked() {
    let tree = tree();
    // The resolve offers no probe; the probes run as the app runs them.
    let _checks = stand_in(|check, _| match check {
        Check::ServerResolve => CheckReport {
            probe_ports: Vec::new(),
            ..passing(check)
        }
        .into(),
        Check::ServerProbe { .. } => Reply::Real,
        _ => passing(check).into(),
    });
    let m = mount().await;
    until("the server-name form", || asks_name(&m.root)).await;
    submit_name(&m.root, NAME);
    until("the question after the checks", || {
        at(&m.root, "other_device")
    })
    .await;
    let not_offered = verdict::probe_not_offered();
    let mut expected = passed(&tree, &BEFORE_NAME, None);
    expected.extend(passed(&tree, &["resolve"], Some(NAME)));
    expected.push(line(&tree, "probe_pptp", &not_offered, Some(NAME)));
    expected.push(line(&tree, "probe_sstp", &not_offered, Some(NAME)));
    expected.extend(passed(&tree, &["ports", "platform"], Some(NAME)));
    assert_eq!(
        lines(&m.root),
        expected,
        "not offered: could not run, on by itself"
    );
    assert_eq!(log(&m.root), sentences(&expected));
}
