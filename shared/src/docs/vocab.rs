//! Enumerations of the product (product.md), each stored as its snake_case
//! identifier so other Automerge clients read plain strings.

/// Defines an enumeration stored as a string: `ALL`, `as_str`, `FromStr`,
/// `Default` (the first variant) and autosurgeon's `Hydrate` / `Reconcile`.
/// An identifier this version does not know is a hydration error, never a
/// silent default that a later write would overwrite.
#[macro_export]
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $first:ident = $first_id:literal $(, $variant:ident = $id:literal)* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        pub enum $name {
            #[default]
            $first,
            $($variant,)*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$name::$first $(, $name::$variant)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $name::$first => $first_id,
                    $($name::$variant => $id,)*
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::docs::vocab::UnknownValue;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| $crate::docs::vocab::UnknownValue {
                        vocabulary: stringify!($name),
                        value: s.chars().take(40).collect(),
                    })
            }
        }

        impl autosurgeon::Hydrate for $name {
            fn hydrate_string(s: &'_ str) -> Result<Self, autosurgeon::HydrateError> {
                s.parse().map_err(|e: $crate::docs::vocab::UnknownValue| {
                    autosurgeon::HydrateError::unexpected(stringify!($name), e.value)
                })
            }
        }

        impl autosurgeon::Reconcile for $name {
            type Key<'a> = autosurgeon::reconcile::NoKey;

            fn reconcile<R: autosurgeon::Reconciler>(&self, mut reconciler: R) -> Result<(), R::Error> {
                reconciler.str(self.as_str())
            }
        }
    };
}

/// A stored identifier that is not in the vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a known {vocabulary}")]
pub struct UnknownValue {
    pub vocabulary: &'static str,
    pub value: String,
}

