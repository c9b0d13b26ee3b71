//! Form fields bound to a path in the page's document ([`use_doc`]).
//!
//! Each field reads its value from the document (so remote changes show at
//! once), writes what the person enters (saved on the device, then synced),
//! is read-only with the reason when the write policy says so, and shows the
//! validation problems found at its path, tied to the input with
//! `aria-describedby`. Free text that people type together is a
//! [`super::text_field::TextField`]; the fields here hold scalars.

// Some fields (money, numbers) wait for the editors that will use them.
#![allow(dead_code)]

use std::marker::PhantomData;

use accord_shared::docs::items::Money;
use accord_shared::docs::validate::ProblemCode;
use automerge::ScalarValue;
use leptos::prelude::*;

use super::doc::{problem_text, use_doc, DocContext};
use super::vocab::Vocabulary;
use crate::draft::{map_keys, read_scalar, read_text, FieldPath};
use crate::i18n::*;

/// What every field shows around its input: label, hint, the reason it is
/// read-only, and its problems, with the ids the input is described by.
#[derive(Clone)]
pub struct Frame {
    pub id: String,
    pub hint: Option<Signal<String>>,
    pub read_only: Signal<Option<String>>,
    /// The read-only note's id: the field's own, or one shared by a list.
    pub note_id: String,
    own_note: bool,
    pub problems: Memo<Vec<ProblemCode>>,
}

impl Frame {
    /// `dom_id` defaults to one made from the path; `read_only` to what the
    /// write policy says of the path; `note_id` names a read-only note shown
    /// elsewhere (one for a whole list) instead of the field's own.
    pub fn new(
        doc: &DocContext,
        path: &FieldPath,
        dom_id: Option<String>,
        hint: Option<Signal<String>>,
        read_only: Option<Signal<Option<String>>>,
        note_id: Option<String>,
    ) -> Self {
        let id = dom_id.unwrap_or_else(|| dom_id_for(path));
        let own_note = note_id.is_none();
        Self {
            note_id: note_id.unwrap_or_else(|| format!("{id}-note")),
            read_only: read_only.unwrap_or_else(|| doc.read_only(path)),
            problems: doc.problems_at(path),
            own_note,
            id,
            hint,
        }
    }

    pub fn is_read_only(&self) -> Signal<bool> {
        let read_only = self.read_only;
        Signal::derive(move || read_only.with(|r| r.is_some()))
    }

    /// The ids of the hint, the read-only note and the problems, as shown now.
    pub fn described_by(&self) -> Signal<Option<String>> {
        let (id, note_id, hint) = (self.id.clone(), self.note_id.clone(), self.hint.is_some());
        let (read_only, problems) = (self.read_only, self.problems);
        Signal::derive(move || {
            let mut ids = Vec::new();
            if hint {
                ids.push(format!("{id}-hint"));
            }
            if read_only.with(|r| r.is_some()) {
                ids.push(note_id.clone());
            }
            if problems.with(|p| !p.is_empty()) {
                ids.push(format!("{id}-problems"));
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        })
    }

    /// `"true"` while the field has problems.
    pub fn invalid(&self) -> Signal<Option<&'static str>> {
        let problems = self.problems;
        Signal::derive(move || problems.with(|p| !p.is_empty()).then_some("true"))
    }

    /// The hint and the read-only note, under the label.
    pub fn notes(&self) -> impl IntoView {
        let hint = self.hint.map(|hint| {
            view! { <p id=format!("{}-hint", self.id) class="hint">{hint}</p> }
        });
        let (own, note_id, read_only) = (self.own_note, self.note_id.clone(), self.read_only);
        view! {
            {hint}
            {move || own.then(|| read_only.get()).flatten().map(|reason| view! {
                <p id=note_id.clone() class="field__note">{reason}</p>
            })}
        }
    }

    /// The problems, under the input.
    pub fn problem_list(&self) -> impl IntoView {
        let i18n = use_i18n();
        let (id, problems) = (format!("{}-problems", self.id), self.problems);
        move || {
            let list = problems.get();
            (!list.is_empty()).then(|| {
                view! {
                    <ul id=id.clone() class="field__problems">
                        {list.into_iter().map(|code| view! { <li>{problem_text(i18n, code)}</li> }).collect_view()}
                    </ul>
                }
            })
        }
    }
}

