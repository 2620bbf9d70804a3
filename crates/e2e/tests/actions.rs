//! The walk moves on by itself: for each shipped tree, the walk in which every
//! check passes goes from the home page to its outcome in exactly the fewest
//! actions the tree needs (opening it, then its questions, advice and the server
//! name along that path: no Continue anywhere), its checklist lists every check
//! the walk went through, and it waits for the user nowhere else. In a browser
//! that says it runs on Windows, where the VPN tree's platform check passes.

use fixpath_core::{NodeKind, Tree};
use fixpath_e2e::{
    assert_clean_console, everything_passes, expected_path, walk_from_home, Driver, Helper,
    Loopback, Result,
};

/// The checklist on screen: (node, outcome class) of every line, in order.
const CHECKLIST: &str =
    "return Array.from(document.querySelectorAll('ol.checklist li.cl[data-node]'))
    .map((li) => [li.getAttribute('data-node'), li.className]);";

async fn everything_passes_in_the_fewest_actions(tree: &Tree) -> Result<()> {
    let helper = Helper::start(Some(&Loopback::new()?.toml())).await?;
    let driver = Driver::start().await?;
    let c = driver.windows_browser().await?;
    let policy = everything_passes();
    let measured = walk_from_home(&c, &helper, tree, &policy).await?;
    let w = &measured.walk;
    let path = expected_path(tree, w, &policy)?;
    assert_eq!(w.nodes, path, "checks: {:?}", w.checks);
    assert!(!w.outcome.is_empty(), "{:?}", w.nodes);
    let kind = |id: &str| tree.nodes.iter().find(|n| n.id == id).map(|n| &n.kind);

    // Every check of the path passed, and the outcome page's checklist lists each,
    // in the walk's order, and nothing else.
    let checks: Vec<&String> = path
        .iter()
        .filter(|id| matches!(kind(id), Some(NodeKind::Check { .. })))
        .collect();
    for id in &checks {
        let (class, said) = w.check(id)?;
        assert_eq!(class, "pass", "{id}: {said}");
        assert!(!said.is_empty(), "{id} has a sentence");
    }
    let listed = c.execute(CHECKLIST, vec![]).await?;
    let listed: Vec<(String, String)> = serde_json::from_value(listed)?;
    assert_eq!(
        listed.iter().map(|(n, _)| n).collect::<Vec<_>>(),
        checks,
        "the checklist: {listed:?}"
    );
    assert!(
        listed
            .iter()
            .all(|(_, class)| class.split_whitespace().any(|w| w == "pass")),
        "{listed:?}"
    );

    // It waited for the user only where the tree asks something of them: each
    // question and advice, the check that needs the server name (once), and the
    // outcome.
    let mut asked: Vec<&String> = Vec::new();
    let mut named = false;
    for id in &path {
        match kind(id) {
            Some(NodeKind::Question { .. } | NodeKind::Advice { .. }) => asked.push(id),
            Some(NodeKind::Check { check, .. }) if check.name().needs_server_name() && !named => {
                named = true;
                asked.push(id);
            }
            Some(NodeKind::Outcome { .. }) => asked.push(id),
            _ => {}
        }
    }
    assert_eq!(w.stops.iter().collect::<Vec<_>>(), asked, "{:?}", w.nodes);

    // The fewest actions from the home page: one to open it, one per stop but the
    // outcome.
    assert_eq!(measured.minimum, asked.len(), "{asked:?}");
    assert_eq!(
        w.actions, measured.minimum,
        "{}: {} actions, the tree needs {} (stops {:?})",
        tree.id, w.actions, measured.minimum, w.stops
    );
    assert_clean_console(&c, &format!("the everything-passes walk of {}", tree.id)).await?;
    c.close().await?;
    Ok(())
}

fn shipped(id: &str) -> Result<Tree> {
    fixpath_core::shipped::trees()
        .into_iter()
        .find(|t| t.id == id)
        .ok_or_else(|| format!("the shipped trees have no `{id}`").into())
}

#[tokio::test]
async fn vpn_error_800_everything_passes_in_the_fewest_actions() -> Result<()> {
    let tree = shipped("vpn-error-800")?;
    everything_passes_in_the_fewest_actions(&tree).await
}

#[tokio::test]
async fn device_manager_code_28_everything_passes_in_the_fewest_actions() -> Result<()> {
    let tree = shipped("device-manager-code-28")?;
    everything_passes_in_the_fewest_actions(&tree).await
}

/// No shipped tree goes untested here.
#[test]
fn every_shipped_tree_has_its_test() {
    let mut ids: Vec<String> = fixpath_core::shipped::trees()
        .into_iter()
        .map(|t| t.id)
        .collect();
    ids.sort();
    assert_eq!(ids, ["device-manager-code-28", "vpn-error-800"]);
}
