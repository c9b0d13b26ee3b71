//! The consultations register (kind `consultations`): who was consulted,
//! how, with what consent and risk, and what they raised.
//!
//! The register is a document of its own so that the Government, which may
//! read a shared assessment, never receives it. For a confidential party it
//! holds only a pseudonymous source code: the name, organisation and
//! contact are in the parties document (kind `parties`, keyed by
//! consultation id), which only the field team — and reviewers granted it —
//! receive. Whoever does not receive it sees "Confidential source".

use accord_shared::docs::items::IdSet;
use accord_shared::docs::vocab::{
    Confidentiality, ConsentForm, ConsentScope, ConsentStatus, ConsultationMethod, Level,
    PartyType, Reliability, Validity,
};
use accord_shared::docs::{Consultation, Consultations, IssueRaised, Parties, Taxonomy};
use leptos::prelude::*;
use leptos_router::components::A;

use super::assessment::{consultation_name, TaxonomyNote, TermChecklist};
use super::doc::{use_doc, DocAccessLine, People};
use super::fields::{Checklist, DateField, NumberField, Select};
use super::linked::{LinkState, Linked, OpenLinked, OpenTaxonomy, Terms};
use super::record_list::{record_name, RecordList};
use super::siblings::engagement_of;
use super::text_field::TextField;
use super::vocab::Vocabulary;
use crate::draft::FieldPath;
use crate::i18n::*;

#[derive(Clone, Copy)]
struct Context {
    register: Memo<Consultations>,
    parties: Linked<Parties>,
    taxonomy: Linked<Taxonomy>,
}

fn label(i18n: I18nContext<Locale>, text: fn(I18nContext<Locale>) -> String) -> Signal<String> {
    Signal::derive(move || text(i18n))
}

#[component]
pub fn ConsultationsEditor() -> impl IntoView {
    let i18n = use_i18n();
    let doc = use_doc();
    let register = doc.shape::<Consultations>();
    let engagement = engagement_of(doc.id);
    let parties = Linked::<Parties>::new();
    // The engagement lists the parties document only to whoever may read
    // it: listed without it, this person does not receive it ("Confidential
    // source"), rather than waiting for it forever.
    let parties_id = Memo::new(move |_| engagement.get().map(|e| e.documents.parties));
    Effect::new(move |_| {
        if parties_id.with(|id| id.as_deref() == Some("")) {
            parties.unavailable();
        }
    });
    let taxonomy = Linked::<Taxonomy>::new();
    provide_context(Context {
        register,
        parties,
        taxonomy,
    });
    let item = Callback::new(move |(id, position): (String, usize)| {
        let name = register.with(|r| {
            r.consultations
                .get(&id)
                .map(|c| consultation_name(i18n, c))
                .unwrap_or_default()
        });
        record_name(i18n, t_string!(i18n, consultation_noun), &name, position)
    });
    view! {
        <OpenTaxonomy into=taxonomy />
        {move || parties_id.get().filter(|id| !id.is_empty()).map(|id| view! { <OpenLinked<Parties> id into=parties /> })}
        <h1>{t!(i18n, consultations_heading)}</h1>
        <DocAccessLine />
        <People />
        <p class="note" role="note">{t!(i18n, consultations_intro)}</p>
        <TaxonomyNote taxonomy />
        <div class="card">
            <RecordList
                path=FieldPath::new(["consultations"])
                heading=label(i18n, |i| t_string!(i, consultations_list).to_string())
                add_label=label(i18n, |i| t_string!(i, consultations_add).to_string())
                empty=label(i18n, |i| t_string!(i, consultations_empty).to_string())
                item
                blank=Consultation::default
                row=move |id| view! { <ConsultationRow id /> }
            />
        </div>
    }
}

