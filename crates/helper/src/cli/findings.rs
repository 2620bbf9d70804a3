//! `fixpath decode`: a findings link (or its fragment or payload) in, the findings
//! as text out, against the shipped trees; or the link error's message. Every
//! string a link carries is printed with what a terminal would obey escaped, as the
//! log escapes it, so a link cannot drive the terminal of whoever decodes it.

use fixpath_core::findings::{utc, Findings};
use fixpath_core::link;
use fixpath_core::seal::{address_warning, seal_of, SealToken};
use fixpath_core::shipped;

use crate::logging::escape_terminal;

/// Decodes `input` (a findings link, a fragment or a bare payload) and renders it.
pub fn decode_to_text(input: &str) -> Result<String, String> {
    if input.trim().is_empty() {
        return Err("nothing to decode: give a findings link, its payload, or - to read one from standard input".into());
    }
    let trees = shipped::trees();
    // A link error can quote the link (an unknown troubleshooter's id).
    let decoded = link::decode(input, &trees)
        .map_err(|e| format!("cannot decode: {}", escape_terminal(&e.to_string(), true)))?;
    let tree = trees
        .get(decoded.tree)
        .ok_or_else(|| "cannot decode: the link's troubleshooter is missing".to_string())?;
    let mut text = String::new();
    if decoded.tree_changed || decoded.fits.is_err() {
        text.push_str(&format!(
            "Note: this link was made with version {} of `{}`, which has changed since (now version {}); what no longer fits is left out.\n",
            decoded.session.tree_version, tree.id, tree.version
        ));
    }
    text.push_str(&match seal_of(input) {
        None => "Seal: none (the helper did not seal this link).\n".to_string(),
        Some(s) => match SealToken::decode(s) {
            Ok(t) => {
                let seen = match t.client {
                    Some(c) => format!("the helper saw the client at {c}"),
                    None => "no network address in the seal".to_string(),
                };
                let mut line = format!(
                    "Seal: key {}, made at {}, {seen} (not checked here: open the link in the browser to verify it against the helper's keys).\n",
                    escape_terminal(&t.key_id, true),
                    utc(t.time_ms),
                );
                if let Some(w) = address_warning(decoded.session.client_address, t.client) {
                    line.push_str(&format!("Warning: {w}\n"));
                }
                line
            }
            Err(e) => format!("Seal: unreadable ({e}).\n"),
        },
    });
    let mut session = decoded.session;
    // One-line values stay on their line: a line break in them would print as a
    // line of the report that the link never earned.
    session.server_name = session.server_name.map(|s| escape_terminal(&s, true));
    text.push_str(&Findings::new(tree, &session).to_text());
    // Notes keep their line breaks; everything else a terminal obeys is escaped.
    Ok(escape_terminal(&text, false))
}
