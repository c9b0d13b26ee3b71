//! The field team's inbox of consultation submissions at
//! `/engagement/:id/submissions`: new ones first, each with its source as
//! the reader may know it; mark as reviewed, link to the assessment's
//! needs, record in the consultations register in one step, withdraw on
//! the contributor's behalf. Field officers and admins also make and
//! revoke the submission links people without an account use.
//!
//! The list and its facts come from the server; the needs, the register
//! and the confidential parties are the engagement's documents, opened
//! beside the page ([`super::linked`]) and written through the relay.

use accord_shared::docs::items::{self, ordered, IdSet};
use accord_shared::docs::vocab::{
    Confidentiality, ConsentForm, ConsentScope, ConsentStatus, ConsultationMethod, PartyType,
};
use accord_shared::docs::{
    Assessment, Consent, Consultation, Consultations, Parties, Party, Submission,
};
use accord_shared::DocumentId;
use autosurgeon::Text;
use leptos::prelude::*;
use leptos_router::components::A;

use super::dashboard::describe_error;
use super::doc::by_route_id;
use super::linked::{LinkState, Linked, OpenLinked};
use super::siblings::engagement_of;
use super::submission::source_text;
use super::vocab::label_of;
use crate::countries;
use crate::draft::{map_keys, FieldPath};
use crate::format::date_time_rfc3339;
use crate::i18n::*;
use crate::store;
use crate::submissions::{self, Entry, LinkRow, Listing, NewLink};

#[component]
pub fn InboxPage() -> impl IntoView {
    by_route_id(|id| view! { <Inbox id /> }.into_any())
}

#[derive(Debug, Clone, PartialEq)]
enum State {
    Loading,
    Ready(Listing),
    Failed(String),
}

/// What every item of the inbox works with.
#[derive(Clone, Copy)]
struct Context {
    engagement: DocumentId,
    /// Field officers and admins: review, record, withdraw, links.
    writes: Memo<bool>,
    assessment: Linked<Assessment>,
    register: Linked<Consultations>,
    parties: Linked<Parties>,
    entries: RwSignal<Vec<Entry>>,
}

fn may_write(role: &str) -> bool {
    matches!(role, "field_officer" | "admin")
}

fn date_of(at: &str) -> String {
    at.get(..10).unwrap_or(at).to_string()
}

/// New (not reviewed) first, then reviewed, then withdrawn; latest first in each.
fn sort(entries: &mut [Entry]) {
    let rank = |e: &Entry| {
        if e.withdrawn() {
            2
        } else if e.reviewed_at.is_some() {
            1
        } else {
            0
        }
    };
    entries.sort_by(|a, b| {
        rank(a).cmp(&rank(b)).then_with(|| {
            let at = |e: &Entry| {
                e.submitted_at
                    .clone()
                    .unwrap_or_else(|| e.created_at.clone())
            };
            at(b).cmp(&at(a))
        })
    });
}

