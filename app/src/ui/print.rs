//! `/doc/:id/print`: one version of a request, assessment, programme or
//! evaluation laid out for paper, read-only, from this device's copy.
//!
//! The version is the latest approval's (asked of the approvals API) unless
//! `?heads=<hex,hex>` names another; never approved, or offline, it is the
//! current version, and the page says which it shows. The print style sheet
//! (`@media print`) hides everything but the document. "Download DOCX"
//! links to the server's export of the same version in the interface
//! language. A need's consultations are counted, never named: the page
//! shows no identity of a consulted party, so it needs no masking.

use accord_shared::docs::items::{members, ordered, Items, Positioned};
use accord_shared::docs::{self, Assessment, Evaluation, Measure, Programme, Request};
use accord_shared::DocumentId;
use automerge::{Automerge, ChangeHash, ReadDoc};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use super::doc::{by_route_id, DocContext, DocumentGate};
use super::vocab::Vocabulary;
use crate::approvals;
use crate::format::date_time_rfc3339;
use crate::i18n::*;

/// `/doc/:id/print`.
#[component]
pub fn PrintPage() -> impl IntoView {
    by_route_id(|id| view! { <PrintDocument id /> }.into_any())
}

/// Which version the page shows.
#[derive(Debug, Clone, PartialEq)]
enum Target {
    /// Asking the server which version was approved.
    Asking,
    Approved {
        heads: Vec<ChangeHash>,
        by: String,
        at: String,
    },
    /// `?heads=`: this version, whatever it is.
    Named(Vec<ChangeHash>),
    /// Never approved, or the approvals could not be asked: the current version.
    Current { offline: bool },
    /// `?heads=` that names no version: why.
    Bad(String),
}

/// One paragraph of the printed document.
#[derive(Debug, Clone, PartialEq)]
enum Block {
    Heading(String),
    Sub(String),
    Field(String, String),
    Text(String),
    Item(String),
}

/// The parsed `?heads=`: `None` when absent.
fn asked_heads(raw: Option<String>) -> Option<Result<Vec<ChangeHash>, String>> {
    let raw = raw?;
    let mut heads = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match part.parse::<ChangeHash>() {
            Ok(h) => heads.push(h),
            Err(_) => return Some(Err(part.chars().take(80).collect())),
        }
    }
    if heads.is_empty() {
        return Some(Err(raw));
    }
    heads.sort();
    Some(Ok(heads))
}

