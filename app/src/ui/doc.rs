//! An open document in the interface, of any kind, and the page that shows
//! one (`/doc/:id`) with the editor its declared kind asks for.
//!
//! # Adding an editor
//!
//! 1. Write a component in its own file under `ui/` (`request.rs` is a
//!    complete small example; `engagement.rs` shows structural updates):
//!    ```ignore
//!    #[component]
//!    pub fn AssessmentEditor() -> impl IntoView {
//!        let i18n = use_i18n();
//!        let doc = use_doc();                             // the open document
//!        let assessment = doc.shape::<Assessment>();      // Memo<Assessment>, upgraded on open
//!        doc.validate(assessment, validate::assessment);  // problems shown at their fields
//!        let item = Callback::new(move |(id, n): (String, usize)| {
//!            let title = assessment.with(|a| a.needs.get(&id).map(|x| x.title.to_string()));
//!            record_name(i18n, "need", &title.unwrap_or_default(), n) // `need “Legal aid”`
//!        });
//!        view! {
//!            <TextField path=["national_context"] label=... multiline=true />
//!            <Select<AssessmentStatus> path=["status"] label=... />
//!            <DateField path=["mission_start"] label=... />
//!            <RecordList path=FieldPath::new(["needs"]) heading=... add_label=... empty=...
//!                item blank=Need::default row=move |id| view! { <NeedRow id /> } />
//!        }
//!    }
//!    // In NeedRow: <TextField path=["needs", id.as_str(), "title"] .../>,
//!    // <Checklist path=["needs", id.as_str(), "consultations"] options=... />
//!    ```
//!    Fields (`text_field.rs`, `fields.rs`: `StringField`, `Select<V>`,
//!    `DateField`, `NumberField`, `MoneyField`, `Checklist`) take a
//!    [`FieldPath`] of map keys (record ids included) and read, write,
//!    check the write policy (read-only with the reason) and show the
//!    validation problems at their path by themselves. For changes of
//!    structure use [`DocContext::update`] on the typed document; for small
//!    reads make a memo of a slice ([`DocContext::memo`], or
//!    `Memo::new(move |_| assessment.with(|a| ...))`) so that a keystroke
//!    elsewhere does not re-render the component; list records with keyed
//!    `<For>` (as `RecordList` does) so rows keep their inputs.
//! 2. Add its kind to [`editor_for`] below.
//! 3. Interface text goes in `app/locales/en.json` and `fr.json`;
//!    vocabulary labels already exist for every enumeration (`vocab.rs`,
//!    `Vocabulary::label`), validation messages for every `ProblemCode`.
//!
//! To read several documents at once (traceability), call
//! [`DocContext::open`] for each and use their [`DocContext::shape`]
//! memos; only one of them is provided as the page's context.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use accord_shared::docs::validate::{Problem, ProblemCode};
use accord_shared::docs::{self, SchemaMark, Shape};
use accord_shared::DocumentId;
use automerge::AutoCommit;
use gloo_timers::callback::Interval;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use leptos_router::NavigateOptions;

use super::{kind_label, read_only_text, role_label, use_client, ClientStore};
use crate::access::{self, DocAccess};
use crate::draft::{
    persist, read_text, Availability, Draft, DraftHandle, DraftView, EditError, FieldPath, Person,
};
use crate::i18n::*;
use crate::store;
use crate::sync::Connection;

/// The open draft, reachable from components.
pub type DraftStore = StoredValue<DraftHandle, LocalStorage>;

/// How often presence is re-announced and stale entries dropped.
const PRESENCE_TICK_MS: u32 = 5_000;

/// An open document: cheap to copy, valid while the component that opened
/// it lives. Everything an editor needs: typed reads, edits that are saved
/// on the device and synced, the person's rights, validation problems.
#[derive(Clone, Copy)]
pub struct DocContext {
    pub id: DocumentId,
    pub draft: DraftStore,
    pub client: ClientStore,
    pub view: DraftView,
    /// The person's rights here; `None`: no restrictions known.
    pub access: RwSignal<Option<DocAccess>>,
    problems: RwSignal<Option<Signal<Vec<Problem>>>>,
    /// Field labels by presence key, so others' presence reads "editing Scope".
    labels: StoredValue<HashMap<String, Signal<String>>>,
    i18n: I18nContext<Locale>,
}

