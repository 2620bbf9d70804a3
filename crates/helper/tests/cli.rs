//! The `fixpath` binary: `lint` exit codes and output, `decode` errors, `serve`
//! refusing a bad config by key, printing its URL, and stopping on SIGTERM.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_fixpath");

/// A lint-clean tree (the engine tests' small tree).
const CLEAN: &str = r#"
id = "small"
title = "Small"
symptom = "A small tree for lint tests"
version = 1
start = "online"

[[node]]
id = "online"
kind = "check"
check = "browser.online"
text = "Is the browser online?"
next = { pass = "done", warn = "done", fail = "offline", unknown = "done" }

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
summary = "Online."
cause = "transient"
"#;

/// Runs `fixpath` in `dir`, in no locale (so `decode` writes English unless told).
fn run(args: &[&str], dir: &Path) -> (i32, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LANG")
        .output()
        .expect("run fixpath");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn lint_clean_trees_exit_0_with_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("trees")).unwrap();
    std::fs::write(dir.path().join("trees/a.toml"), CLEAN).unwrap();
    std::fs::write(
        dir.path().join("trees/b.toml"),
        CLEAN.replace("small", "other"),
    )
    .unwrap();
    std::fs::write(dir.path().join("trees/notes.txt"), "not a tree").unwrap();
    // Default input: trees/.
    let (code, out, _) = run(&["lint"], dir.path());
    assert_eq!(code, 0, "{out}");
    assert_eq!(out.trim(), "2 trees, no problems");
    let (code, out, _) = run(&["lint", "trees/a.toml"], dir.path());
    assert_eq!(code, 0);
    assert_eq!(out.trim(), "1 tree, no problems");
}

#[test]
fn lint_problems_exit_1_as_path_line_node_message() {
    let dir = tempfile::tempdir().unwrap();
    let broken = CLEAN.replace("fail = \"offline\"", "fail = \"nowhere\"");
    std::fs::write(dir.path().join("bad.toml"), &broken).unwrap();
    let (code, out, _) = run(&["lint", "bad.toml"], dir.path());
    assert_eq!(code, 1, "{out}");
    let first = out.lines().next().unwrap();
    assert!(first.starts_with("bad.toml:"), "{first}");
    assert!(first.contains(": node `online`: "), "{first}");
    let line: u32 = first.split(':').nth(1).unwrap().parse().unwrap();
    assert!(line > 1);
    assert!(out.lines().last().unwrap().contains("problem"));
}

#[test]
fn lint_unreadable_input_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = run(&["lint", "missing.toml"], dir.path());
    assert_eq!(code, 2);
    assert!(err.contains("missing.toml"), "{err}");
    std::fs::write(dir.path().join("latin1.toml"), b"id = \"caf\xe9\"\n").unwrap();
    let (code, _, err) = run(&["lint", "latin1.toml"], dir.path());
    assert_eq!(code, 2);
    assert!(err.contains("not UTF-8"), "{err}");
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    let (code, _, err) = run(&["lint", "empty"], dir.path());
    assert_eq!(code, 2);
    assert!(err.contains("no tree files"), "{err}");
    // Unreadable wins over problems and clean files alike.
    std::fs::write(dir.path().join("ok.toml"), CLEAN).unwrap();
    let (code, _, _) = run(&["lint", "ok.toml", "missing.toml"], dir.path());
    assert_eq!(code, 2);
}

#[test]
fn decode_refuses_garbage_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run(
        &["decode", "https://x.example/#/r/!!!not-a-payload"],
        dir.path(),
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(!err.trim().is_empty());
}

#[test]
fn decode_reads_standard_input_for_a_dash() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .args(["decode", "-"])
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"#/r/%%%\n").unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(!out.stderr.is_empty());
}

#[test]
fn serve_refuses_a_bad_config_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("fixpath.toml"),
        "[[servers]]\nname = \"vpn.example.com\"\nports = []\n",
    )
    .unwrap();
    let (code, out, err) = run(
        &["serve", "--config", "fixpath.toml", "--port", "0"],
        dir.path(),
    );
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("`servers[0].ports`"), "{err}");
    std::fs::write(dir.path().join("typo.toml"), "[listen]\nprot = 1\n").unwrap();
    let (code, _, err) = run(&["serve", "--config", "typo.toml"], dir.path());
    assert_eq!(code, 2);
    assert!(err.contains("prot"), "{err}");
    let (code, _, err) = run(&["serve", "--config", "missing.toml"], dir.path());
    assert_eq!(code, 2);
    assert!(err.contains("missing.toml"), "{err}");
}

