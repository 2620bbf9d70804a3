//! `fixpath graph`: every shipped tree and the example content's trees drawn in
//! both formats, with every node, every choice, one edge per distinct branch
//! and one dashed edge per skip rule; text that breaks either format escaped;
//! the output accepted by Graphviz when it is installed (balanced otherwise);
//! a tree that does not lint refused with lint's lines; the example content
//! (`examples/acme`) whole.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use fixpath_core::model::{NodeKind, Tree};
use fixpath_helper::cli;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every shipped tree and every tree of the example content.
fn tree_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["trees", "examples/acme/trees"] {
        let dir = workspace().join(dir);
        let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            // Translations (`TREE.LANG.toml`) are words, not trees.
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .and_then(fixpath_core::translation::split_file_name)
                    .is_none()
            })
            .collect();
        assert!(!found.is_empty(), "no trees in {}", dir.display());
        found.sort();
        files.extend(found);
    }
    files
}

/// `fixpath graph` in memory: exit code, standard output, standard error.
fn graph(path: &Path, mermaid: bool) -> (u8, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = cli::graph(path, mermaid, &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

fn tree_of(path: &Path) -> Tree {
    Tree::from_toml(&std::fs::read_to_string(path).unwrap()).expect("lint-clean tree")
}

/// The output with its own line breaks in labels read as spaces, so wrapped
/// text can be looked for whole.
fn unwrapped(text: &str, mermaid: bool) -> String {
    text.replace(if mermaid { "<br>" } else { "\\n" }, " ")
}

/// An edge statement: `from`, `to`, dashed or not. Both formats write one
/// statement per line, ids first, so a line is an edge when its second word
/// is an arrow.
fn edges(text: &str, mermaid: bool) -> Vec<(String, String, bool)> {
    text.lines()
        .filter_map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            let (from, arrow) = (words.first()?, words.get(1)?);
            // DOT: `a -> b [...]`; Mermaid: `a -->|"..."| b`, `a -.->|"..."| b`.
            let is_edge = if mermaid {
                arrow.starts_with("-->|") || arrow.starts_with("-.->|")
            } else {
                *arrow == "->"
            };
            if !from.starts_with("n_") || !is_edge {
                return None;
            }
            let to = if mermaid {
                words.last()?.to_string()
            } else {
                words.get(2)?.to_string()
            };
            let skip = if mermaid {
                arrow.starts_with("-.->")
            } else {
                line.contains("style=dashed")
            };
            Some((from.to_string(), to, skip))
        })
        .collect()
}

/// Text as either format writes it inside a label (see the escaping tests).
fn escaped(text: &str, mermaid: bool) -> String {
    if !mermaid {
        return text.replace('\\', "\\\\").replace('"', "\\\"");
    }
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '&' => out.push_str("#amp;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '|' => out.push_str("#124;"),
            '`' => out.push_str("#96;"),
            '%' => out.push_str("#37;"),
            c => out.push(c),
        }
    }
    out
}

/// The id a node is drawn with, for these trees' plain ids.
fn drawn(id: &str) -> String {
    format!("n_{id}")
}

