//! Demo data for a first start, so `make run` opens onto an engagement that
//! has been through every stage of the cycle: a request, a needs assessment
//! with its consultations (one of them confidential), a programme that
//! addresses two of the three needs, and a periodic evaluation with a
//! follow-up action past due. The country code is real but every person,
//! document and figure is invented for the demonstration.

use accord_shared::docs::items::{self, push, IdSet, Items, Money};
use accord_shared::docs::vocab::*;
use accord_shared::docs::{self, *};
use accord_shared::policy::{DocKind, Role};
use accord_shared::DocumentId;
use automerge::transaction::CommitOptions;
use automerge::{ActorId, AutoCommit};
use autosurgeon::Text;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::auth::{Accounts, AuthError};
use crate::engagements::changes_of;
use crate::storage::{NewDocument, Provenance, StorageError, Store};

/// Meta key of the demo engagement's id.
const DEMO_KEY: &str = "demo_engagement";

/// The demo's accounts: (email, name, role). They share one well-known
/// password, printed at start; disable them with `accord user disable`.
pub const DEMO_ACCOUNTS: [(&str, &str, Role); 4] = [
    ("officer@demo.accord", "Amina Diallo", Role::FieldOfficer),
    (
        "government@demo.accord",
        "Jean-Paul Mbeki",
        Role::Government,
    ),
    ("hq@demo.accord", "Sofia Lindqvist", Role::HqReviewer),
    ("ngo@demo.accord", "Northern Justice Voices", Role::Ngo),
];
pub const DEMO_PASSWORD: &str = "accord-demo-password";

