//! Decoder fuzzing for `cargo xtask bench`: millions of generated and mutated
//! findings links through the decoder, counting panics (there must be none).
//! Usage: fuzz <cases>. Prints one line: cases, ok, errors, panics, seconds.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

use fixpath_core::engine::{CheckResult, Detail, Session};
use fixpath_core::model::{CheckOutcome, NodeKind, Tree};
use fixpath_core::{link, shipped};

/// xorshift64*: deterministic, so a failing case can be found again by its index.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// A random walk of a shipped tree to its end, as the app would record it.
fn walk(tree: &Tree, rng: &mut Rng) -> Session {
    let mut now = 1_795_000_000_000 + rng.below(1 << 30) as u64;
    let mut s = Session::start(tree, now);
    for _ in 0..200 {
        now += rng.below(60_000) as u64;
        let step = match tree.node(s.current(tree)).map(|n| &n.kind) {
            Some(NodeKind::Question { choices, .. }) => {
                s.answer(tree, rng.below(choices.len()) as u8, now)
            }
            Some(NodeKind::Check { .. }) => {
                let outcome = CheckOutcome::ALL[rng.below(4)];
                let figure = (rng.below(2) == 0).then(|| rng.below(5_000) as i64);
                // Details as checks carry them: a few numbers, sometimes a name.
                let nums = (0..rng.below(4)).map(|_| rng.below(9_000) as u32).collect();
                let text = (rng.below(4) == 0).then(|| "vpn.example.com".repeat(1 + rng.below(3)));
                let detail = Detail { nums, text };
                s.record_check(
                    tree,
                    CheckResult {
                        outcome,
                        figure,
                        detail,
                    },
                    now,
                )
            }
            Some(NodeKind::Advice { .. }) => s.advise(tree, rng.below(4) == 0, now),
            _ => break,
        };
        if step.is_err() {
            break;
        }
    }
    if rng.below(3) == 0 {
        s.notes = "x".repeat(rng.below(500));
    }
    if rng.below(2) == 0 {
        s.server_name = Some("vpn.exmaple.com".into());
    }
    s
}

const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// One mutation of a real payload: a changed, dropped or added character, a cut,
/// or a swap of two characters.
fn mutate(payload: &str, rng: &mut Rng) -> String {
    let mut b = payload.as_bytes().to_vec();
    for _ in 0..1 + rng.below(3) {
        let at = rng.below(b.len() + 1);
        match rng.below(5) {
            0 if at < b.len() => b[at] = B64[rng.below(64)],
            1 if at < b.len() => {
                b.remove(at);
            }
            2 => b.insert(at, B64[rng.below(64)]),
            3 => b.truncate(at),
            _ if b.len() > 1 => {
                let other = rng.below(b.len());
                let at = at.min(b.len() - 1);
                b.swap(at, other);
            }
            _ => {}
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

fn main() {
    let cases: u64 = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000_000);
    let trees = shipped::trees();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut seeds: Vec<String> = Vec::new();
    for i in 0..256 {
        seeds.push(link::encode(&walk(&trees[i % trees.len()], &mut rng)));
    }
    let (mut ok, mut err, mut panics) = (0u64, 0u64, 0u64);
    // Panics are counted, not printed: silence the default hook.
    std::panic::set_hook(Box::new(|_| {}));
    let started = Instant::now();
    for i in 0..cases {
        let input = match i % 4 {
            // Pure noise in the payload alphabet, any length up to a real link's.
            0 => (0..rng.below(400))
                .map(|_| B64[rng.below(64)] as char)
                .collect(),
            // A header this codec knows (either format, either mode), then noise.
            1 => {
                let header = ["AQA", "AQE", "AgI", "AgM"][rng.below(4)];
                let mut s = String::from(header);
                s.extend((0..rng.below(300)).map(|_| B64[rng.below(64)] as char));
                s
            }
            _ => {
                let seed = &seeds[rng.below(seeds.len())];
                mutate(seed, &mut rng)
            }
        };
        match catch_unwind(AssertUnwindSafe(|| link::decode(&input, &trees))) {
            Ok(Ok(_)) => ok += 1,
            Ok(Err(_)) => err += 1,
            Err(_) => {
                panics += 1;
                eprintln!("panic on case {i}: {input}");
            }
        }
    }
    println!(
        "fuzz cases={cases} ok={ok} errors={err} panics={panics} seconds={:.2}",
        started.elapsed().as_secs_f64()
    );
    if panics > 0 {
        std::process::exit(1);
    }
}
