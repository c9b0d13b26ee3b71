//! `/taxonomy`: the thematic priorities, rights-holder groups and SDG
//! targets that needs, recommendations and consultations are tagged with.
//!
//! The taxonomy is one Automerge document (its id from `GET /api/taxonomy`)
//! that everyone reads and only administrators write; the relay enforces
//! that, and the page shows it read-only to everyone else with the reason.
//! An administrator adds terms, edits their label per UN language, reorders
//! them and retires them. A term is never deleted: documents tagged with it
//! keep their tag, and a retired term is only no longer offered.

use accord_shared::docs::items::{self, Items};
use accord_shared::docs::{Taxonomy, Term};
use accord_shared::DocumentId;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::admin::error_text;
use super::doc::{use_doc, DocAccessLine, DocContext, DocumentGate, People};
use super::fields::dom_id_for;
use super::record_list::record_name;
use super::vocab::language_label;
use crate::draft::FieldPath;
use crate::i18n::*;

/// Languages whose label is always shown; the other UN languages fold away.
const MAIN_LANGUAGES: [&str; 2] = ["en", "fr"];
const OTHER_LANGUAGES: [&str; 4] = ["es", "ar", "ru", "zh"];

/// Longest identifier made from a new term's English label.
const MAX_KEY_CHARS: usize = 48;

/// The three collections of the taxonomy, by their key in the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Collection {
    Themes,
    Groups,
    SdgTargets,
}

impl Collection {
    fn key(self) -> &'static str {
        match self {
            Collection::Themes => "themes",
            Collection::Groups => "groups",
            Collection::SdgTargets => "sdg_targets",
        }
    }

    fn items(self, t: &Taxonomy) -> &Items<Term> {
        match self {
            Collection::Themes => &t.themes,
            Collection::Groups => &t.groups,
            Collection::SdgTargets => &t.sdg_targets,
        }
    }

    fn items_mut(self, t: &mut Taxonomy) -> &mut Items<Term> {
        match self {
            Collection::Themes => &mut t.themes,
            Collection::Groups => &mut t.groups,
            Collection::SdgTargets => &mut t.sdg_targets,
        }
    }

    fn heading(self, i18n: I18nContext<Locale>) -> String {
        match self {
            Collection::Themes => t_string!(i18n, taxonomy_themes).to_string(),
            Collection::Groups => t_string!(i18n, taxonomy_groups).to_string(),
            Collection::SdgTargets => t_string!(i18n, taxonomy_sdg_targets).to_string(),
        }
    }

    fn noun(self, i18n: I18nContext<Locale>) -> String {
        match self {
            Collection::Themes => t_string!(i18n, taxonomy_noun_theme).to_string(),
            Collection::Groups => t_string!(i18n, taxonomy_noun_group).to_string(),
            Collection::SdgTargets => t_string!(i18n, taxonomy_noun_target).to_string(),
        }
    }

    fn add_label(self, i18n: I18nContext<Locale>) -> String {
        match self {
            Collection::Themes => t_string!(i18n, taxonomy_add_theme).to_string(),
            Collection::Groups => t_string!(i18n, taxonomy_add_group).to_string(),
            Collection::SdgTargets => t_string!(i18n, taxonomy_add_target).to_string(),
        }
    }
}

/// The interface language's code (`ar`, `en`, `fr`…).
fn language_code(i18n: I18nContext<Locale>) -> &'static str {
    i18n.get_locale().as_str()
}

/// A term as people read it: its label in `lang`, else English, else any,
/// else its identifier.
fn term_name(term: &Term, key: &str, lang: &str) -> String {
    [lang, "en"]
        .iter()
        .filter_map(|l| term.labels.get(*l))
        .chain(term.labels.values())
        .map(|s| s.trim())
        .find(|s| !s.is_empty())
        .unwrap_or(key)
        .to_string()
}

