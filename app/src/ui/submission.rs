//! A consultation submission (kind `submission`): what an NGO or a person
//! raises for an engagement — issues, affected groups, evidence,
//! recommendations, links — saved as they type and offline like every
//! document, until they press Submit. From then on it is read-only, judged
//! by the document's own status so that it holds offline before the server
//! knows. Who wrote it is not in the document: the server keeps it, and
//! `GET /api/submissions/{id}` says what this reader may know of it.

use accord_shared::docs::items::IdSet;
use accord_shared::docs::vocab::{Confidentiality, SubmissionStatus};
use accord_shared::docs::{Attachment, Submission, Taxonomy};
use accord_shared::policy::{DocFacts, DocKind, Role};
use leptos::prelude::*;

use super::assessment::{TaxonomyNote, TermChecklist};
use super::dashboard::describe_error;
use super::doc::{use_doc, DocAccessLine, DocContext};
use super::fields::StringField;
use super::linked::{Linked, OpenTaxonomy, Terms};
use super::record_list::{record_name, RecordList};
use super::text_field::TextField;
use super::vocab::label_of;
use super::{use_session, Auth};
use crate::access::DocAccess;
use crate::auth::ApiError;
use crate::draft::FieldPath;
use crate::format::date_time_rfc3339;
use crate::i18n::*;
use crate::store;
use crate::submissions::{self, Entry, Source};
use crate::sync::Connection;

/// One read-only note for the whole form (the Submitted banner, or the
/// reason), which every field points at instead of repeating it.
const NOTE_ID: &str = "submission-note";

fn label(i18n: I18nContext<Locale>, text: fn(I18nContext<Locale>) -> String) -> Signal<String> {
    Signal::derive(move || text(i18n))
}

