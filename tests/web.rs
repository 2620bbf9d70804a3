//! Browser tests (wasm-bindgen-test in headless Chromium): the home page and its
//! filter, walking steps with Back, following the address, the report a findings
//! link opens (a good link, and clear errors for damaged ones), reading every
//! helper answer as the helper writes it, and `use_answer` dropping stale answers.
//! Every wait is on a condition.
#![cfg(target_arch = "wasm32")]

use fixpath_core::{link, NodeKind, Session};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

/// A mounted app in its own element; destroyed (and the hash reset) on drop, so
/// tests do not see each other's apps.
struct Mounted {
    root: Element,
    app: Option<yew::AppHandle<fixpath_web::app::App>>,
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

/// Mounts the app at `hash` (e.g. `#/r/...`), after clearing this tab's storage.
async fn mount(hash: &str) -> Mounted {
    if let Ok(Some(s)) = window().session_storage() {
        let _ = s.clear();
    }
    let _ = window().location().set_hash(hash);
    let document = window().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    let app = yew::Renderer::<fixpath_web::app::App>::with_root(root.clone()).render();
    yew::scheduler::flush().await;
    Mounted {
        root,
        app: Some(app),
    }
}

/// One turn of the browser's event loop (lets popstate and fetches deliver).
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

fn heading_of(kind: &NodeKind) -> String {
    match kind {
        NodeKind::Question { text, .. }
        | NodeKind::Advice { text, .. }
        | NodeKind::Check { text, .. } => text.clone(),
        NodeKind::Outcome { summary, .. } => summary.clone(),
    }
}

#[wasm_bindgen_test]
async fn home_lists_every_shipped_troubleshooter() {
    let m = mount("#/").await;
    let titles = texts(&m.root, ".tree-title");
    let trees = fixpath_web::catalog::trees();
    assert!(trees.len() >= 2, "both shipped trees compile");
    for t in trees.iter() {
        assert!(
            titles.contains(&t.title),
            "{} listed in {titles:?}",
            t.title
        );
    }
    let symptoms = texts(&m.root, ".tree-symptom");
    assert!(
        symptoms.iter().any(|s| s.contains("Error 800")),
        "{symptoms:?}"
    );
}

#[wasm_bindgen_test]
async fn the_filter_narrows_the_list_and_says_when_nothing_matches() {
    let m = mount("#/").await;
    let input: HtmlInputElement = m
        .root
        .query_selector("#filter")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    let type_into = |value: &str| {
        input.set_value(value);
        let ev = web_sys::Event::new("input").unwrap();
        input.dispatch_event(&ev).unwrap();
    };
    type_into("vpn");
    until("only the VPN tree is listed", || {
        texts(&m.root, ".tree-title") == vec!["VPN error 800".to_string()]
    })
    .await;
    type_into("zzzz-nothing");
    until("the empty message", || {
        texts(&m.root, ".tree-title").is_empty() && !texts(&m.root, ".empty").is_empty()
    })
    .await;
}

#[wasm_bindgen_test]
async fn walking_a_step_and_back() {
    let m = mount("#/").await;
    let trees = fixpath_web::catalog::trees();
    let (index, tree) = trees
        .iter()
        .enumerate()
        .find(|(_, t)| {
            matches!(
                t.node(t.start).map(|n| &n.kind),
                Some(NodeKind::Question { .. })
            )
        })
        .expect("a shipped tree that starts with a question");
    click(&m.root, ".tree-card", index as u32);
    let Some(NodeKind::Question { text, choices, .. }) = tree.node(tree.start).map(|n| &n.kind)
    else {
        unreachable!()
    };
    until("the first question", || {
        texts(&m.root, ".step h1") == vec![text.clone()]
    })
    .await;
    let labels = texts(&m.root, ".choice");
    assert_eq!(
        labels,
        choices.iter().map(|c| c.label.clone()).collect::<Vec<_>>()
    );

    click(&m.root, ".choice", 0);
    let next = tree.node(choices[0].next).unwrap();
    let expected = heading_of(&next.kind);
    until("the second step", || {
        texts(&m.root, ".step h1") == vec![expected.clone()]
    })
    .await;
    // Back returns to the first question (through the browser's history).
    click(&m.root, ".flow-nav button", 0);
    until("the first question again", || {
        texts(&m.root, ".step h1") == vec![text.clone()]
    })
    .await;
}

#[wasm_bindgen_test]
async fn a_findings_link_opens_as_a_report() {
    let trees = fixpath_web::catalog::trees();
    let tree = trees
        .iter()
        .find(|t| t.id == "device-manager-code-28")
        .expect("the Code 28 tree");
    // Walk to an outcome: first choice everywhere, advice never helps.
    let mut s = Session::start(tree, 1_795_000_000_000);
    let mut now = 1_795_000_000_000;
    while !s.is_finished(tree) {
        now += 5_000;
        match tree.node(s.current(tree)).map(|n| &n.kind) {
            Some(NodeKind::Question { .. }) => s.answer(tree, 0, now).unwrap(),
            Some(NodeKind::Advice { .. }) => s.advise(tree, false, now).unwrap(),
            other => panic!("unexpected step {other:?}"),
        }
    }
    s.notes = "Lenovo dock, Windows 11".into();
    let payload = link::encode(&s);
    let m = mount(&format!("#/r/{payload}")).await;
    until("the report", || {
        !texts(&m.root, ".report .findings").is_empty()
    })
    .await;
    let body = m.root.text_content().unwrap_or_default();
    assert!(body.contains("Device Manager: Code 28"), "{body}");
    assert!(body.contains("faulty"), "the outcome summary: {body}");
    assert!(
        body.contains("Lenovo dock, Windows 11"),
        "the notes: {body}"
    );
    // No seal in the link: the badge says so once it has looked.
    until("the not-sealed badge", || {
        texts(&m.root, ".badge.unsealed")
            .iter()
            .any(|t| t.contains("Not sealed"))
    })
    .await;
}

#[wasm_bindgen_test]
async fn a_damaged_link_is_a_clear_message_not_a_blank_page() {
    for (hash, says) in [
        ("#/r/!!!!", "damaged"),
        ("#/r/AQ", "cut short"),
        ("#/r/Aw", "newer Fixpath"),
    ] {
        let m = mount(hash).await;
        until("the error", || !texts(&m.root, ".report .error").is_empty()).await;
        let error = texts(&m.root, ".report .error").join(" ");
        assert!(error.contains("cannot be read"), "{hash}: {error}");
        assert!(error.contains(says), "{hash}: {error}");
    }
}

#[wasm_bindgen_test]
fn the_embedded_trees_are_the_shipped_toml_compiled() {
    assert_eq!(
        fixpath_web::catalog::plain_trees(),
        fixpath_core::shipped::trees(),
        "build.rs embeds exactly what the TOML compiles to"
    );
}

#[wasm_bindgen_test]
async fn the_page_follows_its_address() {
    let m = mount("#/").await;
    until("the list", || !texts(&m.root, ".tree-title").is_empty()).await;
    let _ = window().location().set_hash("/t/no-such-tree");
    until("the unknown troubleshooter page", || {
        texts(&m.root, ".not-found h1") == vec!["We do not have that troubleshooter".to_string()]
    })
    .await;
    let _ = window().location().set_hash("/elsewhere");
    until("the not-found page", || {
        texts(&m.root, "h1") == vec!["This page does not exist".to_string()]
    })
    .await;
    // The brand link is a plain link home.
    click(&m.root, "header .brand", 0);
    until("the list again", || {
        !texts(&m.root, ".tree-title").is_empty()
    })
    .await;
}

mod answer {
    use std::cell::RefCell;

