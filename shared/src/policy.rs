//! Who may read and write what: the product's permission table, once.
//!
//! The server enforces it on every incoming change; the app asks the same
//! questions to decide which fields are editable. A document path is mapped
//! to a [`Section`] by its document kind and first key; the table then gives
//! each [`Role`] an [`Access`] to that section.

use std::fmt;
use std::str::FromStr;

/// A person's role, as written everywhere (CLI, API, policy).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    FieldOfficer,
    Government,
    Ngo,
    Individual,
    HqReviewer,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::FieldOfficer,
        Role::Government,
        Role::Ngo,
        Role::Individual,
        Role::HqReviewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::FieldOfficer => "field_officer",
            Role::Government => "government",
            Role::Ngo => "ngo",
            Role::Individual => "individual",
            Role::HqReviewer => "hq_reviewer",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role identifier that is not one of the six.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown role {0:?}; roles are admin, field_officer, government, ngo, individual, hq_reviewer"
)]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.chars().take(40).collect()))
    }
}

/// The kinds of programme document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocKind {
    Engagement,
    Request,
    Assessment,
    Programme,
    Evaluation,
    Submission,
    /// The consultations register of an engagement.
    Consultations,
    /// Who the confidential consultation parties are.
    Parties,
    /// Themes, groups and SDG targets (one for the whole server).
    Taxonomy,
}

impl DocKind {
    pub const ALL: [DocKind; 9] = [
        DocKind::Engagement,
        DocKind::Request,
        DocKind::Assessment,
        DocKind::Programme,
        DocKind::Evaluation,
        DocKind::Submission,
        DocKind::Consultations,
        DocKind::Parties,
        DocKind::Taxonomy,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Engagement => "engagement",
            DocKind::Request => "request",
            DocKind::Assessment => "assessment",
            DocKind::Programme => "programme",
            DocKind::Evaluation => "evaluation",
            DocKind::Submission => "submission",
            DocKind::Consultations => "consultations",
            DocKind::Parties => "parties",
            DocKind::Taxonomy => "taxonomy",
        }
    }
}

impl FromStr for DocKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DocKind::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| {
            format!(
                "unknown document kind {:?}; kinds are engagement, request, assessment, consultations, parties, programme, evaluation, submission, taxonomy",
                s.chars().take(40).collect::<String>()
            )
        })
    }
}

/// A part of a document that the permission table speaks of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Section {
    EngagementHeader,
    Request,
    Assessment,
    ConsultationsRegister,
    /// Names and contacts of confidential consultation parties.
    ConfidentialParties,
    Submission,
    Programme,
    Evaluations,
    Comments,
    Approvals,
    Taxonomy,
}

/// What a role may do with a section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    /// The server sends nothing of it.
    None,
    Read,
    Write,
}

/// Facts about one document that the table depends on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DocFacts {
    /// The document has been shared with the Government.
    pub shared_with_government: bool,
    /// The person is the author of this (submission) document.
    pub own: bool,
    /// A submission that has been submitted is read-only for everyone, and
    /// only then do the field team and reviewers read it.
    pub submitted: bool,
    /// Its author's consent to a submission has been withdrawn: nobody reads it.
    pub withdrawn: bool,
    /// The person has been granted the identities of confidential parties.
    pub parties_granted: bool,
}

/// One step of a path into a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathStep<'a> {
    Key(&'a str),
    Index(usize),
}

/// Root keys with a section of their own in any document.
pub const COMMENTS_KEY: &str = "comments";
pub const APPROVALS_KEY: &str = "approvals";
/// The consultations register inside a needs assessment.
pub const CONSULTATIONS_KEY: &str = "consultations";

/// A write the policy refuses, with what a person needs to know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{role} may not write {path}: {reason}")]
pub struct Refusal {
    pub role: Role,
    pub path: String,
    pub reason: String,
}

/// The permission table of the product (product.md, "Who may write what").
pub struct WritePolicy;

