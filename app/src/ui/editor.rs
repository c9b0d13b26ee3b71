//! The editor of one programme draft: title, summary and items, with who else is here.

use std::cell::RefCell;
use std::rc::Rc;

use accord_shared::schema::{ITEMS, SUMMARY, TITLE};
use accord_shared::DocumentId;
use gloo_timers::callback::Interval;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use super::text_field::TextField;
use super::{kind_label, read_only_text, role_label, use_client, ClientStore};
use crate::access::{self, DocAccess};
use crate::draft::{
    persist, Availability, Draft, DraftHandle, DraftView, FieldPath, ItemRow, Person,
};
use crate::i18n::*;
use crate::store;
use crate::sync::Connection;

/// The open draft, reachable from the editor's components.
pub type DraftStore = StoredValue<DraftHandle, LocalStorage>;

#[derive(Clone, Copy)]
pub struct EditorContext {
    pub draft: DraftStore,
    pub client: ClientStore,
    pub view: DraftView,
    /// The person's rights here; `None`: no restrictions known.
    pub access: RwSignal<Option<DocAccess>>,
}

/// Why the top-level field `key` is read-only, translated; `None` if writable.
pub fn read_only_reason(key: &'static str) -> Signal<Option<String>> {
    let i18n = use_i18n();
    let EditorContext { access, .. } = expect_context::<EditorContext>();
    Signal::derive(move || {
        access
            .get()
            .and_then(|a| a.read_only(key))
            .map(|why| read_only_text(i18n, why))
    })
}

/// How often presence is re-announced and stale entries dropped.
const PRESENCE_TICK_MS: u32 = 5_000;

#[component]
pub fn EditorPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = Memo::new(move |_| {
        let raw = params.with(|p| p.get("id").unwrap_or_default());
        DocumentId::parse_url_or_id(&raw)
    });
    move || match id.get() {
        Ok(id) => view! { <Editor id /> }.into_any(),
        Err(e) => {
            let reason = e.to_string();
            view! {
                <div class="card not-found" role="alert">
                    <h1>{t!(i18n, not_found)}</h1>
                    <p>{move || fill(t_string!(i18n, invalid_id), &[("reason", reason.clone().to_string())])}</p>
                    <A href="/">{t!(i18n, back_home)}</A>
                </div>
            }
            .into_any()
        }
    }
}

#[component]
fn Editor(id: DocumentId) -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let view_signals = DraftView::new();
    let handle: DraftHandle = Rc::new(RefCell::new(Draft::new(id, view_signals)));
    let draft: DraftStore = StoredValue::new_local(handle.clone());
    // The last answer on this device first, so read-only holds offline.
    let access = RwSignal::new(access::remembered(id));
    provide_context(EditorContext {
        draft,
        client,
        view: view_signals,
        access,
    });

    // The device's copy first, so the document shows offline; then sync.
    let alive = StoredValue::new(true);
    leptos::task::spawn_local(async move {
        let loaded = store::load(id).await;
        if alive.try_get_value() != Some(true) {
            return;
        }
        {
            let mut draft = handle.borrow_mut();
            match loaded {
                Ok(Some(stored)) => {
                    if let Err(e) = draft.restore(&stored) {
                        let reason = e.to_string();
                        view_signals.error.set(Some(fill(
                            t_string!(i18n, load_error),
                            &[("reason", reason.to_string())],
                        )));
                    }
                }
                Ok(None) => {}
                Err(e) => {
                    let reason = e.to_string();
                    view_signals.error.set(Some(fill(
                        t_string!(i18n, store_error),
                        &[("reason", reason.to_string())],
                    )));
                }
            }
            draft.refresh_view();
            if !draft.has_content() {
                view_signals.availability.set(Availability::Looking);
            }
        }
        persist(&handle);
        client.with_value(|c| c.open(handle));
    });

    let ticks = StoredValue::new(0u32);
    let ticker = Interval::new(PRESENCE_TICK_MS, move || {
        draft.with_value(|h| h.borrow_mut().prune_presence());
        ticks.update_value(|t| *t += 1);
        if ticks.get_value().is_multiple_of(2) {
            client.with_value(|c| c.send_presence(id));
        }
    });
    // Dropping the interval (when the editor goes away) stops it.
    let _ticker = StoredValue::new_local(ticker);

    on_cleanup(move || {
        alive.set_value(false);
        client.with_value(|c| c.close(id));
    });

    let availability = view_signals.availability;
    let connection = client.with_value(|c| c.status()).connection;

    // Ask the server on opening and again whenever the link comes back.
    Effect::new(move |_| {
        if connection.get() != Connection::Connected && access.get_untracked().is_some() {
            // Offline: what was remembered stands.
            return;
        }
        leptos::task::spawn_local(async move {
            // No answer (offline, server error): keep what is known.
            let Ok(answer) = access::fetch(id).await else {
                return;
            };
            if alive.try_get_value() == Some(true) && access.try_get_untracked() != Some(answer) {
                access.set(answer);
            }
        });
    });
    view! {
        <div class="page editor">
            <nav class="breadcrumbs">
                <A href="/">{t!(i18n, back_home)}</A>
            </nav>
            {move || {
                view_signals.error.get().map(|e| view! {
                    <div class="banner banner--error" role="alert">{e}</div>
                })
            }}
            {move || match availability.get() {
                Availability::Loading => view! { <p class="muted">{t!(i18n, looking_for_doc)}</p> }.into_any(),
                Availability::Looking => view! {
                    <div class="card">
                        <p>{t!(i18n, looking_for_doc)}</p>
                        {move || (connection.get() == Connection::Offline).then(|| view! {
                            <p class="muted">{t!(i18n, waiting_for_connection)}</p>
                        })}
                    </div>
                }.into_any(),
                Availability::NotFound => view! {
                    <div class="card not-found" role="alert">
                        <h1>{t!(i18n, not_found)}</h1>
                        <p>{t!(i18n, not_found_hint)}</p>
                    </div>
                }.into_any(),
                Availability::Ready => view! { <DraftForm id /> }.into_any(),
            }}
        </div>
    }
}

