//! A free-text field bound to an Automerge Text at any path of the page's document.
//!
//! Typing becomes the smallest splice; a remote edit replaces the element's
//! value and puts the caret back where it was, tracked by Automerge cursors so
//! text inserted before the caret pushes it along.

use automerge::{Cursor, CursorPosition, ReadDoc};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlInputElement, HtmlTextAreaElement};

use super::comments::{CommentButton, CommentsContext};
use super::doc::use_doc;
use super::fields::Frame;
use crate::draft::{text_object, FieldPath};

/// Free text at `path` (a Text, created on the first keystroke if missing).
#[component]
pub fn TextField(
    #[prop(into)] path: FieldPath,
    #[prop(into)] label: Signal<String>,
    #[prop(optional)] multiline: bool,
    /// Visible lines of a multi-line field.
    #[prop(default = 3)]
    rows: u32,
    /// The element id; labels point at it. Made from the path if not given.
    #[prop(optional, into)]
    dom_id: Option<String>,
    #[prop(optional, into)] hint: Option<Signal<String>>,
    /// Why the person may not write this field; by default what the write
    /// policy says of the path.
    #[prop(optional, into)]
    read_only: Option<Signal<Option<String>>>,
    /// The id of a read-only note shown elsewhere (one for a whole list);
    /// without it the field shows its own under the label.
    #[prop(optional)]
    note_id: Option<String>,
    /// How presence names this field; by default the path (`needs/<id>/title`).
    #[prop(optional, into)]
    presence_key: Option<Signal<String>>,
) -> impl IntoView {
    let doc = use_doc();
    let frame = Frame::new(&doc, &path, dom_id, hint, read_only, note_id);
    let read_only = frame.read_only;
    let value = doc.text(path.clone());
    let presence_key = presence_key.unwrap_or_else(|| {
        let key = path.joined();
        Signal::derive(move || key.clone())
    });
    doc.register_label(presence_key.get_untracked(), label);
    let cursors = StoredValue::new_local(None::<(Cursor, Cursor)>);
    let comments = use_context::<CommentsContext>();
    let path = StoredValue::new(path);

    let capture = move |el: &Element| {
        if let Some((start, end)) = selection(el) {
            if let Some(comments) = comments {
                path.with_value(|p| comments.select(&doc, p, start, end));
            }
            let captured = doc.with_doc(|d| {
                let obj = path.with_value(|p| text_object(d, p))?;
                let len = d.length(&obj);
                let cursor = |pos: usize| {
                    let at = if pos >= len {
                        CursorPosition::End
                    } else {
                        CursorPosition::Index(pos)
                    };
                    d.get_cursor(&obj, at, None).ok()
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
        doc.edit(|d| path.with_value(|p| d.apply_input(p, &new)));
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
        doc.announce(field);
    };
    let on_blur = move |_: leptos::ev::FocusEvent| doc.announce(None);

    // Remote changes: update only this element, keeping the caret in place.
    let element_id = frame.id.clone();
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
                doc.with_doc(|d| {
                    let obj = path.with_value(|p| text_object(d, p))?;
                    let start = d.get_cursor_position(&obj, &start, None).ok()?;
                    let end = d.get_cursor_position(&obj, &end, None).ok()?;
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

    let described_by = frame.described_by();
    let invalid = frame.invalid();
    let is_read_only = move || read_only.with(|r| r.is_some());
    let aria_read_only = move || read_only.with(|r| r.is_some()).then_some("true");
    let initial = value.get_untracked();
    // The text's language and direction come from the document, not from the
    // interface language: an English draft stays left to right in Arabic.
    let language = doc.writing_language();
    let lang = move || language.get();
    let dir = move || language.get().map(|l| accord_shared::docs::direction(&l));
    let field = if multiline {
        view! {
            <textarea
                id=frame.id.clone()
                lang=lang
                dir=dir
                rows=rows
                readonly=is_read_only
                aria-readonly=aria_read_only
                aria-describedby=described_by
                aria-invalid=invalid
                title=move || read_only.get()
                prop:value=initial
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
                id=frame.id.clone()
                lang=lang
                dir=dir
                type="text"
                readonly=is_read_only
                aria-readonly=aria_read_only
                aria-describedby=described_by
                aria-invalid=invalid
                title=move || read_only.get()
                prop:value=initial
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
            <CommentButton path=path.get_value() label />
            <label for=frame.id.clone()>{label}</label>
            {frame.notes()}
            {field}
            {frame.problem_list()}
        </div>
    }
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
