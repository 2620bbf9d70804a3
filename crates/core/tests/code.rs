//! Help-desk code tests: every finished walk of every shipped tree (and the
//! example content's) round-trips through its code; every single-character
//! change and every swap of two different neighbours is refused as a typo
//! (exhaustively over positions and symbol pairs, the check being linear, and on
//! real codes); hyphens, spaces, case and Crockford's look-alikes are read;
//! errors for people; the decoder never panics; lint refuses a tree too big for
//! a code.

mod common;

use fixpath_core::code::{self, Code, CodeError, SYMBOLS};
use fixpath_core::engine::{CheckResult, Session};
use fixpath_core::model::{CheckOutcome, NodeIdx, NodeKind, Tree};
use proptest::prelude::*;
use std::collections::HashSet;
use std::sync::OnceLock;

const ALPHABET: &str = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The shipped trees and the example content's (`examples/acme`), compiled once.
fn trees() -> &'static [Tree] {
    static TREES: OnceLock<Vec<Tree>> = OnceLock::new();
    TREES.get_or_init(|| {
        let acme = include_str!("../../../examples/acme/trees/wifi-connected-no-internet.toml");
        let mut trees = common::trees().to_vec();
        trees.push(Tree::from_toml(acme).expect("the example tree compiles"));
        trees
    })
}

fn tree(id: &str) -> &'static Tree {
    trees().iter().find(|t| t.id == id).expect("a tree")
}

/// A finished walk of `tree` for each outcome and set of check results it can
/// end with: each choice, each check outcome, fixed or not, where two walks at
/// the same node with the same results (whose futures are alike) are followed
/// once.
fn every_walk(tree: &Tree) -> Vec<Session> {
    let checks = check_nodes(tree);
    let mut seen = HashSet::new();
    let mut done = Vec::new();
    let mut stack = vec![Session::start(tree, 1_000)];
    while let Some(s) = stack.pop() {
        let node = s.current(tree);
        let results: Vec<_> = checks
            .iter()
            .map(|n| s.result_of(*n).map(|r| r.outcome))
            .collect();
        if !seen.insert((node, results)) {
            continue;
        }
        match &tree.nodes[usize::from(node)].kind {
            NodeKind::Outcome { .. } => done.push(s),
            NodeKind::Question { choices, .. } => {
                for c in 0..choices.len() {
                    let mut next = s.clone();
                    next.answer(tree, c as u8, 2_000).expect("a choice");
                    stack.push(next);
                }
            }
            NodeKind::Check { .. } => {
                for o in CheckOutcome::ALL {
                    let mut next = s.clone();
                    next.record_check(tree, CheckResult::new(o, Some(7)), 2_000)
                        .expect("a check");
                    stack.push(next);
                }
            }
            NodeKind::Advice { .. } => {
                for fixed in [true, false] {
                    let mut next = s.clone();
                    next.advise(tree, fixed, 2_000).expect("advice");
                    stack.push(next);
                }
            }
        }
    }
    done
}

/// The code of every distinct finished walk of every tree, with its tree index
/// and session, worked out once.
fn every_code() -> &'static [(usize, Session, String)] {
    static CODES: OnceLock<Vec<(usize, Session, String)>> = OnceLock::new();
    CODES.get_or_init(|| {
        let mut out = Vec::new();
        for (i, tree) in trees().iter().enumerate() {
            let mut seen = std::collections::BTreeSet::new();
            for s in every_walk(tree) {
                let c = code::encode(tree, &s).expect("a finished walk has a code");
                if seen.insert(c.clone()) {
                    out.push((i, s, c));
                }
            }
        }
        out
    })
}

fn check_nodes(tree: &Tree) -> Vec<NodeIdx> {
    (0..tree.nodes.len() as NodeIdx)
        .filter(|i| matches!(tree.nodes[usize::from(*i)].kind, NodeKind::Check { .. }))
        .collect()
}

#[test]
fn the_shipped_trees_fit() {
    for t in trees() {
        assert!(code::fits(t), "{}", t.id);
        assert_eq!(code::too_big(t), None);
    }
    // The brief's numbers: vpn-error-800 has 11 check nodes, acme's Wi-Fi tree 5.
    assert_eq!(check_nodes(tree("vpn-error-800")).len(), 11);
}

