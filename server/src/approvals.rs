//! Approvals: an HQ reviewer approves one version of a document.
//!
//! A version is the document's heads: the Automerge changes it is made of
//! never change, so the heads fix exactly what was approved, whatever is
//! written later. Approvals are rows of the server's `approvals` table
//! (append-only; who and when from the signed-in person and the server's
//! clock), never fields of the document, so no later edit can alter one.
//! Who may approve is the write policy's `Approvals` section.

use accord_shared::policy::{Access, DocKind, Section, WritePolicy};
use accord_shared::DocumentId;
use automerge::{AutoCommit, Automerge, ChangeHash, ReadDoc};
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use rusqlite::params;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::{bad_request, json_body, readable, storage_failed, AppError, CurrentUser};
use crate::audit;
use crate::engagements::{load_document, rfc3339};
use crate::storage::{now_secs, Store};
use crate::web::AppState;

/// The documents a reviewer approves: the drafts of the cycle.
pub(crate) const APPROVABLE: [DocKind; 4] = [
    DocKind::Request,
    DocKind::Assessment,
    DocKind::Programme,
    DocKind::Evaluation,
];

pub fn router() -> Router<AppState> {
    Router::new().route("/documents/{id}/approvals", get(list).post(approve))
}

/// One approval as stored.
pub(crate) struct Approval {
    pub id: i64,
    pub heads: Vec<ChangeHash>,
    /// The reviewer's name.
    pub by: String,
    /// Unix seconds, by the server's clock.
    pub at: i64,
}

impl Approval {
    fn json(&self) -> Value {
        json!({
            "id": self.id,
            "heads": self.heads.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "by": self.by,
            "at": rfc3339(self.at),
        })
    }
}

fn parse_heads(text: &str) -> Vec<ChangeHash> {
    text.split(',').filter_map(|h| h.parse().ok()).collect()
}

/// Every approval of a document, newest first.
pub(crate) async fn approvals_of(
    store: &Store,
    doc: DocumentId,
) -> Result<Vec<Approval>, AppError> {
    store
        .query(move |db| {
            let mut stmt = db.prepare(
                "SELECT a.id, a.heads, u.name, a.at FROM approvals a JOIN users u ON u.id = a.user_id
                 WHERE a.doc_id = ?1 ORDER BY a.id DESC",
            )?;
            let rows = stmt.query_map([doc.as_bytes().as_slice()], |r| {
                Ok(Approval {
                    id: r.get(0)?,
                    heads: parse_heads(&r.get::<_, String>(1)?),
                    by: r.get(2)?,
                    at: r.get(3)?,
                })
            })?;
            rows.collect()
        })
        .await
        .map_err(storage_failed)
}

/// The name of the person each actor is bound to.
async fn authors(store: &Store, actors: Vec<Vec<u8>>) -> Result<Vec<Option<String>>, AppError> {
    store
        .query(move |db| {
            let mut stmt = db.prepare_cached(
                "SELECT u.name FROM actors a JOIN users u ON u.id = a.user_id WHERE a.actor = ?1",
            )?;
            actors
                .iter()
                .map(|a| {
                    use rusqlite::OptionalExtension;
                    stmt.query_row([a], |r| r.get::<_, String>(0)).optional()
                })
                .collect()
        })
        .await
        .map_err(storage_failed)
}

/// The latest approval of a document and how many changes were written
/// since (later or concurrent), as the dashboard shows it: `null` if never
/// approved. Loads the document only when there is an approval.
pub(crate) async fn approval_status(store: &Store, id: DocumentId) -> Result<Value, AppError> {
    let Some(latest) = approvals_of(store, id).await?.into_iter().next() else {
        return Ok(Value::Null);
    };
    let mut doc = load(store, id).await?;
    let since = doc.document().get_changes(&latest.heads).len();
    Ok(json!({ "by": latest.by, "at": rfc3339(latest.at), "changes_since": since }))
}

