//! `fixpath graph`: a tree file, linted, drawn as a Graphviz DOT graph or a
//! Mermaid flowchart: every node with its kind and text (shape by kind), every
//! branch labelled, parallel branches merged into one edge, skip rules dashed.

use std::io::Write;
use std::path::Path;

use fixpath_core::model::{CheckOutcome, NodeIdx, NodeKind, Resolution, Tree};

use super::{LINT_CLEAN, LINT_PROBLEMS, LINT_UNREADABLE};

/// Characters per line of a node's text before it wraps.
const NODE_WIDTH: usize = 32;
/// Characters per line of an edge label before it wraps.
const EDGE_WIDTH: usize = 26;

/// Prints the tree at `path` as DOT (or Mermaid); returns the exit code: 0 drawn,
/// 1 the tree does not lint (its problems on `err`, as `fixpath lint` prints
/// them), 2 the file cannot be read.
pub fn graph(path: &Path, mermaid: bool, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let src = match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(_) => {
                let _ = writeln!(err, "{}: not UTF-8 text", path.display());
                return LINT_UNREADABLE;
            }
        },
        Err(e) => {
            let _ = writeln!(err, "{}: cannot read: {e}", path.display());
            return LINT_UNREADABLE;
        }
    };
    let tree = match Tree::from_toml(&src) {
        Ok(tree) => tree,
        Err(problems) => {
            for p in &problems {
                let _ = writeln!(err, "{}", p.in_file(path.display()));
            }
            let _ = writeln!(
                err,
                "{}: {} problem{}; a tree is drawn once it lints clean",
                path.display(),
                problems.len(),
                if problems.len() == 1 { "" } else { "s" },
            );
            return LINT_PROBLEMS;
        }
    };
    let drawing = Drawing::of(&tree);
    let text = if mermaid {
        drawing.mermaid()
    } else {
        drawing.dot()
    };
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => LINT_CLEAN,
        // The reader stopped reading (`fixpath graph t.toml | head`): its choice.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => LINT_CLEAN,
        Err(e) => {
            let _ = writeln!(err, "fixpath graph: cannot write the graph: {e}");
            LINT_UNREADABLE
        }
    }
}

/// A node's shape, by kind (and, for outcomes, result).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Question,
    Check,
    Advice,
    Resolved,
    Escalate,
}

impl Shape {
    /// The Mermaid class (defined from [`MERMAID_CLASSES`]).
    fn class(self) -> &'static str {
        match self {
            Shape::Question => "question",
            Shape::Check => "check",
            Shape::Advice => "advice",
            Shape::Resolved => "resolved",
            Shape::Escalate => "escalate",
        }
    }

    /// DOT node attributes.
    fn dot(self) -> &'static str {
        match self {
            Shape::Question => "shape=box, style=\"rounded,filled\", fillcolor=\"#eef4fb\"",
            Shape::Check => "shape=hexagon, style=filled, fillcolor=\"#f0f0f0\"",
            Shape::Advice => "shape=note, style=filled, fillcolor=\"#fff8e1\"",
            Shape::Resolved => "shape=ellipse, style=filled, fillcolor=\"#dafbe1\"",
            Shape::Escalate => "shape=ellipse, style=filled, fillcolor=\"#ffebe9\"",
        }
    }

    /// Mermaid's brackets around a quoted label.
    fn mermaid(self) -> (&'static str, &'static str) {
        match self {
            Shape::Question => ("(\"", "\")"),
            Shape::Check => ("{{\"", "\"}}"),
            Shape::Advice => ("[/\"", "\"/]"),
            Shape::Resolved | Shape::Escalate => ("([\"", "\"])"),
        }
    }
}

/// Each shape's colours in Mermaid (DOT's are in [`Shape::dot`]).
const MERMAID_CLASSES: [(Shape, &str); 5] = [
    (Shape::Question, "fill:#eef4fb,stroke:#0b5cad"),
    (Shape::Check, "fill:#f0f0f0,stroke:#57606a"),
    (Shape::Advice, "fill:#fff8e1,stroke:#9a6700"),
    (Shape::Resolved, "fill:#dafbe1,stroke:#1a7f37"),
    (Shape::Escalate, "fill:#ffebe9,stroke:#cf222e"),
];