/// An element id for a path: `f-needs-<id>-title`.
pub fn dom_id_for(path: &FieldPath) -> String {
    let mut id = String::from("f");
    for key in path.keys() {
        id.push('-');
        id.extend(
            key.chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }),
        );
    }
    id
}

/// A string value (a plain string, or a Text's content) at the path.
fn string_at(doc: &DocContext, path: &FieldPath) -> Memo<String> {
    let path = path.clone();
    doc.memo(move |d| read_text(d, &path))
}

/// A short single-line value that is replaced as a whole (a symbol, a code,
/// a name); for text people write together use `TextField`.
#[component]
pub fn StringField(
    #[prop(into)] path: FieldPath,
    #[prop(into)] label: Signal<String>,
    #[prop(optional, into)] dom_id: Option<String>,
    #[prop(optional, into)] hint: Option<Signal<String>>,
    #[prop(optional, into)] read_only: Option<Signal<Option<String>>>,
    #[prop(optional)] note_id: Option<String>,
) -> impl IntoView {
    let doc = use_doc();
    let frame = Frame::new(&doc, &path, dom_id, hint, read_only, note_id);
    let value = string_at(&doc, &path);
    let locked = frame.is_read_only();
    doc.register_label(path.joined(), label);
    let path = StoredValue::new(path);
    let on_input = move |ev| {
        let new = event_target_value(&ev);
        if locked.get_untracked() {
            return;
        }
        doc.edit(|d| path.with_value(|p| d.put_scalar(p, new.as_str())));
    };
    view! {
        <div class="field">
            <label for=frame.id.clone()>{label}</label>
            {frame.notes()}
            <input
                id=frame.id.clone()
                type="text"
                prop:value=move || value.get()
                readonly=move || locked.get()
                aria-readonly=move || locked.get().then_some("true")
                aria-describedby=frame.described_by()
                aria-invalid=frame.invalid()
                on:input=on_input
                on:focus=move |_| doc.announce((!locked.get_untracked()).then(|| path.with_value(FieldPath::joined)))
                on:blur=move |_| doc.announce(None)
            />
            {frame.problem_list()}
        </div>
    }
}

/// One value of a vocabulary (`Select<Stage>`), offered with translated labels.
#[component]
pub fn Select<V: Vocabulary>(
    #[prop(into)] path: FieldPath,
    #[prop(into)] label: Signal<String>,
    #[prop(optional, into)] dom_id: Option<String>,
    #[prop(optional, into)] hint: Option<Signal<String>>,
    #[prop(optional, into)] read_only: Option<Signal<Option<String>>>,
    #[prop(optional)] note_id: Option<String>,
    /// Names the vocabulary when nothing else does.
    #[prop(optional)]
    _vocabulary: PhantomData<V>,
) -> impl IntoView {
    let choices = Choices {
        first: V::all()[0].id(),
        known: |id| V::parse(id).is_some(),
        options: |i18n| V::all().iter().map(|v| (v.id(), v.label(i18n))).collect(),
    };
    select_view(path, label, dom_id, hint, read_only, note_id, choices)
}

