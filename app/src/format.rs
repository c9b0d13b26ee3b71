//! Dates, times and numbers in the reader's language, by the browser's
//! `Intl` (so Arabic gets its digits, French its spaces): no formatting
//! tables in the app. `locale` is the interface language's tag (`ar`, `fr`…).

use js_sys::{Date, Intl, Object, Reflect};
use wasm_bindgen::JsValue;

fn options(pairs: &[(&str, &str)]) -> Object {
    let options = Object::new();
    for (key, value) in pairs {
        let _ = Reflect::set(&options, &(*key).into(), &(*value).into());
    }
    options
}

fn locales(locale: &str) -> js_sys::Array {
    js_sys::Array::of1(&locale.into())
}

/// A whole number, with the language's digits and grouping.
pub fn number(n: i64, locale: &str) -> String {
    let format = Intl::NumberFormat::new(&locales(locale), &Object::new());
    format
        .format()
        .call1(&format, &JsValue::from_f64(n as f64))
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| n.to_string())
}

/// A moment (ms since 1970): medium date and short time.
pub fn date_time(ms: f64, locale: &str) -> String {
    let date = Date::new(&JsValue::from_f64(ms));
    let options = options(&[("dateStyle", "medium"), ("timeStyle", "short")]);
    String::from(date.to_locale_string(locale, &options))
}

/// The long date of a moment (ms since 1970), e.g. "3 May 2026".
pub fn long_date(ms: f64, locale: &str) -> String {
    let date = Date::new(&JsValue::from_f64(ms));
    String::from(date.to_locale_date_string(locale, &options(&[("dateStyle", "long")])))
}

/// An RFC 3339 time as [`date_time`]; as written if it does not parse.
pub fn date_time_rfc3339(at: &str, locale: &str) -> String {
    match Date::parse(at) {
        ms if ms.is_nan() => at.to_string(),
        ms => date_time(ms, locale),
    }
}

/// The date of an RFC 3339 time as [`long_date`]; its first ten characters
/// (the ISO date) if it does not parse.
pub fn long_date_rfc3339(at: &str, locale: &str) -> String {
    match Date::parse(at) {
        ms if ms.is_nan() => at.get(..10).unwrap_or(at).to_string(),
        ms => long_date(ms, locale),
    }
}
