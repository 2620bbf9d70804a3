//! The command line's words: one of the shipped message catalogs, chosen by
//! `--lang` or the environment's locale (`LC_ALL`, `LC_MESSAGES`, `LANG`, the
//! first that is set), read with CLDR's plural rule for its language
//! (`intl_pluralrules`) and plain digits. English when nothing matches.

use fixpath_core::i18n::{self, Catalog, Locale, Plural, Tr};
use intl_pluralrules::{PluralCategory, PluralRuleType, PluralRules};
use unic_langid::LanguageIdentifier;

/// The environment variables that name the locale, most binding first (POSIX).
pub const LOCALE_VARS: [&str; 3] = ["LC_ALL", "LC_MESSAGES", "LANG"];

/// A catalog and the rules that read it.
pub struct Words {
    catalog: Catalog,
    locale: Cldr,
}

/// The language chosen, and what was asked for when that was not to be had.
pub struct Chosen {
    pub words: Words,
    /// A `--lang` no shipped catalog matches (the words are then English).
    pub unknown: Option<String>,
}

impl Words {
    /// The shipped catalog of `lang` (matched by `i18n::best`), else English.
    fn of(catalogs: Vec<Catalog>, index: usize) -> Words {
        let mut catalogs = catalogs;
        let catalog = if index < catalogs.len() {
            catalogs.swap_remove(index)
        } else {
            catalogs.swap_remove(0)
        };
        let locale = Cldr::new(&catalog.lang);
        Words { catalog, locale }
    }

    /// The English catalog, with English's plural rule.
    pub fn english() -> Words {
        Words::of(Catalog::shipped(), 0)
    }

    /// The language for `flag` (`--lang`), else for the environment's locale as
    /// `env` reads its variables; English when none matches a shipped catalog.
    pub fn choose(flag: Option<&str>, env: impl Fn(&str) -> Option<String>) -> Chosen {
        let catalogs = Catalog::shipped();
        let tags: Vec<&str> = catalogs.iter().map(|c| c.lang.as_str()).collect();
        let (wanted, from_flag) = match flag {
            Some(f) => (Some(f.trim().replace('_', "-")), true),
            None => (
                LOCALE_VARS
                    .iter()
                    .find_map(|v| env(v).filter(|s| !s.is_empty()))
                    .and_then(|v| tag_of_locale(&v)),
                false,
            ),
        };
        let index = wanted.as_deref().and_then(|w| i18n::best([w], &tags));
        let unknown = match (&wanted, index, from_flag) {
            (Some(w), None, true) => Some(w.clone()),
            _ => None,
        };
        Chosen {
            words: Words::of(catalogs, index.unwrap_or(0)),
            unknown,
        }
    }

    pub fn tr(&self) -> Tr<'_> {
        Tr {
            catalog: &self.catalog,
            locale: &self.locale,
        }
    }

    /// The tags of every shipped catalog, English first (`en, de, fr`).
    pub fn shipped_tags() -> String {
        Catalog::shipped()
            .iter()
            .map(|c| c.lang.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The language tag of a POSIX locale name: `fr_FR.UTF-8@euro` is `fr-FR`;
/// `C` and `POSIX` name no language.
fn tag_of_locale(value: &str) -> Option<String> {
    let name = value.split(['.', '@']).next().unwrap_or_default().trim();
    match name {
        "" | "C" | "POSIX" => None,
        name => Some(name.replace('_', "-")),
    }
}

/// CLDR's cardinal plural rule for one language, and plain digits.
struct Cldr {
    rules: Option<PluralRules>,
}

impl Cldr {
    fn new(lang: &str) -> Cldr {
        let rules = lang
            .parse::<LanguageIdentifier>()
            .ok()
            .and_then(|id| PluralRules::create(id, PluralRuleType::CARDINAL).ok());
        Cldr { rules }
    }
}

impl Locale for Cldr {
    fn plural(&self, n: f64) -> Plural {
        let Some(rules) = &self.rules else {
            // A language CLDR does not know: English's rule.
            return if n == 1.0 { Plural::One } else { Plural::Other };
        };
        match rules.select(n) {
            Ok(PluralCategory::ZERO) => Plural::Zero,
            Ok(PluralCategory::ONE) => Plural::One,
            Ok(PluralCategory::TWO) => Plural::Two,
            Ok(PluralCategory::FEW) => Plural::Few,
            Ok(PluralCategory::MANY) => Plural::Many,
            Ok(PluralCategory::OTHER) | Err(_) => Plural::Other,
        }
    }

    /// Plain digits: a terminal's reader copies them as they are.
    fn number(&self, n: f64) -> String {
        format!("{n}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            vars.iter()
                .find(|(v, _)| *v == k)
                .map(|(_, s)| s.to_string())
        }
    }

    #[test]
    fn locale_names_read_as_tags() {
        assert_eq!(tag_of_locale("fr_FR.UTF-8").as_deref(), Some("fr-FR"));
        assert_eq!(tag_of_locale("de_DE@euro").as_deref(), Some("de-DE"));
        assert_eq!(tag_of_locale("en").as_deref(), Some("en"));
        assert_eq!(tag_of_locale("C.UTF-8"), None);
        assert_eq!(tag_of_locale("POSIX"), None);
        assert_eq!(tag_of_locale(""), None);
    }

    #[test]
    fn the_flag_then_the_first_variable_set_then_english() {
        let c = Words::choose(Some("en"), env(&[]));
        assert_eq!((c.words.catalog.lang.as_str(), c.unknown), ("en", None));
        // An unknown flag falls back to English and says so.
        let c = Words::choose(Some("xx"), env(&[("LANG", "en_GB.UTF-8")]));
        assert_eq!(
            (c.words.catalog.lang.as_str(), c.unknown.as_deref()),
            ("en", Some("xx"))
        );
        // An unknown locale in the environment is English without a word.
        let c = Words::choose(
            None,
            env(&[
                ("LC_ALL", ""),
                ("LC_MESSAGES", "ja_JP.UTF-8"),
                ("LANG", "en"),
            ]),
        );
        assert_eq!((c.words.catalog.lang.as_str(), c.unknown), ("en", None));
        let c = Words::choose(None, env(&[("LANG", "C.UTF-8")]));
        assert_eq!((c.words.catalog.lang.as_str(), c.unknown), ("en", None));
        // Every shipped language is found by its locale name.
        for catalog in Catalog::shipped() {
            let locale = format!("{}_XX.UTF-8", catalog.lang);
            let c = Words::choose(None, env(&[("LC_MESSAGES", &locale)]));
            assert_eq!(c.words.catalog.lang, catalog.lang);
        }
    }

    #[test]
    fn plural_rules_are_cldr_s() {
        let en = Cldr::new("en");
        assert_eq!(
            (en.plural(1.0), en.plural(0.0), en.plural(2.0)),
            (Plural::One, Plural::Other, Plural::Other)
        );
        let ar = Cldr::new("ar");
        assert_eq!(
            [0.0, 1.0, 2.0, 3.0, 11.0, 100.0].map(|n| ar.plural(n)),
            [
                Plural::Zero,
                Plural::One,
                Plural::Two,
                Plural::Few,
                Plural::Many,
                Plural::Other
            ]
        );
        let fr = Cldr::new("fr");
        assert_eq!(
            (fr.plural(0.0), fr.plural(1.0), fr.plural(2.0)),
            (Plural::One, Plural::One, Plural::Other)
        );
        assert_eq!(Cldr::new("zz-unknown").plural(1.0), Plural::One);
        assert_eq!(en.number(1723.0), "1723");
    }
}
