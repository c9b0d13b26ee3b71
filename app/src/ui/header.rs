//! The header on every page: product name, connection state, who is signed
//! in (with "Sign out"), language; for administrators, a row of tabs
//! (Documents, Administration).

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_location, use_navigate};
use leptos_router::NavigateOptions;

use super::admin::is_admin;
use super::{role_label, use_client, use_session, Auth};
use crate::auth;
use crate::i18n::*;
use crate::sync::Connection;

#[component]
pub fn Header() -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_session();
    let location = use_location();
    let signed_in = Memo::new(move |_| matches!(auth.get(), Auth::SignedIn(_)));
    let admin = Memo::new(move |_| auth.with(is_admin));
    // While the session is being checked, only the quiet loading state shows.
    let shown = move || auth.with(|a| *a != Auth::Checking) || location.pathname.get() == "/login";
    move || {
        shown().then(|| {
            view! {
                <header class="site-header">
                    <div class="site-header__inner">
                        <A href="/" attr:class="brand">
                            {t!(i18n, app_name)}
                        </A>
                        <Show when=move || signed_in.get()>
                            <ConnectionStatus />
                            <Account />
                        </Show>
                        <LanguagePicker />
                    </div>
                    // Administrators have a second place to go: a row of tabs.
                    <Show when=move || admin.get()>
                        <nav
                            class="site-nav"
                            aria-label=t!(i18n, nav_label)
                        >
                            <ul class="site-nav__list">
                                <li>
                                    <A href="/" exact=true attr:class="site-nav__link">
                                        {t!(i18n, nav_documents)}
                                    </A>
                                </li>
                                <li>
                                    <A href="/admin" attr:class="site-nav__link">
                                        {t!(i18n, admin_link)}
                                    </A>
                                </li>
                            </ul>
                        </nav>
                    </Show>
                </header>
                <Show when=move || signed_in.get()>
                    <ServerError />
                </Show>
            }
        })
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

/// The signed-in person's name and role, and "Sign out".
#[component]
fn Account() -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_session();
    let client = use_client();
    let navigate = use_navigate();
    let busy = RwSignal::new(false);
    let me = Memo::new(move |_| match auth.get() {
        Auth::SignedIn(me) => Some(me),
        _ => None,
    });
    let name = move || me.get().map(|m| m.name).unwrap_or_default();
    let role = move || {
        me.get()
            .map(|m| role_label(i18n, &m.role))
            .unwrap_or_default()
    };
    let sign_out = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            // Offline, the cookie survives: clear it on the next start online.
            let cleared = !matches!(auth::logout().await, Err(auth::ApiError::Network));
            auth::set_sign_out_pending(!cleared);
            auth::forget();
            // The next person on this device must not see this one's engagements.
            crate::engagements::forget();
            client.with_value(|c| c.stop());
            auth.set(Auth::SignedOut { by_user: true });
            busy.set(false);
            navigate(
                "/login",
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        });
    };
    view! {
        <div class="account">
            <p class="account__who">
                <span class="visually-hidden">{t!(i18n, signed_in_as)} " "</span>
                <span class="account__name">{name}</span>
                <span class="visually-hidden">", "</span>
                <span class="account__role">{role}</span>
            </p>
            <button
                type="button"
                class="button button--small"
                on:click=sign_out
                disabled=move || busy.get()
            >
                {t!(i18n, sign_out)}
            </button>
        </div>
    }
}

#[component]
fn LanguagePicker() -> impl IntoView {
    let i18n = use_i18n();
    let on_change = move |ev| {
        let chosen = event_target_value(&ev);
        if let Some(locale) = Locale::get_all().iter().find(|l| l.as_str() == chosen) {
            i18n.set_locale(*locale);
            super::remember_language(*locale);
        }
    };
    // Each language by its own name, in its own script and direction.
    view! {
        <div class="language-field">
            <label for="language">{t!(i18n, language)}</label>
            <select id="language" on:change=on_change>
                {Locale::get_all()
                    .iter()
                    .map(|&locale| {
                        view! {
                            <option
                                value=locale.as_str()
                                lang=locale.as_str()
                                dir=locale.direction().as_str()
                                selected=move || i18n.get_locale() == locale
                            >
                                {td_string!(locale, language_autonym)}
                            </option>
                        }
                    })
                    .collect_view()}
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
