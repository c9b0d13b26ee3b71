//! Consent first: the form a person fills in before anything of theirs is
//! stored (stay anonymous or not, how confidential their identity is, and
//! an explicit "I agree"), shared by the two ways of starting a
//! consultation submission — a submission link at `/submit/:token` for
//! people without an account, and "New submission" in a contributor's
//! portal. Nothing is sent until the button is pressed.

use accord_shared::docs::vocab::Confidentiality;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};

use super::dashboard::describe_error;
use super::vocab::Vocabulary;
use super::{use_session, Auth};
use crate::auth::{self, ApiError};
use crate::countries;
use crate::engagements;
use crate::format::date_time_rfc3339;
use crate::i18n::*;
use crate::submissions::{self, Consent, LinkInfo};

/// What each confidentiality means for the person choosing it.
fn confidentiality_hint(i18n: I18nContext<Locale>, c: Confidentiality) -> String {
    match c {
        Confidentiality::Public => t_string!(i18n, consent_public_hint).to_string(),
        Confidentiality::Internal => t_string!(i18n, consent_internal_hint).to_string(),
        Confidentiality::Confidential => t_string!(i18n, consent_confidential_hint).to_string(),
    }
}

/// The order the form offers them in: the most protective first.
const CONFIDENTIALITY_ORDER: [Confidentiality; 3] = [
    Confidentiality::Confidential,
    Confidentiality::Internal,
    Confidentiality::Public,
];

