//! HQ approvals (issue 6): `GET` and `POST /api/documents/{id}/approvals`.
//! An approval names a version by its heads and is kept by the server apart
//! from the document, so the app only reads them and asks for new ones.

use accord_shared::policy::DocKind;
use accord_shared::DocumentId;
use serde::{Deserialize, Serialize};

use crate::auth::{self, ApiError};

/// The documents a reviewer approves (the server refuses the others).
pub const APPROVABLE: [DocKind; 4] = [
    DocKind::Request,
    DocKind::Assessment,
    DocKind::Programme,
    DocKind::Evaluation,
];

/// Whether a declared kind (`schema.kind`) is one reviewers approve.
pub fn approvable(kind: &str) -> bool {
    APPROVABLE.iter().any(|k| k.as_str() == kind)
}

/// One approval: the version (heads), who approved it and when (RFC 3339).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Approval {
    pub id: i64,
    pub heads: Vec<String>,
    pub by: String,
    pub at: String,
}

/// The latest approval and how many changes were written since.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Latest {
    pub approval: Approval,
    pub changes_since: usize,
}

/// `GET /api/documents/{id}/approvals`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Listing {
    pub approvals: Vec<Approval>,
    pub latest: Option<Latest>,
}

#[derive(Serialize)]
struct Approve<'a> {
    heads: &'a [String],
}

fn path(id: DocumentId) -> String {
    format!("/api/documents/{id}/approvals")
}

/// Every approval of the document, newest first, with the changes since the latest.
pub async fn list(id: DocumentId) -> Result<Listing, ApiError> {
    let response = auth::request("GET", &path(id), None).await?;
    if response.ok() {
        auth::read(&response).await
    } else {
        Err(auth::refused(&response).await)
    }
}

/// Approves the version with these heads, which the server must hold.
pub async fn approve(id: DocumentId, heads: &[String]) -> Result<Approval, ApiError> {
    let body = auth::to_json(&Approve { heads }).ok_or(ApiError::Unreadable)?;
    let response = auth::request("POST", &path(id), Some(body)).await?;
    if response.ok() {
        auth::read(&response).await
    } else {
        Err(auth::refused(&response).await)
    }
}