#[test]
fn every_walk_of_every_shipped_tree_round_trips() {
    let trees = trees();
    let codes = every_code();
    assert!(codes.len() > 100, "{} codes", codes.len());
    for (i, s, c) in codes {
        let tree = &trees[*i];
        assert!(c.len() <= 12, "{c}");
        assert_eq!(c.len(), 12);
        assert_eq!(c.matches('-').count(), 2);
        let got = code::decode(c, trees).unwrap_or_else(|e| panic!("{c}: {e}"));
        assert_eq!(got.tree, *i, "{c}");
        assert_eq!(got.outcome, s.current(tree), "{c}");
        let expected: Vec<_> = check_nodes(tree)
            .into_iter()
            .map(|n| (n, s.result_of(n).map(|r| r.outcome)))
            .collect();
        assert_eq!(got.checks, expected, "{c}");
        let lines = got.lines(common::en(), tree);
        assert_eq!(lines.len(), 2 + expected.len());
        assert!(lines[0].starts_with(&tree.title));
        assert_eq!(
            lines[0],
            format!("{} (version {})", tree.title, tree.version)
        );
    }
}

#[test]
fn an_unfinished_walk_or_another_version_has_no_code() {
    let vpn = tree("vpn-error-800");
    let s = Session::start(vpn, 1);
    assert_eq!(code::encode(vpn, &s), None);
    let done = every_walk(vpn).remove(0);
    assert!(code::encode(vpn, &done).is_some());
    let mut other = done.clone();
    other.fingerprint ^= 1;
    assert_eq!(code::encode(vpn, &other), None);
    let acme = tree("wifi-connected-no-internet");
    assert_eq!(code::encode(acme, &done), None);
}

fn text_of(symbols: &[u8; SYMBOLS]) -> String {
    symbols
        .iter()
        .map(|v| char::from(ALPHABET.as_bytes()[usize::from(*v)]))
        .collect()
}

/// Sets `symbols[free]` to the one value that makes a valid code.
fn complete(symbols: &mut [u8; SYMBOLS], free: usize) {
    let fits: Vec<u8> = (0..32)
        .filter(|v| {
            symbols[free] = *v;
            Code::parse(&text_of(symbols)).is_ok()
        })
        .collect();
    assert_eq!(fits.len(), 1, "one value of symbol {free} completes a code");
    symbols[free] = fits[0];
}

/// The check is linear, so whether a change is caught depends only on where it
/// is and which symbols it swaps: this tries every position, every symbol there
/// and every other symbol in its place (a valid code made around each), so every
/// single substitution in any code is refused.
#[test]
fn every_single_substitution_is_refused_in_any_code() {
    for at in 0..SYMBOLS {
        for was in 0..32u8 {
            let mut symbols = [0u8; SYMBOLS];
            symbols[at] = was;
            complete(
                &mut symbols,
                if at == SYMBOLS - 1 { 0 } else { SYMBOLS - 1 },
            );
            for now in (0..32u8).filter(|v| *v != was) {
                let mut typo = symbols;
                typo[at] = now;
                assert_eq!(Code::parse(&text_of(&typo)), Err(CodeError::Typo));
            }
        }
    }
}

/// Every pair of neighbouring positions, every pair of different symbols there.
#[test]
fn every_adjacent_transposition_is_refused_in_any_code() {
    for at in 0..SYMBOLS - 1 {
        for a in 0..32u8 {
            for b in (0..32u8).filter(|b| *b != a) {
                let mut symbols = [0u8; SYMBOLS];
                symbols[at] = a;
                symbols[at + 1] = b;
                complete(
                    &mut symbols,
                    if at + 1 == SYMBOLS - 1 {
                        0
                    } else {
                        SYMBOLS - 1
                    },
                );
                symbols.swap(at, at + 1);
                assert_eq!(Code::parse(&text_of(&symbols)), Err(CodeError::Typo));
            }
        }
    }
}

/// And on real codes, as typed (hyphens in place): every 50th code of the
/// trees' walks, every symbol changed to every other, every neighbour swapped.
#[test]
fn changes_to_real_codes_are_refused() {
    let trees = trees();
    for (_, _, c) in every_code().iter().step_by(50) {
        let chars: Vec<char> = c.chars().collect();
        for (at, was) in chars.iter().enumerate().filter(|(_, ch)| **ch != '-') {
            for now in ALPHABET.chars().filter(|x| x != was) {
                let mut typo = chars.clone();
                typo[at] = now;
                let typo: String = typo.into_iter().collect();
                assert_eq!(
                    code::decode(&typo, trees),
                    Err(CodeError::Typo),
                    "{c} → {typo}"
                );
            }
        }
        let symbols: Vec<char> = c.chars().filter(|ch| *ch != '-').collect();
        for at in 0..SYMBOLS - 1 {
            if symbols[at] != symbols[at + 1] {
                let mut swapped = symbols.clone();
                swapped.swap(at, at + 1);
                let swapped: String = swapped.into_iter().collect();
                assert_eq!(
                    code::decode(&swapped, trees),
                    Err(CodeError::Typo),
                    "{c} → {swapped}"
                );
            }
        }
    }
}

