//! Fixpath's project commands: `cargo xtask run` starts the product, `cargo xtask
//! test` runs every check CI runs. Each installs what it needs, quietly when present.

use std::env;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

const TRUNK_VERSION: &str = "0.21.14";
const BINARYEN_VERSION: &str = "132";
const WASM_TARGET: &str = "wasm32-unknown-unknown";
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

mod bench;
mod compress;
mod size;
mod soak;

type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let outcome = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("test") => test(),
        Some("bench") => Tools::new().and_then(|t| bench::bench(&t, &args[1..])),
        Some("soak") => soak::soak(&args[1..]),
        Some("setup") => Tools::new().and_then(|t| t.ensure(true)),
        Some("compress") => compress::compress(&args[1..]),
        Some("size") => Tools::new().and_then(|t| wire_budget(&t)),
        Some("release") => Tools::new().and_then(|t| release(&t)),
        _ => {
            eprintln!(
                "usage: cargo xtask <command>\n\n  run [--port N] [--config PATH]   build the app and start the helper on http://127.0.0.1:8080\n  test                             fmt, clippy (host and wasm32), native and browser tests, tree lint\n  bench [wire | actions | ping [ROUNDS]]  measure bytes on the wire, load, links, fuzzing, cold loads, user actions; rewrite BENCHMARKS.md\n                                   (wire: only the bytes on the wire and the slow-mobile load; actions: only the user actions per walk; ping: only ping beside its floor, printed)\n  soak [--seconds N]               mixed load on loopback (default 60 s); write BENCHMARKS.md's Soak section\n  setup                            install the tools the other two need\n  compress [DIR]                   brotli and gzip copies beside the built files (Trunk runs it)\n  size                             bytes on the wire of the app in dist/ against its budget (as `test` checks it)\n  release                          the release binary, target/release/fixpath, with the app built into it"
            );
            return ExitCode::from(2);
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    // xtask lives one level below the workspace root.
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(Path::to_path_buf).unwrap_or(here)
}

/// Cargo's build output: `CARGO_TARGET_DIR` when set (relative to the root),
/// else `target`.
fn target_dir() -> PathBuf {
    match env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => root().join(dir),
        _ => root().join("target"),
    }
}

/// `cargo xtask run`: release build of the app, then `fixpath serve` on it.
fn run(args: &[String]) -> Result {
    let mut pass: Vec<String> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--port" | "--config" => {
                let v = it.next().ok_or_else(|| format!("{a} needs a value"))?;
                pass.push(a.clone());
                pass.push(v.clone());
            }
            other => {
                return Err(format!(
                    "unknown argument `{other}` (use --port N, --config PATH)"
                ))
            }
        }
    }
    let tools = Tools::new()?;
    tools.ensure(false)?;
    build_app(&tools)?;
    step(
        "building the helper",
        tools.cargo(&["build", "--release", "--quiet", "-p", "fixpath-helper"]),
    )?;
    let bin = target_dir().join("release/fixpath");
    let mut serve = Command::new(bin);
    serve
        .current_dir(root())
        .arg("serve")
        .arg("--dist")
        .arg(root().join("dist"))
        .args(&pass);
    step("fixpath serve", serve)
}

/// `cargo xtask release`: the binary a support team runs, with the app built into
/// it (the helper's build script embeds `dist/` when `FIXPATH_EMBED_DIST` names
/// it), so `fixpath serve --content DIR` needs nothing beside it.
fn release(tools: &Tools) -> Result {
    tools.ensure(false)?;
    build_app(tools)?;
    let mut build = tools.cargo(&["build", "--release", "--quiet", "-p", "fixpath-helper"]);
    build.env("FIXPATH_EMBED_DIST", root().join("dist"));
    step("building the release helper with the app in it", build)?;
    println!(
        "xtask: {} carries the app: copy it anywhere and run `fixpath serve --content DIR`",
        target_dir().join("release/fixpath").display()
    );
    Ok(())
}

