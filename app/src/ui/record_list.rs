//! An ordered collection of records (`Items<T>`: a map by id with a `pos`)
//! shown as a list: each row rendered by the caller, with Add, Remove (after
//! a confirmation) and Move up / Move down, each button named for the
//! record it acts on ("Move need “Legal aid” up"). The focus never falls
//! back to the page: Add puts it in the new record's first field, a move
//! keeps it on the moved record's button, Remove on its confirmation,
//! Escape or Keep it back on Remove, and a removal on the list's Add button.

use std::sync::Arc;

use accord_shared::docs::items::Positioned;
use autosurgeon::Reconcile;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::doc::{problem_text, use_doc};
use super::fields::dom_id_for;
use crate::draft::{ordered_ids, Draft, EditError, FieldPath};
use crate::i18n::*;

/// `need “Legal aid”`, or `need 3` while it has no name: how the buttons
/// of a row name their record.
pub fn record_name(i18n: I18nContext<Locale>, noun: &str, name: &str, position: usize) -> String {
    let name = name.trim();
    if name.is_empty() {
        fill(
            t_string!(i18n, record_numbered),
            &[("noun", noun.to_string()), ("n", position.to_string())],
        )
    } else {
        fill(
            t_string!(i18n, record_named),
            &[("noun", noun.to_string()), ("name", name.to_string())],
        )
    }
}

/// The records of the collection at `path`, in their order.
///
/// `item` names a record for its buttons, given its id and 1-based position
/// (use [`record_name`]); `row` renders a record's fields given its id;
/// `blank` makes a new record (its `pos` is set here). Lists nest: a row may
/// hold a `RecordList` of its own (`["outcomes", id, "outputs"]`), with a
/// lower `level` of heading. Problems found at the list's own path ("this
/// output has no indicator") show under its heading.
#[component]
pub fn RecordList<R, F, IV>(
    #[prop(into)] path: FieldPath,
    /// The list's heading, e.g. "Referenced recommendations".
    #[prop(into)]
    heading: Signal<String>,
    /// The Add button, e.g. "Add a recommendation".
    #[prop(into)]
    add_label: Signal<String>,
    /// Shown when the list is empty.
    #[prop(into)]
    empty: Signal<String>,
    item: Callback<(String, usize), String>,
    blank: fn() -> R,
    row: F,
    /// The heading's level: 2 (the default) for a list of the document, 3
    /// or 4 for a list inside a record.
    #[prop(default = 2)]
    level: u8,
) -> impl IntoView
where
    R: Reconcile + Positioned + 'static,
    F: Fn(String) -> IV + Clone + Send + Sync + 'static,
    IV: IntoView + 'static,
{
    let rows = Rows {
        push: Arc::new(move |d: &mut Draft, p: &FieldPath| d.push_record(p, blank())),
        row: Arc::new(move |id| row(id).into_any()),
    };
    record_list_view(path, heading, add_label, empty, item, rows, level)
}

type PushRecord = dyn Fn(&mut Draft, &FieldPath) -> Result<String, EditError> + Send + Sync;

/// What [`RecordList`] does with its record type and row renderer, behind
/// `dyn`: the list below is then compiled once, not once per kind of record.
struct Rows {
    /// Appends a blank record to the collection; its id.
    push: Arc<PushRecord>,
    row: Arc<dyn Fn(String) -> AnyView + Send + Sync>,
}

