//! Accord's browser app: a Leptos single-page app that keeps programme
//! documents as Automerge CRDTs on the device (IndexedDB) and syncs them with
//! the server over the automerge-repo WebSocket protocol.

mod access;
mod admin;
mod approvals;
mod auth;
mod countries;
mod draft;
mod engagements;
mod format;
mod store;
mod submissions;
mod sync;
mod timing;
mod ui;

#[allow(deprecated, clippy::all)]
mod generated {
    leptos_i18n::load_locales!();
}

/// Interface strings, from `app/locales/*.json` (English is the default).
mod i18n {
    pub use crate::generated::i18n::*;
    pub use leptos_i18n::{t_string, td_string, I18nContext, Locale as _};

    /// A translated text that follows the interface language, as
    /// leptos_i18n's `t!` (for keys without placeholders, the only kind the
    /// app passes it). `t!` makes each call site its own closure type, and
    /// Leptos compiles its text-node code once per type (~330 copies); here
    /// each call site is only a `fn` choosing the text, and [`text`] is the
    /// one closure type they all share (smaller wasm, same DOM).
    macro_rules! t {
        ($i18n:expr, $($key:tt)+) => {
            $crate::i18n::text($i18n, |locale| $crate::i18n::td_string!(locale, $($key)+))
        };
    }
    pub(crate) use t;

    /// The text `pick` chooses for the current language, tracked as `t!`'s.
    pub fn text(
        i18n: I18nContext<Locale>,
        pick: fn(Locale) -> &'static str,
    ) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
        move || pick(i18n.get_locale())
    }

    /// Puts values into a translated template's `{name}` placeholders.
    /// Counts (placeholders in [`COUNTS`] holding a whole number) are written
    /// in the interface language's digits and grouping, as dates are.
    pub fn fill(template: impl std::fmt::Display, values: &[(&str, String)]) -> String {
        let locale = leptos::prelude::use_context::<I18nContext<Locale>>()
            .map(|i18n| i18n.get_locale_untracked());
        // In a right-to-left language each value is a bidi isolate (FSI…PDI),
        // so a Latin name or a date cannot reorder the sentence around it.
        let rtl = locale.is_some_and(|l| l.direction() == leptos_i18n::Direction::RightToLeft);
        let mut text = template.to_string();
        for (name, value) in values {
            let placeholder = format!("{{{name}}}");
            let value = match (locale, COUNTS.contains(name), value.parse::<i64>()) {
                (Some(locale), true, Ok(n)) => crate::format::number(n, locale.as_str()),
                _ => value.clone(),
            };
            let value = if rtl {
                format!("\u{2068}{value}\u{2069}")
            } else {
                value
            };
            text = text.replace(&placeholder, &value);
        }
        text
    }

    /// The placeholders that hold counts.
    const COUNTS: [&str; 4] = ["count", "n", "needs", "unaddressed"];
}

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(ui::App);
}
