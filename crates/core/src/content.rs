//! A support team's content as the helper serves it and the app reads it: the
//! site document (the brand and the list of troubleshooters, each with the
//! address of its current version), the brand's rules (an accent colour must
//! pass WCAG AA), the ticket hand-off (a URL template, a `mailto:`, a ticket
//! number), and the addresses of tree versions. `brand.toml` is read and checked
//! here too (feature `source`), so `fixpath lint` and `fixpath serve` say the same.

use serde::{Deserialize, Serialize};

use crate::model::Tree;

/// The site document: the brand and the troubleshooters on offer, in listing
/// order. Served at a content-addressed URL that the page names.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Site {
    pub brand: Brand,
    pub trees: Vec<Listing>,
    /// The languages the app speaks, English first, each with its catalog's address.
    #[serde(default)]
    pub languages: Vec<Language>,
}

/// A language the app speaks: what the switcher offers and where its catalog is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Language {
    /// BCP 47 tag (`fr`).
    pub tag: String,
    /// Its name in itself (`Français`).
    pub name: String,
    pub rtl: bool,
    /// Where its catalog is served (`/content/ui.fr.<digest>.json`, immutable).
    pub catalog: String,
}

impl Site {
    /// The language with this tag, if the app speaks it.
    pub fn language(&self, tag: &str) -> Option<&Language> {
        self.languages.iter().find(|l| l.tag == tag)
    }

    /// Every tag the app speaks, in the site's order.
    pub fn tags(&self) -> Vec<&str> {
        self.languages.iter().map(|l| l.tag.as_str()).collect()
    }

    /// The site as a reader of `lang` sees it: the brand's words and each
    /// listing's title and symptom in that language where they are translated
    /// (the page shell and the app both show this).
    pub fn in_lang(&self, lang: &str) -> Site {
        let mut site = self.clone();
        site.brand = self.brand.in_lang(lang);
        for l in &mut site.trees {
            if let Some(w) = l.translations.iter().find(|w| w.lang == lang) {
                l.title = w.title.clone();
                l.symptom = w.symptom.clone();
            }
        }
        site
    }
}

/// One troubleshooter on offer: what the home page lists, and where its current
/// version is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Listing {
    pub id: String,
    pub title: String,
    pub symptom: String,
    pub version: u32,
    #[serde(with = "crate::model::hex64")]
    pub fingerprint: u64,
    /// The language the tree is written in.
    #[serde(default = "crate::model::english")]
    pub lang: String,
    /// The languages this version is translated into (see [`translation_path`]),
    /// each with its title and symptom for the list.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub translations: Vec<ListingWords>,
}

/// A listing's words in another language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListingWords {
    pub lang: String,
    pub title: String,
    pub symptom: String,
}

impl Listing {
    /// Whether this version is translated into `lang`.
    pub fn translated_into(&self, lang: &str) -> bool {
        self.translations.iter().any(|w| w.lang == lang)
    }
}

impl Listing {
    pub fn of(tree: &Tree) -> Listing {
        Listing {
            id: tree.id.clone(),
            title: tree.title.clone(),
            symptom: tree.symptom.clone(),
            version: tree.version,
            fingerprint: tree.fingerprint,
            lang: tree.lang.clone(),
            translations: Vec::new(),
        }
    }

    /// Where this version of the tree is served.
    pub fn path(&self) -> String {
        tree_path(&self.id, self.fingerprint)
    }
}

/// Where the helper serves every content file: tree versions, the site
/// document, the logo. Everything under it is content-addressed and immutable.
pub const CONTENT_PREFIX: &str = "/content/";

/// Where one version of a tree is served (and, in the helper's state directory,
/// kept under the same file name): its id and its fingerprint, so a link names
/// the very version it was made with.
pub fn tree_path(id: &str, fingerprint: u64) -> String {
    format!("{CONTENT_PREFIX}{}", tree_file(id, fingerprint))
}

/// The file name of one version of a tree: `<id>.<fingerprint>.json`.
pub fn tree_file(id: &str, fingerprint: u64) -> String {
    format!("{id}.{}.json", crate::model::hex64::text(fingerprint))
}