impl WritePolicy {
    /// The section a path falls in.
    pub fn section(kind: DocKind, path: &[PathStep<'_>]) -> Section {
        match path.first() {
            Some(PathStep::Key(COMMENTS_KEY)) => return Section::Comments,
            Some(PathStep::Key(APPROVALS_KEY)) => return Section::Approvals,
            _ => {}
        }
        match kind {
            DocKind::Engagement => Section::EngagementHeader,
            DocKind::Request => Section::Request,
            DocKind::Assessment => match path.first() {
                Some(PathStep::Key(CONSULTATIONS_KEY)) => Section::ConsultationsRegister,
                _ => Section::Assessment,
            },
            DocKind::Programme => Section::Programme,
            DocKind::Evaluation => Section::Evaluations,
            DocKind::Submission => Section::Submission,
            DocKind::Consultations => Section::ConsultationsRegister,
            DocKind::Parties => Section::ConfidentialParties,
            DocKind::Taxonomy => Section::Taxonomy,
        }
    }

    /// The role's access to a section of a document with these facts.
    pub fn access(role: Role, kind: DocKind, section: Section, facts: DocFacts) -> Access {
        use Access::{None as No, Read, Write};
        use Role::*;
        use Section as S;
        let shared = facts.shared_with_government;
        let access = match (section, role) {
            // Admins run the server: everything but approving.
            (S::Approvals, Admin) => Read,
            (_, Admin) => Write,

            (S::EngagementHeader, FieldOfficer | HqReviewer) => Write,
            (S::EngagementHeader, Government) => Read,

            (S::Request, FieldOfficer | Government) => Write,
            (S::Request, HqReviewer) => Read,

            (S::Assessment, FieldOfficer) => Write,
            (S::Assessment, Government) if shared => Read,
            (S::Assessment, HqReviewer) => Read,

            (S::ConsultationsRegister, FieldOfficer) => Write,
            (S::ConsultationsRegister, HqReviewer) => Read,

            (S::ConfidentialParties, FieldOfficer) => Write,
            (S::ConfidentialParties, HqReviewer) if facts.parties_granted => Read,

            // Everyone signed in reads the vocabularies; admins (above) edit them.
            (S::Taxonomy, _) => Read,

            (S::Submission, Government | Ngo | Individual) if facts.own => Write,
            // The author's draft is theirs until they submit it.
            (S::Submission, FieldOfficer | HqReviewer) if facts.submitted => Read,

            (S::Programme, FieldOfficer) => Write,
            (S::Programme, Government) if shared => Read,
            (S::Programme, HqReviewer) => Read,

            (S::Evaluations, FieldOfficer | HqReviewer) => Write,
            (S::Evaluations, Government) => Read,

            // Comments ride on reading the document they are in.
            (S::Comments, FieldOfficer | HqReviewer) => Write,
            (S::Comments, Government) if shared || kind == DocKind::Request => Write,

            (S::Approvals, HqReviewer) => Write,
            (S::Approvals, FieldOfficer | Government) => Read,

            _ => No,
        };
        if kind == DocKind::Submission {
            if facts.withdrawn {
                return No;
            }
            if facts.submitted && access == Write {
                return Read;
            }
        }
        access
    }

    /// Whether the role may change this path; the refusal names path and reason.
    pub fn may_write(
        role: Role,
        kind: DocKind,
        path: &[PathStep<'_>],
        facts: DocFacts,
    ) -> Result<(), Refusal> {
        let section = Self::section(kind, path);
        match Self::access(role, kind, section, facts) {
            Access::Write => Ok(()),
            access => Err(Refusal {
                role,
                path: render_path(path),
                reason: match (access, section) {
                    (Access::Read, Section::Submission) if facts.submitted => {
                        "the submission has been submitted and is read-only".into()
                    }
                    (Access::Read, _) => {
                        format!("the {} is read-only for this role", section.describe())
                    }
                    _ => format!("this role has no access to the {}", section.describe()),
                },
            }),
        }
    }

    /// Whether the role may grant an HQ reviewer the identities of the
    /// confidential parties: only a role that writes them may, so no role
    /// grants more than it has.
    pub fn may_grant_parties(role: Role) -> bool {
        Self::access(
            role,
            DocKind::Parties,
            Section::ConfidentialParties,
            DocFacts::default(),
        ) == Access::Write
    }

    /// Whether the role may start documents of its own through the relay.
    /// Contributors write only the submissions the server starts for them.
    pub fn may_create_documents(role: Role) -> bool {
        !matches!(role, Role::Ngo | Role::Individual)
    }

    /// Whether the role may see the document at all (any section readable).
    pub fn may_read(role: Role, kind: DocKind, facts: DocFacts) -> bool {
        let main = Self::section(kind, &[]);
        Self::access(role, kind, main, facts) >= Access::Read
    }
}

impl Section {
    pub fn describe(self) -> &'static str {
        match self {
            Section::EngagementHeader => "engagement header and team",
            Section::Request => "request",
            Section::Assessment => "needs assessment",
            Section::ConsultationsRegister => "consultations register",
            Section::Submission => "consultation submission",
            Section::Programme => "assistance programme",
            Section::Evaluations => "evaluations and follow-up plan",
            Section::Comments => "comments",
            Section::Approvals => "approvals",
            Section::ConfidentialParties => "identities of confidential consultation parties",
            Section::Taxonomy => "themes, groups and SDG targets",
        }
    }
}

/// `/consultations/3/summary`: how a path is shown in errors and the audit log.
pub fn render_path(path: &[PathStep<'_>]) -> String {
    if path.is_empty() {
        return "/".into();
    }
    path.iter()
        .map(|s| match s {
            PathStep::Key(k) => format!("/{k}"),
            PathStep::Index(i) => format!("/{i}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Access::{None as No, Read, Write};
    use Role::*;

    fn facts(shared: bool) -> DocFacts {
        DocFacts {
            shared_with_government: shared,
            ..DocFacts::default()
        }
    }

    /// The product's table, row by row: (section, kind, FO, Gov, NGO, Individual, HQ), shared or not.
    #[test]
    fn the_table_of_the_product() {
        let rows = [
            (
                Section::EngagementHeader,
                DocKind::Engagement,
                false,
                [Write, Read, No, No, Write],
            ),
            (
                Section::Request,
                DocKind::Request,
                false,
                [Write, Write, No, No, Read],
            ),
            (
                Section::Assessment,
                DocKind::Assessment,
                false,
                [Write, No, No, No, Read],
            ),
            (
                Section::Assessment,
                DocKind::Assessment,
                true,
                [Write, Read, No, No, Read],
            ),
            (
                Section::ConsultationsRegister,
                DocKind::Assessment,
                true,
                [Write, No, No, No, Read],
            ),
            (
                Section::Programme,
                DocKind::Programme,
                false,
                [Write, No, No, No, Read],
            ),
            (
                Section::Programme,
                DocKind::Programme,
                true,
                [Write, Read, No, No, Read],
            ),
            (
                Section::Evaluations,
                DocKind::Evaluation,
                false,
                [Write, Read, No, No, Write],
            ),
            (
                Section::Comments,
                DocKind::Programme,
                true,
                [Write, Write, No, No, Write],
            ),
            (
                Section::Comments,
                DocKind::Programme,
                false,
                [Write, No, No, No, Write],
            ),
            (
                Section::Approvals,
                DocKind::Programme,
                true,
                [Read, Read, No, No, Write],
            ),
        ];
        for (section, kind, shared, want) in rows {
            for (role, want) in [FieldOfficer, Government, Ngo, Individual, HqReviewer]
                .into_iter()
                .zip(want)
            {
                assert_eq!(
                    WritePolicy::access(role, kind, section, facts(shared)),
                    want,
                    "{role} on {section:?} (shared: {shared})"
                );
            }
        }
    }

    #[test]
    fn a_submission_is_written_by_its_author_until_submitted() {
        let own = DocFacts {
            own: true,
            ..DocFacts::default()
        };
        let path = [PathStep::Key("issues")];
        for role in [Ngo, Individual, Government] {
            assert!(WritePolicy::may_write(role, DocKind::Submission, &path, own).is_ok());
            assert!(
                WritePolicy::may_write(role, DocKind::Submission, &path, DocFacts::default())
                    .is_err()
            );
            let submitted = DocFacts {
                submitted: true,
                ..own
            };
            let err =
                WritePolicy::may_write(role, DocKind::Submission, &path, submitted).unwrap_err();
            assert!(err.reason.contains("submitted"), "{err}");
        }
        let submitted = DocFacts {
            submitted: true,
            ..DocFacts::default()
        };
        for role in [HqReviewer, FieldOfficer] {
            assert!(
                !WritePolicy::may_read(role, DocKind::Submission, DocFacts::default()),
                "{role} reads a draft"
            );
            assert!(WritePolicy::may_read(role, DocKind::Submission, submitted));
            assert!(WritePolicy::may_write(role, DocKind::Submission, &path, submitted).is_err());
        }
        for role in [Ngo, Individual, Government] {
            assert!(!WritePolicy::may_read(role, DocKind::Submission, submitted));
        }
    }

    #[test]
    fn a_withdrawn_submission_is_read_by_nobody() {
        let withdrawn = DocFacts {
            own: true,
            submitted: true,
            withdrawn: true,
            ..DocFacts::default()
        };
        for role in Role::ALL {
            assert!(
                !WritePolicy::may_read(role, DocKind::Submission, withdrawn),
                "{role}"
            );
        }
    }

    #[test]
    fn paths_fall_in_their_sections_and_refusals_name_them() {
        let path = [
            PathStep::Key(CONSULTATIONS_KEY),
            PathStep::Index(2),
            PathStep::Key("party"),
        ];
        assert_eq!(
            WritePolicy::section(DocKind::Assessment, &path),
            Section::ConsultationsRegister
        );
        let err = WritePolicy::may_write(Government, DocKind::Assessment, &path, facts(true))
            .unwrap_err();
        assert_eq!(err.path, "/consultations/2/party");
        assert!(
            err.to_string()
                .contains("no access to the consultations register"),
            "{err}"
        );
        let err = WritePolicy::may_write(
            HqReviewer,
            DocKind::Assessment,
            &[PathStep::Key("context")],
            facts(true),
        )
        .unwrap_err();
        assert!(err.reason.contains("read-only"), "{err}");
        assert!(WritePolicy::may_write(
            HqReviewer,
            DocKind::Assessment,
            &[PathStep::Key(COMMENTS_KEY)],
            facts(false)
        )
        .is_ok());
    }

    #[test]
    fn ngos_see_nothing_of_the_assessment() {
        assert!(!WritePolicy::may_read(
            Ngo,
            DocKind::Assessment,
            facts(true)
        ));
        assert!(!WritePolicy::may_read(
            Individual,
            DocKind::Programme,
            facts(true)
        ));
        assert!(WritePolicy::may_read(
            Government,
            DocKind::Assessment,
            facts(true)
        ));
        assert!(!WritePolicy::may_read(
            Government,
            DocKind::Assessment,
            facts(false)
        ));
    }

    #[test]
    fn only_those_who_write_the_parties_grant_reviewers_to_read_them() {
        let granted = DocFacts {
            parties_granted: true,
            ..DocFacts::default()
        };
        assert!(!WritePolicy::may_read(
            HqReviewer,
            DocKind::Parties,
            DocFacts::default()
        ));
        assert!(WritePolicy::may_read(HqReviewer, DocKind::Parties, granted));
        assert!(WritePolicy::may_write(HqReviewer, DocKind::Parties, &[], granted).is_err());
        for role in [Government, Ngo, Individual] {
            assert!(
                !WritePolicy::may_read(role, DocKind::Parties, granted),
                "{role}"
            );
        }
        let grantors: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| WritePolicy::may_grant_parties(*r))
            .collect();
        assert_eq!(grantors, vec![Admin, FieldOfficer]);
    }

    #[test]
    fn role_ids_round_trip_and_unknown_ones_are_named() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
            let mut cbor = Vec::new();
            ciborium::ser::into_writer(&role, &mut cbor).unwrap();
            assert_eq!(
                ciborium::de::from_reader::<String, _>(cbor.as_slice()).unwrap(),
                role.as_str()
            );
        }
        let err = "superuser".parse::<Role>().unwrap_err().to_string();
        assert!(
            err.contains("superuser") && err.contains("field_officer"),
            "{err}"
        );
    }
}