/// The document the current page shows.
pub fn use_doc() -> DocContext {
    expect_context::<DocContext>()
}

impl DocContext {
    /// Opens a document: the device's copy first (so it shows offline), then
    /// sync; presence, and the person's rights asked of the server whenever
    /// the connection comes back. Closed when the calling component goes away.
    pub fn open(id: DocumentId) -> Self {
        let i18n = use_i18n();
        let client = use_client();
        let view = DraftView::new();
        let handle: DraftHandle = Rc::new(RefCell::new(Draft::new(id, view)));
        let draft: DraftStore = StoredValue::new_local(handle.clone());
        // The last answer on this device first, so read-only holds offline.
        let access = RwSignal::new(access::remembered(id));
        let ctx = Self {
            id,
            draft,
            client,
            view,
            access,
            problems: RwSignal::new(None),
            labels: StoredValue::new(HashMap::new()),
            i18n,
        };

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
                        if let Err(e) = crate::timing::timed("restore", || draft.restore(&stored)) {
                            let reason = e.to_string();
                            view.error.set(Some(fill(
                                t_string!(i18n, load_error),
                                &[("reason", reason)],
                            )));
                        }
                    }
                    Ok(None) => {}
                    Err(e) => {
                        let reason = e.to_string();
                        view.error.set(Some(fill(
                            t_string!(i18n, store_error),
                            &[("reason", reason)],
                        )));
                    }
                }
                draft.refresh_view();
                if !draft.has_content() {
                    view.availability.set(Availability::Looking);
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
        // Dropping the interval (when the owner goes away) stops it.
        let _ticker = StoredValue::new_local(ticker);

        on_cleanup(move || {
            alive.set_value(false);
            client.with_value(|c| c.close(id));
        });

        // Ask the server on opening and again whenever the link comes back.
        let connection = client.with_value(|c| c.status()).connection;
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
                if alive.try_get_value() == Some(true) && access.try_get_untracked() != Some(answer)
                {
                    access.set(answer);
                }
            });
        });
        ctx
    }

    /// Makes this the page's document for [`use_doc`] and the field components.
    pub fn provide(self) -> Self {
        provide_context(self);
        self
    }

    /// Reads the document now, without subscribing to changes (event handlers).
    pub fn with_doc<R>(&self, read: impl FnOnce(&AutoCommit) -> R) -> R {
        self.draft.with_value(|h| read(&h.borrow().doc))
    }

    /// A value computed from the document, recomputed after every change and
    /// notifying only when the value itself changed.
    pub fn memo<R: PartialEq + Send + Sync + 'static>(
        &self,
        read: impl Fn(&AutoCommit) -> R + Send + Sync + 'static,
    ) -> Memo<R> {
        let this = *self;
        Memo::new(move |_| {
            this.view.version.track();
            this.with_doc(&read)
        })
    }

    /// The text at a path (a Text or a plain string), empty when absent.
    pub fn text(&self, path: FieldPath) -> Memo<String> {
        self.memo(move |doc| read_text(doc, &path))
    }

    /// The document's one working language, if it declares exactly one:
    /// its text fields take that language and its direction.
    pub fn writing_language(&self) -> Memo<Option<String>> {
        self.memo(docs::writing_language)
    }

    /// The kind the document declares (`schema.kind`), if any.
    pub fn declared_kind(&self) -> Memo<Option<String>> {
        self.memo(docs::declared_kind)
    }

    /// The whole document as `T`, for rendering: fields it lacks take their
    /// defaults; if it cannot be read as `T` the last good value stays and
    /// the reason shows in the page's error banner. Someone who may write
    /// the document upgrades an older schema version on opening.
    pub fn shape<T: Shape + PartialEq + Clone + Send + Sync + 'static>(&self) -> Memo<T> {
        let raw = self.memo(|doc| docs::open::<T>(doc).map_err(|e| e.to_string()));
        let error = self.view.error;
        Effect::new(move |_| {
            if let Err(e) = raw.get() {
                error.set(Some(e));
            }
        });
        self.upgrade_when_writable::<T>();
        Memo::new(move |previous: Option<&T>| {
            raw.with(|r| match r {
                Ok(value) => value.clone(),
                Err(_) => previous.cloned().unwrap_or_default(),
            })
        })
    }

    fn upgrade_when_writable<T: Shape>(&self) {
        let this = *self;
        let mark = self.memo(|doc| {
            autosurgeon::hydrate_prop::<_, SchemaMark, _, _>(doc, automerge::ROOT, docs::SCHEMA_KEY)
                .map(|m| (m.kind, m.version))
                .unwrap_or_default()
        });
        Effect::new(move |_| {
            // Only with the server's word that this person may write it: a
            // change the relay refuses would never leave this device.
            let Some(access) = this.access.get() else {
                return;
            };
            if access.kind != Some(T::KIND) || access.read_only_at(&[]).is_some() {
                return;
            }
            if this.view.availability.get() != Availability::Ready {
                return;
            }
            let (kind, version) = mark.get();
            if version >= docs::VERSION && !kind.is_empty() {
                return;
            }
            this.edit(|draft| draft.upgrade::<T>());
        });
    }

    /// Makes a change with the draft (its methods commit), then saves it on
    /// the device and sends it. Errors show in the page's banner. Returns
    /// whether the document changed.
    pub fn edit(&self, change: impl FnOnce(&mut Draft) -> Result<bool, EditError>) -> bool {
        // After an await the page may have gone, and the document with it.
        let Some(handle) = self.draft.try_get_value() else {
            return false;
        };
        let result = change(&mut handle.borrow_mut());
        match result {
            Ok(true) => {
                self.client.with_value(|c| c.local_change(&handle));
                true
            }
            Ok(false) => false,
            Err(e) => {
                let i18n = self.i18n;
                self.view.error.try_set(Some(fill(
                    t_string!(i18n, edit_error),
                    &[("reason", e.to_string())],
                )));
                false
            }
        }
    }

    /// A change of structure made on the typed document (add a stage move,
    /// set a status…). Refused, without touching the document, when the
    /// person may not write its main section.
    pub fn update<T: Shape>(&self, change: impl FnOnce(&mut T)) -> bool {
        if !self.may_write(&FieldPath::new(Vec::<String>::new())) {
            return false;
        }
        self.edit(|draft| draft.update::<T>(change))
    }

    /// Whether the person may write this path, as far as the app knows (now).
    pub fn may_write(&self, path: &FieldPath) -> bool {
        self.access
            .get_untracked()
            .is_none_or(|a| why_read_only(&a, path).is_none())
    }

    /// Why the person may not write this path, translated; `None` if they may.
    pub fn read_only(&self, path: &FieldPath) -> Signal<Option<String>> {
        let i18n = self.i18n;
        let access = self.access;
        let path = path.clone();
        Signal::derive(move || {
            access
                .get()
                .and_then(|a| why_read_only(&a, &path))
                .map(|why| read_only_text(i18n, why))
        })
    }

    /// Shows these problems next to the fields their paths name.
    pub fn show_problems(&self, problems: impl Into<Signal<Vec<Problem>>>) {
        self.problems.set(Some(problems.into()));
    }

    #[allow(dead_code)] // for the assessment, programme and evaluation editors
    /// Validates the typed document with a `shared::docs::validate` function.
    pub fn validate<T: PartialEq + Send + Sync + 'static>(
        &self,
        shape: Memo<T>,
        check: fn(&T) -> Vec<Problem>,
    ) {
        self.show_problems(Memo::new(move |_| shape.with(check)));
    }

    /// The problems found at exactly this path.
    pub fn problems_at(&self, path: &FieldPath) -> Memo<Vec<ProblemCode>> {
        let problems = self.problems;
        let keys = path.keys().to_vec();
        Memo::new(move |_| {
            problems
                .get()
                .map(|p| {
                    p.with(|list| {
                        list.iter()
                            .filter(|p| p.path == keys)
                            .map(|p| p.code)
                            .collect()
                    })
                })
                .unwrap_or_default()
        })
    }

    /// Tells others which field this tab is editing (`None`: just reading).
    pub fn announce(&self, field: Option<String>) {
        self.draft
            .with_value(|handle| handle.borrow_mut().my_field = field);
        let id = self.id;
        self.client.with_value(|c| c.send_presence(id));
    }

    /// Remembers how a field is called, for presence ("editing Scope").
    pub fn register_label(&self, key: String, label: Signal<String>) {
        self.labels.update_value(|labels| {
            labels.insert(key, label);
        });
    }

    /// The name of the field with this presence key, if one is shown here.
    pub fn field_label(&self, key: &str) -> Option<String> {
        let label = self.labels.with_value(|labels| labels.get(key).copied())?;
        label.try_get()
    }
}

