//! The help-desk code end to end: the code on a walk's outcome page, read out and
//! typed by support into the home page's box in a fresh browser, shows the same
//! outcome and each check as the walk had it; the same code with one character
//! changed is refused by its check character. Every page asserts a clean console.

use fantoccini::Client;
use fixpath_core::code::{Code, CodeError};
use fixpath_core::findings::outcome_word;
use fixpath_core::{CheckOutcome, NodeKind, Tree};
use fixpath_e2e::{
    assert_clean_console, en, open_flow, poll, text_of, wait_css, walk, Driver, Helper, Loopback,
    Policy, Result, Walk, DEMO_SERVER,
};

const TREE: &str = "vpn-error-800";

/// The home page in `c`, `code` typed into the support box and shown.
async fn type_code(c: &Client, helper: &Helper, code: &str) -> Result<()> {
    c.goto(&helper.url).await?;
    let field = wait_css(c, ".support-box form.code-form #help-code").await?;
    field.send_keys(code).await?;
    wait_css(c, ".support-box form.code-form button[type=submit]")
        .await?
        .click()
        .await?;
    Ok(())
}

/// The code page's answer: its summary lines, or the error it refused the code with.
async fn code_answer(c: &Client) -> Result<std::result::Result<Vec<String>, String>> {
    const READ: &str = "const s = document.querySelector('.support .code-summary');
        const e = document.querySelector('.support .code-error[role=alert]');
        if (s) return { lines: Array.from(s.querySelectorAll('li')).map((x) => x.textContent) };
        if (e) return { error: e.textContent };
        return null;";
    poll("the help-desk code's summary or its refusal", || async {
        let v = c.execute(READ, vec![]).await?;
        let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        if let Some(e) = v["error"].as_str() {
            return Ok(Some(Err(squash(e))));
        }
        Ok(v["lines"].as_array().map(|lines| {
            Ok(lines
                .iter()
                .map(|l| squash(l.as_str().unwrap_or_default()))
                .collect())
        }))
    })
    .await
}

#[tokio::test]
async fn a_help_desk_code_read_out_shows_the_same_summary_and_a_typo_is_refused() -> Result<()> {
    let tree: Tree = fixpath_core::shipped::trees()
        .into_iter()
        .find(|t| t.id == TREE)
        .ok_or("no vpn-error-800 among the shipped trees")?;
    let helper = Helper::start(Some(&Loopback::new()?.toml())).await?;
    let driver = Driver::start().await?;

    // The user's walk, and the code on its outcome page.
    let c = driver.browser().await?;
    open_flow(&c, &helper, TREE).await?;
    let mut w = Walk::default();
    let p = Policy {
        server_name: DEMO_SERVER.into(),
        ..Policy::default()
    };
    walk(&c, &p, &mut w).await?;
    let code = wait_css(&c, ".outcome .help-code strong")
        .await?
        .text()
        .await?;
    let kicker = text_of(&c, ".outcome .findings .kicker")
        .await?
        .ok_or("the outcome page shows no kicker")?;
    let summary = text_of(&c, ".outcome .findings h1")
        .await?
        .ok_or("the outcome page shows no summary")?;
    assert_clean_console(&c, "the walk").await?;
    c.close().await?;
    Code::parse(&code).map_err(|e| format!("the outcome page's code {code:?}: {e}"))?;

    // Support types it in a fresh browser: the same outcome, and each check as the
    // walk had it (in the tree's order; "Not run" for those it did not reach).
    let s = driver.browser().await?;
    type_code(&s, &helper, &code).await?;
    let lines = code_answer(&s)
        .await?
        .map_err(|e| format!("the code {code:?} was refused: {e}"))?;
    let mut expected = vec![
        format!("{} (version {})", tree.title, tree.version),
        format!("{kicker}: {summary}"),
    ];
    for node in &tree.nodes {
        if let NodeKind::Check { text, .. } = &node.kind {
            let word = match w.checks.get(&node.id) {
                Some((class, _)) => {
                    let outcome = CheckOutcome::ALL
                        .into_iter()
                        .find(|o| o.as_str() == class)
                        .ok_or_else(|| format!("`{class}` is not an outcome"))?;
                    outcome_word(en(), outcome)
                }
                None => "Not run".to_string(),
            };
            expected.push(format!("{text}: {word}"));
        }
    }
    assert_eq!(lines, expected, "the code {code}");
    let url = s.current_url().await?;
    assert!(
        url.fragment().is_some_and(|f| f.starts_with("/c/")),
        "{url}"
    );
    assert_clean_console(&s, "the code typed by support").await?;

    // One character read wrong: refused, with why.
    let at = code
        .char_indices()
        .find(|(_, ch)| ch.is_ascii_alphanumeric())
        .map(|(i, _)| i)
        .ok_or("a code without symbols")?;
    const ALPHABET: &str = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let was = code[at..]
        .chars()
        .next()
        .unwrap_or('0')
        .to_ascii_uppercase();
    let other = ALPHABET
        .chars()
        .find(|&x| x != was)
        .ok_or("no other symbol")?;
    let mut changed = code.clone();
    changed.replace_range(at..at + 1, &other.to_string());
    assert_eq!(Code::parse(&changed).err(), Some(CodeError::Typo));
    type_code(&s, &helper, &changed).await?;
    let refused = code_answer(&s).await?;
    assert_eq!(refused, Err(CodeError::Typo.explain(en())), "{changed}");
    assert_clean_console(&s, "a mistyped code").await?;
    s.close().await?;
    Ok(())
}
