//! The editor of the assistance programme (kind `programme`): a results
//! framework of outcomes, their outputs, and the indicators and activities
//! of each, with the needs of the engagement's assessment each addresses,
//! the risks and the budget.

use std::collections::BTreeMap;

use accord_shared::docs::items::ordered;
use accord_shared::docs::validate;
use accord_shared::docs::vocab::{
    ActivityStatus, BudgetCategory, Classification, Frequency, FundingSource, IndicatorKind, Level,
    Modality, OrganisationRole, ProgrammeStatus,
};
use accord_shared::docs::{
    Activity, Assessment, BudgetLine, Indicator, Measure, Organisation, Outcome, Output, Programme,
    Risk,
};
use leptos::prelude::*;

use super::approval::ApprovalBar;
use super::doc::{problem_text, use_doc, DocAccessLine, People};
use super::fields::{
    dom_id_for, Checklist, DateField, MoneyField, NumberField, Select, StringField,
};
use super::linked::{Linked, OpenLinked};
use super::record_list::{record_name, RecordList};
use super::siblings::engagement_of;
use super::text_field::TextField;
use crate::draft::FieldPath;
use crate::i18n::*;

/// What every row of the framework reads: the programme and the needs it may address.
#[derive(Clone, Copy)]
struct Framework {
    programme: Memo<Programme>,
    /// The assessment's needs as (id, title), in its order.
    needs: Memo<Vec<(String, String)>>,
}

fn framework() -> Framework {
    expect_context::<Framework>()
}

type Label = fn(I18nContext<Locale>) -> String;

/// A translated label that follows the interface language.
fn label(i18n: I18nContext<Locale>, text: Label) -> Signal<String> {
    Signal::derive(move || text(i18n))
}

/// Names a list's records for their buttons: `noun “title”`, or `noun 2`.
fn namer(
    noun: Label,
    names: impl Fn(&Programme) -> BTreeMap<String, String> + Send + Sync + 'static,
) -> Callback<(String, usize), String> {
    let i18n = use_i18n();
    let programme = framework().programme;
    let names = Memo::new(move |_| programme.with(&names));
    Callback::new(move |(id, position): (String, usize)| {
        let name = names.with(|n| n.get(&id).cloned().unwrap_or_default());
        record_name(i18n, &noun(i18n), &short(&name), position)
    })
}

/// The first words of a long text, for a button's name.
pub fn short(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(48) {
        Some((at, _)) => format!("{}…", text[..at].trim_end()),
        None => text.to_string(),
    }
}

fn outcome_of<'a>(p: &'a Programme, oid: &str) -> Option<&'a Outcome> {
    p.outcomes.get(oid)
}

fn output_of<'a>(p: &'a Programme, oid: &str, pid: &str) -> Option<&'a Output> {
    outcome_of(p, oid).and_then(|o| o.outputs.get(pid))
}

/// The indicators at `base` (an outcome's or an output's).
fn indicators_at<'a>(
    p: &'a Programme,
    base: &[String],
) -> Option<&'a accord_shared::docs::items::Items<Indicator>> {
    match base {
        [_, oid] => outcome_of(p, oid).map(|o| &o.indicators),
        [_, oid, _, pid] => output_of(p, oid, pid).map(|o| &o.indicators),
        _ => None,
    }
}

fn titles<T>(
    items: Option<&accord_shared::docs::items::Items<T>>,
    title: fn(&T) -> &str,
) -> BTreeMap<String, String> {
    items
        .map(|items| {
            items
                .iter()
                .map(|(id, x)| (id.clone(), title(x).to_string()))
                .collect()
        })
        .unwrap_or_default()
}

