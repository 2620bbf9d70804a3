//! Reading content: a directory (`trees/*.toml`, `brand.toml`, the logo) or the
//! trees shipped in the binary, every file linted, into [`Loaded`]; or every
//! problem of every file, as `fixpath lint` prints them. `serve` (at start and on
//! every reload) and `lint DIR` read content through here, so they agree.

use std::fmt;
use std::path::{Path, PathBuf};

use fixpath_core::content::{read_brand, read_brand_words, Brand};
use fixpath_core::lint::Problem;
use fixpath_core::translation::{lint_translation, split_file_name, Translation};
use fixpath_core::{shipped, Tree};

/// Where the content comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    /// The trees shipped in the binary, with Fixpath's own brand.
    Shipped,
    /// A content directory.
    Dir(PathBuf),
}

/// The trees folder of a content directory.
pub(crate) const TREES_DIR: &str = "trees";
/// The brand file of a content directory.
pub(crate) const BRAND_FILE: &str = "brand.toml";
/// Largest logo the helper serves: a header image, not a photograph.
pub(crate) const MAX_LOGO_BYTES: usize = 256 * 1024;

/// The logo's file types, with the type each is served as.
const LOGO_TYPES: [(&str, &str); 5] = [
    ("svg", "image/svg+xml"),
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("webp", "image/webp"),
];

/// Content read and linted clean.
#[derive(Debug, Clone)]
pub(crate) struct Loaded {
    /// Every tree, by file name (the home page's order).
    pub(crate) trees: Vec<Tree>,
    /// Every translation (`TREE.LANG.toml`), with its tree's id.
    pub(crate) translations: Vec<(String, Translation)>,
    /// The brand; its `logo` is still the file name as written.
    pub(crate) brand: Brand,
    pub(crate) logo: Option<Logo>,
}

/// The logo file's bytes and what it is served as.
#[derive(Debug, Clone)]
pub(crate) struct Logo {
    pub(crate) bytes: Vec<u8>,
    pub(crate) extension: &'static str,
    pub(crate) content_type: &'static str,
}

/// A problem in one file, printed as `fixpath lint` prints it.
#[derive(Debug, Clone, PartialEq)]
pub struct FileProblem {
    pub(crate) file: PathBuf,
    pub(crate) problem: Problem,
}

impl fmt::Display for FileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.problem.in_file(self.file.display()))
    }
}

/// Why content could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Every problem, one per line, as `fixpath lint` prints them.
    #[error("{}", lines(.0))]
    Problems(Vec<FileProblem>),
    #[error("{}: {why}", .path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        why: std::io::Error,
    },
    #[error("{}: no troubleshooters: put tree files (*.toml) in its `trees` folder", .dir.display())]
    NoTrees { dir: PathBuf },
}

fn lines(problems: &[FileProblem]) -> String {
    let all: Vec<String> = problems.iter().map(ToString::to_string).collect();
    all.join("\n")
}

/// Whether `dir` looks like a content directory (a `trees` folder or a `brand.toml`),
/// rather than a folder of tree files.
pub(crate) fn is_content_dir(dir: &Path) -> bool {
    dir.join(TREES_DIR).is_dir() || dir.join(BRAND_FILE).is_file()
}

/// Reads and lints everything in `source`.
pub(crate) fn load(source: &Source) -> Result<Loaded, LoadError> {
    match source {
        Source::Shipped => {
            let files = shipped::SOURCES
                .iter()
                .chain(shipped::TRANSLATIONS)
                .map(|(name, src)| (PathBuf::from(TREES_DIR).join(name), src.to_string()));
            let (trees, translations) = compile_all(files)?;
            Ok(Loaded {
                trees,
                translations,
                brand: Brand::default(),
                logo: None,
            })
        }
        Source::Dir(dir) => load_dir(dir),
    }
}

fn load_dir(dir: &Path) -> Result<Loaded, LoadError> {
    let trees_dir = dir.join(TREES_DIR);
    let entries = std::fs::read_dir(&trees_dir).map_err(|why| LoadError::Unreadable {
        path: trees_dir.clone(),
        why,
    })?;
    let mut names: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "toml"))
        // An editor's swap or backup file is not a tree.
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| !n.starts_with('.'))
        })
        .collect();
    names.sort();
    if names.is_empty() {
        return Err(LoadError::NoTrees {
            dir: dir.to_path_buf(),
        });
    }
    let mut files = Vec::with_capacity(names.len());
    for path in names {
        files.push((path.clone(), read_text(&path)?));
    }
    let trees_result = compile_all(files.into_iter());
    let brand_path = dir.join(BRAND_FILE);
    let brand_result = if brand_path.is_file() {
        read_brand_file(dir, &brand_path).map(Some)
    } else {
        Ok(None)
    };
    match (trees_result, brand_result) {
        (Ok((trees, translations)), Ok(brand)) => {
            let (mut brand, logo) = brand.unwrap_or_default();
            brand.words = read_brand_translations(dir, &brand)?;
            Ok(Loaded {
                trees,
                translations,
                brand,
                logo,
            })
        }
        (Err(LoadError::Problems(mut a)), Err(LoadError::Problems(b))) => {
            a.extend(b);
            Err(LoadError::Problems(a))
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    }
}

