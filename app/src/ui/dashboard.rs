//! The dashboard at `/`: the engagements the person may see, by country,
//! filterable by stage and country, with the counts that need attention;
//! "New engagement" for those who may start one; the documents on this
//! device below. The last list is kept on the device, so the dashboard shows
//! offline, marked as from the last connection.

use accord_shared::docs::vocab::{PresenceType, Stage};
use accord_shared::policy::{Role, WritePolicy};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

use super::home::DeviceDocuments;
use super::vocab::{label_of, Vocabulary};
use super::{use_client, use_session, Auth};
use crate::auth::ApiError;
use crate::countries;
use crate::engagements::{self, ApprovalState, EngagementSummary};
use crate::i18n::*;

/// Where the list on screen comes from.
#[derive(Debug, Clone, PartialEq)]
enum Listing {
    Loading,
    /// The server's answer just now.
    Live(Vec<EngagementSummary>),
    /// No answer: the list from the last connection (fetched at, ms).
    Remembered(Vec<EngagementSummary>, f64, Option<String>),
    /// No answer and nothing remembered.
    Failed(String),
}

#[component]
pub fn Dashboard() -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_session();
    let may_create = Memo::new(move |_| match auth.get() {
        Auth::SignedIn(me) => matches!(
            me.role.parse::<Role>(),
            Ok(Role::Admin | Role::FieldOfficer)
        ),
        _ => false,
    });
    // NGOs, the Government and individuals contribute consultation submissions;
    // NGOs and individuals see nothing else of an engagement.
    let role = Memo::new(move |_| match auth.get() {
        Auth::SignedIn(me) => me.role.parse::<Role>().ok(),
        _ => None,
    });
    let contributes = Memo::new(move |_| {
        matches!(
            role.get(),
            Some(Role::Ngo | Role::Government | Role::Individual)
        )
    });
    let lists_engagements =
        Memo::new(move |_| !matches!(role.get(), Some(Role::Ngo | Role::Individual)));
    let creating = RwSignal::new(false);
    view! {
        <div class="page dashboard">
            <div class="page-head">
                <h1>{t!(i18n, dashboard_heading)}</h1>
                <Show when=move || may_create.get()>
                    <button
                        type="button"
                        class="button button--primary"
                        aria-expanded=move || creating.get().to_string()
                        aria-controls="new-engagement"
                        on:click=move |_| creating.update(|c| *c = !*c)
                    >
                        {t!(i18n, new_engagement)}
                    </button>
                </Show>
            </div>
            <Show when=move || may_create.get() && creating.get()>
                <NewEngagementForm on_cancel=Callback::new(move |_| creating.set(false)) />
            </Show>
            <Show when=move || contributes.get()>
                <super::contributions::Contributions />
            </Show>
            <Show when=move || lists_engagements.get()>
                <Engagements />
            </Show>
            <DeviceDocuments creates=Signal::derive(move || role.get().is_some_and(WritePolicy::may_create_documents)) />
        </div>
    }
}

/// Why an API call gave no answer, in the person's words.
pub fn describe_error(i18n: I18nContext<Locale>, error: &ApiError) -> String {
    match error {
        ApiError::Network => t_string!(i18n, dashboard_offline).to_string(),
        ApiError::Refused {
            message: Some(m), ..
        } => m.clone(),
        ApiError::Refused { status, .. } => fill(
            t_string!(i18n, admin_failed),
            &[("status", status.to_string())],
        ),
        ApiError::Unreadable => t_string!(i18n, admin_unreadable).to_string(),
    }
}

