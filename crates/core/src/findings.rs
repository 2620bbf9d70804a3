//! Findings: what a finished (or stopped) session amounts to, for people: the
//! likely cause, the evidence, what was tried, the answers and every step with its
//! time. The app renders it; `to_text` is the same report for tickets and terminals.
//!
//! Built from a session that may not fit the tree (a link made with an older
//! version): steps whose node or action no longer fits are left out, never a panic.
//!
//! The words a report puts around the tree's own (`outcome_word`, `result_word`,
//! `tried_word`, `Answer::skip_note`) live here once, for the app's report and
//! for this text alike.

use std::fmt::Write as _;
use std::net::IpAddr;

use crate::catalog::CheckName;
use crate::engine::{Action, Session};
use crate::model::{CheckOutcome, NodeKind, Resolution, Tree};

/// The outcome the walk reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeFinding {
    pub node: String,
    pub result: Resolution,
    pub summary: String,
    /// The likely-cause tag from the tree (`pptp-port-blocked`, say).
    pub cause: String,
    pub help: Option<String>,
}

/// One check that ran, with its figure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub node: String,
    pub check: CheckName,
    /// What the check looked at, as the tree words it.
    pub text: String,
    pub outcome: CheckOutcome,
    pub figure: Option<i64>,
    pub unit: Option<&'static str>,
    /// The sentence the user read for this result (`verdict::sentence`).
    pub said: String,
    pub at_ms: u64,
}

/// One piece of advice the user tried, and whether it helped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tried {
    pub node: String,
    pub advice: String,
    pub fixed: bool,
    pub at_ms: u64,
}

/// One question and its answer; `skipped_because` names the check that answered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub node: String,
    pub question: String,
    pub answer: String,
    pub skipped_because: Option<String>,
    pub at_ms: u64,
}

/// One transcript line: when, and what happened, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub at_ms: u64,
    pub what: String,
}

/// Everything a report shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Findings {
    pub tree_id: String,
    pub tree_title: String,
    /// The tree version the session was made with.
    pub tree_version: u32,
    pub started_ms: u64,
    /// `None` while the walk has not reached an outcome.
    pub outcome: Option<OutcomeFinding>,
    pub evidence: Vec<Evidence>,
    pub tried: Vec<Tried>,
    pub answers: Vec<Answer>,
    pub transcript: Vec<Line>,
    pub notes: String,
    pub server_name: Option<String>,
    pub client_address: Option<IpAddr>,
    /// The support team's ticket number the user typed.
    pub ticket: Option<String>,
    /// Steps of the session that no longer fit the tree and were left out.
    pub left_out: usize,
}

/// What a ticket number is called where the support team's page gives it no name
/// of its own (`ticket.number.label` in `brand.toml`).
pub const TICKET_LABEL: &str = "Ticket number";

/// "OK", "Warning", … : how an outcome reads in a report.
pub fn outcome_word(o: CheckOutcome) -> &'static str {
    match o {
        CheckOutcome::Pass => "OK",
        CheckOutcome::Warn => "Warning",
        CheckOutcome::Fail => "Problem",
        CheckOutcome::Unknown => "Could not run",
    }
}

/// How the end of a walk reads at the top of a report: "Fixed", "Needs support",
/// or "Not finished" while the walk has no outcome.
pub fn result_word(result: Option<Resolution>) -> &'static str {
    match result {
        Some(Resolution::Resolved) => "Fixed",
        Some(Resolution::Escalate) => "Needs support",
        None => "Not finished",
    }
}

/// What came of a piece of advice the user tried: "fixed it", "did not help".
pub fn tried_word(fixed: bool) -> &'static str {
    if fixed {
        "fixed it"
    } else {
        "did not help"
    }
}

impl Answer {
    /// For a question a check answered: "(answered by the check: …)", naming it.
    pub fn skip_note(&self) -> Option<String> {
        let because = self.skipped_because.as_ref()?;
        Some(format!("(answered by the check: {because})"))
    }
}

/// A figure with its unit: `42 ms`, `3 addresses`, `7`.
pub fn figure_text(figure: i64, unit: Option<&str>) -> String {
    match unit {
        Some(u) => format!("{figure} {u}"),
        None => figure.to_string(),
    }
}

