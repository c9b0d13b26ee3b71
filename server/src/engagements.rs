//! Engagements over HTTP: starting one with all its documents, the
//! dashboard's list, adding an evaluation, and where the taxonomy is.
//!
//! The server writes only documents it has just created (nobody can have
//! them open yet); everything after that is written by people through the
//! sync relay, with the write policy checked there.

use accord_shared::docs::items::{self, ordered};
use accord_shared::docs::trace::{open_needs, output_count, overdue_actions};
use accord_shared::docs::vocab::{
    Classification, EvaluationStatus, EvaluationType, PresenceType, Stage,
};
use accord_shared::docs::{
    self, Assessment, Consultations, DocumentLinks, Engagement, Evaluation, Parties, Programme,
    Request, Shape, StageMove, TeamMember,
};
use accord_shared::policy::{Access, DocFacts, DocKind, Role, Section, WritePolicy};
use accord_shared::DocumentId;
use automerge::{ActorId, AutoCommit};
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::api::{bad_request as bad, json_body as body, storage_failed, AppError, CurrentUser};
use crate::audit;
use crate::auth::User;
use crate::storage::{AttachedDocument, NewDocument, Provenance, StorageError, Store};
use crate::sync::role_without_membership;
use crate::web::AppState;

/// Longest title accepted, in characters.
const MAX_TITLE: usize = 300;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/engagements", get(list).post(create))
        .route("/engagements/{id}/evaluations", post(add_evaluation))
        .route("/taxonomy", get(taxonomy))
}

/// RFC 3339, UTC, to the second.
pub fn now_rfc3339() -> String {
    let now = OffsetDateTime::now_utc();
    let now = now.replace_nanosecond(0).unwrap_or(now);
    now.format(&Rfc3339).unwrap_or_default()
}

/// Today in UTC as `YYYY-MM-DD`, as the documents store dates.
pub fn today_utc() -> String {
    let d = OffsetDateTime::now_utc().date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// The changes of a new document of type `T`, written by `actor`.
pub fn new_document<T: Shape>(actor: &ActorId, value: T) -> Vec<Vec<u8>> {
    let mut doc = AutoCommit::new().with_actor(actor.clone());
    docs::create(&mut doc, value).expect("writing a new in-memory document");
    changes_of(&mut doc)
}

/// Every change of a document, for storage.
pub fn changes_of(doc: &mut AutoCommit) -> Vec<Vec<u8>> {
    doc.commit();
    doc.get_changes(&[])
        .iter()
        .map(|c| c.raw_bytes().to_vec())
        .collect()
}

/// A document as stored (snapshot, then the changes after it).
pub async fn load_document(store: &Store, id: DocumentId) -> Result<AutoCommit, String> {
    let stored = store.load(id).await.map_err(|e| e.to_string())?;
    tokio::task::spawn_blocking(move || {
        let mut doc = match &stored.snapshot {
            Some(bytes) => {
                AutoCommit::load(bytes).map_err(|e| format!("unreadable snapshot: {e}"))?
            }
            None => AutoCommit::new(),
        };
        for change in &stored.changes {
            doc.load_incremental(change)
                .map_err(|e| format!("unreadable change: {e}"))?;
        }
        Ok(doc)
    })
    .await
    .map_err(|e| e.to_string())?
}

/// A Unix time as RFC 3339, UTC ("" if out of range).
pub fn rfc3339(secs: i64) -> String {
    OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

/// A stored document read as `T`; a failure is logged and gives `None`.
pub(crate) async fn read_as<T: Shape + Send + 'static>(store: &Store, id: DocumentId) -> Option<T> {
    let result = match load_document(store, id).await {
        Ok(doc) => docs::open::<T>(&doc).map_err(|e| e.to_string()),
        Err(e) => Err(e),
    };
    match result {
        Ok(value) => Some(value),
        Err(error) => {
            tracing::warn!(doc = %id, kind = T::KIND.as_str(), %error, "a stored document could not be read");
            None
        }
    }
}

// ------------------------------------------------------------------ create

#[derive(Deserialize)]
struct NewEngagement {
    title: String,
    country: String,
    presence: String,
}

/// `POST /api/engagements`: an engagement and its request, assessment,
/// consultations register, confidential parties and programme, written by
/// the creator and attached in one transaction.
async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    form: Result<Json<NewEngagement>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    if !matches!(user.role, Role::Admin | Role::FieldOfficer) {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "Only field officers and administrators can start an engagement.",
        ));
    }
    let form = body(form)?;
    let title = form.title.trim();
    if title.is_empty() {
        return Err(bad("The engagement needs a title."));
    }
    if title.chars().count() > MAX_TITLE {
        return Err(bad(format!(
            "The title is longer than {MAX_TITLE} characters."
        )));
    }
    let country = form.country.trim();
    if !(country.len() == 3 && country.bytes().all(|b| b.is_ascii_uppercase())) {
        return Err(bad(format!(
            "The country must be an ISO 3166 alpha-3 code: three capital letters such as TGO, not {:?}.",
            country.chars().take(20).collect::<String>()
        )));
    }
    let presence: PresenceType = form.presence.parse().map_err(|_| {
        bad(format!(
            "Unknown presence type {:?}; presence types are {}.",
            form.presence.chars().take(40).collect::<String>(),
            PresenceType::ALL
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })?;

    let created = create_engagement(
        &state,
        &user,
        EngagementSpec {
            title: title.to_owned(),
            country: country.to_owned(),
            presence,
        },
    )
    .await
    .map_err(storage_failed)?;
    audit::record(
        &state.store,
        "engagement_created",
        &user.email,
        &format!("{} {country} “{title}”", created.id),
    )
    .await
    .map_err(storage_failed)?;
    let l = &created.links;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": created.id.to_string(),
            "documents": {
                "request": l.request,
                "assessment": l.assessment,
                "consultations": l.consultations,
                "parties": l.parties,
                "programme": l.programme,
            },
        })),
    ))
}