/// Where one version's translation into `lang` is served: a tree version the
/// helper knows always answers there, with `null` when it has no such
/// translation (the report of an old link cannot know beforehand).
pub fn translation_path(id: &str, fingerprint: u64, lang: &str) -> String {
    format!(
        "{CONTENT_PREFIX}{}",
        translation_file(id, fingerprint, lang)
    )
}

/// The file name of a translation: `<id>.<fingerprint>.<lang>.json`.
pub fn translation_file(id: &str, fingerprint: u64, lang: &str) -> String {
    format!(
        "{id}.{}.{lang}.json",
        crate::model::hex64::text(fingerprint)
    )
}

/// Reads a translation's file name back into the tree's id and fingerprint and
/// the language.
pub fn parse_translation_file(name: &str) -> Option<(&str, u64, &str)> {
    let (version, lang) = name.strip_suffix(".json")?.rsplit_once('.')?;
    let (id, fp) = parse_version(version)?;
    crate::translation::is_lang_tag(lang).then_some((id, fp, lang))
}

/// Reads a tree version's file name back into its id and fingerprint.
pub fn parse_tree_file(name: &str) -> Option<(&str, u64)> {
    parse_version(name.strip_suffix(".json")?)
}

/// `<id>.<fingerprint>` as its parts.
fn parse_version(stem: &str) -> Option<(&str, u64)> {
    let (id, fp) = stem.rsplit_once('.')?;
    let ok_id = !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    Some((id, crate::model::hex64::parse(fp)?)).filter(|_| ok_id)
}

/// The team's look and contact, and how findings reach their tickets. With no
/// `brand.toml`, Fixpath's own ([`Brand::default`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Brand {
    /// The name in the header.
    pub name: String,
    /// The page title (the browser tab).
    pub title: String,
    /// The accent colour, `#rrggbb` (checked against WCAG AA); `None`: Fixpath's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accent: Option<String>,
    /// The logo: in `brand.toml`, a file in the content directory; as served, its
    /// content-addressed URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<String>,
    /// One line shown with every outcome ("Call the service desk on 0123…").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<Ticket>,
    /// The brand's words in other languages (`brand.LANG.toml`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub words: Vec<BrandWords>,
}

/// The brand's words in one other language; what is `None` stays as written.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BrandWords {
    pub lang: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    /// The ticket number field's label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_label: Option<String>,
}

impl Brand {
    /// The brand as a reader of `lang` sees it.
    pub fn in_lang(&self, lang: &str) -> Brand {
        let mut b = self.clone();
        if let Some(w) = self.words.iter().find(|w| w.lang == lang) {
            if let Some(t) = &w.title {
                b.title = t.clone();
            }
            if w.contact.is_some() {
                b.contact = w.contact.clone();
            }
            if let (Some(label), Some(n)) = (
                &w.ticket_label,
                b.ticket.as_mut().and_then(|t| t.number.as_mut()),
            ) {
                n.label = label.clone();
            }
        }
        b
    }
}

/// Fixpath's own name and title.
pub const FIXPATH_NAME: &str = "Fixpath";
pub const FIXPATH_TITLE: &str = "Fixpath — guided checks";

impl Default for Brand {
    fn default() -> Self {
        Brand {
            name: FIXPATH_NAME.into(),
            title: FIXPATH_TITLE.into(),
            accent: None,
            logo: None,
            contact: None,
            ticket: None,
            words: Vec::new(),
        }
    }
}

/// How findings reach the team's ticket system.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ticket {
    /// "Open a ticket": a URL template with `{link}` and `{summary}`, each
    /// replaced URL-encoded; opened in a new tab.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// "Email support": the address a `mailto:` link writes to, with the
    /// summary as its subject and the link in its body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// A ticket-number field on the outcome page; what is typed rides in the link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<TicketNumber>,
}

/// The ticket-number field: its label and the shape a number must have.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketNumber {
    pub label: String,
    /// A pattern as HTML's `pattern` attribute takes it (the browser checks it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// An example shown in the empty field ("INC0012345").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<String>,
}