/// One node as drawn: a safe id, a shape, and its label's lines.
struct NodeBox {
    id: String,
    shape: Shape,
    lines: Vec<String>,
}

/// One edge as drawn: a branch (one per distinct target, labels merged) or a
/// skip rule (dashed, from the check to the question it answers).
struct Edge {
    from: usize,
    to: usize,
    lines: Vec<String>,
    skip: bool,
}

/// A tree as boxes and edges, in file order, before either format writes it.
struct Drawing {
    id: String,
    title: Vec<String>,
    start: usize,
    boxes: Vec<NodeBox>,
    edges: Vec<Edge>,
}

impl Drawing {
    fn of(tree: &Tree) -> Drawing {
        let ids = safe_ids(tree);
        let mut boxes = Vec::with_capacity(tree.nodes.len());
        let mut edges = Vec::new();
        for (i, node) in tree.nodes.iter().enumerate() {
            let (shape, head, text) = match &node.kind {
                NodeKind::Question { text, .. } => {
                    (Shape::Question, format!("{} · question", node.id), text)
                }
                NodeKind::Check { check, text, .. } => (
                    Shape::Check,
                    format!("{} · check {}", node.id, check.name().as_str()),
                    text,
                ),
                NodeKind::Advice { text, .. } => {
                    (Shape::Advice, format!("{} · advice", node.id), text)
                }
                NodeKind::Outcome {
                    result, summary, ..
                } => (
                    match result {
                        Resolution::Resolved => Shape::Resolved,
                        Resolution::Escalate => Shape::Escalate,
                    },
                    format!("{} · outcome: {}", node.id, result.as_str()),
                    summary,
                ),
            };
            let head = if usize::from(tree.start) == i {
                format!("▶ {head}")
            } else {
                head
            };
            // The head (id, kind) stays one line: it is what an author looks for.
            let mut lines = vec![head.replace(char::is_control, " ")];
            lines.extend(wrap(text, NODE_WIDTH));
            boxes.push(NodeBox {
                id: ids[i].clone(),
                shape,
                lines,
            });
            for (to, labels) in branches(&node.kind) {
                edges.push(Edge {
                    from: i,
                    to,
                    lines: labels,
                    skip: false,
                });
            }
        }
        // Skip rules after the branches, so each format draws them last.
        for (i, node) in tree.nodes.iter().enumerate() {
            let NodeKind::Question {
                choices,
                answered_by: Some(rule),
                ..
            } = &node.kind
            else {
                continue;
            };
            let mut lines = vec!["answers it:".to_string()];
            for (c, choice) in choices.iter().enumerate() {
                let outcomes: Vec<&str> = CheckOutcome::ALL
                    .iter()
                    .filter(|o| rule.choice.get(**o).is_some_and(|x| usize::from(x) == c))
                    .map(|o| o.as_str())
                    .collect();
                if !outcomes.is_empty() {
                    lines.extend(wrap(
                        &format!("{} → “{}”", outcomes.join(", "), choice.label),
                        EDGE_WIDTH,
                    ));
                }
            }
            edges.push(Edge {
                from: usize::from(rule.check),
                to: i,
                lines,
                skip: true,
            });
        }
        let mut title = wrap(&tree.title, 60);
        title.push(format!(
            "{}, version {}, {} nodes",
            tree.id,
            tree.version,
            tree.nodes.len()
        ));
        Drawing {
            id: tree.id.clone(),
            title,
            start: usize::from(tree.start),
            boxes,
            edges,
        }
    }

