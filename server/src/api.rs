//! The JSON API: sign-in, sign-out, who am I, and sync tickets.

use std::net::SocketAddr;

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use accord_shared::policy::{DocFacts, Role, WritePolicy};
use accord_shared::DocumentId;

use crate::audit;
use crate::auth::{AuthError, User, SESSION_TTL};
use crate::storage::{Governance, StorageError, Store};
use crate::sync::role_without_membership;
use crate::web::AppState;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "accord_session";

/// The one error type at the HTTP edge: a status and a message for a person.
#[derive(Debug)]
pub struct AppError {
    status: StatusCode,
    message: String,
}

impl AppError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "Sign in to continue.")
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": self.message }))).into_response()
    }
}

/// A 400 with a message for the person.
pub fn bad_request(message: impl Into<String>) -> AppError {
    AppError::new(StatusCode::BAD_REQUEST, message)
}

/// A JSON body that does not parse is a 400 in the API's own error shape.
pub fn json_body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, AppError> {
    body.map(|Json(v)| v).map_err(|e| {
        bad_request(format!(
            "The request body is not what was expected: {}",
            e.body_text()
        ))
    })
}

/// Storage failing under an API call: logged, and a 500 that says to retry.
pub fn storage_failed(e: StorageError) -> AppError {
    tracing::error!(error = %e, "storage failed during an API call");
    AppError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "The server could not complete this; try again.",
    )
}

impl From<AuthError> for AppError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::BadCredentials => Self::new(
                StatusCode::UNAUTHORIZED,
                "The email or password is not right.",
            ),
            AuthError::Storage(e) => storage_failed(e),
            other => Self::new(StatusCode::BAD_REQUEST, other.to_string()),
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/me", get(me))
        .route("/sync-ticket", post(sync_ticket))
        .route("/documents/{id}/access", get(document_access))
        .route("/admin/users", get(admin_users))
        .route("/admin/members", get(admin_members).post(admin_add_member))
        .merge(crate::engagements::router())
        .merge(crate::parties::router())
        .merge(crate::submissions::router())
        .merge(crate::approvals::router())
        .merge(crate::history::router())
        .merge(crate::export::router())
}

/// The signed-in person, if they are an admin.
pub struct Admin(pub User);

impl FromRequestParts<AppState> for Admin {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let CurrentUser(user) = CurrentUser::from_request_parts(parts, state).await?;
        if user.role == Role::Admin {
            Ok(Admin(user))
        } else {
            Err(AppError::new(
                StatusCode::FORBIDDEN,
                "Only an administrator can do this.",
            ))
        }
    }
}

async fn admin_users(
    State(state): State<AppState>,
    Admin(_): Admin,
) -> Result<Json<serde_json::Value>, AppError> {
    let users = state.accounts.list_users().await?;
    Ok(Json(json!(users
        .iter()
        .map(
            |u| json!({ "email": u.email, "name": u.name, "role": u.role, "disabled": u.disabled })
        )
        .collect::<Vec<_>>())))
}

#[derive(Deserialize)]
struct EngagementQuery {
    engagement: String,
}

async fn admin_members(
    State(state): State<AppState>,
    Admin(_): Admin,
    axum::extract::Query(q): axum::extract::Query<EngagementQuery>,
) -> Result<Json<serde_json::Value>, AppError> {
    let engagement = DocumentId::parse_url_or_id(&q.engagement)
        .map_err(|e| AppError::new(StatusCode::BAD_REQUEST, e.to_string()))?;
    let members = state
        .store
        .members(engagement)
        .await
        .map_err(AuthError::from)?;
    Ok(Json(json!(members
        .into_iter()
        .map(|m| json!({
            "email": m.email,
            "name": m.name,
            "role": m.role,
            "parties_granted": m.parties_granted,
        }))
        .collect::<Vec<_>>())))
}

#[derive(Deserialize)]
struct MemberForm {
    engagement: String,
    email: String,
    role: String,
}

