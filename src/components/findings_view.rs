//! The findings as people read them: shared by the outcome step and the report.
//! A ticket number is shown under the team's name for it.

use fixpath_core::content::Brand;
use fixpath_core::findings::{
    figure_text, outcome_word, result_word, tried_word, Findings, TICKET_LABEL,
};
use yew::prelude::*;

use crate::services::clock;

/// What the team calls a ticket number: its field's label, else Fixpath's word.
pub fn ticket_label(brand: &Brand) -> &str {
    brand
        .ticket
        .as_ref()
        .and_then(|t| t.number.as_ref())
        .map_or(TICKET_LABEL, |n| n.label.as_str())
}

/// The findings `f`, the main heading focusable through `heading`, a ticket
/// number under the team's name for it (`brand`). A plain function, not a
/// component: it holds no state of its own.
pub fn findings_view(f: &Findings, heading: &NodeRef, brand: &Brand) -> Html {
    let ticket_label = ticket_label(brand);
    let headline = result_word(f.outcome.as_ref().map(|o| o.result));
    html! {
        <article class="findings">
            <p class="kicker">{ headline }</p>
            <h1 ref={heading.clone()} tabindex="-1">{
                f.outcome.as_ref().map(|o| o.summary.clone()).unwrap_or_else(|| "The troubleshooter was not finished.".to_string())
            }</h1>
            if let Some(ticket) = &f.ticket {
                <p class="ticket">{ ticket_label }{ ": " }<code>{ ticket }</code></p>
            }
            if let Some(o) = &f.outcome {
                <p class="cause">{ "Likely cause: " }<code>{ &o.cause }</code></p>
                if let Some(help) = &o.help { <p class="help">{ help }</p> }
            }
            if !f.evidence.is_empty() {
                <h2>{ "What we checked" }</h2>
                <ul class="evidence">
                    { for f.evidence.iter().map(|e| html! {
                        <li class={classes!("ev", e.outcome.as_str())}>
                            <span class="ev-state">{ outcome_word(e.outcome) }</span>
                            { " " }{ &e.text }
                            if let Some(fig) = e.figure {
                                { format!(" ({})", figure_text(fig, e.unit)) }
                            }
                            { " " }<span class="said">{ &e.said }</span>
                        </li>
                    }) }
                </ul>
            }
            if !f.tried.is_empty() {
                <h2>{ "What was tried" }</h2>
                <ul class="tried">
                    { for f.tried.iter().map(|t| html! {
                        <li>{ &t.advice }{ " — " }<strong>{ tried_word(t.fixed) }</strong></li>
                    }) }
                </ul>
            }
            if !f.answers.is_empty() {
                <h2>{ "Answers" }</h2>
                <dl class="answers">
                    { for f.answers.iter().map(|a| html! {
                        <>
                            <dt>{ &a.question }</dt>
                            <dd>{ &a.answer }
                                if let Some(note) = a.skip_note() { <span class="skipped">{ " " }{ note }</span> }
                            </dd>
                        </>
                    }) }
                </dl>
            }
            if let Some(server) = &f.server_name {
                <p>{ "VPN server as typed: " }<code>{ server }</code></p>
            }
            if !f.notes.is_empty() {
                <h2>{ "Notes" }</h2>
                <p class="notes">{ &f.notes }</p>
            }
            <details class="transcript">
                <summary>{ "Every step, with times" }</summary>
                <ol>
                    { for f.transcript.iter().map(|l| html! {
                        <li><time>{ clock::format_local(l.at_ms) }</time>{ " " }{ &l.what }</li>
                    }) }
                </ol>
            </details>
        </article>
    }
}
