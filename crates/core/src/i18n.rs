//! The app's words in every language it ships: the message catalogs (written in
//! `crates/core/locales/LANG/*.toml`, checked and compiled by the build script),
//! messages formatted with their placeholders and plural forms, and the choice of
//! a language from what a reader asks for. Pure: plural rules and number formats
//! come from the caller (`Locale`: the browser's `Intl` in the app, CLDR data on
//! the command line), so no locale data ships twice.

include!(concat!(env!("OUT_DIR"), "/msg.rs"));

#[cfg(feature = "source")]
mod compiled {
    include!(concat!(env!("OUT_DIR"), "/catalogs.rs"));
}

/// A CLDR plural category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Plural {
    Zero,
    One,
    Two,
    Few,
    Many,
    Other,
}

impl Plural {
    const NAMES: [&'static str; 6] = ["zero", "one", "two", "few", "many", "other"];

    pub fn parse(s: &str) -> Option<Plural> {
        const ALL: [Plural; 6] = [
            Plural::Zero,
            Plural::One,
            Plural::Two,
            Plural::Few,
            Plural::Many,
            Plural::Other,
        ];
        Self::NAMES.iter().position(|n| *n == s).map(|i| ALL[i])
    }

    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

/// One message: plain text, or its plural forms (chosen by the argument `n`).
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    Text(String),
    Plural(Vec<(Plural, String)>),
}

/// What a catalog needs from the reader's locale: CLDR's plural rule and how
/// numbers are written.
pub trait Locale {
    fn plural(&self, n: f64) -> Plural;
    fn number(&self, n: f64) -> String;
}

/// A placeholder's value: text as it is, a number in the locale's digits.
#[derive(Debug, Clone, Copy)]
pub enum Arg<'a> {
    Text(&'a str),
    Num(f64),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(s: &'a str) -> Self {
        Arg::Text(s)
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(s: &'a String) -> Self {
        Arg::Text(s)
    }
}

macro_rules! num_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg<'_> {
            fn from(n: $t) -> Self {
                Arg::Num(n as f64)
            }
        }
    )*};
}
num_arg!(u8, u16, u32, u64, usize, i32, i64, f64);

/// One language's messages, in `Msg` order.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalog {
    /// The BCP 47 tag (`fr`).
    pub lang: String,
    /// The language's name in itself, for the switcher (`Français`).
    pub name: String,
    /// Written right to left.
    pub rtl: bool,
    messages: Vec<Message>,
}

impl Catalog {
    /// A catalog read from its served form; `None` unless it has every message.
    pub fn new(lang: String, name: String, rtl: bool, messages: Vec<Message>) -> Option<Catalog> {
        (messages.len() == KEYS.len()).then_some(Catalog {
            lang,
            name,
            rtl,
            messages,
        })
    }

    /// A catalog whose every message is empty: what a page has before a
    /// language is set (never, in a page that mounted). Empty rather than the
    /// keys, so the keys' text stays out of the wasm.
    pub fn blank() -> Catalog {
        Catalog {
            lang: String::new(),
            name: String::new(),
            rtl: false,
            messages: vec![Message::Text(String::new()); KEYS.len()],
        }
    }

    /// Every catalog Fixpath ships, English first (the command line's; the app
    /// fetches the one it needs from the helper).
    #[cfg(feature = "source")]
    pub fn shipped() -> Vec<Catalog> {
        compiled::DATA
            .iter()
            .map(|(lang, name, rtl, messages)| Catalog {
                lang: (*lang).to_string(),
                name: (*name).to_string(),
                rtl: *rtl,
                messages: messages
                    .iter()
                    .map(|forms| match forms {
                        [("", text)] => Message::Text((*text).to_string()),
                        forms => Message::Plural(
                            forms
                                .iter()
                                .filter_map(|(cat, s)| {
                                    Some((Plural::parse(cat)?, (*s).to_string()))
                                })
                                .collect(),
                        ),
                    })
                    .collect(),
            })
            .collect()
    }