    use fixpath_web::services::answer::use_answer;
    use wasm_bindgen_futures::JsFuture;
    use wasm_bindgen_test::*;
    use yew::prelude::*;

    use super::{tick, until, window};

    thread_local! {
        /// The work the component below started, by input: each resolves when the
        /// test calls its function, so the test decides the order answers arrive in.
        static STARTED: RefCell<Vec<(u32, js_sys::Function)>> = const { RefCell::new(Vec::new()) };
    }

    fn started() -> Vec<u32> {
        STARTED.with(|s| s.borrow().iter().map(|(n, _)| *n).collect())
    }

    /// Lets the work started for `input` answer.
    fn answer(input: u32) {
        let resolve = STARTED.with(|s| {
            s.borrow()
                .iter()
                .find(|(n, _)| *n == input)
                .map(|(_, f)| f.clone())
        });
        resolve
            .unwrap_or_else(|| panic!("no work started for {input}"))
            .call0(&wasm_bindgen::JsValue::NULL)
            .unwrap();
    }

    #[derive(Properties, PartialEq)]
    struct AskProps {
        input: u32,
    }

    /// Shows the answer for its input, "waiting" while there is none.
    #[component]
    fn Ask(props: &AskProps) -> Html {
        let answer = use_answer(props.input, |n: &u32| {
            let n = *n;
            let mut resolve = None;
            let promise = js_sys::Promise::new(&mut |r, _| resolve = Some(r));
            if let Some(r) = resolve {
                STARTED.with(|s| s.borrow_mut().push((n, r)));
            }
            async move {
                let _ = JsFuture::from(promise).await;
                format!("answer {n}")
            }
        });
        html! { <p>{ answer.as_deref().cloned().unwrap_or_else(|| "waiting".to_string()) }</p> }
    }