#[component]
pub fn ProgrammeEditor() -> impl IntoView {
    let i18n = use_i18n();
    let doc = use_doc();
    let programme = doc.shape::<Programme>();
    doc.validate(programme, validate::programme);

    // The engagement's assessment, read-only, for the needs outputs address.
    let engagement = engagement_of(doc.id);
    let assessment_id = Memo::new(move |_| {
        engagement.with(|e| {
            e.as_ref()
                .map(|e| e.documents.assessment.clone())
                .unwrap_or_default()
        })
    });
    let assessment = Linked::<Assessment>::new();
    let needs = Memo::new(move |_| {
        assessment.value.with(|a| {
            a.as_ref()
                .map(|a| {
                    ordered(&a.needs)
                        .into_iter()
                        .enumerate()
                        .map(|(n, (id, need))| {
                            let title = need.title.as_str().trim();
                            let title = if title.is_empty() {
                                fill(
                                    t_string!(i18n, programme_editor.need_numbered),
                                    &[("n", (n + 1).to_string())],
                                )
                            } else {
                                title.to_string()
                            };
                            (id.to_string(), title)
                        })
                        .collect()
                })
                .unwrap_or_default()
        })
    });
    provide_context(Framework { programme, needs });

    let title = doc.text(FieldPath::new(["title"]));
    let heading = move || {
        let t = title.get();
        if t.trim().is_empty() {
            t_string!(i18n, kind_programme).to_string()
        } else {
            t
        }
    };
    let outcome_name = namer(
        |i| t_string!(i, programme_editor.outcome_noun).to_string(),
        |p| titles(Some(&p.outcomes), |o| o.title.as_str()),
    );
    let risk_name = namer(
        |i| t_string!(i, programme_editor.risk_noun).to_string(),
        |p| titles(Some(&p.risks), |r| r.description.as_str()),
    );
    let budget_name = namer(
        |i| t_string!(i, programme_editor.budget_noun).to_string(),
        |p| titles(Some(&p.budget), |b| b.description.as_str()),
    );
    view! {
        {move || {
            let id = assessment_id.get();
            (!id.is_empty()).then(|| view! { <OpenLinked<Assessment> id into=assessment /> })
        }}
        <h1>{heading}</h1>
        <DocAccessLine />
        <ApprovalBar />
        <People />
        <form class="card form" on:submit=|ev| ev.prevent_default()>
            <TextField path=["title"] label=label(i18n, |i| t_string!(i, programme_editor.title).to_string()) />
            <div class="field-row">
                <DateField path=["start"] label=label(i18n, |i| t_string!(i, programme_editor.start).to_string()) />
                <DateField path=["end"] label=label(i18n, |i| t_string!(i, programme_editor.end).to_string()) />
                <StringField
                    path=["currency"]
                    label=label(i18n, |i| t_string!(i, programme_editor.currency).to_string())
                    hint=label(i18n, |i| t_string!(i, programme_editor.currency_hint).to_string())
                />
            </div>
            <div class="field-row">
                <Select<ProgrammeStatus> path=["status"] label=label(i18n, |i| t_string!(i, programme_editor.status).to_string()) />
                <Select<Classification> path=["classification"] label=label(i18n, |i| t_string!(i, field_classification).to_string()) />
            </div>
            <TextField
                path=["impact"]
                label=label(i18n, |i| t_string!(i, programme_editor.impact).to_string())
                hint=label(i18n, |i| t_string!(i, programme_editor.impact_hint).to_string())
                multiline=true
            />
        </form>
        <div class="card framework">
            <RecordList
                path=FieldPath::new(["outcomes"])
                heading=label(i18n, |i| t_string!(i, programme_editor.outcomes).to_string())
                add_label=label(i18n, |i| t_string!(i, programme_editor.add_outcome).to_string())
                empty=label(i18n, |i| t_string!(i, programme_editor.no_outcomes).to_string())
                item=outcome_name
                blank=Outcome::default
                row=move |id| view! { <OutcomeRow id /> }
            />
        </div>
        <div class="card">
            <RecordList
                path=FieldPath::new(["risks"])
                heading=label(i18n, |i| t_string!(i, programme_editor.risks).to_string())
                add_label=label(i18n, |i| t_string!(i, programme_editor.add_risk).to_string())
                empty=label(i18n, |i| t_string!(i, programme_editor.no_risks).to_string())
                item=risk_name
                blank=Risk::default
                row=move |id| view! { <RiskRow id /> }
            />
        </div>
        <div class="card">
            <RecordList
                path=FieldPath::new(["budget"])
                heading=label(i18n, |i| t_string!(i, programme_editor.budget).to_string())
                add_label=label(i18n, |i| t_string!(i, programme_editor.add_budget_line).to_string())
                empty=label(i18n, |i| t_string!(i, programme_editor.no_budget).to_string())
                item=budget_name
                blank=BudgetLine::default
                row=move |id| view! { <BudgetRow id /> }
            />
            <BudgetTotals />
        </div>
    }
}

