//! Lint tests: every shipped tree is clean and compiles; a table of broken trees,
//! each one edit away from a clean base, fails with the right message, node and
//! line; and lint and the tree parser never panic, whatever the input.

mod common;

use fixpath_core::catalog::{Check, ParamType, Platforms};
use fixpath_core::lint::{self, Problem};
use fixpath_core::model::{NodeKind, Tree};
use fixpath_core::shipped;
use fixpath_core::CheckName;
use proptest::prelude::*;

/// A lint-clean tree using every kind of node, a skip rule and a check parameter.
/// Every broken tree below is this with one edit.
const BASE: &str = r#"id = "base"
title = "Base"
symptom = "A small tree for lint tests"
version = 1
start = "online"

[[node]]
id = "online"
kind = "check"
check = "browser.online"
text = "Is the browser online?"
next = { pass = "sites", warn = "sites", fail = "offline", unknown = "sites" }

[[node]]
id = "sites"
kind = "question"
text = "Do other sites open?"
choices = [
  { id = "yes", label = "Yes", next = "probe" },
  { id = "no", label = "No", next = "offline" },
]
answered_by = { check = "online", pass = "yes" }

[[node]]
id = "probe"
kind = "check"
check = "server.probe"
text = "Does the VPN server answer?"
params = { port = 1723 }
next = { pass = "retry", warn = "retry", fail = "blocked", unknown = "retry" }

[[node]]
id = "retry"
kind = "advice"
text = "Wait a minute and try again."
fixed = "done"
not_fixed = "blocked"

[[node]]
id = "offline"
kind = "outcome"
result = "escalate"
summary = "The device is offline."
cause = "no-network"

[[node]]
id = "blocked"
kind = "outcome"
result = "escalate"
summary = "Something blocks the VPN."
cause = "port-blocked"

[[node]]
id = "done"
kind = "outcome"
result = "resolved"
summary = "Fixed by retrying."
cause = "transient"
"#;

