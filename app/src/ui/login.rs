//! `/login`: email and password, then on to `next` (a path on this origin).

use leptos::html;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;

use super::{use_session, Auth};
use crate::auth::{self, ApiError};
use crate::i18n::*;

#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_session();
    let query = use_query_map();
    let navigate = use_navigate();
    let email: NodeRef<html::Input> = NodeRef::new();
    let password: NodeRef<html::Input> = NodeRef::new();
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);

    // Signed in (just now, or already when the page opened): go on.
    Effect::new(move |_| {
        if matches!(auth.get(), Auth::SignedIn(_)) {
            let next = query.with_untracked(|q| q.get("next"));
            navigate(
                &auth::safe_next(next.as_deref()),
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        }
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let value = |input: NodeRef<html::Input>| {
            input.get_untracked().map(|i| i.value()).unwrap_or_default()
        };
        let (address, secret) = (value(email).trim().to_string(), value(password));
        if address.is_empty() || secret.is_empty() {
            error.set(Some(t_string!(i18n, login_empty).to_string()));
            return;
        }
        error.set(None);
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = auth::login(&address, &secret).await;
            busy.set(false);
            match result {
                Ok(me) => {
                    auth::remember(&me);
                    auth::set_sign_out_pending(false);
                    auth.set(Auth::SignedIn(me));
                }
                Err(e) => error.set(Some(message(i18n, e))),
            }
        });
    };

    view! {
        <div class="page login">
            <section class="card login__card" aria-labelledby="login-heading">
                <h1 id="login-heading">{t!(i18n, login_heading)}</h1>
                <form class="login__form" on:submit=on_submit novalidate>
                    <div class="field">
                        <label for="login-email">{t!(i18n, login_email)}</label>
                        <input
                            id="login-email"
                            name="email"
                            type="email"
                            autocomplete="username"
                            spellcheck="false"
                            autocapitalize="none"
                            required
                            aria-describedby=move || error.get().map(|_| "login-error")
                            node_ref=email
                        />
                    </div>
                    <div class="field">
                        <label for="login-password">{t!(i18n, login_password)}</label>
                        <input
                            id="login-password"
                            name="password"
                            type="password"
                            autocomplete="current-password"
                            required
                            aria-describedby=move || error.get().map(|_| "login-error")
                            node_ref=password
                        />
                    </div>
                    {move || {
                        error.get().map(|e| view! {
                            <p id="login-error" class="error login__error" role="alert">{e}</p>
                        })
                    }}
                    <button
                        type="submit"
                        class="button button--primary login__submit"
                        disabled=move || busy.get()
                        aria-busy=move || busy.get().then_some("true")
                    >
                        {t!(i18n, sign_in)}
                    </button>
                </form>
            </section>
        </div>
    }
}

/// The server's own words when it gave some; ours otherwise.
fn message(i18n: I18nContext<Locale>, error: ApiError) -> String {
    match error {
        ApiError::Refused {
            message: Some(message),
            ..
        } => message,
        ApiError::Refused { status: 401, .. } => t_string!(i18n, login_rejected).to_string(),
        ApiError::Refused { status, .. } => fill(
            t_string!(i18n, login_failed),
            &[("status", status.to_string())],
        ),
        ApiError::Network => t_string!(i18n, login_offline).to_string(),
        ApiError::Unreadable => t_string!(i18n, login_unavailable).to_string(),
    }
}
