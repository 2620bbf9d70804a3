//! A tree's words in another language. A translation lives beside its tree as
//! `TREE.LANG.toml` (`vpn-error-800.fr.toml`) and maps the tree's node ids (and
//! each question's choice ids) to text; everything else (kinds, branches,
//! checks) is the tree's. Lint checks it against the tree (`lint_translation`):
//! every node and choice covered, no id the tree lacks, no key the node lacks,
//! every `{placeholder}` kept. A translation is not part of the tree's content
//! fingerprint: a link and a help-desk code are the same in every language.

use serde::{Deserialize, Serialize};

use crate::model::{NodeKind, Tree};

/// The words of one tree in one language, node by node in the tree's order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Translation {
    /// BCP 47 tag, lower case (`fr`).
    pub lang: String,
    pub title: String,
    pub symptom: String,
    pub nodes: Vec<NodeWords>,
}

/// One node's words; `None` keeps the tree's own (never, in a translation that
/// passed lint).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct NodeWords {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Each choice's label, in the question's order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<String>,
}

impl Tree {
    /// This tree with `t`'s words: the same nodes, branches and fingerprint.
    pub fn translated(&self, t: &Translation) -> Tree {
        let mut tree = self.clone();
        tree.lang = t.lang.clone();
        tree.title = t.title.clone();
        tree.symptom = t.symptom.clone();
        for (node, words) in tree.nodes.iter_mut().zip(&t.nodes) {
            let put = |to: &mut String, from: &Option<String>| {
                if let Some(s) = from {
                    *to = s.clone();
                }
            };
            let put_opt = |to: &mut Option<String>, from: &Option<String>| {
                if to.is_some() {
                    if let Some(s) = from {
                        *to = Some(s.clone());
                    }
                }
            };
            match &mut node.kind {
                NodeKind::Question {
                    text,
                    help,
                    choices,
                    ..
                } => {
                    put(text, &words.text);
                    put_opt(help, &words.help);
                    for (c, label) in choices.iter_mut().zip(&words.choices) {
                        c.label = label.clone();
                    }
                }
                NodeKind::Check { text, .. } => put(text, &words.text),
                NodeKind::Advice { text, help, .. } => {
                    put(text, &words.text);
                    put_opt(help, &words.help);
                }
                NodeKind::Outcome { summary, help, .. } => {
                    put(summary, &words.summary);
                    put_opt(help, &words.help);
                }
            }
        }
        tree
    }
}

