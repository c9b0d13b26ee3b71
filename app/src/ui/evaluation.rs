//! The editor of an evaluation (kind `evaluation`): periodic or after
//! implementation, rated on the six OECD-DAC criteria, its findings tied to
//! the needs of the assessment and the outputs of the programme, its
//! recommendations with the management response and the follow-up actions,
//! and the follow-up plan.

use std::collections::BTreeMap;

use accord_shared::docs::items::{is_date, ordered};
use accord_shared::docs::validate;
use accord_shared::docs::vocab::{
    ActionStatus, Classification, EvaluationStatus, EvaluationType, FollowUpDecision, Independence,
    ManagementDecision, Priority, Rating,
};
use accord_shared::docs::{
    Assessment, Evaluation, EvaluationRecommendation, Finding, FollowUpAction, Programme,
};
use leptos::prelude::*;

use super::approval::ApprovalBar;
use super::doc::{use_doc, DocAccessLine, People};
use super::fields::{Checklist, DateField, Select, StringField};
use super::linked::{Linked, OpenLinked};
use super::programme::short;
use super::record_list::{record_name, RecordList};
use super::siblings::engagement_of;
use super::text_field::TextField;
use crate::draft::FieldPath;
use crate::i18n::*;

type Label = fn(I18nContext<Locale>) -> String;

fn label(i18n: I18nContext<Locale>, text: Label) -> Signal<String> {
    Signal::derive(move || text(i18n))
}

/// What the rows read: the evaluation, and what its findings may point at.
#[derive(Clone, Copy)]
struct Links {
    evaluation: Memo<Evaluation>,
    /// The assessment's needs as (id, title).
    needs: Memo<Vec<(String, String)>>,
    /// The programme's outputs as (id, "outcome › output").
    outputs: Memo<Vec<(String, String)>>,
}

fn links() -> Links {
    expect_context::<Links>()
}

/// Today as `YYYY-MM-DD` (UTC), for what is overdue.
fn today() -> String {
    String::from(js_sys::Date::new_0().to_iso_string())
        .chars()
        .take(10)
        .collect()
}

/// Whether a follow-up action is past due and not finished.
pub fn is_overdue(action: &FollowUpAction, today: &str) -> bool {
    match action.status {
        ActionStatus::Completed | ActionStatus::NoLongerApplicable => false,
        ActionStatus::Overdue => true,
        _ => is_date(&action.due) && action.due.as_str() < today,
    }
}

fn numbered(i18n: I18nContext<Locale>, title: &str, key: Label, n: usize) -> String {
    let title = title.trim();
    if title.is_empty() {
        fill(key(i18n), &[("n", n.to_string())])
    } else {
        title.to_string()
    }
}

