//! Engine tests: table-driven walks over a small tree, skip rules, back and restart,
//! progress, and property tests over random walks of every shipped tree.

use fixpath_core::engine::{Action, CheckResult, EngineError, Session};
use fixpath_core::model::{CheckOutcome, NodeKind, Tree};
use proptest::prelude::*;

const SMALL: &str = r#"
id = "small"
title = "Small"
symptom = "A small tree for engine tests"
version = 1
start = "online"

[[node]]
id = "online"
kind = "check"
check = "browser.online"
text = "Is the browser online?"
next = { pass = "sites", warn = "sites", fail = "offline", unknown = "sites" }

[[node]]
id = "sites"
kind = "question"
text = "Do other sites open?"
choices = [
  { id = "yes", label = "Yes", next = "retry" },
  { id = "no", label = "No", next = "offline" },
]
answered_by = { check = "online", pass = "yes" }

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
summary = "Still failing."
cause = "unknown"
"#;

fn small() -> Tree {
    Tree::from_toml(SMALL).expect("test tree lints clean")
}

fn at(tree: &Tree, s: &Session) -> String {
    tree.nodes[usize::from(s.current(tree))].id.clone()
}

fn pass(figure: i64) -> CheckResult {
    CheckResult::new(CheckOutcome::Pass, Some(figure))
}

#[test]
fn start_is_at_the_start_node_with_no_steps() {
    let t = small();
    let s = Session::start(&t, 1_000);
    assert_eq!(at(&t, &s), "online");
    assert_eq!(s.steps_taken(), 0);
    assert_eq!(s.started_ms, 1_000);
    assert_eq!(s.tree_id, "small");
    assert_eq!(s.fingerprint, t.fingerprint);
}

#[test]
fn a_recorded_check_answers_the_question_and_says_why() {
    let t = small();
    let mut s = Session::start(&t, 0);
    s.record_check(&t, pass(12), 10).unwrap();
    assert_eq!(at(&t, &s), "retry", "the question was skipped");
    let online = t.index_of("online").unwrap();
    assert_eq!(
        s.entries.last().unwrap().action,
        Action::Skipped {
            choice: 0,
            by: online
        }
    );
    assert_eq!(s.entries.last().unwrap().at_ms, 10);
}

#[test]
fn an_unmapped_outcome_asks_the_question() {
    let t = small();
    let mut s = Session::start(&t, 0);
    s.record_check(&t, CheckResult::new(CheckOutcome::Unknown, None), 5)
        .unwrap();
    assert_eq!(at(&t, &s), "sites");
    s.answer(&t, 1, 6).unwrap();
    assert_eq!(at(&t, &s), "offline");
    assert!(s.is_finished(&t));
}

#[test]
fn back_undoes_one_user_step_with_the_skips_it_caused() {
    let t = small();
    let mut s = Session::start(&t, 0);
    s.record_check(&t, pass(1), 1).unwrap();
    assert_eq!(s.steps_taken(), 2);
    assert!(s.back());
    assert_eq!(s.steps_taken(), 0);
    assert_eq!(at(&t, &s), "online");
    assert!(!s.back(), "nothing to undo at the start");
}

#[test]
fn operations_that_do_not_fit_the_step_are_refused() {
    let t = small();
    let mut s = Session::start(&t, 0);
    let cases: Vec<(&str, Result<(), EngineError>)> = vec![
        ("answer at a check", s.clone().answer(&t, 0, 1)),
        ("advise at a check", s.clone().advise(&t, true, 1)),
    ];
    assert_eq!(cases[0].1, Err(EngineError::NotAQuestion), "{}", cases[0].0);
    assert_eq!(cases[1].1, Err(EngineError::NotAdvice), "{}", cases[1].0);
    s.record_check(&t, CheckResult::new(CheckOutcome::Warn, None), 1)
        .unwrap();
    assert_eq!(s.answer(&t, 7, 2), Err(EngineError::NoSuchChoice(7)));
    assert_eq!(s.record_check(&t, pass(1), 2), Err(EngineError::NotACheck));
    s.answer(&t, 1, 3).unwrap();
    assert_eq!(s.answer(&t, 0, 4), Err(EngineError::Finished));
    assert_eq!(s.record_check(&t, pass(1), 4), Err(EngineError::Finished));
    assert_eq!(s.advise(&t, true, 4), Err(EngineError::Finished));
}

#[test]
fn progress_is_steps_over_steps_plus_longest_remaining() {
    let t = small();
    let mut s = Session::start(&t, 0);
    // online -> sites -> retry -> done: 3 steps remain at the start.
    assert_eq!(s.progress(&t), 0.0);
    s.record_check(&t, CheckResult::new(CheckOutcome::Unknown, None), 1)
        .unwrap();
    assert!((s.progress(&t) - 1.0 / 3.0).abs() < 1e-9);
    s.answer(&t, 0, 2).unwrap();
    assert!((s.progress(&t) - 2.0 / 3.0).abs() < 1e-9);
    s.advise(&t, false, 3).unwrap();
    assert_eq!(s.progress(&t), 1.0);
}