/// How a broken tree is made from [`BASE`].
enum Edit {
    /// Replace the one occurrence of the first string with the second.
    Replace(&'static str, &'static str),
    /// Append text at the end.
    Append(&'static str),
    /// Give the question this many choices (the first is still `yes`).
    Choices(usize),
}

/// One broken tree and the problem lint must report for it.
struct Broken {
    name: &'static str,
    edit: Edit,
    /// A specific part of the message.
    message: &'static str,
    node: Option<&'static str>,
    /// Text that occurs exactly once in the broken tree, on the line the problem
    /// must be reported at.
    line_of: &'static str,
}

fn broken_trees() -> Vec<Broken> {
    use Edit::{Append, Choices, Replace};
    vec![
        Broken {
            name: "duplicate node id",
            edit: Append(
                "\n[[node]]\nid = \"retry\" # again\nkind = \"outcome\"\nresult = \"resolved\"\nsummary = \"Again.\"\ncause = \"again\"\n",
            ),
            message: "duplicate node id",
            node: Some("retry"),
            line_of: "id = \"retry\" # again",
        },
        Broken {
            name: "dangling next",
            edit: Replace("fail = \"blocked\"", "fail = \"nowhere\""),
            message: "`next.fail` points to `nowhere`, which is not a node in this tree",
            node: Some("probe"),
            line_of: "fail = \"nowhere\"",
        },
        Broken {
            name: "dangling choice next",
            edit: Replace(
                "{ id = \"no\", label = \"No\", next = \"offline\" }",
                "{ id = \"no\", label = \"No\", next = \"gone\" }",
            ),
            message: "`choice `no` next` points to `gone`",
            node: Some("sites"),
            line_of: "next = \"gone\"",
        },
        Broken {
            name: "dangling advice branch",
            edit: Replace("not_fixed = \"blocked\"", "not_fixed = \"elsewhere\""),
            message: "`not_fixed` points to `elsewhere`",
            node: Some("retry"),
            line_of: "not_fixed = \"elsewhere\"",
        },
        Broken {
            name: "dangling start",
            edit: Replace("start = \"online\"", "start = \"begin\""),
            message: "`start` points to `begin`, which is not a node in this tree",
            node: None,
            line_of: "start = \"begin\"",
        },
        Broken {
            name: "unreachable node",
            edit: Append(
                "\n[[node]]\nid = \"orphan\"\nkind = \"outcome\"\nresult = \"resolved\"\nsummary = \"Nobody gets here.\"\ncause = \"none\"\n",
            ),
            message: "unreachable: no path from `start` leads here",
            node: Some("orphan"),
            line_of: "id = \"orphan\"",
        },
        Broken {
            name: "cycle",
            edit: Replace("not_fixed = \"blocked\"", "not_fixed = \"online\""),
            message: "cycle: this node leads back to `online`",
            node: Some("retry"),
            line_of: "id = \"retry\"",
        },
        Broken {
            name: "self loop",
            edit: Replace("fixed = \"done\"", "fixed = \"retry\""),
            message: "cycle: this node leads back to `retry`",
            node: Some("retry"),
            line_of: "id = \"retry\"",
        },
        Broken {
            name: "question without choices is a leaf that is not an outcome",
            edit: Replace(
                "choices = [\n  { id = \"yes\", label = \"Yes\", next = \"probe\" },\n  { id = \"no\", label = \"No\", next = \"offline\" },\n]\nanswered_by = { check = \"online\", pass = \"yes\" }\n",
                "choices = []\n",
            ),
            message: "this question has no choices, so it is a leaf that is not an outcome",
            node: Some("sites"),
            line_of: "id = \"sites\"",
        },
        Broken {
            name: "advice without a branch",
            edit: Replace("fixed = \"done\"\n", ""),
            message: "needs `fixed`",
            node: Some("retry"),
            line_of: "id = \"retry\"",
        },
        Broken {
            name: "check outcome left unbranched",
            edit: Replace(
                "fail = \"offline\", unknown = \"sites\" }",
                "fail = \"offline\" }",
            ),
            message: "outcome `unknown` is not branched in `next`",
            node: Some("online"),
            line_of: "next = { pass = \"sites\"",
        },
        Broken {
            name: "check without next",
            edit: Replace(
                "next = { pass = \"retry\", warn = \"retry\", fail = \"blocked\", unknown = \"retry\" }\n",
                "",
            ),
            message: "a check needs `next` with pass, warn, fail and unknown",
            node: Some("probe"),
            line_of: "id = \"probe\"",
        },
        Broken {
            name: "unknown check name",
            edit: Replace("check = \"browser.online\"", "check = \"browser.offline\""),
            message: "unknown check `browser.offline` (known: browser.online, helper.ping",
            node: Some("online"),
            line_of: "check = \"browser.offline\"",
        },
        Broken {
            name: "unknown check parameter",
            edit: Replace("params = { port = 1723 }", "params = { port = 1723, colour = \"red\" }"),
            message: "unknown parameter `colour` for check `server.probe`: it takes port",
            node: Some("probe"),
            line_of: "colour = \"red\"",
        },
        Broken {
            name: "parameter for a check that takes none",
            edit: Replace(
                "check = \"browser.online\"\n",
                "check = \"browser.online\"\nparams = { timeout = 5 }\n",
            ),
            message: "unknown parameter `timeout` for check `browser.online`: it takes no parameters",
            node: Some("online"),
            line_of: "params = { timeout = 5 }",
        },
        Broken {
            name: "missing required parameter",
            edit: Replace("params = { port = 1723 }\n", ""),
            message: "check `server.probe` needs the parameter `port`",
            node: Some("probe"),
            line_of: "id = \"probe\"",
        },
        Broken {
            name: "wrongly typed parameter",
            edit: Replace("params = { port = 1723 }", "params = { port = \"1723\" }"),
            message: "parameter `port` must be a whole number",
            node: Some("probe"),
            line_of: "params = { port = \"1723\" }",
        },
        Broken {
            name: "parameter out of range",
            edit: Replace("params = { port = 1723 }", "params = { port = 70000 }"),
            message: "`port` must be 1 to 65535",
            node: Some("probe"),
            line_of: "params = { port = 70000 }",
        },
        Broken {
            name: "empty text",
            edit: Replace("text = \"Wait a minute and try again.\"", "text = \"   \""),
            message: "`text` is empty",
            node: Some("retry"),
            line_of: "text = \"   \"",
        },
        Broken {
            name: "missing text",
            edit: Replace("text = \"Does the VPN server answer?\"\n", ""),
            message: "a check needs `text`",
            node: Some("probe"),
            line_of: "id = \"probe\"",
        },
        Broken {
            name: "empty summary",
            edit: Replace("summary = \"Fixed by retrying.\"", "summary = \"\""),
            message: "`summary` is empty",
            node: Some("done"),
            line_of: "summary = \"\"",
        },
        Broken {
            name: "empty cause",
            edit: Replace("cause = \"transient\"", "cause = \" \""),
            message: "`cause` is empty",
            node: Some("done"),
            line_of: "cause = \" \"",
        },
        Broken {
            name: "empty help",
            edit: Replace(
                "text = \"Do other sites open?\"\n",
                "text = \"Do other sites open?\"\nhelp = \"\"\n",
            ),
            message: "`help` is empty",
            node: Some("sites"),
            line_of: "help = \"\"",
        },
        Broken {
            name: "too many choices",
            edit: Choices(32),
            message: "a question may have at most 32 choices",
            node: Some("sites"),
            line_of: "id = \"sites\"",
        },
        Broken {
            name: "unknown platform",
            edit: Replace(
                "check = \"browser.online\"\n",
                "check = \"platform\"\nparams = { pass = [\"windows\", \"amiga\"] }\n",
            ),
            message: "unknown platform `amiga` (known: windows, macos",
            node: Some("online"),
            line_of: "\"amiga\"",
        },
        Broken {
            name: "negative parameter",
            edit: Replace(
                "check = \"browser.online\"\n",
                "check = \"clock.skew\"\nparams = { max_skew_s = -5 }\n",
            ),
            message: "`max_skew_s` must not be negative",
            node: Some("online"),
            line_of: "max_skew_s = -5",
        },
        Broken {
            name: "empty choice label",
            edit: Replace("label = \"Yes\"", "label = \"\""),
            message: "`label` is empty",
            node: Some("sites"),
            line_of: "label = \"\"",
        },
        Broken {
            name: "duplicate choice id",
            edit: Replace("{ id = \"no\", label = \"No\"", "{ id = \"yes\", label = \"No\""),
            message: "duplicate choice id `yes`",
            node: Some("sites"),
            line_of: "label = \"No\"",
        },
        Broken {
            name: "unknown kind",
            edit: Replace("kind = \"advice\"", "kind = \"tip\""),
            message: "unknown kind `tip` (use question, check, advice or outcome)",
            node: Some("retry"),
            line_of: "kind = \"tip\"",
        },
        Broken {
            name: "unknown outcome result",
            edit: Replace("result = \"resolved\"", "result = \"solved\""),
            message: "`result` is `solved`; use `resolved` or `escalate`",
            node: Some("done"),
            line_of: "result = \"solved\"",
        },
        Broken {
            name: "answered_by names a choice that does not exist",
            edit: Replace("pass = \"yes\" }", "pass = \"maybe\" }"),
            message: "`answered_by.pass` names choice `maybe`, which this question does not have",
            node: Some("sites"),
            line_of: "pass = \"maybe\" }",
        },
        Broken {
            name: "answered_by names a node that is not a check",
            edit: Replace("check = \"online\", pass", "check = \"retry\", pass"),
            message: "`answered_by.check` names `retry`, which is not a check node",
            node: Some("sites"),
            line_of: "id = \"sites\"",
        },
        Broken {
            name: "answered_by names a node that does not exist",
            edit: Replace("check = \"online\", pass", "check = \"ghost\", pass"),
            message: "`answered_by.check` points to `ghost`, which is not a node in this tree",
            node: Some("sites"),
            line_of: "check = \"ghost\"",
        },
        Broken {
            name: "answered_by maps nothing",
            edit: Replace(
                "answered_by = { check = \"online\", pass = \"yes\" }",
                "answered_by = { check = \"online\" }",
            ),
            message: "`answered_by` maps no outcome to a choice",
            node: Some("sites"),
            line_of: "answered_by = { check = \"online\" }",
        },
        Broken {
            name: "key that the node's kind does not take",
            edit: Replace(
                "text = \"Do other sites open?\"\n",
                "text = \"Do other sites open?\"\nfixed = \"done\"\n",
            ),
            message: "a question does not take `fixed`",
            node: Some("sites"),
            line_of: "fixed = \"done\"\nchoices",
        },
        Broken {
            name: "unknown key in a node",
            edit: Replace(
                "text = \"Is the browser online?\"\n",
                "text = \"Is the browser online?\"\ncolour = \"blue\"\n",
            ),
            message: "a node has no key `colour` (it may have id, kind, text,",
            node: Some("online"),
            line_of: "colour = \"blue\"",
        },
        Broken {
            name: "version 0",
            edit: Replace("version = 1\n", "version = 0\n"),
            message: "`version` starts at 1",
            node: None,
            line_of: "version = 0",
        },
        Broken {
            name: "too few pings",
            edit: Replace(
                "check = \"browser.online\"",
                "check = \"helper.ping\"\nparams = { count = 3 }",
            ),
            message: "`count` must be 5 to 20",
            node: Some("online"),
            line_of: "count = 3",
        },
        Broken {
            name: "too many pings",
            edit: Replace(
                "check = \"browser.online\"",
                "check = \"helper.ping\"\nparams = { count = 21 }",
            ),
            message: "`count` must be 5 to 20",
            node: Some("online"),
            line_of: "count = 21",
        },
        Broken {
            name: "unknown key at the top",
            edit: Replace("version = 1\n", "version = 1\nauthor = \"me\"\n"),
            message: "the tree has no key `author`",
            node: None,
            line_of: "author = \"me\"",
        },
        Broken {
            name: "unknown key in next",
            edit: Replace("unknown = \"retry\" }", "unknown = \"retry\", maybe = \"done\" }"),
            message: "`next` has no key `maybe`",
            node: Some("probe"),
            line_of: "maybe = \"done\"",
        },
        Broken {
            name: "misspelt key in an outcome",
            edit: Replace("summary = \"Fixed by retrying.\"", "sumary = \"Fixed by retrying.\""),
            message: "a node has no key `sumary`; did you mean `summary`?",
            node: Some("done"),
            line_of: "sumary = ",
        },
        Broken {
            name: "unknown key in a choice",
            edit: Replace(
                "{ id = \"no\", label = \"No\", next = \"offline\" }",
                "{ id = \"no\", label = \"No\", next = \"offline\", hint = \"x\" }",
            ),
            message: "a choice has no key `hint`",
            node: Some("sites"),
            line_of: "hint = ",
        },
        Broken {
            name: "unknown key in answered_by",
            edit: Replace(
                "answered_by = { check = \"online\", pass = \"yes\" }",
                "answered_by = { check = \"online\", pas = \"yes\" }",
            ),
            message: "`answered_by` has no key `pas`; did you mean `pass`?",
            node: Some("sites"),
            line_of: "pas = ",
        },
        Broken {
            name: "TOML syntax error: unquoted string",
            edit: Replace("kind = \"advice\"", "kind = advice"),
            message: "string values must be quoted",
            node: None,
            line_of: "kind = advice",
        },
        Broken {
            name: "TOML syntax error: unterminated string",
            edit: Replace("title = \"Base\"", "title = \"Base"),
            message: "invalid basic string",
            node: None,
            line_of: "title = \"Base",
        },
        Broken {
            name: "missing kind",
            edit: Replace("kind = \"advice\"\n", ""),
            message: "a node needs `kind`",
            node: Some("retry"),
            line_of: "[[node]]\nid = \"retry\"",
        },
        Broken {
            name: "tree id with capitals",
            edit: Replace("id = \"base\"", "id = \"Base\""),
            message: "`id` may use only lowercase letters, digits and `-`",
            node: None,
            line_of: "id = \"Base\"",
        },
        Broken {
            name: "symptom on two lines",
            edit: Replace(
                "symptom = \"A small tree for lint tests\"",
                "symptom = \"A small tree\\nfor lint tests\"",
            ),
            message: "`symptom` must be one line",
            node: None,
            line_of: "symptom = ",
        },
    ]
}

/// 1-based line of the one occurrence of `needle` in `src`.
fn line_of(src: &str, needle: &str) -> u32 {
    assert_eq!(
        src.matches(needle).count(),
        1,
        "`{needle}` must occur exactly once in the broken tree"
    );
    let at = src.find(needle).unwrap_or_default();
    1 + src[..at].matches('\n').count() as u32
}

fn apply(edit: &Edit) -> String {
    match edit {
        Edit::Replace(from, to) => {
            assert_eq!(
                BASE.matches(from).count(),
                1,
                "`{from}` must occur exactly once in the base tree"
            );
            BASE.replacen(from, to, 1)
        }
        Edit::Append(text) => format!("{BASE}{text}"),
        Edit::Choices(n) => {
            let mut choices = String::from("choices = [\n");
            for i in 0..*n {
                let id = if i == 0 {
                    "yes".to_string()
                } else {
                    format!("c{i}")
                };
                choices.push_str(&format!(
                    "  {{ id = \"{id}\", label = \"Choice {i}\", next = \"probe\" }},\n"
                ));
            }
            choices.push_str("  { id = \"no\", label = \"No\", next = \"offline\" },\n]\n");
            let from = "choices = [\n  { id = \"yes\", label = \"Yes\", next = \"probe\" },\n  { id = \"no\", label = \"No\", next = \"offline\" },\n]\n";
            assert_eq!(BASE.matches(from).count(), 1);
            BASE.replacen(from, &choices, 1)
        }
    }
}

fn show(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  {p:?}\n"))
        .collect::<String>()
}

#[test]
fn the_base_tree_is_clean_and_uses_every_kind_of_node() {
    assert_eq!(lint::lint(BASE), Vec::new());
    let tree = Tree::from_toml(BASE).expect("base compiles");
    let kinds = |f: fn(&NodeKind) -> bool| tree.nodes.iter().filter(|n| f(&n.kind)).count();
    assert_eq!(kinds(|k| matches!(k, NodeKind::Check { .. })), 2);
    assert_eq!(kinds(|k| matches!(k, NodeKind::Question { .. })), 1);
    assert_eq!(kinds(|k| matches!(k, NodeKind::Advice { .. })), 1);
    assert_eq!(kinds(|k| matches!(k, NodeKind::Outcome { .. })), 3);
    // The most choices a question may have is fine.
    let widest = apply(&Edit::Choices(31));
    assert_eq!(widest.matches("label = ").count(), 32);
    assert_eq!(lint::lint(&widest), Vec::new());
    // Node lines are the lines of their `id` keys.
    assert_eq!(tree.nodes[0].line, line_of(BASE, "id = \"online\""));
}

#[test]
fn an_unknown_kind_is_the_only_problem_reported() {
    // The node's keys fit no kind, so checking them against one would only add
    // problems the author does not have.
    let src = apply(&Edit::Replace("kind = \"advice\"", "kind = \"tip\""));
    let problems = lint::lint(&src);
    assert_eq!(problems.len(), 1, "{}", show(&problems));
}

#[test]
fn an_unknown_key_does_not_hide_the_other_problems() {
    let src = apply(&Edit::Replace(
        "text = \"Is the browser online?\"\n",
        "text = \"Is the browser online?\"\ncolour = \"blue\"\n",
    ))
    .replace("fail = \"blocked\"", "fail = \"nowhere\"")
    .replace("version = 1\n", "version = 1\nauthor = \"me\"\n");
    let problems = lint::lint(&src);
    let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(problems.len(), 3, "{}", show(&problems));
    assert!(
        messages[0].starts_with("the tree has no key `author`"),
        "{messages:?}"
    );
    assert!(
        messages[1].starts_with("a node has no key `colour`"),
        "{messages:?}"
    );
    assert!(messages[2].contains("points to `nowhere`"), "{messages:?}");
}

#[test]
fn missing_keys_are_reported_together_with_the_other_problems() {
    let src = apply(&Edit::Replace("title = \"Base\"\n", ""))
        .replace("kind = \"advice\"\n", "")
        .replace(
            "{ id = \"no\", label = \"No\", next = \"offline\" }",
            "{ id = \"no\", next = \"offline\" }",
        )
        .replace(
            "answered_by = { check = \"online\", pass = \"yes\" }",
            "answered_by = { pass = \"yes\" }",
        )
        .replace("id = \"done\"\n", "")
        .replace("fail = \"blocked\"", "fail = \"nowhere\"");
    let problems = lint::lint(&src);
    let said: Vec<(Option<&str>, &str)> = problems
        .iter()
        .map(|p| (p.node.as_deref(), p.message.as_str()))
        .collect();
    for want in [
        (None, "the tree needs `title`"),
        (Some("sites"), "a choice needs `label`"),
        (Some("sites"), "`answered_by` needs `check`"),
        (Some("retry"), "a node needs `kind`"),
        (None, "a node needs `id`"),
    ] {
        assert!(said.contains(&want), "{want:?} not in\n{}", show(&problems));
    }
    assert!(
        said.iter().any(|(_, m)| m.contains("points to `nowhere`")),
        "{}",
        show(&problems)
    );
    // Each at its own place: the choice's line, the node's header.
    let line = |m: &str| problems.iter().find(|p| p.message == m).map(|p| p.line);
    assert_eq!(
        line("a choice needs `label`"),
        Some(line_of(&src, "{ id = \"no\""))
    );
    assert_eq!(
        line("a node needs `kind`"),
        Some(line_of(&src, "[[node]]\nid = \"retry\""))
    );
    assert_eq!(line("the tree needs `title`"), Some(1));
}

#[test]
fn every_broken_tree_fails_with_the_right_message_node_and_line() {
    let mut failures = Vec::new();
    for case in broken_trees() {
        let src = apply(&case.edit);
        let want_line = line_of(&src, case.line_of);
        let problems = lint::lint(&src);
        let found = problems.iter().any(|p| {
            p.message.contains(case.message)
                && p.node.as_deref() == case.node
                && p.line == want_line
        });
        if !found {
            failures.push(format!(
                "{}: want line {want_line}, node {:?}, message containing {:?}; lint said:\n{}",
                case.name,
                case.node,
                case.message,
                show(&problems)
            ));
        }
        // Lint and compile agree: a tree with problems is never built.
        let compiled = Tree::from_toml(&src);
        assert!(
            compiled.is_err(),
            "{}: compiled despite problems",
            case.name
        );
        assert_eq!(
            compiled.err().unwrap_or_default(),
            problems,
            "{}",
            case.name
        );
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn problems_read_with_their_line_and_node() {
    let src = apply(&Edit::Replace("fail = \"blocked\"", "fail = \"nowhere\""));
    let p = &lint::lint(&src)[0];
    assert_eq!(
        p.to_string(),
        format!(
            "line {}: node `probe`: `next.fail` points to `nowhere`, which is not a node in this tree",
            line_of(&src, "fail = \"nowhere\"")
        )
    );
    let p = &lint::lint("version = 1")[0];
    assert_eq!(p.node, None);
    assert!(p.to_string().starts_with("line 1: "), "{p}");
}

#[test]
fn an_empty_file_and_a_tree_without_nodes_are_refused() {
    let empty = lint::lint("");
    assert_eq!(empty.len(), 1, "{empty:?}");
    assert_eq!(empty[0].line, 1);
    assert!(
        empty[0].message.starts_with("the file is empty"),
        "{empty:?}"
    );
    assert_eq!(lint::lint(" \n\t\n"), empty);

    let header = BASE.split("[[node]]").next().unwrap_or_default();
    let none = lint::lint(header);
    assert!(
        none.iter()
            .any(|p| p.message == "the tree has no `[[node]]` tables" && p.line == 1),
        "{none:?}"
    );
}

#[test]
fn every_shipped_tree_lints_clean_and_compiles() {
    assert!(
        !shipped::SOURCES.is_empty(),
        "Fixpath ships at least one tree"
    );
    for (file, src) in shipped::SOURCES {
        let problems = lint::lint(src);
        assert!(
            problems.is_empty(),
            "{file} does not lint clean:\n{}",
            show(&problems)
        );
        let tree = Tree::from_toml(src).unwrap_or_else(|p| panic!("{file}: {p:?}"));
        assert_eq!(
            format!("{}.toml", tree.id),
            *file,
            "a shipped tree's file is named after its id"
        );
        assert_eq!(tree.fingerprint, tree.compute_fingerprint(), "{file}");
        assert!(tree.longest_remaining(tree.start) > 0, "{file}");
    }
    let ids: Vec<_> = shipped::trees().into_iter().map(|t| t.id).collect();
    assert_eq!(ids.len(), shipped::SOURCES.len());
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        ids.len(),
        "shipped tree ids are unique: {ids:?}"
    );
}

/// Every `*.toml` file in `trees/` ships: the list is the directory's, so a new
/// tree file cannot be linted by `fixpath lint trees` and yet left out of the app.
#[test]
fn every_tree_file_in_the_directory_ships() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../trees");
    let mut on_disk: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "toml"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let src = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, src)
        })
        .collect();
    on_disk.sort();
    // Translations (`TREE.LANG.toml`) ship beside the trees, listed apart.
    let (translations, on_disk): (Vec<_>, Vec<_>) = on_disk
        .into_iter()
        .partition(|(n, _)| fixpath_core::translation::split_file_name(n).is_some());
    let listed: Vec<(String, String)> = shipped::TRANSLATIONS
        .iter()
        .map(|(n, s)| (n.to_string(), s.to_string()))
        .collect();
    assert_eq!(
        listed, translations,
        "every translation ships, as it is on disk"
    );
    assert!(!on_disk.is_empty(), "trees/ holds the shipped trees");
    let shipped: Vec<(String, String)> = shipped::SOURCES
        .iter()
        .map(|(n, s)| (n.to_string(), s.to_string()))
        .collect();
    assert_eq!(
        shipped.iter().map(|(n, _)| n).collect::<Vec<_>>(),
        on_disk.iter().map(|(n, _)| n).collect::<Vec<_>>(),
        "every tree file ships, in file-name order"
    );
    assert_eq!(shipped, on_disk, "each as it is on disk");
    assert_eq!(shipped::compile().map(|t| t.len()), Ok(on_disk.len()));
}

