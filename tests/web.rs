//! Browser tests (wasm-bindgen-test in headless Chromium): the home page and its
//! filter, walking steps with Back, following the address, the team's brand in
//! the header (the shell's markup exactly) and the tab's title, the contact line,
//! the ticket hand-off and the ticket number at an outcome, the report a findings
//! link opens (a good link, an old version's link, clear errors for damaged
//! ones), a tree that will not load (an error with Retry), reading every helper
//! answer, tree and site document as the helper writes them, the shell's error
//! when the site cannot be had, and `use_answer` dropping stale answers.
//!
//! The app is mounted on a site of the shipped trees with a store seeded with
//! them, so no test asks a server for content. Every wait is on a condition.
#![cfg(target_arch = "wasm32")]

use fixpath_core::content::{self, Brand, Listing, Site, Ticket, TicketNumber};
use fixpath_core::findings::Findings;
use fixpath_core::{link, NodeKind, Session, Tree};
use fixpath_web::app::{App, AppProps};
use fixpath_web::services::content::{Content, TreeStore};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

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

/// The shipped trees, compiled from their TOML (the app itself carries none).
fn shipped() -> Vec<Tree> {
    fixpath_core::shipped::trees()
}

fn tree(id: &str) -> Tree {
    shipped()
        .into_iter()
        .find(|t| t.id == id)
        .unwrap_or_else(|| panic!("the shipped tree {id}"))
}

/// A team's brand with everything set: a logo, a contact line and the ticket
/// hand-off with a ticket number.
fn acme() -> Brand {
    Brand {
        name: "Acme IT & <Friends>".into(),
        title: "Acme help — guided checks".into(),
        accent: Some("#0b5cad".into()),
        logo: Some("/content/logo.0123456789abcdef.svg".into()),
        contact: Some("Call the service desk on 0123 456 789.".into()),
        ticket: Some(Ticket {
            url: Some("https://tickets.example/new?summary={summary}&link={link}".into()),
            email: Some("help@acme.example".into()),
            number: Some(TicketNumber {
                label: "Incident number".into(),
                pattern: Some("INC[0-9]{7}".into()),
                example: Some("INC0012345".into()),
            }),
        }),
        words: Vec::new(),
    }
}

/// The site the helper would serve for these trees and this brand.
fn site_of(brand: Brand, trees: &[Tree]) -> Site {
    Site {
        brand,
        trees: trees.iter().map(Listing::of).collect(),
        languages: Vec::new(),
    }
}

/// Mounts the app at `hash` (e.g. `#/r/...`) on the shipped trees with
/// Fixpath's own brand, after clearing this tab's storage.
async fn mount(hash: &str) -> Mounted {
    let trees = shipped();
    mount_with(
        hash,
        site_of(Brand::default(), &trees),
        TreeStore::seeded(trees),
    )
    .await
}

/// Mounts the app at `hash` on this site and store, after clearing this tab's storage.
async fn mount_with(hash: &str, site: Site, store: TreeStore) -> Mounted {
    if let Ok(Some(s)) = window().session_storage() {
        let _ = s.clear();
    }
    mount_keeping_storage(hash, site, store).await
}

/// The page's words: the shipped English catalog, set for the page as the root
/// sets it before anything renders, and given to the app (the tests compare
/// English text).
fn english() -> std::rc::Rc<fixpath_web::i18n::Words> {
    let words = std::rc::Rc::new(fixpath_web::i18n::Words::new(
        fixpath_core::i18n::Catalog::shipped().remove(0),
    ));
    fixpath_web::i18n::set(std::rc::Rc::clone(&words));
    words
}

/// Runs `f` with the words the tests mount the app with (`english`), to say
/// what the page should say.
fn en<R>(f: impl FnOnce(fixpath_core::i18n::Tr) -> R) -> R {
    english();
    fixpath_web::i18n::with(f)
}

/// Mounts without clearing storage (a walk saved there is picked up).
async fn mount_keeping_storage(hash: &str, site: Site, store: TreeStore) -> Mounted {
    let words = english();
    let _ = window().location().set_hash(hash);
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

fn element(root: &Element, selector: &str) -> Element {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector}"))
}

fn attr(root: &Element, selector: &str, name: &str) -> String {
    element(root, selector)
        .get_attribute(name)
        .unwrap_or_else(|| panic!("{selector} has no {name}"))
}

/// Types `value` into the input as a user would (the `input` event the app reads).
fn type_into(input: &HtmlInputElement, value: &str) {
    input.set_value(value);
    let ev = web_sys::Event::new("input").unwrap();
    input.dispatch_event(&ev).unwrap();
}

