//! Findings link tests: exact round trips of arbitrary sessions and of real walks of
//! the shipped trees, typed errors for damaged links, a never-panic fuzz harness
//! (`FIXPATH_FUZZ_CASES` sets its size), changed trees, the link length budget of a
//! full vpn-error-800 walk, and the findings a finished walk amounts to.

mod common;

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::OnceLock;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use fixpath_core::api;
use fixpath_core::engine::{Action, CheckResult, Entry, Session};
use fixpath_core::findings::{figure_text, utc, Findings};
use fixpath_core::link::{self, LinkError, MAX_NAME_BYTES, MAX_NOTES_BYTES, MAX_PAYLOAD_CHARS};
use fixpath_core::model::{CheckOutcome, NodeIdx, NodeKind, Resolution, Tree};
use fixpath_core::seal::{self, SealToken};
use fixpath_core::shipped;
use proptest::prelude::*;

// ---------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------

/// Any `u64`, with the edges drawn often.
fn any_u64() -> impl Strategy<Value = u64> {
    prop_oneof![
        6 => any::<u64>(),
        1 => Just(0),
        1 => Just(u64::MAX),
        1 => 0u64..1_000,
        1 => 1_700_000_000_000u64..1_900_000_000_000,
    ]
}

/// Any `i64` figure, with the edges drawn often.
fn any_figure() -> impl Strategy<Value = Option<i64>> {
    prop::option::of(prop_oneof![
        4 => any::<i64>(),
        1 => Just(i64::MIN),
        1 => Just(i64::MAX),
        1 => Just(0),
        1 => Just(-1),
        2 => -100_000i64..100_000,
    ])
}

fn any_outcome() -> impl Strategy<Value = CheckOutcome> {
    prop::sample::select(CheckOutcome::ALL.to_vec())
}

fn any_choice() -> impl Strategy<Value = u8> {
    prop_oneof![0u8..=255, Just(62), Just(63), Just(64), Just(255)]
}

fn any_action() -> impl Strategy<Value = Action> {
    prop_oneof![
        any_choice().prop_map(|choice| Action::Chose { choice }),
        (any_outcome(), any_figure())
            .prop_map(|(outcome, figure)| Action::Checked(CheckResult { outcome, figure })),
        any::<bool>().prop_map(|fixed| Action::Advised { fixed }),
        (any_choice(), any::<NodeIdx>()).prop_map(|(choice, by)| Action::Skipped { choice, by }),
    ]
}

fn any_entry() -> impl Strategy<Value = Entry> {
    (any::<NodeIdx>(), any_u64(), any_action()).prop_map(|(node, at_ms, action)| Entry {
        node,
        at_ms,
        action,
    })
}

/// Text of up to `max` bytes, any unicode.
fn any_text(max_chars: usize, max_bytes: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::collection::vec(any::<char>(), 0..=max_chars)
            .prop_map(move |c| common::clip(&c.into_iter().collect::<String>(), max_bytes)),
        1 => prop::collection::vec(any::<char>(), 0..=max_chars)
            .prop_map(move |c| {
                // Fill to the byte limit exactly when the characters allow it.
                let s: String = c.into_iter().cycle().take(max_bytes).collect();
                common::clip(&s, max_bytes)
            }),
    ]
}

fn any_address() -> impl Strategy<Value = Option<IpAddr>> {
    prop_oneof![
        Just(None),
        any::<[u8; 4]>().prop_map(|o| Some(IpAddr::V4(Ipv4Addr::from(o)))),
        any::<[u8; 16]>().prop_map(|o| Some(IpAddr::V6(Ipv6Addr::from(o)))),
    ]
}

/// Any session the encoder carries exactly: tree id and server name up to 255
/// bytes, notes up to 8 KiB, any entries (up to 300 here to keep debug runs
/// quick; `every_link_the_encoder_can_write_is_read` covers the largest).
fn any_session() -> impl Strategy<Value = Session> {
    (
        any_text(255, MAX_NAME_BYTES),
        any::<u64>(),
        any::<u32>(),
        any_u64(),
        prop::collection::vec(any_entry(), 0..300),
        // Long notes are slow to deflate in a debug build: one case in four.
        prop_oneof![
            3 => any_text(300, MAX_NOTES_BYTES),
            1 => any_text(MAX_NOTES_BYTES, MAX_NOTES_BYTES),
        ],
        prop::option::of(any_text(255, MAX_NAME_BYTES)),
        any_address(),
        prop::option::of(
            any_text(40, MAX_NAME_BYTES).prop_filter("a ticket is never empty", |t| !t.is_empty()),
        ),
    )
        .prop_map(
            |(
                tree_id,
                fingerprint,
                tree_version,
                started_ms,
                entries,
                notes,
                server_name,
                client_address,
                ticket,
            )| Session {
                tree_id,
                fingerprint,
                tree_version,
                started_ms,
                entries,
                notes,
                server_name,
                client_address,
                ticket,
            },
        )
}

/// One move of a random walk: `pick` 0 steps back (1 in 16), else forward; `arg`
/// chooses the branch; `figure` and `dt` fill in the result and the clock.
#[derive(Debug, Clone, Copy)]
struct Move {
    pick: u8,
    arg: u8,
    figure: Option<i64>,
    dt: u32,
}

fn any_move() -> impl Strategy<Value = Move> {
    (0u8..16, any::<u8>(), any_figure(), 0u32..120_000).prop_map(|(pick, arg, figure, dt)| Move {
        pick,
        arg,
        figure,
        dt,
    })
}

/// Walks `tree` with the engine API; every forward move must be accepted.
fn walk(tree: &Tree, start_ms: u64, moves: &[Move]) -> Session {
    let mut s = Session::start(tree, start_ms);
    let mut now = start_ms;
    for m in moves {
        now += u64::from(m.dt);
        let node = s.current(tree);
        if m.pick == 0 {
            s.back();
            continue;
        }
        let done = match &tree.nodes[usize::from(node)].kind {
            NodeKind::Question { choices, .. } => s.answer(tree, m.arg % choices.len() as u8, now),
            NodeKind::Check { .. } => s.record_check(
                tree,
                CheckResult {
                    outcome: CheckOutcome::ALL[usize::from(m.arg % 4)],
                    figure: m.figure,
                },
                now,
            ),
            NodeKind::Advice { .. } => s.advise(tree, m.arg % 2 == 0, now),
            NodeKind::Outcome { .. } => break,
        };
        assert_eq!(done, Ok(()), "a move at the current node is accepted");
    }
    s
}

