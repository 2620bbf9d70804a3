//! The command-line verbs besides `serve`: `lint` (tree files and content
//! directories), `graph` (a tree as a diagram) and `decode` (a findings link as text). Each writes to the given streams and returns the exit
//! code, so tests run them without a process.

mod code;
mod findings;
mod graph;
mod words;

pub use graph::graph;
pub use words::{Chosen, Words, LOCALE_VARS};

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::content::{self, Content, LoadError, Source};
use fixpath_core::translation::split_file_name;

/// Exit codes of `fixpath lint`.
pub const LINT_CLEAN: u8 = 0;
pub const LINT_PROBLEMS: u8 = 1;
pub const LINT_UNREADABLE: u8 = 2;

/// The default lint input.
pub const DEFAULT_TREES: &str = "trees";

/// Lints tree files, the `*.toml` files of directories, or content directories
/// (a `trees` folder and `brand.toml`, linted as `serve --content` loads them).
/// Problems go to `out` as `path:line: node `id`: message`; unreadable input goes
/// to `err`.
pub fn lint(paths: &[PathBuf], out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let default = [PathBuf::from(DEFAULT_TREES)];
    let paths = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };
    let mut files: Vec<PathBuf> = Vec::new();
    let mut content_dirs: Vec<&Path> = Vec::new();
    let mut unreadable = false;
    for p in paths {
        if p.is_dir() && content::is_content_dir(p) {
            content_dirs.push(p);
            continue;
        }
        match tree_files(p) {
            Ok(list) if list.is_empty() => {
                let _ = writeln!(
                    err,
                    "{}: no tree files (*.toml) in this directory",
                    p.display()
                );
                unreadable = true;
            }
            Ok(list) => files.extend(list),
            Err(e) => {
                let _ = writeln!(err, "{}: {e}", p.display());
                unreadable = true;
            }
        }
    }
    let mut problems = 0usize;
    let mut files_with_problems = 0usize;
    let mut linted = 0usize;
    let mut translations = 0usize;
    // A translation given alone is linted against its tree beside it.
    let mut with_trees = files.clone();
    for f in &files {
        if let Some((stem, _)) = f
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(split_file_name)
        {
            let tree = f.with_file_name(format!("{stem}.toml"));
            if !with_trees.contains(&tree) && tree.is_file() {
                with_trees.push(tree);
            }
        }
    }
    let mut sources = Vec::with_capacity(with_trees.len());
    for f in &with_trees {
        let src = match std::fs::read(f) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(s) => s,
                Err(_) => {
                    let _ = writeln!(err, "{}: not UTF-8 text", f.display());
                    unreadable = true;
                    continue;
                }
            },
            Err(e) => {
                let _ = writeln!(err, "{}: cannot read: {e}", f.display());
                unreadable = true;
                continue;
            }
        };
        if files.contains(f) {
            count(f, &mut linted, &mut translations);
        }
        sources.push((f.clone(), src));
    }
    if let Err(LoadError::Problems(found)) = content::load::compile_all(sources.into_iter()) {
        let shown: Vec<_> = found.iter().filter(|p| files.contains(&p.file)).collect();
        let in_files: BTreeSet<&Path> = shown.iter().map(|p| p.file.as_path()).collect();
        files_with_problems += in_files.len();
        problems += shown.len();
        for p in shown {
            let _ = writeln!(out, "{p}");
        }
    }
    for dir in content_dirs {
        for f in tree_files(&dir.join(content::load::TREES_DIR)).unwrap_or_default() {
            count(&f, &mut linted, &mut translations);
        }
        match content::load(&Source::Dir(dir.to_path_buf())) {
            Ok(_) => {}
            Err(LoadError::Problems(found)) => {
                let files: BTreeSet<&Path> = found.iter().map(|p| p.file.as_path()).collect();
                files_with_problems += files.len();
                problems += found.len();
                for p in &found {
                    let _ = writeln!(out, "{p}");
                }
            }
            Err(e) => {
                let _ = writeln!(err, "{e}");
                unreadable = true;
            }
        }
    }
    let mut trees = format!("{linted} tree{}", if linted == 1 { "" } else { "s" });
    if translations > 0 {
        trees.push_str(&format!(
            " and {translations} translation{}",
            if translations == 1 { "" } else { "s" }
        ));
    }
    if problems == 0 && !unreadable {
        let _ = writeln!(out, "{trees}, no problems");
        return LINT_CLEAN;
    }
    if problems > 0 {
        let _ = writeln!(
            out,
            "{trees}, {problems} problem{} in {files_with_problems} file{}",
            if problems == 1 { "" } else { "s" },
            if files_with_problems == 1 { "" } else { "s" },
        );
    }
    if unreadable {
        LINT_UNREADABLE
    } else {
        LINT_PROBLEMS
    }
}

