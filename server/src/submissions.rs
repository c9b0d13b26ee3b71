//! Consultation intake: NGOs and individuals contribute input safely.
//!
//! A submission is its author's own Automerge document (`Submission`),
//! written through the relay until its author presses Submit; the relay then
//! refuses every further change. Who wrote it, the consent they gave and the
//! confidentiality they chose are kept here, in the `submissions` table,
//! never in the document, so a reader who may not know a confidential source
//! receives nothing that names it: the API masks the source by the reader's
//! rights (the same rule as the confidential parties).
//!
//! Individuals need no account: a field officer makes a submission link
//! (one engagement, expiring, revocable). Nothing is stored until the
//! person gives consent; then a contributor account of role `individual`
//! is made for the link (it cannot sign in with a password), it becomes a
//! member of the engagement, gets a session ending when the link does, and
//! its submission is created. As a member only while the link is valid
//! (`Store::membership`), it reads and writes that one submission and
//! nothing else; contributors cannot create documents through the relay.
//!
//! Withdrawal (by the author, or by the field team on their behalf) hides
//! the submission from every reader and every export; it is recorded with
//! who and when, and audited.

use accord_shared::docs::vocab::Confidentiality;
use accord_shared::docs::{self, Engagement, Submission};
use accord_shared::policy::{DocFacts, DocKind, Role, WritePolicy};
use accord_shared::DocumentId;
use automerge::ActorId;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use rusqlite::{params, OptionalExtension};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::{
    self, bad_request as bad, json_body as body, storage_failed, AppError, CurrentUser,
};
use crate::audit;
use crate::auth::{new_secret, secret_hash, User, SESSION_TTL};
use crate::engagements::{new_document, read_as, rfc3339};
use crate::storage::{
    insert_governed, now_secs, upsert_member, NewDocument, Provenance, StorageError, Store,
};
use crate::sync::role_without_membership;
use crate::web::AppState;

/// How long a submission link stays valid unless said otherwise, and at most.
const DEFAULT_LINK_DAYS: i64 = 14;
const MAX_LINK_DAYS: i64 = 90;
/// Longest name, organisation, contact or label accepted, in characters.
const MAX_FIELD: usize = 300;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/engagements/{id}/submission-links",
            get(list_links).post(create_link),
        )
        .route("/submission-links/{id}", delete(revoke_link))
        .route("/links/{token}", get(link_info))
        .route("/links/{token}/consent", post(link_consent))
        .route(
            "/engagements/{id}/submissions",
            get(list_submissions).post(create_own),
        )
        .route("/engagements/{id}/submissions/export.csv", get(export_csv))
        .route("/submissions/{id}", get(one))
        .route("/submissions/{id}/reviewed", post(set_reviewed))
        .route("/submissions/{id}/withdraw", post(withdraw))
        .route("/contributions", get(contributions))
}

// ------------------------------------------------------------------ errors

fn no_engagement() -> AppError {
    AppError::new(StatusCode::NOT_FOUND, "No such engagement.")
}

fn no_submission() -> AppError {
    AppError::new(StatusCode::NOT_FOUND, "No such submission.")
}

fn opt_time(secs: Option<i64>) -> Value {
    secs.map_or(Value::Null, |s| Value::String(rfc3339(s)))
}

// ------------------------------------------------------------------ who is asking

/// A person's role in an engagement (admins everywhere), if the engagement exists.
async fn role_in(
    store: &Store,
    user: &User,
    engagement: DocumentId,
) -> Result<Option<(Role, bool)>, AppError> {
    let governance = store.governance(engagement).await.map_err(storage_failed)?;
    if !governance.is_some_and(|g| g.kind == DocKind::Engagement && g.engagement == engagement) {
        return Ok(None);
    }
    if let Some(role) = role_without_membership(user, DocKind::Engagement) {
        return Ok(Some((role, false)));
    }
    Ok(store
        .membership(engagement, user.id)
        .await
        .map_err(storage_failed)?
        .map(|m| (m.role, m.parties_granted)))
}

/// The field team and headquarters: those who read submitted submissions.
fn is_team(role: Role) -> bool {
    WritePolicy::may_read(
        role,
        DocKind::Submission,
        DocFacts {
            submitted: true,
            ..DocFacts::default()
        },
    )
}

/// Those who write links, mark reviewed and withdraw on a contributor's behalf.
fn is_field_team(role: Role) -> bool {
    matches!(role, Role::Admin | Role::FieldOfficer)
}

/// Roles that write submissions of their own.
fn is_contributor(role: Role) -> bool {
    WritePolicy::may_write(
        role,
        DocKind::Submission,
        &[],
        DocFacts {
            own: true,
            ..DocFacts::default()
        },
    )
    .is_ok()
        && !matches!(role, Role::Admin)
}

// ------------------------------------------------------------------ the record

/// A submission as the `submissions` table keeps it.
#[derive(Debug, Clone)]
struct Record {
    id: DocumentId,
    engagement: DocumentId,
    author: i64,
    via_link: bool,
    anonymous: bool,
    name: String,
    organisation: String,
    contact: String,
    confidentiality: String,
    consent_at: i64,
    submitted_at: Option<i64>,
    reviewed_at: Option<i64>,
    reviewed_by: Option<String>,
    withdrawn_at: Option<i64>,
    withdrawn_by: Option<String>,
}

