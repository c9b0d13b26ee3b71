//! The traceability view at `/engagement/:id/trace`: for each need of the
//! assessment, the consultations and mechanism recommendations behind it,
//! the programme's outputs (and their activities) that address it and the
//! evaluation findings that measure it; for each output, its needs. A need
//! no output addresses is flagged in words. The links are computed once, in
//! `accord_shared::docs::trace`.

use std::collections::{BTreeMap, BTreeSet};

use accord_shared::docs::items::ordered;
use accord_shared::docs::trace::{trace, Traceability};
use accord_shared::docs::vocab::NeedStatus;
use accord_shared::docs::{
    Assessment, Consultations, Engagement, Evaluation, Programme, Submission,
};
use accord_shared::policy::{DocFacts, DocKind, WritePolicy};
use accord_shared::DocumentId;
use leptos::prelude::*;
use leptos_router::components::A;

use super::assessment::{consultation_name, recommendation_name};
use super::doc::{by_route_id, use_doc, DocContext, DocumentGate};
use super::linked::{LinkState, Linked, OpenLinked};
use super::vocab::Vocabulary;
use crate::i18n::*;

#[component]
pub fn TracePage() -> impl IntoView {
    by_route_id(|id| view! { <OpenTrace id /> }.into_any())
}

#[component]
fn OpenTrace(id: DocumentId) -> impl IntoView {
    let i18n = use_i18n();
    let doc = DocContext::open(id).provide();
    view! {
        <div class="page trace">
            <nav class="breadcrumbs" aria-label=t!(i18n, breadcrumbs_label)>
                <A href="/">{t!(i18n, back_dashboard)}</A>
                <span aria-hidden="true">" › "</span>
                <A href=format!("/engagement/{id}")>{t!(i18n, back_engagement)}</A>
            </nav>
            <DocumentGate doc>
                <TraceView />
            </DocumentGate>
        </div>
    }
}

/// One need as the view shows it.
#[derive(Debug, Clone, PartialEq)]
struct NeedLine {
    id: String,
    title: String,
    status: NeedStatus,
    /// `None` while it cannot be known (the programme is not available).
    unaddressed: Option<bool>,
    consultations: Vec<String>,
    /// Links to consultations of a register this person does not receive.
    hidden_consultations: usize,
    recommendations: Vec<String>,
    /// Each linked submission's title, or that it was withdrawn.
    submissions: Vec<String>,
    /// Each output (outcome › output) with its activities.
    outputs: Vec<(String, Vec<String>)>,
    findings: Vec<String>,
}

/// One output as the view shows it.
#[derive(Debug, Clone, PartialEq)]
struct OutputLine {
    id: String,
    title: String,
    needs: Vec<String>,
}

fn or_untitled(i18n: I18nContext<Locale>, text: &str) -> String {
    let text = text.trim();
    if text.is_empty() {
        t_string!(i18n, trace_untitled).to_string()
    } else {
        text.to_string()
    }
}

fn excerpt(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max).collect();
        format!("{}…", cut.trim_end())
    }
}

/// Keeps `into[key]` equal to `value` (absent while `None`) for as long as
/// the calling component lives.
fn mirror_into<V: Clone + Send + Sync + 'static>(
    into: RwSignal<BTreeMap<String, V>>,
    key: String,
    value: impl Fn() -> Option<V> + Send + Sync + 'static,
) {
    let k = key.clone();
    Effect::new(move |_| {
        let value = value();
        into.update(|map| match value {
            Some(v) => {
                map.insert(k.clone(), v);
            }
            None => {
                map.remove(&k);
            }
        });
    });
    on_cleanup(move || {
        into.try_update(|map| {
            map.remove(&key);
        });
    });
}

/// Keeps `into` holding the evaluation `id` while this component lives.
#[component]
fn OpenEvaluation(id: String, into: RwSignal<BTreeMap<String, Evaluation>>) -> impl IntoView {
    let linked = Linked::<Evaluation>::new();
    mirror_into(into, id.clone(), move || linked.value.get());
    view! { <OpenLinked<Evaluation> id into=linked /> }
}

/// A linked submission as far as this person can read it.
#[derive(Debug, Clone, PartialEq)]
enum Seen {
    Title(String),
    /// Withdrawn, or not for this person: the relay sends nothing.
    Unreadable,
}

