//! Tree lint: every mistake a tree author can make, reported with the node id and
//! line, and the compile step that turns a lint-clean source into a [`Tree`].

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::ops::Range;

use toml::Spanned;

use crate::catalog::{Check, CheckName, ParamType, Platforms, PING_COUNT, PLATFORMS};
use crate::model::{
    CheckOutcome, Choice, Node, NodeIdx, NodeKind, ParamValue, PerOutcome, Resolution, SkipRule,
    SourceNode, SourceTree, Tree,
};
use crate::verdict::{MAX_SKEW_S, PING_WARN_MS};

/// Most nodes a tree may have: indices travel as `u16` in links.
pub const MAX_NODES: usize = 4096;
/// Most choices a question may have: choice indices travel as `u8`.
pub const MAX_CHOICES: usize = 32;

/// The keys of each table of the format, for unknown-key problems and suggestions.
const TREE_KEYS: &[&str] = &["id", "title", "symptom", "lang", "version", "start", "node"];
const NODE_KEYS: &[&str] = &[
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
];
const CHOICE_KEYS: &[&str] = &["id", "label", "next"];
const NEXT_KEYS: &[&str] = &["pass", "warn", "fail", "unknown"];
const ANSWERED_BY_KEYS: &[&str] = &["check", "pass", "warn", "fail", "unknown"];

/// One thing wrong with a tree file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line in the file.
    pub line: u32,
    /// The node the problem is in, when it is in one.
    pub node: Option<String>,
    pub message: String,
}

