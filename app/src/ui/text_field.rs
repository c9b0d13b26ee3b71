//! A free-text field bound to an Automerge Text.
//!
//! Typing becomes the smallest splice; a remote edit replaces the element's
//! value and puts the caret back where it was, tracked by Automerge cursors so
//! text inserted before the caret pushes it along.

use automerge::{Cursor, CursorPosition, ReadDoc};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlInputElement, HtmlTextAreaElement};

use super::editor::{DraftStore, EditorContext};
use crate::draft::{text_object, DraftHandle, FieldPath};
use crate::i18n::*;

#[component]
pub fn TextField(
    /// The element id; labels point at it.
    dom_id: String,
    #[prop(into)] label: Signal<String>,
    path: FieldPath,
    value: RwSignal<String>,
    /// How presence names this field (a schema field key).
    #[prop(into)]
    presence_key: Signal<String>,
    #[prop(optional)] multiline: bool,
    /// Visible lines of a multi-line field.
    #[prop(default = 3)]
    rows: u32,
    /// Why the person may not write this field, in their words; `None` if they may.
    #[prop(into)]
    read_only: Signal<Option<String>>,
    /// The id of a read-only note shown elsewhere (one for a whole list);
    /// without it the field shows its own under the label.
    #[prop(optional)]
    note_id: Option<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let EditorContext { draft, client, .. } = expect_context::<EditorContext>();
    let cursors = StoredValue::new_local(None::<(Cursor, Cursor)>);
    let path = StoredValue::new(path);

    let capture = move |el: &Element| {
        if let Some((start, end)) = selection(el) {
            let captured = draft.with_value(|handle| {
                let draft = handle.borrow();
                let obj = path.with_value(|p| text_object(&draft.doc, p))?;
                let len = draft.doc.length(&obj);
                let cursor = |pos: usize| {
                    let at = if pos >= len {
                        CursorPosition::End
                    } else {
                        CursorPosition::Index(pos)
                    };
                    draft.doc.get_cursor(&obj, at, None).ok()
                };
                Some((cursor(start as usize)?, cursor(end as usize)?))
            });
            cursors.set_value(captured);
        }
    };

    let on_input = move |ev: leptos::ev::Event| {
        let Some(el) = event_element(&ev) else { return };
        if read_only.get_untracked().is_some() {
            // Not theirs to write: the document stays as it is, and so does the field.
            set_value(&el, &value.get_untracked());
            return;
        }
        let Some(new) = get_value(&el) else { return };
        let handle: DraftHandle = draft.get_value();
        let result = path.with_value(|p| handle.borrow_mut().apply_input(p, &new));
        match result {
            Ok(changed) => {
                value.set(new);
                if changed {
                    client.with_value(|c| c.local_change(&handle));
                }
            }
            Err(e) => {
                let reason = e.to_string();
                handle.borrow().view.error.set(Some(fill(
                    t_string!(i18n, edit_error),
                    &[("reason", reason.to_string())],
                )));
            }
        }
        capture(&el);
    };
    let on_caret = move |ev: &web_sys::Event| {
        if let Some(el) = event_element(ev) {
            capture(&el);
        }
    };
    let on_focus = move |ev: leptos::ev::FocusEvent| {
        if let Some(el) = event_element(&ev) {
            capture(&el);
        }
        // Reading a read-only field is not editing it.
        let field = read_only
            .get_untracked()
            .is_none()
            .then(|| presence_key.get_untracked());
        announce(draft, client, field);
    };
    let on_blur = move |_: leptos::ev::FocusEvent| announce(draft, client, None);

    // Remote changes: update only this element, keeping the caret in place.
    let element_id = dom_id.clone();
    Effect::new(move |_| {
        let text = value.get();
        let Some(el) = document().get_element_by_id(&element_id) else {
            return;
        };
        if get_value(&el).as_deref() == Some(text.as_str()) {
            return;
        }
        let focused = document().active_element().as_ref() == Some(&el);
        let restore = if focused {
            cursors.get_value().and_then(|(start, end)| {
                draft.with_value(|handle| {
                    let draft = handle.borrow();
                    let obj = path.with_value(|p| text_object(&draft.doc, p))?;
                    let start = draft.doc.get_cursor_position(&obj, &start, None).ok()?;
                    let end = draft.doc.get_cursor_position(&obj, &end, None).ok()?;
                    Some((start as u32, end as u32))
                })
            })
        } else {
            None
        };
        set_value(&el, &text);
        if let Some((start, end)) = restore {
            set_selection(&el, start, end);
        }
    });

    let own_note = note_id.is_none();
    let note_id = note_id.unwrap_or_else(|| format!("{dom_id}-note"));
    let described_by = {
        let note_id = note_id.clone();
        move || read_only.with(|r| r.is_some()).then(|| note_id.clone())
    };
    let is_read_only = move || read_only.with(|r| r.is_some());
    let aria_read_only = move || read_only.with(|r| r.is_some()).then_some("true");
    let field = if multiline {
        view! {
            <textarea
                id=dom_id.clone()
                rows=rows
                readonly=is_read_only
                aria-readonly=aria_read_only
                aria-describedby=described_by.clone()
                title=move || read_only.get()
                on:input=on_input
                on:select=move |ev| on_caret(&ev)
                on:keyup=move |ev| on_caret(&ev)
                on:click=move |ev| on_caret(&ev)
                on:focus=on_focus
                on:blur=on_blur
            ></textarea>
        }
        .into_any()
    } else {
        view! {
            <input
                id=dom_id.clone()
                type="text"
                readonly=is_read_only
                aria-readonly=aria_read_only
                aria-describedby=described_by.clone()
                title=move || read_only.get()
                on:input=on_input
                on:select=move |ev| on_caret(&ev)
                on:keyup=move |ev| on_caret(&ev)
                on:click=move |ev| on_caret(&ev)
                on:focus=on_focus
                on:blur=on_blur
            />
        }
        .into_any()
    };
    view! {
        <div class="field">
            <label for=dom_id>{label}</label>
            {move || own_note.then(|| read_only.get()).flatten().map(|reason| view! {
                <p id=note_id.clone() class="field__note">{reason}</p>
            })}
            {field}
        </div>
    }
}