#[test]
fn every_node_choice_and_branch_is_drawn_in_both_formats() {
    for path in tree_files() {
        let tree = tree_of(&path);
        for mermaid in [false, true] {
            let (code, out, err) = graph(&path, mermaid);
            let what = format!(
                "{} ({})",
                path.display(),
                if mermaid { "mermaid" } else { "dot" }
            );
            assert_eq!(code, 0, "{what}: {err}");
            assert_eq!(err, "", "{what}");
            let flat = unwrapped(&out, mermaid);
            for node in &tree.nodes {
                assert!(
                    out.lines().any(|l| l
                        .trim_start()
                        .starts_with(&format!("{} ", drawn(&node.id)))
                        || l.trim_start().starts_with(&format!("{}(", drawn(&node.id)))
                        || l.trim_start()
                            .starts_with(&format!("{}{{", drawn(&node.id)))
                        || l.trim_start().starts_with(&format!("{}[", drawn(&node.id)))),
                    "{what}: node `{}` is not declared",
                    node.id
                );
                assert!(
                    flat.contains(&format!("{} · ", node.id)),
                    "{what}: `{}` unlabelled",
                    node.id
                );
                match &node.kind {
                    NodeKind::Question { choices, text, .. } => {
                        for c in choices {
                            assert!(
                                flat.contains(&escaped(&c.label, mermaid)),
                                "{what}: choice {:?}",
                                c.label
                            );
                        }
                        // Text with nothing to escape reads back whole.
                        if !text.contains(['"', '\\', '<', '>', '&', '#', '|', '`', '%', '\n']) {
                            assert!(flat.contains(text.as_str()), "{what}: {text}");
                        }
                    }
                    NodeKind::Check { check, .. } => {
                        assert!(
                            flat.contains(&format!(
                                "{} · check {}",
                                node.id,
                                check.name().as_str()
                            )),
                            "{what}: check name of `{}`",
                            node.id
                        );
                    }
                    NodeKind::Outcome { result, .. } => {
                        assert!(
                            flat.contains(&format!("{} · outcome: {}", node.id, result.as_str())),
                            "{what}: result of `{}`",
                            node.id
                        );
                    }
                    NodeKind::Advice { .. } => {}
                }
            }
            // One edge per distinct (node, next node), and one per skip rule.
            let expected: BTreeSet<(String, String)> = tree
                .nodes
                .iter()
                .enumerate()
                .flat_map(|(i, n)| {
                    tree.successors(i as u16)
                        .into_iter()
                        .map(|s| (drawn(&n.id), drawn(&tree.nodes[usize::from(s)].id)))
                        .collect::<Vec<_>>()
                })
                .collect();
            let found = edges(&out, mermaid);
            let branches: Vec<(String, String)> = found
                .iter()
                .filter(|e| !e.2)
                .map(|e| (e.0.clone(), e.1.clone()))
                .collect();
            assert_eq!(
                branches.len(),
                expected.len(),
                "{what}: one edge per distinct branch"
            );
            assert_eq!(
                branches.iter().cloned().collect::<BTreeSet<_>>(),
                expected,
                "{what}"
            );
            let skips: BTreeSet<(String, String)> = found
                .iter()
                .filter(|e| e.2)
                .map(|e| (e.0.clone(), e.1.clone()))
                .collect();
            let rules: BTreeSet<(String, String)> = tree
                .nodes
                .iter()
                .filter_map(|n| match &n.kind {
                    NodeKind::Question {
                        answered_by: Some(rule),
                        ..
                    } => Some((drawn(&tree.nodes[usize::from(rule.check)].id), drawn(&n.id))),
                    _ => None,
                })
                .collect();
            assert_eq!(skips, rules, "{what}: a dashed edge per skip rule");
            assert_eq!(found.iter().filter(|e| e.2).count(), rules.len(), "{what}");
            assert_parses(&out, mermaid, &what);
        }
    }
}

#[test]
fn check_edges_merge_outcomes_and_skip_edges_name_outcome_and_choice() {
    let path = workspace().join("trees/vpn-error-800.toml");
    let (_, dot, _) = graph(&path, false);
    // `status` goes to `online` on pass, warn and unknown: one edge.
    assert!(
        dot.contains("n_status -> n_online [label=\"pass, warn, unknown\"]"),
        "{dot}"
    );
    assert!(
        dot.contains("n_status -> n_known_outage [label=\"fail\"]"),
        "{dot}"
    );
    assert!(
        dot.contains("n_set_clock -> n_fixed_clock [label=\"fixed\"]"),
        "{dot}"
    );
    assert!(
        dot.contains("n_set_clock -> n_where [label=\"not fixed\"]"),
        "{dot}"
    );
    let skip = dot
        .lines()
        .find(|l| l.trim_start().starts_with("n_internet -> n_other_sites"))
        .expect("the skip rule's edge");
    let skip = unwrapped(skip, false);
    assert!(skip.contains("style=dashed"), "{skip}");
    assert!(
        skip.contains("pass, warn → “Yes, other websites load”"),
        "{skip}"
    );
    assert!(skip.contains("fail → “No, nothing loads”"), "{skip}");
    let (_, mermaid, _) = graph(&path, true);
    assert!(mermaid.starts_with("flowchart TD\n"), "{mermaid}");
    assert!(
        mermaid.contains("n_status -->|\"pass, warn, unknown\"| n_online"),
        "{mermaid}"
    );
    assert!(mermaid.contains("n_internet -.->|"), "{mermaid}");
}

/// A lint-clean tree whose text holds everything that breaks a label.
const AWKWARD: &str = r#"
id = "awkward"
title = "Quotes \"here\", a back\\slash & <b>tags</b> 100%"
symptom = "Text that breaks \"labels\"."
version = 1
start = "end"