/// Anonymity, identity, confidentiality and "I agree"; `on_consent` gets
/// the consent only once the person has agreed. `prefix` keeps element ids
/// unique when more than one form could be on a page.
#[component]
pub fn ConsentForm(
    #[prop(into)] prefix: String,
    #[prop(into)] submit_label: Signal<String>,
    on_consent: Callback<Consent>,
    #[prop(into)] busy: Signal<bool>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(optional)] on_cancel: Option<Callback<()>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let anonymous = RwSignal::new(true);
    let name = RwSignal::new(String::new());
    let organisation = RwSignal::new(String::new());
    let contact = RwSignal::new(String::new());
    let confidentiality = RwSignal::new(Confidentiality::Confidential);
    let agreed = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);

    let id = move |part: &str| format!("{prefix}-{part}");
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        if !agreed.get_untracked() {
            problem.set(Some(t_string!(i18n, consent_must_agree).to_string()));
            return;
        }
        let anon = anonymous.get_untracked();
        if !anon && name.with_untracked(|n| n.trim().is_empty()) {
            problem.set(Some(t_string!(i18n, consent_name_missing).to_string()));
            return;
        }
        problem.set(None);
        let keep = |s: RwSignal<String>| {
            if anon {
                String::new()
            } else {
                s.get_untracked().trim().to_string()
            }
        };
        on_consent.run(Consent {
            consent: true,
            anonymous: anon,
            name: keep(name),
            organisation: keep(organisation),
            contact: keep(contact),
            confidentiality: confidentiality.get_untracked().as_str().to_string(),
        });
    };

    let group = id("identity");
    let anon_id = id("anonymous");
    let named_id = id("named");
    let name_id = id("name");
    let org_id = id("organisation");
    let contact_id = id("contact");
    let conf_group = id("confidentiality");
    let agree_id = id("agree");
    let agree_hint = id("agree-hint");
    let problem_id = id("problem");
    let text_input =
        move |input_id: String, value: RwSignal<String>, autocomplete: &'static str| {
            view! {
                <input
                    id=input_id
                    type="text"
                    autocomplete=autocomplete
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))
                />
            }
        };
    view! {
        <form class="consent-form" on:submit=on_submit novalidate>
            <fieldset class="choice">
                <legend>{t!(i18n, consent_identity_legend)}</legend>
                <div class="choice__option">
                    <input
                        id=anon_id.clone()
                        type="radio"
                        name=group.clone()
                        prop:checked=move || anonymous.get()
                        aria-describedby=format!("{anon_id}-hint")
                        on:change=move |_| anonymous.set(true)
                    />
                    <label for=anon_id.clone()>{t!(i18n, consent_anonymous)}</label>
                    <p id=format!("{anon_id}-hint") class="hint">{t!(i18n, consent_anonymous_hint)}</p>
                </div>
                <div class="choice__option">
                    <input
                        id=named_id.clone()
                        type="radio"
                        name=group
                        prop:checked=move || !anonymous.get()
                        aria-describedby=format!("{named_id}-hint")
                        on:change=move |_| anonymous.set(false)
                    />
                    <label for=named_id.clone()>{t!(i18n, consent_named)}</label>
                    <p id=format!("{named_id}-hint") class="hint">{t!(i18n, consent_named_hint)}</p>
                </div>
            </fieldset>
            <Show when=move || !anonymous.get()>
                <div class="consent-form__identity">
                    <div class="field">
                        <label for=name_id.clone()>{t!(i18n, consent_name)}</label>
                        {text_input(name_id.clone(), name, "name")}
                    </div>
                    <div class="field">
                        <label for=org_id.clone()>{t!(i18n, consent_organisation)}</label>
                        {text_input(org_id.clone(), organisation, "organization")}
                    </div>
                    <div class="field">
                        <label for=contact_id.clone()>{t!(i18n, consent_contact)}</label>
                        {text_input(contact_id.clone(), contact, "email")}
                    </div>
                </div>
            </Show>
            <fieldset class="choice">
                <legend>{t!(i18n, consent_confidentiality_legend)}</legend>
                <p class="hint">{t!(i18n, consent_confidentiality_intro)}</p>
                {CONFIDENTIALITY_ORDER.into_iter().map(|c| {
                    let option_id = format!("{conf_group}-{}", c.as_str());
                    let hint_id = format!("{option_id}-hint");
                    view! {
                        <div class="choice__option">
                            <input
                                id=option_id.clone()
                                type="radio"
                                name=conf_group.clone()
                                value=c.as_str()
                                prop:checked=move || confidentiality.get() == c
                                aria-describedby=hint_id.clone()
                                on:change=move |_| confidentiality.set(c)
                            />
                            <label for=option_id>{move || c.label(i18n)}</label>
                            <p id=hint_id class="hint">{move || confidentiality_hint(i18n, c)}</p>
                        </div>
                    }
                }).collect_view()}
            </fieldset>
            <div class="consent-form__agree">
                <input
                    id=agree_id.clone()
                    type="checkbox"
                    prop:checked=move || agreed.get()
                    aria-describedby=agree_hint.clone()
                    on:change=move |ev| {
                        agreed.set(event_target_checked(&ev));
                        if event_target_checked(&ev) {
                            problem.set(None);
                        }
                    }
                />
                <label for=agree_id>{t!(i18n, consent_agree)}</label>
                <p id=agree_hint class="hint">{t!(i18n, consent_agree_hint)}</p>
            </div>
            {move || problem.get().or_else(|| error.get()).map(|e| view! {
                <p id=problem_id.clone() class="error" role="alert">{e}</p>
            })}
            <div class="actions">
                <button type="submit" class="button button--primary" disabled=move || busy.get()>
                    {submit_label}
                </button>
                {on_cancel.map(|cancel| view! {
                    <button type="button" class="button" on:click=move |_| cancel.run(())>
                        {t!(i18n, consent_cancel)}
                    </button>
                })}
            </div>
        </form>
    }
}

/// Where the link page stands.
#[derive(Debug, Clone, PartialEq)]
enum LinkPage {
    Loading,
    Ready(LinkInfo),
    /// 410: revoked or expired (the page says so in the reader's language).
    Gone,
    /// 404.
    Unknown,
    /// No answer (offline) or another refusal.
    Failed(String),
}