/// Keeps `into` holding what submission `id` shows while this component lives.
#[component]
fn OpenSubmission(id: String, into: RwSignal<BTreeMap<String, Seen>>) -> impl IntoView {
    let linked = Linked::<Submission>::new();
    mirror_into(into, id.clone(), move || match linked.state.get() {
        LinkState::Looking => None,
        LinkState::Unavailable => Some(Seen::Unreadable),
        LinkState::Ready => linked.value.with(|s| {
            s.as_ref()
                .map(|s| Seen::Title(s.title.as_str().trim().to_string()))
        }),
    });
    view! { <OpenLinked<Submission> id into=linked /> }
}

/// How a need names a linked submission.
fn submission_name(
    i18n: I18nContext<Locale>,
    id: &str,
    seen: &BTreeMap<String, Seen>,
    withdrawn: &BTreeSet<String>,
) -> String {
    if withdrawn.contains(id) {
        return t_string!(i18n, trace_submission_withdrawn).to_string();
    }
    match seen.get(id) {
        Some(Seen::Title(title)) => or_untitled(i18n, title),
        Some(Seen::Unreadable) => t_string!(i18n, trace_submission_withdrawn).to_string(),
        None => t_string!(i18n, trace_submission_looking).to_string(),
    }
}

#[component]
fn TraceView() -> impl IntoView {
    let i18n = use_i18n();
    let doc = use_doc();
    let engagement = doc.shape::<Engagement>();
    let links = Memo::new(move |_| engagement.with(|e| e.documents.clone()));
    let assessment = Linked::<Assessment>::new();
    let register = Linked::<Consultations>::new();
    let programme = Linked::<Programme>::new();
    let evaluations = RwSignal::new(BTreeMap::<String, Evaluation>::new());
    let seen = RwSignal::new(BTreeMap::<String, Seen>::new());
    // Withdrawn submissions, as the server says (a copy on this device must not show).
    let withdrawn = RwSignal::new(BTreeSet::<String>::new());
    let engagement_id = doc.id;
    leptos::task::spawn_local(async move {
        if let Ok(listing) = crate::submissions::list(engagement_id).await {
            let ids: BTreeSet<String> = listing
                .submissions
                .into_iter()
                .filter(|e| e.withdrawn())
                .map(|e| e.id)
                .collect();
            withdrawn.try_set(ids);
        }
    });
    // The Government never receives the register: do not even ask for it.
    let may_read_register = Memo::new(move |_| {
        doc.access.get().map(|a| {
            a.kind.is_none()
                || WritePolicy::may_read(a.role, DocKind::Consultations, DocFacts::default())
        })
    });
    Effect::new(move |_| {
        if may_read_register.get() == Some(false) {
            register.unavailable();
        }
    });
    let assessment_id = Memo::new(move |_| links.with(|l| l.assessment.clone()));
    let register_id = Memo::new(move |_| {
        (may_read_register.get() == Some(true))
            .then(|| links.with(|l| l.consultations.clone()))
            .filter(|id| !id.is_empty())
    });
    let programme_id = Memo::new(move |_| links.with(|l| l.programme.clone()));
    // An engagement that lists no such document: nothing to wait for.
    Effect::new(move |_| {
        if assessment_id.with(String::is_empty) {
            assessment.unavailable();
        }
        if programme_id.with(String::is_empty) {
            programme.unavailable();
        }
    });
    let evaluation_ids = Memo::new(move |_| {
        links.with(|l| {
            ordered(&l.evaluations)
                .into_iter()
                .map(|(_, e)| (e.document.clone(), e.title.clone()))
                .filter(|(id, _)| !id.is_empty())
                .collect::<Vec<_>>()
        })
    });

    let submission_ids = Memo::new(move |_| {
        let gone = withdrawn.get();
        assessment.value.with(|a| {
            a.as_ref()
                .map(|a| {
                    a.needs
                        .values()
                        .flat_map(|n| accord_shared::docs::items::members(&n.submissions))
                        .filter(|id| !gone.contains(*id))
                        .map(str::to_string)
                        .collect::<BTreeSet<String>>()
                })
                .unwrap_or_default()
        })
    });
    let submission_names = Memo::new(move |_| {
        let ids = assessment.value.with(|a| {
            a.as_ref()
                .map(|a| {
                    a.needs
                        .values()
                        .flat_map(|n| accord_shared::docs::items::members(&n.submissions))
                        .map(str::to_string)
                        .collect::<BTreeSet<String>>()
                })
                .unwrap_or_default()
        });
        seen.with(|s| {
            withdrawn.with(|w| {
                ids.into_iter()
                    .map(|id| {
                        let name = submission_name(i18n, &id, s, w);
                        (id, name)
                    })
                    .collect::<BTreeMap<String, String>>()
            })
        })
    });
    let traced = Memo::new(move |_| {
        let evals: Vec<(String, Evaluation)> =
            evaluations.with(|m| m.iter().map(|(id, e)| (id.clone(), e.clone())).collect());
        assessment.value.with(|a| {
            a.as_ref().map(|a| {
                register.value.with(|r| {
                    programme
                        .value
                        .with(|p| trace(a, r.as_ref(), p.as_ref(), &evals))
                })
            })
        })
    });
    let programme_known = Memo::new(move |_| programme.state.get() == LinkState::Ready);

    let needs = Memo::new(move |_| {
        let Some(t) = traced.get() else {
            return Vec::new();
        };
        let known = programme_known.get();
        assessment.value.with(|a| {
            let Some(a) = a.as_ref() else {
                return Vec::new();
            };
            register.value.with(|r| {
                programme.value.with(|p| {
                    evaluations.with(|evals| {
                        submission_names.with(|names| {
                            need_lines(i18n, &t, a, r.as_ref(), p.as_ref(), evals, names, known)
                        })
                    })
                })
            })
        })
    });
    let outputs = Memo::new(move |_| {
        let Some(t) = traced.get() else {
            return Vec::new();
        };
        assessment.value.with(|a| {
            programme.value.with(|p| match (a, p) {
                (Some(a), Some(p)) => output_lines(i18n, &t, a, p),
                _ => Vec::new(),
            })
        })
    });
    let summary = move || {
        let list = needs.get();
        let open = list
            .iter()
            .filter(|n| n.status != NeedStatus::Dropped)
            .count();
        let unaddressed = list.iter().filter(|n| n.unaddressed == Some(true)).count();
        if programme_known.get() {
            fill(
                t_string!(i18n, trace_summary),
                &[
                    ("needs", open.to_string()),
                    ("unaddressed", unaddressed.to_string()),
                ],
            )
        } else {
            fill(
                t_string!(i18n, trace_summary_needs),
                &[("needs", open.to_string())],
            )
        }
    };

    view! {
        {move || Some(assessment_id.get()).filter(|id| !id.is_empty()).map(|id| view! { <OpenLinked<Assessment> id into=assessment /> })}
        {move || register_id.get().map(|id| view! { <OpenLinked<Consultations> id into=register /> })}
        {move || Some(programme_id.get()).filter(|id| !id.is_empty()).map(|id| view! { <OpenLinked<Programme> id into=programme /> })}
        <For each=move || evaluation_ids.get() key=|(id, _)| id.clone() let:((id, _title))>
            <OpenEvaluation id into=evaluations />
        </For>
        <For each=move || submission_ids.get() key=|id| id.clone() let:id>
            <OpenSubmission id into=seen />
        </For>
        <header class="page-head page-head--stacked">
            <h1>{t!(i18n, trace_heading)}</h1>
            <p class="page-head__meta">{move || engagement.with(|e| e.title.as_str().to_string())}</p>
        </header>
        <p class="muted">{t!(i18n, trace_intro)}</p>
        {move || match assessment.state.get() {
            LinkState::Looking => view! { <p class="muted" aria-busy="true">{t!(i18n, trace_loading)}</p> }.into_any(),
            LinkState::Unavailable => view! { <p class="note" role="note">{t!(i18n, trace_no_assessment)}</p> }.into_any(),
            LinkState::Ready => view! {
                <p class="trace__summary" role="status">{summary}</p>
                {move || match programme.state.get() {
                    LinkState::Unavailable => Some(view! { <p class="note" role="note">{t!(i18n, trace_no_programme)}</p> }.into_any()),
                    LinkState::Looking => Some(view! { <p class="muted">{t!(i18n, trace_programme_loading)}</p> }.into_any()),
                    LinkState::Ready => None,
                }}
                <section class="card" aria-labelledby="trace-needs-heading">
                    <h2 id="trace-needs-heading">{t!(i18n, trace_needs)}</h2>
                    {move || needs.with(Vec::is_empty).then(|| view! { <p class="muted">{t!(i18n, trace_no_needs)}</p> })}
                    <ol class="trace__needs">
                        {move || needs.get().into_iter().map(|n| view! { <NeedCard need=n /> }).collect_view()}
                    </ol>
                </section>
                {move || programme_known.get().then(|| view! {
                    <section class="card" aria-labelledby="trace-outputs-heading">
                        <h2 id="trace-outputs-heading">{t!(i18n, trace_outputs_heading)}</h2>
                        {move || outputs.with(Vec::is_empty).then(|| view! { <p class="muted">{t!(i18n, trace_no_outputs)}</p> })}
                        <ul class="trace__outputs">
                            {move || outputs.get().into_iter().map(|o| view! { <OutputItem output=o /> }).collect_view()}
                        </ul>
                    </section>
                })}
            }.into_any(),
        }}
    }
}

