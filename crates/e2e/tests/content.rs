//! End to end, a support team's own content: `fixpath serve --content` on a
//! temporary copy of `examples/acme` in headless Chromium. The brand is shown
//! (name, logo, title, accent); the Wi-Fi troubleshooter walks to an outcome,
//! with the contact line, a ticket number carried in the link and "Open a
//! ticket" carrying the link; a sentence edited on disk appears after a reload
//! without restarting the helper; a broken edit keeps the last good version; and
//! the link made before the edit still opens with its original text. Every page
//! asserts a clean console.

use std::path::{Path, PathBuf};

use fantoccini::Locator;
use fixpath_core::content::read_brand;
use fixpath_core::link;
use fixpath_e2e::{
    assert_clean_console, findings_link, open_flow, poll, read_report, text_of, wait_css, walk,
    Driver, Helper, Loopback, Policy, Result, Walk,
};

const TREE: &str = "wifi-connected-no-internet";
const TREE_FILE: &str = "trees/wifi-connected-no-internet.toml";

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/acme")
}

/// A copy of `from` (files and folders) at `to`.
fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

/// A temporary directory removed on drop.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
async fn a_support_teams_own_content_end_to_end() -> Result<()> {
    let scratch =
        Scratch(std::env::temp_dir().join(format!("fixpath-e2e-content-{}", std::process::id())));
    let acme = scratch.0.join("acme");
    copy_dir(&example(), &acme)?;
    let brand = read_brand(&std::fs::read_to_string(acme.join("brand.toml"))?)
        .map_err(|p| format!("the example brand does not lint: {p:?}"))?
        .brand;
    let source = std::fs::read_to_string(acme.join(TREE_FILE))?;
    let tree = fixpath_core::Tree::from_toml(&source)
        .map_err(|p| format!("the example tree does not lint: {p:?}"))?;

    let helper = Helper::start_with(
        Some(&Loopback::new()?.toml()),
        &["--content".as_ref(), acme.as_os_str()],
    )
    .await?;
    let driver = Driver::start().await?;
    let c = driver.browser().await?;

    // The brand, on the home page the app rendered.
    c.goto(&helper.url).await?;
    wait_css(&c, "input[type=search]").await?;
    assert_eq!(
        text_of(&c, "header .brand").await?.as_deref(),
        Some(brand.name.as_str())
    );
    let logo = wait_css(&c, "header .brand img.logo").await?;
    let src = logo.attr("src").await?.unwrap_or_default();
    assert!(src.starts_with("/content/logo."), "{src}");
    assert_eq!(c.title().await?, brand.title);
    let accent = c
        .execute(
            "return getComputedStyle(document.documentElement).getPropertyValue('--accent').trim();",
            vec![],
        )
        .await?;
    assert_eq!(accent.as_str(), brand.accent.as_deref());
    let titles = c.find_all(Locator::Css(".tree-title")).await?;
    assert_eq!(
        titles.len(),
        1,
        "only the content directory's troubleshooters"
    );
    assert_eq!(titles[0].text().await?, tree.title);
    assert_clean_console(&c, "the branded home page").await?;

    // The third troubleshooter, walked to an outcome.
    open_flow(&c, &helper, TREE).await?;
    let mut w = Walk::default();
    walk(&c, &Policy::default(), &mut w).await?;
    assert!(
        !w.outcome.is_empty(),
        "the walk reached an outcome: {:?}",
        w.nodes
    );
    let contact = brand.contact.clone().unwrap_or_default();
    assert_eq!(
        text_of(&c, ".outcome .contact").await?.as_deref(),
        Some(contact.as_str())
    );

    // A ticket number in the team's pattern rides in the link.
    let number = brand
        .ticket
        .as_ref()
        .and_then(|t| t.number.as_ref())
        .and_then(|n| n.example.clone())
        .ok_or("the example brand has a ticket number example")?;
    let field = wait_css(&c, ".ticket-number input").await?;
    field.send_keys(&number).await?;
    let shared = poll("the link with the ticket number", || async {
        let s = findings_link(&c, None).await?;
        Ok(link::decode_session(&s.link)
            .is_ok_and(|d| d.ticket.as_deref() == Some(number.as_str()))
            .then_some(s))
    })
    .await?;

    // "Open a ticket" carries exactly that link, and "Email support" writes to the team.
    let open = wait_css(&c, "a.open-ticket").await?;
    assert_eq!(open.attr("target").await?.as_deref(), Some("_blank"));
    let href = open.attr("href").await?.unwrap_or_default();
    let url = url::Url::parse(&href)?;
    assert_eq!(url.host_str(), Some("support.acme.example"));
    let carried: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    assert!(
        carried
            .iter()
            .any(|(k, v)| k == "findings" && *v == shared.link),
        "{carried:?} carries {}",
        shared.link
    );
    let mail = wait_css(&c, "a.email-support").await?;
    let mailto = mail.attr("href").await?.unwrap_or_default();
    assert!(
        mailto.starts_with("mailto:it-help@acme.example?subject="),
        "{mailto}"
    );
    assert_clean_console(&c, "the Wi-Fi walk").await?;

    // Someone in the middle of a walk when the team edits the tree.
    let m = driver.browser().await?;
    open_flow(&m, &helper, TREE).await?;
    let mut started = Walk::default();
    let stop = Policy {
        stop_at: Some("which_device".into()),
        ..Policy::default()
    };
    walk(&m, &stop, &mut started).await?;
    let heading = text_of(&m, ".step[data-node=\"which_device\"] h1").await?;

    // A sentence edited on disk: on the page after a reload, no restart.
    let edited_title = "Wi-Fi says connected, yet nothing loads";
    let asked = "Are you reading this on the device that has no internet?";
    assert!(source.contains(asked), "the example asks {asked:?}");
    std::fs::write(
        acme.join(TREE_FILE),
        source
            .replacen(
                &format!("title = \"{}\"", tree.title),
                &format!("title = \"{edited_title}\""),
                1,
            )
            .replacen(asked, "Is this the device without internet?", 1),
    )?;
    c.goto(&helper.url).await?;
    poll("the edited title on the page", || async {
        c.refresh().await?;
        wait_css(&c, ".tree-title").await?;
        Ok(text_of(&c, ".tree-title")
            .await?
            .filter(|t| t == edited_title)
            .map(|_| ()))
    })
    .await?;
    assert_clean_console(&c, "the page after the edit").await?;

    // The walk in progress carries on, after a reload, with the version it began with.
    m.refresh().await?;
    assert_eq!(fixpath_e2e::current_node(&m).await?, "which_device");
    assert_eq!(
        text_of(&m, ".step[data-node=\"which_device\"] h1").await?,
        heading
    );
    assert_eq!(heading.as_deref(), Some(asked), "the words it began with");
    let flow_title = text_of(&m, ".flow-title").await?.unwrap_or_default();
    assert!(!flow_title.contains(edited_title), "{flow_title}");
    assert_clean_console(&m, "a walk reloaded after the edit").await?;

    // A broken edit: the helper says why, and the last good version stays.
    std::fs::write(
        acme.join(TREE_FILE),
        "id = \"wifi-connected-no-internet\"\nbroken = [\n",
    )?;
    let log = helper.dir.join("helper.log");
    poll("the helper's log refusing the broken edit", || async {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        Ok(text.contains("content not reloaded").then_some(()))
    })
    .await?;
    c.refresh().await?;
    wait_css(&c, ".tree-title").await?;
    assert_eq!(
        text_of(&c, ".tree-title").await?.as_deref(),
        Some(edited_title)
    );
    open_flow(&c, &helper, TREE).await?;
    assert_clean_console(&c, "the page after a broken edit").await?;

    // The link made before the edit opens, in a fresh browser, with its own text.
    let t = driver.browser().await?;
    t.goto(&helper.here(&shared.link)).await?;
    let report = read_report(&t).await?;
    assert!(report.tree.starts_with(&tree.title), "{}", report.tree);
    let note = text_of(&t, ".report .version-note")
        .await?
        .ok_or("the report names the version")?;
    assert!(
        note.contains("as it was then") && note.contains("changed since"),
        "{note}"
    );
    let page = wait_css(&t, ".report").await?.text().await?;
    assert!(
        page.contains(&number),
        "the ticket number is in the report: {page}"
    );
    assert_clean_console(&t, "the report of a link made before the edit").await?;
    Ok(())
}