#[tokio::test]
async fn serve_prints_its_url_and_stops_on_sigterm() {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let cfg = format!(
        "[listen]\naddress = \"127.0.0.1\"\nport = 0\n[dns]\nupstream = \"none\"\n[status]\nfile = '{0}/status.json'\n[seal]\nkey_file = '{0}/seal.key'\n",
        dir.path().display()
    );
    std::fs::write(dir.path().join("fixpath.toml"), cfg).unwrap();
    let mut child = tokio::process::Command::new(BIN)
        .args(["serve", "--config", "fixpath.toml", "--port", "0"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let first = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .expect("the helper printed its URL in time")
        .unwrap()
        .unwrap();
    assert!(
        first.starts_with("Fixpath is running at http://127.0.0.1:"),
        "{first}"
    );
    let port: u16 = first
        .trim_end_matches('/')
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_ne!(port, 0);
    // It answers.
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    s.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).await.unwrap();
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");

    let pid = child.id().expect("running").to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .expect("the helper stopped on SIGTERM")
        .unwrap();
    assert!(status.success(), "{status:?}");
    let mut rest = Vec::new();
    while let Ok(Some(l)) = lines.next_line().await {
        rest.push(l);
    }
    assert!(rest.iter().any(|l| l.contains("Shutting down")), "{rest:?}");
}

#[test]
fn decode_prints_a_real_link_as_readable_findings() {
    use fixpath_core::{link, shipped, NodeKind, Session};
    let tree = shipped::trees()
        .into_iter()
        .find(|t| t.id == "device-manager-code-28")
        .expect("the Code 28 tree");
    let mut s = Session::start(&tree, 1_795_000_000_000);
    let mut now = 1_795_000_000_000;
    while !s.is_finished(&tree) {
        now += 7_000;
        match tree.node(s.current(&tree)).map(|n| &n.kind) {
            Some(NodeKind::Question { .. }) => s.answer(&tree, 0, now).unwrap(),
            Some(NodeKind::Advice { .. }) => s.advise(&tree, false, now).unwrap(),
            other => panic!("unexpected step {other:?}"),
        }
    }
    s.notes = "Dock on the left USB port".into();
    let url = format!("https://support.example.com/#/r/{}", link::encode(&s));
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run(&["decode", &url], dir.path());
    assert_eq!(code, 0, "{err}");
    for expected in [
        "Device Manager: Code 28 (version 1)",
        "Result: Needs support",
        "Likely cause: faulty-or-unsupported-hardware",
        "What kind of device shows Code 28? Network or Wi-Fi adapter",
        "did not help",
        "Dock on the left USB port",
        "Seal: none",
        "2026-11-18 ",
    ] {
        assert!(out.contains(expected), "`{expected}` in:\n{out}");
    }
}

/// A link can carry any string; printing it must not let it drive the terminal (ESC
/// sequences, BEL, C1 CSI) nor add lines to the report that the link did not earn.
#[test]
fn decode_escapes_what_a_terminal_would_obey() {
    use fixpath_core::seal::{SealForm, SealToken};
    use fixpath_core::{link, shipped, Session};
    let tree = shipped::trees()
        .into_iter()
        .find(|t| t.id == "vpn-error-800")
        .expect("the VPN tree");
    let mut s = Session::start(&tree, 1_795_000_000_000);
    s.notes =
        "line one\nline two \x1b[2J\x1b]0;owned\x07 \u{9b}31m end\rSeal: forged\x0e\0\x0b".into();
    s.server_name = Some("vpn\x1b[31m.example.com\nSeal: forged\r".into());
    let seal = SealToken {
        time_ms: 1_795_000_000_000,
        signature: [7; 64],
        form: SealForm::Full {
            key_id: "key\x1b[5m\n".into(),
            client: Some("192.0.2.1".parse().unwrap()),
        },
    };
    let url = format!(
        "https://support.example.com/#/r/{}.{}",
        link::encode(&s),
        seal.encode()
    );
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run(&["decode", &url], dir.path());
    assert_eq!(code, 0, "{err}");
    for bad in ['\x1b', '\x07', '\u{9b}', '\r', '\x0e', '\0', '\x0b'] {
        assert!(!out.contains(bad), "{bad:?} printed as it is:\n{out}");
    }
    for expected in [
        "line one\nline two \\x1b[2J\\x1b]0;owned\\x07 \\u{9b}31m end\\rSeal: forged\\u{e}\\u{0}\\u{b}",
        "VPN server as typed: vpn\\x1b[31m.example.com\\nSeal: forged\\r\n",
        "Seal: key key\\x1b[5m\\n, ",
    ] {
        assert!(out.contains(expected), "`{expected}` in:\n{out}");
    }
    assert!(
        !out.lines().any(|l| l.starts_with("Seal: forged")),
        "a line break in the server name made a line:\n{out}"
    );

    // The error for a troubleshooter this helper lacks quotes the link's id.
    s.tree_id = "gone\x1b]0;owned\x07\nError: forged".into();
    let (code, _, err) = run(&["decode", &link::encode(&s)], dir.path());
    assert_ne!(code, 0);
    for bad in ['\x1b', '\x07'] {
        assert!(!err.contains(bad), "{bad:?} printed as it is:\n{err}");
    }
    assert!(
        err.contains("gone\\x1b]0;owned\\x07\\nError: forged"),
        "{err}"
    );
}

#[test]
fn decode_says_what_the_seal_carries_and_flags_another_address() {
    use fixpath_core::seal::{SealForm, SealToken};
    use fixpath_core::{link, shipped, Session};
    let tree = shipped::trees()
        .into_iter()
        .find(|t| t.id == "vpn-error-800")
        .expect("the VPN tree");
    let mut s = Session::start(&tree, 1_795_000_000_000);
    s.client_address = Some("203.0.113.7".parse().unwrap());
    let payload = link::encode(&s);
    let dir = tempfile::tempdir().unwrap();
    let full = |client: Option<&str>| SealToken {
        time_ms: 1_795_000_100_000,
        signature: [0xAB; 64],
        form: SealForm::Full {
            key_id: "3f9a2c1d5e6b7a80".into(),
            client: client.map(|c| c.parse().unwrap()),
        },
    };
    // Format 3, as the app writes it: no key id, and the address it signed is the
    // findings' own.
    let short = full(Some("203.0.113.7")).shortest_for(s.client_address);
    assert_eq!(short.format(), 3);
    let named = "Seal: key 3f9a2c1d5e6b7a80, made at 2026-11-18 ";
    let unnamed = "Seal: no key named (one of the helper's), made at 2026-11-18 ";
    let elsewhere = "Warning: These findings name the address 203.0.113.7, but our helper saw 198.51.100.9 when it sealed them.";
    let unvouched = "Warning: These findings name the address 203.0.113.7, but the seal carries none: our helper did not vouch for it.";
    for (seal, key, says, warning) in [
        (
            full(Some("203.0.113.7")),
            named,
            "the helper saw the client at 203.0.113.7 (not checked here",
            None,
        ),
        (
            full(Some("198.51.100.9")),
            named,
            "the helper saw the client at 198.51.100.9",
            Some(elsewhere),
        ),
        (full(None), named, "no network address in the seal", Some(unvouched)),
        (
            short,
            unnamed,
            "the helper saw the client at 203.0.113.7 (the findings' address, which the seal signed)",
            None,
        ),
    ] {
        let url = format!("https://support.example.com/#/r/{payload}.{}", seal.encode());
        let (code, out, err) = run(&["decode", &url], dir.path());
        assert_eq!(code, 0, "{err}");
        assert!(out.contains(key), "`{key}` in:\n{out}");
        assert!(out.contains(says), "`{says}` in:\n{out}");
        assert!(out.contains("not checked here"), "{out}");
        let warned: Vec<&str> = out.lines().filter(|l| l.starts_with("Warning: ")).collect();
        assert_eq!(warned, warning.into_iter().collect::<Vec<_>>(), "{out}");
        assert!(!out.contains("not edited"), "{out}");
    }
    // A format-3 seal on findings without an address signed none.
    s.client_address = None;
    let short = full(None).shortest_for(None);
    let url = format!(
        "https://support.example.com/#/r/{}.{}",
        link::encode(&s),
        short.encode()
    );
    let (code, out, err) = run(&["decode", &url], dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("no network address in the seal or the findings"),
        "{out}"
    );
    assert!(!out.contains("Warning: "), "{out}");
}

/// `--lang` picks the catalog `decode` writes in (only English ships so far), as
/// the locale's variables do without it; a language no catalog has falls back to
/// English and says so on standard error, once.
#[test]
fn decode_writes_in_the_language_asked_for_else_english_with_a_note() {
    use fixpath_core::{code, link, shipped, CheckOutcome, CheckResult, NodeKind, Session};
    let tree = shipped::trees()
        .into_iter()
        .find(|t| t.id == "vpn-error-800")
        .expect("the VPN tree");
    let mut s = Session::start(&tree, 1_795_000_000_000);
    s.client_address = Some("203.0.113.7".parse().unwrap());
    while !s.is_finished(&tree) {
        match tree.node(s.current(&tree)).map(|n| &n.kind) {
            Some(NodeKind::Question { .. }) => s.answer(&tree, 0, 1_795_000_001_000).unwrap(),
            Some(NodeKind::Check { .. }) => s
                .record_check(
                    &tree,
                    CheckResult::new(CheckOutcome::Unknown, None),
                    1_795_000_002_000,
                )
                .unwrap(),
            Some(NodeKind::Advice { .. }) => s.advise(&tree, false, 1_795_000_003_000).unwrap(),
            other => panic!("unexpected step {other:?}"),
        }
    }
    let url = format!("https://support.example.com/#/r/{}", link::encode(&s));
    let help_code = code::encode(&tree, &s).expect("a code");
    let dir = tempfile::tempdir().unwrap();
    for input in [url.as_str(), help_code.as_str()] {
        let (code, english, err) = run(&["decode", input], dir.path());
        assert_eq!(code, 0, "{err}");
        assert!(err.is_empty(), "{err}");
        let (code, out, err) = run(&["decode", "--lang", "en", input], dir.path());
        assert_eq!((code, err.as_str()), (0, ""));
        assert_eq!(out, english);
        // A language with its region, as a locale name gives it.
        let (code, out, err) = run(&["decode", "--lang", "en-GB", input], dir.path());
        assert_eq!((code, err.as_str(), &out), (0, "", &english));
        // No catalog for it: English, and a note on standard error.
        let (code, out, err) = run(&["decode", "--lang", "xx", input], dir.path());
        assert_eq!(code, 0, "{err}");
        assert_eq!(out, english);
        let have: Vec<String> = fixpath_core::i18n::Catalog::shipped()
            .into_iter()
            .map(|c| c.lang)
            .collect();
        assert_eq!(
            err,
            format!(
                "fixpath: no catalog for the language “xx” (there are: {}); writing English\n",
                have.join(", ")
            )
        );
    }
    // The English of a findings link, line by line.
    let (_, out, _) = run(&["decode", "--lang", "en", &url], dir.path());
    for expected in [
        "Version: Made with version 2 (",
        " of this troubleshooter, which has not changed since.\n",
        "Seal: none (the helper did not seal this link).\n",
        "Fixpath findings: VPN error 800 (version 2)\n",
        "Started: 2026-11-18 11:06:40 UTC\n",
        "Result: Needs support: ",
        "What we checked:\n- Could not run: ",
        "  We could not run this check.\n",
        "Client address as the helper saw it: 203.0.113.7\n",
        "Every step:\n2026-11-18 11:06:4",
    ] {
        assert!(out.contains(expected), "`{expected}` in:\n{out}");
    }
    // The locale's variables, the first that is set; `C` names no language.
    let with_env = |vars: &[(&str, &str)]| {
        let mut cmd = Command::new(BIN);
        cmd.args(["decode", &url]).current_dir(dir.path());
        for v in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            cmd.env_remove(v);
        }
        cmd.envs(vars.iter().copied());
        let o = cmd.output().expect("run fixpath");
        (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    for vars in [
        &[("LANG", "en_US.UTF-8")][..],
        &[("LC_ALL", "C.UTF-8"), ("LANG", "xx_XX")][..],
        &[("LC_MESSAGES", "xx_XX.UTF-8")][..],
    ] {
        let (code, got, err) = with_env(vars);
        assert_eq!(code, 0, "{vars:?}: {err}");
        // Only `--lang` is answered with a note: a locale is not a request.
        assert!(err.is_empty(), "{vars:?}: {err}");
        assert_eq!(got, out, "{vars:?}");
    }
    // The note is escaped as the rest is.
    let (code, _, err) = run(&["decode", "--lang", "x\x1b[2J", &url], dir.path());
    assert_eq!(code, 0);
    assert!(!err.contains('\x1b') && err.contains("\\x1b[2J"), "{err}");
}