#[component]
fn Inbox(id: DocumentId) -> impl IntoView {
    let i18n = use_i18n();
    let state = RwSignal::new(State::Loading);
    let entries = RwSignal::new(Vec::<Entry>::new());
    let summary = engagement_of(id);
    let locale = move || i18n.get_locale().as_str().to_string();
    leptos::task::spawn_local(async move {
        let next = match submissions::list(id).await {
            Ok(listing) => {
                // A withdrawn submission must not stay readable on this device.
                for entry in listing.submissions.iter().filter(|e| e.withdrawn()) {
                    if let Ok(doc) = DocumentId::parse_url_or_id(&entry.id) {
                        let _ = store::remove(doc).await;
                    }
                }
                let mut list = listing.submissions.clone();
                sort(&mut list);
                entries.try_set(list);
                State::Ready(listing)
            }
            Err(e) => State::Failed(describe_error(i18n, &e)),
        };
        state.try_set(next);
    });
    let role = Memo::new(move |_| match state.get() {
        State::Ready(l) => l.role,
        _ => String::new(),
    });
    let writes = Memo::new(move |_| may_write(&role.get()));
    let assessment = Linked::<Assessment>::new();
    let register = Linked::<Consultations>::new();
    let parties = Linked::<Parties>::new();
    let documents = Memo::new(move |_| summary.get().map(|s| s.documents));
    let cx = Context {
        engagement: id,
        writes,
        assessment,
        register,
        parties,
        entries,
    };
    provide_context(cx);
    let drafts = Memo::new(move |_| match state.get() {
        State::Ready(l) => l.drafts,
        _ => 0,
    });
    let heading_meta = move || {
        summary.get().map(|s| {
            let country = countries::label(&s.country, &locale());
            format!("{} · {country}", s.title)
        })
    };
    view! {
        {move || documents.get().map(|d| {
            let assessment_id = d.assessment.clone();
            let register_id = d.consultations.clone();
            let parties_id = d.parties.clone();
            view! {
                {(!assessment_id.is_empty()).then(|| view! { <OpenLinked<Assessment> id=assessment_id into=assessment /> })}
                {move || (writes.get() && !register_id.is_empty()).then(|| view! { <OpenLinked<Consultations> id=register_id.clone() into=register /> })}
                {move || (writes.get() && !parties_id.is_empty()).then(|| view! { <OpenLinked<Parties> id=parties_id.clone() into=parties /> })}
            }
        })}
        <div class="page inbox">
            <nav class="breadcrumbs" aria-label=t!(i18n, breadcrumbs_label)>
                <A href="/">{t!(i18n, back_dashboard)}</A>
                <span aria-hidden="true">" › "</span>
                <A href=format!("/engagement/{id}")>{t!(i18n, back_engagement)}</A>
            </nav>
            <header class="page-head page-head--stacked">
                <h1>{t!(i18n, inbox_heading)}</h1>
                <p class="page-head__meta">{heading_meta}</p>
            </header>
            <p class="muted">{t!(i18n, inbox_intro)}</p>
            {move || match state.get() {
                State::Loading => view! { <p class="loading" aria-busy="true">{t!(i18n, admin_loading)}</p> }.into_any(),
                State::Failed(reason) => view! {
                    <p class="error" role="alert">{fill(t_string!(i18n, inbox_failed), &[("reason", reason)])}</p>
                }.into_any(),
                State::Ready(_) => view! {
                    <section class="card" aria-labelledby="inbox-list-heading">
                        <div class="card__head">
                            <h2 id="inbox-list-heading">{t!(i18n, inbox_list_heading)}</h2>
                            <a class="button button--small" href=submissions::export_path(id) download="submissions.csv" rel="external">
                                {t!(i18n, inbox_export)}
                            </a>
                        </div>
                        <p class="muted" role="status">
                            {move || match drafts.get() {
                                0 => t_string!(i18n, inbox_no_drafts).to_string(),
                                1 => t_string!(i18n, inbox_one_draft).to_string(),
                                n => fill(t_string!(i18n, inbox_drafts), &[("n", n.to_string())]),
                            }}
                        </p>
                        {move || entries.with(Vec::is_empty).then(|| view! { <p class="muted">{t!(i18n, inbox_empty)}</p> })}
                        <ol class="inbox__list">
                            <For
                                each=move || entries.get()
                                key=|e| e.id.clone()
                                let:entry
                            >
                                <InboxItem id=entry.id.clone() />
                            </For>
                        </ol>
                    </section>
                    <Show when=move || writes.get()>
                        <LinksSection engagement=id />
                    </Show>
                }.into_any(),
            }}
        </div>
    }
}

/// Replaces one entry of the list with the server's new answer.
fn replace(entries: RwSignal<Vec<Entry>>, entry: Entry) {
    entries.update(|list| {
        if let Some(slot) = list.iter_mut().find(|e| e.id == entry.id) {
            *slot = entry;
        }
        sort(list);
    });
}