[[node]]
id = "end"
kind = "question"
text = "Does \"this\" <b>break</b> a\\N & c # d | e `f` %%{init: {}}%% {g} [h] (i)?\nA second line"
choices = [
    { id = "a", label = "Yes \"quoted\" <i>", next = "node-2" },
    { id = "b", label = "No | pipe #35; hash", next = "node 2" },
]

[[node]]
id = "node-2"
kind = "outcome"
result = "resolved"
summary = "Done \\l <script>alert(1)</script>"
cause = "done"

[[node]]
id = "node 2"
kind = "outcome"
result = "escalate"
summary = "Ids that collide once made safe."
cause = "done"
"#;

fn awkward_file() -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
    std::io::Write::write_all(&mut f, AWKWARD.as_bytes()).unwrap();
    assert!(
        fixpath_core::lint::lint(AWKWARD).is_empty(),
        "{:?}",
        fixpath_core::lint::lint(AWKWARD)
    );
    f
}

#[test]
fn dot_escapes_quotes_backslashes_and_line_breaks() {
    let f = awkward_file();
    let (code, dot, err) = graph(f.path(), false);
    assert_eq!(code, 0, "{err}");
    let flat = unwrapped(&dot, false);
    assert!(
        dot.contains(r#"Does \"this\" <b>break</b> a\\N & c"#),
        "{dot}"
    );
    assert!(flat.contains(r#"Yes \"quoted\" <i>"#), "{dot}");
    assert!(flat.contains(r"Done \\l"), "{dot}");
    // The text's own line break is DOT's `\n`, never a raw one inside a string.
    assert!(dot.contains(r"(i)?\nA second line"), "{dot}");
    for line in dot.lines() {
        assert_eq!(unescaped_quotes(line) % 2, 0, "unbalanced quotes: {line}");
    }
    // Two ids that collide once made safe stay two nodes.
    assert!(dot.contains("n_node_2 ["), "{dot}");
    assert!(dot.contains("n_node_2_2 ["), "{dot}");
    assert!(
        dot.contains("n_end -> n_node_2 ") && dot.contains("n_end -> n_node_2_2 "),
        "{dot}"
    );
    assert_parses(&dot, false, "awkward (dot)");
}

#[test]
fn mermaid_escapes_with_entity_codes() {
    let f = awkward_file();
    let (code, m, err) = graph(f.path(), true);
    assert_eq!(code, 0, "{err}");
    let flat = unwrapped(&m, true);
    assert!(
        flat.contains("Does #quot;this#quot; #lt;b#gt;break#lt;/b#gt; a\\N #amp; c"),
        "{m}"
    );
    assert!(
        flat.contains("#35; d #124; e #96;f#96; #37;#37;{init: {}}#37;#37; {g} [h] (i)?"),
        "{m}"
    );
    assert!(flat.contains("Yes #quot;quoted#quot; #lt;i#gt;"), "{m}");
    assert!(flat.contains("No #124; pipe #35;35; hash"), "{m}");
    assert!(
        flat.contains("#lt;script#gt;alert(1)#lt;/script#gt;"),
        "{m}"
    );
    // The title rides in comments (which Mermaid drops), the text in labels.
    let body: Vec<&str> = m
        .lines()
        .filter(|l| !l.trim_start().starts_with("%% "))
        .collect();
    for line in &body {
        assert!(
            !line.contains("<b>") && !line.contains("<script>") && !line.contains("<i>"),
            "{line}"
        );
    }
    // One directive only: the one the graph starts with.
    assert_eq!(m.matches("%%{").count(), 1, "{m}");
    assert!(m.contains("100#37;"), "no `%` in the comments either: {m}");
    for line in body {
        assert_eq!(
            line.matches('"').count() % 2,
            0,
            "a quote inside a label: {line}"
        );
    }
    assert_parses(&m, true, "awkward (mermaid)");
}

#[test]
fn a_tree_that_does_not_lint_is_refused_with_lints_lines() {
    let mut f = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
    let src = AWKWARD.replace("next = \"node 2\"", "next = \"nowhere\"");
    std::io::Write::write_all(&mut f, src.as_bytes()).unwrap();
    let problems = fixpath_core::lint::lint(&src);
    assert!(!problems.is_empty());
    let (code, out, err) = graph(f.path(), false);
    assert_eq!(code, 1, "{err}");
    assert_eq!(out, "", "nothing is drawn");
    for p in &problems {
        assert!(err.contains(&p.in_file(f.path().display())), "{err}");
    }
    let line = src.lines().position(|l| l.contains("nowhere")).unwrap() + 1;
    assert!(
        err.contains(&format!("{}:{line}: node `end`:", f.path().display())),
        "file:line: node: message, as lint prints it: {err}"
    );
}

#[test]
fn an_unreadable_file_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.toml");
    let (code, out, err) = graph(&missing, false);
    assert_eq!(code, 2);
    assert_eq!(out, "");
    assert!(
        err.contains("missing.toml") && err.contains("cannot read"),
        "{err}"
    );
    let (code, _, err) = graph(dir.path(), true);
    assert_eq!(code, 2, "a directory is no tree file: {err}");
    let binary = dir.path().join("binary.toml");
    std::fs::write(&binary, [0xff, 0xfe, 0x00]).unwrap();
    let (code, _, err) = graph(&binary, false);
    assert_eq!(code, 2);
    assert!(err.contains("not UTF-8"), "{err}");
}

/// The example content these tests draw is whole: its trees, `brand.toml` and
/// logo lint as `serve --content` loads them, and the logo is a small, plain SVG.
#[test]
fn the_example_content_lints_clean() {
    let dir = workspace().join("examples/acme");
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = cli::lint(std::slice::from_ref(&dir), &mut out, &mut err);
    let (out, err) = (
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    );
    assert_eq!(code, cli::LINT_CLEAN, "{out}{err}");
    let logo = std::fs::read_to_string(dir.join("logo.svg")).unwrap();
    assert!(logo.len() < 1024, "{} bytes", logo.len());
    assert!(
        !logo.to_ascii_lowercase().contains("script") && !logo.contains(" on"),
        "{logo}"
    );
}

#[test]
fn the_same_tree_draws_the_same_text() {
    let path = workspace().join("examples/acme/trees/wifi-connected-no-internet.toml");
    for mermaid in [false, true] {
        assert_eq!(graph(&path, mermaid).1, graph(&path, mermaid).1);
    }
}

/// Double quotes not escaped by a backslash (DOT's only escape in strings).
fn unescaped_quotes(line: &str) -> usize {
    let mut n = 0;
    let mut escaped = false;
    for c in line.chars() {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => n += 1,
            _ => escaped = false,
        }
        if c != '\\' {
            escaped = false;
        }
    }
    n
}

/// Graphviz's `dot -Tsvg` accepts the DOT when it is installed; without it,
/// and for Mermaid, the brackets outside strings balance and every string ends.
fn assert_parses(text: &str, mermaid: bool, what: &str) {
    if !mermaid && has_dot() {
        let mut child = Command::new("dot")
            .arg("-Tsvg")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run dot");
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), text.as_bytes()).unwrap();
        let done = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&done.stderr);
        assert!(
            done.status.success(),
            "{what}: dot refused it: {stderr}\n{text}"
        );
        assert!(!stderr.contains("Error"), "{what}: {stderr}");
        assert!(
            String::from_utf8_lossy(&done.stdout).contains("</svg>"),
            "{what}"
        );
        return;
    }
    let mut stack = Vec::new();
    let mut in_string = false;
    let mut escaped = false;
    for (i, line) in text.lines().enumerate() {
        let comment = line
            .trim_start()
            .starts_with(if mermaid { "%%" } else { "//" });
        if comment {
            continue;
        }
        for c in line.chars() {
            if in_string {
                match c {
                    '\\' if !mermaid && !escaped => {
                        escaped = true;
                        continue;
                    }
                    '"' if !escaped => in_string = false,
                    _ => {}
                }
                escaped = false;
                continue;
            }
            match c {
                '"' => in_string = true,
                '(' | '[' | '{' => stack.push(c),
                ')' | ']' | '}' => {
                    let open = stack.pop();
                    let want = match c {
                        ')' => '(',
                        ']' => '[',
                        _ => '{',
                    };
                    assert_eq!(open, Some(want), "{what}: line {}: {line}", i + 1);
                }
                _ => {}
            }
        }
        assert!(
            !in_string,
            "{what}: a string runs past line {}: {line}",
            i + 1
        );
        if mermaid {
            assert!(
                stack.is_empty(),
                "{what}: line {} leaves {stack:?} open: {line}",
                i + 1
            );
            assert_eq!(
                line.matches('|').count() % 2,
                0,
                "{what}: an edge label without its end: {line}"
            );
        }
    }
    assert!(stack.is_empty(), "{what}: {stack:?} left open");
}

fn has_dot() -> bool {
    Command::new("which")
        .arg("dot")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