vocabulary!(
    /// How sensitive a document is.
    Classification { Internal = "internal", Public = "public", Restricted = "restricted", StrictlyConfidential = "strictly_confidential" }
);
vocabulary!(PresenceType {
    CountryOffice = "country_office",
    RegionalOffice = "regional_office",
    HrAdviser = "hr_adviser",
    MissionComponent = "mission_component",
    None = "none",
});
vocabulary!(
    /// Where an engagement is in the technical cooperation cycle.
    Stage {
        Requested = "requested",
        Assessing = "assessing",
        Programming = "programming",
        Implementing = "implementing",
        Evaluating = "evaluating",
        FollowUp = "follow_up",
        Closed = "closed",
    }
);
vocabulary!(Channel {
    NoteVerbale = "note_verbale",
    Letter = "letter",
    UprVoluntaryCommitment = "upr_voluntary_commitment",
    HrcResolution = "hrc_resolution",
    Other = "other",
});
vocabulary!(RequestStatus {
    Received = "received",
    Acknowledged = "acknowledged",
    Accepted = "accepted",
    Declined = "declined",
    Withdrawn = "withdrawn",
});
vocabulary!(AssessmentMethod {
    FieldPresence = "field_presence",
    AssessmentMission = "assessment_mission",
    DeskReview = "desk_review",
    JointUnct = "joint_unct",
});
vocabulary!(AssessmentStatus {
    Draft = "draft",
    InConsultation = "in_consultation",
    HqReview = "hq_review",
    Validated = "validated",
    SharedWithGovernment = "shared_with_government",
    Published = "published",
});
vocabulary!(
    /// Accreditation of the national human rights institution (GANHRI).
    NhriStatus { Unknown = "unknown", A = "a", B = "b", None = "none" }
);
vocabulary!(ConsultationMethod {
    Interview = "interview",
    FocusGroup = "focus_group",
    Workshop = "workshop",
    WrittenSubmission = "written_submission",
    OnlineForm = "online_form",
    Meeting = "meeting",
    SiteVisit = "site_visit",
});
vocabulary!(PartyType {
    GovExecutive = "gov_executive",
    Parliament = "parliament",
    Judiciary = "judiciary",
    SecurityForces = "security_forces",
    Nhri = "nhri",
    Ngo = "ngo",
    Hrd = "hrd",
    CommunityOrg = "community_org",
    Individual = "individual",
    Academic = "academic",
    UnEntity = "un_entity",
    RegionalOrg = "regional_org",
    DonorDiplomatic = "donor_diplomatic",
    PrivateSector = "private_sector",
    Media = "media",
    Other = "other",
});
vocabulary!(ConsentStatus {
    Obtained = "obtained",
    Refused = "refused",
    Withdrawn = "withdrawn",
    NotRequiredPublic = "not_required_public",
});
vocabulary!(ConsentForm { Oral = "oral", Written = "written" });
vocabulary!(ConsentScope {
    InternalUse = "internal_use",
    AttributeName = "attribute_name",
    AttributeOrganisation = "attribute_organisation",
    AnonymousQuote = "anonymous_quote",
    ShareWithGovernment = "share_with_government",
    ShareWithUn = "share_with_un",
});
vocabulary!(Level { Low = "low", Medium = "medium", High = "high" });
vocabulary!(
    /// Who may learn who a consulted party is.
    Confidentiality { Internal = "internal", Public = "public", Confidential = "confidential" }
);
vocabulary!(
    /// Where a consultation submission is: its author's draft, or sent (then read-only).
    SubmissionStatus { Draft = "draft", Submitted = "submitted" }
);
vocabulary!(
    /// Source reliability (assessed apart from the information's validity).
    Reliability { Unassessed = "unassessed", Reliable = "reliable", UsuallyReliable = "usually_reliable", NotReliable = "not_reliable" }
);
vocabulary!(
    /// Information validity.
    Validity { Unassessed = "unassessed", Confirmed = "confirmed", Probable = "probable", Doubtful = "doubtful" }
);
vocabulary!(NeedType {
    LegalReform = "legal_reform",
    Policy = "policy",
    InstitutionalCapacity = "institutional_capacity",
    NhriStrengthening = "nhri_strengthening",
    Training = "training",
    DataIndicators = "data_indicators",
    EducationAwareness = "education_awareness",
    AccessToJustice = "access_to_justice",
    CivicSpace = "civic_space",
    NmirfCoordination = "nmirf_coordination",
});
vocabulary!(Priority { Medium = "medium", High = "high", Low = "low" });
vocabulary!(GovernmentPosition {
    Pending = "pending",
    Agreed = "agreed",
    Partial = "partial",
    NotAgreed = "not_agreed",
});
vocabulary!(Lead {
    OhchrUniqueCompetence = "ohchr_unique_competence",
    Joint = "joint",
    PartnerLead = "partner_lead",
});
vocabulary!(NeedStatus { Proposed = "proposed", Validated = "validated", Dropped = "dropped" });
vocabulary!(Mechanism {
    Upr = "UPR",
    Ccpr = "CCPR",
    Cescr = "CESCR",
    Cerd = "CERD",
    Cedaw = "CEDAW",
    Cat = "CAT",
    Spt = "SPT",
    Crc = "CRC",
    Cmw = "CMW",
    Crpd = "CRPD",
    Ced = "CED",
    SpecialProcedure = "special_procedure",
});
vocabulary!(StateResponse {
    Pending = "pending",
    Supported = "supported",
    Noted = "noted",
    PartiallySupported = "partially_supported",
});
vocabulary!(IndicatorKind { Quantitative = "quantitative", Qualitative = "qualitative", Binary = "binary" });
vocabulary!(Frequency { Annual = "annual", Quarterly = "quarterly", Monthly = "monthly", Biannual = "biannual", EndOfProgramme = "end_of_programme" });
vocabulary!(Modality {
    OhchrDirect = "ohchr_direct",
    ImplementingPartner = "implementing_partner",
    JointUn = "joint_un",
    GovernmentLedOhchrSupport = "government_led_ohchr_support",
});
vocabulary!(OrganisationRole { Implementing = "implementing", Funding = "funding", Accountable = "accountable", Extending = "extending" });
vocabulary!(ActivityStatus { Planned = "planned", Ongoing = "ongoing", Completed = "completed", Delayed = "delayed", Cancelled = "cancelled" });
vocabulary!(
    /// The UN harmonised budget categories.
    BudgetCategory {
        Staff = "staff",
        Supplies = "supplies",
        Equipment = "equipment",
        ContractualServices = "contractual_services",
        Travel = "travel",
        TransfersGrants = "transfers_grants",
        GeneralOperating = "general_operating",
        IndirectSupport = "indirect_support",
    }
);
vocabulary!(FundingSource { RegularBudget = "regular_budget", Vftc = "vftc", Extrabudgetary = "extrabudgetary", Other = "other" });
vocabulary!(ProgrammeStatus {
    Draft = "draft",
    HqReview = "hq_review",
    GovernmentReview = "government_review",
    Approved = "approved",
    Active = "active",
    Suspended = "suspended",
    Completed = "completed",
});
vocabulary!(EvaluationType {
    PeriodicReview = "periodic_review",
    MidTerm = "mid_term",
    FinalPostImplementation = "final_post_implementation",
    ExPost = "ex_post",
});
vocabulary!(Independence { SelfEvaluation = "self", Independent = "independent", Joint = "joint" });
vocabulary!(
    /// A rating against an OECD-DAC criterion.
    Rating { NotRated = "not_rated", HighlySatisfactory = "highly_satisfactory", Satisfactory = "satisfactory", PartlySatisfactory = "partly_satisfactory", Unsatisfactory = "unsatisfactory" }
);
vocabulary!(ManagementDecision { Pending = "pending", Accepted = "accepted", PartiallyAccepted = "partially_accepted", Rejected = "rejected" });
vocabulary!(ActionStatus {
    NotStarted = "not_started",
    InProgress = "in_progress",
    Completed = "completed",
    Overdue = "overdue",
    NoLongerApplicable = "no_longer_applicable",
});
vocabulary!(FollowUpDecision { Undecided = "undecided", NewPhase = "new_phase", Extend = "extend", Close = "close" });
vocabulary!(EvaluationStatus { Planned = "planned", Ongoing = "ongoing", Completed = "completed" });