/// `html` parsed by the browser: its first element.
fn parsed(html: &str) -> Element {
    let div = window().document().unwrap().create_element("div").unwrap();
    div.set_inner_html(html);
    div.first_element_child().expect("an element")
}

/// Whether `el` is the markup `html`: the same elements, attributes (in any
/// order: Yew writes `class` last) and text, as the DOM compares nodes.
fn is_markup(el: &Element, html: &str) -> bool {
    el.is_equal_node(Some(&parsed(html)))
}

fn heading_of(kind: &NodeKind) -> String {
    match kind {
        NodeKind::Question { text, .. }
        | NodeKind::Advice { text, .. }
        | NodeKind::Check { text, .. } => text.clone(),
        NodeKind::Outcome { summary, .. } => summary.clone(),
    }
}

/// A walk of `tree` to an outcome: first choice everywhere, advice never helps
/// (the Code 28 tree has no checks, so no helper is needed).
fn walk_to_outcome(tree: &Tree) -> Session {
    let mut now = 1_795_000_000_000;
    let mut s = Session::start(tree, now);
    while !s.is_finished(tree) {
        now += 5_000;
        match tree.node(s.current(tree)).map(|n| &n.kind) {
            Some(NodeKind::Question { .. }) => s.answer(tree, 0, now).unwrap(),
            Some(NodeKind::Advice { .. }) => s.advise(tree, false, now).unwrap(),
            other => panic!("unexpected step {other:?}"),
        }
    }
    s
}

/// The app at the outcome of the Code 28 tree, walked to by a saved walk (as a
/// reload in the middle of a walk finds it), with `brand`.
async fn mount_at_outcome(brand: Brand) -> (Mounted, Tree) {
    let trees = shipped();
    let tree = tree("device-manager-code-28");
    let s = walk_to_outcome(&tree);
    let steps = s.steps_taken();
    let storage = window().session_storage().unwrap().unwrap();
    storage.clear().unwrap();
    storage
        .set_item(&format!("fixpath.walk.{}", tree.id), &link::encode(&s))
        .unwrap();
    let m = mount_keeping_storage(
        &format!("#/t/{}/{steps}", tree.id),
        site_of(brand, &trees),
        TreeStore::seeded(trees),
    )
    .await;
    until("the outcome", || {
        !texts(&m.root, ".outcome .findings").is_empty()
    })
    .await;
    // Wait for the sealing attempt to end (no helper here: the link stays unsealed),
    // so the link on the page no longer changes.
    until("the seal attempt", || {
        !texts(&m.root, ".seal-state")
            .concat()
            .contains("Sealing the link")
    })
    .await;
    (m, tree)
}

/// The findings link the page shows.
fn shown_link(root: &Element) -> String {
    element(root, ".findings-link")
        .dyn_into::<HtmlInputElement>()
        .unwrap()
        .value()
}

#[wasm_bindgen_test]
async fn home_lists_every_shipped_troubleshooter() {
    let m = mount("#/").await;
    let titles = texts(&m.root, ".tree-title");
    let trees = shipped();
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
    type_into(&input, "vpn");
    until("only the VPN tree is listed", || {
        texts(&m.root, ".tree-title") == vec!["VPN error 800".to_string()]
    })
    .await;
    type_into(&input, "zzzz-nothing");
    until("the empty message", || {
        texts(&m.root, ".tree-title").is_empty() && !texts(&m.root, ".empty").is_empty()
    })
    .await;
}

#[wasm_bindgen_test]
async fn walking_a_step_and_back() {
    let m = mount("#/").await;
    let trees = shipped();
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
    until("the list", || !texts(&m.root, ".tree-card").is_empty()).await;
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
    let tree = tree("device-manager-code-28");
    let mut s = walk_to_outcome(&tree);
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
    // The version the link was made with, always said, near the top.
    let note = texts(&m.root, ".report .version-note").join(" ");
    assert_eq!(
        note,
        en(|tr| link::decode(&payload, std::slice::from_ref(&tree))
            .unwrap()
            .version_note(tr, Some((tree.version, tree.fingerprint))))
    );
    assert!(note.contains("has not changed since"), "{note}");
    // No seal in the link: the badge says so once it has looked.
    until("the not-sealed badge", || {
        texts(&m.root, ".badge.unsealed")
            .iter()
            .any(|t| t.contains("Not sealed"))
    })
    .await;
}