/// `/submit/:token`: what the input is for and who sees it, then the
/// consent form. Open to anyone with the link; no account.
#[component]
pub fn SubmitLinkPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let token = Memo::new(move |_| params.with(|p| p.get("token").unwrap_or_default()));
    let page = RwSignal::new(LinkPage::Loading);
    Effect::new(move |_| {
        let token = token.get();
        leptos::task::spawn_local(async move {
            let next = match submissions::link_info(&token).await {
                Ok(info) => LinkPage::Ready(info),
                Err(ApiError::Refused { status: 410, .. }) => LinkPage::Gone,
                Err(ApiError::Refused { status: 404, .. }) => LinkPage::Unknown,
                Err(e) => LinkPage::Failed(describe_error(i18n, &e)),
            };
            page.try_set(next);
        });
    });
    view! {
        <div class="page consent-page">
            {move || match page.get() {
                LinkPage::Loading => view! {
                    <p class="loading" aria-busy="true">{t!(i18n, admin_loading)}</p>
                }.into_any(),
                LinkPage::Ready(info) => view! { <LinkConsent token=token.get_untracked() info /> }.into_any(),
                LinkPage::Gone => view! {
                    <div class="card not-found" role="alert">
                        <h1>{t!(i18n, link_gone_heading)}</h1>
                        <p>{t!(i18n, link_gone)}</p>
                    </div>
                }.into_any(),
                LinkPage::Unknown => view! {
                    <div class="card not-found" role="alert">
                        <h1>{t!(i18n, link_unknown_heading)}</h1>
                        <p>{t!(i18n, link_unknown)}</p>
                    </div>
                }.into_any(),
                LinkPage::Failed(reason) => view! {
                    <div class="card" role="alert">
                        <h1>{t!(i18n, link_failed_heading)}</h1>
                        <p>{reason}</p>
                    </div>
                }.into_any(),
            }}
        </div>
    }
}

#[component]
fn LinkConsent(token: String, info: LinkInfo) -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_session();
    let navigate = use_navigate();
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let locale = move || i18n.get_locale().as_str().to_string();
    let title = info.engagement.title.clone();
    let country_code = info.engagement.country.clone();
    let country = move || countries::name(&country_code, &locale()).unwrap_or(country_code.clone());
    let consented = info.consented;
    let expires = info.expires_at.clone();
    let token = StoredValue::new(token);
    let on_consent = Callback::new(move |consent: Consent| {
        busy.set(true);
        error.set(None);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let answer = submissions::link_consent(&token.get_value(), &consent).await;
            busy.try_set(false);
            match answer {
                Ok(started) => {
                    // The server has signed this person in as the link's contributor.
                    let me = match started.user {
                        Some(me) => Some(me),
                        None => auth::fetch_me().await.ok().flatten(),
                    };
                    if let Some(me) = me {
                        engagements::forget();
                        auth::remember(&me);
                        auth::set_sign_out_pending(false);
                        auth.set(Auth::SignedIn(me));
                    }
                    navigate(&format!("/doc/{}", started.submission), Default::default());
                }
                Err(e) => {
                    error.try_set(Some(fill(
                        t_string!(i18n, consent_failed),
                        &[("reason", describe_error(i18n, &e))],
                    )));
                }
            }
        });
    });
    let purpose = {
        let title = title.clone();
        let country = country.clone();
        move || {
            fill(
                t_string!(i18n, link_purpose),
                &[("title", title.clone()), ("country", country())],
            )
        }
    };
    view! {
        <header class="page-head page-head--stacked">
            <h1>{t!(i18n, link_heading)}</h1>
            <p class="page-head__meta">{title.clone()}" · "{country.clone()}</p>
        </header>
        <section class="card consent-info" aria-labelledby="consent-purpose-heading">
            <h2 id="consent-purpose-heading">{t!(i18n, link_purpose_heading)}</h2>
            <p>{purpose}</p>
            <h2>{t!(i18n, link_audience_heading)}</h2>
            <p>{t!(i18n, link_audience)}</p>
            <p>{t!(i18n, link_never_government)}</p>
            <h2>{t!(i18n, link_rights_heading)}</h2>
            <p>{t!(i18n, link_rights)}</p>
            <p class="muted">{move || fill(t_string!(i18n, link_expires), &[("when", date_time_rfc3339(&expires, &locale()))])}</p>
        </section>
        <section class="card" aria-labelledby="consent-form-heading">
            <h2 id="consent-form-heading">{t!(i18n, consent_heading)}</h2>
            {consented.then(|| view! { <p class="note" role="note">{t!(i18n, link_already_started)}</p> })}
            <ConsentForm
                prefix="consent"
                submit_label=Signal::derive(move || if consented {
                    t_string!(i18n, consent_continue).to_string()
                } else {
                    t_string!(i18n, consent_start).to_string()
                })
                on_consent
                busy
                error
            />
        </section>
    }
}