#[component]
fn InboxItem(id: String) -> impl IntoView {
    let i18n = use_i18n();
    let cx = expect_context::<Context>();
    let entry = {
        let id = id.clone();
        Memo::new(move |_| {
            cx.entries
                .with(|l| l.iter().find(|e| e.id == id).cloned())
                .unwrap_or_default()
        })
    };
    let locale = move || i18n.get_locale().as_str().to_string();
    let heading_id = format!("inbox-{id}");
    let labelled_by = heading_id.clone();
    let title = Memo::new(move |_| {
        entry.with(|e| {
            let t = e.title.trim();
            if t.is_empty() {
                t_string!(i18n, trace_untitled).to_string()
            } else {
                t.to_string()
            }
        })
    });
    let withdrawn = Memo::new(move |_| entry.with(Entry::withdrawn));
    let reviewed = Memo::new(move |_| entry.with(|e| e.reviewed_at.is_some()));
    let named = move |template: &str| fill(template, &[("title", title.get())]);
    let href = format!("/doc/{id}?engagement={}", cx.engagement);
    let facts = move || {
        entry.with(|e| {
            let mut parts = Vec::new();
            if let Some(at) = &e.submitted_at {
                parts.push(fill(
                    t_string!(i18n, inbox_submitted_on),
                    &[("when", date_time_rfc3339(at, &locale()))],
                ));
            }
            parts.push(source_text(i18n, &e.source));
            parts.push(label_of::<Confidentiality>(i18n, &e.confidentiality));
            parts.push(if e.via == "link" {
                t_string!(i18n, inbox_via_link).to_string()
            } else {
                t_string!(i18n, inbox_via_account).to_string()
            });
            parts.join(" · ")
        })
    };
    let review_line = move || {
        entry.with(|e| {
            e.reviewed_at.as_ref().map(|at| {
                fill(
                    t_string!(i18n, inbox_reviewed_by),
                    &[
                        ("by", e.reviewed_by.clone().unwrap_or_default()),
                        ("when", date_time_rfc3339(at, &locale())),
                    ],
                )
            })
        })
    };
    let withdrawn_line = move || {
        entry.with(|e| {
            fill(
                t_string!(i18n, inbox_withdrawn_line),
                &[
                    (
                        "when",
                        e.withdrawn_at
                            .as_deref()
                            .map(|at| date_time_rfc3339(at, &locale()))
                            .unwrap_or_default(),
                    ),
                    ("by", e.withdrawn_by.clone().unwrap_or_default()),
                ],
            )
        })
    };
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let stored_id = StoredValue::new(id.clone());
    let toggle_review = {
        move |_| {
            if busy.get_untracked() {
                return;
            }
            busy.set(true);
            error.set(None);
            let id = stored_id.get_value();
            let on = !reviewed.get_untracked();
            leptos::task::spawn_local(async move {
                let answer = submissions::set_reviewed(&id, on).await;
                busy.try_set(false);
                match answer {
                    Ok(entry) => replace(cx.entries, entry),
                    Err(e) => {
                        error.try_set(Some(describe_error(i18n, &e)));
                    }
                }
            });
        }
    };
    let linking = RwSignal::new(false);
    let item_class = move || {
        if withdrawn.get() {
            "inbox-item inbox-item--withdrawn"
        } else if reviewed.get() {
            "inbox-item"
        } else {
            "inbox-item inbox-item--new"
        }
    };
    view! {
        <li class=item_class aria-labelledby=labelled_by>
            {move || if withdrawn.get() {
                view! {
                    <h3 id=heading_id.clone()>{t!(i18n, inbox_withdrawn_title)}</h3>
                    <p class="inbox-item__withdrawn">{withdrawn_line}</p>
                    <Show when=move || cx.writes.get()>
                        <RegisterLeftover id=stored_id.get_value() entry />
                    </Show>
                }.into_any()
            } else {
                view! {
                    <h3 id=heading_id.clone()>
                        {move || title.get()}
                        {move || (!reviewed.get()).then(|| view! { " " <span class="tag tag--new">{t!(i18n, inbox_new)}</span> })}
                    </h3>
                    <p class="inbox-item__facts">{facts}</p>
                    {move || review_line().map(|l| view! { <p class="inbox-item__reviewed muted">{l}</p> })}
                }.into_any()
            }}
            <Show when=move || !withdrawn.get()>
                <div class="actions inbox-item__actions">
                    <A href=href.clone() attr:aria-label=move || named(t_string!(i18n, inbox_open_named))>
                        {t!(i18n, inbox_open)}
                    </A>
                    <Show when=move || cx.writes.get()>
                        <button
                            type="button"
                            class="button button--small"
                            aria-label=move || if reviewed.get() {
                                named(t_string!(i18n, inbox_unmark_named))
                            } else {
                                named(t_string!(i18n, inbox_mark_named))
                            }
                            disabled=move || busy.get()
                            on:click=toggle_review
                        >
                            {move || if reviewed.get() { t_string!(i18n, inbox_unmark) } else { t_string!(i18n, inbox_mark) }}
                        </button>
                    </Show>
                    <button
                        type="button"
                        class="button button--small"
                        aria-expanded=move || linking.get().to_string()
                        aria-label=move || named(t_string!(i18n, inbox_link_needs_named))
                        on:click=move |_| linking.update(|l| *l = !*l)
                    >
                        {t!(i18n, inbox_link_needs)}
                    </button>
                    <Show when=move || cx.writes.get()>
                        <RecordButton id=stored_id.get_value() title />
                    </Show>
                </div>
                <Show when=move || linking.get()>
                    <NeedLinks submission=stored_id.get_value() title />
                </Show>
                <Show when=move || cx.writes.get()>
                    <WithdrawOnBehalf id=stored_id.get_value() title />
                </Show>
            </Show>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </li>
    }
}

