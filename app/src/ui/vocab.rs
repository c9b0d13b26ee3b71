//! Every enumeration of the schema as people read it: a label per value in
//! the interface language (`vocab.<enumeration>.<value>` in
//! `app/locales/*.json`), and what [`super::fields::Select`] needs to offer
//! the values of any of them.

// Labels for every enumeration: most wait for the editors that will use them.
#![allow(dead_code)]

use crate::i18n::*;
use accord_shared::docs::vocab::*;
use accord_shared::policy::Role;

/// A closed list of values stored as identifiers, with a translated label each.
pub trait Vocabulary: Copy + PartialEq + Send + Sync + 'static {
    /// Every value, in the order the interface offers them.
    fn all() -> &'static [Self];
    /// The stored identifier.
    fn id(self) -> &'static str;
    fn parse(id: &str) -> Option<Self>;
    /// The value as people read it.
    fn label(self, i18n: I18nContext<Locale>) -> String;
}

/// The label of a stored identifier; the identifier itself if this version
/// does not know it (a newer client wrote it).
pub fn label_of<V: Vocabulary>(i18n: I18nContext<Locale>, id: &str) -> String {
    V::parse(id)
        .map(|v| v.label(i18n))
        .unwrap_or_else(|| id.to_string())
}

macro_rules! vocabulary_labels {
    ($($ty:ident => $group:ident { $($variant:ident : $key:ident),* $(,)? },)*) => {$(
        impl Vocabulary for $ty {
            fn all() -> &'static [Self] {
                $ty::ALL
            }
            fn id(self) -> &'static str {
                self.as_str()
            }
            fn parse(id: &str) -> Option<Self> {
                id.parse().ok()
            }
            fn label(self, i18n: I18nContext<Locale>) -> String {
                match self {
                    $($ty::$variant => t_string!(i18n, vocab.$group.$key).to_string(),)*
                }
            }
        }
    )*};
}