fn record_list_view(
    path: FieldPath,
    heading: Signal<String>,
    add_label: Signal<String>,
    empty: Signal<String>,
    item: Callback<(String, usize), String>,
    rows: Rows,
    level: u8,
) -> impl IntoView {
    let Rows { push, row } = rows;
    let i18n = use_i18n();
    let doc = use_doc();
    let ids = {
        let path = path.clone();
        doc.memo(move |d| ordered_ids(d, &path))
    };
    let read_only = doc.read_only(&path);
    let base = dom_id_for(&path);
    let heading_id = format!("{base}-heading");
    let note_id = format!("{base}-note");
    let problems_id = format!("{base}-problems");
    let add_id = format!("{base}-add");
    let list_problems = doc.problems_at(&path);
    let described_by = problems_id.clone();
    let path = StoredValue::new(path);

    let add = {
        let base = base.clone();
        move |_| {
            if read_only.get_untracked().is_some() {
                return;
            }
            let mut new_id = None;
            doc.edit(|d| {
                let id = path.with_value(|p| push(d, p))?;
                new_id = Some(id);
                Ok(true)
            });
            if let Some(id) = new_id {
                focus_first_input(format!("{base}-{}", dom_id_for(&FieldPath::new([id]))));
            }
        }
    };

    view! {
        <section
            class="records"
            aria-labelledby=heading_id.clone()
            aria-describedby=move || list_problems.with(|p| !p.is_empty()).then(|| described_by.clone())
        >
            {match level {
                3 => view! { <h3 id=heading_id.clone() class="records__heading">{heading}</h3> }.into_any(),
                4 => view! { <h4 id=heading_id.clone() class="records__heading">{heading}</h4> }.into_any(),
                5.. => view! { <h5 id=heading_id.clone() class="records__heading">{heading}</h5> }.into_any(),
                _ => view! { <h2 id=heading_id.clone() class="records__heading">{heading}</h2> }.into_any(),
            }}
            {move || {
                let list = list_problems.get();
                (!list.is_empty()).then(|| view! {
                    <ul id=problems_id.clone() class="field__problems records__problems">
                        {list.into_iter().map(|code| view! { <li>{problem_text(i18n, code)}</li> }).collect_view()}
                    </ul>
                })
            }}
            {move || read_only.get().map(|reason| view! {
                <p id=note_id.clone() class="field__note">{reason}</p>
            })}
            <ol class="records__list">
                <For
                    each=move || ids.get()
                    key=|id| id.clone()
                    children={
                        let base = base.clone();
                        let add_id = add_id.clone();
                        move |id: String| {
                            let row_id = format!("{base}-{}", dom_id_for(&FieldPath::new([id.as_str()])));
                            let position = {
                                let id = id.clone();
                                Memo::new(move |_| ids.with(|v| v.iter().position(|x| *x == id)))
                            };
                            let count = Memo::new(move |_| ids.with(Vec::len));
                            let name = {
                                let id = id.clone();
                                Signal::derive(move || item.run((id.clone(), position.get().unwrap_or(0) + 1)))
                            };
                            let problems = path.with_value(|p| doc.problems_at(&p.child(id.clone())));
                            // So comments can say whose field they are on.
                            doc.register_label(path.with_value(|p| p.child(id.clone()).joined()), name);
                            let confirming = RwSignal::new(false);
                            let move_to = {
                                let id = id.clone();
                                let row_id = row_id.clone();
                                move |up: bool| {
                                    let Some(at) = position.get_untracked() else { return };
                                    let target = if up { at.saturating_sub(1) } else { at + 1 };
                                    doc.edit(|d| path.with_value(|p| d.move_record(p, &id, target)));
                                    // The row moved in the DOM; keep the focus on its button.
                                    let row_id = row_id.clone();
                                    request_animation_frame(move || {
                                        let (first, second) = if up { ("up", "down") } else { ("down", "up") };
                                        if !focus(&format!("{row_id}-{first}")) {
                                            focus(&format!("{row_id}-{second}"));
                                        }
                                    });
                                }
                            };
                            let remove = {
                                let id = id.clone();
                                let add_id = add_id.clone();
                                move |_| {
                                    confirming.set(false);
                                    doc.edit(|d| path.with_value(|p| d.delete(&p.child(id.clone()))));
                                    // The row and the focused button are gone: keep the
                                    // focus in the list, on its Add button, not the page.
                                    let add_id = add_id.clone();
                                    request_animation_frame(move || {
                                        focus(&add_id);
                                    });
                                }
                            };
                            let ask = {
                                let row_id = row_id.clone();
                                move |_| {
                                    confirming.set(true);
                                    let row_id = row_id.clone();
                                    request_animation_frame(move || {
                                        focus(&format!("{row_id}-confirm"));
                                    });
                                }
                            };
                            let keep = {
                                let row_id = row_id.clone();
                                move || {
                                    confirming.set(false);
                                    let row_id = row_id.clone();
                                    request_animation_frame(move || {
                                        focus(&format!("{row_id}-remove"));
                                    });
                                }
                            };
                            let cancel = {
                                let keep = keep.clone();
                                move |_| keep()
                            };
                            // Escape keeps the record, as it closes any question.
                            let escape = move |ev: leptos::ev::KeyboardEvent| {
                                if ev.key() == "Escape" {
                                    ev.prevent_default();
                                    keep();
                                }
                            };
                            let move_up = move_to.clone();
                            let editable = move || read_only.with(|r| r.is_none());
                            let (up_id, down_id) = (format!("{row_id}-up"), format!("{row_id}-down"));
                            let (remove_id, confirm_id) = (format!("{row_id}-remove"), format!("{row_id}-confirm"));
                            view! {
                                <li class="record" id=row_id.clone()>
                                    <div class="record__fields">{row(id.clone())}</div>
                                    {move || {
                                        let list = problems.get();
                                        (!list.is_empty()).then(|| view! {
                                            <ul class="field__problems">
                                                {list.into_iter().map(|code| view! { <li>{problem_text(i18n, code)}</li> }).collect_view()}
                                            </ul>
                                        })
                                    }}
                                    <Show when=editable>
                                        <div class="record__actions">
                                            <button
                                                type="button"
                                                class="button button--small button--icon"
                                                id=up_id.clone()
                                                aria-label=move || fill(t_string!(i18n, record_move_up), &[("item", name.get())])
                                                title=move || fill(t_string!(i18n, record_move_up), &[("item", name.get())])
                                                disabled=move || position.get() == Some(0)
                                                on:click={
                                                    let move_up = move_up.clone();
                                                    move |_| move_up(true)
                                                }
                                            >
                                                <span aria-hidden="true">"↑"</span>
                                            </button>
                                            <button
                                                type="button"
                                                class="button button--small button--icon"
                                                id=down_id.clone()
                                                aria-label=move || fill(t_string!(i18n, record_move_down), &[("item", name.get())])
                                                title=move || fill(t_string!(i18n, record_move_down), &[("item", name.get())])
                                                disabled=move || position.get().map(|p| p + 1 >= count.get()).unwrap_or(true)
                                                on:click={
                                                    let move_to = move_to.clone();
                                                    move |_| move_to(false)
                                                }
                                            >
                                                <span aria-hidden="true">"↓"</span>
                                            </button>
                                            <button
                                                type="button"
                                                class="button button--small button--danger"
                                                id=remove_id.clone()
                                                aria-label=move || fill(t_string!(i18n, record_remove), &[("item", name.get())])
                                                on:click=ask.clone()
                                            >
                                                {t!(i18n, remove_button)}
                                            </button>
                                        </div>
                                    </Show>
                                    <Show when=move || editable() && confirming.get()>
                                            <div
                                                class="record__confirm"
                                                role="group"
                                                aria-label=move || fill(t_string!(i18n, record_remove), &[("item", name.get())])
                                                on:keydown=escape.clone()
                                            >
                                                <p>{move || fill(t_string!(i18n, record_remove_confirm), &[("item", name.get())])}</p>
                                                <button
                                                    type="button"
                                                    class="button button--small button--danger-solid"
                                                    id=confirm_id.clone()
                                                    on:click=remove.clone()
                                                >
                                                    {move || fill(t_string!(i18n, record_remove), &[("item", name.get())])}
                                                </button>
                                                <button type="button" class="button button--small" on:click=cancel.clone()>
                                                    {t!(i18n, record_keep)}
                                                </button>
                                            </div>
                                    </Show>
                                </li>
                            }
                        }
                    }
                />
            </ol>
            {move || ids.with(|i| i.is_empty()).then(|| view! { <p class="muted">{empty}</p> })}
            {move || read_only.with(|r| r.is_none()).then(|| view! {
                <button type="button" class="button" id=add_id.clone() on:click=add.clone()>{add_label}</button>
            })}
        </section>
    }
}

/// Focuses the element with this id; whether there was one that could take focus.
fn focus(id: &str) -> bool {
    let Some(el) = document().get_element_by_id(id) else {
        return false;
    };
    let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() else {
        return false;
    };
    if el.has_attribute("disabled") {
        return false;
    }
    el.focus().is_ok()
}

/// After a new row is rendered, puts the caret in its first field.
fn focus_first_input(row_id: String) {
    request_animation_frame(move || {
        let selector = format!("#{row_id} input, #{row_id} textarea, #{row_id} select");
        if let Ok(Some(el)) = document().query_selector(&selector) {
            if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
                let _ = el.focus();
            }
        }
    });
}