/// A tree that does not lint fails `shipped::compile` with its file and problems,
/// which the app's build prints as `fixpath lint` does.
#[test]
fn a_problem_prints_as_fixpath_lint_prints_it() {
    let broken = BASE.replace("kind = \"advice\"", "kind = \"advise\"");
    let problems = lint::lint(&broken);
    let p = problems.first().expect("a problem");
    assert_eq!(
        p.in_file("trees/base.toml"),
        format!(
            "trees/base.toml:{}: node `retry`: unknown kind `advise` (use question, check, advice or outcome)",
            line_of(BASE, "kind = \"advice\"")
        )
    );
    let empty = &lint::lint("")[0];
    assert!(
        empty
            .in_file("trees/x.toml")
            .starts_with("trees/x.toml:1: the file is empty"),
        "{empty:?}"
    );
}

/// Lint reads each check's parameters into its typed form, with the catalog's
/// defaults for those the tree leaves out, so the app reads no parameter by name.
#[test]
fn check_parameters_compile_typed_with_their_defaults() {
    let with = |check: &str, params: &str| {
        let src = BASE.replace(
            "check = \"browser.online\"\n",
            &format!("check = \"{check}\"\n{params}"),
        );
        let tree = Tree::from_toml(&src).unwrap_or_else(|p| panic!("{check} {params}: {p:?}"));
        match tree.nodes[0].kind {
            NodeKind::Check { check, .. } => check,
            ref other => panic!("{other:?}"),
        }
    };
    assert_eq!(with("browser.online", ""), Check::BrowserOnline);
    assert_eq!(
        with("helper.ping", ""),
        Check::HelperPing {
            count: 5,
            warn_ms: 300
        }
    );
    assert_eq!(
        with("helper.ping", "params = { count = 12, warn_ms = 80 }\n"),
        Check::HelperPing {
            count: 12,
            warn_ms: 80
        }
    );
    assert_eq!(with("clock.skew", ""), Check::ClockSkew { max_skew_s: 120 });
    assert_eq!(
        with("clock.skew", "params = { max_skew_s = 30 }\n"),
        Check::ClockSkew { max_skew_s: 30 }
    );
    let set = |names: &[&str]| {
        names
            .iter()
            .fold(Platforms::default(), |s, n| s.with(n).expect("a platform"))
    };
    assert_eq!(
        with("platform", "params = { pass = [\"windows\", \"macos\"] }\n"),
        Check::Platform {
            pass: set(&["windows", "macos"]),
            warn: Platforms::default()
        }
    );
    assert_eq!(
        with(
            "platform",
            "params = { pass = [\"linux\"], warn = [\"chromeos\", \"android\"] }\n"
        ),
        Check::Platform {
            pass: set(&["linux"]),
            warn: set(&["chromeos", "android"])
        }
    );
    let Some(NodeKind::Check { check, .. }) = Tree::from_toml(BASE)
        .ok()
        .and_then(|t| t.nodes.into_iter().find(|n| n.id == "probe"))
        .map(|n| n.kind)
    else {
        panic!("the base tree's probe");
    };
    assert_eq!(check, Check::ServerProbe { port: 1723 });
    // Every check of the catalog has its typed form, named as the catalog names it,
    // and every parameter the catalog lists reaches it: given another value, the
    // typed check differs.
    for name in CheckName::ALL {
        let required = |key: &str| match key {
            "pass" => Some("[\"windows\"]"),
            "port" => Some("443"),
            _ => None,
        };
        let table = |keys: &[(&str, &str)]| {
            if keys.is_empty() {
                return String::new();
            }
            let pairs: Vec<String> = keys.iter().map(|(k, v)| format!("{k} = {v}")).collect();
            format!("params = {{ {} }}\n", pairs.join(", "))
        };
        let base: Vec<(&str, &str)> = name
            .required_params()
            .iter()
            .filter_map(|k| required(k).map(|v| (*k, v)))
            .collect();
        let plain = with(name.as_str(), &table(&base));
        assert_eq!(plain.name(), name);
        for spec in name.params() {
            let other = match spec.ty {
                ParamType::Int => "7",
                ParamType::List => "[\"macos\"]",
                ParamType::Str => "\"other\"",
            };
            let mut given: Vec<(&str, &str)> = base
                .iter()
                .filter(|(k, _)| *k != spec.name)
                .copied()
                .collect();
            given.push((spec.name, other));
            assert_ne!(
                with(name.as_str(), &table(&given)),
                plain,
                "`{}` of `{}` reaches its typed check",
                spec.name,
                name.as_str()
            );
        }
    }
}

