//! Build script of the core. Two things are listed from their directories here, so
//! nothing ships by a hand-kept list:
//! - the shipped trees, from `trees/` (every `*.toml` file there, by file name, as
//!   `fixpath lint trees` picks them), and their translations (`NAME.LANG.toml`);
//! - the app's message catalogs, from `crates/core/locales/LANG/*.toml`: English
//!   (`en`) is the source, so the typed keys (`Msg`) are written from it, and every
//!   other language is checked against it here (the same keys, no placeholder the
//!   English lacks, plural forms the language has), so a catalog that would show a
//!   hole or a raw `{name}` does not build. Each catalog is compiled to the JSON the
//!   helper serves and the app reads (`i18n::Catalog`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let Some(manifest) = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from) else {
        panic!("cargo sets CARGO_MANIFEST_DIR for build scripts");
    };
    let Some(out_dir) = std::env::var_os("OUT_DIR").map(PathBuf::from) else {
        panic!("cargo sets OUT_DIR for build scripts");
    };
    write(
        &out_dir.join("shipped.rs"),
        &trees(&manifest.join("../../trees")),
    );
    let (msg, catalogs) = locales(&manifest.join("locales"));
    write(&out_dir.join("msg.rs"), &msg);
    write(&out_dir.join("catalogs.rs"), &catalogs);
}

fn write(path: &Path, text: &str) {
    if let Err(e) = std::fs::write(path, text) {
        panic!("writing {}: {e}", path.display());
    }
}

/// The `*.toml` files of `dir`, sorted by name. A directory is watched whole: a
/// file added, changed or removed reruns this.
fn toml_files(dir: &Path) -> Vec<PathBuf> {
    println!("cargo:rerun-if-changed={}", dir.display());
    let dir = match dir.canonicalize() {
        Ok(d) => d,
        Err(e) => panic!("the directory {}: {e}", dir.display()),
    };
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) => panic!("reading {}: {e}", dir.display()),
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|f| f.is_file() && f.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

fn name_and_path(f: &Path) -> (&str, &str) {
    let (Some(name), Some(path)) = (f.file_name().and_then(|n| n.to_str()), f.to_str()) else {
        panic!("a file's path is not UTF-8: {}", f.display());
    };
    (name, path)
}

/// `SOURCES` (trees) and `TRANSLATIONS` (`NAME.LANG.toml`) of `trees/`.
fn trees(dir: &Path) -> String {
    let mut sources = String::from("pub const SOURCES: &[(&str, &str)] = &[\n");
    let mut translations = String::from("pub const TRANSLATIONS: &[(&str, &str)] = &[\n");
    for f in toml_files(dir) {
        let (name, path) = name_and_path(&f);
        // `vpn-error-800.fr.toml` is a translation: its stem has a dot.
        let is_translation = name.trim_end_matches(".toml").contains('.');
        let list = if is_translation {
            &mut translations
        } else {
            &mut sources
        };
        let _ = writeln!(list, "    ({name:?}, include_str!({path:?})),");
    }
    sources.push_str("];\n");
    translations.push_str("];\n");
    sources + &translations
}

/// One message as written: plain text, or plural forms by CLDR category.
enum Written {
    Text(String),
    Plural(BTreeMap<String, String>),
}

const PLURALS: [&str; 6] = ["zero", "one", "two", "few", "many", "other"];

/// Every `{name}` placeholder of `s`.
fn placeholders(s: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = s;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                out.insert(after[..close].to_string());
                rest = &after[close + 1..];
            }
            None => break,
        }
    }
    out
}

impl Written {
    fn placeholders(&self) -> BTreeSet<String> {
        match self {
            Written::Text(s) => placeholders(s),
            Written::Plural(forms) => forms.values().flat_map(|s| placeholders(s)).collect(),
        }
    }
}

/// A language's catalog as written: its name for the switcher, its direction, and
/// every message by key (`part.key`, the part being the file's name).
struct Language {
    tag: String,
    name: String,
    rtl: bool,
    messages: BTreeMap<String, Written>,
}

