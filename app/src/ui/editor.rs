//! The editor of the first draft documents (`programme_draft`, or no
//! declared kind): title, summary and a list of items.

use accord_shared::schema::{ITEMS, ITEM_TEXT, SUMMARY, TITLE};
use automerge::transaction::Transactable;
use automerge::{ObjId, ObjType, ReadDoc, Value, ValueRef, ROOT};
use leptos::prelude::*;

use super::doc::{use_doc, DocAccessLine, People};
use super::text_field::TextField;
use crate::draft::FieldPath;
use crate::i18n::*;

/// The note under "Items" when the items are read-only; every item points at it.
const ITEMS_NOTE_ID: &str = "items-read-only";

/// One item: its map's object id, which concurrent edits do not shift.
#[derive(Debug, Clone, PartialEq)]
struct ItemRow {
    key: String,
    id: ObjId,
}

fn item_rows(doc: &impl ReadDoc) -> Vec<ItemRow> {
    match doc.get(ROOT, ITEMS) {
        Ok(Some((Value::Object(ObjType::List), list))) => doc
            .list_range(&list, ..)
            .filter(|entry| matches!(entry.value, ValueRef::Object(ObjType::Map)))
            .map(|entry| ItemRow {
                key: entry.id().to_string(),
                id: entry.id(),
            })
            .collect(),
        _ => Vec::new(),
    }
}

#[component]
pub fn DraftEditor() -> impl IntoView {
    let i18n = use_i18n();
    let doc = use_doc();
    let items = doc.memo(item_rows);
    let title = doc.text(FieldPath::new([TITLE]));
    let items_read_only = doc.read_only(&FieldPath::new([ITEMS]));
    let heading = move || {
        let title = title.get();
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
        let added = doc.edit(|d| {
            let len = match d.doc.get(ROOT, ITEMS)? {
                Some((Value::Object(ObjType::List), id)) => d.doc.length(&id),
                _ => 0,
            };
            accord_shared::schema::insert_item(&mut d.doc, len, "")?;
            crate::draft::commit_now(&mut d.doc);
            Ok(true)
        });
        if added {
            focus_last_item(items);
        }
    };
    let share = doc.id.to_url();
    view! {
        <h1 class="visually-hidden">{heading}</h1>
        <DocAccessLine />
        <People />
        <form class="card draft" on:submit=|ev| ev.prevent_default()>
            <TextField
                dom_id="field-title"
                label=Signal::derive(move || t_string!(i18n, field_title).to_string())
                path=[TITLE]
            />
            <TextField
                dom_id="field-summary"
                label=Signal::derive(move || t_string!(i18n, field_summary).to_string())
                path=[SUMMARY]
                multiline=true
                rows=6
            />
            <section class="items" aria-labelledby="items-heading">
                <h2 id="items-heading">{t!(i18n, items_heading)}</h2>
                {move || items_read_only.get().map(|reason| view! {
                    <p id=ITEMS_NOTE_ID class="field__note">{reason}</p>
                })}
                <ol class="items__list">
                    <For each=move || items.get() key=|row| row.key.clone() let:row>
                        <ItemEditor row items />
                    </For>
                </ol>
                {move || items.with(|i| i.is_empty()).then(|| view! {
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

fn focus_last_item(items: Memo<Vec<ItemRow>>) {
    // After the new row is rendered.
    request_animation_frame(move || {
        let Some(key) = items.with_untracked(|rows| rows.last().map(|r| r.key.clone())) else {
            return;
        };
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
fn ItemEditor(row: ItemRow, items: Memo<Vec<ItemRow>>) -> impl IntoView {
    let i18n = use_i18n();
    let doc = use_doc();
    let read_only = doc.read_only(&FieldPath::new([ITEMS]));
    let key = row.key.clone();
    let number = Memo::new(move |_| {
        items
            .with(|rows| rows.iter().position(|r| r.key == key))
            .unwrap_or(0)
            + 1
    });
    let item_id = StoredValue::new(row.id.clone());
    let remove = move |_| {
        if read_only.get_untracked().is_some() {
            return;
        }
        doc.edit(|d| {
            let Some((Value::Object(ObjType::List), list)) = d.doc.get(ROOT, ITEMS)? else {
                return Ok(false);
            };
            let position = item_id.with_value(|item| {
                d.doc
                    .list_range(&list, ..)
                    .position(|entry| entry.id() == *item)
            });
            let Some(index) = position else {
                return Ok(false);
            };
            d.doc.delete(&list, index)?;
            crate::draft::commit_now(&mut d.doc);
            Ok(true)
        });
    };
    // Presence names items by position, as the first clients did.
    let presence_key = Signal::derive(move || format!("items/{}", number.get() - 1));
    let label = Signal::derive(move || {
        fill(
            t_string!(i18n, item_label),
            &[("n", number.get().to_string())],
        )
    });
    view! {
        <li class="item">
            <TextField
                dom_id=item_dom_id(&row.key)
                label
                path=FieldPath::within(row.id, [ITEM_TEXT])
                presence_key
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
