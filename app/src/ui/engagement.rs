//! The engagement page at `/engagement/:id`: the engagement document (header
//! fields, stage and its history, team) and the way to its documents and
//! evaluations.

use accord_shared::docs::items::{self, ordered};
use accord_shared::docs::vocab::{Classification, EvaluationType, PresenceType, Stage};
use accord_shared::docs::{Engagement, EvaluationLink, StageMove, TeamMember};
use accord_shared::policy::Role;
use accord_shared::DocumentId;
use leptos::prelude::*;
use leptos_router::components::A;

use super::approval::ApprovalNote;
use super::dashboard::clean_country;
use super::doc::{by_route_id, use_doc, DocAccessLine, DocContext, DocumentGate, People};
use super::fields::{Checklist, Frame, Select, StringField};
use super::record_list::{record_name, RecordList};
use super::text_field::TextField;
use super::vocab::{language_label, Vocabulary, OFFICIAL_LANGUAGES};
use super::{use_session, Auth};
use crate::countries;
use crate::draft::FieldPath;
use crate::engagements;
use crate::format::date_time_rfc3339;
use crate::i18n::*;

#[component]
pub fn EngagementPage() -> impl IntoView {
    by_route_id(|id| view! { <OpenEngagement id /> }.into_any())
}

#[component]
fn OpenEngagement(id: DocumentId) -> impl IntoView {
    let i18n = use_i18n();
    let doc = DocContext::open(id).provide();
    view! {
        <div class="page engagement">
            <nav class="breadcrumbs" aria-label=t!(i18n, breadcrumbs_label)>
                <A href="/">{t!(i18n, back_dashboard)}</A>
            </nav>
            <DocumentGate doc>
                <EngagementView />
            </DocumentGate>
        </div>
    }
}

#[component]
fn EngagementView() -> impl IntoView {
    let i18n = use_i18n();
    let doc = use_doc();
    let engagement = doc.shape::<Engagement>();
    let title = doc.text(FieldPath::new(["title"]));
    let country = Memo::new(move |_| engagement.with(|e| e.country.clone()));
    let presence = Memo::new(move |_| engagement.with(|e| e.presence));
    let locale = move || i18n.get_locale().as_str().to_string();
    let heading = move || {
        let t = title.get();
        if t.trim().is_empty() {
            t_string!(i18n, untitled_engagement).to_string()
        } else {
            t
        }
    };
    let label = move |text: fn(I18nContext<Locale>) -> String| Signal::derive(move || text(i18n));
    let languages = Signal::derive(move || {
        OFFICIAL_LANGUAGES
            .iter()
            .map(|code| (code.to_string(), language_label(i18n, code)))
            .collect::<Vec<_>>()
    });
    view! {
        <header class="page-head page-head--stacked">
            <h1>{heading}</h1>
            <p class="page-head__meta">
                {move || countries::label(&country.get(), &locale())}
                " · "
                {move || presence.get().label(i18n)}
            </p>
        </header>
        <DocAccessLine />
        <People />
        <div class="columns">
            <StagePanel engagement />
            <DocumentsPanel engagement />
        </div>
        <section class="card" aria-labelledby="details-heading">
            <h2 id="details-heading">{t!(i18n, engagement_details)}</h2>
            <form class="form" on:submit=|ev| ev.prevent_default()>
                <TextField path=["title"] label=label(|i| t_string!(i, engagement_title).to_string()) />
                <div class="field-row">
                    <CountryField />
                    <Select<PresenceType> path=["presence"] label=label(|i| t_string!(i, engagement_presence).to_string()) />
                    <Select<Classification> path=["classification"] label=label(|i| t_string!(i, field_classification).to_string()) />
                </div>
                <Checklist
                    path=["languages"]
                    label=label(|i| t_string!(i, engagement_languages).to_string())
                    options=languages
                />
            </form>
        </section>
        <section class="card">
            <Team engagement />
        </section>
    }
}