#[component]
fn PrintDocument(id: DocumentId) -> impl IntoView {
    let i18n = use_i18n();
    let doc = DocContext::open(id).provide();
    let asked = use_query_map().with_untracked(|q| asked_heads(q.get("heads")));
    let target = RwSignal::new(Target::Asking);
    match asked {
        Some(Ok(heads)) => target.set(Target::Named(heads)),
        Some(Err(bad)) => target.set(Target::Bad(bad)),
        None => leptos::task::spawn_local(async move {
            let next = match approvals::list(id).await {
                Ok(listing) => match listing.latest {
                    Some(latest) => {
                        let mut heads: Vec<ChangeHash> = latest
                            .approval
                            .heads
                            .iter()
                            .filter_map(|h| h.parse().ok())
                            .collect();
                        heads.sort();
                        Target::Approved {
                            heads,
                            by: latest.approval.by,
                            at: latest.approval.at,
                        }
                    }
                    None => Target::Current { offline: false },
                },
                Err(_) => Target::Current { offline: true },
            };
            target.try_set(next);
        }),
    }

    // The document at the target version laid out, and its heads; `Err(true)`
    // while this device does not hold that version, `Err(false)` while unknown.
    let kind = doc.declared_kind();
    let version = Memo::new(move |_| {
        doc.view.version.track();
        let heads = match target.get() {
            Target::Approved { heads, .. } | Target::Named(heads) => Some(heads),
            Target::Current { .. } => None,
            Target::Asking | Target::Bad(_) => return Err(false),
        };
        let kind = kind.get();
        doc.draft.with_value(|h| {
            let Ok(mut draft) = h.try_borrow_mut() else {
                return Err(false);
            };
            let whole: &Automerge = draft.doc.document();
            let mut current = whole.get_heads();
            current.sort();
            let heads = heads.unwrap_or_else(|| current.clone());
            if heads.iter().any(|h| whole.get_change_by_hash(h).is_none()) {
                return Err(true);
            }
            let at = whole.fork_at(&heads).map_err(|_| true)?;
            let is_current = heads == current;
            Ok((blocks_of(i18n, kind.as_deref(), &at), heads, is_current))
        })
    });
    let blocks = Memo::new(move |_| version.get().ok().map(|(b, _, _)| b));
    let heads_text = Memo::new(move |_| match version.get() {
        Ok((_, heads, _)) => heads
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(","),
        Err(_) => String::new(),
    });
    let note = move || {
        let locale = i18n.get_locale().as_str().to_string();
        match target.get() {
            Target::Approved { by, at, .. } => fill(
                t_string!(i18n, print_version_approved),
                &[("name", by), ("date", date_time_rfc3339(&at, &locale))],
            ),
            Target::Named(_) => {
                if version.with(|v| matches!(v, Ok((_, _, true)))) {
                    t_string!(i18n, print_version_current).to_string()
                } else {
                    t_string!(i18n, print_version_earlier).to_string()
                }
            }
            Target::Current { offline: false } => {
                t_string!(i18n, print_version_current).to_string()
            }
            Target::Current { offline: true } => t_string!(i18n, print_version_offline).to_string(),
            Target::Asking => t_string!(i18n, print_loading).to_string(),
            Target::Bad(bad) => fill(t_string!(i18n, print_bad_heads), &[("heads", bad)]),
        }
    };
    let download = move || {
        let lang = i18n.get_locale().as_str().to_string();
        let heads = heads_text.get();
        if heads.is_empty() || matches!(target.get(), Target::Approved { .. }) {
            format!("/api/documents/{id}/export.docx?lang={lang}")
        } else {
            format!("/api/documents/{id}/export.docx?lang={lang}&heads={heads}")
        }
    };
    let print = move |_| {
        if let Some(w) = web_sys::window() {
            let _ = w.print();
        }
    };
    let title = move || {
        kind.get()
            .and_then(|k| k.parse::<accord_shared::policy::DocKind>().ok())
            .map(|k| super::kind_label(i18n, k))
            .unwrap_or_default()
    };

    view! {
        <div class="page print-page">
            <nav class="breadcrumbs print-page__tools" aria-label=t!(i18n, breadcrumbs_label)>
                <A href=format!("/doc/{id}")>{t!(i18n, print_back)}</A>
                <button type="button" class="button button--small button--primary" on:click=print>
                    {t!(i18n, print_print)}
                </button>
                <a class="button button--small" href=download download="">{t!(i18n, print_download)}</a>
            </nav>
            <DocumentGate doc>
                <article class="print-doc" aria-label=title>
                    <h1>{title}</h1>
                    <p class="print-doc__version">{note}</p>
                    {move || {
                        let heads = heads_text.get();
                        (!heads.is_empty()).then(|| view! {
                            <p class="print-doc__heads">{move || fill(t_string!(i18n, print_heads), &[("heads", heads.replace(',', ", "))])}</p>
                        })
                    }}
                    {move || match version.get() {
                        Err(true) => Some(view! { <p class="muted">{t!(i18n, print_missing)}</p> }.into_any()),
                        _ => None,
                    }}
                    {move || blocks.get().map(|list| list.into_iter().map(render).collect_view())}
                </article>
            </DocumentGate>
        </div>
    }
}

fn render(block: Block) -> AnyView {
    match block {
        Block::Heading(t) => view! { <h2 class="print-doc__section">{t}</h2> }.into_any(),
        Block::Sub(t) => view! { <h3>{t}</h3> }.into_any(),
        Block::Field(label, v) => {
            view! { <p class="print-doc__field"><strong>{label}": "</strong>{v}</p> }.into_any()
        }
        Block::Text(t) => view! { <p class="print-doc__text">{t}</p> }.into_any(),
        Block::Item(t) => view! { <p class="print-doc__item">{t}</p> }.into_any(),
    }
}

/// Builds the blocks of a document, skipping empty fields.
struct Writer {
    blocks: Vec<Block>,
    none: String,
}