fn why_read_only(access: &DocAccess, path: &FieldPath) -> Option<access::WhyReadOnly> {
    let keys: Vec<&str> = path.keys().iter().map(String::as_str).collect();
    if path.is_rooted() {
        access.read_only_at(&keys)
    } else {
        // A path inside a list item: the list's section is the document's.
        access.read_only_at(&[])
    }
}

/// What a person sees while a document is not ready; the document when it is.
#[component]
pub fn DocumentGate(doc: DocContext, children: ChildrenFn) -> impl IntoView {
    let i18n = use_i18n();
    let connection = doc.client.with_value(|c| c.status()).connection;
    let availability = doc.view.availability;
    let error = doc.view.error;
    let children = StoredValue::new(children);
    view! {
        {move || error.get().map(|e| view! {
            <div class="banner banner--error" role="alert">{e}</div>
        })}
        {move || match availability.get() {
            Availability::Loading => view! {
                <p class="muted">{t!(i18n, looking_for_doc)}</p>
            }.into_any(),
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
            Availability::Ready => children.with_value(|c| c()).into_any(),
        }}
    }
}

/// `/doc/:id`: any document, with the editor of its kind.
#[component]
pub fn DocumentPage() -> impl IntoView {
    by_route_id(|id| view! { <OpenDocument id /> }.into_any())
}