const RECORD_SQL: &str =
    "SELECT s.doc_id, s.engagement, s.author, s.link_id IS NOT NULL, s.anonymous,
        s.name, s.organisation, s.contact, s.confidentiality, s.consent_at, s.submitted_at,
        s.reviewed_at, r.name, s.withdrawn_at, w.name
    FROM submissions s
    LEFT JOIN users r ON r.id = s.reviewed_by
    LEFT JOIN users w ON w.id = s.withdrawn_by";

fn row_to_record(r: &rusqlite::Row<'_>) -> rusqlite::Result<Option<Record>> {
    let id: Vec<u8> = r.get(0)?;
    let engagement: Vec<u8> = r.get(1)?;
    let (Ok(id), Ok(engagement)) = (
        <[u8; 16]>::try_from(id.as_slice()),
        <[u8; 16]>::try_from(engagement.as_slice()),
    ) else {
        return Ok(None);
    };
    Ok(Some(Record {
        id: DocumentId::from_bytes(id),
        engagement: DocumentId::from_bytes(engagement),
        author: r.get(2)?,
        via_link: r.get(3)?,
        anonymous: r.get(4)?,
        name: r.get(5)?,
        organisation: r.get(6)?,
        contact: r.get(7)?,
        confidentiality: r.get(8)?,
        consent_at: r.get(9)?,
        submitted_at: r.get(10)?,
        reviewed_at: r.get(11)?,
        reviewed_by: r.get(12)?,
        withdrawn_at: r.get(13)?,
        withdrawn_by: r.get(14)?,
    }))
}

async fn records_of(store: &Store, engagement: DocumentId) -> Result<Vec<Record>, AppError> {
    store
        .query(move |db| {
            let mut stmt = db.prepare(&format!(
                "{RECORD_SQL} WHERE s.engagement = ?1 ORDER BY s.consent_at, s.doc_id"
            ))?;
            let rows = stmt.query_map([engagement.as_bytes().as_slice()], row_to_record)?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
        })
        .await
        .map(|rows| rows.into_iter().flatten().collect())
        .map_err(storage_failed)
}

async fn record(store: &Store, id: DocumentId) -> Result<Option<Record>, AppError> {
    store
        .query(move |db| {
            db.query_row(
                &format!("{RECORD_SQL} WHERE s.doc_id = ?1"),
                [id.as_bytes().as_slice()],
                row_to_record,
            )
            .optional()
        })
        .await
        .map(Option::flatten)
        .map_err(storage_failed)
}

/// What a reader may know of one submission.
struct Reader {
    user_id: i64,
    role: Role,
    parties_granted: bool,
}

impl Reader {
    fn own(&self, r: &Record) -> bool {
        r.author == self.user_id
    }

    /// Whether the reader sees this submission in a list at all.
    fn lists(&self, r: &Record) -> bool {
        self.own(r)
            || (is_team(self.role) && (r.submitted_at.is_some() || r.withdrawn_at.is_some()))
    }

    /// Whether the reader receives its content (the relay's rule).
    fn reads(&self, r: &Record) -> bool {
        WritePolicy::may_read(
            self.role,
            DocKind::Submission,
            DocFacts {
                own: self.own(r),
                submitted: r.submitted_at.is_some(),
                withdrawn: r.withdrawn_at.is_some(),
                ..DocFacts::default()
            },
        )
    }

    /// Whether the reader may know who a source is: everyone who reads the
    /// submission, except a confidential one, whose identity only those who
    /// may read the confidential parties (and its author) learn.
    fn knows_source(&self, r: &Record) -> bool {
        self.own(r)
            || r.confidentiality != Confidentiality::Confidential.as_str()
            || WritePolicy::may_read(
                self.role,
                DocKind::Parties,
                DocFacts {
                    parties_granted: self.parties_granted,
                    ..DocFacts::default()
                },
            )
    }

    /// The source as this reader may see it.
    fn source(&self, r: &Record) -> Value {
        if r.anonymous {
            return json!({ "anonymous": true, "masked": false, "name": "", "organisation": "", "contact": "" });
        }
        if r.withdrawn_at.is_some() || !self.knows_source(r) {
            return json!({ "anonymous": false, "masked": true, "name": "", "organisation": "", "contact": "" });
        }
        json!({
            "anonymous": false,
            "masked": false,
            "name": r.name,
            "organisation": r.organisation,
            "contact": r.contact,
        })
    }

    fn entry(&self, r: &Record, title: &str) -> Value {
        let status = if r.withdrawn_at.is_some() {
            "withdrawn"
        } else if r.submitted_at.is_some() {
            "submitted"
        } else {
            "draft"
        };
        json!({
            "id": r.id.to_string(),
            "engagement": r.engagement.to_string(),
            "status": status,
            "title": if self.reads(r) { title } else { "" },
            "created_at": rfc3339(r.consent_at),
            "submitted_at": opt_time(r.submitted_at),
            "reviewed_at": opt_time(r.reviewed_at),
            "reviewed_by": r.reviewed_by,
            "withdrawn_at": opt_time(r.withdrawn_at),
            "withdrawn_by": r.withdrawn_by,
            "confidentiality": r.confidentiality,
            "via": if r.via_link { "link" } else { "account" },
            "source": self.source(r),
            "own": self.own(r),
        })
    }
}

