//! `ntm-i18n`: what NTM Survey says, in Vietnamese (first) and English.
//!
//! The texts live in `locales/<code>.ftl` (Project Fluent), compiled into the
//! binary. Code asks by id — `words.get("tab-survey")`, or a core
//! [`Message`] with its arguments — and never holds a sentence itself.
//! Counts and decimals follow the language (`1.234.567` / `1,234,567`);
//! amounts of đồng are `1.234.567 đ` and dates `dd/mm/yyyy` in both, as
//! Vietnam writes them (and as the money fields are typed).

use fluent_bundle::types::{FluentNumber, FluentNumberOptions};
use fluent_bundle::{FluentArgs, FluentBundle, FluentResource, FluentValue};
use ntm_core::message::{Arg, Message};

/// A language the app speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Locale {
    /// Tiếng Việt, the default.
    #[default]
    Vi,
    /// English.
    En,
}

impl Locale {
    /// Every language, the default first.
    pub const ALL: [Locale; 2] = [Locale::Vi, Locale::En];

    /// BCP 47 code, as stored on the device and put in `lang`.
    pub fn code(self) -> &'static str {
        match self {
            Locale::Vi => "vi",
            Locale::En => "en",
        }
    }

    /// The language by its code; `None` for any other.
    pub fn from_code(code: &str) -> Option<Locale> {
        Locale::ALL.into_iter().find(|l| l.code() == code)
    }

    /// The language's name in itself, as the language switch shows it.
    pub fn native_name(self) -> &'static str {
        match self {
            Locale::Vi => "Tiếng Việt",
            Locale::En => "English",
        }
    }

    /// The locale file's text.
    pub fn source(self) -> &'static str {
        match self {
            Locale::Vi => include_str!("../locales/vi.ftl"),
            Locale::En => include_str!("../locales/en.ftl"),
        }
    }

    fn separators(self) -> (char, char) {
        match self {
            Locale::Vi => ('.', ','),
            Locale::En => (',', '.'),
        }
    }
}

/// The texts of one language, ready to format.
pub struct Words {
    locale: Locale,
    bundle: FluentBundle<FluentResource>,
}

impl std::fmt::Debug for Words {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Words")
            .field("locale", &self.locale)
            .finish()
    }
}

impl Words {
    /// Loads a language. A text that does not parse is left out (and shown
    /// by its id); the tests keep every file parsing.
    pub fn new(locale: Locale) -> Words {
        let resource = FluentResource::try_new(locale.source().to_owned())
            .unwrap_or_else(|(partial, _errors)| partial);
        let id = locale
            .code()
            .parse()
            .expect("locale codes are valid language ids");
        let mut bundle = FluentBundle::new(vec![id]);
        // No Unicode isolation marks around arguments: names are in the
        // same script as the text, and marks break copy-paste and search.
        bundle.set_use_isolating(false);
        bundle.set_formatter(Some(match locale {
            Locale::Vi => format_vi,
            Locale::En => format_en,
        }));
        // Ids are unique within a file (tested): nothing can clash.
        let _ = bundle.add_resource(resource);
        Words { locale, bundle }
    }

    /// The language.
    pub fn locale(&self) -> Locale {
        self.locale
    }

    /// Whether the language has a text of this id.
    pub fn has(&self, id: &str) -> bool {
        self.bundle.has_message(id)
    }

    /// A text without arguments; its id if there is none (so a gap shows).
    pub fn get(&self, id: &str) -> String {
        self.format(id, &[])
    }

    /// A text with named arguments.
    pub fn format(&self, id: &str, args: &[(&str, Arg)]) -> String {
        let Some(pattern) = self.bundle.get_message(id).and_then(|m| m.value()) else {
            return id.to_owned();
        };
        let mut fluent = FluentArgs::new();
        for (name, value) in args {
            fluent.set(*name, self.value(value));
        }
        let mut errors = Vec::new();
        self.bundle
            .format_pattern(pattern, Some(&fluent), &mut errors)
            .into_owned()
    }

    /// A core message in this language.
    pub fn message(&self, message: &Message) -> String {
        let args: Vec<(&str, Arg)> = message
            .args
            .iter()
            .map(|(name, value)| (*name, value.clone()))
            .collect();
        self.format(message.code, &args)
    }

    /// A whole number grouped the language's way: `1.234.567`.
    pub fn number(&self, n: i64) -> String {
        group(self.locale, n as f64, 0)
    }

    /// A decimal with `digits` fraction digits: `2,50` / `2.50`.
    pub fn decimal(&self, value: f64, digits: u8) -> String {
        group(self.locale, value, usize::from(digits))
    }

    /// An amount of đồng, written the đồng's way in every language
    /// (`1.234.567 đ`), as the money fields are typed.
    pub fn money(&self, amount: i64) -> String {
        format!("{} đ", group(Locale::Vi, amount as f64, 0))
    }

    fn value(&self, arg: &Arg) -> FluentValue<'static> {
        match arg {
            Arg::Text(s) => FluentValue::from(s.clone()),
            Arg::Int(n) => FluentValue::from(*n),
            Arg::Decimal { value, digits } => FluentValue::Number(FluentNumber::new(
                *value,
                FluentNumberOptions {
                    minimum_fraction_digits: Some(usize::from(*digits)),
                    maximum_fraction_digits: Some(usize::from(*digits)),
                    ..FluentNumberOptions::default()
                },
            )),
            Arg::Message(m) => FluentValue::from(self.message(m)),
        }
    }
}

fn format_vi<M>(value: &FluentValue, _: &M) -> Option<String> {
    format_number(Locale::Vi, value)
}

fn format_en<M>(value: &FluentValue, _: &M) -> Option<String> {
    format_number(Locale::En, value)
}

fn format_number(locale: Locale, value: &FluentValue) -> Option<String> {
    match value {
        FluentValue::Number(n) => Some(group(
            locale,
            n.value,
            n.options.minimum_fraction_digits.unwrap_or(0),
        )),
        _ => None,
    }
}

/// Digits grouped by three with the language's separators.
fn group(locale: Locale, value: f64, digits: usize) -> String {
    let (thousands, decimal) = locale.separators();
    let text = format!("{:.*}", digits, value.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let mut out = String::with_capacity(text.len() + whole.len() / 3 + 1);
    // "-0" is not a number anyone writes.
    if value < 0.0 && text.bytes().any(|b| b.is_ascii_digit() && b != b'0') {
        out.push('-');
    }
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            out.push(thousands);
        }
        out.push(c);
    }
    if !fraction.is_empty() {
        out.push(decimal);
        out.push_str(fraction);
    }
    out
}

#[cfg(test)]
mod tests;