/// Every `brand.LANG.toml` beside `brand.toml`, checked against the brand.
fn read_brand_translations(
    dir: &Path,
    brand: &Brand,
) -> Result<Vec<fixpath_core::content::BrandWords>, LoadError> {
    let entries = std::fs::read_dir(dir).map_err(|why| LoadError::Unreadable {
        path: dir.to_path_buf(),
        why,
    })?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .and_then(split_file_name)
                    .is_some_and(|(stem, _)| stem == "brand")
        })
        .collect();
    paths.sort();
    let mut words = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let Some((_, lang)) = split_file_name(name) else {
            continue;
        };
        let src = read_text(&path)?;
        match read_brand_words(brand, lang, &src) {
            Ok(w) => words.push(w),
            Err(ps) => problems.extend(ps.into_iter().map(|problem| FileProblem {
                file: path.clone(),
                problem,
            })),
        }
    }
    if problems.is_empty() {
        Ok(words)
    } else {
        Err(LoadError::Problems(problems))
    }
}

fn read_text(path: &Path) -> Result<String, LoadError> {
    let bytes = std::fs::read(path).map_err(|why| LoadError::Unreadable {
        path: path.to_path_buf(),
        why,
    })?;
    String::from_utf8(bytes).map_err(|_| {
        LoadError::Problems(vec![FileProblem {
            file: path.to_path_buf(),
            problem: Problem {
                line: 1,
                node: None,
                message: "not UTF-8 text: save the file as UTF-8".into(),
            },
        }])
    })
}

/// Lints every file: the trees, then each translation (`TREE.LANG.toml`) against
/// the tree of `TREE.toml` beside it. The trees and translations when all are
/// clean, else every problem. Two files may not give the same id: a link names
/// its tree by id.
/// Linted trees and their translations (each with its tree's id).
pub(crate) type Compiled = (Vec<Tree>, Vec<(String, Translation)>);

pub(crate) fn compile_all(
    files: impl Iterator<Item = (PathBuf, String)>,
) -> Result<Compiled, LoadError> {
    let mut trees: Vec<(PathBuf, Tree)> = Vec::new();
    let mut translations: Vec<(PathBuf, String)> = Vec::new();
    let mut problems = Vec::new();
    for (file, src) in files {
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if split_file_name(name).is_some() {
            translations.push((file, src));
            continue;
        }
        match Tree::from_toml(&src) {
            Ok(tree) => {
                if let Some((first, _)) = trees.iter().find(|(_, t)| t.id == tree.id) {
                    problems.push(FileProblem {
                        problem: Problem {
                            line: id_line(&src),
                            node: None,
                            message: format!(
                                "the id `{}` is also the id of {}: every troubleshooter needs its own",
                                tree.id,
                                first.display()
                            ),
                        },
                        file,
                    });
                } else {
                    trees.push((file, tree));
                }
            }
            Err(ps) => problems.extend(ps.into_iter().map(|problem| FileProblem {
                file: file.clone(),
                problem,
            })),
        }
    }
    let mut compiled = Vec::with_capacity(translations.len());
    for (file, src) in translations {
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let Some((stem, lang)) = split_file_name(name) else {
            continue;
        };
        let tree_file = file.with_file_name(format!("{stem}.toml"));
        let problem = |message: String| FileProblem {
            file: file.clone(),
            problem: Problem {
                line: 1,
                node: None,
                message,
            },
        };
        let Some((_, tree)) = trees.iter().find(|(f, _)| *f == tree_file) else {
            // A translation of a tree that did not compile was reported with the tree.
            if !problems.iter().any(|p| p.file == tree_file) {
                problems.push(problem(format!(
                    "a translation of `{stem}.toml`, which is not here: a translation lives beside its tree"
                )));
            }
            continue;
        };
        match lint_translation(tree, lang, &src) {
            Ok(t) => compiled.push((tree.id.clone(), t)),
            Err(ps) => problems.extend(ps.into_iter().map(|problem| FileProblem {
                file: file.clone(),
                problem,
            })),
        }
    }
    if problems.is_empty() {
        Ok((trees.into_iter().map(|(_, t)| t).collect(), compiled))
    } else {
        Err(LoadError::Problems(problems))
    }
}

/// The line of a tree file's top-level `id = `, for the duplicate-id message.
fn id_line(src: &str) -> u32 {
    src.lines()
        .position(|l| l.trim_start().starts_with("id") && l.contains('='))
        .and_then(|i| u32::try_from(i + 1).ok())
        .unwrap_or(1)
}