/// The country's ISO code, checked against ISO 3166-1, with its name.
#[component]
fn CountryField() -> impl IntoView {
    let i18n = use_i18n();
    let doc = use_doc();
    let path = FieldPath::new(["country"]);
    let hint = Signal::derive(move || t_string!(i18n, country_hint).to_string());
    let frame = Frame::new(&doc, &path, None, Some(hint), None, None);
    let value = doc.text(path.clone());
    let locked = frame.is_read_only();
    let locale = move || i18n.get_locale().as_str().to_string();
    let typed = RwSignal::new(None::<String>);
    let shown = move || typed.get().unwrap_or_else(|| value.get());
    let valid = move || countries::is_known(&shown());
    let error_id = format!("{}-error", frame.id);
    let name_id = format!("{}-name", frame.id);
    let described_by = {
        let (error_id, name_id) = (error_id.clone(), name_id.clone());
        let base = frame.described_by();
        move || {
            let mut ids: Vec<String> = base.get().into_iter().collect();
            ids.push(name_id.clone());
            if !valid() {
                ids.push(error_id.clone());
            }
            Some(ids.join(" "))
        }
    };
    let on_input = move |ev| {
        let code = clean_country(&event_target_value(&ev));
        if locked.get_untracked() {
            return;
        }
        // Only a known code is written; a half-typed one stays on screen.
        if countries::is_known(&code) {
            typed.set(None);
            doc.edit(|d| d.put_scalar(&FieldPath::new(["country"]), code.as_str()));
        } else {
            typed.set(Some(code));
        }
    };
    view! {
        <div class="field field--narrow">
            <label for=frame.id.clone()>{t!(i18n, engagement_country)}</label>
            {frame.notes()}
            <input
                id=frame.id.clone()
                type="text"
                class="input--code"
                maxlength="3"
                autocomplete="off"
                spellcheck="false"
                prop:value=shown
                readonly=move || locked.get()
                aria-readonly=move || locked.get().then_some("true")
                aria-invalid=move || (!valid()).then_some("true")
                aria-describedby=described_by
                on:input=on_input
                on:blur=move |_| typed.set(None)
            />
            <p id=name_id class="hint country-name">{move || countries::name(&shown(), &locale())}</p>
            {move || (!valid()).then(|| view! {
                <p id=error_id.clone() class="error">{t!(i18n, country_invalid)}</p>
            })}
        </div>
    }
}

