//! HTTP: the server-rendered UI, the JSON API at `/api/v1` with its OpenAPI document, and the
//! operations endpoints (`/healthz`, `/readyz`, `/metrics`).
//!
//! Handlers are thin: they parse the request, call one use case of `app`, and render the
//! result. Rules live in the domain crates, never here.

pub mod api;
pub mod auth;
pub mod error;
pub mod i18n;
pub mod ops;
pub mod pages;
pub mod render;

use app::App;
use axum::Router;
use std::sync::Arc;
use tower_http::limit::RequestBodyLimitLayer;

/// The largest request body accepted (sign-up forms, terms texts); larger ones get 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The largest body of the few routes that take a document (a registry extract): the document
/// plus room for the form around it. Those routes raise axum's limit for themselves only.
pub const MAX_UPLOAD_BYTES: usize = platform::kyc::MAX_DOCUMENT_BYTES + 64 * 1024;

/// The layer a document-upload route adds to raise the body limit for itself.
pub fn upload_limit() -> axum::extract::DefaultBodyLimit {
    axum::extract::DefaultBodyLimit::max(MAX_UPLOAD_BYTES)
}

/// What every handler can reach.
#[derive(Clone)]
pub struct WebState {
    pub app: App,
    pub views: Arc<render::Views>,
    pub metrics: Arc<ops::Metrics>,
    pub limiter: Arc<auth::RateLimiter>,
    /// Marks cookies `Secure`. On by default; plain-HTTP deployments on a LAN can turn it off.
    pub secure_cookies: bool,
}

impl WebState {
    pub fn new(app: App, secure_cookies: bool) -> WebState {
        WebState {
            app,
            views: Arc::new(render::Views::new()),
            metrics: Arc::new(ops::Metrics::default()),
            limiter: Arc::new(auth::RateLimiter::new(20, std::time::Duration::from_secs(60))),
            secure_cookies,
        }
    }
}

/// The whole HTTP surface.
pub fn router(state: WebState) -> Router {
    Router::new()
        .merge(ops::router())
        .merge(api::router(state.clone()))
        .merge(pages::router().layer(axum::middleware::from_fn_with_state(state.clone(), auth::ensure_csrf)))
        .layer(axum::middleware::from_fn_with_state(state.clone(), ops::track))
        // Extractors stop at MAX_BODY_BYTES unless a route raised it (uploads); the outer layer
        // refuses anything beyond the largest upload before a byte is buffered.
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(RequestBodyLimitLayer::new(MAX_UPLOAD_BYTES))
        .with_state(state)
}

/// A stored file sent back as a download, with the type its bytes were recognised as.
pub fn download(meta: &store::files::FileMeta, bytes: Vec<u8>) -> axum::response::Response {
    attachment(&meta.content_type, &meta.file_name, bytes)
}

/// Bytes sent as a file to save: its type, its name (RFC 6266: an ASCII fallback for old
/// clients and the exact UTF-8 name percent-encoded), and no content sniffing.
pub fn attachment(content_type: &str, file_name: &str, bytes: Vec<u8>) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}");
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        bytes,
    )
        .into_response()
}
