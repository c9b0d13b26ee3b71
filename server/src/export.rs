//! Export of one version of a document for the archive, as DOCX.
//!
//! `GET /api/documents/{id}/export.docx?heads=<hex,hex>&lang=en|fr`: the
//! document as it was at those heads (by default the latest approval's,
//! else the current version), hydrated with the shared schema and written
//! section by section in schema order with `docx-rs`. Who may export is who
//! may read (`api::standing`); others get the same 404 as an unknown id.
//!
//! The server has no translation layer: the few headings it writes are in
//! [`WORDS`], one row per key with its English and French text.
//!
//! Confidential sources: of the exported kinds only the assessment names
//! consultation parties, through its needs' links to the consultations
//! register. A confidential party's identity is in the Parties document; a
//! reader not given it sees "Confidential source" (as `submissions.rs`
//! masks), a reader who may not read the register sees only how many
//! consultations a need cites, and a need's consultation submissions are
//! counted, never named. Requests, programmes and evaluations hold no
//! identities of consulted parties, so nothing in them is masked.

use std::collections::BTreeMap;
use std::io::Cursor;

use accord_shared::docs::items::{members, ordered, IdSet, Items, Positioned};
use accord_shared::docs::vocab::Confidentiality;
use accord_shared::docs::{
    self, Assessment, Consultations, Criterion, Engagement, Evaluation, Indicator, Measure,
    Parties, Programme, Request,
};
use accord_shared::policy::DocKind;
use accord_shared::DocumentId;
use automerge::{AutoCommit, ChangeHash};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use docx_rs::{Docx, Paragraph, Run, Style, StyleType};
use serde::Deserialize;

use crate::api::{bad_request, readable, standing, storage_failed, AppError, CurrentUser};
use crate::approvals::{approvals_of, load, Approval, APPROVABLE};
use crate::audit;
use crate::auth::User;
use crate::engagements::{read_as, rfc3339, today_utc};
use crate::storage::Store;
use crate::web::AppState;

/// The most heads a version is named by (as approvals accept).
const MAX_HEADS: usize = 64;

pub fn router() -> Router<AppState> {
    Router::new().route("/documents/{id}/export.docx", get(export_docx))
}

// ------------------------------------------------------------------ words

/// An interface language the export is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Fr,
}

impl Lang {
    fn parse(code: Option<&str>) -> Result<Self, AppError> {
        match code.map(str::trim).unwrap_or("") {
            "" | "en" => Ok(Lang::En),
            "fr" => Ok(Lang::Fr),
            other => Err(bad_request(format!(
                "Unknown language {:?}; the export is written in en or fr.",
                other.chars().take(20).collect::<String>()
            ))),
        }
    }
}

