//! The outcome step: the findings as they will be shared (a live preview, with
//! switches to leave out the address and the server name), the help-desk code
//! to read out on the phone, the team's contact line, a note for support, the
//! ticket number when the team asks for one, and the findings link: sealed by
//! the helper, with Copy, QR code and text, and handed to the team's ticket
//! system ("Open a ticket", "Email support").

use fixpath_core::code;
use fixpath_core::content::{self, TicketNumber, MAX_TICKET_CHARS};
use fixpath_core::findings::Findings;
use fixpath_core::link;
use yew::prelude::*;

use crate::components::findings_view::findings_view;
use crate::components::qr_code::qr_code_view;
use crate::i18n::{f, t, Msg};
use crate::route::Route;
use crate::services::answer::use_answer;
use crate::services::content::use_content;
use crate::services::{page, seal};
use crate::state::{FlowAction, FlowState};

#[derive(Properties, PartialEq)]
pub struct OutcomeStepProps {
    pub state: FlowState,
    pub heading: NodeRef,
    pub dispatch: UseReducerDispatcher<FlowState>,
}

#[component]
pub fn OutcomeStep(props: &OutcomeStepProps) -> Html {
    let copied = use_state(|| None::<Msg>);
    let include_address = use_state(|| true);
    let include_server = use_state(|| true);
    let show_qr = use_state(|| false);
    let content = use_content();
    let brand = &content.site.brand;
    // The ticket-number field as typed (the session holds only a number the
    // browser found valid), and whether the browser refused it.
    let typed = use_state(|| props.state.session.ticket.clone().unwrap_or_default());
    let invalid = use_state(|| false);

    // Exactly what the link will carry (the seal too: it carries the address
    // only when these findings do).
    let mut shared = props
        .state
        .session
        .shared(*include_address, *include_server);
    // The language the user reads, when it is not the tree's own: the report
    // says so (a link is otherwise the same in every language).
    let own = content
        .listing(&props.state.tree.id)
        .map_or("en", |l| l.lang.as_str());
    let reading = crate::i18n::lang();
    shared.lang = (!reading.is_empty() && reading != own).then_some(reading);
    let payload = link::encode(&shared);
    let findings = crate::i18n::with(|tr| Findings::new(tr, &props.state.tree, &shared));

    // Seal each payload the user might share; notes change it, so this re-runs.
    // Answers can arrive out of order (one request per keystroke): the seal of a
    // payload that has since changed is dropped, or it would go on a link it does
    // not fit. Nor does a new payload go out under the last one's seal: that seal
    // could carry the address the user just left out.
    let address = shared.client_address;
    let sealing = use_answer(payload.clone(), move |payload: &String| {
        let payload = payload.clone();
        async move { seal::request(&payload, address).await }
    });
    let sealing = sealing.as_deref();
    let sealed = match sealing {
        Some(Ok(t)) => Some(t),
        _ => None,
    };
    let fragment = match sealed {
        Some(t) => format!("{payload}.{}", t.encode()),
        None => payload.clone(),
    };
    let url = page::absolute_url(&Route::Report { payload: fragment }).unwrap_or_default();
    let as_text = format!(
        "{}\n{}\n",
        crate::i18n::with(|tr| findings.to_text(tr)),
        f(Msg::WalkOutcomeLinkLine, &[("url", (&url).into())])
    );
    // The hand-off carries the very link shown below, sealed when it is.
    let summary = crate::i18n::with(|tr| findings.summary(tr));
    let ticket = brand.ticket.as_ref();
    let open_ticket = ticket
        .and_then(|t| t.url.as_deref())
        .map(|template| content::ticket_url(template, &url, &summary));
    let email = ticket
        .and_then(|t| t.email.as_deref())
        .map(|to| content::mailto(to, &summary, &url));

    let on_notes = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |e: InputEvent| {
            let value = e
                .target_unchecked_into::<web_sys::HtmlTextAreaElement>()
                .value();
            dispatch.dispatch(FlowAction::SetNotes(value));
        })
    };
    let copy = |text: String, done: Msg| copy(&copied, text, done);
    // One handler type for the switches and the QR button (a checkbox's click,
    // by mouse or keyboard, is its change).
    fn toggle(s: &UseStateHandle<bool>) -> Callback<MouseEvent> {
        let s = s.clone();
        Callback::from(move |_| s.set(!*s))
    }
    let on_print = Callback::from(|_| page::print());

    html! {
        <div class="outcome">
            { findings_view(&findings, &props.heading, brand) }
            { help_code(code::encode(&props.state.tree, &props.state.session)) }
            if let Some(contact) = &brand.contact {
                <p class="contact help">{ contact }</p>
            }
            <label for="notes" class="notes-label">{ t(Msg::WalkOutcomeNotes) }</label>
            <textarea id="notes" rows="3" maxlength="500" value={props.state.session.notes.clone()} oninput={on_notes} />
            if let Some(number) = ticket.and_then(|t| t.number.as_ref()) {
                { ticket_field(number, &typed, &invalid, &props.dispatch) }
            }

            <h2>{ t(Msg::WalkOutcomeShare) }</h2>
            <p>{ t(Msg::WalkOutcomeShareLead) }</p>
            <div class="switches">
                if let Some(a) = props.state.session.client_address {
                    <label><input type="checkbox" checked={*include_address} onclick={toggle(&include_address)} />
                        { " " }{ f(Msg::WalkOutcomeIncludeAddress, &[("address", (&a.to_string()).into())]) }</label>
                }
                if let Some(name) = &props.state.session.server_name {
                    <label><input type="checkbox" checked={*include_server} onclick={toggle(&include_server)} />
                        { " " }{ f(Msg::WalkOutcomeIncludeServer, &[("name", name.into())]) }</label>
                }
            </div>
            <p class={classes!("seal-state", sealed.is_some().then_some("sealed"), sealing.is_none().then_some("sealing"))} aria-live="polite">{
                match sealing {
                    Some(Ok(s)) => f(
                        if s.client.is_some() { Msg::WalkOutcomeSealedWithAddress } else { Msg::WalkOutcomeSealedWithoutAddress },
                        &[("key", (&s.key_id).into())],
                    ),
                    Some(Err(e)) => f(Msg::WalkOutcomeNotSealed, &[("why", e.into())]),
                    None => t(Msg::WalkOutcomeSealing),
                }
            }</p>
            <div class="link-row">
                <input class="findings-link" type="text" readonly=true value={url.clone()} aria-label={t(Msg::WalkOutcomeLink)} />
                <button type="button" class="copy-link" onclick={copy(url.clone(), Msg::WalkOutcomeLinkCopied)}>{ t(Msg::WalkOutcomeCopy) }</button>
            </div>
            <div class="share-actions">
                <button type="button" class="secondary" onclick={copy(as_text, Msg::WalkOutcomeTextCopied)}>{ t(Msg::AppButtonCopyAsText) }</button>
                <button type="button" class="secondary" onclick={toggle(&show_qr)} aria-expanded={show_qr.to_string()}>{ t(if *show_qr { Msg::WalkOutcomeHideQr } else { Msg::WalkOutcomeShowQr }) }</button>
                <button type="button" class="secondary" onclick={on_print}>{ t(Msg::AppButtonPrint) }</button>
            </div>
            if open_ticket.is_some() || email.is_some() {
                <div class="share-actions handoff">
                    if let Some(href) = open_ticket {
                        <a class="open-ticket" {href} target="_blank" rel="noopener noreferrer">{ t(Msg::WalkOutcomeOpenTicket) }</a>
                    }
                    if let Some(href) = email {
                        <a class="email-support" {href}>{ t(Msg::WalkOutcomeEmail) }</a>
                    }
                </div>
            }
            if *show_qr { { qr_code_view(&url) } }
            <p class="copy-state" role="status">{ copy_state(*copied) }</p>
        </div>
    }
}

