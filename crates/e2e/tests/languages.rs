//! Languages end to end: a walk in French (a browser that speaks French gets the
//! page, the troubleshooter and the outcome in French) whose findings link opens
//! in an English browser as an English report that says the user saw French and
//! switches to it; the same walk in English gives the same help-desk code; and
//! an Arabic walk laid out right to left on a 360 px phone, judged by element
//! positions (a screenshot is saved beside them for people). Every page asserts a
//! clean console.

use fantoccini::Client;
use fixpath_core::shipped;
use fixpath_core::translation::{lint_translation, split_file_name};
use fixpath_core::{NodeKind, Tree};
use fixpath_e2e::{
    assert_clean_console, everything_passes, findings_link, open_flow, poll, read_report, text_of,
    wait_css, walk, Driver, Helper, Loopback, Result, Walk,
};

const TREE: &str = "vpn-error-800";

/// The shipped tree and the same tree in `lang`, as its translation file words it.
fn tree_in(lang: &str) -> Result<(Tree, Tree)> {
    let tree = shipped::trees()
        .into_iter()
        .find(|t| t.id == TREE)
        .ok_or("no vpn-error-800 among the shipped trees")?;
    let (_, src) = shipped::TRANSLATIONS
        .iter()
        .find(|(n, _)| split_file_name(n) == Some((TREE, lang)))
        .ok_or("no translation")?;
    let words = lint_translation(&tree, lang, src).map_err(|p| format!("{p:?}"))?;
    let shown = tree.translated(&words);
    Ok((tree, shown))
}

fn summary_of(tree: &Tree, id: &str) -> Result<String> {
    match tree.nodes.iter().find(|n| n.id == id).map(|n| &n.kind) {
        Some(NodeKind::Outcome { summary, .. }) => Ok(summary.clone()),
        _ => Err(format!("{id} is not an outcome").into()),
    }
}

async fn page_lang(c: &Client) -> Result<(String, String)> {
    let v = c
        .execute(
            "return [document.documentElement.lang, document.documentElement.dir];",
            vec![],
        )
        .await?;
    Ok((
        v[0].as_str().unwrap_or_default().to_string(),
        v[1].as_str().unwrap_or_default().to_string(),
    ))
}

/// Walks the shipped VPN tree in `c` the everything-passes way; the walk and the
/// help-desk code on its outcome page.
async fn walk_vpn(c: &Client, helper: &Helper) -> Result<(Walk, String)> {
    open_flow(c, helper, TREE).await?;
    let mut w = Walk::default();
    walk(c, &everything_passes(), &mut w).await?;
    let code = wait_css(c, ".outcome .help-code strong")
        .await?
        .text()
        .await?;
    Ok((w, code))
}

#[tokio::test]
async fn a_french_walk_reads_as_an_english_report_and_switches_to_french() -> Result<()> {
    let (tree, fr) = tree_in("fr")?;
    let helper = Helper::start(Some(&Loopback::new()?.toml())).await?;
    let driver = Driver::start().await?;

    let c = driver.browser_in("fr", (1024, 900)).await?;
    let (w, code_fr) = walk_vpn(&c, &helper).await?;
    assert_eq!(page_lang(&c).await?, ("fr".into(), "ltr".into()));
    let shown = text_of(&c, ".outcome .findings h1")
        .await?
        .ok_or("no summary")?;
    assert_eq!(shown, summary_of(&fr, &w.outcome)?, "the outcome in French");
    assert_ne!(shown, summary_of(&tree, &w.outcome)?);
    let shared = findings_link(&c, None).await?;
    assert_clean_console(&c, "the French walk").await?;
    let session = fixpath_core::link::decode_session(shared.payload())?;
    assert_eq!(
        session.lang.as_deref(),
        Some("fr"),
        "the link says the user saw French"
    );

    // Support opens it in English.
    let e = driver.browser_in("en-US", (1024, 900)).await?;
    e.goto(&helper.here(&shared.link)).await?;
    let report = read_report(&e).await?;
    assert_eq!(page_lang(&e).await?.0, "en");
    assert_eq!(
        report.summary,
        summary_of(&tree, &w.outcome)?,
        "the report in English"
    );
    let walked = text_of(&e, ".report .walked-in")
        .await?
        .ok_or("no language line")?;
    assert!(walked.contains("Français"), "{walked}");
    wait_css(&e, ".report .walked-in button")
        .await?
        .click()
        .await?;
    poll("the report in French", || async {
        let h1 = text_of(&e, ".report .findings h1").await?;
        Ok((h1.as_deref() == Some(summary_of(&fr, &w.outcome)?.as_str())).then_some(()))
    })
    .await?;
    assert_eq!(page_lang(&e).await?.0, "fr");
    assert_clean_console(&e, "the report, in English then French").await?;
    // The choice is remembered: a reload comes back in French, the shell too.
    e.refresh().await?;
    poll("the page shell in French again", || async {
        Ok((page_lang(&e).await?.0 == "fr").then_some(()))
    })
    .await?;
    read_report(&e).await?;
    assert_eq!(
        text_of(&e, ".report .findings h1").await?,
        Some(summary_of(&fr, &w.outcome)?),
        "the remembered language"
    );
    assert_clean_console(&e, "the report reloaded").await?;

    // The same walk in English: the same help-desk code.
    let en = driver.browser_in("en-US", (1024, 900)).await?;
    let (w_en, code_en) = walk_vpn(&en, &helper).await?;
    assert_eq!(w_en.nodes, w.nodes, "the same path");
    assert_eq!(
        code_en, code_fr,
        "a help-desk code is the same in every language"
    );
    assert_clean_console(&en, "the English walk").await?;
    Ok(())
}

