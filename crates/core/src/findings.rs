//! Findings: what a finished (or stopped) session amounts to, for people: the
//! likely cause, the evidence, what was tried, the answers and every step with its
//! time. The app renders it; `to_text` is the same report for tickets and terminals.
//!
//! Built from a session that may not fit the tree (a link made with an older
//! version): steps whose node or action no longer fits are left out, never a panic.
//!
//! The words a report puts around the tree's own (`outcome_word`, `result_word`,
//! `tried_word`, `Answer::skip_note`, `figure_text`) live here once, for the
//! app's report and for this text alike, in the reader's language (the catalog
//! part `findings`); the tree's own words are the tree's.

use std::net::IpAddr;

use crate::catalog::CheckName;
use crate::engine::{Action, Session};
use crate::i18n::{Msg, Tr};
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
    /// The check's figure; [`figure_text`] writes it with its unit.
    pub figure: Option<i64>,
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
pub fn ticket_label(tr: Tr) -> String {
    tr.t(Msg::FindingsTicketLabel)
}

/// "OK", "Warning", … : how an outcome reads in a report.
pub fn outcome_word(tr: Tr, o: CheckOutcome) -> String {
    tr.t(match o {
        CheckOutcome::Pass => Msg::FindingsOutcomePass,
        CheckOutcome::Warn => Msg::FindingsOutcomeWarn,
        CheckOutcome::Fail => Msg::FindingsOutcomeFail,
        CheckOutcome::Unknown => Msg::FindingsOutcomeUnknown,
    })
}

/// "ok", "warning", … : an outcome inside a line of text.
fn outcome_inline(tr: Tr, o: CheckOutcome) -> String {
    tr.t(match o {
        CheckOutcome::Pass => Msg::FindingsOutcomeInlinePass,
        CheckOutcome::Warn => Msg::FindingsOutcomeInlineWarn,
        CheckOutcome::Fail => Msg::FindingsOutcomeInlineFail,
        CheckOutcome::Unknown => Msg::FindingsOutcomeInlineUnknown,
    })
}

/// How the end of a walk reads at the top of a report: "Fixed", "Needs support",
/// or "Not finished" while the walk has no outcome.
pub fn result_word(tr: Tr, result: Option<Resolution>) -> String {
    tr.t(match result {
        Some(Resolution::Resolved) => Msg::FindingsResultResolved,
        Some(Resolution::Escalate) => Msg::FindingsResultEscalate,
        None => Msg::FindingsResultUnfinished,
    })
}

/// What came of a piece of advice the user tried: "fixed it", "did not help".
pub fn tried_word(tr: Tr, fixed: bool) -> String {
    tr.t(if fixed {
        Msg::FindingsTriedFixed
    } else {
        Msg::FindingsTriedNotFixed
    })
}

impl Answer {
    /// For a question a check answered: "(answered by the check: …)", naming it.
    pub fn skip_note(&self, tr: Tr) -> Option<String> {
        let because = self.skipped_because.as_ref()?;
        Some(tr.f(Msg::FindingsSkipNote, &[("check", because.into())]))
    }
}

/// The figure of a `check`'s result with its unit: `42 ms`, `3 addresses`, `7`.
pub fn figure_text(tr: Tr, figure: i64, check: CheckName) -> String {
    let m = match check {
        CheckName::HelperPing | CheckName::ServerProbe | CheckName::InternetCanary => {
            Msg::FindingsFigureMs
        }
        CheckName::ClockSkew => Msg::FindingsFigureS,
        CheckName::EgressAltPorts => Msg::FindingsFigurePortsOpen,
        CheckName::ServerResolve => Msg::FindingsFigureAddresses,
        CheckName::BrowserOnline
        | CheckName::CaptivePortal
        | CheckName::Platform
        | CheckName::ClientAddress
        | CheckName::OperatorStatus => return tr.locale.number(figure as f64),
    };
    tr.f(m, &[("n", figure.into())])
}