async fn entry_for(store: &Store, reader: &Reader, r: &Record) -> Value {
    let title = if reader.reads(r) {
        read_as::<Submission>(store, r.id)
            .await
            .map(|s| s.title.as_str().trim().to_owned())
            .unwrap_or_default()
    } else {
        String::new()
    };
    reader.entry(r, &title)
}

/// How many submissions of the engagement wait for the field team: submitted,
/// not yet reviewed, not withdrawn (for the dashboard). `None` if it cannot be read.
pub(crate) async fn waiting_count(store: &Store, engagement: DocumentId) -> Option<u32> {
    store
        .query(move |db| {
            db.query_row(
                "SELECT count(*) FROM submissions WHERE engagement = ?1 AND submitted_at IS NOT NULL
                   AND reviewed_at IS NULL AND withdrawn_at IS NULL",
                [engagement.as_bytes().as_slice()],
                |r| r.get::<_, u32>(0),
            )
        })
        .await
        .map_err(|e| tracing::error!(error = %e, "could not count the waiting submissions"))
        .ok()
}

/// Whether the role reads the engagement's submitted submissions (the team).
pub(crate) fn reads_submissions(role: Role) -> bool {
    is_team(role)
}

// ------------------------------------------------------------------ consent

/// What a person agrees to before anything of theirs is stored.
#[derive(Deserialize)]
struct ConsentForm {
    #[serde(default)]
    consent: bool,
    #[serde(default = "yes")]
    anonymous: bool,
    #[serde(default)]
    name: String,
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    contact: String,
    confidentiality: String,
}

fn yes() -> bool {
    true
}

/// A consent that can be stored: identity empty when anonymous.
struct Consent {
    anonymous: bool,
    name: String,
    organisation: String,
    contact: String,
    confidentiality: Confidentiality,
}

impl ConsentForm {
    fn check(self) -> Result<Consent, AppError> {
        if !self.consent {
            return Err(bad(
                "Nothing was saved: consent is needed before a submission can be started.",
            ));
        }
        let confidentiality: Confidentiality = self.confidentiality.parse().map_err(|_| {
            bad(format!(
                "Unknown confidentiality {:?}; choose public, internal or confidential.",
                self.confidentiality.chars().take(40).collect::<String>()
            ))
        })?;
        let field = |label: &str, value: String| -> Result<String, AppError> {
            let value = value.trim().to_owned();
            if value.chars().count() > MAX_FIELD {
                return Err(bad(format!(
                    "The {label} is longer than {MAX_FIELD} characters."
                )));
            }
            Ok(value)
        };
        if self.anonymous {
            return Ok(Consent {
                anonymous: true,
                name: String::new(),
                organisation: String::new(),
                contact: String::new(),
                confidentiality,
            });
        }
        let name = field("name", self.name)?;
        let organisation = field("organisation", self.organisation)?;
        if name.is_empty() && organisation.is_empty() {
            return Err(bad(
                "Give a name or an organisation, or choose to stay anonymous.",
            ));
        }
        Ok(Consent {
            anonymous: false,
            name,
            organisation,
            contact: field("contact", self.contact)?,
            confidentiality,
        })
    }
}

/// The new submission document for `engagement`, written by an actor bound to `author`.
fn new_submission(engagement: DocumentId, author: i64) -> (NewDocument, Provenance) {
    let actor = ActorId::random();
    let changes = new_document(
        &actor,
        Submission {
            engagement: engagement.to_string(),
            ..Submission::default()
        },
    );
    (
        NewDocument {
            id: DocumentId::random(),
            kind: DocKind::Submission,
            changes,
            shared_with_government: false,
        },
        Provenance {
            owner: Some(author),
            new_actors: vec![(actor.to_bytes().to_vec(), author)],
        },
    )
}

fn insert_record(
    db: &rusqlite::Connection,
    doc: DocumentId,
    engagement: DocumentId,
    author: i64,
    link: Option<i64>,
    consent: &Consent,
) -> rusqlite::Result<usize> {
    db.execute(
        "INSERT INTO submissions (doc_id, engagement, author, link_id, anonymous, name, organisation,
             contact, confidentiality, consent_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            doc.as_bytes().as_slice(),
            engagement.as_bytes().as_slice(),
            author,
            link,
            consent.anonymous,
            consent.name,
            consent.organisation,
            consent.contact,
            consent.confidentiality.as_str(),
            now_secs(),
        ],
    )
}

/// `POST /api/engagements/{id}/submissions`: a member who writes their own
/// submissions (NGO, government, individual) starts one, consent first.
async fn create_own(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    form: Result<Json<ConsentForm>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let engagement = DocumentId::parse_url_or_id(&id).map_err(|_| no_engagement())?;
    let Some((role, _)) = role_in(&state.store, &user, engagement).await? else {
        return Err(no_engagement());
    };
    if !is_contributor(role) {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            format!(
                "Your role in this engagement ({role}) does not write consultation submissions; \
                 the field team records consultations in the register."
            ),
        ));
    }
    let consent = body(form)?.check()?;
    let (doc, provenance) = new_submission(engagement, user.id);
    let doc_id = doc.id;
    let bindings = provenance.new_actors.clone();
    let author = user.id;
    state
        .store
        .write(move |db| {
            insert_governed(db, engagement, &[doc], &provenance)?;
            insert_record(db, doc_id, engagement, author, None, &consent)
        })
        .await
        .map_err(storage_failed)?;
    state.relay.remember_actors(&bindings);
    audit::record(
        &state.store,
        "submission_started",
        &user.email,
        &format!("{doc_id} for engagement {engagement} (consent given)"),
    )
    .await
    .map_err(storage_failed)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "submission": doc_id.to_string() })),
    ))
}

