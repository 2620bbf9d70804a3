//! The helper's layers import one way (ARCHITECTURE.md, "Invariants"): each folder
//! of `src/` names only the layers before it, and the network layer knows no
//! HTTP framework. Read from the source, so a new import that breaks the order
//! fails here rather than in a reviewer's head.

use std::path::{Path, PathBuf};

/// Each layer, in order, with the layers of the crate it may import (besides
/// itself) and whether it may use axum.
const LAYERS: &[(&str, &[&str], bool)] = &[
    ("net", &[], false),
    ("policy", &["net"], false),
    ("config", &["net", "policy"], false),
    ("content", &["net", "policy", "config", "logging"], false),
    ("state", &["net", "policy", "config", "content"], true),
    (
        "http",
        &["net", "policy", "config", "content", "state", "logging"],
        true,
    ),
    (
        "server",
        &[
            "net", "policy", "config", "content", "state", "http", "logging",
        ],
        true,
    ),
    ("cli", &["config", "content", "logging"], false),
];

/// Every top-level module of the crate a layer could name.
const MODULES: &[&str] = &[
    "net", "policy", "config", "content", "state", "http", "server", "cli", "logging",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().map(Result::unwrap) {
        let p = entry.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn each_layer_imports_only_the_layers_before_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut seen = Vec::new();
    for (layer, allowed, axum) in LAYERS {
        let mut files = Vec::new();
        rust_files(&src.join(layer), &mut files);
        assert!(!files.is_empty(), "no files in src/{layer}");
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for module in MODULES {
                if module == layer || allowed.contains(module) {
                    continue;
                }
                assert!(
                    !text.contains(&format!("crate::{module}")),
                    "{} names crate::{module}, which {layer} may not import",
                    file.display()
                );
            }
            if !axum {
                let code: String = text
                    .lines()
                    .filter(|l| !l.trim_start().starts_with("//"))
                    .collect();
                assert!(
                    !code.contains("axum"),
                    "{} uses axum, which {layer} may not",
                    file.display()
                );
            }
        }
        seen.push(*layer);
    }
    // Every folder of src/ is a layer in the table.
    for entry in std::fs::read_dir(&src).unwrap().map(Result::unwrap) {
        if entry.path().is_dir() {
            let name = entry.file_name().into_string().unwrap();
            assert!(seen.contains(&name.as_str()), "src/{name} is in no layer");
        }
    }
}