/// The assessment's needs, each a checkbox: this submission informs it
/// (`Need.submissions`, written into the assessment through the relay).
#[component]
fn NeedLinks(submission: String, title: Memo<String>) -> impl IntoView {
    let i18n = use_i18n();
    let cx = expect_context::<Context>();
    let assessment = cx.assessment;
    let needs = {
        let submission = submission.clone();
        Memo::new(move |_| {
            assessment.value.with(|a| {
                a.as_ref()
                    .map(|a| {
                        ordered(&a.needs)
                            .into_iter()
                            .map(|(id, n)| {
                                let title = n.title.as_str().trim().to_string();
                                let linked = n.submissions.get(&submission) == Some(&true);
                                (id.to_string(), title, linked)
                            })
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default()
            })
        })
    };
    let read_only = Signal::derive(move || {
        assessment
            .doc
            .get()
            .and_then(|d| d.read_only(&FieldPath::new(["needs"])).get())
    });
    let base = format!("links-{submission}");
    let submission = StoredValue::new(submission);
    let toggle = move |need: String, on: bool| {
        if read_only.get_untracked().is_some() {
            return;
        }
        let Some(doc) = assessment.doc.get_untracked() else {
            return;
        };
        let path = submission
            .with_value(|s| FieldPath::new(["needs", need.as_str(), "submissions", s.as_str()]));
        doc.edit(|d| {
            if on {
                d.put_scalar(&path, true)
            } else {
                d.delete(&path)
            }
        });
    };
    view! {
        <fieldset class="field checklist inbox-item__needs">
            <legend>{move || fill(t_string!(i18n, inbox_needs_legend), &[("title", title.get())])}</legend>
            {move || read_only.get().map(|r| view! { <p class="field__note">{r}</p> })}
            {move || match assessment.state.get() {
                LinkState::Looking => Some(view! { <p class="muted" aria-busy="true">{t!(i18n, inbox_needs_loading)}</p> }.into_any()),
                LinkState::Unavailable => Some(view! { <p class="muted">{t!(i18n, trace_no_assessment)}</p> }.into_any()),
                LinkState::Ready if needs.with(Vec::is_empty) => Some(view! { <p class="muted">{t!(i18n, trace_no_needs)}</p> }.into_any()),
                LinkState::Ready => None,
            }}
            <ul class="checklist__options">
                <For
                    each=move || needs.get()
                    key=|(id, title, linked)| (id.clone(), title.clone(), *linked)
                    children=move |(need, need_title, linked)| {
                        let input_id = format!("{base}-{need}");
                        let name = if need_title.is_empty() { t_string!(i18n, trace_untitled).to_string() } else { need_title };
                        view! {
                            <li>
                                <input
                                    id=input_id.clone()
                                    type="checkbox"
                                    prop:checked=linked
                                    disabled=move || read_only.with(Option::is_some)
                                    on:change=move |ev| toggle(need.clone(), event_target_checked(&ev))
                                />
                                <label for=input_id>{name}</label>
                            </li>
                        }
                    }
                />
            </ul>
        </fieldset>
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Recording {
    Idle,
    /// Opening the submission to read its issues.
    Opening,
    Done,
}

/// "Record in the register": a consultation from the submission, in one step.
#[component]
fn RecordButton(id: String, title: Memo<String>) -> impl IntoView {
    let i18n = use_i18n();
    let cx = expect_context::<Context>();
    let linked = Linked::<Submission>::new();
    let recording = RwSignal::new(Recording::Idle);
    let error = RwSignal::new(None::<String>);
    let entry = {
        let id = id.clone();
        Memo::new(move |_| {
            cx.entries
                .with(|l| l.iter().find(|e| e.id == id).cloned())
                .unwrap_or_default()
        })
    };
    // Already there: a consultation of the register recorded from it.
    let recorded = {
        let id = id.clone();
        Memo::new(move |_| {
            cx.register.value.with(|r| {
                r.as_ref()
                    .is_some_and(|r| !recorded_from(r, &id).is_empty())
            })
        })
    };
    Effect::new(move |_| {
        if recording.get() != Recording::Opening {
            return;
        }
        match linked.state.get() {
            LinkState::Looking => {}
            LinkState::Unavailable => {
                error.set(Some(t_string!(i18n, inbox_record_unreadable).to_string()));
                recording.set(Recording::Idle);
            }
            LinkState::Ready => {
                let Some(submission) = linked.value.get_untracked() else {
                    return;
                };
                // Pressed as the page opens: the register (and, for a
                // confidential source, the parties) may still be on the way.
                let confidential_identity = entry.with_untracked(|e| {
                    e.confidentiality == Confidentiality::Confidential.as_str()
                        && !e.source.anonymous
                        && !e.source.masked
                });
                if cx.register.state.get() == LinkState::Looking
                    || (confidential_identity && cx.parties.state.get() == LinkState::Looking)
                {
                    return;
                }
                if recorded.get_untracked() {
                    recording.set(Recording::Done);
                    return;
                }
                match record(i18n, cx, &entry.get_untracked(), &submission) {
                    Ok(()) => recording.set(Recording::Done),
                    Err(message) => {
                        error.set(Some(message));
                        recording.set(Recording::Idle);
                    }
                }
            }
        }
    });
    let opened = RwSignal::new(false);
    let start = move |_| {
        error.set(None);
        opened.set(true);
        recording.set(Recording::Opening);
    };
    let doc_id = id.clone();
    view! {
        // Opened on the first press only: reading its issues needs the document.
        {move || opened.get().then(|| view! { <OpenLinked<Submission> id=doc_id.clone() into=linked /> })}
        {move || if recorded.get() || recording.get() == Recording::Done {
            view! { <span class="tag tag--done" role="status">{t!(i18n, inbox_recorded)}</span> }.into_any()
        } else {
            view! {
                <button
                    type="button"
                    class="button button--small"
                    aria-label=move || fill(t_string!(i18n, inbox_record_named), &[("title", title.get())])
                    disabled=move || recording.get() == Recording::Opening
                    on:click=start
                >
                    {t!(i18n, inbox_record)}
                </button>
            }.into_any()
        }}
        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
    }
}

/// Adds the consultation to the register; a confidential source's identity
/// goes to the parties document, the register holding only a code.
fn record(
    i18n: I18nContext<Locale>,
    cx: Context,
    entry: &Entry,
    submission: &Submission,
) -> Result<(), String> {
    let register = cx
        .register
        .doc
        .get_untracked()
        .filter(|_| cx.register.state.get_untracked() == LinkState::Ready)
        .ok_or_else(|| t_string!(i18n, inbox_record_no_register).to_string())?;
    let by_link = entry.via == "link";
    let confidentiality = Confidentiality::ALL
        .iter()
        .copied()
        .find(|c| c.as_str() == entry.confidentiality)
        .unwrap_or(Confidentiality::Confidential);
    let source = &entry.source;
    let identity = !source.anonymous && !source.masked;
    let hidden = identity && confidentiality == Confidentiality::Confidential;
    let parties = if hidden {
        Some(
            cx.parties
                .doc
                .get_untracked()
                .filter(|_| cx.parties.state.get_untracked() == LinkState::Ready)
                .ok_or_else(|| t_string!(i18n, inbox_record_no_parties).to_string())?,
        )
    } else {
        None
    };
    let date = entry
        .submitted_at
        .as_deref()
        .or(Some(submission.submitted_at.as_str()).filter(|s| !s.is_empty()))
        .map(date_of)
        .unwrap_or_default();
    let party = if !identity {
        t_string!(i18n, submission_anonymous).to_string()
    } else if hidden {
        source_code()
    } else {
        source_text(i18n, source)
    };
    let mut scope = IdSet::new();
    scope.insert(ConsentScope::InternalUse.as_str().to_string(), true);
    let consultation = Consultation {
        date: date.clone(),
        method: if by_link {
            ConsultationMethod::OnlineForm
        } else {
            ConsultationMethod::WrittenSubmission
        },
        party_type: if by_link {
            PartyType::Individual
        } else {
            PartyType::Ngo
        },
        party: Text::with_value(party),
        confidentiality,
        consent: Consent {
            status: ConsentStatus::Obtained,
            form: ConsentForm::Written,
            date,
            scope,
        },
        summary: Text::with_value(submission.issues.as_str()),
        submission: entry.id.clone(),
        ..Consultation::default()
    };
    let mut new_id = None;
    let added = register.update::<Consultations>(|r| {
        new_id = Some(items::push(&mut r.consultations, consultation));
    });
    if !added {
        return Err(t_string!(i18n, inbox_record_refused).to_string());
    }
    if let (Some(parties), Some(consultation)) = (parties, new_id) {
        let party = Party {
            pos: 0.0,
            name: Text::with_value(source.name.trim()),
            organisation: Text::with_value(source.organisation.trim()),
            contact: Text::with_value(source.contact.trim()),
        };
        let stored = parties.update::<Parties>(|p| {
            let mut party = party;
            party.pos = items::next_pos(&p.parties);
            p.parties.insert(consultation, party);
        });
        if !stored {
            return Err(t_string!(i18n, inbox_record_identity_failed).to_string());
        }
    }
    Ok(())
}

/// The consultations of the register recorded from submission `id`: each
/// one's id, and whether it is confidential (its source's identity then
/// sits in the parties document under the same id).
fn recorded_from(register: &Consultations, id: &str) -> Vec<(String, bool)> {
    register
        .consultations
        .iter()
        .filter(|(_, c)| !c.submission.is_empty() && c.submission == id)
        .map(|(cid, c)| {
            (
                cid.clone(),
                c.confidentiality == Confidentiality::Confidential,
            )
        })
        .collect()
}

/// Takes a withdrawn submission's input out of the register: every
/// consultation recorded from it, and the source's identity kept for each
/// in the parties document. The identity goes first, so that it never
/// outlives the consultation that would let someone find it. Returns how
/// many consultations were removed.
fn take_out(i18n: I18nContext<Locale>, cx: Context, submission: &str) -> Result<usize, String> {
    let ready = |state: RwSignal<LinkState>| state.try_get_untracked() == Some(LinkState::Ready);
    let register = cx
        .register
        .doc
        .try_get_untracked()
        .flatten()
        .filter(|_| ready(cx.register.state))
        .ok_or_else(|| t_string!(i18n, inbox_takeout_no_register).to_string())?;
    let found = cx
        .register
        .value
        .try_with_untracked(|r| {
            r.as_ref()
                .map(|r| recorded_from(r, submission))
                .unwrap_or_default()
        })
        .unwrap_or_default();
    if found.is_empty() {
        return Ok(0);
    }
    if !register.may_write(&FieldPath::new(["consultations"])) {
        return Err(t_string!(i18n, inbox_record_refused).to_string());
    }
    let parties = cx
        .parties
        .doc
        .try_get_untracked()
        .flatten()
        .filter(|_| ready(cx.parties.state));
    match &parties {
        Some(parties) => {
            for (consultation, _) in &found {
                let path = FieldPath::new(["parties", consultation.as_str()]);
                parties.edit(|d| d.delete(&path));
            }
            let left = parties.with_doc(|d| map_keys(d, &FieldPath::new(["parties"])));
            if found.iter().any(|(c, _)| left.contains(c)) {
                return Err(t_string!(i18n, inbox_takeout_identity_failed).to_string());
            }
        }
        // A confidential source's identity must not stay behind on its own.
        None if found.iter().any(|(_, confidential)| *confidential) => {
            return Err(t_string!(i18n, inbox_takeout_no_parties).to_string());
        }
        None => {}
    }
    for (consultation, _) in &found {
        let path = FieldPath::new(["consultations", consultation.as_str()]);
        register.edit(|d| d.delete(&path));
    }
    let left = register.with_doc(|d| map_keys(d, &FieldPath::new(["consultations"])));
    if found.iter().any(|(c, _)| left.contains(c)) {
        return Err(t_string!(i18n, inbox_takeout_failed).to_string());
    }
    Ok(found.len())
}

/// A pseudonymous source code (`SUB-7KQ2`): says nothing of the source.
fn source_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let code: String = (0..4)
        .map(|_| {
            let i = (js_sys::Math::random() * ALPHABET.len() as f64) as usize;
            ALPHABET[i.min(ALPHABET.len() - 1)] as char
        })
        .collect();
    format!("SUB-{code}")
}

/// A withdrawn submission whose input the register still holds (the
/// contributor withdrew it themselves, or taking it out failed): says so,
/// and takes it out, after a confirmation, with its parties entry.
#[component]
fn RegisterLeftover(id: String, entry: Memo<Entry>) -> impl IntoView {
    let i18n = use_i18n();
    let cx = expect_context::<Context>();
    let locale = move || i18n.get_locale().as_str().to_string();
    let held = {
        let id = id.clone();
        Memo::new(move |_| {
            cx.register
                .value
                .with(|r| r.as_ref().map_or(0, |r| recorded_from(r, &id).len()))
        })
    };
    // A confidential source's identity goes with the consultation: wait for
    // the parties document rather than fail while it is still on its way.
    let waiting = {
        let id = id.clone();
        Memo::new(move |_| {
            cx.parties.state.get() == LinkState::Looking
                && cx.register.value.with(|r| {
                    r.as_ref()
                        .is_some_and(|r| recorded_from(r, &id).iter().any(|(_, c)| *c))
                })
        })
    };
    let confirming = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let done = RwSignal::new(false);
    let id = StoredValue::new(id);
    // Which withdrawn submission: they all have the same heading.
    let when = move || {
        entry.with(|e| {
            e.withdrawn_at
                .as_deref()
                .map(|at| date_time_rfc3339(at, &locale()))
                .unwrap_or_default()
        })
    };
    let named = move || fill(t_string!(i18n, inbox_takeout_named), &[("when", when())]);
    let remove = move |_| {
        error.set(None);
        match take_out(i18n, cx, &id.get_value()) {
            Ok(_) => {
                confirming.set(false);
                done.set(true);
            }
            Err(message) => error.set(Some(message)),
        }
    };
    view! {
        {move || (done.get() && held.get() == 0).then(|| view! {
            <p class="inbox-item__removed muted" role="status">{t!(i18n, inbox_takeout_done)}</p>
        })}
        <Show when=move || held.get() != 0>
            <div class="inbox-item__leftover">
                <p class="inbox-item__leftover-lead"><strong>{t!(i18n, inbox_takeout_heading)}</strong></p>
                <p>
                    {move || match held.get() {
                        1 => t_string!(i18n, inbox_takeout_one).to_string(),
                        n => fill(t_string!(i18n, inbox_takeout_many), &[("n", n.to_string())]),
                    }}
                </p>
                <Show
                    when=move || confirming.get()
                    fallback=move || view! {
                        <button
                            type="button"
                            class="button button--small button--danger"
                            aria-label=named
                            on:click=move |_| { error.set(None); confirming.set(true) }
                        >
                            {t!(i18n, inbox_takeout)}
                        </button>
                    }
                >
                    <div class="record__confirm" role="group" aria-label=move || fill(t_string!(i18n, inbox_takeout_confirm_named), &[("when", when())])>
                        <p>{t!(i18n, inbox_takeout_confirm)}</p>
                        {move || waiting.get().then(|| view! { <p class="muted" aria-busy="true">{t!(i18n, inbox_takeout_waiting)}</p> })}
                        <button type="button" class="button button--small button--danger-solid" disabled=move || waiting.get() on:click=remove>
                            {t!(i18n, inbox_takeout_yes)}
                        </button>
                        <button type="button" class="button button--small" on:click=move |_| { confirming.set(false); error.set(None) }>
                            {t!(i18n, inbox_takeout_keep)}
                        </button>
                    </div>
                </Show>
                {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            </div>
        </Show>
    }
}

/// Withdraw on the contributor's behalf, with the reason they gave.
#[component]
fn WithdrawOnBehalf(id: String, title: Memo<String>) -> impl IntoView {
    let i18n = use_i18n();
    let cx = expect_context::<Context>();
    let confirming = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let reason_id = format!("withdraw-reason-{id}");
    let id = StoredValue::new(id);
    let withdraw = move |_| {
        let why = reason.get_untracked().trim().to_string();
        if why.is_empty() {
            error.set(Some(
                t_string!(i18n, inbox_withdraw_reason_missing).to_string(),
            ));
            return;
        }
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let id = id.get_value();
        leptos::task::spawn_local(async move {
            let answer = submissions::withdraw(&id, &why).await;
            busy.try_set(false);
            match answer {
                Ok(entry) => {
                    confirming.try_set(false);
                    // What was recorded from it leaves the register too. If
                    // that cannot be done now, the withdrawn entry says so
                    // and offers it again ([`RegisterLeftover`]).
                    let _ = take_out(i18n, cx, &id);
                    if let Ok(doc) = DocumentId::parse_url_or_id(&entry.id) {
                        let _ = store::remove(doc).await;
                    }
                    replace(cx.entries, entry);
                }
                Err(e) => {
                    error.try_set(Some(describe_error(i18n, &e)));
                }
            }
        });
    };
    view! {
        <Show
            when=move || confirming.get()
            fallback=move || view! {
                <button
                    type="button"
                    class="button button--small button--danger inbox-item__withdraw"
                    aria-label=move || fill(t_string!(i18n, inbox_withdraw_named), &[("title", title.get())])
                    on:click=move |_| confirming.set(true)
                >
                    {t!(i18n, inbox_withdraw)}
                </button>
            }
        >
            <div class="record__confirm withdraw-confirm" role="group" aria-label=move || fill(t_string!(i18n, inbox_withdraw_named), &[("title", title.get())])>
                <p>{t!(i18n, inbox_withdraw_confirm)}</p>
                <div class="field">
                    <label for=reason_id.clone()>{t!(i18n, inbox_withdraw_reason)}</label>
                    <input id=reason_id.clone() type="text" prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev)) />
                </div>
                <button type="button" class="button button--small button--danger-solid" disabled=move || busy.get() on:click=withdraw>
                    {t!(i18n, inbox_withdraw_yes)}
                </button>
                <button type="button" class="button button--small" on:click=move |_| { confirming.set(false); error.set(None) }>
                    {t!(i18n, inbox_withdraw_keep)}
                </button>
            </div>
        </Show>
        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
    }
}

/// Submission links for people without an account: make one (its address
/// is shown once), see each one's state, revoke.
#[component]
fn LinksSection(engagement: DocumentId) -> impl IntoView {
    let i18n = use_i18n();
    let rows = RwSignal::new(None::<Result<Vec<LinkRow>, String>>);
    let refresh = move || {
        leptos::task::spawn_local(async move {
            let answer = submissions::links(engagement)
                .await
                .map_err(|e| describe_error(i18n, &e));
            rows.try_set(Some(answer));
        });
    };
    refresh();
    let label = RwSignal::new(String::new());
    let days = RwSignal::new(String::from("14"));
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let created = RwSignal::new(None::<NewLink>);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let name = label.get_untracked().trim().to_string();
        if name.is_empty() {
            error.set(Some(t_string!(i18n, links_label_missing).to_string()));
            return;
        }
        let Some(valid) = days
            .get_untracked()
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|d| (1..=90).contains(d))
        else {
            error.set(Some(t_string!(i18n, links_days_invalid).to_string()));
            return;
        };
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let answer = submissions::create_link(engagement, &name, valid).await;
            busy.try_set(false);
            match answer {
                Ok(link) => {
                    created.try_set(Some(link));
                    label.try_set(String::new());
                    refresh();
                }
                Err(e) => {
                    error.try_set(Some(fill(
                        t_string!(i18n, links_create_failed),
                        &[("reason", describe_error(i18n, &e))],
                    )));
                }
            }
        });
    };
    view! {
        <section class="card links" aria-labelledby="links-heading">
            <h2 id="links-heading">{t!(i18n, links_heading)}</h2>
            <p class="hint">{t!(i18n, links_intro)}</p>
            <form class="links__form" on:submit=on_submit novalidate>
                <div class="field">
                    <label for="link-label">{t!(i18n, links_label)}</label>
                    <p id="link-label-hint" class="hint">{t!(i18n, links_label_hint)}</p>
                    <input id="link-label" type="text" aria-describedby="link-label-hint" prop:value=move || label.get() on:input=move |ev| label.set(event_target_value(&ev)) />
                </div>
                <div class="field field--narrow">
                    <label for="link-days">{t!(i18n, links_days)}</label>
                    <input id="link-days" type="number" min="1" max="90" step="1" inputmode="numeric" prop:value=move || days.get() on:input=move |ev| days.set(event_target_value(&ev)) />
                </div>
                <button type="submit" class="button button--primary" disabled=move || busy.get()>{t!(i18n, links_create)}</button>
            </form>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            {move || created.get().map(|link| view! { <NewLinkNotice link /> })}
            {move || match rows.get() {
                None => view! { <p class="muted">{t!(i18n, admin_loading)}</p> }.into_any(),
                Some(Err(reason)) => view! { <p class="error">{reason}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="muted">{t!(i18n, links_empty)}</p> }.into_any(),
                Some(Ok(list)) => view! { <LinkTable list rows /> }.into_any(),
            }}
        </section>
    }
}

