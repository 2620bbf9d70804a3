//! Compiled trees as Rust source, for the app's build script: the app embeds the
//! shipped trees already linted and index-linked, so no TOML parser or lint code
//! ships in its wasm. The output is one expression of type `Vec<Tree>`.

use std::fmt::Write as _;

use crate::model::{CheckOutcome, NodeKind, ParamValue, PerOutcome, Tree};

const M: &str = "::fixpath_core::model";

/// A Rust expression building `trees` exactly (`Vec<::fixpath_core::model::Tree>`).
pub fn trees_expr(trees: &[Tree]) -> String {
    let mut out = String::from("vec![\n");
    for t in trees {
        tree(&mut out, t);
    }
    out.push_str("]\n");
    out
}

fn s(v: &str) -> String {
    format!("String::from({v:?})")
}

fn opt_s(v: &Option<String>) -> String {
    match v {
        Some(v) => format!("Some({})", s(v)),
        None => "None".into(),
    }
}

fn per<T>(p: &PerOutcome<T>, f: impl Fn(&T) -> String) -> String {
    let [pass, warn, fail, unknown] = CheckOutcome::ALL.map(|o| f(p.get(o)));
    format!("{M}::PerOutcome {{ pass: {pass}, warn: {warn}, fail: {fail}, unknown: {unknown} }}")
}

fn param(v: &ParamValue) -> String {
    match v {
        ParamValue::Int(i) => format!("{M}::ParamValue::Int({i})"),
        ParamValue::Str(x) => format!("{M}::ParamValue::Str({})", s(x)),
        ParamValue::List(l) => {
            let items: Vec<String> = l.iter().map(|x| s(x)).collect();
            format!("{M}::ParamValue::List(vec![{}])", items.join(", "))
        }
    }
}

fn tree(out: &mut String, t: &Tree) {
    let _ = writeln!(
        out,
        "{M}::Tree {{ id: {}, title: {}, symptom: {}, version: {}, start: {}, fingerprint: {}, nodes: vec![",
        s(&t.id),
        s(&t.title),
        s(&t.symptom),
        t.version,
        t.start,
        t.fingerprint
    );
    for n in &t.nodes {
        let kind = match &n.kind {
            NodeKind::Question {
                text,
                help,
                choices,
                answered_by,
            } => {
                let choices: Vec<String> = choices
                    .iter()
                    .map(|c| {
                        format!(
                            "{M}::Choice {{ id: {}, label: {}, next: {} }}",
                            s(&c.id),
                            s(&c.label),
                            c.next
                        )
                    })
                    .collect();
                let skip = match answered_by {
                    Some(r) => format!(
                        "Some({M}::SkipRule {{ check: {}, choice: {} }})",
                        r.check,
                        per(&r.choice, |c| format!("{c:?}"))
                    ),
                    None => "None".into(),
                };
                format!(
                    "{M}::NodeKind::Question {{ text: {}, help: {}, choices: vec![{}], answered_by: {skip} }}",
                    s(text),
                    opt_s(help),
                    choices.join(", ")
                )
            }
            NodeKind::Check {
                check,
                text,
                params,
                next,
            } => {
                let params: Vec<String> = params
                    .iter()
                    .map(|(k, v)| format!("({}, {})", s(k), param(v)))
                    .collect();
                format!(
                    "{M}::NodeKind::Check {{ check: ::fixpath_core::catalog::CheckName::{check:?}, text: {}, params: ::std::collections::BTreeMap::from([{}]), next: {} }}",
                    s(text),
                    params.join(", "),
                    per(next, |n| n.to_string())
                )
            }
            NodeKind::Advice {
                text,
                help,
                fixed,
                not_fixed,
            } => format!(
                "{M}::NodeKind::Advice {{ text: {}, help: {}, fixed: {fixed}, not_fixed: {not_fixed} }}",
                s(text),
                opt_s(help)
            ),
            NodeKind::Outcome {
                result,
                summary,
                cause,
                help,
            } => format!(
                "{M}::NodeKind::Outcome {{ result: {M}::Resolution::{result:?}, summary: {}, cause: {}, help: {} }}",
                s(summary),
                s(cause),
                opt_s(help)
            ),
        };
        let _ = writeln!(
            out,
            "  {M}::Node {{ id: {}, line: {}, kind: {kind} }},",
            s(&n.id),
            n.line
        );
    }
    out.push_str("] },\n");
}
