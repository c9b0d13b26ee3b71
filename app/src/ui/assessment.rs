//! The needs assessment editor (kind `assessment`): method and mission, the
//! analysis in the sections of the human rights-based approach, the
//! mechanism recommendations it reviews, and the needs it finds, each tied
//! to the evidence behind it — its recommendations and the consultations of
//! the engagement's register.

use std::collections::BTreeMap;

use accord_shared::docs::items::{members, IdSet};
use accord_shared::docs::validate;
use accord_shared::docs::vocab::{
    AssessmentMethod, AssessmentStatus, Classification, GovernmentPosition, Lead, Mechanism,
    NeedStatus, NeedType, NhriStatus, Priority, StateResponse,
};
use accord_shared::docs::{Assessment, Consultations, MechanismRecommendation, Need, Taxonomy};
use accord_shared::policy::{DocFacts, DocKind, WritePolicy};
use leptos::prelude::*;

use super::approval::ApprovalBar;
use super::doc::{use_doc, DocAccessLine, People};
use super::fields::{Checklist, DateField, Select, StringField};
use super::linked::{
    locale_code, term_options, LinkState, Linked, OpenLinked, OpenTaxonomy, Terms,
};
use super::record_list::{record_name, RecordList};
use super::siblings::engagement_of;
use super::text_field::TextField;
use super::vocab::Vocabulary;
use crate::draft::FieldPath;
use crate::i18n::*;

/// What the rows of the assessment read besides their own fields.
#[derive(Clone, Copy)]
struct Context {
    assessment: Memo<Assessment>,
    register: Linked<Consultations>,
    taxonomy: Linked<Taxonomy>,
}

type Label = fn(I18nContext<Locale>) -> String;

fn label(i18n: I18nContext<Locale>, text: Label) -> Signal<String> {
    Signal::derive(move || text(i18n))
}