/// "Anonymous contributor", "Confidential source", or the name and organisation.
pub fn source_text(i18n: I18nContext<Locale>, source: &Source) -> String {
    if source.masked {
        return t_string!(i18n, submission_confidential_source).to_string();
    }
    if source.anonymous {
        return t_string!(i18n, submission_anonymous).to_string();
    }
    let parts: Vec<&str> = [source.name.trim(), source.organisation.trim()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    if parts.is_empty() {
        t_string!(i18n, submission_unnamed_source).to_string()
    } else {
        parts.join(", ")
    }
}

/// Marks the open document's rights as submitted (read-only for everyone)
/// as soon as its own status says so, and again whenever an answer from a
/// server that has not yet received the Submit would undo it.
fn hold_read_only_once_submitted(doc: DocContext, submitted: Memo<bool>) {
    let auth = use_session();
    Effect::new(move |_| {
        if !submitted.get() {
            return;
        }
        let next = match doc.access.get() {
            Some(a) if a.facts.submitted => return,
            Some(mut a) => {
                a.facts.submitted = true;
                a
            }
            None => {
                let Auth::SignedIn(me) = auth.get_untracked() else {
                    return;
                };
                let Ok(role) = me.role.parse::<Role>() else {
                    return;
                };
                DocAccess {
                    kind: Some(DocKind::Submission),
                    role,
                    facts: DocFacts {
                        own: matches!(role, Role::Ngo | Role::Government | Role::Individual),
                        submitted: true,
                        ..DocFacts::default()
                    },
                }
            }
        };
        doc.access.set(Some(next));
    });
}

#[component]
pub fn SubmissionEditor() -> impl IntoView {
    let i18n = use_i18n();
    let doc = use_doc();
    let submission = doc.shape::<Submission>();
    let submitted =
        Memo::new(move |_| submission.with(|s| s.status == SubmissionStatus::Submitted));
    let submitted_at = Memo::new(move |_| submission.with(|s| s.submitted_at.clone()));
    hold_read_only_once_submitted(doc, submitted);
    let read_only = doc.read_only(&FieldPath::new(["title"]));
    let title = doc.text(FieldPath::new(["title"]));
    let taxonomy = Linked::<Taxonomy>::new();
    let groups: Memo<IdSet> = Memo::new(move |_| submission.with(|s| s.groups.clone()));
    let locale = move || i18n.get_locale().as_str().to_string();

    // What the server keeps beside the document, when online.
    let meta = RwSignal::new(None::<Entry>);
    let connection = doc.client.with_value(|c| c.status()).connection;
    let id = doc.id;
    Effect::new(move |_| {
        if connection.get() == Connection::Offline {
            return;
        }
        leptos::task::spawn_local(async move {
            if let Ok(entry) = submissions::one(id).await {
                if meta.try_get_untracked().flatten().as_ref() != Some(&entry) {
                    meta.try_set(Some(entry));
                }
            }
        });
    });
    let withdrawn = Memo::new(move |_| meta.with(|m| m.as_ref().is_some_and(Entry::withdrawn)));
    // Withdrawn: its content must not stay readable on this device.
    Effect::new(move |_| {
        if withdrawn.get() {
            leptos::task::spawn_local(async move {
                let _ = store::remove(id).await;
            });
        }
    });

    let heading = move || {
        let t = title.get();
        if t.trim().is_empty() {
            t_string!(i18n, kind_submission).to_string()
        } else {
            t
        }
    };
    let names = Memo::new(move |_| {
        submission.with(|s| {
            s.attachments
                .iter()
                .map(|(id, a)| (id.clone(), a.label.clone()))
                .collect::<std::collections::BTreeMap<_, _>>()
        })
    });
    let attachment_item = Callback::new(move |(id, position): (String, usize)| {
        let name = names.with(|n| n.get(&id).cloned().unwrap_or_default());
        record_name(i18n, t_string!(i18n, attachment_noun), &name, position)
    });

    view! {
        <OpenTaxonomy into=taxonomy />
        <header class="page-head page-head--stacked">
            <h1>{heading}</h1>
        </header>
        <DocAccessLine />
        {move || withdrawn.get().then(|| {
            let entry = meta.get().unwrap_or_default();
            view! {
                <div class="banner banner--error submission-state" role="status">
                    {withdrawn_text(i18n, &entry, &locale())}
                </div>
            }
        })}
        {move || (submitted.get() && !withdrawn.get()).then(|| view! {
            <div id=NOTE_ID class="banner submission-state submission-state--submitted" role="status">
                {fill(t_string!(i18n, submission_submitted_notice), &[("when", date_time_rfc3339(&submitted_at.get(), &locale()))])}
            </div>
        })}
        {move || meta.get().filter(|m| !m.withdrawn()).map(|m| view! { <SubmissionMeta entry=m /> })}
        {move || (!submitted.get() && read_only.with(Option::is_none)).then(|| view! {
            <p class="note" role="note">{t!(i18n, submission_intro)}</p>
        })}
        {move || (!submitted.get()).then(|| read_only.get()).flatten().map(|reason| view! {
            <p id=NOTE_ID class="field__note">{reason}</p>
        })}
        <TaxonomyNote taxonomy />
        <Show when=move || !withdrawn.get()>
        <div class="card">
            <form class="form" on:submit=|ev| ev.prevent_default()>
                <TextField path=["title"] note_id=NOTE_ID.to_string() label=label(i18n, |i| t_string!(i, submission_title).to_string()) />
                <TextField
                    path=["issues"]
                    note_id=NOTE_ID.to_string()
                    label=label(i18n, |i| t_string!(i, submission_issues).to_string())
                    hint=label(i18n, |i| t_string!(i, submission_issues_hint).to_string())
                    multiline=true
                    rows=6
                />
                <TermChecklist
                    path=FieldPath::new(["groups"])
                    label=label(i18n, |i| t_string!(i, submission_groups).to_string())
                    which=Terms::Groups
                    taxonomy
                    chosen=groups
                    note_id=NOTE_ID.to_string()
                />
                <TextField
                    path=["affected"]
                    note_id=NOTE_ID.to_string()
                    label=label(i18n, |i| t_string!(i, submission_affected).to_string())
                    hint=label(i18n, |i| t_string!(i, submission_affected_hint).to_string())
                    multiline=true
                    rows=3
                />
                <TextField
                    path=["evidence"]
                    note_id=NOTE_ID.to_string()
                    label=label(i18n, |i| t_string!(i, submission_evidence).to_string())
                    hint=label(i18n, |i| t_string!(i, submission_evidence_hint).to_string())
                    multiline=true
                    rows=5
                />
                <TextField
                    path=["recommendations"]
                    note_id=NOTE_ID.to_string()
                    label=label(i18n, |i| t_string!(i, submission_recommendations).to_string())
                    multiline=true
                    rows=4
                />
            </form>
            <RecordList
                path=FieldPath::new(["attachments"])
                heading=label(i18n, |i| t_string!(i, submission_attachments).to_string())
                add_label=label(i18n, |i| t_string!(i, submission_add_attachment).to_string())
                empty=label(i18n, |i| t_string!(i, submission_no_attachments).to_string())
                item=attachment_item
                blank=Attachment::default
                row=move |id| view! { <AttachmentRow id /> }
            />
        </div>
        <SubmitPanel submitted />
        </Show>
        <WithdrawPanel meta withdrawn />
    }
}

fn withdrawn_text(i18n: I18nContext<Locale>, entry: &Entry, locale: &str) -> String {
    let when = entry
        .withdrawn_at
        .as_deref()
        .map(|at| date_time_rfc3339(at, locale))
        .unwrap_or_default();
    let by = entry.withdrawn_by.clone().unwrap_or_default();
    fill(
        t_string!(i18n, submission_withdrawn_notice),
        &[("when", when), ("by", by)],
    )
}

/// Confidentiality and source, as this reader may know them.
#[component]
fn SubmissionMeta(entry: Entry) -> impl IntoView {
    let i18n = use_i18n();
    let confidentiality = entry.confidentiality.clone();
    let source = entry.source.clone();
    let contact = (!source.masked && !source.anonymous && !source.contact.trim().is_empty())
        .then(|| source.contact.clone());
    view! {
        <dl class="submission-meta">
            <dt>{t!(i18n, submission_meta_confidentiality)}</dt>
            <dd>{move || label_of::<Confidentiality>(i18n, &confidentiality)}</dd>
            <dt>{t!(i18n, submission_meta_source)}</dt>
            <dd>{move || source_text(i18n, &source)}</dd>
            {contact.map(|c| view! {
                <dt>{t!(i18n, submission_meta_contact)}</dt>
                <dd>{c}</dd>
            })}
        </dl>
    }
}

#[component]
fn AttachmentRow(id: String) -> impl IntoView {
    let i18n = use_i18n();
    let base = FieldPath::new(["attachments", id.as_str()]);
    view! {
        <div class="field-row">
            <StringField
                path=base.child("label")
                label=label(i18n, |i| t_string!(i, attachment_label).to_string())
                note_id=NOTE_ID.to_string()
            />
            <StringField
                path=base.child("url")
                label=label(i18n, |i| t_string!(i, attachment_url).to_string())
                note_id=NOTE_ID.to_string()
            />
        </div>
    }
}

/// Submit, after a confirmation: writes the status and the time into the
/// document (works offline; the server freezes it when it receives it).
#[component]
fn SubmitPanel(submitted: Memo<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let doc = use_doc();
    let read_only = doc.read_only(&FieldPath::new(["status"]));
    let confirming = RwSignal::new(false);
    let may_submit = move || !submitted.get() && read_only.with(Option::is_none);
    let submit = move |_| {
        let at = String::from(js_sys::Date::new_0().to_iso_string());
        doc.update::<Submission>(|s| {
            s.status = SubmissionStatus::Submitted;
            s.submitted_at = at;
        });
        confirming.set(false);
    };
    view! {
        <Show when=may_submit>
            <section class="card submit-panel" aria-labelledby="submit-heading">
                <h2 id="submit-heading">{t!(i18n, submission_submit_heading)}</h2>
                <p>{t!(i18n, submission_submit_intro)}</p>
                <Show
                    when=move || confirming.get()
                    fallback=move || view! {
                        <button type="button" class="button button--primary" on:click=move |_| confirming.set(true)>
                            {t!(i18n, submission_submit)}
                        </button>
                    }
                >
                    <div class="record__confirm" role="group" aria-label=t!(i18n, submission_submit)>
                        <p>{t!(i18n, submission_submit_confirm)}</p>
                        <button type="button" class="button button--primary" on:click=submit>
                            {t!(i18n, submission_submit_yes)}
                        </button>
                        <button type="button" class="button" on:click=move |_| confirming.set(false)>
                            {t!(i18n, submission_submit_no)}
                        </button>
                    </div>
                </Show>
            </section>
        </Show>
    }
}

/// The author's "Withdraw my consent": online only, after a confirmation.
#[component]
fn WithdrawPanel(meta: RwSignal<Option<Entry>>, withdrawn: Memo<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let doc = use_doc();
    let connection = doc.client.with_value(|c| c.status()).connection;
    // The author: as the server says, or as the device remembers its answer.
    let own = Memo::new(move |_| {
        meta.with(|m| m.as_ref().map(|m| m.own))
            .or_else(|| doc.access.with(|a| a.map(|a| a.facts.own)))
            .unwrap_or(false)
    });
    let confirming = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let done = RwSignal::new(false);
    let id = doc.id;
    let withdraw = move |_| {
        if busy.get_untracked() {
            return;
        }
        if connection.get_untracked() == Connection::Offline {
            error.set(Some(
                t_string!(i18n, submission_withdraw_offline).to_string(),
            ));
            return;
        }
        busy.set(true);
        error.set(None);
        let why = reason.get_untracked().trim().to_string();
        leptos::task::spawn_local(async move {
            let answer = submissions::withdraw(&id.to_string(), &why).await;
            busy.try_set(false);
            match answer {
                Ok(entry) => {
                    meta.try_set(Some(entry));
                    confirming.try_set(false);
                    done.try_set(true);
                    // Its content must not stay readable on this device either.
                    let _ = store::remove(id).await;
                }
                Err(ApiError::Network) => {
                    error.try_set(Some(
                        t_string!(i18n, submission_withdraw_offline).to_string(),
                    ));
                }
                Err(e) => {
                    error.try_set(Some(fill(
                        t_string!(i18n, submission_withdraw_failed),
                        &[("reason", describe_error(i18n, &e))],
                    )));
                }
            }
        });
    };
    view! {
        <Show when=move || own.get() || done.get()>
            <section class="card withdraw-panel" aria-labelledby="withdraw-heading">
                <h2 id="withdraw-heading">{t!(i18n, submission_withdraw_heading)}</h2>
                {move || if withdrawn.get() || done.get() {
                    view! { <p role="status">{t!(i18n, submission_withdraw_done)}</p> }.into_any()
                } else {
                    view! {
                        <p>{t!(i18n, submission_withdraw_intro)}</p>
                        <Show
                            when=move || confirming.get()
                            fallback=move || view! {
                                <button type="button" class="button button--danger" on:click=move |_| { error.set(None); confirming.set(true) }>
                                    {t!(i18n, submission_withdraw)}
                                </button>
                            }
                        >
                            <div class="record__confirm withdraw-confirm" role="group" aria-label=t!(i18n, submission_withdraw)>
                                <p>{t!(i18n, submission_withdraw_confirm)}</p>
                                <div class="field">
                                    <label for="withdraw-reason">{t!(i18n, submission_withdraw_reason)}</label>
                                    <input id="withdraw-reason" type="text" prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev)) />
                                </div>
                                <button type="button" class="button button--danger-solid" disabled=move || busy.get() on:click=withdraw>
                                    {t!(i18n, submission_withdraw_yes)}
                                </button>
                                <button type="button" class="button" on:click=move |_| confirming.set(false)>
                                    {t!(i18n, submission_withdraw_keep)}
                                </button>
                            </div>
                        </Show>
                    }.into_any()
                }}
                {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            </section>
        </Show>
    }
}
