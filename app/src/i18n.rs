//! The device's language: the chosen [`Words`], kept in the browser's
//! local storage (a setting, not survey data), and the helpers views use.
//! Switching re-renders the app (see `ui::App`); views read texts plainly.

use std::cell::RefCell;

use ntm_core::message::{Arg, Message};
pub use ntm_i18n::Locale;
use ntm_i18n::Words;

/// Where the choice is kept.
const KEY: &str = "ntm-locale";

thread_local! {
    static WORDS: RefCell<Words> = RefCell::new(Words::new(saved()));
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The language kept on this device; Vietnamese when none was chosen.
fn saved() -> Locale {
    storage()
        .and_then(|s| s.get_item(KEY).ok().flatten())
        .and_then(|code| Locale::from_code(&code))
        .unwrap_or_default()
}

/// The language texts are in now.
pub fn locale() -> Locale {
    WORDS.with(|w| w.borrow().locale())
}

/// Speaks `locale` from now on and keeps the choice on the device.
pub fn set_locale(locale: Locale) {
    if let Some(s) = storage() {
        let _ = s.set_item(KEY, locale.code());
    }
    WORDS.with(|w| *w.borrow_mut() = Words::new(locale));
    mark_document();
}

/// Puts the language on `<html lang>` (screen readers, hyphenation, fonts).
pub fn mark_document() {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("lang", locale().code());
    }
}

/// A text by id.
pub fn t(id: &str) -> String {
    WORDS.with(|w| w.borrow().get(id))
}

/// A text with named arguments.
pub fn tf(id: &str, args: &[(&str, Arg)]) -> String {
    WORDS.with(|w| w.borrow().format(id, args))
}

/// A message from the core.
pub fn msg(message: &Message) -> String {
    WORDS.with(|w| w.borrow().message(message))
}

/// The label of a coded value: `prefix-code` (`housing-permanent`).
pub fn label(prefix: &str, code: &str) -> String {
    t(&format!("{prefix}-{code}"))
}

/// A whole number, grouped the language's way.
pub fn number(n: impl Into<i64>) -> String {
    WORDS.with(|w| w.borrow().number(n.into()))
}

/// A decimal with `digits` fraction digits.
pub fn decimal(value: f64, digits: u8) -> String {
    WORDS.with(|w| w.borrow().decimal(value, digits))
}

/// An amount of đồng.
pub fn money(amount: i64) -> String {
    WORDS.with(|w| w.borrow().money(amount))
}

/// The Vietnamese or English of a bilingual catalog or registry field.
pub fn pick<'a>(vi: &'a str, en: &'a str) -> &'a str {
    match locale() {
        Locale::En if !en.is_empty() => en,
        _ => vi,
    }
}
