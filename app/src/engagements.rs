//! The engagements API: the list the dashboard shows (kept in localStorage
//! so it shows offline), creating an engagement and adding an evaluation to
//! one, and where the taxonomy is.

use accord_shared::DocumentId;
use serde::{Deserialize, Serialize};

use crate::auth::{self, ApiError};

/// localStorage key of the last list, with when it was fetched.
const CACHE_KEY: &str = "accord.engagements";

/// One engagement as `GET /api/engagements` lists it. Every field defaults,
/// so an older or newer server's answer still reads.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EngagementSummary {
    pub id: String,
    pub title: String,
    /// ISO 3166 alpha-3.
    pub country: String,
    pub presence: String,
    pub stage: String,
    /// The person's role in this engagement.
    pub role: String,
    pub last_move: Option<LastMove>,
    pub documents: Documents,
    pub evaluations: Vec<EvaluationSummary>,
    /// Latest approval of the request, assessment and programme, by kind:
    /// absent if the person may not read it, `None` if never approved.
    pub approvals: std::collections::BTreeMap<String, Option<ApprovalState>>,
    pub counts: Counts,
}

/// A document's latest approval and the changes written since.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApprovalState {
    pub by: String,
    /// RFC 3339.
    pub at: String,
    pub changes_since: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LastMove {
    pub by: String,
    /// RFC 3339.
    pub at: String,
    pub to: String,
}

/// Document ids of the engagement (bare bs58check).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Documents {
    pub request: String,
    pub assessment: String,
    pub consultations: String,
    pub parties: String,
    pub programme: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EvaluationSummary {
    pub id: String,
    pub title: String,
    pub kind: String,
    /// `None`: never approved (or not known).
    pub approval: Option<ApprovalState>,
}

/// What the dashboard counts; `None` where the person may not see the document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Counts {
    pub open_needs: Option<u32>,
    pub outputs: Option<u32>,
    pub overdue_actions: Option<u32>,
    /// Submitted consultation submissions not yet reviewed (the team only).
    pub new_submissions: Option<u32>,
}

/// The list as last fetched, and when (ms since the epoch).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Cached {
    pub fetched: f64,
    pub engagements: Vec<EngagementSummary>,
}

/// `GET /api/engagements`: the engagements the person may see. Kept on the device.
pub async fn list() -> Result<Vec<EngagementSummary>, ApiError> {
    let response = auth::request("GET", "/api/engagements", None).await?;
    if !response.ok() {
        return Err(auth::refused(&response).await);
    }
    let engagements: Vec<EngagementSummary> = auth::read(&response).await?;
    let cached = Cached {
        fetched: js_sys::Date::now(),
        engagements: engagements.clone(),
    };
    if let (Some(storage), Some(text)) = (auth::storage(), auth::to_json(&cached)) {
        // Private browsing may refuse; offline then shows nothing.
        let _ = storage.set_item(CACHE_KEY, &text);
    }
    Ok(engagements)
}

/// The last list fetched on this device.
pub fn cached() -> Option<Cached> {
    let text = auth::storage()?.get_item(CACHE_KEY).ok()??;
    let value = js_sys::JSON::parse(&text).ok()?;
    serde_wasm_bindgen::from_value(value).ok()
}

/// Forgets the list (signing out: the next person must not see it).
pub fn forget() {
    if let Some(storage) = auth::storage() {
        let _ = storage.remove_item(CACHE_KEY);
    }
}

#[derive(Serialize)]
struct NewEngagement<'a> {
    title: &'a str,
    country: &'a str,
    presence: &'a str,
}

/// `POST /api/engagements`'s answer.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Created {
    pub id: String,
    pub documents: Documents,
}

/// `POST /api/engagements` (administrators and field officers).
pub async fn create(title: &str, country: &str, presence: &str) -> Result<Created, ApiError> {
    let body = auth::to_json(&NewEngagement {
        title,
        country,
        presence,
    })
    .ok_or(ApiError::Unreadable)?;
    let response = auth::request("POST", "/api/engagements", Some(body)).await?;
    if response.ok() {
        auth::read(&response).await
    } else {
        Err(auth::refused(&response).await)
    }
}

#[derive(Serialize)]
struct NewEvaluation<'a> {
    title: &'a str,
    evaluation_type: &'a str,
}

#[derive(Deserialize)]
struct CreatedId {
    id: String,
}

/// `POST /api/engagements/{id}/evaluations`: the new evaluation document's
/// id. The caller links it into the engagement document.
pub async fn add_evaluation(
    engagement: DocumentId,
    title: &str,
    evaluation_type: &str,
) -> Result<String, ApiError> {
    let body = auth::to_json(&NewEvaluation {
        title,
        evaluation_type,
    })
    .ok_or(ApiError::Unreadable)?;
    let path = format!("/api/engagements/{engagement}/evaluations");
    let response = auth::request("POST", &path, Some(body)).await?;
    if response.ok() {
        auth::read::<CreatedId>(&response).await.map(|c| c.id)
    } else {
        Err(auth::refused(&response).await)
    }
}

/// `GET /api/taxonomy`: the taxonomy document's id (themes, groups and SDG
/// targets for the needs editor).
#[allow(dead_code)]
pub async fn taxonomy() -> Result<DocumentId, ApiError> {
    let response = auth::request("GET", "/api/taxonomy", None).await?;
    if !response.ok() {
        return Err(auth::refused(&response).await);
    }
    let created: CreatedId = auth::read(&response).await?;
    DocumentId::parse_url_or_id(&created.id).map_err(|_| ApiError::Unreadable)
}