/// "CRC/C/TGO/CO/3-5 ¶ 12", or the mechanism while there is no symbol.
pub fn recommendation_name(i18n: I18nContext<Locale>, rec: &MechanismRecommendation) -> String {
    let name = [rec.symbol.trim(), rec.paragraph.trim()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ¶ ");
    if name.is_empty() {
        rec.mechanism.label(i18n)
    } else {
        name
    }
}

/// "2027-03-04 · NGO · Ligue togolaise": how a consultation is named in
/// links to it (a confidential party shows only its source code).
pub fn consultation_name(
    i18n: I18nContext<Locale>,
    c: &accord_shared::docs::Consultation,
) -> String {
    [
        c.date.trim().to_string(),
        c.party_type.label(i18n),
        c.party.as_str().trim().to_string(),
    ]
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(" · ")
}

#[component]
pub fn AssessmentEditor() -> impl IntoView {
    let i18n = use_i18n();
    let doc = use_doc();
    let assessment = doc.shape::<Assessment>();
    doc.validate(assessment, validate::assessment);

    // The register lives in its own document, which the Government never
    // receives: open it only for a role that may read it.
    let register = Linked::<Consultations>::new();
    let engagement = engagement_of(doc.id);
    let may_read_register = Memo::new(move |_| {
        doc.access.get().map(|a| {
            a.kind.is_none()
                || WritePolicy::may_read(a.role, DocKind::Consultations, DocFacts::default())
        })
    });
    let register_id = Memo::new(move |_| {
        match may_read_register.get() {
            Some(true) => {}
            Some(false) => return Err(LinkState::Unavailable),
            None => return Err(LinkState::Looking),
        }
        engagement
            .get()
            .map(|e| e.documents.consultations)
            .filter(|id| !id.is_empty())
            .ok_or(LinkState::Looking)
    });
    Effect::new(move |_| {
        if register_id.get() == Err(LinkState::Unavailable) {
            register.unavailable();
        }
    });
    let taxonomy = Linked::<Taxonomy>::new();
    provide_context(Context {
        assessment,
        register,
        taxonomy,
    });

    let names = Memo::new(move |_| {
        assessment.with(|a| {
            let recs: BTreeMap<String, String> = a
                .recommendations
                .iter()
                .map(|(id, r)| (id.clone(), recommendation_name(i18n, r)))
                .collect();
            let needs: BTreeMap<String, String> = a
                .needs
                .iter()
                .map(|(id, n)| (id.clone(), n.title.as_str().to_string()))
                .collect();
            (recs, needs)
        })
    });
    let rec_item = Callback::new(move |(id, position): (String, usize)| {
        // An unnamed recommendation is numbered, not called by its mechanism.
        let name = assessment.with(|a| {
            a.recommendations
                .get(&id)
                .map(|r| {
                    if r.symbol.trim().is_empty() {
                        String::new()
                    } else {
                        names.with(|n| n.0.get(&id).cloned().unwrap_or_default())
                    }
                })
                .unwrap_or_default()
        });
        record_name(i18n, t_string!(i18n, mechrec_noun), &name, position)
    });
    let need_item = Callback::new(move |(id, position): (String, usize)| {
        let name = names.with(|n| n.1.get(&id).cloned().unwrap_or_default());
        record_name(i18n, t_string!(i18n, need_noun), &name, position)
    });
    let sections: [(&'static str, Label); 12] = [
        ("national_context", |i| {
            t_string!(i, assessment_national_context).to_string()
        }),
        ("legal_framework", |i| {
            t_string!(i, assessment_legal_framework).to_string()
        }),
        ("institutional_framework", |i| {
            t_string!(i, assessment_institutional_framework).to_string()
        }),
        ("data_evidence", |i| {
            t_string!(i, assessment_data_evidence).to_string()
        }),
        ("mechanism_review", |i| {
            t_string!(i, assessment_mechanism_review).to_string()
        }),
        ("causal_analysis", |i| {
            t_string!(i, assessment_causal_analysis).to_string()
        }),
        ("role_analysis", |i| {
            t_string!(i, assessment_role_analysis).to_string()
        }),
        ("capacity_gaps", |i| {
            t_string!(i, assessment_capacity_gaps).to_string()
        }),
        ("risks", |i| t_string!(i, assessment_risks).to_string()),
        ("gender_analysis", |i| {
            t_string!(i, assessment_gender_analysis).to_string()
        }),
        ("groups_left_behind", |i| {
            t_string!(i, assessment_groups_left_behind).to_string()
        }),
        ("coherence", |i| {
            t_string!(i, assessment_coherence).to_string()
        }),
    ];
    let analysis = sections
        .into_iter()
        .map(|(key, text)| {
            let field = view! {
                <TextField path=[key] label=label(i18n, text) multiline=true rows=5 />
            };
            if key == "institutional_framework" {
                view! {
                    {field}
                    <Select<NhriStatus>
                        path=["nhri_status"]
                        label=label(i18n, |i| t_string!(i, assessment_nhri_status).to_string())
                    />
                }
                .into_any()
            } else {
                field.into_any()
            }
        })
        .collect_view();

    view! {
        <OpenTaxonomy into=taxonomy />
        {move || register_id.get().ok().map(|id| view! { <OpenLinked<Consultations> id into=register /> })}
        <h1>{t!(i18n, assessment_heading)}</h1>
        <DocAccessLine />
        <ApprovalBar />
        <People />
        <form class="card form" on:submit=|ev| ev.prevent_default()>
            <div class="field-row">
                <Select<AssessmentStatus> path=["status"] label=label(i18n, |i| t_string!(i, assessment_status).to_string()) />
                <Select<AssessmentMethod> path=["method"] label=label(i18n, |i| t_string!(i, assessment_method).to_string()) />
                <Select<Classification> path=["classification"] label=label(i18n, |i| t_string!(i, field_classification).to_string()) />
            </div>
            <div class="field-row">
                <DateField path=["mission_start"] label=label(i18n, |i| t_string!(i, assessment_mission_start).to_string()) />
                <DateField path=["mission_end"] label=label(i18n, |i| t_string!(i, assessment_mission_end).to_string()) />
            </div>
            <TextField
                path=["team"]
                label=label(i18n, |i| t_string!(i, assessment_team).to_string())
                hint=label(i18n, |i| t_string!(i, assessment_team_hint).to_string())
                multiline=true
                rows=2
            />
        </form>
        <section class="card form" aria-labelledby="analysis-heading">
            <h2 id="analysis-heading">{t!(i18n, assessment_analysis)}</h2>
            {analysis}
            <TextField
                path=["conclusions"]
                label=label(i18n, |i| t_string!(i, assessment_conclusions).to_string())
                multiline=true
                rows=5
            />
        </section>
        <TaxonomyNote taxonomy />
        <div class="card">
            <RecordList
                path=FieldPath::new(["recommendations"])
                heading=label(i18n, |i| t_string!(i, assessment_recommendations).to_string())
                add_label=label(i18n, |i| t_string!(i, assessment_add_recommendation).to_string())
                empty=label(i18n, |i| t_string!(i, assessment_no_recommendations).to_string())
                item=rec_item
                blank=MechanismRecommendation::default
                row=move |id| view! { <RecommendationRow id /> }
            />
        </div>
        <div class="card">
            <RecordList
                path=FieldPath::new(["needs"])
                heading=label(i18n, |i| t_string!(i, assessment_needs).to_string())
                add_label=label(i18n, |i| t_string!(i, assessment_add_need).to_string())
                empty=label(i18n, |i| t_string!(i, assessment_no_needs).to_string())
                item=need_item
                blank=Need::default
                row=move |id| view! { <NeedRow id /> }
            />
        </div>
    }
}

/// Says so when the taxonomy is not on this device: tags then offer only
/// what is already chosen.
#[component]
pub fn TaxonomyNote(taxonomy: Linked<Taxonomy>) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        (taxonomy.state.get() == LinkState::Unavailable).then(|| {
            view! { <p class="note" role="note">{t!(i18n, taxonomy_unavailable)}</p> }
        })
    }
}