struct EngagementSpec {
    title: String,
    country: String,
    presence: PresenceType,
}

struct Created {
    id: DocumentId,
    links: DocumentLinks,
}

async fn create_engagement(
    state: &AppState,
    user: &User,
    spec: EngagementSpec,
) -> Result<Created, StorageError> {
    let id = DocumentId::random();
    let [request, assessment, consultations, parties, programme] =
        std::array::from_fn(|_| DocumentId::random());
    let links = DocumentLinks {
        request: request.to_string(),
        assessment: assessment.to_string(),
        consultations: consultations.to_string(),
        parties: parties.to_string(),
        programme: programme.to_string(),
        ..DocumentLinks::default()
    };
    let mut engagement = Engagement {
        country: spec.country,
        presence: spec.presence,
        stage: Stage::Requested,
        documents: links.clone(),
        ..Engagement::default()
    };
    engagement.title = spec.title.as_str().into();
    items::push(
        &mut engagement.stage_history,
        StageMove {
            from: Stage::Requested,
            to: Stage::Requested,
            by: user.name.clone(),
            at: now_rfc3339(),
            note: "created".into(),
            ..StageMove::default()
        },
    );
    items::push(
        &mut engagement.team,
        TeamMember {
            name: user.name.clone(),
            role: user.role.as_str().into(),
            ..TeamMember::default()
        },
    );
    let actor = ActorId::random();
    let doc = |id, kind, changes| NewDocument {
        id,
        kind,
        changes,
        shared_with_government: false,
    };
    let documents = vec![
        doc(id, DocKind::Engagement, new_document(&actor, engagement)),
        doc(
            request,
            DocKind::Request,
            new_document(&actor, Request::default()),
        ),
        doc(
            assessment,
            DocKind::Assessment,
            new_document(&actor, Assessment::default()),
        ),
        doc(
            consultations,
            DocKind::Consultations,
            new_document(
                &actor,
                Consultations {
                    classification: Classification::Restricted,
                    ..Consultations::default()
                },
            ),
        ),
        doc(
            parties,
            DocKind::Parties,
            new_document(
                &actor,
                Parties {
                    classification: Classification::StrictlyConfidential,
                    ..Parties::default()
                },
            ),
        ),
        doc(
            programme,
            DocKind::Programme,
            new_document(&actor, Programme::default()),
        ),
    ];
    let bindings = vec![(actor.to_bytes().to_vec(), user.id)];
    // An administrator sees every engagement; a field officer becomes its first member.
    let member = (user.role == Role::FieldOfficer).then_some((user.id, Role::FieldOfficer));
    state
        .store
        .create_governed(
            id,
            documents,
            Provenance {
                owner: Some(user.id),
                new_actors: bindings.clone(),
            },
            member,
        )
        .await?;
    state.relay.remember_actors(&bindings);
    tracing::info!(engagement = %id, user = %user.email, "engagement created");
    Ok(Created { id, links })
}