/// A random walk of a random shipped tree, with what the user may add.
fn any_walk() -> impl Strategy<Value = (usize, Session)> {
    (
        any::<usize>(),
        1_700_000_000_000u64..1_900_000_000_000,
        prop::collection::vec(any_move(), 0..60),
        any_text(500, 2_000),
        prop::option::of("[a-z0-9.-]{1,60}"),
        any_address(),
    )
        .prop_map(
            |(which, start, moves, notes, server_name, client_address)| {
                let trees = common::trees();
                let index = which % trees.len();
                let mut s = walk(&trees[index], start, &moves);
                s.notes = notes;
                s.server_name = server_name;
                s.client_address = client_address;
                (index, s)
            },
        )
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn payload_bytes(payload: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD
        .decode(payload)
        .expect("an encoded payload is base64url")
}

/// The uncompressed body of an encoded payload (after version and mode).
fn body_of(payload: &str) -> Vec<u8> {
    let bytes = payload_bytes(payload);
    assert_eq!(bytes[0], link::VERSION);
    match bytes[1] {
        0 => bytes[2..].to_vec(),
        1 => miniz_oxide::inflate::decompress_to_vec(&bytes[2..]).expect("valid deflate"),
        m => panic!("unknown mode {m}"),
    }
}

/// A payload of version 1 with the given mode and body, deflating for mode 1.
fn wrap(mode: u8, body: &[u8]) -> String {
    let mut out = vec![link::VERSION, mode];
    if mode == 1 {
        out.extend(miniz_oxide::deflate::compress_to_vec(body, 6));
    } else {
        out.extend_from_slice(body);
    }
    URL_SAFE_NO_PAD.encode(out)
}

/// Decoding `input` in every way never panics, and what does decode is coherent:
/// the session re-encodes to itself, `decode` agrees with `decode_session`, and
/// findings can be built from it on every shipped tree.
fn decodes_sanely(input: &str) -> Result<(), TestCaseError> {
    let alone = link::decode_session(input);
    let matched = link::decode(input, common::trees());
    match &alone {
        Ok(s) => {
            prop_assert_eq!(&link::decode_session(&link::encode(s)), &alone);
            match &matched {
                Ok(d) => {
                    prop_assert_eq!(&d.session, s);
                    let tree = &common::trees()[d.tree];
                    prop_assert_eq!(&tree.id, &s.tree_id);
                    let f = Findings::new(tree, s);
                    let _ = f.to_text();
                    let _ = s.progress(tree);
                }
                Err(e) => prop_assert_eq!(e, &LinkError::UnknownTree(s.tree_id.clone())),
            }
            // Findings never panic, even for a session from another tree.
            for tree in common::trees() {
                let _ = Findings::new(tree, s).to_text();
            }
        }
        Err(e) => prop_assert_eq!(&matched.err(), &Some(e.clone())),
    }
    Ok(())
}

/// The shipped tree's outcome node a finished session ends at.
fn outcome_of(tree: &Tree, s: &Session) -> (String, Resolution, String, String) {
    let node = &tree.nodes[usize::from(s.current(tree))];
    match &node.kind {
        NodeKind::Outcome {
            result,
            summary,
            cause,
            ..
        } => (node.id.clone(), *result, summary.clone(), cause.clone()),
        _ => panic!("the walk ended at `{}`, not an outcome", node.id),
    }
}

/// A realistic figure for a check, in its unit.
fn realistic_figure(tree: &Tree, node: NodeIdx) -> Option<i64> {
    match &tree.nodes[usize::from(node)].kind {
        NodeKind::Check { check, .. } => match check.name().figure_unit() {
            Some("ms") => Some(42),
            Some("s") => Some(3),
            Some("addresses") => Some(2),
            Some("ports open") => Some(4),
            Some(_) => Some(1),
            None => None,
        },
        _ => None,
    }
}

/// The longest realistic walk: at every step the branch with the longest path
/// still ahead, a few seconds apart, as a person on a VPN support page would.
fn longest_walk(tree: &Tree, start_ms: u64) -> Session {
    let mut s = Session::start(tree, start_ms);
    let mut now = start_ms;
    let mut step = 0u64;
    while !s.is_finished(tree) {
        step += 1;
        assert!(step < 10_000, "the walk ends");
        now += 3_000 + (step * 1_741) % 6_000;
        let node = s.current(tree);
        let longest = |targets: Vec<NodeIdx>| -> usize {
            let mut best = 0;
            for (i, t) in targets.iter().enumerate() {
                if tree.longest_remaining(*t) > tree.longest_remaining(targets[best]) {
                    best = i;
                }
            }
            best
        };
        let done = match &tree.nodes[usize::from(node)].kind {
            NodeKind::Question { choices, .. } => {
                let i = longest(choices.iter().map(|c| c.next).collect());
                s.answer(tree, i as u8, now)
            }
            NodeKind::Check { next, .. } => {
                let i = longest(CheckOutcome::ALL.iter().map(|o| *next.get(*o)).collect());
                let result = CheckResult {
                    outcome: CheckOutcome::ALL[i],
                    figure: realistic_figure(tree, node),
                };
                s.record_check(tree, result, now)
            }
            NodeKind::Advice {
                fixed, not_fixed, ..
            } => {
                let i = longest(vec![*fixed, *not_fixed]);
                s.advise(tree, i == 0, now)
            }
            NodeKind::Outcome { .. } => unreachable!("checked by is_finished"),
        };
        assert_eq!(done, Ok(()));
    }
    s
}

fn full_vpn_session() -> (&'static Tree, Session) {
    let tree = common::tree("vpn-error-800");
    let mut s = longest_walk(tree, 1_795_000_000_000);
    s.server_name = Some("vpn.example.com".into());
    s.client_address = Some("203.0.113.7".parse().expect("an address"));
    (tree, s)
}

/// The full vpn walk, which must finish and carry at least one check.
fn vpn_walk_with_evidence() -> (&'static Tree, Session) {
    let (tree, s) = full_vpn_session();
    assert!(s.is_finished(tree));
    assert!(
        s.entries
            .iter()
            .any(|e| matches!(e.action, Action::Checked(_))),
        "the longest vpn-error-800 walk runs checks"
    );
    (tree, s)
}

// ---------------------------------------------------------------------------
// Round trips
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(common::fuzz_config())]

    #[test]
    fn any_session_round_trips_exactly(s in any_session()) {
        let payload = link::encode(&s);
        prop_assert!(payload.len() <= MAX_PAYLOAD_CHARS, "{} chars", payload.len());
        prop_assert!(payload
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        prop_assert_eq!(link::decode_session(&payload), Ok(s.clone()));
        // The same through a whole link with a seal and through a fragment.
        let url = format!("https://support.example.com/#/r/{payload}.c2VhbA");
        prop_assert_eq!(link::decode_session(&url), Ok(s.clone()));
        prop_assert_eq!(link::decode_session(&format!("#/r/{payload}")), Ok(s));
    }

    #[test]
    fn real_walks_of_the_shipped_trees_round_trip_and_fit((index, s) in any_walk()) {
        let tree = &common::trees()[index];
        prop_assert_eq!(s.validate(tree), Ok(()));
        let payload = link::encode(&s);
        let d = link::decode(&payload, common::trees());
        prop_assert!(d.is_ok(), "{:?}", d);
        let d = d.unwrap_or_else(|_| unreachable!());
        prop_assert_eq!(d.tree, index);
        prop_assert_eq!(&d.session, &s);
        prop_assert!(!d.tree_changed);
        prop_assert_eq!(d.fits, Ok(()));
        prop_assert_eq!(d.session.current(tree), s.current(tree));
        prop_assert_eq!(Findings::new(tree, &d.session), Findings::new(tree, &s));
    }
}