/// A Copy button's handler: copies `text`, then says `done` in `copied` (or
/// that the browser did not allow it). The report's Copy as text uses it too.
/// `copied` holds the message's key, so [`copy_state`] says it in the page's
/// language when it is shown.
pub fn copy(copied: &UseStateHandle<Option<Msg>>, text: String, done: Msg) -> Callback<MouseEvent> {
    let copied = copied.clone();
    Callback::from(move |_| {
        let text = text.clone();
        let copied = copied.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let said = if page::copy_text(&text).await {
                done
            } else {
                Msg::WalkOutcomeCopyRefused
            };
            copied.set(Some(said));
        });
    })
}

/// What the last Copy said ([`copy`]), in the page's language.
pub fn copy_state(copied: Option<Msg>) -> String {
    copied.map_or_else(String::new, t)
}

/// The walk's help-desk code, for the phone (the report shows it too).
pub fn help_code(code: Option<String>) -> Html {
    html! {
        if let Some(code) = code {
            <p class="help-code">{ t(Msg::WalkOutcomeHelpCode) }{ " " }<strong>{ code }</strong></p>
        }
    }
}

/// The team's ticket-number field. The browser checks what is typed against the
/// team's pattern (`checkValidity`); only a valid number goes into the session,
/// and so the link. An invalid one stays in the field, with why, and is not
/// carried.
fn ticket_field(
    number: &TicketNumber,
    typed: &UseStateHandle<String>,
    invalid: &UseStateHandle<bool>,
    dispatch: &UseReducerDispatcher<FlowState>,
) -> Html {
    let oninput = {
        let (typed, invalid) = (typed.clone(), invalid.clone());
        let dispatch = dispatch.clone();
        Callback::from(move |e: InputEvent| {
            let input = e.target_unchecked_into::<web_sys::HtmlInputElement>();
            let value = input.value();
            let valid = input.check_validity();
            invalid.set(!valid);
            typed.set(value.clone());
            dispatch.dispatch(FlowAction::SetTicket(valid.then_some(value)));
        })
    };
    let why = invalid.then(|| {
        let (label, typed) = ((&number.label).into(), (&**typed).into());
        match &number.example {
            Some(x) => f(
                Msg::WalkOutcomeTicketInvalidExample,
                &[("label", label), ("typed", typed), ("example", x.into())],
            ),
            None => f(
                Msg::WalkOutcomeTicketInvalid,
                &[("label", label), ("typed", typed)],
            ),
        }
    });
    html! {
        <div class="ticket-number">
            <label for="ticket-number">{ &number.label }</label>
            <input id="ticket-number" type="text" autocomplete="off" spellcheck="false"
                pattern={number.pattern.clone()} placeholder={number.example.clone()}
                maxlength={MAX_TICKET_CHARS.to_string()} value={(**typed).clone()} {oninput}
                aria-invalid={invalid.then_some("true")}
                aria-describedby={invalid.then_some("ticket-number-error")} />
            if let Some(why) = why {
                <p id="ticket-number-error" class="error ticket-error" role="alert">{ why }</p>
            }
        </div>
    }
}