/// The needs a record addresses, chosen among the assessment's.
#[component]
fn NeedsChecklist(path: FieldPath, #[prop(into)] label: Signal<String>) -> impl IntoView {
    let i18n = use_i18n();
    let needs = framework().needs;
    view! {
        <Checklist
            path
            label
            options=needs
            empty=Signal::derive(move || t_string!(i18n, programme_editor.no_needs).to_string())
        />
    }
}

#[component]
fn OutcomeRow(id: String) -> impl IntoView {
    let i18n = use_i18n();
    let base = FieldPath::new(["outcomes", id.as_str()]);
    let oid = id.clone();
    let output_name = namer(
        |i| t_string!(i, programme_editor.output_noun).to_string(),
        move |p| {
            titles(outcome_of(p, &oid).map(|o| &o.outputs), |o| {
                o.title.as_str()
            })
        },
    );
    let outputs = base.child("outputs");
    let row_base = outputs.clone();
    view! {
        <div class="outcome">
            <TextField path=base.child("title") label=label(i18n, |i| t_string!(i, programme_editor.outcome_title).to_string()) />
            <NeedsChecklist path=base.child("needs") label=label(i18n, |i| t_string!(i, programme_editor.outcome_needs).to_string()) />
            <TextField
                path=base.child("assumptions")
                label=label(i18n, |i| t_string!(i, programme_editor.assumptions).to_string())
                multiline=true
                rows=2
            />
            <Indicators
                base=base.clone()
                level=3
                heading=label(i18n, |i| t_string!(i, programme_editor.outcome_indicators).to_string())
                add_label=label(i18n, |i| t_string!(i, programme_editor.add_outcome_indicator).to_string())
            />
            <RecordList
                path=outputs
                heading=label(i18n, |i| t_string!(i, programme_editor.outputs).to_string())
                add_label=label(i18n, |i| t_string!(i, programme_editor.add_output).to_string())
                empty=label(i18n, |i| t_string!(i, programme_editor.no_outputs).to_string())
                item=output_name
                blank=Output::default
                level=3
                row=move |pid| view! { <OutputRow base=row_base.child(pid) /> }
            />
        </div>
    }
}

#[component]
fn OutputRow(base: FieldPath) -> impl IntoView {
    let i18n = use_i18n();
    let keys = base.keys().to_vec();
    let activity_name = namer(
        |i| t_string!(i, programme_editor.activity_noun).to_string(),
        move |p| {
            titles(
                output_of(p, &keys[1], &keys[3]).map(|o| &o.activities),
                |a| a.title.as_str(),
            )
        },
    );
    let activities = base.child("activities");
    let row_base = activities.clone();
    view! {
        <div class="output">
            <TextField path=base.child("title") label=label(i18n, |i| t_string!(i, programme_editor.output_title).to_string()) />
            <NeedsChecklist path=base.child("needs") label=label(i18n, |i| t_string!(i, programme_editor.output_needs).to_string()) />
            <Indicators
                base=base.clone()
                level=4
                heading=label(i18n, |i| t_string!(i, programme_editor.indicators).to_string())
                add_label=label(i18n, |i| t_string!(i, programme_editor.add_indicator).to_string())
            />
            <RecordList
                path=activities
                heading=label(i18n, |i| t_string!(i, programme_editor.activities).to_string())
                add_label=label(i18n, |i| t_string!(i, programme_editor.add_activity).to_string())
                empty=label(i18n, |i| t_string!(i, programme_editor.no_activities).to_string())
                item=activity_name
                blank=Activity::default
                level=4
                row=move |aid| view! { <ActivityRow base=row_base.child(aid) /> }
            />
        </div>
    }
}