/// Writes a whole submission for the demo data (`seed.rs`): its document by
/// an actor bound to `author`, its record, and the submitted flag when the
/// document says so.
pub(crate) async fn seed_submission(
    store: &Store,
    engagement: DocumentId,
    author: i64,
    value: Submission,
    source: Option<(&str, &str)>,
    confidentiality: Confidentiality,
) -> Result<DocumentId, StorageError> {
    let actor = ActorId::random();
    let submitted = value.status == accord_shared::docs::vocab::SubmissionStatus::Submitted;
    let doc = NewDocument {
        id: DocumentId::random(),
        kind: DocKind::Submission,
        changes: new_document(&actor, value),
        shared_with_government: false,
    };
    let id = doc.id;
    let provenance = Provenance {
        owner: Some(author),
        new_actors: vec![(actor.to_bytes().to_vec(), author)],
    };
    let consent = Consent {
        anonymous: source.is_none(),
        name: source.map(|s| s.0.to_owned()).unwrap_or_default(),
        organisation: source.map(|s| s.1.to_owned()).unwrap_or_default(),
        contact: String::new(),
        confidentiality,
    };
    store
        .write(move |db| {
            insert_governed(db, engagement, &[doc], &provenance)?;
            insert_record(db, id, engagement, author, None, &consent)?;
            if submitted {
                let key = id.as_bytes().as_slice();
                db.execute(
                    "UPDATE documents SET submitted = 1 WHERE doc_id = ?1",
                    [key],
                )?;
                db.execute(
                    "UPDATE submissions SET submitted_at = ?2 WHERE doc_id = ?1",
                    params![key, now_secs()],
                )?;
            }
            Ok(())
        })
        .await?;
    Ok(id)
}

// ------------------------------------------------------------------ links

#[derive(Deserialize)]
struct NewLink {
    #[serde(default)]
    label: String,
    #[serde(default)]
    days: Option<i64>,
    /// For tests and scripts: a validity in seconds instead of days.
    #[serde(default)]
    seconds: Option<i64>,
}

/// `POST /api/engagements/{id}/submission-links`: a field officer makes a link.
async fn create_link(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    form: Result<Json<NewLink>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let engagement = DocumentId::parse_url_or_id(&id).map_err(|_| no_engagement())?;
    let role = field_team_role(&state.store, &user, engagement).await?;
    let form = body(form)?;
    let label = form.label.trim().to_owned();
    if label.chars().count() > MAX_FIELD {
        return Err(bad(format!(
            "The label is longer than {MAX_FIELD} characters."
        )));
    }
    let valid_for = match (form.seconds, form.days) {
        (Some(s), _) if (1..=MAX_LINK_DAYS * 86_400).contains(&s) => s,
        (Some(_), _) => {
            return Err(bad(format!(
                "A link is valid for between 1 second and {MAX_LINK_DAYS} days."
            )))
        }
        (None, Some(d)) if (1..=MAX_LINK_DAYS).contains(&d) => d * 86_400,
        (None, Some(_)) => {
            return Err(bad(format!(
                "A link is valid for between 1 and {MAX_LINK_DAYS} days."
            )))
        }
        (None, None) => DEFAULT_LINK_DAYS * 86_400,
    };
    let token = new_secret();
    let hash = secret_hash(&token);
    let (now, by) = (now_secs(), user.id);
    let expires_at = now + valid_for;
    let l = label.clone();
    let link_id = state
        .store
        .write(move |db| {
            db.execute(
                "INSERT INTO submission_links (engagement, token_hash, label, created_by, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![engagement.as_bytes().as_slice(), hash, l, by, now, expires_at],
            )?;
            Ok(db.last_insert_rowid())
        })
        .await
        .map_err(storage_failed)?;
    audit::record(
        &state.store,
        "submission_link_created",
        &user.email,
        &format!(
            "link {link_id} “{label}” for engagement {engagement} as {role}, expires {}",
            rfc3339(expires_at)
        ),
    )
    .await
    .map_err(storage_failed)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": link_id,
            "token": token,
            "path": format!("/submit/{token}"),
            "label": label,
            "expires_at": rfc3339(expires_at),
        })),
    ))
}

/// The person's role if it is a field officer or admin of the engagement;
/// 404 for those who may not see it, 403 for other members.
async fn field_team_role(
    store: &Store,
    user: &User,
    engagement: DocumentId,
) -> Result<Role, AppError> {
    let Some((role, _)) = role_in(store, user, engagement).await? else {
        return Err(no_engagement());
    };
    if !is_field_team(role) {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            format!(
                "Your role in this engagement ({role}) may not do this; ask a field officer of the engagement."
            ),
        ));
    }
    Ok(role)
}

