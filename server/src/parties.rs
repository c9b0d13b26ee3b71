//! Granting an HQ reviewer the identities of an engagement's confidential
//! consultation parties, and revoking it: from the API (field officers of
//! the engagement, administrators) and from the CLI.
//!
//! The grant is a flag on the reviewer's membership; the write policy reads
//! it as `DocFacts::parties_granted`. Who may grant is the policy's
//! question too (`WritePolicy::may_grant_parties`: only a role that writes
//! the parties). Every grant and revocation is audited, and a revocation
//! asks the relay to stop serving the parties to the reviewer's open
//! connections at once.

use accord_shared::policy::{DocKind, WritePolicy};
use accord_shared::DocumentId;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::put;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::{json_body, storage_failed, AppError, CurrentUser};
use crate::audit;
use crate::auth::{Accounts, AuthError, User};
use crate::storage::{GrantChange, StorageError, Store};
use crate::sync::{role_without_membership, SyncRelay};
use crate::web::AppState;

/// Why a grant or revocation was not made, said for the person asking.
#[derive(Debug, thiserror::Error)]
pub enum GrantError {
    #[error("No account has the email {0}.")]
    NoAccount(String),
    #[error("{0} is not a member of this engagement; add them as an HQ reviewer first.")]
    NotMember(String),
    #[error(
        "{email} is a member as {role}; only HQ reviewers can be granted the confidential parties \
         (field officers already read them, other roles never do)."
    )]
    NotReviewer { email: String, role: String },
    #[error("storage failed: {0}")]
    Storage(#[from] StorageError),
}

impl From<AuthError> for GrantError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Storage(e) => GrantError::Storage(e),
            other => GrantError::Storage(StorageError::Write(other.to_string())),
        }
    }
}

/// What a grant or revocation did.
#[derive(Debug)]
pub struct Granted {
    pub user: User,
    /// False when it already was so (nothing written, nothing audited).
    pub changed: bool,
}

/// Grants (`granted`) or revokes the confidential parties of `engagement`
/// to the HQ reviewer with this email; audited as done by `by`.
pub async fn set_grant(
    store: &Store,
    engagement: DocumentId,
    email: &str,
    granted: bool,
    by: &str,
) -> Result<Granted, GrantError> {
    let email = email.trim();
    let user = Accounts::new(store.clone())
        .user_by_email(email)
        .await?
        .ok_or_else(|| GrantError::NoAccount(email.chars().take(200).collect()))?;
    let changed = match store
        .set_parties_grant(engagement, user.id, granted)
        .await?
    {
        GrantChange::Changed => true,
        GrantChange::Unchanged => false,
        GrantChange::NotMember => return Err(GrantError::NotMember(user.email)),
        GrantChange::NotReviewer(role) => {
            return Err(GrantError::NotReviewer {
                email: user.email,
                role,
            })
        }
    };
    if changed {
        let kind = if granted {
            "parties_granted"
        } else {
            "parties_revoked"
        };
        audit::record(
            store,
            kind,
            by,
            &format!(
                "{} (hq_reviewer) confidential parties of {engagement}",
                user.email
            ),
        )
        .await?;
    }
    Ok(Granted { user, changed })
}

/// Asks the relay to check again who may read the engagement's
/// confidential parties, so a revoked reviewer's open connection stops
/// receiving them now rather than at the next change.
pub async fn recheck(store: &Store, relay: &std::sync::Arc<SyncRelay>, engagement: DocumentId) {
    match store.engagement_documents(engagement).await {
        Ok(docs) => {
            for doc in docs
                .iter()
                .filter(|d| d.governance.kind == DocKind::Parties)
            {
                relay.recheck(doc.id).await;
            }
        }
        // The relay rechecks the parties before every answer anyway.
        Err(e) => tracing::error!(error = %e, "could not list the engagement's documents"),
    }
}

pub fn router() -> Router<AppState> {
    Router::new().route("/engagements/{id}/parties-grant", put(put_grant))
}

#[derive(Deserialize)]
struct GrantForm {
    email: String,
    granted: bool,
}

/// `PUT /api/engagements/{id}/parties-grant` `{ "email", "granted" }`:
/// grants or revokes an HQ reviewer member the confidential parties.
/// Someone who may not see the engagement gets 404, as for an unknown id;
/// a member whose role may not grant, 403.
async fn put_grant(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    form: Result<Json<GrantForm>, JsonRejection>,
) -> Result<Json<Value>, AppError> {
    let not_found = || AppError::new(StatusCode::NOT_FOUND, "No such engagement.");
    let engagement = DocumentId::parse_url_or_id(&id).map_err(|_| not_found())?;
    let governance = state
        .store
        .governance(engagement)
        .await
        .map_err(storage_failed)?;
    if !governance.is_some_and(|g| g.kind == DocKind::Engagement && g.engagement == engagement) {
        return Err(not_found());
    }
    let role = match role_without_membership(&user, DocKind::Engagement) {
        Some(role) => Some(role),
        None => state
            .store
            .member_role(engagement, user.id)
            .await
            .map_err(storage_failed)?,
    };
    let Some(role) = role else {
        return Err(not_found());
    };
    if !WritePolicy::may_grant_parties(role) {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            format!(
                "Your role in this engagement ({role}) may not grant access to the confidential \
                 parties; ask a field officer of the engagement or an administrator."
            ),
        ));
    }
    let form = json_body(form)?;
    let done = set_grant(
        &state.store,
        engagement,
        &form.email,
        form.granted,
        &user.email,
    )
    .await
    .map_err(|e| match e {
        GrantError::Storage(e) => storage_failed(e),
        other => AppError::new(StatusCode::BAD_REQUEST, other.to_string()),
    })?;
    if !form.granted {
        recheck(&state.store, &state.relay, engagement).await;
    }
    Ok(Json(json!({
        "email": done.user.email,
        "parties_granted": form.granted,
        "changed": done.changed,
    })))
}