    /// Every shipped catalog's served form, `(tag, JSON)`, in [`Catalog::shipped`]
    /// order: what the helper serves at `content::catalog_path`.
    #[cfg(feature = "source")]
    pub fn shipped_json() -> &'static [(&'static str, &'static str)] {
        compiled::SHIPPED
    }

    /// A message as written, placeholders unfilled (a plural message's `other`
    /// form): for text with nothing to fill, such as the page shell's.
    pub fn text(&self, m: Msg) -> &str {
        match self.messages.get(m as usize) {
            Some(Message::Text(s)) => s,
            Some(Message::Plural(forms)) => forms
                .iter()
                .find(|(c, _)| *c == Plural::Other)
                .map_or("", |(_, s)| s.as_str()),
            None => "",
        }
    }

    /// The message's text before placeholders are filled (a plural message's
    /// `other` form).
    fn pattern(&self, m: Msg, n: Option<f64>, loc: &dyn Locale) -> &str {
        match self.messages.get(m as usize) {
            Some(Message::Text(s)) => s,
            Some(Message::Plural(forms)) => {
                let want = n.map_or(Plural::Other, |n| loc.plural(n));
                forms
                    .iter()
                    .find(|(c, _)| *c == want)
                    .or_else(|| forms.iter().find(|(c, _)| *c == Plural::Other))
                    .map_or("", |(_, s)| s.as_str())
            }
            None => "",
        }
    }

    /// The message with its placeholders filled: `{name}` takes the argument of
    /// that name (a number in the locale's digits); a plural message picks its form
    /// by the argument `n`. A placeholder without an argument stays as written,
    /// where a test sees it.
    pub fn format(&self, m: Msg, args: &[(&str, Arg)], loc: &dyn Locale) -> String {
        let n = args.iter().find_map(|(k, a)| match (k, a) {
            (&"n", Arg::Num(n)) => Some(*n),
            _ => None,
        });
        let pattern = self.pattern(m, n, loc);
        let mut out = String::with_capacity(pattern.len() + 16);
        let mut rest = pattern;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else {
                rest = &rest[open..];
                break;
            };
            let name = &after[..close];
            match args.iter().find(|(k, _)| *k == name) {
                Some((_, Arg::Text(s))) => out.push_str(s),
                Some((_, Arg::Num(n))) => out.push_str(&loc.number(*n)),
                None => out.push_str(&rest[open..open + close + 2]),
            }
            rest = &after[close + 1..];
        }
        out.push_str(rest);
        out
    }
}

impl Msg {
    /// The message with this key (`app.tagline`), if there is one.
    pub fn by_key(key: &str) -> Option<Msg> {
        KEYS.iter().position(|k| *k == key).map(|i| ALL[i])
    }
}

/// A catalog with the locale that reads it: what anything that writes words for
/// people takes (`tr.t(Msg::…)`, `tr.f(Msg::…, &[("n", 3.into())])`).
#[derive(Clone, Copy)]
pub struct Tr<'a> {
    pub catalog: &'a Catalog,
    pub locale: &'a dyn Locale,
}

impl Tr<'_> {
    /// A message without placeholders.
    pub fn t(&self, m: Msg) -> String {
        self.catalog.format(m, &[], self.locale)
    }

    /// A message with its placeholders filled.
    pub fn f(&self, m: Msg, args: &[(&str, Arg)]) -> String {
        self.catalog.format(m, args, self.locale)
    }

    /// The language's tag.
    pub fn lang(&self) -> &str {
        &self.catalog.lang
    }
}

/// Of the languages `have` (tags), the best one for a reader who asks for
/// `wanted`, most wanted first: the first wanted tag that one of them matches
/// exactly (ignoring case), or by its language alone (`fr-CA` takes `fr`; `pt`
/// takes `pt-BR`). The one rule for the helper's `Accept-Language`, the
/// browser's languages and a remembered choice.
pub fn best<'a>(wanted: impl IntoIterator<Item = &'a str>, have: &[&str]) -> Option<usize> {
    let primary = |t: &str| {
        t.split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase()
    };
    for w in wanted {
        let w = w.trim();
        if w.is_empty() || w == "*" {
            continue;
        }
        if let Some(i) = have.iter().position(|h| h.eq_ignore_ascii_case(w)) {
            return Some(i);
        }
        let p = primary(w);
        if let Some(i) = have.iter().position(|h| primary(h) == p) {
            return Some(i);
        }
    }
    None
}