// Each document of the cycle, as it is known now.
#[allow(clippy::too_many_arguments)]
fn need_lines(
    i18n: I18nContext<Locale>,
    t: &Traceability,
    a: &Assessment,
    register: Option<&Consultations>,
    programme: Option<&Programme>,
    evaluations: &BTreeMap<String, Evaluation>,
    submission_names: &BTreeMap<String, String>,
    programme_known: bool,
) -> Vec<NeedLine> {
    t.needs
        .iter()
        .filter_map(|nt| {
            let need = a.needs.get(&nt.need)?;
            let (consultations, hidden) = match register {
                Some(r) => (
                    nt.consultations
                        .iter()
                        .filter_map(|c| r.consultations.get(c))
                        .map(|c| consultation_name(i18n, c))
                        .collect(),
                    0,
                ),
                None => (Vec::new(), nt.consultations.len()),
            };
            let outputs = programme
                .map(|p| {
                    nt.outputs
                        .iter()
                        .filter_map(|o| {
                            let outcome = p.outcomes.get(&o.outcome)?;
                            let output = outcome.outputs.get(&o.output)?;
                            let name = format!(
                                "{} › {}",
                                or_untitled(i18n, outcome.title.as_str()),
                                or_untitled(i18n, output.title.as_str())
                            );
                            let activities = ordered(&output.activities)
                                .into_iter()
                                .map(|(_, act)| or_untitled(i18n, act.title.as_str()))
                                .collect();
                            Some((name, activities))
                        })
                        .collect()
                })
                .unwrap_or_default();
            let findings = nt
                .findings
                .iter()
                .filter_map(|f| {
                    let evaluation = evaluations.get(&f.evaluation)?;
                    let finding = evaluation.findings.get(&f.finding)?;
                    Some(format!(
                        "{}: {}",
                        or_untitled(i18n, evaluation.title.as_str()),
                        excerpt(finding.text.as_str(), 160)
                    ))
                })
                .collect();
            Some(NeedLine {
                id: nt.need.clone(),
                title: or_untitled(i18n, need.title.as_str()),
                status: need.status,
                unaddressed: programme_known.then_some(nt.unaddressed),
                consultations,
                hidden_consultations: hidden,
                recommendations: nt
                    .recommendations
                    .iter()
                    .filter_map(|r| a.recommendations.get(r))
                    .map(|r| recommendation_name(i18n, r))
                    .collect(),
                submissions: nt
                    .submissions
                    .iter()
                    .map(|id| {
                        submission_names.get(id).cloned().unwrap_or_else(|| {
                            t_string!(i18n, trace_submission_looking).to_string()
                        })
                    })
                    .collect(),
                outputs,
                findings,
            })
        })
        .collect()
}