/// Whether `tag` reads as a language tag: `fr`, `pt-br`, `zh-hant` (lower case
/// letters and digits in parts of 1 to 8, the first 2 or 3 letters).
pub fn is_lang_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let first_ok = parts
        .next()
        .is_some_and(|p| (2..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_lowercase()));
    first_ok
        && parts.all(|p| {
            (1..=8).contains(&p.len())
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// `vpn-error-800.fr.toml` as (`vpn-error-800`, `fr`); `None` for a tree's own
/// file (no language part).
pub fn split_file_name(name: &str) -> Option<(&str, &str)> {
    let stem = name.strip_suffix(".toml")?;
    let (tree, lang) = stem.rsplit_once('.')?;
    Some((tree, lang))
}

#[cfg(feature = "source")]
pub use source::lint_translation;

#[cfg(feature = "source")]
mod source {
    use std::collections::{BTreeMap, BTreeSet};

    use serde::Deserialize;
    use toml::Spanned;

    use super::{is_lang_tag, NodeWords, Translation};
    use crate::lint::{LineIndex, Problem};
    use crate::model::{NodeKind, Tree};

    #[derive(Deserialize)]
    struct Source {
        title: Option<Spanned<String>>,
        symptom: Option<Spanned<String>>,
        #[serde(default)]
        node: BTreeMap<String, Spanned<SourceWords>>,
        #[serde(flatten)]
        extra: BTreeMap<String, toml::Value>,
    }

    #[derive(Deserialize)]
    struct SourceWords {
        text: Option<Spanned<String>>,
        help: Option<Spanned<String>>,
        summary: Option<Spanned<String>>,
        choices: Option<Spanned<BTreeMap<String, Spanned<String>>>>,
        #[serde(flatten)]
        extra: BTreeMap<String, toml::Value>,
    }

    /// The line of the first `key =` at or after byte `from` (serde's flatten
    /// keeps no span for unknown keys).
    fn key_line(lines: &LineIndex, src: &str, from: usize, key: &str) -> u32 {
        let mut offset = from.min(src.len());
        while !src.is_char_boundary(offset) {
            offset -= 1;
        }
        for line in src[offset..].split_inclusive('\n') {
            let t = line.trim_start();
            if t.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
            {
                return lines.line(offset);
            }
            offset += line.len();
        }
        lines.line(from.min(src.len()))
    }

    /// Every `{name}` in `s`.
    fn placeholders(s: &str) -> BTreeSet<&str> {
        let mut out = BTreeSet::new();
        let mut rest = s;
        while let Some(open) = rest.find('{') {
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else { break };
            out.insert(&after[..close]);
            rest = &after[close + 1..];
        }
        out
    }

    struct Cx<'a> {
        lines: LineIndex,
        problems: Vec<Problem>,
        lang: &'a str,
    }

    impl Cx<'_> {
        fn report(&mut self, line: u32, node: Option<&str>, message: String) {
            self.problems.push(Problem {
                line,
                node: node.map(str::to_string),
                message,
            });
        }

        fn at<T>(&self, s: &Spanned<T>) -> u32 {
            self.lines.line(s.span().start)
        }

        /// The translation of `original` (`key` of `node`), checked: there,
        /// not empty, every placeholder kept and none added.
        fn words(
            &mut self,
            node: Option<&str>,
            key: &str,
            original: &str,
            given: Option<&Spanned<String>>,
            line: u32,
        ) -> Option<String> {
            let Some(given) = given else {
                self.report(
                    line,
                    node,
                    format!("`{key}` is not translated into `{}`", self.lang),
                );
                return None;
            };
            let at = self.at(given);
            let text = given.get_ref();
            if text.trim().is_empty() {
                self.report(at, node, format!("`{key}` is empty"));
                return None;
            }
            let (want, have) = (placeholders(original), placeholders(text));
            for p in want.difference(&have) {
                self.report(at, node, format!("`{key}` drops the placeholder `{{{p}}}`"));
            }
            for p in have.difference(&want) {
                self.report(
                    at,
                    node,
                    format!(
                        "`{key}` has the placeholder `{{{p}}}`, which the tree's text does not"
                    ),
                );
            }
            Some(text.clone())
        }
    }

    /// Lints `src`, the translation of `tree` into `lang`, and gives it compiled,
    /// or every problem found (lines are the translation file's).
    pub fn lint_translation(
        tree: &Tree,
        lang: &str,
        src: &str,
    ) -> Result<Translation, Vec<Problem>> {
        let mut cx = Cx {
            lines: LineIndex::new(src),
            problems: Vec::new(),
            lang,
        };
        if !is_lang_tag(lang) {
            cx.report(
                1,
                None,
                format!("`{lang}` is not a language tag: name the file TREE.LANG.toml, LANG like `fr` or `pt-br`"),
            );
        }
        if lang == tree.lang {
            cx.report(
                1,
                None,
                format!("the tree `{}` is itself written in `{lang}`", tree.id),
            );
        }
        let source: Source = match toml::from_str(src) {
            Ok(s) => s,
            Err(e) => {
                let line = e.span().map(|s| cx.lines.line(s.start)).unwrap_or(1);
                cx.report(line, None, e.message().to_string());
                return Err(cx.problems);
            }
        };
        for key in source.extra.keys() {
            let line = key_line(&cx.lines, src, 0, key);
            cx.report(
                line,
                None,
                format!("unknown key `{key}`: a translation has `title`, `symptom` and `[node.ID]` tables"),
            );
        }
        let title = cx.words(None, "title", &tree.title, source.title.as_ref(), 1);
        let symptom = cx.words(None, "symptom", &tree.symptom, source.symptom.as_ref(), 1);
        for (id, words) in &source.node {
            if !tree.nodes.iter().any(|n| &n.id == id) {
                let line = cx.at(words);
                cx.report(
                    line,
                    Some(id),
                    format!("the tree `{}` has no node `{id}`", tree.id),
                );
            }
        }
        let mut nodes = Vec::with_capacity(tree.nodes.len());
        for node in &tree.nodes {
            let id = node.id.as_str();
            let Some(given) = source.node.get(id) else {
                cx.report(
                    1,
                    Some(id),
                    format!("the node is not translated: add a `[node.{id}]` table"),
                );
                nodes.push(NodeWords::default());
                continue;
            };
            let line = cx.at(given);
            let from = given.span().start;
            let given = given.get_ref();
            for key in given.extra.keys() {
                let at = key_line(&cx.lines, src, from, key);
                cx.report(at, Some(id), format!("unknown key `{key}`: a node's words are `text`, `help`, `summary` and `choices`"));
            }
            let mut words = NodeWords::default();
            let (text, help, summary, choices) = match &node.kind {
                NodeKind::Question {
                    text,
                    help,
                    choices,
                    ..
                } => (Some(text), help.as_ref(), None, Some(choices)),
                NodeKind::Check { text, .. } => (Some(text), None, None, None),
                NodeKind::Advice { text, help, .. } => (Some(text), help.as_ref(), None, None),
                NodeKind::Outcome { summary, help, .. } => {
                    (None, help.as_ref(), Some(summary), None)
                }
            };
            let key = |cx: &mut Cx,
                       name: &str,
                       original: Option<&String>,
                       given: &Option<Spanned<String>>| match original {
                Some(o) => cx.words(Some(id), name, o, given.as_ref(), line),
                None => {
                    if let Some(g) = given {
                        let at = cx.at(g);
                        cx.report(
                            at,
                            Some(id),
                            format!("the tree's node has no `{name}` to translate"),
                        );
                    }
                    None
                }
            };
            words.text = key(&mut cx, "text", text, &given.text);
            words.help = key(&mut cx, "help", help, &given.help);
            words.summary = key(&mut cx, "summary", summary, &given.summary);
            match (choices, &given.choices) {
                (Some(choices), Some(labels)) => {
                    let at = cx.at(labels);
                    for c in choices {
                        let label = cx.words(Some(id), &format!("choices.{}", c.id), &c.label, labels.get_ref().get(&c.id), at);
                        words.choices.push(label.unwrap_or_default());
                    }
                    for (cid, v) in labels.get_ref() {
                        if !choices.iter().any(|c| &c.id == cid) {
                            let at = cx.at(v);
                            cx.report(at, Some(id), format!("the question has no choice `{cid}`"));
                        }
                    }
                }
                (Some(_), None) => cx.report(line, Some(id), format!("the choices are not translated into `{lang}`: add `choices = {{ ID = \"…\", … }}`")),
                (None, Some(labels)) => {
                    let at = cx.at(labels);
                    cx.report(at, Some(id), "only a question has `choices`".to_string());
                }
                (None, None) => {}
            }
            nodes.push(words);
        }
        if !cx.problems.is_empty() {
            cx.problems.sort_by_key(|p| p.line);
            return Err(cx.problems);
        }
        Ok(Translation {
            lang: lang.to_string(),
            title: title.unwrap_or_default(),
            symptom: symptom.unwrap_or_default(),
            nodes,
        })
    }
}