#[test]
fn a_session_at_the_size_limits_round_trips() {
    let s = Session {
        tree_id: "é".repeat(MAX_NAME_BYTES / 2) + "x",
        fingerprint: u64::MAX,
        tree_version: u32::MAX,
        started_ms: u64::MAX,
        entries: vec![
            Entry {
                node: NodeIdx::MAX,
                at_ms: 0,
                action: Action::Checked(CheckResult {
                    outcome: CheckOutcome::Unknown,
                    figure: Some(i64::MIN),
                }),
            },
            Entry {
                node: 0,
                at_ms: u64::MAX,
                action: Action::Skipped {
                    choice: 255,
                    by: NodeIdx::MAX,
                },
            },
            Entry {
                node: 1,
                at_ms: 1,
                action: Action::Chose { choice: 63 },
            },
        ],
        notes: "🦀".repeat(MAX_NOTES_BYTES / 4),
        server_name: Some("ü".repeat(127)),
        client_address: Some(IpAddr::V6(Ipv6Addr::from([0xff; 16]))),
        ticket: Some("T".repeat(MAX_NAME_BYTES)),
    };
    assert_eq!(s.tree_id.len(), MAX_NAME_BYTES);
    assert_eq!(s.notes.len(), MAX_NOTES_BYTES);
    assert_eq!(link::decode_session(&link::encode(&s)), Ok(s));
}

#[test]
fn text_over_the_limits_is_clipped_on_whole_characters() {
    let s = Session {
        tree_id: "a".repeat(MAX_NAME_BYTES - 1) + "é",
        fingerprint: 1,
        tree_version: 1,
        started_ms: 0,
        entries: Vec::new(),
        notes: "x".repeat(MAX_NOTES_BYTES - 1) + "€",
        server_name: Some("s".repeat(300)),
        client_address: None,
        ticket: None,
    };
    let back = link::decode_session(&link::encode(&s)).expect("decodes");
    assert_eq!(back.tree_id, "a".repeat(MAX_NAME_BYTES - 1));
    assert_eq!(back.notes, "x".repeat(MAX_NOTES_BYTES - 1));
    let name = back.server_name.expect("kept");
    assert!(
        name.len() < 300 && name.bytes().all(|b| b == b's'),
        "{}",
        name.len()
    );
}