fn output_lines(
    i18n: I18nContext<Locale>,
    t: &Traceability,
    a: &Assessment,
    p: &Programme,
) -> Vec<OutputLine> {
    let mut lines = Vec::new();
    for (_, outcome) in ordered(&p.outcomes) {
        for (oid, output) in ordered(&outcome.outputs) {
            let needs = t
                .output_needs
                .get(oid)
                .map(|ids| {
                    ids.iter()
                        .filter_map(|n| a.needs.get(n))
                        .map(|n| or_untitled(i18n, n.title.as_str()))
                        .collect()
                })
                .unwrap_or_default();
            lines.push(OutputLine {
                id: oid.to_string(),
                title: format!(
                    "{} › {}",
                    or_untitled(i18n, outcome.title.as_str()),
                    or_untitled(i18n, output.title.as_str())
                ),
                needs,
            });
        }
    }
    lines
}

/// A list under a heading, or "None".
fn linked_list(i18n: I18nContext<Locale>, items: Vec<String>) -> impl IntoView {
    if items.is_empty() {
        view! { <dd class="muted">{t!(i18n, trace_none)}</dd> }.into_any()
    } else {
        view! {
            <dd>
                <ul>{items.into_iter().map(|i| view! { <li>{i}</li> }).collect_view()}</ul>
            </dd>
        }
        .into_any()
    }
}