impl Findings {
    /// What `session` amounts to on `tree`.
    pub fn new(tree: &Tree, session: &Session) -> Findings {
        let mut f = Findings {
            tree_id: session.tree_id.clone(),
            tree_title: tree.title.clone(),
            tree_version: session.tree_version,
            started_ms: session.started_ms,
            outcome: None,
            evidence: Vec::new(),
            tried: Vec::new(),
            answers: Vec::new(),
            transcript: Vec::new(),
            notes: session.notes.clone(),
            server_name: session.server_name.clone(),
            client_address: session.client_address,
            ticket: session.ticket.clone(),
            left_out: 0,
        };
        // What the checks' sentences may name, as the findings carry it.
        let seen = crate::verdict::Seen {
            server_name: session.server_name.as_deref(),
            client_address: session.client_address,
        };
        for e in &session.entries {
            let Some(node) = tree.node(e.node) else {
                f.left_out += 1;
                continue;
            };
            let what = match (&node.kind, e.action.clone()) {
                (NodeKind::Question { text, choices, .. }, Action::Chose { choice }) => {
                    let Some(c) = choices.get(usize::from(choice)) else {
                        f.left_out += 1;
                        continue;
                    };
                    f.answers.push(Answer {
                        node: node.id.clone(),
                        question: text.clone(),
                        answer: c.label.clone(),
                        skipped_because: None,
                        at_ms: e.at_ms,
                    });
                    format!("Asked \"{text}\": answered \"{}\".", c.label)
                }
                (NodeKind::Question { text, choices, .. }, Action::Skipped { choice, by }) => {
                    let Some(c) = choices.get(usize::from(choice)) else {
                        f.left_out += 1;
                        continue;
                    };
                    let because = match tree.node(by).map(|n| &n.kind) {
                        Some(NodeKind::Check { text, .. }) => {
                            let outcome = session
                                .result_of(by)
                                .map(|r| outcome_word(r.outcome).to_ascii_lowercase());
                            match outcome {
                                Some(o) => format!("{text} ({o})"),
                                None => text.clone(),
                            }
                        }
                        _ => "an earlier check".to_string(),
                    };
                    let line = format!(
                        "Skipped \"{text}\": \"{}\", answered by the check \"{because}\".",
                        c.label
                    );
                    f.answers.push(Answer {
                        node: node.id.clone(),
                        question: text.clone(),
                        answer: c.label.clone(),
                        skipped_because: Some(because),
                        at_ms: e.at_ms,
                    });
                    line
                }
                (NodeKind::Check { check, text, .. }, Action::Checked(r)) => {
                    let said = crate::verdict::sentence(*check, &r, &seen);
                    let check = check.name();
                    let unit = check.figure_unit();
                    f.evidence.push(Evidence {
                        node: node.id.clone(),
                        check,
                        text: text.clone(),
                        outcome: r.outcome,
                        figure: r.figure,
                        unit,
                        said: said.clone(),
                        at_ms: e.at_ms,
                    });
                    let figure = r
                        .figure
                        .map(|v| format!(" ({})", figure_text(v, unit)))
                        .unwrap_or_default();
                    format!(
                        "Checked \"{text}\" [{}]: {}{figure}. {said}",
                        check.as_str(),
                        outcome_word(r.outcome)
                    )
                }
                (NodeKind::Advice { text, .. }, Action::Advised { fixed }) => {
                    f.tried.push(Tried {
                        node: node.id.clone(),
                        advice: text.clone(),
                        fixed,
                        at_ms: e.at_ms,
                    });
                    format!(
                        "Tried \"{text}\": {}.",
                        if fixed {
                            "that fixed it"
                        } else {
                            "it did not help"
                        }
                    )
                }
                _ => {
                    f.left_out += 1;
                    continue;
                }
            };
            f.transcript.push(Line {
                at_ms: e.at_ms,
                what,
            });
        }
        if let Some(node) = tree.node(session.current(tree)) {
            if let NodeKind::Outcome {
                result,
                summary,
                cause,
                help,
            } = &node.kind
            {
                f.outcome = Some(OutcomeFinding {
                    node: node.id.clone(),
                    result: *result,
                    summary: summary.clone(),
                    cause: cause.clone(),
                    help: help.clone(),
                });
            }
        }
        f
    }

    /// The findings as plain text for a ticket or a terminal; times in UTC.
    /// One line for a ticket's subject: the troubleshooter and what it found.
    pub fn summary(&self) -> String {
        match &self.outcome {
            Some(o) => format!("{}: {}", self.tree_title, o.summary),
            None => format!(
                "{}: {}",
                self.tree_title,
                result_word(None).to_ascii_lowercase()
            ),
        }
    }