#[test]
fn hyphens_spaces_case_and_look_alikes_are_read() {
    let trees = trees();
    for (i, _, c) in every_code().iter().step_by(37) {
        let bare: String = c.chars().filter(|ch| *ch != '-').collect();
        let spaced: String = bare.chars().flat_map(|ch| [ch, ' ']).collect();
        let lower = c.to_lowercase();
        let alike = c.replace('0', "o").replace('1', "l");
        let alike_upper = c.replace('0', "O").replace('1', "I");
        let regrouped = format!("{}-{}", &bare[..5], &bare[5..]);
        for v in [
            bare,
            spaced,
            lower,
            alike,
            alike_upper,
            regrouped,
            format!("  {c}\n"),
        ] {
            assert_eq!(
                code::decode(&v, trees).map(|s| s.tree),
                Ok(*i),
                "{c} as {v:?}"
            );
        }
    }
}

#[test]
fn errors_say_what_is_wrong() {
    let trees = trees();
    let (_, _, c) = &every_code()[0];
    assert_eq!(code::decode("", trees), Err(CodeError::Empty));
    assert_eq!(code::decode(" - ", trees), Err(CodeError::Empty));
    assert_eq!(
        code::decode(&c[..c.len() - 1], trees),
        Err(CodeError::TooShort)
    );
    assert_eq!(
        code::decode(&format!("{c}0"), trees),
        Err(CodeError::TooLong)
    );
    assert_eq!(
        code::decode(&c.replacen('-', "#", 1), trees),
        Err(CodeError::BadChar('#'))
    );
    assert_eq!(
        code::decode(&c.replacen('-', "U", 1), trees),
        Err(CodeError::BadChar('U'))
    );
    assert_eq!(code::decode(c, &[]), Err(CodeError::NoTree));
    // The same tree at another version.
    let mut moved: Vec<Tree> = trees.to_vec();
    for t in &mut moved {
        t.fingerprint ^= 1 << 63;
    }
    let title = &trees[code::decode(c, trees).unwrap().tree].title;
    assert_eq!(
        code::decode(c, &moved),
        Err(CodeError::OtherVersion(title.clone()))
    );
    // A kept version beside the current one is found.
    let both: Vec<Tree> = moved.iter().chain(trees).cloned().collect();
    assert!(code::decode(c, &both).is_ok());
    // Messages are for people, in their words; in English, as the logs say them.
    let en = common::en();
    assert_eq!(
        CodeError::Typo.explain(en),
        "that code has a typo: its check character does not match — read it again"
    );
    assert!(CodeError::BadChar('#')
        .explain(en)
        .starts_with("“#” is not in help-desk codes"));
    assert!(CodeError::OtherVersion("VPN error 800".into())
        .explain(en)
        .contains("another version of VPN error 800"));
    for e in [
        CodeError::Empty,
        CodeError::BadChar('#'),
        CodeError::TooShort,
        CodeError::TooLong,
        CodeError::Typo,
        CodeError::NoTree,
        CodeError::OtherVersion("VPN error 800".into()),
        CodeError::DoesNotFit("VPN error 800".into()),
    ] {
        assert_eq!(e.explain(en), e.to_string());
    }
}