#[component]
fn DraftForm(id: DocumentId) -> impl IntoView {
    let i18n = use_i18n();
    let EditorContext {
        draft,
        client,
        view,
        access,
    } = expect_context::<EditorContext>();
    let items_read_only = read_only_reason(ITEMS);
    let heading = move || {
        let title = view.title.get();
        if title.trim().is_empty() {
            t_string!(i18n, untitled).to_string()
        } else {
            title
        }
    };
    let add_item = move |_| {
        if items_read_only.get_untracked().is_some() {
            return;
        }
        let handle = draft.get_value();
        let result = handle.borrow_mut().add_item();
        match result {
            Ok(()) => {
                client.with_value(|c| c.local_change(&handle));
                focus_last_item(view);
            }
            Err(e) => {
                let reason = e.to_string();
                view.error.set(Some(fill(
                    t_string!(i18n, edit_error),
                    &[("reason", reason.to_string())],
                )));
            }
        }
    };
    let share = id.to_url();
    view! {
        <h1 class="visually-hidden">{heading}</h1>
        {move || access.get().map(|a| view! { <p class="doc-access">{doc_access_line(i18n, a)}</p> })}
        <People />
        <form class="card draft" on:submit=|ev| ev.prevent_default()>
            <TextField
                dom_id="field-title".to_string()
                label=Signal::derive(move || t_string!(i18n, field_title).to_string())
                path=FieldPath::Root(TITLE)
                value=view.title
                presence_key=TITLE.to_string()
                read_only=read_only_reason(TITLE)
            />
            <TextField
                dom_id="field-summary".to_string()
                label=Signal::derive(move || t_string!(i18n, field_summary).to_string())
                path=FieldPath::Root(SUMMARY)
                value=view.summary
                presence_key=SUMMARY.to_string()
                read_only=read_only_reason(SUMMARY)
                multiline=true
                rows=6
            />
            <section class="items" aria-labelledby="items-heading">
                <h2 id="items-heading">{t!(i18n, items_heading)}</h2>
                {move || items_read_only.get().map(|reason| view! {
                    <p id=ITEMS_NOTE_ID class="field__note">{reason}</p>
                })}
                <ol class="items__list">
                    <For each=move || view.items.get() key=|row| row.key.clone() let:row>
                        <ItemEditor row />
                    </For>
                </ol>
                {move || view.items.with(|i| i.is_empty()).then(|| view! {
                    <p class="muted">{t!(i18n, no_items)}</p>
                })}
                {move || items_read_only.with(|r| r.is_none()).then(|| view! {
                    <button type="button" class="button" on:click=add_item>
                        {t!(i18n, add_item)}
                    </button>
                })}
            </section>
        </form>
        <div class="card share">
            <label for="share-link">{t!(i18n, share_label)}</label>
            <input id="share-link" type="text" readonly value=share on:focus=|ev| {
                if let Some(input) = event_target::<web_sys::HtmlInputElement>(&ev).into() {
                    input.select();
                }
            } />
        </div>
    }
}

/// The note under "Items" when the items are read-only; every item points at it.
const ITEMS_NOTE_ID: &str = "items-read-only";

