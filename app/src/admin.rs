//! The admin API (`/api/admin/*`): accounts, and who is in which engagement
//! with which role. The server answers 403 to anyone but an administrator.

use accord_shared::policy::Role;
use accord_shared::DocumentId;
use serde::{Deserialize, Serialize};

use crate::auth::{self, ApiError};

/// An account, as `GET /api/admin/users` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Account {
    pub email: String,
    pub name: String,
    pub role: String,
    #[serde(default)]
    pub disabled: bool,
}

/// A member of an engagement, as `GET /api/admin/members` lists them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Member {
    pub email: String,
    pub name: String,
    pub role: String,
    /// An HQ reviewer who may read the confidential consultation parties.
    #[serde(default)]
    pub parties_granted: bool,
}

#[derive(Serialize)]
struct NewMember<'a> {
    engagement: String,
    email: &'a str,
    role: &'a str,
}

/// `GET /api/admin/users`: every account.
pub async fn users() -> Result<Vec<Account>, ApiError> {
    let response = auth::request("GET", "/api/admin/users", None).await?;
    if response.ok() {
        auth::read(&response).await
    } else {
        Err(auth::refused(&response).await)
    }
}

/// `GET /api/admin/members?engagement=…`: the engagement's members, by name.
pub async fn members(engagement: DocumentId) -> Result<Vec<Member>, ApiError> {
    let path = format!(
        "/api/admin/members?engagement={}",
        String::from(js_sys::encode_uri_component(&engagement.to_string()))
    );
    let response = auth::request("GET", &path, None).await?;
    if response.ok() {
        auth::read(&response).await
    } else {
        Err(auth::refused(&response).await)
    }
}

/// `POST /api/admin/members`: adds the account to the engagement, or
/// changes their role there.
pub async fn add_member(engagement: DocumentId, email: &str, role: Role) -> Result<(), ApiError> {
    let body = auth::to_json(&NewMember {
        engagement: engagement.to_string(),
        email,
        role: role.as_str(),
    })
    .ok_or(ApiError::Unreadable)?;
    let response = auth::request("POST", "/api/admin/members", Some(body)).await?;
    if response.ok() {
        Ok(())
    } else {
        Err(auth::refused(&response).await)
    }
}

#[derive(Serialize)]
struct PartiesGrant<'a> {
    email: &'a str,
    granted: bool,
}

/// `PUT /api/engagements/{id}/parties-grant`: lets an HQ reviewer member
/// read the engagement's confidential parties (`granted`), or no longer.
/// Field officers of the engagement and administrators may; the server
/// audits it and stops serving the parties at once on a revocation.
pub async fn set_parties_grant(
    engagement: DocumentId,
    email: &str,
    granted: bool,
) -> Result<(), ApiError> {
    let body = auth::to_json(&PartiesGrant { email, granted }).ok_or(ApiError::Unreadable)?;
    let path = format!(
        "/api/engagements/{}/parties-grant",
        String::from(js_sys::encode_uri_component(&engagement.to_string()))
    );
    let response = auth::request("PUT", &path, Some(body)).await?;
    if response.ok() {
        Ok(())
    } else {
        Err(auth::refused(&response).await)
    }
}
