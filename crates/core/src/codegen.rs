//! Compiled trees as Rust source, for the app's build script: the app embeds the
//! shipped trees already linted and index-linked, so no TOML parser or lint code
//! ships in its wasm. The output is one expression of type `Vec<Tree>`.

use std::fmt::Write as _;

use crate::catalog::Check;
use crate::model::{CheckOutcome, NodeKind, PerOutcome, Tree};

/// A Rust expression building `trees` exactly (`Vec<::fixpath_core::model::Tree>`).
pub fn trees_expr(trees: &[Tree]) -> String {
    let mut out = String::from("vec![\n");
    for t in trees {
        tree(&mut out, t);
    }
    out.push_str("]\n");
    out
}

const E: &str = "::fixpath_core::embed";

fn s(v: &str) -> String {
    format!("{v:?}")
}

fn opt_s(v: &Option<String>) -> String {
    match v {
        Some(v) => format!("Some({})", s(v)),
        None => "None".into(),
    }
}

fn four<T>(p: &PerOutcome<T>, f: impl Fn(&T) -> String) -> String {
    let [pass, warn, fail, unknown] = CheckOutcome::ALL.map(|o| f(p.get(o)));
    format!("[{pass}, {warn}, {fail}, {unknown}]")
}

/// A check with its typed parameters, as an expression: a constant, so the wasm
/// carries a few bytes per check and no parameter names.
fn check(c: Check) -> String {
    const C: &str = "::fixpath_core::catalog::Check";
    const P: &str = "::fixpath_core::catalog::Platforms::from_bits";
    match c {
        Check::HelperPing { count, warn_ms } => {
            format!("{C}::HelperPing {{ count: {count}, warn_ms: {warn_ms} }}")
        }
        Check::ClockSkew { max_skew_s } => format!("{C}::ClockSkew {{ max_skew_s: {max_skew_s} }}"),
        Check::Platform { pass, warn } => format!(
            "{C}::Platform {{ pass: {P}({}), warn: {P}({}) }}",
            pass.bits(),
            warn.bits()
        ),
        Check::ServerProbe { port } => format!("{C}::ServerProbe {{ port: {port} }}"),
        // The others carry nothing: the variant's name is the expression.
        Check::BrowserOnline
        | Check::CaptivePortal
        | Check::InternetCanary
        | Check::EgressAltPorts
        | Check::ClientAddress
        | Check::ServerResolve
        | Check::OperatorStatus => format!("{C}::{c:?}"),
    }
}

fn tree(out: &mut String, t: &Tree) {
    let _ = writeln!(
        out,
        "{E}::tree([{}, {}, {}], {}, {}, {}, vec![",
        s(&t.id),
        s(&t.title),
        s(&t.symptom),
        t.version,
        t.start,
        t.fingerprint
    );
    for n in &t.nodes {
        let (id, line) = (s(&n.id), n.line);
        let call = match &n.kind {
            NodeKind::Question {
                text,
                help,
                choices,
                answered_by,
            } => {
                let choices: Vec<String> = choices
                    .iter()
                    .map(|c| format!("({}, {}, {})", s(&c.id), s(&c.label), c.next))
                    .collect();
                let skip = match answered_by {
                    Some(r) => format!("Some(({}, {}))", r.check, four(&r.choice, |c| format!("{c:?}"))),
                    None => "None".into(),
                };
                format!(
                    "question({id}, {line}, {}, {}, &[{}], {skip})",
                    s(text),
                    opt_s(help),
                    choices.join(", ")
                )
            }
            NodeKind::Check { check: c, text, next } => format!(
                "check({id}, {line}, {}, {}, {})",
                check(*c),
                s(text),
                four(next, |n| n.to_string())
            ),
            NodeKind::Advice {
                text,
                help,
                fixed,
                not_fixed,
            } => format!(
                "advice({id}, {line}, {}, {}, {fixed}, {not_fixed})",
                s(text),
                opt_s(help)
            ),
            NodeKind::Outcome {
                result,
                summary,
                cause,
                help,
            } => format!(
                "outcome({id}, {line}, ::fixpath_core::model::Resolution::{result:?}, [{}, {}], {})",
                s(summary),
                s(cause),
                opt_s(help)
            ),
        };
        let _ = writeln!(out, "  {E}::{call},");
    }
    out.push_str("]),\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each check is written as the typed constant it is (the shipped trees, which
    /// a browser test holds equal to their embedded copies, do not use them all).
    #[test]
    fn checks_are_written_as_typed_constants() {
        use crate::catalog::Platforms;
        let linux = Platforms::default().with("linux").unwrap();
        let cases = [
            (
                Check::HelperPing {
                    count: 7,
                    warn_ms: 250,
                },
                "::fixpath_core::catalog::Check::HelperPing { count: 7, warn_ms: 250 }",
            ),
            (
                Check::ClockSkew { max_skew_s: 30 },
                "::fixpath_core::catalog::Check::ClockSkew { max_skew_s: 30 }",
            ),
            (
                Check::Platform {
                    pass: Platforms::from_bits(0b11),
                    warn: linux,
                },
                "::fixpath_core::catalog::Check::Platform { pass: ::fixpath_core::catalog::Platforms::from_bits(3), warn: ::fixpath_core::catalog::Platforms::from_bits(16) }",
            ),
            (
                Check::ServerProbe { port: 1723 },
                "::fixpath_core::catalog::Check::ServerProbe { port: 1723 }",
            ),
            (
                Check::OperatorStatus,
                "::fixpath_core::catalog::Check::OperatorStatus",
            ),
        ];
        for (c, want) in cases {
            assert_eq!(check(c), want);
        }
    }
}