/// A stable identifier for a new term, from its English label
/// (`Business and human rights` → `business_and_human_rights`), unused in
/// `existing`.
fn new_key(existing: &Items<Term>, english: &str) -> String {
    let lower = english.to_lowercase();
    let words: Vec<String> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    let mut slug: String = words.join("_").chars().take(MAX_KEY_CHARS).collect();
    if slug.is_empty() {
        slug = items::new_id();
    }
    if !existing.contains_key(&slug) {
        return slug;
    }
    (2..)
        .map(|n| format!("{slug}_{n}"))
        .find(|k| !existing.contains_key(k))
        .unwrap_or_else(items::new_id)
}

/// Text direction from the language, never guessed from the text.
fn direction(lang: &str) -> &'static str {
    if lang == "ar" {
        "rtl"
    } else {
        "ltr"
    }
}

#[component]
pub fn TaxonomyPage() -> impl IntoView {
    let i18n = use_i18n();
    let id = LocalResource::new(crate::engagements::taxonomy);
    move || {
        match id.get() {
        None => view! { <p class="loading" aria-busy="true">{t!(i18n, loading)}</p> }.into_any(),
        Some(Err(e)) => view! {
            <div class="page taxonomy">
                <div class="card" role="alert">
                    <h1>{t!(i18n, taxonomy_heading)}</h1>
                    <p class="error">
                        {move || fill(t_string!(i18n, taxonomy_not_found), &[("reason", error_text(i18n, &e))])}
                    </p>
                </div>
            </div>
        }
        .into_any(),
        Some(Ok(id)) => view! { <OpenTaxonomy id /> }.into_any(),
    }
    }
}

#[component]
fn OpenTaxonomy(id: DocumentId) -> impl IntoView {
    let i18n = use_i18n();
    let doc = DocContext::open(id).provide();
    view! {
        <div class="page editor taxonomy">
            <DocumentGate doc>
                <h1>{t!(i18n, taxonomy_heading)}</h1>
                <DocAccessLine />
                <p class="hint">{t!(i18n, taxonomy_intro)}</p>
                <People />
                <TaxonomyEditor />
            </DocumentGate>
        </div>
    }
}

#[component]
fn TaxonomyEditor() -> impl IntoView {
    let doc = use_doc();
    let taxonomy = doc.shape::<Taxonomy>();
    view! {
        <TermList collection=Collection::Themes taxonomy />
        <TermList collection=Collection::Groups taxonomy />
        <TermList collection=Collection::SdgTargets taxonomy />
    }
}

#[component]
fn TermList(collection: Collection, taxonomy: Memo<Taxonomy>) -> impl IntoView {
    let i18n = use_i18n();
    let doc = use_doc();
    let path = FieldPath::new([collection.key()]);
    // Ordered from the typed document, by each term's position.
    let ids = Memo::new(move |_| taxonomy.with(|t| items::ordered_ids(collection.items(t))));
    let read_only = doc.read_only(&path);
    let editable = Signal::derive(move || read_only.with(Option::is_none));
    let base = dom_id_for(&path);
    let heading_id = format!("{base}-heading");
    let note_id = format!("{base}-note");
    let retired_hint_id = format!("{base}-retired-hint");
    view! {
        <section class="card records taxonomy__list" aria-labelledby=heading_id.clone()>
            <h2 id=heading_id.clone() class="records__heading">{move || collection.heading(i18n)}</h2>
            {move || read_only.get().map(|reason| view! {
                <p id=note_id.clone() class="field__note">{reason}</p>
            })}
            <p id=retired_hint_id.clone() class="hint">{t!(i18n, taxonomy_retired_hint)}</p>
            <ol class="records__list">
                <For
                    each=move || ids.get()
                    key=|id| id.clone()
                    children=move |id: String| {
                        view! { <TermRow collection id ids taxonomy editable /> }
                    }
                />
            </ol>
            {move || ids.with(Vec::is_empty).then(|| view! {
                <p class="muted">{t!(i18n, taxonomy_empty)}</p>
            })}
            <Show when=move || editable.get()>
                <AddTerm collection taxonomy />
            </Show>
        </section>
    }
}