/// Version `version` of `tree`, reworded: what the helper keeps in its archive
/// after the team changed the tree.
fn older(tree: &Tree, version: u32) -> Tree {
    let mut old = tree.clone();
    old.version = version;
    old.title = format!("{} (as it was)", tree.title);
    old.fingerprint = old.compute_fingerprint();
    old
}

#[wasm_bindgen_test]
async fn a_link_from_an_older_version_reads_against_that_version() {
    let current = tree("device-manager-code-28");
    let old = older(&current, current.version + 7);
    assert_ne!(old.fingerprint, current.fingerprint);
    let payload = link::encode(&walk_to_outcome(&old));
    let trees = shipped();
    // The site offers the current version; the store has the old one too.
    let mut store_trees = trees.clone();
    store_trees.push(old.clone());
    let m = mount_with(
        &format!("#/r/{payload}"),
        site_of(Brand::default(), &trees),
        TreeStore::seeded(store_trees),
    )
    .await;
    until("the report", || {
        !texts(&m.root, ".report .findings").is_empty()
    })
    .await;
    assert_eq!(
        texts(&m.root, ".report-tree"),
        vec![format!("{} (version {})", old.title, old.version)],
        "the report reads the link's own version"
    );
    let note = texts(&m.root, ".version-note").join(" ");
    let expected = en(|tr| {
        link::decode(&payload, std::slice::from_ref(&old))
            .unwrap()
            .version_note(tr, Some((current.version, current.fingerprint)))
    });
    assert_eq!(note, expected);
    assert!(note.contains("it has changed since (now version"), "{note}");

    // A tree no longer offered: the note says so.
    drop(m);
    let others: Vec<Tree> = trees
        .iter()
        .filter(|t| t.id != current.id)
        .cloned()
        .collect();
    let m = mount_with(
        &format!("#/r/{payload}"),
        site_of(Brand::default(), &others),
        TreeStore::seeded([old]),
    )
    .await;
    until("the report", || {
        !texts(&m.root, ".report .findings").is_empty()
    })
    .await;
    let note = texts(&m.root, ".version-note").join(" ");
    assert!(note.contains("it is no longer offered"), "{note}");
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
    // The brand is a plain link home.
    click(&m.root, "header a.home", 0);
    until("the list again", || {
        !texts(&m.root, ".tree-title").is_empty()
    })
    .await;
}

#[wasm_bindgen_test]
async fn the_header_is_the_shells_brand_and_the_tab_the_brands_title() {
    for brand in [Brand::default(), acme()] {
        let trees = shipped();
        let m = mount_with(
            "#/",
            site_of(brand.clone(), &trees),
            TreeStore::seeded(trees),
        )
        .await;
        until("the list", || !texts(&m.root, ".tree-title").is_empty()).await;
        // The brand: exactly the markup the helper paints in the shell.
        let shell_brand = content::shell_brand(&brand);
        let mark = element(&m.root, "header.site a.home > span.brand");
        assert!(
            is_markup(&mark, &shell_brand),
            "{} is not {shell_brand}",
            mark.outer_html()
        );
        assert_eq!(
            element(&m.root, "header.site a.home").child_element_count(),
            1,
            "the brand alone in the link home"
        );
        // And the whole header: the shell's, from index.html, with the brand in it.
        let page = include_str!("../index.html");
        let header = &page[page.find("<header").unwrap()..page.find("</header>").unwrap() + 9];
        let (start, end) = (
            header.find("<fixpath-brand>").unwrap(),
            header.find("</fixpath-brand>").unwrap() + "</fixpath-brand>".len(),
        );
        let mut shell = format!(
            "{}{}{}",
            &header[..start],
            content::shell_brand(&brand),
            &header[end..]
        );
        // The helper writes each marked phrase as its message (English here).
        while let Some(open) = shell.find("<fixpath-t key=\"") {
            let close = open + shell[open..].find("\">").unwrap() + 2;
            shell.replace_range(open..close, "");
        }
        let shell = shell.replace("</fixpath-t>", "");
        let header = element(&m.root, "header.site");
        assert!(
            is_markup(&header, &shell),
            "{} is not the shell's {shell}",
            header.outer_html()
        );
        assert_eq!(window().document().unwrap().title(), brand.title);
        // Still the title on another page.
        let _ = window().location().set_hash("/elsewhere");
        until("the not-found page", || {
            !texts(&m.root, ".not-found").is_empty()
        })
        .await;
        assert_eq!(window().document().unwrap().title(), brand.title);
    }
}