#[component]
pub fn EvaluationEditor() -> impl IntoView {
    let i18n = use_i18n();
    let doc = use_doc();
    let evaluation = doc.shape::<Evaluation>();
    doc.validate(evaluation, validate::evaluation);

    let engagement = engagement_of(doc.id);
    let sibling = move |pick: fn(&crate::engagements::Documents) -> &String| {
        Memo::new(move |_| {
            engagement.with(|e| {
                e.as_ref()
                    .map(|e| pick(&e.documents).clone())
                    .unwrap_or_default()
            })
        })
    };
    let assessment_id = sibling(|d| &d.assessment);
    let programme_id = sibling(|d| &d.programme);
    let assessment = Linked::<Assessment>::new();
    let programme = Linked::<Programme>::new();
    let needs = Memo::new(move |_| {
        assessment.value.with(|a| {
            a.as_ref()
                .map(|a| {
                    ordered(&a.needs)
                        .into_iter()
                        .enumerate()
                        .map(|(n, (id, need))| {
                            let need_key: Label =
                                |i| t_string!(i, programme_editor.need_numbered).to_string();
                            (
                                id.to_string(),
                                numbered(i18n, need.title.as_str(), need_key, n + 1),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default()
        })
    });
    let outputs = Memo::new(move |_| {
        programme.value.with(|p| {
            let mut list = Vec::new();
            if let Some(p) = p {
                for (on, (_, outcome)) in ordered(&p.outcomes).into_iter().enumerate() {
                    let outcome_key: Label =
                        |i| t_string!(i, evaluation_editor.outcome_numbered).to_string();
                    let outcome_name = numbered(i18n, outcome.title.as_str(), outcome_key, on + 1);
                    for (pn, (pid, output)) in ordered(&outcome.outputs).into_iter().enumerate() {
                        let output_key: Label =
                            |i| t_string!(i, evaluation_editor.output_numbered).to_string();
                        let output_name = numbered(i18n, output.title.as_str(), output_key, pn + 1);
                        list.push((
                            pid.to_string(),
                            format!("{} › {output_name}", short(&outcome_name)),
                        ));
                    }
                }
            }
            list
        })
    });
    provide_context(Links {
        evaluation,
        needs,
        outputs,
    });

    let title = doc.text(FieldPath::new(["title"]));
    let heading = move || {
        let t = title.get();
        if t.trim().is_empty() {
            t_string!(i18n, kind_evaluation).to_string()
        } else {
            t
        }
    };
    let finding_names = Memo::new(move |_| {
        evaluation.with(|e| {
            e.findings
                .iter()
                .map(|(id, f)| (id.clone(), f.text.as_str().to_string()))
                .collect::<BTreeMap<_, _>>()
        })
    });
    let finding_name = Callback::new(move |(id, n): (String, usize)| {
        let name = finding_names.with(|m| m.get(&id).cloned().unwrap_or_default());
        record_name(
            i18n,
            t_string!(i18n, evaluation_editor.finding_noun),
            &short(&name),
            n,
        )
    });
    let recommendation_names = Memo::new(move |_| {
        evaluation.with(|e| {
            e.recommendations
                .iter()
                .map(|(id, r)| (id.clone(), r.text.as_str().to_string()))
                .collect::<BTreeMap<_, _>>()
        })
    });
    let recommendation_name = Callback::new(move |(id, n): (String, usize)| {
        let name = recommendation_names.with(|m| m.get(&id).cloned().unwrap_or_default());
        record_name(
            i18n,
            t_string!(i18n, evaluation_editor.recommendation_noun),
            &short(&name),
            n,
        )
    });
    let no_needs = Signal::derive(move || t_string!(i18n, programme_editor.no_needs).to_string());
    view! {
        {move || {
            let id = assessment_id.get();
            (!id.is_empty()).then(|| view! { <OpenLinked<Assessment> id into=assessment /> })
        }}
        {move || {
            let id = programme_id.get();
            (!id.is_empty()).then(|| view! { <OpenLinked<Programme> id into=programme /> })
        }}
        <h1>{heading}</h1>
        <DocAccessLine />
        <ApprovalBar />
        <People />
        <form class="card form" on:submit=|ev| ev.prevent_default()>
            <TextField path=["title"] label=label(i18n, |i| t_string!(i, evaluation_editor.title).to_string()) />
            <div class="field-row">
                <Select<EvaluationType> path=["evaluation_type"] label=label(i18n, |i| t_string!(i, evaluation_type).to_string()) />
                <Select<Independence> path=["independence"] label=label(i18n, |i| t_string!(i, evaluation_editor.independence).to_string()) />
                <Select<EvaluationStatus> path=["status"] label=label(i18n, |i| t_string!(i, evaluation_editor.status).to_string()) />
            </div>
            <div class="field-row">
                <DateField path=["start"] label=label(i18n, |i| t_string!(i, evaluation_editor.start).to_string()) />
                <DateField path=["end"] label=label(i18n, |i| t_string!(i, evaluation_editor.end).to_string()) />
                <Select<Classification> path=["classification"] label=label(i18n, |i| t_string!(i, field_classification).to_string()) />
            </div>
            <TextField path=["scope"] label=label(i18n, |i| t_string!(i, evaluation_editor.scope).to_string()) multiline=true rows=3 />
            <TextField
                path=["evaluators"]
                label=label(i18n, |i| t_string!(i, evaluation_editor.evaluators).to_string())
                hint=label(i18n, |i| t_string!(i, evaluation_editor.evaluators_hint).to_string())
            />
        </form>
        <section class="card criteria" aria-labelledby="criteria-heading">
            <h2 id="criteria-heading">{t!(i18n, evaluation_editor.criteria)}</h2>
            <p class="hint">{t!(i18n, evaluation_editor.criteria_hint)}</p>
            <Criterion key="relevance" name=label(i18n, |i| t_string!(i, evaluation_editor.relevance).to_string()) question=label(i18n, |i| t_string!(i, evaluation_editor.relevance_q).to_string()) />
            <Criterion key="coherence" name=label(i18n, |i| t_string!(i, evaluation_editor.coherence).to_string()) question=label(i18n, |i| t_string!(i, evaluation_editor.coherence_q).to_string()) />
            <Criterion key="effectiveness" name=label(i18n, |i| t_string!(i, evaluation_editor.effectiveness).to_string()) question=label(i18n, |i| t_string!(i, evaluation_editor.effectiveness_q).to_string()) />
            <Criterion key="efficiency" name=label(i18n, |i| t_string!(i, evaluation_editor.efficiency).to_string()) question=label(i18n, |i| t_string!(i, evaluation_editor.efficiency_q).to_string()) />
            <Criterion key="impact" name=label(i18n, |i| t_string!(i, evaluation_editor.impact).to_string()) question=label(i18n, |i| t_string!(i, evaluation_editor.impact_q).to_string()) />
            <Criterion key="sustainability" name=label(i18n, |i| t_string!(i, evaluation_editor.sustainability).to_string()) question=label(i18n, |i| t_string!(i, evaluation_editor.sustainability_q).to_string()) />
            <TextField
                path=["rights_gender_lens"]
                label=label(i18n, |i| t_string!(i, evaluation_editor.lens).to_string())
                hint=label(i18n, |i| t_string!(i, evaluation_editor.lens_hint).to_string())
                multiline=true
                rows=3
            />
        </section>
        <div class="card">
            <RecordList
                path=FieldPath::new(["findings"])
                heading=label(i18n, |i| t_string!(i, evaluation_editor.findings).to_string())
                add_label=label(i18n, |i| t_string!(i, evaluation_editor.add_finding).to_string())
                empty=label(i18n, |i| t_string!(i, evaluation_editor.no_findings).to_string())
                item=finding_name
                blank=Finding::default
                row=move |id| view! { <FindingRow id /> }
            />
        </div>
        <section class="card" aria-labelledby="conclusions-heading">
            <h2 id="conclusions-heading">{t!(i18n, evaluation_editor.conclusions_heading)}</h2>
            <TextField path=["conclusions"] label=label(i18n, |i| t_string!(i, evaluation_editor.conclusions).to_string()) multiline=true rows=4 />
            <TextField path=["lessons"] label=label(i18n, |i| t_string!(i, evaluation_editor.lessons).to_string()) multiline=true rows=4 />
        </section>
        <div class="card">
            <RecordList
                path=FieldPath::new(["recommendations"])
                heading=label(i18n, |i| t_string!(i, evaluation_editor.recommendations).to_string())
                add_label=label(i18n, |i| t_string!(i, evaluation_editor.add_recommendation).to_string())
                empty=label(i18n, |i| t_string!(i, evaluation_editor.no_recommendations).to_string())
                item=recommendation_name
                blank=EvaluationRecommendation::default
                row=move |id| view! { <RecommendationRow id /> }
            />
        </div>
        <section class="card form" aria-labelledby="follow-up-heading">
            <h2 id="follow-up-heading">{t!(i18n, evaluation_editor.follow_up)}</h2>
            <Select<FollowUpDecision> path=["follow_up", "decision"] label=label(i18n, |i| t_string!(i, evaluation_editor.decision).to_string()) />
            <Checklist
                path=["follow_up", "needs_carried"]
                label=label(i18n, |i| t_string!(i, evaluation_editor.needs_carried).to_string())
                options=needs
                empty=no_needs
            />
            <TextField path=["follow_up", "sustainability"] label=label(i18n, |i| t_string!(i, evaluation_editor.sustainability_measures).to_string()) multiline=true rows=3 />
            <TextField path=["follow_up", "handover"] label=label(i18n, |i| t_string!(i, evaluation_editor.handover).to_string()) multiline=true rows=3 />
        </section>
    }
}

/// One OECD-DAC criterion: its rating and what was found.
#[component]
fn Criterion(key: &'static str, name: Signal<String>, question: Signal<String>) -> impl IntoView {
    let i18n = use_i18n();
    let base = FieldPath::new([key]);
    let heading_id = format!("criterion-{key}");
    let rating = Signal::derive(move || {
        fill(
            t_string!(i18n, evaluation_editor.rating_of),
            &[("criterion", name.get())],
        )
    });
    let findings = Signal::derive(move || {
        fill(
            t_string!(i18n, evaluation_editor.findings_on),
            &[("criterion", name.get())],
        )
    });
    view! {
        <section class="criterion" aria-labelledby=heading_id.clone()>
            <h3 id=heading_id.clone()>{name}</h3>
            <p class="hint">{question}</p>
            <div class="criterion__fields">
                <Select<Rating> path=base.child("rating") label=rating />
                <TextField path=base.child("findings") label=findings multiline=true rows=3 />
            </div>
        </section>
    }
}

#[component]
fn FindingRow(id: String) -> impl IntoView {
    let i18n = use_i18n();
    let Links { needs, outputs, .. } = links();
    let base = FieldPath::new(["findings", id.as_str()]);
    view! {
        <TextField path=base.child("text") label=label(i18n, |i| t_string!(i, evaluation_editor.finding).to_string()) multiline=true rows=3 />
        <Checklist
            path=base.child("needs")
            label=label(i18n, |i| t_string!(i, evaluation_editor.finding_needs).to_string())
            options=needs
            empty=label(i18n, |i| t_string!(i, programme_editor.no_needs).to_string())
        />
        <Checklist
            path=base.child("outputs")
            label=label(i18n, |i| t_string!(i, evaluation_editor.finding_outputs).to_string())
            options=outputs
            empty=label(i18n, |i| t_string!(i, evaluation_editor.no_outputs).to_string())
        />
    }
}

#[component]
fn RecommendationRow(id: String) -> impl IntoView {
    let i18n = use_i18n();
    let evaluation = links().evaluation;
    let base = FieldPath::new(["recommendations", id.as_str()]);
    let actions = base.child("actions");
    let row_base = actions.clone();
    let rid = id.clone();
    let names = Memo::new(move |_| {
        evaluation.with(|e| {
            e.recommendations
                .get(&rid)
                .map(|r| {
                    r.actions
                        .iter()
                        .map(|(id, a)| (id.clone(), a.description.as_str().to_string()))
                        .collect::<BTreeMap<_, _>>()
                })
                .unwrap_or_default()
        })
    });
    let action_name = Callback::new(move |(id, n): (String, usize)| {
        let name = names.with(|m| m.get(&id).cloned().unwrap_or_default());
        record_name(
            i18n,
            t_string!(i18n, evaluation_editor.action_noun),
            &short(&name),
            n,
        )
    });
    view! {
        <TextField path=base.child("text") label=label(i18n, |i| t_string!(i, evaluation_editor.recommendation).to_string()) multiline=true rows=3 />
        <div class="field-row">
            <StringField path=base.child("addressee") label=label(i18n, |i| t_string!(i, evaluation_editor.addressee).to_string()) />
            <Select<Priority> path=base.child("priority") label=label(i18n, |i| t_string!(i, evaluation_editor.priority).to_string()) />
        </div>
        <fieldset class="response">
            <legend>{t!(i18n, evaluation_editor.management_response)}</legend>
            <Select<ManagementDecision> path=base.child("response") label=label(i18n, |i| t_string!(i, evaluation_editor.response).to_string()) />
            <TextField path=base.child("justification") label=label(i18n, |i| t_string!(i, evaluation_editor.justification).to_string()) multiline=true rows=2 />
        </fieldset>
        <RecordList
            path=actions
            heading=label(i18n, |i| t_string!(i, evaluation_editor.actions).to_string())
            add_label=label(i18n, |i| t_string!(i, evaluation_editor.add_action).to_string())
            empty=label(i18n, |i| t_string!(i, evaluation_editor.no_actions).to_string())
            item=action_name
            blank=FollowUpAction::default
            level=3
            row=move |aid| view! { <ActionRow base=row_base.child(aid) /> }
        />
    }
}

#[component]
fn ActionRow(base: FieldPath) -> impl IntoView {
    let i18n = use_i18n();
    let evaluation = links().evaluation;
    let keys = base.keys().to_vec();
    let today = today();
    let overdue = Memo::new(move |_| {
        evaluation.with(|e| {
            e.recommendations
                .get(&keys[1])
                .and_then(|r| r.actions.get(&keys[3]))
                .is_some_and(|a| is_overdue(a, &today))
        })
    });
    view! {
        {move || overdue.get().then(|| view! {
            <p class="badge badge--overdue">{t!(i18n, evaluation_editor.overdue)}</p>
        })}
        <TextField path=base.child("description") label=label(i18n, |i| t_string!(i, evaluation_editor.action).to_string()) multiline=true rows=2 />
        <div class="field-row">
            <StringField path=base.child("responsible") label=label(i18n, |i| t_string!(i, evaluation_editor.action_responsible).to_string()) />
            <DateField path=base.child("due") label=label(i18n, |i| t_string!(i, evaluation_editor.due).to_string()) />
            <Select<ActionStatus> path=base.child("status") label=label(i18n, |i| t_string!(i, evaluation_editor.action_status).to_string()) />
        </div>
        <TextField path=base.child("evidence") label=label(i18n, |i| t_string!(i, evaluation_editor.action_evidence).to_string()) multiline=true rows=2 />
    }
}