// ---------------------------------------------------------------------------
// Never panics
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(common::fuzz_config())]

    #[test]
    fn decoding_arbitrary_strings_never_panics(input in any::<String>()) {
        decodes_sanely(&input)?;
    }

    #[test]
    fn decoding_base64url_looking_strings_never_panics(
        input in "(https://[a-z.]{1,12}/)?(#/r/)?[A-Za-z0-9_-]{0,300}(\\.[A-Za-z0-9_-]{0,20})?"
    ) {
        decodes_sanely(&input)?;
    }

    #[test]
    fn decoding_base64url_of_arbitrary_bytes_never_panics(
        bytes in prop::collection::vec(any::<u8>(), 0..1_024)
    ) {
        decodes_sanely(&URL_SAFE_NO_PAD.encode(&bytes))?;
    }

    #[test]
    fn decoding_arbitrary_bodies_never_panics(
        mode in 0u8..=1,
        body in prop::collection::vec(any::<u8>(), 0..1_024),
    ) {
        decodes_sanely(&wrap(mode, &body))?;
    }

    #[test]
    fn decoding_mutated_real_bodies_never_panics(
        (_, s) in any_walk(),
        mode in 0u8..=1,
        edits in prop::collection::vec(common::mutation(), 1..6),
    ) {
        // Damage inside the body, behind a valid header (and valid deflate).
        let body = body_of(&link::encode(&s));
        let damaged = common::mutate_bytes(&body, &edits);
        decodes_sanely(&wrap(mode, &damaged))?;
    }

    #[test]
    fn decoding_real_links_with_one_character_changed_never_panics(
        (_, s) in any_walk(),
        at in any::<usize>(),
        with in prop_oneof![
            4 => prop::sample::select(
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                    .iter().map(|b| char::from(*b)).collect::<Vec<_>>()
            ),
            1 => any::<char>(),
        ],
        cut in any::<usize>(),
    ) {
        let payload = link::encode(&s);
        let mut chars: Vec<char> = payload.chars().collect();
        let i = at % chars.len();
        chars[i] = with;
        let changed: String = chars.iter().collect();
        decodes_sanely(&changed)?;
        // And a cut anywhere.
        let cut = cut % (payload.len() + 1);
        decodes_sanely(&payload[..cut])?;
        // A cut link is never read as a whole one.
        if cut < payload.len() {
            prop_assert!(link::decode_session(&payload[..cut]).is_err(), "cut at {}", cut);
        }
    }

    #[test]
    fn any_seal_round_trips_in_the_format_for_its_address(
        key_id in "[a-z0-9-]{0,64}",
        time_ms in any_u64(),
        client in any_address(),
        signature in prop::collection::vec(any::<u8>(), 64),
    ) {
        let token = SealToken {
            key_id,
            time_ms,
            client,
            signature: signature.try_into().unwrap_or([0; 64]),
        };
        let text = token.encode();
        let version = URL_SAFE_NO_PAD.decode(&text).map(|b| b[0]);
        prop_assert_eq!(version, Ok(if client.is_some() { 1 } else { 2 }));
        prop_assert_eq!(SealToken::decode(&text), Ok(token));
    }

    #[test]
    fn decoding_arbitrary_seals_never_panics(
        input in any::<String>(),
        bytes in prop::collection::vec(any::<u8>(), 0..200),
    ) {
        let _ = SealToken::decode(&input);
        let _ = seal::seal_of(&input).map(SealToken::decode);
        // Whatever decodes is canonical: it encodes back to the same bytes.
        let text = URL_SAFE_NO_PAD.encode(&bytes);
        if let Ok(t) = SealToken::decode(&text) {
            prop_assert_eq!(t.encode(), text);
        }
    }

    #[test]
    fn decoding_mutated_real_seals_never_panics(
        client in any_address(),
        edits in prop::collection::vec(common::mutation(), 1..6),
    ) {
        let token = SealToken {
            key_id: "3f9a2c1d5e6b7a80".into(),
            time_ms: 1_795_000_100_000,
            client,
            signature: [0xAB; 64],
        };
        let bytes = URL_SAFE_NO_PAD.decode(token.encode()).unwrap_or_default();
        let damaged = URL_SAFE_NO_PAD.encode(common::mutate_bytes(&bytes, &edits));
        if let Ok(t) = SealToken::decode(&damaged) {
            prop_assert_eq!(t.encode(), damaged);
        }
    }
}

// ---------------------------------------------------------------------------
// Typed errors
// ---------------------------------------------------------------------------

fn small_session() -> Session {
    let (tree, _) = vpn_walk_with_evidence();
    let mut s = walk(
        tree,
        1_795_000_000_000,
        &[Move {
            pick: 1,
            arg: 0,
            figure: Some(42),
            dt: 4_000,
        }],
    );
    s.notes = "It worked yesterday.".into();
    s
}

