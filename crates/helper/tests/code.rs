//! `fixpath decode` with a help-desk code: the summary of a shipped walk's code
//! (also from a `#/c/` address, in lower case, from standard input), a typo and
//! a code of no troubleshooter refused with exit 1, a content directory's trees
//! (`--content`), and a version the helper kept (`--config`) read with its own
//! words after the tree changed.

mod common;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use fixpath_core::code;
use fixpath_core::content::tree_file;
use fixpath_core::{CheckOutcome, CheckResult, NodeKind, Session, Tree};

const BIN: &str = env!("CARGO_BIN_EXE_fixpath");

/// Runs `fixpath` in `dir`, in no locale (so `decode` writes English unless told).
fn run(args: &[&str], dir: &Path) -> (i32, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LANG")
        .output()
        .expect("run fixpath");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The walk of `tree` answering every question with its first choice, every
/// check with `outcome`, every piece of advice "did not help"; and its code.
fn walk(tree: &Tree, outcome: CheckOutcome) -> String {
    let mut s = Session::start(tree, 1_795_000_000_000);
    while !s.is_finished(tree) {
        match tree.node(s.current(tree)).map(|n| &n.kind) {
            Some(NodeKind::Question { .. }) => s.answer(tree, 0, 1).unwrap(),
            Some(NodeKind::Check { .. }) => s
                .record_check(tree, CheckResult::new(outcome, None), 1)
                .unwrap(),
            Some(NodeKind::Advice { .. }) => s.advise(tree, false, 1).unwrap(),
            _ => unreachable!(),
        }
    }
    code::encode(tree, &s).expect("a code")
}

fn shipped(id: &str) -> Tree {
    fixpath_core::shipped::trees()
        .into_iter()
        .find(|t| t.id == id)
        .expect("a shipped tree")
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/acme")
}

#[test]
fn a_shipped_walk_s_code_prints_its_summary() {
    let dir = tempfile::tempdir().unwrap();
    let c = walk(&shipped("vpn-error-800"), CheckOutcome::Pass);
    let (code, out, err) = run(&["decode", &c], dir.path());
    assert_eq!(code, 0, "{err}");
    for expected in [
        &format!("Help-desk code: {c}\n"),
        "VPN error 800 (version 2)\n",
        "Result: Needs support: ",
        "Checks:\n",
        "- Is this device connected to a network?: OK\n",
        "- Does the VPN server answer on its secure web port (443)?: Not run\n",
    ] {
        assert!(out.contains(expected), "`{expected}` in:\n{out}");
    }
    // The same from an address, in lower case without hyphens, and from stdin.
    let bare = c.replace('-', "").to_lowercase();
    for input in [format!("https://help.example/#/c/{c}"), bare.clone()] {
        let (code, again, err) = run(&["decode", &input], dir.path());
        assert_eq!(code, 0, "{input}: {err}");
        assert_eq!(
            again.lines().skip(1).collect::<Vec<_>>(),
            out.lines().skip(1).collect::<Vec<_>>()
        );
    }
    let mut child = Command::new(BIN)
        .args(["decode", "-"])
        .current_dir(dir.path())
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LANG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "  {c}  ").unwrap();
    let piped = child.wait_with_output().unwrap();
    assert!(piped.status.success());
    assert!(String::from_utf8_lossy(&piped.stdout).contains("VPN error 800 (version 2)"));
}

#[test]
fn a_typo_and_a_stranger_s_code_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let c = walk(&shipped("vpn-error-800"), CheckOutcome::Fail);
    let last = c.chars().last().unwrap();
    let typo = format!(
        "{}{}",
        &c[..c.len() - 1],
        if last == '7' { '8' } else { '7' }
    );
    let (code, out, err) = run(&["decode", &typo], dir.path());
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert!(err.contains("that code has a typo"), "{err}");
    let (code, _, err) = run(&["decode", &c[..8]], dir.path());
    assert_eq!(code, 1);
    assert!(err.contains("too short"), "{err}");
    // A character a terminal would obey is printed escaped.
    let (code, _, err) = run(&["decode", "https://x/#/c/AB\x1b[2JC"], dir.path());
    assert_eq!(code, 1);
    assert!(!err.contains('\x1b'), "{err:?}");
    assert!(err.contains("\\x1b"), "{err}");
    // Against the example content, which has no VPN tree.
    let content = example();
    let content = content.to_str().unwrap();
    let (code, _, err) = run(&["decode", "--content", content, &c], dir.path());
    assert_eq!(code, 1);
    assert!(err.contains("no troubleshooter here matches"), "{err}");
}

#[test]
fn a_content_directory_s_tree_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let src =
        std::fs::read_to_string(example().join("trees/wifi-connected-no-internet.toml")).unwrap();
    let tree = Tree::from_toml(&src).unwrap();
    let c = walk(&tree, CheckOutcome::Warn);
    let content = example();
    let (code, out, err) = run(
        &["decode", "--content", content.to_str().unwrap(), &c],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&tree.title), "{out}");
    assert!(out.contains(": Warning\n"), "{out}");
}

const TINY: &str = r#"id = "tiny"
title = "Tiny"
symptom = "Something small is wrong."
version = 1
start = "online"

[[node]]
id = "online"
kind = "check"
check = "browser.online"
text = "Is the browser online?"
next = { pass = "fine", warn = "fine", fail = "off", unknown = "fine" }

[[node]]
id = "fine"
kind = "outcome"
result = "resolved"
summary = "All is well."
cause = "none"

[[node]]
id = "off"
kind = "outcome"
result = "escalate"
summary = "The device is offline."
cause = "offline"
"#;

#[test]
fn a_kept_version_is_read_with_its_own_words() {
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    std::fs::create_dir_all(content.join("trees")).unwrap();
    let first = Tree::from_toml(TINY).unwrap();
    let c = walk(&first, CheckOutcome::Fail);
    // The helper kept the first version (in its state directory) and the tree
    // has changed since.
    let kept = dir.path().join("trees");
    std::fs::create_dir_all(&kept).unwrap();
    std::fs::write(
        kept.join(tree_file(&first.id, first.fingerprint)),
        serde_json::to_vec(&first).unwrap(),
    )
    .unwrap();
    let changed = TINY.replace("Is the browser online?", "Is the browser connected?");
    std::fs::write(content.join("trees/tiny.toml"), &changed).unwrap();
    let config = dir.path().join("fixpath.toml");
    std::fs::write(
        &config,
        common::config_text(dir.path(), &format!("content = '{}'\n", content.display())),
    )
    .unwrap();
    let (code, out, err) = run(
        &["decode", "--config", config.to_str().unwrap(), &c],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("- Is the browser online?: Problem\n"), "{out}");
    assert!(out.contains("has changed since"), "{out}");
    assert!(
        out.contains("Result: Needs support: The device is offline."),
        "{out}"
    );
    // Without the kept version, the code is of another version.
    let (code, _, err) = run(
        &["decode", "--content", content.to_str().unwrap(), &c],
        dir.path(),
    );
    assert_eq!(code, 1);
    assert!(err.contains("another version of Tiny"), "{err}");
}
