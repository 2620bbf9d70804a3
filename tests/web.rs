//! Browser tests (wasm-bindgen-test in headless Chromium): the home page renders the
//! shipped troubleshooters and a user can walk a step.
#![cfg(target_arch = "wasm32")]

use fixpath_core::NodeKind;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

/// Mounts the app into a fresh element and returns that element.
async fn mount() -> Element {
    let document = web_sys::window().unwrap().document().unwrap();
    let _ = web_sys::window().unwrap().location().set_hash("");
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<fixpath_web::app::App>::with_root(root.clone()).render();
    yew::scheduler::flush().await;
    root
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
    let el = list.item(index).unwrap().dyn_into::<HtmlElement>().unwrap();
    el.click();
}

#[wasm_bindgen_test]
async fn home_lists_every_shipped_troubleshooter() {
    let root = mount().await;
    let titles = texts(&root, ".tree-title");
    let trees = fixpath_web::catalog::trees();
    assert!(trees.len() >= 2, "both shipped trees compile");
    for t in trees.iter() {
        assert!(
            titles.contains(&t.title),
            "{} listed in {titles:?}",
            t.title
        );
    }
    root.remove();
}

#[wasm_bindgen_test]
async fn walking_one_step_of_a_question_tree() {
    let root = mount().await;
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
    click(&root, ".tree-card", index as u32);
    yew::scheduler::flush().await;

    let Some(NodeKind::Question { text, choices, .. }) = tree.node(tree.start).map(|n| &n.kind)
    else {
        unreachable!()
    };
    assert_eq!(texts(&root, ".step h1"), vec![text.clone()]);
    let labels = texts(&root, ".choice");
    assert_eq!(
        labels,
        choices.iter().map(|c| c.label.clone()).collect::<Vec<_>>()
    );

    click(&root, ".choice", 0);
    yew::scheduler::flush().await;
    let next = tree.node(choices[0].next).unwrap();
    let heading = texts(&root, ".step h1");
    let expected = match &next.kind {
        NodeKind::Question { text, .. }
        | NodeKind::Advice { text, .. }
        | NodeKind::Check { text, .. } => text.clone(),
        NodeKind::Outcome { summary, .. } => summary.clone(),
    };
    assert_eq!(heading, vec![expected], "the second step is shown");
    // Back returns to the first question.
    click(&root, ".flow-nav button", 0);
    yew::scheduler::flush().await;
    assert_eq!(texts(&root, ".step h1"), vec![text.clone()]);
    root.remove();
}
