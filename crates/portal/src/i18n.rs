//! The portal's languages: message catalogues in Fluent (`locales/*.ftl`,
//! compiled in), the reader's choice (a `lang` query or cookie, else
//! `Accept-Language`), and numbers and dates written the way each
//! language writes them.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::sync::OnceLock;

/// A language the portal speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    /// English (the default).
    En,
    /// Spanish.
    Es,
}

impl Lang {
    /// Every language, in the order the switch lists them.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Es];

    /// The BCP 47 tag (`lang` attributes, `Content-Language`).
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
        }
    }

    /// The language's own name for itself (the switch).
    pub fn endonym(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Es => "Español",
        }
    }

    /// The language a tag names (`es`, `es-AR`, `EN-gb`), if spoken here.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.split(['-', '_']).next()?.trim();
        Lang::ALL
            .into_iter()
            .find(|l| l.tag().eq_ignore_ascii_case(primary))
    }

    /// The best language for an `Accept-Language` header: the spoken
    /// language with the highest weight, English when none is spoken.
    pub fn negotiate(accept_language: &str) -> Lang {
        let mut best: Option<(Lang, u16)> = None;
        for item in accept_language.split(',').take(32) {
            let mut parts = item.split(';');
            let Some(lang) = parts.next().and_then(Lang::from_tag) else {
                continue;
            };
            let weight = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(1000, parse_weight);
            if weight > 0 && best.is_none_or(|(_, w)| weight > w) {
                best = Some((lang, weight));
            }
        }
        best.map_or(Lang::En, |(l, _)| l)
    }

    fn bundle(self) -> &'static FluentBundle<FluentResource> {
        static EN: OnceLock<FluentBundle<FluentResource>> = OnceLock::new();
        static ES: OnceLock<FluentBundle<FluentResource>> = OnceLock::new();
        match self {
            Lang::En => EN.get_or_init(|| bundle("en", EN_FTL)),
            Lang::Es => ES.get_or_init(|| bundle("es", ES_FTL)),
        }
    }

    /// The message `id` in this language.
    pub fn t(self, id: &str) -> String {
        self.format(id, None)
    }

    /// The message `id` with its arguments (each given as the text to
    /// show: numbers are formatted by the caller, per language).
    pub fn ta(self, id: &str, args: &[(&str, &str)]) -> String {
        let mut fa = FluentArgs::new();
        for (name, value) in args {
            fa.set(*name, FluentValue::from(*value));
        }
        self.format(id, Some(&fa))
    }

    /// The message `id` with its arguments and the count `$n` that picks
    /// its plural form (`one`, `other`, ... per language).
    pub fn tn(self, id: &str, args: &[(&str, &str)], n: u64) -> String {
        let mut fa = FluentArgs::new();
        for (name, value) in args {
            fa.set(*name, FluentValue::from(*value));
        }
        fa.set("n", FluentValue::from(n));
        self.format(id, Some(&fa))
    }

    fn format(self, id: &str, args: Option<&FluentArgs<'_>>) -> String {
        let bundle = self.bundle();
        let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
            // A missing message is a bug the catalogue test catches; the
            // page still renders, showing the id.
            return id.to_string();
        };
        let mut errors = Vec::new();
        bundle
            .format_pattern(pattern, args, &mut errors)
            .into_owned()
    }

    /// An integer with this language's digit grouping: `1,234,567` in
    /// English; `1.234.567` in Spanish, which leaves four-digit numbers
    /// ungrouped (`1234`).
    pub fn int(self, n: u64) -> String {
        let digits = n.to_string();
        let (sep, min) = match self {
            Lang::En => (',', 4),
            Lang::Es => ('.', 5),
        };
        group(&digits, sep, min)
    }

    /// An amount of minor units in a currency with `decimals` places:
    /// `1,234.50` in English, `1234,50` in Spanish.
    pub fn amount(self, minor: u128, decimals: u8) -> String {
        let text = minor.to_string();
        let d = usize::from(decimals);
        let (whole, frac) = if d == 0 {
            (text.as_str(), String::new())
        } else if text.len() > d {
            let (w, f) = text.split_at(text.len() - d);
            (w, f.to_string())
        } else {
            ("0", format!("{text:0>d$}"))
        };
        let (sep, min, point) = match self {
            Lang::En => (',', 4, '.'),
            Lang::Es => ('.', 5, ','),
        };
        let whole = group(whole, sep, min);
        if frac.is_empty() {
            whole
        } else {
            format!("{whole}{point}{frac}")
        }
    }

    /// A block time (ms since the epoch, UTC) as a date and time:
    /// `4 Dec 2026, 13:05 UTC` / `4 dic 2026, 13:05 UTC`.
    pub fn time(self, ms: u64) -> String {
        let (y, m, d) = publica_programs::period::date_of(ms);
        let secs = ms / 1000 % 86_400;
        format!(
            "{d} {} {y}, {:02}:{:02} UTC",
            self.month_short(m),
            secs / 3600,
            secs / 60 % 60
        )
    }

    /// A payout period (`2026-12`) as its month and year: `Dec 2026`.
    pub fn period(self, label: &str) -> String {
        match publica_programs::period::parse(label) {
            Some((y, m)) => format!("{} {y}", self.month_short(m)),
            None => label.to_string(),
        }
    }

    fn month_short(self, m: i64) -> &'static str {
        const EN: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        const ES: [&str; 12] = [
            "ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic",
        ];
        let i = usize::try_from(m.clamp(1, 12) - 1).unwrap_or(0);
        match self {
            Lang::En => EN[i],
            Lang::Es => ES[i],
        }
    }
}