#[wasm_bindgen_test]
async fn an_outcome_shows_the_contact_line_and_hands_off_the_link_it_shows() {
    let brand = acme();
    let (m, tree) = mount_at_outcome(brand.clone()).await;
    assert_eq!(
        texts(&m.root, ".outcome .contact"),
        vec![brand.contact.clone().unwrap()]
    );
    let link_shown = shown_link(&m.root);
    assert!(link_shown.contains("#/r/"), "{link_shown}");
    let session = link::decode_session(&link_shown).unwrap();
    let summary = en(|tr| Findings::new(tr, &tree, &session).summary(tr));
    let ticket = brand.ticket.clone().unwrap();

    let open = element(&m.root, ".handoff a.open-ticket");
    assert_eq!(open.text_content().unwrap_or_default(), "Open a ticket");
    assert_eq!(open.get_attribute("target").as_deref(), Some("_blank"));
    assert_eq!(
        open.get_attribute("rel").as_deref(),
        Some("noopener noreferrer")
    );
    let href = open.get_attribute("href").unwrap();
    assert_eq!(
        href,
        content::ticket_url(ticket.url.as_deref().unwrap(), &link_shown, &summary)
    );
    assert!(
        href.contains(&format!("link={}", content::url_encode(&link_shown))),
        "the link rides URL-encoded: {href}"
    );
    assert_eq!(
        attr(&m.root, ".handoff a.email-support", "href"),
        content::mailto(ticket.email.as_deref().unwrap(), &summary, &link_shown)
    );

    // Fixpath's own brand has neither contact line nor hand-off.
    drop(m);
    let (m, _) = mount_at_outcome(Brand::default()).await;
    assert!(texts(&m.root, ".contact").is_empty());
    assert!(texts(&m.root, ".handoff").is_empty());
    assert!(texts(&m.root, ".ticket-number").is_empty());
}

#[wasm_bindgen_test]
async fn a_valid_ticket_number_rides_in_the_link_and_an_invalid_one_does_not() {
    let brand = acme();
    let number = brand.ticket.clone().unwrap().number.unwrap();
    let (m, _) = mount_at_outcome(brand).await;
    assert_eq!(
        texts(&m.root, ".ticket-number label"),
        vec![number.label.clone()]
    );
    let input: HtmlInputElement = element(&m.root, "#ticket-number").dyn_into().unwrap();
    assert_eq!(input.get_attribute("pattern"), number.pattern);
    assert_eq!(input.get_attribute("placeholder"), number.example);
    assert_eq!(
        input.get_attribute("maxlength"),
        Some(content::MAX_TICKET_CHARS.to_string())
    );
    let ticket_of = |root: &Element| link::decode_session(&shown_link(root)).unwrap().ticket;
    assert_eq!(ticket_of(&m.root), None);

    type_into(&input, "INC0012345");
    until("the number in the link", || {
        ticket_of(&m.root).as_deref() == Some("INC0012345")
    })
    .await;
    // The report above is exactly what the link contains: the number too, under
    // the team's name for it.
    assert_eq!(
        texts(&m.root, ".outcome .findings .ticket"),
        vec![format!("{}: INC0012345", number.label)]
    );
    assert!(texts(&m.root, ".ticket-error").is_empty());

    type_into(&input, "12345");
    until("the number out of the link", || {
        ticket_of(&m.root).is_none()
    })
    .await;
    let why = texts(&m.root, ".ticket-error").join(" ");
    assert!(why.contains("“12345” is not in the form expected"), "{why}");
    assert!(why.contains("the link leaves it out"), "{why}");
    assert!(why.contains("INC0012345"), "the example: {why}");
    assert!(texts(&m.root, ".outcome .findings .ticket").is_empty());
    assert_eq!(input.value(), "12345", "what was typed stays in the field");
}

#[wasm_bindgen_test]
async fn the_report_shows_the_ticket_number_with_the_teams_label() {
    let tree = tree("device-manager-code-28");
    let mut s = walk_to_outcome(&tree);
    s.ticket = Some("INC7654321".into());
    let payload = link::encode(&s);
    let trees = shipped();
    for (brand, label) in [
        (acme(), "Incident number".to_string()),
        (Brand::default(), en(fixpath_core::findings::ticket_label)),
    ] {
        let m = mount_with(
            &format!("#/r/{payload}"),
            site_of(brand, &trees),
            TreeStore::seeded(trees.clone()),
        )
        .await;
        until("the report", || {
            !texts(&m.root, ".report .findings").is_empty()
        })
        .await;
        assert_eq!(
            texts(&m.root, ".report .findings .ticket"),
            vec![format!("{label}: INC7654321")]
        );
    }
}