#[component]
fn ConsultationRow(id: String) -> impl IntoView {
    let i18n = use_i18n();
    let cx = expect_context::<Context>();
    let base = FieldPath::new(["consultations", id.as_str()]);
    let confidential = {
        let id = id.clone();
        Memo::new(move |_| {
            cx.register.with(|r| {
                r.consultations
                    .get(&id)
                    .is_some_and(|c| c.confidentiality == Confidentiality::Confidential)
            })
        })
    };
    let scopes = Signal::derive(move || {
        ConsentScope::ALL
            .iter()
            .map(|s| (s.id().to_string(), s.label(i18n)))
            .collect::<Vec<_>>()
    });
    let issue_names = {
        let id = id.clone();
        Memo::new(move |_| {
            cx.register.with(|r| {
                r.consultations
                    .get(&id)
                    .map(|c| {
                        c.issues
                            .iter()
                            .map(|(iid, issue)| {
                                let text: String =
                                    issue.text.as_str().trim().chars().take(60).collect();
                                (iid.clone(), text)
                            })
                            .collect::<std::collections::BTreeMap<_, _>>()
                    })
                    .unwrap_or_default()
            })
        })
    };
    let issue_item = Callback::new(move |(iid, position): (String, usize)| {
        let name = issue_names.with(|n| n.get(&iid).cloned().unwrap_or_default());
        record_name(i18n, t_string!(i18n, issue_noun), &name, position)
    });
    let party = {
        let base = base.clone();
        move || {
            let path = base.child("party");
            if confidential.get() {
                view! {
                    <TextField
                        path
                        label=label(i18n, |i| t_string!(i, consultation_source_code).to_string())
                        hint=label(i18n, |i| t_string!(i, consultation_source_code_hint).to_string())
                    />
                }
                .into_any()
            } else {
                view! {
                    <TextField
                        path
                        label=label(i18n, |i| t_string!(i, consultation_party).to_string())
                        hint=label(i18n, |i| t_string!(i, consultation_party_hint).to_string())
                    />
                }
                .into_any()
            }
        }
    };
    let consultation = id.clone();
    // Recorded from a consultation submission in the inbox: where it came from.
    let from_submission = {
        let id = id.clone();
        Memo::new(move |_| {
            cx.register.with(|r| {
                r.consultations
                    .get(&id)
                    .map(|c| c.submission.trim().to_string())
                    .filter(|s| !s.is_empty())
            })
        })
    };
    view! {
        {move || from_submission.get().map(|submission| view! {
            <p class="consultation__from muted">
                {t!(i18n, consultation_from_submission)}
                " "
                <A href=format!("/doc/{submission}")>{t!(i18n, consultation_from_submission_open)}</A>
            </p>
        })}
        <div class="field-row">
            <DateField path=base.child("date") label=label(i18n, |i| t_string!(i, consultation_date).to_string()) />
            <Select<ConsultationMethod> path=base.child("method") label=label(i18n, |i| t_string!(i, consultation_method).to_string()) />
            <Select<PartyType> path=base.child("party_type") label=label(i18n, |i| t_string!(i, consultation_party_type).to_string()) />
        </div>
        <div class="field-row">
            <Select<Confidentiality> path=base.child("confidentiality") label=label(i18n, |i| t_string!(i, consultation_confidentiality).to_string()) />
            <Select<Level> path=base.child("reprisal_risk") label=label(i18n, |i| t_string!(i, consultation_reprisal_risk).to_string()) />
        </div>
        {party}
        {move || confidential.get().then(|| view! { <Identity consultation=consultation.clone() /> })}
        <fieldset class="subgroup">
            <legend>{t!(i18n, consultation_participants)}</legend>
            <div class="field-row field-row--numbers">
                <NumberField path=base.child("participants").child("women") label=label(i18n, |i| t_string!(i, participants_women).to_string()) />
                <NumberField path=base.child("participants").child("men") label=label(i18n, |i| t_string!(i, participants_men).to_string()) />
                <NumberField path=base.child("participants").child("other") label=label(i18n, |i| t_string!(i, participants_other).to_string()) />
                <NumberField path=base.child("participants").child("under_18") label=label(i18n, |i| t_string!(i, participants_under_18).to_string()) />
                <NumberField path=base.child("participants").child("over_60") label=label(i18n, |i| t_string!(i, participants_over_60).to_string()) />
            </div>
        </fieldset>
        <fieldset class="subgroup">
            <legend>{t!(i18n, consultation_consent)}</legend>
            <div class="field-row">
                <Select<ConsentStatus> path=base.child("consent").child("status") label=label(i18n, |i| t_string!(i, consent_status).to_string()) />
                <Select<ConsentForm> path=base.child("consent").child("form") label=label(i18n, |i| t_string!(i, consent_form).to_string()) />
                <DateField path=base.child("consent").child("date") label=label(i18n, |i| t_string!(i, consent_date).to_string()) />
            </div>
            <Checklist path=base.child("consent").child("scope") label=label(i18n, |i| t_string!(i, consent_scope).to_string()) options=scopes />
        </fieldset>
        <TextField path=base.child("summary") label=label(i18n, |i| t_string!(i, consultation_summary).to_string()) multiline=true rows=4 />
        <RecordList
            path=base.child("issues")
            heading=label(i18n, |i| t_string!(i, consultation_issues).to_string())
            add_label=label(i18n, |i| t_string!(i, consultation_add_issue).to_string())
            empty=label(i18n, |i| t_string!(i, consultation_no_issues).to_string())
            item=issue_item
            blank=IssueRaised::default
            level=3
            row={
                let consultation = id.clone();
                move |iid| view! { <IssueRow consultation=consultation.clone() id=iid /> }
            }
        />
        <div class="field-row">
            <Select<Reliability> path=base.child("reliability") label=label(i18n, |i| t_string!(i, consultation_reliability).to_string()) />
            <Select<Validity> path=base.child("validity") label=label(i18n, |i| t_string!(i, consultation_validity).to_string()) />
        </div>
        <TextField path=base.child("follow_up") label=label(i18n, |i| t_string!(i, consultation_follow_up).to_string()) multiline=true rows=2 />
    }
}

