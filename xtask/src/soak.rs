//! `cargo xtask soak [--seconds N]`: the helper under mixed load for a bounded
//! time, on loopback only: well-behaved clients walking `vpn-error-800`'s API
//! calls, slow clients holding connections, one flooding address. Prints the
//! figures and writes them as the `## Soak` section of `BENCHMARKS.md`.

use std::fmt::Write as _;
use std::io::Read as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::bench::{
    build_release, field, loopback_config, machine, port_in, start, status_kib, today, url_in,
    Running, RAISE_FILES,
};
use crate::{root, Result, Tools};

/// Default and largest run length, in seconds.
const DEFAULT_SECONDS: u64 = 60;
const MAX_SECONDS: u64 = 24 * 3600;
/// Well-behaved clients, each from its own loopback address.
const CLIENTS: usize = 64;
/// Slow clients dribbling headers.
const SLOW_CLIENTS: usize = 32;
/// The probe cache lifetime the helper is given.
const CACHE_TTL_MS: u64 = 10_000;
/// How often the helper's memory is sampled.
const SAMPLE_EVERY: Duration = Duration::from_secs(10);
/// The VPN server the walks check.
const SERVER: &str = "soak.fixpath.test";
/// The goals this command reports against.
const GOAL_P99_MS: f64 = 50.0;
/// Memory counts as not growing when it rises by at most this share between the
/// samples compared (allocator noise on a busy process is a few percent).
const MEMORY_SLACK: f64 = 0.05;

/// The helper's config for the soak: one server whose two ports are separate
/// counting targets; rate limits and connection caps left at their defaults, so
/// the flood meets them as it would in production.
fn soak_config(port_1723: u16, port_443: u16) -> String {
    loopback_config(
        SERVER,
        &[(1723, port_1723), (443, port_443)],
        &format!("\n[probe]\ncache_ttl_ms = {CACHE_TTL_MS}\n"),
    )
}

/// Resident memory of a process now (VmRSS), in KiB.
fn rss_kib(pid: u32) -> Option<u64> {
    status_kib(pid, "VmRSS:")
}

/// `BENCHMARKS.md` with `section` in place of an earlier `## Soak` section (up
/// to the next `## ` heading), or appended; the rest of the file is kept.
fn splice(md: &str, section: &str) -> String {
    let starts_at = |from: usize, heading: &str| {
        md[from..]
            .match_indices(heading)
            .map(|(i, _)| from + i)
            .find(|&i| i == 0 || md.as_bytes()[i - 1] == b'\n')
    };
    match starts_at(0, "## Soak") {
        Some(begin) => {
            let end = starts_at(begin + 1, "## ").unwrap_or(md.len());
            format!("{}{section}{}", &md[..begin], &md[end..])
        }
        None if md.is_empty() => format!("# Benchmarks\n\n{section}"),
        None => {
            let sep = if md.ends_with("\n\n") {
                ""
            } else if md.ends_with('\n') {
                "\n"
            } else {
                "\n\n"
            };
            format!("{md}{sep}{section}")
        }
    }
}

fn parse_seconds(args: &[String]) -> Result<u64> {
    let mut seconds = DEFAULT_SECONDS;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--seconds" => {
                seconds = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .filter(|s| (1..=MAX_SECONDS).contains(s))
                    .ok_or_else(|| format!("--seconds needs a number from 1 to {MAX_SECONDS}"))?;
            }
            other => return Err(format!("unknown argument `{other}` (use --seconds N)")),
        }
    }
    Ok(seconds)
}

