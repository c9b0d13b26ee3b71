//! The documents on this device (offline, these are what opens), a new
//! draft document, opening a shared one: the lower part of the dashboard.

use accord_shared::{schema, DocumentId};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

use super::kind_label;
use crate::draft::new_document;
use crate::i18n::*;
use crate::store::{self, StoredDocument};

/// `creates`: whether the person may start documents of their own and open
/// shared ones (contributors write only the submissions started for them,
/// so they get the list alone: what opens offline).
#[component]
pub fn DeviceDocuments(#[prop(into)] creates: Signal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card" aria-labelledby="documents-heading">
            <div class="card__head">
                <h2 id="documents-heading">{t!(i18n, home_heading)}</h2>
                <Show when=move || creates.get()>
                    <NewDocumentButton />
                </Show>
            </div>
            <DocumentList />
        </section>
        <Show when=move || creates.get()>
            <OpenForm />
        </Show>
    }
}

#[component]
fn DocumentList() -> impl IntoView {
    let i18n = use_i18n();
    let documents = LocalResource::new(store::list);
    move || {
        documents.get().map(|result| match result {
            Err(e) => view! {
                <p class="error" role="alert">
                    {move || fill(t_string!(i18n, store_error), &[("reason", e.to_string().to_string())])}
                </p>
            }
            .into_any(),
            Ok(list) if list.is_empty() => {
                view! { <p class="muted">{t!(i18n, home_empty)}</p> }.into_any()
            }
            Ok(list) => view! {
                <ul class="doc-list">
                    {list
                        .into_iter()
                        .map(|doc| {
                            let href = format!("/doc/{}", doc.id);
                            let title = doc.title.clone();
                            let kind = doc.kind.parse::<accord_shared::policy::DocKind>().ok();
                            let updated = doc.updated;
                            view! {
                                <li>
                                    <A href=href>
                                        {move || match (title.trim().is_empty(), kind) {
                                            // A request has no title: its kind names it.
                                            (true, Some(k)) => kind_label(i18n, k),
                                            (true, None) => t_string!(i18n, untitled).to_string(),
                                            (false, _) => title.clone(),
                                        }}
                                    </A>
                                    {kind.filter(|_| !doc.title.trim().is_empty()).map(|k| view! {
                                        <span class="doc-list__kind">{move || kind_label(i18n, k)}</span>
                                    })}
                                    <span class="muted doc-list__when">
                                        {move || fill(t_string!(i18n, updated), &[("when", crate::format::date_time(updated, i18n.get_locale().as_str()))])}
                                    </span>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            }
            .into_any(),
        })
    }
}

#[component]
fn NewDocumentButton() -> impl IntoView {
    let i18n = use_i18n();
    let navigate = use_navigate();
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let create = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let navigate = navigate.clone();
        let title = t_string!(i18n, new_doc_title).to_string();
        leptos::task::spawn_local(async move {
            let id = DocumentId::random();
            let mut doc = new_document();
            let result = match schema::init_draft(&mut doc, &title, "") {
                Ok(()) => {
                    crate::draft::commit_now(&mut doc);
                    let record = StoredDocument {
                        bytes: doc.save(),
                        server_heads: Vec::new(),
                        title,
                        kind: schema::SCHEMA_KIND.to_string(),
                        updated: js_sys::Date::now(),
                    };
                    store::save(id, &record).await.map_err(|e| e.to_string())
                }
                Err(e) => Err(e.to_string()),
            };
            busy.set(false);
            match result {
                Ok(()) => navigate(&format!("/doc/{id}"), Default::default()),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <button type="button" class="button button--primary" on:click=create disabled=move || busy.get()>
            {t!(i18n, new_document)}
        </button>
        {move || {
            error.get().map(|e| view! {
                <p class="error" role="alert">{move || fill(t_string!(i18n, create_error), &[("reason", e.clone().to_string())])}</p>
            })
        }}
    }
}

#[component]
fn OpenForm() -> impl IntoView {
    let i18n = use_i18n();
    let navigate = use_navigate();
    let input = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let value = input.get_untracked();
        if value.trim().is_empty() {
            error.set(Some(t_string!(i18n, open_error_empty).to_string()));
            return;
        }
        match DocumentId::parse_url_or_id(&value) {
            Ok(id) => {
                error.set(None);
                navigate(&format!("/doc/{id}"), Default::default());
            }
            Err(e) => {
                let reason = e.to_string();
                error.set(Some(fill(
                    t_string!(i18n, open_error),
                    &[("reason", reason.to_string())],
                )));
            }
        }
    };
    view! {
        <section class="card" aria-labelledby="open-heading">
            <h2 id="open-heading">{t!(i18n, open_heading)}</h2>
            <form class="open-form" on:submit=on_submit novalidate>
                <div class="field">
                    <label for="open-id">{t!(i18n, open_label)}</label>
                    <p id="open-hint" class="hint">{t!(i18n, open_hint)}</p>
                    <div class="open-form__row">
                        <input
                            id="open-id"
                            type="text"
                            autocomplete="off"
                            spellcheck="false"
                            aria-describedby=move || {
                                if error.get().is_some() { "open-hint open-error" } else { "open-hint" }
                            }
                            aria-invalid=move || error.get().is_some().then_some("true")
                            prop:value=move || input.get()
                            on:input=move |ev| input.set(event_target_value(&ev))
                        />
                        <button type="submit" class="button">{t!(i18n, open_button)}</button>
                    </div>
                    {move || {
                        error.get().map(|e| view! {
                            <p id="open-error" class="error" role="alert">{e}</p>
                        })
                    }}
                </div>
            </form>
        </section>
    }
}