/// A confidential party's identity, from the parties document; for whoever
/// does not receive it, "Confidential source".
#[component]
fn Identity(consultation: String) -> impl IntoView {
    let i18n = use_i18n();
    let cx = expect_context::<Context>();
    let parties = cx.parties;
    move || match (parties.state.get(), parties.doc.get()) {
        (LinkState::Ready, Some(doc)) => {
            let consultation = consultation.clone();
            view! { <IdentityFields doc consultation /> }.into_any()
        }
        (LinkState::Looking, _) => view! {
            <p class="muted">{t!(i18n, consultation_identity_looking)}</p>
        }
        .into_any(),
        _ => view! {
            <div class="confidential-source">
                <p><strong>{t!(i18n, consultation_confidential_source)}</strong></p>
                <p class="muted">{t!(i18n, consultation_confidential_source_hint)}</p>
            </div>
        }
        .into_any(),
    }
}

/// Name, organisation and contact, bound to the parties document.
#[component]
fn IdentityFields(doc: super::doc::DocContext, consultation: String) -> impl IntoView {
    let i18n = use_i18n();
    // The fields below read and write the parties document, not the register.
    doc.provide();
    let base = FieldPath::new(["parties", consultation.as_str()]);
    view! {
        <fieldset class="subgroup subgroup--confidential">
            <legend>{t!(i18n, consultation_identity)}</legend>
            <div class="field-row field-row--three">
                <TextField path=base.child("name") label=label(i18n, |i| t_string!(i, party_name).to_string()) />
                <TextField path=base.child("organisation") label=label(i18n, |i| t_string!(i, party_organisation).to_string()) />
                <TextField path=base.child("contact") label=label(i18n, |i| t_string!(i, party_contact).to_string()) />
            </div>
        </fieldset>
    }
}

#[component]
fn IssueRow(consultation: String, id: String) -> impl IntoView {
    let i18n = use_i18n();
    let cx = expect_context::<Context>();
    let base = FieldPath::new([
        "consultations",
        consultation.as_str(),
        "issues",
        id.as_str(),
    ]);
    let sets = Memo::new(move |_| {
        cx.register.with(|r| {
            r.consultations
                .get(&consultation)
                .and_then(|c| c.issues.get(&id))
                .map(|i| (i.themes.clone(), i.groups.clone()))
                .unwrap_or_default()
        })
    });
    let themes: Memo<IdSet> = Memo::new(move |_| sets.with(|s| s.0.clone()));
    let groups: Memo<IdSet> = Memo::new(move |_| sets.with(|s| s.1.clone()));
    view! {
        <TextField path=base.child("text") label=label(i18n, |i| t_string!(i, issue_text).to_string()) multiline=true rows=2 />
        <div class="tag-columns tag-columns--two">
            <TermChecklist path=base.child("themes") label=label(i18n, |i| t_string!(i, field_themes).to_string()) which=Terms::Themes taxonomy=cx.taxonomy chosen=themes />
            <TermChecklist path=base.child("groups") label=label(i18n, |i| t_string!(i, field_groups).to_string()) which=Terms::Groups taxonomy=cx.taxonomy chosen=groups />
        </div>
        <TextField path=base.child("recommendations") label=label(i18n, |i| t_string!(i, issue_recommendations).to_string()) multiline=true rows=2 />
    }
}