/// A platform set holds exactly the platforms put in it, and only known ones.
#[test]
fn platform_sets() {
    let none = Platforms::default();
    assert_eq!(none.with("amiga"), None);
    let win_linux = none.with("windows").and_then(|s| s.with("linux")).unwrap();
    for p in fixpath_core::catalog::PLATFORMS {
        assert_eq!(win_linux.contains(p), p == "windows" || p == "linux", "{p}");
        assert!(!none.contains(p), "{p}");
    }
    assert!(!win_linux.contains("amiga"));
    // One bit per platform, in catalog order; bits past them mean nothing.
    assert_eq!(Platforms::from_bits(0b1_0001), win_linux);
    let all = fixpath_core::catalog::PLATFORMS
        .iter()
        .fold(none, |s, p| s.with(p).unwrap());
    assert_eq!(Platforms::from_bits(0xff), all);
}

/// What every lint result must satisfy, whatever the input: `lint` and `from_toml`
/// agree, and every problem has a line inside the file and a message.
fn lint_is_consistent(src: &str) -> Result<(), TestCaseError> {
    let problems = lint::lint(src);
    let compiled = Tree::from_toml(src);
    let last_line = src.matches('\n').count() as u32 + 1;
    for p in &problems {
        prop_assert!(
            p.line >= 1 && p.line <= last_line,
            "{p:?} outside 1..={last_line}"
        );
        prop_assert!(!p.message.trim().is_empty(), "{p:?}");
    }
    match compiled {
        Ok(tree) => {
            prop_assert!(problems.is_empty());
            prop_assert_eq!(tree.fingerprint, tree.compute_fingerprint());
            // A compiled tree is acyclic, so this ends.
            let _ = tree.longest_remaining(tree.start);
        }
        Err(p) => {
            prop_assert!(!p.is_empty());
            prop_assert_eq!(p, problems);
        }
    }
    Ok(())
}