#[test]
fn restart_clears_steps_and_keeps_what_the_user_typed() {
    let t = small();
    let mut s = Session::start(&t, 0);
    s.notes = "tried twice".into();
    s.server_name = Some("vpn.example.com".into());
    s.record_check(&t, pass(3), 1).unwrap();
    s.restart(&t, 50);
    assert_eq!(s.steps_taken(), 0);
    assert_eq!(s.started_ms, 50);
    assert_eq!(s.notes, "tried twice");
    assert_eq!(s.server_name.as_deref(), Some("vpn.example.com"));
}

#[test]
fn validate_accepts_real_walks_and_refuses_forged_ones() {
    let t = small();
    let mut s = Session::start(&t, 0);
    s.record_check(&t, pass(3), 1).unwrap();
    s.advise(&t, true, 2).unwrap();
    assert_eq!(s.validate(&t), Ok(()));

    // A skip the engine would not have made (the check failed).
    let mut forged = s.clone();
    if let Action::Checked(r) = &mut forged.entries[0].action {
        r.outcome = CheckOutcome::Warn;
    }
    assert!(matches!(
        forged.validate(&t),
        Err(EngineError::Mismatch { step: 1, .. })
    ));

    // A step at the wrong node.
    let mut wrong = s.clone();
    wrong.entries[2].node = 0;
    assert!(matches!(
        wrong.validate(&t),
        Err(EngineError::Mismatch { step: 2, .. })
    ));

    let mut other = s.clone();
    other.tree_id = "other".into();
    assert_eq!(
        other.validate(&t),
        Err(EngineError::WrongTree("other".into()))
    );
}

/// One random move: `pick` chooses between going forward and going back or
/// restarting, `arg` the choice or outcome. Returns true when it was a forward move
/// the engine accepted.
fn step(tree: &Tree, s: &mut Session, pick: u8, arg: u8, now: u64) -> bool {
    let node = s.current(tree);
    let forward = match tree.nodes[usize::from(node)].kind {
        NodeKind::Question { ref choices, .. } if pick != 0 => {
            s.answer(tree, arg % choices.len() as u8, now)
        }
        NodeKind::Check { .. } if pick != 0 => s.record_check(
            tree,
            CheckResult::new(
                CheckOutcome::from_index(usize::from(arg % 4)).unwrap(),
                Some(i64::from(arg)),
            ),
            now,
        ),
        NodeKind::Advice { .. } if pick != 0 => s.advise(tree, arg.is_multiple_of(2), now),
        NodeKind::Outcome { .. } if pick == 1 => {
            s.restart(tree, now);
            return false;
        }
        _ => {
            s.back();
            return false;
        }
    };
    forward.is_ok()
}

fn all_trees() -> Vec<Tree> {
    let mut trees = fixpath_core::shipped::trees();
    trees.push(small());
    trees
}

proptest! {
    #[test]
    fn random_walks_stay_valid_and_back_undoes_exactly_one_step(
        moves in prop::collection::vec((0u8..4, any::<u8>()), 0..80)
    ) {
        for tree in all_trees() {
            let mut s = Session::start(&tree, 0);
            for (i, (pick, arg)) in moves.iter().enumerate() {
                let before = s.clone();
                let forward = step(&tree, &mut s, *pick, *arg, i as u64 + 1);
                prop_assert_eq!(s.validate(&tree), Ok(()));
                let p = s.progress(&tree);
                prop_assert!((0.0..=1.0).contains(&p));
                if forward {
                    let mut undone = s.clone();
                    prop_assert!(undone.back());
                    prop_assert_eq!(&undone, &before);
                }
            }
        }
    }
}

/// The shipped VPN tree skips "Do other websites load?" once the internet check
/// has a result, and a link cannot swap that skip for a different manual answer.
#[test]
fn a_skip_in_the_shipped_tree_cannot_be_forged_into_a_manual_answer() {
    let tree = fixpath_core::shipped::trees()
        .into_iter()
        .find(|t| t.id == "vpn-error-800")
        .expect("the VPN tree");
    let pass = CheckResult::new(CheckOutcome::Pass, None);
    let mut s = Session::start(&tree, 1_000);
    for at in [2_000, 3_000, 4_000, 5_000] {
        s.record_check(&tree, pass.clone(), at).unwrap();
    }
    let last = s.entries.last().unwrap().clone();
    let question = tree.index_of("other_sites").unwrap();
    assert_eq!(last.node, question);
    assert!(matches!(last.action, Action::Skipped { choice: 0, .. }));
    assert_eq!(s.current(&tree), tree.index_of("clock").unwrap());
    assert_eq!(s.validate(&tree), Ok(()));

    let mut forged = s.clone();
    forged.entries.last_mut().unwrap().action = Action::Chose { choice: 1 };
    assert!(matches!(
        forged.validate(&tree),
        Err(EngineError::Mismatch { step: 4, .. })
    ));
}

/// Skip rules are part of a tree's shape: changing one changes the fingerprint.
#[test]
fn the_fingerprint_covers_skip_rules() {
    let src = fixpath_core::shipped::SOURCES
        .iter()
        .find(|(name, _)| name.starts_with("vpn-error-800"))
        .unwrap()
        .1;
    let base = Tree::from_toml(src).unwrap();
    let changed = src.replace(
        r#"answered_by = { check = "internet", pass = "yes", warn = "yes", fail = "no" }"#,
        r#"answered_by = { check = "internet", pass = "yes", fail = "no" }"#,
    );
    assert_ne!(changed, src);
    let changed = Tree::from_toml(&changed).unwrap();
    assert_ne!(base.fingerprint, changed.fingerprint);
}
