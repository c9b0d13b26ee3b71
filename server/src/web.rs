//! HTTP edge: the router, health check, sync upgrade and the built app.

use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{Query, Request, State, WebSocketUpgrade};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};

use crate::api::{self, AppError};
use crate::auth::rate_limit::LoginLimiter;
use crate::auth::tickets::Tickets;
use crate::auth::Accounts;
use crate::storage::Store;
use crate::sync::{connection, SyncRelay};

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub relay: Arc<SyncRelay>,
    pub store: Store,
    pub accounts: Accounts,
    pub tickets: Arc<Tickets>,
    pub limiter: Arc<LoginLimiter>,
    pub dist_dir: PathBuf,
    pub max_frame_bytes: usize,
}

/// Slack above the frame limit so an oversized frame reaches our own check
/// (and gets a clear error) instead of a bare transport failure.
const TRANSPORT_SLACK: usize = 1024 * 1024;
/// Read and write buffer of each WebSocket: small, since idle sockets are
/// the many and messages are small (large ones grow the buffer as needed).
const WS_BUFFER: usize = 8 * 1024;

pub fn router(state: AppState) -> Router {
    let index = state.dist_dir.join("index.html");
    let app = if index.exists() {
        // Paths without a file extension are app routes (/doc/<id>): answer
        // with the app shell. A missing .js/.wasm/.css stays a 404, never HTML.
        let shell = ServeFile::new(index);
        let spa = tower::service_fn(move |req: Request| {
            let mut shell = shell.clone();
            async move {
                let last = req.uri().path().rsplit('/').next().unwrap_or("");
                let res = if last.contains('.') {
                    StatusCode::NOT_FOUND.into_response()
                } else {
                    match shell.try_call(req).await {
                        Ok(res) => res.into_response(),
                        Err(e) => (
                            StatusCode::INTERNAL_SERVER_ERROR,
                            format!("the app shell could not be read: {e}"),
                        )
                            .into_response(),
                    }
                };
                Ok::<_, std::convert::Infallible>(res)
            }
        });
        // The build leaves brotli and gzip copies beside the assets (Trunk.toml).
        let files = ServeDir::new(&state.dist_dir)
            .precompressed_br()
            .precompressed_gzip();
        Router::new().fallback_service(files.fallback(spa))
    } else {
        Router::new().fallback(app_not_built)
    };
    let security = security_headers(&state.dist_dir.join("index.html"));
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/sync", get(sync_upgrade))
        .nest("/api", api::router())
        .with_state(state)
        .merge(app.layer(middleware::from_fn(cache_headers)))
        .layer(CompressionLayer::new())
        .layer(middleware::from_fn(move |req: Request, next: Next| {
            let security = security.clone();
            async move {
                let mut res = next.run(req).await;
                for (name, value) in security.iter() {
                    res.headers_mut().insert(name.clone(), value.clone());
                }
                res
            }
        }))
}

/// Headers on every response. The Content-Security-Policy allows this origin's
/// scripts, the wasm app, and exactly the inline scripts of the built
/// `index.html` (by hash: Trunk's loader), and nothing inline from elsewhere.
fn security_headers(index: &std::path::Path) -> Arc<Vec<(header::HeaderName, HeaderValue)>> {
    let html = std::fs::read_to_string(index).unwrap_or_default();
    let hashes: String = inline_scripts(&html)
        .map(|body| {
            use base64::Engine;
            use sha2::Digest;
            let digest = sha2::Sha256::digest(body.as_bytes());
            format!(
                " 'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            )
        })
        .collect();
    let csp = format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; worker-src 'self'; object-src 'none'; \
         base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    );
    let pairs = [
        (header::CONTENT_SECURITY_POLICY, csp),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".into()),
        (header::REFERRER_POLICY, "no-referrer".into()),
        (header::X_FRAME_OPTIONS, "DENY".into()),
    ];
    Arc::new(
        pairs
            .into_iter()
            .filter_map(|(name, value)| Some((name, HeaderValue::from_str(&value).ok()?)))
            .collect(),
    )
}