fn announce(draft: DraftStore, client: super::ClientStore, field: Option<String>) {
    let id = draft.with_value(|handle| {
        let mut draft = handle.borrow_mut();
        draft.my_field = field;
        draft.id
    });
    client.with_value(|c| c.send_presence(id));
}

fn event_element<E: AsRef<web_sys::Event>>(ev: &E) -> Option<Element> {
    ev.as_ref().target()?.dyn_into::<Element>().ok()
}

fn get_value(el: &Element) -> Option<String> {
    if let Some(input) = el.dyn_ref::<HtmlInputElement>() {
        Some(input.value())
    } else {
        el.dyn_ref::<HtmlTextAreaElement>().map(|t| t.value())
    }
}

fn set_value(el: &Element, value: &str) {
    if let Some(input) = el.dyn_ref::<HtmlInputElement>() {
        input.set_value(value);
    } else if let Some(area) = el.dyn_ref::<HtmlTextAreaElement>() {
        area.set_value(value);
    }
}

fn selection(el: &Element) -> Option<(u32, u32)> {
    if let Some(input) = el.dyn_ref::<HtmlInputElement>() {
        Some((input.selection_start().ok()??, input.selection_end().ok()??))
    } else {
        let area = el.dyn_ref::<HtmlTextAreaElement>()?;
        Some((area.selection_start().ok()??, area.selection_end().ok()??))
    }
}

fn set_selection(el: &Element, start: u32, end: u32) {
    // Failing only means the element cannot hold a selection; nothing to restore.
    if let Some(input) = el.dyn_ref::<HtmlInputElement>() {
        let _ = input.set_selection_range(start, end);
    } else if let Some(area) = el.dyn_ref::<HtmlTextAreaElement>() {
        let _ = area.set_selection_range(start, end);
    }
}
