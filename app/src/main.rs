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
mod store;
mod submissions;
mod sync;
mod ui;

#[allow(deprecated, clippy::all)]
mod generated {
    leptos_i18n::load_locales!();
}

/// Interface strings, from `app/locales/*.json` (English is the default).
mod i18n {
    pub use crate::generated::i18n::*;
    pub use leptos_i18n::{t, t_string, I18nContext};

    /// Puts values into a translated template's `{name}` placeholders.
    pub fn fill(template: impl std::fmt::Display, values: &[(&str, String)]) -> String {
        let mut text = template.to_string();
        for (name, value) in values {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }
}

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(ui::App);
}
