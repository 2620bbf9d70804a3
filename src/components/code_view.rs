//! The support view of a help-desk code (`#/c/<code>`, or the box on the home
//! page): the code read against the site's trees (core's `code::decode`, the
//! version the listing offers now, fetched by the root), and its summary in the
//! words `fixpath decode` prints. A mistyped code is caught by its check
//! character and says so. Plain functions: the root fetches the tree.

use fixpath_core::code::{self, Code, CodeError};
use fixpath_core::content::Listing;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::components::load_error::alert;
use crate::i18n::{f, t, Msg};
use crate::route::Route;
use crate::services::content::{Content, TreeAnswer};
use crate::services::location;

/// The listing a code names, when the code reads and was made with the version
/// on offer now.
fn listing<'c>(content: &'c Content, text: &str) -> Result<&'c Listing, CodeError> {
    let code = Code::parse(text)?;
    let l = content
        .site
        .trees
        .iter()
        .find(|l| code.names(&l.id))
        .ok_or(CodeError::NoTree)?;
    match code.made_with(l.fingerprint) {
        true => Ok(l),
        false => Err(CodeError::OtherVersion(l.title.clone())),
    }
}

/// The tree version the root fetches for the code `text`, if any.
pub fn version(content: &Content, text: &str) -> Option<(String, u64)> {
    listing(content, text)
        .ok()
        .map(|l| (l.id.clone(), l.fingerprint))
}

/// The box staff type a code into; Show opens `#/c/<code>`.
pub fn code_form(value: &str) -> Html {
    let onsubmit = Callback::from(|e: SubmitEvent| {
        e.prevent_default();
        let input = e
            .target_unchecked_into::<web_sys::Element>()
            .query_selector("input")
            .ok()
            .flatten();
        if let Some(input) = input {
            let typed = input.unchecked_into::<web_sys::HtmlInputElement>().value();
            // Spaces and slashes would not survive the address; the code ignores spaces.
            let code = typed
                .chars()
                .filter(|c| !c.is_ascii_whitespace() && *c != '/')
                .collect();
            location::push(&Route::Code { code });
        }
    });
    html! {
        <form class="code-form" {onsubmit}>
            <label for="help-code">{ t(Msg::ReportCodeLabel) }</label>
            <input id="help-code" type="text" autocomplete="off" spellcheck="false"
                placeholder={f(Msg::ReportCodeExample, &[("code", "ZTP-591-3WJ9".into())])} value={value.to_string()} />
            <button type="submit">{ t(Msg::ReportCodeShow) }</button>
        </form>
    }
}

/// The support view of the code `text`, once `tree` (the version it names) is
/// fetched.
pub fn code_page(
    text: &str,
    content: &Content,
    tree: &TreeAnswer,
    on_retry: Callback<MouseEvent>,
) -> Html {
    let body = match (listing(content, text), tree.as_deref()) {
        (Err(e), _) => refused(e),
        (Ok(_), Some(Ok(tree))) => match code::decode(text, std::slice::from_ref(&**tree)) {
            // The tree, the outcome, then each check.
            Ok(s) => html! {
                <ul class="code-summary">
                    { for crate::i18n::with(|tr| s.lines(tr, tree)).into_iter().map(|l| html! { <li>{ l }</li> }) }
                </ul>
            },
            Err(e) => refused(e),
        },
        (Ok(_), Some(Err(e))) => alert(
            "load-error",
            t(Msg::ReportCodeLoadFailed),
            e.explain(),
            Some(on_retry),
        ),
        (Ok(_), None) => {
            html! { <p class="running" aria-busy="true">{ t(Msg::ReportCodeLoading) }</p> }
        }
    };
    html! {
        <section class="support" aria-labelledby="support-title">
            <h1 id="support-title">{ t(Msg::ReportCodeLabel) }</h1>
            { code_form(text) }
            { body }
        </section>
    }
}

/// Why the code cannot be read (a typo, another version, …).
fn refused(e: CodeError) -> Html {
    html! { <p class="error code-error" role="alert">{ crate::i18n::with(|tr| e.explain(tr)) }</p> }
}