impl Findings {
    /// What `session` amounts to on `tree`, in `tr`'s words.
    pub fn new(tr: Tr, tree: &Tree, session: &Session) -> Findings {
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
                    tr.f(
                        Msg::FindingsStepAsked,
                        &[("question", text.into()), ("answer", (&c.label).into())],
                    )
                }
                (NodeKind::Question { text, choices, .. }, Action::Skipped { choice, by }) => {
                    let Some(c) = choices.get(usize::from(choice)) else {
                        f.left_out += 1;
                        continue;
                    };
                    let because = match tree.node(by).map(|n| &n.kind) {
                        Some(NodeKind::Check { text, .. }) => {
                            match session.result_of(by).map(|r| outcome_inline(tr, r.outcome)) {
                                Some(o) => tr.f(
                                    Msg::FindingsSkippedBy,
                                    &[("check", text.into()), ("outcome", (&o).into())],
                                ),
                                None => text.clone(),
                            }
                        }
                        _ => tr.t(Msg::FindingsSkippedByEarlier),
                    };
                    let line = tr.f(
                        Msg::FindingsStepSkipped,
                        &[
                            ("question", text.into()),
                            ("answer", (&c.label).into()),
                            ("check", (&because).into()),
                        ],
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
                    let said = crate::verdict::sentence(tr, *check, &r, &seen);
                    let check = check.name();
                    f.evidence.push(Evidence {
                        node: node.id.clone(),
                        check,
                        text: text.clone(),
                        outcome: r.outcome,
                        figure: r.figure,
                        said: said.clone(),
                        at_ms: e.at_ms,
                    });
                    let outcome = outcome_word(tr, r.outcome);
                    let mut args = vec![
                        ("check", text.into()),
                        ("name", check.as_str().into()),
                        ("outcome", (&outcome).into()),
                        ("said", (&said).into()),
                    ];
                    let figure = r.figure.map(|v| figure_text(tr, v, check));
                    match &figure {
                        Some(fig) => {
                            args.push(("figure", fig.into()));
                            tr.f(Msg::FindingsStepCheckedFigure, &args)
                        }
                        None => tr.f(Msg::FindingsStepChecked, &args),
                    }
                }
                (NodeKind::Advice { text, .. }, Action::Advised { fixed }) => {
                    f.tried.push(Tried {
                        node: node.id.clone(),
                        advice: text.clone(),
                        fixed,
                        at_ms: e.at_ms,
                    });
                    tr.f(
                        if fixed {
                            Msg::FindingsStepTriedFixed
                        } else {
                            Msg::FindingsStepTriedNotFixed
                        },
                        &[("advice", text.into())],
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

    /// One line for a ticket's subject: the troubleshooter and what it found.
    pub fn summary(&self, tr: Tr) -> String {
        match &self.outcome {
            Some(o) => tr.f(
                Msg::FindingsSummaryDone,
                &[
                    ("title", (&self.tree_title).into()),
                    ("summary", (&o.summary).into()),
                ],
            ),
            None => tr.f(
                Msg::FindingsSummaryUnfinished,
                &[("title", (&self.tree_title).into())],
            ),
        }
    }

    /// The findings as plain text for a ticket or a terminal, in `tr`'s words;
    /// times in UTC.
    pub fn to_text(&self, tr: Tr) -> String {
        let mut t = String::new();
        let mut line = |s: String| {
            t.push_str(&s);
            t.push('\n');
        };
        // A version number as written, not as a formatted number.
        line(tr.f(
            Msg::FindingsTextTitle,
            &[
                ("title", (&self.tree_title).into()),
                ("version", (&self.tree_version.to_string()).into()),
            ],
        ));
        if let Some(n) = &self.ticket {
            let label = ticket_label(tr);
            line(tr.f(
                Msg::FindingsTextTicket,
                &[("label", (&label).into()), ("number", n.into())],
            ));
        }
        line(tr.f(
            Msg::FindingsTextStarted,
            &[("time", (&utc(self.started_ms)).into())],
        ));
        match &self.outcome {
            Some(o) => {
                let state = result_word(tr, Some(o.result));
                line(tr.f(
                    Msg::FindingsTextResult,
                    &[
                        ("result", (&state).into()),
                        ("summary", (&o.summary).into()),
                    ],
                ));
                line(tr.f(Msg::FindingsTextCause, &[("cause", (&o.cause).into())]));
            }
            None => line(tr.t(Msg::FindingsTextResultUnfinished)),
        }
        if !self.evidence.is_empty() {
            line(format!("\n{}", tr.t(Msg::FindingsTextChecked)));
            for e in &self.evidence {
                let outcome = outcome_word(tr, e.outcome);
                let mut args = vec![
                    ("outcome", (&outcome).into()),
                    ("check", (&e.text).into()),
                    ("name", e.check.as_str().into()),
                ];
                let figure = e.figure.map(|v| figure_text(tr, v, e.check));
                let head = match &figure {
                    Some(fig) => {
                        args.push(("figure", fig.into()));
                        tr.f(Msg::FindingsTextEvidenceFigure, &args)
                    }
                    None => tr.f(Msg::FindingsTextEvidence, &args),
                };
                line(format!("- {head}\n  {}", e.said));
            }
        }
        if !self.tried.is_empty() {
            line(format!("\n{}", tr.t(Msg::FindingsTextTried)));
            for x in &self.tried {
                let result = tried_word(tr, x.fixed);
                let said = tr.f(
                    Msg::FindingsTextTriedLine,
                    &[("advice", (&x.advice).into()), ("result", (&result).into())],
                );
                line(format!("- {said}"));
            }
        }
        if !self.answers.is_empty() {
            line(format!("\n{}", tr.t(Msg::FindingsTextAnswers)));
            for a in &self.answers {
                let args = [
                    ("question", (&a.question).into()),
                    ("answer", (&a.answer).into()),
                ];
                let said = match a.skip_note(tr) {
                    Some(note) => tr.f(
                        Msg::FindingsTextAnswerSkipped,
                        &[args[0], args[1], ("note", (&note).into())],
                    ),
                    None => tr.f(Msg::FindingsTextAnswer, &args),
                };
                line(format!("- {said}"));
            }
        }
        if let Some(s) = &self.server_name {
            line(format!(
                "\n{}",
                tr.f(Msg::FindingsTextServer, &[("server", s.into())])
            ));
        }
        if let Some(a) = &self.client_address {
            line(tr.f(
                Msg::FindingsTextClient,
                &[("address", (&a.to_string()).into())],
            ));
        }
        if !self.notes.is_empty() {
            line(format!(
                "\n{}\n{}",
                tr.t(Msg::FindingsTextNotes),
                self.notes
            ));
        }
        if !self.transcript.is_empty() {
            line(format!("\n{}", tr.t(Msg::FindingsTextSteps)));
            for l in &self.transcript {
                line(format!("{}  {}", utc(l.at_ms), l.what));
            }
        }
        if self.left_out > 0 {
            line(format!(
                "\n{}",
                tr.f(Msg::FindingsTextLeftOut, &[("n", self.left_out.into())])
            ));
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
        crate::i18n::testing::en(|tr| {
            assert_eq!(result_word(tr, Some(Resolution::Resolved)), "Fixed");
            assert_eq!(result_word(tr, Some(Resolution::Escalate)), "Needs support");
            assert_eq!(result_word(tr, None), "Not finished");
            assert_eq!(
                (tried_word(tr, true), tried_word(tr, false)),
                ("fixed it".to_string(), "did not help".to_string())
            );
            assert_eq!(outcome_word(tr, CheckOutcome::Unknown), "Could not run");
            assert_eq!(ticket_label(tr), "Ticket number");
            let mut a = Answer {
                node: "q".into(),
                question: "Do other sites open?".into(),
                answer: "Yes".into(),
                skipped_because: None,
                at_ms: 0,
            };
            assert_eq!(a.skip_note(tr), None);
            a.skipped_because = Some("Can you reach the internet? (ok)".into());
            assert_eq!(
                a.skip_note(tr).as_deref(),
                Some("(answered by the check: Can you reach the internet? (ok))")
            );
        });
    }

    #[test]
    fn figures_carry_their_unit_and_count() {
        crate::i18n::testing::en(|tr| {
            assert_eq!(figure_text(tr, 42, CheckName::HelperPing), "42 ms");
            assert_eq!(figure_text(tr, -3, CheckName::ClockSkew), "-3 s");
            assert_eq!(figure_text(tr, 1, CheckName::ServerResolve), "1 address");
            assert_eq!(figure_text(tr, 0, CheckName::ServerResolve), "0 addresses");
            assert_eq!(
                figure_text(tr, 2, CheckName::EgressAltPorts),
                "2 ports open"
            );
            assert_eq!(figure_text(tr, 7, CheckName::Platform), "7");
        });
    }
}