impl Problem {
    /// The problem as `fixpath lint` prints it: `file:line: node `id`: message`.
    pub fn in_file(&self, file: impl fmt::Display) -> String {
        match &self.node {
            Some(n) => format!("{file}:{}: node `{n}`: {}", self.line, self.message),
            None => format!("{file}:{}: {}", self.line, self.message),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.node {
            Some(n) => write!(f, "line {}: node `{}`: {}", self.line, n, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

/// Lints a tree file; an empty list means it is clean.
pub fn lint(src: &str) -> Vec<Problem> {
    match compile(src) {
        Ok(_) => Vec::new(),
        Err(p) => p,
    }
}

/// Parses, lints and, when clean, builds the tree.
pub fn compile(src: &str) -> Result<Tree, Vec<Problem>> {
    if src.trim().is_empty() {
        // One problem, not one per missing key.
        return Err(vec![Problem {
            line: 1,
            node: None,
            message: "the file is empty: a tree needs `id`, `title`, `symptom`, `version`, \
                      `start` and `[[node]]` tables"
                .into(),
        }]);
    }
    let lines = LineIndex::new(src);
    let source: SourceTree = match toml::from_str(src) {
        Ok(s) => s,
        Err(e) => {
            let line = e.span().map(|s| lines.line(s.start)).unwrap_or(1);
            return Err(vec![Problem {
                line,
                node: None,
                message: e.message().trim().to_string(),
            }]);
        }
    };
    let mut cx = Cx {
        src,
        lines: &lines,
        problems: Vec::new(),
        ids: HashMap::new(),
    };
    let tree = cx.build(&source);
    if cx.problems.is_empty() {
        if let Some(tree) = tree {
            return Ok(tree);
        }
    }
    let mut problems = cx.problems;
    problems.sort_by_key(|p| p.line);
    problems.dedup();
    Err(problems)
}

/// Where `key = ` is written in `src[within]`: the first place the key stands at
/// the start of a line or after `{` or `,` (not inside a longer word or a string).
fn key_offset(src: &str, within: Range<usize>, key: &str) -> Option<usize> {
    let hay = src.get(within.clone())?;
    let mut from = 0;
    while let Some(i) = hay.get(from..)?.find(key) {
        let at = from + i;
        let before = hay[..at].trim_end_matches([' ', '\t']).chars().next_back();
        let after = hay[at + key.len()..].trim_start_matches([' ', '\t']);
        if matches!(before, None | Some('\n' | '{' | ',')) && after.starts_with('=') {
            return Some(within.start + at);
        }
        from = at + key.len();
    }
    None
}

/// The known key `key` was most likely meant to be, if one is close.
fn closest<'k>(key: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(key, k), *k))
        .filter(|(d, k)| *d <= 2 && *d < k.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Maps byte offsets to 1-based line numbers.
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub(crate) fn new(src: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(src.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }
    pub(crate) fn line(&self, offset: usize) -> u32 {
        let i = self.starts.partition_point(|s| *s <= offset);
        u32::try_from(i.max(1)).unwrap_or(u32::MAX)
    }
}

struct Cx<'a> {
    src: &'a str,
    lines: &'a LineIndex,
    problems: Vec<Problem>,
    ids: HashMap<String, NodeIdx>,
}

impl Cx<'_> {
    fn at<T>(&self, s: &Spanned<T>) -> u32 {
        self.lines.line(s.span().start)
    }

    fn report(&mut self, line: u32, node: Option<&str>, message: impl Into<String>) {
        self.problems.push(Problem {
            line,
            node: node.map(str::to_string),
            message: message.into(),
        });
    }

    /// Reports each key of `unknown`, written somewhere in `within`, of a table
    /// whose keys are `known`.
    fn unknown_keys<T>(
        &mut self,
        node: Option<&str>,
        table: &str,
        within: Range<usize>,
        unknown: &BTreeMap<String, T>,
        known: &[&str],
    ) {
        for key in unknown.keys() {
            let at = key_offset(self.src, within.clone(), key).unwrap_or(within.start);
            let line = self.lines.line(at);
            let hint = match closest(key, known) {
                Some(k) => format!("; did you mean `{k}`?"),
                None => format!(" (it may have {})", known.join(", ")),
            };
            self.report(line, node, format!("{table} has no key `{key}`{hint}"));
        }
    }

    /// A required key's value, or `None` after reporting (at offset `at`) that
    /// `table` needs it.
    fn need<'v, T>(
        &mut self,
        v: &'v Option<Spanned<T>>,
        at: usize,
        node: Option<&str>,
        table: &str,
        key: &str,
    ) -> Option<&'v Spanned<T>> {
        if v.is_none() {
            let line = self.lines.line(at);
            self.report(line, node, format!("{table} needs `{key}`"));
        }
        v.as_ref()
    }

    fn non_empty(&mut self, node: Option<&str>, what: &str, s: &Spanned<String>) -> String {
        if s.get_ref().trim().is_empty() {
            let line = self.at(s);
            self.report(line, node, format!("`{what}` is empty"));
        }
        s.get_ref().trim().to_string()
    }

    fn required<'s>(
        &mut self,
        node: &str,
        line: u32,
        kind: &str,
        what: &str,
        v: &'s Option<Spanned<String>>,
    ) -> Option<&'s Spanned<String>> {
        if v.is_none() {
            self.report(
                line,
                Some(node),
                format!("{} {kind} needs `{what}`", article(kind)),
            );
        }
        v.as_ref()
    }

    fn target(&mut self, node: &str, what: &str, s: &Spanned<String>) -> NodeIdx {
        match self.ids.get(s.get_ref()) {
            Some(i) => *i,
            None => {
                let line = self.at(s);
                self.report(
                    line,
                    Some(node),
                    format!(
                        "`{what}` points to `{}`, which is not a node in this tree",
                        s.get_ref()
                    ),
                );
                0
            }
        }
    }

