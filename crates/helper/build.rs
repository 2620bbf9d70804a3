//! Build script of the helper: embeds the built app when `FIXPATH_EMBED_DIST`
//! names its folder (`cargo xtask release` does), so the release binary serves
//! the app with nothing beside it: a support team needs only the binary and its
//! folder of TOML. Without the variable nothing is embedded and `--dist` (default
//! `dist`) is served, as in development.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-env-changed=FIXPATH_EMBED_DIST");
    let mut files = Vec::new();
    if let Some(dir) = std::env::var_os("FIXPATH_EMBED_DIST").map(PathBuf::from) {
        println!("cargo:rerun-if-changed={}", dir.display());
        let dir = match dir.canonicalize() {
            Ok(d) => d,
            Err(e) => panic!("FIXPATH_EMBED_DIST {}: {e}", dir.display()),
        };
        collect(&dir, &dir, &mut files);
        if !files.iter().any(|(name, _)| name == "index.html") {
            panic!(
                "FIXPATH_EMBED_DIST {} holds no index.html: build the app first",
                dir.display()
            );
        }
    }
    files.sort();
    let mut out = String::from("&[\n");
    for (name, path) in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let Some(path) = path.to_str() else {
            panic!("an app file's path is not UTF-8: {}", path.display());
        };
        let _ = writeln!(out, "    ({name:?}, include_bytes!({path:?})),");
    }
    out.push_str("]\n");
    let Some(out_dir) = std::env::var_os("OUT_DIR").map(PathBuf::from) else {
        panic!("cargo sets OUT_DIR for build scripts");
    };
    if let Err(e) = std::fs::write(out_dir.join("embedded_app.rs"), out) {
        panic!("writing the embedded app's list: {e}");
    }
}

/// Every file under `dir` (no dotfiles), by its path from `root` with `/`.
fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => panic!("reading {}: {e}", dir.display()),
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            collect(root, &path, out);
        } else if let Ok(rel) = path.strip_prefix(root) {
            let name: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            out.push((name.join("/"), path.clone()));
        }
    }
}