// ------------------------------------------------------------------ evaluations

#[derive(Deserialize)]
struct NewEvaluation {
    title: String,
    evaluation_type: String,
}

/// `POST /api/engagements/{id}/evaluations`: a new evaluation document of the
/// engagement. The app links it into the engagement document itself.
async fn add_evaluation(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    form: Result<Json<NewEvaluation>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let not_found = || AppError::new(StatusCode::NOT_FOUND, "No such engagement.");
    let engagement = DocumentId::parse_url_or_id(&id).map_err(|_| not_found())?;
    let (owner, governance) = state
        .store
        .load_meta(engagement)
        .await
        .map_err(storage_failed)?;
    let Some(g) =
        governance.filter(|g| g.kind == DocKind::Engagement && g.engagement == engagement)
    else {
        return Err(not_found());
    };
    let role = match role_without_membership(&user, DocKind::Engagement) {
        Some(role) => Some(role),
        None => state
            .store
            .member_role(engagement, user.id)
            .await
            .map_err(storage_failed)?,
    };
    let facts = DocFacts {
        shared_with_government: g.shared_with_government,
        own: owner == Some(user.id),
        ..DocFacts::default()
    };
    // Someone who may not see the engagement learns nothing of it.
    let Some(role) = role.filter(|r| WritePolicy::may_read(*r, DocKind::Engagement, facts)) else {
        return Err(not_found());
    };
    if WritePolicy::access(
        role,
        DocKind::Evaluation,
        Section::Evaluations,
        DocFacts::default(),
    ) != Access::Write
    {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            format!("Your role in this engagement ({role}) may not write evaluations."),
        ));
    }
    let form = body(form)?;
    let title = form.title.trim();
    if title.is_empty() {
        return Err(bad("The evaluation needs a title."));
    }
    if title.chars().count() > MAX_TITLE {
        return Err(bad(format!(
            "The title is longer than {MAX_TITLE} characters."
        )));
    }
    let evaluation_type: EvaluationType = form.evaluation_type.parse().map_err(|_| {
        bad(format!(
            "Unknown evaluation type {:?}; evaluation types are {}.",
            form.evaluation_type.chars().take(40).collect::<String>(),
            EvaluationType::ALL
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })?;
    let mut evaluation = Evaluation {
        evaluation_type,
        status: EvaluationStatus::Planned,
        ..Evaluation::default()
    };
    evaluation.title = title.into();
    let id = DocumentId::random();
    let actor = ActorId::random();
    let bindings = vec![(actor.to_bytes().to_vec(), user.id)];
    state
        .store
        .create_governed(
            engagement,
            vec![NewDocument {
                id,
                kind: DocKind::Evaluation,
                changes: new_document(&actor, evaluation),
                shared_with_government: false,
            }],
            Provenance {
                owner: Some(user.id),
                new_actors: bindings.clone(),
            },
            None,
        )
        .await
        .map_err(storage_failed)?;
    state.relay.remember_actors(&bindings);
    audit::record(
        &state.store,
        "evaluation_created",
        &user.email,
        &format!("{id} in {engagement} “{title}”"),
    )
    .await
    .map_err(storage_failed)?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id.to_string() }))))
}