/// `GET /api/engagements/{id}/submission-links`.
async fn list_links(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let engagement = DocumentId::parse_url_or_id(&id).map_err(|_| no_engagement())?;
    field_team_role(&state.store, &user, engagement).await?;
    let now = now_secs();
    let links = state
        .store
        .query(move |db| {
            let mut stmt = db.prepare(
                "SELECT id, label, created_at, expires_at, revoked_at, user_id IS NOT NULL
                 FROM submission_links WHERE engagement = ?1 ORDER BY created_at DESC, id DESC",
            )?;
            let rows = stmt.query_map([engagement.as_bytes().as_slice()], |r| {
                let (id, label, created, expires, revoked, used): (
                    i64,
                    String,
                    i64,
                    i64,
                    Option<i64>,
                    bool,
                ) = (
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                );
                let state = if revoked.is_some() {
                    "revoked"
                } else if expires <= now {
                    "expired"
                } else if used {
                    "used"
                } else {
                    "open"
                };
                Ok(json!({
                    "id": id,
                    "label": label,
                    "created_at": rfc3339(created),
                    "expires_at": rfc3339(expires),
                    "revoked_at": opt_time(revoked),
                    "used": used,
                    "state": state,
                }))
            })?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
        })
        .await
        .map_err(storage_failed)?;
    Ok(Json(Value::Array(links)))
}

/// `DELETE /api/submission-links/{id}`: the link stops working at once; its
/// contributor is signed out and their open connections stop being served.
/// What they already submitted stays with the field team.
async fn revoke_link(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    let not_found = || AppError::new(StatusCode::NOT_FOUND, "No such submission link.");
    let found = state
        .store
        .query(move |db| {
            db.query_row(
                "SELECT engagement FROM submission_links WHERE id = ?1",
                [id],
                |r| r.get::<_, Vec<u8>>(0),
            )
            .optional()
        })
        .await
        .map_err(storage_failed)?;
    let engagement = found
        .and_then(|e| <[u8; 16]>::try_from(e.as_slice()).ok())
        .map(DocumentId::from_bytes)
        .ok_or_else(not_found)?;
    field_team_role(&state.store, &user, engagement)
        .await
        .map_err(|e| {
            if e.status() == StatusCode::FORBIDDEN {
                e
            } else {
                not_found()
            }
        })?;
    let now = now_secs();
    let docs = state
        .store
        .write(move |db| {
            db.execute(
                "UPDATE submission_links SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
                params![id, now],
            )?;
            db.execute(
                "DELETE FROM sessions WHERE user_id = (SELECT user_id FROM submission_links WHERE id = ?1)",
                [id],
            )?;
            let mut stmt = db.prepare("SELECT doc_id FROM submissions WHERE link_id = ?1")?;
            let rows = stmt.query_map([id], |r| r.get::<_, Vec<u8>>(0))?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
        })
        .await
        .map_err(storage_failed)?;
    audit::record(
        &state.store,
        "submission_link_revoked",
        &user.email,
        &format!("link {id} of engagement {engagement}"),
    )
    .await
    .map_err(storage_failed)?;
    for doc in docs {
        if let Ok(doc) = <[u8; 16]>::try_from(doc.as_slice()) {
            state.relay.recheck(DocumentId::from_bytes(doc)).await;
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

/// A link as its token finds it.
struct Link {
    id: i64,
    engagement: DocumentId,
    expires_at: i64,
    revoked: bool,
    user: Option<i64>,
}

async fn link_by_token(store: &Store, token: &str) -> Result<Link, AppError> {
    let not_found = || {
        AppError::new(
            StatusCode::NOT_FOUND,
            "This submission link is not known. Check that it was copied whole, or ask the field team for a new one.",
        )
    };
    if token.len() > 200 {
        return Err(not_found());
    }
    let hash = secret_hash(token);
    let row = store
        .query(move |db| {
            db.query_row(
                "SELECT id, engagement, expires_at, revoked_at IS NOT NULL, user_id
                 FROM submission_links WHERE token_hash = ?1",
                [hash],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, Vec<u8>>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, bool>(3)?,
                        r.get::<_, Option<i64>>(4)?,
                    ))
                },
            )
            .optional()
        })
        .await
        .map_err(storage_failed)?;
    let (id, engagement, expires_at, revoked, user) = row.ok_or_else(not_found)?;
    let engagement = <[u8; 16]>::try_from(engagement.as_slice())
        .map(DocumentId::from_bytes)
        .map_err(|_| not_found())?;
    let link = Link {
        id,
        engagement,
        expires_at,
        revoked,
        user,
    };
    if link.revoked {
        return Err(AppError::new(
            StatusCode::GONE,
            "This submission link has been withdrawn by the field team. Ask them for a new one if you still want to contribute.",
        ));
    }
    if link.expires_at <= now_secs() {
        return Err(AppError::new(
            StatusCode::GONE,
            "This submission link has expired. Ask the field team for a new one if you still want to contribute.",
        ));
    }
    Ok(link)
}

