//! Sign-in against the server's `/api` (same origin, JSON, HttpOnly session
//! cookie the app never sees), and the last signed-in identity remembered in
//! localStorage so Accord still opens offline.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, RequestCache, RequestCredentials, RequestInit, Response};

/// localStorage key of the JSON of the last `/api/me`.
const ME_KEY: &str = "accord.me";
/// Set when "Sign out" could not reach the server, so the next start
/// clears the session cookie before anything else.
const SIGN_OUT_PENDING_KEY: &str = "accord.signout-pending";

/// The signed-in person, as `/api/me` and `/api/login` return them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub email: String,
    pub name: String,
    pub role: String,
}

/// Why a request gave no answer the app can use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// No response at all: offline, or the server is down.
    Network,
    /// The server refused, with its own words (`{"error": "..."}`), if any.
    Refused {
        status: u16,
        message: Option<String>,
    },
    /// A 2xx the app could not read (e.g. a server without this API).
    Unreadable,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: String,
}

#[derive(Serialize)]
struct Credentials<'a> {
    email: &'a str,
    password: &'a str,
}

pub(crate) async fn request(
    method: &str,
    path: &str,
    body: Option<String>,
) -> Result<Response, ApiError> {
    let window = web_sys::window().ok_or(ApiError::Network)?;
    let init = RequestInit::new();
    init.set_method(method);
    init.set_credentials(RequestCredentials::SameOrigin);
    init.set_cache(RequestCache::NoStore);
    let headers = Headers::new().map_err(|_| ApiError::Network)?;
    let _ = headers.set("Accept", "application/json");
    if let Some(body) = body {
        let _ = headers.set("Content-Type", "application/json");
        init.set_body(&JsValue::from_str(&body));
    }
    init.set_headers(&headers);
    let response = JsFuture::from(window.fetch_with_str_and_init(path, &init))
        .await
        .map_err(|_| ApiError::Network)?;
    response
        .dyn_into::<Response>()
        .map_err(|_| ApiError::Network)
}

pub(crate) async fn json(response: &Response) -> Option<JsValue> {
    JsFuture::from(response.json().ok()?).await.ok()
}

/// A refusal (non-2xx) with the server's `{"error": "..."}` message, if any.
pub(crate) async fn refused(response: &Response) -> ApiError {
    let message = match json(response).await {
        Some(value) => serde_wasm_bindgen::from_value::<ErrorBody>(value)
            .ok()
            .map(|b| b.error)
            .filter(|e| !e.trim().is_empty()),
        None => None,
    };
    ApiError::Refused {
        status: response.status(),
        message,
    }
}

/// The JSON body of a 2xx as `T`.
pub(crate) async fn read<T: DeserializeOwned>(response: &Response) -> Result<T, ApiError> {
    let value = json(response).await.ok_or(ApiError::Unreadable)?;
    serde_wasm_bindgen::from_value(value).map_err(|_| ApiError::Unreadable)
}

/// `value` as JSON text, for a request body.
pub(crate) fn to_json<T: Serialize>(value: &T) -> Option<String> {
    serde_wasm_bindgen::to_value(value)
        .ok()
        .and_then(|v| js_sys::JSON::stringify(&v).ok())
        .and_then(|s| s.as_string())
}

/// `GET /api/me`: `Ok(Some)` signed in, `Ok(None)` not signed in (401).
pub async fn fetch_me() -> Result<Option<Me>, ApiError> {
    let response = request("GET", "/api/me", None).await?;
    match response.status() {
        200..=299 => read::<Me>(&response).await.map(Some),
        401 => Ok(None),
        _ => Err(refused(&response).await),
    }
}

/// `POST /api/login`; on success the server has set the session cookie.
pub async fn login(email: &str, password: &str) -> Result<Me, ApiError> {
    let body = to_json(&Credentials { email, password }).ok_or(ApiError::Unreadable)?;
    let response = request("POST", "/api/login", Some(body)).await?;
    if response.ok() {
        read::<Me>(&response).await
    } else {
        Err(refused(&response).await)
    }
}

/// `POST /api/logout`: the server clears the session cookie.
pub async fn logout() -> Result<(), ApiError> {
    let response = request("POST", "/api/logout", None).await?;
    if response.ok() {
        Ok(())
    } else {
        Err(refused(&response).await)
    }
}

pub(crate) fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// Keeps who is signed in, for opening Accord offline.
pub fn remember(me: &Me) {
    if let (Some(storage), Some(text)) = (storage(), to_json(me)) {
        // Private browsing may refuse; offline start then needs a sign-in.
        let _ = storage.set_item(ME_KEY, &text);
    }
}

/// The last signed-in identity on this device, if any.
pub fn remembered() -> Option<Me> {
    let text = storage()?.get_item(ME_KEY).ok()??;
    let value = js_sys::JSON::parse(&text).ok()?;
    serde_wasm_bindgen::from_value(value).ok()
}

pub fn forget() {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(ME_KEY);
    }
}

/// Signing out offline: the cookie is still there; clear it when online.
pub fn set_sign_out_pending(pending: bool) {
    if let Some(storage) = storage() {
        let _ = if pending {
            storage.set_item(SIGN_OUT_PENDING_KEY, "1")
        } else {
            storage.remove_item(SIGN_OUT_PENDING_KEY)
        };
    }
}

pub fn sign_out_pending() -> bool {
    storage()
        .and_then(|s| s.get_item(SIGN_OUT_PENDING_KEY).ok().flatten())
        .is_some()
}

/// Where to go after signing in: `next` if it is a path on this origin,
/// else the home page. Never back to the sign-in page itself.
pub fn safe_next(next: Option<&str>) -> String {
    let home = || "/".to_string();
    let Some(next) = next else { return home() };
    if !next.starts_with('/')
        || next.starts_with("//")
        || next.starts_with("/\\")
        || next.chars().any(|c| c.is_control())
    {
        return home();
    }
    let Some(origin) = web_sys::window().and_then(|w| w.location().origin().ok()) else {
        return home();
    };
    match web_sys::Url::new_with_base(next, &origin) {
        Ok(url) if url.origin() == origin && url.pathname() != "/login" => {
            format!("{}{}{}", url.pathname(), url.search(), url.hash())
        }
        _ => home(),
    }
}
