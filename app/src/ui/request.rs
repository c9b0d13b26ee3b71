//! The editor of a Government's request for assistance (kind `request`).

use accord_shared::docs::items::is_date;
use accord_shared::docs::validate::{Problem, ProblemCode};
use accord_shared::docs::vocab::{Channel, Classification, Mechanism, RequestStatus};
use accord_shared::docs::{RecommendationRef, Request};
use leptos::prelude::*;

use super::approval::ApprovalBar;
use super::doc::{use_doc, DocAccessLine, People};
use super::fields::{DateField, Select, StringField};
use super::record_list::{record_name, RecordList};
use super::text_field::TextField;
use crate::draft::FieldPath;
use crate::i18n::*;

/// What is wrong in a request. (The shared `validate` has no request yet.)
fn problems(request: &Request) -> Vec<Problem> {
    let mut found = Vec::new();
    if !request.received.is_empty() && !is_date(&request.received) {
        found.push(Problem {
            path: vec!["received".into()],
            code: ProblemCode::BadDate,
        });
    }
    found
}

#[component]
pub fn RequestEditor() -> impl IntoView {
    let i18n = use_i18n();
    let doc = use_doc();
    let request = doc.shape::<Request>();
    doc.show_problems(Memo::new(move |_| request.with(problems)));
    let label = move |text: fn(I18nContext<Locale>) -> String| Signal::derive(move || text(i18n));
    let names = Memo::new(move |_| {
        request.with(|r| {
            r.recommendations
                .iter()
                .map(|(id, rec)| {
                    let name = [rec.symbol.trim(), rec.paragraph.trim()]
                        .iter()
                        .filter(|s| !s.is_empty())
                        .copied()
                        .collect::<Vec<_>>()
                        .join(" ¶");
                    (id.clone(), name)
                })
                .collect::<std::collections::BTreeMap<String, String>>()
        })
    });
    let item = Callback::new(move |(id, position): (String, usize)| {
        let name = names.with(|n| n.get(&id).cloned().unwrap_or_default());
        record_name(
            i18n,
            t_string!(i18n, request_recommendation_noun),
            &name,
            position,
        )
    });
    view! {
        <h1>{t!(i18n, request_heading)}</h1>
        <DocAccessLine />
        <ApprovalBar />
        <People />
        <form class="card form" on:submit=|ev| ev.prevent_default()>
            <TextField
                path=["authority"]
                label=label(|i| t_string!(i, request_authority).to_string())
                hint=label(|i| t_string!(i, request_authority_hint).to_string())
            />
            <div class="field-row">
                <DateField path=["received"] label=label(|i| t_string!(i, request_received).to_string()) />
                <Select<Channel> path=["channel"] label=label(|i| t_string!(i, request_channel).to_string()) />
            </div>
            <TextField
                path=["reference"]
                label=label(|i| t_string!(i, request_reference).to_string())
                hint=label(|i| t_string!(i, request_reference_hint).to_string())
            />
            <TextField
                path=["scope"]
                label=label(|i| t_string!(i, request_scope).to_string())
                multiline=true
                rows=6
            />
            <div class="field-row">
                <Select<RequestStatus> path=["status"] label=label(|i| t_string!(i, request_status).to_string()) />
                <Select<Classification> path=["classification"] label=label(|i| t_string!(i, field_classification).to_string()) />
            </div>
        </form>
        <div class="card">
            <RecordList
                path=FieldPath::new(["recommendations"])
                heading=label(|i| t_string!(i, request_recommendations).to_string())
                add_label=label(|i| t_string!(i, request_add_recommendation).to_string())
                empty=label(|i| t_string!(i, request_no_recommendations).to_string())
                item
                blank=RecommendationRef::default
                row=move |id| view! { <RecommendationRow id item /> }
            />
        </div>
    }
}

/// A recommendation the request cites: mechanism, symbol, paragraph.
#[component]
fn RecommendationRow(id: String, item: Callback<(String, usize), String>) -> impl IntoView {
    let i18n = use_i18n();
    let base = FieldPath::new(["recommendations", id.as_str()]);
    let legend = {
        let id = id.clone();
        let doc = use_doc();
        let ids = doc.memo(|d| crate::draft::ordered_ids(d, &FieldPath::new(["recommendations"])));
        move || {
            let position = ids.with(|v| v.iter().position(|x| *x == id)).unwrap_or(0) + 1;
            item.run((id.clone(), position))
        }
    };
    let label = move |text: fn(I18nContext<Locale>) -> String| Signal::derive(move || text(i18n));
    view! {
        <fieldset class="record__group">
            <legend class="visually-hidden">{legend}</legend>
            <Select<Mechanism> path=base.child("mechanism") label=label(|i| t_string!(i, recommendation_mechanism).to_string()) />
            <div class="field-row field-row--symbol">
                <StringField
                    path=base.child("symbol")
                    label=label(|i| t_string!(i, recommendation_symbol).to_string())
                    hint=label(|i| t_string!(i, recommendation_symbol_hint).to_string())
                />
                <StringField path=base.child("paragraph") label=label(|i| t_string!(i, recommendation_paragraph).to_string()) />
            </div>
        </fieldset>
    }
}