    #[wasm_bindgen_test]
    async fn an_answer_for_an_input_since_changed_is_dropped() {
        STARTED.with(|s| s.borrow_mut().clear());
        let document = window().document().unwrap();
        let root = document.create_element("div").unwrap();
        document.body().unwrap().append_child(&root).unwrap();
        let shown = || root.text_content().unwrap_or_default();
        let mut app =
            yew::Renderer::<Ask>::with_root_and_props(root.clone(), AskProps { input: 1 }).render();
        until("the work for 1 starts", || started() == [1]).await;
        assert_eq!(shown(), "waiting");

        // The input changes before the first answer: the second answer arrives
        // first, then the first, which must not replace it.
        app.update(AskProps { input: 2 });
        until("the work for 2 starts", || started() == [1, 2]).await;
        answer(2);
        until("the answer for 2", || shown() == "answer 2").await;
        answer(1);
        for _ in 0..10 {
            tick().await;
        }
        assert_eq!(shown(), "answer 2", "the late answer for 1 is dropped");

        // In the very render where the input changes, the last answer is gone; an
        // answer for an input since changed never shows, even while nothing newer has.
        app.update(AskProps { input: 3 });
        yew::scheduler::flush().await;
        assert_eq!(shown(), "waiting", "no answer for 2 stands in for 3");
        until("the work for 3 starts", || started() == [1, 2, 3]).await;
        app.update(AskProps { input: 4 });
        until("the work for 4 starts", || started() == [1, 2, 3, 4]).await;
        answer(3);
        for _ in 0..10 {
            tick().await;
        }
        assert_eq!(shown(), "waiting", "the answer for 3 came too late");
        answer(4);
        until("the answer for 4", || shown() == "answer 4").await;

        app.destroy();
        root.remove();
    }
}

mod wire {
    use std::net::IpAddr;

    use fixpath_core::api::*;
    use fixpath_web::services::wire::{parse, seal_request, FromJson};
    use serde::Serialize;
    use wasm_bindgen_test::*;