/// The page of the document the route's `:id` names, made by `open`; or,
/// when `:id` is no document id, why.
pub fn by_route_id(open: fn(DocumentId) -> AnyView) -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = Memo::new(move |_| {
        let raw = params.with(|p| p.get("id").unwrap_or_default());
        DocumentId::parse_url_or_id(&raw)
    });
    move || match id.get() {
        Ok(id) => open(id),
        Err(e) => {
            let reason = e.to_string();
            view! {
                <div class="card not-found" role="alert">
                    <h1>{t!(i18n, not_found)}</h1>
                    <p>{move || fill(t_string!(i18n, invalid_id), &[("reason", reason.clone())])}</p>
                    <A href="/">{t!(i18n, back_home)}</A>
                </div>
            }
            .into_any()
        }
    }
}

#[component]
fn OpenDocument(id: DocumentId) -> impl IntoView {
    let i18n = use_i18n();
    let doc = DocContext::open(id).provide();
    super::comments::CommentsContext::provide();
    let kind = doc.declared_kind();
    // `?engagement=<id>`: where the person came from, for the way back.
    let back = leptos_router::hooks::use_query_map().with_untracked(|q| {
        q.get("engagement")
            .and_then(|e| DocumentId::parse_url_or_id(&e).ok())
    });
    view! {
        <div class="page editor">
            <nav class="breadcrumbs" aria-label=t!(i18n, breadcrumbs_label)>
                <A href="/">{t!(i18n, back_home)}</A>
                {back.map(|engagement| view! {
                    <span aria-hidden="true">" › "</span>
                    <A href=format!("/engagement/{engagement}")>{t!(i18n, back_engagement)}</A>
                })}
            </nav>
            <DocumentGate doc>
                <div class="doc-columns">
                    <div class="doc-columns__main">{move || editor_for(kind.get().as_deref())}</div>
                    {move || super::comments::commented(kind.get().as_deref()).then(|| view! {
                        <super::comments::CommentsPanel />
                    })}
                </div>
            </DocumentGate>
        </div>
    }
}

/// The editor of each kind of document. Add yours here.
fn editor_for(kind: Option<&str>) -> AnyView {
    match kind {
        // The first draft documents (title, summary, items) declare
        // `programme_draft`; documents written by other tools may declare nothing.
        None | Some(accord_shared::schema::SCHEMA_KIND) => {
            view! { <super::editor::DraftEditor /> }.into_any()
        }
        Some("request") => view! { <super::request::RequestEditor /> }.into_any(),
        Some("assessment") => view! { <super::assessment::AssessmentEditor /> }.into_any(),
        Some("consultations") => view! { <super::consultations::ConsultationsEditor /> }.into_any(),
        Some("programme") => view! { <super::programme::ProgrammeEditor /> }.into_any(),
        Some("evaluation") => view! { <super::evaluation::EvaluationEditor /> }.into_any(),
        Some("submission") => view! { <super::submission::SubmissionEditor /> }.into_any(),
        Some("engagement") => view! { <GoToEngagement /> }.into_any(),
        Some(other) => {
            let kind = other.to_string();
            view! { <EditorComing kind /> }.into_any()
        }
    }
}

