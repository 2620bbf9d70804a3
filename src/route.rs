//! The app's typed routes. Hash routing keeps the findings payload in the URL
//! fragment, which browsers never send to a server.

use yew_router::prelude::*;

#[derive(Routable, Clone, PartialEq, Eq, Debug)]
pub enum Route {
    /// The list of troubleshooters.
    #[at("/")]
    Home,
    /// Walking one troubleshooter.
    #[at("/t/:tree")]
    Flow { tree: String },
    /// A step of a walk: the browser's back and forward buttons move between steps.
    #[at("/t/:tree/:step")]
    FlowStep { tree: String, step: usize },
    /// The read-only report a findings link opens.
    #[at("/r/:payload")]
    Report { payload: String },
    #[not_found]
    #[at("/404")]
    NotFound,
}