#[component]
fn Engagements() -> impl IntoView {
    let i18n = use_i18n();
    let listing = RwSignal::new(match engagements::cached() {
        Some(c) => Listing::Remembered(c.engagements, c.fetched, None),
        None => Listing::Loading,
    });
    let connection = use_client().with_value(|c| c.status()).connection;
    // On opening, and again each time the connection comes back.
    Effect::new(move |_| {
        let _ = connection.get();
        leptos::task::spawn_local(async move {
            let answer = engagements::list().await;
            let next = match answer {
                Ok(list) => Listing::Live(list),
                Err(e) => {
                    let reason = describe_error(i18n, &e);
                    match engagements::cached() {
                        Some(c) => Listing::Remembered(c.engagements, c.fetched, Some(reason)),
                        None => Listing::Failed(reason),
                    }
                }
            };
            if listing.try_get_untracked().as_ref() != Some(&next) {
                listing.try_set(next);
            }
        });
    });
    let all = Memo::new(move |_| {
        listing.with(|l| match l {
            Listing::Live(list) | Listing::Remembered(list, _, _) => list.clone(),
            _ => Vec::new(),
        })
    });
    let stage_filter = RwSignal::new(String::new());
    let country_filter = RwSignal::new(String::new());
    let countries_present = Memo::new(move |_| {
        let mut codes: Vec<String> = all.with(|l| l.iter().map(|e| e.country.clone()).collect());
        codes.sort();
        codes.dedup();
        codes
    });
    // By country, then title; only what the filters let through.
    let groups = Memo::new(move |_| {
        let stage = stage_filter.get();
        let country = country_filter.get();
        let mut shown: Vec<EngagementSummary> = all.with(|l| {
            l.iter()
                .filter(|e| stage.is_empty() || e.stage == stage)
                .filter(|e| country.is_empty() || e.country == country)
                .cloned()
                .collect()
        });
        shown.sort_by(|a, b| a.country.cmp(&b.country).then(a.title.cmp(&b.title)));
        let mut groups: Vec<(String, Vec<EngagementSummary>)> = Vec::new();
        for e in shown {
            match groups.last_mut() {
                Some((c, list)) if *c == e.country => list.push(e),
                _ => groups.push((e.country.clone(), vec![e])),
            }
        }
        groups
    });
    let locale = move || i18n.get_locale().as_str().to_string();
    view! {
        <section class="card" aria-labelledby="engagements-heading">
            <h2 id="engagements-heading" class="visually-hidden">{t!(i18n, dashboard_heading)}</h2>
            {move || listing.with(|l| match l {
                Listing::Remembered(_, fetched, reason) => Some(view! {
                    <p class="note" role="status">
                        {fill(t_string!(i18n, dashboard_remembered), &[("when", crate::format::date_time(*fetched, &locale()))])}
                        {reason.clone().map(|r| view! { " " <span class="muted">{r}</span> })}
                    </p>
                }.into_any()),
                Listing::Failed(reason) => Some(view! {
                    <p class="error dashboard__error" role="alert">{reason.clone()}</p>
                }.into_any()),
                _ => None,
            })}
            <div class="filters" role="group" aria-label=t!(i18n, filters_label)>
                <div class="field field--inline">
                    <label for="filter-stage">{t!(i18n, filter_stage)}</label>
                    <select id="filter-stage" on:change=move |ev| stage_filter.set(event_target_value(&ev))>
                        <option value="" selected=move || stage_filter.with(String::is_empty)>{t!(i18n, filter_all_stages)}</option>
                        {Stage::ALL.iter().map(|s| {
                            let id = s.as_str();
                            view! { <option value=id selected=move || stage_filter.with(|f| f == id)>{move || s.label(i18n)}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <div class="field field--inline">
                    <label for="filter-country">{t!(i18n, filter_country)}</label>
                    <select id="filter-country" on:change=move |ev| country_filter.set(event_target_value(&ev))>
                        <option value="" selected=move || country_filter.with(String::is_empty)>{t!(i18n, filter_all_countries)}</option>
                        <For each=move || countries_present.get() key=|c| c.clone() let:code>
                            {
                                let value = code.clone();
                                let selected = code.clone();
                                view! {
                                    <option value=value selected=move || country_filter.with(|f| *f == selected)>
                                        {move || countries::label(&code, &locale())}
                                    </option>
                                }
                            }
                        </For>
                    </select>
                </div>
            </div>
            {move || match listing.with(|l| matches!(l, Listing::Loading | Listing::Failed(_))) {
                true => listing.with(|l| matches!(l, Listing::Loading)).then(|| view! {
                    <p class="muted">{t!(i18n, admin_loading)}</p>
                }).into_any(),
                false if all.with(Vec::is_empty) => view! {
                    <p class="muted">{t!(i18n, dashboard_empty)}</p>
                }.into_any(),
                false if groups.with(Vec::is_empty) => view! {
                    <p class="muted">{t!(i18n, dashboard_none_match)}</p>
                }.into_any(),
                false => view! { <EngagementTable groups /> }.into_any(),
            }}
        </section>
    }
}

type Groups = Memo<Vec<(String, Vec<EngagementSummary>)>>;

#[component]
fn EngagementTable(groups: Groups) -> impl IntoView {
    let i18n = use_i18n();
    let locale = move || i18n.get_locale().as_str().to_string();
    view! {
        <div class="table-wrap">
            <table class="table engagements">
                <caption class="visually-hidden">{t!(i18n, dashboard_caption)}</caption>
                <thead>
                    <tr>
                        <th scope="col">{t!(i18n, col_engagement)}</th>
                        <th scope="col">{t!(i18n, col_stage)}</th>
                        <th scope="col" class="num">{t!(i18n, col_open_needs)}</th>
                        <th scope="col" class="num">{t!(i18n, col_outputs)}</th>
                        <th scope="col" class="num">{t!(i18n, col_overdue)}</th>
                        <th scope="col" class="num">{t!(i18n, col_new_submissions)}</th>
                        <th scope="col">{t!(i18n, col_approvals)}</th>
                        <th scope="col">{t!(i18n, col_last_move)}</th>
                    </tr>
                </thead>
                {move || groups.get().into_iter().map(|(country, rows)| view! {
                    <tbody>
                        <tr class="engagements__group">
                            <th colspan="8" scope="rowgroup">{move || countries::label(&country, &locale())}</th>
                        </tr>
                        {rows.into_iter().map(|e| view! { <EngagementRow e /> }).collect_view()}
                    </tbody>
                }).collect_view()}
            </table>
        </div>
    }
}

/// "Assessment: approved, 2 changes since" per approvable document the
/// person reads, one line each; nothing for the others.
fn approvals(i18n: I18nContext<Locale>, e: &EngagementSummary) -> impl IntoView {
    use accord_shared::policy::DocKind;
    let mut lines: Vec<(String, Option<ApprovalState>)> = Vec::new();
    for kind in [DocKind::Request, DocKind::Assessment, DocKind::Programme] {
        if let Some(state) = e.approvals.get(kind.as_str()) {
            lines.push((super::kind_label(i18n, kind), state.clone()));
        }
    }
    for ev in &e.evaluations {
        let name = if ev.title.trim().is_empty() {
            super::kind_label(i18n, DocKind::Evaluation)
        } else {
            ev.title.clone()
        };
        lines.push((name, ev.approval.clone()));
    }
    lines
        .into_iter()
        .map(|(name, state)| {
            let (text, class) = match state.map(|s| s.changes_since) {
                None => (
                    t_string!(i18n, approval_note_none).to_string(),
                    "approval-note",
                ),
                Some(0) => (
                    t_string!(i18n, approval_note_since_none).to_string(),
                    "approval-note approval-note--approved",
                ),
                Some(1) => (
                    t_string!(i18n, approval_note_since_one).to_string(),
                    "approval-note approval-note--approved approval-note--changed",
                ),
                Some(n) => (
                    fill(
                        t_string!(i18n, approval_note_since_many),
                        &[("count", n.to_string())],
                    ),
                    "approval-note approval-note--approved approval-note--changed",
                ),
            };
            view! {
                <span class="engagements__approval">
                    <span class="muted">{name}": "</span><span class=class>{text}</span>
                </span>
            }
        })
        .collect_view()
}

#[component]
fn EngagementRow(e: EngagementSummary) -> impl IntoView {
    let i18n = use_i18n();
    let locale = move || i18n.get_locale().as_str().to_string();
    let href = format!("/engagement/{}", e.id);
    let title = e.title.clone();
    let stage = e.stage.clone();
    let stage_id = e.stage.clone();
    let presence = e.presence.clone();
    let count = move |n: Option<u32>| match n {
        Some(n) => view! { <span>{n}</span> }.into_any(),
        None => view! {
            <span aria-hidden="true">"—"</span>
            <span class="visually-hidden">{t!(i18n, count_hidden)}</span>
        }
        .into_any(),
    };
    let last_move = e.last_move.clone();
    view! {
        <tr>
            <th scope="row">
                <A href=href>
                    {move || if title.trim().is_empty() { t_string!(i18n, untitled_engagement).to_string() } else { title.clone() }}
                </A>
                <span class="engagements__presence">{move || label_of::<PresenceType>(i18n, &presence)}</span>
            </th>
            <td><span class="stage" data-stage=stage_id>{move || label_of::<Stage>(i18n, &stage)}</span></td>
            <td class="num">{count(e.counts.open_needs)}</td>
            <td class="num">{count(e.counts.outputs)}</td>
            <td class="num">{count(e.counts.overdue_actions)}</td>
            <td class="num">{match e.counts.new_submissions {
                Some(n) if n > 0 => view! {
                    <A href=format!("/engagement/{}/submissions", e.id)>{n}</A>
                }.into_any(),
                other => count(other).into_any(),
            }}</td>
            <td class="engagements__approvals">{approvals(i18n, &e)}</td>
            <td class="engagements__move">
                {match last_move {
                    Some(m) => {
                        let to = m.to.clone();
                        view! {
                            <span>{move || label_of::<Stage>(i18n, &to)}</span>
                            <span class="muted">{move || fill(t_string!(i18n, last_move_by), &[("name", m.by.clone()), ("when", crate::format::date_time_rfc3339(&m.at, &locale()))])}</span>
                        }.into_any()
                    }
                    None => view! {
                        <span aria-hidden="true">"—"</span>
                        <span class="visually-hidden">{t!(i18n, no_moves)}</span>
                    }.into_any(),
                }}
            </td>
        </tr>
    }
}

/// A country code as typed: upper case, letters only, at most three.
pub fn clean_country(input: &str) -> String {
    input
        .chars()
        .filter(|c| c.is_ascii_alphabetic())
        .take(3)
        .collect::<String>()
        .to_ascii_uppercase()
}

#[component]
fn NewEngagementForm(on_cancel: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let navigate = use_navigate();
    let title = RwSignal::new(String::new());
    let country = RwSignal::new(String::new());
    let presence = RwSignal::new(PresenceType::CountryOffice.as_str().to_string());
    let title_error = RwSignal::new(None::<String>);
    let country_error = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let locale = move || i18n.get_locale().as_str().to_string();
    let country_name = move || {
        let code = country.get();
        countries::name(&code, &locale())
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let t = title.get_untracked().trim().to_string();
        let c = country.get_untracked();
        title_error.set(
            t.is_empty()
                .then(|| t_string!(i18n, new_engagement_title_missing).to_string()),
        );
        country_error
            .set((!countries::is_known(&c)).then(|| t_string!(i18n, country_invalid).to_string()));
        if t.is_empty() {
            focus("new-engagement-title");
            return;
        }
        if !countries::is_known(&c) {
            focus("new-engagement-country");
            return;
        }
        busy.set(true);
        error.set(None);
        let p = presence.get_untracked();
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let result = engagements::create(&t, &c, &p).await;
            busy.set(false);
            match result {
                Ok(created) => navigate(&format!("/engagement/{}", created.id), Default::default()),
                Err(e) => error.set(Some(fill(
                    t_string!(i18n, new_engagement_error),
                    &[("reason", describe_error(i18n, &e))],
                ))),
            }
        });
    };
    request_animation_frame(|| {
        focus("new-engagement-title");
    });
    view! {
        <section id="new-engagement" class="card new-engagement" aria-labelledby="new-engagement-heading">
            <h2 id="new-engagement-heading">{t!(i18n, new_engagement_heading)}</h2>
            <form on:submit=on_submit novalidate>
                <div class="field">
                    <label for="new-engagement-title">{t!(i18n, engagement_title)}</label>
                    <input
                        id="new-engagement-title"
                        type="text"
                        autocomplete="off"
                        aria-invalid=move || title_error.get().is_some().then_some("true")
                        aria-describedby=move || title_error.get().is_some().then_some("new-engagement-title-error")
                        prop:value=move || title.get()
                        on:input=move |ev| title.set(event_target_value(&ev))
                    />
                    {move || title_error.get().map(|e| view! { <p id="new-engagement-title-error" class="error">{e}</p> })}
                </div>
                <div class="field-row">
                    <div class="field field--narrow">
                        <label for="new-engagement-country">{t!(i18n, engagement_country)}</label>
                        <p id="new-engagement-country-hint" class="hint">{t!(i18n, country_hint)}</p>
                        <input
                            id="new-engagement-country"
                            type="text"
                            class="input--code"
                            maxlength="3"
                            autocomplete="off"
                            spellcheck="false"
                            aria-invalid=move || country_error.get().is_some().then_some("true")
                            aria-describedby=move || if country_error.get().is_some() {
                                "new-engagement-country-hint new-engagement-country-name new-engagement-country-error"
                            } else {
                                "new-engagement-country-hint new-engagement-country-name"
                            }
                            prop:value=move || country.get()
                            on:input=move |ev| {
                                let cleaned = clean_country(&event_target_value(&ev));
                                country.set(cleaned);
                                country_error.set(None);
                            }
                        />
                        <p id="new-engagement-country-name" class="hint country-name" aria-live="polite">{country_name}</p>
                        {move || country_error.get().map(|e| view! { <p id="new-engagement-country-error" class="error">{e}</p> })}
                    </div>
                    <div class="field">
                        <label for="new-engagement-presence">{t!(i18n, engagement_presence)}</label>
                        <select id="new-engagement-presence" on:change=move |ev| presence.set(event_target_value(&ev))>
                            {PresenceType::ALL.iter().map(|p| {
                                let id = p.as_str();
                                view! { <option value=id selected=move || presence.with(|v| v == id)>{move || p.label(i18n)}</option> }
                            }).collect_view()}
                        </select>
                    </div>
                </div>
                {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                <div class="actions">
                    <button type="submit" class="button button--primary" disabled=move || busy.get()>
                        {t!(i18n, create_engagement)}
                    </button>
                    <button type="button" class="button" on:click=move |_| on_cancel.run(())>
                        {t!(i18n, cancel)}
                    </button>
                </div>
            </form>
        </section>
    }
}

fn focus(id: &str) {
    if let Some(el) = document().get_element_by_id(id) {
        if let Ok(el) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el) {
            let _ = el.focus();
        }
    }
}