    pub fn to_text(&self) -> String {
        let mut t = String::new();
        let _ = writeln!(
            t,
            "Fixpath findings: {} (version {})",
            self.tree_title, self.tree_version
        );
        if let Some(n) = &self.ticket {
            let _ = writeln!(t, "{TICKET_LABEL}: {n}");
        }
        let _ = writeln!(t, "Started: {}", utc(self.started_ms));
        match &self.outcome {
            Some(o) => {
                let state = result_word(Some(o.result));
                let _ = writeln!(t, "Result: {state}: {}", o.summary);
                let _ = writeln!(t, "Likely cause: {}", o.cause);
            }
            None => {
                let _ = writeln!(t, "Result: {}", result_word(None).to_ascii_lowercase());
            }
        }
        if !self.evidence.is_empty() {
            let _ = writeln!(t, "\nWhat we checked:");
            for e in &self.evidence {
                let figure = e
                    .figure
                    .map(|v| format!(" ({})", figure_text(v, e.unit)))
                    .unwrap_or_default();
                let _ = writeln!(
                    t,
                    "- {}: {}{figure} [{}]\n  {}",
                    outcome_word(e.outcome),
                    e.text,
                    e.check.as_str(),
                    e.said
                );
            }
        }
        if !self.tried.is_empty() {
            let _ = writeln!(t, "\nWhat was tried:");
            for x in &self.tried {
                let _ = writeln!(t, "- {}: {}", x.advice, tried_word(x.fixed));
            }
        }
        if !self.answers.is_empty() {
            let _ = writeln!(t, "\nAnswers:");
            for a in &self.answers {
                let by = a.skip_note().map(|n| format!(" {n}")).unwrap_or_default();
                let _ = writeln!(t, "- {} {}{by}", a.question, a.answer);
            }
        }
        if let Some(s) = &self.server_name {
            let _ = writeln!(t, "\nVPN server as typed: {s}");
        }
        if let Some(a) = &self.client_address {
            let _ = writeln!(t, "Client address as the helper saw it: {a}");
        }
        if !self.notes.is_empty() {
            let _ = writeln!(t, "\nNotes from the user:\n{}", self.notes);
        }
        if !self.transcript.is_empty() {
            let _ = writeln!(t, "\nEvery step:");
            for l in &self.transcript {
                let _ = writeln!(t, "{}  {}", utc(l.at_ms), l.what);
            }
        }
        if self.left_out > 0 {
            let _ = writeln!(
                t,
                "\n{} step(s) no longer fit this troubleshooter and are not shown.",
                self.left_out
            );
        }
        t
    }
}

/// Unix milliseconds as `YYYY-MM-DD HH:MM:SS UTC` (pure: no clock, no time zone).
pub fn utc(ms: u64) -> String {
    let secs = ms / 1000;
    let days = secs / 86_400;
    let rem = secs % 86_400;
    // Under 2^64 ms, the day count fits an i64.
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 (negative before it) to a proleptic Gregorian date,
/// `(year, month, day)`: Howard Hinnant's `civil_from_days`, the one civil-date
/// routine of Fixpath (its reports and the helper's log alike).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    // Saturating: a day count this far out has no date anyone asks for, but must
    // not overflow.
    let z = days.saturating_add(719_468);
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    // Both are small and positive by construction (1 to 31, 1 to 12).
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = (if mp < 10 { mp + 3 } else { mp - 9 }) as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_formats_known_instants() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(951_782_400_000), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc(1_795_519_545_000), "2026-11-24 11:25:45 UTC");
        // The far future does not overflow.
        let _ = utc(u64::MAX);
    }

    #[test]
    fn civil_dates_either_side_of_the_epoch() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(19_675), (2023, 11, 14));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(-719_468), (0, 3, 1));
        // The ends of the range do not overflow.
        let _ = civil_from_days(i64::MAX);
        let _ = civil_from_days(i64::MIN);
    }

    #[test]
    fn the_report_words_around_the_tree() {
        assert_eq!(result_word(Some(Resolution::Resolved)), "Fixed");
        assert_eq!(result_word(Some(Resolution::Escalate)), "Needs support");
        assert_eq!(result_word(None), "Not finished");
        assert_eq!(
            (tried_word(true), tried_word(false)),
            ("fixed it", "did not help")
        );
        let mut a = Answer {
            node: "q".into(),
            question: "Do other sites open?".into(),
            answer: "Yes".into(),
            skipped_because: None,
            at_ms: 0,
        };
        assert_eq!(a.skip_note(), None);
        a.skipped_because = Some("Can you reach the internet? (ok)".into());
        assert_eq!(
            a.skip_note().as_deref(),
            Some("(answered by the check: Can you reach the internet? (ok))")
        );
    }
}