/// Longest ticket number a page accepts, in characters (the link carries it).
pub const MAX_TICKET_CHARS: usize = 40;

/// The "Open a ticket" address: `template` with `{link}` and `{summary}`
/// replaced, each percent-encoded as a URL component.
pub fn ticket_url(template: &str, link: &str, summary: &str) -> String {
    template
        .replace("{link}", &url_encode(link))
        .replace("{summary}", &url_encode(summary))
}

/// The "Email support" address: `mailto:` with the summary as subject and the
/// link in the body (RFC 6068: spaces as `%20`, line breaks as `%0D%0A`).
pub fn mailto(email: &str, summary: &str, link: &str) -> String {
    let body = format!("{summary}\r\n\r\nFindings: {link}\r\n");
    format!(
        "mailto:{email}?subject={}&body={}",
        url_encode(summary),
        url_encode(&body)
    )
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3 / 2);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
    out
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// The backgrounds the accent colour is read on: text and buttons on the page
/// (white) and on cards (`--card` in `www/style.css`). White text sits on accent
/// buttons, so the same ratio covers both.
pub const ACCENT_BACKGROUNDS: [(&str, [u8; 3]); 2] = [
    ("white", [0xff, 0xff, 0xff]),
    ("the cards' #f6f8fa", [0xf6, 0xf8, 0xfa]),
];

/// WCAG 2.x AA for normal text: the least contrast ratio an accent must reach.
pub const AA_CONTRAST: f64 = 4.5;

/// `#rrggbb` as three bytes.
pub fn parse_colour(s: &str) -> Option<[u8; 3]> {
    let hex = s.strip_prefix('#')?;
    if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some([byte(0)?, byte(2)?, byte(4)?])
}

/// WCAG 2.x relative luminance of an sRGB colour.
fn luminance(rgb: [u8; 3]) -> f64 {
    let lin = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.040_45 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(rgb[0]) + 0.7152 * lin(rgb[1]) + 0.0722 * lin(rgb[2])
}