pub fn soak(args: &[String]) -> Result {
    let seconds = parse_seconds(args)?;
    let tools = Tools::new()?;
    build_release(&tools)?;
    let bin = crate::target_dir().join("release");
    let work = root().join("target/soak");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;

    // One counting target per port, so connects are counted per port.
    let (target_1723, line_1723, rest_1723) =
        start(&bin.join("target"), &["0"], &work, "listening")?;
    let (target_443, line_443, rest_443) = start(&bin.join("target"), &["0"], &work, "listening")?;
    let config = work.join("soak.toml");
    std::fs::write(
        &config,
        soak_config(port_in(&line_1723)?, port_in(&line_443)?),
    )
    .map_err(|e| e.to_string())?;
    let config_s = config.to_string_lossy().into_owned();
    // No built app is needed: the API answers without one.
    let dist_s = work.join("no-dist").to_string_lossy().into_owned();
    let (helper, helper_line, _helper_rest) = start(
        &bin.join("fixpath"),
        &[
            "serve", "--config", &config_s, "--port", "0", "--dist", &dist_s,
        ],
        &work,
        "http://",
    )?;
    let hostport = url_in(&helper_line)?
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let helper_pid = helper.0.id();

    println!(
        "xtask: soak: {seconds} s against {hostport}: {CLIENTS} well-behaved clients, {SLOW_CLIENTS} slow clients, one flooding address"
    );
    let mut samples: Vec<(u64, Option<u64>)> = vec![(0, rss_kib(helper_pid))];
    let began = Instant::now();
    let mut load = Command::new("sh");
    load.arg("-c")
        .arg(RAISE_FILES)
        .arg(bin.join("soak"))
        .args([
            hostport.as_str(),
            &seconds.to_string(),
            SERVER,
            &CLIENTS.to_string(),
            &SLOW_CLIENTS.to_string(),
        ])
        .current_dir(&work)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut load = Running(load.spawn().map_err(|e| format!("starting soak: {e}"))?);
    let mut stdout = load.0.stdout.take().ok_or("soak: no stdout")?;
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    // Sample at the end of each 10 s until the load stops by itself; a load that
    // overruns its time by a minute is stopped here.
    let limit = Duration::from_secs(seconds + 60);
    let mut next = SAMPLE_EVERY;
    let status = loop {
        if let Some(status) = load.0.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if began.elapsed() >= limit {
            return Err(format!("the soak load ran past {} s", limit.as_secs()));
        }
        if began.elapsed() >= next {
            samples.push((next.as_secs(), rss_kib(helper_pid)));
            next += SAMPLE_EVERY;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let ended = began.elapsed().as_secs();
    if samples.last().is_some_and(|(t, _)| *t < ended) {
        samples.push((ended, rss_kib(helper_pid)));
    }
    let out = reader.join().unwrap_or_default();
    if !status.success() {
        return Err(format!("the soak load failed ({status}):\n{out}"));
    }
    drop(helper);
    drop(target_1723);
    drop(target_443);
    let connects = |rx: std::sync::mpsc::Receiver<Vec<String>>| {
        rx.recv_timeout(Duration::from_secs(5))
            .map(|lines| lines.iter().filter(|l| l.starts_with("connect")).count() as u64)
            .unwrap_or(0)
    };
    let (c1723, c443) = (connects(rest_1723), connects(rest_443));

    let line = out
        .lines()
        .find(|l| l.starts_with("soak seconds="))
        .ok_or_else(|| format!("could not read the soak load's output:\n{out}"))?;
    let first_error = out
        .lines()
        .find_map(|l| l.strip_prefix("soak first_error: "));
    let num = |key: &str| -> Result<f64> {
        field(line, key)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("no `{key}` in `{line}`"))
    };
    let duration = num("seconds")?;
    let (ok, limited, other, transport) = (
        num("ok")?,
        num("limited")?,
        num("other_status")?,
        num("transport")?,
    );
    let (p50, p99, max) = (num("p50_ms")?, num("p99_ms")?, num("max_ms")?);
    let (flood_requests, flood_ok, flood_limited, flood_other) = (
        num("flood_requests")?,
        num("flood_ok")?,
        num("flood_limited")?,
        num("flood_other")?,
    );
    let (slow_connects, slow_dropped, slow_answered) = (
        num("slow_connects")?,
        num("slow_dropped")?,
        num("slow_answered")?,
    );
    let walks = num("walks")?;
    let requests = num("requests")?;
    let errors = limited + other + transport;
    // Cache lifetimes begun while probes were asked for: the first probe comes
    // at the start and each lifetime's end lets the next one connect. The
    // load's own window, not its measured length, which includes winding down.
    let lifetimes = (seconds * 1000).div_ceil(CACHE_TTL_MS).max(1);
    let per_port_ok = |c: u64| c <= lifetimes && c + 1 >= lifetimes;

    // Memory: minute ends against each other when the run spans two minutes or
    // more; otherwise the end against the first 10 s (after warm-up).
    let kib: Vec<(u64, u64)> = samples
        .iter()
        .filter_map(|(t, k)| k.map(|k| (*t, k)))
        .collect();
    let minute_ends: Vec<(u64, u64)> = kib
        .iter()
        .copied()
        .filter(|(t, _)| *t > 0 && t % 60 == 0)
        .collect();
    let (compared, memory_ok) = if minute_ends.len() >= 2 {
        let ok = minute_ends
            .windows(2)
            .all(|w| w[1].1 as f64 <= w[0].1 as f64 * (1.0 + MEMORY_SLACK));
        ("each minute's end against the previous minute's end", ok)
    } else {
        let warm = kib.iter().find(|(t, _)| *t >= SAMPLE_EVERY.as_secs());
        match (warm, kib.last()) {
            (Some(w), Some(l)) if l.0 > w.0 => (
                "the end against the first 10 s (the run is shorter than two minutes)",
                l.1 as f64 <= w.1 as f64 * (1.0 + MEMORY_SLACK),
            ),
            _ => ("nothing: too few samples", false),
        }
    };

    let verdict = |met: bool| if met { "met" } else { "**missed**" };
    let mut misses: Vec<String> = Vec::new();
    if errors > 0.0 {
        misses.push(format!(
            "well-behaved clients saw {errors} errors ({limited} of them 429)"
        ));
    }
    if p99.is_nan() || p99 >= GOAL_P99_MS {
        misses.push(format!(
            "well-behaved p99 {p99:.2} ms (goal < {GOAL_P99_MS} ms)"
        ));
    }
    if !per_port_ok(c1723) || !per_port_ok(c443) {
        misses.push(format!(
            "probe target connects 1723: {c1723}, 443: {c443} for {lifetimes} cache lifetimes"
        ));
    }
    if !memory_ok {
        misses.push("helper memory grew (or was not sampled)".into());
    }
    if flood_limited == 0.0 {
        misses.push("the flood never met a 429: the rate limit did not engage".into());
    }

    let mut md = String::new();
    let _ = writeln!(md, "## Soak\n");
    let _ = writeln!(
        md,
        "Measured by `cargo xtask soak --seconds {seconds}` on {} ({}); rerun it to reproduce (it replaces only this section).\n",
        today(),
        machine()
    );
    let _ = writeln!(
        md,
        "The release helper on loopback with its default rate limits and connection caps, one server whose ports 1723 and 443 are mapped to two counting `target`s, `probe.cache_ttl_ms = {CACHE_TTL_MS}`. At once, from the `soak` load: {CLIENTS} well-behaved clients, each from its own address (127.0.1.x) on one keep-alive connection, walking `vpn-error-800`'s calls (status, ping ×5, whoami, canary, config, resolve, probe 1723, probe 443, seal) with a 0.5 s pause between walks; {SLOW_CLIENTS} slow clients (127.0.3.x) sending headers a byte every 0.4 s, slower than the 5 s header-read timeout, reconnecting when dropped; and 127.0.0.66 flooding `ping` in a tight loop on two connections. All share the machine's two cores.\n"
    );
    let _ = writeln!(md, "| figure | measured | goal |\n| --- | --- | --- |");
    let _ = writeln!(md, "| duration | {duration:.1} s | |");
    let _ = writeln!(
        md,
        "| served to well-behaved clients (2xx) | {ok:.0} of {requests:.0} requests, {walks:.0} walks | |"
    );
    let _ = writeln!(
        md,
        "| refused with 429 | the flood: {flood_limited:.0} of {flood_requests:.0} ({flood_ok:.0} served, {flood_other:.0} other); well-behaved: {limited:.0} | the flood is refused: {} |",
        verdict(flood_limited > 0.0)
    );
    let _ = writeln!(
        md,
        "| errors seen by well-behaved clients | {errors:.0} (429: {limited:.0}, other non-2xx: {other:.0}, transport: {transport:.0}){} | none: {} |",
        first_error.map_or(String::new(), |e| format!("; first: {e}")),
        verdict(errors == 0.0)
    );
    let _ = writeln!(
        md,
        "| well-behaved latency | p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms | p99 < {GOAL_P99_MS:.0} ms: {} |",
        verdict(!p99.is_nan() && p99 < GOAL_P99_MS)
    );
    let _ = writeln!(
        md,
        "| slow clients | {slow_connects:.0} connections, {slow_dropped:.0} dropped by the helper, {slow_answered:.0} answered | |"
    );
    let _ = writeln!(
        md,
        "| connects the probe target saw | port 1723: {c1723}, port 443: {c443}; cache lifetimes begun: {lifetimes} | one per lifetime per port: {} |",
        verdict(per_port_ok(c1723) && per_port_ok(c443))
    );
    let _ = writeln!(
        md,
        "\nThe helper's resident memory (VmRSS), at the start and at the end of each 10 s:\n"
    );
    let _ = writeln!(md, "| after s | VmRSS MiB |\n| ---: | ---: |");
    for (t, k) in &samples {
        let _ = writeln!(
            md,
            "| {t} | {} |",
            k.map_or("?".into(), |k| format!("{:.1}", k as f64 / 1024.0))
        );
    }
    let _ = writeln!(
        md,
        "\nMemory does not grow (at most {:.0} % up, comparing {compared}): {}.\n",
        MEMORY_SLACK * 100.0,
        verdict(memory_ok)
    );
    if misses.is_empty() {
        let _ = writeln!(md, "Soak goals missed: none.\n");
    } else {
        let _ = writeln!(md, "Soak goals missed:\n");
        for m in &misses {
            let _ = writeln!(md, "- {m}");
        }
        let _ = writeln!(md);
    }

    let path = root().join("BENCHMARKS.md");
    let before = std::fs::read_to_string(&path).unwrap_or_default();
    std::fs::write(&path, splice(&before, &md))
        .map_err(|e| format!("writing BENCHMARKS.md: {e}"))?;
    println!("{md}");
    println!("xtask: BENCHMARKS.md: `## Soak` written");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splices_the_soak_section() {
        let s = "## Soak\n\nnew\n";
        assert_eq!(splice("", s), "# Benchmarks\n\n## Soak\n\nnew\n");
        assert_eq!(
            splice("# B\n\n## A\n\na\n", s),
            "# B\n\n## A\n\na\n\n## Soak\n\nnew\n"
        );
        assert_eq!(
            splice("# B\n\n## Soak\n\nold\n\n## Z\n\nz\n", s),
            "# B\n\n## Soak\n\nnew\n## Z\n\nz\n"
        );
        assert_eq!(
            splice("# B\n\n## Soak\n\nold\n", s),
            "# B\n\n## Soak\n\nnew\n"
        );
    }

    #[test]
    fn reads_arguments() {
        assert_eq!(parse_seconds(&[]), Ok(DEFAULT_SECONDS));
        assert_eq!(parse_seconds(&["--seconds".into(), "20".into()]), Ok(20));
        assert!(parse_seconds(&["--seconds".into(), "0".into()]).is_err());
        assert!(parse_seconds(&["--fast".into()]).is_err());
    }
}