#[test]
fn damaged_links_give_typed_errors() {
    let mut unknown_tree = small_session();
    unknown_tree.tree_id = "no-such-tree".into();
    let with_version = |v: u8| URL_SAFE_NO_PAD.encode([v, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
    let bomb = wrap(1, &vec![0u8; 1 << 20]);
    let cases: Vec<(&str, String, LinkError)> = vec![
        ("empty", String::new(), LinkError::Empty),
        ("blank", " \n\t ".into(), LinkError::Empty),
        (
            "link without payload",
            "https://h.example/#/r/".into(),
            LinkError::Empty,
        ),
        ("seal only", "#/r/.c2VhbA".into(), LinkError::Empty),
        (
            "one byte",
            URL_SAFE_NO_PAD.encode([1]),
            LinkError::Truncated,
        ),
        ("no mode byte", "AQ".into(), LinkError::Truncated),
        ("header only", wrap(0, &[]), LinkError::Truncated),
        ("one character", "A".into(), LinkError::Truncated),
        ("not base64url", "AQA!!!".into(), LinkError::Corrupt),
        (
            "standard base64 alphabet",
            "AQA+Aw".into(),
            LinkError::Corrupt,
        ),
        (
            "unknown mode",
            URL_SAFE_NO_PAD.encode([1, 2, 0, 0]),
            LinkError::Corrupt,
        ),
        ("version 0", with_version(0), LinkError::UnknownVersion(0)),
        ("version 2", with_version(2), LinkError::NewerVersion(2)),
        ("version 16", with_version(16), LinkError::NewerVersion(16)),
        ("version 17", with_version(17), LinkError::Corrupt),
        ("version 255", with_version(255), LinkError::Corrupt),
        (
            "pasted text",
            "not-a-findings-link".into(),
            LinkError::Corrupt,
        ),
        (
            "too long",
            "A".repeat(MAX_PAYLOAD_CHARS + 1),
            LinkError::TooLong,
        ),
        ("inflation bomb", bomb, LinkError::TooLong),
        (
            "trailing bytes",
            {
                let mut body = body_of(&link::encode(&small_session()));
                body.push(0);
                wrap(0, &body)
            },
            LinkError::Corrupt,
        ),
    ];
    for (name, input, want) in cases {
        assert_eq!(link::decode_session(&input), Err(want.clone()), "{name}");
        assert_eq!(
            link::decode(&input, common::trees()).err(),
            Some(want),
            "{name}"
        );
    }
    // The length limit is on the payload, and exactly at it the payload is read.
    assert_eq!(
        link::decode_session(&"A".repeat(MAX_PAYLOAD_CHARS)),
        Err(LinkError::UnknownVersion(0))
    );
    // A session for a tree this build does not have is read, but not matched.
    let payload = link::encode(&unknown_tree);
    assert_eq!(link::decode_session(&payload), Ok(unknown_tree));
    assert_eq!(
        link::decode(&payload, common::trees()),
        Err(LinkError::UnknownTree("no-such-tree".into()))
    );
    // Every error says something to the person who opened the link.
    for e in [
        LinkError::Empty,
        LinkError::Truncated,
        LinkError::Corrupt,
        LinkError::TooLong,
        LinkError::UnknownVersion(0),
        LinkError::NewerVersion(2),
        LinkError::UnknownTree("x".into()),
    ] {
        assert!(e.to_string().len() > 20, "{e:?}");
    }
    assert!(LinkError::NewerVersion(2).to_string().contains("format 2"));
}

/// A cut at a whole base64 group (or one character past it) is `Truncated`; a cut
/// leaving two or three characters of a group may fail base64 itself, as damage.
/// No cut ever reads as a whole link.
#[test]
fn cut_links_are_truncated_or_corrupt_never_whole() {
    let (_, full) = full_vpn_session();
    let mut noted = full.clone();
    noted.notes = "The VPN worked until Monday; since then error 800 every time. ".repeat(8);
    let cases = [
        ("full walk", full, None),
        ("short walk", small_session(), None),
        ("full walk with long notes", noted, Some(1)),
    ];
    for (what, s, want_mode) in cases {
        let payload = link::encode(&s);
        let mode = payload_bytes(&payload)[1];
        if let Some(want) = want_mode {
            assert_eq!(mode, want, "{what}: deflated when that is shorter");
        }
        let half = payload.len() / 2 / 4 * 4;
        assert_eq!(
            link::decode_session(&payload[..half]),
            Err(LinkError::Truncated),
            "{what} cut in half (mode {mode})"
        );
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for cut in 1..payload.len() {
            let got = link::decode_session(&payload[..cut]);
            if cut % 4 < 2 {
                assert_eq!(got, Err(LinkError::Truncated), "{what}: cut at {cut}");
            } else {
                assert!(
                    matches!(got, Err(LinkError::Truncated | LinkError::Corrupt)),
                    "{what}: cut at {cut} of {}: {got:?}",
                    payload.len()
                );
            }
            *counts.entry(format!("{got:?}")).or_default() += 1;
        }
        println!(
            "{what}: mode {mode}, {} cuts: {counts:?}",
            payload.len() - 1
        );
    }
}

#[test]
fn payload_of_finds_the_payload_in_a_sealed_link() {
    let s = small_session();
    let payload = link::encode(&s);
    let seal_text = SealToken {
        key_id: "k1-3f9a2c1d".into(),
        time_ms: 1_795_000_100_000,
        client: Some("2001:db8::7".parse().expect("an address")),
        signature: [0xAB; 64],
    }
    .encode();
    let full = format!("https://support.example.com/#/r/{payload}.{seal_text}");
    let cases = [
        full.clone(),
        format!("  {full}\n"),
        format!("#/r/{payload}.{seal_text}"),
        format!("/r/{payload}"),
        payload.clone(),
    ];
    for input in &cases {
        assert_eq!(link::payload_of(input), payload, "{input}");
        assert_eq!(link::decode_session(input), Ok(s.clone()), "{input}");
    }
    assert_eq!(seal::seal_of(&full), Some(seal_text.as_str()));
}

// ---------------------------------------------------------------------------
// The address left out
// ---------------------------------------------------------------------------

/// Whether `needle` occurs anywhere in `hay`.
fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The forms in which a link could carry `addr`: its text and its octets.
fn forms_of(addr: IpAddr) -> [Vec<u8>; 2] {
    let octets = match addr {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    };
    [addr.to_string().into_bytes(), octets]
}

/// The link the outcome step builds for `session` with the address in or out,
/// sealed as the helper answers the request the app makes for it (the helper sees
/// the client at `seen`).
fn shared_link(session: &Session, address: bool, seen: IpAddr) -> String {
    let shared = session.shared(address, true);
    let payload = link::encode(&shared);
    let request = seal::request_for("0f".repeat(32), shared.client_address);
    let answer = api::Seal {
        key_id: "3f9a2c1d5e6b7a80".into(),
        time_ms: 1_795_000_100_000,
        client: request.client(seen),
        signature: URL_SAFE_NO_PAD.encode([0xAB; 64]),
    };
    let token = SealToken::from_api(&answer).expect("the helper's answer reads");
    format!(
        "https://support.example.com/#/r/{payload}.{}",
        token.encode()
    )
}

/// Every layer of bytes in a sealed link: the link as text, the payload decoded,
/// its body inflated, and the seal decoded.
fn layers_of(link: &str) -> [Vec<u8>; 4] {
    let payload = link::payload_of(link);
    let seal = seal::seal_of(link).expect("a sealed link");
    [
        link.as_bytes().to_vec(),
        payload_bytes(payload),
        body_of(payload),
        URL_SAFE_NO_PAD.decode(seal).expect("a seal is base64url"),
    ]
}

#[test]
fn a_link_shared_without_the_address_carries_it_nowhere() {
    let (_, mut s) = full_vpn_session();
    for addr in ["203.0.113.7", "2001:db8::7"] {
        let addr: IpAddr = addr.parse().expect("an address");
        s.client_address = Some(addr);

        let without = shared_link(&s, false, addr);
        assert_eq!(
            link::decode_session(&without).map(|d| d.client_address),
            Ok(None)
        );
        let token = seal::seal_of(&without).map(SealToken::decode);
        assert_eq!(token.map(|t| t.map(|t| t.client)), Some(Ok(None)));
        for (layer, bytes) in ["link", "payload", "body", "seal"]
            .iter()
            .zip(layers_of(&without))
        {
            for form in forms_of(addr) {
                assert!(
                    !contains(&bytes, &form),
                    "{addr} ({form:?}) in the {layer}: {without}"
                );
            }
        }

        // Not vacuous: with the address in, the findings and the seal both carry it.
        let with = shared_link(&s, true, addr);
        assert_eq!(
            link::decode_session(&with).map(|d| d.client_address),
            Ok(Some(addr))
        );
        let [_, _, body, seal] = layers_of(&with);
        let [_, octets] = forms_of(addr);
        assert!(contains(&body, &octets), "{with}");
        assert!(contains(&seal, &octets), "{with}");
        // And the seal left out only what the address took: the link stays short.
        assert!(without.len() < with.len(), "{without} vs {with}");
    }
}

// ---------------------------------------------------------------------------
// Changed trees
// ---------------------------------------------------------------------------

/// The vpn tree's source with its `[[node]]` tables in reverse order: the same
/// tree to a reader, but every index in a link now means another node.
fn reordered(src: &str) -> String {
    let mut parts: Vec<&str> = src.split("\n[[node]]").collect();
    let header = parts.remove(0);
    parts.reverse();
    let mut out = header.to_string();
    for p in parts {
        out.push_str("\n[[node]]");
        out.push_str(p.trim_end_matches('\n'));
        out.push('\n');
    }
    out
}

fn vpn_source() -> &'static str {
    shipped::SOURCES
        .iter()
        .find(|(f, _)| *f == "vpn-error-800.toml")
        .map(|(_, s)| *s)
        .expect("vpn-error-800.toml is shipped")
}

#[test]
fn a_changed_tree_is_noticed_and_its_findings_do_not_panic() {
    let (tree, s) = vpn_walk_with_evidence();
    let payload = link::encode(&s);

    // Against its own version: unchanged since, and the note says so.
    let d = link::decode(&payload, std::slice::from_ref(tree)).expect("decodes");
    assert!(!d.tree_changed);
    let note = d.version_note(Some((tree.version, tree.fingerprint)));
    assert!(note.contains("has not changed since"), "{note}");
    assert!(
        note.contains(&link::version_name(tree.version, tree.fingerprint)),
        "{note}"
    );

    // Other wording is another version (a new fingerprint), but every step fits.
    let reworded = Tree::from_toml(&vpn_source().replacen("text = \"", "text = \"Now: ", 1))
        .expect("reworded tree compiles");
    assert_ne!(reworded.fingerprint, tree.fingerprint);
    let d = link::decode(&payload, std::slice::from_ref(&reworded)).expect("decodes");
    assert!(d.tree_changed);
    assert_eq!(d.fits, Ok(()));
    let note = d.version_note(Some((reworded.version, reworded.fingerprint)));
    assert!(
        note.contains(&format!("version {}", s.tree_version)) && note.contains("not kept here"),
        "{note}"
    );

    // Decoded against the old version the helper kept, while a newer one is served.
    let d = link::decode(&payload, std::slice::from_ref(tree)).expect("decodes");
    let note = d.version_note(Some((reworded.version + 1, reworded.fingerprint)));
    assert!(
        note.contains("as it was then")
            && note.contains(&link::version_name(
                reworded.version + 1,
                reworded.fingerprint
            )),
        "{note}"
    );
    let note = d.version_note(None);
    assert!(note.contains("no longer offered"), "{note}");

    // A changed cause: changed, but every step still fits.
    let recaused = Tree::from_toml(&vpn_source().replacen("cause = \"", "cause = \"new-", 1))
        .expect("re-caused tree compiles");
    assert_ne!(recaused.fingerprint, tree.fingerprint);
    let d = link::decode(&payload, std::slice::from_ref(&recaused)).expect("decodes");
    assert!(d.tree_changed);
    assert_eq!(d.fits, Ok(()));

    // Nodes reordered: changed, and the steps no longer fit.
    let moved = Tree::from_toml(&reordered(vpn_source())).expect("reordered tree compiles");
    assert_eq!(moved.id, tree.id);
    assert_ne!(moved.fingerprint, tree.fingerprint);
    let trees = [common::tree("device-manager-code-28").clone(), moved];
    let d = link::decode(&payload, &trees).expect("decodes");
    assert_eq!(d.tree, 1);
    assert!(d.tree_changed);
    assert!(d.fits.is_err(), "reordered nodes break the replay");
    let f = Findings::new(&trees[1], &d.session);
    let text = f.to_text();
    assert!(text.contains(&trees[1].title), "{text}");
    assert!(
        f.left_out + f.transcript.len() == d.session.entries.len(),
        "every step is shown or counted as left out"
    );
}

/// Every shipped tree with its nodes reordered (same index as in `common::trees`).
fn reordered_trees() -> &'static [Tree] {
    static TREES: OnceLock<Vec<Tree>> = OnceLock::new();
    TREES.get_or_init(|| {
        common::trees()
            .iter()
            .map(|tree| {
                let src = shipped::SOURCES
                    .iter()
                    .map(|(_, src)| *src)
                    .find(|src| Tree::from_toml(src).is_ok_and(|t| t.id == tree.id))
                    .expect("every compiled tree has its source");
                Tree::from_toml(&reordered(src)).expect("a reordered tree compiles")
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(common::fuzz_config())]

    #[test]
    fn random_walks_decoded_against_a_changed_tree_do_not_panic((index, s) in any_walk()) {
        let tree = &common::trees()[index];
        let moved = &reordered_trees()[index..=index];
        let d = link::decode(&link::encode(&s), moved);
        prop_assert!(d.is_ok(), "{:?}", d);
        let d = d.unwrap_or_else(|_| unreachable!());
        prop_assert_eq!(d.tree_changed, moved[0].fingerprint != tree.fingerprint);
        let f = Findings::new(&moved[0], &d.session);
        prop_assert_eq!(f.left_out + f.transcript.len(), s.entries.len());
        let _ = f.to_text();
        let _ = d.session.progress(&moved[0]);
    }
}

// ---------------------------------------------------------------------------
// The length budget
// ---------------------------------------------------------------------------

/// The longest link a person realistically shares: a full vpn-error-800 walk,
/// sealed, must fit in 600 characters (tickets, chat and QR codes).
#[test]
fn a_full_vpn_walk_fits_the_link_budget() {
    let (tree, s) = full_vpn_session();
    let last = s.entries.last().map(|e| e.at_ms).unwrap_or(s.started_ms);
    let token = SealToken {
        key_id: "k1-3f9a2c1d".into(),
        time_ms: last + 2_000,
        client: Some(s.client_address.expect("set above")),
        signature: [0xAB; 64],
    };
    let seal_text = token.encode();
    let payload = link::encode(&s);
    let full = format!("https://support.example.com/#/r/{payload}.{seal_text}");
    let mode = payload_bytes(&payload)[1];
    println!(
        "vpn-error-800 longest walk: {} steps ({} user steps), payload {} chars (mode {mode}, body {} bytes), seal {} chars, full link {} chars",
        s.entries.len(),
        s.entries
            .iter()
            .filter(|e| !matches!(e.action, Action::Skipped { .. }))
            .count(),
        payload.len(),
        body_of(&payload).len(),
        seal_text.len(),
        full.len(),
    );
    assert!(
        s.entries.len() <= tree.longest_remaining(tree.start),
        "a walk is no longer than the tree's longest path"
    );
    assert!(s.entries.len() >= 3, "a full walk takes several steps");
    assert!(
        full.len() <= 600,
        "the full link is {} characters, over the 600 budget",
        full.len()
    );
    // And it reads back whole, with its seal.
    let d = link::decode(&full, common::trees()).expect("decodes");
    assert_eq!(d.session, s);
    assert!(!d.tree_changed);
    assert_eq!(d.fits, Ok(()));
    assert_eq!(seal::seal_of(&full).map(SealToken::decode), Some(Ok(token)));
}

// ---------------------------------------------------------------------------
// Findings
// ---------------------------------------------------------------------------

#[test]
fn findings_of_a_finished_walk_name_outcome_cause_evidence_advice_and_answers() {
    let (tree, mut s) = vpn_walk_with_evidence();
    s.notes = "Started after the router was replaced.".into();
    let (outcome_id, result, summary, cause) = outcome_of(tree, &s);
    let f = Findings::new(tree, &s);
    let o = f.outcome.as_ref().expect("the walk reached an outcome");
    assert_eq!(o.node, outcome_id);
    assert_eq!(o.result, result);
    assert_eq!(o.summary, summary);
    assert_eq!(o.cause, cause);
    assert_eq!(f.left_out, 0);
    assert_eq!(f.transcript.len(), s.entries.len());
    assert_eq!(f.tree_title, tree.title);

    let text = f.to_text();
    let want_state = match result {
        Resolution::Resolved => "Fixed",
        Resolution::Escalate => "Needs support",
    };
    let mut want = vec![
        format!(
            "Fixpath findings: {} (version {})",
            tree.title, tree.version
        ),
        format!("Started: {}", utc(s.started_ms)),
        format!("Result: {want_state}: {summary}"),
        format!("Likely cause: {cause}"),
        "VPN server as typed: vpn.example.com".to_string(),
        "Client address as the helper saw it: 203.0.113.7".to_string(),
        "Notes from the user:\nStarted after the router was replaced.".to_string(),
    ];
    let (mut checks, mut tried, mut answered) = (0, 0, 0);
    for e in &s.entries {
        let node = &tree.nodes[usize::from(e.node)];
        match (&node.kind, e.action) {
            (NodeKind::Check { check, text, .. }, Action::Checked(r)) => {
                checks += 1;
                let unit = check.name().figure_unit();
                let figure = r
                    .figure
                    .map(|v| format!(" ({})", figure_text(v, unit)))
                    .unwrap_or_default();
                if let (Some(v), Some(u)) = (r.figure, unit) {
                    assert!(figure.contains(&format!("{v} {u}")));
                }
                want.push(format!("{text}{figure} [{}]", check.name().as_str()));
            }
            (NodeKind::Advice { text, .. }, Action::Advised { fixed }) => {
                tried += 1;
                let said = if fixed { "fixed it" } else { "did not help" };
                want.push(format!("- {text}: {said}"));
            }
            (NodeKind::Question { text, choices, .. }, Action::Chose { choice })
            | (NodeKind::Question { text, choices, .. }, Action::Skipped { choice, .. }) => {
                answered += 1;
                want.push(format!("- {text} {}", choices[usize::from(choice)].label));
            }
            other => panic!("a valid walk has no step like {other:?}"),
        }
    }
    assert!(checks > 0, "the walk ran checks");
    assert_eq!(f.evidence.len(), checks);
    assert_eq!(f.tried.len(), tried);
    assert_eq!(f.answers.len(), answered);
    for w in &want {
        assert!(text.contains(w.as_str()), "findings lack {w:?}:\n{text}");
    }
    // Every step, with its time.
    for e in &s.entries {
        assert!(text.contains(&utc(e.at_ms)), "{text}");
    }
    assert!(
        f.evidence
            .iter()
            .any(|e| e.figure.is_some() && e.unit.is_some()),
        "the walk has a check whose figure has a unit: {:?}",
        f.evidence
    );
}

/// A tree small enough to spell out every line of its findings.
const SMALL: &str = r#"
id = "small"
title = "Small"
symptom = "A small tree for findings tests"
version = 3
start = "ping"

[[node]]
id = "ping"
kind = "check"
check = "helper.ping"
text = "How fast does the helper answer?"
next = { pass = "sites", warn = "sites", fail = "offline", unknown = "sites" }

[[node]]
id = "sites"
kind = "question"
text = "Do other sites open?"
choices = [
  { id = "yes", label = "Yes", next = "retry" },
  { id = "no", label = "No", next = "offline" },
]
answered_by = { check = "ping", pass = "yes" }

[[node]]
id = "retry"
kind = "advice"
text = "Wait a minute and try again."
fixed = "done"
not_fixed = "escalate"

[[node]]
id = "offline"
kind = "outcome"
result = "escalate"
summary = "The device is offline."
cause = "no-network"

[[node]]
id = "done"
kind = "outcome"
result = "resolved"
summary = "Fixed by retrying."
cause = "transient"

[[node]]
id = "escalate"
kind = "outcome"
result = "escalate"
summary = "Still failing after a retry."
cause = "unknown-cause"
"#;

#[test]
fn findings_text_of_a_small_walk_reads_exactly() {
    let tree = Tree::from_toml(SMALL).expect("small tree compiles");
    let t0 = 1_795_000_000_000;
    let cases: Vec<(&str, CheckResult, Vec<&str>)> = vec![
        (
            "pass: the question is answered by the check",
            CheckResult {
                outcome: CheckOutcome::Pass,
                figure: Some(42),
            },
            vec![
                "Fixpath findings: Small (version 3)\n",
                "Started: 2026-11-18 11:06:40 UTC\n",
                "Result: Needs support: Still failing after a retry.\n",
                "Likely cause: unknown-cause\n",
                "What we checked:\n- OK: How fast does the helper answer? (42 ms) [helper.ping]\n",
                "What was tried:\n- Wait a minute and try again.: did not help\n",
                "Answers:\n- Do other sites open? Yes (answered by the check: How fast does the helper answer? (ok))\n",
                "2026-11-18 11:06:44 UTC  Checked \"How fast does the helper answer?\" [helper.ping]: OK (42 ms).\n",
                "2026-11-18 11:06:44 UTC  Skipped \"Do other sites open?\": \"Yes\", answered by the check \"How fast does the helper answer? (ok)\".\n",
                "2026-11-18 11:06:52 UTC  Tried \"Wait a minute and try again.\": it did not help.\n",
            ],
        ),
        (
            "unknown: the question is asked",
            CheckResult {
                outcome: CheckOutcome::Unknown,
                figure: None,
            },
            vec![
                "- Could not run: How fast does the helper answer? [helper.ping]\n",
                "Answers:\n- Do other sites open? Yes\n",
                "2026-11-18 11:06:48 UTC  Asked \"Do other sites open?\": answered \"Yes\".\n",
            ],
        ),
    ];
    for (name, result, want) in cases {
        let mut s = Session::start(&tree, t0);
        s.record_check(&tree, result, t0 + 4_000)
            .expect("at the check");
        if !s.is_finished(&tree)
            && matches!(
                tree.nodes[usize::from(s.current(&tree))].kind,
                NodeKind::Question { .. }
            )
        {
            s.answer(&tree, 0, t0 + 8_000).expect("at the question");
        }
        s.advise(&tree, false, t0 + 12_000).expect("at the advice");
        assert!(s.is_finished(&tree), "{name}");
        // Through a link and back, as support staff would see it.
        let d = link::decode(&link::encode(&s), std::slice::from_ref(&tree)).expect("decodes");
        let text = Findings::new(&tree, &d.session).to_text();
        for w in want {
            assert!(text.contains(w), "{name}: lacks {w:?}:\n{text}");
        }
        assert!(!text.contains("not shown"), "{name}: {text}");
    }
}

/// The encoder's largest outputs stay within the decoder's limits: the most
/// entries with the widest figures and wildly jumping times, 8 KiB of notes that
/// do not compress, and names at their longest all come back exactly.
#[test]
fn every_link_the_encoder_can_write_is_read() {
    let mut notes = String::new();
    let mut x: u32 = 0x9e37_79b9;
    while notes.len() < MAX_NOTES_BYTES - 4 {
        // A xorshift walk over many scripts: deflate finds little to share.
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        notes.push(char::from_u32(0x20 + x % 0xd000).unwrap_or('x'));
    }
    let entries = (0..link::MAX_ENTRIES)
        .map(|i| Entry {
            node: u16::MAX - (i as u16 % 7),
            at_ms: if i % 2 == 0 {
                u64::MAX / 2 + i as u64
            } else {
                i as u64
            },
            action: match i % 4 {
                0 => Action::Checked(CheckResult {
                    outcome: CheckOutcome::Unknown,
                    figure: Some(if i % 8 == 0 { i64::MIN } else { i64::MAX }),
                }),
                1 => Action::Skipped {
                    choice: 255,
                    by: u16::MAX,
                },
                2 => Action::Chose { choice: 200 },
                _ => Action::Advised { fixed: true },
            },
        })
        .collect();
    let s = Session {
        tree_id: "t".repeat(MAX_NAME_BYTES),
        fingerprint: u64::MAX,
        tree_version: u32::MAX,
        started_ms: u64::MAX,
        entries,
        notes,
        server_name: Some("s".repeat(MAX_NAME_BYTES)),
        client_address: Some(IpAddr::V6(Ipv6Addr::from([0xff; 16]))),
        ticket: Some("k".repeat(MAX_NAME_BYTES)),
    };
    let payload = link::encode(&s);
    assert!(payload.len() <= MAX_PAYLOAD_CHARS, "{}", payload.len());
    assert_eq!(link::decode_session(&payload), Ok(s));
}

/// The first two characters carry the format and the mode. Changed, they could
/// read as a newer Fixpath's format (2 to 16) or as format 0; but the rest still
/// reads whole as this format, so the link is told to be damaged instead.
#[test]
fn a_changed_first_or_second_character_is_damage_not_a_newer_format() {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let (_, full) = full_vpn_session();
    let mut seen_newer = 0;
    for session in [small_session(), full] {
        let payload = link::encode(&session);
        for at in 0..2 {
            for &c in alphabet {
                let mut bytes = payload.clone().into_bytes();
                if bytes[at] == c {
                    continue;
                }
                bytes[at] = c;
                let changed = String::from_utf8(bytes).unwrap();
                // What the version byte became: without the check below, some of
                // these would read as a newer Fixpath's links.
                let version = URL_SAFE_NO_PAD.decode(&changed).unwrap()[0];
                if (2..=16).contains(&version) {
                    seen_newer += 1;
                }
                assert_eq!(
                    link::decode_session(&changed),
                    Err(LinkError::Corrupt),
                    "character {at} changed to {}",
                    c as char
                );
            }
        }
    }
    assert!(
        seen_newer >= 10,
        "only {seen_newer} changes reached the newer range"
    );
    // A real newer format's payload (nothing after its version reads as this
    // format) is still told apart.
    let newer = URL_SAFE_NO_PAD.encode([5, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
    assert_eq!(
        link::decode_session(&newer),
        Err(LinkError::NewerVersion(5))
    );
}