/// The indicators of an outcome or an output (`base`).
#[component]
fn Indicators(
    base: FieldPath,
    level: u8,
    heading: Signal<String>,
    add_label: Signal<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let keys = base.keys().to_vec();
    let name = namer(
        |i| t_string!(i, programme_editor.indicator_noun).to_string(),
        move |p| titles(indicators_at(p, &keys), |x| x.title.as_str()),
    );
    let path = base.child("indicators");
    let row_base = path.clone();
    view! {
        <RecordList
            path
            heading
            add_label
            empty=label(i18n, |i| t_string!(i, programme_editor.no_indicators).to_string())
            item=name
            blank=Indicator::default
            level
            row=move |iid| view! { <IndicatorRow base=row_base.child(iid) level=level + 1 /> }
        />
    }
}

#[component]
fn IndicatorRow(base: FieldPath, level: u8) -> impl IntoView {
    let i18n = use_i18n();
    let doc = use_doc();
    let baseline = base.child("baseline");
    let baseline_problems = doc.problems_at(&baseline);
    let baseline_id = format!("{}-problems", dom_id_for(&baseline));
    let target_name = Callback::new(move |(_, n): (String, usize)| {
        record_name(i18n, t_string!(i18n, programme_editor.target_noun), "", n)
    });
    let actual_name = Callback::new(move |(_, n): (String, usize)| {
        record_name(i18n, t_string!(i18n, programme_editor.actual_noun), "", n)
    });
    let (targets, actuals) = (base.child("targets"), base.child("actuals"));
    let (target_base, actual_base) = (targets.clone(), actuals.clone());
    view! {
        <div class="indicator">
            <TextField path=base.child("title") label=label(i18n, |i| t_string!(i, programme_editor.indicator_title).to_string()) />
            <div class="field-row">
                <Select<IndicatorKind> path=base.child("kind") label=label(i18n, |i| t_string!(i, programme_editor.indicator_kind).to_string()) />
                <StringField path=base.child("unit") label=label(i18n, |i| t_string!(i, programme_editor.unit).to_string()) />
                <Select<Frequency> path=base.child("frequency") label=label(i18n, |i| t_string!(i, programme_editor.frequency).to_string()) />
                <StringField path=base.child("responsible") label=label(i18n, |i| t_string!(i, programme_editor.responsible).to_string()) />
            </div>
            <TextField
                path=base.child("disaggregation")
                label=label(i18n, |i| t_string!(i, programme_editor.disaggregation).to_string())
                hint=label(i18n, |i| t_string!(i, programme_editor.disaggregation_hint).to_string())
            />
            <fieldset class="measure" aria-describedby=move || baseline_problems.with(|p| !p.is_empty()).then(|| baseline_id.clone())>
                <legend>{t!(i18n, programme_editor.baseline)}</legend>
                <div class="field-row">
                    <StringField path=baseline.child("value") label=label(i18n, |i| t_string!(i, programme_editor.baseline_value).to_string()) />
                    <DateField path=baseline.child("date") label=label(i18n, |i| t_string!(i, programme_editor.baseline_date).to_string()) />
                </div>
                <TextField path=baseline.child("source") label=label(i18n, |i| t_string!(i, programme_editor.baseline_source).to_string()) />
                {
                    let id = format!("{}-problems", dom_id_for(&baseline));
                    move || {
                        let list = baseline_problems.get();
                        (!list.is_empty()).then(|| view! {
                            <ul id=id.clone() class="field__problems">
                                {list.into_iter().map(|code| view! { <li>{problem_text(i18n, code)}</li> }).collect_view()}
                            </ul>
                        })
                    }
                }
            </fieldset>
            <RecordList
                path=targets
                heading=label(i18n, |i| t_string!(i, programme_editor.targets).to_string())
                add_label=label(i18n, |i| t_string!(i, programme_editor.add_target).to_string())
                empty=label(i18n, |i| t_string!(i, programme_editor.no_targets).to_string())
                item=target_name
                blank=Measure::default
                level
                row=move |id| view! { <MeasureRow base=target_base.child(id) evidence=false /> }
            />
            <RecordList
                path=actuals
                heading=label(i18n, |i| t_string!(i, programme_editor.actuals).to_string())
                add_label=label(i18n, |i| t_string!(i, programme_editor.add_actual).to_string())
                empty=label(i18n, |i| t_string!(i, programme_editor.no_actuals).to_string())
                item=actual_name
                blank=Measure::default
                level
                row=move |id| view! { <MeasureRow base=actual_base.child(id) evidence=true /> }
            />
            <TextField
                path=base.child("verification")
                label=label(i18n, |i| t_string!(i, programme_editor.verification).to_string())
            />
        </div>
    }
}

