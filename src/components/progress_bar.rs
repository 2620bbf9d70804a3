//! The progress bar: steps taken against the longest path still ahead.

use yew::prelude::*;

use crate::i18n::{t, Msg};

/// The bar for `value`, 0.0 to 1.0.
pub fn progress_bar(value: f64) -> Html {
    let pct = (value.clamp(0.0, 1.0) * 100.0).round() as u32;
    html! {
        <div class="progress" role="progressbar" aria-label={t(Msg::AppProgressLabel)}
             aria-valuemin="0" aria-valuemax="100" aria-valuenow={pct.to_string()}>
            <div class="progress-fill" style={format!("width: {pct}%")}></div>
        </div>
    }
}