/// Adds a person to an engagement (or changes their role); audited.
async fn admin_add_member(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Json(form): Json<MemberForm>,
) -> Result<StatusCode, AppError> {
    let bad = |m: String| AppError::new(StatusCode::BAD_REQUEST, m);
    let engagement =
        DocumentId::parse_url_or_id(&form.engagement).map_err(|e| bad(e.to_string()))?;
    let role: Role = form
        .role
        .parse()
        .map_err(|e: accord_shared::policy::UnknownRole| bad(e.to_string()))?;
    let user = state
        .accounts
        .user_by_email(&form.email)
        .await?
        .ok_or_else(|| bad(format!("No account has the email {}.", form.email.trim())))?;
    state
        .store
        .add_member(engagement, user.id, role)
        .await
        .map_err(AuthError::from)?;
    audit::record(
        &state.store,
        "member_added",
        &admin.email,
        &format!("{} as {role} in {engagement}", user.email),
    )
    .await
    .map_err(AuthError::from)?;
    // A changed role applies to the person's open connections too.
    if let Ok(docs) = state.store.engagement_documents(engagement).await {
        for doc in docs {
            state.relay.recheck(doc.id).await;
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

/// What the signed-in person may do with a document, for the app to show
/// fields read-only with the same `WritePolicy` the relay enforces.
/// A document they may not read is a 404, exactly like an unknown one.
async fn document_access(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Json<serde_json::Value>, AppError> {
    let not_found = || AppError::new(StatusCode::NOT_FOUND, "No such document.");
    let id = DocumentId::parse_url_or_id(&id).map_err(|_| not_found())?;
    let (owner, governance) = state.store.load_meta(id).await.map_err(AuthError::from)?;
    let own = owner == Some(user.id);
    if governance.is_none() {
        // Not in an engagement: its owner (or an admin) writes all of it. A
        // document not stored yet is a 404 too, so the answer never tells
        // "hidden" from "missing"; the app then treats it as its own new one.
        if user.role != Role::Admin && !own {
            return Err(not_found());
        }
        return Ok(Json(json!({ "kind": null, "role": user.role, "own": own })));
    }
    match standing(&state.store, &user, id).await? {
        Some(s) => Ok(Json(json!({
            "kind": s.governance.kind.as_str(),
            "role": s.role,
            "engagement": s.governance.engagement.to_string(),
            "shared_with_government": s.governance.shared_with_government,
            "submitted": s.governance.submitted,
            "parties_granted": s.facts.parties_granted,
            "own": own,
        }))),
        None => Err(not_found()),
    }
}

/// How a person stands towards a document of an engagement they may read.
pub struct Standing {
    pub governance: Governance,
    pub role: Role,
    pub facts: DocFacts,
}

/// The document a route's `{id}` names and the person's standing on it;
/// a 404 alike for a bad id, an unknown document and one they may not read.
pub async fn readable(
    store: &Store,
    user: &User,
    raw_id: &str,
) -> Result<(DocumentId, Standing), AppError> {
    let not_found = || AppError::new(StatusCode::NOT_FOUND, "No such document.");
    let id = DocumentId::parse_url_or_id(raw_id).map_err(|_| not_found())?;
    let s = standing(store, user, id).await?.ok_or_else(not_found)?;
    Ok((id, s))
}

/// The person's role and the facts the write policy needs for a document
/// of an engagement; `None` if it is not one, or they may not read it.
pub async fn standing(
    store: &Store,
    user: &User,
    id: DocumentId,
) -> Result<Option<Standing>, AppError> {
    let (owner, governance) = store.load_meta(id).await.map_err(storage_failed)?;
    let Some(g) = governance else {
        return Ok(None);
    };
    let membership = store
        .membership(g.engagement, user.id)
        .await
        .map_err(storage_failed)?;
    let role = role_without_membership(user, g.kind).or(membership.map(|m| m.role));
    let facts = DocFacts {
        shared_with_government: g.shared_with_government,
        own: owner == Some(user.id),
        submitted: g.submitted,
        withdrawn: g.withdrawn,
        parties_granted: membership.is_some_and(|m| m.parties_granted),
    };
    Ok(role
        .filter(|role| WritePolicy::may_read(*role, g.kind, facts))
        .map(|role| Standing {
            governance: g,
            role,
            facts,
        }))
}

/// The signed-in person, from the session cookie or an `Authorization: Bearer` token.
pub struct CurrentUser(pub User);

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        authenticate(&parts.headers, state)
            .await?
            .map(CurrentUser)
            .ok_or_else(AppError::unauthorized)
    }
}

/// Cookie first, then bearer token; `None` if neither names an active account.
pub async fn authenticate(headers: &HeaderMap, state: &AppState) -> Result<Option<User>, AppError> {
    if let Some(session) = cookie(headers, SESSION_COOKIE) {
        if let Some(user) = state.accounts.user_for_session(&session).await? {
            return Ok(Some(user));
        }
    }
    if let Some(token) = bearer(headers) {
        return Ok(state.accounts.user_for_token(token).await?);
    }
    Ok(None)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// Behind a TLS-terminating proxy the cookie must be `Secure`.
pub(crate) fn over_tls(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

pub(crate) fn session_cookie(value: &str, max_age: u64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("accord_session=; Max-Age=0; Path=/"))
}

#[derive(Deserialize)]
struct LoginForm {
    email: String,
    password: String,
}

async fn login(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(form): Json<LoginForm>,
) -> Result<Response, AppError> {
    let ip = addr.ip();
    if let Some(wait) = state.limiter.blocked(&form.email, ip) {
        let minutes = wait.as_secs().div_ceil(60).max(1);
        audit::record(&state.store, "login_blocked", &form.email, &ip.to_string())
            .await
            .ok();
        return Err(AppError::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!("Too many failed sign-ins. Try again in {minutes} minutes."),
        ));
    }
    match state
        .accounts
        .verify_password(&form.email, &form.password)
        .await
    {
        Ok(user) => {
            state.limiter.succeeded(&form.email);
            let session = state.accounts.create_session(&user).await?;
            audit::record(&state.store, "login", &user.email, &ip.to_string())
                .await
                .ok();
            let mut res = Json(&user).into_response();
            res.headers_mut().insert(
                header::SET_COOKIE,
                session_cookie(&session, SESSION_TTL.as_secs(), over_tls(&headers)),
            );
            Ok(res)
        }
        Err(AuthError::BadCredentials) => {
            state.limiter.failed(&form.email, ip);
            audit::record(&state.store, "login_failed", &form.email, &ip.to_string())
                .await
                .ok();
            Err(AuthError::BadCredentials.into())
        }
        Err(e) => Err(e.into()),
    }
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    if let Some(session) = cookie(&headers, SESSION_COOKIE) {
        state.accounts.end_session(&session).await?;
    }
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie("", 0, over_tls(&headers)),
    );
    Ok(res)
}

async fn me(CurrentUser(user): CurrentUser) -> Json<User> {
    Json(user)
}

/// A single-use ticket for `/sync?ticket=…`, valid 60 seconds.
async fn sync_ticket(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> impl IntoResponse {
    Json(json!({ "ticket": state.tickets.issue(user) }))
}