/// A target (for a period) or an actual (with its evidence).
#[component]
fn MeasureRow(base: FieldPath, evidence: bool) -> impl IntoView {
    let i18n = use_i18n();
    let source: Label = if evidence {
        |i| t_string!(i, programme_editor.evidence).to_string()
    } else {
        |i| t_string!(i, programme_editor.target_note).to_string()
    };
    view! {
        <div class="field-row field-row--three">
            <StringField path=base.child("value") label=label(i18n, |i| t_string!(i, programme_editor.value).to_string()) />
            <StringField
                path=base.child("period")
                label=label(i18n, |i| t_string!(i, programme_editor.period).to_string())
                hint=label(i18n, |i| t_string!(i, programme_editor.period_hint).to_string())
            />
            <DateField path=base.child("date") label=label(i18n, |i| t_string!(i, programme_editor.date).to_string()) />
        </div>
        <TextField path=base.child("source") label=label(i18n, source) />
    }
}

#[component]
fn ActivityRow(base: FieldPath) -> impl IntoView {
    let i18n = use_i18n();
    let keys = base.keys().to_vec();
    let organisation_name = namer(
        |i| t_string!(i, programme_editor.organisation_noun).to_string(),
        move |p| {
            titles(
                output_of(p, &keys[1], &keys[3])
                    .and_then(|o| o.activities.get(&keys[5]))
                    .map(|a| &a.organisations),
                |o| o.name.as_str(),
            )
        },
    );
    let organisations = base.child("organisations");
    let row_base = organisations.clone();
    view! {
        <div class="activity">
            <TextField path=base.child("title") label=label(i18n, |i| t_string!(i, programme_editor.activity_title).to_string()) />
            <div class="field-row">
                <Select<Modality> path=base.child("modality") label=label(i18n, |i| t_string!(i, programme_editor.modality).to_string()) />
                <Select<ActivityStatus> path=base.child("status") label=label(i18n, |i| t_string!(i, programme_editor.activity_status).to_string()) />
                <DateField path=base.child("start") label=label(i18n, |i| t_string!(i, programme_editor.start).to_string()) />
                <DateField path=base.child("end") label=label(i18n, |i| t_string!(i, programme_editor.end).to_string()) />
            </div>
            <TextField
                path=base.child("milestones")
                label=label(i18n, |i| t_string!(i, programme_editor.milestones).to_string())
                multiline=true
                rows=2
            />
            <RecordList
                path=organisations
                heading=label(i18n, |i| t_string!(i, programme_editor.organisations).to_string())
                add_label=label(i18n, |i| t_string!(i, programme_editor.add_organisation).to_string())
                empty=label(i18n, |i| t_string!(i, programme_editor.no_organisations).to_string())
                item=organisation_name
                blank=Organisation::default
                level=5
                row=move |id| {
                    let base = row_base.child(id);
                    view! {
                        <div class="field-row">
                            <StringField path=base.child("name") label=label(i18n, |i| t_string!(i, programme_editor.organisation_name).to_string()) />
                            <Select<OrganisationRole> path=base.child("role") label=label(i18n, |i| t_string!(i, programme_editor.organisation_role).to_string()) />
                        </div>
                    }
                }
            />
        </div>
    }
}