#[wasm_bindgen_test]
async fn a_tree_that_does_not_load_says_so_with_retry() {
    let trees = shipped();
    let tree = tree("vpn-error-800");
    // Nothing listens on the discard port: every fetch fails (no helper here).
    let store = TreeStore::with_base("http://127.0.0.1:9");
    let m = mount_with(
        &format!("#/t/{}", tree.id),
        site_of(Brand::default(), &trees),
        store.clone(),
    )
    .await;
    until("the load error", || {
        !texts(&m.root, ".load-error").is_empty()
    })
    .await;
    let error = texts(&m.root, ".load-error").join(" ");
    assert!(error.contains("did not load"), "{error}");
    assert!(error.contains("could not reach it"), "{error}");
    // Once the tree can be had, Retry opens the walk.
    store.insert(tree.clone());
    click(&m.root, ".load-error button.retry", 0);
    let Some(first) = tree.node(tree.start).map(|n| heading_of(&n.kind)) else {
        unreachable!()
    };
    until("the first step", || {
        texts(&m.root, ".step h1") == vec![first.clone()]
    })
    .await;

    // A report whose version cannot be fetched: the same, with Retry.
    drop(m);
    let payload = link::encode(&Session::start(&tree, 1_795_000_000_000));
    let m = mount_with(
        &format!("#/r/{payload}"),
        site_of(Brand::default(), &trees),
        TreeStore::with_base("http://127.0.0.1:9"),
    )
    .await;
    until("the load error", || {
        !texts(&m.root, ".report .load-error").is_empty()
    })
    .await;
    assert_eq!(
        texts(&m.root, ".report .load-error button.retry"),
        vec!["Retry"]
    );
}

#[wasm_bindgen_test]
async fn a_link_to_a_tree_id_that_cannot_be_is_not_fetched() {
    // An id outside the content rule makes no address: nothing is asked, and
    // the report says the troubleshooter is not known.
    let mut s = Session::start(&tree("vpn-error-800"), 1_795_000_000_000);
    s.tree_id = "../api/v1/seal".into();
    let m = mount_with(
        &format!("#/r/{}", link::encode(&s)),
        site_of(Brand::default(), &shipped()),
        TreeStore::with_base("http://127.0.0.1:9"),
    )
    .await;
    until("the error", || !texts(&m.root, ".report .error").is_empty()).await;
    let error = texts(&m.root, ".report .error").join(" ");
    assert!(error.contains("does not have"), "{error}");
}