    /// Written by serde_json, exactly as the helper writes it, then read back.
    fn round_trip<T: Serialize + FromJson + PartialEq + std::fmt::Debug>(value: T) {
        let json = serde_json::to_string(&value).unwrap();
        assert_eq!(parse::<T>(&json).as_ref(), Some(&value), "{json}");
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[wasm_bindgen_test]
    fn reads_every_helper_answer_as_the_helper_writes_it() {
        round_trip(Ping {
            time_ms: 1_795_519_545_123,
        });
        round_trip(WhoAmI {
            address: ip("2001:db8::7"),
            family: Family::Ipv6,
            in_office: false,
        });
        round_trip(WhoAmI {
            address: ip("192.0.2.10"),
            family: Family::Ipv4,
            in_office: true,
        });
        for matches_expected in [None, Some(true), Some(false)] {
            round_trip(Resolved {
                name: "vpn.example.com".into(),
                known: true,
                addresses: vec![ip("192.0.2.1"), ip("2001:db8::1")],
                matches_expected,
                did_you_mean: vec!["vpn2.example.com".into()],
                current_address: matches_expected,
                probe_target: matches_expected.map(|_| "192.0.2.1".into()),
                probe_ports: vec![1723, 443],
            });
        }
        for (status, connect_ms) in [
            (ProbeStatus::Open, Some(12)),
            (ProbeStatus::Refused, Some(0)),
            (ProbeStatus::Timeout, None),
        ] {
            round_trip(Probe {
                server: "vpn.example.com".into(),
                port: 1723,
                status,
                connect_ms,
                cached: true,
            });
        }
        round_trip(Status { announcement: None });
        for severity in [Severity::Info, Severity::Warning, Severity::Outage] {
            round_trip(Status {
                announcement: Some(Announcement {
                    message: "VPN maintenance \"tonight\" — 22:00".into(),
                    severity,
                    since_ms: 1_795_000_000_000,
                }),
            });
        }
        for client in [Some(ip("198.51.100.4")), None] {
            round_trip(Seal {
                key_id: "k1".into(),
                time_ms: 1_795_519_545_000,
                client,
                signature: "c2ln".into(),
            });
        }
        round_trip(Keys {
            keys: vec![PublicKey {
                key_id: "k1".into(),
                public_key: "AAAA".into(),
            }],
        });
        round_trip(PublicConfig {
            canary_urls: vec!["https://example.com/".into()],
            alt_ports: vec![443, 8443],
        });
        round_trip(ApiError {
            error: ErrorBody {
                code: "rate_limited".into(),
                message: "Too many requests.".into(),
            },
        });
    }

    #[wasm_bindgen_test]
    fn refuses_what_the_helper_never_sends() {
        for bad in [
            "",
            "not json",
            "null",
            "[]",
            "{}",
            r#"{"time_ms":-1}"#,
            r#"{"time_ms":1.5}"#,
            r#"{"time_ms":"1"}"#,
            r#"{"time_ms":1e300}"#,
        ] {
            assert_eq!(parse::<Ping>(bad), None, "{bad}");
        }
        for bad in [
            r#"{"address":"300.1.1.1","family":"ipv4","in_office":false}"#,
            r#"{"address":"192.0.2.1","family":"ipx","in_office":false}"#,
            r#"{"address":"192.0.2.1","family":"ipv4"}"#,
        ] {
            assert_eq!(parse::<WhoAmI>(bad), None, "{bad}");
        }
        for bad in [
            r#"{"server":"a","port":70000,"status":"open","connect_ms":1,"cached":false}"#,
            r#"{"server":"a","port":1723,"status":"closed","connect_ms":1,"cached":false}"#,
            r#"{"server":"a","port":1723,"status":"open","connect_ms":"1","cached":false}"#,
        ] {
            assert_eq!(parse::<Probe>(bad), None, "{bad}");
        }
        assert_eq!(
            parse::<PublicConfig>(r#"{"canary_urls":["a",1],"alt_ports":[]}"#),
            None
        );
        assert_eq!(parse::<ApiError>(r#"{"error":"boom"}"#), None);
        // An absent optional member reads as serde reads it: none.
        assert_eq!(
            parse::<Probe>(r#"{"server":"a","port":1,"status":"timeout","cached":false}"#)
                .map(|p| p.connect_ms),
            Some(None)
        );
    }

    #[wasm_bindgen_test]
    fn writes_the_seal_request_the_helper_reads() {
        for include_client in [true, false] {
            let req = SealRequest {
                digest: "ab".repeat(32),
                include_client,
            };
            let json = seal_request(&req).unwrap();
            assert_eq!(serde_json::from_str::<SealRequest>(&json).unwrap(), req);
        }
    }
}