/// Bodies of `<script>` elements without a `src`.
fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    html.split("<script").skip(1).filter_map(|rest| {
        let (tag, after) = rest.split_once('>')?;
        let (body, _) = after.split_once("</script>")?;
        (!tag.contains("src=")).then_some(body)
    })
}

#[derive(serde::Deserialize)]
struct SyncQuery {
    ticket: Option<String>,
}

/// Authenticates before upgrading: session cookie, bearer token or a
/// single-use ticket. Anyone else gets 401 and no socket.
async fn sync_upgrade(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Query(query): Query<SyncQuery>,
    ws: WebSocketUpgrade,
) -> Result<Response, AppError> {
    let user = match query.ticket.as_deref().map(|t| state.tickets.redeem(t)) {
        Some(Some(user)) => user,
        Some(None) => {
            return Err(AppError::new(
                StatusCode::UNAUTHORIZED,
                "This sync ticket is used or expired.",
            ))
        }
        None => api::authenticate(&headers, &state)
            .await?
            .ok_or_else(AppError::unauthorized)?,
    };
    tracing::debug!(user = %user.email, "sync connection");
    let limit = state.max_frame_bytes;
    Ok(ws
        // tungstenite's default 128 KiB read buffer is allocated up front for
        // every socket; most connections sit idle between small messages.
        .read_buffer_size(WS_BUFFER)
        .write_buffer_size(WS_BUFFER)
        .max_message_size(limit.saturating_add(TRANSPORT_SLACK))
        .max_frame_size(limit.saturating_add(TRANSPORT_SLACK))
        .on_upgrade(move |socket| connection::serve(socket, state.relay, limit, user)))
}

/// Hashed assets never change, so browsers may keep them; the shell is always revalidated.
async fn cache_headers(req: Request, next: Next) -> Response {
    let hashed = is_hashed_asset(req.uri().path());
    let mut res = next.run(req).await;
    if res.status().is_success() {
        let value = if hashed {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    }
    res
}

/// Trunk names built files `name-<hash>.ext` (and `name-<hash>_bg.wasm`),
/// the hash a 64-bit number in hex without leading zeros: 16 digits, but
/// fewer one build in sixteen (`app-6bc5e68fe35a588_bg.wasm`).
fn is_hashed_asset(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or("");
    let stem = file.split('.').next().unwrap_or("");
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-').is_some_and(|(_, hash)| {
        (8..=16).contains(&hash.len()) && hash.chars().all(|c| c.is_ascii_hexdigit())
    })
}

async fn app_not_built() -> impl IntoResponse {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Html(
            "<!doctype html><title>Accord</title><h1>The Accord app is not built</h1>\
             <p>Run <code>make run</code> in the Accord checkout; it builds the app into <code>dist/</code>.</p>",
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::{inline_scripts, is_hashed_asset};

    #[test]
    fn finds_inline_scripts_but_not_external_ones() {
        let html = "<script type=\"module\">a()</script><script src=\"/x.js\"></script><script>\nb()\n</script>";
        assert_eq!(
            inline_scripts(html).collect::<Vec<_>>(),
            vec!["a()", "\nb()\n"]
        );
    }

    #[test]
    fn recognises_trunk_hashed_file_names() {
        assert!(is_hashed_asset("/app-1a2b3c4d5e6f7a8b_bg.wasm"));
        assert!(is_hashed_asset("/main-0123456789abcdef.css"));
        // A hash whose first hex digit was 0 (found failing on CI).
        assert!(is_hashed_asset("/app-6bc5e68fe35a588_bg.wasm"));
        assert!(!is_hashed_asset("/sw.js"));
        assert!(!is_hashed_asset("/site-header.css"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/doc/4NMNnkMhL8jXrdJ9jamS58PAVdXu"));
    }
}