/// The stage, moving it (with a note), and every move so far.
#[component]
fn StagePanel(engagement: Memo<Engagement>) -> impl IntoView {
    let i18n = use_i18n();
    let doc = use_doc();
    let auth = use_session();
    let stage = Memo::new(move |_| engagement.with(|e| e.stage));
    let next = Memo::new(move |_| {
        let current = stage.get();
        let all = Stage::ALL;
        all.iter()
            .position(|s| *s == current)
            .and_then(|i| all.get(i + 1))
            .copied()
    });
    let history = Memo::new(move |_| {
        engagement.with(|e| {
            let mut moves: Vec<StageMove> = ordered(&e.stage_history)
                .into_iter()
                .map(|(_, m)| m.clone())
                .collect();
            moves.reverse();
            moves
        })
    });
    let read_only = doc.read_only(&FieldPath::new(["stage"]));
    let target = RwSignal::new(None::<Stage>);
    let note = RwSignal::new(String::new());
    let announce = RwSignal::new(String::new());
    let my_name = move || match auth.get_untracked() {
        Auth::SignedIn(me) => me.name,
        _ => String::new(),
    };
    let move_to = move |to: Stage| {
        if read_only.get_untracked().is_some() || to == stage.get_untracked() {
            return;
        }
        let by = my_name();
        let at = String::from(js_sys::Date::new_0().to_iso_string());
        let note_text = note.get_untracked().trim().to_string();
        let moved = doc.update::<Engagement>(|e| {
            let from = e.stage;
            e.stage = to;
            items::push(
                &mut e.stage_history,
                StageMove {
                    pos: 0.0,
                    from,
                    to,
                    by,
                    at,
                    note: note_text,
                },
            );
        });
        if moved {
            note.set(String::new());
            target.set(None);
            announce.set(fill(
                t_string!(i18n, stage_moved),
                &[("stage", to.label(i18n))],
            ));
        }
    };
    let chosen = move || target.get().or(next.get()).unwrap_or(stage.get());
    let locale = move || i18n.get_locale().as_str().to_string();
    view! {
        <section class="card stage-panel" aria-labelledby="stage-heading">
            <h2 id="stage-heading">{t!(i18n, stage_heading)}</h2>
            <p class="stage-current">
                <span class="muted">{t!(i18n, stage_current)}" "</span>
                <span class="stage" data-stage=move || stage.get().as_str()>{move || stage.get().label(i18n)}</span>
            </p>
            {move || read_only.get().map(|reason| view! { <p class="field__note">{reason}</p> })}
            <Show when=move || read_only.with(|r| r.is_none())>
                <form class="stage-move" on:submit=move |ev| { ev.prevent_default(); move_to(chosen()); }>
                    <div class="field">
                        <label for="stage-note">{t!(i18n, stage_note)}</label>
                        <input id="stage-note" type="text" prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev)) />
                    </div>
                    {move || next.get().map(|n| view! {
                        <button type="button" class="button button--primary" on:click=move |_| move_to(n)>
                            {move || fill(t_string!(i18n, stage_move_next), &[("stage", n.label(i18n))])}
                        </button>
                    })}
                    <div class="stage-move__other">
                        <label for="stage-target">{t!(i18n, stage_other)}</label>
                        <select id="stage-target" on:change=move |ev| target.set(Stage::parse(&event_target_value(&ev)))>
                            {move || Stage::ALL.iter().map(|s| {
                                let s = *s;
                                view! {
                                    <option value=s.as_str() selected=move || chosen() == s disabled=move || stage.get() == s>
                                        {s.label(i18n)}
                                    </option>
                                }
                            }).collect_view()}
                        </select>
                        <button type="submit" class="button">{t!(i18n, stage_move)}</button>
                    </div>
                </form>
            </Show>
            <p class="visually-hidden" role="status" aria-live="polite">{move || announce.get()}</p>
            <h3>{t!(i18n, stage_history)}</h3>
            {move || history.with(Vec::is_empty).then(|| view! { <p class="muted">{t!(i18n, stage_no_history)}</p> })}
            <ul class="history">
                <For each=move || history.get() key=|m| (m.at.clone(), m.by.clone(), m.to) let:m>
                    {
                        let when = date_time_rfc3339(&m.at, &locale());
                        let (from, to) = (m.from, m.to);
                        // The server records the engagement's creation as a
                        // move to its first stage with the note "created".
                        let created = from == to && m.note == "created";
                        let note = if created { String::new() } else { m.note.clone() };
                        view! {
                            <li>
                                <p class="history__move">
                                    {if created {
                                        view! { <strong>{t!(i18n, stage_created)}</strong> }.into_any()
                                    } else {
                                        view! {
                                            {move || from.label(i18n)}
                                            <span class="history__arrow" aria-hidden="true">" → "</span>
                                            <span class="visually-hidden">" "{t!(i18n, history_to)}" "</span>
                                            <strong>{move || to.label(i18n)}</strong>
                                        }
                                        .into_any()
                                    }}
                                </p>
                                <p class="history__who muted">{fill(t_string!(i18n, history_by), &[("name", m.by.clone()), ("when", when)])}</p>
                                {(!note.is_empty()).then(|| view! { <p class="history__note">{note}</p> })}
                            </li>
                        }
                    }
                </For>
            </ul>
        </section>
    }
}