#[component]
fn NeedCard(need: NeedLine) -> impl IntoView {
    let i18n = use_i18n();
    let heading_id = format!("trace-need-{}", need.id);
    let status = need.status;
    let flagged = need.unaddressed == Some(true);
    let consultations = if need.hidden_consultations > 0 {
        let n = need.hidden_consultations.to_string();
        view! {
            <dd>{move || fill(t_string!(i18n, trace_register_unavailable), &[("n", n.clone())])}</dd>
        }
        .into_any()
    } else {
        linked_list(i18n, need.consultations).into_any()
    };
    let outputs = if need.outputs.is_empty() {
        view! { <dd class="muted">{t!(i18n, trace_none)}</dd> }.into_any()
    } else {
        view! {
            <dd>
                <ul>
                    {need.outputs.into_iter().map(|(output, activities)| view! {
                        <li>
                            {output}
                            {(!activities.is_empty()).then(|| view! {
                                <ul class="trace__activities" aria-label=t!(i18n, trace_activities)>
                                    {activities.into_iter().map(|a| view! { <li>{a}</li> }).collect_view()}
                                </ul>
                            })}
                        </li>
                    }).collect_view()}
                </ul>
            </dd>
        }
        .into_any()
    };
    let submissions = need.submissions;
    let has_submissions = !submissions.is_empty();
    view! {
        <li class="trace-need" class:trace-need--flagged=flagged aria-labelledby=heading_id.clone()>
            <h3 id=heading_id.clone()>{need.title}</h3>
            <p class="trace-need__status muted">{move || status.label(i18n)}</p>
            {flagged.then(|| view! {
                <p class="flag">
                    <span aria-hidden="true">"⚠ "</span>
                    {t!(i18n, trace_unaddressed)}
                </p>
            })}
            <dl class="trace-need__links">
                <dt>{t!(i18n, trace_consultations)}</dt>
                {consultations}
                <dt>{t!(i18n, trace_recommendations)}</dt>
                {linked_list(i18n, need.recommendations)}
                {has_submissions.then(|| view! {
                    <dt>{t!(i18n, trace_submissions)}</dt>
                    {linked_list(i18n, submissions)}
                })}
                <dt>{t!(i18n, trace_outputs)}</dt>
                {outputs}
                <dt>{t!(i18n, trace_findings)}</dt>
                {linked_list(i18n, need.findings)}
            </dl>
        </li>
    }
}

#[component]
fn OutputItem(output: OutputLine) -> impl IntoView {
    let i18n = use_i18n();
    let flagged = output.needs.is_empty();
    view! {
        <li class="trace-output">
            <p class="trace-output__title">{output.title}</p>
            {if flagged {
                view! {
                    <p class="flag">
                        <span aria-hidden="true">"⚠ "</span>
                        {t!(i18n, trace_output_no_need)}
                    </p>
                }.into_any()
            } else {
                view! {
                    <p class="muted">{t!(i18n, trace_output_needs)}</p>
                    <ul>{output.needs.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}</ul>
                }.into_any()
            }}
        </li>
    }
}