    fn build(&mut self, src: &SourceTree) -> Option<Tree> {
        // Top-level keys come before the first table, so the first match is theirs.
        self.unknown_keys(
            None,
            "the tree",
            0..self.src.len(),
            &src.extra_keys,
            TREE_KEYS,
        );
        let text_of = |cx: &mut Self, key: &str, v: &Option<Spanned<String>>| match cx
            .need(v, 0, None, "the tree", key)
        {
            Some(s) => (cx.non_empty(None, key, s), cx.at(s)),
            None => (String::new(), 1),
        };
        let (id, id_line) = text_of(self, "id", &src.id);
        let (title, _) = text_of(self, "title", &src.title);
        let (symptom, symptom_line) = text_of(self, "symptom", &src.symptom);
        if symptom.contains('\n') {
            self.report(symptom_line, None, "`symptom` must be one line");
        }
        let lang = match &src.lang {
            Some(l) if crate::translation::is_lang_tag(l.get_ref()) => l.get_ref().clone(),
            Some(l) => {
                let line = self.at(l);
                self.report(
                    line,
                    None,
                    "`lang` must be a language tag in lower case, like `en`, `fr` or `pt-br`",
                );
                String::new()
            }
            None => "en".to_string(),
        };
        if !id.is_empty()
            && !id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            self.report(
                id_line,
                None,
                "`id` may use only lowercase letters, digits and `-`",
            );
        }
        let version = match self.need(&src.version, 0, None, "the tree", "version") {
            Some(v) if *v.get_ref() == 0 => {
                let line = self.at(v);
                self.report(line, None, "`version` starts at 1");
                0
            }
            Some(v) => *v.get_ref(),
            None => 0,
        };
        if src.nodes.is_empty() {
            self.report(1, None, "the tree has no `[[node]]` tables");
            return None;
        }
        if src.nodes.len() > MAX_NODES {
            self.report(1, None, format!("the tree has more than {MAX_NODES} nodes"));
            return None;
        }

        // Ids first, so every reference can be resolved whatever the order.
        for (i, n) in src.nodes.iter().enumerate() {
            let Some(nid) = self.need(&n.get_ref().id, n.span().start, None, "a node", "id") else {
                continue;
            };
            let line = self.at(nid);
            let nid = nid.get_ref().clone();
            if nid.trim().is_empty() {
                self.report(line, None, "a node has an empty `id`");
                continue;
            }
            if self.ids.contains_key(&nid) {
                self.report(line, Some(&nid), "duplicate node id");
                continue;
            }
            // MAX_NODES fits in u16, checked above.
            self.ids.insert(nid, i as NodeIdx);
        }
        let start = match self.need(&src.start, 0, None, "the tree", "start") {
            Some(s) => {
                let start = self.target("(tree)", "start", s);
                // `target` names the tree itself as node "(tree)"; drop that label.
                if let Some(p) = self.problems.last_mut() {
                    if p.node.as_deref() == Some("(tree)") {
                        p.node = None;
                    }
                }
                start
            }
            None => 0,
        };