/// The tags of an `Accept-Language` header, most wanted first (by `q`, then by
/// order); `q=0` ones left out. At most 16 are read.
pub fn accept_language(header: &str) -> Vec<&str> {
    let mut tags: Vec<(&str, u16, usize)> = header
        .split(',')
        .take(16)
        .enumerate()
        .filter_map(|(i, item)| {
            let mut parts = item.split(';');
            let tag = parts.next()?.trim();
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1000), |q| {
                    q.trim()
                        .parse::<f32>()
                        .ok()
                        .filter(|q| (0.0..=1.0).contains(q))
                        .map(|q| (q * 1000.0) as u16)
                })?;
            (!tag.is_empty() && q > 0).then_some((tag, q, i))
        })
        .collect();
    tags.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
    tags.into_iter().map(|(t, _, _)| t).collect()
}

/// English words for the core's own tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// English's plural rule, with plain digits.
    pub(crate) struct English;
    impl Locale for English {
        fn plural(&self, n: f64) -> Plural {
            if n == 1.0 {
                Plural::One
            } else {
                Plural::Other
            }
        }
        fn number(&self, n: f64) -> String {
            format!("{n}")
        }
    }

    /// Runs `f` with the shipped English catalog.
    pub(crate) fn en<R>(f: impl FnOnce(Tr) -> R) -> R {
        let catalog = Catalog::shipped().remove(0);
        f(Tr {
            catalog: &catalog,
            locale: &English,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::testing::English;
    use super::*;

    fn catalog(messages: Vec<Message>) -> Catalog {
        let mut messages = messages;
        messages.resize(KEYS.len(), Message::Text(String::new()));
        Catalog::new("en".into(), "English".into(), false, messages).expect("every message")
    }

    #[test]
    fn placeholders_and_plurals_are_filled() {
        let c = catalog(vec![Message::Plural(vec![
            (Plural::One, "{n} check for {who}".into()),
            (Plural::Other, "{n} checks for {who}".into()),
        ])]);
        let m = ALL[0];
        assert_eq!(
            c.format(m, &[("n", 1u32.into()), ("who", "you".into())], &English),
            "1 check for you"
        );
        assert_eq!(
            c.format(m, &[("n", 3u32.into()), ("who", "you".into())], &English),
            "3 checks for you"
        );
        // No `n`: the other form; a missing argument stays visible.
        assert_eq!(c.format(m, &[], &English), "{n} checks for {who}");
    }

    #[test]
    fn an_unclosed_brace_is_text() {
        let c = catalog(vec![Message::Text("a { b".into())]);
        assert_eq!(c.format(ALL[0], &[], &English), "a { b");
    }

    #[test]
    fn a_catalog_must_have_every_message() {
        assert!(
            Catalog::new("en".into(), "English".into(), false, vec![]).is_none() || KEYS.is_empty()
        );
    }

    #[test]
    fn shipped_catalogs_read_back() {
        let all = Catalog::shipped();
        assert_eq!(all[0].lang, "en");
        assert_eq!(all.len(), Catalog::shipped_json().len());
        for c in &all {
            assert_eq!(c.messages.len(), KEYS.len(), "{}", c.lang);
        }
    }

    #[test]
    fn best_language() {
        let have = ["en", "de", "fr", "es", "ar"];
        assert_eq!(best(["fr-CA", "en"], &have), Some(2));
        assert_eq!(best(["pt-BR", "es"], &have), Some(3));
        assert_eq!(best(["AR"], &have), Some(4));
        assert_eq!(best(["ja"], &have), None);
        assert_eq!(best(["pt"], &["en", "pt-BR"]), Some(1));
    }

    #[test]
    fn accept_language_by_q() {
        assert_eq!(
            accept_language("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5"),
            ["fr-CH", "fr", "en", "de", "*"]
        );
        assert_eq!(accept_language("en;q=0.5, ar"), ["ar", "en"]);
        assert_eq!(accept_language("de;q=0, es"), ["es"]);
        assert_eq!(accept_language("x;q=abc"), Vec::<&str>::new());
        assert!(accept_language("").is_empty());
    }
}
