//! The outcome step: the findings as they will be shared (a live preview, with
//! switches to leave out the address and the server name), a note for support,
//! and the findings link: sealed by the helper, with Copy, QR code and text.

use fixpath_core::findings::Findings;
use fixpath_core::link;
use yew::prelude::*;

use crate::components::findings_view::FindingsView;
use crate::components::qr_code::QrCodeView;
use crate::route::Route;
use crate::services::answer::use_answer;
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
    let copied = use_state(|| None::<&'static str>);
    let include_address = use_state(|| true);
    let include_server = use_state(|| true);
    let show_qr = use_state(|| false);

    // Exactly what the link will carry (the seal too: it carries the address
    // only when these findings do).
    let shared = props
        .state
        .session
        .shared(*include_address, *include_server);
    let payload = link::encode(&shared);
    let findings = Findings::new(&props.state.tree, &shared);

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
    let as_text = format!("{}\nFindings link: {url}\n", findings.to_text());

    let on_notes = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |e: InputEvent| {
            let value = e
                .target_unchecked_into::<web_sys::HtmlTextAreaElement>()
                .value();
            dispatch.dispatch(FlowAction::SetNotes(value));
        })
    };
    let copy = |text: String, done: &'static str| {
        let copied = copied.clone();
        Callback::from(move |_| {
            let text = text.clone();
            let copied = copied.clone();
            wasm_bindgen_futures::spawn_local(async move {
                copied.set(Some(if page::copy_text(&text).await {
                    done
                } else {
                    "Your browser did not allow copying: select the text and copy it by hand."
                }));
            });
        })
    };
    fn toggle<E>(s: &UseStateHandle<bool>) -> Callback<E> {
        let s = s.clone();
        Callback::from(move |_| s.set(!*s))
    }
    let on_print = Callback::from(|_| page::print());

    html! {
        <div class="outcome">
            <FindingsView findings={findings} heading={props.heading.clone()} />
            <label for="notes" class="notes-label">{ "Anything else support should know? (optional)" }</label>
            <textarea id="notes" rows="3" maxlength="500" value={props.state.session.notes.clone()} oninput={on_notes} />

            <h2>{ "Share with support" }</h2>
            <p>{ "The report above is exactly what the link contains. Leave out what you prefer not to share:" }</p>
            <div class="switches">
                if let Some(a) = props.state.session.client_address {
                    <label><input type="checkbox" checked={*include_address} onchange={toggle(&include_address)} />
                        { format!(" Include my network address ({a})") }</label>
                }
                if props.state.session.server_name.is_some() {
                    <label><input type="checkbox" checked={*include_server} onchange={toggle(&include_server)} />
                        { format!(" Include the VPN server name ({})", props.state.session.server_name.clone().unwrap_or_default()) }</label>
                }
            </div>
            <p class={classes!("seal-state", sealed.is_some().then_some("sealed"))} aria-live="polite">{
                match sealing {
                    Some(Ok(t)) => format!(
                        "Sealed by our helper (key {}), {}.",
                        t.key_id,
                        if t.client.is_some() { "with the address it saw" } else { "without your network address" }
                    ),
                    Some(Err(e)) => format!("Not sealed ({e}). The link still works; support will see it as not sealed."),
                    None => "Sealing the link with our helper…".to_string(),
                }
            }</p>
            <div class="link-row">
                <input class="findings-link" type="text" readonly=true value={url.clone()} aria-label="Findings link" />
                <button type="button" class="copy-link" onclick={copy(url.clone(), "Link copied.")}>{ "Copy" }</button>
            </div>
            <div class="share-actions">
                <button type="button" class="secondary" onclick={copy(as_text, "Report copied as text.")}>{ "Copy as text" }</button>
                <button type="button" class="secondary" onclick={toggle(&show_qr)} aria-expanded={show_qr.to_string()}>{ if *show_qr { "Hide QR code" } else { "Show QR code" } }</button>
                <button type="button" class="secondary" onclick={on_print}>{ "Print" }</button>
            </div>
            if *show_qr { <QrCodeView text={url} /> }
            <p class="copy-state" role="status">{ copied.unwrap_or("") }</p>
        </div>
    }
}
