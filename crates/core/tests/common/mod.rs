//! Helpers shared by the core integration tests: the fuzz case count, the shipped
//! trees (compiled once), byte-bounded string clipping and random text mutation.

// Each test crate uses only some of these helpers.
#![allow(dead_code)]

use std::sync::OnceLock;

use fixpath_core::i18n::{Catalog, Locale, Plural, Tr};
use fixpath_core::model::Tree;
use fixpath_core::shipped;
use proptest::test_runner::Config as ProptestConfig;

/// Cases per property test: `FIXPATH_FUZZ_CASES` (e.g. `1000000` for a long fuzz
/// run), 2000 by default so `cargo test` stays quick.
pub fn fuzz_cases() -> u32 {
    std::env::var("FIXPATH_FUZZ_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(2_000)
}

/// The property-test configuration: [`fuzz_cases`] cases, and no regression files
/// written into the source tree (a failure prints its minimal input instead).
pub fn fuzz_config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::with_cases(fuzz_cases())
    }
}

/// English's plural rule, with plain digits: the locale the tests read the
/// English catalog with.
pub struct English;

impl Locale for English {
    fn plural(&self, n: f64) -> Plural {
        if n == 1.0 {
            Plural::One
        } else {
            Plural::Other
        }
    }
    fn number(&self, n: f64) -> String {
        format!("{n}")
    }
}

/// The shipped English catalog with English's plural rule: the words the tests
/// compare with.
pub fn en() -> Tr<'static> {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    Tr {
        catalog: CATALOG.get_or_init(|| Catalog::shipped().remove(0)),
        locale: &English,
    }
}

/// Every shipped tree, compiled once. Panics (failing the test) when a shipped tree
/// does not compile, since `shipped::trees()` would silently leave it out.
pub fn trees() -> &'static [Tree] {
    static TREES: OnceLock<Vec<Tree>> = OnceLock::new();
    TREES.get_or_init(|| {
        let trees = shipped::trees();
        assert_eq!(
            trees.len(),
            shipped::SOURCES.len(),
            "every shipped tree must compile (see the lint tests for which does not)"
        );
        trees
    })
}

/// The shipped tree with this id.
pub fn tree(id: &str) -> &'static Tree {
    trees()
        .iter()
        .find(|t| t.id == id)
        .unwrap_or_else(|| panic!("no shipped tree `{id}`"))
}

/// The longest prefix of `s` of at most `max` bytes ending on a char boundary.
pub fn clip(s: &str, max: usize) -> String {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

/// One byte-level edit; positions are taken modulo the current length.
#[derive(Debug, Clone, Copy)]
pub enum Mutation {
    Delete(usize),
    Insert(usize, u8),
    Replace(usize, u8),
}

/// Applies byte edits to `src`, then repairs the result to valid UTF-8 (invalid
/// sequences become U+FFFD), so a mutated tree is always a `&str` again.
pub fn mutate(src: &str, edits: &[Mutation]) -> String {
    String::from_utf8_lossy(&mutate_bytes(src.as_bytes(), edits)).into_owned()
}

/// Applies byte edits to `bytes`.
pub fn mutate_bytes(bytes: &[u8], edits: &[Mutation]) -> Vec<u8> {
    let mut b = bytes.to_vec();
    for m in edits {
        match *m {
            Mutation::Delete(i) if !b.is_empty() => {
                let i = i % b.len();
                b.remove(i);
            }
            Mutation::Insert(i, v) => {
                let i = i % (b.len() + 1);
                b.insert(i, v);
            }
            Mutation::Replace(i, v) if !b.is_empty() => {
                let i = i % b.len();
                b[i] = v;
            }
            _ => {}
        }
    }
    b
}

/// Any byte-level edit. Inserted and replacing bytes lean towards the characters
/// that matter to TOML and to base64url, so mutations reach past the first parse.
pub fn mutation() -> impl proptest::strategy::Strategy<Value = Mutation> {
    use proptest::prelude::*;
    let byte = prop_oneof![
        3 => prop::sample::select(
            b"=\"'[]{},.#\n -_09AZaz/\\".to_vec()
        ),
        1 => any::<u8>(),
    ];
    prop_oneof![
        any::<usize>().prop_map(Mutation::Delete),
        (any::<usize>(), byte.clone()).prop_map(|(i, v)| Mutation::Insert(i, v)),
        (any::<usize>(), byte).prop_map(|(i, v)| Mutation::Replace(i, v)),
    ]
}