/// A checklist of taxonomy terms at `path` (themes, groups or SDG targets).
#[component]
pub fn TermChecklist(
    #[prop(into)] path: FieldPath,
    #[prop(into)] label: Signal<String>,
    which: Terms,
    taxonomy: Linked<Taxonomy>,
    /// The ids chosen now (so a retired or unknown term still shows).
    chosen: Memo<IdSet>,
    /// The id of a read-only note shown elsewhere (one for a whole form).
    #[prop(optional)]
    note_id: Option<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let options = Signal::derive(move || {
        let locale = locale_code(i18n);
        taxonomy
            .value
            .with(|t| chosen.with(|c| term_options(t.as_ref(), which, &locale, c)))
    });
    view! {
        <Checklist
            path
            label
            options
            empty=Signal::derive(move || t_string!(i18n, terms_empty).to_string())
            note_id
        />
    }
}

#[component]
fn RecommendationRow(id: String) -> impl IntoView {
    let i18n = use_i18n();
    let cx = expect_context::<Context>();
    let base = FieldPath::new(["recommendations", id.as_str()]);
    let sets = {
        let id = id.clone();
        Memo::new(move |_| {
            cx.assessment.with(|a| {
                a.recommendations
                    .get(&id)
                    .map(|r| (r.themes.clone(), r.groups.clone(), r.sdg_targets.clone()))
                    .unwrap_or_default()
            })
        })
    };
    let themes = Memo::new(move |_| sets.with(|s| s.0.clone()));
    let groups = Memo::new(move |_| sets.with(|s| s.1.clone()));
    let sdgs = Memo::new(move |_| sets.with(|s| s.2.clone()));
    view! {
        <div class="field-row">
            <Select<Mechanism> path=base.child("mechanism") label=label(i18n, |i| t_string!(i, recommendation_mechanism).to_string()) />
            <Select<StateResponse> path=base.child("response") label=label(i18n, |i| t_string!(i, mechrec_response).to_string()) />
        </div>
        <div class="field-row field-row--symbol">
            <StringField
                path=base.child("symbol")
                label=label(i18n, |i| t_string!(i, recommendation_symbol).to_string())
                hint=label(i18n, |i| t_string!(i, recommendation_symbol_hint).to_string())
            />
            <StringField path=base.child("paragraph") label=label(i18n, |i| t_string!(i, recommendation_paragraph).to_string()) />
        </div>
        <div class="field-row">
            <StringField path=base.child("cycle") label=label(i18n, |i| t_string!(i, mechrec_cycle).to_string()) />
            <DateField path=base.child("date") label=label(i18n, |i| t_string!(i, mechrec_date).to_string()) />
            <StringField path=base.child("recommending_state") label=label(i18n, |i| t_string!(i, mechrec_state).to_string()) />
        </div>
        <TextField path=base.child("text") label=label(i18n, |i| t_string!(i, mechrec_text).to_string()) multiline=true rows=3 />
        <div class="tag-columns">
            <TermChecklist path=base.child("themes") label=label(i18n, |i| t_string!(i, field_themes).to_string()) which=Terms::Themes taxonomy=cx.taxonomy chosen=themes />
            <TermChecklist path=base.child("groups") label=label(i18n, |i| t_string!(i, field_groups).to_string()) which=Terms::Groups taxonomy=cx.taxonomy chosen=groups />
            <TermChecklist path=base.child("sdg_targets") label=label(i18n, |i| t_string!(i, field_sdg_targets).to_string()) which=Terms::SdgTargets taxonomy=cx.taxonomy chosen=sdgs />
        </div>
    }
}

