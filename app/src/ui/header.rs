//! The header on every page: product name, connection state, display name.

use leptos::prelude::*;
use leptos_router::components::A;

use super::{use_client, DisplayName};
use crate::i18n::*;
use crate::identity;
use crate::sync::Connection;

#[component]
pub fn Header() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <header class="site-header">
            <div class="site-header__inner">
                <A href="/" attr:class="brand">
                    {t!(i18n, app_name)}
                </A>
                <ConnectionStatus />
                <NameField />
                <LanguagePicker />
            </div>
        </header>
        <ServerError />
    }
}

/// "Online", "Syncing…" or "Offline", with the number of unsent changes.
#[component]
fn ConnectionStatus() -> impl IntoView {
    let i18n = use_i18n();
    let status = use_client().with_value(|c| c.status());
    let state = move || match (
        status.connection.get(),
        status.unsent.get() > 0 || status.awaiting.get(),
    ) {
        (Connection::Offline, _) => "offline",
        (Connection::Connected, true) => "syncing",
        (Connection::Connected, false) => "online",
    };
    let text = move || {
        let word = match state() {
            "offline" => t_string!(i18n, status_offline).to_string(),
            "syncing" => t_string!(i18n, status_syncing).to_string(),
            _ => t_string!(i18n, status_online).to_string(),
        };
        let suffix = match status.unsent.get() {
            0 => String::new(),
            1 => t_string!(i18n, unsent_single).to_string(),
            n => fill(t_string!(i18n, unsent_many), &[("count", n.to_string())]),
        };
        format!("{word}{suffix}")
    };
    view! {
        <p class="connection" data-state=state role="status" aria-live="polite">
            <span class="connection__dot" aria-hidden="true"></span>
            <span class="connection__text">{text}</span>
        </p>
    }
}

#[component]
fn NameField() -> impl IntoView {
    let i18n = use_i18n();
    let DisplayName(name) = expect_context::<DisplayName>();
    let client = use_client();
    let on_input = move |ev| {
        let value = event_target_value(&ev);
        identity::save_name(&value);
        name.set(value);
        client.with_value(|c| c.announce_everywhere());
    };
    view! {
        <div class="name-field">
            <label for="display-name">{t!(i18n, your_name)}</label>
            <input
                id="display-name"
                type="text"
                autocomplete="nickname"
                maxlength="80"
                prop:value=move || name.get()
                on:input=on_input
            />
        </div>
    }
}

#[component]
fn LanguagePicker() -> impl IntoView {
    let i18n = use_i18n();
    let on_change = move |ev| {
        let locale = match event_target_value(&ev).as_str() {
            "fr" => Locale::fr,
            _ => Locale::en,
        };
        i18n.set_locale(locale);
    };
    let selected = move |locale: Locale| move || i18n.get_locale() == locale;
    view! {
        <div class="language-field">
            <label for="language">{t!(i18n, language)}</label>
            <select id="language" on:change=on_change>
                <option value="en" lang="en" selected=selected(Locale::en)>
                    "English"
                </option>
                <option value="fr" lang="fr" selected=selected(Locale::fr)>
                    "Français"
                </option>
            </select>
        </div>
    }
}

/// The server's reason for closing the connection, until the next join.
#[component]
fn ServerError() -> impl IntoView {
    let i18n = use_i18n();
    let error = use_client().with_value(|c| c.status()).server_error;
    move || {
        error.get().map(|message| {
            view! {
                <div class="banner banner--error" role="alert">
                    {move || fill(t_string!(i18n, server_error), &[("message", message.clone().to_string())])}
                </div>
            }
        })
    }
}