/// Every heading and phrase the export writes: key, English, French.
const WORDS: &[(&str, &str, &str)] = &[
    ("request", "Request for assistance", "Demande d’assistance"),
    ("assessment", "Needs assessment", "Évaluation des besoins"),
    (
        "programme",
        "Assistance programme",
        "Programme d’assistance",
    ),
    ("evaluation", "Evaluation", "Évaluation"),
    (
        "approved",
        "Version: approved by {by} on {date}",
        "Version : approuvée par {by} le {date}",
    ),
    (
        "current",
        "Current version (not approved)",
        "Version actuelle (non approuvée)",
    ),
    (
        "earlier",
        "Earlier version (not approved)",
        "Version antérieure (non approuvée)",
    ),
    ("heads", "Heads", "Têtes"),
    ("exported", "Exported on {date}", "Exporté le {date}"),
    (
        "confidential_source",
        "Confidential source",
        "Source confidentielle",
    ),
    (
        "consultations_count",
        "{n} consultation(s) cited",
        "{n} consultation(s) citée(s)",
    ),
    (
        "submissions_count",
        "{n} consultation submission(s)",
        "{n} contribution(s) à la consultation",
    ),
    ("none", "—", "—"),
    ("classification", "Classification", "Classification"),
    ("status", "Status", "Statut"),
    ("authority", "Requesting authority", "Autorité requérante"),
    ("received", "Date received", "Date de réception"),
    ("channel", "Channel", "Voie"),
    ("reference", "Reference", "Référence"),
    ("scope", "Scope", "Portée"),
    ("recommendations", "Recommendations", "Recommandations"),
    ("method", "Method", "Méthode"),
    ("mission", "Mission dates", "Dates de la mission"),
    ("team", "Team", "Équipe"),
    ("national_context", "National context", "Contexte national"),
    ("legal_framework", "Legal framework", "Cadre juridique"),
    (
        "institutional_framework",
        "Institutional framework",
        "Cadre institutionnel",
    ),
    ("nhri_status", "NHRI status", "Statut de l’INDH"),
    (
        "data_evidence",
        "Data and evidence",
        "Données et éléments de preuve",
    ),
    (
        "mechanism_review",
        "Review of mechanism recommendations",
        "Examen des recommandations des mécanismes",
    ),
    ("causal_analysis", "Causal analysis", "Analyse causale"),
    ("role_analysis", "Role analysis", "Analyse des rôles"),
    ("capacity_gaps", "Capacity gaps", "Lacunes de capacités"),
    ("risks", "Risks", "Risques"),
    ("gender_analysis", "Gender analysis", "Analyse de genre"),
    (
        "groups_left_behind",
        "Groups left behind",
        "Groupes laissés pour compte",
    ),
    ("coherence", "Coherence", "Cohérence"),
    ("conclusions", "Conclusions", "Conclusions"),
    (
        "mechanism_recommendations",
        "Mechanism recommendations",
        "Recommandations des mécanismes",
    ),
    ("response", "State response", "Réponse de l’État"),
    ("needs", "Needs", "Besoins"),
    ("need_type", "Type", "Type"),
    ("priority", "Priority", "Priorité"),
    (
        "government_position",
        "Government position",
        "Position du gouvernement",
    ),
    ("lead", "Lead", "Chef de file"),
    ("duty_bearers", "Duty-bearers", "Débiteurs d’obligations"),
    ("consultations", "Consultations", "Consultations"),
    ("title", "Title", "Titre"),
    ("period", "Period", "Période"),
    ("currency", "Currency", "Monnaie"),
    ("impact", "Impact", "Impact"),
    ("outcomes", "Outcomes", "Effets"),
    ("outcome", "Outcome", "Effet"),
    ("assumptions", "Assumptions", "Hypothèses"),
    ("outputs", "Outputs", "Produits"),
    ("output", "Output", "Produit"),
    ("indicator", "Indicator", "Indicateur"),
    ("baseline", "Baseline", "Niveau de référence"),
    ("targets", "Targets", "Cibles"),
    ("actuals", "Actuals", "Réalisations"),
    (
        "verification",
        "Means of verification",
        "Moyens de vérification",
    ),
    ("activity", "Activity", "Activité"),
    ("milestones", "Milestones", "Jalons"),
    ("likelihood", "Likelihood", "Probabilité"),
    ("mitigation", "Mitigation", "Atténuation"),
    ("owner", "Owner", "Responsable"),
    ("budget", "Budget", "Budget"),
    ("planned", "Planned", "Prévu"),
    ("committed", "Committed", "Engagé"),
    ("spent", "Spent", "Dépensé"),
    ("evaluation_type", "Type of evaluation", "Type d’évaluation"),
    ("independence", "Independence", "Indépendance"),
    ("evaluators", "Evaluators", "Évaluateurs"),
    ("criteria", "Criteria (OECD-DAC)", "Critères (CAD-OCDE)"),
    ("relevance", "Relevance", "Pertinence"),
    ("effectiveness", "Effectiveness", "Efficacité"),
    ("efficiency", "Efficiency", "Efficience"),
    ("sustainability", "Sustainability", "Durabilité"),
    ("rating", "Rating", "Notation"),
    (
        "rights_gender_lens",
        "Human rights and gender lens",
        "Perspective des droits humains et du genre",
    ),
    ("findings", "Findings", "Constatations"),
    ("lessons", "Lessons", "Enseignements"),
    ("addressee", "Addressee", "Destinataire"),
    (
        "management_response",
        "Management response",
        "Réponse de la direction",
    ),
    ("justification", "Justification", "Justification"),
    ("actions", "Actions", "Actions"),
    ("due", "Due", "Échéance"),
    ("evidence", "Evidence", "Éléments de preuve"),
    ("follow_up", "Follow-up plan", "Plan de suivi"),
    ("decision", "Decision", "Décision"),
    ("needs_carried", "Needs carried forward", "Besoins reportés"),
    ("handover", "Hand-over", "Passation"),
];

/// The phrase for `key` in `lang` (the key itself if the table lacks it,
/// which the tests rule out).
fn word(lang: Lang, key: &str) -> &'static str {
    WORDS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, en, fr)| match lang {
            Lang::En => *en,
            Lang::Fr => *fr,
        })
        .unwrap_or_else(|| {
            debug_assert!(false, "no words for {key}");
            "?"
        })
}