impl Writer {
    fn heading(&mut self, t: impl std::fmt::Display) {
        self.blocks.push(Block::Heading(t.to_string()));
    }
    fn sub(&mut self, t: impl Into<String>) {
        let t = t.into();
        if !t.trim().is_empty() {
            self.blocks.push(Block::Sub(t));
        }
    }
    fn field(&mut self, label: impl std::fmt::Display, v: impl AsRef<str>) {
        let v = v.as_ref().trim();
        if !v.is_empty() {
            self.blocks
                .push(Block::Field(label.to_string(), v.to_string()));
        }
    }
    fn text(&mut self, v: &str) {
        if !v.trim().is_empty() {
            self.blocks.push(Block::Text(v.trim().to_string()));
        }
    }
    /// A section: its heading and text, or "—" when empty.
    fn section(&mut self, heading: impl std::fmt::Display, v: &str) {
        self.heading(heading);
        if v.trim().is_empty() {
            let none = self.none.clone();
            self.blocks.push(Block::Text(none));
        } else {
            self.text(v);
        }
    }
    fn item(&mut self, v: String) {
        if !v.trim().is_empty() {
            self.blocks.push(Block::Item(v));
        }
    }
}

fn records<T: Positioned>(items: &Items<T>) -> impl Iterator<Item = &T> {
    ordered(items).into_iter().map(|(_, v)| v)
}

fn joined(parts: &[&str], sep: &str) -> String {
    parts
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(sep)
}

fn blocks_of(i18n: I18nContext<Locale>, kind: Option<&str>, doc: &Automerge) -> Vec<Block> {
    let mut w = Writer {
        blocks: Vec::new(),
        none: "—".to_string(),
    };
    match kind {
        Some("request") => {
            if let Ok(r) = docs::open::<Request>(doc) {
                request(i18n, &mut w, &r);
            }
        }
        Some("assessment") => {
            if let Ok(a) = docs::open::<Assessment>(doc) {
                assessment(i18n, &mut w, &a);
            }
        }
        Some("programme") => {
            if let Ok(p) = docs::open::<Programme>(doc) {
                programme(i18n, &mut w, &p);
            }
        }
        Some("evaluation") => {
            if let Ok(e) = docs::open::<Evaluation>(doc) {
                evaluation(i18n, &mut w, &e);
            }
        }
        _ => w.text(t_string!(i18n, print_not_printable)),
    }
    w.blocks
}

fn request(i18n: I18nContext<Locale>, w: &mut Writer, r: &Request) {
    w.field(t_string!(i18n, request_status), r.status.label(i18n));
    w.field(t_string!(i18n, request_authority), r.authority.as_str());
    w.field(t_string!(i18n, request_received), &r.received);
    w.field(t_string!(i18n, request_channel), r.channel.label(i18n));
    w.field(t_string!(i18n, request_reference), r.reference.as_str());
    w.section(t_string!(i18n, request_scope), r.scope.as_str());
    w.heading(t_string!(i18n, request_recommendations));
    for rec in records(&r.recommendations) {
        w.item(joined(
            &[&rec.mechanism.label(i18n), &rec.symbol, &rec.paragraph],
            " ",
        ));
    }
}

fn assessment(i18n: I18nContext<Locale>, w: &mut Writer, a: &Assessment) {
    w.field(t_string!(i18n, assessment_status), a.status.label(i18n));
    w.field(t_string!(i18n, assessment_method), a.method.label(i18n));
    w.field(t_string!(i18n, assessment_mission_start), &a.mission_start);
    w.field(t_string!(i18n, assessment_mission_end), &a.mission_end);
    w.field(t_string!(i18n, assessment_team), a.team.as_str());
    w.section(
        t_string!(i18n, assessment_national_context),
        a.national_context.as_str(),
    );
    w.section(
        t_string!(i18n, assessment_legal_framework),
        a.legal_framework.as_str(),
    );
    w.section(
        t_string!(i18n, assessment_institutional_framework),
        a.institutional_framework.as_str(),
    );
    w.field(
        t_string!(i18n, assessment_nhri_status),
        a.nhri_status.label(i18n),
    );
    w.section(
        t_string!(i18n, assessment_data_evidence),
        a.data_evidence.as_str(),
    );
    w.section(
        t_string!(i18n, assessment_mechanism_review),
        a.mechanism_review.as_str(),
    );
    w.section(
        t_string!(i18n, assessment_causal_analysis),
        a.causal_analysis.as_str(),
    );
    w.section(
        t_string!(i18n, assessment_role_analysis),
        a.role_analysis.as_str(),
    );
    w.section(
        t_string!(i18n, assessment_capacity_gaps),
        a.capacity_gaps.as_str(),
    );
    w.section(t_string!(i18n, assessment_risks), a.risks.as_str());
    w.section(
        t_string!(i18n, assessment_gender_analysis),
        a.gender_analysis.as_str(),
    );
    w.section(
        t_string!(i18n, assessment_groups_left_behind),
        a.groups_left_behind.as_str(),
    );
    w.section(t_string!(i18n, assessment_coherence), a.coherence.as_str());
    w.section(
        t_string!(i18n, assessment_conclusions),
        a.conclusions.as_str(),
    );
    w.heading(t_string!(i18n, assessment_recommendations));
    for rec in records(&a.recommendations) {
        w.sub(joined(
            &[&rec.mechanism.label(i18n), &rec.symbol, &rec.paragraph],
            " ",
        ));
        w.text(rec.text.as_str());
        w.field(t_string!(i18n, mechrec_response), rec.response.label(i18n));
    }
    w.heading(t_string!(i18n, assessment_needs));
    for need in records(&a.needs) {
        w.sub(need.title.as_str().to_string());
        w.text(need.description.as_str());
        w.field(t_string!(i18n, need_type), need.need_type.label(i18n));
        w.field(t_string!(i18n, need_priority), need.priority.label(i18n));
        w.field(
            t_string!(i18n, need_government_position),
            need.government_position.label(i18n),
        );
        w.field(t_string!(i18n, need_lead), need.lead.label(i18n));
        w.field(t_string!(i18n, need_status), need.status.label(i18n));
        w.field(
            t_string!(i18n, need_duty_bearers),
            need.duty_bearers.as_str(),
        );
        let cited = members(&need.consultations).count();
        if cited > 0 {
            w.field(t_string!(i18n, need_consultations), cited.to_string());
        }
    }
}

