//! The page's words: the catalog of the language in use with the browser's
//! `Intl` (plural rules, digits), held for the page so that components and the
//! plain functions that render pages write every sentence through [`t`] and [`f`]
//! without carrying a catalog through their arguments. The root component sets it
//! (`set`) before anything renders, and again when the reader switches language;
//! components that keep state re-render then through the `Lang` context.

use std::cell::RefCell;
use std::rc::Rc;

pub use fixpath_core::i18n::{Arg, Msg};
use fixpath_core::i18n::{Catalog, Locale, Plural, Tr};

/// A language's catalog and the browser's rules for it.
pub struct Words {
    catalog: Catalog,
    locale: BrowserLocale,
}

impl Words {
    pub fn new(catalog: Catalog) -> Words {
        let locale = BrowserLocale::new(&catalog.lang);
        Words { catalog, locale }
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    pub fn tr(&self) -> Tr<'_> {
        Tr {
            catalog: &self.catalog,
            locale: &self.locale,
        }
    }
}

impl PartialEq for Words {
    fn eq(&self, other: &Self) -> bool {
        self.catalog.lang == other.catalog.lang
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Rc<Words>>> = const { RefCell::new(None) };
}

/// Makes `words` the page's language.
pub fn set(words: Rc<Words>) {
    CURRENT.with(|c| *c.borrow_mut() = Some(words));
}

/// The page's language, once one is set.
pub fn current() -> Option<Rc<Words>> {
    CURRENT.with(|c| c.borrow().clone())
}

/// Runs `f` with the page's words. Before a language is set (never, in a page
/// that mounted) every message is empty.
pub fn with<R>(f: impl FnOnce(Tr) -> R) -> R {
    match current() {
        Some(w) => f(w.tr()),
        None => f(Tr {
            catalog: &Catalog::blank(),
            locale: &BrowserLocale::new("en"),
        }),
    }
}

/// A message without placeholders, in the page's language.
pub fn t(m: Msg) -> String {
    with(|tr| tr.t(m))
}

/// A message with its placeholders filled, in the page's language.
pub fn f(m: Msg, args: &[(&str, Arg)]) -> String {
    with(|tr| tr.f(m, args))
}

/// The page language's tag (`""` before one is set).
pub fn lang() -> String {
    current()
        .map(|w| w.catalog.lang.clone())
        .unwrap_or_default()
}

/// The browser's plural rules and number format for one language.
struct BrowserLocale {
    #[cfg(target_arch = "wasm32")]
    plurals: js_sys::Intl::PluralRules,
    #[cfg(target_arch = "wasm32")]
    numbers: js_sys::Function,
}

impl BrowserLocale {
    fn new(lang: &str) -> BrowserLocale {
        #[cfg(target_arch = "wasm32")]
        {
            let locales = js_sys::Array::of1(&lang.into());
            let options = js_sys::Object::new();
            BrowserLocale {
                plurals: js_sys::Intl::PluralRules::new(&locales, &options),
                numbers: js_sys::Intl::NumberFormat::new(&locales, &options).format(),
            }
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            let _ = lang;
            BrowserLocale {}
        }
    }
}

impl Locale for BrowserLocale {
    fn plural(&self, n: f64) -> Plural {
        #[cfg(target_arch = "wasm32")]
        {
            let cat = String::from(self.plurals.select(n));
            Plural::parse(&cat).unwrap_or(Plural::Other)
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            if n == 1.0 {
                Plural::One
            } else {
                Plural::Other
            }
        }
    }

    fn number(&self, n: f64) -> String {
        #[cfg(target_arch = "wasm32")]
        {
            self.numbers
                .call1(&wasm_bindgen::JsValue::NULL, &n.into())
                .ok()
                .and_then(|v| v.as_string())
                // Never without Intl; and Rust's float formatting would cost the
                // wasm some kilobytes.
                .unwrap_or_default()
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            n.to_string()
        }
    }
}
