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
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .with_state(state)
}