/// The changes written since `heads` (later or concurrent), oldest first:
/// hash, who (by the server's actor binding), when (as the writer's device said).
async fn changes_since(
    store: &Store,
    doc: &Automerge,
    heads: &[ChangeHash],
) -> Result<Vec<Value>, AppError> {
    let changes = doc.get_changes(heads);
    let actors = changes
        .iter()
        .map(|c| c.actor_id().to_bytes().to_vec())
        .collect();
    let names = authors(store, actors).await?;
    Ok(changes
        .iter()
        .zip(names)
        .map(|(c, by)| {
            json!({
                "hash": c.hash().to_string(),
                "by": by,
                "at": rfc3339(c.timestamp()),
            })
        })
        .collect())
}

/// A stored document; a failure is logged and is a 500 that says to retry.
pub(crate) async fn load(store: &Store, id: DocumentId) -> Result<AutoCommit, AppError> {
    load_document(store, id).await.map_err(|e| {
        tracing::error!(doc = %id, error = %e, "a document could not be loaded for its approvals or export");
        AppError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The document could not be read; try again.",
        )
    })
}

/// `GET /api/documents/{id}/approvals`: every approval, newest first, and
/// for the latest the changes written since it.
async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let (id, _) = readable(&state.store, &user, &id).await?;
    let approvals = approvals_of(&state.store, id).await?;
    let latest = match approvals.first() {
        Some(a) => {
            let mut doc = load(&state.store, id).await?;
            let since = changes_since(&state.store, doc.document(), &a.heads).await?;
            json!({ "approval": a.json(), "changes_since": since.len(), "changes": since })
        }
        None => Value::Null,
    };
    Ok(Json(json!({
        "approvals": approvals.iter().map(Approval::json).collect::<Vec<_>>(),
        "latest": latest,
    })))
}

#[derive(Deserialize)]
struct Approve {
    heads: Vec<String>,
}

/// `POST /api/documents/{id}/approvals` `{ "heads": [hex…] }`: approves that
/// version, which must be one the server holds (the reviewer approves what
/// they have seen, not whatever arrived meanwhile).
async fn approve(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    form: Result<Json<Approve>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let (id, s) = readable(&state.store, &user, &id).await?;
    let kind = s.governance.kind;
    if !APPROVABLE.contains(&kind) {
        return Err(bad_request(format!(
            "A {} is not approved; reviewers approve requests, assessments, programmes and evaluations.",
            kind.as_str()
        )));
    }
    if WritePolicy::access(s.role, kind, Section::Approvals, s.facts) != Access::Write {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            format!(
                "Your role in this engagement ({}) may not approve documents; HQ reviewers do.",
                s.role
            ),
        ));
    }
    let form = json_body(form)?;
    if form.heads.is_empty() || form.heads.len() > 64 {
        return Err(bad_request(
            "Say which version to approve: its heads (1 to 64 change hashes).",
        ));
    }
    let mut heads = Vec::with_capacity(form.heads.len());
    for h in &form.heads {
        let hash: ChangeHash = h.parse().map_err(|_| {
            bad_request(format!(
                "{:?} is not a change hash (64 hexadecimal digits).",
                h.chars().take(80).collect::<String>()
            ))
        })?;
        heads.push(hash);
    }
    heads.sort();
    heads.dedup();
    let mut doc = load(&state.store, id).await?;
    let doc = doc.document();
    if let Some(missing) = heads.iter().find(|h| doc.get_change_by_hash(h).is_none()) {
        return Err(bad_request(format!(
            "The server has no version {missing} of this document; sync it first, then approve."
        )));
    }
    let text = heads
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let (by, at) = (user.id, now_secs());
    let stored = text.clone();
    let approval_id = state
        .store
        .write(move |db| {
            db.execute(
                "INSERT INTO approvals (doc_id, heads, user_id, at) VALUES (?1, ?2, ?3, ?4)",
                params![id.as_bytes().as_slice(), stored, by, at],
            )?;
            Ok(db.last_insert_rowid())
        })
        .await
        .map_err(storage_failed)?;
    audit::record(
        &state.store,
        "approved",
        &user.email,
        &format!("{} {id} at heads {text}", kind.as_str()),
    )
    .await
    .map_err(storage_failed)?;
    let approval = Approval {
        id: approval_id,
        heads,
        by: user.name.clone(),
        at,
    };
    Ok((StatusCode::CREATED, Json(approval.json())))
}
