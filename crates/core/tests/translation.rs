//! Tree translations (`TREE.LANG.toml`): every mistake lint must name, the shipped
//! translations clean and whole, a translation applied without touching the
//! tree's shape or fingerprint, and the linter never panicking on any input.

mod common;

use fixpath_core::model::{NodeKind, Tree};
use fixpath_core::shipped;
use fixpath_core::translation::{lint_translation, split_file_name, Translation};
use proptest::prelude::*;

const TREE: &str = r#"
id = "small"
title = "Small"
symptom = "Something is wrong."
version = 1
start = "ask"

[[node]]
id = "ask"
kind = "question"
text = "Is it {thing}?"
help = "Look closely."
choices = [
    { id = "yes", label = "Yes", next = "done" },
    { id = "no", label = "No", next = "try" },
]

[[node]]
id = "try"
kind = "advice"
text = "Try again."
fixed = "done"
not_fixed = "done"

[[node]]
id = "done"
kind = "outcome"
result = "resolved"
summary = "Done."
cause = "done"
"#;

const GOOD: &str = r#"
title = "Petit"
symptom = "Quelque chose ne va pas."

[node.ask]
text = "Est-ce {thing} ?"
help = "Regardez bien."
choices = { yes = "Oui", no = "Non" }

[node.try]
text = "Réessayez."

[node.done]
summary = "Terminé."
"#;

fn tree() -> Tree {
    Tree::from_toml(TREE).expect("the test tree lints")
}

fn messages(src: &str) -> Vec<String> {
    match lint_translation(&tree(), "fr", src) {
        Ok(_) => Vec::new(),
        Err(ps) => ps.iter().map(|p| p.to_string()).collect(),
    }
}

#[test]
fn a_whole_translation_lints_clean_and_applies() {
    let t = lint_translation(&tree(), "fr", GOOD).expect("clean");
    let shown = tree().translated(&t);
    assert_eq!(shown.lang, "fr");
    assert_eq!(shown.title, "Petit");
    assert_eq!(
        shown.fingerprint,
        tree().fingerprint,
        "words in another language are the same version"
    );
    assert_eq!(
        shown.fingerprint,
        tree().compute_fingerprint(),
        "the tree itself is untouched"
    );
    match &shown.nodes[0].kind {
        NodeKind::Question {
            text,
            help,
            choices,
            ..
        } => {
            assert_eq!(text, "Est-ce {thing} ?");
            assert_eq!(help.as_deref(), Some("Regardez bien."));
            assert_eq!(choices[0].label, "Oui");
            assert_eq!(choices[1].label, "Non");
            // Branches are the tree's.
            assert_eq!(choices[1].next, 1);
        }
        other => panic!("{other:?}"),
    }
    match &shown.nodes[2].kind {
        NodeKind::Outcome { summary, .. } => assert_eq!(summary, "Terminé."),
        other => panic!("{other:?}"),
    }
}

#[test]
fn every_mistake_is_named() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "a missing node",
            "[node.try]\ntext = \"Réessayez.\"\n",
            "node `try`",
        ),
        ("a missing node table", "", "add a `[node.done]` table"),
        (
            "an unknown node",
            "[node.gone]\ntext = \"x\"\n",
            "has no node `gone`",
        ),
        (
            "a missing choice",
            "choices = { yes = \"Oui\", no = \"Non\" }",
            "`choices.no` is not translated",
        ),
        (
            "an unknown choice",
            "choices = { yes = \"Oui\", no = \"Non\" }",
            "no choice `maybe`",
        ),
        (
            "a dropped placeholder",
            "text = \"Est-ce {thing} ?\"",
            "drops the placeholder `{thing}`",
        ),
        (
            "an added placeholder",
            "text = \"Est-ce {thing} ?\"",
            "placeholder `{other}`",
        ),
        (
            "a key the node lacks",
            "[node.try]\ntext = \"Réessayez.\"",
            "has no `help` to translate",
        ),
        (
            "an unknown key",
            "[node.try]\ntext = \"Réessayez.\"",
            "unknown key `label`",
        ),
        (
            "an empty text",
            "summary = \"Terminé.\"",
            "`summary` is empty",
        ),
        (
            "a missing title",
            "title = \"Petit\"\n",
            "`title` is not translated",
        ),
    ];
    let edits: &[&dyn Fn(&str) -> String] = &[
        &|s| s.replace("[node.try]\ntext = \"Réessayez.\"\n", ""),
        &|s| s.replace("[node.done]\nsummary = \"Terminé.\"\n", ""),
        &|s| format!("{s}\n[node.gone]\ntext = \"x\"\n"),
        &|s| {
            s.replace(
                "choices = { yes = \"Oui\", no = \"Non\" }",
                "choices = { yes = \"Oui\" }",
            )
        },
        &|s| {
            s.replace(
                "choices = { yes = \"Oui\", no = \"Non\" }",
                "choices = { yes = \"Oui\", no = \"Non\", maybe = \"Peut-être\" }",
            )
        },
        &|s| s.replace("text = \"Est-ce {thing} ?\"", "text = \"Est-ce ça ?\""),
        &|s| {
            s.replace(
                "text = \"Est-ce {thing} ?\"",
                "text = \"Est-ce {thing} ou {other} ?\"",
            )
        },
        &|s| {
            s.replace(
                "[node.try]\ntext = \"Réessayez.\"",
                "[node.try]\ntext = \"Réessayez.\"\nhelp = \"Aide\"",
            )
        },
        &|s| {
            s.replace(
                "[node.try]\ntext = \"Réessayez.\"",
                "[node.try]\ntext = \"Réessayez.\"\nlabel = \"x\"",
            )
        },
        &|s| s.replace("summary = \"Terminé.\"", "summary = \"  \""),
        &|s| s.replace("title = \"Petit\"\n", ""),
    ];
    assert_eq!(cases.len(), edits.len());
    for ((what, _, want), edit) in cases.iter().zip(edits) {
        let src = edit(GOOD);
        assert_ne!(src, GOOD, "{what}: the edit must change the file");
        let found = messages(&src);
        assert!(
            found.iter().any(|m| m.contains(want)),
            "{what}: expected a problem containing {want:?}, got {found:#?}"
        );
    }
}