/// Counts `f` as a tree or as a translation (`TREE.LANG.toml`).
fn count(f: &Path, trees: &mut usize, translations: &mut usize) {
    match f
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(split_file_name)
    {
        Some(_) => *translations += 1,
        None => *trees += 1,
    }
}

/// Why a path given to `lint` could not be read.
#[derive(Debug, thiserror::Error)]
enum PathError {
    #[error("cannot read: {0}")]
    Unreadable(#[source] std::io::Error),
    #[error("cannot read the directory: {0}")]
    Directory(#[source] std::io::Error),
}

/// A file as given, or the `*.toml` files of a directory, sorted.
fn tree_files(p: &Path) -> Result<Vec<PathBuf>, PathError> {
    let meta = std::fs::metadata(p).map_err(PathError::Unreadable)?;
    if meta.is_file() {
        return Ok(vec![p.to_path_buf()]);
    }
    let mut list: Vec<PathBuf> = std::fs::read_dir(p)
        .map_err(PathError::Directory)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|f| f.is_file() && f.extension().is_some_and(|x| x == "toml"))
        .collect();
    list.sort();
    Ok(list)
}

/// Exit codes of `fixpath decode`.
pub const DECODE_OK: u8 = 0;
pub const DECODE_FAILED: u8 = 1;
pub const DECODE_UNREADABLE: u8 = 2;

/// Decodes a findings link (or bare payload) against `content` (the tree version
/// it was made with, from the content or the archive) and prints the findings as
/// text; or a help-desk code, printed as its summary. `input` is the argument;
/// `-` reads `stdin`. The words are `lang`'s (`--lang`), else the environment's
/// locale's ([`LOCALE_VARS`]), else English; a `lang` no catalog matches is said
/// on `err`.
pub fn decode(
    input: &str,
    lang: Option<&str>,
    content: &Content,
    stdin: &mut dyn std::io::Read,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    let Chosen { words, unknown } = Words::choose(lang, |v| std::env::var(v).ok());
    let tr = words.tr();
    if let Some(asked) = unknown {
        let asked = crate::logging::escape_terminal(&asked, true);
        let have = Words::shipped_tags();
        let note = tr.f(
            fixpath_core::i18n::Msg::FindingsDecodeUnknownLang,
            &[("lang", (&asked).into()), ("have", (&have).into())],
        );
        let _ = writeln!(err, "{note}");
    }
    let text = if input == "-" {
        let mut s = String::new();
        if let Err(e) = stdin.read_to_string(&mut s) {
            let e = e.to_string();
            let said = tr.f(
                fixpath_core::i18n::Msg::FindingsDecodeStdin,
                &[("error", (&e).into())],
            );
            let _ = writeln!(err, "{said}");
            return DECODE_UNREADABLE;
        }
        s
    } else {
        input.to_string()
    };
    // A help-desk code, else a findings link.
    let found = match code::code_part(text.trim()) {
        Some(c) => code::decode_to_text(tr, c, content).map_err(|e| e.explain(tr)),
        None => findings::decode_to_text(tr, text.trim(), content).map_err(|e| e.explain(tr)),
    };
    match found {
        Ok(report) => {
            let _ = write!(out, "{report}");
            if !report.ends_with('\n') {
                let _ = writeln!(out);
            }
            DECODE_OK
        }
        Err(message) => {
            let _ = writeln!(err, "{message}");
            DECODE_FAILED
        }
    }
}