// ------------------------------------------------------------------ taxonomy

/// `GET /api/taxonomy`: the taxonomy document's id, for everyone signed in
/// (created on first request on a server started without demo data).
async fn taxonomy(
    State(state): State<AppState>,
    CurrentUser(_): CurrentUser,
) -> Result<Json<Value>, AppError> {
    let id = crate::taxonomy::ensure_taxonomy(&state.store)
        .await
        .map_err(storage_failed)?;
    Ok(Json(json!({ "id": id.to_string() })))
}

// ------------------------------------------------------------------ list

/// A document's latest approval and the changes since, `null` if never
/// approved (or, logged, if that cannot be read: the list still answers).
async fn approval_of(store: &Store, id: DocumentId) -> Value {
    crate::approvals::approval_status(store, id)
        .await
        .unwrap_or(Value::Null)
}

/// `GET /api/engagements`: what the dashboard shows, by country then title.
async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<Value>, AppError> {
    let all = user.role == Role::Admin;
    let engagements = state
        .store
        .engagements_for(user.id, all)
        .await
        .map_err(storage_failed)?;
    let today = today_utc();
    let mut out = Vec::new();
    for (id, membership) in engagements {
        let role = if all {
            Some(Role::Admin)
        } else {
            membership.map(|m| m.role)
        };
        let Some(role) = role else { continue };
        let granted = membership.is_some_and(|m| m.parties_granted);
        let attached = state
            .store
            .engagement_documents(id)
            .await
            .map_err(storage_failed)?;
        if let Some(summary) =
            summarize(&state.store, &user, (role, granted), id, &attached, &today).await
        {
            out.push(summary);
        }
    }
    out.sort_by(|a, b| {
        let key = |v: &Value| {
            (
                v["country"].as_str().unwrap_or("").to_owned(),
                v["title"].as_str().unwrap_or("").to_lowercase(),
            )
        };
        key(a).cmp(&key(b))
    });
    Ok(Json(Value::Array(out)))
}