/// The full address of a new link, shown once, with Copy.
#[component]
fn NewLinkNotice(link: NewLink) -> impl IntoView {
    let i18n = use_i18n();
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    let url = format!("{origin}{}", link.path);
    let copied = RwSignal::new(false);
    let copy = {
        let url = url.clone();
        move |_| {
            if copy_text(&url) {
                copied.set(true);
            }
        }
    };
    view! {
        <div class="new-link" role="status">
            <p class="new-link__lead">
                {fill(t_string!(i18n, links_created), &[("label", link.label.clone())])}
            </p>
            <label for="new-link-url">{t!(i18n, links_url)}</label>
            <div class="open-form__row">
                <input
                    id="new-link-url"
                    type="text"
                    readonly=true
                    prop:value=url
                    on:focus=|ev| {
                        use wasm_bindgen::JsCast;
                        if let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                            input.select();
                        }
                    }
                />
                <button type="button" class="button" on:click=copy>{t!(i18n, links_copy)}</button>
            </div>
            <p class="hint">
                {move || if copied.get() { t_string!(i18n, links_copied).to_string() } else { t_string!(i18n, links_once).to_string() }}
            </p>
        </div>
    }
}

/// `navigator.clipboard.writeText(text)`; whether the browser offered it.
fn copy_text(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let navigator = window.navigator();
    let Ok(clipboard) = js_sys::Reflect::get(&navigator, &"clipboard".into()) else {
        return false;
    };
    if clipboard.is_undefined() {
        return false;
    }
    let Ok(write) = js_sys::Reflect::get(&clipboard, &"writeText".into()) else {
        return false;
    };
    let Ok(write) = write.dyn_into::<js_sys::Function>() else {
        return false;
    };
    write.call1(&clipboard, &text.into()).is_ok()
}