fn measure(m: &Measure) -> String {
    joined(
        &[
            &m.value,
            &joined(&[&m.period, &m.date], " "),
            m.source.as_str(),
        ],
        " · ",
    )
}

fn programme(i18n: I18nContext<Locale>, w: &mut Writer, p: &Programme) {
    w.field(t_string!(i18n, programme_editor.title), p.title.as_str());
    w.field(
        t_string!(i18n, programme_editor.status),
        p.status.label(i18n),
    );
    w.field(t_string!(i18n, programme_editor.start), &p.start);
    w.field(t_string!(i18n, programme_editor.end), &p.end);
    w.field(t_string!(i18n, programme_editor.currency), &p.currency);
    w.section(t_string!(i18n, programme_editor.impact), p.impact.as_str());
    w.heading(t_string!(i18n, programme_editor.outcomes));
    for (n, outcome) in records(&p.outcomes).enumerate() {
        w.sub(format!(
            "{} {}. {}",
            t_string!(i18n, programme_editor.outcome_title),
            n + 1,
            outcome.title.as_str().trim()
        ));
        w.field(
            t_string!(i18n, programme_editor.assumptions),
            outcome.assumptions.as_str(),
        );
        for i in records(&outcome.indicators) {
            w.item(format!(
                "{}: {}",
                t_string!(i18n, programme_editor.indicator_title),
                i.title.as_str().trim()
            ));
            w.field(
                t_string!(i18n, programme_editor.baseline),
                measure(&i.baseline),
            );
        }
        for (m, output) in records(&outcome.outputs).enumerate() {
            w.sub(format!(
                "{} {}.{}. {}",
                t_string!(i18n, programme_editor.output_title),
                n + 1,
                m + 1,
                output.title.as_str().trim()
            ));
            for i in records(&output.indicators) {
                w.item(format!(
                    "{}: {}",
                    t_string!(i18n, programme_editor.indicator_title),
                    i.title.as_str().trim()
                ));
                w.field(
                    t_string!(i18n, programme_editor.baseline),
                    measure(&i.baseline),
                );
                let targets = records(&i.targets)
                    .map(measure)
                    .collect::<Vec<_>>()
                    .join("; ");
                w.field(t_string!(i18n, programme_editor.targets), targets);
            }
            for a in records(&output.activities) {
                w.item(format!(
                    "{}: {}",
                    t_string!(i18n, programme_editor.activity_title),
                    a.title.as_str().trim()
                ));
                w.field(
                    t_string!(i18n, programme_editor.activity_status),
                    a.status.label(i18n),
                );
                w.field(
                    t_string!(i18n, programme_editor.milestones),
                    a.milestones.as_str(),
                );
            }
        }
    }
    w.heading(t_string!(i18n, programme_editor.risks));
    for r in records(&p.risks) {
        w.item(r.description.as_str().trim().to_string());
        w.field(
            t_string!(i18n, programme_editor.likelihood),
            r.likelihood.label(i18n),
        );
        w.field(
            t_string!(i18n, programme_editor.risk_impact),
            r.impact.label(i18n),
        );
        w.field(
            t_string!(i18n, programme_editor.mitigation),
            r.mitigation.as_str(),
        );
    }
    w.heading(t_string!(i18n, programme_editor.budget));
    for b in records(&p.budget) {
        w.item(joined(
            &[
                &b.category.label(i18n),
                &b.year.to_string(),
                b.description.as_str(),
            ],
            " · ",
        ));
        let money = |m: &docs::items::Money| {
            if m.minor == 0 {
                String::new()
            } else {
                format!("{:.2} {}", m.units(), m.currency)
            }
        };
        w.field(t_string!(i18n, programme_editor.planned), money(&b.planned));
        w.field(
            t_string!(i18n, programme_editor.committed),
            money(&b.committed),
        );
        w.field(t_string!(i18n, programme_editor.spent), money(&b.spent));
    }
}

