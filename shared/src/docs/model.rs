//! The documents of the technical cooperation cycle (product.md, "Documents").
//!
//! Every field is optional in storage: a document written before a field was
//! added hydrates with the field's default, and the first edit writes it.
//! Free text is Automerge `Text`, so concurrent typing merges by character;
//! collections are [`Items`] (maps by id with a position) and [`IdSet`]s.

use autosurgeon::Text;

use super::items::{IdSet, Items, Money};
use super::vocab::*;
use crate::positioned;

/// Declares a document record: every field defaults when missing.
macro_rules! record {
    ($(#[$m:meta])* pub struct $name:ident { $($(#[$fm:meta])* pub $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Default, PartialEq, autosurgeon::Hydrate, autosurgeon::Reconcile)]
        pub struct $name {
            $($(#[$fm])* #[autosurgeon(missing = "Default::default")] pub $field: $ty,)*
        }
    };
}

record!(
    /// `schema`: what the document is and which version of its shape wrote it.
    pub struct SchemaMark {
        pub kind: String,
        pub version: u64,
    }
);

// ---------------------------------------------------------------- engagement

record!(
    /// One per country request; links the cycle's documents.
    pub struct Engagement {
        pub schema: SchemaMark,
        pub classification: Classification,
        /// Working languages: `ar`, `zh`, `en`, `fr`, `ru`, `es` or national ones.
        pub languages: IdSet,
        /// ISO 3166 alpha-3.
        pub country: String,
        pub title: Text,
        pub presence: PresenceType,
        pub stage: Stage,
        /// Every move through the stages, oldest first by `at`.
        pub stage_history: Items<StageMove>,
        pub team: Items<TeamMember>,
        pub documents: DocumentLinks,
    }
);

record!(
    pub struct StageMove {
        pub pos: f64,
        pub from: Stage,
        pub to: Stage,
        /// Name of the person who moved it (their verified identity is in the change's actor).
        pub by: String,
        /// RFC 3339 time.
        pub at: String,
        pub note: String,
    }
);

record!(
    pub struct TeamMember {
        pub pos: f64,
        pub name: String,
        /// A role identifier (`field_officer`, …).
        pub role: String,
        pub function: String,
    }
);

record!(
    /// The documents of the engagement, as bs58check document ids (no `automerge:` prefix).
    pub struct DocumentLinks {
        pub request: String,
        pub assessment: String,
        pub consultations: String,
        pub parties: String,
        pub programme: String,
        pub evaluations: Items<EvaluationLink>,
    }
);

record!(
    pub struct EvaluationLink {
        pub pos: f64,
        pub document: String,
        pub title: String,
        pub kind: EvaluationType,
    }
);

// ---------------------------------------------------------------- request

record!(
    pub struct Request {
        pub schema: SchemaMark,
        pub classification: Classification,
        pub languages: IdSet,
        pub status: RequestStatus,
        pub authority: Text,
        pub received: String,
        pub channel: Channel,
        pub reference: Text,
        pub scope: Text,
        pub recommendations: Items<RecommendationRef>,
    }
);

record!(
    /// A mechanism recommendation cited by symbol and paragraph.
    pub struct RecommendationRef {
        pub pos: f64,
        pub mechanism: Mechanism,
        pub symbol: String,
        pub paragraph: String,
    }
);

// ---------------------------------------------------------------- assessment

record!(
    /// The needs assessment, in the sections of the human rights-based approach.
    pub struct Assessment {
        pub schema: SchemaMark,
        pub classification: Classification,
        pub languages: IdSet,
        pub status: AssessmentStatus,
        pub method: AssessmentMethod,
        pub mission_start: String,
        pub mission_end: String,
        pub team: Text,
        pub national_context: Text,
        pub legal_framework: Text,
        pub institutional_framework: Text,
        pub nhri_status: NhriStatus,
        pub data_evidence: Text,
        pub mechanism_review: Text,
        pub causal_analysis: Text,
        pub role_analysis: Text,
        pub capacity_gaps: Text,
        pub risks: Text,
        pub gender_analysis: Text,
        pub groups_left_behind: Text,
        pub coherence: Text,
        pub conclusions: Text,
        pub recommendations: Items<MechanismRecommendation>,
        pub needs: Items<Need>,
    }
);

record!(
    pub struct MechanismRecommendation {
        pub pos: f64,
        pub mechanism: Mechanism,
        pub symbol: String,
        pub paragraph: String,
        pub cycle: String,
        pub date: String,
        pub text: Text,
        /// The recommending State (UPR).
        pub recommending_state: String,
        pub response: StateResponse,
        pub themes: IdSet,
        pub groups: IdSet,
        pub sdg_targets: IdSet,
    }
);

record!(
    pub struct Need {
        pub pos: f64,
        pub title: Text,
        pub description: Text,
        pub need_type: NeedType,
        pub groups: IdSet,
        pub duty_bearers: Text,
        pub themes: IdSet,
        pub sdg_targets: IdSet,
        /// Ids of the assessment's mechanism recommendations.
        pub recommendations: IdSet,
        /// Ids of consultations in the engagement's register.
        pub consultations: IdSet,
        /// Ids (document ids) of consultation submissions.
        pub submissions: IdSet,
        pub priority: Priority,
        pub government_position: GovernmentPosition,
        pub lead: Lead,
        pub status: NeedStatus,
    }
);

// ---------------------------------------------------------------- consultations

record!(
    /// The consultations register: its own document, so that a Government
    /// reading a shared assessment never receives it.
    pub struct Consultations {
        pub schema: SchemaMark,
        pub classification: Classification,
        pub languages: IdSet,
        pub consultations: Items<Consultation>,
    }
);

record!(
    pub struct Consultation {
        pub pos: f64,
        pub date: String,
        pub method: ConsultationMethod,
        pub party_type: PartyType,
        /// The party's name, or for a confidential party only its
        /// pseudonymous source code: the identity is in the parties document.
        pub party: Text,
        pub participants: Participants,
        pub consent: Consent,
        pub reprisal_risk: Level,
        pub confidentiality: Confidentiality,
        pub summary: Text,
        pub issues: Items<IssueRaised>,
        pub reliability: Reliability,
        pub validity: Validity,
        pub follow_up: Text,
        /// The consultation submission (document id) it was recorded from, if any:
        /// so that a withdrawal can take the recorded input out of the register too.
        pub submission: String,
    }
);

record!(
    /// Participants by sex and age band, as they identified themselves (optional).
    pub struct Participants {
        pub women: u32,
        pub men: u32,
        pub other: u32,
        pub under_18: u32,
        pub over_60: u32,
    }
);

record!(
    pub struct Consent {
        pub status: ConsentStatus,
        pub form: ConsentForm,
        pub date: String,
        /// [`ConsentScope`] identifiers granted.
        pub scope: IdSet,
    }
);

record!(
    pub struct IssueRaised {
        pub pos: f64,
        pub text: Text,
        pub themes: IdSet,
        pub groups: IdSet,
        pub recommendations: Text,
    }
);

record!(
    /// Who the confidential parties are: a document only the field team (and
    /// reviewers granted it) receive. Keyed by consultation id.
    pub struct Parties {
        pub schema: SchemaMark,
        pub classification: Classification,
        pub parties: Items<Party>,
    }
);

record!(
    pub struct Party {
        pub pos: f64,
        pub name: Text,
        pub organisation: Text,
        pub contact: Text,
    }
);

// ---------------------------------------------------------------- submissions

record!(
    /// What an NGO or an individual sends for an engagement's consultation:
    /// their own document, written only by its author until `status` is
    /// `submitted`, then read-only for everyone (the server refuses further
    /// changes). Who wrote it, the consent given and the confidentiality
    /// chosen are kept by the server, never in here, so that a reader who
    /// may not know the author receives nothing that names them.
    pub struct Submission {
        pub schema: SchemaMark,
        /// The engagement it was written for (document id).
        pub engagement: String,
        pub title: Text,
        /// The human rights issues raised.
        pub issues: Text,
        /// Rights-holder groups affected (taxonomy keys).
        pub groups: IdSet,
        /// Affected groups in the author's words.
        pub affected: Text,
        pub evidence: Text,
        pub recommendations: Text,
        pub attachments: Items<Attachment>,
        pub status: SubmissionStatus,
        /// RFC 3339 time the author pressed Submit (on their device).
        pub submitted_at: String,
    }
);

record!(
    /// A document or page the author points to (attachments are links).
    pub struct Attachment {
        pub pos: f64,
        pub label: String,
        pub url: String,
    }
);

// ---------------------------------------------------------------- programme

record!(
    /// The assistance programme as a results framework.
    pub struct Programme {
        pub schema: SchemaMark,
        pub classification: Classification,
        pub languages: IdSet,
        pub status: ProgrammeStatus,
        pub title: Text,
        pub start: String,
        pub end: String,
        /// ISO 4217 code the budget is kept in.
        pub currency: String,
        pub impact: Text,
        pub outcomes: Items<Outcome>,
        pub risks: Items<Risk>,
        pub budget: Items<BudgetLine>,
    }
);

record!(
    pub struct Outcome {
        pub pos: f64,
        pub title: Text,
        pub needs: IdSet,
        pub assumptions: Text,
        pub indicators: Items<Indicator>,
        pub outputs: Items<Output>,
    }
);

record!(
    pub struct Output {
        pub pos: f64,
        pub title: Text,
        /// Ids of the assessment's needs it addresses.
        pub needs: IdSet,
        pub indicators: Items<Indicator>,
        pub activities: Items<Activity>,
    }
);

record!(
    pub struct Indicator {
        pub pos: f64,
        pub title: Text,
        pub kind: IndicatorKind,
        pub unit: String,
        pub disaggregation: Text,
        pub baseline: Measure,
        pub targets: Items<Measure>,
        pub actuals: Items<Measure>,
        pub verification: Text,
        pub frequency: Frequency,
        pub responsible: String,
    }
);

record!(
    /// A baseline, target or actual: value, when (or for which period) and source or evidence.
    pub struct Measure {
        pub pos: f64,
        pub value: String,
        pub period: String,
        pub date: String,
        pub source: Text,
    }
);

record!(
    pub struct Activity {
        pub pos: f64,
        pub title: Text,
        pub modality: Modality,
        pub organisations: Items<Organisation>,
        pub start: String,
        pub end: String,
        pub milestones: Text,
        pub status: ActivityStatus,
    }
);

record!(
    pub struct Organisation {
        pub pos: f64,
        pub name: String,
        pub role: OrganisationRole,
    }
);

record!(
    pub struct Risk {
        pub pos: f64,
        pub description: Text,
        pub likelihood: Level,
        pub impact: Level,
        pub mitigation: Text,
        pub owner: String,
    }
);

record!(
    pub struct BudgetLine {
        pub pos: f64,
        pub category: BudgetCategory,
        pub year: u32,
        pub source: FundingSource,
        pub description: Text,
        pub planned: Money,
        pub committed: Money,
        pub spent: Money,
    }
);

// ---------------------------------------------------------------- evaluation

record!(
    pub struct Evaluation {
        pub schema: SchemaMark,
        pub classification: Classification,
        pub languages: IdSet,
        pub status: EvaluationStatus,
        pub title: Text,
        pub evaluation_type: EvaluationType,
        pub independence: Independence,
        pub start: String,
        pub end: String,
        /// What is evaluated: period, outputs, places, questions.
        pub scope: Text,
        /// Who evaluates: names and organisations.
        pub evaluators: Text,
        pub relevance: Criterion,
        pub coherence: Criterion,
        pub effectiveness: Criterion,
        pub efficiency: Criterion,
        pub impact: Criterion,
        pub sustainability: Criterion,
        pub rights_gender_lens: Text,
        /// Findings, each tied to the needs and outputs it measures.
        pub findings: Items<Finding>,
        pub conclusions: Text,
        pub lessons: Text,
        pub recommendations: Items<EvaluationRecommendation>,
        pub follow_up: FollowUpPlan,
    }
);

record!(
    /// An OECD-DAC (2019) criterion.
    pub struct Criterion {
        pub rating: Rating,
        pub findings: Text,
    }
);

record!(
    pub struct Finding {
        pub pos: f64,
        pub text: Text,
        pub needs: IdSet,
        pub outputs: IdSet,
    }
);

record!(
    pub struct EvaluationRecommendation {
        pub pos: f64,
        pub text: Text,
        pub addressee: String,
        pub priority: Priority,
        pub response: ManagementDecision,
        pub justification: Text,
        pub actions: Items<FollowUpAction>,
    }
);

record!(
    pub struct FollowUpAction {
        pub pos: f64,
        pub description: Text,
        pub responsible: String,
        pub due: String,
        pub status: ActionStatus,
        pub evidence: Text,
    }
);

record!(
    pub struct FollowUpPlan {
        pub decision: FollowUpDecision,
        /// Needs carried into the next phase.
        pub needs_carried: IdSet,
        pub sustainability: Text,
        pub handover: Text,
    }
);

// ---------------------------------------------------------------- taxonomy

record!(
    /// Thematic priorities, rights-holder groups and SDG targets: data an admin edits.
    pub struct Taxonomy {
        pub schema: SchemaMark,
        pub themes: Items<Term>,
        pub groups: Items<Term>,
        pub sdg_targets: Items<Term>,
    }
);

record!(
    pub struct Term {
        pub pos: f64,
        /// Label per language code; English is the fallback.
        pub labels: std::collections::BTreeMap<String, String>,
        /// A frontier issue rather than a pillar (themes only).
        pub frontier: bool,
        pub retired: bool,
    }
);

positioned!(
    StageMove,
    TeamMember,
    EvaluationLink,
    RecommendationRef,
    MechanismRecommendation,
    Need,
    Consultation,
    IssueRaised,
    Party,
    Attachment,
    Outcome,
    Output,
    Indicator,
    Measure,
    Activity,
    Organisation,
    Risk,
    BudgetLine,
    Finding,
    EvaluationRecommendation,
    FollowUpAction,
    Term,
);