fn read_language(dir: &Path) -> Language {
    let tag = dir
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_else(|| panic!("a locale directory's name is not UTF-8: {}", dir.display()))
        .to_string();
    let mut name = None;
    let mut rtl = false;
    let mut messages = BTreeMap::new();
    for f in toml_files(dir) {
        let (file, _) = name_and_path(&f);
        let part = file.trim_end_matches(".toml").to_string();
        let text =
            std::fs::read_to_string(&f).unwrap_or_else(|e| panic!("reading {}: {e}", f.display()));
        let table: toml::Table = text
            .parse()
            .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        if part == "language" {
            name = table
                .get("name")
                .and_then(|v| v.as_str())
                .map(str::to_string);
            rtl = match table.get("dir").and_then(|v| v.as_str()) {
                Some("rtl") => true,
                Some("ltr") => false,
                _ => panic!("{}: `dir` must be \"ltr\" or \"rtl\"", f.display()),
            };
            continue;
        }
        flatten(&f, &part, &table, &mut messages);
    }
    let Some(name) = name else {
        panic!(
            "{}: language.toml must give the language's own `name`",
            dir.display()
        );
    };
    Language {
        tag,
        name,
        rtl,
        messages,
    }
}

/// `[a] b = "x"` as `part.a.b`; a table whose keys are all plural categories is
/// one plural message.
fn flatten(f: &Path, prefix: &str, table: &toml::Table, out: &mut BTreeMap<String, Written>) {
    for (k, v) in table {
        let key = format!("{prefix}.{k}");
        match v {
            toml::Value::String(s) => {
                out.insert(key, Written::Text(s.clone()));
            }
            toml::Value::Table(t)
                if !t.is_empty() && t.keys().all(|k| PLURALS.contains(&k.as_str())) =>
            {
                let mut forms = BTreeMap::new();
                for (cat, s) in t {
                    let Some(s) = s.as_str() else {
                        panic!("{}: `{key}.{cat}` must be text", f.display());
                    };
                    forms.insert(cat.clone(), s.to_string());
                }
                if !forms.contains_key("other") {
                    panic!(
                        "{}: the plural message `{key}` needs an `other` form",
                        f.display()
                    );
                }
                out.insert(key, Written::Plural(forms));
            }
            toml::Value::Table(t) => flatten(f, &key, t, out),
            _ => panic!("{}: `{key}` must be text or a table", f.display()),
        }
    }
}

