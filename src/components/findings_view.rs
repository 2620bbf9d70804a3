//! The findings as people read them: shared by the outcome step and the report.
//! A ticket number is shown under the team's name for it.

use fixpath_core::content::Brand;
use fixpath_core::findings::{figure_text, outcome_word, result_word, tried_word, Findings};
use yew::prelude::*;

use crate::i18n::{self, t, Msg};
use crate::services::clock;

/// What the team calls a ticket number: its field's label, else Fixpath's word.
pub fn ticket_label(brand: &Brand) -> String {
    match brand.ticket.as_ref().and_then(|t| t.number.as_ref()) {
        Some(n) => n.label.clone(),
        None => i18n::with(fixpath_core::findings::ticket_label),
    }
}

/// The findings `f`, the main heading focusable through `heading`, a ticket
/// number under the team's name for it (`brand`). A plain function, not a
/// component: it holds no state of its own.
pub fn findings_view(f: &Findings, heading: &NodeRef, brand: &Brand) -> Html {
    let label = ticket_label(brand);
    let ticket_label = label.as_str();
    let headline = i18n::with(|tr| result_word(tr, f.outcome.as_ref().map(|o| o.result)));
    html! {
        <article class="findings">
            <p class="kicker">{ headline }</p>
            <h1 ref={heading.clone()} tabindex="-1">{
                f.outcome.as_ref().map(|o| o.summary.clone()).unwrap_or_else(|| t(Msg::ReportFindingsUnfinished))
            }</h1>
            if let Some(ticket) = &f.ticket {
                <p class="ticket">{ i18n::f(Msg::ReportFindingsTicket, &[("label", ticket_label.into())]) }{ " " }<code>{ ticket }</code></p>
            }
            if let Some(o) = &f.outcome {
                <p class="cause">{ t(Msg::ReportFindingsCause) }{ " " }<code>{ &o.cause }</code></p>
                if let Some(help) = &o.help { <p class="help">{ help }</p> }
            }
            if !f.evidence.is_empty() {
                <h2>{ t(Msg::ReportFindingsChecked) }</h2>
                <ul class="evidence">
                    { for f.evidence.iter().map(|e| html! {
                        <li class={classes!("ev", e.outcome.as_str())}>
                            <span class="ev-state">{ i18n::with(|tr| outcome_word(tr, e.outcome)) }</span>
                            { " " }{ &e.text }
                            if let Some(fig) = e.figure {
                                { format!(" ({})", i18n::with(|tr| figure_text(tr, fig, e.check))) }
                            }
                            { " " }<span class="said">{ &e.said }</span>
                        </li>
                    }) }
                </ul>
            }
            if !f.tried.is_empty() {
                <h2>{ t(Msg::ReportFindingsTried) }</h2>
                <ul class="tried">
                    { for f.tried.iter().map(|t| html! {
                        <li>{ &t.advice }{ " — " }<strong>{ i18n::with(|tr| tried_word(tr, t.fixed)) }</strong></li>
                    }) }
                </ul>
            }
            if !f.answers.is_empty() {
                <h2>{ t(Msg::ReportFindingsAnswers) }</h2>
                <dl class="answers">
                    { for f.answers.iter().map(|a| html! {
                        <>
                            <dt>{ &a.question }</dt>
                            <dd>{ &a.answer }
                                if let Some(note) = i18n::with(|tr| a.skip_note(tr)) { <span class="skipped">{ " " }{ note }</span> }
                            </dd>
                        </>
                    }) }
                </dl>
            }
            if let Some(server) = &f.server_name {
                <p>{ t(Msg::ReportFindingsServer) }{ " " }<code>{ server }</code></p>
            }
            if !f.notes.is_empty() {
                <h2>{ t(Msg::ReportFindingsNotes) }</h2>
                <p class="notes">{ &f.notes }</p>
            }
            <details class="transcript">
                <summary>{ t(Msg::ReportFindingsTranscript) }</summary>
                <ol>
                    { for f.transcript.iter().map(|l| html! {
                        <li><time>{ clock::format_local(l.at_ms) }</time>{ " " }{ &l.what }</li>
                    }) }
                </ol>
            </details>
        </article>
    }
}