/// TOML-shaped text: lines built from keys and values lint looks at.
fn tomlish() -> impl Strategy<Value = String> {
    let key = prop::sample::select(vec![
        "id",
        "kind",
        "text",
        "help",
        "choices",
        "answered_by",
        "check",
        "params",
        "next",
        "fixed",
        "not_fixed",
        "result",
        "summary",
        "cause",
        "title",
        "symptom",
        "version",
        "start",
        "port",
        "pass",
        "warn",
        "fail",
        "unknown",
        "label",
    ]);
    let value = prop_oneof![
        "\"[a-z.\\- ]{0,12}\"",
        "-?[0-9]{1,6}",
        Just("[]".to_string()),
        Just("{ pass = \"a\", warn = \"a\", fail = \"a\", unknown = \"a\" }".to_string()),
        Just("[{ id = \"a\", label = \"A\", next = \"a\" }]".to_string()),
        Just("\"question\"".to_string()),
        Just("\"check\"".to_string()),
        Just("\"outcome\"".to_string()),
        Just("\"browser.online\"".to_string()),
    ];
    let line = prop_oneof![
        4 => (key, value).prop_map(|(k, v)| format!("{k} = {v}")),
        1 => Just("[[node]]".to_string()),
        1 => ".{0,20}",
    ];
    prop::collection::vec(line, 0..40).prop_map(|lines| lines.join("\n"))
}

proptest! {
    #![proptest_config(common::fuzz_config())]

    #[test]
    fn lint_never_panics_on_arbitrary_strings(src in any::<String>()) {
        lint_is_consistent(&src)?;
    }

    #[test]
    fn lint_never_panics_on_toml_shaped_text(src in tomlish()) {
        lint_is_consistent(&src)?;
    }

    #[test]
    fn lint_never_panics_on_mutated_trees(
        which in any::<usize>(),
        edits in prop::collection::vec(common::mutation(), 1..12),
    ) {
        // The shipped trees and the base tree, mutated byte by byte.
        let mut sources: Vec<&str> = shipped::SOURCES.iter().map(|(_, s)| *s).collect();
        sources.push(BASE);
        let src = common::mutate(sources[which % sources.len()], &edits);
        lint_is_consistent(&src)?;
    }
}