use wasm_bindgen::JsCast;

#[component]
fn LinkTable(
    list: Vec<LinkRow>,
    rows: RwSignal<Option<Result<Vec<LinkRow>, String>>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let locale = move || i18n.get_locale().as_str().to_string();
    view! {
        <div class="table-wrap">
            <table class="table links__table">
                <caption>{t!(i18n, links_caption)}</caption>
                <thead>
                    <tr>
                        <th scope="col">{t!(i18n, links_col_label)}</th>
                        <th scope="col">{t!(i18n, links_col_created)}</th>
                        <th scope="col">{t!(i18n, links_col_expires)}</th>
                        <th scope="col">{t!(i18n, links_col_state)}</th>
                        <th scope="col"><span class="visually-hidden">{t!(i18n, links_col_actions)}</span></th>
                    </tr>
                </thead>
                <tbody>
                    {list.into_iter().map(|link| {
                        let created = date_time_rfc3339(&link.created_at, &locale());
                        let expires = date_time_rfc3339(&link.expires_at, &locale());
                        view! {
                            <tr>
                                <th scope="row">{link.label.clone()}</th>
                                <td>{created}</td>
                                <td>{expires}</td>
                                <td><span class="tag" data-state=link.state.clone()>{link_state(i18n, &link.state)}</span></td>
                                <td><RevokeLink link rows /></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

fn link_state(i18n: I18nContext<Locale>, state: &str) -> String {
    match state {
        "open" => t_string!(i18n, links_state_open).to_string(),
        "used" => t_string!(i18n, links_state_used).to_string(),
        "expired" => t_string!(i18n, links_state_expired).to_string(),
        "revoked" => t_string!(i18n, links_state_revoked).to_string(),
        other => other.to_string(),
    }
}

#[component]
fn RevokeLink(
    link: LinkRow,
    rows: RwSignal<Option<Result<Vec<LinkRow>, String>>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let active = matches!(link.state.as_str(), "open" | "used");
    let confirming = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let name = link.label.clone();
    let id = link.id;
    let revoke = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let answer = submissions::revoke_link(id).await;
            busy.try_set(false);
            match answer {
                Ok(()) => {
                    confirming.try_set(false);
                    rows.try_update(|r| {
                        if let Some(Ok(list)) = r {
                            if let Some(row) = list.iter_mut().find(|l| l.id == id) {
                                row.state = "revoked".into();
                                row.revoked_at =
                                    Some(String::from(js_sys::Date::new_0().to_iso_string()));
                            }
                        }
                    });
                }
                Err(e) => {
                    error.try_set(Some(describe_error(i18n, &e)));
                }
            }
        });
    };
    let named = move |template: &str| fill(template, &[("label", name.clone())]);
    let named = StoredValue::new(named);
    active.then(|| view! {
        <Show
            when=move || confirming.get()
            fallback=move || view! {
                <button
                    type="button"
                    class="button button--small button--danger"
                    aria-label=move || named.with_value(|n| n(t_string!(i18n, links_revoke_named)))
                    on:click=move |_| confirming.set(true)
                >
                    {t!(i18n, links_revoke)}
                </button>
            }
        >
            <div class="record__confirm" role="group" aria-label=move || named.with_value(|n| n(t_string!(i18n, links_revoke_named)))>
                <p>{move || named.with_value(|n| n(t_string!(i18n, links_revoke_confirm)))}</p>
                <button type="button" class="button button--small button--danger-solid" disabled=move || busy.get() on:click=revoke>
                    {t!(i18n, links_revoke_yes)}
                </button>
                <button type="button" class="button button--small" on:click=move |_| confirming.set(false)>
                    {t!(i18n, links_revoke_keep)}
                </button>
            </div>
        </Show>
        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
    })
}