/// WCAG 2.x contrast ratio between two colours, 1 to 21.
pub fn contrast(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

/// Why an accent colour cannot be used, or `None` when it passes AA on every
/// background it is read on.
pub fn accent_problem(accent: &str) -> Option<String> {
    let Some(rgb) = parse_colour(accent) else {
        return Some(format!(
            "`accent` must be a colour written `#rrggbb`, not `{accent}`"
        ));
    };
    ACCENT_BACKGROUNDS.iter().find_map(|(name, bg)| {
        let ratio = contrast(rgb, *bg);
        (ratio < AA_CONTRAST).then(|| {
            format!(
                "`accent` {accent} has a contrast of {:.2}:1 against {name}; WCAG AA needs {AA_CONTRAST}:1 for text, so links and buttons in it would be hard to read. Pick a darker colour",
                (ratio * 100.0).floor() / 100.0
            )
        })
    })
}

/// `text` safe inside HTML text and double-quoted attribute values.
pub fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The troubleshooter list exactly as the app's home page renders it, for the
/// page shell the helper serves: plain links (`#/t/<id>`) that work before the
/// app starts, which then opens the walk the address names. `elementtiming` lets
/// the benchmark read when the list was painted.
pub fn shell_list(trees: &[Listing]) -> String {
    use std::fmt::Write as _;
    let mut out = String::from("<ul class=\"trees\">");
    for t in trees {
        let _ = write!(
            out,
            "<li><a href=\"#/t/{}\" class=\"tree-card\"><span class=\"tree-title\" elementtiming=\"tree-list\">{}</span><span class=\"tree-symptom\">{}</span></a></li>",
            html_escape(&t.id),
            html_escape(&t.title),
            html_escape(&t.symptom)
        );
    }
    out.push_str("</ul>");
    out
}

/// The brand in the page shell's header, exactly as the app's header renders it
/// (`<span class="brand">`, the logo first when there is one), so the header
/// does not move when the app takes over.
pub fn shell_brand(brand: &Brand) -> String {
    let logo = brand.logo.as_deref().map_or(String::new(), |src| {
        format!("<img class=\"logo\" src=\"{}\" alt=\"\">", html_escape(src))
    });
    format!(
        "<span class=\"brand\">{logo}{}</span>",
        html_escape(&brand.name)
    )
}

#[cfg(feature = "source")]
pub use source::{read_brand, read_brand_words, BrandFile};

#[cfg(feature = "source")]
mod source {
    //! `brand.toml` as written, checked into a [`Brand`].

    use serde::Deserialize;
    use toml::Spanned;

    use super::{
        accent_problem, Brand, BrandWords, Ticket, TicketNumber, FIXPATH_NAME, FIXPATH_TITLE,
        MAX_TICKET_CHARS,
    };
    use crate::lint::{LineIndex, Problem};

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Raw {
        name: Option<Spanned<String>>,
        title: Option<Spanned<String>>,
        accent: Option<Spanned<String>>,
        logo: Option<Spanned<String>>,
        contact: Option<Spanned<String>>,
        ticket: Option<Spanned<RawTicket>>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RawTicket {
        url: Option<Spanned<String>>,
        email: Option<Spanned<String>>,
        number: Option<Spanned<RawNumber>>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RawNumber {
        label: Option<Spanned<String>>,
        pattern: Option<Spanned<String>>,
        example: Option<Spanned<String>>,
    }

    /// A checked `brand.toml`: the brand (its `logo` still the file name as
    /// written) and the line of `logo`, for the helper's message when the file
    /// cannot be read.
    #[derive(Debug, Clone, PartialEq)]
    pub struct BrandFile {
        pub brand: Brand,
        pub logo_line: u32,
    }

    /// A one-line text: when present, not blank, one line, not a novel.
    fn text(
        problems: &mut Vec<Problem>,
        lines: &LineIndex,
        key: &str,
        v: &Option<Spanned<String>>,
        max: usize,
    ) -> Option<String> {
        let v = v.as_ref()?;
        let line = lines.line(v.span().start);
        let s = v.get_ref().trim();
        let message = if s.is_empty() {
            Some(format!("`{key}` is empty: leave it out instead"))
        } else if s.contains('\n') {
            Some(format!("`{key}` must be one line"))
        } else if s.chars().count() > max {
            Some(format!("`{key}` is longer than {max} characters"))
        } else {
            None
        };
        if let Some(message) = message {
            problems.push(Problem {
                line,
                node: None,
                message,
            });
        }
        Some(s.to_string())
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RawWords {
        title: Option<Spanned<String>>,
        contact: Option<Spanned<String>>,
        ticket: Option<Spanned<RawWordsTicket>>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RawWordsTicket {
        number: Option<Spanned<RawWordsNumber>>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RawWordsNumber {
        label: Option<Spanned<String>>,
    }

    /// Reads and checks `brand.LANG.toml`, the brand's words in `lang`: the
    /// `title`, `contact` and `[ticket.number] label`, each one the brand has, and
    /// every one of them (a reader of `lang` would otherwise see some English).
    pub fn read_brand_words(
        brand: &Brand,
        lang: &str,
        src: &str,
    ) -> Result<BrandWords, Vec<Problem>> {
        let lines = LineIndex::new(src);
        let problem = |line: u32, message: String| Problem {
            line,
            node: None,
            message,
        };
        let raw: RawWords = toml::from_str(src).map_err(|e| {
            let line = e.span().map(|s| lines.line(s.start)).unwrap_or(1);
            vec![problem(line, e.message().trim().to_string())]
        })?;
        let mut problems = Vec::new();
        if !crate::translation::is_lang_tag(lang) {
            problems.push(problem(
                1,
                format!(
                    "`{lang}` is not a language tag: name the file brand.LANG.toml, LANG like `fr`"
                ),
            ));
        }
        let label = raw
            .ticket
            .as_ref()
            .and_then(|t| t.get_ref().number.as_ref())
            .and_then(|n| n.get_ref().label.clone());
        let has_label = brand
            .ticket
            .as_ref()
            .and_then(|t| t.number.as_ref())
            .is_some();
        let mut words = BrandWords {
            lang: lang.to_string(),
            ..BrandWords::default()
        };
        for (key, given, has, max, slot) in [
            ("title", &raw.title, true, 120, &mut words.title),
            (
                "contact",
                &raw.contact,
                brand.contact.is_some(),
                200,
                &mut words.contact,
            ),
            (
                "ticket.number.label",
                &label,
                has_label,
                60,
                &mut words.ticket_label,
            ),
        ] {
            match (given, has) {
                (Some(v), true) => *slot = text(&mut problems, &lines, key, &Some(v.clone()), max),
                (Some(v), false) => problems.push(problem(
                    lines.line(v.span().start),
                    format!("`{key}`: brand.toml has none to translate"),
                )),
                (None, true) => problems.push(problem(
                    1,
                    format!("`{key}` is not translated into `{lang}`"),
                )),
                (None, false) => {}
            }
        }
        if problems.is_empty() {
            Ok(words)
        } else {
            Err(problems)
        }
    }

    /// Reads and checks `brand.toml`; every problem at its line.
    pub fn read_brand(src: &str) -> Result<BrandFile, Vec<Problem>> {
        let lines = LineIndex::new(src);
        let problem = |line: u32, message: String| Problem {
            line,
            node: None,
            message,
        };
        let raw: Raw = toml::from_str(src).map_err(|e| {
            let line = e.span().map(|s| lines.line(s.start)).unwrap_or(1);
            vec![problem(line, e.message().trim().to_string())]
        })?;
        let at = |s: &Spanned<String>| lines.line(s.span().start);
        let mut problems = Vec::new();
        let name = text(&mut problems, &lines, "name", &raw.name, 60);
        let title = text(&mut problems, &lines, "title", &raw.title, 120);
        let contact = text(&mut problems, &lines, "contact", &raw.contact, 200);
        let logo = text(&mut problems, &lines, "logo", &raw.logo, 200);
        let mut ticket = None;
        if let Some(t) = &raw.ticket {
            let t_line = lines.line(t.span().start);
            let t = t.get_ref();
            let url = text(&mut problems, &lines, "ticket.url", &t.url, 2000);
            let email = text(&mut problems, &lines, "ticket.email", &t.email, 200);
            let number = t.number.as_ref().map(|n| {
                let n_line = lines.line(n.span().start);
                let n = n.get_ref();
                let label = text(&mut problems, &lines, "ticket.number.label", &n.label, 60);
                let pattern = text(
                    &mut problems,
                    &lines,
                    "ticket.number.pattern",
                    &n.pattern,
                    200,
                );
                let example = text(
                    &mut problems,
                    &lines,
                    "ticket.number.example",
                    &n.example,
                    MAX_TICKET_CHARS,
                );
                if label.is_none() {
                    problems.push(problem(
                        n_line,
                        "`[ticket.number]` needs a `label`, the field's name on the page".into(),
                    ));
                }
                TicketNumber {
                    label: label.unwrap_or_default(),
                    pattern,
                    example,
                }
            });
            if let (Some(u), Some(v)) = (&url, &t.url) {
                if !(u.starts_with("https://") || u.starts_with("http://")) {
                    problems.push(problem(
                        at(v),
                        "`ticket.url` must start with https:// (or http://)".into(),
                    ));
                }
                if !u.contains("{link}") {
                    problems.push(problem(
                        at(v),
                        "`ticket.url` must contain `{link}`, where the findings link goes".into(),
                    ));
                }
                let rest = u.replace("{link}", "").replace("{summary}", "");
                if rest.contains('{') || rest.contains('}') {
                    problems.push(problem(
                        at(v),
                        "`ticket.url` knows only `{link}` and `{summary}`".into(),
                    ));
                }
            }
            if let (Some(e), Some(v)) = (&email, &t.email) {
                let ok = e.split_once('@').is_some_and(|(user, host)| {
                    !user.is_empty()
                        && host.contains('.')
                        && !e.contains(['?', '&', '#', ' ', '<', '>', '"'])
                });
                if !ok {
                    problems.push(problem(
                        at(v),
                        format!(
                            "`ticket.email` must be one address, like help@example.com, not `{e}`"
                        ),
                    ));
                }
            }
            if url.is_none() && email.is_none() && number.is_none() {
                problems.push(problem(
                    t_line,
                    "`[ticket]` needs `url`, `email` or `[ticket.number]`: leave the table out otherwise".into(),
                ));
            }
            ticket = Some(Ticket { url, email, number });
        }
        let accent = raw.accent.as_ref().map(|a| {
            if let Some(p) = accent_problem(a.get_ref().trim()) {
                problems.push(problem(at(a), p));
            }
            a.get_ref().trim().to_ascii_lowercase()
        });
        if let (Some(l), Some(v)) = (&logo, &raw.logo) {
            if l.contains(['/', '\\']) || l.starts_with('.') {
                problems.push(problem(
                    at(v),
                    "`logo` names a file in the content directory itself (no folders, no dotfiles)"
                        .into(),
                ));
            }
        }
        if !problems.is_empty() {
            problems.sort_by_key(|p| p.line);
            return Err(problems);
        }
        // The title defaults to the team's name, or to Fixpath's own title.
        let title = title
            .or_else(|| name.clone())
            .unwrap_or_else(|| FIXPATH_TITLE.into());
        Ok(BrandFile {
            brand: Brand {
                title,
                name: name.unwrap_or_else(|| FIXPATH_NAME.into()),
                accent,
                logo,
                contact,
                ticket,
                words: Vec::new(),
            },
            logo_line: raw.logo.as_ref().map_or(1, at),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contrast_matches_wcag_examples() {
        // Black on white is 21:1, white on white 1:1.
        assert!((contrast([0, 0, 0], [255, 255, 255]) - 21.0).abs() < 1e-9);
        assert!((contrast([255; 3], [255; 3]) - 1.0).abs() < 1e-9);
        // #767676 on white is the well-known AA edge, 4.54:1.
        let grey = contrast([0x76; 3], [255; 3]);
        assert!((grey - 4.54).abs() < 0.01, "{grey}");
    }

    #[test]
    fn fixpaths_own_accent_passes_and_light_ones_fail() {
        assert_eq!(accent_problem("#0b5cad"), None);
        assert!(accent_problem("#ffcc00").is_some_and(|p| p.contains("contrast")));
        assert!(accent_problem("#777777").is_some(), "passes on white only");
        assert!(accent_problem("blue").is_some_and(|p| p.contains("#rrggbb")));
        assert!(accent_problem("#12345").is_some());
    }

    #[test]
    fn templates_encode_what_they_carry() {
        let url = ticket_url(
            "https://help.example/new?l={link}&s={summary}",
            "https://fix.example/#/r/AbC-_x.y",
            "VPN error 800: a & b",
        );
        assert_eq!(
            url,
            "https://help.example/new?l=https%3A%2F%2Ffix.example%2F%23%2Fr%2FAbC-_x.y&s=VPN%20error%20800%3A%20a%20%26%20b"
        );
        let m = mailto("help@example.com", "a b", "L");
        assert_eq!(
            m,
            "mailto:help@example.com?subject=a%20b&body=a%20b%0D%0A%0D%0AFindings%3A%20L%0D%0A"
        );
        assert_eq!(url_encode("é"), "%C3%A9");
    }

    #[cfg(feature = "source")]
    #[test]
    fn the_shell_list_links_every_tree_and_escapes_its_text() {
        let trees: Vec<Listing> = crate::shipped::trees().iter().map(Listing::of).collect();
        let html = shell_list(&trees);
        for t in &trees {
            assert!(html.contains(&format!("href=\"#/t/{}\"", t.id)), "{}", t.id);
        }
        assert_eq!(html.matches("<li>").count(), trees.len());
        assert!(
            html.contains("Windows says &quot;Error 800"),
            "quotes in a symptom are escaped: {html}"
        );
        assert_eq!(html_escape(r#"<b a='1'>&"#), "&lt;b a=&#39;1&#39;&gt;&amp;");
    }

    #[test]
    fn tree_files_read_back() {
        let name = tree_file("vpn-error-800", 0x0123_4567_89ab_cdef);
        assert_eq!(name, "vpn-error-800.0123456789abcdef.json");
        assert_eq!(
            parse_tree_file(&name),
            Some(("vpn-error-800", 0x0123_4567_89ab_cdef))
        );
        for bad in [
            "x.json",
            "a.0123.json",
            "A.0123456789abcdef.json",
            "../x.0123456789abcdef.json",
            "a.0123456789abcdef",
        ] {
            assert_eq!(parse_tree_file(bad), None, "{bad}");
        }
    }

    /// The served form is the whole version: every shipped tree read back from
    /// its JSON is the tree (lines aside: they stay with the author), with the
    /// same fingerprint; so are the site document and a fingerprint's hex form.
    #[cfg(feature = "source")]
    #[test]
    fn trees_and_the_site_travel_as_json_whole() {
        let trees = crate::shipped::trees();
        for tree in &trees {
            let json = serde_json::to_string(tree).unwrap();
            let back: Tree = serde_json::from_str(&json).unwrap();
            let mut want = tree.clone();
            want.nodes.iter_mut().for_each(|n| n.line = 0);
            assert_eq!(back, want, "{}", tree.id);
            assert_eq!(back.compute_fingerprint(), tree.fingerprint);
            assert!(json.contains(&format!("\"fingerprint\":\"{}\"", tree.fingerprint_hex())));
            assert!(
                !json.contains("\"help\":null"),
                "absent values are left out: {json}"
            );
        }
        let site = Site {
            brand: Brand {
                accent: Some("#0b5cad".into()),
                ticket: Some(Ticket {
                    url: Some("https://t.example/?l={link}".into()),
                    email: None,
                    number: Some(TicketNumber {
                        label: "Ticket".into(),
                        pattern: None,
                        example: Some("T-1".into()),
                    }),
                }),
                ..Brand::default()
            },
            trees: trees.iter().map(Listing::of).collect(),
            languages: Vec::new(),
        };
        let back: Site = serde_json::from_str(&serde_json::to_string(&site).unwrap()).unwrap();
        assert_eq!(back, site);
        assert!(serde_json::from_str::<Listing>(
            r#"{"id":"a","title":"A","symptom":"S","version":1,"fingerprint":"12"}"#
        )
        .is_err());
    }

    #[cfg(feature = "source")]
    #[test]
    fn brand_files_are_checked_at_their_lines() {
        let ok = read_brand(
            "name = \"Acme IT\"\naccent = \"#0B5CAD\"\nlogo = \"logo.svg\"\ncontact = \"Call 0123\"\n[ticket]\nurl = \"https://t.example/new?d={summary}&l={link}\"\nemail = \"it@acme.example\"\n[ticket.number]\nlabel = \"Ticket\"\npattern = \"INC[0-9]{7}\"\n",
        )
        .expect("a good brand");
        assert_eq!(ok.brand.title, "Acme IT", "the title defaults to the name");
        assert_eq!(ok.brand.accent.as_deref(), Some("#0b5cad"));
        assert_eq!(ok.logo_line, 3);
        let bad = read_brand(
            "name = \"Acme\"\naccent = \"#ffee00\"\n[ticket]\nurl = \"ftp://x/{lnk}\"\nemail = \"nobody\"\n[ticket.number]\npattern = \"x\"\n",
        )
        .expect_err("problems");
        let lines: Vec<u32> = bad.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![2, 4, 4, 4, 5, 6], "{bad:?}");
        let unknown = read_brand("nmae = \"x\"\n").expect_err("unknown key");
        assert!(unknown[0].message.contains("nmae"), "{unknown:?}");
        assert_eq!(read_brand("").map(|b| b.brand), Ok(Brand::default()));
    }
}