vocabulary_labels! {
    Classification => classification { Internal: internal, Public: public, Restricted: restricted, StrictlyConfidential: strictly_confidential },
    PresenceType => presence_type { CountryOffice: country_office, RegionalOffice: regional_office, HrAdviser: hr_adviser, MissionComponent: mission_component, None: none },
    Stage => stage { Requested: requested, Assessing: assessing, Programming: programming, Implementing: implementing, Evaluating: evaluating, FollowUp: follow_up, Closed: closed },
    Channel => channel { NoteVerbale: note_verbale, Letter: letter, UprVoluntaryCommitment: upr_voluntary_commitment, HrcResolution: hrc_resolution, Other: other },
    RequestStatus => request_status { Received: received, Acknowledged: acknowledged, Accepted: accepted, Declined: declined, Withdrawn: withdrawn },
    AssessmentMethod => assessment_method { FieldPresence: field_presence, AssessmentMission: assessment_mission, DeskReview: desk_review, JointUnct: joint_unct },
    AssessmentStatus => assessment_status { Draft: draft, InConsultation: in_consultation, HqReview: hq_review, Validated: validated, SharedWithGovernment: shared_with_government, Published: published },
    NhriStatus => nhri_status { Unknown: unknown, A: a, B: b, None: none },
    ConsultationMethod => consultation_method { Interview: interview, FocusGroup: focus_group, Workshop: workshop, WrittenSubmission: written_submission, OnlineForm: online_form, Meeting: meeting, SiteVisit: site_visit },
    PartyType => party_type { GovExecutive: gov_executive, Parliament: parliament, Judiciary: judiciary, SecurityForces: security_forces, Nhri: nhri, Ngo: ngo, Hrd: hrd, CommunityOrg: community_org, Individual: individual, Academic: academic, UnEntity: un_entity, RegionalOrg: regional_org, DonorDiplomatic: donor_diplomatic, PrivateSector: private_sector, Media: media, Other: other },
    ConsentStatus => consent_status { Obtained: obtained, Refused: refused, Withdrawn: withdrawn, NotRequiredPublic: not_required_public },
    ConsentForm => consent_form { Oral: oral, Written: written },
    ConsentScope => consent_scope { InternalUse: internal_use, AttributeName: attribute_name, AttributeOrganisation: attribute_organisation, AnonymousQuote: anonymous_quote, ShareWithGovernment: share_with_government, ShareWithUn: share_with_un },
    Level => level { Low: low, Medium: medium, High: high },
    Confidentiality => confidentiality { Internal: internal, Public: public, Confidential: confidential },
    Reliability => reliability { Unassessed: unassessed, Reliable: reliable, UsuallyReliable: usually_reliable, NotReliable: not_reliable },
    Validity => validity { Unassessed: unassessed, Confirmed: confirmed, Probable: probable, Doubtful: doubtful },
    NeedType => need_type { LegalReform: legal_reform, Policy: policy, InstitutionalCapacity: institutional_capacity, NhriStrengthening: nhri_strengthening, Training: training, DataIndicators: data_indicators, EducationAwareness: education_awareness, AccessToJustice: access_to_justice, CivicSpace: civic_space, NmirfCoordination: nmirf_coordination },
    Priority => priority { Medium: medium, High: high, Low: low },
    GovernmentPosition => government_position { Pending: pending, Agreed: agreed, Partial: partial, NotAgreed: not_agreed },
    Lead => lead { OhchrUniqueCompetence: ohchr_unique_competence, Joint: joint, PartnerLead: partner_lead },
    NeedStatus => need_status { Proposed: proposed, Validated: validated, Dropped: dropped },
    Mechanism => mechanism { Upr: upr, Ccpr: ccpr, Cescr: cescr, Cerd: cerd, Cedaw: cedaw, Cat: cat, Spt: spt, Crc: crc, Cmw: cmw, Crpd: crpd, Ced: ced, SpecialProcedure: special_procedure },
    StateResponse => state_response { Pending: pending, Supported: supported, Noted: noted, PartiallySupported: partially_supported },
    IndicatorKind => indicator_kind { Quantitative: quantitative, Qualitative: qualitative, Binary: binary },
    Frequency => frequency { Annual: annual, Quarterly: quarterly, Monthly: monthly, Biannual: biannual, EndOfProgramme: end_of_programme },
    Modality => modality { OhchrDirect: ohchr_direct, ImplementingPartner: implementing_partner, JointUn: joint_un, GovernmentLedOhchrSupport: government_led_ohchr_support },
    OrganisationRole => organisation_role { Implementing: implementing, Funding: funding, Accountable: accountable, Extending: extending },
    ActivityStatus => activity_status { Planned: planned, Ongoing: ongoing, Completed: completed, Delayed: delayed, Cancelled: cancelled },
    BudgetCategory => budget_category { Staff: staff, Supplies: supplies, Equipment: equipment, ContractualServices: contractual_services, Travel: travel, TransfersGrants: transfers_grants, GeneralOperating: general_operating, IndirectSupport: indirect_support },
    FundingSource => funding_source { RegularBudget: regular_budget, Vftc: vftc, Extrabudgetary: extrabudgetary, Other: other },
    ProgrammeStatus => programme_status { Draft: draft, HqReview: hq_review, GovernmentReview: government_review, Approved: approved, Active: active, Suspended: suspended, Completed: completed },
    EvaluationType => evaluation_type { PeriodicReview: periodic_review, MidTerm: mid_term, FinalPostImplementation: final_post_implementation, ExPost: ex_post },
    Independence => independence { SelfEvaluation: self_evaluation, Independent: independent, Joint: joint },
    Rating => rating { NotRated: not_rated, HighlySatisfactory: highly_satisfactory, Satisfactory: satisfactory, PartlySatisfactory: partly_satisfactory, Unsatisfactory: unsatisfactory },
    ManagementDecision => management_decision { Pending: pending, Accepted: accepted, PartiallyAccepted: partially_accepted, Rejected: rejected },
    ActionStatus => action_status { NotStarted: not_started, InProgress: in_progress, Completed: completed, Overdue: overdue, NoLongerApplicable: no_longer_applicable },
    FollowUpDecision => follow_up_decision { Undecided: undecided, NewPhase: new_phase, Extend: extend, Close: close },
    EvaluationStatus => evaluation_status { Planned: planned, Ongoing: ongoing, Completed: completed },
}

impl Vocabulary for Role {
    fn all() -> &'static [Self] {
        &Role::ALL
    }
    fn id(self) -> &'static str {
        self.as_str()
    }
    fn parse(id: &str) -> Option<Self> {
        id.parse().ok()
    }
    fn label(self, i18n: I18nContext<Locale>) -> String {
        super::role_label(i18n, self.as_str())
    }
}

/// The six UN official languages, the working languages a document may have.
pub const OFFICIAL_LANGUAGES: [&str; 6] = ["ar", "zh", "en", "fr", "ru", "es"];

/// A language code as people read it; the code itself if not an official language.
pub fn language_label(i18n: I18nContext<Locale>, code: &str) -> String {
    match code {
        "ar" => t_string!(i18n, language_name.ar).to_string(),
        "zh" => t_string!(i18n, language_name.zh).to_string(),
        "en" => t_string!(i18n, language_name.en).to_string(),
        "fr" => t_string!(i18n, language_name.fr).to_string(),
        "ru" => t_string!(i18n, language_name.ru).to_string(),
        "es" => t_string!(i18n, language_name.es).to_string(),
        other => other.to_string(),
    }
}