#[component]
fn NeedRow(id: String) -> impl IntoView {
    let i18n = use_i18n();
    let cx = expect_context::<Context>();
    let base = FieldPath::new(["needs", id.as_str()]);
    let need = {
        let id = id.clone();
        Memo::new(move |_| {
            cx.assessment
                .with(|a| a.needs.get(&id).cloned().unwrap_or_default())
        })
    };
    let themes = Memo::new(move |_| need.with(|n| n.themes.clone()));
    let groups = Memo::new(move |_| need.with(|n| n.groups.clone()));
    let sdgs = Memo::new(move |_| need.with(|n| n.sdg_targets.clone()));
    let recommendations = Signal::derive(move || {
        cx.assessment.with(|a| {
            accord_shared::docs::items::ordered(&a.recommendations)
                .into_iter()
                .map(|(rid, r)| (rid.to_string(), recommendation_name(i18n, r)))
                .collect::<Vec<_>>()
        })
    });
    view! {
        <TextField path=base.child("title") label=label(i18n, |i| t_string!(i, need_title).to_string()) />
        <TextField path=base.child("description") label=label(i18n, |i| t_string!(i, need_description).to_string()) multiline=true rows=3 />
        <div class="field-row">
            <Select<NeedType> path=base.child("need_type") label=label(i18n, |i| t_string!(i, need_type).to_string()) />
            <Select<Priority> path=base.child("priority") label=label(i18n, |i| t_string!(i, need_priority).to_string()) />
            <Select<NeedStatus> path=base.child("status") label=label(i18n, |i| t_string!(i, need_status).to_string()) />
        </div>
        <div class="field-row">
            <Select<GovernmentPosition> path=base.child("government_position") label=label(i18n, |i| t_string!(i, need_government_position).to_string()) />
            <Select<Lead> path=base.child("lead") label=label(i18n, |i| t_string!(i, need_lead).to_string()) />
        </div>
        <TextField
            path=base.child("duty_bearers")
            label=label(i18n, |i| t_string!(i, need_duty_bearers).to_string())
            hint=label(i18n, |i| t_string!(i, need_duty_bearers_hint).to_string())
        />
        <div class="tag-columns">
            <TermChecklist path=base.child("groups") label=label(i18n, |i| t_string!(i, field_groups).to_string()) which=Terms::Groups taxonomy=cx.taxonomy chosen=groups />
            <TermChecklist path=base.child("themes") label=label(i18n, |i| t_string!(i, field_themes).to_string()) which=Terms::Themes taxonomy=cx.taxonomy chosen=themes />
            <TermChecklist path=base.child("sdg_targets") label=label(i18n, |i| t_string!(i, field_sdg_targets).to_string()) which=Terms::SdgTargets taxonomy=cx.taxonomy chosen=sdgs />
        </div>
        <div class="tag-columns tag-columns--two">
            <Checklist
                path=base.child("recommendations")
                label=label(i18n, |i| t_string!(i, need_recommendations).to_string())
                options=recommendations
                empty=label(i18n, |i| t_string!(i, need_no_recommendations).to_string())
            />
            <NeedConsultations path=base.child("consultations") need />
        </div>
    }
}

/// The consultations of the register that support a need; a count and why
/// when the register is not available to this person.
#[component]
fn NeedConsultations(path: FieldPath, need: Memo<Need>) -> impl IntoView {
    let i18n = use_i18n();
    let cx = expect_context::<Context>();
    let linked = Memo::new(move |_| need.with(|n| n.consultations.clone()));
    let options = Signal::derive(move || {
        cx.register.value.with(|r| match r {
            Some(register) => {
                let mut list: Vec<(String, String)> =
                    accord_shared::docs::items::ordered(&register.consultations)
                        .into_iter()
                        .map(|(cid, c)| (cid.to_string(), consultation_name(i18n, c)))
                        .collect();
                // Links to consultations since removed stay visible, to be unticked.
                linked.with(|l| {
                    for cid in members(l) {
                        if !register.consultations.contains_key(cid) {
                            list.push((
                                cid.to_string(),
                                fill(
                                    t_string!(i18n, need_consultation_gone),
                                    &[("id", cid.to_string())],
                                ),
                            ));
                        }
                    }
                });
                list
            }
            None => Vec::new(),
        })
    });
    let heading = label(i18n, |i| t_string!(i, need_consultations).to_string());
    move || match cx.register.state.get() {
        LinkState::Ready => view! {
            <Checklist
                path=path.clone()
                label=heading
                options
                empty=label(i18n, |i| t_string!(i, need_no_consultations).to_string())
            />
        }
        .into_any(),
        state => {
            let count = linked.with(|l| members(l).count());
            let text = if state == LinkState::Unavailable {
                t_string!(i18n, need_register_unavailable)
            } else {
                t_string!(i18n, need_register_looking)
            };
            view! {
                <div class="field need-consultations">
                    <p class="field__label">{heading}</p>
                    <p class="muted">{fill(text, &[("n", count.to_string())])}</p>
                </div>
            }
            .into_any()
        }
    }
}
