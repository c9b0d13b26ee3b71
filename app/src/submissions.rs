//! The consultation submissions API (issue 5): submission links for people
//! without an account, consent, the field team's inbox, reviewing and
//! withdrawing, and the contributor's own list. The submissions themselves
//! are Automerge documents, edited and synced like every other; this is
//! what the server keeps beside them (who wrote it, the consent given, the
//! confidentiality chosen, reviews and withdrawals).

use accord_shared::DocumentId;
use serde::{Deserialize, Serialize};

use crate::auth::{self, ApiError, Me};

/// What a person agrees to before anything of theirs is stored. Sent as
/// is to start a submission (by link or from an account).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Consent {
    pub consent: bool,
    pub anonymous: bool,
    pub name: String,
    pub organisation: String,
    pub contact: String,
    /// `public`, `internal` or `confidential`.
    pub confidentiality: String,
}

/// The engagement a link or a contribution is for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct EngagementRef {
    pub id: String,
    pub title: String,
    /// ISO 3166 alpha-3.
    pub country: String,
}

/// `GET /api/links/{token}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct LinkInfo {
    pub engagement: EngagementRef,
    pub expires_at: String,
    /// Consent was given with this link already (a submission exists).
    pub consented: bool,
}

/// Who wrote a submission, as far as the reader may know.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Source {
    pub anonymous: bool,
    /// The reader may not know this confidential source: show "Confidential source".
    pub masked: bool,
    pub name: String,
    pub organisation: String,
    pub contact: String,
}

/// One submission as the server lists it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Entry {
    pub id: String,
    /// `draft`, `submitted` or `withdrawn`.
    pub status: String,
    /// Empty when withdrawn.
    pub title: String,
    pub created_at: String,
    pub submitted_at: Option<String>,
    pub reviewed_at: Option<String>,
    pub reviewed_by: Option<String>,
    pub withdrawn_at: Option<String>,
    pub withdrawn_by: Option<String>,
    pub confidentiality: String,
    /// `link` or `account`.
    pub via: String,
    pub source: Source,
    /// The reader wrote it.
    pub own: bool,
}

impl Entry {
    pub fn withdrawn(&self) -> bool {
        self.status == "withdrawn"
    }
}

/// `GET /api/engagements/{id}/submissions`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Listing {
    /// The reader's role in the engagement.
    pub role: String,
    /// Drafts in progress by others (a count only, for the team).
    pub drafts: u32,
    pub submissions: Vec<Entry>,
}

/// One engagement of `GET /api/contributions`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Contribution {
    pub engagement: EngagementRef,
    pub role: String,
    pub submissions: Vec<Entry>,
}

/// `POST /api/engagements/{id}/submission-links`: the token is shown once.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct NewLink {
    pub id: i64,
    pub token: String,
    pub path: String,
    pub label: String,
    pub expires_at: String,
}

/// One link of `GET /api/engagements/{id}/submission-links`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct LinkRow {
    pub id: i64,
    pub label: String,
    pub created_at: String,
    pub expires_at: String,
    pub revoked_at: Option<String>,
    pub used: bool,
    /// `open`, `used`, `expired` or `revoked`.
    pub state: String,
}

/// The answer to a consent given with a link.
#[derive(Debug, Clone, Deserialize)]
pub struct Started {
    pub submission: String,
    #[serde(default)]
    pub user: Option<Me>,
}

async fn call<T: for<'de> Deserialize<'de>>(
    method: &str,
    path: &str,
    body: Option<String>,
) -> Result<T, ApiError> {
    let response = auth::request(method, path, body).await?;
    if response.ok() {
        auth::read(&response).await
    } else {
        Err(auth::refused(&response).await)
    }
}

fn body<T: Serialize>(value: &T) -> Result<String, ApiError> {
    auth::to_json(value).ok_or(ApiError::Unreadable)
}

fn token_path(token: &str) -> String {
    String::from(js_sys::encode_uri_component(token))
}

/// `GET /api/links/{token}`: 404 unknown, 410 revoked or expired.
pub async fn link_info(token: &str) -> Result<LinkInfo, ApiError> {
    call("GET", &format!("/api/links/{}", token_path(token)), None).await
}

/// `POST /api/links/{token}/consent`: the server signs the person in as
/// the link's contributor and answers with their submission.
pub async fn link_consent(token: &str, consent: &Consent) -> Result<Started, ApiError> {
    let path = format!("/api/links/{}/consent", token_path(token));
    call("POST", &path, Some(body(consent)?)).await
}

/// `POST /api/engagements/{id}/submissions`: a new submission for a contributor.
pub async fn start(engagement: &str, consent: &Consent) -> Result<Started, ApiError> {
    let path = format!("/api/engagements/{engagement}/submissions");
    call("POST", &path, Some(body(consent)?)).await
}

/// `GET /api/engagements/{id}/submissions`.
pub async fn list(engagement: DocumentId) -> Result<Listing, ApiError> {
    call(
        "GET",
        &format!("/api/engagements/{engagement}/submissions"),
        None,
    )
    .await
}

/// `GET /api/submissions/{id}`.
pub async fn one(id: DocumentId) -> Result<Entry, ApiError> {
    call("GET", &format!("/api/submissions/{id}"), None).await
}

#[derive(Serialize)]
struct Reviewed {
    reviewed: bool,
}

/// `POST /api/submissions/{id}/reviewed`.
pub async fn set_reviewed(id: &str, reviewed: bool) -> Result<Entry, ApiError> {
    let path = format!("/api/submissions/{id}/reviewed");
    call("POST", &path, Some(body(&Reviewed { reviewed })?)).await
}

#[derive(Serialize)]
struct Withdrawal<'a> {
    reason: &'a str,
}

/// `POST /api/submissions/{id}/withdraw`: by the author, or the field team on their behalf.
pub async fn withdraw(id: &str, reason: &str) -> Result<Entry, ApiError> {
    let path = format!("/api/submissions/{id}/withdraw");
    call("POST", &path, Some(body(&Withdrawal { reason })?)).await
}

/// `GET /api/contributions`: the engagements the person contributes to, with their submissions.
pub async fn contributions() -> Result<Vec<Contribution>, ApiError> {
    call("GET", "/api/contributions", None).await
}

#[derive(Serialize)]
struct LinkRequest<'a> {
    label: &'a str,
    days: u32,
}

/// `POST /api/engagements/{id}/submission-links`.
pub async fn create_link(
    engagement: DocumentId,
    label: &str,
    days: u32,
) -> Result<NewLink, ApiError> {
    let path = format!("/api/engagements/{engagement}/submission-links");
    call("POST", &path, Some(body(&LinkRequest { label, days })?)).await
}

/// `GET /api/engagements/{id}/submission-links`.
pub async fn links(engagement: DocumentId) -> Result<Vec<LinkRow>, ApiError> {
    call(
        "GET",
        &format!("/api/engagements/{engagement}/submission-links"),
        None,
    )
    .await
}

/// `DELETE /api/submission-links/{id}`.
pub async fn revoke_link(id: i64) -> Result<(), ApiError> {
    let response = auth::request("DELETE", &format!("/api/submission-links/{id}"), None).await?;
    if response.ok() {
        Ok(())
    } else {
        Err(auth::refused(&response).await)
    }
}

/// Where the CSV export is.
pub fn export_path(engagement: DocumentId) -> String {
    format!("/api/engagements/{engagement}/submissions/export.csv")
}