/// The engagement's documents and evaluations, and adding an evaluation.
#[component]
fn DocumentsPanel(engagement: Memo<Engagement>) -> impl IntoView {
    let i18n = use_i18n();
    let doc = use_doc();
    let engagement_id = doc.id;
    let links = Memo::new(move |_| {
        engagement.with(|e| {
            let d = &e.documents;
            vec![
                (accord_shared::policy::DocKind::Request, d.request.clone()),
                (
                    accord_shared::policy::DocKind::Assessment,
                    d.assessment.clone(),
                ),
                (
                    accord_shared::policy::DocKind::Consultations,
                    d.consultations.clone(),
                ),
                (
                    accord_shared::policy::DocKind::Programme,
                    d.programme.clone(),
                ),
            ]
        })
    });
    let evaluations = Memo::new(move |_| {
        engagement.with(|e| {
            ordered(&e.documents.evaluations)
                .into_iter()
                .map(|(_, l)| l.clone())
                .collect::<Vec<EvaluationLink>>()
        })
    });
    let href = move |id: &str| format!("/doc/{id}?engagement={engagement_id}");
    // The submissions inbox: field officers, admins and HQ reviewers.
    let reads_submissions = Memo::new(move |_| {
        doc.access
            .get()
            .is_some_and(|a| matches!(a.role, Role::FieldOfficer | Role::Admin | Role::HqReviewer))
    });
    view! {
        <section class="card" aria-labelledby="documents-of-heading">
            <h2 id="documents-of-heading">{t!(i18n, engagement_documents)}</h2>
            <ul class="doc-links">
                {move || links.get().into_iter().map(|(kind, id)| {
                    let name = super::kind_label(i18n, kind);
                    if id.is_empty() {
                        view! { <li><span>{name}</span> <span class="muted">{t!(i18n, document_missing)}</span></li> }.into_any()
                    } else {
                        let note = crate::approvals::APPROVABLE.contains(&kind).then(|| {
                            let id = id.clone();
                            view! { <ApprovalNote id /> }
                        });
                        view! { <li><A href=href(&id)>{name}</A>{note}</li> }.into_any()
                    }
                }).collect_view()}
            </ul>
            <p class="trace-link">
                <A href=format!("/engagement/{engagement_id}/trace")>{t!(i18n, trace_link)}</A>
            </p>
            <Show when=move || reads_submissions.get()>
                <p class="trace-link">
                    <A href=format!("/engagement/{engagement_id}/submissions")>{t!(i18n, inbox_link)}</A>
                </p>
            </Show>
            <h3>{t!(i18n, evaluations_heading)}</h3>
            {move || evaluations.with(Vec::is_empty).then(|| view! { <p class="muted">{t!(i18n, evaluations_none)}</p> })}
            <ul class="doc-links">
                <For each=move || evaluations.get() key=|l| l.document.clone() let:link>
                    {
                        let kind = link.kind;
                        let title = link.title.clone();
                        view! {
                            <li>
                                <A href=href(&link.document)>
                                    {move || if title.trim().is_empty() { kind.label(i18n) } else { title.clone() }}
                                </A>
                                <span class="muted">" · "{move || kind.label(i18n)}</span>
                                <ApprovalNote id=link.document.clone() />
                            </li>
                        }
                    }
                </For>
            </ul>
            <AddEvaluation />
        </section>
    }
}