/// What [`Select`] needs of its vocabulary, as plain functions: the view
/// below is then compiled once, not once per vocabulary.
#[derive(Clone, Copy)]
struct Choices {
    /// The default value's identifier.
    first: &'static str,
    known: fn(&str) -> bool,
    /// Each value's identifier and translated label, in order.
    options: fn(I18nContext<Locale>) -> Vec<(&'static str, String)>,
}

fn select_view(
    path: FieldPath,
    label: Signal<String>,
    dom_id: Option<String>,
    hint: Option<Signal<String>>,
    read_only: Option<Signal<Option<String>>>,
    note_id: Option<String>,
    choices: Choices,
) -> impl IntoView {
    let i18n = use_i18n();
    let doc = use_doc();
    let frame = Frame::new(&doc, &path, dom_id, hint, read_only, note_id);
    let current = string_at(&doc, &path);
    let locked = frame.is_read_only();
    // Absent means the default: the vocabulary's first value.
    let selected = Memo::new(move |_| {
        current.with(|id| {
            if id.is_empty() {
                choices.first.to_string()
            } else {
                id.clone()
            }
        })
    });
    let path = StoredValue::new(path);
    let on_change = move |ev| {
        let new = event_target_value(&ev);
        if locked.get_untracked() || !(choices.known)(&new) {
            return;
        }
        doc.edit(|d| path.with_value(|p| d.put_scalar(p, new.as_str())));
    };
    view! {
        <div class="field">
            <label for=frame.id.clone()>{label}</label>
            {frame.notes()}
            <select
                id=frame.id.clone()
                disabled=move || locked.get()
                aria-describedby=frame.described_by()
                aria-invalid=frame.invalid()
                on:change=on_change
                prop:value=move || selected.get()
            >
                {move || {
                    let chosen = selected.get();
                    // A value this version does not know stays, shown as stored.
                    let unknown = (!(choices.known)(&chosen)).then(|| view! {
                        <option value=chosen.clone() selected=true>{chosen.clone()}</option>
                    });
                    let options = (choices.options)(i18n)
                        .into_iter()
                        .map(|(id, label)| {
                            view! { <option value=id selected=chosen == id>{label}</option> }
                        })
                        .collect_view();
                    view! { {unknown} {options} }
                }}
            </select>
            {frame.problem_list()}
        </div>
    }
}

/// A date, stored as `YYYY-MM-DD` (empty when not set).
#[component]
pub fn DateField(
    #[prop(into)] path: FieldPath,
    #[prop(into)] label: Signal<String>,
    #[prop(optional, into)] dom_id: Option<String>,
    #[prop(optional, into)] hint: Option<Signal<String>>,
    #[prop(optional, into)] read_only: Option<Signal<Option<String>>>,
) -> impl IntoView {
    let doc = use_doc();
    let frame = Frame::new(&doc, &path, dom_id, hint, read_only, None);
    let value = string_at(&doc, &path);
    let locked = frame.is_read_only();
    let path = StoredValue::new(path);
    let on_change = move |ev| {
        let new = event_target_value(&ev);
        if locked.get_untracked() {
            return;
        }
        doc.edit(|d| path.with_value(|p| d.put_scalar(p, new.as_str())));
    };
    view! {
        <div class="field field--narrow">
            <label for=frame.id.clone()>{label}</label>
            {frame.notes()}
            <input
                id=frame.id.clone()
                type="date"
                prop:value=move || value.get()
                readonly=move || locked.get()
                aria-readonly=move || locked.get().then_some("true")
                aria-describedby=frame.described_by()
                aria-invalid=frame.invalid()
                on:change=on_change
            />
            {frame.problem_list()}
        </div>
    }
}

/// A whole number (participants, a year), stored unsigned.
#[component]
pub fn NumberField(
    #[prop(into)] path: FieldPath,
    #[prop(into)] label: Signal<String>,
    #[prop(optional, into)] dom_id: Option<String>,
    #[prop(optional, into)] hint: Option<Signal<String>>,
    #[prop(optional, into)] read_only: Option<Signal<Option<String>>>,
) -> impl IntoView {
    let doc = use_doc();
    let frame = Frame::new(&doc, &path, dom_id, hint, read_only, None);
    let value = {
        let path = path.clone();
        doc.memo(move |d| match read_scalar(d, &path) {
            Some(ScalarValue::Uint(n)) => n.to_string(),
            Some(ScalarValue::Int(n)) => n.to_string(),
            _ => String::new(),
        })
    };
    let locked = frame.is_read_only();
    let path = StoredValue::new(path);
    let on_change = move |ev| {
        let new = event_target_value(&ev);
        if locked.get_untracked() {
            return;
        }
        let number = new.trim().parse::<u64>().unwrap_or(0);
        doc.edit(|d| path.with_value(|p| d.put_scalar(p, ScalarValue::Uint(number))));
    };
    view! {
        <div class="field field--narrow">
            <label for=frame.id.clone()>{label}</label>
            {frame.notes()}
            <input
                id=frame.id.clone()
                type="number"
                min="0"
                step="1"
                inputmode="numeric"
                prop:value=move || value.get()
                readonly=move || locked.get()
                aria-readonly=move || locked.get().then_some("true")
                aria-describedby=frame.described_by()
                aria-invalid=frame.invalid()
                on:change=on_change
            />
            {frame.problem_list()}
        </div>
    }
}

/// An amount of money ([`Money`]: minor units and an ISO 4217 currency).
#[component]
pub fn MoneyField(
    #[prop(into)] path: FieldPath,
    #[prop(into)] label: Signal<String>,
    #[prop(optional, into)] dom_id: Option<String>,
    #[prop(optional, into)] read_only: Option<Signal<Option<String>>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let doc = use_doc();
    let frame = Frame::new(&doc, &path, dom_id, None, read_only, None);
    let money = {
        let path = path.clone();
        doc.memo(move |d| {
            let minor = match read_scalar(d, &path.child("minor")) {
                Some(ScalarValue::Int(n)) => n,
                Some(ScalarValue::Uint(n)) => n as i64,
                _ => 0,
            };
            Money {
                minor,
                currency: read_text(d, &path.child("currency")),
            }
        })
    };
    let locked = frame.is_read_only();
    let bad_amount = RwSignal::new(false);
    let path = StoredValue::new(path);
    let on_amount = move |ev| {
        let text = event_target_value(&ev);
        if locked.get_untracked() {
            return;
        }
        match parse_amount(&text) {
            Some(minor) => {
                bad_amount.set(false);
                doc.edit(|d| path.with_value(|p| d.put_scalar(&p.child("minor"), minor)));
            }
            None => bad_amount.set(true),
        }
    };
    let on_currency = move |ev| {
        let code = event_target_value(&ev).trim().to_ascii_uppercase();
        if locked.get_untracked() {
            return;
        }
        doc.edit(|d| path.with_value(|p| d.put_scalar(&p.child("currency"), code.as_str())));
    };
    let id = frame.id.clone();
    let amount_id = format!("{id}-amount");
    let currency_id = format!("{id}-currency");
    let error_id = format!("{id}-amount-error");
    let described_by = frame.described_by();
    let amount_described = {
        let error_id = error_id.clone();
        move || {
            let mut ids: Vec<String> = described_by.get().into_iter().collect();
            if bad_amount.get() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <fieldset class="field money">
            <legend>{label}</legend>
            {frame.notes()}
            <div class="money__row">
                <div class="money__amount">
                    <label for=amount_id.clone()>{t!(i18n, money_amount)}</label>
                    <input
                        id=amount_id
                        type="text"
                        inputmode="decimal"
                        prop:value=move || money.with(|m| format_minor(m.minor))
                        readonly=move || locked.get()
                        aria-readonly=move || locked.get().then_some("true")
                        aria-describedby=amount_described
                        aria-invalid=move || (bad_amount.get() || frame.problems.with(|p| !p.is_empty())).then_some("true")
                        on:change=on_amount
                    />
                </div>
                <div class="money__currency">
                    <label for=currency_id.clone()>{t!(i18n, money_currency)}</label>
                    <input
                        id=currency_id
                        type="text"
                        maxlength="3"
                        autocomplete="off"
                        spellcheck="false"
                        prop:value=move || money.with(|m| m.currency.clone())
                        readonly=move || locked.get()
                        aria-readonly=move || locked.get().then_some("true")
                        on:change=on_currency
                    />
                </div>
            </div>
            {move || bad_amount.get().then(|| view! {
                <p id=error_id.clone() class="error">{t!(i18n, money_bad_amount)}</p>
            })}
            {frame.problem_list()}
        </fieldset>
    }
}

/// `1234.5`, `1 234,50`, `1,234.50` → minor units; `None` if it is not an amount.
pub fn parse_amount(text: &str) -> Option<i64> {
    let cleaned: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{202f}' && *c != '\'')
        .collect();
    if cleaned.is_empty() {
        return Some(0);
    }
    // The last separator followed by one or two digits is the decimal one.
    let decimal_at = cleaned
        .rfind(['.', ','])
        .filter(|&i| (1..=2).contains(&(cleaned.len() - i - 1)));
    let (whole, fraction) = match decimal_at {
        Some(i) => (&cleaned[..i], &cleaned[i + 1..]),
        None => (cleaned.as_str(), ""),
    };
    let (negative, whole) = match whole.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, whole),
    };
    let digits: String = whole.chars().filter(|c| *c != ',' && *c != '.').collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) || !fraction.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let units: i64 = if digits.is_empty() {
        0
    } else {
        digits.parse().ok()?
    };
    let cents: i64 = format!("{fraction:0<2}").parse().ok()?;
    let minor = units.checked_mul(100)?.checked_add(cents)?;
    Some(if negative { -minor } else { minor })
}

