//! Message catalogues (Fluent, `locales/*.ftl`, compiled into the binary) and the language of a
//! request: the `portcullis-lang` cookie if set, else the best of `Accept-Language`, else English. Also
//! [`format_utc`], the one date format of pages and emails.

use std::sync::Arc;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Nl,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Nl];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Nl => "nl",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().split(['-', '_']).next() {
            Some("en") => Some(Lang::En),
            Some("nl") => Some(Lang::Nl),
            _ => None,
        }
    }

    /// The supported language the browser prefers most (`Accept-Language`, RFC 9110 §12.5.4).
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or_default();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if let Some(lang) = Lang::from_code(tag)
                && q > 0.0
                && best.is_none_or(|(bq, _)| q > bq)
            {
                best = Some((q, lang));
            }
        }
        best.map(|(_, lang)| lang)
    }

    fn source(self) -> &'static str {
        match self {
            Lang::En => include_str!("../locales/en.ftl"),
            Lang::Nl => include_str!("../locales/nl.ftl"),
        }
    }
}

pub struct Catalogues {
    bundles: Vec<(Lang, FluentBundle<FluentResource>)>,
}

impl Catalogues {
    /// Parses the built-in catalogues; an error here is a bug in a `.ftl` file.
    pub fn load() -> Result<Catalogues, String> {
        let mut bundles = Vec::new();
        for lang in Lang::ALL {
            let resource = FluentResource::try_new(lang.source().to_owned())
                .map_err(|(_, errors)| format!("{}.ftl: {errors:?}", lang.code()))?;
            let id: LanguageIdentifier = lang.code().parse().map_err(|e| format!("{e}"))?;
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            // No Unicode isolation marks: the text goes into HTML, which handles direction itself.
            bundle.set_use_isolating(false);
            bundle
                .add_resource(resource)
                .map_err(|errors| format!("{}.ftl: {errors:?}", lang.code()))?;
            bundles.push((lang, bundle));
        }
        Ok(Catalogues { bundles })
    }

    fn bundle(&self, lang: Lang) -> Option<&FluentBundle<FluentResource>> {
        self.bundles.iter().find(|(l, _)| *l == lang).map(|(_, b)| b)
    }

    /// The message ids of one language, for the completeness test.
    pub fn keys(&self, lang: Lang) -> Vec<String> {
        let mut keys: Vec<String> = lang
            .source()
            .lines()
            .filter_map(|line| line.split_once(" = ").map(|(k, _)| k))
            .filter(|k| !k.starts_with(['#', ' ']) && !k.is_empty())
            .map(str::to_owned)
            .collect();
        keys.sort();
        keys
    }

    fn format(&self, lang: Lang, key: &str, args: Option<&FluentArgs>) -> String {
        let Some(bundle) = self.bundle(lang) else {
            return format!("⟦{key}⟧");
        };
        let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
            tracing::error!(key, lang = lang.code(), "missing message");
            return format!("⟦{key}⟧");
        };
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, args, &mut errors).into_owned();
        if !errors.is_empty() {
            tracing::error!(key, ?errors, "message formatting failed");
        }
        text
    }
}

/// The translator handed to templates: `{{ tr.t("login-title") }}`.
#[derive(Clone)]
pub struct Tr {
    pub lang: Lang,
    catalogues: Arc<Catalogues>,
}

impl Tr {
    pub fn new(lang: Lang, catalogues: Arc<Catalogues>) -> Tr {
        Tr { lang, catalogues }
    }

    pub fn t(&self, key: &str) -> String {
        self.catalogues.format(self.lang, key, None)
    }

    /// A message with named arguments; numbers select plural forms.
    pub fn t_with(&self, key: &str, args: &[(&str, Arg)]) -> String {
        let mut fluent = FluentArgs::new();
        for (name, value) in args {
            let value = match value {
                Arg::Text(s) => FluentValue::from(s.clone()),
                Arg::Number(n) => FluentValue::from(*n),
            };
            fluent.set(*name, value);
        }
        self.catalogues.format(self.lang, key, Some(&fluent))
    }

    /// The message, or `None` when the catalogue has none (for labels of open-ended values such as
    /// audit event kinds, which then show as they are).
    pub fn t_opt(&self, key: &str) -> Option<String> {
        self.catalogues
            .bundle(self.lang)
            .and_then(|b| b.get_message(key))
            .and_then(|m| m.value())
            .map(|_| self.t(key))
    }

    pub fn t1(&self, key: &str, name: &str, value: &str) -> String {
        self.t_with(key, &[(name, Arg::Text(value.to_owned()))])
    }

    /// "in 5 minutes" for a wait of `secs` seconds.
    pub fn wait(&self, secs: i64) -> String {
        let secs = secs.max(1);
        let (key, n) = if secs < 120 {
            ("wait-seconds", secs)
        } else if secs < 2 * 3600 {
            ("wait-minutes", (secs + 59) / 60)
        } else {
            ("wait-hours", (secs + 3599) / 3600)
        };
        self.t_with(key, &[("n", Arg::Number(n))])
    }
}

/// `2026-12-06 14:05` for a Unix time (UTC); written out by hand to avoid a date crate for one line.
pub fn format_utc(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}",
        rem / 3600,
        (rem % 3600) / 60
    )
}

#[derive(Debug, Clone)]
pub enum Arg {
    Text(String),
    Number(i64),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tr(lang: Lang) -> Tr {
        Tr::new(lang, Arc::new(Catalogues::load().unwrap()))
    }

    #[test]
    fn english_and_dutch_have_the_same_messages() {
        let catalogues = Catalogues::load().unwrap();
        let en = catalogues.keys(Lang::En);
        assert!(en.len() > 50);
        assert_eq!(en, catalogues.keys(Lang::Nl));
    }

    #[test]
    fn plural_waits() {
        assert_eq!(tr(Lang::En).wait(1), "in 1 second");
        assert_eq!(tr(Lang::En).wait(90), "in 90 seconds");
        assert_eq!(tr(Lang::Nl).wait(900), "over 15 minuten");
        assert_eq!(tr(Lang::Nl).wait(86_400), "over 24 uur");
    }

    #[test]
    fn arguments_and_missing_keys() {
        assert_eq!(
            tr(Lang::Nl).t_with("pw-too-short", &[("min", Arg::Number(12))]),
            "Het wachtwoord moet minstens 12 tekens lang zijn."
        );
        assert_eq!(tr(Lang::En).t("no-such-key"), "⟦no-such-key⟧");
    }

    #[test]
    fn formats_utc_dates() {
        assert_eq!(format_utc(0), "1970-01-01 00:00");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00");
        assert_eq!(format_utc(1_796_000_000), "2026-11-30 00:53");
    }

    #[test]
    fn accept_language_picks_the_preferred_supported_language() {
        assert_eq!(Lang::from_accept_language("nl-NL,nl;q=0.9,en;q=0.8"), Some(Lang::Nl));
        assert_eq!(Lang::from_accept_language("de-DE, en;q=0.5, nl;q=0.7"), Some(Lang::Nl));
        assert_eq!(Lang::from_accept_language("fr, de"), None);
        assert_eq!(Lang::from_accept_language("nl;q=0, en"), Some(Lang::En));
    }
}