#[component]
fn AddEvaluation() -> impl IntoView {
    let i18n = use_i18n();
    let doc = use_doc();
    let read_only = doc.read_only(&FieldPath::new(["documents", "evaluations"]));
    let open = RwSignal::new(false);
    let title = RwSignal::new(String::new());
    let kind = RwSignal::new(EvaluationType::PeriodicReview);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let t = title.get_untracked().trim().to_string();
        if t.is_empty() {
            error.set(Some(t_string!(i18n, evaluation_title_missing).to_string()));
            return;
        }
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let k = kind.get_untracked();
        leptos::task::spawn_local(async move {
            let result = engagements::add_evaluation(doc.id, &t, k.as_str()).await;
            busy.set(false);
            match result {
                Ok(id) => {
                    doc.update::<Engagement>(|e| {
                        items::push(
                            &mut e.documents.evaluations,
                            EvaluationLink {
                                pos: 0.0,
                                document: id,
                                title: t,
                                kind: k,
                            },
                        );
                    });
                    title.set(String::new());
                    open.set(false);
                }
                Err(e) => error.set(Some(fill(
                    t_string!(i18n, evaluation_error),
                    &[("reason", super::dashboard::describe_error(i18n, &e))],
                ))),
            }
        });
    };
    view! {
        <Show when=move || read_only.with(|r| r.is_none())>
            <button
                type="button"
                class="button"
                aria-expanded=move || open.get().to_string()
                aria-controls="add-evaluation"
                on:click=move |_| open.update(|o| *o = !*o)
            >
                {t!(i18n, add_evaluation)}
            </button>
            <Show when=move || open.get()>
                <form id="add-evaluation" class="subform" on:submit=on_submit novalidate>
                    <div class="field">
                        <label for="evaluation-title">{t!(i18n, evaluation_title)}</label>
                        <input id="evaluation-title" type="text" prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev)) />
                    </div>
                    <div class="field">
                        <label for="evaluation-type">{t!(i18n, evaluation_type)}</label>
                        <select id="evaluation-type" on:change=move |ev| {
                            if let Some(k) = EvaluationType::parse(&event_target_value(&ev)) { kind.set(k) }
                        }>
                            {EvaluationType::ALL.iter().map(|k| {
                                let k = *k;
                                view! { <option value=k.as_str() selected=move || kind.get() == k>{move || k.label(i18n)}</option> }
                            }).collect_view()}
                        </select>
                    </div>
                    {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                    <button type="submit" class="button button--primary" disabled=move || busy.get()>{t!(i18n, create_evaluation)}</button>
                </form>
            </Show>
        </Show>
    }
}

/// The team: name, role, function.
#[component]
fn Team(engagement: Memo<Engagement>) -> impl IntoView {
    let i18n = use_i18n();
    let names = Memo::new(move |_| {
        engagement.with(|e| {
            e.team
                .iter()
                .map(|(id, m)| (id.clone(), m.name.clone()))
                .collect::<std::collections::BTreeMap<_, _>>()
        })
    });
    let item = Callback::new(move |(id, position): (String, usize)| {
        let name = names.with(|n| n.get(&id).cloned().unwrap_or_default());
        record_name(i18n, t_string!(i18n, team_member_noun), &name, position)
    });
    let label = move |text: fn(I18nContext<Locale>) -> String| Signal::derive(move || text(i18n));
    view! {
        <RecordList
            path=FieldPath::new(["team"])
            heading=label(|i| t_string!(i, team_heading).to_string())
            add_label=label(|i| t_string!(i, team_add).to_string())
            empty=label(|i| t_string!(i, team_empty).to_string())
            item
            blank=TeamMember::default
            row=move |id| view! { <TeamRow id /> }
        />
    }
}

#[component]
fn TeamRow(id: String) -> impl IntoView {
    let i18n = use_i18n();
    let base = FieldPath::new(["team", id.as_str()]);
    let label = move |text: fn(I18nContext<Locale>) -> String| Signal::derive(move || text(i18n));
    view! {
        <div class="field-row field-row--three">
            <StringField path=base.child("name") label=label(|i| t_string!(i, team_name).to_string()) />
            <Select<Role> path=base.child("role") label=label(|i| t_string!(i, team_role).to_string()) />
            <StringField path=base.child("function") label=label(|i| t_string!(i, team_function).to_string()) />
        </div>
    }
}