/// `cargo xtask test`: everything CI checks, in order, stopping at the first failure.
fn test() -> Result {
    let tools = Tools::new()?;
    tools.ensure(true)?;
    step(
        "cargo fmt --check",
        tools.cargo(&["fmt", "--all", "--", "--check"]),
    )?;
    step(
        "clippy (host)",
        tools.cargo(&[
            "clippy",
            "--workspace",
            "--all-targets",
            "--quiet",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    step(
        "clippy (wasm32, app)",
        tools.cargo(&[
            "clippy",
            "--target",
            WASM_TARGET,
            "-p",
            "fixpath-web",
            "--all-targets",
            // The browser tests' seam is linted with them.
            "--features",
            "stand-in",
            "--quiet",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    step(
        "clippy (wasm32, core)",
        tools.cargo(&[
            "clippy",
            "--target",
            WASM_TARGET,
            "-p",
            "fixpath-core",
            "--lib",
            "--quiet",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    step(
        "native tests",
        tools.cargo(&["test", "--workspace", "--exclude", "fixpath-e2e"]),
    )?;
    let mut browser = tools.cargo(&[
        "test",
        "-p",
        "fixpath-web",
        "--target",
        WASM_TARGET,
        "--features",
        "stand-in",
    ]);
    browser.env("CHROMEDRIVER", CHROMEDRIVER);
    step("browser tests (headless Chromium)", browser)?;
    step(
        "fixpath lint trees/ examples/acme (the shipped trees, the example content)",
        tools.cargo(&[
            "run",
            "--quiet",
            "-p",
            "fixpath-helper",
            "--bin",
            "fixpath",
            "--",
            "lint",
            "trees",
            "examples/acme",
        ]),
    )?;
    build_app(&tools)?;
    wire_budget(&tools)?;
    let mut e2e = tools.cargo(&["test", "-p", "fixpath-e2e"]);
    e2e.env("FIXPATH_BIN", target_dir().join("debug/fixpath"))
        .env("FIXPATH_DIST", root().join("dist"))
        .env("CHROMEDRIVER", CHROMEDRIVER);
    step("end-to-end tests (Chromium through WebDriver)", e2e)?;
    println!("xtask: all checks passed");
    Ok(())
}

/// Builds the helper (also what the end-to-end tests run), then measures the app
/// in `dist/` on the wire through it, against the budget.
fn wire_budget(tools: &Tools) -> Result {
    step(
        "building the helper (bytes on the wire, end-to-end tests)",
        tools.cargo(&["build", "--quiet", "-p", "fixpath-helper"]),
    )?;
    size::check_budget(
        &target_dir().join("debug/fixpath"),
        &root().join("dist"),
        &target_dir().join("wire"),
    )
}

fn build_app(tools: &Tools) -> Result {
    let mut trunk = tools.command("trunk");
    trunk.args(["build", "--release", "--offline"]);
    if let Some(flags) = registry_remaps() {
        trunk.env("CARGO_ENCODED_RUSTFLAGS", flags);
    }
    step("trunk build --release --offline", trunk)
}

/// Cargo's home: `CARGO_HOME`, else `~/.cargo`.
fn cargo_home() -> Option<PathBuf> {
    env::var_os("CARGO_HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
}

/// Rust flags that write dependencies' source paths (kept in the wasm for panic
/// messages) as `crate-1.2.3/src/…` instead of this machine's cargo home: the
/// bundle is then the same size on every machine, which an exact size budget
/// needs, and a little smaller. Separated by 0x1f, as `CARGO_ENCODED_RUSTFLAGS`
/// wants, so a home with spaces stays one flag. `None` when there is no registry
/// (nothing to remap).
fn registry_remaps() -> Option<String> {
    let src = cargo_home()?.join("registry/src");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(src)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let flags: Vec<String> = dirs
        .iter()
        .map(|d| format!("--remap-path-prefix={}/=", d.display()))
        .collect();
    (!flags.is_empty()).then(|| flags.join("\x1f"))
}

/// Runs one step, echoing its name; fails with the step's name.
fn step(name: &str, mut cmd: Command) -> Result {
    println!("xtask: {name}");
    let status = cmd
        .status()
        .map_err(|e| format!("{name}: could not start: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{name} failed ({status})"))
    }
}

/// The tool set, with a PATH that finds the project's own tools first.
struct Tools {
    path: OsString,
}

impl Tools {
    fn new() -> Result<Self> {
        let mut dirs = vec![root().join("tools/node_modules/.bin")];
        if let Some(home) = cargo_home() {
            dirs.push(home.join("bin"));
        }
        if let Some(p) = env::var_os("PATH") {
            dirs.extend(env::split_paths(&p));
        }
        let path = env::join_paths(dirs).map_err(|e| format!("bad PATH: {e}"))?;
        Ok(Tools { path })
    }

    fn command(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.current_dir(root()).env("PATH", &self.path);
        c
    }

    fn cargo(&self, args: &[&str]) -> Command {
        let mut c = self.command(&env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        c.args(args);
        c
    }

    /// The first line a tool prints for `--version`, if it runs at all.
    fn version(&self, program: &str) -> Option<String> {
        let out = self
            .command(program)
            .arg("--version")
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .ok()?;
        out.status.success().then(|| {
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .next()
                .unwrap_or("")
                .to_string()
        })
    }

    /// Runs an install command quietly; its output is shown only when it fails.
    fn install(&self, what: &str, mut cmd: Command) -> Result {
        println!("xtask: installing {what} (first run only; this can take a few minutes)");
        let out = cmd
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("installing {what}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "installing {what} failed:\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }

    /// Installs whatever is missing: idempotent, and silent when all is there.
    fn ensure(&self, browser: bool) -> Result {
        let targets = self
            .command("rustup")
            .args(["target", "list", "--installed"])
            .output()
            .map_err(|e| format!("rustup: {e}"))?;
        if !String::from_utf8_lossy(&targets.stdout)
            .lines()
            .any(|l| l.trim() == WASM_TARGET)
        {
            let mut c = self.command("rustup");
            c.args(["target", "add", WASM_TARGET]);
            self.install("the wasm32 target", c)?;
        }
        if self.version("cargo-clippy").is_none() || self.version("rustfmt").is_none() {
            let mut c = self.command("rustup");
            c.args(["component", "add", "clippy", "rustfmt"]);
            self.install("clippy and rustfmt", c)?;
        }
        if !self
            .version("trunk")
            .is_some_and(|v| v.split_whitespace().any(|w| w == TRUNK_VERSION))
        {
            let mut c = self.cargo(&[
                "install",
                "--locked",
                "--quiet",
                &format!("trunk@{TRUNK_VERSION}"),
            ]);
            // Trunk's release profile asks for fat LTO, slow to link on two cores.
            c.env("CARGO_PROFILE_RELEASE_LTO", "false");
            self.install(&format!("trunk {TRUNK_VERSION}"), c)?;
        }
        let bindgen = locked_version("wasm-bindgen")?;
        if !self
            .version("wasm-bindgen")
            .is_some_and(|v| v.split_whitespace().any(|w| w == bindgen))
        {
            let what = format!("wasm-bindgen-cli {bindgen}");
            let locked = self.cargo(&[
                "install",
                "--locked",
                "--quiet",
                "--force",
                "wasm-bindgen-cli",
                "--version",
                &format!("={bindgen}"),
            ]);
            if self.install(&what, locked).is_err() {
                // Its own lockfile can name a crate version the registry no longer
                // serves; the version we need is pinned either way.
                let unlocked = self.cargo(&[
                    "install",
                    "--quiet",
                    "--force",
                    "wasm-bindgen-cli",
                    "--version",
                    &format!("={bindgen}"),
                ]);
                self.install(&what, unlocked)?;
            }
        }
        if !self
            .version("wasm-opt")
            .is_some_and(|v| v.split_whitespace().any(|w| w == BINARYEN_VERSION))
        {
            let mut c = self.command("npm");
            c.args([
                "ci",
                "--prefix",
                "tools",
                "--silent",
                "--no-audit",
                "--no-fund",
            ]);
            self.install(&format!("wasm-opt (binaryen {BINARYEN_VERSION}, npm)"), c)?;
        }
        if browser && !(Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists()) {
            self.apt_install(&["chromium", "chromium-driver"])?;
        }
        Ok(())
    }
}

impl Tools {
    /// Installs a Debian package when `program` is not on the PATH.
    fn ensure_apt(&self, program: &str, package: &str) -> Result {
        let found = self
            .command("sh")
            .args(["-c", &format!("command -v {program}")])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if found {
            return Ok(());
        }
        self.apt_install(&[package])
    }

    /// `apt-get update` then `apt-get install` (through sudo when not root).
    fn apt_install(&self, packages: &[&str]) -> Result {
        let sudo = !is_root();
        let apt = |args: &[&str]| {
            let mut c = self.command(if sudo { "sudo" } else { "apt-get" });
            if sudo {
                c.arg("apt-get");
            }
            c.args(args).env("DEBIAN_FRONTEND", "noninteractive");
            c
        };
        self.install("Debian package lists", apt(&["update", "-qq"]))?;
        let mut args = vec!["install", "-y", "-qq"];
        args.extend_from_slice(packages);
        self.install(&format!("{} (Debian)", packages.join(", ")), apt(&args))
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// The version of `package` in the workspace's Cargo.lock.
fn locked_version(package: &str) -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| format!("reading Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(l) = lines.next() {
        if l.trim() == format!("name = \"{package}\"") {
            if let Some(v) = lines
                .next()
                .and_then(|v| v.trim().strip_prefix("version = \""))
            {
                return Ok(v.trim_end_matches('"').to_string());
            }
        }
    }
    Err(format!("{package} is not in Cargo.lock"))
}