/// A stored identifier as words: `field_presence` → "Field presence".
fn value(id: &str) -> String {
    let words = id.replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

// ------------------------------------------------------------------ blocks

/// One paragraph of the archive document, before it becomes DOCX.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Title(String),
    /// Version, heads, export date: small print under the title.
    Note(String),
    /// A section of the document.
    Heading(String),
    /// A record within a section (a need, an outcome…).
    Subheading(String),
    /// `label: value` on one line.
    Field(String, String),
    /// Free text, one paragraph per line.
    Text(String),
    /// An item of a list.
    Item(String),
}

/// What a reader may learn of the consultations an assessment's needs cite.
#[derive(Default)]
pub struct Sources {
    /// Whether the reader receives the consultations register at all.
    pub register_readable: bool,
    /// Consultation id → its name as this reader may see it.
    pub names: BTreeMap<String, String>,
}

impl Sources {
    /// Names each consultation of the register, masking a confidential
    /// party's identity unless `parties` (given only to readers of the
    /// Parties document) says who it is.
    pub fn from_register(lang: Lang, register: &Consultations, parties: Option<&Parties>) -> Self {
        let names = register
            .consultations
            .iter()
            .map(|(id, c)| {
                let party = if c.confidentiality == Confidentiality::Confidential {
                    parties
                        .and_then(|p| p.parties.get(id))
                        .map(|p| {
                            [p.name.as_str().trim(), p.organisation.as_str().trim()]
                                .into_iter()
                                .filter(|s| !s.is_empty())
                                .collect::<Vec<_>>()
                                .join(", ")
                        })
                        .filter(|s| !s.is_empty())
                        .unwrap_or_else(|| word(lang, "confidential_source").to_owned())
                } else {
                    c.party.as_str().trim().to_owned()
                };
                let name = [
                    c.date.trim().to_owned(),
                    value(c.party_type.as_str()),
                    party,
                ]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" · ");
                (id.clone(), name)
            })
            .collect();
        Sources {
            register_readable: true,
            names,
        }
    }
}

/// Builds the blocks of a document, skipping empty fields.
struct Writer {
    lang: Lang,
    blocks: Vec<Block>,
}