#[test]
fn problems_carry_the_translation_files_lines() {
    let src = GOOD.replace(
        "[node.try]\ntext = \"Réessayez.\"",
        "[node.try]\ntext = \"Réessayez.\"\nlabel = \"x\"",
    );
    let line = src.lines().position(|l| l.starts_with("label")).unwrap() + 1;
    let ps = lint_translation(&tree(), "fr", &src).unwrap_err();
    assert_eq!(ps[0].line as usize, line, "{ps:?}");
    assert_eq!(ps[0].node.as_deref(), Some("try"));
}

#[test]
fn a_bad_language_or_the_trees_own_is_refused() {
    let found = |lang: &str| match lint_translation(&tree(), lang, GOOD) {
        Ok(_) => Vec::new(),
        Err(ps) => ps.into_iter().map(|p| p.message).collect(),
    };
    assert!(found("FR").iter().any(|m| m.contains("not a language tag")));
    assert!(found("french")
        .iter()
        .any(|m| m.contains("not a language tag")));
    assert!(found("en")
        .iter()
        .any(|m| m.contains("itself written in `en`")));
    assert!(found("pt-br").is_empty());
}

#[test]
fn toml_syntax_errors_are_a_problem_not_a_panic() {
    assert!(!messages("title = \"unclosed").is_empty());
}

#[test]
fn file_names_split_into_tree_and_language() {
    assert_eq!(
        split_file_name("vpn-error-800.fr.toml"),
        Some(("vpn-error-800", "fr"))
    );
    assert_eq!(split_file_name("vpn-error-800.toml"), None);
    assert_eq!(split_file_name("notes.txt"), None);
}

/// Every shipped translation lints clean against its tree, and each language
/// covers every shipped tree (the issue's five languages: English is the trees').
#[test]
fn shipped_translations_are_whole() {
    let mut seen: Vec<(String, String)> = Vec::new();
    for (name, src) in shipped::TRANSLATIONS {
        let (stem, lang) = split_file_name(name).expect("a translation's name");
        let (_, tree_src) = shipped::SOURCES
            .iter()
            .find(|(n, _)| *n == format!("{stem}.toml"))
            .unwrap_or_else(|| panic!("{name}: no tree {stem}.toml"));
        let tree = Tree::from_toml(tree_src).expect("shipped trees lint");
        let t: Translation =
            lint_translation(&tree, lang, src).unwrap_or_else(|ps| panic!("{name}: {ps:#?}"));
        assert_eq!(t.nodes.len(), tree.nodes.len());
        seen.push((tree.id.clone(), lang.to_string()));
    }
    for (_, src) in shipped::SOURCES {
        let id = Tree::from_toml(src).unwrap().id;
        for lang in ["de", "fr", "es", "ar"] {
            assert!(
                seen.contains(&(id.clone(), lang.to_string())),
                "{id} has no `{lang}` translation"
            );
        }
    }
}

proptest! {
    #![proptest_config(common::fuzz_config())]

    /// Any text, and any mutation of a good translation, lints without a panic.
    #[test]
    fn the_linter_never_panics(src in ".{0,400}", cut in 0usize..400, insert in ".{0,12}") {
        let _ = lint_translation(&tree(), "fr", &src);
        let mut mutated = GOOD.to_string();
        let mut at = cut.min(mutated.len());
        while !mutated.is_char_boundary(at) {
            at -= 1;
        }
        mutated.insert_str(at, &insert);
        let _ = lint_translation(&tree(), "fr", &mutated);
    }
}