/// Where an element is on the page: `[left, right, top, bottom]` in CSS pixels.
async fn rect(c: &Client, css: &str) -> Result<[f64; 4]> {
    let v = c
        .execute(
            "const e = document.querySelector(arguments[0]);
             if (!e) return null;
             const r = e.getBoundingClientRect();
             return [r.left, r.right, r.top, r.bottom];",
            vec![css.into()],
        )
        .await?;
    let a = v
        .as_array()
        .ok_or_else(|| format!("no {css} on the page"))?;
    let n = |i: usize| a.get(i).and_then(|x| x.as_f64()).unwrap_or(f64::NAN);
    Ok([n(0), n(1), n(2), n(3)])
}

#[tokio::test]
async fn an_arabic_walk_is_laid_out_right_to_left_on_a_phone() -> Result<()> {
    let (_, ar) = tree_in("ar")?;
    let helper = Helper::start(Some(&Loopback::new()?.toml())).await?;
    let driver = Driver::start().await?;
    let c = driver.browser_in("ar", (360, 800)).await?;
    c.goto(&helper.url).await?;
    wait_css(&c, "select#lang").await?;
    assert_eq!(page_lang(&c).await?, ("ar".into(), "rtl".into()));
    let width: f64 = c
        .execute("return document.documentElement.clientWidth;", vec![])
        .await?
        .as_f64()
        .ok_or("no width")?;
    assert!(width <= 360.0, "a 360 px viewport: {width}");
    let scroll: f64 = c
        .execute("return document.documentElement.scrollWidth;", vec![])
        .await?
        .as_f64()
        .ok_or("no scroll width")?;
    assert!(
        scroll <= width + 0.5,
        "nothing wider than the phone: {scroll} > {width}"
    );
    // The header reads from the right: the brand at the right edge, the switcher left of it.
    let brand = rect(&c, "header.site .brand").await?;
    let switcher = rect(&c, "header.site select#lang").await?;
    assert!(
        brand[1] > width - 40.0,
        "the brand starts at the right: {brand:?}"
    );
    assert!(
        switcher[1] <= brand[0] + 1.0,
        "the switcher is left of the brand: {switcher:?} {brand:?}"
    );
    // The heading and the list start at the right edge of the page.
    let h1 = rect(&c, "main h1").await?;
    let card = rect(&c, "ul.trees li:first-child .tree-title").await?;
    assert!(
        h1[1] > width - 40.0 && card[1] > width - 60.0,
        "{h1:?} {card:?}"
    );

    // The whole walk in Arabic (every stop checked to fit the phone), to its outcome.
    open_flow(&c, &helper, TREE).await?;
    let mut w = Walk::default();
    walk(&c, &everything_passes(), &mut w).await?;
    let summary = text_of(&c, ".outcome .findings h1").await?;
    assert_eq!(
        summary,
        Some(summary_of(&ar, &w.outcome)?),
        "the outcome in Arabic"
    );
    let main = rect(&c, "main").await?;
    let heading = rect(&c, ".outcome .findings h1").await?;
    assert!(
        heading[1] > main[1] - 40.0,
        "the summary starts at the right: {heading:?} in {main:?}"
    );
    let button = rect(&c, ".outcome .share-actions button").await?;
    assert!(
        button[1] > main[1] - 40.0,
        "the first action is at the right: {button:?} in {main:?}"
    );
    // The link's field first, from the right, then its Copy button on its left.
    let field = rect(&c, ".outcome .link-row input").await?;
    let copy = rect(&c, ".outcome .link-row button").await?;
    assert!(
        copy[1] <= field[0] + 1.0,
        "Copy is left of the link: {copy:?} {field:?}"
    );
    let line = c
        .execute(
            "const li = document.querySelector('ol.checklist li.cl');
             if (!li) return null;
             const s = getComputedStyle(li);
             return [parseFloat(s.borderRightWidth), parseFloat(s.borderLeftWidth)];",
            vec![],
        )
        .await?;
    assert!(
        line[0].as_f64().unwrap_or(0.0) > 0.0 && line[1].as_f64() == Some(0.0),
        "a checklist line's rule is on its right: {line}"
    );
    let scroll: f64 = c
        .execute("return document.documentElement.scrollWidth;", vec![])
        .await?
        .as_f64()
        .ok_or("no scroll width")?;
    assert!(scroll <= width + 0.5, "the step fits the phone: {scroll}");
    // For people: the screenshot these positions were read from.
    let png = c.screenshot().await?;
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/e2e");
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join("arabic-360.png"), png)?;
    assert_clean_console(&c, "the Arabic walk").await?;
    Ok(())
}