        let mut nodes = Vec::with_capacity(src.nodes.len());
        for (i, n) in src.nodes.iter().enumerate() {
            // A `[[node]]`'s span is its header; its keys run to the next one.
            let end = src
                .nodes
                .get(i + 1)
                .map_or(self.src.len(), |next| next.span().start);
            nodes.push(self.node(n, n.span().start..end));
        }
        let mut tree = Tree {
            id,
            title,
            symptom,
            lang,
            version,
            start,
            nodes,
            fingerprint: 0,
        };
        if !self.problems.is_empty() {
            return None;
        }
        self.graph(&tree);
        if let Some(why) = crate::code::too_big(&tree) {
            self.report(1, None, why);
        }
        tree.fingerprint = tree.compute_fingerprint();
        Some(tree)
    }

    fn node(&mut self, sn: &Spanned<SourceNode>, within: Range<usize>) -> Node {
        let n = sn.get_ref();
        // A missing id was reported with the ids; the node's other problems name it so.
        let id =
            n.id.as_ref()
                .map_or_else(|| "(no id)".to_string(), |i| i.get_ref().clone());
        let header = within.start;
        self.unknown_keys(Some(&id), "a node", within, &n.extra_keys, NODE_KEYS);
        for c in n.choices.iter().flat_map(|c| c.get_ref()) {
            let extra = &c.get_ref().extra_keys;
            self.unknown_keys(Some(&id), "a choice", c.span(), extra, CHOICE_KEYS);
        }
        if let Some(next) = &n.next {
            let extra = &next.get_ref().extra_keys;
            self.unknown_keys(Some(&id), "`next`", next.span(), extra, NEXT_KEYS);
        }
        if let Some(skip) = &n.answered_by {
            let extra = &skip.get_ref().extra_keys;
            self.unknown_keys(
                Some(&id),
                "`answered_by`",
                skip.span(),
                extra,
                ANSWERED_BY_KEYS,
            );
        }
        let line =
            n.id.as_ref()
                .map_or_else(|| self.lines.line(header), |i| self.at(i));
        let kind = self.need(&n.kind, header, Some(&id), "a node", "kind");
        let kind_name = kind.map_or("", |k| k.get_ref().as_str());
        let allowed: &[&str] = match (kind_name, kind) {
            ("question", _) => &["text", "help", "choices", "answered_by"],
            ("check", _) => &["text", "check", "params", "next"],
            ("advice", _) => &["text", "help", "fixed", "not_fixed"],
            ("outcome", _) => &["result", "summary", "cause", "help"],
            (other, Some(k)) => {
                let l = self.at(k);
                self.report(
                    l,
                    Some(&id),
                    format!("unknown kind `{other}` (use question, check, advice or outcome)"),
                );
                &[]
            }
            // Reported just above.
            (_, None) => &[],
        };
        let present = [
            ("text", n.text.as_ref().map(|s| self.at(s))),
            ("help", n.help.as_ref().map(|s| self.at(s))),
            ("choices", n.choices.as_ref().map(|s| self.at(s))),
            ("answered_by", n.answered_by.as_ref().map(|s| self.at(s))),
            ("check", n.check.as_ref().map(|s| self.at(s))),
            ("params", n.params.as_ref().map(|s| self.at(s))),
            ("next", n.next.as_ref().map(|s| self.at(s))),
            ("fixed", n.fixed.as_ref().map(|s| self.at(s))),
            ("not_fixed", n.not_fixed.as_ref().map(|s| self.at(s))),
            ("result", n.result.as_ref().map(|s| self.at(s))),
            ("summary", n.summary.as_ref().map(|s| self.at(s))),
            ("cause", n.cause.as_ref().map(|s| self.at(s))),
        ];
        if !allowed.is_empty() {
            for (key, at) in present {
                if let Some(l) = at {
                    if !allowed.contains(&key) {
                        self.report(
                            l,
                            Some(&id),
                            format!("{} {kind_name} does not take `{key}`", article(kind_name)),
                        );
                    }
                }
            }
        }
        let help = n
            .help
            .as_ref()
            .map(|h| self.non_empty(Some(&id), "help", h));
        let kind = match kind_name {
            // Reported above; checking its keys against some kind would only add
            // problems the author does not have.
            _ if allowed.is_empty() => NodeKind::Outcome {
                result: Resolution::Escalate,
                summary: String::new(),
                cause: String::new(),
                help,
            },
            "question" => self.question(&id, line, n, help),
            "check" => self.check(&id, line, n),
            "advice" => {
                let text = self.text(&id, line, kind_name, n);
                let fixed = self
                    .required(&id, line, "advice", "fixed", &n.fixed)
                    .map(|s| self.target(&id, "fixed", s))
                    .unwrap_or(0);
                let not_fixed = self
                    .required(&id, line, "advice", "not_fixed", &n.not_fixed)
                    .map(|s| self.target(&id, "not_fixed", s))
                    .unwrap_or(0);
                NodeKind::Advice {
                    text,
                    help,
                    fixed,
                    not_fixed,
                }
            }
            _ => {
                let result = match self.required(&id, line, "outcome", "result", &n.result) {
                    Some(r) => match Resolution::parse(r.get_ref()) {
                        Some(r) => r,
                        None => {
                            let l = self.at(r);
                            self.report(
                                l,
                                Some(&id),
                                format!(
                                    "`result` is `{}`; use `resolved` or `escalate`",
                                    r.get_ref()
                                ),
                            );
                            Resolution::Escalate
                        }
                    },
                    None => Resolution::Escalate,
                };
                let summary = self
                    .required(&id, line, "outcome", "summary", &n.summary)
                    .map(|s| self.non_empty(Some(&id), "summary", s))
                    .unwrap_or_default();
                let cause = self
                    .required(&id, line, "outcome", "cause", &n.cause)
                    .map(|s| self.non_empty(Some(&id), "cause", s))
                    .unwrap_or_default();
                NodeKind::Outcome {
                    result,
                    summary,
                    cause,
                    help,
                }
            }
        };
        Node { id, line, kind }
    }

    fn text(&mut self, id: &str, line: u32, kind: &str, n: &SourceNode) -> String {
        self.required(id, line, kind, "text", &n.text)
            .map(|s| self.non_empty(Some(id), "text", s))
            .unwrap_or_default()
    }

    fn question(&mut self, id: &str, line: u32, n: &SourceNode, help: Option<String>) -> NodeKind {
        let text = self.text(id, line, "question", n);
        let mut choices = Vec::new();
        let empty = Vec::new();
        let source_choices = n.choices.as_ref().map(|c| c.get_ref()).unwrap_or(&empty);
        if source_choices.is_empty() {
            self.report(
                line,
                Some(id),
                "this question has no choices, so it is a leaf that is not an outcome",
            );
        }
        if source_choices.len() > MAX_CHOICES {
            self.report(
                line,
                Some(id),
                format!("a question may have at most {MAX_CHOICES} choices"),
            );
        }
        let mut seen = HashSet::new();
        for c in source_choices {
            let at = c.span().start;
            let c = c.get_ref();
            let cid = match self.need(&c.id, at, Some(id), "a choice", "id") {
                Some(s) => {
                    let cid = self.non_empty(Some(id), "choice id", s);
                    if !seen.insert(cid.clone()) {
                        let l = self.at(s);
                        self.report(l, Some(id), format!("duplicate choice id `{cid}`"));
                    }
                    cid
                }
                None => String::new(),
            };
            let label = match self.need(&c.label, at, Some(id), "a choice", "label") {
                Some(s) => self.non_empty(Some(id), "label", s),
                None => String::new(),
            };
            let next = match self.need(&c.next, at, Some(id), "a choice", "next") {
                Some(s) => self.target(id, &format!("choice `{cid}` next"), s),
                None => 0,
            };
            choices.push(Choice {
                id: cid,
                label,
                next,
            });
        }
        let answered_by = n.answered_by.as_ref().map(|rule| {
            let r = rule.get_ref();
            let check = match self.need(&r.check, rule.span().start, Some(id), "`answered_by`", "check")
            {
                Some(s) => self.target(id, "answered_by.check", s),
                None => 0,
            };
            let mut choice = PerOutcome::default();
            let mut any = false;
            for o in CheckOutcome::ALL {
                if let Some(cid) = r.get(o) {
                    any = true;
                    match choices.iter().position(|c| &c.id == cid.get_ref()) {
                        Some(i) => {
                            let slot = match o {
                                CheckOutcome::Pass => &mut choice.pass,
                                CheckOutcome::Warn => &mut choice.warn,
                                CheckOutcome::Fail => &mut choice.fail,
                                CheckOutcome::Unknown => &mut choice.unknown,
                            };
                            *slot = u8::try_from(i).ok();
                        }
                        None => {
                            let l = self.at(cid);
                            self.report(
                                l,
                                Some(id),
                                format!(
                                    "`answered_by.{}` names choice `{}`, which this question does not have",
                                    o.as_str(),
                                    cid.get_ref()
                                ),
                            );
                        }
                    }
                }
            }
            if !any {
                let l = self.at(rule);
                self.report(
                    l,
                    Some(id),
                    "`answered_by` maps no outcome to a choice",
                );
            }
            SkipRule { check, choice }
        });
        NodeKind::Question {
            text,
            help,
            choices,
            answered_by,
        }
    }

    fn check(&mut self, id: &str, line: u32, n: &SourceNode) -> NodeKind {
        let text = self.text(id, line, "check", n);
        let name = self
            .required(id, line, "check", "check", &n.check)
            .and_then(|c| {
                let parsed = CheckName::parse(c.get_ref());
                if parsed.is_none() {
                    let l = self.at(c);
                    let known: Vec<_> = CheckName::ALL.iter().map(|c| c.as_str()).collect();
                    self.report(
                        l,
                        Some(id),
                        format!(
                            "unknown check `{}` (known: {})",
                            c.get_ref(),
                            known.join(", ")
                        ),
                    );
                }
                parsed
            });
        let given = n.params.as_ref().map(|p| p.get_ref());
        if let (Some(name), Some(given)) = (name, given) {
            for (key, value) in given {
                let l = self.at(value);
                let Some(spec) = name.params().iter().find(|s| s.name == key) else {
                    let known: Vec<_> = name.params().iter().map(|s| s.name).collect();
                    let hint = if known.is_empty() {
                        "it takes no parameters".to_string()
                    } else {
                        format!("it takes {}", known.join(", "))
                    };
                    self.report(
                        l,
                        Some(id),
                        format!(
                            "unknown parameter `{key}` for check `{}`: {hint}",
                            name.as_str()
                        ),
                    );
                    continue;
                };
                let ok = matches!(
                    (spec.ty, value.get_ref()),
                    (ParamType::Int, ParamValue::Int(_))
                        | (ParamType::Str, ParamValue::Str(_))
                        | (ParamType::List, ParamValue::List(_))
                );
                if !ok {
                    self.report(
                        l,
                        Some(id),
                        format!("parameter `{key}` must be {}", spec.ty.as_str()),
                    );
                }
                if let ParamValue::List(items) = value.get_ref() {
                    if name == CheckName::Platform {
                        for it in items {
                            if !PLATFORMS.contains(&it.as_str()) {
                                self.report(
                                    l,
                                    Some(id),
                                    format!(
                                        "unknown platform `{it}` (known: {})",
                                        PLATFORMS.join(", ")
                                    ),
                                );
                            }
                        }
                    }
                }
                if let ParamValue::Int(v) = value.get_ref() {
                    if key == "port" && !(1..=65535).contains(v) {
                        self.report(l, Some(id), "`port` must be 1 to 65535");
                    }
                    // The app takes at least five round trips: fewer say nothing
                    // about jitter or loss. More than twenty only keep the user waiting.
                    if name == CheckName::HelperPing && key == "count" && !(5..=20).contains(v) {
                        self.report(l, Some(id), "`count` must be 5 to 20");
                    }
                    if *v < 0 {
                        self.report(l, Some(id), format!("`{key}` must not be negative"));
                    }
                }
            }
        }
        if let Some(name) = name {
            for req in name.required_params() {
                if !given.is_some_and(|p| p.contains_key(*req)) {
                    self.report(
                        line,
                        Some(id),
                        format!("check `{}` needs the parameter `{req}`", name.as_str()),
                    );
                }
            }
        }
        let check = typed(name.unwrap_or(CheckName::BrowserOnline), given);
        let mut next = PerOutcome::default();
        match &n.next {
            None => self.report(
                line,
                Some(id),
                "a check needs `next` with pass, warn, fail and unknown",
            ),
            Some(nx) => {
                for o in CheckOutcome::ALL {
                    let slot = match o {
                        CheckOutcome::Pass => &mut next.pass,
                        CheckOutcome::Warn => &mut next.warn,
                        CheckOutcome::Fail => &mut next.fail,
                        CheckOutcome::Unknown => &mut next.unknown,
                    };
                    match nx.get_ref().get(o) {
                        Some(t) => *slot = self.target(id, &format!("next.{}", o.as_str()), t),
                        None => {
                            let l = self.at(nx);
                            self.report(
                                l,
                                Some(id),
                                format!("outcome `{}` is not branched in `next`", o.as_str()),
                            );
                        }
                    }
                }
            }
        }
        NodeKind::Check { check, text, next }
    }

    /// Whole-graph rules, on a tree whose references all resolve.
    fn graph(&mut self, tree: &Tree) {
        // answered_by must name a check node.
        for n in &tree.nodes {
            if let NodeKind::Question {
                answered_by: Some(rule),
                ..
            } = &n.kind
            {
                let target = tree.node(rule.check);
                if !matches!(target.map(|t| &t.kind), Some(NodeKind::Check { .. })) {
                    self.report(
                        n.line,
                        Some(&n.id),
                        format!(
                            "`answered_by.check` names `{}`, which is not a check node",
                            target.map(|t| t.id.as_str()).unwrap_or("?")
                        ),
                    );
                }
            }
        }
        // Reachability from start.
        let mut seen = vec![false; tree.nodes.len()];
        let mut stack = vec![tree.start];
        while let Some(i) = stack.pop() {
            if std::mem::replace(&mut seen[usize::from(i)], true) {
                continue;
            }
            stack.extend(tree.successors(i));
        }
        for (i, n) in tree.nodes.iter().enumerate() {
            if !seen[i] {
                self.report(
                    n.line,
                    Some(&n.id),
                    "unreachable: no path from `start` leads here",
                );
            }
        }
        // Cycles: iterative three-colour DFS over every node.
        #[derive(Clone, Copy, PartialEq)]
        enum Colour {
            White,
            Grey,
            Black,
        }
        let mut colour = vec![Colour::White; tree.nodes.len()];
        for root in 0..tree.nodes.len() {
            if colour[root] != Colour::White {
                continue;
            }
            let mut stack: Vec<(NodeIdx, usize)> = vec![(root as NodeIdx, 0)];
            colour[root] = Colour::Grey;
            while let Some((node, child)) = stack.last().copied() {
                let succ = tree.successors(node);
                if child < succ.len() {
                    if let Some(top) = stack.last_mut() {
                        top.1 += 1;
                    }
                    let s = succ[child];
                    match colour[usize::from(s)] {
                        Colour::White => {
                            colour[usize::from(s)] = Colour::Grey;
                            stack.push((s, 0));
                        }
                        Colour::Grey => {
                            let from = &tree.nodes[usize::from(node)];
                            let to = &tree.nodes[usize::from(s)];
                            self.report(
                                from.line,
                                Some(&from.id),
                                format!("cycle: this node leads back to `{}`", to.id),
                            );
                        }
                        Colour::Black => {}
                    }
                } else {
                    colour[usize::from(node)] = Colour::Black;
                    stack.pop();
                }
            }
        }
    }
}

