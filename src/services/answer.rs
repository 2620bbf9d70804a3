//! `use_answer`: async work keyed on an input, as components fetch. An answer that
//! arrives after its input changed is dropped (after yew's `use_future_with`), so
//! a slow answer for an earlier input never replaces, or stands in for, the
//! answer for the current one.
//!
//! The hook is a thin typed layer over one untyped core (`use_generation`):
//! each input gets a generation number, and the core keeps an answer with the
//! generation it answers. So the bundle carries Yew's state and effect machinery
//! once, not once per kind of answer.

use std::any::Any;
use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;

use futures_util::future::LocalBoxFuture;
use futures_util::FutureExt;
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
    // The input's generation: bumped in the very render where the input changes.
    let last = use_mut_ref(|| (input.clone(), 0u32));
    let generation = {
        let mut last = last.borrow_mut();
        if last.0 != input {
            *last = (input.clone(), last.1.wrapping_add(1));
        }
        last.1
    };
    let start: Start = Box::new(move || {
        let running = work(&input);
        async move { Rc::new(running.await) as Rc<dyn Any> }.boxed_local()
    });
    use_generation(generation, start)?.downcast().ok()
}

/// Starts the work of one generation.
type Start = Box<dyn FnOnce() -> LocalBoxFuture<'static, Rc<dyn Any>>>;

/// The untyped core: runs `start` as an effect whenever `generation` changes and
/// returns its answer while it still answers the current generation.
#[hook]
fn use_generation(generation: u32, start: Start) -> Option<Rc<dyn Any>> {
    let answer = use_state(|| None::<(u32, Rc<dyn Any>)>);
    {
        let answer = answer.clone();
        use_effect_with(generation, move |generation| {
            let running = start();
            let generation = *generation;
            // Cleared when the generation changes again or the component goes.
            let current = Rc::new(Cell::new(true));
            let still_current = Rc::clone(&current);
            wasm_bindgen_futures::spawn_local(async move {
                let out = running.await;
                if still_current.get() {
                    answer.set(Some((generation, out)));
                }
            });
            move || current.set(false)
        });
    }
    match &*answer {
        Some((answered, out)) if *answered == generation => Some(Rc::clone(out)),
        _ => None,
    }
}