#[component]
fn TermRow(
    collection: Collection,
    id: String,
    ids: Memo<Vec<String>>,
    taxonomy: Memo<Taxonomy>,
    editable: Signal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let doc = use_doc();
    let term = {
        let id = id.clone();
        Memo::new(move |_| taxonomy.with(|t| collection.items(t).get(&id).cloned()))
    };
    let position = {
        let id = id.clone();
        Memo::new(move |_| ids.with(|v| v.iter().position(|x| *x == id)))
    };
    let count = Memo::new(move |_| ids.with(Vec::len));
    let name = {
        let id = id.clone();
        Signal::derive(move || {
            let lang = language_code(i18n);
            term.with(|t| t.as_ref().map(|t| term_name(t, &id, lang)))
                .unwrap_or_else(|| id.clone())
        })
    };
    // "theme “Development”", for the buttons of this row.
    let item = Signal::derive(move || {
        record_name(
            i18n,
            &collection.noun(i18n),
            &name.get(),
            position.get().unwrap_or(0) + 1,
        )
    });
    let retired = Memo::new(move |_| term.with(|t| t.as_ref().is_some_and(|t| t.retired)));
    let frontier = Memo::new(move |_| term.with(|t| t.as_ref().is_some_and(|t| t.frontier)));
    let row_path = FieldPath::new([collection.key(), id.as_str()]);
    let row_id = dom_id_for(&row_path);
    let row_path = StoredValue::new(row_path);
    let stored_id = StoredValue::new(id.clone());

    let move_to = {
        let row_id = row_id.clone();
        move |up: bool| {
            let Some(at) = position.get_untracked() else {
                return;
            };
            let target = if up { at.saturating_sub(1) } else { at + 1 };
            stored_id.with_value(|id| {
                doc.update::<Taxonomy>(|t| {
                    items::move_to(collection.items_mut(t), id, target);
                })
            });
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
    let move_up = move_to.clone();
    let toggle_retired = move |_| {
        let now = !retired.get_untracked();
        doc.edit(|d| row_path.with_value(|p| d.put_scalar(&p.child("retired"), now)));
    };
    let toggle_frontier = move |ev: leptos::ev::Event| {
        let now = event_target_checked(&ev);
        doc.edit(|d| row_path.with_value(|p| d.put_scalar(&p.child("frontier"), now)));
    };
    let frontier_id = format!("{row_id}-frontier");
    let legend_id = format!("{row_id}-legend");
    let (up_id, down_id) = (format!("{row_id}-up"), format!("{row_id}-down"));

    view! {
        <li class="record term" class:term--retired=move || retired.get() id=row_id.clone()>
            <fieldset class="term__fields" aria-labelledby=legend_id.clone()>
                <legend id=legend_id.clone() class="term__name">
                    <span lang=move || language_code(i18n)>{name}</span>
                    {move || retired.get().then(|| view! {
                        " "
                        <span class="tag tag--off">{t!(i18n, taxonomy_retired)}</span>
                    })}
                    {move || frontier.get().then(|| view! {
                        " "
                        <span class="tag">{t!(i18n, taxonomy_frontier)}</span>
                    })}
                </legend>
                <p class="muted term__key">
                    {move || stored_id.with_value(|id| fill(t_string!(i18n, taxonomy_key), &[("key", id.clone())]))}
                </p>
                <div class="term__labels">
                    {MAIN_LANGUAGES
                        .into_iter()
                        .map(|lang| view! { <LabelInput collection id=id.clone() lang term editable /> })
                        .collect_view()}
                </div>
                <details class="term__more">
                    <summary>{t!(i18n, taxonomy_more_languages)}</summary>
                    <div class="term__labels">
                        {OTHER_LANGUAGES
                            .into_iter()
                            .map(|lang| view! { <LabelInput collection id=id.clone() lang term editable /> })
                            .collect_view()}
                    </div>
                </details>
                {(collection == Collection::Themes).then(|| view! {
                    <div class="field field--checkbox">
                        <input
                            id=frontier_id.clone()
                            type="checkbox"
                            prop:checked=move || frontier.get()
                            disabled=move || !editable.get()
                            on:change=toggle_frontier
                        />
                        <label for=frontier_id.clone()>{t!(i18n, taxonomy_frontier)}</label>
                    </div>
                })}
            </fieldset>
            <Show when=move || editable.get()>
                <div class="record__actions">
                    <button
                        type="button"
                        class="button button--small button--icon"
                        id=up_id.clone()
                        aria-label=move || fill(t_string!(i18n, record_move_up), &[("item", item.get())])
                        title=move || fill(t_string!(i18n, record_move_up), &[("item", item.get())])
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
                        aria-label=move || fill(t_string!(i18n, record_move_down), &[("item", item.get())])
                        title=move || fill(t_string!(i18n, record_move_down), &[("item", item.get())])
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
                        class="button button--small"
                        aria-pressed=move || if retired.get() { "true" } else { "false" }
                        on:click=toggle_retired
                    >
                        {move || {
                            let text = if retired.get() {
                                t_string!(i18n, taxonomy_restore)
                            } else {
                                t_string!(i18n, taxonomy_retire)
                            };
                            fill(text, &[("item", item.get())])
                        }}
                    </button>
                </div>
            </Show>
        </li>
    }
}

/// A term's label in one language, replaced as a whole (labels are short).
#[component]
fn LabelInput(
    collection: Collection,
    id: String,
    lang: &'static str,
    term: Memo<Option<Term>>,
    editable: Signal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let doc = use_doc();
    let path = FieldPath::new([collection.key(), id.as_str(), "labels", lang]);
    let dom_id = dom_id_for(&path);
    let value = Memo::new(move |_| {
        term.with(|t| {
            t.as_ref()
                .and_then(|t| t.labels.get(lang).cloned())
                .unwrap_or_default()
        })
    });
    let label = Signal::derive(move || {
        fill(
            t_string!(i18n, taxonomy_label),
            &[("language", language_label(i18n, lang))],
        )
    });
    doc.register_label(path.joined(), label);
    let path = StoredValue::new(path);
    let on_input = move |ev| {
        if !editable.get_untracked() {
            return;
        }
        let new = event_target_value(&ev);
        doc.edit(|d| path.with_value(|p| d.put_scalar(p, new.as_str())));
    };
    view! {
        <div class="field">
            <label for=dom_id.clone()>{label}</label>
            <input
                id=dom_id.clone()
                type="text"
                lang=lang
                dir=direction(lang)
                prop:value=move || value.get()
                readonly=move || !editable.get()
                aria-readonly=move || (!editable.get()).then_some("true")
                on:input=on_input
                on:focus=move |_| doc.announce(editable.get_untracked().then(|| path.with_value(FieldPath::joined)))
                on:blur=move |_| doc.announce(None)
            />
        </div>
    }
}

/// The form that adds a term at the end of a collection.
#[component]
fn AddTerm(collection: Collection, taxonomy: Memo<Taxonomy>) -> impl IntoView {
    let i18n = use_i18n();
    let doc = use_doc();
    let base = format!("new-{}", collection.key());
    let english = RwSignal::new(String::new());
    let french = RwSignal::new(String::new());
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let (en_id, fr_id, outcome_id) = (
        format!("{base}-en"),
        format!("{base}-fr"),
        format!("{base}-outcome"),
    );
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let en = english.get_untracked().trim().to_string();
        let fr = french.get_untracked().trim().to_string();
        if en.is_empty() {
            outcome.set(Some(Err(
                t_string!(i18n, taxonomy_add_needs_english).to_string()
            )));
            return;
        }
        let key = taxonomy.with_untracked(|t| new_key(collection.items(t), &en));
        let mut labels = std::collections::BTreeMap::from([("en".to_string(), en.clone())]);
        if !fr.is_empty() {
            labels.insert("fr".to_string(), fr.clone());
        }
        let added = doc.update::<Taxonomy>(|t| {
            let items = collection.items_mut(t);
            let term = Term {
                pos: items::next_pos(items),
                labels,
                ..Term::default()
            };
            items.insert(key, term);
        });
        if added {
            english.set(String::new());
            french.set(String::new());
            let name = if language_code(i18n) == "fr" && !fr.is_empty() {
                fr
            } else {
                en
            };
            outcome.set(Some(Ok(name)));
        }
    };
    let described = {
        let outcome_id = outcome_id.clone();
        move || outcome.with(|o| o.is_some()).then(|| outcome_id.clone())
    };
    view! {
        <form class="member-form taxonomy__add" on:submit=on_submit novalidate>
            <div class="member-form__row">
                <div class="field">
                    <label for=en_id.clone()>
                        {move || fill(t_string!(i18n, taxonomy_new_label), &[("language", language_label(i18n, "en"))])}
                    </label>
                    <input
                        id=en_id.clone()
                        type="text"
                        lang="en"
                        dir="ltr"
                        autocomplete="off"
                        aria-describedby=described.clone()
                        prop:value=move || english.get()
                        on:input=move |ev| english.set(event_target_value(&ev))
                    />
                </div>
                <div class="field">
                    <label for=fr_id.clone()>
                        {move || fill(t_string!(i18n, taxonomy_new_label), &[("language", language_label(i18n, "fr"))])}
                    </label>
                    <input
                        id=fr_id.clone()
                        type="text"
                        lang="fr"
                        dir="ltr"
                        autocomplete="off"
                        prop:value=move || french.get()
                        on:input=move |ev| french.set(event_target_value(&ev))
                    />
                </div>
                <button type="submit" class="button button--primary member-form__submit">
                    {move || collection.add_label(i18n)}
                </button>
            </div>
            {move || outcome.get().map(|o| match o {
                Ok(name) => view! {
                    <p id=outcome_id.clone() class="success" role="status">
                        {move || fill(t_string!(i18n, taxonomy_added), &[("name", name.clone())])}
                    </p>
                }
                .into_any(),
                Err(text) => view! {
                    <p id=outcome_id.clone() class="error" role="alert">{text}</p>
                }
                .into_any(),
            })}
        </form>
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_terms_get_a_readable_identifier_that_is_not_taken() {
        let mut existing = Items::new();
        assert_eq!(
            new_key(&existing, "Business and human rights"),
            "business_and_human_rights"
        );
        existing.insert("business_and_human_rights".into(), Term::default());
        // Punctuation and case are not part of the identifier.
        assert_eq!(
            new_key(&existing, "Business and Human Rights!"),
            "business_and_human_rights_2"
        );
        assert_eq!(
            new_key(&existing, "Business & human rights"),
            "business_human_rights"
        );
        assert_eq!(new_key(&existing, "Droits à l’eau"), "droits_à_l_eau");
        assert_eq!(new_key(&existing, "!!!").len(), 16);
    }

    #[test]
    fn a_term_is_named_in_the_language_asked_else_english_else_its_key() {
        let mut term = Term::default();
        assert_eq!(term_name(&term, "x", "fr"), "x");
        term.labels.insert("en".into(), "Development".into());
        assert_eq!(term_name(&term, "x", "fr"), "Development");
        term.labels.insert("fr".into(), "Développement".into());
        assert_eq!(term_name(&term, "x", "fr"), "Développement");
        assert_eq!(term_name(&term, "x", "en"), "Development");
    }
}
