//! `use_answer`: async work keyed on an input, as components fetch. An answer that
//! arrives after its input changed is dropped (after yew's `use_future_with`), so
//! a slow answer for an earlier input never replaces, or stands in for, the
//! answer for the current one.

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;

use yew::prelude::*;

/// The answer of `work` for the current `input`, or `None` while it runs.
///
/// `work` is started (after render, as an effect) on the first render and again
/// whenever `input` changes. An answer is kept with the input it answers and shown
/// only while that is still the input: in the render where the input changes, the
/// last answer is no longer shown; and an answer for an earlier input that arrives
/// late is dropped, as are answers arriving after the component has gone.
#[hook]
pub fn use_answer<D, F, Fut>(input: D, work: F) -> Option<Rc<Fut::Output>>
where
    D: Clone + PartialEq + 'static,
    F: FnOnce(&D) -> Fut + 'static,
    Fut: Future + 'static,
{
    let answer = use_state(|| None::<(D, Rc<Fut::Output>)>);
    {
        let answer = answer.clone();
        use_effect_with(input.clone(), move |input| {
            let running = work(input);
            let input = input.clone();
            // Cleared when the input changes again or the component goes.
            let current = Rc::new(Cell::new(true));
            let still_current = Rc::clone(&current);
            wasm_bindgen_futures::spawn_local(async move {
                let out = running.await;
                if still_current.get() {
                    answer.set(Some((input, Rc::new(out))));
                }
            });
            move || current.set(false)
        });
    }
    match &*answer {
        Some((answered, out)) if *answered == input => Some(Rc::clone(out)),
        _ => None,
    }
}
