//! The read-only report a findings link opens, for support staff.

use fixpath_core::findings::Findings;
use fixpath_core::link;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::catalog;
use crate::components::findings_view::FindingsView;
use crate::route::Route;

#[derive(Properties, PartialEq)]
pub struct ReportProps {
    /// The link payload from the URL fragment.
    pub payload: String,
}

#[component]
pub fn Report(props: &ReportProps) -> Html {
    let trees = catalog::plain_trees();
    let body = match link::decode(&props.payload, &trees) {
        Ok(decoded) => match trees.get(decoded.tree) {
            Some(tree) => {
                let findings = Findings::new(tree, &decoded.session);
                html! {
                    <>
                        <p class="badge unsealed" role="status">{ "Not sealed: this report has not been checked by the helper." }</p>
                        <p class="report-tree">{ format!("{} — version {}", tree.title, tree.version) }</p>
                        if decoded.tree_changed || decoded.fits.is_err() {
                            <p class="warning" role="note">{
                                format!("This link was made with another version of this troubleshooter (version {}); we show what still fits.", decoded.session.tree_version)
                            }</p>
                        }
                        <FindingsView {findings} />
                    </>
                }
            }
            None => html! { <p class="error">{ "This link names a troubleshooter we cannot show." }</p> },
        },
        Err(e) => html! {
            <div class="error" role="alert">
                <h1>{ "This findings link cannot be read" }</h1>
                <p>{ e.to_string() }</p>
            </div>
        },
    };
    html! {
        <section class="report" aria-label="Findings report">
            { body }
            <p class="report-foot"><Link<Route> to={Route::Home}>{ "Fixpath home" }</Link<Route>></p>
        </section>
    }
}