impl Writer {
    fn w(&self, key: &str) -> &'static str {
        word(self.lang, key)
    }

    fn heading(&mut self, key: &str) {
        self.blocks.push(Block::Heading(self.w(key).to_owned()));
    }

    fn sub(&mut self, text: String) {
        self.blocks.push(Block::Subheading(text));
    }

    fn field(&mut self, key: &str, v: impl AsRef<str>) {
        let v = v.as_ref().trim();
        if !v.is_empty() {
            self.blocks
                .push(Block::Field(self.w(key).to_owned(), v.to_owned()));
        }
    }

    fn text(&mut self, v: &str) {
        if !v.trim().is_empty() {
            self.blocks.push(Block::Text(v.trim().to_owned()));
        }
    }

    /// A section: its heading and its text, or "—" when empty.
    fn section(&mut self, key: &str, v: &str) {
        self.heading(key);
        if v.trim().is_empty() {
            self.blocks.push(Block::Text(self.w("none").to_owned()));
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

fn dates(start: &str, end: &str) -> String {
    match (start.trim(), end.trim()) {
        ("", "") => String::new(),
        (s, "") => s.to_owned(),
        ("", e) => format!("– {e}"),
        (s, e) => format!("{s} – {e}"),
    }
}

fn request_blocks(w: &mut Writer, r: &Request) {
    w.field("classification", value(r.classification.as_str()));
    w.field("status", value(r.status.as_str()));
    w.field("authority", r.authority.as_str());
    w.field("received", &r.received);
    w.field("channel", value(r.channel.as_str()));
    w.field("reference", r.reference.as_str());
    w.section("scope", r.scope.as_str());
    w.heading("recommendations");
    for rec in records(&r.recommendations) {
        w.item(
            [
                value(rec.mechanism.as_str()),
                rec.symbol.clone(),
                paragraph(&rec.paragraph),
            ]
            .into_iter()
            .filter(|s| !s.trim().is_empty())
            .collect::<Vec<_>>()
            .join(" "),
        );
    }
}

fn paragraph(p: &str) -> String {
    if p.trim().is_empty() {
        String::new()
    } else {
        format!("¶{}", p.trim())
    }
}

fn assessment_blocks(w: &mut Writer, a: &Assessment, sources: &Sources) {
    w.field("classification", value(a.classification.as_str()));
    w.field("status", value(a.status.as_str()));
    w.field("method", value(a.method.as_str()));
    w.field("mission", dates(&a.mission_start, &a.mission_end));
    w.field("team", a.team.as_str());
    w.section("national_context", a.national_context.as_str());
    w.section("legal_framework", a.legal_framework.as_str());
    w.section(
        "institutional_framework",
        a.institutional_framework.as_str(),
    );
    w.field("nhri_status", value(a.nhri_status.as_str()));
    w.section("data_evidence", a.data_evidence.as_str());
    w.section("mechanism_review", a.mechanism_review.as_str());
    w.section("causal_analysis", a.causal_analysis.as_str());
    w.section("role_analysis", a.role_analysis.as_str());
    w.section("capacity_gaps", a.capacity_gaps.as_str());
    w.section("risks", a.risks.as_str());
    w.section("gender_analysis", a.gender_analysis.as_str());
    w.section("groups_left_behind", a.groups_left_behind.as_str());
    w.section("coherence", a.coherence.as_str());
    w.section("conclusions", a.conclusions.as_str());

    w.heading("mechanism_recommendations");
    let mut rec_names = BTreeMap::new();
    for (id, rec) in ordered(&a.recommendations) {
        let name = [
            value(rec.mechanism.as_str()),
            rec.symbol.trim().to_owned(),
            paragraph(&rec.paragraph),
        ]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
        rec_names.insert(id.to_owned(), name.clone());
        w.sub(name);
        w.text(rec.text.as_str());
        w.field("response", value(rec.response.as_str()));
    }

    w.heading("needs");
    for need in records(&a.needs) {
        w.sub(need.title.as_str().trim().to_owned());
        w.text(need.description.as_str());
        w.field("need_type", value(need.need_type.as_str()));
        w.field("priority", value(need.priority.as_str()));
        w.field(
            "government_position",
            value(need.government_position.as_str()),
        );
        w.field("lead", value(need.lead.as_str()));
        w.field("status", value(need.status.as_str()));
        w.field("duty_bearers", need.duty_bearers.as_str());
        let recs = linked(&need.recommendations, &rec_names);
        w.field("recommendations", recs.join("; "));
        let cited: Vec<&str> = members(&need.consultations).collect();
        if sources.register_readable {
            let names = linked(&need.consultations, &sources.names);
            w.field("consultations", names.join("; "));
        } else if !cited.is_empty() {
            w.field(
                "consultations",
                w.w("consultations_count")
                    .replace("{n}", &cited.len().to_string()),
            );
        }
        // Submissions are named by their author only in the server's
        // records, which the export never reads: a count, never a source.
        let submissions = members(&need.submissions).count();
        if submissions > 0 {
            w.item(
                w.w("submissions_count")
                    .replace("{n}", &submissions.to_string()),
            );
        }
    }
}

/// The names of the linked ids that still exist, in the set's order.
fn linked(set: &IdSet, names: &BTreeMap<String, String>) -> Vec<String> {
    members(set)
        .filter_map(|id| names.get(id).cloned())
        .collect()
}

fn measure(m: &Measure) -> String {
    [
        m.value.trim().to_owned(),
        [m.period.trim(), m.date.trim()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" "),
        m.source.as_str().trim().to_owned(),
    ]
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(" · ")
}

fn indicator_blocks(w: &mut Writer, i: &Indicator) {
    w.item(format!(
        "{}: {}",
        w.w("indicator"),
        [i.title.as_str().trim(), i.unit.trim()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" — ")
    ));
    w.field("baseline", measure(&i.baseline));
    let list = |items: &Items<Measure>| {
        records(items)
            .map(measure)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("; ")
    };
    w.field("targets", list(&i.targets));
    w.field("actuals", list(&i.actuals));
    w.field("verification", i.verification.as_str());
}

fn money(m: &docs::items::Money) -> String {
    if m.minor == 0 && m.currency.is_empty() {
        String::new()
    } else {
        format!("{:.2} {}", m.units(), m.currency)
    }
}

fn programme_blocks(w: &mut Writer, p: &Programme) {
    w.field("title", p.title.as_str());
    w.field("classification", value(p.classification.as_str()));
    w.field("status", value(p.status.as_str()));
    w.field("period", dates(&p.start, &p.end));
    w.field("currency", &p.currency);
    w.section("impact", p.impact.as_str());
    w.heading("outcomes");
    for (n, outcome) in records(&p.outcomes).enumerate() {
        w.sub(format!(
            "{} {}. {}",
            w.w("outcome"),
            n + 1,
            outcome.title.as_str().trim()
        ));
        w.field("assumptions", outcome.assumptions.as_str());
        for i in records(&outcome.indicators) {
            indicator_blocks(w, i);
        }
        for (m, output) in records(&outcome.outputs).enumerate() {
            w.sub(format!(
                "{} {}.{}. {}",
                w.w("output"),
                n + 1,
                m + 1,
                output.title.as_str().trim()
            ));
            for i in records(&output.indicators) {
                indicator_blocks(w, i);
            }
            for a in records(&output.activities) {
                w.item(format!("{}: {}", w.w("activity"), a.title.as_str().trim()));
                w.field("period", dates(&a.start, &a.end));
                w.field("status", value(a.status.as_str()));
                w.field("milestones", a.milestones.as_str());
            }
        }
    }
    w.heading("risks");
    for r in records(&p.risks) {
        w.item(r.description.as_str().trim().to_owned());
        w.field("likelihood", value(r.likelihood.as_str()));
        w.field("impact", value(r.impact.as_str()));
        w.field("mitigation", r.mitigation.as_str());
        w.field("owner", &r.owner);
    }
    w.heading("budget");
    for b in records(&p.budget) {
        w.item(
            [
                value(b.category.as_str()),
                b.year.to_string(),
                value(b.source.as_str()),
                b.description.as_str().trim().to_owned(),
            ]
            .into_iter()
            .filter(|s| !s.is_empty() && s != "0")
            .collect::<Vec<_>>()
            .join(" · "),
        );
        w.field("planned", money(&b.planned));
        w.field("committed", money(&b.committed));
        w.field("spent", money(&b.spent));
    }
}

fn evaluation_blocks(w: &mut Writer, e: &Evaluation) {
    w.field("title", e.title.as_str());
    w.field("classification", value(e.classification.as_str()));
    w.field("status", value(e.status.as_str()));
    w.field("evaluation_type", value(e.evaluation_type.as_str()));
    w.field("independence", value(e.independence.as_str()));
    w.field("period", dates(&e.start, &e.end));
    w.section("scope", e.scope.as_str());
    w.section("evaluators", e.evaluators.as_str());
    w.heading("criteria");
    let criteria: [(&str, &Criterion); 6] = [
        ("relevance", &e.relevance),
        ("coherence", &e.coherence),
        ("effectiveness", &e.effectiveness),
        ("efficiency", &e.efficiency),
        ("impact", &e.impact),
        ("sustainability", &e.sustainability),
    ];
    for (key, c) in criteria {
        w.sub(w.w(key).to_owned());
        w.field("rating", value(c.rating.as_str()));
        w.text(c.findings.as_str());
    }
    w.section("rights_gender_lens", e.rights_gender_lens.as_str());
    w.heading("findings");
    for f in records(&e.findings) {
        w.item(f.text.as_str().trim().to_owned());
    }
    w.section("conclusions", e.conclusions.as_str());
    w.section("lessons", e.lessons.as_str());
    w.heading("recommendations");
    for r in records(&e.recommendations) {
        w.sub(r.text.as_str().trim().to_owned());
        w.field("addressee", &r.addressee);
        w.field("priority", value(r.priority.as_str()));
        w.field("management_response", value(r.response.as_str()));
        w.field("justification", r.justification.as_str());
        for a in records(&r.actions) {
            w.item(
                [
                    a.description.as_str().trim().to_owned(),
                    a.responsible.trim().to_owned(),
                    a.due.trim().to_owned(),
                    value(a.status.as_str()),
                ]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" · "),
            );
        }
    }
    w.heading("follow_up");
    w.field("decision", value(e.follow_up.decision.as_str()));
    w.field(
        "needs_carried",
        members(&e.follow_up.needs_carried).count().to_string(),
    );
    w.field("sustainability", e.follow_up.sustainability.as_str());
    w.field("handover", e.follow_up.handover.as_str());
}

/// `2027-03-04 09:30 UTC`.
fn when(at: i64) -> String {
    let t = rfc3339(at);
    match (t.get(..10), t.get(11..16)) {
        (Some(date), Some(time)) => format!("{date} {time} UTC"),
        _ => t,
    }
}

/// Which version is exported, as its note under the title says.
pub enum Version<'a> {
    Approved { by: &'a str, at: i64 },
    Current,
    Earlier,
}

/// The document at a version, read as its kind and laid out as blocks:
/// title, version, heads, then each section in schema order.
pub fn blocks(
    lang: Lang,
    kind: DocKind,
    doc: &AutoCommit,
    heading: &str,
    version: Version<'_>,
    heads: &[ChangeHash],
    sources: &Sources,
) -> Result<Vec<Block>, String> {
    let mut w = Writer {
        lang,
        blocks: Vec::new(),
    };
    w.blocks.push(Block::Title(heading.to_owned()));
    let note = match version {
        Version::Approved { by, at } => w
            .w("approved")
            .replace("{by}", by)
            .replace("{date}", &when(at)),
        Version::Current => w.w("current").to_owned(),
        Version::Earlier => w.w("earlier").to_owned(),
    };
    w.blocks.push(Block::Note(note));
    w.blocks.push(Block::Note(format!(
        "{}: {}",
        w.w("heads"),
        heads
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    )));
    w.blocks
        .push(Block::Note(w.w("exported").replace("{date}", &today_utc())));
    match kind {
        DocKind::Request => request_blocks(
            &mut w,
            &docs::open::<Request>(doc).map_err(|e| e.to_string())?,
        ),
        DocKind::Assessment => assessment_blocks(
            &mut w,
            &docs::open::<Assessment>(doc).map_err(|e| e.to_string())?,
            sources,
        ),
        DocKind::Programme => programme_blocks(
            &mut w,
            &docs::open::<Programme>(doc).map_err(|e| e.to_string())?,
        ),
        DocKind::Evaluation => evaluation_blocks(
            &mut w,
            &docs::open::<Evaluation>(doc).map_err(|e| e.to_string())?,
        ),
        // The handler refuses every other kind before reading the document.
        _ => {}
    }
    Ok(w.blocks)
}

/// The blocks as a DOCX package (Title and Heading styles, so a word
/// processor shows the sections in its outline).
pub fn docx(blocks: &[Block]) -> Result<Vec<u8>, String> {
    let mut doc = Docx::new()
        .add_style(
            Style::new("Title", StyleType::Paragraph)
                .name("Title")
                .size(36)
                .bold(),
        )
        .add_style(
            Style::new("Heading1", StyleType::Paragraph)
                .name("Heading 1")
                .size(28)
                .bold()
                .outline_lvl(0),
        )
        .add_style(
            Style::new("Heading2", StyleType::Paragraph)
                .name("Heading 2")
                .size(24)
                .bold()
                .outline_lvl(1),
        );
    let plain = |text: &str| Paragraph::new().add_run(Run::new().add_text(text));
    for block in blocks {
        match block {
            Block::Title(t) => doc = doc.add_paragraph(plain(t).style("Title")),
            Block::Note(t) => {
                doc = doc.add_paragraph(
                    Paragraph::new().add_run(Run::new().add_text(t).italic().size(18)),
                )
            }
            Block::Heading(t) => doc = doc.add_paragraph(plain(t).style("Heading1")),
            Block::Subheading(t) => doc = doc.add_paragraph(plain(t).style("Heading2")),
            Block::Field(label, v) => {
                doc = doc.add_paragraph(
                    Paragraph::new()
                        .add_run(Run::new().add_text(format!("{label}: ")).bold())
                        .add_run(Run::new().add_text(v)),
                )
            }
            Block::Text(t) => {
                for line in t.lines() {
                    doc = doc.add_paragraph(plain(line));
                }
            }
            Block::Item(t) => doc = doc.add_paragraph(plain(&format!("• {t}"))),
        }
    }
    let mut out = Cursor::new(Vec::new());
    doc.build().pack(&mut out).map_err(|e| e.to_string())?;
    Ok(out.into_inner())
}

// ------------------------------------------------------------------ handler

#[derive(Deserialize)]
struct ExportQuery {
    heads: Option<String>,
    lang: Option<String>,
}

/// The hashes of a `heads` parameter, sorted; a clear 400 for anything else.
fn parse_heads(text: &str) -> Result<Vec<ChangeHash>, AppError> {
    let parts: Vec<&str> = text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if parts.is_empty() || parts.len() > MAX_HEADS {
        return Err(bad_request(format!(
            "heads names the version to export: 1 to {MAX_HEADS} change hashes separated by commas."
        )));
    }
    let mut heads = Vec::with_capacity(parts.len());
    for h in parts {
        heads.push(h.parse::<ChangeHash>().map_err(|_| {
            bad_request(format!(
                "heads: {:?} is not a change hash (64 hexadecimal digits).",
                h.chars().take(80).collect::<String>()
            ))
        })?);
    }
    heads.sort();
    heads.dedup();
    Ok(heads)
}

/// The names of the consultations an assessment cites, as this reader may
/// see them; whether identities from the Parties document were included.
async fn sources_for(
    store: &Store,
    user: &User,
    lang: Lang,
    engagement: Option<&Engagement>,
) -> Result<(Sources, bool), AppError> {
    let Some(links) = engagement.map(|e| &e.documents) else {
        return Ok((Sources::default(), false));
    };
    let Ok(register_id) = DocumentId::parse_url_or_id(&links.consultations) else {
        return Ok((Sources::default(), false));
    };
    if standing(store, user, register_id).await?.is_none() {
        return Ok((Sources::default(), false));
    }
    let Some(register) = read_as::<Consultations>(store, register_id).await else {
        return Ok((Sources::default(), false));
    };
    let parties = match DocumentId::parse_url_or_id(&links.parties) {
        Ok(id) if standing(store, user, id).await?.is_some() => read_as::<Parties>(store, id).await,
        _ => None,
    };
    let named = parties.as_ref().is_some_and(|p| {
        register.consultations.iter().any(|(id, c)| {
            c.confidentiality == Confidentiality::Confidential && p.parties.contains_key(id)
        })
    });
    Ok((
        Sources::from_register(lang, &register, parties.as_ref()),
        named,
    ))
}

/// `GET /api/documents/{id}/export.docx`: one version of a request,
/// assessment, programme or evaluation as a DOCX file.
async fn export_docx(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    query: Result<Query<ExportQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let Query(query) = query.map_err(|e| {
        bad_request(format!(
            "The export's parameters are not what was expected: {}",
            e.body_text()
        ))
    })?;
    let (id, s) = readable(&state.store, &user, &id).await?;
    let kind = s.governance.kind;
    if !APPROVABLE.contains(&kind) {
        return Err(bad_request(format!(
            "A {} is not exported; requests, assessments, programmes and evaluations are.",
            kind.as_str()
        )));
    }
    let lang = Lang::parse(query.lang.as_deref())?;
    let asked = query.heads.as_deref().map(parse_heads).transpose()?;

    let mut doc = load(&state.store, id).await?;
    let approvals = approvals_of(&state.store, id).await?;
    let current = {
        let mut h = doc.get_heads();
        h.sort();
        h
    };
    let heads = match (&asked, approvals.first()) {
        (Some(heads), _) => heads.clone(),
        (None, Some(latest)) => {
            let mut h = latest.heads.clone();
            h.sort();
            h
        }
        (None, None) => current.clone(),
    };
    if let Some(missing) = heads.iter().find(|h| doc.get_change_by_hash(h).is_none()) {
        return Err(bad_request(format!(
            "heads: the server has no version {missing} of this document."
        )));
    }
    let approved: Option<&Approval> = approvals.iter().find(|a| {
        let mut h = a.heads.clone();
        h.sort();
        h == heads
    });
    let version = match approved {
        Some(a) => Version::Approved {
            by: &a.by,
            at: a.at,
        },
        None if heads == current => Version::Current,
        None => Version::Earlier,
    };
    let at_version = doc.fork_at(&heads).map_err(|e| {
        bad_request(format!(
            "heads: this document has no version made of those changes ({e})."
        ))
    })?;

    let engagement = read_as::<Engagement>(&state.store, s.governance.engagement).await;
    let (sources, named) = if kind == DocKind::Assessment {
        sources_for(&state.store, &user, lang, engagement.as_ref()).await?
    } else {
        (Sources::default(), false)
    };
    let heading = {
        let kind_name = word(lang, kind.as_str());
        match engagement.as_ref() {
            Some(e) if !e.title.as_str().trim().is_empty() => {
                format!("{kind_name} — {} ({})", e.title.as_str().trim(), e.country)
            }
            _ => kind_name.to_owned(),
        }
    };
    let blocks = blocks(lang, kind, &at_version, &heading, version, &heads, &sources).map_err(|e| {
        tracing::error!(doc = %id, error = %e, "a document version could not be read for export");
        AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("This version of the document does not match its schema, so it cannot be exported: {e}"),
        )
    })?;
    let bytes = docx(&blocks).map_err(|e| {
        tracing::error!(doc = %id, error = %e, "writing a DOCX failed");
        AppError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The export could not be written; try again.",
        )
    })?;

    let heads_text = heads
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",");
    audit::record(
        &state.store,
        "exported",
        &user.email,
        &format!("{} {id} at heads {heads_text} as docx", kind.as_str()),
    )
    .await
    .map_err(storage_failed)?;
    if named {
        // The export carries confidential parties' identities: a read of the parties.
        audit::record(
            &state.store,
            "parties_read",
            &user.email,
            &format!("in the export of {} {id}", kind.as_str()),
        )
        .await
        .map_err(storage_failed)?;
    }
    let date = match approved {
        Some(a) => rfc3339(a.at).chars().take(10).collect(),
        None => today_utc(),
    };
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                    .to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}-{date}.docx\"", kind.as_str()),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use accord_shared::docs::{Consultation, Need, Party};

    #[test]
    fn every_phrase_has_english_and_french_once() {
        let mut keys: Vec<&str> = WORDS.iter().map(|(k, _, _)| *k).collect();
        keys.sort();
        let before = keys.len();
        keys.dedup();
        assert_eq!(before, keys.len(), "a key twice in WORDS");
        assert!(WORDS
            .iter()
            .all(|(_, en, fr)| !en.is_empty() && !fr.is_empty()));
    }

    fn assessment_doc() -> (AutoCommit, Consultations, Parties) {
        let mut register = Consultations::default();
        let mut parties = Parties::default();
        let open = docs::items::push(
            &mut register.consultations,
            Consultation {
                party: "Ligue des droits".into(),
                date: "2027-01-02".into(),
                ..Consultation::default()
            },
        );
        let secret = docs::items::push(
            &mut register.consultations,
            Consultation {
                party: "SRC-7".into(),
                confidentiality: Confidentiality::Confidential,
                ..Consultation::default()
            },
        );
        parties.parties.insert(
            secret.clone(),
            Party {
                name: "Kofi Mensah".into(),
                ..Party::default()
            },
        );
        let mut a = Assessment {
            conclusions: "Reform the code.".into(),
            ..Assessment::default()
        };
        let need = Need {
            title: "Legal aid".into(),
            consultations: [(open, true), (secret, true)].into_iter().collect(),
            ..Need::default()
        };
        docs::items::push(&mut a.needs, need);
        let mut doc = AutoCommit::new();
        docs::create(&mut doc, a).unwrap();
        (doc, register, parties)
    }

    fn text(blocks: &[Block]) -> String {
        format!("{blocks:?}")
    }

    #[test]
    fn a_confidential_party_is_named_only_to_readers_of_the_parties() {
        let (mut doc, register, parties) = assessment_doc();
        let heads = doc.get_heads();
        let render = |sources: &Sources| {
            text(
                &blocks(
                    Lang::En,
                    DocKind::Assessment,
                    &doc,
                    "Needs assessment",
                    Version::Current,
                    &heads,
                    sources,
                )
                .unwrap(),
            )
        };
        let masked = render(&Sources::from_register(Lang::En, &register, None));
        assert!(masked.contains("Ligue des droits"), "{masked}");
        assert!(masked.contains("Confidential source"), "{masked}");
        assert!(
            !masked.contains("Kofi") && !masked.contains("SRC-7"),
            "{masked}"
        );
        let granted = render(&Sources::from_register(Lang::En, &register, Some(&parties)));
        assert!(granted.contains("Kofi Mensah"), "{granted}");
        let government = render(&Sources::default());
        assert!(
            government.contains("2 consultation(s) cited"),
            "{government}"
        );
        assert!(!government.contains("Ligue"), "{government}");
    }

    #[test]
    fn headings_follow_the_language_and_the_package_is_a_docx() {
        let (mut doc, _, _) = assessment_doc();
        let heads = doc.get_heads();
        let fr = blocks(
            Lang::Fr,
            DocKind::Assessment,
            &doc,
            "Évaluation des besoins",
            Version::Approved { by: "Sofia", at: 0 },
            &heads,
            &Sources::default(),
        )
        .unwrap();
        assert!(fr.contains(&Block::Heading("Contexte national".into())));
        assert!(fr.contains(&Block::Note(
            "Version : approuvée par Sofia le 1970-01-01 00:00 UTC".into()
        )));
        assert!(fr.contains(&Block::Text("Reform the code.".into())));
        let bytes = docx(&fr).unwrap();
        assert_eq!(&bytes[..2], b"PK", "a ZIP package");
    }

    #[test]
    fn bad_heads_and_languages_are_refused_with_a_reason() {
        assert!(parse_heads("").is_err());
        assert!(parse_heads("zz").is_err());
        assert_eq!(
            parse_heads(&format!("{0},{0}", "ab".repeat(32)))
                .unwrap()
                .len(),
            1
        );
        assert!(Lang::parse(Some("de")).is_err());
        assert_eq!(Lang::parse(None).unwrap(), Lang::En);
    }
}