#[component]
fn RiskRow(id: String) -> impl IntoView {
    let i18n = use_i18n();
    let base = FieldPath::new(["risks", id.as_str()]);
    view! {
        <TextField path=base.child("description") label=label(i18n, |i| t_string!(i, programme_editor.risk_description).to_string()) multiline=true rows=2 />
        <div class="field-row">
            <Select<Level> path=base.child("likelihood") label=label(i18n, |i| t_string!(i, programme_editor.likelihood).to_string()) />
            <Select<Level> path=base.child("impact") label=label(i18n, |i| t_string!(i, programme_editor.risk_impact).to_string()) />
            <StringField path=base.child("owner") label=label(i18n, |i| t_string!(i, programme_editor.risk_owner).to_string()) />
        </div>
        <TextField path=base.child("mitigation") label=label(i18n, |i| t_string!(i, programme_editor.mitigation).to_string()) multiline=true rows=2 />
    }
}

#[component]
fn BudgetRow(id: String) -> impl IntoView {
    let i18n = use_i18n();
    let base = FieldPath::new(["budget", id.as_str()]);
    view! {
        <TextField path=base.child("description") label=label(i18n, |i| t_string!(i, programme_editor.budget_description).to_string()) />
        <div class="field-row">
            <Select<BudgetCategory> path=base.child("category") label=label(i18n, |i| t_string!(i, programme_editor.budget_category).to_string()) />
            <NumberField path=base.child("year") label=label(i18n, |i| t_string!(i, programme_editor.year).to_string()) />
            <Select<FundingSource> path=base.child("source") label=label(i18n, |i| t_string!(i, programme_editor.funding_source).to_string()) />
        </div>
        <div class="field-row money-row">
            <MoneyField path=base.child("planned") label=label(i18n, |i| t_string!(i, programme_editor.planned).to_string()) />
            <MoneyField path=base.child("committed") label=label(i18n, |i| t_string!(i, programme_editor.committed).to_string()) />
            <MoneyField path=base.child("spent") label=label(i18n, |i| t_string!(i, programme_editor.spent).to_string()) />
        </div>
    }
}

/// Planned, committed and spent, summed per currency.
#[component]
fn BudgetTotals() -> impl IntoView {
    let i18n = use_i18n();
    let programme = framework().programme;
    let totals = Memo::new(move |_| {
        programme.with(|p| {
            let default = p.currency.trim().to_ascii_uppercase();
            let mut sums: BTreeMap<String, [i64; 3]> = BTreeMap::new();
            for line in p.budget.values() {
                for (i, m) in [&line.planned, &line.committed, &line.spent]
                    .into_iter()
                    .enumerate()
                {
                    if m.minor == 0 {
                        continue;
                    }
                    let currency = match m.currency.trim() {
                        "" => default.clone(),
                        c => c.to_ascii_uppercase(),
                    };
                    sums.entry(currency).or_default()[i] += m.minor;
                }
            }
            sums.into_iter().collect::<Vec<_>>()
        })
    });
    let locale = move || i18n.get_locale().as_str().to_string();
    move || {
        let list = totals.get();
        (!list.is_empty()).then(|| {
            view! {
                <table class="table totals">
                    <caption>{t!(i18n, programme_editor.totals)}</caption>
                    <thead>
                        <tr>
                            <th scope="col">{t!(i18n, money_currency)}</th>
                            <th scope="col">{t!(i18n, programme_editor.planned)}</th>
                            <th scope="col">{t!(i18n, programme_editor.committed)}</th>
                            <th scope="col">{t!(i18n, programme_editor.spent)}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {list.into_iter().map(|(currency, sums)| view! {
                            <tr>
                                <th scope="row">{currency}</th>
                                {sums.into_iter().map(|minor| view! { <td class="num">{format_money(minor, &locale())}</td> }).collect_view()}
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }
        })
    }
}

/// Minor units as the reader's language writes amounts (`12,500.00`, `12 500,00`).
fn format_money(minor: i64, locale: &str) -> String {
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"minimumFractionDigits".into(), &2.into());
    let _ = js_sys::Reflect::set(&options, &"maximumFractionDigits".into(), &2.into());
    let locales = js_sys::Array::of1(&locale.into());
    let format = js_sys::Intl::NumberFormat::new(&locales, &options);
    let units = wasm_bindgen::JsValue::from_f64(minor as f64 / 100.0);
    format
        .format()
        .call1(&format, &units)
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_else(|| format!("{:.2}", minor as f64 / 100.0))
}