#[wasm_bindgen_test]
async fn the_shell_says_when_the_site_cannot_be_had_and_retries() {
    use std::cell::Cell;
    use std::rc::Rc;
    let document = window().document().unwrap();
    let shell = document.create_element("div").unwrap();
    shell.set_id("shell");
    // As the helper writes the shell: its sentence and link there, hidden, in the
    // reader's language.
    shell.set_inner_html(
        "<main><section class=\"home\"><h1>What is going wrong?</h1><ul class=\"trees\"><li>a</li></ul>\
         <p class=\"error shell-error\" role=\"alert\" hidden>We could not load &lt;it&gt;. <a href=\"\">Try again</a></p></section></main>",
    );
    document.body().unwrap().append_child(&shell).unwrap();
    let tries = Rc::new(Cell::new(0));
    let counted = Rc::clone(&tries);
    fixpath_web::services::content::shell_failed(move || counted.set(counted.get() + 1));
    assert!(
        element(&shell, "ul.trees").has_attribute("hidden"),
        "the list gives way"
    );
    assert!(
        !element(&shell, ".shell-error").has_attribute("hidden"),
        "the sentence shows"
    );
    let error = texts(&shell, ".shell-error").join(" ");
    assert_eq!(error, "We could not load <it>. Try again");
    assert_eq!(texts(&shell, "h1"), vec!["What is going wrong?"]);
    // A click retries in place: the link is not followed (that would reload the page).
    let click = || {
        let init = web_sys::MouseEventInit::new();
        init.set_cancelable(true);
        init.set_bubbles(true);
        let ev = web_sys::MouseEvent::new_with_mouse_event_init_dict("click", &init).unwrap();
        element(&shell, ".shell-error a")
            .dispatch_event(&ev)
            .unwrap()
    };
    assert!(!click(), "the click's default is prevented");
    assert_eq!(tries.get(), 1);
    shell.remove();
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
    use fixpath_core::content::{Brand, Listing, Site};
    use fixpath_core::Tree;
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

    /// A tree as the helper serves it: line numbers stay with the author.
    fn served(mut tree: Tree) -> Tree {
        for n in &mut tree.nodes {
            n.line = 0;
        }
        tree
    }

    #[wasm_bindgen_test]
    fn reads_every_tree_and_the_site_as_the_helper_writes_them() {
        let trees = fixpath_core::shipped::trees();
        assert!(trees.len() >= 2);
        for tree in trees.iter().cloned().map(served) {
            let json = serde_json::to_string(&tree).unwrap();
            assert_eq!(parse::<Tree>(&json).as_ref(), Some(&tree), "{}", tree.id);
        }
        for brand in [Brand::default(), super::acme()] {
            round_trip(Site {
                brand,
                trees: trees.iter().map(Listing::of).collect(),
                languages: vec![fixpath_core::content::Language {
                    tag: "fr".into(),
                    name: "Français".into(),
                    rtl: false,
                    catalog: "/content/ui.fr.0123456789abcdef.json".into(),
                }],
            });
        }
        // A fingerprint is 16 hex digits, and a tree version names its nodes' kinds.
        let tree = served(trees[0].clone());
        let json = serde_json::to_string(&tree).unwrap();
        let fp = format!("\"{:016x}\"", tree.fingerprint);
        assert!(json.contains(&fp), "{json}");
        for bad in [
            json.replace(&fp, "\"0123\""),
            json.replace(&fp, &tree.fingerprint.to_string()),
            json.replacen("\"question\"", "\"quiz\"", 1),
            json.replacen("\"nodes\"", "\"knots\"", 1),
        ] {
            assert_eq!(parse::<Tree>(&bad), None, "{bad}");
        }
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

// ---------------------------------------------------------------------------
// Help-desk codes: the support view, the outcome page and the report
// ---------------------------------------------------------------------------

/// A vpn-error-800 walk with checks (every check `outcome`, first choice,
/// advice never helps) and its help-desk code.
fn vpn_code(outcome: fixpath_core::CheckOutcome) -> (Tree, String) {
    let tree = tree("vpn-error-800");
    let mut s = Session::start(&tree, 1_795_000_000_000);
    while !s.is_finished(&tree) {
        match tree.node(s.current(&tree)).map(|n| &n.kind) {
            Some(NodeKind::Question { .. }) => s.answer(&tree, 0, 1).unwrap(),
            Some(NodeKind::Check { .. }) => s
                .record_check(&tree, fixpath_core::CheckResult::new(outcome, None), 1)
                .unwrap(),
            _ => s.advise(&tree, false, 1).unwrap(),
        }
    }
    let code = fixpath_core::code::encode(&tree, &s).expect("a code");
    (tree, code)
}

#[wasm_bindgen_test]
async fn a_help_desk_code_shows_its_summary() {
    let (tree, code) = vpn_code(fixpath_core::CheckOutcome::Warn);
    let lines = en(|tr| {
        fixpath_core::code::decode(&code, std::slice::from_ref(&tree))
            .unwrap()
            .lines(tr, &tree)
    });
    let m = mount(&format!("#/c/{code}")).await;
    until("the summary", || {
        !texts(&m.root, ".code-summary").is_empty()
    })
    .await;
    assert_eq!(texts(&m.root, ".code-summary li"), lines);
    assert!(
        lines[2..].iter().any(|l| l.ends_with(": Warning")),
        "{lines:?}"
    );
    assert!(texts(&m.root, "[role=alert]").is_empty());
    // The box holds the code shown.
    let input: HtmlInputElement = element(&m.root, "#help-code").dyn_into().unwrap();
    assert_eq!(input.value(), code);
}

#[wasm_bindgen_test]
async fn a_code_with_one_character_changed_says_it_has_a_typo() {
    let (_, code) = vpn_code(fixpath_core::CheckOutcome::Pass);
    let mut chars: Vec<char> = code.chars().collect();
    chars[1] = if chars[1] == 'K' { 'M' } else { 'K' };
    let typo: String = chars.into_iter().collect();
    let m = mount(&format!("#/c/{typo}")).await;
    until("the alert", || !texts(&m.root, ".code-error").is_empty()).await;
    assert_eq!(attr(&m.root, ".code-error", "role"), "alert");
    let said = texts(&m.root, ".code-error").concat();
    assert!(said.contains("that code has a typo"), "{said}");
    assert!(texts(&m.root, ".code-summary").is_empty());
}

#[wasm_bindgen_test]
async fn a_code_of_another_version_says_so() {
    let current = tree("device-manager-code-28");
    let old = older(&current, current.version + 3);
    let code = fixpath_core::code::encode(&old, &walk_to_outcome(&old)).unwrap();
    // Unless the 7 version bits happen to agree (they do not for this pair).
    let m = mount(&format!("#/c/{code}")).await;
    until("the alert", || !texts(&m.root, ".code-error").is_empty()).await;
    let said = texts(&m.root, ".code-error").concat();
    assert!(
        said.contains("another version of Device Manager: Code 28"),
        "{said}"
    );
}

#[wasm_bindgen_test]
async fn the_home_page_box_opens_a_code() {
    let (tree, code) = vpn_code(fixpath_core::CheckOutcome::Pass);
    let m = mount("#/").await;
    until("the box", || !texts(&m.root, ".support-box").is_empty()).await;
    assert!(texts(&m.root, ".support-box h2")
        .concat()
        .contains("Support staff: enter a help-desk code"));
    let input: HtmlInputElement = element(&m.root, "#help-code").dyn_into().unwrap();
    // As read out on the phone: lower case, spaces for hyphens.
    input.set_value(&code.to_lowercase().replace('-', " "));
    click(&m.root, ".code-form button", 0);
    until("the summary", || {
        texts(&m.root, ".code-summary li")
            .concat()
            .starts_with(&tree.title)
    })
    .await;
    assert!(window().location().hash().unwrap().starts_with("#/c/"));
}

#[wasm_bindgen_test]
async fn the_outcome_page_shows_the_help_desk_code() {
    let (m, tree) = mount_at_outcome(Brand::default()).await;
    let code = fixpath_core::code::encode(&tree, &walk_to_outcome(&tree)).unwrap();
    assert_eq!(texts(&m.root, ".outcome .help-code strong"), vec![code]);
}

#[wasm_bindgen_test]
async fn the_report_has_copy_as_text_print_and_the_code() {
    let tree = tree("device-manager-code-28");
    let s = walk_to_outcome(&tree);
    let m = mount(&format!("#/r/{}", link::encode(&s))).await;
    until("the report", || {
        !texts(&m.root, ".report .findings").is_empty()
    })
    .await;
    assert_eq!(texts(&m.root, ".report .copy-text"), vec!["Copy as text"]);
    assert_eq!(texts(&m.root, ".report .print"), vec!["Print"]);
    let code = fixpath_core::code::encode(&tree, &s).unwrap();
    assert_eq!(texts(&m.root, ".report .help-code strong"), vec![code]);
}

/// The shipped trees' site in every shipped language: each language listed, each
/// tree's translations listed with their titles, and a store seeded with the
/// trees and every translation (so nothing is fetched).
fn multilingual() -> (Site, TreeStore) {
    use fixpath_core::content::{Language, ListingWords};
    use fixpath_core::translation::{lint_translation, split_file_name};
    let trees = shipped();
    let mut site = site_of(Brand::default(), &trees);
    site.languages = fixpath_core::i18n::Catalog::shipped()
        .iter()
        .map(|c| Language {
            tag: c.lang.clone(),
            name: c.name.clone(),
            rtl: c.rtl,
            catalog: String::new(),
        })
        .collect();
    let store = TreeStore::seeded(trees.clone());
    for (name, src) in fixpath_core::shipped::TRANSLATIONS {
        let (stem, lang) = split_file_name(name).unwrap();
        // A shipped tree's file is named by its id.
        let tree = trees.iter().find(|t| t.id == stem).unwrap();
        let t = lint_translation(tree, lang, src).unwrap();
        store.insert_translation(&tree.id, tree.fingerprint, &t);
        let listing = site.trees.iter_mut().find(|l| l.id == tree.id).unwrap();
        listing.translations.push(ListingWords {
            lang: lang.to_string(),
            title: t.title.clone(),
            symptom: t.symptom.clone(),
        });
    }
    (site, store)
}

/// Every shipped language renders: the home page's words and the list in it, the
/// switcher offering every language by its own name, and a walk's first step in
/// the tree's translation; then switching back is one pick away.
#[wasm_bindgen_test]
async fn every_language_renders_its_words_and_the_trees_in_them() {
    use fixpath_core::i18n::{Catalog, Msg};
    for catalog in Catalog::shipped() {
        let lang = catalog.lang.clone();
        let (site, store) = multilingual();
        let words = std::rc::Rc::new(fixpath_web::i18n::Words::new(catalog.clone()));
        fixpath_web::i18n::set(std::rc::Rc::clone(&words));
        if let Ok(Some(s)) = window().session_storage() {
            let _ = s.clear();
        }
        let _ = window().location().set_hash("#/");
        let document = window().document().unwrap();
        let root = document.create_element("div").unwrap();
        document.body().unwrap().append_child(&root).unwrap();
        let props = AppProps {
            content: Content::new(site.clone(), store),
            words,
        };
        let app = yew::Renderer::<App>::with_root_and_props(root.clone(), props).render();
        let m = Mounted {
            root,
            app: Some(app),
        };
        until("the list", || !texts(&m.root, ".tree-title").is_empty()).await;
        assert_eq!(
            texts(&m.root, "main h1"),
            vec![catalog.text(Msg::AppHomeTitle).to_string()],
            "{lang}"
        );
        let want: Vec<String> = site
            .in_lang(&lang)
            .trees
            .iter()
            .map(|l| l.title.clone())
            .collect();
        assert_eq!(
            texts(&m.root, ".tree-title"),
            want,
            "{lang}: the list in its language"
        );
        if lang != "en" {
            assert_ne!(
                want,
                site.trees
                    .iter()
                    .map(|l| l.title.clone())
                    .collect::<Vec<_>>(),
                "{lang}"
            );
        }
        let options = texts(&m.root, "select#lang option");
        assert_eq!(
            options,
            site.languages
                .iter()
                .map(|l| l.name.clone())
                .collect::<Vec<_>>()
        );
        let selected: web_sys::HtmlSelectElement =
            element(&m.root, "select#lang").dyn_into().unwrap();
        assert_eq!(selected.value(), lang);
        // A walk's first step, in the tree's translation.
        let _ = window().location().set_hash("#/t/device-manager-code-28");
        let (_, shown) = {
            let trees = shipped();
            let tree = trees
                .into_iter()
                .find(|t| t.id == "device-manager-code-28")
                .unwrap();
            let src = fixpath_core::shipped::TRANSLATIONS
                .iter()
                .find(|(n, _)| *n == format!("device-manager-code-28.{lang}.toml"))
                .map(|(_, s)| *s);
            let shown = match src {
                Some(src) => tree.translated(
                    &fixpath_core::translation::lint_translation(&tree, &lang, src).unwrap(),
                ),
                None => tree.clone(),
            };
            (tree, shown)
        };
        let first = match &shown.nodes[shown.start as usize].kind {
            NodeKind::Question { text, .. } => text.clone(),
            other => panic!("{other:?}"),
        };
        until(&format!("{lang}: the first question"), || {
            texts(&m.root, ".step h1") == vec![first.clone()]
        })
        .await;
        assert!(
            texts(&m.root, ".untranslated").is_empty(),
            "{lang}: translated, no note"
        );
    }
}

/// A troubleshooter with no translation into the reader's language shows in its
/// own, and says so in the reader's.
#[wasm_bindgen_test]
async fn an_untranslated_tree_shows_in_its_own_language_and_says_so() {
    use fixpath_core::i18n::Catalog;
    let (mut site, _) = multilingual();
    for l in &mut site.trees {
        l.translations.clear();
    }
    let fr = Catalog::shipped()
        .into_iter()
        .find(|c| c.lang == "fr")
        .unwrap();
    let words = std::rc::Rc::new(fixpath_web::i18n::Words::new(fr));
    fixpath_web::i18n::set(std::rc::Rc::clone(&words));
    let _ = window().location().set_hash("#/t/device-manager-code-28");
    let document = window().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    let trees = shipped();
    let tree = trees
        .iter()
        .find(|t| t.id == "device-manager-code-28")
        .unwrap()
        .clone();
    let props = AppProps {
        content: Content::new(site, TreeStore::seeded(trees)),
        words,
    };
    let app = yew::Renderer::<App>::with_root_and_props(root.clone(), props).render();
    let m = Mounted {
        root,
        app: Some(app),
    };
    let first = match &tree.nodes[tree.start as usize].kind {
        NodeKind::Question { text, .. } => text.clone(),
        other => panic!("{other:?}"),
    };
    until("the first question, in English", || {
        texts(&m.root, ".step h1") == vec![first.clone()]
    })
    .await;
    let note = texts(&m.root, ".untranslated");
    assert_eq!(note.len(), 1, "{note:?}");
    assert!(
        note[0].contains("Français") && note[0].contains("English"),
        "{note:?}"
    );
}