#[test]
fn a_code_that_fits_no_walk_of_its_tree_says_so() {
    // The acme tree has 5^5 × 9 walks: a code with a bigger walk number, and
    // the right tree and version, is well formed but fits nothing there.
    let trees = trees();
    let acme = trees
        .iter()
        .position(|t| t.id == "wifi-connected-no-internet")
        .unwrap();
    let (_, _, c) = every_code().iter().find(|(i, _, _)| *i == acme).unwrap();
    let bare: Vec<char> = c.chars().filter(|ch| *ch != '-').collect();
    // Symbol 3 holds walk bits 29..25: nearly any change makes too big a walk.
    let mut found = false;
    for v in ALPHABET.chars().filter(|x| *x != bare[3]) {
        let mut data = bare.clone();
        data[3] = v;
        for check in ALPHABET.chars() {
            data[9] = check;
            let text: String = data.iter().collect();
            if let Ok(code) = Code::parse(&text) {
                if code.names(&trees[acme].id) && code.made_with(trees[acme].fingerprint) {
                    assert_eq!(
                        code::decode(&text, trees),
                        Err(CodeError::DoesNotFit(trees[acme].title.clone()))
                    );
                    found = true;
                }
            }
        }
    }
    assert!(found);
}

/// The walk where every check passes (questions: the first choice; advice: not
/// fixed), as the reply quotes it.
#[test]
fn the_everything_passes_vpn_walk() {
    let vpn = tree("vpn-error-800");
    let tree = vpn;
    let mut s = Session::start(tree, 1_000);
    while !s.is_finished(tree) {
        match &tree.nodes[usize::from(s.current(tree))].kind {
            NodeKind::Question { .. } => s.answer(tree, 0, 2_000).unwrap(),
            NodeKind::Check { .. } => s
                .record_check(tree, CheckResult::new(CheckOutcome::Pass, None), 2_000)
                .unwrap(),
            NodeKind::Advice { .. } => s.advise(tree, false, 2_000).unwrap(),
            NodeKind::Outcome { .. } => unreachable!(),
        }
    }
    let c = code::encode(tree, &s).unwrap();
    println!("everything passes: {c}");
    let got = code::decode(&c, trees()).unwrap();
    for line in got.lines(common::en(), tree) {
        println!("  {line}");
    }
    assert!(got
        .checks
        .iter()
        .all(|(_, o)| matches!(o, None | Some(CheckOutcome::Pass))));
}

/// A chain of `checks` check nodes ending in one outcome, as TOML.
fn chain(checks: usize) -> String {
    let mut t = String::from(
        "id = \"big\"\ntitle = \"Big\"\nsymptom = \"Many checks\"\nversion = 1\nstart = \"c0\"\n",
    );
    for i in 0..checks {
        let next = if i + 1 == checks {
            "end".to_string()
        } else {
            format!("c{}", i + 1)
        };
        t.push_str(&format!(
            "\n[[node]]\nid = \"c{i}\"\nkind = \"check\"\ncheck = \"browser.online\"\ntext = \"Check {i}\"\n\
             next = {{ pass = \"{next}\", warn = \"{next}\", fail = \"{next}\", unknown = \"{next}\" }}\n"
        ));
    }
    t.push_str(
        "\n[[node]]\nid = \"end\"\nkind = \"outcome\"\nresult = \"escalate\"\nsummary = \"Done.\"\ncause = \"done\"\n",
    );
    t
}

#[test]
fn lint_refuses_a_tree_too_big_for_a_code() {
    let fits = Tree::from_toml(&chain(13)).expect("13 checks and one outcome fit");
    assert!(code::fits(&fits));
    let problems = Tree::from_toml(&chain(14)).expect_err("14 checks do not");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].message.contains("too big for a help-desk code"),
        "{}",
        problems[0].message
    );
    assert!(problems[0].message.contains("14 check nodes"));
}

proptest! {
    #![proptest_config(common::fuzz_config())]

    #[test]
    fn any_text_decodes_without_panic(text in ".{0,40}") {
        let _ = code::decode(&text, trees());
    }

    #[test]
    fn any_code_shaped_text_decodes_without_panic(text in "[0-9A-Za-z -]{0,16}") {
        let _ = code::decode(&text, trees());
    }

    /// Nine random data symbols: exactly one check symbol makes them a code, and
    /// reading that code against the shipped trees never panics.
    #[test]
    fn exactly_one_check_symbol_per_data(data in "[0-9A-HJKMNP-TV-Z]{9}") {
        let valid: Vec<String> = ALPHABET
            .chars()
            .map(|c| format!("{data}{c}"))
            .filter(|t| Code::parse(t).is_ok())
            .collect();
        prop_assert_eq!(valid.len(), 1);
        match code::decode(&valid[0], trees()) {
            Ok(s) => {
                let tree = &trees()[s.tree];
                prop_assert_eq!(s.lines(common::en(), tree).len() - 2, s.checks.len());
            }
            Err(e) => prop_assert!(e != CodeError::Typo),
        }
    }
}
