//! Documents an editor reads beside its own: the consultations register
//! behind the needs, the confidential parties behind the register, the
//! taxonomy that tags them, and every document of the cycle for the
//! traceability view. Each is opened with [`DocContext::open`] by a
//! component that shows nothing ([`OpenLinked`]) and kept in a [`Linked`],
//! which also says whether the person may have it at all.

use std::collections::BTreeSet;

use accord_shared::docs::items::{members, ordered, IdSet};
use accord_shared::docs::{Shape, Taxonomy, Term};
use accord_shared::DocumentId;
use leptos::prelude::*;

use super::doc::DocContext;
use crate::draft::Availability;
use crate::engagements;
use crate::i18n::*;

/// Where a linked document stands for this person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LinkState {
    /// Not known yet: the engagement, the document or the server's answer.
    #[default]
    Looking,
    /// The server does not send it to this person (or it does not exist).
    Unavailable,
    Ready,
}

/// A document opened beside the page's own: its typed value, its state and,
/// once open, its context (to bind fields to it).
pub struct Linked<T: Send + Sync + 'static> {
    pub value: RwSignal<Option<T>>,
    pub state: RwSignal<LinkState>,
    pub doc: RwSignal<Option<DocContext>>,
}

// Signals are handles: a `Linked` copies whatever `T` is.
impl<T: Send + Sync + 'static> Clone for Linked<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Linked<T> {}

impl<T: Send + Sync + 'static> Linked<T> {
    pub fn new() -> Self {
        Self {
            value: RwSignal::new(None),
            state: RwSignal::new(LinkState::Looking),
            doc: RwSignal::new(None),
        }
    }

    /// Marks it as not for this person (without opening it).
    pub fn unavailable(&self) {
        self.value.set(None);
        self.doc.set(None);
        self.state.set(LinkState::Unavailable);
    }
}

impl<T: Send + Sync + 'static> Default for Linked<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// Opens document `id` (bare or `automerge:` id) and keeps `into` current
/// while this component lives. Shows nothing.
#[component]
pub fn OpenLinked<T>(#[prop(into)] id: String, into: Linked<T>) -> impl IntoView
where
    T: Shape + PartialEq + Clone + Send + Sync + 'static,
{
    match DocumentId::parse_url_or_id(&id) {
        Ok(id) => {
            let doc = DocContext::open(id);
            let value = doc.shape::<T>();
            let availability = doc.view.availability;
            into.doc.set(Some(doc));
            Effect::new(move |_| match availability.get() {
                Availability::Ready => {
                    into.value.set(Some(value.get()));
                    if into.state.get_untracked() != LinkState::Ready {
                        into.state.set(LinkState::Ready);
                    }
                }
                Availability::NotFound => into.unavailable(),
                Availability::Loading | Availability::Looking => {}
            });
        }
        Err(_) => into.unavailable(),
    }
    on_cleanup(move || {
        into.value.try_set(None);
        into.doc.try_set(None);
        into.state.try_set(LinkState::Looking);
    });
}

/// localStorage key of the taxonomy's document id, so tags show offline.
const TAXONOMY_KEY: &str = "accord.taxonomy";

/// Opens the taxonomy (themes, groups, SDG targets) into `into`: its id
/// from the server, remembered on the device so tags show offline. Shows
/// nothing.
#[component]
pub fn OpenTaxonomy(into: Linked<Taxonomy>) -> impl IntoView {
    let remembered = crate::auth::storage()
        .and_then(|s| s.get_item(TAXONOMY_KEY).ok().flatten())
        .and_then(|id| DocumentId::parse_url_or_id(&id).ok());
    let id = RwSignal::new(remembered);
    leptos::task::spawn_local(async move {
        match engagements::taxonomy().await {
            Ok(answer) => {
                if let Some(storage) = crate::auth::storage() {
                    let _ = storage.set_item(TAXONOMY_KEY, &answer.to_string());
                }
                if id.try_get_untracked().flatten() != Some(answer) {
                    id.try_set(Some(answer));
                }
            }
            // Offline with nothing remembered: only the chosen tags show.
            Err(_) if id.try_get_untracked().flatten().is_none() => {
                into.state.try_set(LinkState::Unavailable);
            }
            Err(_) => {}
        }
    });
    move || {
        id.get()
            .map(|id| view! { <OpenLinked<Taxonomy> id=id.to_string() into /> })
    }
}

/// Which list of the taxonomy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Terms {
    Themes,
    Groups,
    SdgTargets,
}

fn term_label(term: &Term, locale: &str, id: &str) -> String {
    term.labels
        .get(locale)
        .or_else(|| term.labels.get("en"))
        .or_else(|| term.labels.values().next())
        .cloned()
        .unwrap_or_else(|| id.to_string())
}

/// The options of a tag checklist: the taxonomy's current terms in its
/// order, then whatever is already chosen that it does not offer (a retired
/// term, or everything chosen while the taxonomy is not on this device).
pub fn term_options(
    taxonomy: Option<&Taxonomy>,
    which: Terms,
    locale: &str,
    chosen: &IdSet,
) -> Vec<(String, String)> {
    let mut options = Vec::new();
    let mut seen = BTreeSet::new();
    if let Some(t) = taxonomy {
        let terms = match which {
            Terms::Themes => &t.themes,
            Terms::Groups => &t.groups,
            Terms::SdgTargets => &t.sdg_targets,
        };
        for (id, term) in ordered(terms) {
            if term.retired && chosen.get(id) != Some(&true) {
                continue;
            }
            seen.insert(id.to_string());
            options.push((id.to_string(), term_label(term, locale, id)));
        }
        for id in members(chosen) {
            if !seen.contains(id) {
                let label = terms
                    .get(id)
                    .map(|term| term_label(term, locale, id))
                    .unwrap_or_else(|| id.to_string());
                options.push((id.to_string(), label));
            }
        }
    } else {
        options.extend(members(chosen).map(|id| (id.to_string(), id.to_string())));
    }
    options
}

/// The interface language's code, for taxonomy labels.
pub fn locale_code(i18n: I18nContext<Locale>) -> String {
    i18n.get_locale().as_str().to_string()
}