/// `GET /api/links/{token}`: what the person is asked to consent to. Stores nothing.
async fn link_info(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Json<Value>, AppError> {
    let link = link_by_token(&state.store, &token).await?;
    let engagement = read_as::<Engagement>(&state.store, link.engagement)
        .await
        .unwrap_or_default();
    Ok(Json(json!({
        "engagement": {
            "id": link.engagement.to_string(),
            "title": engagement.title.as_str(),
            "country": engagement.country,
        },
        "expires_at": rfc3339(link.expires_at),
        "consented": link.user.is_some(),
    })))
}

/// `POST /api/links/{token}/consent`: with consent given, the link's
/// contributor account, its membership, its submission and a session, all
/// in one transaction; without it, nothing. Again for a used link: a new
/// session for the same contributor and submission.
async fn link_consent(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    form: Result<Json<ConsentForm>, JsonRejection>,
) -> Result<Response, AppError> {
    let link = link_by_token(&state.store, &token).await?;
    let consent = body(form)?.check()?;
    let session = new_secret();
    let session_hash = secret_hash(&session);
    let engagement = link.engagement;
    let expires = link.expires_at.min(now_secs() + 30 * 86_400);
    let (doc, provenance) = new_submission(engagement, 0);
    let link_id = link.id;
    let created = state
        .store
        .write(move |db| {
            let existing: Option<(i64, Vec<u8>)> = db
                .query_row(
                    "SELECT l.user_id, s.doc_id FROM submission_links l
                     JOIN submissions s ON s.link_id = l.id WHERE l.id = ?1",
                    [link_id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let (user, doc_id, bindings) = match existing {
                Some((user, doc)) => (user, doc, Vec::new()),
                None => {
                    db.execute(
                        "INSERT INTO users (email, name, role, password_hash, created_at)
                         VALUES (?1, ?2, ?3, '!submission-link', ?4)",
                        params![
                            format!("link-{link_id}-{}@contributors.invalid", &new_secret()[..8]),
                            if consent.anonymous || consent.name.is_empty() {
                                "Anonymous contributor".to_owned()
                            } else {
                                consent.name.clone()
                            },
                            Role::Individual.as_str(),
                            now_secs()
                        ],
                    )?;
                    let user = db.last_insert_rowid();
                    db.execute(
                        "UPDATE submission_links SET user_id = ?2 WHERE id = ?1",
                        params![link_id, user],
                    )?;
                    upsert_member(db, engagement, user, Role::Individual)?;
                    let provenance = Provenance {
                        owner: Some(user),
                        new_actors: provenance
                            .new_actors
                            .iter()
                            .map(|(a, _)| (a.clone(), user))
                            .collect(),
                    };
                    insert_governed(db, engagement, std::slice::from_ref(&doc), &provenance)?;
                    insert_record(db, doc.id, engagement, user, Some(link_id), &consent)?;
                    (user, doc.id.as_bytes().to_vec(), provenance.new_actors)
                }
            };
            db.execute(
                "INSERT INTO sessions (token_hash, user_id, expires_at) VALUES (?1, ?2, ?3)",
                params![session_hash, user, expires],
            )?;
            let who: (String, String) =
                db.query_row("SELECT email, name FROM users WHERE id = ?1", [user], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
            Ok((doc_id, bindings, who))
        })
        .await
        .map_err(storage_failed)?;
    let (doc_id, bindings, (email, name)) = created;
    let doc_id = <[u8; 16]>::try_from(doc_id.as_slice())
        .map(DocumentId::from_bytes)
        .map_err(|_| {
            storage_failed(StorageError::Write(
                "a stored submission id is malformed".into(),
            ))
        })?;
    if !bindings.is_empty() {
        state.relay.remember_actors(&bindings);
        audit::record(
            &state.store,
            "submission_started",
            &email,
            &format!("{doc_id} for engagement {engagement} through link {link_id} (consent given)"),
        )
        .await
        .map_err(storage_failed)?;
    }
    let mut res = Json(json!({
        "submission": doc_id.to_string(),
        "user": { "email": email, "name": name, "role": Role::Individual },
    }))
    .into_response();
    let max_age = (expires - now_secs()).clamp(0, SESSION_TTL.as_secs() as i64 * 60) as u64;
    res.headers_mut().insert(
        header::SET_COOKIE,
        api::session_cookie(&session, max_age, api::over_tls(&headers)),
    );
    Ok(res)
}

// ------------------------------------------------------------------ lists

/// The reader's role and grant in an engagement; 404 if none.
async fn reader_in(store: &Store, user: &User, engagement: DocumentId) -> Result<Reader, AppError> {
    let Some((role, parties_granted)) = role_in(store, user, engagement).await? else {
        return Err(no_engagement());
    };
    Ok(Reader {
        user_id: user.id,
        role,
        parties_granted,
    })
}

/// `GET /api/engagements/{id}/submissions`: the field team's inbox (submitted
/// and withdrawn ones, and how many drafts are in progress), or a
/// contributor's own submissions.
async fn list_submissions(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let engagement = DocumentId::parse_url_or_id(&id).map_err(|_| no_engagement())?;
    let reader = reader_in(&state.store, &user, engagement).await?;
    let records = records_of(&state.store, engagement).await?;
    let drafts = if is_team(reader.role) {
        records
            .iter()
            .filter(|r| r.submitted_at.is_none() && r.withdrawn_at.is_none() && !reader.own(r))
            .count()
    } else {
        0
    };
    let mut out = Vec::new();
    for r in records.iter().filter(|r| reader.lists(r)) {
        out.push(entry_for(&state.store, &reader, r).await);
    }
    Ok(Json(json!({
        "role": reader.role,
        "drafts": drafts,
        "submissions": out,
    })))
}

/// A submission and the reader's standing towards it; 404 if they may not see it.
async fn find(state: &AppState, user: &User, id: &str) -> Result<(Record, Reader), AppError> {
    let id = DocumentId::parse_url_or_id(id).map_err(|_| no_submission())?;
    let r = record(&state.store, id).await?.ok_or_else(no_submission)?;
    let reader = match reader_in(&state.store, user, r.engagement).await {
        Ok(reader) => reader,
        Err(_) => return Err(no_submission()),
    };
    if !reader.lists(&r) {
        return Err(no_submission());
    }
    Ok((r, reader))
}

/// `GET /api/submissions/{id}`.
async fn one(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let (r, reader) = find(&state, &user, &id).await?;
    Ok(Json(entry_for(&state.store, &reader, &r).await))
}

#[derive(Deserialize)]
struct Reviewed {
    reviewed: bool,
}

/// `POST /api/submissions/{id}/reviewed`: the field team marks it reviewed (or not).
async fn set_reviewed(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    form: Result<Json<Reviewed>, JsonRejection>,
) -> Result<Json<Value>, AppError> {
    let (r, reader) = find(&state, &user, &id).await?;
    if !is_field_team(reader.role) {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "Only the field team marks submissions as reviewed.",
        ));
    }
    if r.submitted_at.is_none() {
        return Err(bad("This submission has not been submitted yet."));
    }
    let reviewed = body(form)?.reviewed;
    let (doc, by) = (r.id, user.id);
    state
        .store
        .write(move |db| {
            db.execute(
                "UPDATE submissions SET reviewed_at = ?2, reviewed_by = ?3 WHERE doc_id = ?1",
                params![
                    doc.as_bytes().as_slice(),
                    reviewed.then(now_secs),
                    reviewed.then_some(by)
                ],
            )
        })
        .await
        .map_err(storage_failed)?;
    let r = record(&state.store, r.id)
        .await?
        .ok_or_else(no_submission)?;
    Ok(Json(entry_for(&state.store, &reader, &r).await))
}

#[derive(Deserialize, Default)]
struct Withdrawal {
    #[serde(default)]
    reason: String,
}

/// `POST /api/submissions/{id}/withdraw`: the author, or the field team on
/// their behalf, withdraws consent. From then on nobody receives the
/// content (the relay stops serving it, exports leave it out); who withdrew
/// it and when is kept and audited.
async fn withdraw(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    form: Result<Json<Withdrawal>, JsonRejection>,
) -> Result<Json<Value>, AppError> {
    let (r, reader) = find(&state, &user, &id).await?;
    if !(reader.own(&r) || is_field_team(reader.role)) {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "Only its author, or the field team on their behalf, can withdraw a submission.",
        ));
    }
    let reason: String = body(form)?.reason.trim().chars().take(1000).collect();
    if r.withdrawn_at.is_none() {
        let (doc, by, why) = (r.id, user.id, reason.clone());
        state
            .store
            .write(move |db| {
                let key = doc.as_bytes().as_slice();
                db.execute(
                    "UPDATE submissions SET withdrawn_at = ?2, withdrawn_by = ?3, withdrawn_reason = ?4
                     WHERE doc_id = ?1 AND withdrawn_at IS NULL",
                    params![key, now_secs(), by, why],
                )?;
                db.execute("UPDATE documents SET withdrawn = 1 WHERE doc_id = ?1", [key])
            })
            .await
            .map_err(storage_failed)?;
        let on_behalf = if reader.own(&r) {
            "by its author"
        } else {
            "on the author's behalf"
        };
        audit::record(
            &state.store,
            "submission_withdrawn",
            &user.email,
            &format!(
                "{} of engagement {} {on_behalf}: {reason}",
                r.id, r.engagement
            ),
        )
        .await
        .map_err(storage_failed)?;
        state.relay.recheck(r.id).await;
    }
    let r = record(&state.store, r.id)
        .await?
        .ok_or_else(no_submission)?;
    Ok(Json(entry_for(&state.store, &reader, &r).await))
}

