//! Browser tests (wasm-bindgen-test in headless Chromium): the home page and its
//! filter, walking steps with Back, and the report a findings link opens (a good
//! link, and clear errors for damaged ones). Every wait is on a condition.
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