/// "Needs assessment · You: Government counterpart (read-only)".
fn doc_access_line(i18n: I18nContext<Locale>, access: DocAccess) -> String {
    let role = role_label(i18n, access.role.as_str());
    let read_only = [TITLE, SUMMARY, ITEMS]
        .iter()
        .all(|key| access.read_only(key).is_some());
    let you = if read_only {
        fill(t_string!(i18n, doc_you_read_only), &[("role", role)])
    } else {
        fill(t_string!(i18n, doc_you), &[("role", role)])
    };
    match access.kind {
        Some(kind) => format!("{} · {you}", kind_label(i18n, kind)),
        None => you,
    }
}

fn focus_last_item(view: DraftView) {
    let Some(key) = view
        .items
        .with_untracked(|rows| rows.last().map(|r| r.key.clone()))
    else {
        return;
    };
    // After the new row is rendered.
    request_animation_frame(move || {
        if let Some(el) = document().get_element_by_id(&item_dom_id(&key)) {
            if let Ok(el) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el) {
                let _ = el.focus();
            }
        }
    });
}

fn item_dom_id(key: &str) -> String {
    format!("item-{key}")
}

#[component]
fn ItemEditor(row: ItemRow) -> impl IntoView {
    let i18n = use_i18n();
    let EditorContext {
        draft,
        client,
        view,
        ..
    } = expect_context::<EditorContext>();
    let read_only = read_only_reason(ITEMS);
    let key = row.key.clone();
    let number = Memo::new(move |_| {
        view.items
            .with(|rows| rows.iter().position(|r| r.key == key))
            .unwrap_or(0)
            + 1
    });
    let item_id = StoredValue::new(row.id.clone());
    let remove = move |_| {
        if read_only.get_untracked().is_some() {
            return;
        }
        let handle = draft.get_value();
        let result = item_id.with_value(|id| handle.borrow_mut().remove_item(id));
        match result {
            Ok(()) => client.with_value(|c| c.local_change(&handle)),
            Err(e) => {
                let reason = e.to_string();
                view.error.set(Some(fill(
                    t_string!(i18n, edit_error),
                    &[("reason", reason.to_string())],
                )));
            }
        }
    };
    view! {
        <li class="item">
            <TextField
                dom_id=item_dom_id(&row.key)
                label=Signal::derive(move || fill(t_string!(i18n, item_label), &[("n", number.get().to_string())]))
                path=FieldPath::Item(row.id)
                value=row.text
                presence_key=Signal::derive(move || format!("items/{}", number.get() - 1))
                read_only
                note_id=ITEMS_NOTE_ID.to_string()
                multiline=true
            />
            {move || read_only.with(|r| r.is_none()).then(|| view! {
                <button type="button" class="button button--quiet" on:click=remove>
                    {move || fill(t_string!(i18n, remove_item), &[("n", number.get().to_string())])}
                </button>
            })}
        </li>
    }
}

/// Others in the document and the field each is editing.
#[component]
fn People() -> impl IntoView {
    let i18n = use_i18n();
    let EditorContext { view, .. } = expect_context::<EditorContext>();
    let describe = move |person: &Person| -> String {
        let name = person.name.clone();
        match person.field.as_deref() {
            None => fill(
                t_string!(i18n, person_viewing),
                &[("name", name.to_string())],
            ),
            Some(field) => {
                let field = field_label(i18n, field);
                fill(
                    t_string!(i18n, person_editing),
                    &[("name", name.to_string()), ("field", field.to_string())],
                )
            }
        }
    };
    view! {
        <section class="people">
            <h2 class="people__heading" aria-hidden="true">{t!(i18n, people_label)}</h2>
            <ul class="people__list" aria-label=move || t_string!(i18n, people_label).to_string()>
                <For
                    each=move || view.people.get()
                    key=|p| (p.session.clone(), p.name.clone(), p.field.clone())
                    let:person
                >
                    <li>{move || describe(&person)}</li>
                </For>
            </ul>
            {move || view.people.with(|p| p.is_empty()).then(|| view! {
                <p class="muted people__alone">{t!(i18n, people_only_you)}</p>
            })}
        </section>
    }
}

/// The name people see for a presence field key.
fn field_label(i18n: I18nContext<Locale>, key: &str) -> String {
    match key {
        TITLE => t_string!(i18n, field_title).to_string(),
        SUMMARY => t_string!(i18n, field_summary).to_string(),
        other => match other
            .strip_prefix("items/")
            .and_then(|n| n.parse::<usize>().ok())
        {
            Some(n) => fill(t_string!(i18n, item_label), &[("n", (n + 1).to_string())]),
            None => other.to_string(),
        },
    }
}