/// `GET /api/contributions`: the engagements where the person writes their
/// own submissions, with those submissions.
async fn contributions(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<Value>, AppError> {
    let memberships = state
        .store
        .engagements_for(user.id, false)
        .await
        .map_err(storage_failed)?;
    let mut out = Vec::new();
    for (engagement, membership) in memberships {
        let Some(m) = membership.filter(|m| is_contributor(m.role)) else {
            continue;
        };
        let reader = Reader {
            user_id: user.id,
            role: m.role,
            parties_granted: false,
        };
        let doc = read_as::<Engagement>(&state.store, engagement)
            .await
            .unwrap_or_default();
        let mut mine = Vec::new();
        for r in records_of(&state.store, engagement)
            .await?
            .iter()
            .filter(|r| reader.own(r))
        {
            mine.push(entry_for(&state.store, &reader, r).await);
        }
        out.push(json!({
            "engagement": {
                "id": engagement.to_string(),
                "title": doc.title.as_str(),
                "country": doc.country,
            },
            "role": m.role,
            "submissions": mine,
        }));
    }
    Ok(Json(Value::Array(out)))
}

// ------------------------------------------------------------------ export

/// `GET /api/engagements/{id}/submissions/export.csv`: every submitted
/// submission the reader may read, withdrawn ones left out, sources masked
/// as the reader's rights require.
async fn export_csv(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let engagement = DocumentId::parse_url_or_id(&id).map_err(|_| no_engagement())?;
    let reader = reader_in(&state.store, &user, engagement).await?;
    if !is_team(reader.role) {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "Only the field team and headquarters reviewers export the submissions.",
        ));
    }
    let mut rows = Vec::new();
    for r in records_of(&state.store, engagement).await? {
        if r.submitted_at.is_none() || r.withdrawn_at.is_some() || !reader.reads(&r) {
            continue;
        }
        let Some(s) = read_as::<Submission>(&state.store, r.id).await else {
            continue;
        };
        rows.push((r, s));
    }
    let csv = export_rows(&reader, &rows).map_err(|e| {
        tracing::error!(error = %e, "could not write the CSV export");
        AppError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The export could not be written.",
        )
    })?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"submissions-{engagement}.csv\""),
            ),
        ],
        csv,
    )
        .into_response())
}