/// Minor units as `1234.50` (the input's own format; empty for zero).
pub fn format_minor(minor: i64) -> String {
    if minor == 0 {
        return String::new();
    }
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// Members of an id set (`IdSet`), chosen from `options` (id, label): needs
/// by title, working languages, consent scopes…
#[component]
pub fn Checklist(
    #[prop(into)] path: FieldPath,
    #[prop(into)] label: Signal<String>,
    #[prop(into)] options: Signal<Vec<(String, String)>>,
    #[prop(optional, into)] dom_id: Option<String>,
    #[prop(optional, into)] hint: Option<Signal<String>>,
    #[prop(optional, into)] read_only: Option<Signal<Option<String>>>,
    /// Shown when there is nothing to choose from.
    #[prop(optional, into)]
    empty: Option<Signal<String>>,
    /// The id of a read-only note shown elsewhere (one for a whole form).
    #[prop(default = None)]
    note_id: Option<String>,
) -> impl IntoView {
    let doc = use_doc();
    let frame = Frame::new(&doc, &path, dom_id, hint, read_only, note_id);
    let members = {
        let path = path.clone();
        doc.memo(move |d| {
            map_keys(d, &path)
                .into_iter()
                .filter(|k| {
                    read_scalar(d, &path.child(k.clone())) == Some(ScalarValue::Boolean(true))
                })
                .collect::<Vec<String>>()
        })
    };
    let locked = frame.is_read_only();
    let path = StoredValue::new(path);
    let toggle = move |id: String, on: bool| {
        if locked.get_untracked() {
            return;
        }
        doc.edit(|d| {
            path.with_value(|p| {
                let member = p.child(id);
                if on {
                    d.put_scalar(&member, true)
                } else {
                    d.delete(&member)
                }
            })
        });
    };
    let base = frame.id.clone();
    let described_by = frame.described_by();
    view! {
        <fieldset class="field checklist" aria-describedby=described_by>
            <legend>{label}</legend>
            {frame.notes()}
            <ul class="checklist__options">
                <For
                    each=move || options.get()
                    key=|(id, label)| (id.clone(), label.clone())
                    children=move |(id, label)| {
                        let input_id = format!("{base}-{}", dom_id_for(&FieldPath::new([id.as_str()])));
                        let checked = {
                            let id = id.clone();
                            Memo::new(move |_| members.with(|m| m.contains(&id)))
                        };
                        let toggle_id = id.clone();
                        view! {
                            <li>
                                <input
                                    id=input_id.clone()
                                    type="checkbox"
                                    prop:checked=move || checked.get()
                                    disabled=move || locked.get()
                                    on:change=move |ev| toggle(toggle_id.clone(), event_target_checked(&ev))
                                />
                                <label for=input_id>{label}</label>
                            </li>
                        }
                    }
                />
            </ul>
            {move || (options.with(|o| o.is_empty())).then(|| empty.map(|e| view! { <p class="muted">{e}</p> }))}
            {frame.problem_list()}
        </fieldset>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_in_either_convention() {
        assert_eq!(parse_amount("1234.5"), Some(123_450));
        assert_eq!(parse_amount("1 234,50"), Some(123_450));
        assert_eq!(parse_amount("1,234.50"), Some(123_450));
        assert_eq!(parse_amount("12,500"), Some(1_250_000));
        assert_eq!(parse_amount(""), Some(0));
        assert_eq!(parse_amount("ten"), None);
        assert_eq!(format_minor(123_450), "1234.50");
    }
}
