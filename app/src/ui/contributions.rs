//! The contributor portal on the dashboard: for NGOs, the Government and
//! individuals, each engagement they may contribute to, their own
//! consultation submissions with their status, and "New submission" —
//! the same consent form as a submission link, then the editor.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

use super::consent::ConsentForm;
use super::dashboard::describe_error;
use crate::countries;
use crate::format::date_time_rfc3339;
use crate::i18n::*;
use crate::submissions::{self, Consent, Contribution, Entry};

#[derive(Debug, Clone, PartialEq)]
enum State {
    Loading,
    Ready(Vec<Contribution>),
    Failed(String),
}

/// A submission's status as people read it.
pub fn status_label(i18n: I18nContext<Locale>, status: &str) -> String {
    match status {
        "draft" => t_string!(i18n, submission_status_draft).to_string(),
        "submitted" => t_string!(i18n, submission_status_submitted).to_string(),
        "withdrawn" => t_string!(i18n, submission_status_withdrawn).to_string(),
        other => other.to_string(),
    }
}

#[component]
pub fn Contributions() -> impl IntoView {
    let i18n = use_i18n();
    let state = RwSignal::new(State::Loading);
    leptos::task::spawn_local(async move {
        let next = match submissions::contributions().await {
            Ok(list) => State::Ready(list),
            Err(e) => State::Failed(describe_error(i18n, &e)),
        };
        state.try_set(next);
    });
    view! {
        <section class="card contributions" aria-labelledby="contributions-heading">
            <h2 id="contributions-heading">{t!(i18n, contrib_heading)}</h2>
            <p class="hint">{t!(i18n, contrib_intro)}</p>
            {move || match state.get() {
                State::Loading => view! { <p class="muted" aria-busy="true">{t!(i18n, admin_loading)}</p> }.into_any(),
                State::Failed(reason) => view! { <p class="error" role="alert">{reason}</p> }.into_any(),
                State::Ready(list) if list.is_empty() => view! { <p class="muted">{t!(i18n, contrib_none)}</p> }.into_any(),
                State::Ready(list) => list
                    .into_iter()
                    .map(|c| view! { <EngagementContributions contribution=c /> })
                    .collect_view()
                    .into_any(),
            }}
        </section>
    }
}

#[component]
fn EngagementContributions(contribution: Contribution) -> impl IntoView {
    let i18n = use_i18n();
    let navigate = use_navigate();
    let locale = move || i18n.get_locale().as_str().to_string();
    let engagement = contribution.engagement.clone();
    let heading_id = format!("contrib-{}", engagement.id);
    let title = if engagement.title.trim().is_empty() {
        t_string!(i18n, untitled_engagement).to_string()
    } else {
        engagement.title.clone()
    };
    let country_code = engagement.country.clone();
    let country = move || countries::label(&country_code, &locale());
    let entries = contribution.submissions.clone();
    let starting = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let engagement_id = StoredValue::new(engagement.id.clone());
    let on_consent = Callback::new(move |consent: Consent| {
        busy.set(true);
        error.set(None);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let answer = submissions::start(&engagement_id.get_value(), &consent).await;
            busy.try_set(false);
            match answer {
                Ok(started) => {
                    navigate(&format!("/doc/{}", started.submission), Default::default())
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
    let new_label = {
        let title = title.clone();
        move || {
            fill(
                t_string!(i18n, contrib_new_named),
                &[("title", title.clone())],
            )
        }
    };
    let form_id = format!("consent-{}", engagement.id);
    view! {
        <article class="contribution" aria-labelledby=heading_id.clone()>
            <h3 id=heading_id.clone()>{title.clone()}<span class="muted contribution__country">" · "{country}</span></h3>
            {entries.is_empty().then(|| view! { <p class="muted">{t!(i18n, contrib_no_submissions)}</p> })}
            <ul class="doc-list contribution__list">
                {entries.into_iter().map(|e| view! { <ContributionRow entry=e /> }).collect_view()}
            </ul>
            <button
                type="button"
                class="button"
                aria-expanded=move || starting.get().to_string()
                aria-controls=form_id.clone()
                aria-label=new_label
                on:click=move |_| starting.update(|s| *s = !*s)
            >
                {t!(i18n, contrib_new)}
            </button>
            <Show when=move || starting.get()>
                <div id=form_id.clone() class="subform contribution__consent">
                    <p>{t!(i18n, contrib_consent_intro)}</p>
                    <ConsentForm
                        prefix=form_id.clone()
                        submit_label=Signal::derive(move || t_string!(i18n, consent_start).to_string())
                        on_consent
                        busy
                        error
                        on_cancel=Callback::new(move |_| starting.set(false))
                    />
                </div>
            </Show>
        </article>
    }
}

#[component]
fn ContributionRow(entry: Entry) -> impl IntoView {
    let i18n = use_i18n();
    let locale = move || i18n.get_locale().as_str().to_string();
    let title = if entry.title.trim().is_empty() {
        t_string!(i18n, trace_untitled).to_string()
    } else {
        entry.title.clone()
    };
    let status = entry.status.clone();
    let when = entry
        .withdrawn_at
        .clone()
        .or(entry.submitted_at.clone())
        .unwrap_or(entry.created_at.clone());
    let status_id = status.clone();
    let name = if entry.withdrawn() {
        view! { <span>{t!(i18n, inbox_withdrawn_title)}</span> }.into_any()
    } else {
        view! { <A href=format!("/doc/{}", entry.id)>{title}</A> }.into_any()
    };
    view! {
        <li>
            {name}
            <span class="tag submission-status" data-status=status_id>{move || status_label(i18n, &status)}</span>
            <span class="muted doc-list__when">{move || date_time_rfc3339(&when, &locale())}</span>
        </li>
    }
}