/// The check `name` with the parameters `given`, once lint has checked them: the
/// one place a parameter is read by its name and a default applied. A value lint
/// refused (reported already) reads as its default, as the tree is not built.
fn typed(name: CheckName, given: Option<&BTreeMap<String, Spanned<ParamValue>>>) -> Check {
    let value = |key: &str| given.and_then(|p| p.get(key)).map(|v| v.get_ref());
    let int = |key: &str| match value(key) {
        Some(ParamValue::Int(v)) => Some(*v),
        _ => None,
    };
    let platforms = |key: &str| match value(key) {
        Some(ParamValue::List(items)) => items
            .iter()
            .fold(Platforms::default(), |set, p| set.with(p).unwrap_or(set)),
        _ => Platforms::default(),
    };
    match name {
        CheckName::BrowserOnline => Check::BrowserOnline,
        CheckName::HelperPing => Check::HelperPing {
            count: int("count")
                .and_then(|c| u8::try_from(c).ok())
                .unwrap_or(PING_COUNT),
            warn_ms: int("warn_ms").unwrap_or(PING_WARN_MS),
        },
        CheckName::ClockSkew => Check::ClockSkew {
            max_skew_s: int("max_skew_s").unwrap_or(MAX_SKEW_S),
        },
        CheckName::CaptivePortal => Check::CaptivePortal,
        CheckName::InternetCanary => Check::InternetCanary,
        CheckName::EgressAltPorts => Check::EgressAltPorts,
        CheckName::Platform => Check::Platform {
            pass: platforms("pass"),
            warn: platforms("warn"),
        },
        CheckName::ClientAddress => Check::ClientAddress,
        CheckName::ServerResolve => Check::ServerResolve,
        // `port` is required: without one lint has reported it.
        CheckName::ServerProbe => Check::ServerProbe {
            port: int("port")
                .and_then(|p| u16::try_from(p).ok())
                .unwrap_or_default(),
        },
        CheckName::OperatorStatus => Check::OperatorStatus,
    }
}

/// "a" or "an" before a node kind, so messages read as English.
fn article(word: &str) -> &'static str {
    match word.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => "an",
        _ => "a",
    }
}