/// A `q=` weight in thousandths (`0.8` is 800); malformed is 0.
fn parse_weight(q: &str) -> u16 {
    let q = q.trim();
    let (whole, frac) = q.split_once('.').unwrap_or((q, ""));
    let frac = format!("{:0<3}", &frac[..frac.len().min(3)]);
    match (whole, frac.parse::<u16>()) {
        ("1", _) => 1000,
        ("0", Ok(f)) => f,
        _ => 0,
    }
}

/// `digits` with `sep` between groups of three, when it has at least
/// `min` digits.
fn group(digits: &str, sep: char, min: usize) -> String {
    if digits.len() < min {
        return digits.to_string();
    }
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

const EN_FTL: &str = include_str!("../locales/en.ftl");
const ES_FTL: &str = include_str!("../locales/es.ftl");

fn bundle(tag: &str, source: &'static str) -> FluentBundle<FluentResource> {
    let id: unic_langid::LanguageIdentifier = tag.parse().expect("a valid language tag");
    let resource = FluentResource::try_new(source.to_string())
        .unwrap_or_else(|(_, errors)| panic!("locales/{tag}.ftl does not parse: {errors:?}"));
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // No Unicode isolation marks around arguments: the page is HTML, where
    // `dir` attributes do that job, and tests compare plain text.
    bundle.set_use_isolating(false);
    bundle
        .add_resource(resource)
        .unwrap_or_else(|errors| panic!("locales/{tag}.ftl repeats messages: {errors:?}"));
    bundle
}

/// The ids of a catalogue's messages, for the test that both languages
/// say everything.
#[cfg(test)]
fn ids(source: &str) -> std::collections::BTreeSet<String> {
    use fluent_syntax::ast::Entry;
    let resource = fluent_syntax::parser::parse(source).expect("parses");
    resource
        .body
        .iter()
        .filter_map(|e| match e {
            Entry::Message(m) => Some(m.id.name.to_string()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_catalogues_say_the_same_things() {
        let en = ids(EN_FTL);
        let es = ids(ES_FTL);
        assert!(en.len() > 50, "{} messages", en.len());
        let only_en: Vec<_> = en.difference(&es).collect();
        let only_es: Vec<_> = es.difference(&en).collect();
        assert!(only_en.is_empty(), "missing in es.ftl: {only_en:?}");
        assert!(only_es.is_empty(), "missing in en.ftl: {only_es:?}");
        // Every message formats in both languages.
        for id in &en {
            assert_ne!(Lang::En.t(id), "", "{id}");
            assert_ne!(Lang::Es.t(id), "", "{id}");
        }
    }

    #[test]
    fn negotiation_takes_the_heaviest_spoken_language() {
        assert_eq!(Lang::negotiate("es-AR,es;q=0.9,en;q=0.8"), Lang::Es);
        assert_eq!(
            Lang::negotiate("fr-FR,fr;q=0.9,es;q=0.5,en;q=0.4"),
            Lang::Es
        );
        assert_eq!(Lang::negotiate("de, en;q=0.1"), Lang::En);
        assert_eq!(Lang::negotiate("de"), Lang::En);
        assert_eq!(Lang::negotiate(""), Lang::En);
        assert_eq!(Lang::negotiate("es;q=0, en"), Lang::En);
        assert_eq!(Lang::negotiate("en;q=0.5, ES;q=0.6"), Lang::Es);
        assert_eq!(Lang::negotiate(";;;,,q=,es;q=abc"), Lang::En);
    }

    #[test]
    fn numbers_and_dates_per_language() {
        assert_eq!(Lang::En.int(1_234_567), "1,234,567");
        assert_eq!(Lang::Es.int(1_234_567), "1.234.567");
        assert_eq!(Lang::En.int(1234), "1,234");
        assert_eq!(Lang::Es.int(1234), "1234");
        assert_eq!(Lang::Es.int(12_345), "12.345");
        assert_eq!(Lang::En.int(7), "7");
        assert_eq!(Lang::En.amount(123_450, 2), "1,234.50");
        assert_eq!(Lang::Es.amount(123_450, 2), "1234,50");
        assert_eq!(Lang::Es.amount(1_234_500, 2), "12.345,00");
        assert_eq!(Lang::En.amount(5, 2), "0.05");
        assert_eq!(Lang::En.amount(5, 0), "5");
        // 2026-12-04 13:05 UTC.
        let ms = 1_796_389_500_000;
        assert_eq!(Lang::En.time(ms), "4 Dec 2026, 13:05 UTC");
        assert_eq!(Lang::Es.time(ms), "4 dic 2026, 13:05 UTC");
        assert_eq!(Lang::Es.period("2026-09"), "sept 2026");
        assert_eq!(Lang::En.period("junk"), "junk");
    }

    #[test]
    fn catalogues_hold_no_hidden_formatting() {
        // Pages neutralise such characters, taking them for the ledger's.
        for (name, text) in [("en", EN_FTL), ("es", ES_FTL)] {
            let page = crate::layout::neutralise(text.to_string());
            assert_eq!(
                page, text,
                "{name}.ftl holds an invisible formatting character"
            );
        }
    }

    #[test]
    fn counts_pick_the_plural_form() {
        let one = Lang::En.tn("validator-silent", &[("seconds", "1")], 1);
        let many = Lang::En.tn("validator-silent", &[("seconds", "12")], 12);
        assert_eq!(
            (one.as_str(), many.as_str()),
            ("silent for 1 second", "silent for 12 seconds")
        );
        assert_eq!(
            Lang::Es.tn("validator-silent", &[("seconds", "1")], 1),
            "en silencio desde hace 1 segundo"
        );
    }

    #[test]
    fn messages_take_their_arguments() {
        assert_eq!(
            Lang::En.ta("error-unknown-block", &[("height", "99")]),
            "There is no block 99 yet."
        );
        assert_eq!(
            Lang::Es.ta("error-unknown-block", &[("height", "99")]),
            "Todavía no hay un bloque 99."
        );
    }
}