fn export_rows(reader: &Reader, rows: &[(Record, Submission)]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "id",
        "submitted_at",
        "source",
        "organisation",
        "contact",
        "confidentiality",
        "via",
        "title",
        "issues",
        "affected_groups",
        "groups_described",
        "evidence",
        "recommendations",
        "attachments",
        "reviewed_at",
    ])?;
    for (r, s) in rows {
        let source = reader.source(r);
        let text = |key: &str| source[key].as_str().unwrap_or_default().to_owned();
        let name = if r.anonymous {
            "Anonymous contributor".to_owned()
        } else if source["masked"] == true {
            "Confidential source".to_owned()
        } else {
            text("name")
        };
        let attachments = docs::items::ordered(&s.attachments)
            .into_iter()
            .map(|(_, a)| format!("{} <{}>", a.label, a.url))
            .collect::<Vec<_>>()
            .join("; ");
        let groups = s.groups.keys().cloned().collect::<Vec<_>>().join("; ");
        w.write_record([
            r.id.to_string(),
            opt_time(r.submitted_at)
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            defuse(&name),
            defuse(&text("organisation")),
            defuse(&text("contact")),
            r.confidentiality.clone(),
            if r.via_link { "link" } else { "account" }.to_owned(),
            defuse(s.title.as_str()),
            defuse(s.issues.as_str()),
            groups,
            defuse(s.affected.as_str()),
            defuse(s.evidence.as_str()),
            defuse(s.recommendations.as_str()),
            defuse(&attachments),
            opt_time(r.reviewed_at)
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        ])?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// Text a contributor wrote, made safe to open in a spreadsheet: a cell
/// starting with `=`, `+`, `-` or `@` would be taken as a formula.
fn defuse(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_in_contributed_text_are_defused() {
        assert_eq!(defuse("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(defuse("-1"), "'-1");
        assert_eq!(defuse("Arrests in May"), "Arrests in May");
        assert_eq!(defuse(""), "");
    }

    #[test]
    fn consent_must_be_given_and_anonymity_drops_the_identity() {
        let form = |consent: bool, anonymous: bool| ConsentForm {
            consent,
            anonymous,
            name: "Amina".into(),
            organisation: "".into(),
            contact: "amina@example.org".into(),
            confidentiality: "confidential".into(),
        };
        assert!(form(false, true).check().is_err());
        let anonymous = form(true, true).check().ok().unwrap();
        assert!(anonymous.anonymous && anonymous.name.is_empty() && anonymous.contact.is_empty());
        let named = form(true, false).check().ok().unwrap();
        assert_eq!(named.name, "Amina");
        assert_eq!(named.confidentiality, Confidentiality::Confidential);
        let mut unknown = form(true, true);
        unknown.confidentiality = "secret".into();
        assert!(unknown.check().is_err());
    }

    fn record(confidentiality: &str, author: i64) -> Record {
        Record {
            id: DocumentId::random(),
            engagement: DocumentId::random(),
            author,
            via_link: false,
            anonymous: false,
            name: "Amina".into(),
            organisation: "Voices".into(),
            contact: "+228 00".into(),
            confidentiality: confidentiality.into(),
            consent_at: 0,
            submitted_at: Some(1),
            reviewed_at: None,
            reviewed_by: None,
            withdrawn_at: None,
            withdrawn_by: None,
        }
    }

    #[test]
    fn a_confidential_source_is_masked_for_reviewers_without_the_grant() {
        let reader = |role, parties_granted| Reader {
            user_id: 1,
            role,
            parties_granted,
        };
        let secret = record("confidential", 2);
        assert_eq!(
            reader(Role::HqReviewer, false).source(&secret)["masked"],
            true
        );
        assert_eq!(reader(Role::HqReviewer, false).source(&secret)["name"], "");
        assert_eq!(
            reader(Role::HqReviewer, true).source(&secret)["name"],
            "Amina"
        );
        assert_eq!(
            reader(Role::FieldOfficer, false).source(&secret)["name"],
            "Amina"
        );
        assert_eq!(
            reader(Role::HqReviewer, false).source(&record("internal", 2))["name"],
            "Amina"
        );
        let mut withdrawn = record("public", 2);
        withdrawn.withdrawn_at = Some(5);
        let fo = reader(Role::FieldOfficer, false);
        assert_eq!(fo.source(&withdrawn)["masked"], true);
        assert!(!fo.reads(&withdrawn));
        assert_eq!(fo.entry(&withdrawn, "Title")["title"], "");
    }
}