fn evaluation(i18n: I18nContext<Locale>, w: &mut Writer, e: &Evaluation) {
    w.field(t_string!(i18n, evaluation_editor.title), e.title.as_str());
    w.field(
        t_string!(i18n, evaluation_editor.status),
        e.status.label(i18n),
    );
    w.field(
        t_string!(i18n, evaluation_type),
        e.evaluation_type.label(i18n),
    );
    w.field(
        t_string!(i18n, evaluation_editor.independence),
        e.independence.label(i18n),
    );
    w.field(t_string!(i18n, evaluation_editor.start), &e.start);
    w.field(t_string!(i18n, evaluation_editor.end), &e.end);
    w.section(t_string!(i18n, evaluation_editor.scope), e.scope.as_str());
    w.section(
        t_string!(i18n, evaluation_editor.evaluators),
        e.evaluators.as_str(),
    );
    w.heading(t_string!(i18n, evaluation_editor.criteria));
    for (name, c) in [
        (
            t_string!(i18n, evaluation_editor.relevance).to_string(),
            &e.relevance,
        ),
        (
            t_string!(i18n, evaluation_editor.coherence).to_string(),
            &e.coherence,
        ),
        (
            t_string!(i18n, evaluation_editor.effectiveness).to_string(),
            &e.effectiveness,
        ),
        (
            t_string!(i18n, evaluation_editor.efficiency).to_string(),
            &e.efficiency,
        ),
        (
            t_string!(i18n, evaluation_editor.impact).to_string(),
            &e.impact,
        ),
        (
            t_string!(i18n, evaluation_editor.sustainability).to_string(),
            &e.sustainability,
        ),
    ] {
        w.sub(format!("{name} — {}", c.rating.label(i18n)));
        w.text(c.findings.as_str());
    }
    w.section(
        t_string!(i18n, evaluation_editor.lens),
        e.rights_gender_lens.as_str(),
    );
    w.heading(t_string!(i18n, evaluation_editor.findings));
    for f in records(&e.findings) {
        w.item(f.text.as_str().trim().to_string());
    }
    w.section(
        t_string!(i18n, evaluation_editor.conclusions),
        e.conclusions.as_str(),
    );
    w.section(
        t_string!(i18n, evaluation_editor.lessons),
        e.lessons.as_str(),
    );
    w.heading(t_string!(i18n, evaluation_editor.recommendations));
    for r in records(&e.recommendations) {
        w.sub(r.text.as_str().to_string());
        w.field(t_string!(i18n, evaluation_editor.addressee), &r.addressee);
        w.field(
            t_string!(i18n, evaluation_editor.priority),
            r.priority.label(i18n),
        );
        w.field(
            t_string!(i18n, evaluation_editor.response),
            r.response.label(i18n),
        );
        w.field(
            t_string!(i18n, evaluation_editor.justification),
            r.justification.as_str(),
        );
        for a in records(&r.actions) {
            w.item(joined(
                &[
                    a.description.as_str(),
                    &a.responsible,
                    &a.due,
                    &a.status.label(i18n),
                ],
                " · ",
            ));
        }
    }
    w.heading(t_string!(i18n, evaluation_editor.follow_up));
    w.field(
        t_string!(i18n, evaluation_editor.decision),
        e.follow_up.decision.label(i18n),
    );
    w.field(
        t_string!(i18n, evaluation_editor.sustainability_measures),
        e.follow_up.sustainability.as_str(),
    );
    w.field(
        t_string!(i18n, evaluation_editor.handover),
        e.follow_up.handover.as_str(),
    );
}