/// `walk.check.retry` as `WalkCheckRetry`.
fn variant(key: &str) -> String {
    key.split(['.', '_', '-'])
        .filter(|s| !s.is_empty())
        .map(|s| {
            let mut c = s.chars();
            match c.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `msg.rs` (the `Msg` enum, from English) and `catalogs.rs` (every language's
/// compiled JSON, English first).
fn locales(dir: &Path) -> (String, String) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut dirs: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(e) => e
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect(),
        Err(e) => panic!("reading {}: {e}", dir.display()),
    };
    dirs.sort();
    let mut languages: Vec<Language> = dirs.iter().map(|d| read_language(d)).collect();
    let Some(en) = languages.iter().position(|l| l.tag == "en") else {
        panic!(
            "{}: the English catalog (en/) is the source and must be there",
            dir.display()
        );
    };
    let en = languages.remove(en);
    languages.insert(0, en);
    let source = &languages[0];
    let mut problems = Vec::new();
    for lang in &languages[1..] {
        for (key, m) in &source.messages {
            let Some(t) = lang.messages.get(key) else {
                problems.push(format!("{}: `{key}` is not translated", lang.tag));
                continue;
            };
            let extra: Vec<_> = t
                .placeholders()
                .difference(&m.placeholders())
                .cloned()
                .collect();
            if !extra.is_empty() {
                problems.push(format!(
                    "{}: `{key}` uses {extra:?}, which the English does not give",
                    lang.tag
                ));
            }
            if let (Written::Text(_), Written::Text(_)) = (m, t) {
                let lost: Vec<_> = m
                    .placeholders()
                    .difference(&t.placeholders())
                    .cloned()
                    .collect();
                if !lost.is_empty() {
                    problems.push(format!("{}: `{key}` drops {lost:?}", lang.tag));
                }
            }
        }
        for key in lang.messages.keys() {
            if !source.messages.contains_key(key) {
                problems.push(format!(
                    "{}: `{key}` is not a message of the English catalog",
                    lang.tag
                ));
            }
        }
    }
    if !problems.is_empty() {
        panic!(
            "the message catalogs do not match the English:\n  {}",
            problems.join("\n  ")
        );
    }
    let mut msg = String::from(
        "/// A message of the app's catalogs, by its key in `locales/en/` (written by the\n\
         /// build script; `KEYS` holds each key, in this order).\n\
         #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]\n#[repr(u16)]\npub enum Msg {\n",
    );
    for (key, m) in &source.messages {
        let example = match m {
            Written::Text(s) => s.clone(),
            Written::Plural(f) => f.get("other").cloned().unwrap_or_default(),
        };
        let _ = writeln!(
            msg,
            "    /// {}\n    {},",
            example.replace('\n', " "),
            variant(key)
        );
    }
    msg.push_str("}\n\n/// Every message, in order.\npub const ALL: &[Msg] = &[\n");
    for key in source.messages.keys() {
        let _ = writeln!(msg, "    Msg::{},", variant(key));
    }
    msg.push_str("];\n\n/// Every message's key, in `Msg` order.\npub const KEYS: &[&str] = &[\n");
    for key in source.messages.keys() {
        let _ = writeln!(msg, "    {key:?},");
    }
    msg.push_str("];\n");
    let mut catalogs = String::from(
        "/// Every shipped catalog as `(tag, JSON)`, English first: the form the helper\n\
         /// serves and `Catalog::from_json` reads.\npub const SHIPPED: &[(&str, &str)] = &[\n",
    );
    for lang in &languages {
        let mut json = String::from("{\"lang\":");
        json_string(&mut json, &lang.tag);
        json.push_str(",\"name\":");
        json_string(&mut json, &lang.name);
        let _ = write!(json, ",\"rtl\":{},\"m\":[", lang.rtl);
        for (i, key) in source.messages.keys().enumerate() {
            if i > 0 {
                json.push(',');
            }
            match &lang.messages[key] {
                Written::Text(s) => json_string(&mut json, s),
                Written::Plural(forms) => {
                    json.push('{');
                    for (j, (cat, s)) in forms.iter().enumerate() {
                        if j > 0 {
                            json.push(',');
                        }
                        json_string(&mut json, cat);
                        json.push(':');
                        json_string(&mut json, s);
                    }
                    json.push('}');
                }
            }
        }
        json.push_str("]}");
        let _ = writeln!(catalogs, "    ({:?}, {json:?}),", lang.tag);
    }
    catalogs.push_str("];\n");
    // The same catalogs as Rust data, for the command line (`Catalog::shipped`):
    // `(tag, name, rtl, messages)`, a message being its forms, `""` for plain text.
    catalogs.push_str(
        "\n/// Every shipped catalog as data, in `SHIPPED` order.\n\
         #[allow(clippy::type_complexity)]\n\
         pub const DATA: &[(&str, &str, bool, &[&[(&str, &str)]])] = &[\n",
    );
    for lang in &languages {
        let _ = writeln!(
            catalogs,
            "    ({:?}, {:?}, {}, &[",
            lang.tag, lang.name, lang.rtl
        );
        for key in source.messages.keys() {
            match &lang.messages[key] {
                Written::Text(s) => {
                    let _ = writeln!(catalogs, "        &[(\"\", {s:?})],");
                }
                Written::Plural(forms) => {
                    catalogs.push_str("        &[");
                    for (cat, s) in forms {
                        let _ = write!(catalogs, "({cat:?}, {s:?}), ");
                    }
                    catalogs.push_str("],\n");
                }
            }
        }
        catalogs.push_str("    ]),\n");
    }
    catalogs.push_str("];\n");
    (msg, catalogs)
}