/// `brand.toml` checked, and its logo read.
fn read_brand_file(dir: &Path, path: &Path) -> Result<(Brand, Option<Logo>), LoadError> {
    let src = read_text(path)?;
    let problem = |line: u32, message: String| {
        LoadError::Problems(vec![FileProblem {
            file: path.to_path_buf(),
            problem: Problem {
                line,
                node: None,
                message,
            },
        }])
    };
    let file = read_brand(&src).map_err(|ps| {
        LoadError::Problems(
            ps.into_iter()
                .map(|problem| FileProblem {
                    file: path.to_path_buf(),
                    problem,
                })
                .collect(),
        )
    })?;
    let Some(name) = file.brand.logo.clone() else {
        return Ok((file.brand, None));
    };
    let extension = Path::new(&name)
        .extension()
        .and_then(|x| x.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let Some((extension, content_type)) = LOGO_TYPES.iter().find(|(x, _)| *x == extension) else {
        let known: Vec<&str> = LOGO_TYPES.iter().map(|(x, _)| *x).collect();
        return Err(problem(
            file.logo_line,
            format!(
                "`logo` must be one of these file types: {}",
                known.join(", ")
            ),
        ));
    };
    let bytes = std::fs::read(dir.join(&name)).map_err(|e| {
        problem(
            file.logo_line,
            format!("`logo` names {name}, which cannot be read in the content directory: {e}"),
        )
    })?;
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(problem(
            file.logo_line,
            format!(
                "`logo` {name} is {} KiB; a header logo must stay under {} KiB",
                bytes.len() / 1024,
                MAX_LOGO_BYTES / 1024
            ),
        ));
    }
    Ok((
        file.brand,
        Some(Logo {
            bytes,
            extension,
            content_type,
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, text).unwrap();
    }

    const TINY: &str = "id = \"tiny\"\ntitle = \"Tiny\"\nsymptom = \"S\"\nversion = 1\nstart = \"q\"\n[[node]]\nid = \"q\"\nkind = \"question\"\ntext = \"Q?\"\nchoices = [{ id = \"a\", label = \"A\", next = \"o\" }, { id = \"b\", label = \"B\", next = \"o\" }]\n[[node]]\nid = \"o\"\nkind = \"outcome\"\nresult = \"resolved\"\nsummary = \"Done.\"\ncause = \"none\"\n";

    #[test]
    fn shipped_content_loads_with_fixpaths_brand() {
        let loaded = load(&Source::Shipped).unwrap();
        assert_eq!(loaded.trees.len(), shipped::SOURCES.len());
        assert_eq!(loaded.brand, Brand::default());
    }

    #[test]
    fn a_directory_loads_its_trees_brand_and_logo() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "trees/tiny.toml", TINY);
        write(dir.path(), "trees/.tiny.toml.swp", "not a tree");
        write(
            dir.path(),
            "brand.toml",
            "name = \"Acme\"\nlogo = \"logo.svg\"\n",
        );
        write(
            dir.path(),
            "logo.svg",
            "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
        );
        let loaded = load(&Source::Dir(dir.path().into())).unwrap();
        assert_eq!(loaded.trees.len(), 1);
        assert_eq!(loaded.brand.name, "Acme");
        let logo = loaded.logo.unwrap();
        assert_eq!(logo.content_type, "image/svg+xml");
        assert!(is_content_dir(dir.path()));
    }

    #[test]
    fn every_problem_of_every_file_is_reported_with_its_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "trees/a.toml", TINY);
        write(dir.path(), "trees/b.toml", TINY);
        write(
            dir.path(),
            "trees/c.toml",
            &TINY
                .replace("id = \"tiny\"", "id = \"c\"")
                .replace("next = \"o\" }, {", "next = \"nowhere\" }, {"),
        );
        write(dir.path(), "brand.toml", "accent = \"#ffff00\"\n");
        let Err(LoadError::Problems(problems)) = load(&Source::Dir(dir.path().into())) else {
            panic!("problems expected");
        };
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(problems.len(), 3, "{text:#?}");
        assert!(
            text[0].contains("b.toml:1:") && text[0].contains("also the id of"),
            "{text:#?}"
        );
        assert!(
            text[1].contains("c.toml:10: node `q`:") && text[1].contains("nowhere"),
            "{text:#?}"
        );
        assert!(
            text[2].contains("brand.toml:1:") && text[2].contains("contrast"),
            "{text:#?}"
        );
    }

    #[test]
    fn a_missing_logo_or_empty_trees_folder_says_so() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("trees")).unwrap();
        let e = load(&Source::Dir(dir.path().into())).unwrap_err();
        assert!(matches!(e, LoadError::NoTrees { .. }), "{e}");
        write(dir.path(), "trees/tiny.toml", TINY);
        write(
            dir.path(),
            "brand.toml",
            "name = \"A\"\n\nlogo = \"gone.png\"\n",
        );
        let e = load(&Source::Dir(dir.path().into()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("brand.toml:3:") && e.contains("gone.png"), "{e}");
        write(dir.path(), "brand.toml", "logo = \"logo.exe\"\n");
        let e = load(&Source::Dir(dir.path().into()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("file types"), "{e}");
    }
}