    fn dot(&self) -> String {
        let mut s = String::new();
        s.push_str("// fixpath graph: render with `dot -Tsvg`\n");
        s.push_str(&format!("digraph \"{}\" {{\n", dot_escape(&self.id)));
        s.push_str(&format!(
            "  graph [label=\"{}\", labelloc=t, fontname=\"Helvetica\", rankdir=TB, nodesep=0.3];\n",
            dot_lines(&self.title)
        ));
        s.push_str("  node [fontname=\"Helvetica\", fontsize=10, margin=\"0.15,0.06\"];\n");
        s.push_str("  edge [fontname=\"Helvetica\", fontsize=9];\n");
        for (i, b) in self.boxes.iter().enumerate() {
            let bold = if i == self.start {
                ", penwidth=2.5"
            } else {
                ""
            };
            s.push_str(&format!(
                "  {} [{}{bold}, label=\"{}\"];\n",
                b.id,
                b.shape.dot(),
                dot_lines(&b.lines)
            ));
        }
        for e in &self.edges {
            let style = if e.skip {
                "style=dashed, color=\"#6e7781\", fontcolor=\"#6e7781\", constraint=false, "
            } else {
                ""
            };
            s.push_str(&format!(
                "  {} -> {} [{style}label=\"{}\"];\n",
                self.boxes[e.from].id,
                self.boxes[e.to].id,
                dot_lines(&e.lines)
            ));
        }
        s.push_str("}\n");
        s
    }

    fn mermaid(&self) -> String {
        let mut s = String::from("flowchart TD\n");
        // Mermaid wraps labels at 200 pixels unless told; the lines are wrapped here.
        s.push_str("    %%{init: {\"flowchart\": {\"wrappingWidth\": 280}}}%%\n");
        for line in &self.title {
            // A comment ends with its line; `%` is kept out of it, since Mermaid
            // reads `%%{…}%%` anywhere in the text as a directive.
            s.push_str(&format!("    %% {}\n", line.replace('%', "#37;")));
        }
        for b in &self.boxes {
            let (open, close) = b.shape.mermaid();
            s.push_str(&format!(
                "    {}{open}{}{close}:::{}\n",
                b.id,
                mermaid_lines(&b.lines),
                b.shape.class()
            ));
        }
        for e in &self.edges {
            let arrow = if e.skip { "-.->" } else { "-->" };
            s.push_str(&format!(
                "    {} {arrow}|\"{}\"| {}\n",
                self.boxes[e.from].id,
                mermaid_lines(&e.lines),
                self.boxes[e.to].id
            ));
        }
        // The classes of the shapes drawn, each once.
        for (shape, def) in MERMAID_CLASSES {
            if self.boxes.iter().any(|b| b.shape == shape) {
                s.push_str(&format!("    classDef {} {def}\n", shape.class()));
            }
        }
        s.push_str(&format!(
            "    style {} stroke-width:3px\n",
            self.boxes[self.start].id
        ));
        s
    }
}