/// Creates the demo accounts that do not exist yet.
pub async fn ensure_demo_accounts(store: &Store) -> Result<(), AuthError> {
    let accounts = Accounts::new(store.clone());
    for (email, name, role) in DEMO_ACCOUNTS {
        match accounts.add_user(email, name, role, DEMO_PASSWORD).await {
            Ok(_) | Err(AuthError::EmailTaken(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Creates the demo engagement once, on a server that has no engagement
/// yet; returns its id (existing or new).
pub async fn ensure_demo(store: &Store) -> Result<Option<DocumentId>, StorageError> {
    if let Some(id) = store.meta(DEMO_KEY).await? {
        return Ok(id.parse().ok());
    }
    if !store.engagements_for(0, true).await?.is_empty() {
        return Ok(None);
    }
    let accounts = Accounts::new(store.clone());
    let mut ids = Vec::new();
    for (email, ..) in DEMO_ACCOUNTS {
        match accounts.user_by_email(email).await {
            Ok(Some(user)) => ids.push(user.id),
            Ok(None) => {
                tracing::warn!(email, "a demo account is missing; no demo engagement");
                return Ok(None);
            }
            Err(AuthError::Storage(e)) => return Err(e),
            Err(e) => {
                tracing::warn!(error = %e, "could not read the demo accounts; no demo engagement");
                return Ok(None);
            }
        }
    }
    let (officer, government, hq, ngo) = (ids[0], ids[1], ids[2], ids[3]);
    let people = People::new();
    let demo = demo_documents(&people);
    let id = demo.engagement;
    store
        .create_governed(
            id,
            demo.documents,
            Provenance {
                owner: Some(officer),
                new_actors: vec![
                    (people.officer.to_bytes().to_vec(), officer),
                    (people.government.to_bytes().to_vec(), government),
                    (people.hq.to_bytes().to_vec(), hq),
                ],
            },
            None,
        )
        .await?;
    for (user, role) in [
        (officer, Role::FieldOfficer),
        (government, Role::Government),
        (hq, Role::HqReviewer),
        (ngo, Role::Ngo),
    ] {
        store.add_member(id, user, role).await?;
    }
    demo_submissions(store, id, ngo).await?;
    store.set_meta(DEMO_KEY, &id.to_string()).await?;
    tracing::info!(%id, "seeded the demo engagement");
    Ok(Some(id))
}

/// The demo engagement's seven documents, written as in [`ensure_demo`] but
/// not stored: (kind, the whole document as Automerge bytes). For tests that
/// need real, fully populated documents of every kind.
pub fn demo_document_bytes() -> Vec<(DocKind, Vec<u8>)> {
    demo_documents(&People::new())
        .documents
        .into_iter()
        .map(|new| {
            let mut doc = automerge::Automerge::new();
            for change in &new.changes {
                doc.load_incremental(change)
                    .expect("changes this module just wrote");
            }
            (new.kind, doc.save())
        })
        .collect()
}

/// An NGO's submitted consultation input, waiting in the field team's
/// inbox, and its next one still in draft.
async fn demo_submissions(
    store: &Store,
    engagement: DocumentId,
    ngo: i64,
) -> Result<(), StorageError> {
    let submitted = Submission {
        engagement: engagement.to_string(),
        title: text("Pre-trial detention in Mzuzu and Lilongwe"),
        issues: text(
            "Detainees we visited in Mzuzu prison had waited on average 26 months for trial; \
             most had never seen a lawyer.",
        ),
        groups: set(&["children"]),
        affected: text(
            "Men and boys held on remand, many from rural areas, some of them under 18.",
        ),
        evidence: text("42 interviews with detainees and families, March–May 2026."),
        recommendations: text(
            "Set up a legal aid desk in each prison and review every remand over 12 months.",
        ),
        attachments: one(Attachment {
            pos: 1.0,
            label: "Visit report (PDF)".into(),
            url: "https://example.org/northern-justice-voices/detention-2026.pdf".into(),
        }),
        status: SubmissionStatus::Submitted,
        submitted_at: "2026-06-02T10:15:00Z".into(),
        ..Submission::default()
    };
    crate::submissions::seed_submission(
        store,
        engagement,
        ngo,
        submitted,
        Some(("Grace Mwale", "Northern Justice Voices")),
        Confidentiality::Public,
    )
    .await?;
    let draft = Submission {
        engagement: engagement.to_string(),
        title: text("Access to courts for women in rural areas"),
        ..Submission::default()
    };
    crate::submissions::seed_submission(
        store,
        engagement,
        ngo,
        draft,
        Some(("Grace Mwale", "Northern Justice Voices")),
        Confidentiality::Internal,
    )
    .await?;
    Ok(())
}

/// The actor each demo person writes with.
struct People {
    officer: ActorId,
    government: ActorId,
    hq: ActorId,
}

impl People {
    fn new() -> Self {
        Self {
            officer: ActorId::random(),
            government: ActorId::random(),
            hq: ActorId::random(),
        }
    }
}

const OFFICER: &str = "Amina Diallo";
const GOVERNMENT: &str = "Jean-Paul Mbeki";
const HQ: &str = "Sofia Lindqvist";

struct Demo {
    engagement: DocumentId,
    documents: Vec<NewDocument>,
}

/// Commits what was written as `actor` at `at` (RFC 3339), so the history
/// shows who wrote each part and when.
fn commit(doc: &mut AutoCommit, actor: &ActorId, at: &str, message: &str) {
    let time = OffsetDateTime::parse(at, &Rfc3339)
        .map(|t| t.unix_timestamp())
        .unwrap_or_default();
    doc.commit_with(
        CommitOptions::default()
            .with_time(time)
            .with_message(message.to_owned()),
    );
    doc.set_actor(actor.clone());
}

/// A new document written by `actor`: created, committed, and ready for more.
fn start<T: Shape>(actor: &ActorId, value: T, at: &str, message: &str) -> AutoCommit {
    let mut doc = AutoCommit::new().with_actor(actor.clone());
    docs::create(&mut doc, value).expect("writing a new in-memory document");
    commit(&mut doc, actor, at, message);
    doc
}

fn text(s: &str) -> Text {
    s.into()
}

fn set(ids: &[&str]) -> IdSet {
    ids.iter().map(|id| (id.to_string(), true)).collect()
}

fn usd(units: i64) -> Money {
    Money {
        minor: units * 100,
        currency: "USD".into(),
    }
}

fn measure(value: &str, period: &str, date: &str, source: &str) -> Measure {
    Measure {
        value: value.into(),
        period: period.into(),
        date: date.into(),
        source: text(source),
        ..Measure::default()
    }
}

fn targets(list: &[(&str, &str)]) -> Items<Measure> {
    let mut items = Items::new();
    for (value, period) in list {
        push(&mut items, measure(value, period, "", ""));
    }
    items
}

fn organisations(list: &[(&str, OrganisationRole)]) -> Items<Organisation> {
    let mut items = Items::new();
    for (name, role) in list {
        push(
            &mut items,
            Organisation {
                name: name.to_string(),
                role: *role,
                ..Organisation::default()
            },
        );
    }
    items
}

fn one<T: items::Positioned>(item: T) -> Items<T> {
    let mut items = Items::new();
    push(&mut items, item);
    items
}

fn english() -> IdSet {
    set(&["en"])
}

fn demo_documents(people: &People) -> Demo {
    let [engagement_id, request_id, assessment_id, consultations_id, parties_id, programme_id, evaluation_id] =
        std::array::from_fn(|_| DocumentId::random());

    // ---------------------------------------------------------- request
    let mut request = Request {
        classification: Classification::Internal,
        languages: english(),
        status: RequestStatus::Received,
        authority: text("Ministry of Justice and Constitutional Affairs"),
        received: "2026-01-08".into(),
        channel: Channel::NoteVerbale,
        reference: text("Note verbale MJCA/HR/2026/004"),
        scope: text(
            "The Government asks for OHCHR's technical cooperation to extend legal aid beyond \
             the main cities, to bring pre-trial detention within the limits set by law, and to \
             help the Human Rights Commission monitor places of detention, as part of \
             implementing the recommendations it supported at its last Universal Periodic Review.",
        ),
        ..Request::default()
    };
    push(
        &mut request.recommendations,
        RecommendationRef {
            mechanism: Mechanism::Upr,
            symbol: "A/HRC/52/15".into(),
            paragraph: "112.45".into(),
            ..RecommendationRef::default()
        },
    );
    push(
        &mut request.recommendations,
        RecommendationRef {
            mechanism: Mechanism::Ccpr,
            symbol: "CCPR/C/MWI/CO/2".into(),
            paragraph: "24".into(),
            ..RecommendationRef::default()
        },
    );
    let mut request_doc = start(
        &people.government,
        request,
        "2026-01-12T10:05:00Z",
        "Request recorded",
    );
    docs::update::<Request>(&mut request_doc, |r| r.status = RequestStatus::Accepted)
        .expect("writing an in-memory document");
    commit(
        &mut request_doc,
        &people.officer,
        "2026-02-02T08:40:00Z",
        "Request accepted",
    );

    // ---------------------------------------------------------- consultations
    let mut register = Consultations {
        classification: Classification::Restricted,
        languages: english(),
        ..Consultations::default()
    };
    let mut issues = Items::new();
    push(
        &mut issues,
        IssueRaised {
            text: text(
                "People held in district police cells are not brought before a magistrate \
                 within 48 hours; some wait weeks.",
            ),
            themes: set(&["accountability"]),
            recommendations: text(
                "Weekly magistrate visits to police cells; custody registers open to the \
                 Human Rights Commission.",
            ),
            ..IssueRaised::default()
        },
    );
    push(
        &mut issues,
        IssueRaised {
            text: text(
                "Paralegals are turned away from police stations unless they carry a letter \
                 from the Legal Aid Bureau.",
            ),
            themes: set(&["participation"]),
            groups: set(&["human_rights_defenders"]),
            recommendations: text("Formal recognition of accredited paralegals."),
            ..IssueRaised::default()
        },
    );
    let source = push(
        &mut register.consultations,
        Consultation {
            date: "2026-02-24".into(),
            method: ConsultationMethod::Interview,
            party_type: PartyType::Hrd,
            party: text("SRC-07"),
            participants: Participants {
                women: 1,
                ..Participants::default()
            },
            consent: Consent {
                status: ConsentStatus::Obtained,
                form: ConsentForm::Oral,
                date: "2026-02-24".into(),
                scope: set(&["internal_use", "anonymous_quote"]),
            },
            reprisal_risk: Level::High,
            confidentiality: Confidentiality::Confidential,
            summary: text(
                "A community paralegal who helps detainees' families in two northern districts \
                 described people held for weeks without seeing a lawyer or a magistrate, and \
                 families paying for information about where a relative is held.",
            ),
            issues,
            reliability: Reliability::UsuallyReliable,
            validity: Validity::Probable,
            follow_up: text("Meet again in June, in person only; never contact by phone."),
            ..Consultation::default()
        },
    );
    let mut issues = Items::new();
    push(
        &mut issues,
        IssueRaised {
            text: text(
                "Legal aid organisations cannot act for clients in districts with no \
                 court-registered lawyer.",
            ),
            themes: set(&["accountability", "non_discrimination"]),
            groups: set(&["women_girls"]),
            recommendations: text(
                "Adopt the Legal Aid regulations so that accredited paralegals may give \
                 first-line advice.",
            ),
            ..IssueRaised::default()
        },
    );
    push(
        &mut issues,
        IssueRaised {
            text: text("A draft bill would make associations re-register every year."),
            themes: set(&["participation"]),
            groups: set(&["human_rights_defenders"]),
            recommendations: text(
                "Consult civil society on the bill and bring it in line with freedom of \
                 association.",
            ),
            ..IssueRaised::default()
        },
    );
    let ngo = push(
        &mut register.consultations,
        Consultation {
            date: "2026-02-17".into(),
            method: ConsultationMethod::FocusGroup,
            party_type: PartyType::Ngo,
            party: text("Legal Aid Network (five member organisations)"),
            participants: Participants {
                women: 3,
                men: 2,
                ..Participants::default()
            },
            consent: Consent {
                status: ConsentStatus::Obtained,
                form: ConsentForm::Written,
                date: "2026-02-17".into(),
                scope: set(&["internal_use", "attribute_organisation", "share_with_un"]),
            },
            reprisal_risk: Level::Medium,
            confidentiality: Confidentiality::Internal,
            summary: text(
                "Members of a network of legal aid organisations described their work in the \
                 districts, their reliance on short project grants, and their worries about the \
                 draft bill on associations. They asked that individual members not be named.",
            ),
            issues,
            reliability: Reliability::Reliable,
            validity: Validity::Confirmed,
            follow_up: text("Share the draft needs with the network in April."),
            ..Consultation::default()
        },
    );
    let ministry = push(
        &mut register.consultations,
        Consultation {
            date: "2026-02-11".into(),
            method: ConsultationMethod::Meeting,
            party_type: PartyType::GovExecutive,
            party: text(
                "Ministry of Justice and Constitutional Affairs, Directorate of Legal Affairs",
            ),
            participants: Participants {
                women: 1,
                men: 2,
                ..Participants::default()
            },
            consent: Consent {
                status: ConsentStatus::NotRequiredPublic,
                form: ConsentForm::Oral,
                date: "2026-02-11".into(),
                scope: set(&[
                    "attribute_name",
                    "attribute_organisation",
                    "share_with_government",
                    "share_with_un",
                ]),
            },
            reprisal_risk: Level::Low,
            confidentiality: Confidentiality::Public,
            summary: text(
                "The Directorate confirmed the Ministry's priorities: regulations for the Legal \
                 Aid Act within the year, and a pilot of one case number shared by police, \
                 prosecution and courts in two districts. It asked for help costing regional \
                 legal aid offices.",
            ),
            issues: one(IssueRaised {
                text: text(
                    "Police, prosecution and courts each number cases their own way, so no one \
                     can follow a case from arrest to judgment.",
                ),
                themes: set(&["accountability"]),
                recommendations: text("Pilot a common case number in two districts."),
                ..IssueRaised::default()
            }),
            reliability: Reliability::Reliable,
            validity: Validity::Confirmed,
            follow_up: text("Send the draft programme for comment in May."),
            ..Consultation::default()
        },
    );
    let register_doc = start(
        &people.officer,
        register,
        "2026-02-25T16:30:00Z",
        "Consultations of the assessment",
    );

    // ---------------------------------------------------------- parties
    let mut parties = Parties {
        classification: Classification::StrictlyConfidential,
        ..Parties::default()
    };
    // Keyed by the consultation's id: who SRC-07 is, for the field team only.
    parties.parties.insert(
        source.clone(),
        Party {
            pos: 1.0,
            name: text("Chikondi Banda"),
            organisation: text("Community paralegal network, northern districts"),
            contact: text("Through the human rights adviser only; no phone or e-mail contact."),
        },
    );
    let parties_doc = start(
        &people.officer,
        parties,
        "2026-02-25T16:35:00Z",
        "Confidential source",
    );

    // ---------------------------------------------------------- assessment
    let mut assessment = Assessment {
        classification: Classification::Internal,
        languages: english(),
        status: AssessmentStatus::SharedWithGovernment,
        method: AssessmentMethod::FieldPresence,
        mission_start: "2026-02-09".into(),
        mission_end: "2026-03-27".into(),
        team: text(
            "Amina Diallo (human rights adviser), a national human rights officer, and a \
             consultant on criminal justice data.",
        ),
        national_context: text(
            "About two thirds of the population live in rural districts. A new Government took \
             office after the 2025 elections and put justice reform in its first-year plan. \
             Courts sit in every district, but most magistrates, prosecutors and lawyers work in \
             the three largest cities.",
        ),
        legal_framework: text(
            "The Constitution guarantees a fair trial and limits police custody to 48 hours. The \
             Legal Aid Act provides free representation in serious cases, but its regulations \
             have never been adopted. A draft bill before Parliament would make associations \
             re-register every year.",
        ),
        institutional_framework: text(
            "The Legal Aid Bureau has a head office and two regional offices. The Human Rights \
             Commission is accredited with B status; its last review noted that it may not make \
             unannounced visits to places of detention and lacks financial independence. An \
             inter-ministerial committee on reporting to the treaty bodies has not met since 2023.",
        ),
        nhri_status: NhriStatus::B,
        data_evidence: text(
            "Prison figures for 2025 show 41% of detainees held before trial, one in three of them \
             beyond the legal limit. Registers are kept on paper in each facility, and police, \
             prosecution and courts number cases differently. No figure is broken down by sex, \
             age or disability.",
        ),
        mechanism_review: text(
            "At its last Universal Periodic Review the State supported recommendations on legal \
             aid and pre-trial detention. The Human Rights Committee raised prolonged pre-trial \
             detention and the independence of the Human Rights Commission. No national body \
             tracks their implementation.",
        ),
        causal_analysis: text(
            "Detention before trial is long because legal aid lawyers are few and work in the \
             cities, because case files move slowly between police, prosecution and courts, and \
             because bail is seldom considered at first appearance. Behind these lie an \
             underfunded justice sector and the absence of shared case data.",
        ),
        role_analysis: text(
            "The Ministry of Justice must adopt the Legal Aid regulations and fund regional \
             offices; the judiciary must schedule bail reviews; the police must respect the \
             48-hour limit; the Human Rights Commission must monitor detention; the Bar \
             Association can supervise paralegals; Parliament must revise the bill on \
             associations.",
        ),
        capacity_gaps: text(
            "Magistrates have no guidance on alternatives to detention; prosecutors cannot track \
             cases; the Commission has two staff for monitoring. Detainees and their families \
             rarely know they may ask for legal aid or bail, and community paralegals are neither \
             trained nor recognised.",
        ),
        risks: text(
            "Reform depends on a budget that may be cut during the year. A paralegal reported \
             intimidation after meeting the team, so consultations were held in confidence. The \
             bill on associations could restrict partners' work.",
        ),
        gender_analysis: text(
            "Women are few among detainees but, with a single women's facility, are often held \
             far from their children. Women seeking legal aid in family and land matters face \
             pressure not to go to court, and cases of violence against women stall at the \
             police stage.",
        ),
        groups_left_behind: text(
            "Children held with adults in two district facilities; people with psychosocial \
             disabilities detained without review; rural women; people in remote districts with \
             no lawyer within a day's travel.",
        ),
        coherence: text(
            "UNDP supports court administration and a case-management pilot in the capital; \
             UNICEF works on child justice; a bilateral donor funds prison infrastructure. OHCHR \
             brings the international standards, monitoring and support to the Commission, and \
             plans its activities with UNDP to avoid overlap.",
        ),
        conclusions: text(
            "Three needs stand out: legal aid in the districts, pre-trial detention within legal \
             limits through shared case data and bail review, and the Commission's monitoring of \
             detention. The Government agrees with the first two and partly with the third.",
        ),
        ..Assessment::default()
    };
    let upr = push(
        &mut assessment.recommendations,
        MechanismRecommendation {
            mechanism: Mechanism::Upr,
            symbol: "A/HRC/52/15".into(),
            paragraph: "112.45".into(),
            cycle: "UPR fourth cycle".into(),
            date: "2023-03-30".into(),
            text: text(
                "Ensure access to free legal aid throughout the country, in particular for \
                 persons in pre-trial detention, by adopting the regulations of the Legal Aid Act.",
            ),
            recommending_state: "Portugal".into(),
            response: StateResponse::Supported,
            themes: set(&["accountability"]),
            groups: IdSet::new(),
            sdg_targets: set(&["16.3"]),
            ..MechanismRecommendation::default()
        },
    );
    let ccpr = push(
        &mut assessment.recommendations,
        MechanismRecommendation {
            mechanism: Mechanism::Ccpr,
            symbol: "CCPR/C/MWI/CO/2".into(),
            paragraph: "24".into(),
            cycle: "Second periodic report".into(),
            date: "2024-07-25".into(),
            text: text(
                "Reduce the use and length of pre-trial detention, bring every detainee promptly \
                 before a judge, and guarantee the independence and resources of the national \
                 human rights institution, including for visits to places of detention.",
            ),
            response: StateResponse::Pending,
            themes: set(&["accountability", "mechanisms"]),
            groups: IdSet::new(),
            sdg_targets: set(&["16.3", "16.a"]),
            ..MechanismRecommendation::default()
        },
    );
    let legal_aid = push(
        &mut assessment.needs,
        Need {
            title: text("Legal aid reaches the districts"),
            description: text(
                "Free legal advice and representation for detainees and for rural women, through \
                 the Legal Aid regulations, regional offices and accredited paralegals.",
            ),
            need_type: NeedType::AccessToJustice,
            groups: set(&["women_girls", "children"]),
            duty_bearers: text("Ministry of Justice; Legal Aid Bureau; Bar Association"),
            themes: set(&["accountability", "non_discrimination"]),
            sdg_targets: set(&["16.3", "10.3"]),
            recommendations: set(&[&upr]),
            consultations: set(&[&ngo, &source]),
            priority: Priority::High,
            government_position: GovernmentPosition::Agreed,
            lead: Lead::Joint,
            status: NeedStatus::Validated,
            ..Need::default()
        },
    );
    let detention = push(
        &mut assessment.needs,
        Need {
            title: text("Pre-trial detention within legal limits"),
            description: text(
                "Cases followed from arrest to judgment with one number, and bail considered at \
                 first appearance, so that no one is held beyond the legal limit.",
            ),
            need_type: NeedType::InstitutionalCapacity,
            groups: set(&["children", "persons_with_disabilities"]),
            duty_bearers: text("Judiciary; prosecution service; police; prison service"),
            themes: set(&["accountability"]),
            sdg_targets: set(&["16.3"]),
            recommendations: set(&[&upr, &ccpr]),
            consultations: set(&[&ministry, &source]),
            priority: Priority::High,
            government_position: GovernmentPosition::Agreed,
            lead: Lead::Joint,
            status: NeedStatus::Validated,
            ..Need::default()
        },
    );
    let monitoring = push(
        &mut assessment.needs,
        Need {
            title: text("The Human Rights Commission monitors places of detention"),
            description: text(
                "A mandate for unannounced visits, trained monitors and a budget of its own, so \
                 that the Commission can visit police cells and prisons and follow up.",
            ),
            need_type: NeedType::NhriStrengthening,
            duty_bearers: text("Human Rights Commission; Parliament; Ministry of Finance"),
            themes: set(&["mechanisms", "accountability"]),
            sdg_targets: set(&["16.a"]),
            recommendations: set(&[&ccpr]),
            consultations: set(&[&ngo]),
            priority: Priority::Medium,
            government_position: GovernmentPosition::Partial,
            lead: Lead::OhchrUniqueCompetence,
            status: NeedStatus::Validated,
            ..Need::default()
        },
    );
    let assessment_doc = start(
        &people.officer,
        assessment,
        "2026-04-20T14:10:00Z",
        "Assessment shared with the Government",
    );

    // ---------------------------------------------------------- programme
    let mut programme = Programme {
        classification: Classification::Internal,
        languages: english(),
        status: ProgrammeStatus::Active,
        title: text("Access to justice 2026–2028"),
        start: "2026-07-01".into(),
        end: "2028-06-30".into(),
        currency: "USD".into(),
        impact: text(
            "People in every district, detainees, women and children among them, have effective \
             access to justice, and detention respects the law.",
        ),
        ..Programme::default()
    };
    let mut legal_aid_outcome = Outcome {
        title: text(
            "Legal aid is available to detainees and rural women in six northern districts",
        ),
        needs: set(&[&legal_aid]),
        assumptions: text(
            "The Legal Aid regulations are adopted in 2026 and the Bar Association keeps \
             supervising paralegals.",
        ),
        indicators: one(Indicator {
            title: text("Detainees who met a lawyer or paralegal before their first hearing"),
            kind: IndicatorKind::Quantitative,
            unit: "%".into(),
            disaggregation: text("sex; under 18; district"),
            baseline: measure(
                "18",
                "",
                "2026-03-27",
                "Assessment survey in four district prisons",
            ),
            targets: targets(&[("35", "2027"), ("60", "2028")]),
            verification: text("Prison registers; Legal Aid Bureau case records"),
            frequency: Frequency::Biannual,
            responsible: "Legal Aid Bureau with OHCHR".into(),
            ..Indicator::default()
        }),
        ..Outcome::default()
    };
    push(
        &mut legal_aid_outcome.outputs,
        Output {
            title: text("Legal Aid regulations drafted and adopted"),
            needs: set(&[&legal_aid]),
            indicators: one(Indicator {
                title: text("Regulations adopted"),
                kind: IndicatorKind::Binary,
                baseline: measure("no", "", "2026-03-27", "Official Gazette"),
                targets: targets(&[("yes", "2026")]),
                verification: text("Official Gazette"),
                frequency: Frequency::Annual,
                responsible: "Ministry of Justice".into(),
                ..Indicator::default()
            }),
            activities: one(Activity {
                title: text("Review of the draft regulations against international standards"),
                modality: Modality::OhchrDirect,
                organisations: organisations(&[
                    ("OHCHR", OrganisationRole::Accountable),
                    ("Ministry of Justice", OrganisationRole::Implementing),
                ]),
                start: "2026-07-01".into(),
                end: "2026-09-30".into(),
                milestones: text("Comments sent to the Ministry; validation workshop held"),
                status: ActivityStatus::Completed,
                ..Activity::default()
            }),
            ..Output::default()
        },
    );
    let paralegals = push(
        &mut legal_aid_outcome.outputs,
        Output {
            title: text("Community paralegals accredited and working in six districts"),
            needs: set(&[&legal_aid, &detention]),
            indicators: one(Indicator {
                title: text("Accredited paralegals working in the northern districts"),
                kind: IndicatorKind::Quantitative,
                unit: "persons".into(),
                disaggregation: text("sex"),
                baseline: measure("4", "", "2026-03-27", "Legal Aid Bureau"),
                targets: targets(&[("30", "2027"), ("45", "2028")]),
                verification: text("Accreditation list of the Bar Association"),
                frequency: Frequency::Biannual,
                responsible: "Legal Aid Network".into(),
                ..Indicator::default()
            }),
            activities: one(Activity {
                title: text("Training and accreditation of paralegals with the Bar Association"),
                modality: Modality::ImplementingPartner,
                organisations: organisations(&[
                    ("Legal Aid Network", OrganisationRole::Implementing),
                    ("OHCHR", OrganisationRole::Accountable),
                    (
                        "UN Voluntary Fund for Technical Cooperation",
                        OrganisationRole::Funding,
                    ),
                ]),
                start: "2026-09-01".into(),
                end: "2027-06-30".into(),
                milestones: text("First 15 paralegals accredited by March 2027"),
                status: ActivityStatus::Ongoing,
                ..Activity::default()
            }),
            ..Output::default()
        },
    );
    push(&mut programme.outcomes, legal_aid_outcome);
    let mut detention_outcome = Outcome {
        title: text("Pre-trial detention is reviewed within the legal time limits"),
        needs: set(&[&detention]),
        assumptions: text(
            "The judiciary schedules bail reviews and UNDP's case-management pilot continues.",
        ),
        indicators: one(Indicator {
            title: text("Pre-trial detainees held beyond the legal limit"),
            kind: IndicatorKind::Quantitative,
            unit: "%".into(),
            disaggregation: text("sex; under 18; facility"),
            baseline: measure("33", "", "2026-03-27", "Prison service figures for 2025"),
            targets: targets(&[("25", "2027"), ("15", "2028")]),
            verification: text("Prison service quarterly returns"),
            frequency: Frequency::Quarterly,
            responsible: "Prison service".into(),
            ..Indicator::default()
        }),
        ..Outcome::default()
    };
    let mut activities = Items::new();
    push(
        &mut activities,
        Activity {
            title: text("Joint design of the common case number with UNDP and the judiciary"),
            modality: Modality::JointUn,
            organisations: organisations(&[
                ("UNDP", OrganisationRole::Implementing),
                ("OHCHR", OrganisationRole::Implementing),
                ("Judiciary", OrganisationRole::Accountable),
            ]),
            start: "2026-08-01".into(),
            end: "2027-03-31".into(),
            milestones: text("Design agreed; pilot started in two districts"),
            status: ActivityStatus::Ongoing,
            ..Activity::default()
        },
    );
    push(
        &mut activities,
        Activity {
            title: text("Guidance and training for magistrates on bail review"),
            modality: Modality::GovernmentLedOhchrSupport,
            organisations: organisations(&[
                (
                    "Judicial training institute",
                    OrganisationRole::Implementing,
                ),
                ("OHCHR", OrganisationRole::Extending),
            ]),
            start: "2026-10-01".into(),
            end: "2027-02-28".into(),
            milestones: text("Guidance published; 40 magistrates trained"),
            status: ActivityStatus::Delayed,
            ..Activity::default()
        },
    );
    let case_number = push(
        &mut detention_outcome.outputs,
        Output {
            title: text(
                "Police, prosecution and courts share one case number in two pilot districts",
            ),
            needs: set(&[&detention]),
            indicators: one(Indicator {
                title: text("Cases followed from arrest to judgment under one number"),
                kind: IndicatorKind::Quantitative,
                unit: "%".into(),
                baseline: measure("0", "", "2026-03-27", "Assessment"),
                targets: targets(&[("50", "2027"), ("80", "2028")]),
                verification: text("Sample of case files in the pilot districts"),
                frequency: Frequency::Biannual,
                responsible: "Judiciary with UNDP and OHCHR".into(),
                ..Indicator::default()
            }),
            activities,
            ..Output::default()
        },
    );
    push(&mut programme.outcomes, detention_outcome);
    for (description, likelihood, impact, mitigation, owner) in [
        (
            "The justice budget is cut during the year.",
            Level::Medium,
            Level::High,
            "Agree minimum funding for the Legal Aid Bureau in the programme's memorandum; seek \
             extrabudgetary funds for paralegals.",
            "Human rights adviser",
        ),
        (
            "Reprisals against paralegals and partners who report on detention.",
            Level::Medium,
            Level::High,
            "Handle sources in confidence; raise any incident with the authorities and follow it \
             up.",
            "Human rights adviser",
        ),
        (
            "The bill on associations restricts partner organisations.",
            Level::Low,
            Level::Medium,
            "Share a legal analysis of the bill with Parliament; advocate with the UN country \
             team.",
            "OHCHR with the Resident Coordinator",
        ),
    ] {
        push(
            &mut programme.risks,
            Risk {
                description: text(description),
                likelihood,
                impact,
                mitigation: text(mitigation),
                owner: owner.into(),
                ..Risk::default()
            },
        );
    }
    for (category, year, source, description, planned, committed, spent) in [
        (
            BudgetCategory::Staff,
            2026,
            FundingSource::RegularBudget,
            "National human rights officer (half time)",
            42_000,
            42_000,
            21_000,
        ),
        (
            BudgetCategory::ContractualServices,
            2026,
            FundingSource::Vftc,
            "Consultant: review of the Legal Aid regulations",
            18_000,
            18_000,
            18_000,
        ),
        (
            BudgetCategory::Travel,
            2026,
            FundingSource::Vftc,
            "Travel to the northern districts",
            12_500,
            6_000,
            4_800,
        ),
        (
            BudgetCategory::TransfersGrants,
            2027,
            FundingSource::Extrabudgetary,
            "Grant to the Legal Aid Network for paralegal training",
            65_000,
            30_000,
            0,
        ),
        (
            BudgetCategory::IndirectSupport,
            2026,
            FundingSource::Vftc,
            "Programme support costs (13%)",
            3_965,
            3_965,
            2_964,
        ),
    ] {
        push(
            &mut programme.budget,
            BudgetLine {
                category,
                year,
                source,
                description: text(description),
                planned: usd(planned),
                committed: usd(committed),
                spent: usd(spent),
                ..BudgetLine::default()
            },
        );
    }
    let programme_doc = start(
        &people.officer,
        programme,
        "2026-06-15T11:20:00Z",
        "Programme approved",
    );

    // ---------------------------------------------------------- evaluation
    let criterion = |rating, findings: &str| Criterion {
        rating,
        findings: text(findings),
    };
    let mut evaluation = Evaluation {
        classification: Classification::Internal,
        languages: english(),
        status: EvaluationStatus::Completed,
        title: text("Periodic review of the first months"),
        evaluation_type: EvaluationType::PeriodicReview,
        independence: Independence::SelfEvaluation,
        start: "2026-10-19".into(),
        end: "2026-11-06".into(),
        relevance: criterion(
            Rating::Satisfactory,
            "The programme answers the two needs the Government agreed with; the Commission's \
             monitoring is not yet addressed.",
        ),
        coherence: criterion(
            Rating::Satisfactory,
            "Activities are planned with UNDP's case-management pilot; no overlap was found.",
        ),
        effectiveness: criterion(
            Rating::PartlySatisfactory,
            "The regulations were reviewed and returned to the Ministry; paralegal training \
             started a month late; bail review guidance is delayed.",
        ),
        efficiency: criterion(
            Rating::Satisfactory,
            "Spending follows the plan; travel cost less than budgeted.",
        ),
        impact: criterion(Rating::NotRated, "Too early to judge."),
        sustainability: criterion(
            Rating::PartlySatisfactory,
            "Paralegals depend on one grant, and the Ministry has not yet budgeted regional \
             legal aid offices.",
        ),
        rights_gender_lens: text(
            "Women are 40% of the paralegals trained so far. Detention figures are still not \
             broken down by age, so children held with adults cannot be counted.",
        ),
        conclusions: text(
            "On track for legal aid, slower on pre-trial detention, and silent so far on the \
             Commission's monitoring of detention.",
        ),
        lessons: text("Agree training calendars with the judiciary before a programme starts."),
        follow_up: FollowUpPlan {
            decision: FollowUpDecision::Undecided,
            needs_carried: set(&[&monitoring]),
            sustainability: text(
                "The Ministry to include regional legal aid offices in its 2027 budget.",
            ),
            handover: Text::default(),
        },
        ..Evaluation::default()
    };
    for (finding, needs, outputs) in [
        (
            "Paralegals in the first district visit every police cell weekly; families now learn \
             where their relatives are held.",
            vec![legal_aid.as_str()],
            vec![paralegals.as_str()],
        ),
        (
            "Bail review guidance is delayed: the judicial training institute has no trainers \
             free before 2027.",
            vec![detention.as_str()],
            vec![case_number.as_str()],
        ),
        (
            "No activity supports the Commission's monitoring of detention, which the people \
             consulted ranked as a priority.",
            vec![monitoring.as_str()],
            vec![],
        ),
    ] {
        push(
            &mut evaluation.findings,
            Finding {
                text: text(finding),
                needs: set(&needs),
                outputs: set(&outputs),
                ..Finding::default()
            },
        );
    }
    let mut actions = Items::new();
    push(
        &mut actions,
        FollowUpAction {
            description: text(
                "Draft an output with indicators for the Commission's monitoring of detention and \
                 discuss it with the Commission.",
            ),
            responsible: OFFICER.into(),
            due: "2026-11-20".into(),
            status: ActionStatus::InProgress,
            ..FollowUpAction::default()
        },
    );
    push(
        &mut actions,
        FollowUpAction {
            description: text("Agree the new output with the Ministry at the annual review."),
            responsible: "Programme steering committee".into(),
            due: "2027-02-26".into(),
            status: ActionStatus::NotStarted,
            ..FollowUpAction::default()
        },
    );
    push(
        &mut evaluation.recommendations,
        EvaluationRecommendation {
            text: text(
                "Add an output on the Commission's monitoring of detention to the next annual plan.",
            ),
            addressee: "OHCHR human rights adviser".into(),
            priority: Priority::High,
            response: ManagementDecision::Accepted,
            justification: text(
                "The need was validated, the Government partly agrees, and the Commission has \
                 asked for support.",
            ),
            actions,
            ..EvaluationRecommendation::default()
        },
    );
    let evaluation_doc = start(
        &people.hq,
        evaluation,
        "2026-11-09T09:00:00Z",
        "Periodic review",
    );

    // ---------------------------------------------------------- engagement
    let mut engagement = Engagement {
        classification: Classification::Internal,
        languages: english(),
        country: "MWI".into(),
        title: text("Access to justice in the northern districts (demonstration, fictional data)"),
        presence: PresenceType::HrAdviser,
        stage: Stage::Requested,
        documents: DocumentLinks {
            request: request_id.to_string(),
            assessment: assessment_id.to_string(),
            consultations: consultations_id.to_string(),
            parties: parties_id.to_string(),
            programme: programme_id.to_string(),
            evaluations: one(EvaluationLink {
                document: evaluation_id.to_string(),
                title: "Periodic review of the first months".into(),
                kind: EvaluationType::PeriodicReview,
                ..EvaluationLink::default()
            }),
        },
        ..Engagement::default()
    };
    for (name, role, function) in [
        (OFFICER, Role::FieldOfficer, "Human rights adviser"),
        (HQ, Role::HqReviewer, "Desk officer, headquarters"),
        (
            GOVERNMENT,
            Role::Government,
            "Focal point, Ministry of Justice",
        ),
    ] {
        push(
            &mut engagement.team,
            TeamMember {
                name: name.into(),
                role: role.as_str().into(),
                function: function.into(),
                ..TeamMember::default()
            },
        );
    }
    push(
        &mut engagement.stage_history,
        StageMove {
            from: Stage::Requested,
            to: Stage::Requested,
            by: OFFICER.into(),
            at: "2026-01-12T09:30:00Z".into(),
            note: "created".into(),
            ..StageMove::default()
        },
    );
    let mut engagement_doc = start(
        &people.officer,
        engagement,
        "2026-01-12T09:30:00Z",
        "Engagement created",
    );
    for (from, to, by, actor, at, note) in [
        (
            Stage::Requested,
            Stage::Assessing,
            OFFICER,
            &people.officer,
            "2026-02-02T08:45:00Z",
            "Request accepted; the field presence assesses the needs.",
        ),
        (
            Stage::Assessing,
            Stage::Programming,
            HQ,
            &people.hq,
            "2026-04-20T15:00:00Z",
            "Assessment validated at headquarters and shared with the Government.",
        ),
        (
            Stage::Programming,
            Stage::Implementing,
            OFFICER,
            &people.officer,
            "2026-06-22T10:00:00Z",
            "Programme approved with the Ministry of Justice.",
        ),
        (
            Stage::Implementing,
            Stage::Evaluating,
            OFFICER,
            &people.officer,
            "2026-10-19T08:30:00Z",
            "Periodic review of the first months.",
        ),
    ] {
        engagement_doc.set_actor(actor.clone());
        docs::update::<Engagement>(&mut engagement_doc, |e| {
            e.stage = to;
            push(
                &mut e.stage_history,
                StageMove {
                    from,
                    to,
                    by: by.into(),
                    at: at.into(),
                    note: note.into(),
                    ..StageMove::default()
                },
            );
        })
        .expect("writing an in-memory document");
        commit(&mut engagement_doc, actor, at, note);
    }

    let doc = |id, kind, mut doc: AutoCommit, shared| NewDocument {
        id,
        kind,
        changes: changes_of(&mut doc),
        shared_with_government: shared,
    };
    let documents = vec![
        doc(engagement_id, DocKind::Engagement, engagement_doc, false),
        doc(request_id, DocKind::Request, request_doc, true),
        doc(assessment_id, DocKind::Assessment, assessment_doc, true),
        doc(
            consultations_id,
            DocKind::Consultations,
            register_doc,
            false,
        ),
        doc(parties_id, DocKind::Parties, parties_doc, false),
        doc(programme_id, DocKind::Programme, programme_doc, true),
        doc(evaluation_id, DocKind::Evaluation, evaluation_doc, false),
    ];
    Demo {
        engagement: engagement_id,
        documents,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use accord_shared::docs::trace::{open_needs, output_count, overdue_actions, trace};
    use accord_shared::docs::validate;

    async fn read<T: Shape>(store: &Store, id: &str) -> T {
        let id: DocumentId = id.parse().unwrap();
        let doc = crate::engagements::load_document(store, id).await.unwrap();
        docs::open(&doc).unwrap()
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn seeds_a_whole_cycle_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        ensure_demo_accounts(&store).await.unwrap();
        let first = ensure_demo(&store).await.unwrap().expect("seeded");
        assert_eq!(ensure_demo(&store).await.unwrap(), Some(first));
        assert_eq!(store.document_count().await.unwrap(), 9);

        let attached = store.engagement_documents(first).await.unwrap();
        assert_eq!(
            attached.len(),
            9,
            "7 documents of the cycle and 2 submissions"
        );
        let officer = Accounts::new(store.clone())
            .user_by_email(DEMO_ACCOUNTS[0].0)
            .await
            .unwrap()
            .unwrap();
        assert!(attached
            .iter()
            .filter(|a| a.governance.kind != DocKind::Submission)
            .all(|a| a.owner == Some(officer.id)));
        let mut submitted: Vec<bool> = attached
            .iter()
            .filter(|a| a.governance.kind == DocKind::Submission)
            .map(|a| a.governance.submitted)
            .collect();
        submitted.sort();
        assert_eq!(submitted, vec![false, true], "one draft, one submitted");
        let shared: Vec<&str> = attached
            .iter()
            .filter(|a| a.governance.shared_with_government)
            .map(|a| a.governance.kind.as_str())
            .collect();
        assert_eq!(shared.len(), 3);
        for kind in ["request", "assessment", "programme"] {
            assert!(shared.contains(&kind), "{kind} is shared");
        }
        let members = store.members(first).await.unwrap();
        assert_eq!(members.len(), 4);

        let e: Engagement = read(&store, &first.to_string()).await;
        assert_eq!(e.stage, Stage::Evaluating);
        assert_eq!(e.stage_history.len(), 5);
        assert_eq!(e.documents.evaluations.len(), 1);
        let a: Assessment = read(&store, &e.documents.assessment).await;
        let c: Consultations = read(&store, &e.documents.consultations).await;
        let p: Programme = read(&store, &e.documents.programme).await;
        let parties: Parties = read(&store, &e.documents.parties).await;
        let eval_id = e
            .documents
            .evaluations
            .values()
            .next()
            .unwrap()
            .document
            .clone();
        let ev: Evaluation = read(&store, &eval_id).await;
        let _: Request = read(&store, &e.documents.request).await;

        assert_eq!(open_needs(&a), 3);
        assert_eq!(output_count(&p), 3);
        assert_eq!(overdue_actions(&ev, "2026-12-01"), 1);
        let t = trace(&a, Some(&c), Some(&p), &[(eval_id, ev)]);
        assert_eq!(t.unaddressed().count(), 1, "one need is left for the flag");
        // The confidential party is only a source code in the register, its identity in the parties.
        let (source, consultation) = c
            .consultations
            .iter()
            .find(|(_, c)| c.confidentiality == Confidentiality::Confidential)
            .unwrap();
        assert_eq!(consultation.party.as_str(), "SRC-07");
        assert!(parties.parties.contains_key(source));
        // Nothing for an editor to flag in the programme or the assessment.
        assert_eq!(validate::programme(&p), vec![], "programme problems");
        assert_eq!(validate::assessment(&a), vec![], "assessment problems");
    }
}