/// An engagement opened as a document: its own page shows it.
#[component]
fn GoToEngagement() -> impl IntoView {
    let doc = use_doc();
    let navigate = use_navigate();
    request_animation_frame(move || {
        navigate(
            &format!("/engagement/{}", doc.id),
            NavigateOptions {
                replace: true,
                ..Default::default()
            },
        )
    });
}

/// A kind whose editor is not built yet: say so rather than show nothing.
#[component]
fn EditorComing(kind: String) -> impl IntoView {
    let i18n = use_i18n();
    let name = kind
        .parse::<accord_shared::policy::DocKind>()
        .map(|k| kind_label(i18n, k))
        .unwrap_or(kind);
    view! {
        <div class="card">
            <h1>{name.clone()}</h1>
            <p>{move || fill(t_string!(i18n, editor_coming), &[("kind", name.clone())])}</p>
        </div>
    }
}

/// "Request · You: Government counterpart (read-only)".
#[component]
pub fn DocAccessLine() -> impl IntoView {
    let i18n = use_i18n();
    let doc = use_doc();
    move || {
        doc.access.get().map(|access| {
            let role = role_label(i18n, access.role.as_str());
            let you = if access.read_only_at(&[]).is_some() {
                fill(t_string!(i18n, doc_you_read_only), &[("role", role)])
            } else {
                fill(t_string!(i18n, doc_you), &[("role", role)])
            };
            let line = match access.kind {
                Some(kind) => format!("{} · {you}", kind_label(i18n, kind)),
                None => you,
            };
            view! { <p class="doc-access">{line}</p> }
        })
    }
}

/// Others in the document and the field each is editing.
#[component]
pub fn People() -> impl IntoView {
    let i18n = use_i18n();
    let doc = use_doc();
    let people = doc.view.people;
    let describe = move |person: &Person| -> String {
        let name = person.name.clone();
        match person.field.as_deref() {
            None => fill(t_string!(i18n, person_viewing), &[("name", name)]),
            Some(field) => {
                let field = doc.field_label(field).unwrap_or_else(|| field.to_string());
                fill(
                    t_string!(i18n, person_editing),
                    &[("name", name), ("field", field)],
                )
            }
        }
    };
    view! {
        <section class="people">
            <h2 class="people__heading" aria-hidden="true">{t!(i18n, people_label)}</h2>
            <ul class="people__list" aria-label=t!(i18n, people_label)>
                <For
                    each=move || people.get()
                    key=|p| (p.session.clone(), p.name.clone(), p.field.clone())
                    let:person
                >
                    <li>{move || describe(&person)}</li>
                </For>
            </ul>
            {move || people.with(|p| p.is_empty()).then(|| view! {
                <p class="muted people__alone">{t!(i18n, people_only_you)}</p>
            })}
        </section>
    }
}

/// A translated validation message.
pub fn problem_text(i18n: I18nContext<Locale>, code: ProblemCode) -> String {
    match code {
        ProblemCode::MissingTitle => t_string!(i18n, problem.missing_title).to_string(),
        ProblemCode::BadDate => t_string!(i18n, problem.bad_date).to_string(),
        ProblemCode::EndBeforeStart => t_string!(i18n, problem.end_before_start).to_string(),
        ProblemCode::OutputWithoutIndicator => {
            t_string!(i18n, problem.output_without_indicator).to_string()
        }
        ProblemCode::IndicatorWithoutTarget => {
            t_string!(i18n, problem.indicator_without_target).to_string()
        }
        ProblemCode::IndicatorWithoutBaseline => {
            t_string!(i18n, problem.indicator_without_baseline).to_string()
        }
        ProblemCode::OutputWithoutNeed => t_string!(i18n, problem.output_without_need).to_string(),
        ProblemCode::NeedWithoutEvidence => {
            t_string!(i18n, problem.need_without_evidence).to_string()
        }
        ProblemCode::ActionIncomplete => t_string!(i18n, problem.action_incomplete).to_string(),
    }
}
