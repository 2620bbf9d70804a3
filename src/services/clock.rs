//! The browser's clock, read here so components and reducers stay pure.

/// Milliseconds since the Unix epoch, from the browser (`Date.now()`).
pub fn now_ms() -> u64 {
    #[cfg(target_arch = "wasm32")]
    {
        let ms = js_sys::Date::now();
        if ms.is_finite() && ms > 0.0 {
            return ms as u64;
        }
        0
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0
    }
}

/// A timestamp in the reader's own time zone, in the page's language (the
/// browser's `Intl`).
pub fn format_local(ms: u64) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
        let lang = crate::i18n::lang();
        let lang = if lang.is_empty() {
            "default"
        } else {
            lang.as_str()
        };
        String::from(d.to_locale_string(lang, &wasm_bindgen::JsValue::UNDEFINED))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        format!("{ms} ms")
    }
}