/// One engagement as the dashboard lists it; `None` when the person may not
/// see the engagement's header (NGOs and individuals see nothing of it).
async fn summarize(
    store: &Store,
    user: &User,
    (role, parties_granted): (Role, bool),
    id: DocumentId,
    attached: &[AttachedDocument],
    today: &str,
) -> Option<Value> {
    let facts = |a: &AttachedDocument| DocFacts {
        shared_with_government: a.governance.shared_with_government,
        own: a.owner == Some(user.id),
        submitted: a.governance.submitted,
        withdrawn: a.governance.withdrawn,
        parties_granted,
    };
    let readable = |a: &AttachedDocument| WritePolicy::may_read(role, a.governance.kind, facts(a));
    let me = attached
        .iter()
        .find(|a| a.id == id && a.governance.kind == DocKind::Engagement)?;
    if !readable(me) {
        return None;
    }
    let engagement: Option<Engagement> = read_as(store, id).await;
    let links = engagement
        .as_ref()
        .map(|e| e.documents.clone())
        .unwrap_or_default();
    // The linked document when it really is this engagement's, else the first attached of its kind.
    let pick = |kind: DocKind, linked: &str| -> Option<&AttachedDocument> {
        DocumentId::parse_url_or_id(linked)
            .ok()
            .and_then(|l| {
                attached
                    .iter()
                    .find(|a| a.id == l && a.governance.kind == kind)
            })
            .or_else(|| attached.iter().find(|a| a.governance.kind == kind))
    };
    let shown = |doc: Option<&AttachedDocument>| -> String {
        doc.filter(|a| readable(a))
            .map(|a| a.id.to_string())
            .unwrap_or_default()
    };
    let assessment = pick(DocKind::Assessment, &links.assessment);
    let programme = pick(DocKind::Programme, &links.programme);

    let open_needs = match assessment.filter(|a| readable(a)) {
        Some(a) => read_as::<Assessment>(store, a.id)
            .await
            .map(|a| open_needs(&a)),
        None => None,
    };
    let outputs = match programme.filter(|a| readable(a)) {
        Some(p) => read_as::<Programme>(store, p.id)
            .await
            .map(|p| output_count(&p)),
        None => None,
    };

    let evaluation_docs: Vec<&AttachedDocument> = attached
        .iter()
        .filter(|a| a.governance.kind == DocKind::Evaluation)
        .collect();
    let may_read_evaluations = match evaluation_docs.first() {
        Some(first) => readable(first),
        None => WritePolicy::may_read(role, DocKind::Evaluation, DocFacts::default()),
    };
    let mut evaluations = Vec::new();
    let mut overdue = may_read_evaluations.then_some(0usize);
    for doc in evaluation_docs.into_iter().filter(|a| readable(a)) {
        let approval = approval_of(store, doc.id).await;
        match read_as::<Evaluation>(store, doc.id).await {
            Some(e) => {
                overdue = overdue.map(|n| n + overdue_actions(&e, today));
                evaluations.push(json!({
                    "id": doc.id.to_string(),
                    "title": e.title.as_str(),
                    "kind": e.evaluation_type.as_str(),
                    "approval": approval,
                }));
            }
            None => {
                overdue = None;
                evaluations.push(json!({ "id": doc.id.to_string(), "title": "", "kind": "", "approval": approval }));
            }
        }
    }
    // The latest approval of each approvable document the person reads.
    let mut approvals = serde_json::Map::new();
    for (key, doc) in [
        ("request", pick(DocKind::Request, &links.request)),
        ("assessment", assessment),
        ("programme", programme),
    ] {
        if let Some(doc) = doc.filter(|a| readable(a)) {
            approvals.insert(key.to_owned(), approval_of(store, doc.id).await);
        }
    }

    let last_move = engagement.as_ref().and_then(|e| {
        let mut moves: Vec<&StageMove> = ordered(&e.stage_history)
            .into_iter()
            .map(|(_, m)| m)
            .collect();
        // Oldest first by time (stable: moves whose time does not parse come first, in order).
        moves.sort_by_key(|m| OffsetDateTime::parse(&m.at, &Rfc3339).ok());
        moves
            .last()
            .map(|m| json!({ "by": m.by, "at": m.at, "to": m.to.as_str() }))
    });
    let new_submissions = if crate::submissions::reads_submissions(role) {
        crate::submissions::waiting_count(store, id).await
    } else {
        None
    };
    // An engagement document that cannot be read still lists, with empty fields.
    let text = |f: fn(&Engagement) -> String| engagement.as_ref().map(f).unwrap_or_default();
    Some(json!({
        "id": id.to_string(),
        "title": text(|e| e.title.as_str().to_owned()),
        "country": text(|e| e.country.clone()),
        "presence": text(|e| e.presence.as_str().to_owned()),
        "stage": text(|e| e.stage.as_str().to_owned()),
        "role": role.as_str(),
        "last_move": last_move,
        "documents": {
            "request": shown(pick(DocKind::Request, &links.request)),
            "assessment": shown(assessment),
            "consultations": shown(pick(DocKind::Consultations, &links.consultations)),
            "parties": shown(pick(DocKind::Parties, &links.parties)),
            "programme": shown(programme),
        },
        "evaluations": evaluations,
        "approvals": approvals,
        "counts": {
            "open_needs": open_needs,
            "outputs": outputs,
            "overdue_actions": overdue,
            "new_submissions": new_submissions,
        },
    }))
}