/// A node's branches, one per distinct target in branch order, each with the
/// labels of every way there: choice labels (one per line), check outcomes
/// ("pass, warn"), "fixed" / "not fixed".
fn branches(kind: &NodeKind) -> Vec<(usize, Vec<String>)> {
    let ways: Vec<(NodeIdx, String)> = match kind {
        NodeKind::Question { choices, .. } => {
            choices.iter().map(|c| (c.next, c.label.clone())).collect()
        }
        NodeKind::Check { next, .. } => CheckOutcome::ALL
            .iter()
            .map(|o| (*next.get(*o), o.as_str().to_string()))
            .collect(),
        NodeKind::Advice {
            fixed, not_fixed, ..
        } => vec![
            (*fixed, "fixed".to_string()),
            (*not_fixed, "not fixed".to_string()),
        ],
        NodeKind::Outcome { .. } => Vec::new(),
    };
    let mut merged: Vec<(NodeIdx, Vec<String>)> = Vec::new();
    for (to, label) in ways {
        match merged.iter_mut().find(|(t, _)| *t == to) {
            Some((_, labels)) => labels.push(label),
            None => merged.push((to, vec![label])),
        }
    }
    let question = matches!(kind, NodeKind::Question { .. });
    merged
        .into_iter()
        .map(|(to, labels)| {
            let text = if question && labels.len() > 1 {
                // Several choices lead here: each in quotes, so their words stay apart.
                labels
                    .iter()
                    .map(|l| format!("“{l}”"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            } else {
                labels.join(", ")
            };
            let lines = wrap(&text, EDGE_WIDTH);
            (usize::from(to), lines)
        })
        .collect()
}

/// Every node's id in both formats: `n_` and the tree's id with anything but
/// ASCII letters, digits and `_` made `_`; ids that then collide get `_2`, `_3`…
/// in file order. The prefix keeps ids off DOT's and Mermaid's keywords (`node`,
/// `end`) and off a leading digit.
fn safe_ids(tree: &Tree) -> Vec<String> {
    let mut ids: Vec<String> = Vec::with_capacity(tree.nodes.len());
    for node in &tree.nodes {
        let base: String = std::iter::once("n_".to_string())
            .chain(node.id.chars().map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' {
                    c.to_string()
                } else {
                    "_".to_string()
                }
            }))
            .collect();
        let mut id = base.clone();
        let mut n = 2;
        while ids.contains(&id) {
            id = format!("{base}_{n}");
            n += 1;
        }
        ids.push(id);
    }
    ids
}

/// Text as lines of at most `width` characters, broken at spaces (a longer word
/// keeps a line of its own); line breaks in the text are kept, other control
/// characters become spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let para: String = para
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let mut line = String::new();
        let mut len = 0;
        for word in para.split_whitespace() {
            let w = word.chars().count();
            if len > 0 && len + 1 + w > width {
                lines.push(std::mem::take(&mut line));
                len = 0;
            }
            if len > 0 {
                line.push(' ');
                len += 1;
            }
            line.push_str(word);
            len += w;
        }
        if !line.is_empty() {
            lines.push(line);
        }
    }
    lines
}

/// Text safe inside a DOT double-quoted string: `"` and `\` escaped (a lone
/// backslash would start one of DOT's label escapes, `\N`, `\l`…), line breaks
/// as DOT's `\n`, other control characters as spaces.
fn dot_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Lines as one DOT label, each centred.
fn dot_lines(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| dot_escape(l))
        .collect::<Vec<_>>()
        .join("\\n")
}

/// Text safe inside a Mermaid `"…"` label: a quote would end it, `<` `>` `&`
/// would be read as HTML, `#` could start one of Mermaid's entity codes, `|`
/// ends an edge label, a backtick starts Markdown, `%%{` starts a directive;
/// each becomes an entity code (`#quot;`), which Mermaid turns back into the
/// character.
fn mermaid_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
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
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Lines as one Mermaid label, broken with `<br>`.
fn mermaid_lines(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| mermaid_escape(l))
        .collect::<Vec<_>>()
        .join("<br>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_breaks_at_spaces_and_keeps_line_breaks() {
        assert_eq!(wrap("a bb ccc dddd", 6), vec!["a bb", "ccc", "dddd"]);
        assert_eq!(wrap("one\ntwo  three", 40), vec!["one", "two three"]);
        assert_eq!(
            wrap("averyveryverylongword x", 5),
            vec!["averyveryverylongword", "x"]
        );
        assert_eq!(wrap("tab\there", 40), vec!["tab here"]);
    }

    #[test]
    fn escapes_cover_what_breaks_each_format() {
        assert_eq!(dot_escape(r#"a "b" \N"#), r#"a \"b\" \\N"#);
        assert_eq!(dot_escape("x\ny\r"), "x\\ny ");
        assert_eq!(
            mermaid_escape(r#"<b>"x" & #1; a|b `c`"#),
            "#lt;b#gt;#quot;x#quot; #amp; #35;1; a#124;b #96;c#96;"
        );
        assert_eq!(
            mermaid_escape("%%{init: {}}%%"),
            "#37;#37;{init: {}}#37;#37;"
        );
    }
}
